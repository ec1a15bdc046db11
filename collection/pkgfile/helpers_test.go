package pkgfile

import (
	"archive/zip"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/deckhand-app/deckhand/collection/store"
	"github.com/klauspost/compress/zstd"
)

func fixturesDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; filepath.Dir(d) != d; d = filepath.Dir(d) {
		p := filepath.Join(d, "shared", "fixtures", "packages")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
	}
	t.Skip("fixture packages: ../shared/fixtures not present")
	return ""
}

// member describes one entry of a hand-made archive.
type member struct {
	name   string
	data   []byte
	method uint16
	mode   os.FileMode
}

func writeZip(t testing.TB, members []member) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pkg.apkg")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.name, Method: m.method}
		if m.mode != 0 {
			h.SetMode(m.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return p
}

func zstdBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

// newCollection makes a small schema-11 collection in DELETE journal mode with one note,
// one card and JSON that the schema-18 upgrade accepts.
func newCollection(t testing.TB, dir string, notes int) string {
	t.Helper()
	ctx := context.Background()
	p := filepath.Join(dir, "src.anki2")
	db, err := store.Open(ctx, p, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateSchema11(ctx, db); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		if _, err := db.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`UPDATE col SET crt = 1700000000, models = ?, decks = ?, dconf = ?, conf = ?, tags = '{}'`,
		`{"1700000000001":{"id":1700000000001,"name":"Basic","type":0,"mod":1,"usn":0,"sortf":0,"did":1,
		  "tmpls":[{"name":"Card 1","ord":0,"qfmt":"{{Front}}","afmt":"{{Back}}","did":null,"bqfmt":"","bafmt":"","bfont":"","bsize":0}],
		  "flds":[{"name":"Front","ord":0,"sticky":false,"rtl":false,"font":"Arial","size":20},
		          {"name":"Back","ord":1,"sticky":false,"rtl":false,"font":"Arial","size":20}],
		  "css":"","latexPre":"","latexPost":"","latexsvg":false,"req":[[0,"any",[0]]]}}`,
		`{"1":{"id":1,"name":"Default","mod":0,"usn":0,"dyn":0,"conf":1,"collapsed":false,
		  "lrnToday":[0,0],"revToday":[0,0],"newToday":[0,0],"timeToday":[0,0]}}`,
		`{"1":{"id":1,"name":"Default","mod":0,"usn":0,"maxTaken":60,"autoplay":true,"timer":0,"replayq":true,
		  "new":{"delays":[1,10],"initialFactor":2500,"ints":[1,4,0],"order":1,"perDay":20},
		  "rev":{"ease4":1.3,"ivlFct":1,"maxIvl":36500,"perDay":200},
		  "lapse":{"delays":[10],"leechAction":1,"leechFails":8,"minInt":1,"mult":0}}}`,
		`{"curModel":1700000000001}`)
	insertNotes(t, db, notes)
	if err := store.CloseForTransfer(ctx, db); err != nil {
		t.Fatal(err)
	}
	return p
}

// insertNotes adds n notes with one card each using one SQL statement per table.
func insertNotes(t testing.TB, db *sql.DB, n int) {
	t.Helper()
	if _, err := db.Exec(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM seq WHERE i < ?)
		INSERT INTO notes SELECT 1700000000000000+i, 'g'||i, 1700000000001, 1700000000, -1, ' t ',
		  'front '||i||char(31)||'back '||hex(randomblob(16)), 'front '||i, i, 0, '' FROM seq`, n); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO cards SELECT id+1000000000, id, 1, 0, 1700000000, -1, 0, 0, id % 100000,
		0, 0, 0, 0, 0, 0, 0, 0, '' FROM notes`); err != nil {
		t.Fatal(err)
	}
}

// dummyCollection returns a tiny valid SQLite file standing in for Anki's "please update".
func dummyCollection(t testing.TB) func() ([]byte, error) {
	t.Helper()
	ctx := context.Background()
	p := filepath.Join(t.TempDir(), "dummy.anki2")
	db, err := store.Open(ctx, p, store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.CreateSchema11(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := store.CloseForTransfer(ctx, db); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return func() ([]byte, error) { return b, nil }
}
