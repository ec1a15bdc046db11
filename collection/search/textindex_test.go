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
	alphabet := []string{"a", "A", "b", "B", "é", "É", "日", "\u212a", "k", "\x1f", " ", "%", "_", `\`, "\x00",
		"\xe6", "\x97", "\xc3", "\xef\xbf\xbe", "\xef\xbf\xbd", "\xe0\x82\xa9"}
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
		got, ok := indexLike(pattern, text)
		if ok && got != want {
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

// FuzzLike compares the index's LIKE with SQLite's on any text and pattern.
func FuzzLike(f *testing.F) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(f.TempDir(), "like.db"), store.Options{Create: true})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	for _, s := range [][2]string{{"Hello World", "%world%"}, {"a_b", `a\_b`}, {"日本語", "_本%"}, {"x\x00y", "%y"},
		{"abc", `abc\`}, {"ABC", "a%c"}, {"\u212a", "k"}, {"aaa", "%a%a%a%"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, text, pattern string) {
		var want bool
		if err := db.QueryRowContext(ctx, `SELECT ?1 LIKE ?2 ESCAPE '\'`, text, pattern).Scan(&want); err != nil {
			t.Skip(err) // e.g. a pattern longer than SQLite's limit
		}
		if got, ok := indexLike(pattern, text); ok && got != want {
			t.Fatalf("%q LIKE %q: SQLite %v, index %v", text, pattern, want, got)
		}
	})
}

// indexLike is what the index answers for one text: ok is false when the index declines
// the pattern (the search then runs in SQL).
func indexLike(pattern, text string) (match, ok bool) {
	if !LikeClean(pattern) {
		return false, false
	}
	var a arena
	a.add([]byte(text))
	if likeClean(a.text(0)) {
		return compileLike(pattern).match(a.text(0)), true
	}
	return exactLike(pattern, a.text(0)), true
}
