package collection_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestMediaFolder(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	m := col.Media
	name, err := m.AddData(ctx, "pic.png", []byte("one"))
	if err != nil || name != "pic.png" {
		t.Fatalf("%q %v", name, err)
	}
	// Same bytes: same name; different bytes: hash-suffixed name, original untouched.
	if again, _ := m.AddData(ctx, "pic.png", []byte("one")); again != "pic.png" {
		t.Fatalf("same content renamed to %q", again)
	}
	other, err := m.AddData(ctx, "pic.png", []byte("two"))
	if err != nil || other == "pic.png" || filepath.Ext(other) != ".png" {
		t.Fatalf("clash name %q %v", other, err)
	}
	if b, _ := os.ReadFile(filepath.Join(m.Dir(), "pic.png")); string(b) != "one" {
		t.Fatal("existing file overwritten")
	}
	// Separators are removed as Anki does, so a traversal attempt stays inside the folder.
	esc, err := m.AddData(ctx, "../escape.png", []byte("x"))
	if err != nil || esc != "..escape.png" {
		t.Fatalf("traversal name %q %v", esc, err)
	}
	if _, statErr := os.Stat(filepath.Join(filepath.Dir(m.Dir()), "escape.png")); statErr == nil {
		t.Fatal("path traversal wrote outside the media folder")
	}
	if n, _ := m.Count(ctx); n < 2 {
		t.Fatalf("count %d", n)
	}
	// Changes made behind our back are found by Scan.
	os.WriteFile(filepath.Join(m.Dir(), "new.mp3"), []byte("sound"), 0o644)
	os.Remove(filepath.Join(m.Dir(), "pic.png"))
	ch, err := m.Scan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Added) != 1 || ch.Added[0] != "new.mp3" || len(ch.Removed) != 1 || ch.Removed[0] != "pic.png" {
		t.Fatalf("scan %+v", ch)
	}
	entries, _ := m.Entries(ctx)
	for _, e := range entries {
		if e.Name == "pic.png" && (e.SHA1 != "" || !e.Dirty) {
			t.Fatalf("deletion not recorded: %+v", e)
		}
	}
	// Check: unused and missing against what notes reference.
	rep, err := m.Check(ctx, map[string][]int64{"new.mp3": {1}, "gone.jpg": {2}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Missing["gone.jpg"]) != 1 || len(rep.Unused) != 2 || rep.Unused[0] != esc || rep.Unused[1] != other {
		t.Fatalf("check %+v", rep)
	}
}
