package pkgfile

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/deckhand-app/deckhand/internal/testfix"
)

// fuzzLimits keep one fuzz input cheap: a mutated header could otherwise make a run
// decompress gigabytes before a limit is reached.
var fuzzLimits = Limits{MaxCollectionBytes: 16 << 20, MaxMediaFileBytes: 2 << 20, MaxTotalBytes: 32 << 20, MaxRatio: 2000}

func zipOf(members ...member) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.name, Method: m.method}
		if m.mode != 0 {
			h.SetMode(m.mode)
		}
		w, _ := zw.CreateHeader(h)
		w.Write(m.data)
	}
	zw.Close()
	return b.Bytes()
}

// FuzzOpen feeds whole package files to the reader: Open and every media stream.
// Anything may be refused, but only as ErrInvalid/ErrTooNew, and nothing may panic or
// hang. (Extraction, which opens SQLite, is FuzzExtract: SQLite under the fuzzer's
// coverage instrumentation is slow enough to starve the container fuzzing.)
func FuzzOpen(f *testing.F) {
	addOpenSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzPackage(t, data, false) })
}

// FuzzExtract is FuzzOpen plus the collection extraction: decompression into a temporary
// file, the SQLite header and schema checks, and the rename.
func FuzzExtract(f *testing.F) {
	addOpenSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzPackage(t, data, true) })
}

func addOpenSeeds(f *testing.F) {
	for _, name := range testfix.SortedKeys(testfix.SeedFiles(200<<10, ".apkg", ".colpkg")) {
		f.Add(testfix.SeedFiles(200<<10, name)[name])
	}
	f.Add(zipOf(member{name: "collection.anki2", data: []byte("SQLite format 3\x00")},
		member{name: "media", data: []byte(`{"0":"a.jpg"}`)}, member{name: "0", data: []byte("jpeg")}))
	f.Add(zipOf(member{name: "meta", data: encodeMeta(Latest)}, member{name: "collection.anki21b", data: []byte{0x28, 0xb5, 0x2f, 0xfd}},
		member{name: "media", data: nil}))
	f.Add(zipOf(member{name: "../evil", data: []byte("x")}))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
}

func fuzzPackage(t *testing.T, data []byte, extract bool) {
	dir := t.TempDir()
	p := filepath.Join(dir, "in.apkg")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := Open(p, fuzzLimits)
	if err != nil {
		if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrTooNew) {
			t.Fatalf("Open error is neither ErrInvalid nor ErrTooNew: %v", err)
		}
		return
	}
	defer r.Close()
	seen := map[string]bool{}
	for _, e := range r.Media() {
		if seen[e.Name] {
			t.Fatalf("media name %q listed twice", e.Name)
		}
		seen[e.Name] = true
		if e.Name == "" || filepath.Base(e.Name) != e.Name {
			t.Fatalf("unsafe media name %q accepted", e.Name)
		}
		rc, err := r.OpenMedia(e)
		if err != nil {
			continue
		}
		n, err := io.Copy(io.Discard, rc)
		rc.Close()
		if err == nil && n > fuzzLimits.MaxMediaFileBytes {
			t.Fatalf("media %q: %d bytes passed the %d-byte limit", e.Name, n, fuzzLimits.MaxMediaFileBytes)
		}
	}
	if !extract {
		return
	}
	out := filepath.Join(dir, "out", "collection.anki2")
	os.Mkdir(filepath.Dir(out), 0o700)
	if _, err := r.ExtractCollection(context.Background(), out); err != nil {
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("ExtractCollection error is not ErrInvalid: %v", err)
		}
		// A failed extraction leaves no file and no temporary behind.
		if left, _ := os.ReadDir(filepath.Dir(out)); len(left) != 0 {
			t.Fatalf("failed extraction left %d files", len(left))
		}
	}
}

// FuzzMediaList decodes both media list encodings. What is accepted must be safe,
// normalised, unique per index, and survive the writer's encoding unchanged.
func FuzzMediaList(f *testing.F) {
	for _, name := range testfix.SortedKeys(testfix.SeedMembers("media", 64<<10)) {
		b := testfix.SeedMembers("media", 64<<10)[name]
		f.Add(b, false)
		f.Add(b, true) // zstd-framed in Latest packages; raw bytes still exercise the decoder
	}
	f.Add([]byte(`{"0":"a.jpg","1":"b c.mp3","10":"ü.png"}`), false)
	f.Add([]byte(`{"0":"../x"}`), false)
	f.Add([]byte(`{"0":1}`), false)
	f.Add(encodeMediaEntries([]MediaEntry{{Name: "a.jpg", Size: 3, SHA1: make([]byte, 20)}}), true)
	f.Fuzz(func(t *testing.T, data []byte, latest bool) {
		var entries []MediaEntry
		var err error
		if latest {
			entries, err = decodeMediaEntries(data)
		} else {
			entries, err = decodeLegacyMap(data)
		}
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error is not ErrInvalid: %v", err)
			}
			return
		}
		idx := map[int]bool{}
		for _, e := range entries {
			if idx[e.Index] {
				t.Fatalf("index %d twice", e.Index)
			}
			idx[e.Index] = true
			if e.Name == "" || filepath.Base(e.Name) != e.Name || e.Name == "." || e.Name == ".." {
				t.Fatalf("unsafe name %q accepted", e.Name)
			}
		}
		var again []MediaEntry
		if latest {
			again, err = decodeMediaEntries(encodeMediaEntries(entries))
		} else {
			again, err = decodeLegacyMap(encodeLegacyMap(entries))
		}
		if err != nil {
			t.Fatalf("re-encoded list does not decode: %v", err)
		}
		if len(again) != len(entries) {
			t.Fatalf("round trip: %d entries, then %d", len(entries), len(again))
		}
		for i := range again {
			if again[i].Name != entries[i].Name || again[i].Index != entries[i].Index {
				t.Fatalf("round trip changed entry %d: %+v -> %+v", i, entries[i], again[i])
			}
		}
	})
}

// FuzzMeta decodes the meta member; accepted generations re-encode to themselves.
func FuzzMeta(f *testing.F) {
	for _, g := range []Generation{Legacy1, Legacy2, Latest} {
		f.Add(encodeMeta(g))
	}
	f.Add([]byte{0x08, 0x04})
	f.Add([]byte{0x08, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := decodeMeta(data)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrTooNew) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if !g.valid() {
			t.Fatalf("invalid generation %d accepted", g)
		}
		if g2, err := decodeMeta(encodeMeta(g)); err != nil || g2 != g {
			t.Fatalf("round trip %d -> %d, %v", g, g2, err)
		}
	})
}
