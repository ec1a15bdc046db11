package collection

import (
	"bytes"
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/deckhand-app/deckhand/collection/search"
)

// textIndex keeps the notes' text in memory for searches (search.TextIndex). It is built
// on the first search that needs it. Temporary triggers note the id of every note a
// transaction inserts, changes or deletes; when the change counter has moved, the next
// search re-reads only those notes (a full rebuild when many changed), so a search never
// sees stale text and an edit costs a few milliseconds, not a rebuild.
type textIndex struct {
	mu      sync.Mutex
	idx     *search.TextIndex
	at      uint64 // c.Changes() when idx was last brought up to date
	seenSeq int64  // dh_text_dirty rows up to this seq are in idx
}

// minIndexedNotes: below this a table scan is quick and the memory is not worth it.
var minIndexedNotes = 2000

// useTextIndex lets tests compare the index with plain SQL without dropping the index.
var useTextIndex = true

// The triggers run inside the writing transaction, so a rolled-back change leaves no row.
const textDirtySQL = `
CREATE TEMP TABLE IF NOT EXISTS dh_text_dirty (seq INTEGER PRIMARY KEY, id INTEGER NOT NULL);
CREATE TEMP TRIGGER IF NOT EXISTS dh_text_ins AFTER INSERT ON main.notes
	BEGIN INSERT INTO dh_text_dirty (id) VALUES (new.id); END;
CREATE TEMP TRIGGER IF NOT EXISTS dh_text_upd AFTER UPDATE ON main.notes
	BEGIN INSERT INTO dh_text_dirty (id) VALUES (old.id); INSERT INTO dh_text_dirty (id) VALUES (new.id); END;
CREATE TEMP TRIGGER IF NOT EXISTS dh_text_del AFTER DELETE ON main.notes
	BEGIN INSERT INTO dh_text_dirty (id) VALUES (old.id); END;
CREATE TEMP TRIGGER IF NOT EXISTS dh_card_ins AFTER INSERT ON main.cards
	BEGIN INSERT INTO dh_text_dirty (id) VALUES (new.nid); END;
CREATE TEMP TRIGGER IF NOT EXISTS dh_card_upd AFTER UPDATE OF id, nid, ord, did, odid, due, queue, type, flags ON main.cards
	BEGIN INSERT INTO dh_text_dirty (id) VALUES (old.nid); INSERT INTO dh_text_dirty (id) VALUES (new.nid); END;
CREATE TEMP TRIGGER IF NOT EXISTS dh_card_del AFTER DELETE ON main.cards
	BEGIN INSERT INTO dh_text_dirty (id) VALUES (old.nid); END;
DELETE FROM dh_text_dirty;`

// dirtyTriggers are the triggers of textDirtySQL; a card's row notes its note's id.
var dirtyTriggers = "'dh_text_ins', 'dh_text_upd', 'dh_text_del', 'dh_card_ins', 'dh_card_upd', 'dh_card_del'"

// indexCardColumns are the card columns the index keeps, as integers, then 1 when every one of
// them is stored as an integer (SQL compares other values by rules of its own). A NULL
// (a foreign schema without NOT NULL) must not make the row's text NULL: group_concat
// would skip the card silently; it reads as 0 and marks the card odd.
const indexCardColumns = `ifnull(cast(nid AS integer), 0) || ' ' || id || ' ' || ifnull(cast(ord AS integer), 0) || ' ' ||
	ifnull(cast(did AS integer), 0) || ' ' || ifnull(cast(odid AS integer), 0) || ' ' ||
	ifnull(cast(due AS integer), 0) || ' ' || ifnull(cast(queue AS integer), 0) || ' ' ||
	ifnull(cast(type AS integer), 0) || ' ' || ifnull(cast(flags AS integer), 0) || ' ' ||
	(typeof(nid) = 'integer' AND typeof(ord) = 'integer' AND typeof(did) = 'integer' AND
	typeof(odid) = 'integer' AND typeof(due) = 'integer' AND typeof(queue) = 'integer' AND
	typeof(type) = 'integer' AND typeof(flags) = 'integer')`

const nCardColumns = 10

