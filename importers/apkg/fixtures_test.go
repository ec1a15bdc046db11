package apkg_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
	imp "github.com/deckhand-app/deckhand/importers/apkg"
	"github.com/deckhand-app/deckhand/internal/testfix"
)

// Counts from fixtures/packages/MANIFEST.md. cards/revlog are -1 where the manifest
// does not say; media lists the files (with the bytes checked against the package).
var fixtureCases = []struct {
	file         string
	gen          pkgfile.Generation
	notes, cards int
	revlog       int // with scheduling
	decks        []string
	media        []string
}{
	{"anki_media.apkg", pkgfile.Legacy1, 1, -1, -1, nil, []string{"foo.wav"}},
	{"anki_update1.apkg", pkgfile.Legacy1, 1, -1, -1, nil, nil},
	{"anki_update2.apkg", pkgfile.Legacy1, 1, -1, -1, nil, nil},
	{"anki_diffmodeltemplates-1.apkg", pkgfile.Legacy1, -1, -1, -1, []string{"testdeck"},
		[]string{"_ViewSizeAdjustAddon.dat", "_IncrementalReadingExtension.dat"}},
	{"ankidroid_update3.apkg", pkgfile.Legacy1, 1, -1, -1, nil, nil},
	{"ankidroid_templates.apkg", pkgfile.Legacy1, 48, 146, 102, []string{"1-TEMPLATES", "1-TEMPLATES::Anatomy"}, nil},
	{"mujing_basic_word_new_version.apkg", pkgfile.Latest, 459, 459, 3, []string{"英语词汇学习"}, nil},
	{"mujing_basic_word.apkg", pkgfile.Legacy2, 459, 459, -1, []string{"英语词汇学习"}, nil},
	{"mujing_Alphabet_Word.apkg", pkgfile.Latest, 26, -1, -1, []string{"Alphabet Word"}, nil},
	{"taaltuig_spanish-small.apkg", pkgfile.Legacy2, 5, -1, -1, []string{"espanol"}, nil},
	{"srsconv_mixed-legacy-2.apkg", pkgfile.Legacy2, 8, 13, 26, []string{"Test - Mixed Types"},
		[]string{"paste-ab21b25dd3e4ba4af2a1d8bdfa4c47455e53abac.jpg"}},
	{"anki-apkg-export_nested_media.apkg", pkgfile.Legacy1, 2, -1, -1, []string{"Languages", "Languages::Japanese"},
		[]string{"pixel.png", "tone.wav"}},
	{"anki-apkg-export_second_deck.apkg", pkgfile.Legacy1, -1, -1, -1, []string{"Second deck"}, nil},
	{"genanki-js_two_decks_cloze_media.apkg", pkgfile.Legacy1, 3, -1, -1, []string{"GenankiJS::Vocab", "GenankiJS Cloze"},
		[]string{"pixel.png", "tone.wav"}},
	{"synthetic_anki21b_with_media.apkg", pkgfile.Latest, 26, -1, -1, []string{"Alphabet Word"},
		[]string{"pixel.png", "tone.wav", "_static.css"}},
}

func TestImportFixtures(t *testing.T) {
	for _, tc := range fixtureCases {
		for _, keep := range []bool{false, true} {
			name := tc.file
			if keep {
				name += "/scheduling"
			}
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				path := testfix.Package(t, tc.file)
				col := newCol(t)
				res, err := imp.Import(ctx, col, path, imp.Options{KeepScheduling: keep})
				if err != nil {
					t.Fatal(err)
				}
				if res.Generation != tc.gen.String() {
					t.Errorf("generation %q, want %q", res.Generation, tc.gen)
				}
				n, err := col.Counts(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if tc.notes >= 0 && (res.NotesNew != tc.notes || n.Notes != tc.notes) {
					t.Errorf("notes: result %d, collection %d, want %d", res.NotesNew, n.Notes, tc.notes)
				}
				if tc.cards >= 0 && (res.CardsAdded != tc.cards || n.Cards != tc.cards) {
					t.Errorf("cards: result %d, collection %d, want %d", res.CardsAdded, n.Cards, tc.cards)
				}
				wantRev := 0
				if keep && tc.revlog > 0 {
					wantRev = tc.revlog
				}
				if (keep && tc.revlog >= 0 || !keep) && n.Revlog != wantRev {
					t.Errorf("revlog %d, want %d", n.Revlog, wantRev)
				}
				for _, d := range tc.decks {
					if _, ok := col.DeckByName(d); !ok {
						t.Errorf("deck %q missing; created %q", d, res.DecksCreated)
					}
				}
				for _, m := range tc.media {
					got, err := fileSHA1(filepath.Join(col.Media.Dir(), m))
					if err != nil {
						t.Errorf("media %q: %v", m, err)
						continue
					}
					if want := packageMediaSHA1(t, path, m); got != want {
						t.Errorf("media %q: sha1 %s, package has %s", m, got, want)
					}
				}
				if res.MediaAdded != len(tc.media) {
					t.Errorf("media added %d, want %d", res.MediaAdded, len(tc.media))
				}
				if res.NotesConflicting+res.NotesSkipped != 0 || len(res.Warnings) != 0 {
					t.Errorf("unexpected: %+v", res)
				}
				if !keep && n.Cards > 0 {
					var nonNew int
					col.DB().QueryRow("SELECT count(*) FROM cards WHERE type != 0 OR queue != 0 OR flags != 0 OR ivl != 0").Scan(&nonNew)
					if nonNew != 0 {
						t.Errorf("%d cards not reset to new", nonNew)
					}
				}
				before := dirFingerprintOpen(t, col)
				// A second import adds nothing: every note is a duplicate.
				res2, err := imp.Import(ctx, col, path, imp.Options{KeepScheduling: keep})
				if err != nil {
					t.Fatal(err)
				}
				if res2.NotesNew+res2.NotesUpdated+res2.CardsAdded+res2.RevlogAdded+res2.MediaAdded+len(res2.DecksCreated)+res2.NotetypesAdded != 0 ||
					res2.NotesUnchanged != res.NotesNew {
					t.Errorf("second import changed something: %+v", res2)
				}
				n2, _ := col.Counts(ctx)
				if n2 != n {
					t.Errorf("counts after second import %+v, before %+v", n2, n)
				}
				if after := dirFingerprintOpen(t, col); after != before {
					t.Errorf("media folder changed by the second import")
				}
			})
		}
	}
}

