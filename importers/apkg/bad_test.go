package apkg_test

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/schema18"
	"github.com/deckhand-app/deckhand/collection/store"
	imp "github.com/deckhand-app/deckhand/importers/apkg"
	"github.com/klauspost/compress/zstd"
)

type member struct {
	name   string
	data   []byte
	mode   os.FileMode // 0: regular file
	badCRC bool        // store with a wrong CRC-32 (detected when the member is read)
}

func writeZip(t *testing.T, members ...member) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bad.apkg")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		if m.mode != 0 {
			h.SetMode(m.mode)
		}
		if m.badCRC {
			h.Method = zip.Store
			h.CRC32 = crc32.ChecksumIEEE(m.data) ^ 1
			h.CompressedSize64, h.UncompressedSize64 = uint64(len(m.data)), uint64(len(m.data))
			w, err := zw.CreateRaw(h)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(m.data)
			continue
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(m.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// packageCollection returns the bytes of a schema-11 collection holding one Basic note
// that shows pic.png, after edit (SQL run on it) when given.
func packageCollection(t *testing.T, edit ...string) []byte {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "pkg.anki2")
	col, err := collection.Create(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	nt, _ := col.NotetypeByName("Basic")
	n, _ := col.NewNote(nt.ID)
	n.Fields[0], n.Fields[1] = `<img src="pic.png">`, "back"
	if err := col.AddNote(ctx, n, collection.DefaultDeckID); err != nil {
		t.Fatal(err)
	}
	col.Close()
	if len(edit) > 0 {
		db, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range edit {
			if _, err := db.Exec(e); err != nil {
				t.Fatalf("%s: %v", e, err)
			}
		}
		store.CloseForTransfer(ctx, db)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func zstdBytes(t *testing.T, b []byte) []byte {
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// latestCollection upgrades a schema-11 collection to 18 and runs edit on it.
func latestCollection(t *testing.T, edit string) []byte {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.anki21b")
	if err := os.WriteFile(path, packageCollection(t), 0o644); err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := schema18.Upgrade(ctx, db); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(edit); err != nil {
		t.Fatal(err)
	}
	store.CloseForTransfer(ctx, db)
	b, _ := os.ReadFile(path)
	return b
}

func TestBadInput(t *testing.T) {
	good := packageCollection(t)
	media := []byte(`{"0":"pic.png"}`)
	foreign := func() []byte {
		path := filepath.Join(t.TempDir(), "foreign.db")
		db, err := sql.Open(store.DriverName, path)
		if err != nil {
			t.Fatal(err)
		}
		db.Exec("CREATE TABLE foo (x)")
		db.Close()
		b, _ := os.ReadFile(path)
		return b
	}()
	truncated := func() string {
		full, err := os.ReadFile(writeZip(t, member{name: "collection.anki2", data: good}, member{name: "media", data: []byte("{}")}))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "cut.apkg")
		os.WriteFile(p, full[:len(full)/2], 0o644)
		return p
	}()
	notZip := filepath.Join(t.TempDir(), "x.apkg")
	os.WriteFile(notZip, []byte("hello, not a zip"), 0o644)
	corrupt := append([]byte("SQLite format 3\x00"), bytes.Repeat([]byte{0xA5}, 8192)...)
	bomb := zstdBytes(t, make([]byte, 64<<20))
	cases := []struct {
		name string
		pkg  string
		want string // in the error
	}{
		{"zip slip", writeZip(t, member{name: "collection.anki2", data: good}, member{name: "../evil", data: []byte("x")}), "escapes the archive"},
		{"absolute path", writeZip(t, member{name: "collection.anki2", data: good}, member{name: "/etc/evil", data: []byte("x")}), "absolute"},
		{"symlink member", writeZip(t, member{name: "collection.anki2", data: good}, member{name: "0", data: []byte("/etc/passwd"), mode: os.ModeSymlink | 0o777}, member{name: "media", data: media}), "symbolic link"},
		{"duplicate member", writeZip(t, member{name: "collection.anki2", data: good}, member{name: "collection.anki2", data: good}), "twice"},
		{"zstd bomb", writeZip(t, member{name: "meta", data: []byte{8, 3}}, member{name: "collection.anki21b", data: bomb}, member{name: "collection.anki2", data: good}), "ratio"},
		{"truncated archive", truncated, "ZIP"},
		{"not a zip", notZip, "ZIP"},
		{"corrupt sqlite", writeZip(t, member{name: "collection.anki2", data: corrupt}), "collection"},
		{"foreign sqlite", writeZip(t, member{name: "collection.anki2", data: foreign}), "collection"},
		{"wrong schema", writeZip(t, member{name: "collection.anki2", data: packageCollection(t, "UPDATE col SET ver = 99")}), "schema"},
		{"broken json", writeZip(t, member{name: "collection.anki2", data: packageCollection(t, "UPDATE col SET models = '{\"1\": {broken'")}), "JSON"},
		{"broken protobuf", writeZip(t, member{name: "meta", data: []byte{8, 3}},
			member{name: "collection.anki21b", data: zstdBytes(t, latestCollection(t, "UPDATE notetypes SET config = x'ffffffff0a'"))},
			member{name: "collection.anki2", data: good}, member{name: "media", data: zstdBytes(t, nil)}), "schema 18"},
		{"invalid utf-8 in a note", writeZip(t, member{name: "collection.anki2", data: packageCollection(t, "UPDATE notes SET flds = CAST(x'66ff1f62' AS TEXT)")}), "UTF-8"},
		{"invalid utf-8 in json", writeZip(t, member{name: "collection.anki2", data: packageCollection(t, "UPDATE col SET decks = CAST(x'7b22ff223a317d' AS TEXT)")}), "UTF-8"},
		{"unsafe media name", writeZip(t, member{name: "collection.anki2", data: good}, member{name: "0", data: []byte("x")}, member{name: "media", data: []byte(`{"0":"../evil.png"}`)}), "media"},
		{"future ids", writeZip(t, member{name: "collection.anki2", data: packageCollection(t, "UPDATE notes SET id = 99999999999999")}), "future"},
		// Fails after notes were written (the media member is read while staging): the
		// transaction must roll back.
		{"corrupt media member", writeZip(t, member{name: "collection.anki2", data: good}, member{name: "0", data: []byte("png bytes"), badCRC: true}, member{name: "media", data: media}), "checksum"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			colPath := filepath.Join(dir, "collection.anki2")
			col, err := collection.Create(ctx, colPath)
			if err != nil {
				t.Fatal(err)
			}
			nt, _ := col.NotetypeByName("Basic")
			n, _ := col.NewNote(nt.ID)
			n.Fields[0] = `existing <img src="pic.png">`
			col.AddNote(ctx, n, collection.DefaultDeckID)
			col.Media.AddData(ctx, "pic.png", []byte("the target's own picture"))
			col.Close()
			before := dirFingerprint(t, dir)

			col, err = collection.Open(ctx, colPath)
			if err != nil {
				t.Fatal(err)
			}
			res, err := imp.Import(ctx, col, tc.pkg, imp.Options{KeepScheduling: true})
			col.Close()
			if err == nil {
				t.Fatalf("imported: %+v", res)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if after := dirFingerprint(t, dir); after != before {
				t.Errorf("collection folder changed:\nbefore %s\nafter  %s", before, after)
			}
			// The same bad package must not replace a collection either.
			if tc.name == "future ids" {
				return // a whole collection may hold such ids; Anki restores it
			}
			if _, err := imp.ImportColpkg(ctx, colPath, tc.pkg, imp.ColpkgOptions{}); err == nil {
				t.Errorf("colpkg import accepted it")
			}
			if after := dirFingerprint(t, dir); after != before {
				t.Errorf("collection folder changed by the colpkg import")
			}
		})
	}
}
