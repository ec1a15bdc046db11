package collection_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
)

func newCol(t testing.TB) *collection.Collection {
	t.Helper()
	col, err := collection.Create(context.Background(), filepath.Join(t.TempDir(), "test.anki2"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { col.Close() })
	return col
}

func mustNotetype(t testing.TB, col *collection.Collection, name string) *collection.Notetype {
	t.Helper()
	nt, ok := col.NotetypeByName(name)
	if !ok {
		t.Fatalf("no note type %q", name)
	}
	return nt
}

func addNote(t testing.TB, col *collection.Collection, ntName string, did int64, fields ...string) *collection.Note {
	t.Helper()
	nt := mustNotetype(t, col, ntName)
	n, err := col.NewNote(nt.ID)
	if err != nil {
		t.Fatal(err)
	}
	copy(n.Fields, fields)
	if err := col.AddNote(context.Background(), n, did); err != nil {
		t.Fatal(err)
	}
	return n
}

func cardOrds(t testing.TB, col *collection.Collection, nid int64) []int {
	t.Helper()
	cards, err := col.CardsOfNote(context.Background(), nid)
	if err != nil {
		t.Fatal(err)
	}
	var ords []int
	for _, c := range cards {
		ords = append(ords, c.Ord)
	}
	return ords
}

func scalar[T any](t testing.TB, col *collection.Collection, q string, args ...any) T {
	t.Helper()
	var v T
	if err := col.DB().QueryRow(q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}
