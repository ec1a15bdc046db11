package sched

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/search"
)

// Memory states from review history, after rslib/src/scheduler/fsrs/memory_state.rs and
// params.rs (reviews_for_fsrs): which revlog rows count, where a history starts, and
// the SM-2 fallback for cards whose history is incomplete.

// revlogForCards reads the revlog rows matching where (over revlog), ordered by card and
// time, as Anki's revlog_for_srs.
func revlogForCards(ctx context.Context, q querier, where string, args ...any) ([]collection.RevlogEntry, error) {
	rows, err := q.QueryContext(ctx, "SELECT id, cid, ease, ivl, lastIvl, factor, type FROM revlog WHERE "+where+
		" ORDER BY cid, id", args...)
	if err != nil {
		return nil, fmt.Errorf("read review history: %w", err)
	}
	defer rows.Close()
	var out []collection.RevlogEntry
	for rows.Next() {
		var r collection.RevlogEntry
		if err := rows.Scan(&r.ID, &r.CardID, &r.Ease, &r.Interval, &r.LastInterval, &r.Factor, &r.Type); err != nil {
			return nil, fmt.Errorf("read review history: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read review history: %w", err)
	}
	return out, nil
}

// isCramming: a review in a filtered deck that does not reschedule (no ease recorded).
func isCramming(r collection.RevlogEntry) bool { return r.Type == RevlogFiltered && r.Factor == 0 }

// isReset: "Forget"/reset to new (a manual entry without ease; set due date has one).
func isReset(r collection.RevlogEntry) bool { return r.Type == RevlogManual && r.Factor == 0 }

// countsForFSRS: a graded review that affected scheduling (not manual, rescheduled or
// cramming).
func countsForFSRS(r collection.RevlogEntry) bool { return r.Ease > 0 && !isCramming(r) }

// fsrsHistory is what is left of one card's revlog for FSRS.
type fsrsHistory struct {
	reviews []fsrsReview
	// entries are the revlog rows the reviews came from.
	entries []collection.RevlogEntry
	// complete: the history starts with the card's (last) learning steps, so FSRS can
	// replay it from scratch; otherwise it starts from an SM-2 estimate.
	complete bool
}

// reviewsForFSRS picks the reviews of one card (its revlog rows in time order) that FSRS
// replays when computing a memory state (Anki's reviews_for_fsrs outside training):
//   - the history starts at the last run of learning steps; rows before a reset to new
//     are dropped, and a card not graded since its reset has no history;
//   - without learning steps it starts at the first graded, interday review after the
//     "ignore reviews before" cutoff (the history is then incomplete);
//   - learning steps before the cutoff make the history incomplete too, unless they are
//     the last row;
//   - manual, rescheduled and cramming rows are left out.
//
// Delta days are counted between the day boundaries before nextDayAt. It returns nil when
// nothing is left.
func reviewsForFSRS(entries []collection.RevlogEntry, nextDayAt, ignoreBeforeMs int64) *fsrsHistory {
	firstLearn, firstGrade := -1, -1
	complete := false
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if isCramming(e) {
			continue
		}
		graded := e.Ease > 0
		if graded && e.ID > ignoreBeforeMs && (e.Interval >= 1 || e.Interval <= -86400) {
			firstGrade = i
		}
		if graded && e.Type == RevlogLearn {
			firstLearn, complete = i, true
		} else if isReset(e) {
			if firstLearn >= 0 {
				complete = true
				break
			}
			if firstGrade >= 0 {
				complete = false
				break
			}
			return nil // not graded since it was reset
		} else if firstLearn >= 0 {
			// Older Ankis wrote no row when resetting a card: a review before the last
			// learning steps belongs to an earlier life of the card.
			break
		}
	}
	if firstLearn >= 0 && entries[firstLearn].ID < ignoreBeforeMs && firstLearn < len(entries)-1 {
		firstLearn, complete = -1, false
	}
	start := firstLearn
	if start < 0 {
		if firstGrade < 0 {
			return nil
		}
		start = firstGrade
	}
	h := &fsrsHistory{complete: complete}
	for _, e := range entries[start:] {
		if countsForFSRS(e) {
			h.entries = append(h.entries, e)
		}
	}
	if len(h.entries) == 0 {
		return nil
	}
	daysAgo := func(e collection.RevlogEntry) int { return int(max((nextDayAt-e.ID/1000)/86400, 0)) }
	for i, e := range h.entries {
		delta := 0
		if i > 0 {
			delta = daysAgo(h.entries[i-1]) - daysAgo(e)
		}
		h.reviews = append(h.reviews, fsrsReview{Rating: e.Ease, Delta: delta})
	}
	return h
}

