package collection

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"

	"github.com/deckhand-app/deckhand/collection/search"
)

// SortColumn re-exports the browser sort columns of the search package.
type SortColumn = search.Column

// Sort columns for FindCards and FindNotes.
const (
	SortNone         = search.ColumnNone
	SortSortField    = search.ColumnSortField
	SortCreated      = search.ColumnCreated
	SortNoteModified = search.ColumnNoteModified
	SortCardModified = search.ColumnCardModified
	SortDue          = search.ColumnDue
	SortInterval     = search.ColumnInterval
	SortEase         = search.ColumnEase
	SortReviews      = search.ColumnReviews
	SortLapses       = search.ColumnLapses
	SortDeck         = search.ColumnDeck
	SortNotetype     = search.ColumnNotetype
	SortTemplate     = search.ColumnTemplate
	SortTags         = search.ColumnTags
)

// Order says how search results are sorted.
type Order = search.Order

// SearchContext is what the search needs to know about decks, note types and today.
func (c *Collection) SearchContext() *search.Context {
	tm := c.Timing()
	c.mu.RLock()
	defer c.mu.RUnlock()
	sc := &search.Context{
		CurrentDeckID:  c.confInt("curDeck", DefaultDeckID),
		Today:          tm.Today,
		NextDayAt:      tm.NextDayAt.Unix(),
		Now:            tm.Now.Unix(),
		LearnAheadSecs: c.confInt("collapseTime", 1200),
	}
	var ignore bool
	if ok, _ := configGet(c.conf, "ignoreAccentsInSearch", &ignore); ok {
		sc.IgnoreAccents = ignore
	}
	for _, id := range sortedKeys(c.decks) {
		d := c.decks[id]
		sc.Decks = append(sc.Decks, search.Deck{ID: d.ID, Name: d.Name, Filtered: d.Filtered(), ConfigID: int64(d.Conf)})
	}
	for _, id := range sortedKeys(c.notetypes) {
		nt := c.notetypes[id]
		snt := search.Notetype{ID: nt.ID, Name: nt.Name, Cloze: nt.IsCloze(), SortField: nt.SortField}
		for i, f := range nt.Fields {
			snt.Fields = append(snt.Fields, search.Field{Name: f.Name, Ord: i, ExcludeFromSearch: f.ExcludeFromSearch})
		}
		for _, t := range nt.Templates {
			snt.Templates = append(snt.Templates, t.Name)
		}
		sc.Notetypes = append(sc.Notetypes, snt)
	}
	for _, id := range sortedKeys(c.dconf) {
		sc.DeckConfigs = append(sc.DeckConfigs, search.DeckConfig{ID: id, Name: c.dconf[id].Name})
	}
	return sc
}

// FindCards returns the ids of the cards matching an Anki search, sorted by order. A malformed
// query returns a *search.Error that says where and why.
func (c *Collection) FindCards(ctx context.Context, query string, order Order) ([]int64, error) {
	return c.find(ctx, query, search.Cards, order)
}

// FindNotes returns the ids of the notes matching an Anki search.
func (c *Collection) FindNotes(ctx context.Context, query string, order Order) ([]int64, error) {
	return c.find(ctx, query, search.Notes, order)
}

func (c *Collection) find(ctx context.Context, query string, kind search.Kind, order Order) ([]int64, error) {
	sc := c.SearchContext()
	c.mu.RLock()
	defer c.mu.RUnlock()
	c.searchTexts(ctx, sc)
	if ids, ok, err := c.findInMemory(ctx, query, kind, order, sc); ok || err != nil {
		return ids, err
	}
	if order.Column == SortSortField {
		if ids, ok, err := c.findSorted(ctx, query, kind, order.Desc, sc); ok || err != nil {
			return ids, err
		}
	}
	sqlText, args, err := search.SQL(query, kind, order, sc)
	if err != nil {
		return nil, err
	}
	var ids []int64
	if order.Column == SortNone {
		ids, err = queryIDList(ctx, c.db, sqlText, args...)
	} else {
		ids, err = queryIDs(ctx, c.db, sqlText, args...)
	}
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", query, err)
	}
	return ids, nil
}

// queryIDList is queryIDs for results in no particular order: SQLite joins the ids into
// one string, which the driver hands over far faster than one row per id (192k ids: 80 →
// ~45 ms). group_concat's order is not defined, so ordered results cannot use it.
func queryIDList(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT group_concat(x.id, ' ') FROM ("+query+") x", args...)
	if err != nil {
		return nil, wrapDB("query ids", err)
	}
	defer rows.Close()
	var ids []int64
	if rows.Next() {
		var list sql.RawBytes
		if err := rows.Scan(&list); err != nil {
			return nil, wrapDB("query ids", err)
		}
		if ids, err = parseIDList(list); err != nil {
			return nil, err
		}
	}
	return ids, wrapDB("query ids", rows.Err())
}

// parseIDList reads decimal ids separated by single spaces.
func parseIDList(b []byte) ([]int64, error) {
	if len(b) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, bytes.Count(b, []byte{' '})+1)
	err := scanInts(b, func(v int64) { ids = append(ids, v) })
	if err != nil {
		return nil, fmt.Errorf("query ids: %w", err)
	}
	return ids, nil
}

// scanInts calls fn with each decimal integer of b, which are separated by single spaces.
func scanInts(b []byte, fn func(int64)) error {
	for i := 0; i <= len(b); i++ {
		neg := i < len(b) && b[i] == '-'
		if neg {
			i++
		}
		start := i
		var v int64
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			v = v*10 + int64(b[i]-'0')
			i++
		}
		if i == start || (i < len(b) && b[i] != ' ') {
			return fmt.Errorf("unexpected id list at byte %d", i)
		}
		if neg {
			v = -v
		}
		fn(v)
	}
	return nil
}
