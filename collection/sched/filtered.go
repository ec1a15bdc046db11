package sched

import (
	"context"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/search"
)

// Anki's SQL has fnvhash(); filtered decks order their ties with it. Registration is global
// to the driver, so the name carries this package's prefix.
const fnFNV = "dhsched_fnvhash"

func init() {
	err := sqlite.RegisterDeterministicScalarFunction(fnFNV, -1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		vals := make([]int64, len(args))
		for i, a := range args {
			switch x := a.(type) {
			case int64:
				vals[i] = x
			case float64:
				vals[i] = int64(x)
			}
		}
		return int64(fnvHash(vals...)), nil
	})
	if err != nil {
		panic(fmt.Sprintf("register %s: %v", fnFNV, err))
	}
}

// Filtered search orders (FilteredSearchOrder in Anki's decks.proto).
const (
	OrderOldestReviewedFirst = 0
	OrderRandom              = 1
	OrderIntervalsAscending  = 2
	OrderIntervalsDescending = 3
	OrderLapses              = 4
	OrderAdded               = 5
	OrderDue                 = 6
	OrderReverseAdded        = 7
)

// FilteredTerm is one search of a filtered deck.
type FilteredTerm struct {
	Search string
	Limit  int
	Order  int
}

// FilteredDeck describes a filtered deck. Anki uses at most two terms.
type FilteredDeck struct {
	Name    string
	Terms   []FilteredTerm
	Resched bool // answers reschedule the cards; false previews them
	// Preview delays in seconds for Again, Hard and Good when Resched is false (0 = the
	// card leaves the deck).
	PreviewAgainSecs, PreviewHardSecs, PreviewGoodSecs int
}

// ErrNoCardsMatched is returned when a filtered deck's searches find nothing.
var ErrNoCardsMatched = errors.New("no cards matched the filtered deck's searches")

// CreateFiltered adds a filtered deck and fills it. When nothing matches, nothing is added
// and ErrNoCardsMatched is returned, as in Anki.
func (s *Scheduler) CreateFiltered(ctx context.Context, fd FilteredDeck) (int64, int, error) {
	if len(fd.Terms) == 0 {
		return 0, 0, errors.New("create filtered deck: no search terms")
	}
	name := collection.NormalizeDeckName(fd.Name)
	tm := s.timing()
	var did int64
	var n int
	err := s.col.TransactUndoable(ctx, "Build Filtered Deck", func(tx *collection.Tx) error {
		if _, exists := tx.DeckByName(name); exists {
			return fmt.Errorf("a deck named %q exists", name)
		}
		did = tm.now.UnixMilli()
		for {
			if _, taken := tx.Deck(did); !taken {
				break
			}
			did++
		}
		terms := make([][]any, 0, 2)
		for _, t := range fd.Terms[:min(len(fd.Terms), 2)] {
			terms = append(terms, []any{t.Search, t.Limit, t.Order})
		}
		other := map[string]any{"terms": terms, "resched": fd.Resched, "separate": true, "delays": nil,
			"previewDelay": 0, "previewAgainSecs": fd.PreviewAgainSecs, "previewHardSecs": fd.PreviewHardSecs,
			"previewGoodSecs": fd.PreviewGoodSecs}
		d := collection.Deck{ID: did, Name: name, Mod: tm.now.Unix(), USN: -1, Dyn: true,
			Other: map[string]json.RawMessage{}}
		for k, v := range other {
			b, err := json.Marshal(v)
			if err != nil {
				return err
			}
			d.Other[k] = b
		}
		if err := tx.PutDeck(d); err != nil {
			return err
		}
		var err error
		if n, err = s.rebuild(ctx, tx, did, tm); err != nil {
			return err
		}
		if n == 0 {
			return ErrNoCardsMatched
		}
		return tx.SetConfig("curDeck", did)
	})
	if err != nil {
		return 0, 0, fmt.Errorf("create filtered deck %q: %w", name, err)
	}
	s.Rebuild()
	return did, n, nil
}