// memoryItem is a history ready for FSRS: the reviews and, for an incomplete history,
// the state its first review is assumed to have left.
type memoryItem struct {
	reviews []fsrsReview
	start   *memory
}

// itemForMemoryState turns one card's revlog rows into the history FSRS replays (Anki's
// fsrs_item_for_memory_state); nil when there is none. An incomplete history starts from
// the SM-2 state of its first review (its interval and ease; an ease of 1.1 or less was
// written by FSRS and is a difficulty), and that review is dropped.
func (p *presetFSRS) itemForMemoryState(entries []collection.RevlogEntry, nextDayAt int64) (*memoryItem, error) {
	h := reviewsForFSRS(entries, nextDayAt, p.ignoreBeforeMs)
	if h == nil {
		return nil, nil
	}
	if h.complete {
		return &memoryItem{reviews: h.reviews}, nil
	}
	first := h.entries[0]
	factor := first.Factor
	if factor == 0 {
		factor = 2500
	}
	ease := float32(factor) / 1000
	start, err := p.engine.memoryStateFromSM2(ease, float32(max(first.Interval, 1)), p.historicalRetention)
	if err != nil {
		return nil, err
	}
	if ease <= 1.1 {
		start.D = (ease-0.1)*9 + 1
	}
	return &memoryItem{reviews: h.reviews[1:], start: &start}, nil
}

// cardMemoryState is the memory state of a card (Anki's set_memory_state): replayed from
// its history when it has one, else estimated from its SM-2 ease and interval, else none
// (a new card, or a card never given an interval).
func (p *presetFSRS) cardMemoryState(card *collection.Card, item *memoryItem) (*memory, error) {
	if item != nil {
		m, err := p.engine.memoryState(item.reviews, item.start)
		if err != nil {
			return nil, err
		}
		return &m, nil
	}
	if card.Type == collection.CardTypeNew || card.Interval <= 0 {
		return nil, nil
	}
	m, err := p.engine.memoryStateFromSM2(float32(card.Factor)/1000, float32(card.Interval), p.historicalRetention)
	if err != nil {
		return nil, err
	}
	return &m, nil
}

// MemoryStateRequest selects the cards whose FSRS memory states ComputeMemoryStates
// recomputes. Both limits apply together; the zero value means every card.
type MemoryStateRequest struct {
	// Search is an Anki search ("" for all cards).
	Search string
	// DeckID limits the update to cards whose home deck is this deck or one of its
	// subdecks (0 for all decks).
	DeckID int64
	// Progress, when set, is called after each card with the number done and the total.
	Progress func(done, total int)
}

// MemoryStateResult counts what ComputeMemoryStates did.
type MemoryStateResult struct {
	// Cards is the number of cards looked at: those selected that are not new and have
	// a review history (Anki leaves the others alone).
	Cards int `json:"cards"`
	// FromHistory cards got a state replayed from their learning steps on.
	FromHistory int `json:"fromHistory"`
	// FromSM2 cards had an incomplete history, replayed from an SM-2 estimate.
	FromSM2 int `json:"fromSm2"`
	// NoState cards have no usable history; their memory state was removed, and it is
	// estimated from their SM-2 state when they are next answered.
	NoState int `json:"noState"`
	// Cleared cards had their FSRS data removed because FSRS is off.
	Cleared int `json:"cleared"`
	// Written is the number of card rows that changed.
	Written int `json:"written"`
}

