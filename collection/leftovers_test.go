package collection_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/collection"
)

func TestOpenRemovesStaleWorkFolders(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "c.anki2")
	col, err := collection.Create(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	col.Close()
	old := time.Now().Add(-2 * time.Hour)
	for _, n := range []string{".import-123", ".restore-9", ".sync-download-5"} {
		os.MkdirAll(filepath.Join(dir, n, "sub"), 0o755)
		os.Chtimes(filepath.Join(dir, n), old, old)
	}
	os.MkdirAll(filepath.Join(dir, ".import-fresh"), 0o755) // in use by someone else right now
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	os.Chtimes(filepath.Join(dir, "notes.txt"), old, old)
	col, err = collection.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	for _, n := range []string{".import-123", ".restore-9", ".sync-download-5"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s not removed", n)
		}
	}
	for _, n := range []string{".import-fresh", "notes.txt", "c.media"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s removed: %v", n, err)
		}
	}
}
