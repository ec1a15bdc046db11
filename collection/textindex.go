package collection

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"sync"

	"github.com/deckhand-app/deckhand/collection/search"
)

// textIndex keeps the notes' text in memory for searches (search.TextIndex). It is built
// on the first search that needs it and thrown away by any committed change (the change
// counter), so a search never sees stale text; the next search builds it again.
type textIndex struct {
	mu  sync.Mutex
	idx *search.TextIndex
	at  uint64 // c.Changes() when built
}

// minIndexedNotes: below this a table scan is quick and the memory is not worth it.
var minIndexedNotes = 2000

// texts returns the current index, building it if needed. The caller holds c.mu for
// reading, so no transaction commits while the notes are read.
func (c *Collection) texts(ctx context.Context) (*search.TextIndex, error) {
	t := &c.textIdx
	t.mu.Lock()
	defer t.mu.Unlock()
	at := c.Changes()
	if t.idx != nil && t.at == at {
		return t.idx, nil
	}
	t.idx = nil
	var n int
	if err := c.db.QueryRowContext(ctx, "SELECT count(*) FROM notes").Scan(&n); err != nil {
		return nil, fmt.Errorf("index note text: %w", err)
	}
	if n < minIndexedNotes {
		return nil, nil
	}
	// cast: LIKE sees an integer or real sort field as its text form; the type and the
	// number order the notes as "order by sfld" does
	rows, err := c.db.QueryContext(ctx, `SELECT id, mid, cast(sfld AS text), flds, tags, typeof(sfld),
		CASE WHEN typeof(sfld) IN ('integer', 'real') THEN sfld ELSE 0 END FROM notes ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("index note text: %w", err)
	}
	defer rows.Close()
	b := search.NewTextIndexBuilder(n)
	var (
		id, mid                int64
		sfld, flds, tags, kind sql.RawBytes
		num                    float64
	)
	for rows.Next() {
		if err := rows.Scan(&id, &mid, &sfld, &flds, &tags, &kind, &num); err != nil {
			return nil, fmt.Errorf("index note text: %w", err)
		}
		typ := search.SortText
		switch string(kind) {
		case "null":
			typ = search.SortNull
		case "integer", "real":
			typ = search.SortNumber
		case "blob":
			typ = search.SortBlob
		}
		b.Add(id, mid, sfld, flds, tags, typ, num)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index note text: %w", err)
	}
	t.idx, t.at = b.Build(), at
	return t.idx, nil
}

// searchTexts plugs the index into a search context; a failure to build it only costs
// speed (the search runs in SQL), so it is logged, not returned.
func (c *Collection) searchTexts(ctx context.Context, sc *search.Context) {
	sc.Texts = func() *search.TextIndex {
		idx, err := c.texts(ctx)
		if err != nil {
			slog.Warn("search without the text index", "err", err)
			return nil
		}
		return idx
	}
}

// findSorted answers a search ordered by sort field by sorting in Go with the index's ranks:
// SQLite sorting 200k cards by "sfld collate nocase" takes ~300 ms, the ranks ~20 ms.
// ok is false when the index is not available (small collection) and SQL should sort.
// The caller holds c.mu for reading.
func (c *Collection) findSorted(ctx context.Context, query string, kind search.Kind, desc bool, sc *search.Context) ([]int64, bool, error) {
	idx, err := c.texts(ctx)
	if err != nil || idx == nil {
		return nil, false, nil
	}
	q, args, err := search.SQLWithNotes(query, kind, sc)
	if err != nil {
		return nil, true, err
	}
	rows, err := c.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, true, fmt.Errorf("search %q: %w", query, err)
	}
	defer rows.Close()
	var (
		ids, nids []int64
		ords      []int
		id, nid   int64
		ord       int
	)
	for rows.Next() {
		if err := rows.Scan(&id, &nid, &ord); err != nil {
			return nil, true, fmt.Errorf("search %q: %w", query, err)
		}
		ids, nids, ords = append(ids, id), append(nids, nid), append(ords, ord)
	}
	if err := rows.Err(); err != nil {
		return nil, true, fmt.Errorf("search %q: %w", query, err)
	}
	if !idx.SortBySortField(ids, nids, ords, desc) {
		return nil, false, nil
	}
	return ids, true, nil
}
