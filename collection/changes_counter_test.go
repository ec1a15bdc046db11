package collection

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

// Every committed transaction moves the counter by one, even several in the same millisecond;
// a rolled-back one does not.
func TestChangesCounter(t *testing.T) {
	ctx := context.Background()
	col, err := Create(ctx, filepath.Join(t.TempDir(), "c.anki2"))
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	start := col.Changes()
	const n = 20
	for i := 0; i < n; i++ {
		if _, err := col.AddDeck(ctx, "D"+string(rune('a'+i))); err != nil {
			t.Fatal(err)
		}
	}
	if got := col.Changes() - start; got != n {
		t.Fatalf("%d commits counted %d", n, got)
	}
	before := col.Changes()
	boom := errors.New("boom")
	if err := col.Transact(ctx, func(tx *Tx) error { return boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if col.Changes() != before {
		t.Fatal("a rolled-back transaction was counted")
	}
}
