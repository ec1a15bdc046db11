package search

import (
	"context"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection/store"
)

// likePattern must agree with SQLite's own LIKE (escape '\') on every pattern and text,
// including _ over multi-byte characters, escapes, a trailing escape, ASCII-only case
// folding and NUL bytes.
func TestLikeMatchesSQLite(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "like.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := rand.New(rand.NewSource(1))
	alphabet := []string{"a", "A", "b", "B", "é", "É", "日", "\u212a", "k", "\x1f", " ", "%", "_", `\`, "\x00"}
	gen := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			b.WriteString(alphabet[r.Intn(len(alphabet))])
		}
		return b.String()
	}
	stmt, err := db.PrepareContext(ctx, `SELECT ?1 LIKE ?2 ESCAPE '\'`)
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	matches := 0
	for i := 0; i < 20000; i++ {
		text, pattern := gen(r.Intn(8)), gen(r.Intn(6))
		if i%3 == 0 {
			pattern = "%" + pattern + "%"
		}
		var want bool
		if err := stmt.QueryRowContext(ctx, text, pattern).Scan(&want); err != nil {
			t.Fatal(err)
		}
		var a arena
		a.add([]byte(text))
		got := compileLike(pattern).match(a.text(0))
		if got != want {
			t.Fatalf("%q LIKE %q: SQLite %v, index %v", text, pattern, want, got)
		}
		if want {
			matches++
		}
	}
	if matches < 1000 {
		t.Fatalf("only %d matches: the cases do not exercise matching", matches)
	}
}
