package collection_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
)

func sha1hex(b []byte) string {
	s := sha1.Sum(b)
	return hex.EncodeToString(s[:])
}

// An import killed between its commit and moving its staged media: the record its
// transaction left makes the next open move the files in.
func TestPendingMediaFinishedAtOpen(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	path := col.Path()
	stage := filepath.Join(filepath.Dir(path), ".import-1", "media")
	if err := os.MkdirAll(stage, 0o755); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"a.jpg": []byte("aaa"), "b.mp3": []byte("bbb"), "clash.png": []byte("new")}
	var pending []collection.PendingFile
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(stage, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		pending = append(pending, collection.PendingFile{Name: name, SHA1: sha1hex(data)})
	}
	// a file the user added meanwhile under one of the names stays as it is
	if _, err := col.Media.AddData(ctx, "clash.png", []byte("mine")); err != nil {
		t.Fatal(err)
	}
	err := col.Transact(ctx, func(tx *collection.Tx) error { return tx.SetPendingMedia(stage, pending) })
	if err != nil {
		t.Fatal(err)
	}
	if err := col.Close(); err != nil { // "killed": nothing moved
		t.Fatal(err)
	}
	col, err = collection.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	for name, want := range map[string]string{"a.jpg": "aaa", "b.mp3": "bbb", "clash.png": "mine"} {
		got, err := os.ReadFile(filepath.Join(col.Media.Dir(), name))
		if err != nil || string(got) != want {
			t.Errorf("%s after reopening: %q, %v", name, got, err)
		}
		if e, ok, _ := col.Media.Lookup(ctx, name); !ok || e.SHA1 == "" {
			t.Errorf("%s is not in the media database: %+v", name, e)
		}
	}
	var rec any
	if ok, _ := col.ConfigGet("deckhandPendingMedia", &rec); ok {
		t.Errorf("the record is still there: %v", rec)
	}
	// nothing left to do: a second finish moves nothing
	if moved, warnings, err := col.FinishPendingMedia(ctx); moved != 0 || len(warnings) != 0 || err != nil {
		t.Errorf("second finish: %d %v %v", moved, warnings, err)
	}
}

// The record names a folder beside the collection; one outside it is refused when written
// and ignored (cleared, nothing moved) when read.
func TestPendingMediaOutsideRefused(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	outside := t.TempDir()
	err := col.Transact(ctx, func(tx *collection.Tx) error {
		return tx.SetPendingMedia(outside, []collection.PendingFile{{Name: "x.jpg", SHA1: sha1hex([]byte("x"))}})
	})
	if err == nil {
		t.Fatal("a staging folder outside the collection's folder was accepted")
	}
	if err := os.WriteFile(filepath.Join(outside, "x.jpg"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(filepath.Dir(col.Path()), outside)
	err = col.Transact(ctx, func(tx *collection.Tx) error {
		return tx.SetConfig("deckhandPendingMedia", map[string]any{"dir": filepath.ToSlash(rel),
			"files": []map[string]string{{"name": "x.jpg", "sha1": sha1hex([]byte("x"))}}})
	})
	if err != nil {
		t.Fatal(err)
	}
	moved, _, err := col.FinishPendingMedia(ctx)
	if err != nil || moved != 0 {
		t.Fatalf("a record pointing outside moved %d files (%v)", moved, err)
	}
	if _, err := os.Stat(filepath.Join(col.Media.Dir(), "x.jpg")); err == nil {
		t.Error("x.jpg was moved in from outside the collection's folder")
	}
}

// A restored .colpkg's media replace files of the same name (the package is the truth),
// also when the move is finished by the next open.
func TestRestoredMediaReplace(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	path := col.Path()
	stage := filepath.Join(filepath.Dir(path), ".restore-1", "media")
	if err := os.MkdirAll(stage, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stage, "clash.png"), []byte("restored"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := col.Media.AddData(ctx, "clash.png", []byte("old")); err != nil {
		t.Fatal(err)
	}
	err := col.Transact(ctx, func(tx *collection.Tx) error {
		return tx.SetRestoredMedia(path, stage, []collection.PendingFile{{Name: "clash.png", SHA1: sha1hex([]byte("restored"))}})
	})
	if err != nil {
		t.Fatal(err)
	}
	col.Close()
	col, err = collection.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	got, err := os.ReadFile(filepath.Join(col.Media.Dir(), "clash.png"))
	if err != nil || string(got) != "restored" {
		t.Errorf("clash.png after the restore finished: %q, %v", got, err)
	}
	if e, ok, _ := col.Media.Lookup(ctx, "clash.png"); !ok || e.SHA1 != sha1hex([]byte("restored")) {
		t.Errorf("media database has %+v", e)
	}
}
