package app

import (
	"context"
	"errors"
	"testing"
)

func TestServiceUndoRedo(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	if _, err := s.Undo(ctx); !errors.Is(err, ErrNothingToUndo) {
		t.Fatalf("undo on a new collection: %v", err)
	}
	nid := addBasic(t, s, "Words", "hello", "world")
	if got := s.UndoLabel(); got != "Add Note" {
		t.Fatalf("undo label %q", got)
	}
	if _, err := s.DeleteNotes(ctx, NotesMode, []int64{nid}); err != nil {
		t.Fatal(err)
	}
	if label, err := s.Undo(ctx); err != nil || label != "Delete Note" {
		t.Fatalf("undo: %q %v", label, err)
	}
	if _, err := s.Collection().GetNote(ctx, nid); err != nil {
		t.Fatalf("the deleted note is not back: %v", err)
	}
	if s.RedoLabel() != "Delete Note" || s.UndoLabel() != "Add Note" {
		t.Fatalf("labels %q / %q", s.UndoLabel(), s.RedoLabel())
	}
	if label, err := s.Redo(ctx); err != nil || label != "Delete Note" {
		t.Fatalf("redo: %q %v", label, err)
	}
	if _, err := s.Collection().GetNote(ctx, nid); err == nil {
		t.Fatal("redo did not delete the note again")
	}
	if _, err := s.Redo(ctx); !errors.Is(err, ErrNothingToRedo) {
		t.Fatalf("second redo: %v", err)
	}
	s.Close()
	if s.UndoLabel() != "" {
		t.Fatal("a closed service has something to undo")
	}
	if _, err := s.Undo(ctx); !errors.Is(err, ErrClosed) {
		t.Fatalf("undo after close: %v", err)
	}
}

// The study screen's undo: its own answer comes back as the card shown; any other newest
// change is undone and the session goes on.
func TestStudyUndoLast(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	addNoteOfType(t, s, "Basic", "Study", "alpha", "A")
	addNoteOfType(t, s, "Basic", "Study", "beta", "B")
	deck, _ := s.Collection().DeckByName("Study")
	st, err := s.StartStudy(ctx, deck.ID)
	if err != nil {
		t.Fatal(err)
	}
	first, err := st.Next(ctx)
	if err != nil || first == nil {
		t.Fatalf("first card: %v %v", first, err)
	}
	if _, err := st.Answer(ctx, 3); err != nil {
		t.Fatal(err)
	}
	second, err := st.Next(ctx)
	if err != nil || second == nil || second.Card.ID == first.Card.ID {
		t.Fatalf("second card: %v %v", second, err)
	}
	if err := st.BuryCard(ctx); err != nil {
		t.Fatal(err)
	}
	// the bury is newest: undoing it brings the buried card back into the session
	card, label, err := st.UndoLast(ctx)
	if err != nil || label != "Bury" {
		t.Fatalf("undo bury: %q %v", label, err)
	}
	if c, _ := s.Collection().GetCard(ctx, second.Card.ID); c.Queue < 0 {
		t.Fatalf("card still buried: %+v", c)
	}
	if card == nil {
		t.Fatal("no card after undoing the bury")
	}
	// now the answer is newest: it is undone and its card shown again
	card, label, err = st.UndoLast(ctx)
	if err != nil || label != "Answer Card" || card == nil || card.Card.ID != first.Card.ID {
		t.Fatalf("undo answer: %+v %q %v", card, label, err)
	}
	if card.Card.Reps != 0 {
		t.Fatalf("answered card not reverted: %+v", card.Card)
	}
	if _, label, err := st.RedoLast(ctx); err != nil || label != "Answer Card" {
		t.Fatalf("redo: %q %v", label, err)
	}
	if c, _ := s.Collection().GetCard(ctx, first.Card.ID); c.Reps != 1 {
		t.Fatalf("redo did not answer again: %+v", c)
	}
}
