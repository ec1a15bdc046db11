package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestAttachMediaBytes(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	data := []byte("\x89PNG\r\n\x1a\nnot really a picture")
	name := PastedImageName(data)
	// sha1 of data, as `printf '\x89PNG\r\n\x1a\nnot really a picture' | sha1sum` gives it
	if want := "paste-05eef2164a379d270e894ea4e95d5a11df62e66e.png"; name != want {
		t.Fatalf("name %q, want %q", name, want)
	}
	ref, err := s.AttachMediaBytes(ctx, name, data)
	if err != nil {
		t.Fatal(err)
	}
	if ref != `<img src="`+name+`">` {
		t.Fatalf("reference %q", ref)
	}
	if got, err := os.ReadFile(filepath.Join(s.MediaDir(), name)); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("stored file: %v", err)
	}
	// the same bytes again: one file, the same reference
	if again, err := s.AttachMediaBytes(ctx, name, data); err != nil || again != ref {
		t.Fatalf("second paste: %q %v", again, err)
	}
	if entries, _ := os.ReadDir(s.MediaDir()); len(entries) != 1 {
		t.Fatalf("%d files in the media folder", len(entries))
	}
	if _, err := s.AttachMediaBytes(ctx, "notes.txt", data); err == nil {
		t.Fatal("a text file was attached")
	}
}
