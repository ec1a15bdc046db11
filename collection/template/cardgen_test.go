package template

import (
	"errors"
	"reflect"
	"testing"
)

func TestFieldIsEmpty(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"", true},
		{" ", true},
		{"x", false},
		{"<BR>", true},
		{"<div />", true},
		{" <div> <br> </div>\n", true},
		{" <div>x</div>\n", false},
		{"<br/>", true},
		{"<br />", true},
		{"<br  />", false}, // only one optional space
		{"</br>", true},
		{"<Div></DIV>", true},
		{"&nbsp;", false},
		{"\u00a0", false}, // [[:space:]] is ASCII only
		{"\t\r\n\v\f", true},
		{"<p></p>", false},
		{"<span></span>", false},
		{"<br", false},
		{"<divx>", false},
	}
	for _, tt := range tests {
		if got := FieldIsEmpty(tt.in); got != tt.want {
			t.Errorf("FieldIsEmpty(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestRendersWith(t *testing.T) {
	set := func(names ...string) func(string) bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return func(f string) bool { return m[f] }
	}
	tests := []struct {
		tmpl     string
		nonEmpty []string
		want     bool
	}{
		{"{{2}}{{1}}", []string{"1", "3"}, true},
		{"{{2}}", []string{"1", "3"}, false},
		{"{{2}}{{4}}", []string{"1", "3"}, false},
		{"{{#3}}{{^2}}{{1}}{{/2}}{{/3}}", []string{"1", "3"}, true},
		{"{{^1}}{{3}}{{/1}}", []string{"1", "3"}, false},
		{"{{Front}}", []string{"Front"}, true},
		{"{{Front}}", nil, false},
		{"{{text:hint:Front}}", []string{"Front"}, true},
		{"{{type:Back}}", []string{"Back"}, true},
		{"{{#Add Reverse}}{{Back}}{{/Add Reverse}}", []string{"Back"}, false},
		{"{{#Add Reverse}}{{Back}}{{/Add Reverse}}", []string{"Back", "Add Reverse"}, true},
		{"{{#Add Reverse}}text{{/Add Reverse}}", []string{"Add Reverse"}, false},
		{"<!--{{Front}}-->", []string{"Front"}, false},
		{"Where is {{Country}}?", []string{"Capital"}, false},
		// 25.09: special fields only count if the caller says so.
		{"{{Deck}}: {{Country}}", []string{"Capital"}, false},
		{"{{Deck}}: {{Country}}", []string{"Deck"}, true},
		{"{{FrontSide}}", []string{"Front"}, false},
	}
	for _, tt := range tests {
		tmpl, err := Parse(tt.tmpl)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.tmpl, err)
		}
		if got := tmpl.RendersWith(set(tt.nonEmpty...)); got != tt.want {
			t.Errorf("%q.RendersWith(%v) = %v, want %v", tt.tmpl, tt.nonEmpty, got, tt.want)
		}
	}
	// For the req cache negated sections are always entered.
	tmpl, _ := Parse("{{^1}}{{3}}{{/1}}")
	if !tmpl.rendersForReqs(set("1", "3")) {
		t.Error("rendersForReqs should enter negated sections")
	}
}

