package search

import (
	"errors"
	"strings"
	"testing"
)

// dump renders a parse result without the outer parentheses, or the error kind.
func dump(t *testing.T, q string) string {
	t.Helper()
	n, err := Parse(q)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("Parse(%q): error %T is not *Error", q, err)
		}
		return "error"
	}
	return n.(*Group).Inner()
}

// Cases from the parsing test of Anki's rslib/src/search/parser.rs (25.09), plus
// a few more of the same grammar.
var parseCases = []struct{ q, want string }{
	{"", `all`},
	{"  ", `all`},
	{"  t   t2  ", `text("t") AND text("t2")`},
	{"(  t   t2  )", `(text("t") AND text("t2"))`},
	{`hello  -(world and "foo:bar baz") OR test`, `text("hello") AND -(text("world") AND field("foo","bar baz",normal)) OR text("test")`},
	{"foo:re:bar", `field("foo","bar",re)`},
	{"foo:nc:bar", `field("foo","bar",nc)`},
	{`"field:va\"lue"`, `field("field","va\"lue",normal)`},
	{`field:"va\"lue"`, `field("field","va\"lue",normal)`},
	{`field:va\"lue`, `field("field","va\"lue",normal)`},
	{`\"\:\(\)\-`, `text("\":()-")`},
	{`\\\*\_`, `text("\\\\\\*\\_")`},
	{`"re:\btest\%"`, `re("\\btest\\%")`},
	{`re:te\"st`, `re("te\"st")`},
	{"added:3", `added(3)`},
	{"card:front", `card(name="front")`},
	{"card:3", `card(ord=2)`},
	{"card:0", `card(ord=0)`},
	{"deck:default", `deck("default")`},
	{`deck:"default one"`, `deck("default one")`},
	{"preset:default", `preset("default")`},
	{"note:basic", `note("basic")`},
	{"tag:hard", `tag("hard",normal)`},
	{`tag:re:\\`, `tag("\\\\",re)`},
	{"nid:1237123712,2,3", `nid(1237123712,2,3)`},
	{"is:due", `is(due)`},
	{"flag:3", `flag(3)`},
	{"prop:ivl>3", `prop(ivl>3)`},
	{"prop:ease<=3.3", `prop(ease<=3.3)`},
	{"prop:cdn:abc<=1", `prop(cdn:abc<=1)`},
	{"prop:cds:abc=foo", `prop(cds:abc="foo")`},
	{`"prop:cds:abc=foo bar"`, `prop(cds:abc="foo bar")`},
	{"has-cd:r", `has-cd("r")`},
	// more of the same grammar
	{"a and b or c", `text("a") AND text("b") OR text("c")`},
	{"a AND b Or c", `text("a") AND text("b") OR text("c")`},
	{`"and"`, `text("and")`},
	{"-(a or b)", `-(text("a") OR text("b"))`},
	{"-a -b", `-text("a") AND -text("b")`},
	{"a\u3000b", `text("a") AND text("b")`},
	{"a\tb", `text("a\tb")`}, // 25.09 only separates on space and U+3000
	{"\t a \n", `text("a")`},
	{"((a))", `((text("a")))`},
	{"DECK:French", `deck("French")`},
	{"deck:a::b*", `deck("a::b*")`},
	{`deck:a\(b\)`, `deck("a(b)")`},
	{"did:1,2", `did(1,2)`},
	{"cid:5", `cid(5)`},
	{"mid:123", `mid(123)`},
	{"mid:-5", `mid(-5)`},
	{"note:Basic*", `note("Basic*")`},
	{`"note:Basic (and reversed card)"`, `note("Basic (and reversed card)")`},
	{`tag:a::b`, `tag("a::b",normal)`},
	{"tag:none", `tag("none",normal)`},
	{"tag:RE:x", `tag("RE:x",normal)`},
	{"is:new", `is(new)`},
	{"is:learn", `is(learn)`},
	{"is:review", `is(review)`},
	{"is:suspended", `is(suspended)`},
	{"is:buried", `is(buried)`},
	{"is:buried-manually", `is(buried-manually)`},
	{"is:buried-sibling", `is(buried-sibling)`},
	{"flag:0", `flag(0)`},
	{"flag:7", `flag(7)`},
	{"card:+2", `card(ord=1)`},
	{"card:70000", `card(name="70000")`},
	{"rated:3", `rated(3,any)`},
	{"rated:0", `rated(1,any)`},
	{"rated:10:2", `rated(10,2)`},
	{"resched:0", `rated(0,resched)`},
	{"resched:4", `rated(4,resched)`},
	{"added:0", `added(1)`},
	{"edited:5", `edited(5)`},
	{"introduced:0", `introduced(1)`},
	{"prop:due=-1", `prop(due=-1)`},
	{"prop:due>=+2", `prop(due>=2)`},
	{"prop:pos<10", `prop(pos<10)`},
	{"prop:reps!=0", `prop(reps!=0)`},
	{"prop:lapses>=2", `prop(lapses>=2)`},
	{"prop:rated=-2:4", `prop(rated=-2:4)`},
	{"prop:rated>-5", `prop(rated>-5:any)`},
	{"prop:resched<=0", `prop(resched<=0:resched)`},
	{"prop:s>2.5", `prop(s>2.5)`},
	{"prop:d<0.3", `prop(d<0.3)`},
	{"prop:r<0.9", `prop(r<0.9)`},
	{"prop:ease>2", `prop(ease>2)`},
	{"re:a(b", `error`}, // ( ends an unquoted term; the group is unclosed
	{`"re:a(b"`, `re("a(b")`},
	{`re:\d+`, `re("\\d+")`},
	{"nc:café", `nc("café")`},
	{"sc:moon", `sc("moon")`},
	{"w:dog*", `w("dog*")`},
	{"dupe:123,hello world", `dupe(123,"hello") AND text("world")`},
	{`"dupe:123,a\"b\\c"`, `dupe(123,"a\"b\\c")`},
	{`dupe:1,x:y`, `dupe(1,"x:y")`},
	{`front:`, `field("front","",normal)`},
	{`front:_*`, `field("front","_*",normal)`},
	{`*:x`, `field("*","x",normal)`},
	{`fr*:text`, `field("fr*","text",normal)`},
	{`"my field:a b"`, `field("my field","a b",normal)`},
	{`my\ field:x`, `error`},
	{`a\:b`, `text("a:b")`},
	{`a\-b`, `text("a-b")`},
	{`te\*st`, `text("te\\*st")`},
	{`x:"y z" w`, `field("x","y z",normal) AND text("w")`},
	{`x:"y"z`, `field("x","y",normal) AND text("z")`},
	{`-"a b"`, `-text("a b")`},
	{`-deck:x`, `-deck("x")`},
	{"--a", `-text("-a")`},
	{"a-b", `text("a-b")`},
	{"has-cd:", `has-cd("")`},
	{"preset:\\x", `preset("\\x")`}, // preset values are not unescaped
}

