package ankiapp_test

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/importers/ankiapp"
)

// A 1×1 PNG and the start of a WAV file: enough for content sniffing.
var (
	pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	wavBytes = []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00")
)

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func writeZip(t testing.TB, files map[string][]byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "deck.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, data := range files {
		w, _ := zw.Create(name)
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

// allTypesDeck uses every field type AnkiApp writes, in the given card shape.
func allTypesDeck(newShape bool) string {
	png, wav := sha(pngBytes), sha(wavBytes)
	fields := []struct{ typ, name, attrs, value string }{
		{"text", "Plain", `sides="10"`, "a &lt; b &amp; c\nnext"},
		{"rich-text", "Rich", `sides="11"`, "&lt;i&gt;x&lt;/i&gt; {{blob " + png + "}}"},
		{"markdown", "MD", `sides="01"`, "**bold** and `code`"},
		{"code", "Code", `sides="01" lang="go"`, "if a &lt; b {}"},
		{"tex", "TeX", `sides="01"`, `x^2 &lt; 1`},
		{"tts", "Say", `sides="01" lang="en-US"`, "hello"},
		{"audio", "Sound", `sides="01"`, `<audio id="` + wav + `" type="audio/wav"/>`},
		{"img", "Pic", `sides="01"`, `<img id="` + png + `" type="image/png"/>`},
		{"video", "Clip", `sides="01"`, ""},
		{"japanese", "JA", `sides="01" furigana="true"`, "&lt;ruby&gt;漢字&lt;rt&gt;かんじ&lt;/rt&gt;&lt;/ruby&gt;"},
		{"translation", "Tr", `sides="01"`, "translated"},
		{"chinese", "ZH", `sides="01" pinyin="true"`, "中文"},
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<deck name=\"All types\" tags=\"deck tag,x\">\n<fields>\n")
	for _, f := range fields {
		src := ""
		if f.typ == "translation" {
			src = `<sources><translation><ref name="Plain"/></translation></sources>`
		}
		b.WriteString("<" + f.typ + ` name="` + f.name + `" ` + f.attrs + ">" + src + "</" + f.typ + ">\n")
	}
	b.WriteString("</fields>\n<cards>\n<card tags=\"card tag\">\n")
	for _, f := range fields {
		if newShape {
			b.WriteString("<" + f.typ + ` name="` + f.name + `">` + f.value + "</" + f.typ + ">\n")
		} else {
			b.WriteString(`<field name="` + f.name + `">` + f.value + "</field>\n")
		}
	}
	b.WriteString("</card>\n</cards>\n</deck>\n")
	return b.String()
}

func TestAllFieldTypesBothShapes(t *testing.T) {
	pngName, wavName := sha(pngBytes)+".png", sha(wavBytes)+".wav"
	want := []string{
		"a &lt; b &amp; c<br>next",
		`<i>x</i> <img src="` + pngName + `">`,
		"<p><strong>bold</strong> and <code>code</code></p>",
		`<pre><code class="language-go">if a &lt; b {}</code></pre>`,
		`\[x^2 &lt; 1\]`,
		"hello",
		"[sound:" + wavName + "]",
		`<img src="` + pngName + `">`,
		"",
		"漢字[かんじ]",
		"translated",
		"中文",
	}
	for _, newShape := range []bool{true, false} {
		t.Run(map[bool]string{true: "typed elements", false: "field elements"}[newShape], func(t *testing.T) {
			col := newCol(t)
			p := writeZip(t, map[string][]byte{"deck.xml": []byte(allTypesDeck(newShape)),
				"blobs/" + sha(pngBytes): pngBytes, "blobs/" + sha(wavBytes): wavBytes})
			res, err := ankiapp.Import(context.Background(), col, p, ankiapp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.MediaAdded != 2 || res.NotesNew != 1 || len(res.Warnings) != 0 {
				t.Errorf("result %+v", res)
			}
			rows, _ := col.All(context.Background(), "SELECT flds, tags FROM notes")
			got := strings.Split(rows[0][0].(string), "\x1f")
			if !reflect.DeepEqual(got, want) {
				for i := range want {
					if i < len(got) && got[i] != want[i] {
						t.Errorf("field %d = %q, want %q", i, got[i], want[i])
					}
				}
			}
			if tags := strings.TrimSpace(rows[0][1].(string)); tags != "card_tag deck_tag x" {
				t.Errorf("tags %q", tags)
			}
			nt, _ := col.NotetypeByName("AnkiApp: All types")
			afmt := nt.Templates[0].AFmt
			for _, s := range []string{"{{tts en_US:Say}}", "{{furigana:JA}}", "{{furigana:ZH}}", "<div>{{MD}}</div>"} {
				if !strings.Contains(afmt, s) {
					t.Errorf("back template lacks %s: %q", s, afmt)
				}
			}
			if strings.Contains(afmt, "{{Rich}}") || !strings.Contains(nt.Templates[0].QFmt, "{{Rich}}") {
				t.Errorf("sides=11 field: front %q back %q", nt.Templates[0].QFmt, afmt)
			}
			for _, name := range []string{pngName, wavName} {
				if _, err := os.Stat(filepath.Join(col.Media.Dir(), name)); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestReimportUpdatesChangedCards(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	dir := t.TempDir()
	deck := func(back string) string {
		p := filepath.Join(dir, "d.xml")
		os.WriteFile(p, []byte(`<deck name="D"><fields><text name="Front" sides="10"/><text name="Back" sides="01"/></fields>
			<cards><card><text name="Front">q</text><text name="Back">`+back+`</text></card>
			<card><text name="Front">q</text><text name="Back">second with same front</text></card></cards></deck>`), 0o644)
		return p
	}
	if _, err := ankiapp.Import(ctx, col, deck("old"), ankiapp.Options{}); err != nil {
		t.Fatal(err)
	}
	res, err := ankiapp.Import(ctx, col, deck("new"), ankiapp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.NotesNew != 0 || res.NotesUpdated != 1 || res.NotesUnchanged != 1 {
		t.Errorf("result %+v", res)
	}
	if got := noteRows(t, col); !reflect.DeepEqual(got, []string{"q | new # ", "q | second with same front # "}) {
		t.Errorf("notes %q", got)
	}
}

func fileState(t testing.TB, col *collection.Collection) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range []string{col.Path(), collection.MediaDirFor(col.Path())} {
		filepath.Walk(p, func(path string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				b, _ := os.ReadFile(path)
				out[path] = string(b)
			}
			return nil
		})
	}
	return out
}

func TestBadInputs(t *testing.T) {
	deep := strings.Repeat("<x>", 100) + strings.Repeat("</x>", 100)
	errCases := map[string]string{
		"not well-formed":   `<deck name="x"><fields><text name="a"></fields></deck>`,
		"external entity":   `<?xml version="1.0"?><!DOCTYPE deck [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><deck name="&xxe;"><fields><text name="a"/></fields></deck>`,
		"entity expansion":  `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><deck name="&lol2;"><fields><text name="a"/></fields></deck>`,
		"undeclared entity": `<deck name="&boom;"><fields><text name="a"/></fields></deck>`,
		"absurd nesting":    `<deck name="x"><fields><text name="a"/></fields><cards><card><text name="a">` + deep + `</text></card></cards></deck>`,
		"wrong root":        `<notadeck/>`,
		"no fields":         `<deck name="x"><cards/></deck>`,
		"bad sides":         `<deck name="x"><fields><text name="a" sides="2"/></fields></deck>`,
		"invalid utf-8":     "<deck name=\"\xff\"><fields><text name=\"a\"/></fields></deck>",
		"empty":             ``,
	}
	for name, xml := range errCases {
		t.Run(name, func(t *testing.T) {
			col := newCol(t)
			before := fileState(t, col)
			p := filepath.Join(t.TempDir(), "bad.xml")
			os.WriteFile(p, []byte(xml), 0o644)
			_, err := ankiapp.Import(context.Background(), col, p, ankiapp.Options{})
			if err == nil || !errors.Is(err, ankiapp.ErrBadXML) {
				t.Fatalf("err = %v, want ErrBadXML", err)
			}
			if !reflect.DeepEqual(before, fileState(t, col)) {
				t.Error("collection or media changed")
			}
		})
	}
	t.Run("huge file", func(t *testing.T) {
		col := newCol(t)
		p := filepath.Join(t.TempDir(), "big.xml")
		f, _ := os.Create(p)
		f.Truncate(ankiapp.MaxXMLSize + 1)
		f.Close()
		if _, err := ankiapp.Import(context.Background(), col, p, ankiapp.Options{}); !errors.Is(err, ankiapp.ErrBadXML) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("bad deck in zip leaves media untouched", func(t *testing.T) {
		col := newCol(t)
		before := fileState(t, col)
		p := writeZip(t, map[string][]byte{"a.xml": []byte(allTypesDeck(true)), "b.xml": []byte("<deck"),
			"blobs/" + sha(pngBytes): pngBytes})
		if _, err := ankiapp.Import(context.Background(), col, p, ankiapp.Options{}); err == nil {
			t.Fatal("no error")
		}
		if !reflect.DeepEqual(before, fileState(t, col)) {
			t.Error("collection or media changed")
		}
	})
	t.Run("not a zip", func(t *testing.T) {
		col := newCol(t)
		p := filepath.Join(t.TempDir(), "x.zip")
		os.WriteFile(p, []byte("PK\x03\x04garbage"), 0o644)
		if _, err := ankiapp.Import(context.Background(), col, p, ankiapp.Options{}); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("broken database", func(t *testing.T) {
		col := newCol(t)
		p := filepath.Join(t.TempDir(), "x.db")
		os.WriteFile(p, append([]byte("SQLite format 3\x00"), make([]byte, 200)...), 0o644)
		if _, err := ankiapp.Import(context.Background(), col, p, ankiapp.Options{}); err == nil {
			t.Fatal("no error")
		}
	})
	warnCases := map[string]struct {
		xml  string
		want string
	}{
		"unknown type":  {`<deck name="x"><fields><hologram name="a"/></fields><cards><card><hologram name="a">v</hologram></card></cards></deck>`, "unknown type <hologram>"},
		"unknown field": {`<deck name="x"><fields><text name="a"/></fields><cards><card><text name="a">v</text><text name="zzz">w</text></card></cards></deck>`, `field "zzz" is not defined`},
		"missing blob":  {`<deck name="x"><fields><img name="a"/></fields><cards><card><img name="a"><img id="abc123"/></img></card></cards></deck>`, "blob abc123 is referenced but missing"},
	}
	for name, tt := range warnCases {
		t.Run(name, func(t *testing.T) {
			col := newCol(t)
			p := filepath.Join(t.TempDir(), "w.xml")
			os.WriteFile(p, []byte(tt.xml), 0o644)
			res, err := ankiapp.Import(context.Background(), col, p, ankiapp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(res.Warnings, "\n"), tt.want) || res.NotesNew != 1 {
				t.Errorf("result %+v, want warning %q", res, tt.want)
			}
		})
	}
}