func TestReq(t *testing.T) {
	abc := []string{"a", "b", "c"}
	tests := []struct {
		name   string
		qfmt   string
		fields []string
		kind   string
		ords   []int
	}{
		{"any of two", "{{a}}{{b}}", abc, "any", []int{0, 1}},
		{"all nested", "{{#a}}{{b}}{{/a}}", abc, "all", []int{0, 1}},
		{"unknown field", "{{z}}", abc, "none", []int{}},
		{"negated", "{{^a}}{{b}}{{/a}}", abc, "any", []int{1}},
		{"negated nested", "{{^a}}{{#b}}{{c}}{{/b}}{{/a}}", abc, "all", []int{1, 2}},
		{"self reference", "{{#a}}{{#b}}{{a}}{{/b}}{{/a}}", abc, "all", []int{0, 1}},
		{"mixed", "\n{{^a}}\n    {{b}}\n{{/a}}\n\n{{#a}}\n    {{a}}\n    {{b}}\n{{/a}}\n", abc, "any", []int{0, 1}},
		{"comments", "\n<!--{{^a}}-->\n    {{b}}\n<!--{{/a}}-->\n{{#c}}\n    <!--{{a}}-->\n    {{b}}\n    <!--{{c}}-->\n{{/c}}\n", abc, "any", []int{1}},
		{"stock basic", "{{Front}}", []string{"Front", "Back"}, "any", []int{0}},
		{"stock reversed card 2", "{{Back}}", []string{"Front", "Back"}, "any", []int{1}},
		{"optional reversed card 2", "{{#Add Reverse}}{{Back}}{{/Add Reverse}}", []string{"Front", "Back", "Add Reverse"}, "all", []int{1, 2}},
		{"type in the answer", "{{Front}}\n\n{{type:Back}}", []string{"Front", "Back"}, "any", []int{0, 1}},
		{"stock cloze", "{{cloze:Text}}", []string{"Text", "Back Extra"}, "any", []int{0}},
		{"parse error", "{{#a}}", abc, "none", []int{}},
		{"static text", "hello", abc, "none", []int{}},
		{"special field only", "{{Deck}}", abc, "none", []int{}},
		{"no fields", "{{a}}", nil, "none", []int{}},
		{"all three", "{{#a}}{{#b}}{{c}}{{/b}}{{/a}}", abc, "all", []int{0, 1, 2}},
	}
	for _, tt := range tests {
		kind, ords := Req(tt.qfmt, tt.fields)
		if kind != tt.kind || !reflect.DeepEqual(ords, tt.ords) {
			t.Errorf("%s: Req = %s %v, want %s %v", tt.name, kind, ords, tt.kind, tt.ords)
		}
	}
}

