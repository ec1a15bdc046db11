package apkg_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/gen"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
	exp "github.com/deckhand-app/deckhand/exporters/apkg"
	imp "github.com/deckhand-app/deckhand/importers/apkg"
)

// edgeCollection is a small generated collection plus hand-made edge cases: a cloze note
// in a deep deck, media with a space in its name and a sound, a static font used by a
// note type's CSS, system and hierarchical tags, and a filtered deck holding review cards.
func edgeCollection(t testing.TB) *collection.Collection {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "source.anki2")
	if _, err := gen.Generate(ctx, path, gen.Options{Notes: 150, Media: 6, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	col, err := collection.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { col.Close() })
	for name, data := range map[string]string{"edge pic.png": "PNG bytes", "edge.mp3": "ID3 audio", "_font.ttf": "font"} {
		if _, err := col.Media.AddData(ctx, name, []byte(data)); err != nil {
			t.Fatal(err)
		}
	}
	basic, _ := col.NotetypeByName("Basic")
	basic.CSS += "\n@font-face { font-family: edge; src: url(\"_font.ttf\"); }"
	if err := col.UpdateNotetype(ctx, basic); err != nil {
		t.Fatal(err)
	}
	cloze, _ := col.NotetypeByName("Cloze")
	deep, err := col.AddDeck(ctx, "Edge::Cloze::Deep")
	if err != nil {
		t.Fatal(err)
	}
	add := func(ntID, deck int64, tags []string, fields ...string) {
		n, err := col.NewNote(ntID)
		if err != nil {
			t.Fatal(err)
		}
		copy(n.Fields, fields)
		n.Tags = tags
		if err := col.AddNote(ctx, n, deck); err != nil {
			t.Fatal(err)
		}
	}
	add(cloze.ID, deep, []string{"a::b", "marked"}, "{{c1::Paris}} is in {{c2::France}}", "extra")
	add(basic.ID, deep, []string{"leech"}, `<img src="edge pic.png">`, "[sound:edge.mp3] ünïcødé")
	// A filtered deck holding three review cards, as Anki stores it.
	err = col.Transact(ctx, func(tx *collection.Tx) error {
		fid, err := tx.AddDeck("Edge::Filtered")
		if err != nil {
			return err
		}
		d, _ := tx.Deck(fid)
		d.Dyn = true
		d.Conf = 0
		for k, v := range map[string]string{"terms": `[["is:due",100,0]]`, "resched": "true", "separate": "true",
			"delays": "null", "previewDelay": "10"} {
			d.Other[k] = json.RawMessage(v)
		}
		for _, k := range []string{"extendNew", "extendRev", "reviewLimit", "newLimit", "reviewLimitToday", "newLimitToday"} {
			delete(d.Other, k)
		}
		if err := tx.PutDeck(d); err != nil {
			return err
		}
		rows, err := tx.Q().Query("SELECT id FROM cards WHERE type = 2 AND queue = 2 ORDER BY id LIMIT 3")
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			ids = append(ids, id)
		}
		rows.Close()
		for _, id := range ids {
			c, err := tx.GetCard(id)
			if err != nil {
				return err
			}
			c.OriginalDeckID, c.OriginalDue = c.DeckID, c.Due
			c.DeckID = fid
			if err := tx.PutCard(c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return col
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := edgeCollection(t)
	gens := []pkgfile.Generation{pkgfile.Latest, pkgfile.Legacy2, pkgfile.Legacy1}
	for _, g := range gens {
		for _, sched := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/scheduling=%v", g, sched), func(t *testing.T) {
				out := filepath.Join(t.TempDir(), "out.apkg")
				eres, err := exp.Export(ctx, src, out, exp.Options{Generation: g, WithScheduling: sched, WithMedia: true})
				if err != nil {
					t.Fatal(err)
				}
				// gen.Generate refers to a few files it never writes; those, and only
				// those, are reported missing.
				for _, w := range eres.Warnings {
					var name string
					if _, err := fmt.Sscanf(w, "media %q is referenced but missing", &name); err != nil {
						t.Errorf("export warning %q", w)
					} else if _, err := os.Stat(filepath.Join(src.Media.Dir(), name)); err == nil {
						t.Errorf("warning about present file: %q", w)
					}
				}
				dst := newCol(t)
				res, err := imp.Import(ctx, dst, out, imp.Options{KeepScheduling: sched})
				if err != nil {
					t.Fatal(err)
				}
				if res.Generation != g.String() {
					t.Errorf("read back as %s", res.Generation)
				}
				want, got := snapshot(t, src, sched), snapshot(t, dst, sched)
				if res.NotesNew != len(want.Notes) || eres.Notes != len(want.Notes) {
					t.Errorf("notes: exported %d, imported %d, source %d", eres.Notes, res.NotesNew, len(want.Notes))
				}
				compareMaps(t, "notes", want.Notes, got.Notes)
				compareMaps(t, "cards", want.Cards, got.Cards)
				compareMaps(t, "media", want.Media, got.Media)
				if len(want.Media) < 3 {
					t.Errorf("test collection references only %d media files", len(want.Media))
				}
				if sum, err := fileSHA1(filepath.Join(dst.Media.Dir(), "_font.ttf")); err != nil || sum != want2(t, src, "_font.ttf") {
					t.Errorf("static media from the note type CSS: %v", err)
				}
				if sched {
					compareMaps(t, "revlog", want.Revlog, got.Revlog)
					compareMaps(t, "decks", want.Decks, got.Decks)
					if !got.Decks["Edge::Filtered"] {
						t.Errorf("filtered deck not kept: %v", got.Decks)
					}
				} else {
					if len(got.Revlog) != 0 || got.Reviewed != 0 {
						t.Errorf("without scheduling: %d revlog, %d reviewed cards", len(got.Revlog), got.Reviewed)
					}
					if got.NewCards != len(want.Cards) {
						t.Errorf("new cards %d (max due %d), want %d", got.NewCards, got.MaxNewDue, len(want.Cards))
					}
					names := func(m map[string]bool) []string {
						var out []string
						for k := range m {
							out = append(out, k)
						}
						sort.Strings(out)
						return out
					}
					if !reflect.DeepEqual(names(want.Decks), names(got.Decks)) {
						t.Errorf("decks %q, want %q", names(got.Decks), names(want.Decks))
					}
					if got.Decks["Edge::Filtered"] {
						t.Errorf("filtered deck kept without scheduling")
					}
					var tagged int
					dst.DB().QueryRow("SELECT count(*) FROM notes WHERE tags LIKE '% marked %' OR tags LIKE '% leech %'").Scan(&tagged)
					if tagged != 0 {
						t.Errorf("%d notes kept marked/leech", tagged)
					}
				}
			})
		}
	}
}

