package template

import (
	"reflect"
	"strings"
	"testing"
)

const (
	basicQ  = "{{Front}}"
	basicA  = "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}"
	clozeQ  = "{{cloze:Text}}"
	clozeA  = "{{cloze:Text}}<br>\n{{Back Extra}}"
	moreURL = "<br><a href='https://docs.ankiweb.net/templates/errors.html#template-syntax-error'>More information</a>"
	blank   = "<div>The front of this card is blank.<br><a href='https://docs.ankiweb.net/templates/errors.html#front-of-card-is-blank'>More information</a></div>"
)

func frontErr(escapedMsg string) string {
	return "Front template has a problem:<br>" + escapedMsg + moreURL
}

func backErr(escapedMsg string) string {
	return "Back template has a problem:<br>" + escapedMsg + moreURL
}

func missingCloze(n string) string {
	return "<div>No cloze " + n + " found on card.\nPlease either add a cloze deletion, or use the Empty Cards tool.<br><a href='https://docs.ankiweb.net/templates/errors.html#no-cloze-filter-on-cloze-note-type'>More information</a></div>"
}

// fb is the usual field set of the Anki template tests.
func fb() map[string]string {
	return map[string]string{"F": "f", "B": "b", "E": " ", "Front": "front", "Back": "back"}
}

func with(extra map[string]string) map[string]string {
	m := fb()
	for k, v := range extra {
		m[k] = v
	}
	return m
}

type renderCase struct {
	name       string
	q, a       string
	fields     map[string]string
	ord        int
	cloze      bool
	mod        func(*RenderContext)
	wantQ      string
	wantA      string // "" with checkA false means "not checked"
	checkA     bool
	wantEmpty  bool
	wantMedia  []string
	checkMedia bool
}

// encAttr of `bar <span class="cloze-inactive" data-ordinal="2">baz</span>`.
const nestedInner = "bar&#x20;&lt;span&#x20;class&#x3D;&quot;cloze&#x2D;inactive&quot;&#x20;data&#x2D;ordinal&#x3D;&quot;2&quot;&gt;baz&lt;&#x2F;span&gt;"

const hintFoo = "\n<a class=hint href=\"#\"\nonclick=\"this.style.display='none';\ndocument.getElementById('hint83fe48607f0f3a66').style.display='block';\nreturn false;\" draggable=false>\nfield</a>\n<div id=\"hint83fe48607f0f3a66\" class=hint style=\"display: none\">foo</div>\n"

func upperFilter(name, field, s string) (string, bool) {
	switch name {
	case "upper":
		return strings.ToUpper(s), true
	case "gen":
		return "generated", true
	case "field":
		return field, true
	}
	return s, false
}

