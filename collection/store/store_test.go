package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestUnicaseCompare(t *testing.T) {
	cases := []struct {
		a, b string
		want int
	}{
		{"abc", "ABC", 0},
		{"Straße", "STRASSE", 0}, // full case folding, as Rust's unicase
		{"Ölflasche", "ölflasche", 0},
		{"a", "B", -1},
		{"b", "A", 1},
		{"ab", "a", 1},
		{"Ω", "ω", 0},
		{"日本", "日本", 0},
	}
	for _, c := range cases {
		if got := UnicaseCompare(c.a, c.b); got != c.want {
			t.Errorf("UnicaseCompare(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestUnicaseCollationRegistered(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "u.db"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE TABLE t (name text COLLATE unicase); INSERT INTO t VALUES ('Deck'), ('deck'), ('Other')"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRow("SELECT count(*) FROM t WHERE name = 'DECK'").Scan(&n); err != nil || n != 2 {
		t.Fatalf("unicase match %d %v", n, err)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := Open(ctx, filepath.Join(dir, "missing.db"), Options{}); err == nil {
		t.Error("missing file opened")
	}
	if _, err := Open(ctx, dir, Options{}); err == nil {
		t.Error("directory opened")
	}
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, []byte("this is not sqlite, not at all, just text......................................"), 0o644)
	if _, err := Open(ctx, junk, Options{}); err == nil {
		t.Error("junk opened")
	}
	if b, _ := os.ReadFile(junk); string(b[:4]) != "this" {
		t.Error("junk file changed")
	}
	if _, err := os.Stat(junk + "-wal"); err == nil {
		t.Error("side file created for a file that is not a database")
	}
	db, err := Open(ctx, filepath.Join(dir, "new.db"), Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := CreateSchema11(ctx, db); err != nil {
		t.Fatal(err)
	}
	if err := CreateSchema11(ctx, db); err == nil {
		t.Error("schema created twice")
	}
	if err := CloseForTransfer(ctx, db); err != nil {
		t.Fatal(err)
	}
}