// readCards reads the searched columns of the cards in from (the cards table, or a subset
// "(SELECT * FROM cards WHERE …)") as one string: 200k rows as rows cost twice as much.
func readCards(ctx context.Context, db *sql.DB, from string, args ...any) ([]search.CardRow, error) {
	var list sql.RawBytes
	rows, err := db.QueryContext(ctx, "SELECT group_concat("+indexCardColumns+", ' ') FROM "+from, args...)
	if err != nil {
		return nil, fmt.Errorf("index cards: %w", err)
	}
	defer rows.Close()
	var out []search.CardRow
	if rows.Next() {
		if err := rows.Scan(&list); err != nil {
			return nil, fmt.Errorf("index cards: %w", err)
		}
		if len(list) == 0 {
			return nil, rows.Err()
		}
		out = make([]search.CardRow, 0, bytes.Count(list, []byte{' '})/nCardColumns+1)
		var v [nCardColumns]int64
		k := 0
		err := scanInts(list, func(n int64) {
			v[k] = n
			if k++; k < nCardColumns {
				return
			}
			k = 0
			c := search.CardRow{NID: v[0], CardRef: search.CardRef{ID: v[1], Ord: int32(v[2]), Did: v[3], Odid: v[4],
				Due: v[5], Queue: int8(v[6]), Type: int8(v[7]), Flags: int32(v[8])}}
			c.Odd = v[9] != 1 || int64(c.Ord) != v[2] || int64(c.Queue) != v[6] || int64(c.Type) != v[7] || int64(c.Flags) != v[8]
			out = append(out, c)
		})
		if err == nil && k != 0 {
			err = errors.New("list ends mid-row")
		}
		if err != nil {
			return nil, fmt.Errorf("index cards: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("index cards: %w", err)
	}
	return out, nil
}

const textRowsSQL = `SELECT id, mid, cast(sfld AS text), flds, tags, typeof(sfld),
	CASE WHEN typeof(sfld) IN ('integer', 'real') THEN sfld ELSE 0 END FROM notes`

// texts returns the current index, building or patching it if needed; nil when the
// collection is too small to need one. The caller holds c.mu for reading, so no
// transaction commits meanwhile.
func (c *Collection) texts(ctx context.Context) (*search.TextIndex, error) {
	t := &c.textIdx
	t.mu.Lock()
	defer t.mu.Unlock()
	at := c.Changes()
	if t.idx != nil && t.idx.Len() < minIndexedNotes {
		t.idx = nil // the collection shrank (or a test raised the bar)
	}
	if t.idx != nil && t.at == at {
		return t.idx, nil
	}
	if t.idx != nil {
		idx, seq, ok, err := c.patchTexts(ctx, t.idx, t.seenSeq)
		if err != nil {
			return nil, err
		}
		if ok {
			t.idx, t.at, t.seenSeq = idx, at, seq
			return idx, nil
		}
	}
	t.idx = nil
	var n, size int
	if err := c.db.QueryRowContext(ctx, "SELECT count(*), coalesce(sum(length(flds)), 0) FROM notes").Scan(&n, &size); err != nil {
		return nil, fmt.Errorf("index note text: %w", err)
	}
	if n < minIndexedNotes {
		return nil, nil
	}
	// the triggers first: from here on every change is noted
	if _, err := c.db.ExecContext(ctx, textDirtySQL); err != nil {
		return nil, fmt.Errorf("index note text: %w", err)
	}
	b := search.NewTextIndexBuilder(n, size+n)
	if err := readTexts(ctx, c.db, textRowsSQL+" ORDER BY id", nil, func(id, mid int64, sfld, flds, tags []byte, typ byte, num float64) {
		b.Add(id, mid, sfld, flds, tags, typ, num)
	}); err != nil {
		return nil, err
	}
	cards, err := readCards(ctx, c.db, "cards")
	if err != nil {
		return nil, err
	}
	b.SetCards(cards)
	t.idx, t.at, t.seenSeq = b.Build(), at, 0
	return t.idx, nil
}

// textsIfReady is texts when the index has been built (it is patched if needed), and nil
// when it has not or is being built right now.
func (c *Collection) textsIfReady(ctx context.Context) (*search.TextIndex, error) {
	t := &c.textIdx
	if !t.mu.TryLock() {
		return nil, nil
	}
	built := t.idx != nil
	t.mu.Unlock()
	if !built {
		return nil, nil
	}
	return c.texts(ctx)
}

// WarmSearch builds the in-memory text index now (with its sort orders), so that neither
// the first text search waits for it nor sorted searches go without it. The GUI calls it
// in the background after opening a collection; it is a no-op for small collections.
func (c *Collection) WarmSearch(ctx context.Context) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.db == nil || !useTextIndex {
		return nil
	}
	idx, err := c.texts(ctx)
	if idx != nil {
		idx.Prepare()
	}
	return err
}

// patchTexts brings idx up to date with the notes changed since seq. ok is false when a
// full rebuild is better (many changes) or needed (the triggers are gone: a new connection).
func (c *Collection) patchTexts(ctx context.Context, idx *search.TextIndex, seq int64) (*search.TextIndex, int64, bool, error) {
	var triggers int
	var maxSeq int64
	if err := c.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM temp.sqlite_master WHERE type = 'trigger'
		AND name IN (`+dirtyTriggers+`)), coalesce((SELECT max(seq) FROM temp.dh_text_dirty), 0)`).Scan(&triggers, &maxSeq); err != nil {
		return nil, 0, false, nil // no table: rebuild
	}
	if triggers != 6 || maxSeq < seq {
		return nil, 0, false, nil
	}
	changed, err := queryIDs(ctx, c.db, "SELECT DISTINCT id FROM temp.dh_text_dirty WHERE seq > ? ORDER BY id", seq)
	if err != nil {
		return nil, 0, false, fmt.Errorf("index note text: %w", err)
	}
	if len(changed) > idx.Len()/10 {
		return nil, 0, false, nil
	}
	var fresh []search.NoteText // the changed notes that still exist, by id
	var cards []search.CardRow  // their cards now (and those of notes that are gone)
	if len(changed) > 0 {
		ids, _ := json.Marshal(changed)
		if cards, err = readCards(ctx, c.db, "(SELECT * FROM cards WHERE nid IN (SELECT value FROM json_each(?)))", string(ids)); err != nil {
			return nil, 0, false, err
		}
		slices.SortFunc(cards, func(a, b search.CardRow) int {
			if a.NID != b.NID {
				return cmp.Compare(a.NID, b.NID)
			}
			return cmp.Compare(a.ID, b.ID)
		})
		err := readTexts(ctx, c.db, textRowsSQL+" WHERE id IN (SELECT value FROM json_each(?)) ORDER BY id", []any{string(ids)},
			func(id, mid int64, sfld, flds, tags []byte, typ byte, num float64) {
				fresh = append(fresh, search.NoteText{ID: id, Mid: mid, Sfld: bytes.Clone(sfld), Flds: bytes.Clone(flds),
					Tags: bytes.Clone(tags), Type: typ, Num: num})
			})
		if err != nil {
			return nil, 0, false, err
		}
	}
	return idx.Patch(changed, fresh, cards), maxSeq, true, nil
}

// readTexts runs a textRowsSQL query and hands each row to fn (slices valid during the call).
func readTexts(ctx context.Context, db *sql.DB, q string, args []any, fn func(id, mid int64, sfld, flds, tags []byte, typ byte, num float64)) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("index note text: %w", err)
	}
	defer rows.Close()
	var (
		id, mid                int64
		sfld, flds, tags, kind sql.RawBytes
		num                    float64
	)
	for rows.Next() {
		if err := rows.Scan(&id, &mid, &sfld, &flds, &tags, &kind, &num); err != nil {
			return fmt.Errorf("index note text: %w", err)
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
		fn(id, mid, sfld, flds, tags, typ, num)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("index note text: %w", err)
	}
	return nil
}

// searchTexts plugs the index into a search context; a failure to build it only costs
// speed (the search runs in SQL), so it is logged, not returned.
func (c *Collection) searchTexts(ctx context.Context, sc *search.Context) {
	if !useTextIndex {
		return
	}
	sc.Texts = func() *search.TextIndex {
		idx, err := c.texts(ctx)
		if err != nil {
			slog.Warn("search without the text index", "err", err)
			return nil
		}
		return idx
	}
}

// findInMemory answers a search made only of terms the index answers (search.NoteLevel)
// without SQL. ok is false when it cannot. The caller holds c.mu for reading.
func (c *Collection) findInMemory(ctx context.Context, query string, kind search.Kind, order Order, sc *search.Context) ([]int64, bool, error) {
	if !useTextIndex || (order.Column != SortNone && order.Column != SortSortField) {
		return nil, false, nil
	}
	level, needsText := search.NoteLevel(query, sc)
	if !level {
		return nil, false, nil
	}
	var idx *search.TextIndex
	var err error
	if needsText {
		idx, err = c.texts(ctx) // the SQL would build it too
	} else {
		idx, err = c.textsIfReady(ctx) // see findSorted
	}
	if err != nil || idx == nil {
		return nil, false, nil
	}
	ids, ok, err := idx.Find(query, kind, order, sc)
	if ok && err == nil {
		memoryFinds.Add(1)
	}
	return ids, ok, err
}

// memoryFinds counts findInMemory's answers, for tests to check the path is taken.
var memoryFinds atomic.Int64

// findSorted answers a search ordered by sort field by sorting in Go with the index's ranks:
// SQLite sorting 200k cards by "sfld collate nocase" takes ~300 ms, the ranks ~20 ms.
// ok is false when the index is not available (small collection) and SQL should sort.
// The caller holds c.mu for reading.
func (c *Collection) findSorted(ctx context.Context, query string, kind search.Kind, desc bool, sc *search.Context) ([]int64, bool, error) {
	if !useTextIndex {
		return nil, false, nil
	}
	// Sorting alone does not build the index (a small deck sorts quickly in SQL, and the
	// first browser page after opening must not wait ~0.5 s for it): WarmSearch builds it.
	idx, err := c.textsIfReady(ctx)
	if err != nil || idx == nil {
		return nil, false, nil
	}
	q, args, err := search.SQLWithNotes(query, kind, sc)
	if err != nil {
		return nil, true, err
	}
	// One row of text for the whole result: the driver's per-row and per-column cost is
	// twice SQLite's own work here (192k rows: 170 ms as rows, 80 ms as one string).
	var list sql.RawBytes
	var ids, nids []int64
	var ords []int
	// count(*): a NULL or non-integer column (a foreign schema) would drop its row from the
	// list or fail the parse; SQL then sorts instead
	var n int
	rows, err := c.db.QueryContext(ctx, "SELECT group_concat(x.i || ' ' || x.n || ' ' || x.o, ' '), count(*) FROM ("+q+") x", args...)
	if err != nil {
		return nil, true, fmt.Errorf("search %q: %w", query, err)
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&list, &n); err != nil {
			return nil, true, fmt.Errorf("search %q: %w", query, err)
		}
		if ids, nids, ords, err = parseTriples(list); err != nil {
			return nil, false, nil
		}
	}
	if err := rows.Err(); err != nil {
		return nil, true, fmt.Errorf("search %q: %w", query, err)
	}
	if len(ids) != n || !idx.SortBySortField(ids, nids, ords, desc) {
		return nil, false, nil
	}
	return ids, true, nil
}

// parseTriples reads "id nid ord id nid ord …" (decimal integers separated by spaces).
func parseTriples(b []byte) (ids, nids []int64, ords []int, err error) {
	if len(b) == 0 {
		return nil, nil, nil, nil
	}
	n := bytes.Count(b, []byte{' '})/3 + 1
	ids, nids, ords = make([]int64, 0, n), make([]int64, 0, n), make([]int, 0, n)
	k := 0
	err = scanInts(b, func(v int64) {
		switch k % 3 {
		case 0:
			ids = append(ids, v)
		case 1:
			nids = append(nids, v)
		default:
			ords = append(ords, int(v))
		}
		k++
	})
	if err == nil && k%3 != 0 {
		err = errors.New("id list ends mid-row")
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return ids, nids, ords, nil
}
