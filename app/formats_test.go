package app

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/internal/testfix"
)

func TestImportExtensionsAndCollectionPackages(t *testing.T) {
	got := ImportExtensions()
	for _, want := range []string{".apkg", ".colpkg", ".csv", ".tsv", ".txt", ".xml", ".zip", ".db"} {
		if !slices.Contains(got, want) {
			t.Errorf("File > Import does not accept %s (%v)", want, got)
		}
	}
	for path, want := range map[string]bool{"a.colpkg": true, "/x/collection.apkg": true, "backup-2024-01-01.apkg": true,
		"deck.apkg": false, "Collection.APKG": true, "notes.csv": false} {
		if IsCollectionPackage(path) != want {
			t.Errorf("IsCollectionPackage(%q) = %v", path, !want)
		}
	}
}

func noteCount(t *testing.T, s *Service) int {
	t.Helper()
	n, err := s.Collection().Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n.Notes
}

// Every registered exporter writes a file that the matching importer reads back.
func TestExportEveryFormatAndImportBack(t *testing.T) {
	src := newTestService(t)
	ctx := context.Background()
	addBasic(t, src, "Out::One", "front one", "back one")
	addBasic(t, src, "Out::Two", "front two", "back two")
	addBasic(t, src, "Other", "not exported", "x")
	out, _ := src.Collection().DeckByName("Out")
	dir := t.TempDir()
	for i, e := range Exporters() {
		f := FeaturesOf(e)
		opts := ExportOptions{DeckID: out.ID, WithMedia: f.Media, WithScheduling: f.Scheduling}
		want := 2
		if f.WholeCollectionOnly {
			opts.DeckID, want = 0, 3
		}
		path := filepath.Join(dir, strings.Repeat("x", i+1)+e.Extension())
		var calls int
		if err := src.ExportWith(ctx, e, path, opts, func(int, int, string) { calls++ }); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		dst := newTestService(t)
		if IsCollectionPackage(path) {
			sum, err := dst.ReplaceCollection(ctx, path, nil)
			if err != nil {
				t.Fatalf("%s: replace: %v", e.Name(), err)
			}
			if sum.Notes != want || sum.Backup == "" {
				t.Errorf("%s: replace summary %+v", e.Name(), sum)
			}
		} else {
			sum, err := dst.Import(ctx, path, nil)
			if err != nil {
				t.Fatalf("%s: import back: %v", e.Name(), err)
			}
			if sum.Added != want {
				t.Errorf("%s: %d notes added back, want %d (%+v)", e.Name(), sum.Added, want, sum)
			}
		}
		if got := noteCount(t, dst); got != want {
			t.Errorf("%s: %d notes after import, want %d", e.Name(), got, want)
		}
		ids, _ := dst.Search(ctx, NotesMode, `"front one"`, collection.Order{})
		if len(ids) != 1 {
			t.Errorf("%s: the exported note is not found after import", e.Name())
		}
		if calls == 0 && FeaturesOf(e).Scheduling {
			t.Errorf("%s: no progress reported", e.Name())
		}
	}
	// a colpkg needs the whole collection
	if err := src.ExportWith(ctx, colpkgExporter{}, filepath.Join(dir, "d.colpkg"), ExportOptions{DeckID: out.ID}, nil); err == nil {
		t.Fatal("a deck-only colpkg should be refused")
	}
}

// A broken collection package leaves the open collection as it was, and usable.
func TestReplaceCollectionFailureKeepsCollection(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	addBasic(t, s, "Keep", "kept note", "x")
	bad := filepath.Join(t.TempDir(), "broken.colpkg")
	if err := os.WriteFile(bad, []byte("PK\x03\x04 this is not a zip"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ReplaceCollection(ctx, bad, nil); err == nil {
		t.Fatal("a corrupt colpkg must fail")
	}
	if noteCount(t, s) != 1 {
		t.Fatal("the collection changed")
	}
	addBasic(t, s, "Keep", "still writable", "y")
	if _, err := s.Import(ctx, bad, nil); err == nil || !strings.Contains(err.Error(), "replaces the whole collection") {
		t.Fatalf("Import of a colpkg: %v", err)
	}
}

// Real files: an AnkiApp zip, a genanki .apkg and a real (empty) Anki .colpkg.
func TestImportFixtures(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		file      string
		wantNotes int
	}{
		{"synthetic_ankiapp_export.zip", -1},
		{"genanki-js_two_decks_cloze_media.apkg", 3},
	} {
		s := newTestService(t)
		sum, err := s.Import(ctx, testfix.Package(t, c.file), func(int, int, string) {})
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if sum.Added == 0 || (c.wantNotes >= 0 && sum.Added != c.wantNotes) || noteCount(t, s) != sum.Added {
			t.Errorf("%s: %+v, %d notes", c.file, sum, noteCount(t, s))
		}
	}
	s := newTestService(t)
	addBasic(t, s, "Mine", "replaced away", "x")
	sum, err := s.ReplaceCollection(ctx, testfix.Package(t, "srsconv_empty-legacy-2.colpkg"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Notes != 0 || noteCount(t, s) != 0 || len(s.NotetypeChoices()) != 6 {
		t.Fatalf("replaced: %+v, %d notes, %d note types", sum, noteCount(t, s), len(s.NotetypeChoices()))
	}
	if _, err := os.Stat(sum.Backup); err != nil {
		t.Fatalf("backup: %v", err)
	}
}