// ComputeMemoryStates recomputes the FSRS memory state (cards.data s and d) of the
// selected cards from their review histories with the parameters of each card's preset,
// and records the desired retention (the home deck's own or the preset's) and decay, in
// one transaction — what Anki does when FSRS is turned on or a preset's parameters or
// desired retention change (update_memory_state). Cards without a review history are left
// as they are. With FSRS off it removes the FSRS data instead, as Anki does when FSRS is
// turned off. It does not reschedule cards.
func (s *Scheduler) ComputeMemoryStates(ctx context.Context, req MemoryStateRequest) (MemoryStateResult, error) {
	var res MemoryStateResult
	s.mu.Lock()
	defer s.mu.Unlock()
	tm := s.timing()
	err := s.col.Transact(ctx, func(tx *collection.Tx) error {
		res = MemoryStateResult{}
		var fsrsOn bool
		if raw, ok := tx.Config()["fsrs"]; ok {
			var v collection.FlexBool
			if json.Unmarshal(raw, &v) == nil {
				fsrsOn = bool(v)
			}
		}
		ds := newDeckSet(tx.Decks(), tx.DeckConfigs())
		var inScope map[int64]bool
		if req.DeckID != 0 {
			d := ds.byID[req.DeckID]
			if d == nil {
				return fmt.Errorf("deck %d: %w", req.DeckID, collection.ErrNotFound)
			}
			inScope = map[int64]bool{}
			for _, x := range ds.withChildren(d) {
				inScope[x.ID] = true
			}
		}
		where := "cid IN (SELECT id FROM cards WHERE type != 0)"
		var args []any
		if req.Search != "" {
			inner, a, err := search.SQL(req.Search, search.Cards, search.Order{}, searchContext(tx, tm))
			if err != nil {
				return fmt.Errorf("search %q: %w", req.Search, err)
			}
			where = "cid IN (SELECT id FROM cards WHERE type != 0 AND id IN (" + inner + "))"
			args = a
		}
		revs, err := revlogForCards(ctx, tx.Q(), where, args...)
		if err != nil {
			return err
		}
		groups := groupByCard(revs)
		presets := map[int64]*presetFSRS{}
		for i, g := range groups {
			if i%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			card, err := tx.GetCard(g[0].CardID)
			if err != nil {
				if errors.Is(err, collection.ErrNotFound) {
					continue // history of a deleted card
				}
				return err
			}
			homeID := card.DeckID
			if card.OriginalDeckID != 0 {
				homeID = card.OriginalDeckID
			}
			home := ds.byID[homeID]
			if home == nil || home.Filtered() || (inScope != nil && !inScope[homeID]) {
				continue
			}
			res.Cards++
			data := parseCardData(card.Data)
			if !fsrsOn {
				data.S, data.D, data.DR, data.Decay = nil, nil, nil, nil
				res.Cleared++
			} else {
				cfg := ds.config(home)
				confID := int64(home.Conf)
				p := presets[confID]
				if p == nil {
					if p, err = newPresetFSRS(cfg); err != nil {
						return fmt.Errorf("preset of deck %q: %w", home.Name, err)
					}
					presets[confID] = p
				}
				item, err := p.itemForMemoryState(g, tm.nextDayAt)
				if err != nil {
					return fmt.Errorf("card %d: %w", card.ID, err)
				}
				var mem *memory
				switch {
				case item == nil:
					res.NoState++ // Anki leaves these to the next answer
				case item.start == nil:
					res.FromHistory++
				default:
					res.FromSM2++
				}
				if item != nil {
					if mem, err = p.cardMemoryState(card, item); err != nil {
						return fmt.Errorf("card %d: %w", card.ID, err)
					}
				}
				data.setMemory(mem)
				dr, decay := desiredRetention(home, cfg), p.decay
				data.DR, data.Decay = &dr, &decay
			}
			if str := data.String(); str != card.Data {
				card.Data = str
				card.Mod, card.USN = tm.now.Unix(), -1
				if err := tx.PutCard(card); err != nil {
					return err
				}
				res.Written++
			}
			if req.Progress != nil {
				req.Progress(i+1, len(groups))
			}
		}
		return nil
	})
	if err != nil {
		return MemoryStateResult{}, fmt.Errorf("compute memory states: %w", err)
	}
	s.q = nil
	return res, nil
}

// groupByCard splits revlog rows sorted by card into one slice per card.
func groupByCard(revs []collection.RevlogEntry) [][]collection.RevlogEntry {
	var out [][]collection.RevlogEntry
	for i := 0; i < len(revs); {
		j := i + 1
		for j < len(revs) && revs[j].CardID == revs[i].CardID {
			j++
		}
		out = append(out, revs[i:j])
		i = j
	}
	return out
}
