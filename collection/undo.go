package collection

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Collection-wide undo and redo.
//
// The store has one SQLite connection, so TEMP tables made at Open live as long as the
// Collection. An undoable transaction first makes TEMP AFTER INSERT/UPDATE/DELETE triggers on
// the synced tables that write the before-image of every row it changes into a temp log, and
// drops them before it commits. A plain transaction — an import of 100k notes — thus runs with
// no trigger at all and pays nothing for undo (a WHEN-gated permanent trigger measured about
// 1.5–2 µs per changed row).
//
// Undoing a step puts back, for each row the step touched, the state it had before the step
// (its earliest log entry): rows the step inserted are deleted, the others get their old image
// back, exactly, including mod and usn. That is what Anki does too, and it is right for sync:
// every sync (and every other change that is not undoable) clears the stacks, so the server
// never saw the undone change, and the restored rows are exactly what it already agrees with.
// Bumping their mod/usn instead would push a stale copy over edits made on other devices.
// The undo runs as a recorded transaction itself, which is how its redo step is made.

// MaxUndoSteps is how many undoable changes are kept, as in Anki.
const MaxUndoSteps = 30

// undoTables are the tables whose rows undo restores: all that sync exchanges.
var undoTables = []string{"notes", "cards", "revlog", "graves", "col"}

// Errors of Undo and Redo.
var (
	ErrNothingToUndo = errors.New("nothing to undo")
	ErrNothingToRedo = errors.New("nothing to redo")
	// ErrUndoMoved is returned by UndoIf when the newest step is not the expected one.
	ErrUndoMoved = errors.New("the last change is not the one expected")
)

// UndoStep is one undoable change: an id unique in this Collection and a label for menus.
type UndoStep struct {
	ID    uint64
	Label string
}

type undoState struct {
	ready      bool     // temp log tables made on the connection
	on, off    []string // statements making and dropping the recording triggers
	next       uint64
	undo, redo []UndoStep
	tables     []undoTable
	// tops is the newest undo and redo step, published for readers that must not wait for a
	// running transaction (menus asking for labels on the UI goroutine).
	tops atomic.Pointer[[2]UndoStep]
}

// publish makes the stacks' tops visible to UndoStatus (the caller holds c.mu).
func (u *undoState) publish() {
	var t [2]UndoStep
	if n := len(u.undo); n > 0 {
		t[0] = u.undo[n-1]
	}
	if n := len(u.redo); n > 0 {
		t[1] = u.redo[n-1]
	}
	u.tops.Store(&t)
}

// undoTable is one logged table: its columns, and whether its rowid must be restored
// explicitly (graves has no INTEGER PRIMARY KEY to carry it).
type undoTable struct {
	name     string
	cols     []string // quoted
	setRowid bool
}

func (t undoTable) mirror() string { return "temp.deckhand_undo_" + t.name }

// installUndo makes the temp log and the triggers. A failure only disables undo.
func (c *Collection) installUndo(ctx context.Context, q querier) error {
	tables := make([]undoTable, 0, len(undoTables))
	for _, name := range undoTables {
		t, err := readUndoTable(ctx, q, name)
		if err != nil {
			return err
		}
		tables = append(tables, t)
	}
	// REPLACE deletes conflicting rows; only with recursive triggers does that fire the delete
	// trigger, without which the replaced row's old image would be lost.
	if _, err := q.ExecContext(ctx, "PRAGMA recursive_triggers = ON"); err != nil {
		return fmt.Errorf("install undo log: %w", err)
	}
	if err := createUndoTables(ctx, q, tables); err != nil {
		return err
	}
	u := &c.undoLog
	u.tables, u.on, u.off = tables, nil, nil
	for _, t := range tables {
		n := t.name
		old := make([]string, len(t.cols))
		for i, col := range t.cols {
			old[i] = "OLD." + col
		}
		// ?STEP? is replaced by the step id when the triggers are made
		logRow := func(op, row string) string {
			return fmt.Sprintf("INSERT INTO temp.deckhand_undo_log (step, tbl, op, rid) VALUES (?STEP?, '%s', '%s', %s.rowid);", n, op, row)
		}
		image := fmt.Sprintf("INSERT INTO %s (seq, %s) VALUES (last_insert_rowid(), %s);",
			t.mirror(), strings.Join(t.cols, ", "), strings.Join(old, ", "))
		u.on = append(u.on,
			fmt.Sprintf("CREATE TEMP TRIGGER deckhand_undo_%s_i AFTER INSERT ON main.%s BEGIN %s END", n, n, logRow("i", "NEW")),
			fmt.Sprintf("CREATE TEMP TRIGGER deckhand_undo_%s_u AFTER UPDATE ON main.%s WHEN OLD.rowid = NEW.rowid BEGIN %s %s END",
				n, n, logRow("u", "OLD"), image),
			// an update that changes the rowid is a delete of the old row and an insert
			fmt.Sprintf("CREATE TEMP TRIGGER deckhand_undo_%s_k AFTER UPDATE ON main.%s WHEN OLD.rowid != NEW.rowid BEGIN %s %s %s END",
				n, n, logRow("d", "OLD"), image, logRow("i", "NEW")),
			fmt.Sprintf("CREATE TEMP TRIGGER deckhand_undo_%s_d AFTER DELETE ON main.%s BEGIN %s %s END",
				n, n, logRow("d", "OLD"), image),
		)
		for _, k := range "iukd" {
			u.off = append(u.off, fmt.Sprintf("DROP TRIGGER IF EXISTS temp.deckhand_undo_%s_%c", n, k))
		}
	}
	u.ready = true
	return nil
}

