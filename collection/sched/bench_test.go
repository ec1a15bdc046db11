package sched

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
)

// benchCollection makes a collection whose Default deck has n review cards due today, with
// the given daily review limit.
func benchCollection(b *testing.B, n, reviewLimit int) (*Scheduler, *collection.Collection) {
	b.Helper()
	ctx := context.Background()
	col, err := collection.Create(ctx, filepath.Join(b.TempDir(), "bench.anki2"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { col.Close() })
	s := New(col)
	today := s.timing().today
	nt, _ := col.NotetypeByName("Basic")
	err = col.Transact(ctx, func(tx *collection.Tx) error {
		for _, dc := range tx.DeckConfigs() {
			setSub(dc.Other, "rev", "perDay", reviewLimit)
			if err := tx.PutDeckConfig(dc); err != nil {
				return err
			}
		}
		ins, err := tx.Q().PrepareContext(ctx, `INSERT INTO notes (id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data)
			VALUES (?, ?, ?, 0, 0, '', 'q\x1fa', 'q', 0, 0, '')`)
		if err != nil {
			return err
		}
		defer ins.Close()
		insC, err := tx.Q().PrepareContext(ctx, `INSERT INTO cards (id, nid, did, ord, mod, usn, type, queue, due, ivl, factor,
			reps, lapses, left, odue, odid, flags, data) VALUES (?, ?, 1, 0, ?, 0, 2, 2, ?, ?, 2500, 5, 0, 0, 0, 0, 0, '{}')`)
		if err != nil {
			return err
		}
		defer insC.Close()
		for i := 0; i < n; i++ {
			id := int64(1_600_000_000_000 + i)
			if _, err := ins.ExecContext(ctx, id, fmt.Sprint("g", i), nt.ID); err != nil {
				return err
			}
			if _, err := insC.ExecContext(ctx, id, id, i, today-i%30, 1+i%100); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return s, col
}

// BenchmarkBuildQueues50k gathers and orders the queues of a deck with 50,000 due reviews.
func BenchmarkBuildQueues50k(b *testing.B) {
	for _, limit := range []int{200, 9999} {
		b.Run(fmt.Sprint("limit", limit), func(b *testing.B) {
			s, col := benchCollection(b, 50_000, limit)
			ctx := context.Background()
			tm, o := s.timing(), s.opts()
			ds := newDeckSet(col.Decks(), col.DeckConfigs())
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				q, err := buildQueues(ctx, col.DB(), ds, collection.DefaultDeckID, tm, o)
				if err != nil {
					b.Fatal(err)
				}
				if got := q.counts(tm.now.Unix()).Review; got != min(limit, 50_000) {
					b.Fatalf("review count %d", got)
				}
			}
		})
	}
}