func want2(t testing.TB, col *collection.Collection, name string) string {
	sum, err := fileSHA1(filepath.Join(col.Media.Dir(), name))
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func compareMaps[K comparable, V comparable](t *testing.T, what string, want, got map[K]V) {
	t.Helper()
	bad := 0
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			if bad < 3 {
				t.Errorf("%s %v:\n got %v\nwant %v", what, k, g, w)
			}
			bad++
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			if bad < 3 {
				t.Errorf("%s %v: unexpected", what, k)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d differences (%d wanted, %d got)", what, bad, len(want), len(got))
	}
}

func TestRoundTripColpkg(t *testing.T) {
	ctx := context.Background()
	src := edgeCollection(t)
	for _, g := range []pkgfile.Generation{pkgfile.Latest, pkgfile.Legacy2} {
		t.Run(g.String(), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "all.colpkg")
			eres, err := exp.ExportColpkg(ctx, src, out, exp.ColpkgOptions{Generation: g})
			if err != nil {
				t.Fatal(err)
			}
			srcMedia, _ := src.Media.Count(ctx)
			if eres.Media != srcMedia {
				t.Errorf("exported %d media, folder has %d", eres.Media, srcMedia)
			}
			dir := t.TempDir()
			colPath := filepath.Join(dir, "collection.anki2")
			res, err := imp.ImportColpkg(ctx, colPath, out, imp.ColpkgOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Backup != "" || res.MediaAdded != srcMedia {
				t.Errorf("result %+v", res)
			}
			dst, err := collection.Open(ctx, colPath)
			if err != nil {
				t.Fatal(err)
			}
			defer dst.Close()
			want, got := snapshot(t, src, true), snapshot(t, dst, true)
			compareMaps(t, "notes", want.Notes, got.Notes)
			compareMaps(t, "cards", want.Cards, got.Cards)
			compareMaps(t, "revlog", want.Revlog, got.Revlog)
			compareMaps(t, "decks", want.Decks, got.Decks)
			compareMaps(t, "media", want.Media, got.Media)
			if n, _ := dst.Media.Count(ctx); n != srcMedia {
				t.Errorf("media database lists %d files, want %d", n, srcMedia)
			}
			if len(dst.Notetypes()) != len(src.Notetypes()) || dst.Created() != src.Created() {
				t.Errorf("note types %d/%d, crt %v/%v", len(dst.Notetypes()), len(src.Notetypes()), dst.Created(), src.Created())
			}
		})
	}
}

func TestExportSelection(t *testing.T) {
	ctx := context.Background()
	src := edgeCollection(t)
	edge, _ := src.DeckByName("Edge")
	var wantDeck int
	ids := []int64{edge.ID}
	for _, d := range src.Decks() {
		if len(d.Name) > 6 && d.Name[:6] == "Edge::" {
			ids = append(ids, d.ID)
		}
	}
	list := fmt.Sprint(ids[0])
	for _, id := range ids[1:] {
		list += fmt.Sprint(",", id)
	}
	src.DB().QueryRow("SELECT count(DISTINCT nid) FROM cards WHERE did IN (" + list + ") OR odid IN (" + list + ")").Scan(&wantDeck)
	if wantDeck < 3 {
		t.Fatalf("only %d notes in the Edge decks", wantDeck)
	}
	var someNotes []int64
	rows, _ := src.DB().Query("SELECT id FROM notes ORDER BY id LIMIT 5")
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		someNotes = append(someNotes, id)
	}
	rows.Close()
	for _, tc := range []struct {
		name string
		opt  exp.Options
		want int
	}{
		{"deck", exp.Options{DeckID: edge.ID}, wantDeck},
		{"notes", exp.Options{NoteIDs: append(someNotes, 42)}, len(someNotes)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "sel.apkg")
			eres, err := exp.Export(ctx, src, out, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			dst := newCol(t)
			res, err := imp.Import(ctx, dst, out, imp.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if eres.Notes != tc.want || res.NotesNew != tc.want {
				t.Errorf("exported %d, imported %d notes, want %d", eres.Notes, res.NotesNew, tc.want)
			}
			if eres.Media != 0 {
				t.Errorf("media packed without WithMedia")
			}
		})
	}
}

func exportAll(ctx context.Context, col *collection.Collection, out string) (*exp.Result, error) {
	return exp.Export(ctx, col, out, exp.Options{WithScheduling: true, WithMedia: true})
}
