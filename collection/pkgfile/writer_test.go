package pkgfile

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection/schema18"
	"github.com/deckhand-app/deckhand/collection/store"
)

func TestWriterReaderRoundTrip(t *testing.T) {
	ctx := context.Background()
	big := make([]byte, 300_000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = byte(rng.IntN(256))
	}
	files := []struct {
		name string
		data []byte
	}{
		{"a.png", []byte("png bytes")},
		{"empty.txt", nil},
		{"_static.css", []byte(".card{}")},
		{"日本語 ファイル.mp3", big},
	}
	tests := []struct {
		gen     Generation
		members []string
		meta    []byte
		colMeth uint16
	}{
		{Legacy1, []string{"collection.anki2", "0", "1", "2", "3", "media"}, nil, zip.Deflate},
		{Legacy2, []string{"meta", "collection.anki21", "collection.anki2", "0", "1", "2", "3", "media"}, []byte{0x08, 0x02}, zip.Deflate},
		{Latest, []string{"meta", "collection.anki21b", "collection.anki2", "0", "1", "2", "3", "media"}, []byte{0x08, 0x03}, zip.Store},
	}
	for _, tc := range tests {
		t.Run(tc.gen.String(), func(t *testing.T) {
			dir := t.TempDir()
			src := newCollection(t, dir, 3)
			out := filepath.Join(dir, "out.apkg")
			w, err := Create(out, WriterOptions{Generation: tc.gen, DummyCollection: dummyCollection(t)})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.WriteCollection(ctx, src); err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if err := w.AddMedia(f.name, bytes.NewReader(f.data)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := os.Stat(out); err == nil {
				t.Fatal("destination exists before Close")
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
				t.Fatalf("temporary files left: %v", left)
			}

			// Raw layout: member order, meta bytes, compression methods.
			zr, err := zip.OpenReader(out)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range zr.File {
				names = append(names, f.Name)
				wantMethod := zip.Store
				if f.Name == tc.gen.CollectionMember() {
					wantMethod = tc.colMeth
				}
				if f.Method != wantMethod {
					t.Errorf("%s: method %d, want %d", f.Name, f.Method, wantMethod)
				}
				if f.Name == "meta" {
					rc, _ := f.Open()
					b, _ := io.ReadAll(rc)
					rc.Close()
					if !bytes.Equal(b, tc.meta) {
						t.Errorf("meta = %x, want %x", b, tc.meta)
					}
				}
			}
			zr.Close()
			if !reflect.DeepEqual(names, tc.members) {
				t.Fatalf("members %v, want %v", names, tc.members)
			}

			r, err := Open(out, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Generation() != tc.gen {
				t.Fatalf("generation %v", r.Generation())
			}
			dst := filepath.Join(dir, "extracted")
			ver, err := r.ExtractCollection(ctx, dst)
			if err != nil {
				t.Fatal(err)
			}
			if ver != tc.gen.SchemaVersion() {
				t.Fatalf("schema %d", ver)
			}
			db, err := store.Open(ctx, dst, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if tc.gen == Latest {
				if err := schema18.Downgrade(ctx, db); err != nil {
					t.Fatal(err)
				}
			}
			var flds, models string
			if err := db.QueryRow("SELECT group_concat(flds, '|') FROM (SELECT flds FROM notes ORDER BY id)").Scan(&flds); err != nil {
				t.Fatal(err)
			}
			db.QueryRow("SELECT models FROM col").Scan(&models)
			db.Close()
			if strings.Count(flds, "front ") != 3 || !strings.Contains(models, `"name":"Basic"`) {
				t.Fatalf("collection content lost: %q %q", flds, models)
			}

			got := r.Media()
			if len(got) != len(files) {
				t.Fatalf("%d media", len(got))
			}
			for i, e := range got {
				if e.Index != i || e.Name != files[i].name || e.Size != int64(len(files[i].data)) {
					t.Fatalf("entry %d = %+v", i, e)
				}
				if (tc.gen == Latest) != (len(e.SHA1) == 20) {
					t.Fatalf("entry %d SHA-1 %x", i, e.SHA1)
				}
				rc, err := r.OpenMedia(e)
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(b, files[i].data) {
					t.Fatalf("%s: bytes differ", e.Name)
				}
			}
		})
	}
}

// Anki's Latest writer stores even an empty media list as a zstd frame.
func TestEmptyLatestMediaList(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "empty.colpkg")
	w, err := Create(out, WriterOptions{Generation: Latest, DummyCollection: dummyCollection(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteCollection(context.Background(), newCollection(t, dir, 0)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	f, err := zr.Open("media")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	if !bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		t.Fatalf("media list %x is not a zstd frame", b)
	}
	r, err := Open(out, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if len(r.Media()) != 0 {
		t.Fatal("media from an empty list")
	}
}

func TestWriterMisuse(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := newCollection(t, dir, 1)
	if _, err := Create(filepath.Join(dir, "x"), WriterOptions{Generation: 0}); err == nil {
		t.Error("generation 0 accepted")
	}
	if _, err := Create(filepath.Join(dir, "x"), WriterOptions{Generation: Latest}); err == nil {
		t.Error("Latest without a dummy collection accepted")
	}
	newW := func() *Writer {
		w, err := Create(filepath.Join(dir, "p.apkg"), WriterOptions{Generation: Legacy2, DummyCollection: dummyCollection(t)})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}

	w := newW()
	if err := w.AddMedia("a.png", strings.NewReader("x")); err == nil || !strings.Contains(err.Error(), "collection first") {
		t.Errorf("media before collection: %v", err)
	}
	if err := w.Close(); err == nil {
		t.Error("Close without collection succeeded")
	}

	w = newW()
	if err := w.WriteCollection(ctx, src); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteCollection(ctx, src); err == nil {
		t.Error("second collection accepted")
	}
	for _, bad := range []string{"../x.png", "a/b.png", "con", "x:y.png", "", "e\u0301.png"} {
		if err := w.AddMedia(bad, strings.NewReader("x")); err == nil {
			t.Errorf("AddMedia(%q) accepted", bad)
		}
	}
	if err := w.AddMedia("ok.png", strings.NewReader("x")); err != nil {
		t.Fatal(err)
	}
	if err := w.AddMedia("ok.png", strings.NewReader("y")); err == nil {
		t.Error("duplicate name accepted")
	}
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".p.apkg*")); len(left) != 0 {
		t.Fatalf("Abort left %v", left)
	}
	if _, err := os.Stat(filepath.Join(dir, "p.apkg")); err == nil {
		t.Fatal("Abort produced the package")
	}

	// Oversized media poisons the writer; Close then fails and cleans up.
	w, err := Create(filepath.Join(dir, "q.apkg"), WriterOptions{Generation: Latest, DummyCollection: dummyCollection(t), MaxMediaFileBytes: 10})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteCollection(ctx, src); err != nil {
		t.Fatal(err)
	}
	if err := w.AddMedia("big.bin", bytes.NewReader(make([]byte, 11))); err == nil {
		t.Error("oversized media accepted")
	}
	if err := w.Close(); err == nil {
		t.Error("Close after failure succeeded")
	}
	if _, err := os.Stat(filepath.Join(dir, "q.apkg")); err == nil {
		t.Fatal("failed writer produced a package")
	}

	// Sources the writer refuses: WAL mode, schema 18, not SQLite.
	walPath := filepath.Join(dir, "wal.anki2")
	db, err := store.Open(ctx, walPath, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	store.CreateSchema11(ctx, db)
	db.Close() // stays in WAL mode
	v18 := newCollection(t, t.TempDir(), 0)
	db, _ = store.Open(ctx, v18, store.Options{})
	if err := schema18.Upgrade(ctx, db); err != nil {
		t.Fatal(err)
	}
	store.CloseForTransfer(ctx, db)
	junk := filepath.Join(dir, "junk")
	os.WriteFile(junk, []byte("hello"), 0o644)
	for path, want := range map[string]string{walPath: "WAL", v18: "schema 18", junk: "not an SQLite"} {
		w, _ := Create(filepath.Join(dir, "r.apkg"), WriterOptions{Generation: Legacy1})
		if err := w.WriteCollection(ctx, path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("WriteCollection(%s) = %v, want %q", filepath.Base(path), err, want)
		}
		w.Abort()
	}

	// A dummy that is not SQLite is refused.
	w, _ = Create(filepath.Join(dir, "s.apkg"), WriterOptions{Generation: Legacy2,
		DummyCollection: func() ([]byte, error) { return []byte("nope"), nil }})
	if err := w.WriteCollection(ctx, src); err == nil {
		t.Error("junk dummy accepted")
	}
	w.Abort()
}

// The parallel deflate must produce one valid deflate stream whatever the input size and
// the number of workers: block boundaries, an empty input, incompressible and repetitive
// data (back-references across blocks use the previous block as dictionary).
func TestParallelDeflate(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 3*deflateBlock+777)
	for i := range random {
		random[i] = byte(rnd.IntN(256))
	}
	text := bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog 0123456789\n"), 80_000)
	mixed := append(append([]byte{}, random[:deflateBlock/2]...), text[:2*deflateBlock]...)
	for _, size := range []int{0, 1, deflateWindow, deflateBlock - 1, deflateBlock, deflateBlock + 1, 2*deflateBlock + 5} {
		for name, src := range map[string][]byte{"random": random, "text": text, "mixed": mixed} {
			in := src[:min(size, len(src))]
			for workers := 1; workers <= 3; workers++ {
				var buf bytes.Buffer
				d := newParallelDeflate(&buf, 6, workers)
				// uneven writes, so blocks fill across several calls
				for rest := in; len(rest) > 0; {
					k := min(len(rest), 1+rnd.IntN(300_000))
					if _, err := d.Write(rest[:k]); err != nil {
						t.Fatal(err)
					}
					rest = rest[k:]
				}
				if err := d.Close(); err != nil {
					t.Fatal(err)
				}
				out, err := io.ReadAll(flate.NewReader(&buf))
				if err != nil || !bytes.Equal(out, in) {
					t.Fatalf("%s, %d bytes, %d workers: got %d bytes back (%v)", name, len(in), workers, len(out), err)
				}
				if name == "text" && len(in) > deflateBlock && buf.Len() > len(in)/20 {
					t.Errorf("%s, %d bytes: compressed to %d bytes: blocks do not reuse the previous one", name, len(in), buf.Len())
				}
			}
		}
	}
}
