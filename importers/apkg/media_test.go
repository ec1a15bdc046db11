package apkg_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/medianame"
	imp "github.com/deckhand-app/deckhand/importers/apkg"
)

func TestMediaClashRenamesAndRewrites(t *testing.T) {
	ctx := context.Background()
	incoming := []byte("incoming picture")
	pkg := writeZip(t,
		member{name: "collection.anki2", data: packageCollection(t)},
		member{name: "0", data: incoming},
		member{name: "1", data: []byte("nobody uses me")},
		member{name: "2", data: []byte("body{}")},
		member{name: "media", data: []byte(`{"0":"pic.png","1":"extra.png","2":"_s.css"}`)})
	col := newCol(t)
	if _, err := col.Media.AddData(ctx, "pic.png", []byte("the target's own picture")); err != nil {
		t.Fatal(err)
	}
	res, err := imp.Import(ctx, col, pkg, imp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(incoming)
	renamed := medianame.WithHashSuffix("pic.png", hex.EncodeToString(sum[:]))
	if renamed != "pic-"+hex.EncodeToString(sum[:])+".png" {
		t.Fatalf("renamed to %q", renamed)
	}
	if res.MediaRenamed["pic.png"] != renamed || res.MediaAdded != 2 {
		t.Errorf("result %+v", res)
	}
	got, err := os.ReadFile(filepath.Join(col.Media.Dir(), renamed))
	if err != nil || string(got) != string(incoming) {
		t.Errorf("renamed file: %q %v", got, err)
	}
	if own, _ := os.ReadFile(filepath.Join(col.Media.Dir(), "pic.png")); string(own) != "the target's own picture" {
		t.Errorf("target's file overwritten: %q", own)
	}
	if _, err := os.Stat(filepath.Join(col.Media.Dir(), "extra.png")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("unreferenced media copied (%v)", err)
	}
	if _, err := os.Stat(filepath.Join(col.Media.Dir(), "_s.css")); err != nil {
		t.Errorf("static media not copied: %v", err)
	}
	var flds string
	col.DB().QueryRow("SELECT flds FROM notes").Scan(&flds)
	if !strings.Contains(flds, `<img src="`+renamed+`">`) {
		t.Errorf("reference not rewritten: %q", flds)
	}
	ents, _ := col.Media.Entries(ctx)
	recorded := map[string]bool{}
	for _, e := range ents {
		recorded[e.Name] = e.Dirty && e.SHA1 != ""
	}
	if !recorded[renamed] || !recorded["_s.css"] {
		t.Errorf("media database entries %+v", ents)
	}
	res2, err := imp.Import(ctx, col, pkg, imp.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res2.MediaAdded != 0 || len(res2.MediaRenamed) != 0 || res2.NotesUnchanged != 1 {
		t.Errorf("second import %+v", res2)
	}
	if staged, _ := filepath.Glob(filepath.Join(filepath.Dir(col.Path()), ".import-*")); len(staged) != 0 {
		t.Errorf("temporary folders left: %q", staged)
	}
}

func TestCancelAndProgress(t *testing.T) {
	src := edgeCollection(t)
	out := filepath.Join(t.TempDir(), "x.apkg")
	ctx := context.Background()
	if _, err := exportAll(ctx, src, out); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	colPath := filepath.Join(dir, "collection.anki2")
	col, err := collection.Create(ctx, colPath)
	if err != nil {
		t.Fatal(err)
	}
	col.Close()
	before := dirFingerprint(t, dir)
	col, _ = collection.Open(ctx, colPath)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var phases []string
	_, err = imp.Import(cctx, col, out, imp.Options{KeepScheduling: true, Progress: func(p imp.Progress) {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
		if p.Phase == "cards" {
			cancel()
		}
	}})
	col.Close()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if strings.Join(phases, ",") != "extracting,media-check,notetypes,notes,decks,cards" {
		t.Errorf("phases %q", phases)
	}
	if dirFingerprint(t, dir) != before {
		t.Errorf("cancelled import changed the collection")
	}
}
