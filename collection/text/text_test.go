package text

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

func TestFieldChecksumVectors(t *testing.T) {
	tests := []struct {
		field string
		sfld  string
		csum  uint32
	}{
		{"<div><pre>apple</pre></div>", "apple", 3502124484},
		{"Elderberry&nbsp;", "Elderberry ", 1990447721},
		{"[sound:foo.wav]", "[sound:foo.wav]", 685612576},
	}
	for _, tt := range tests {
		if got := SortField(tt.field); got != tt.sfld {
			t.Errorf("SortField(%q) = %q, want %q", tt.field, got, tt.sfld)
		}
		if got := FieldChecksum(tt.field); got != tt.csum {
			t.Errorf("FieldChecksum(%q) = %d, want %d", tt.field, got, tt.csum)
		}
	}
}

func TestStripHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"test", "test"},
		{"t<b>e</b>st", "test"},
		{"so<SCRIPT>t<b>e</b>st</script>me", "some"},
		{"a<style type='x'>b{c:d}</style>e", "ae"},
		{"a<STYLE>x</Style>b", "ab"},
		{"a<!-- <b>c</b> -->d", "ad"},
		{"a<!-- unclosed <b>x", "ax"},    // falls back to <.*?>: "<!-- unclosed <b>" is one tag
		{"1 < 2", "1 < 2"},               // no '>' after: literal
		{"a<b", "a<b"},                   // unterminated tag kept
		{"<style>unclosed", "unclosed"},  // <style> alone is an ordinary tag
		{"x<stylefoo>y</style>z", "xz"},  // regex accepts any <style… prefix
		{"a<br\n/>b", "ab"},              // (?s): tags span lines
		{"&lt;b&gt;", "<b>"},             // entities decoded after stripping
		{"&amp;lt;", "&lt;"},             // decoded once only
		{"AT&T <b>x</b>", "AT&T x"},      // malformed entity: nothing decoded
		{"AT&T &amp; x", "AT&T &amp; x"}, // … not even the valid one
		{"a&nbsp;b", "a b"},              // NBSP entity becomes a space
		{"a\u00a0b", "a\u00a0b"},         // a literal NBSP without '&' stays
		{"a\u00a0&amp;", "a &"},          // … but is replaced once decoding happened
		{"<ſcript>x</script>y", "y"},     // (?i) is Unicode-aware
		{"", ""},
	}
	for _, tt := range tests {
		if got := StripHTML(tt.in); got != tt.want {
			t.Errorf("StripHTML(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStripHTMLPreservingMediaFilenames(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<img src=foo.jpg>", " foo.jpg "},
		{"<img src='foo.jpg'><html>", " foo.jpg "},
		{"<html>", ""},
		{`<img src="a b.jpg">x`, " a b.jpg x"},
		{`<IMG SRC="x.png" alt="y">`, " x.png "},
		{`<object data="movie.swf"></object>`, " movie.swf "},
		{`<audio src="a&amp;b.mp3">`, " a&b.mp3 "},
		{`<img alt="a>b" src="x.jpg">`, " x.jpg "},
		{`<img src=x.jpg width=3>`, " x.jpg "},
		{`<imgx src=x.jpg>`, ""},    // \b after the tag name
		{`<img datasrc=x.jpg>`, ""}, // \b before src
		{`<img src="">`, ` "" `},    // empty quotes fall through to the unquoted form
		{`<video><source src="v.webm"></video>`, " v.webm "},
		{"Elderberry\u00a0&nbsp;", "Elderberry  "},
	}
	for _, tt := range tests {
		if got := StripHTMLPreservingMediaFilenames(tt.in); got != tt.want {
			t.Errorf("StripHTMLPreservingMediaFilenames(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecodeEntities(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"&amp;&lt;&gt;&quot;", `&<>"`},
		{"&#65;&#x42;&#x6a;&#X43;", "&#65;&#x42;&#x6a;&#X43;"}, // upper-case X is malformed
		{"&#65;&#x42;&#x6a;", "ABj"},
		{"&apos;", "&apos;"}, // not an HTML 4 name
		{"&eacute;&Eacute;&euro;", "éÉ€"},
		{"&nbsp;x", " x"},
		{"&amp", "&amp"},         // unterminated
		{"& x;", "& x;"},         // unknown name " x"
		{"&#;", "&#;"},           // no digits
		{"&#x;", "&#x;"},         // no hex digits
		{"&#xD800;", "&#xD800;"}, // surrogate
		{"&#x110000;", "&#x110000;"},
		{"&#128512;", "😀"},
		{"&;;", "&;;"}, // the name is ";" which is unknown
		{"&AMP;", "&AMP;"},
	}
	for _, tt := range tests {
		if got := DecodeEntities(tt.in); got != tt.want {
			t.Errorf("DecodeEntities(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEncode(t *testing.T) {
	if got, want := EncodeMinimal(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#x27;&amp;&#x27;&lt;/a&gt;"; got != want {
		t.Errorf("EncodeMinimal = %q, want %q", got, want)
	}
	// htmlescape's documented example.
	if got, want := EncodeAttribute(`"No", he said.`), "&quot;No&quot;&#x2C;&#x20;he&#x20;said&#x2E;"; got != want {
		t.Errorf("EncodeAttribute = %q, want %q", got, want)
	}
	if got, want := EncodeAttribute("é日\n"), "&#xE9;日&#x0A;"; got != want {
		t.Errorf("EncodeAttribute = %q, want %q", got, want)
	}
}

func TestMediaRefs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"no media", nil},
		{"<img src=foo.jpg>[sound:bar.mp3]<img src=baz.jpg>", []string{"foo.jpg", "baz.jpg", "bar.mp3"}},
		{`<img src="a.jpg"><img src='a.jpg'>[sound:a.jpg]`, []string{"a.jpg"}},
		{`<img src="http://x/y.png"><img src="HTTPS://x/z.png"><img src="ok.png">`, []string{"ok.png"}},
		{`<img src="data:image/png;base64,AAAA">`, nil},
		{`<img src="a&amp;b.jpg">`, []string{"a&b.jpg"}},
		{`<audio src="s.mp3" controls>`, []string{"s.mp3"}},
		{`<object type="x" data="f.pdf">`, []string{"f.pdf"}},
		{"[sound:]]", []string{"]"}},
		{"[sound:a][sound:b]", []string{"a", "b"}},
		{"[sound:unterminated", nil},
	}
	for _, tt := range tests {
		if got := MediaRefs(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("MediaRefs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestReplaceMediaRefs(t *testing.T) {
	got := ReplaceMediaRefs("<img src=foo.jpg>[sound:bar.mp3]<img src=baz.jpg>", func(s string) (string, bool) {
		return "spam", s != "baz.jpg"
	})
	if want := "<img src=spam>[sound:spam]<img src=baz.jpg>"; got != want {
		t.Errorf("ReplaceMediaRefs = %q, want %q", got, want)
	}
	tests := []struct{ in, old, new, want string }{
		{`<img src="a.jpg">`, "a.jpg", "a-123.jpg", `<img src="a-123.jpg">`},
		{`<img alt="a.jpg" src="a.jpg">`, "a.jpg", "b.jpg", `<img alt="b.jpg" src="b.jpg">`},
		{`<img src="x&amp;y.jpg">`, "x&y.jpg", "p&q.jpg", `<img src="p&amp;q.jpg">`},
		{`<img src="x.jpg">`, "x.jpg", "p&q.jpg", `<img src="p&q.jpg">`},
		{"[sound:a.mp3] [sound:b.mp3]", "b.mp3", "c.mp3", "[sound:a.mp3] [sound:c.mp3]"},
		{"text only", "a", "b", "text only"},
	}
	for _, tt := range tests {
		if got := ReplaceMediaRef(tt.in, tt.old, tt.new); got != tt.want {
			t.Errorf("ReplaceMediaRef(%q, %q, %q) = %q, want %q", tt.in, tt.old, tt.new, got, tt.want)
		}
	}
}

func TestWithoutCombining(t *testing.T) {
	tests := []struct{ in, want string }{
		{"test", "test"},
		{"Über", "Uber"},
		{"crème brûlée", "creme brulee"},
		{"Straße", "Strase"}, // Anki maps ß to a single "s"
		{"Æsir Łódź", "AEsir Lodz"},
		{"ﬁ", "fi"}, // compatibility decomposition
		{"日本語", "日本語"},
		{"ぱ", "は"}, // the handakuten is a combining mark
	}
	for _, tt := range tests {
		if got := WithoutCombining(tt.in); got != tt.want {
			t.Errorf("WithoutCombining(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHTMLToTextLine(t *testing.T) {
	tests := []struct{ in, want, plain string }{
		{"a<br>b<BR/>c<br />d", "a b c d", "a b c d"},
		{"<div>a</div><div>b</div>", "a b", "a b"},
		{"line1\nline2", "line1 line2", "line1 line2"},
		{"x [[type:Back]] y", "x  y", "x  y"},
		{"[sound:a.mp3] hi", "a.mp3 hi", "hi"},
		{`<img src="p.jpg"> cap`, "p.jpg  cap", "cap"},
		{"  &nbsp;padded&nbsp; ", "padded", "padded"},
		{"<b>bold</b>", "bold", "bold"},
	}
	for _, tt := range tests {
		if got := HTMLToTextLine(tt.in); got != tt.want {
			t.Errorf("HTMLToTextLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := HTMLToTextLinePlain(tt.in); got != tt.plain {
			t.Errorf("HTMLToTextLinePlain(%q) = %q, want %q", tt.in, got, tt.plain)
		}
	}
}

func TestStripHTMLForTTS(t *testing.T) {
	if got, want := StripHTMLForTTS("one<br>two<div>three</div><p>four</p><span>five</span>"), "one two three  four five"; got != want {
		t.Errorf("StripHTMLForTTS = %q, want %q", got, want)
	}
}

func TestAVTags(t *testing.T) {
	got := AVTags(`x [sound:a.mp3] [anki:tts lang=ja_JP voices=Alice,Bob speed=0.5 cloze_blank=blanc bar=baz]<b>hi</b> [...][/anki:tts] [sound:] [anki:foo]z[/anki:foo][sound:v.mp4]`)
	want := []AVTag{
		{Filename: "a.mp3"},
		{TTS: true, FieldText: "hi blanc", Lang: "ja_JP", Voices: []string{"Alice", "Bob"}, Speed: 0.5, OtherArgs: []string{"bar=baz"}},
		{Filename: "v.mp4"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AVTags = %+v, want %+v", got, want)
	}
	got = AVTags(`[anki:tts lang=en_US speed=foo]a [...] b[/anki:tts][anki:tts lang=x]unclosed`)
	want = []AVTag{{TTS: true, FieldText: "a blank b", Lang: "en_US", Speed: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AVTags = %+v, want %+v", got, want)
	}
}

// The scanners must agree with Anki's regexes; Go's regexp has the same
// leftmost-first semantics, so on ASCII input (where \b agrees) they are an oracle.
var (
	htmlRE  = regexp.MustCompile(`(?si)(<!--.*?-->)|(<style.*?>.*?</style>)|(<script.*?>.*?</script>)|(<.*?>)`)
	mediaRE = regexp.MustCompile(`(?si)<\b(?:img|audio|video|object|source)\b(?:[^>]|"[^"]+?"|'[^']+?')+?\b(?:src|data)\b=(?:"([^"]+?)"[^>]*>|'([^']+?)'[^>]*>|([^ >]+?)(?:\x20[^>]*>|>))`)
)

func oracleMedia(s string) string {
	return mediaRE.ReplaceAllString(s, " ${1}${2}${3} ")
}

func checkAgainstOracle(t *testing.T, s string) {
	t.Helper()
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return
		}
	}
	if got, want := StripHTMLPreservingEntities(s), htmlRE.ReplaceAllString(s, ""); got != want {
		t.Fatalf("strip(%q) = %q, regex gives %q", s, got, want)
	}
	got := replaceMediaTags(s, func(m mediaTag) string { return " " + s[m.nameStart:m.nameEnd] + " " })
	if want := oracleMedia(s); got != want {
		t.Fatalf("media(%q) = %q, regex gives %q", s, got, want)
	}
}

var oracleSeeds = []string{
	`<img src="a.jpg">`, `<img alt="a>b" src='c'>`, `<img "x" src=y z>`, `<img 'a' "b>" src="c">`,
	`<img src="">`, `<img src= >`, `<object data=x>`, `<img src="x" <img src=y>`,
	`<style>x</style><b>`, `<!-- a --> <!-- b`, `<script x>y</script`, `<img title='a"b' src=q>`,
	`<img a="1" b='2' src=3 >`, `<img src="a>`, `<source src=v><video src='w'>`, `<img src=a>b>`,
	`<IMG SRC=x>`, `<img  data='d' src="s">`, `<img alt="a" "b" src=c>`, `<audio src="x"y>`,
}

func TestScannersMatchRegexOracle(t *testing.T) {
	for _, s := range oracleSeeds {
		checkAgainstOracle(t, s)
	}
	// Mix the seeds pairwise and with fragments to reach odd interleavings.
	frags := []string{"<", ">", `"`, "'", " ", "src=", "data=", "<img ", "<!--", "-->", "</style>", "<style>", "x"}
	for _, a := range oracleSeeds {
		for _, f := range frags {
			checkAgainstOracle(t, a+f+a)
			checkAgainstOracle(t, f+a)
			checkAgainstOracle(t, strings.Replace(a, " ", f, 1))
		}
	}
}

func FuzzScanners(f *testing.F) {
	for _, s := range oracleSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkAgainstOracle(t, s)
		_ = StripHTMLPreservingMediaFilenames(s)
		_ = MediaRefs(s)
		_ = ReplaceMediaRef(s, "a", "b&c")
		_ = HTMLToTextLine(s)
		_ = AVTags(s)
		_ = WithoutCombining(s)
		_ = DecodeEntities(s)
	})
}

func BenchmarkSortFieldAndChecksum(b *testing.B) {
	fields := []string{
		"plain text field",
		`<div>What is <b>the capital</b> of France?</div><img src="paris.jpg">`,
		"Elderberry&nbsp;[sound:elder.mp3]",
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		f := fields[i%len(fields)]
		_ = SortField(f)
		_ = FieldChecksum(f)
	}
}
