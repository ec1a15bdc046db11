package media

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A temporary left by a process killed mid-write is removed at the next open once stale; a
// fresh one (another process writing now) and ordinary files stay.
func TestOpenRemovesStaleTemporaries(t *testing.T) {
	dir := t.TempDir()
	media := filepath.Join(dir, "collection.media")
	os.MkdirAll(media, 0o755)
	for _, n := range []string{tempPrefix + "old", tempPrefix + "new", "keep.png"} {
		if err := os.WriteFile(filepath.Join(media, n), []byte("half"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-2 * staleTemp)
	os.Chtimes(filepath.Join(media, tempPrefix+"old"), old, old)
	os.Chtimes(filepath.Join(media, "keep.png"), old, old)
	f, err := Open(context.Background(), media, filepath.Join(dir, "collection.media.db2"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for n, want := range map[string]bool{tempPrefix + "old": false, tempPrefix + "new": true, "keep.png": true} {
		if _, err := os.Stat(filepath.Join(media, n)); (err == nil) != want {
			t.Errorf("%s: present %v, want %v", n, err == nil, want)
		}
	}
}

// The database file appears before its schema: a process killed in between (or a canceled
// open) left an empty database, which the next open must complete rather than refuse.
func TestOpenCompletesAnEmptyDatabase(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "collection.media.db2")
	if err := os.WriteFile(dbPath, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if f, err := Open(ctx, filepath.Join(dir, "collection.media"), dbPath); err == nil {
		f.Close()
	}
	f, err := Open(context.Background(), filepath.Join(dir, "collection.media"), dbPath)
	if err != nil {
		t.Fatalf("open after an interrupted creation: %v", err)
	}
	if _, err := f.AddData(context.Background(), "a.png", []byte("png")); err != nil {
		t.Fatal(err)
	}
	if n, err := f.Count(context.Background()); err != nil || n != 1 {
		t.Fatalf("count %d %v", n, err)
	}
	f.Close()

	// A database with other tables is not ours: refused, not changed.
	other := filepath.Join(dir, "other.db")
	db, err := sql.Open("sqlite", other)
	if err != nil {
		t.Fatal(err)
	}
	db.Exec("CREATE TABLE notes (id INTEGER)")
	db.Close()
	if f, err := Open(context.Background(), filepath.Join(dir, "m2"), other); err == nil {
		f.Close()
		t.Fatal("a foreign database was opened as a media database")
	}
}