// createUndoTables makes the temp log: one row per change (undo_log) and, for updated and
// deleted rows, the old row in a mirror table with the same columns, untyped so that every
// value keeps exactly its stored type.
func createUndoTables(ctx context.Context, q querier, tables []undoTable) error {
	stmts := []string{
		`CREATE TEMP TABLE IF NOT EXISTS deckhand_undo_log (seq INTEGER PRIMARY KEY, step INTEGER NOT NULL,
			tbl TEXT NOT NULL, op TEXT NOT NULL, rid INTEGER NOT NULL)`,
		"CREATE INDEX IF NOT EXISTS temp.deckhand_undo_log_row ON deckhand_undo_log (step, tbl, rid)",
	}
	for _, t := range tables {
		stmts = append(stmts, fmt.Sprintf("CREATE TEMP TABLE IF NOT EXISTS deckhand_undo_%s (seq INTEGER PRIMARY KEY, %s)",
			t.name, strings.Join(t.cols, ", ")))
	}
	for _, s := range stmts {
		if _, err := q.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("install undo log: %w", err)
		}
	}
	return nil
}

func readUndoTable(ctx context.Context, q querier, name string) (undoTable, error) {
	rows, err := q.QueryContext(ctx, "SELECT name, type, pk FROM pragma_table_info(?, 'main')", name)
	if err != nil {
		return undoTable{}, fmt.Errorf("install undo log: columns of %s: %w", name, err)
	}
	defer rows.Close()
	t := undoTable{name: name}
	pks, intPK := 0, false
	for rows.Next() {
		var col, typ string
		var pk int
		if err := rows.Scan(&col, &typ, &pk); err != nil {
			return undoTable{}, fmt.Errorf("install undo log: columns of %s: %w", name, err)
		}
		t.cols = append(t.cols, `"`+strings.ReplaceAll(col, `"`, `""`)+`"`)
		if pk > 0 {
			pks++
			intPK = strings.EqualFold(typ, "INTEGER")
		}
	}
	if err := rows.Err(); err != nil {
		return undoTable{}, fmt.Errorf("install undo log: columns of %s: %w", name, err)
	}
	if len(t.cols) == 0 {
		return undoTable{}, fmt.Errorf("install undo log: table %s missing", name)
	}
	t.setRowid = !(pks == 1 && intPK)
	return t, nil
}

// undoBegin starts recording a new step inside tx and returns its id (0 when undo is
// unavailable: the transaction then counts as not undoable). The triggers exist only while a
// step records — made here, dropped by undoEnd, and gone with a rollback, as temp schema
// changes are transactional — so that other transactions (an import of 100k notes) pay
// nothing for them. An undoable transaction makes them before it prepares any statement.
func (c *Collection) undoBegin(tx *Tx) uint64 {
	u := &c.undoLog
	if !u.ready {
		return 0
	}
	id := u.next + 1
	var probe int
	err := tx.tx.QueryRowContext(tx.ctx, "SELECT count(*) FROM (SELECT 1 FROM temp.deckhand_undo_log LIMIT 1)").Scan(&probe)
	if err != nil {
		// The connection was replaced under us, taking the temp log with it: start again.
		slog.Warn("undo log lost; undo history cleared", "err", err)
		u.undo, u.redo = nil, nil
		u.publish()
		if err = createUndoTables(tx.ctx, tx.tx, u.tables); err == nil {
			_, err = tx.tx.ExecContext(tx.ctx, "PRAGMA recursive_triggers = ON")
		}
	}
	step := strconv.FormatUint(id, 10)
	for _, q := range u.on {
		if err != nil {
			break
		}
		_, err = tx.tx.ExecContext(tx.ctx, strings.ReplaceAll(q, "?STEP?", step))
	}
	if err != nil {
		slog.Warn("undo unavailable for this change", "err", err)
		c.undoTriggersOff(tx)
		return 0
	}
	tx.undoStep = id
	return id
}

