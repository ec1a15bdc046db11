package views

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
)

func texts(segs []widget.RichTextSegment) []*widget.TextSegment {
	var out []*widget.TextSegment
	for _, s := range segs {
		switch v := s.(type) {
		case *widget.TextSegment:
			if v.Text != "" {
				out = append(out, v)
			}
		case *widget.ParagraphSegment:
			out = append(out, texts(v.Texts)...)
		case *widget.ListSegment:
			out = append(out, texts(v.Items)...)
		}
	}
	return out
}

func find(t *testing.T, segs []widget.RichTextSegment, text string) *widget.TextSegment {
	t.Helper()
	for _, s := range texts(segs) {
		if s.Text == text {
			return s
		}
	}
	t.Fatalf("no segment %q in %q", text, plain(segs))
	return nil
}

func plain(segs []widget.RichTextSegment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(s.Textual())
		if !s.Inline() {
			b.WriteString("|")
		}
	}
	return b.String()
}

func TestHTMLFormatting(t *testing.T) {
	css := ".card { text-align: center; color: black; }\n.big { font-size: 32px; } .nightMode .big { color: white }"
	segs := HTMLToSegments(`<b>bold</b> <i>it</i> <u>under</u> <s>gone</s> <span style="color: #f00; font-weight: 700">red</span>`+
		`<div class="big">large</div><font color="green">g</font><br><br>after`, HTMLOptions{CSS: css})
	if s := find(t, segs, "bold"); !s.Style.TextStyle.Bold || s.Style.Alignment != fyne.TextAlignCenter {
		t.Errorf("bold: %+v", s.Style)
	}
	if s := find(t, segs, "it"); !s.Style.TextStyle.Italic {
		t.Error("italic")
	}
	if s := find(t, segs, "under"); !s.Style.TextStyle.Underline {
		t.Error("underline")
	}
	if s := find(t, segs, "gone"); !s.Style.TextStyle.Strikethrough {
		t.Error("strike")
	}
	if s := find(t, segs, "red"); s.Style.ColorName != "hex:ff0000" || !s.Style.TextStyle.Bold {
		t.Errorf("red: %+v", s.Style)
	}
	if s := find(t, segs, "large"); s.Style.SizeName != "px:32" {
		t.Errorf("size: %+v", s.Style)
	}
	if s := find(t, segs, "g"); s.Style.ColorName != "hex:008000" {
		t.Errorf("font color: %+v", s.Style)
	}
	if got := plain(segs); !strings.Contains(got, "large|g||after") {
		t.Errorf("blocks and breaks: %q", got)
	}
	th := NewTheme(nil)
	if th.Size("px:32") != 28 {
		t.Errorf("px:32 -> %v", th.Size("px:32"))
	}
}

func TestHTMLRubyClozeListsTables(t *testing.T) {
	// what Anki's furigana filter and cloze rendering produce
	segs := HTMLToSegments(`<ruby><rb>漢字</rb><rt>かんじ</rt></ruby>を<span class="cloze" data-ordinal="1">[...]</span>`+
		`<ul><li>one</li><li>two<ol><li>inner</li></ol></li></ul><table><tr><th>A</th><th>B</th></tr><tr><td>1</td><td><b>2</b></td></tr></table>`,
		HTMLOptions{CSS: ".cloze { font-weight: bold; color: blue; }"})
	find(t, segs, "漢字")
	if r := find(t, segs, "(かんじ)"); r.Style.SizeName != "px:10" || r.Style.ColorName != ColorNameReading {
		t.Errorf("reading: %+v", r.Style)
	}
	if c := find(t, segs, "[...]"); !c.Style.TextStyle.Bold || c.Style.ColorName != ColorNameCloze {
		t.Errorf("cloze: %+v", c.Style)
	}
	var list *widget.ListSegment
	var table *widget.TableSegment
	for _, s := range segs {
		switch v := s.(type) {
		case *widget.ListSegment:
			list = v
		case *widget.TableSegment:
			table = v
		}
	}
	if list == nil || list.Ordered || len(list.Items) != 3 {
		t.Fatalf("list: %+v", list)
	}
	if inner, ok := list.Items[2].(*widget.ListSegment); !ok || !inner.Ordered {
		t.Fatalf("nested list: %T", list.Items[2])
	}
	if table == nil || len(table.Headers) != 2 || len(table.Rows) != 1 || table.Textual() != "A\tB\n1\t2\n" {
		t.Fatalf("table: %+v", table)
	}
}

func TestHTMLImagesStayInMediaFolder(t *testing.T) {
	dir := t.TempDir()
	media := filepath.Join(dir, "media")
	if err := os.Mkdir(media, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(media, "a b.png"), filepath.Join(dir, "secret.png")} {
		if err := os.WriteFile(p, tinyPNG, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	segs := HTMLToSegments(`<img src="a%20b.png"><img src="../secret.png"><img src="/etc/passwd"><img src="http://x/y.png"><img src="missing.png" alt="gone">`,
		HTMLOptions{MediaDir: media})
	var images int
	for _, s := range segs {
		if img, ok := s.(*widget.ImageSegment); ok {
			images++
			if img.Source.Path() != filepath.Join(media, "a b.png") {
				t.Errorf("image %s", img.Source.Path())
			}
		}
	}
	got := plain(segs)
	if images != 1 || !strings.Contains(got, "[image: ../secret.png]") || !strings.Contains(got, "[image: gone]") ||
		!strings.Contains(got, "[image: http://x/y.png]") {
		t.Fatalf("images %d, text %q", images, got)
	}
}

func TestHTMLSoundAndScripts(t *testing.T) {
	var played string
	segs := HTMLToSegments(`<script>alert(1)</script><style>b{}</style>Listen [sound:hello world.mp3] now`,
		HTMLOptions{OnPlay: func(n string) { played = n }})
	var link *widget.HyperlinkSegment
	for _, s := range segs {
		if l, ok := s.(*widget.HyperlinkSegment); ok {
			link = l
		}
	}
	if link == nil || link.OnTapped == nil {
		t.Fatalf("no play link: %q", plain(segs))
	}
	link.OnTapped()
	if played != "hello world.mp3" || strings.Contains(plain(segs), "alert") {
		t.Fatalf("played %q text %q", played, plain(segs))
	}
}
