package collection

import (
	"context"
	"fmt"
)

// Scalar runs a read-only query that returns one value (like Anki's col.db.scalar).
func (c *Collection) Scalar(ctx context.Context, query string, args ...any) (any, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var v any
	if err := c.db.QueryRowContext(ctx, query, args...).Scan(&v); err != nil {
		return nil, fmt.Errorf("scalar: %w", err)
	}
	return v, nil
}

// List runs a read-only query and returns its first column (like col.db.list).
func (c *Collection) List(ctx context.Context, query string, args ...any) ([]any, error) {
	var out []any
	err := c.Iterate(ctx, query, args, func(row []any) error {
		out = append(out, row[0])
		return nil
	})
	return out, err
}

// All runs a read-only query and returns every row (like col.db.all).
func (c *Collection) All(ctx context.Context, query string, args ...any) ([][]any, error) {
	var out [][]any
	err := c.Iterate(ctx, query, args, func(row []any) error {
		out = append(out, row)
		return nil
	})
	return out, err
}

// Iterate runs a read-only query and calls fn for each row, stopping at the first error.
// The row slice is reused between calls.
func (c *Collection) Iterate(ctx context.Context, query string, args []any, fn func(row []any) error) error {
	c.mu.RLock()
	defer c.mu.RUnlock()
	rows, err := c.db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("query: %w", err)
		}
		row := make([]any, len(vals))
		copy(row, vals)
		if err := fn(row); err != nil {
			return err
		}
	}
	return rows.Err()
}

// The triggers below make raw SQL from Exec follow Anki's bookkeeping: rows changed without
// touching usn are marked for sync with a fresh mod, deleted notes and cards leave graves, and
// notes whose fields changed get their sort field, checksum and missing cards recomputed.
const execTriggers = `
CREATE TEMP TABLE IF NOT EXISTS dh_touched_notes (id integer PRIMARY KEY);
CREATE TEMP TRIGGER dh_notes_upd AFTER UPDATE ON notes WHEN NEW.usn = OLD.usn BEGIN
  UPDATE notes SET usn = -1, mod = CAST(strftime('%s','now') AS integer) WHERE id = NEW.id;
END;
CREATE TEMP TRIGGER dh_notes_flds AFTER UPDATE OF flds, mid ON notes BEGIN
  INSERT OR IGNORE INTO dh_touched_notes VALUES (NEW.id);
END;
CREATE TEMP TRIGGER dh_notes_ins AFTER INSERT ON notes BEGIN
  INSERT OR IGNORE INTO dh_touched_notes VALUES (NEW.id);
END;
CREATE TEMP TRIGGER dh_cards_upd AFTER UPDATE ON cards WHEN NEW.usn = OLD.usn BEGIN
  UPDATE cards SET usn = -1, mod = CAST(strftime('%s','now') AS integer) WHERE id = NEW.id;
END;
CREATE TEMP TRIGGER dh_notes_del AFTER DELETE ON notes BEGIN
  INSERT INTO graves (usn, oid, type) VALUES (-1, OLD.id, 1);
END;
CREATE TEMP TRIGGER dh_cards_del AFTER DELETE ON cards BEGIN
  INSERT INTO graves (usn, oid, type) VALUES (-1, OLD.id, 0);
END;
`

const dropExecTriggers = `
DROP TRIGGER IF EXISTS dh_notes_upd; DROP TRIGGER IF EXISTS dh_notes_flds; DROP TRIGGER IF EXISTS dh_notes_ins;
DROP TRIGGER IF EXISTS dh_cards_upd; DROP TRIGGER IF EXISTS dh_notes_del; DROP TRIGGER IF EXISTS dh_cards_del;
DROP TABLE IF EXISTS dh_touched_notes;
`

// Exec runs a writing SQL statement in its own transaction, for callers with needs the API
// lacks (like col.db.execute). Anki's rules are kept for them: see execTriggers. Statements
// must not change the col table; use the API for decks, note types and config.
func (c *Collection) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	var affected int64
	err := c.Transact(ctx, func(tx *Tx) error {
		var err error
		affected, err = tx.Exec(query, args...)
		return err
	})
	return affected, err
}

// Exec is Collection.Exec inside a transaction.
func (tx *Tx) Exec(query string, args ...any) (int64, error) {
	// The triggers below update the row that fired them; with the recursive triggers undo
	// needs (undo.go) they would fire themselves until SQLite gives up.
	if _, err := tx.tx.ExecContext(tx.ctx, "PRAGMA recursive_triggers = OFF"); err != nil {
		return 0, wrapDB("exec setup", err)
	}
	defer tx.tx.ExecContext(context.Background(), "PRAGMA recursive_triggers = ON")
	if _, err := tx.tx.ExecContext(tx.ctx, dropExecTriggers+execTriggers); err != nil {
		return 0, wrapDB("exec setup", err)
	}
	res, err := tx.tx.ExecContext(tx.ctx, query, args...)
	if err != nil {
		tx.tx.ExecContext(tx.ctx, dropExecTriggers)
		return 0, fmt.Errorf("exec: %w", err)
	}
	affected, _ := res.RowsAffected()
	touched, err := tx.idsWhere("SELECT id FROM dh_touched_notes")
	if err != nil {
		return 0, err
	}
	if _, err := tx.tx.ExecContext(tx.ctx, dropExecTriggers); err != nil {
		return 0, wrapDB("exec cleanup", err)
	}
	for _, nid := range touched {
		n, err := tx.GetNote(nid)
		if err != nil {
			continue // deleted again within the statement
		}
		if n.notetype == nil {
			return 0, fmt.Errorf("exec: note %d refers to missing note type %d", nid, n.NotetypeID)
		}
		for _, t := range n.Tags {
			tx.registerTag(t)
		}
		if err := tx.writeNote(n, false); err != nil {
			return 0, err
		}
		if _, err := tx.generateCards(n.notetype, n, 0, false); err != nil {
			return 0, err
		}
		if count, err := tx.CountCardsOfNote(nid); err != nil {
			return 0, err
		} else if count == 0 {
			// A note never exists without cards: give it its first card, as AddNote would.
			if err := tx.addCardAtOrd(n, 0); err != nil {
				return 0, err
			}
		}
	}
	return affected, nil
}