var renderCases = []renderCase{
	// --- plain replacement
	{name: "basic stock", q: basicQ, a: basicA, wantQ: "front", wantA: "front\n\n<hr id=answer>\n\nback", checkA: true},
	{name: "two fields and text", q: "{{B}}A{{F}}", wantQ: "bAf"},
	{name: "spaces inside braces", q: "{{ Front }}", wantQ: "front"},
	{name: "tabs inside braces", q: "{{\tFront\n}}", wantQ: "front"},
	{name: "triple braces leave one brace", q: "{{{Front}}}", wantQ: "front}"},
	{name: "html in field is raw", q: "{{F}}", fields: map[string]string{"F": "<b>x</b> &amp;"}, wantQ: "<b>x</b> &amp;"},
	{name: "field with spaces in name", q: "{{Back Extra}}", fields: map[string]string{"Back Extra": "x"}, wantQ: "x"},
	{name: "unicode field name", q: "{{Wörter}}", fields: map[string]string{"Wörter": "w"}, wantQ: "w"},
	{name: "names are case sensitive", q: "{{front}}", wantQ: frontErr("Found &#x27;{{front}}&#x27;, but there is no field called &#x27;front&#x27;"), wantA: frontErr("Found &#x27;{{front}}&#x27;, but there is no field called &#x27;front&#x27;"), checkA: true},
	{name: "unknown field", q: "{{X}}", wantQ: frontErr("Found &#x27;{{X}}&#x27;, but there is no field called &#x27;X&#x27;")},
	{name: "unknown field keeps filters in message", q: "{{foo:text:X}}", wantQ: frontErr("Found &#x27;{{foo:text:X}}&#x27;, but there is no field called &#x27;X&#x27;")},
	{name: "empty tag is unknown field", q: "{{}}", wantQ: frontErr("Found &#x27;{{}}&#x27;, but there is no field called &#x27;&#x27;")},
	{name: "single char tag is replacement", q: "{{#}}", wantQ: frontErr("Found &#x27;{{#}}&#x27;, but there is no field called &#x27;#&#x27;")},
	{name: "stray closing braces are text", q: "text }} more {{F}}", wantQ: "text }} more f"},
	{name: "unclosed tag is text", q: "{{F}} {{Front", wantQ: "f {{Front"},
	{name: "open braces at end", q: "a {{F}} {{", wantQ: "a f {{"},
	{name: "tag spans first closing", q: "{{F}}}}", wantQ: "f}}"},
	{name: "field name with html escapes in error", q: "{{<b>}}", wantQ: frontErr("Found &#x27;{{&lt;b&gt;}}&#x27;, but there is no field called &#x27;&lt;b&gt;&#x27;")},
	{name: "empty template is blank", q: "", wantQ: blank, wantA: blank, checkA: true, wantEmpty: true},
	{name: "text only template is blank", q: "just text", wantQ: "just text" + blank, wantEmpty: true},

	// --- comments
	{name: "comment not substituted", q: "<!--{{Front}}-->{{F}}", wantQ: "<!--{{Front}}-->f"},
	{name: "comment hides unknown field", q: "<!--{{X}}-->{{F}}", wantQ: "<!--{{X}}-->f"},
	{name: "comment end alone", q: "{{F}}-->", wantQ: "f-->"},
	{name: "unclosed comment is text", q: "<!--{{F}}", wantQ: "<!--f"},
	{name: "comment hides conditional close", q: "{{#F}}<!--{{/F}}-->", wantQ: frontErr("Missing &#x27;{{/F}}&#x27;")},
	{name: "comment hides mismatched sections", q: "<!--{{#mis}}{{/matched}}-->{{F}}", wantQ: "<!--{{#mis}}{{/matched}}-->f"},
	{name: "commented conditional from Anki", q: "{{^E}}1<!--{{#F}}2{{#B}}{{F}}{{/B}}{{/F}}-->\u0123<!-- this is a comment -->{{/E}}\u0456{{F}}",
		wantQ: "1<!--{{#F}}2{{#B}}{{F}}{{/B}}{{/F}}-->\u0123<!-- this is a comment -->\u0456f"},
	{name: "empty comment", q: "<!---->{{F}}", wantQ: "<!---->f"},
	{name: "comment inside conditional", q: "{{#F}}<!-- x -->{{F}}{{/F}}", wantQ: "<!-- x -->f"},

	// --- conditionals
	{name: "conditional shown", q: "{{#F}}yes {{F}}{{/F}}", wantQ: "yes f"},
	{name: "conditional hidden", q: "{{#E}}no{{/E}}{{F}}", wantQ: "f"},
	{name: "negated shown for empty", q: "{{^E}}none {{/E}}{{F}}", wantQ: "none f"},
	{name: "negated hidden for nonempty", q: "{{^F}}none{{/F}}{{B}}", wantQ: "b"},
	{name: "conditional with only text is blank", q: "{{#F}}yes{{/F}}", wantQ: "yes" + blank, wantEmpty: true},
	{name: "nested conditionals", q: "{{^E}}1{{#F}}2{{#B}}{{F}}{{/B}}{{/F}}{{/E}}", wantQ: "12f"},
	{name: "missing negated conditional", q: "{{#E}}}{{^M}}A{{/M}}{{/E}}}", wantQ: frontErr("Found &#x27;{{^M}}&#x27;, but there is no field called &#x27;M&#x27;")},
	{name: "missing conditional", q: "{{#M}}A{{/M}}", wantQ: frontErr("Found &#x27;{{#M}}&#x27;, but there is no field called &#x27;M&#x27;")},
	{name: "wrong section closed", q: "{{#F}}{{/B}}", wantQ: frontErr("Found &#x27;{{/B}}&#x27;, but expected &#x27;{{/F}}&#x27;")},
	{name: "close without open", q: "{{/matched}}", wantQ: frontErr("Found &#x27;{{/matched}}&#x27;, but missing &#x27;{{#matched}}&#x27; or &#x27;{{^matched}}&#x27;")},
	{name: "unclosed section", q: "{{#F}}{{F}}", wantQ: frontErr("Missing &#x27;{{/F}}&#x27;")},
	{name: "unclosed negated section", q: "{{^E}}{{F}}", wantQ: frontErr("Missing &#x27;{{/E}}&#x27;")},
	{name: "inner unclosed reported", q: "{{#F}}{{#B}}{{/F}}", wantQ: frontErr("Found &#x27;{{/F}}&#x27;, but expected &#x27;{{/B}}&#x27;")},
	{name: "spaces in section tags", q: "{{# F }}{{F}}{{/ F }}", wantQ: "f"},
	{name: "hidden body still checked", q: "{{#E}}{{X}}{{/E}}{{F}}", wantQ: frontErr("Found &#x27;{{X}}&#x27;, but there is no field called &#x27;X&#x27;")},
	{name: "hidden negated body still checked", q: "{{^F}}{{#Y}}{{/Y}}{{/F}}{{F}}", wantQ: frontErr("Found &#x27;{{#Y}}&#x27;, but there is no field called &#x27;Y&#x27;")},
	{name: "br and div count as empty", q: "{{^E}}empty {{/E}}{{F}}", fields: with(map[string]string{"E": "<br><div> </div><BR/><div />"}), wantQ: "empty f"},
	{name: "nbsp entity is not empty", q: "{{#E}}full {{/E}}{{F}}", fields: with(map[string]string{"E": "&nbsp;"}), wantQ: "full f"},
	{name: "same section twice", q: "{{#F}}a{{/F}}{{#F}}{{F}}{{/F}}", wantQ: "af"},
	{name: "card conditionals c1 active", q: "{{^c2}}1{{#c1}}2{{/c1}}{{/c2}}{{F}}", wantQ: "12f"},
	{name: "card conditional on card 2", q: "{{#c2}}two {{/c2}}{{F}}", ord: 1, wantQ: "two f"},
	{name: "card conditional off on card 1", q: "{{#c2}}two {{/c2}}{{F}}", wantQ: "f"},
	{name: "unknown cN conditional is allowed", q: "{{#c99}}x{{/c99}}{{^c98}}y{{/c98}}{{F}}", wantQ: "yf"},
	{name: "tags conditional", q: "{{#Tags}}tagged {{/Tags}}{{F}}", wantQ: "tagged f"},
	{name: "tags conditional without tags", q: "{{#Tags}}tagged {{/Tags}}{{F}}", mod: func(rc *RenderContext) { rc.Tags = "" }, wantQ: "f"},
	{name: "FrontSide is not a conditional field", q: "{{#FrontSide}}x{{/FrontSide}}", wantQ: frontErr("Found &#x27;{{#FrontSide}}&#x27;, but there is no field called &#x27;FrontSide&#x27;")},
	{name: "deck conditional", q: "{{#Deck}}{{Deck}}{{/Deck}}", wantQ: "Parent::Child"},

	// --- special fields
	{name: "Tags", q: "{{Tags}}", wantQ: "tag1 tag2"},
	{name: "Type", q: "{{Type}}", wantQ: "Basic"},
	{name: "Deck", q: "{{Deck}}", wantQ: "Parent::Child"},
	{name: "Subdeck", q: "{{Subdeck}}", wantQ: "Child"},
	{name: "Subdeck of top level deck", q: "{{Subdeck}}", mod: func(rc *RenderContext) { rc.Deck = "Default" }, wantQ: "Default"},
	{name: "Subdeck of deep deck", q: "{{Subdeck}}", mod: func(rc *RenderContext) { rc.Deck = "a::b::c" }, wantQ: "c"},
	{name: "missing deck", q: "{{Deck}}", mod: func(rc *RenderContext) { rc.Deck = "" }, wantQ: "(Deck)"},
	{name: "Card", q: "{{Card}}", wantQ: "Card 1"},
	{name: "CardFlag", q: "{{CardFlag}}", wantQ: "flag0"},
	{name: "CardFlag 3", q: "{{CardFlag}}", mod: func(rc *RenderContext) { rc.CardFlag = 3 }, wantQ: "flag3"},
	{name: "CardID", q: "{{CardID}}", wantQ: "1234"},
	{name: "empty Tags gives blank front", q: "{{Tags}}", mod: func(rc *RenderContext) { rc.Tags = "" }, wantQ: blank, wantEmpty: true},
	{name: "real field named Tags wins", q: "{{Tags}}", fields: with(map[string]string{"Tags": "mine"}), wantQ: "mine"},
	{name: "real field named Deck wins", q: "{{Deck}}/{{Subdeck}}", fields: with(map[string]string{"Deck": "own"}), wantQ: "own/Child"},
	{name: "real empty field named Type wins", q: "{{Type}}{{F}}", fields: with(map[string]string{"Type": ""}), wantQ: "f"},
	{name: "special fields with filters", q: "{{text:Tags}}", mod: func(rc *RenderContext) { rc.Tags = "<b>t</b>" }, wantQ: "t"},
	{name: "c1 pseudo field on card 1", q: "{{c1}}", wantQ: "1"},
	{name: "c2 pseudo field absent on card 1", q: "{{c2}}", wantQ: frontErr("Found &#x27;{{c2}}&#x27;, but there is no field called &#x27;c2&#x27;")},
	{name: "c2 pseudo field on card 2", q: "{{c2}}", ord: 1, wantQ: "1"},
	{name: "FrontSide empty on question", q: "{{FrontSide}}{{F}}", wantQ: "f"},
	{name: "FrontSide on answer", q: "{{F}}", a: "{{FrontSide}}|{{B}}", wantQ: "f", wantA: "f|b", checkA: true},
	{name: "FrontSide ignores filters", q: "<b>{{F}}</b>", a: "{{text:FrontSide}}", wantA: "<b>f</b>", checkA: true, wantQ: "<b>f</b>"},
	{name: "FrontSide twice", q: "{{F}}", a: "{{FrontSide}}{{FrontSide}}", wantA: "ff", checkA: true, wantQ: "f"},
	{name: "real FrontSide field still gives front side", q: "{{F}}", a: "{{FrontSide}}", fields: with(map[string]string{"FrontSide": "real"}), wantQ: "f", wantA: "f", checkA: true},

	// --- legacy delimiters
	{name: "alt syntax", q: "\n{{=<% %>=}}\n<%Front%>\n<% #Back %>\n<%/Back%>", wantQ: "\nfront\n\n"},
	{name: "alt syntax leaves braces", q: "\n{{=<% %>=}}\n{{#foo}}\n<%Front%>\n{{/foo}}\n", wantQ: "\n{{#foo}}\nfront\n{{/foo}}\n"},
	{name: "alt syntax after whitespace", q: "  \t{{=<% %>=}}<%F%>", wantQ: "f"},
	{name: "alt syntax repeated directive", q: "{{=<% %>=}}{{=<% %>=}}<%F%>", wantQ: "f"},
	{name: "alt syntax errors use braces", q: "{{=<% %>=}}<%X%>", wantQ: frontErr("Found &#x27;{{X}}&#x27;, but there is no field called &#x27;X&#x27;")},
	{name: "directive elsewhere is a field", q: "x{{=<% %>=}}", wantQ: frontErr("Found &#x27;{{=&lt;% %&gt;=}}&#x27;, but there is no field called &#x27;=&lt;% %&gt;=&#x27;")},
	{name: "alt syntax answer side", q: "{{F}}", a: "{{=<% %>=}}<%FrontSide%>+<%B%>", wantQ: "f", wantA: "f+b", checkA: true},

	// --- filters
	{name: "text filter", q: "{{text:F}}", fields: map[string]string{"F": "<b>bold</b> &amp; co"}, wantQ: "bold & co"},
	{name: "unknown filters skipped", q: "{{one:two:B}}", wantQ: "b"},
	{name: "excess colons ignored", q: "{{one::text:B}}", fields: map[string]string{"B": "<i>b</i>"}, wantQ: "b"},
	{name: "empty filter name", q: "{{::F}}", wantQ: "f"},
	{name: "blank field name with filter and no hook", q: "{{filter:}}{{F}}", wantQ: "f"},
	{name: "add-on filter", q: "{{upper:F}}", mod: func(rc *RenderContext) { rc.Filter = upperFilter }, wantQ: "F"},
	{name: "add-on filter after builtin", q: "{{upper:text:F}}", fields: map[string]string{"F": "<b>x</b>"}, mod: func(rc *RenderContext) { rc.Filter = upperFilter }, wantQ: "X"},
	{name: "builtin after add-on filter goes to hook", q: "{{text:upper:F}}", fields: map[string]string{"F": "<b>x</b>"}, mod: func(rc *RenderContext) { rc.Filter = upperFilter }, wantQ: "<B>X</B>"},
	{name: "builtin after unknown without hook", q: "{{text:upper:F}}", fields: map[string]string{"F": "<b>x</b>"}, wantQ: "x"},
	{name: "add-on filter gets field name", q: "{{field:F}}", mod: func(rc *RenderContext) { rc.Filter = upperFilter }, wantQ: "F"},
	{name: "blank field name with hook", q: "{{gen:}}", mod: func(rc *RenderContext) { rc.Filter = upperFilter }, wantQ: "generated" + blank, wantEmpty: true},
	{name: "hook declines filter", q: "{{nope:F}}", mod: func(rc *RenderContext) { rc.Filter = upperFilter }, wantQ: "f"},
	{name: "type filter", q: "{{Front}}{{type:Back}}", wantQ: "front[[type:Back]]"},
	{name: "type cloze filter", q: "{{type:cloze:Back}}", wantQ: "[[type:cloze:Back]]"},
	{name: "type nc filter", q: "{{type:nc:Back}}", wantQ: "[[type:nc:Back]]"},
	{name: "other chains ending in type", q: "{{type:foo:bar:Back}}", wantQ: "[[type:Back]]"},
	{name: "type applied first then cloze", q: "{{Front}}{{cloze:type:Back}}", wantQ: "front"},
	{name: "type then text", q: "{{text:type:Back}}", wantQ: "[[type:Back]]"},
	{name: "type on empty field renders", q: "{{type:E}}{{F}}", wantQ: "[[type:E]]f"},
	{name: "hint filter", q: "{{hint:field}}", fields: map[string]string{"field": "foo"}, wantQ: hintFoo},
	{name: "hint on blank field", q: "{{hint:E}}{{F}}", wantQ: " f"},
	{name: "tts filter", q: "{{tts en_US voices=Bob,Jane:F}}", wantQ: "[anki:tts lang=en_US voices=Bob,Jane]f[/anki:tts]"},
	{name: "tts filter with speed", q: "{{tts ja_JP speed=0.8:F}}", wantQ: "[anki:tts lang=ja_JP speed=0.8]f[/anki:tts]"},
	{name: "tts of text", q: "{{tts fr_FR:text:F}}", fields: map[string]string{"F": "<i>x</i>"}, wantQ: "[anki:tts lang=fr_FR]x[/anki:tts]"},
	{name: "furigana", q: "{{furigana:J}}", fields: map[string]string{"J": "first[second]"}, wantQ: "<ruby><rb>first</rb><rt>second</rt></ruby>"},
	{name: "kana", q: "{{kana:J}}", fields: map[string]string{"J": "test first[second] third[fourth]"}, wantQ: "testsecondfourth"},
	{name: "kanji", q: "{{kanji:J}}", fields: map[string]string{"J": "test first[second] third[fourth]"}, wantQ: "testfirstthird"},
	{name: "furigana nbsp", q: "{{furigana:J}}", fields: map[string]string{"J": "a&nbsp;日本[にほん]"}, wantQ: "a<ruby><rb>日本</rb><rt>にほん</rt></ruby>"},
	{name: "furigana inside html", q: "{{furigana:J}}", fields: map[string]string{"J": "<b>漢字[かんじ]</b>"}, wantQ: "<b><ruby><rb>漢字</rb><rt>かんじ</rt></ruby></b>"},
	{name: "furigana keeps sound tags", q: "{{furigana:J}}", fields: map[string]string{"J": "x[sound:a.mp3]"}, wantQ: "x[sound:a.mp3]"},
	{name: "kana plain text", q: "{{kana:J}}", fields: map[string]string{"J": "no brackets"}, wantQ: "no brackets"},
	{name: "cloze filter on standard note", q: "{{cloze:F}}", fields: map[string]string{"F": "{{c1::a}}"}, wantQ: `<span class="cloze" data-cloze="a" data-ordinal="1">[...]</span>`},
	{name: "cloze filter without match on standard note", q: "{{cloze:F}}{{B}}", fields: map[string]string{"F": "{{c2::a}}", "B": "b"}, wantQ: "b"},
	{name: "text of cloze", q: "{{text:cloze:F}}", fields: map[string]string{"F": "x {{c1::a}}"}, wantQ: "x [...]"},

	// --- cloze note types
	{name: "cloze card 1", q: clozeQ, a: clozeA, cloze: true, fields: map[string]string{"Text": "{{c1::one}} {{c2::two::hint}}", "Back Extra": ""},
		wantQ: `<span class="cloze" data-cloze="one" data-ordinal="1">[...]</span> <span class="cloze-inactive" data-ordinal="2">two</span>`,
		wantA: `<span class="cloze" data-ordinal="1">one</span> <span class="cloze-inactive" data-ordinal="2">two</span><br>` + "\n", checkA: true},
	{name: "cloze card 2 with hint", q: clozeQ, a: clozeA, cloze: true, ord: 1, fields: map[string]string{"Text": "{{c1::one}} {{c2::two::hint}}", "Back Extra": "extra"},
		wantQ: `<span class="cloze-inactive" data-ordinal="1">one</span> <span class="cloze" data-cloze="two" data-ordinal="2">[hint]</span>`,
		wantA: `<span class="cloze-inactive" data-ordinal="1">one</span> <span class="cloze" data-ordinal="2">two</span><br>` + "\nextra", checkA: true},
	{name: "cloze card without deletion", q: clozeQ, a: clozeA, cloze: true, ord: 2, fields: map[string]string{"Text": "{{c1::one}} {{c2::two::hint}}", "Back Extra": ""},
		wantQ: missingCloze("3"), wantA: missingCloze("3"), checkA: true, wantEmpty: true},
	{name: "cloze data-cloze escaped", q: clozeQ, cloze: true, fields: map[string]string{"Text": "{{c1::<b>x</b> & y}}"},
		wantQ: `<span class="cloze" data-cloze="&lt;b&gt;x&lt;&#x2F;b&gt;&#x20;&amp;&#x20;y" data-ordinal="1">[...]</span>`},
	{name: "cloze answer keeps html", q: clozeQ, a: "{{cloze:Text}}", cloze: true, fields: map[string]string{"Text": "{{c1::<b>x</b>}}"},
		wantA: `<span class="cloze" data-ordinal="1"><b>x</b></span>`, checkA: true, wantQ: `<span class="cloze" data-cloze="&lt;b&gt;x&lt;&#x2F;b&gt;" data-ordinal="1">[...]</span>`},
	{name: "nested cloze question outer", q: clozeQ, cloze: true, fields: map[string]string{"Text": "foo {{c1::bar {{c2::baz}}}}"},
		wantQ: `foo <span class="cloze" data-cloze="` + nestedInner + `" data-ordinal="1">[...]</span>`},
	{name: "nested cloze answer outer", q: clozeQ, a: "{{cloze:Text}}", cloze: true, fields: map[string]string{"Text": "foo {{c1::bar {{c2::baz}}}}"},
		wantA: `foo <span class="cloze" data-ordinal="1">bar <span class="cloze-inactive" data-ordinal="2">baz</span></span>`, checkA: true,
		wantQ: `foo <span class="cloze" data-cloze="` + nestedInner + `" data-ordinal="1">[...]</span>`},
	{name: "nested cloze question inner", q: clozeQ, a: "{{cloze:Text}}", cloze: true, ord: 1, fields: map[string]string{"Text": "foo {{c1::bar {{c2::baz}}::qux}}"},
		wantQ: `foo <span class="cloze-inactive" data-ordinal="1">bar <span class="cloze" data-cloze="baz" data-ordinal="2">[...]</span></span>`,
		wantA: `foo <span class="cloze-inactive" data-ordinal="1">bar <span class="cloze" data-ordinal="2">baz</span></span>`, checkA: true},
	{name: "nested cloze outer hint", q: clozeQ, a: "{{cloze:Text}}", cloze: true, fields: map[string]string{"Text": "foo {{c1::bar {{c2::baz}}::qux}}"},
		wantQ: `foo <span class="cloze" data-cloze="` + nestedInner + `" data-ordinal="1">[qux]</span>`,
		wantA: `foo <span class="cloze" data-ordinal="1">bar <span class="cloze-inactive" data-ordinal="2">baz</span></span>`, checkA: true},
	{name: "nested same ordinal", q: "{{text:cloze:Text}}", cloze: true, fields: map[string]string{"Text": "{{c1::outer {{c1::inner}}}}"}, wantQ: "[...]"},
	{name: "multi ordinal card 1", q: "{{text:cloze:Text}}", a: "{{text:cloze:Text}}", cloze: true, fields: map[string]string{"Text": "{{c1,2::shared}} word and {{c1::first}} vs {{c2::second}}"},
		wantQ: "[...] word and [...] vs second", wantA: "shared word and first vs second", checkA: true},
	{name: "multi ordinal card 2", q: "{{text:cloze:Text}}", cloze: true, ord: 1, fields: map[string]string{"Text": "{{c1,2::shared}} word and {{c1::first}} vs {{c2::second}}"},
		wantQ: "[...] word and first vs [...]"},
	{name: "multi ordinal html", q: clozeQ, cloze: true, ord: 2, fields: map[string]string{"Text": "{{c3,1,2,1::multi}}"},
		wantQ: `<span class="cloze" data-cloze="multi" data-ordinal="1,2,3">[...]</span>`},
	{name: "multi ordinal with hint", q: clozeQ, cloze: true, ord: 1, fields: map[string]string{"Text": "{{c1,2::answer::hint}}"},
		wantQ: `<span class="cloze" data-cloze="answer" data-ordinal="1,2">[hint]</span>`},
	{name: "multi ordinal empty parts", q: clozeQ, cloze: true, ord: 2, fields: map[string]string{"Text": "{{c1,,3::x}}"},
		wantQ: `<span class="cloze" data-cloze="x" data-ordinal="1,3">[...]</span>`},
	{name: "multi nested", q: "{{text:cloze:Text}}", cloze: true, ord: 2, fields: map[string]string{"Text": "{{c1,2::outer {{c3::inner}}}}"}, wantQ: "outer [...]"},
	{name: "c0 is inactive", q: clozeQ, cloze: true, fields: map[string]string{"Text": "{{c0::zero}} {{c1::one}}"},
		wantQ: `<span class="cloze-inactive" data-ordinal="0">zero</span> <span class="cloze" data-cloze="one" data-ordinal="1">[...]</span>`},
	{name: "stray closing braces in cloze field", q: clozeQ, cloze: true, fields: map[string]string{"Text": "a }} {{c1::b}}"},
		wantQ: `a }} <span class="cloze" data-cloze="b" data-ordinal="1">[...]</span>`},
	{name: "unclosed cloze dropped", q: clozeQ, cloze: true, fields: map[string]string{"Text": "{{c1::a}} {{c2::b"},
		wantQ: `<span class="cloze" data-cloze="a" data-ordinal="1">[...]</span> `},
	{name: "not a cloze without number", q: clozeQ, cloze: true, fields: map[string]string{"Text": "{{c::a}} {{c1::b}}"},
		wantQ: `{{c::a}} <span class="cloze" data-cloze="b" data-ordinal="1">[...]</span>`},
	{name: "cloze hint with later text run", q: clozeQ, cloze: true, fields: map[string]string{"Text": "{{c1::a::h1 {{c2::x}} b::h2}}"},
		wantQ: `<span class="cloze" data-cloze="a&lt;span&#x20;class&#x3D;&quot;cloze&#x2D;inactive&quot;&#x20;data&#x2D;ordinal&#x3D;&quot;2&quot;&gt;x&lt;&#x2F;span&gt;&#x20;b" data-ordinal="1">[h2]</span>`},
	{name: "cloze hint keeps double colon", q: "{{text:cloze:Text}}", cloze: true, fields: map[string]string{"Text": `{{c1::a::hint "::" in it}}`}, wantQ: `[hint "::" in it]`},
	{name: "mathjax inline cloze question", q: clozeQ, cloze: true, fields: map[string]string{"Text": `\(x^{{c1::2}}\)`}, wantQ: `\(x^[...]\)`},
	{name: "mathjax inline cloze answer", q: clozeQ, a: "{{cloze:Text}}", cloze: true, fields: map[string]string{"Text": `\(x^{{c1::2}}\)`}, wantQ: `\(x^[...]\)`, wantA: `\(x^2\)`, checkA: true},
	{name: "mathjax display keeps entities", q: clozeQ, a: "{{cloze:Text}}", cloze: true, fields: map[string]string{"Text": `\[<b>a</b>&lt;{{c1::b}}\]`}, wantQ: `\[a&lt;[...]\]`, wantA: `\[a&lt;b\]`, checkA: true},
	{name: "html outside mathjax kept", q: clozeQ, cloze: true, fields: map[string]string{"Text": `<i>{{c1::x}}</i> \(y\)`}, wantQ: `<i><span class="cloze" data-cloze="x" data-ordinal="1">[...]</span></i> \(y\)`},
	{name: "cloze-only question", q: "{{cloze-only:Text}}", cloze: true, fields: map[string]string{"Text": "foo {{c1::bar::baz}} {{c1::qux}}"}, wantQ: "baz, ..."},
	{name: "cloze-only answer", q: clozeQ, a: "{{cloze-only:Text}}", cloze: true, fields: map[string]string{"Text": "foo {{c1::bar::baz}} {{c1::qux}} {{c2::no}}"}, wantA: "bar, qux", checkA: true,
		wantQ: `foo <span class="cloze" data-cloze="bar" data-ordinal="1">[baz]</span> <span class="cloze" data-cloze="qux" data-ordinal="1">[...]</span> <span class="cloze-inactive" data-ordinal="2">no</span>`},
	{name: "cloze-only in tts", q: clozeQ + "{{tts en_US:cloze-only:Text}}", cloze: true, fields: map[string]string{"Text": "{{c1::a}}"},
		wantQ: `<span class="cloze" data-cloze="a" data-ordinal="1">[...]</span>[anki:tts lang=en_US]...[/anki:tts]`},
	{name: "type cloze marker", q: clozeQ + "{{type:cloze:Text}}", cloze: true, fields: map[string]string{"Text": "{{c1::a}}"},
		wantQ: `<span class="cloze" data-cloze="a" data-ordinal="1">[...]</span>[[type:cloze:Text]]`},
	{name: "cloze in another field counts", q: clozeQ + "{{cloze:Extra}}", cloze: true, fields: map[string]string{"Text": "plain", "Extra": "{{c1::e}}"},
		wantQ: `<span class="cloze" data-cloze="e" data-ordinal="1">[...]</span>`},
	{name: "cloze field without deletion renders empty", q: "{{cloze:Text}}|{{cloze:Extra}}", cloze: true, fields: map[string]string{"Text": "plain", "Extra": "{{c1::e}}"},
		wantQ: `|<span class="cloze" data-cloze="e" data-ordinal="1">[...]</span>`},
	{name: "cloze card conditional", q: "{{#c1}}first {{/c1}}{{#c2}}second {{/c2}}" + clozeQ, cloze: true, fields: map[string]string{"Text": "{{c1::a}}"},
		wantQ: `first <span class="cloze" data-cloze="a" data-ordinal="1">[...]</span>`},
	{name: "cloze template with error", q: "{{cloze:Nope}}", cloze: true, fields: map[string]string{"Text": "{{c1::a}}"},
		wantQ: frontErr("Found &#x27;{{cloze:Nope}}&#x27;, but there is no field called &#x27;Nope&#x27;")},
	{name: "cloze blank check ignores template", q: "static", cloze: true, fields: map[string]string{"Text": "{{c1::a}}"}, wantQ: "static"},
	{name: "cloze number beyond", q: clozeQ, cloze: true, ord: 9, fields: map[string]string{"Text": "{{c10::ten}}"},
		wantQ: `<span class="cloze" data-cloze="ten" data-ordinal="10">[...]</span>`},
	{name: "cloze too large for u16 is text", q: clozeQ, cloze: true, fields: map[string]string{"Text": "{{c70000::x}} {{c1::y}}"},
		wantQ: `{{c70000::x}} <span class="cloze" data-cloze="y" data-ordinal="1">[...]</span>`},
	{name: "eleven nested clozes", q: "{{text:cloze:Text}}", a: "{{text:cloze:Text}}", cloze: true, ord: 0,
		fields: map[string]string{"Text": "{{c1::1{{c2::2{{c3::3{{c4::4{{c5::5{{c6::6{{c7::7{{c8::8{{c9::9{{c10::10{{c11::11}}}}}}}}}}}}}}}}}}}}}}"},
		// The 11th opening is ignored, so its }} closes c10 early and the last }} is literal.
		wantQ: "[...]}}", wantA: "1234567891011}}", checkA: true},

	// --- image occlusion
	{name: "io active question", q: clozeQ, cloze: true, fields: map[string]string{"Text": "{{c1::image-occlusion:rect:left=10.0:top=20:width=30:height=10}}"},
		wantQ: `<div class="cloze" data-ordinal="1" data-shape="rect" data-left="10.0" data-top="20" data-width="30" data-height="10" ></div>`},
	{name: "io active answer", q: clozeQ, a: "{{cloze:Text}}", cloze: true, fields: map[string]string{"Text": "{{c1::image-occlusion:rect:left=10.0:top=20:width=30:height=10}}"},
		wantA: `<div class="cloze-highlight" data-ordinal="1" data-shape="rect" data-left="10.0" data-top="20" data-width="30" data-height="10" ></div>`, checkA: true,
		wantQ: `<div class="cloze" data-ordinal="1" data-shape="rect" data-left="10.0" data-top="20" data-width="30" data-height="10" ></div>`},
	{name: "io inactive", q: clozeQ, cloze: true, ord: 1, fields: map[string]string{"Text": "{{c1::image-occlusion:ellipse:left=15:top=20:width=10:height=20:rx=10:ry=5:oi=1}}{{c2::image-occlusion:polygon:points=0,0 10,10 20,0}}"},
		wantQ: `<div class="cloze-inactive" data-ordinal="1" data-shape="ellipse" data-left="15" data-top="20" data-width="10" data-height="20" data-rx="10" data-ry="5" data-occludeInactive="1" ></div>` +
			`<div class="cloze" data-ordinal="2" data-shape="polygon" data-points="0,0 10,10 20,0" ></div>`},
	{name: "io text shape escapes", q: clozeQ, cloze: true, fields: map[string]string{"Text": `{{c1::image-occlusion:text:text=\\foo\:bar\::left=10}}`},
		wantQ: `<div class="cloze" data-ordinal="1" data-shape="text" data-text="&#x5C;foo&#x3A;bar&#x3A;" data-left="10" ></div>`},
	{name: "io zero width dropped", q: clozeQ, cloze: true, fields: map[string]string{"Text": "{{c1::image-occlusion:rect:left=1:top=2:width=0:height=:angle=45:fill=#fff:fs=12:scale=2}}"},
		wantQ: `<div class="cloze" data-ordinal="1" data-shape="rect" data-left="1" data-top="2" data-angle="45" data-fill="#fff" data-font-size="12" data-scale="2" ></div>`},
	{name: "io unknown shape", q: clozeQ, cloze: true, fields: map[string]string{"Text": "{{c1::image-occlusion:star:left=1}}"},
		wantQ: `<div class="cloze" data-ordinal="1" data-left="1" ></div>`},
	{name: "io without colon", q: clozeQ, cloze: true, fields: map[string]string{"Text": "{{c1::image-occlusion:rect}}"},
		wantQ: `<div class="cloze" data-ordinal="1" ></div>`},
	{name: "io hint not split", q: clozeQ, cloze: true, fields: map[string]string{"Text": "{{c1::image-occlusion:rect:left=1::x}}"},
		wantQ: `<div class="cloze" data-ordinal="1" data-shape="rect" data-left="1" ></div>`},

	// --- blank fronts and generation
	{name: "empty front field", q: basicQ, a: basicA, fields: map[string]string{"Front": "", "Back": "b"}, wantQ: blank, wantA: blank, checkA: true, wantEmpty: true},
	{name: "whitespace front field", q: basicQ, fields: map[string]string{"Front": " <br> ", "Back": "b"}, wantQ: " <br> " + blank, wantEmpty: true},
	{name: "optional reverse without flag", q: "{{#Add Reverse}}{{Back}}{{/Add Reverse}}", fields: map[string]string{"Front": "f", "Back": "b", "Add Reverse": ""}, ord: 1, wantQ: blank, wantEmpty: true},
	{name: "optional reverse with flag", q: "{{#Add Reverse}}{{Back}}{{/Add Reverse}}", a: "{{FrontSide}}<hr id=answer>{{Front}}", fields: map[string]string{"Front": "f", "Back": "b", "Add Reverse": "y"}, ord: 1,
		wantQ: "b", wantA: "b<hr id=answer>f", checkA: true},
	{name: "blank front skips answer errors", q: "{{E}}", a: "{{X}}", wantQ: " " + blank, wantA: blank, checkA: true, wantEmpty: true},
	{name: "negated section renders at display", q: "{{^E}}{{F}}{{/E}}", wantQ: "f"},
	{name: "special field makes front non-blank", q: "{{Card}}: {{E}}", wantQ: "Card 1:  "},
	{name: "answer side error", q: "{{F}}", a: "{{X}}", wantQ: backErr("Found &#x27;{{X}}&#x27;, but there is no field called &#x27;X&#x27;"), wantA: backErr("Found &#x27;{{X}}&#x27;, but there is no field called &#x27;X&#x27;"), checkA: true},
	{name: "answer side parse error", q: "{{F}}", a: "{{#B}}", wantQ: backErr("Missing &#x27;{{/B}}&#x27;"), wantA: backErr("Missing &#x27;{{/B}}&#x27;"), checkA: true},
	{name: "question error wins", q: "{{#F}}", a: "{{X}}", wantQ: frontErr("Missing &#x27;{{/F}}&#x27;"), wantA: frontErr("Missing &#x27;{{/F}}&#x27;"), checkA: true},

	// --- LaTeX and media
	{name: "latex", q: "{{F}}", fields: map[string]string{"F": "a[latex]one<br>and<div>two[/latex]b"},
		wantQ:     `a<img class=latex alt="one&#x0A;and&#x0A;two" src="latex-ef30b3f4141c33a5bf7044b0d1961d3399c05d50.png">b`,
		wantMedia: []string{"latex-ef30b3f4141c33a5bf7044b0d1961d3399c05d50.png"}, checkMedia: true},
	{name: "inline math svg", q: "{{F}}", mod: func(rc *RenderContext) { rc.LatexSVG = true }, fields: map[string]string{"F": "[$]<b>hello</b>&nbsp; world[/$]"},
		wantQ: `<img class=latex alt="&#x24;hello&#x20;&#x20;world&#x24;" src="latex-060219fbf3ddb74306abddaf4504276ad793b029.svg">`},
	{name: "display math", q: "{{F}}", fields: map[string]string{"F": "[$$]math &amp; stuff[/$$]"},
		wantQ: `<img class=latex alt="&#x5C;begin&#x7B;displaymath&#x7D;math&#x20;&amp;&#x20;stuff&#x5C;end&#x7B;displaymath&#x7D;" src="latex-8899f3f849ffdef6e4e9f2f34a923a1f608ebc07.png">`},
	{name: "latex case insensitive tags", q: "{{F}}", fields: map[string]string{"F": "[LaTeX]x[/LATEX]"},
		wantQ: `<img class=latex alt="x" src="latex-11f6ad8ec52a2984abaafd7c3b516503785c2072.png">`},
	{name: "unclosed latex untouched", q: "{{F}}", fields: map[string]string{"F": "[latex]x"}, wantQ: "[latex]x"},
	{name: "media refs of both sides", q: "{{Front}}", a: "{{FrontSide}}{{Back}}", fields: map[string]string{"Front": `<img src="a.jpg">[sound:q.mp3]`, "Back": `[sound:b.mp3]<img src="http://x/y.png"><img src="a.jpg">`},
		wantQ: `<img src="a.jpg">[sound:q.mp3]`, wantMedia: []string{"a.jpg", "q.mp3", "b.mp3"}, checkMedia: true},
	{name: "no media", q: "{{F}}", wantQ: "f", wantMedia: nil, checkMedia: true},
}