func TestParse(t *testing.T) {
	for _, c := range parseCases {
		if got := dump(t, c.q); got != c.want {
			t.Errorf("Parse(%q) = %s, want %s", c.q, got, c.want)
		}
	}
}

// Pairs that must parse identically (or, with differ, differently), from parser.rs.
func TestParseEquivalences(t *testing.T) {
	cases := []struct {
		a, b   string
		differ bool
	}{
		{a: `"field:va\"lue"`, b: `field:"va\"lue"`},
		{a: `"field:va\"lue"`, b: `field:va\"lue`},
		{a: `"\)\("`, b: `")("`},
		{a: "field:val:ue", b: `field:val\:ue`},
		{a: `"field:val:ue"`, b: `field:val\:ue`},
		{a: `field:"val:ue"`, b: `field:val\:ue`},
		{a: "-", b: `\-`},
		{a: "A-", b: `A\-`},
		{a: `"-A"`, b: `\-A`},
		{a: "-A", b: `\-A`, differ: true},
		{a: `a"b"(c)`, b: "a b (c)"},
		{a: "prop:rated>-5:3", b: "prop:rated>-5:3"},
		{a: "tag:x tag:y", b: "tag:x and tag:y"},
	}
	for _, c := range cases {
		a, b := dump(t, c.a), dump(t, c.b)
		if (a == b) == c.differ {
			t.Errorf("Parse(%q) = %s, Parse(%q) = %s; differ=%v", c.a, a, c.b, b, c.differ)
		}
	}
}