func TestClozeOrdinals(t *testing.T) {
	tests := []struct {
		in   string
		want []int
	}{
		{"test", []int{}},
		{"{{c2::te}}{{c1::s}}t{{", []int{1, 2}},
		{"{{c0::te}}s{{c2::t}}s", []int{2}},
		{"{{c2::te{{c1::s}}}}t{{", []int{1, 2}},
		{"öaöaöööaö", []int{}},
		{"{{c1,2,3::multi}}", []int{1, 2, 3}},
		{"{{c1,1,2::test}}", []int{1, 2}},
		{"{{c0,1,2::test}}", []int{1, 2}},
		{"{{c1,,3::test}}", []int{1, 3}},
		{"{{c1,2::outer {{c3::inner}}}}", []int{1, 2, 3}},
		{"{{c1::outer {{c1::inner}}}}", []int{1}},
		{"{{c12::x}} {{c3::y}}", []int{3, 12}},
		{"{{c1::unclosed", []int{}},
		{"{{c::x}}", []int{}},
		{"{{C1::x}}", []int{}},
		{"{{c1:x}}", []int{}},
		{"{{c65535::x}}{{c65536::y}}", []int{65535}},
		{"{{{c4::x}}}", []int{4}},
	}
	for _, tt := range tests {
		if got := ClozeOrdinals(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ClozeOrdinals(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if got := ClozeOrdinalsInFields([]string{"{{c2::a}}", "{{c1::b}} {{c2::c}}", ""}); !reflect.DeepEqual(got, []int{1, 2}) {
		t.Errorf("ClozeOrdinalsInFields = %v", got)
	}
}

func TestClozeHelpers(t *testing.T) {
	if got := RevealClozeTextOnly("foo", 1, true); got != "" {
		t.Errorf("cloze-only no cloze = %q", got)
	}
	multi := "{{c1,2::shared}} and {{c1::first}} vs {{c2::second}}"
	for _, tt := range []struct {
		ord      int
		question bool
		want     string
	}{{1, true, "..., ..."}, {2, true, "..., ..."}, {1, false, "shared, first"}, {2, false, "shared, second"}} {
		if got := RevealClozeTextOnly(multi, tt.ord, tt.question); got != tt.want {
			t.Errorf("RevealClozeTextOnly(%d,%v) = %q, want %q", tt.ord, tt.question, got, tt.want)
		}
	}
	for _, tt := range []struct {
		in   string
		ord  int
		want string
	}{
		{"{{c2::foo}}", 1, ""},
		{"{{c1::foo}} {{c1::bar}} {{c1::foo}}", 1, "foo, bar, foo"},
		{"{{c1::foo}} {{c1::foo}} {{c1::foo}}", 1, "foo"},
	} {
		if got := ClozeForTyping(tt.in, tt.ord); got != tt.want {
			t.Errorf("ClozeForTyping(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got, want := StripClozes(`The {{c1::moon::🌛}} {{c2::orbits::this hint has "::" in it}} the {{c3::🌏}}.`), "The moon orbits the 🌏."; got != want {
		t.Errorf("StripClozes = %q, want %q", got, want)
	}
	if got := RevealCloze("{{c1::a}}", 2, true); got != "" {
		t.Errorf("RevealCloze without active = %q", got)
	}
}

func TestParse(t *testing.T) {
	roundTrip := []string{
		"",
		"foo {{bar}} {{#baz}} quux {{/baz}}",
		"foo {{one:two}} {{one:two:three}} {{^baz}} {{/baz}} {{foo:}}",
		"foo {{one:two}} <!--<!--abc {{^def}}-->--> {{one:two:three}} {{^baz}} <!-- {{/baz}} 🙂 --> {{/baz}} {{foo:}}",
		"foo <!--{{bar }} --> {{#baz}} --> <!-- <!-- {{#def}} --> \u0123-->\u0456<!-- 2 --><!----> <!-- quux {{/baz}} <!-- {{nc:abc}}",
	}
	for _, src := range roundTrip {
		tmpl, err := Parse(src)
		if err != nil {
			t.Fatalf("Parse(%q): %v", src, err)
		}
		if got := tmpl.String(); got != src {
			t.Errorf("round trip %q -> %q", src, got)
		}
	}
	bad := []struct {
		src  string
		kind ErrorKind
	}{
		{"{{#mis}}{{/matched}}", ErrConditionalNotOpen},
		{"{{/matched}}", ErrConditionalNotOpen},
		{"{{#mis}}", ErrConditionalNotClosed},
		{"{{#mis}}<!--{{/matched}}-->", ErrConditionalNotClosed},
	}
	for _, b := range bad {
		_, err := Parse(b.src)
		var te *TemplateError
		if !errors.As(err, &te) || te.Kind != b.kind {
			t.Errorf("Parse(%q) error = %v, want kind %d", b.src, err, b.kind)
		}
	}
	for _, ok := range []string{"<!--{{#mis}}{{/matched}}-->", "<!--{{foo}}", "{{foo}}-->"} {
		if _, err := Parse(ok); err != nil {
			t.Errorf("Parse(%q): %v", ok, err)
		}
	}
	tmpl, _ := Parse("{{#A}}{{text:B}}{{/A}}{{^c1}}{{cloze:C}}{{/c1}}{{type:cloze:D}}")
	if got, want := tmpl.FieldReferences(), []string{"A", "B", "C", "D"}; !reflect.DeepEqual(got, want) {
		t.Errorf("FieldReferences = %v, want %v", got, want)
	}
	if got, want := tmpl.ClozeFields(), []string{"C", "D"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ClozeFields = %v, want %v", got, want)
	}
}

func TestExtractLatexList(t *testing.T) {
	out, imgs := ExtractLatex("[$]a[/$] [$]a[/$] [latex]b[/latex]", false)
	if len(imgs) != 3 || imgs[0].Source != "$a$" || imgs[2].Source != "b" || imgs[0].Filename != imgs[1].Filename {
		t.Errorf("ExtractLatex images = %+v (%q)", imgs, out)
	}
	if !ContainsLatex("x [$$]y[/$$]") || ContainsLatex("[$]y") {
		t.Error("ContainsLatex")
	}
}
