package app

import (
	"strings"
	"testing"
)

// Expectations from the tests in rslib/src/typeanswer.rs (Anki's comparison).
func TestCompareAnswer(t *testing.T) {
	for _, c := range []struct {
		expected, typed string
		combining       bool
		want            string
	}{
		{"<div>123</div>", "", true, "<code id=typeans>123</code>"},
		{"<div>123</div>", "123", true, "<code id=typeans><span class=typeGood>123</span></code>"},
		{"source <dir>/bin/activate", "source <dir>/bin/activate", true, ""}, // tags stripped: compared below
		{"123", "1123", true, "<code id=typeans><span class=typeBad>1</span><span class=typeGood>123</span><br><span id=typearrow>&darr;</span><br><span class=typeGood>123</span></code>"},
		{"שִׁנּוּן", "שנון", false, "<code id=typeans><span class=typeGood>שִׁנּוּן</span></code>"},
		{"חוֹף", "חופ", false, "<code id=typeans><span class=typeGood>חו</span><span class=typeBad>פ</span><br><span id=typearrow>&darr;</span><br><span class=typeGood>חוֹ</span><span class=typeMissed>ף</span></code>"},
		{"ば", "は", false, "<code id=typeans><span class=typeGood>ば</span></code>"},
		{"[sound:foo.mp3]<b>1</b> &nbsp;2", "1  2", true, "<code id=typeans><span class=typeGood>1  2</span></code>"},
	} {
		if c.want == "" {
			continue
		}
		if got := CompareAnswer(c.expected, c.typed, c.combining); got != c.want {
			t.Errorf("CompareAnswer(%q, %q, %v)\n got %s\nwant %s", c.expected, c.typed, c.combining, got, c.want)
		}
	}
	// text that looks like markup is escaped, not interpreted
	if got := CompareAnswer("a &lt;dir&gt; b", "a <dir> b", true); got != "<code id=typeans><span class=typeGood>a &lt;dir&gt; b</span></code>" {
		t.Errorf("escaping: %s", got)
	}
}

type tok struct {
	class, text string
}

func tokens(t *testing.T, html string) (typed, expected []tok) {
	t.Helper()
	body := strings.TrimSuffix(strings.TrimPrefix(html, "<code id=typeans>"), "</code>")
	parts := strings.Split(body, "<br><span id=typearrow>&darr;</span><br>")
	if len(parts) != 2 {
		t.Fatalf("no arrow in %s", html)
	}
	parse := func(s string) []tok {
		var out []tok
		for _, sp := range strings.Split(s, "</span>") {
			if sp == "" {
				continue
			}
			cls, txt, _ := strings.Cut(strings.TrimPrefix(sp, "<span class="), ">")
			out = append(out, tok{cls, txt})
		}
		return out
	}
	return parse(parts[0]), parse(parts[1])
}

// The token test cases of typeanswer.rs.
func TestCompareAnswerTokens(t *testing.T) {
	bad := func(s string) tok { return tok{"typeBad", s} }
	good := func(s string) tok { return tok{"typeGood", s} }
	miss := func(s string) tok { return tok{"typeMissed", s} }
	for _, c := range []struct {
		expected, typed  string
		typedTok, expTok []tok
	}{
		{"¿Y ahora qué vamos a hacer?", "y ahora qe vamosa hacer",
			[]tok{bad("y"), good(" ahora q"), bad("e"), good(" vamos"), miss("-"), good("a hacer"), miss("-")},
			[]tok{miss("¿Y"), good(" ahora q"), miss("ué"), good(" vamos"), miss(" "), good("a hacer"), miss("?")}},
		{"1", "23", []tok{bad("23")}, nil},
		{"12", "1", []tok{good("1"), miss("-")}, nil},
		{"нос", "нс", []tok{good("н"), miss("-"), good("с")}, nil},
		{"쓰다듬다", "스다뜸다", []tok{bad("스"), good("다"), bad("뜸"), good("다")}, nil},
	} {
		typed, exp := tokens(t, CompareAnswer(c.expected, c.typed, true))
		if !equalToks(typed, c.typedTok) || (c.expTok != nil && !equalToks(exp, c.expTok)) {
			t.Errorf("%q vs %q:\n typed %v\n   exp %v", c.expected, c.typed, typed, exp)
		}
	}
	// long, very different input must not misbehave
	_ = CompareAnswer("Сущность должна быть ответственна только за одно дело",
		"Single responsibility Сущность выполняет только одну задачу.Повод для изменения сущности только один.", true)
	long := strings.Repeat("abcde ", 80) + "z"
	if got := CompareAnswer(long, long+"x", true); !strings.Contains(got, "<span class=typeBad>x</span>") {
		t.Errorf("autojunk-length input: %.200s", got)
	}
}

func equalToks(a, b []tok) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestTypeAnswerPlaceholders(t *testing.T) {
	names := []string{"Front", "Back"}
	vals := []string{"cat", "<b>Katze</b>"}
	ta, ok := typeAnswerFor("cat<br>[[type:Back]]", names, vals, 1)
	if !ok || !ta.Active() || ta.Expected != "<b>Katze</b>" || !ta.Combining {
		t.Fatalf("basic: %+v %v", ta, ok)
	}
	if q := ta.QuestionHTML("cat<br>[[type:Back]]"); q != "cat<br>" {
		t.Fatalf("question %q", q)
	}
	a := ta.AnswerHTML("cat<br>[[type:Back]]<hr id=answer><b>Katze</b>", "Katz")
	if !strings.HasPrefix(a, "cat<br><hr id=answer><code id=typeans>") || strings.Count(a, "<hr id=answer>") != 1 {
		t.Fatalf("answer %q", a)
	}
	ta, _ = typeAnswerFor("[[type:nc:Back]]", names, vals, 1)
	if ta.Combining || ta.Field != "Back" {
		t.Fatalf("nc: %+v", ta)
	}
	ta, _ = typeAnswerFor("[[type:Nope]]", names, vals, 1)
	if ta.Active() || ta.QuestionHTML("x [[type:Nope]]") != "x Type answer: unknown field Nope" {
		t.Fatalf("unknown: %+v %q", ta, ta.QuestionHTML("x [[type:Nope]]"))
	}
	ta, _ = typeAnswerFor("[[type:cloze:Text]]", []string{"Text"}, []string{"{{c1::Tokyo}} in {{c2::Japan}}"}, 2)
	if ta.Expected != "Japan" {
		t.Fatalf("cloze 2: %+v", ta)
	}
	if _, ok := typeAnswerFor("plain", names, vals, 1); ok {
		t.Fatal("no placeholder")
	}
	// an empty field shows no box and the placeholder disappears on both sides
	ta, _ = typeAnswerFor("[[type:Back]]", names, []string{"cat", ""}, 1)
	if ta.Active() || ta.AnswerHTML("a[[type:Back]]", "x") != "a" {
		t.Fatalf("empty field: %+v", ta)
	}
}