func TestRenderCard(t *testing.T) {
	for _, tc := range renderCases {
		t.Run(tc.name, func(t *testing.T) {
			fields := tc.fields
			if fields == nil {
				fields = fb()
			}
			rc := RenderContext{
				Fields: fields, Tags: "tag1 tag2", Notetype: "Basic", Deck: "Parent::Child",
				CardName: "Card 1", CardID: 1234, CardOrd: tc.ord, Cloze: tc.cloze,
			}
			if tc.mod != nil {
				tc.mod(&rc)
			}
			a := tc.a
			if a == "" {
				a = "{{FrontSide}}"
			}
			got := RenderCard(tc.q, a, rc)
			if got.Question != tc.wantQ {
				t.Errorf("question\n got: %q\nwant: %q", got.Question, tc.wantQ)
			}
			if tc.checkA && got.Answer != tc.wantA {
				t.Errorf("answer\n got: %q\nwant: %q", got.Answer, tc.wantA)
			}
			if got.QuestionEmpty != tc.wantEmpty {
				t.Errorf("QuestionEmpty = %v, want %v", got.QuestionEmpty, tc.wantEmpty)
			}
			if tc.checkMedia && !reflect.DeepEqual(got.MediaRefs, tc.wantMedia) {
				t.Errorf("MediaRefs = %q, want %q", got.MediaRefs, tc.wantMedia)
			}
		})
	}
}
