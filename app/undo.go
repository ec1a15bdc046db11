package app

import (
	"context"

	"github.com/deckhand-app/deckhand/collection"
)

// Collection-wide undo (Edit ▸ Undo / Redo). The engine records each user action as one step
// (collection/undo.go); imports, sync and Check Database clear the steps. Answers given on the
// study screen are steps too: the study session's Undo reverts its own last answer and shows
// that card again, anything else goes through Service.Undo and the session carries on with
// the next card.

// Errors of Undo and Redo when there is nothing to do.
var (
	ErrNothingToUndo = collection.ErrNothingToUndo
	ErrNothingToRedo = collection.ErrNothingToRedo
)

// Undo reverts the newest undoable change and returns its label ("Add Note").
func (s *Service) Undo(ctx context.Context) (string, error) {
	col, err := s.c()
	if err != nil {
		return "", err
	}
	return col.Undo(ctx)
}

// Redo re-applies the change Undo reverted last and returns its label.
func (s *Service) Redo(ctx context.Context) (string, error) {
	col, err := s.c()
	if err != nil {
		return "", err
	}
	return col.Redo(ctx)
}

// UndoLabel is what Undo would revert ("" when nothing). It never blocks on a running
// change, so the UI goroutine may call it.
func (s *Service) UndoLabel() string {
	if col := s.Collection(); col != nil {
		return col.UndoLabel()
	}
	return ""
}

// RedoLabel is what Redo would re-apply ("" when nothing); like UndoLabel it never blocks.
func (s *Service) RedoLabel() string {
	if col := s.Collection(); col != nil {
		return col.RedoLabel()
	}
	return ""
}

// UndoLast is the study screen's undo. When the newest change is an answer of this session
// it is reverted and that card is shown again (as Anki does); otherwise the newest change,
// whatever it was, is undone and the session goes on with the next card (nil: none left). It
// returns the label of what was undone.
func (st *Study) UndoLast(ctx context.Context) (*StudyCard, string, error) {
	if st.CanUndo() {
		card, err := st.Undo(ctx)
		return card, "Answer Card", err
	}
	label, err := st.svc.Undo(ctx)
	if err != nil {
		return nil, "", err
	}
	card, err := st.Next(ctx)
	return card, label, err
}

// RedoLast is the study screen's redo: the change is re-applied and the session goes on with
// the next card.
func (st *Study) RedoLast(ctx context.Context) (*StudyCard, string, error) {
	label, err := st.svc.Redo(ctx)
	if err != nil {
		return nil, "", err
	}
	card, err := st.Next(ctx)
	return card, label, err
}
