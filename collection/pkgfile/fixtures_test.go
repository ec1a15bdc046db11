package pkgfile

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection/store"
)

// Expectations from fixtures/packages/MANIFEST.md.
var fixtureExpect = []struct {
	file  string
	gen   Generation
	notes int // -1: not stated in the manifest
	media []string
	nMed  int
}{
	{"anki_media.apkg", Legacy1, 1, []string{"foo.wav"}, 1},
	{"anki_update1.apkg", Legacy1, 1, nil, 0},
	{"anki_update2.apkg", Legacy1, 1, nil, 0},
	{"anki_diffmodeltemplates-1.apkg", Legacy1, -1, []string{"_IncrementalReadingExtension.dat", "_ViewSizeAdjustAddon.dat"}, 2},
	{"ankidroid_update3.apkg", Legacy1, -1, nil, 0},
	{"ankidroid_templates.apkg", Legacy1, 48, nil, 0},
	{"mujing_basic_word_new_version.apkg", Latest, 459, nil, 0},
	{"mujing_basic_word.apkg", Legacy2, 459, nil, 0},
	{"mujing_Alphabet_Word.apkg", Latest, 26, nil, 0},
	{"taaltuig_spanish-small.apkg", Legacy2, 5, nil, 0},
	{"srsconv_mixed-legacy-2.apkg", Legacy2, 8, nil, 1},
	{"srsconv_empty-legacy-2.colpkg", Legacy2, 0, nil, 0},
	{"anki-apkg-export_nested_media.apkg", Legacy1, 2, []string{"pixel.png", "tone.wav"}, 2},
	{"anki-apkg-export_second_deck.apkg", Legacy1, -1, nil, 0},
	{"genanki-js_two_decks_cloze_media.apkg", Legacy1, 3, nil, 2},
	{"synthetic_anki21b_with_media.apkg", Latest, 26, []string{"_static.css", "pixel.png", "tone.wav"}, 3},
}

func TestFixturePackages(t *testing.T) {
	dir := fixturesDir(t)
	ctx := context.Background()
	for _, fx := range fixtureExpect {
		t.Run(fx.file, func(t *testing.T) {
			r, err := Open(filepath.Join(dir, fx.file), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Generation() != fx.gen {
				t.Fatalf("generation %v, want %v", r.Generation(), fx.gen)
			}
			dst := filepath.Join(t.TempDir(), "col")
			ver, err := r.ExtractCollection(ctx, dst)
			if err != nil {
				t.Fatal(err)
			}
			if ver != fx.gen.SchemaVersion() {
				t.Fatalf("schema %d, want %d", ver, fx.gen.SchemaVersion())
			}
			db, err := store.Open(ctx, dst, store.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			var notes int
			if err := db.QueryRow("SELECT count(*) FROM notes").Scan(&notes); err != nil {
				t.Fatal(err)
			}
			if fx.notes >= 0 && notes != fx.notes {
				t.Fatalf("%d notes, want %d", notes, fx.notes)
			}
			// The dummy collection holds one "please update" note; the real one never
			// contains that text.
			var dummy int
			db.QueryRow("SELECT count(*) FROM notes WHERE flds LIKE '%newer version%' OR flds LIKE '%Please update%'").Scan(&dummy)
			if dummy != 0 {
				t.Fatal("extracted the dummy collection")
			}

			media := r.Media()
			if len(media) != fx.nMed {
				t.Fatalf("%d media, want %d", len(media), fx.nMed)
			}
			var names []string
			for _, e := range media {
				names = append(names, e.Name)
				rc, err := r.OpenMedia(e)
				if err != nil {
					t.Fatal(err)
				}
				h := sha1.New()
				n, err := io.Copy(h, rc)
				rc.Close()
				if err != nil {
					t.Fatalf("%s: %v", e.Name, err)
				}
				if n != e.Size {
					t.Fatalf("%s: read %d bytes, entry says %d", e.Name, n, e.Size)
				}
				if fx.gen == Latest && string(h.Sum(nil)) != string(e.SHA1) {
					t.Fatalf("%s: SHA-1 mismatch", e.Name)
				}
				if fx.gen != Latest && e.SHA1 != nil {
					t.Fatalf("%s: legacy entry has a SHA-1", e.Name)
				}
				// Anki names pasted images paste-<sha1 of the data>.
				if strings.HasPrefix(e.Name, "paste-") {
					if want := "paste-" + hex.EncodeToString(h.Sum(nil)) + ".jpg"; e.Name != want {
						t.Fatalf("pasted image %s, content hash gives %s", e.Name, want)
					}
				}
			}
			sort.Strings(names)
			if fx.media != nil && strings.Join(names, "|") != strings.Join(fx.media, "|") {
				t.Fatalf("media %q, want %q", names, fx.media)
			}
		})
	}
}
