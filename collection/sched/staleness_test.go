package sched

import (
	"context"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
)

// A bury or suspend right after the scheduler gathered its queues must be seen by the next
// GetCard, however little time passed: the queues are checked against the collection's change
// counter, not col.mod (a millisecond clock that two quick transactions can leave unchanged).
// Each round gathers, changes a card and asks again at once, so many rounds land within the
// same millisecond as the previous look.
func TestQueuesSeeChangesInTheSameMillisecond(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(col *collection.Collection, cid int64) error
	}{
		{"bury", func(col *collection.Collection, cid int64) error { return col.BuryCards(ctx, []int64{cid}, true) }},
		{"suspend", func(col *collection.Collection, cid int64) error { return col.SuspendCards(ctx, []int64{cid}, true) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			const rounds = 40
			f.addNotes("Basic", 1, rounds+1)
			hidden := map[int64]bool{}
			for i := 0; i < rounds; i++ {
				q := f.next()
				if q == nil {
					t.Fatalf("round %d: no card", i)
				}
				if hidden[q.Card.ID] {
					t.Fatalf("round %d: card %d was %s but is still handed out", i, q.Card.ID, tc.name)
				}
				if err := tc.change(f.col, q.Card.ID); err != nil {
					t.Fatal(err)
				}
				hidden[q.Card.ID] = true
				if q2 := f.next(); q2 == nil || q2.Card.ID == q.Card.ID {
					t.Fatalf("round %d: after %s of %d the scheduler shows %v", i, tc.name, q.Card.ID, q2)
				}
			}
			if c := f.counts(); c.New != 1 {
				t.Fatalf("one new card is left, counts %+v", c)
			}
		})
	}
}

// An answer keeps the cached queues only when it is the one change since they were gathered;
// a suspend from elsewhere in between makes the scheduler gather again.
func TestAnswerAfterOutsideChangeRegathers(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	nids := f.addNotes("Basic", 1, 4)
	q := f.next()
	var victim int64
	for _, nid := range nids {
		if c := f.cardsOf(nid)[0]; c.ID != q.Card.ID {
			victim = c.ID
			break
		}
	}
	if err := f.col.SuspendCards(ctx, []int64{victim}, true); err != nil {
		t.Fatal(err)
	}
	f.answer(q.Card, 4, 0) // Easy: the card leaves today's queues
	seen := 0
	for n := f.next(); n != nil; n = f.next() {
		if n.Card.ID == victim {
			t.Fatal("a card suspended before the answer was shown after it")
		}
		f.answer(n.Card, 4, 0)
		seen++
	}
	if seen != 2 {
		t.Fatalf("%d cards studied after the answer, want the 2 neither answered nor suspended", seen)
	}
}
