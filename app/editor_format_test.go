package app

import (
	"testing"
	"unicode/utf8"
)

func TestWrapSelection(t *testing.T) {
	cases := []struct {
		name, text string
		start, end int
		tags       [2]string
		want       string
		cursor     int
	}{
		{"ascii", "hello world", 6, 11, BoldTags, "hello <b>world</b>", 18},
		{"empty selection puts the cursor inside", "ab", 1, 1, ItalicTags, "a<i></i>b", 4},
		{"reversed range", "hello", 5, 0, UnderlineTags, "<u>hello</u>", 12},
		{"cjk", "日本語の文", 1, 3, BoldTags, "日<b>本語</b>の文", 10},
		{"emoji and cjk", "🙂猫🐈x", 1, 3, ColorTags("#ff0000"), `🙂<font color="#ff0000">猫🐈</font>x`, 1 + 22 + 2 + 7},
		{"multi-line", "line one\nline two", 5, 13, BoldTags, "line <b>one\nline</b> two", 20},
		{"out of range is clamped", "ab", -3, 99, BoldTags, "<b>ab</b>", 9},
		{"empty text", "", 0, 0, BoldTags, "<b></b>", 3},
	}
	for _, c := range cases {
		got := WrapSelection(c.text, c.start, c.end, c.tags)
		if got.Text != c.want || got.Cursor != c.cursor {
			t.Errorf("%s: got %q cursor %d, want %q cursor %d", c.name, got.Text, got.Cursor, c.want, c.cursor)
		}
		if got.Cursor > utf8.RuneCountInString(got.Text) {
			t.Errorf("%s: cursor past the end", c.name)
		}
	}
}

func TestInsertText(t *testing.T) {
	got := InsertText("漢字🙂end", 3, 3, `<img src="a.png">`)
	if got.Text != `漢字🙂<img src="a.png">end` || got.Cursor != 3+17 {
		t.Fatalf("got %q %d", got.Text, got.Cursor)
	}
	got = InsertText("abcdef", 4, 2, "[sound:x.mp3]")
	if got.Text != "ab[sound:x.mp3]ef" || got.Cursor != 15 {
		t.Fatalf("replace: got %q %d", got.Text, got.Cursor)
	}
}

func TestClearFormatting(t *testing.T) {
	cases := []struct {
		name, text string
		start, end int
		want       string
		cursor     int
	}{
		{"whole formatted word", "<b>hello</b>", 3, 8, "hello", 5},
		{"selection covering the tags", "x <b>hi</b> y", 0, 13, "x hi y", 6},
		{"part of a bold run is unbolded", "<b>hello world</b>", 3, 8, "hello<b> world</b>", 5},
		{"middle of a run", "<i>abcde</i>", 5, 6, "<i>ab</i>c<i>de</i>", 10},
		{"nested with attributes", `<font color="#ff0000"><b>猫🐈犬</b></font>`, 26, 27, `<font color="#ff0000"><b>猫</b></font>🐈<font color="#ff0000"><b>犬</b></font>`, 38},
		{"structure stays", "<div><b>a</b><br><img src=\"p.png\"></div>", 5, 34, `<div>a<br><img src="p.png"></div>`, 27},
		{"multi-line cjk", "<u>一\n二</u>三", 0, 11, "一\n二三", 4},
		{"edge inside a tag moves out", "a<b>bc</b>", 2, 7, "abc", 3},
		{"empty selection changes nothing", "<b>x</b>", 3, 3, "<b>x</b>", 3},
		{"unclosed tag is closed and reopened", "<b>abc", 4, 5, "<b>a</b>b<b>c", 9},
	}
	for _, c := range cases {
		got := ClearFormatting(c.text, c.start, c.end)
		if got.Text != c.want || got.Cursor != c.cursor {
			t.Errorf("%s: got %q cursor %d, want %q cursor %d", c.name, got.Text, got.Cursor, c.want, c.cursor)
		}
	}
}

func TestMediaReference(t *testing.T) {
	cases := map[string]string{
		"pic.png":        `<img src="pic.png">`,
		"my photo 猫.JPG": `<img src="my%20photo%20%E7%8C%AB.JPG">`,
		"a&b.gif":        `<img src="a%26b.gif">`,
		"voice.mp3":      "[sound:voice.mp3]",
		"clip <1>.webm":  "[sound:clip &lt;1&gt;.webm]",
		"泣き声.ogg":        "[sound:泣き声.ogg]",
	}
	for name, want := range cases {
		if got := MediaReference(name); got != want {
			t.Errorf("%q: got %q, want %q", name, got, want)
		}
	}
	if !IsAttachable("/x/a.PNG") || !IsAttachable("b.mp4") || IsAttachable("deck.apkg") || IsAttachable("notes.csv") {
		t.Fatal("IsAttachable")
	}
}
