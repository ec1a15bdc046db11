package ankiapp

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/deckhand-app/deckhand/internal/testfix"
)

// FuzzParseXML reads AnkiApp deck files: anything may be refused with ErrBadXML, and a
// deck that is accepted converts to field HTML without panicking.
func FuzzParseXML(f *testing.F) {
	seeds := testfix.SeedFiles(64<<10, ".xml")
	for _, name := range testfix.SortedKeys(seeds) {
		f.Add(seeds[name])
	}
	f.Add([]byte(`<deck name="d" tags="a, b c"><fields><text name="Front" sides="10"/><rich-text name="Back" sides="01"/>` +
		`<japanese name="J"/><tts name="T" lang="ja-JP"><sources><ref name="J"/></sources></tts></fields>` +
		`<cards><card tags="x"><text name="Front">1 &lt; 2</text><rich-text name="Back"><b>b</b><img id="abc" type="image/png"/></rich-text>` +
		`<japanese name="J">漢字[かんじ]</japanese></card></cards></deck>`))
	f.Add([]byte(`<deck name="old"><fields><field name="F"/></fields><cards><card><field name="F">{{blob 1}}</field></card></cards></deck>`))
	f.Add([]byte(`<!DOCTYPE d [<!ENTITY a "aaaa">]><deck name="&a;"/>`))
	f.Add([]byte(`<deck name="d"><fields><markdown name="M"/><tex name="X"/><code name="C" lang="go"/></fields>` +
		`<cards><card><markdown name="M">**b** _i_</markdown><tex name="X">$x^2$</tex><code name="C">a<b</code></card></cards></deck>`))
	files := map[string]mediaFile{"abc": {id: "abc", name: "abc.png", kind: "img"}, "1": {id: "1", name: "a b.mp3", kind: "audio"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, warnings, err := ParseXML(data)
		if err != nil {
			if !errors.Is(err, ErrBadXML) {
				t.Fatalf("error is not ErrBadXML: %v", err)
			}
			return
		}
		_ = warnings
		if d.Name == "" || len(d.Fields) == 0 {
			t.Fatalf("accepted a deck without name or fields: %+v", d)
		}
		for _, c := range d.Cards {
			for _, name := range c.Order {
				fd := d.Fields[0]
				for _, x := range d.Fields {
					if x.Name == name {
						fd = x
					}
				}
				v := c.Values[name]
				typ := v.Type
				if typ == "" {
					typ = fd.Type
				}
				h := resolveBlobs(toHTML(typ, fd.Lang, v.Content), files)
				if utf8.ValidString(v.Content) && !utf8.ValidString(h) {
					t.Fatalf("conversion made invalid UTF-8 from %q", v.Content)
				}
				_ = blobRefs(h)
			}
			for _, tag := range c.Tags {
				if tag == "" || strings.ContainsAny(tag, " \t\n") {
					t.Fatalf("bad tag %q", tag)
				}
			}
		}
	})
}

// A DTD is refused with a message that names it, whether or not its entities are used
// (before the fix the parser stopped at the undeclared entity and said only that).
func TestDoctypeRefusedByName(t *testing.T) {
	for _, src := range []string{
		`<!DOCTYPE deck [<!ENTITY a "x">]><deck name="&a;"><fields><text name="F"/></fields></deck>`,
		"\uFEFF<?xml version=\"1.0\"?>\n<!-- c --><!doctype deck SYSTEM \"file:///etc/passwd\"><deck name=\"d\"><fields><text name=\"F\"/></fields></deck>",
	} {
		_, _, err := ParseXML([]byte(src))
		if err == nil || !strings.Contains(err.Error(), "DOCTYPE") {
			t.Errorf("%.40q: %v", src, err)
		}
	}
	if _, _, err := ParseXML([]byte(`<?xml version="1.0"?><!-- <!DOCTYPE in a comment --><deck name="d"><fields><text name="F"/></fields></deck>`)); err != nil {
		t.Errorf("comment mentioning DOCTYPE refused: %v", err)
	}
}