// undoTriggersOff drops the recording triggers.
func (c *Collection) undoTriggersOff(tx *Tx) error {
	for _, q := range c.undoLog.off {
		if _, err := tx.tx.ExecContext(tx.ctx, q); err != nil {
			return fmt.Errorf("undo log: %w", err)
		}
	}
	return nil
}

// undoEnd runs before commit: it switches recording off and drops log rows of the steps
// that will no longer exist once this transaction commits.
func (c *Collection) undoEnd(tx *Tx, step uint64) error {
	u := &c.undoLog
	if step == 0 {
		// a change that is not undoable makes every recorded step meaningless
		if len(u.undo)+len(u.redo) > 0 && u.ready {
			if err := c.clearUndoLog(tx.ctx, tx.tx); err != nil {
				return err
			}
		}
		return nil
	}
	if err := c.undoTriggersOff(tx); err != nil {
		return err
	}
	var drop []uint64
	for _, s := range u.redo {
		drop = append(drop, s.ID)
	}
	if n := len(u.undo) + 1 - MaxUndoSteps; n > 0 {
		for _, s := range u.undo[:n] {
			drop = append(drop, s.ID)
		}
	}
	return c.dropUndoSteps(tx.ctx, tx.tx, drop)
}

// undoCommitted updates the stacks after a commit.
func (c *Collection) undoCommitted(label string, step uint64) {
	u := &c.undoLog
	if step == 0 {
		if len(u.undo)+len(u.redo) > 0 {
			u.undo, u.redo = nil, nil
			u.publish()
		}
		return
	}
	u.next = step
	u.redo = nil
	u.undo = pushStep(u.undo, UndoStep{ID: step, Label: label})
	u.publish()
}

func pushStep(s []UndoStep, st UndoStep) []UndoStep {
	s = append(s, st)
	if n := len(s) - MaxUndoSteps; n > 0 {
		s = append(s[:0:0], s[n:]...)
	}
	return s
}

func (c *Collection) clearUndoLog(ctx context.Context, q querier) error {
	stmts := []string{"DELETE FROM temp.deckhand_undo_log"}
	for _, t := range c.undoLog.tables {
		stmts = append(stmts, "DELETE FROM "+t.mirror())
	}
	for _, s := range stmts {
		if _, err := q.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("clear undo log: %w", err)
		}
	}
	return nil
}

func (c *Collection) dropUndoSteps(ctx context.Context, q querier, ids []uint64) error {
	if len(ids) == 0 {
		return nil
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatUint(id, 10)
	}
	in := "(" + strings.Join(parts, ",") + ")"
	for _, t := range c.undoLog.tables {
		_, err := q.ExecContext(ctx, "DELETE FROM "+t.mirror()+
			" WHERE seq IN (SELECT seq FROM temp.deckhand_undo_log WHERE tbl=? AND step IN "+in+")", t.name)
		if err != nil {
			return fmt.Errorf("trim undo log: %w", err)
		}
	}
	_, err := q.ExecContext(ctx, "DELETE FROM temp.deckhand_undo_log WHERE step IN "+in)
	return wrapDB("trim undo log", err)
}

// UndoStepID is the id of the undo step this transaction records (0 when not undoable), so
// that a caller can later undo exactly this change with UndoIf.
func (tx *Tx) UndoStepID() uint64 { return tx.undoStep }

// UndoStatus returns the step Undo and Redo would revert or re-apply (zero when none). It
// never waits for a running transaction, so a UI may call it at any time.
func (c *Collection) UndoStatus() (undo, redo UndoStep) {
	if t := c.undoLog.tops.Load(); t != nil {
		return t[0], t[1]
	}
	return UndoStep{}, UndoStep{}
}

// UndoLabel is the label of the change Undo would revert ("" when none).
func (c *Collection) UndoLabel() string { u, _ := c.UndoStatus(); return u.Label }

// RedoLabel is the label of the change Redo would re-apply ("" when none).
func (c *Collection) RedoLabel() string { _, r := c.UndoStatus(); return r.Label }

// ClearUndo forgets every undo and redo step (a sync does this through its transaction).
func (c *Collection) ClearUndo(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.db == nil || len(c.undoLog.undo)+len(c.undoLog.redo) == 0 {
		return nil
	}
	c.undoLog.undo, c.undoLog.redo = nil, nil
	c.undoLog.publish()
	if !c.undoLog.ready {
		return nil
	}
	return c.clearUndoLog(ctx, c.db)
}

