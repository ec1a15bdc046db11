package collection_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
	"github.com/deckhand-app/deckhand/collection/schema18"
	"github.com/deckhand-app/deckhand/collection/store"
	"github.com/deckhand-app/deckhand/collection/text"
	"github.com/deckhand-app/deckhand/internal/testfix"
)

// openFixture extracts a fixture package's collection (downgrading Latest files to schema 11)
// and opens it with the engine.
func openFixture(t *testing.T, name string) *collection.Collection {
	t.Helper()
	ctx := context.Background()
	r, err := pkgfile.Open(testfix.Package(t, name), pkgfile.DefaultLimits())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer r.Close()
	path := filepath.Join(t.TempDir(), "fixture.anki2")
	ver, err := r.ExtractCollection(ctx, path)
	if err != nil {
		t.Fatalf("%s: extract: %v", name, err)
	}
	if ver != 11 {
		db, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := schema18.Downgrade(ctx, db); err != nil {
			t.Fatalf("%s: downgrade: %v", name, err)
		}
		if err := store.CloseForTransfer(ctx, db); err != nil {
			t.Fatal(err)
		}
	}
	col, err := collection.Open(ctx, path)
	if err != nil {
		t.Fatalf("%s: open: %v", name, err)
	}
	t.Cleanup(func() { col.Close() })
	return col
}

type fixtureCounts struct {
	notes, cards, revlog, notetypes, decks int
	// realAnki: written by Anki/AnkiDroid, so the stored sfld/csum are Anki's own.
	realAnki bool
}

// Counts from fixtures/packages/MANIFEST.md (and, where it is silent, read with sqlite3).
var fixtureTable = map[string]fixtureCounts{
	"anki_media.apkg":                       {1, 1, 0, 3, 1, true},
	"anki_update1.apkg":                     {1, 1, 0, -1, -1, true},
	"anki_update2.apkg":                     {1, 1, 0, -1, -1, true},
	"ankidroid_update3.apkg":                {1, 1, 0, -1, -1, true},
	"anki_diffmodeltemplates-1.apkg":        {1, 1, 0, -1, -1, true},
	"ankidroid_templates.apkg":              {48, 146, 102, 9, -1, true},
	"mujing_basic_word.apkg":                {459, 459, 0, -1, 2, true},
	"mujing_basic_word_new_version.apkg":    {459, 459, 3, -1, 2, true},
	"mujing_Alphabet_Word.apkg":             {26, 26, -1, -1, -1, true},
	"taaltuig_spanish-small.apkg":           {5, 5, 0, -1, -1, true},
	"srsconv_mixed-legacy-2.apkg":           {8, 13, 26, -1, -1, true},
	"srsconv_empty-legacy-2.colpkg":         {0, 0, 0, 6, 1, true},
	"synthetic_anki21b_with_media.apkg":     {26, 26, -1, -1, -1, false},
	"anki-apkg-export_nested_media.apkg":    {2, 2, 0, -1, -1, false},
	"anki-apkg-export_second_deck.apkg":     {1, 1, 0, -1, -1, false},
	"genanki-js_two_decks_cloze_media.apkg": {3, 4, 0, -1, -1, false},
}

func TestFixtureCollectionsOpen(t *testing.T) {
	testfix.Dir(t)
	for name, want := range fixtureTable {
		t.Run(name, func(t *testing.T) {
			col := openFixture(t, name)
			got, err := col.Counts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, g, w int) {
				if w >= 0 && g != w {
					t.Errorf("%s = %d, want %d", what, g, w)
				}
			}
			check("notes", got.Notes, want.notes)
			check("cards", got.Cards, want.cards)
			check("revlog", got.Revlog, want.revlog)
			check("notetypes", got.Notetypes, want.notetypes)
			check("decks", got.Decks, want.decks)
			if _, err := col.DeckTree(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestFixtureSortFieldAndChecksum recomputes sfld and csum for every note Anki wrote and
// compares them with what Anki stored.
func TestFixtureSortFieldAndChecksum(t *testing.T) {
	testfix.Dir(t)
	ctx := context.Background()
	checked := 0
	for name, want := range fixtureTable {
		if !want.realAnki {
			continue
		}
		t.Run(name, func(t *testing.T) {
			col := openFixture(t, name)
			rows, err := col.DB().QueryContext(ctx, "SELECT id, mid, flds, sfld, csum FROM notes")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var id, mid, csum int64
				var flds, sfld string
				if err := rows.Scan(&id, &mid, &flds, &sfld, &csum); err != nil {
					t.Fatal(err)
				}
				nt, ok := col.Notetype(mid)
				if !ok {
					t.Fatalf("note %d: no note type %d", id, mid)
				}
				fields := strings.Split(flds, "\x1f")
				if got := int64(text.FieldChecksum(fields[0])); got != csum {
					t.Errorf("note %d csum %d, Anki %d (field %q)", id, got, csum, fields[0])
				}
				if got := text.SortField(fields[nt.SortField]); got != sfld {
					t.Errorf("note %d sfld %q, Anki %q", id, got, sfld)
				}
				checked++
			}
		})
	}
	t.Logf("%d notes checked", checked)
}

// TestCheckRepairsThirdPartyPackages: generators that write wrong sfld/csum, ms mtimes and
// parentless nested decks are repaired by Check Database.
func TestCheckRepairsThirdPartyPackages(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"anki-apkg-export_nested_media.apkg", "genanki-js_two_decks_cloze_media.apkg"} {
		t.Run(name, func(t *testing.T) {
			col := openFixture(t, name)
			rep, err := col.Check(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("report: %v", rep.Problems())
			rows, err := col.DB().QueryContext(ctx, "SELECT flds, sfld, csum, mod FROM notes")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var flds, sfld string
				var csum, mod int64
				if err := rows.Scan(&flds, &sfld, &csum, &mod); err != nil {
					t.Fatal(err)
				}
				f0 := strings.Split(flds, "\x1f")[0]
				if int64(text.FieldChecksum(f0)) != csum {
					t.Errorf("csum not repaired for %q", f0)
				}
			}
			for _, d := range col.Decks() {
				if p := strings.LastIndex(d.Name, "::"); p > 0 {
					if _, ok := col.DeckByName(d.Name[:p]); !ok {
						t.Errorf("parent of %q still missing", d.Name)
					}
				}
			}
			again, err := col.Check(ctx)
			if err != nil || !again.OK() {
				t.Errorf("second check not clean: %+v %v", again, err)
			}
		})
	}
}

func ExampleCollection_Check() {
	ctx := context.Background()
	dir, _ := filepathTemp()
	col, _ := collection.Create(ctx, filepath.Join(dir, "x.anki2"))
	defer col.Close()
	rep, err := col.Check(ctx)
	fmt.Println(rep.OK(), err)
	// Output: true <nil>
}