// RebuildFiltered empties a filtered deck and fills it again from its searches; it returns
// the number of cards moved in.
func (s *Scheduler) RebuildFiltered(ctx context.Context, did int64) (int, error) {
	tm := s.timing()
	var n int
	err := s.col.TransactUndoable(ctx, "Rebuild Filtered Deck", func(tx *collection.Tx) error {
		var err error
		n, err = s.rebuild(ctx, tx, did, tm)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("rebuild filtered deck: %w", err)
	}
	s.Rebuild()
	return n, nil
}

// EmptyFiltered returns a filtered deck's cards to their home decks.
func (s *Scheduler) EmptyFiltered(ctx context.Context, did int64) error {
	tm := s.timing()
	err := s.col.TransactUndoable(ctx, "Empty", func(tx *collection.Tx) error {
		d, ok := tx.Deck(did)
		if !ok {
			return fmt.Errorf("deck %d: %w", did, collection.ErrNotFound)
		}
		if !d.Filtered() {
			return fmt.Errorf("%q is not a filtered deck", d.Name)
		}
		return emptyFiltered(ctx, tx, did, tm)
	})
	if err != nil {
		return fmt.Errorf("empty filtered deck: %w", err)
	}
	s.Rebuild()
	return nil
}

func emptyFiltered(ctx context.Context, tx *collection.Tx, did int64, tm timing) error {
	ids, err := queryIDs(ctx, tx, "SELECT id FROM cards WHERE did=?", did)
	if err != nil {
		return err
	}
	for _, id := range ids {
		c, err := tx.GetCard(id)
		if err != nil {
			return err
		}
		returnHome(c)
		c.Mod, c.USN = tm.now.Unix(), -1
		if err := tx.PutCard(c); err != nil {
			return err
		}
	}
	return nil
}

func queryIDs(ctx context.Context, tx *collection.Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.Q().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query cards: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("query cards: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func (s *Scheduler) rebuild(ctx context.Context, tx *collection.Tx, did int64, tm timing) (int, error) {
	d, ok := tx.Deck(did)
	if !ok {
		return 0, fmt.Errorf("deck %d: %w", did, collection.ErrNotFound)
	}
	if !d.Filtered() {
		return 0, fmt.Errorf("%q is not a filtered deck", d.Name)
	}
	if err := emptyFiltered(ctx, tx, did, tm); err != nil {
		return 0, err
	}
	var raw [][]json.RawMessage
	if r, ok := d.Other["terms"]; ok {
		if err := json.Unmarshal(r, &raw); err != nil {
			return 0, fmt.Errorf("filtered deck %q: malformed terms: %w", d.Name, err)
		}
	}
	resched := filteredOptions(&d).resched
	sctx := searchContext(tx, tm)
	start := -100_000
	pos := start
	for i, t := range raw {
		if i == 2 {
			break
		}
		var term FilteredTerm
		if len(t) != 3 || json.Unmarshal(t[0], &term.Search) != nil || json.Unmarshal(t[1], &term.Limit) != nil ||
			json.Unmarshal(t[2], &term.Order) != nil {
			return 0, fmt.Errorf("filtered deck %q: malformed search term %d", d.Name, i+1)
		}
		q := "-is:suspended -is:buried -deck:filtered"
		if strings.TrimSpace(term.Search) != "" {
			q = "(" + term.Search + ") " + q
		}
		inner, args, err := search.SQL(q, search.Cards, search.Order{}, sctx)
		if err != nil {
			return 0, fmt.Errorf("filtered deck %q: search %q: %w", d.Name, term.Search, err)
		}
		ids, err := queryIDs(ctx, tx, "SELECT c.id FROM cards c JOIN notes n ON n.id = c.nid WHERE c.id IN ("+
			inner+") ORDER BY "+filteredOrder(term.Order, tm)+", "+fnFNV+"(c.id, c.mod) LIMIT ?", append(args, max(term.Limit, 0))...)
		if err != nil {
			return 0, err
		}
		for _, id := range ids {
			c, err := tx.GetCard(id)
			if err != nil {
				return 0, err
			}
			if c.OriginalDue != 0 || c.OriginalDeckID != 0 {
				continue // already filtered (Anki logs and skips)
			}
			c.OriginalDeckID, c.DeckID = c.DeckID, did
			c.OriginalDue = c.Due
			if !resched {
				c.Queue = collection.QueueReview
			}
			if c.Due > 0 {
				c.Due = int64(pos)
			}
			c.Mod, c.USN = tm.now.Unix(), -1
			if err := tx.PutCard(c); err != nil {
				return 0, err
			}
			pos++
		}
	}
	return pos - start, nil
}

// filteredOrder is order_and_limit_for_search's ORDER BY.
func filteredOrder(order int, tm timing) string {
	switch order {
	case OrderOldestReviewedFirst:
		return "(SELECT max(id) FROM revlog WHERE cid = c.id)"
	case OrderRandom:
		return "random()"
	case OrderIntervalsAscending:
		return "c.ivl"
	case OrderIntervalsDescending:
		return "c.ivl DESC"
	case OrderLapses:
		return "c.lapses DESC"
	case OrderAdded:
		return "n.id, c.ord"
	case OrderReverseAdded:
		return "n.id DESC, c.ord ASC"
	}
	return fmt.Sprintf("(CASE WHEN c.due > 1000000000 THEN c.due ELSE (c.due - %d) * 86400 + %d END), c.ord",
		tm.today, tm.now.Unix())
}

func searchContext(tx *collection.Tx, tm timing) *search.Context {
	sc := &search.Context{Today: tm.today, NextDayAt: tm.nextDayAt, Now: tm.now.Unix(), LearnAheadSecs: 1200}
	for _, d := range tx.Decks() {
		sc.Decks = append(sc.Decks, search.Deck{ID: d.ID, Name: d.Name, Filtered: d.Filtered(), ConfigID: int64(d.Conf)})
	}
	for _, c := range tx.DeckConfigs() {
		sc.DeckConfigs = append(sc.DeckConfigs, search.DeckConfig{ID: c.ID, Name: c.Name})
	}
	for _, nt := range tx.Notetypes() {
		snt := search.Notetype{ID: nt.ID, Name: nt.Name, Cloze: nt.IsCloze(), SortField: nt.SortField}
		for i, f := range nt.Fields {
			snt.Fields = append(snt.Fields, search.Field{Name: f.Name, Ord: i})
		}
		for _, t := range nt.Templates {
			snt.Templates = append(snt.Templates, t.Name)
		}
		sc.Notetypes = append(sc.Notetypes, snt)
	}
	if cur, ok := tx.Config()["curDeck"]; ok {
		var v collection.FlexInt
		if json.Unmarshal(cur, &v) == nil {
			sc.CurrentDeckID = int64(v)
		}
	}
	return sc
}
