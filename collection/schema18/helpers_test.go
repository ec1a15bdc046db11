package schema18

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/deckhand-app/deckhand/collection/store"
	"github.com/klauspost/compress/zstd"
)

// fixturesDir finds ../shared/fixtures/packages next to the repository.
func fixturesDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for d := dir; ; d = filepath.Dir(d) {
		p := filepath.Join(d, "shared", "fixtures", "packages")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	t.Skip("fixture packages: ../shared/fixtures not present")
	return ""
}

// extractMember copies one member of a fixture package to a temp file, zstd-decoding
// it when asked; it avoids depending on pkgfile, which itself depends on this package.
func extractMember(t testing.TB, pkg, member string, zstdFrame bool) string {
	t.Helper()
	zr, err := zip.OpenReader(filepath.Join(fixturesDir(t), pkg))
	if err != nil {
		t.Fatalf("open %s: %v", pkg, err)
	}
	defer zr.Close()
	f, err := zr.Open(member)
	if err != nil {
		t.Fatalf("%s: %s: %v", pkg, member, err)
	}
	defer f.Close()
	var r io.Reader = f
	if zstdFrame {
		d, err := zstd.NewReader(f)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		r = d
	}
	dst := filepath.Join(t.TempDir(), "collection.db")
	out, err := os.Create(dst)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, r); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return dst
}

func openDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// colJSON returns the parsed col JSON columns of a schema-11 collection.
func colJSON(t testing.TB, db *sql.DB) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, c := range []string{"models", "decks", "dconf", "conf", "tags"} {
		var s string
		if err := db.QueryRow("SELECT " + c + " FROM col").Scan(&s); err != nil {
			t.Fatal(err)
		}
		var v any
		if err := jsonUnmarshalNumber([]byte(s), &v); err != nil {
			t.Fatalf("col.%s: %v\n%s", c, err, s)
		}
		out[c] = v
	}
	return out
}

func jsonUnmarshalNumber(b []byte, v *any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}
