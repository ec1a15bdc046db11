package sched

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/collection"
)

// Answers are steps of the collection's undo: the scheduler's Undo reverts one only while it
// is the newest change, anything done after it is undone first (Edit ▸ Undo), and Redo
// answers the card again.
func TestAnswerUndoIsCollectionUndo(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.addNotes("Basic", 1, 3)
	if f.s.CanUndo() {
		t.Fatal("nothing answered yet")
	}
	q := f.next()
	a := f.answer(q.Card, 3, time.Second)
	if got := f.col.UndoLabel(); got != "Answer Card" {
		t.Fatalf("undo label after answering: %q", got)
	}
	if !f.s.CanUndo() {
		t.Fatal("the answer cannot be undone")
	}
	other := f.next()
	if err := f.col.BuryCards(ctx, []int64{other.Card.ID}, true); err != nil {
		t.Fatal(err)
	}
	if f.s.CanUndo() {
		t.Fatal("the scheduler offers to undo an answer under a newer change")
	}
	if _, err := f.s.Undo(ctx); !errors.Is(err, ErrNothingToUndo) {
		t.Fatalf("scheduler undo under a newer change: %v", err)
	}
	if label, err := f.col.Undo(ctx); err != nil || label != "Bury" {
		t.Fatalf("collection undo: %q %v", label, err)
	}
	if !f.s.CanUndo() {
		t.Fatal("the answer is the newest change again")
	}
	if id, err := f.s.Undo(ctx); err != nil || id != a.Card.ID {
		t.Fatalf("scheduler undo: %d %v", id, err)
	}
	back, _ := f.col.GetCard(ctx, a.Card.ID)
	if back.Queue != collection.QueueNew || back.Reps != 0 || countRevlog(t, f.col) != 0 {
		t.Fatalf("after undo: %+v, %d revlog rows", back, countRevlog(t, f.col))
	}
	if got := f.counts(); got.New != 3 {
		t.Fatalf("counts after undo %+v", got)
	}
	if label, err := f.col.Redo(ctx); err != nil || label != "Answer Card" {
		t.Fatalf("redo: %q %v", label, err)
	}
	again, _ := f.col.GetCard(ctx, a.Card.ID)
	if again.Reps != 1 || countRevlog(t, f.col) != 1 {
		t.Fatalf("after redo: %+v", again)
	}
	if got := f.counts(); got.New != 2 {
		t.Fatalf("counts after redo %+v", got)
	}
}
