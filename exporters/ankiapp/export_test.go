package ankiapp_test

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	ankiappexport "github.com/deckhand-app/deckhand/exporters/ankiapp"
	ankiappimport "github.com/deckhand-app/deckhand/importers/ankiapp"
)

func newCol(t testing.TB) *collection.Collection {
	t.Helper()
	col, err := collection.Create(context.Background(), filepath.Join(t.TempDir(), "collection.anki2"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { col.Close() })
	return col
}

// content is every note's fields and tags (note types and ids differ after a round trip).
func content(t testing.TB, col *collection.Collection) []string {
	t.Helper()
	rows, err := col.All(context.Background(), "SELECT flds, tags FROM notes")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r[0].(string)+"#"+strings.TrimSpace(r[1].(string)))
	}
	sort.Strings(out)
	return out
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := newCol(t)
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	wav := []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00\x02\x00\x10\x00data\x00\x00\x00\x00")
	media := map[string][]byte{"pixel.png": png, "tone.wav": wav, "a b&c.png": append(append([]byte{}, png...), 1)}
	for name, data := range media {
		if _, err := src.Media.AddData(ctx, name, data); err != nil {
			t.Fatal(err)
		}
	}
	nt, err := collection.NewStockNotetype(collection.StockBasic)
	if err != nil {
		t.Fatal(err)
	}
	nt.Name = "Vocab"
	nt.AddField("Picture")
	nt.AddField("Audio")
	nt.Templates[0].AFmt += "{{Picture}}{{Audio}}"
	if err := src.AddNotetype(ctx, nt); err != nil {
		t.Fatal(err)
	}
	did, _ := src.AddDeck(ctx, "Words")
	for i, f := range [][]string{
		{"plain 'quoted' \"text\"", `<b>bold</b> <img src="pixel.png" alt="x"> and [sound:tone.wav]`, `<img src="pixel.png">`, "[sound:tone.wav]"},
		{"crlf\r\nline", "a &amp; b &nbsp; <img src=\"a b&amp;c.png\">", "", ""},
		{"missing media", `<img src="nothere.png">`, `<img src="a b&amp;c.png">`, ""},
	} {
		n, _ := src.NewNote(nt.ID)
		copy(n.Fields, f)
		n.Tags = []string{"tag" + string(rune('A'+i)), "lang::en"}
		if err := src.AddNote(ctx, n, did); err != nil {
			t.Fatal(err)
		}
	}
	ids, _ := src.All(ctx, "SELECT id FROM notes ORDER BY id")
	var nids []int64
	for _, r := range ids {
		nids = append(nids, r[0].(int64))
	}
	out := filepath.Join(t.TempDir(), "words.zip")
	sum, err := ankiappexport.Export(ctx, src, nids, out, ankiappexport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Notes != 3 || sum.Media != 3 || !sum.Zip {
		t.Errorf("summary %+v", sum)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	var xml string
	for _, f := range zr.File {
		if f.Name == "deck.xml" {
			rc, _ := f.Open()
			var b bytes.Buffer
			b.ReadFrom(rc)
			rc.Close()
			xml = b.String()
		}
	}
	zr.Close()
	for _, s := range []string{`<deck name="Words">`, `<rich-text name="Front" sides="10"/>`, `<rich-text name="Back" sides="01"/>`,
		`<img name="Picture" sides="01"/>`, `<audio name="Audio" sides="01"/>`, `type="image/png"`} {
		if !strings.Contains(xml, s) {
			t.Errorf("deck.xml lacks %s:\n%s", s, xml)
		}
	}
	dst := newCol(t)
	res, err := ankiappimport.Import(ctx, dst, out, ankiappimport.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.NotesNew != 3 || res.MediaAdded != 3 {
		t.Errorf("import %+v", res)
	}
	if got, want := content(t, dst), content(t, src); !reflect.DeepEqual(got, want) {
		t.Errorf("round trip\n got %q\nwant %q", got, want)
	}
	for name, data := range media {
		b, err := os.ReadFile(filepath.Join(dst.Media.Dir(), name))
		if err != nil || !bytes.Equal(b, data) {
			t.Errorf("media %s: %v", name, err)
		}
	}
}

func TestXMLWithoutMedia(t *testing.T) {
	ctx := context.Background()
	src := newCol(t)
	basic, _ := src.NotetypeByName("Basic")
	n, _ := src.NewNote(basic.ID)
	n.Fields = []string{"front", "<i>back</i>"}
	if err := src.AddNote(ctx, n, 1); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "d.xml")
	if _, err := ankiappexport.Export(ctx, src, []int64{n.ID}, out, ankiappexport.Options{DeckName: "My deck"}); err != nil {
		t.Fatal(err)
	}
	dst := newCol(t)
	if _, err := ankiappimport.Import(ctx, dst, out, ankiappimport.Options{}); err != nil {
		t.Fatal(err)
	}
	if got, want := content(t, dst), content(t, src); !reflect.DeepEqual(got, want) {
		t.Errorf("got %q want %q", got, want)
	}
	if _, ok := dst.DeckByName("My deck"); !ok {
		t.Error("deck not created")
	}
	// Media cannot go into a bare .xml.
	src.Media.AddData(ctx, "p.png", []byte("\x89PNG\r\n\x1a\n"))
	n.Fields[1] = `<img src="p.png">`
	src.UpdateNote(ctx, n)
	if _, err := ankiappexport.Export(ctx, src, []int64{n.ID}, out, ankiappexport.Options{}); err == nil {
		t.Error("xml export with media succeeded")
	}
}