// Errors from the errors test of Anki's parser.rs.
var errorCases = []struct {
	q        string
	kind     ErrorKind
	provided string
}{
	{"foo and", ErrMisplacedAnd, ""},
	{"and foo", ErrMisplacedAnd, ""},
	{"and", ErrMisplacedAnd, ""},
	{"foo or", ErrMisplacedOr, ""},
	{"or foo", ErrMisplacedOr, ""},
	{"or", ErrMisplacedOr, ""},
	{"a and or b", ErrMisplacedOr, ""},
	{"(a or)", ErrMisplacedOr, ""},
	{"()", ErrEmptyGroup, ""},
	{"( )", ErrEmptyGroup, ""},
	{"(foo () bar)", ErrEmptyGroup, ""},
	{")", ErrUnopenedGroup, ""},
	{"foo ) bar", ErrUnopenedGroup, ""},
	{"(foo) bar)", ErrUnopenedGroup, ""},
	{"(", ErrUnclosedGroup, ""},
	{"foo ( bar", ErrUnclosedGroup, ""},
	{"(foo (bar)", ErrUnclosedGroup, ""},
	{`""`, ErrEmptyQuote, ""},
	{`foo:""`, ErrEmptyQuote, ""},
	{` " `, ErrUnclosedQuote, ""},
	{`" foo`, ErrUnclosedQuote, ""},
	{`"\`, ErrUnclosedQuote, ""},
	{`foo:"bar`, ErrUnclosedQuote, ""},
	{`foo:"bar\`, ErrUnclosedQuote, ""},
	{":", ErrMissingKey, ""},
	{":foo", ErrMissingKey, ""},
	{`:"foo"`, ErrMissingKey, ""},
	{`\`, ErrUnknownEscape, `\`},
	{`\%`, ErrUnknownEscape, `\%`},
	{`foo\`, ErrUnknownEscape, `\`},
	{`\foo`, ErrUnknownEscape, `\f`},
	{`\ `, ErrUnknownEscape, `\`},
	{`"\ "`, ErrUnknownEscape, `\ `},
	{`a\ b`, ErrUnknownEscape, `\ b`},
	{`deck:\x`, ErrUnknownEscape, `\x`},
	{"nid:1_2,3", ErrOther, ""},
	{"nid:1,2,x", ErrOther, ""},
	{"nid:,2,3", ErrOther, ""},
	{"nid:1,2,", ErrOther, ""},
	{"cid:1_2,3", ErrOther, ""},
	{"cid:1,2,x", ErrOther, ""},
	{"cid:,2,3", ErrOther, ""},
	{"cid:1,2,", ErrOther, ""},
	{"did:1,,2", ErrOther, ""},
	{"is:foo", ErrInvalidState, "foo"},
	{"is:DUE", ErrInvalidState, "DUE"},
	{"is:New", ErrInvalidState, "New"},
	{"is:", ErrInvalidState, ""},
	{`"is:learn "`, ErrInvalidState, "learn "},
	{`"flag: "`, ErrInvalidFlag, ""},
	{"flag:-0", ErrInvalidFlag, ""},
	{"flag:", ErrInvalidFlag, ""},
	{"flag:8", ErrInvalidFlag, ""},
	{"flag:1.1", ErrInvalidFlag, ""},
	{"rated:1:", ErrInvalidAnswerButton, ""},
	{"rated:2:-1", ErrInvalidAnswerButton, "-1"},
	{"rated:3:1.1", ErrInvalidAnswerButton, "1.1"},
	{"rated:0:foo", ErrInvalidAnswerButton, "foo"},
	{"rated:1:5", ErrInvalidAnswerButton, "5"},
	{"dupe:", ErrInvalidWholeNumber, ""},
	{"dupe:1.1", ErrInvalidWholeNumber, "1.1"},
	{"dupe:foo", ErrInvalidWholeNumber, "foo"},
	{"dupe:12", ErrOther, ""},
	{"mid:x", ErrInvalidWholeNumber, "x"},
	{"prop:", ErrInvalidPropProperty, ""},
	{"prop:=1", ErrInvalidPropProperty, "=1"},
	{"prop:DUE<5", ErrInvalidPropProperty, "DUE<5"},
	{"prop:cdn=5", ErrInvalidPropProperty, "cdn=5"},
	{"prop:cdn:=5", ErrInvalidPropProperty, "cdn:=5"},
	{"prop:cds=s", ErrInvalidPropProperty, "cds=s"},
	{"prop:cds:=s", ErrInvalidPropProperty, "cds:=s"},
	{"prop:lapses", ErrInvalidPropOperator, "lapses"},
	{"prop:pos~1", ErrInvalidPropOperator, "pos"},
	{"prop:reps10", ErrInvalidPropOperator, "reps"},
	{"prop:stability>1", ErrInvalidPropOperator, "s"},
	{"prop:due>", ErrInvalidWholeNumber, ""},
	{"prop:due=0.5", ErrInvalidWholeNumber, "0.5"},
	{"prop:ease>", ErrInvalidNumber, ""},
	{"prop:ease!=one", ErrInvalidNumber, "one"},
	{"prop:ease<1,3", ErrInvalidNumber, "1,3"},
	{"prop:ease>0x1p-2", ErrInvalidNumber, "0x1p-2"},
	{"prop:rated>1", ErrInvalidNegativeWholeNumber, "1"},
	{"prop:resched=x", ErrInvalidNegativeWholeNumber, "x"},
	{"prop:rated=-1:5", ErrInvalidAnswerButton, "5"},
}

func init() {
	for _, term := range []string{"added", "edited", "rated", "resched"} {
		for _, v := range []string{"1.1", "-1", "", "foo"} {
			errorCases = append(errorCases, struct {
				q        string
				kind     ErrorKind
				provided string
			}{term + ":" + v, ErrInvalidPositiveWholeNumber, v})
		}
	}
	for _, term := range []string{"ivl", "reps", "lapses", "pos"} {
		for _, v := range []string{">", "=0.5", "!=-1", "<foo"} {
			errorCases = append(errorCases, struct {
				q        string
				kind     ErrorKind
				provided string
			}{"prop:" + term + v, ErrInvalidPositiveWholeNumber, strings.TrimLeft(v, "<>=!")})
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range errorCases {
		_, err := Parse(c.q)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q): got %v, want an *Error", c.q, err)
			continue
		}
		if e.Kind != c.kind || e.Provided != c.provided {
			t.Errorf("Parse(%q): kind %d provided %q, want kind %d provided %q (%s)", c.q, e.Kind, e.Provided, c.kind, c.provided, e.Msg)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	cases := []struct {
		q, msg string
		pos    int
	}{
		{"foo and", "an `and` was found but it is not connecting two search terms. If you want to search for the word itself, wrap it in double quotes: `\"and\"`.", 4},
		{"  foo ( bar", "an opening bracket `(` was found, but there was no closing bracket `)` following it. If you want to search for a literal `(`, wrap it in double quotes or prepend a backslash: `\"(\"` or `\\(` .", 6},
		{`x \foo`, "the escape sequence `\\f` is not defined. If you want to search for a literal backslash `\\`, prepend another one: `\\\\`.", 2},
		{"a is:foo", "`is:` was given an invalid argument '`foo`'.", 5},
		{"prop:ivl>x", "expected a positive whole number in \"`ivl>x`\", but found \"`x`\".", 5},
		{"prop:pos~1", "`prop:pos` must be followed by one of the following comparison operators: `=`, `!=`, `<`, `>`, `<=` or `>=`.", 5},
		{"a b)", "a closing bracket `)` was found, but there was no opening bracket `(` preceding it. If you want to search for a literal `)`, wrap it in double quotes or prepend a backslash: `\")\"` or `\\)`.", 3},
		{"nid:x", "expected only digits and commas in nid:", 4},
		{"is:`x`", "`is:` was given an invalid argument '`'x'`'.", 3},
	}
	for _, c := range cases {
		_, err := Parse(c.q)
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q): no *Error", c.q)
			continue
		}
		if e.Msg != c.msg || e.Pos != c.pos {
			t.Errorf("Parse(%q): %q at %d, want %q at %d", c.q, e.Msg, e.Pos, c.msg, c.pos)
		}
	}
}