// Undo reverts the newest undoable change and returns its label. It can be redone.
func (c *Collection) Undo(ctx context.Context) (string, error) { return c.undoRedo(ctx, false, 0) }

// Redo re-applies the change Undo reverted last and returns its label.
func (c *Collection) Redo(ctx context.Context) (string, error) { return c.undoRedo(ctx, true, 0) }

// UndoIf undoes the newest change only if it is step id (see Tx.UndoStepID); otherwise it
// returns ErrUndoMoved (or ErrNothingToUndo) and changes nothing.
func (c *Collection) UndoIf(ctx context.Context, id uint64) (string, error) {
	if id == 0 {
		return "", ErrUndoMoved
	}
	return c.undoRedo(ctx, false, id)
}

func (c *Collection) undoRedo(ctx context.Context, redo bool, want uint64) (label string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.db == nil {
		return "", errors.New("collection is closed")
	}
	u := &c.undoLog
	from, none, what := &u.undo, ErrNothingToUndo, "undo"
	if redo {
		from, none, what = &u.redo, ErrNothingToRedo, "redo"
	}
	if len(*from) == 0 {
		return "", none
	}
	step := (*from)[len(*from)-1]
	if want != 0 && step.ID != want {
		return "", ErrUndoMoved
	}
	sqlTx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("%s: begin transaction: %w", what, err)
	}
	tx := &Tx{c: c, tx: sqlTx, ctx: ctx, now: time.Now()}
	rec := c.undoBegin(tx)
	if rec == 0 {
		err = errors.New("the undo log is not available")
	}
	if err == nil {
		err = c.restoreStep(tx, step.ID)
	}
	if err == nil {
		// the col row came back too: the cache must follow it before finish writes it
		c.lastID = map[string]int64{}
		err = c.loadCol(ctx, sqlTx)
	}
	if err == nil {
		err = tx.finish()
	}
	if err == nil {
		err = c.undoTriggersOff(tx)
	}
	if err == nil {
		err = c.dropUndoSteps(ctx, sqlTx, []uint64{step.ID})
	}
	if err == nil && redo {
		if n := len(u.undo) + 1 - MaxUndoSteps; n > 0 {
			ids := make([]uint64, 0, n)
			for _, s := range u.undo[:n] {
				ids = append(ids, s.ID)
			}
			err = c.dropUndoSteps(ctx, sqlTx, ids)
		}
	}
	if err == nil {
		err = sqlTx.Commit()
	}
	if err != nil {
		c.rollback(sqlTx)
		return "", fmt.Errorf("%s %s: %w", what, step.Label, err)
	}
	u.next = rec
	*from = (*from)[:len(*from)-1]
	done := UndoStep{ID: rec, Label: step.Label}
	if redo {
		u.undo = pushStep(u.undo, done)
	} else {
		u.redo = pushStep(u.redo, done)
	}
	u.publish()
	c.noteCommitted()
	return step.Label, nil
}

// restoreStep puts every row step touched back as it was before the step: for each row its
// earliest log entry tells whether the step inserted it (delete it) or what it held (put the
// image back).
func (c *Collection) restoreStep(tx *Tx, step uint64) error {
	const first = `SELECT min(seq) FROM temp.deckhand_undo_log WHERE step=?1 AND tbl=?2 GROUP BY rid`
	for _, t := range c.undoLog.tables {
		_, err := tx.tx.ExecContext(tx.ctx, "DELETE FROM main."+t.name+` WHERE rowid IN (
			SELECT rid FROM temp.deckhand_undo_log WHERE op='i' AND seq IN (`+first+`))`, step, t.name)
		if err != nil {
			return fmt.Errorf("restore %s: %w", t.name, err)
		}
		cols, sel := strings.Join(t.cols, ", "), make([]string, len(t.cols))
		for i, col := range t.cols {
			sel[i] = "m." + col
		}
		selCols := strings.Join(sel, ", ")
		if t.setRowid {
			cols, selCols = "rowid, "+cols, "l.rid, "+selCols
		}
		_, err = tx.tx.ExecContext(tx.ctx, "INSERT OR REPLACE INTO main."+t.name+" ("+cols+") SELECT "+selCols+
			" FROM temp.deckhand_undo_log l JOIN "+t.mirror()+` m ON m.seq = l.seq
			WHERE l.op != 'i' AND l.seq IN (`+first+`) ORDER BY l.seq`, step, t.name)
		if err != nil {
			return fmt.Errorf("restore %s: %w", t.name, err)
		}
	}
	return nil
}
