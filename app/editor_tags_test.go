package app

import (
	"slices"
	"testing"
)

func TestTagWord(t *testing.T) {
	line := "vocab 日本::動詞 emoji🙂tag"
	for _, c := range []struct {
		cursor     int
		start, end int
		prefix     string
	}{
		{0, 0, 5, ""},
		{3, 0, 5, "voc"},
		{8, 6, 12, "日本"},
		{12, 6, 12, "日本::動詞"},
		{19, 13, 22, "emoji🙂"},
		{99, 13, 22, "emoji🙂tag"},
	} {
		s, e, p := TagWord(line, c.cursor)
		if s != c.start || e != c.end || p != c.prefix {
			t.Errorf("cursor %d: got %d %d %q, want %d %d %q", c.cursor, s, e, p, c.start, c.end, c.prefix)
		}
	}
}

func TestMatchTags(t *testing.T) {
	all := []string{"Grammar", "Lang::French", "Lang::French::Verbs", "Lang::German", "leech", "marked", "日本語::動詞", "日本語::名詞"}
	for _, c := range []struct {
		prefix  string
		exclude []string
		limit   int
		want    []string
	}{
		{"l", nil, 0, []string{"Lang::French", "Lang::French::Verbs", "Lang::German", "leech"}},
		{"LANG::f", nil, 0, []string{"Lang::French", "Lang::French::Verbs"}},
		{"la::fr::v", nil, 0, []string{"Lang::French::Verbs"}},
		{"fr", nil, 0, []string{"Lang::French", "Lang::French::Verbs"}},
		{"ver", nil, 0, []string{"Lang::French::Verbs"}},
		{"g", nil, 0, []string{"Grammar", "Lang::German"}},
		{"日本", nil, 0, []string{"日本語::動詞", "日本語::名詞"}},
		{"日本語::動", nil, 0, []string{"日本語::動詞"}},
		{"名", nil, 0, []string{"日本語::名詞"}},
		{"l", []string{"leech", "LANG::german"}, 0, []string{"Lang::French", "Lang::French::Verbs"}},
		{"l", nil, 2, []string{"Lang::French", "Lang::French::Verbs"}},
		{"leech", nil, 0, nil},
		{"", nil, 0, nil},
		{"zzz", nil, 0, nil},
	} {
		got := MatchTags(all, c.prefix, c.exclude, c.limit)
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: got %q, want %q", c.prefix, got, c.want)
		}
	}
}

func TestCompleteTag(t *testing.T) {
	for _, c := range []struct {
		line   string
		cursor int
		tag    string
		want   string
		pos    int
	}{
		{"vocab la", 8, "Lang::French", "vocab Lang::French ", 19},
		{"la vocab", 2, "Lang::French", "Lang::French vocab", 13},
		{"日本 x", 2, "日本語::動詞", "日本語::動詞 x", 8},
		{"🙂 fr", 4, "Lang::French", "🙂 Lang::French ", 15},
		{"", 0, "leech", "leech ", 6},
	} {
		got := CompleteTag(c.line, c.cursor, c.tag)
		if got.Text != c.want || got.Cursor != c.pos {
			t.Errorf("%q@%d: got %q %d, want %q %d", c.line, c.cursor, got.Text, got.Cursor, c.want, c.pos)
		}
	}
}