func TestWildcardHelpers(t *testing.T) {
	// facts from the conversion test of Anki's text.rs
	if got := toRe(`[te\*st]`); got != `\[te\*st\]` {
		t.Errorf("toRe = %q", got)
	}
	if got := toCustomRe("f_o*", `\d`); got != `f\do\d*` {
		t.Errorf("toCustomRe = %q", got)
	}
	if got := toSQL("%f_o*"); got != `\%f_o%` {
		t.Errorf("toSQL = %q", got)
	}
	if got := toText(`\*\_*_`); got != "*_*_" {
		t.Errorf("toText = %q", got)
	}
	if !isGlob(`\\\\_`) || isGlob(`\\\_`) {
		t.Error("isGlob")
	}
	if !globMatcher(`foo\*bar*`)("foo*bar123") {
		t.Error("globMatcher")
	}
	if got, _ := withoutCombining("Über œuvre café"); got != "Uber oeuvre cafe" {
		t.Errorf("withoutCombining = %q", got)
	}
	if got := stripClozes(`The {{c1::moon::🌛}} {{c2::orbits::this hint has "::" in it}} the {{c3::🌏}}.`); got != "The moon orbits the 🌏." {
		t.Errorf("stripClozes = %q", got)
	}
	for in, want := range map[string]string{"test": "test", "t<b>e</b>st": "test", "so<SCRIPT>t<b>e</b>st</script>me": "some",
		"<img src=foo.jpg>": " foo.jpg ", "<img src='foo.jpg'><html>": " foo.jpg ", "<html>": "", "a&amp;b&nbsp;c": "a&b c"} {
		if got := stripHTMLPreservingMedia(in); got != want {
			t.Errorf("strip(%q) = %q, want %q", in, got, want)
		}
	}
}
