package app

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// Bulk browser actions. ids are the selected rows' ids in the given mode: card actions in
// notes mode apply to every card of the selected notes, note actions in cards mode to the
// notes of the selected cards (as Anki's browser does).

// CardIDs maps selected ids to card ids.
func (s *Service) CardIDs(ctx context.Context, m Mode, ids []int64) ([]int64, error) {
	if m == CardsMode {
		return ids, nil
	}
	return s.idsIn(ctx, "SELECT id FROM cards WHERE nid IN (%s) ORDER BY nid, ord", ids)
}

// NoteIDs maps selected ids to distinct note ids.
func (s *Service) NoteIDs(ctx context.Context, m Mode, ids []int64) ([]int64, error) {
	if m == NotesMode {
		return ids, nil
	}
	return s.idsIn(ctx, "SELECT DISTINCT nid FROM cards WHERE id IN (%s)", ids)
}

func (s *Service) idsIn(ctx context.Context, query string, ids []int64) ([]int64, error) {
	col, err := s.c()
	if err != nil {
		return nil, err
	}
	var out []int64
	// chunks keep the statement well under SQLite's length limits
	for start := 0; start < len(ids); start += 5000 {
		end := min(start+5000, len(ids))
		parts := make([]string, 0, end-start)
		for _, id := range ids[start:end] {
			parts = append(parts, strconv.FormatInt(id, 10))
		}
		err := col.Iterate(ctx, fmt.Sprintf(query, strings.Join(parts, ",")), nil, func(row []any) error {
			out = append(out, i64(row[0]))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// SetDeck moves the selected cards to a deck.
func (s *Service) SetDeck(ctx context.Context, m Mode, ids []int64, deckID int64) error {
	col, err := s.c()
	if err != nil {
		return err
	}
	cids, err := s.CardIDs(ctx, m, ids)
	if err != nil {
		return err
	}
	return col.SetDeck(ctx, cids, deckID)
}

// AddTags adds space-separated tags to the selected notes; it returns how many changed.
func (s *Service) AddTags(ctx context.Context, m Mode, ids []int64, tags string) (int, error) {
	col, err := s.c()
	if err != nil {
		return 0, err
	}
	nids, err := s.NoteIDs(ctx, m, ids)
	if err != nil {
		return 0, err
	}
	return col.AddTags(ctx, nids, tags)
}

// RemoveTags removes space-separated tags from the selected notes.
func (s *Service) RemoveTags(ctx context.Context, m Mode, ids []int64, tags string) (int, error) {
	col, err := s.c()
	if err != nil {
		return 0, err
	}
	nids, err := s.NoteIDs(ctx, m, ids)
	if err != nil {
		return 0, err
	}
	return col.RemoveTags(ctx, nids, tags)
}

// ToggleSuspend suspends the selected cards, or restores them when all are already
// suspended. It returns true when it suspended.
func (s *Service) ToggleSuspend(ctx context.Context, m Mode, ids []int64) (bool, error) {
	col, err := s.c()
	if err != nil {
		return false, err
	}
	cids, err := s.CardIDs(ctx, m, ids)
	if err != nil {
		return false, err
	}
	suspended, err := s.idsIn(ctx, "SELECT id FROM cards WHERE queue = -1 AND id IN (%s)", cids)
	if err != nil {
		return false, err
	}
	suspend := len(suspended) < len(cids)
	return suspend, col.SuspendCards(ctx, cids, suspend)
}

// SetSuspended suspends or restores the selected cards.
func (s *Service) SetSuspended(ctx context.Context, m Mode, ids []int64, suspend bool) error {
	col, err := s.c()
	if err != nil {
		return err
	}
	cids, err := s.CardIDs(ctx, m, ids)
	if err != nil {
		return err
	}
	return col.SuspendCards(ctx, cids, suspend)
}

// ToggleFlag sets flag (1-7) on the selected cards, or clears it when they all have it
// already (Anki's Ctrl+1…7). flag 0 clears. It returns the flag now set.
func (s *Service) ToggleFlag(ctx context.Context, m Mode, ids []int64, flag int) (int, error) {
	col, err := s.c()
	if err != nil {
		return 0, err
	}
	if flag < 0 || flag > 7 {
		return 0, fmt.Errorf("set flag: %d is not a flag (0–7)", flag)
	}
	cids, err := s.CardIDs(ctx, m, ids)
	if err != nil {
		return 0, err
	}
	if flag != 0 {
		same, err := s.idsIn(ctx, fmt.Sprintf("SELECT id FROM cards WHERE (flags & 7) = %d AND id IN (%%s)", flag), cids)
		if err != nil {
			return 0, err
		}
		if len(same) == len(cids) {
			flag = 0
		}
	}
	return flag, col.SetFlag(ctx, cids, flag)
}

// DeleteNotes deletes the notes of the selection (with all their cards); it returns how many.
func (s *Service) DeleteNotes(ctx context.Context, m Mode, ids []int64) (int, error) {
	col, err := s.c()
	if err != nil {
		return 0, err
	}
	nids, err := s.NoteIDs(ctx, m, ids)
	if err != nil {
		return 0, err
	}
	return len(nids), col.RemoveNotes(ctx, nids)
}
