package collection

import (
	"context"
	"fmt"

	"github.com/deckhand-app/deckhand/collection/search"
)

// Page is one page of search results.
type Page struct {
	IDs   []int64 // the ids of the page, in order
	Total int     // how many ids match in all
}

// FindCardsPage returns one page of the cards matching an Anki search in the given order
// (offset counts from 0) and the number of all matches, without reading every matching id:
// a browser shows its first rows sooner this way. SQLite keeps only offset+limit rows while
// sorting, and stops early when the order is the table's own. Between calls the collection
// may change, so pages of a changing collection can overlap or skip rows, as in Anki.
func (c *Collection) FindCardsPage(ctx context.Context, query string, order Order, offset, limit int) (Page, error) {
	return c.findPage(ctx, query, search.Cards, order, offset, limit)
}

// FindNotesPage is FindCardsPage for notes.
func (c *Collection) FindNotesPage(ctx context.Context, query string, order Order, offset, limit int) (Page, error) {
	return c.findPage(ctx, query, search.Notes, order, offset, limit)
}

func (c *Collection) findPage(ctx context.Context, query string, kind search.Kind, order Order, offset, limit int) (Page, error) {
	if offset < 0 || limit < 0 {
		return Page{}, fmt.Errorf("search %q: negative offset or limit", query)
	}
	sc := c.SearchContext()
	c.mu.RLock()
	defer c.mu.RUnlock()
	c.searchTexts(ctx, sc)
	ids, ok, err := c.findInMemory(ctx, query, kind, order, sc)
	if err != nil {
		return Page{}, err
	}
	if !ok && order.Column == SortSortField {
		ids, ok, err = c.findSorted(ctx, query, kind, order.Desc, sc)
		if err != nil {
			return Page{}, err
		}
	}
	if ok {
		p := Page{Total: len(ids)}
		if offset < len(ids) {
			p.IDs = ids[offset:min(len(ids), offset+limit)]
		}
		return p, nil
	}
	countSQL, countArgs, err := search.SQL(query, kind, Order{}, sc)
	if err != nil {
		return Page{}, err
	}
	pageSQL, args, err := search.SQL(query, kind, order, sc)
	if err != nil {
		return Page{}, err
	}
	// The arguments are numbered (?1, ?2 …) by the search package, so the page bounds get
	// numbers after them.
	n := len(args)
	pageSQL += fmt.Sprintf(" LIMIT ?%d OFFSET ?%d", n+1, n+2)
	args = append(args, limit, offset)
	var p Page
	if err := c.db.QueryRowContext(ctx, "SELECT count(*) FROM ("+countSQL+")", countArgs...).Scan(&p.Total); err != nil {
		return Page{}, fmt.Errorf("search %q: %w", query, wrapDB("count", err))
	}
	if p.IDs, err = queryIDs(ctx, c.db, pageSQL, args...); err != nil {
		return Page{}, fmt.Errorf("search %q: %w", query, err)
	}
	return p, nil
}
