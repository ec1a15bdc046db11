package ankiapp_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/importers/ankiapp"
	"github.com/deckhand-app/deckhand/internal/testfix"
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

// noteRows lists notes as "fields joined by ' | ' # tags", sorted.
func noteRows(t testing.TB, col *collection.Collection) []string {
	t.Helper()
	rows, err := col.All(context.Background(), "SELECT flds, tags FROM notes")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, strings.ReplaceAll(r[0].(string), "\x1f", " | ")+" # "+strings.TrimSpace(r[1].(string)))
	}
	sort.Strings(out)
	return out
}

const pngID = "3f2c9a7e0b1d4c5e8f6a7b8c9d0e1f2a"

func TestFixtures(t *testing.T) {
	ctx := context.Background()
	zipPath := testfix.Package(t, "synthetic_ankiapp_export.zip")
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	var png []byte
	for _, f := range zr.File {
		if f.Name == "blobs/"+pngID {
			rc, _ := f.Open()
			var b bytes.Buffer
			b.ReadFrom(rc)
			rc.Close()
			png = b.Bytes()
		}
	}
	zr.Close()
	sum := sha256.Sum256(png)
	pngName := hex.EncodeToString(sum[:]) + ".png" // named by content, extension sniffed
	img := `<img src="` + pngName + `">`
	tests := []struct {
		file       string
		wantNotes  []string
		wantFields []string
		wantFront  string
		wantBack   string
		wantMedia  int
		warnings   int
	}{
		{"synthetic_ankiapp_new_shape.xml",
			[]string{"<b>日本</b> | にほん | Japan {{blob " + pngID + "}} | {{blob " + pngID + "}} # ankiapp kanji synthetic",
				"Привет |  | Hello |  # ankiapp synthetic"},
			[]string{"Front", "Reading", "Back", "Picture"}, "<div>{{Front}}</div>",
			"{{FrontSide}}\n\n<hr id=answer>\n\n<div>{{Reading}}{{tts ja_JP:Reading}}</div>\n<div>{{Back}}</div>\n<div>{{Picture}}</div>", 0, 1},
		{"synthetic_ankiapp_old_shape.xml", []string{"front text | back text # "},
			[]string{"Front", "Back"}, "<div>{{Front}}</div>", "{{FrontSide}}\n\n<hr id=answer>\n\n<div>{{Back}}</div>", 0, 0},
		{"synthetic_ankiapp_export.zip",
			[]string{"<b>日本</b> | にほん | Japan " + img + " | " + img + " # ankiapp kanji synthetic",
				"Привет |  | Hello |  # ankiapp synthetic"},
			[]string{"Front", "Reading", "Back", "Picture"}, "<div>{{Front}}</div>",
			"{{FrontSide}}\n\n<hr id=answer>\n\n<div>{{Reading}}{{tts ja_JP:Reading}}</div>\n<div>{{Back}}</div>\n<div>{{Picture}}</div>", 1, 0},
		{"ankiapp_copycat_simple.db", []string{"front text | back text # mytag"},
			[]string{"Front", "Back"}, "<div>{{Front}}</div>", "{{FrontSide}}\n\n<hr id=answer>\n\n<div>{{Back}}</div>", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			col := newCol(t)
			p := testfix.Package(t, tt.file)
			res, err := ankiapp.Import(ctx, col, p, ankiapp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := noteRows(t, col); !reflect.DeepEqual(got, tt.wantNotes) {
				t.Errorf("notes\n got %q\nwant %q", got, tt.wantNotes)
			}
			if res.NotesNew != len(tt.wantNotes) || res.CardsAdded != len(tt.wantNotes) || res.MediaAdded != tt.wantMedia || len(res.Warnings) != tt.warnings {
				t.Errorf("result %+v", res)
			}
			var nt *collection.Notetype
			for _, x := range col.Notetypes() {
				if strings.HasPrefix(x.Name, "AnkiApp: ") {
					nt = x
				}
			}
			if nt == nil {
				t.Fatal("no AnkiApp note type")
			}
			if !reflect.DeepEqual(nt.FieldNames(), tt.wantFields) || nt.Templates[0].QFmt != tt.wantFront || nt.Templates[0].AFmt != tt.wantBack {
				t.Errorf("note type %s %q %q %q", nt.Name, nt.FieldNames(), nt.Templates[0].QFmt, nt.Templates[0].AFmt)
			}
			if tt.wantMedia > 0 {
				b, err := os.ReadFile(filepath.Join(col.Media.Dir(), pngName))
				if err != nil || !bytes.Equal(b, png) {
					t.Errorf("media file %s: %v", pngName, err)
				}
			}
			// Importing again updates in place: nothing new.
			res, err = ankiapp.Import(ctx, col, p, ankiapp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.NotesNew != 0 || res.NotesUnchanged != len(tt.wantNotes) || res.NotetypesAdded != 0 {
				t.Errorf("re-import %+v", res)
			}
		})
	}
}