// dirFingerprintOpen fingerprints only the media folder of an open collection.
func dirFingerprintOpen(t *testing.T, col *collection.Collection) string {
	return dirFingerprint(t, col.Media.Dir())
}

// packageMediaSHA1 reads a media file straight from the package with pkgfile.
func packageMediaSHA1(t *testing.T, pkg, name string) string {
	t.Helper()
	r, err := pkgfile.Open(pkg, pkgfile.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	dir := t.TempDir()
	for _, e := range r.Media() {
		if e.Name != name {
			continue
		}
		rc, err := r.OpenMedia(e)
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		f, _ := os.Create(filepath.Join(dir, "m"))
		if _, err := f.ReadFrom(rc); err != nil {
			t.Fatal(err)
		}
		f.Close()
		sum, _ := fileSHA1(filepath.Join(dir, "m"))
		return sum
	}
	t.Fatalf("%s has no media %q", pkg, name)
	return ""
}

func TestUpdateAndConflict(t *testing.T) {
	ctx := context.Background()
	firstField := func(col *collection.Collection) string {
		var flds string
		if err := col.DB().QueryRow("SELECT flds FROM notes WHERE guid = 'cU1%zNUzk1'").Scan(&flds); err != nil {
			t.Fatal(err)
		}
		return strings.Split(flds, "\x1f")[0]
	}
	cases := []struct {
		cond               imp.UpdateCondition
		second             string
		updated, unchanged int
		conflicting        int
		wantFront          string
	}{
		{imp.UpdateIfNewer, "anki_update2.apkg", 1, 0, 0, "goodbye"},
		{imp.UpdateAlways, "anki_update2.apkg", 1, 0, 0, "goodbye"},
		{imp.UpdateNever, "anki_update2.apkg", 0, 1, 0, "hello"},
		{imp.UpdateIfNewer, "ankidroid_update3.apkg", 0, 0, 1, "hello"},
	}
	for _, tc := range cases {
		t.Run(tc.second+"/"+tc.cond.String(), func(t *testing.T) {
			col := newCol(t)
			if _, err := imp.Import(ctx, col, testfix.Package(t, "anki_update1.apkg"), imp.Options{}); err != nil {
				t.Fatal(err)
			}
			if got := firstField(col); got != "hello" {
				t.Fatalf("after update1: %q", got)
			}
			res, err := imp.Import(ctx, col, testfix.Package(t, tc.second), imp.Options{UpdateNotes: tc.cond})
			if err != nil {
				t.Fatal(err)
			}
			if res.NotesUpdated != tc.updated || res.NotesUnchanged != tc.unchanged || res.NotesConflicting != tc.conflicting || res.NotesNew != 0 {
				t.Errorf("result %+v", res)
			}
			if tc.conflicting > 0 && (len(res.ConflictingGUIDs) != 1 || res.ConflictingGUIDs[0] != "cU1%zNUzk1") {
				t.Errorf("conflicting guids %q", res.ConflictingGUIDs)
			}
			if got := firstField(col); got != tc.wantFront {
				t.Errorf("front %q, want %q", got, tc.wantFront)
			}
			n, _ := col.Counts(ctx)
			if n.Notes != 1 || n.Cards != 1 {
				t.Errorf("counts %+v", n)
			}
		})
	}
}

func TestImportColpkgFixture(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	colPath := filepath.Join(dir, "collection.anki2")
	col, err := collection.Create(ctx, colPath)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := imp.Import(ctx, col, testfix.Package(t, "anki_media.apkg"), imp.Options{}); err != nil {
		t.Fatal(err)
	}
	col.Close()
	old, _ := os.ReadFile(colPath)
	res, err := imp.ImportColpkg(ctx, colPath, testfix.Package(t, "srsconv_empty-legacy-2.colpkg"), imp.ColpkgOptions{})
	if err != nil {
		t.Fatal(err)
	}
	backup, err := os.ReadFile(res.Backup)
	if err != nil || string(backup) != string(old) {
		t.Fatalf("backup %s: %v (equal %v)", res.Backup, err, string(backup) == string(old))
	}
	col, err = collection.Open(ctx, colPath)
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	n, _ := col.Counts(ctx)
	// MANIFEST: a fresh collection from a recent Anki, 6 stock note types incl. Image
	// Occlusion, no notes. The media imported before stays in the folder.
	if n.Notes != 0 || n.Cards != 0 || n.Notetypes != 6 || res.Notes != 0 {
		t.Errorf("counts %+v, result %+v", n, res)
	}
	if _, ok := col.NotetypeByName("Image Occlusion"); !ok {
		t.Errorf("Image Occlusion note type missing")
	}
	if _, err := os.Stat(filepath.Join(col.Media.Dir(), "foo.wav")); err != nil {
		t.Errorf("existing media removed: %v", err)
	}
	if col.SchemaModified() < col.Modified().UnixMilli()-60_000 {
		t.Errorf("schema not marked modified: scm %d mod %d", col.SchemaModified(), col.Modified().UnixMilli())
	}
}
