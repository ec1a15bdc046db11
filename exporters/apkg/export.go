// Package apkg exports a collection, or part of it, as an Anki package: .apkg (a deck,
// chosen notes or everything, with or without scheduling and media) and .colpkg (the
// whole collection and its media), in all three package generations. It follows Anki's
// gather (rslib import_export/gather.rs) and package writer (package/colpkg/export.rs);
// see /work/shared/spec/package-formats.md §1–§6.
package apkg

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
	"github.com/deckhand-app/deckhand/collection/store"
)

// Progress reports how far an export is.
type Progress struct {
	Phase string `json:"phase"` // "gathering", "collection", "media"
	Done  int    `json:"done"`
	Total int    `json:"total"`
}

// Options control an .apkg export. With neither DeckID nor NoteIDs the whole collection
// is exported.
type Options struct {
	// DeckID exports the notes with a card in this deck or its children (all their cards
	// come along, as in Anki's "deck:" export).
	DeckID int64
	// NoteIDs exports these notes and all their cards.
	NoteIDs []int64
	// WithScheduling keeps review state, history, deck options and filtered decks;
	// without it cards are reset to new the way Anki's gather does.
	WithScheduling bool
	// WithMedia packs the media the exported notes and their note types refer to.
	WithMedia bool
	// Generation is the package format; zero means Latest.
	Generation pkgfile.Generation
	Progress   func(Progress)
}

// Result counts what was written.
type Result struct {
	Generation string   `json:"generation"`
	Notes      int      `json:"notes"`
	Cards      int      `json:"cards"`
	Revlog     int      `json:"revlog"`
	Decks      int      `json:"decks"`
	Notetypes  int      `json:"notetypes"`
	Media      int      `json:"media"`
	Warnings   []string `json:"warnings,omitempty"`
}

// maxFutureMillis: Anki's gather refuses ids more than a day ahead (check_ids).
const maxFutureMillis = 86_400_000

// Export writes an .apkg of col to out. The package is built in a temporary file and
// renamed over out only when complete.
func Export(ctx context.Context, col *collection.Collection, out string, opt Options) (*Result, error) {
	if opt.Generation == 0 {
		opt.Generation = pkgfile.Latest
	}
	res := &Result{Generation: opt.Generation.String()}
	fail := func(err error) (*Result, error) { return nil, fmt.Errorf("export %s: %w", filepath.Base(out), err) }
	if col.Media == nil {
		return fail(errNoMediaFolder)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(out), ".export-*")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(tmp)
	exp := &exporter{col: col, opt: opt, res: res, now: time.Now()}
	colFile := filepath.Join(tmp, "collection.anki2")
	if err := exp.buildCollection(ctx, colFile); err != nil {
		return fail(err)
	}
	var names []string
	if opt.WithMedia {
		if names, err = exp.mediaNames(ctx, colFile); err != nil {
			return fail(err)
		}
	}
	if err := writePackage(ctx, out, opt.Generation, colFile, col.Media.Dir(), names, res, opt.Progress); err != nil {
		return fail(err)
	}
	return res, nil
}

type exporter struct {
	col *collection.Collection
	opt Options
	res *Result
	now time.Time
}

func (e *exporter) progress(phase string, done, total int) {
	if e.opt.Progress != nil {
		e.opt.Progress(Progress{Phase: phase, Done: done, Total: total})
	}
}

// buildCollection writes a fresh schema-11 file holding the gathered notes, cards,
// review log, note types, decks and deck options.
func (e *exporter) buildCollection(ctx context.Context, path string) error {
	e.progress("gathering", 0, 1)
	db, err := store.Open(ctx, path, store.Options{Create: true})
	if err != nil {
		return err
	}
	if err := store.CreateSchema11(ctx, db); err != nil {
		db.Close()
		return err
	}
	if err := store.CloseForTransfer(ctx, db); err != nil {
		return err
	}
	indexes, err := e.copyRows(ctx, path)
	if err != nil {
		return err
	}
	db, err = store.Open(ctx, path, store.Options{})
	if err != nil {
		return err
	}
	for _, ddl := range indexes {
		if err == nil {
			_, err = db.ExecContext(ctx, ddl)
		}
	}
	if err == nil {
		err = e.finishCollection(ctx, db)
	}
	if cerr := store.CloseForTransfer(ctx, db); err == nil {
		err = cerr
	}
	e.progress("gathering", 1, 1)
	return err
}

// copyRows copies the selected rows with SQL on a dedicated connection of the
// collection that has the export file attached: one statement per table, inside one read
// transaction, so the rows are consistent and never pass through Go.
func (e *exporter) copyRows(ctx context.Context, path string) (indexes []string, err error) {
	conn, err := e.col.DB().Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "ATTACH DATABASE ? AS exp", path); err != nil {
		return nil, fmt.Errorf("attach export file: %w", err)
	}
	// The export file is private and thrown away on failure: no journal, no syncs, and a
	// cache large enough that SQLite does not spill half-built pages to disk and read
	// them back (the dominant cost for large collections otherwise).
	for _, p := range []string{"PRAGMA exp.journal_mode=OFF", "PRAGMA exp.synchronous=OFF", "PRAGMA exp.cache_size=-65536"} {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			conn.ExecContext(context.Background(), "DETACH DATABASE exp")
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	defer func() {
		if _, derr := conn.ExecContext(context.Background(), "DETACH DATABASE exp"); err == nil && derr != nil {
			err = fmt.Errorf("detach export file: %w", derr)
		}
	}()
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		return nil, err
	}
	committed := false
	defer func() {
		if !committed {
			conn.ExecContext(context.Background(), "ROLLBACK")
		}
	}()
	whole := e.opt.DeckID == 0 && len(e.opt.NoteIDs) == 0
	if indexes, err = dropIndexes(ctx, conn, whole); err != nil {
		return nil, fmt.Errorf("prepare indexes: %w", err)
	}
	if whole {
		err = e.copyAllRows(ctx, conn)
	} else {
		err = e.copySelectedRows(ctx, conn)
	}
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, err
	}
	committed = true
	return indexes, nil
}

// copyAllRows copies whole tables for a whole-collection export. "INSERT INTO t SELECT *
// FROM t" with no WHERE into an identically declared, empty table whose indexes the
// source has too (dropIndexes) is SQLite's transfer optimization, as VACUUM copies:
// records and index entries are copied as stored, in order, without being decoded,
// several times faster than a filtered copy. Rows the filtered copy would leave out
// (cards of missing notes, reviews of deleted cards: Anki's gather leaves them out too)
// are then deleted from the copy. The deletes pick ids through the covering nid/cid
// indexes: a plain DELETE scans in rowid order and looks up every row's parent at random,
// ten times slower.
func (e *exporter) copyAllRows(ctx context.Context, conn *sql.Conn) error {
	steps := []string{
		"INSERT INTO exp.notes SELECT * FROM main.notes",
		"INSERT INTO exp.cards SELECT * FROM main.cards",
		"DELETE FROM exp.cards WHERE id IN (SELECT id FROM exp.cards WHERE nid NOT IN (SELECT id FROM exp.notes))",
	}
	if e.opt.WithScheduling {
		steps = append(steps,
			"INSERT INTO exp.revlog SELECT * FROM main.revlog",
			"DELETE FROM exp.revlog WHERE id IN (SELECT id FROM exp.revlog WHERE cid NOT IN (SELECT id FROM exp.cards))")
	}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("copy rows: %w", err)
		}
	}
	return nil
}

// copySelectedRows copies the notes of the chosen decks or ids, their cards and, with
// scheduling, those cards' reviews.
func (e *exporter) copySelectedRows(ctx context.Context, conn *sql.Conn) error {
	if _, err := conn.ExecContext(ctx, "CREATE TEMP TABLE IF NOT EXISTS export_nids (id INTEGER PRIMARY KEY)"); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "DELETE FROM temp.export_nids"); err != nil {
		return err
	}
	switch {
	case e.opt.DeckID != 0:
		ids := e.deckAndChildren(e.opt.DeckID)
		if len(ids) == 0 {
			return fmt.Errorf("deck %d: %w", e.opt.DeckID, collection.ErrNotFound)
		}
		list := joinIDs(ids)
		if _, err := conn.ExecContext(ctx, "INSERT OR IGNORE INTO temp.export_nids SELECT nid FROM cards WHERE did IN ("+list+") OR odid IN ("+list+")"); err != nil {
			return err
		}
	case len(e.opt.NoteIDs) > 0:
		stmt, err := conn.PrepareContext(ctx, "INSERT OR IGNORE INTO temp.export_nids SELECT id FROM notes WHERE id=?")
		if err != nil {
			return err
		}
		for _, id := range e.opt.NoteIDs {
			if _, err := stmt.ExecContext(ctx, id); err != nil {
				stmt.Close()
				return err
			}
		}
		stmt.Close()
	}
	steps := []string{
		"INSERT INTO exp.notes SELECT * FROM main.notes WHERE id IN (SELECT id FROM temp.export_nids)",
		"INSERT INTO exp.cards SELECT * FROM main.cards WHERE nid IN (SELECT id FROM temp.export_nids)",
	}
	if e.opt.WithScheduling {
		steps = append(steps, "INSERT INTO exp.revlog SELECT * FROM main.revlog WHERE cid IN (SELECT id FROM exp.cards)")
	}
	for _, s := range steps {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return fmt.Errorf("copy rows: %w", err)
		}
	}
	if _, err := conn.ExecContext(ctx, "DROP TABLE temp.export_nids"); err != nil {
		return err
	}
	return nil
}

func (e *exporter) deckAndChildren(id int64) []int64 {
	d, ok := e.col.Deck(id)
	if !ok {
		return nil
	}
	var ids []int64
	prefix := strings.ToLower(d.Name) + collection.DeckSeparator
	for _, o := range e.col.Decks() {
		if o.ID == id || strings.HasPrefix(strings.ToLower(o.Name), prefix) {
			ids = append(ids, o.ID)
		}
	}
	return ids
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, ",")
}

// finishCollection applies the scheduling reset when asked and writes the col row: the
// note types, decks (with parents) and options presets the rows use, and the source's
// creation time so that review due days keep their meaning.
func (e *exporter) finishCollection(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var future int
	limit := e.now.UnixMilli() + maxFutureMillis
	if err := tx.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM notes WHERE id > ?1) + (SELECT count(*) FROM cards WHERE id > ?1)
		+ (SELECT count(*) FROM revlog WHERE id > ?1)`, limit).Scan(&future); err != nil {
		return err
	}
	if future > 0 {
		// Anki refuses such ids when it exports and when it imports (check_ids).
		return fmt.Errorf("%d note, card or review ids lie more than a day in the future; run Check Database", future)
	}
	nextPos := int64(1)
	if !e.opt.WithScheduling {
		if nextPos, err = resetScheduling(ctx, tx, e.colNextPos()); err != nil {
			return err
		}
	} else if err := tx.QueryRowContext(ctx, "SELECT coalesce(max(due), 0) + 1 FROM cards WHERE type = 0 AND due < 1000000000").Scan(&nextPos); err != nil {
		return err
	}

	models, err := e.notetypes(ctx, tx)
	if err != nil {
		return err
	}
	decks, dconf, err := e.decks(ctx, tx)
	if err != nil {
		return err
	}
	tags, err := tagRegistry(ctx, tx)
	if err != nil {
		return err
	}
	conf := e.conf(nextPos)
	blobs := make([]string, 5)
	for i, v := range []any{conf, models, decks, dconf, tags} {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		blobs[i] = string(b)
	}
	now := e.now.UnixMilli()
	_, err = tx.ExecContext(ctx, `UPDATE col SET crt=?, mod=?, scm=?, ver=11, dty=0, usn=0, ls=0,
		conf=?, models=?, decks=?, dconf=?, tags=? WHERE id=1`,
		e.col.Created().Unix(), now, now, blobs[0], blobs[1], blobs[2], blobs[3], blobs[4])
	if err != nil {
		return err
	}
	for _, q := range []struct {
		sql string
		dst *int
	}{{"SELECT count(*) FROM notes", &e.res.Notes}, {"SELECT count(*) FROM cards", &e.res.Cards},
		{"SELECT count(*) FROM revlog", &e.res.Revlog}} {
		if err := tx.QueryRowContext(ctx, q.sql).Scan(q.dst); err != nil {
			return err
		}
	}
	e.res.Notetypes, e.res.Decks = len(models), len(decks)
	return tx.Commit()
}

func (e *exporter) colNextPos() int64 {
	var pos int64 = 1
	if ok, err := e.col.ConfigGet("nextPos", &pos); !ok || err != nil || pos < 1 {
		pos = 1
	}
	return pos
}

// conf is a fresh collection's config, as Anki's exporter starts from a new collection,
// keeping the settings that give the exported data its meaning.
func (e *exporter) conf(nextPos int64) map[string]any {
	conf := map[string]any{
		"activeDecks": []int64{1}, "curDeck": 1, "newSpread": 0, "collapseTime": 1200,
		"timeLim": 0, "estTimes": true, "dueCounts": true, "curModel": nil, "nextPos": nextPos,
		"sortType": "noteFld", "sortBackwards": false, "addToCur": true, "dayLearnFirst": false,
		"schedVer": 2, "sched2021": true,
	}
	for _, k := range []string{"rollover", "creationOffset", "localOffset", "schedVer", "sched2021"} {
		var v json.RawMessage
		if ok, err := e.col.ConfigGet(k, &v); ok && err == nil {
			conf[k] = v
		}
	}
	return conf
}

// notetypes returns the note types the exported notes use, keyed by id as in col.models.
func (e *exporter) notetypes(ctx context.Context, tx *sql.Tx) (map[string]*collection.Notetype, error) {
	ids, err := queryIDs(ctx, tx, "SELECT DISTINCT mid FROM notes")
	if err != nil {
		return nil, err
	}
	out := map[string]*collection.Notetype{}
	for _, id := range ids {
		nt, ok := e.col.Notetype(id)
		if !ok {
			return nil, fmt.Errorf("notes use note type %d, which the collection lacks; run Check Database", id)
		}
		out[fmt.Sprint(id)] = nt
	}
	return out, nil
}

// decks returns the decks of the exported cards (and their original decks when
// scheduling is kept) with their parents, and the options presets they use. Without
// scheduling the presets are reset to Default and Default itself is left out (its cards
// land in the importer's Default deck), as in Anki's gather.
func (e *exporter) decks(ctx context.Context, tx *sql.Tx) (map[string]*collection.Deck, map[string]*collection.DeckConfig, error) {
	q := "SELECT DISTINCT did FROM cards"
	if e.opt.WithScheduling {
		q += " UNION SELECT DISTINCT odid FROM cards WHERE odid != 0"
	}
	ids, err := queryIDs(ctx, tx, q)
	if err != nil {
		return nil, nil, err
	}
	byName := map[string]collection.Deck{}
	for _, d := range e.col.Decks() {
		byName[strings.ToLower(d.Name)] = d
	}
	picked := map[int64]collection.Deck{}
	for _, id := range ids {
		d, ok := e.col.Deck(id)
		if !ok {
			continue
		}
		picked[id] = d
		name := strings.ToLower(d.Name)
		for i := strings.LastIndex(name, collection.DeckSeparator); i > 0; i = strings.LastIndex(name, collection.DeckSeparator) {
			name = name[:i]
			if p, ok := byName[name]; ok {
				picked[p.ID] = p
			}
		}
	}
	decks := map[string]*collection.Deck{}
	dconf := map[string]*collection.DeckConfig{}
	def := collection.NewDeckConfig(collection.DefaultConfigID, "Default")
	dconf["1"] = &def
	for id, d := range picked {
		if id == collection.DefaultDeckID && !e.opt.WithScheduling {
			continue
		}
		d := d
		if !e.opt.WithScheduling && !d.Filtered() {
			d.Conf = collection.DefaultConfigID
			d.Other = cloneRaw(d.Other)
			for _, k := range []string{"reviewLimit", "newLimit", "reviewLimitToday", "newLimitToday"} {
				if _, ok := d.Other[k]; ok {
					d.Other[k] = json.RawMessage("null")
				}
			}
		}
		decks[fmt.Sprint(id)] = &d
	}
	// A fresh collection always has its Default deck; old importers expect it.
	if _, ok := decks["1"]; !ok {
		d := collection.NewDeck(collection.DefaultDeckID, "Default")
		d.USN = 0
		decks["1"] = &d
	}
	if e.opt.WithScheduling {
		all := e.col.DeckConfigs()
		for _, d := range decks {
			if d.Filtered() {
				continue
			}
			for _, c := range all {
				if c.ID == int64(d.Conf) {
					c := c
					dconf[fmt.Sprint(c.ID)] = &c
				}
			}
		}
	}
	return decks, dconf, nil
}

func cloneRaw(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func tagRegistry(ctx context.Context, tx *sql.Tx) (map[string]int, error) {
	rows, err := tx.QueryContext(ctx, "SELECT DISTINCT tags FROM notes WHERE tags != ''")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		for _, t := range collection.SplitTags(s) {
			out[t] = 0
		}
	}
	return out, rows.Err()
}

// resetScheduling is Anki's gather without scheduling: every card becomes new at its
// last new position (or the next free one), flags cleared, no history, and the
// "marked"/"leech" tags dropped. Cards stay in the deck they are in.
func resetScheduling(ctx context.Context, tx *sql.Tx, nextPos int64) (int64, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, type, due, odue, odid, data FROM cards ORDER BY id")
	if err != nil {
		return 0, err
	}
	type upd struct {
		id, due int64
		data    string
	}
	var updates []upd
	for rows.Next() {
		var c collection.Card
		if err := rows.Scan(&c.ID, &c.Type, &c.Due, &c.OriginalDue, &c.OriginalDeckID, &c.Data); err != nil {
			rows.Close()
			return 0, err
		}
		pos, ok := c.LastPosition()
		if !ok {
			pos = nextPos
			nextPos++
		}
		c.ResetAsNew(pos)
		updates = append(updates, upd{c.ID, c.Due, c.Data})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	stmt, err := tx.PrepareContext(ctx, `UPDATE cards SET type=0, queue=0, due=?, ivl=0, factor=0, reps=0, lapses=0,
		left=0, odue=0, odid=0, flags=0, data=? WHERE id=?`)
	if err != nil {
		return 0, err
	}
	defer stmt.Close()
	for _, u := range updates {
		if _, err := stmt.ExecContext(ctx, u.due, u.data, u.id); err != nil {
			return 0, err
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM revlog"); err != nil {
		return 0, err
	}
	trows, err := tx.QueryContext(ctx, "SELECT id, tags FROM notes WHERE tags LIKE '%marked%' OR tags LIKE '%leech%'")
	if err != nil {
		return 0, err
	}
	retag := map[int64]string{}
	for trows.Next() {
		var id int64
		var tags string
		if err := trows.Scan(&id, &tags); err != nil {
			trows.Close()
			return 0, err
		}
		var kept []string
		for _, t := range collection.SplitTags(tags) {
			if !strings.EqualFold(t, "marked") && !strings.EqualFold(t, "leech") {
				kept = append(kept, t)
			}
		}
		if j := collection.JoinTags(kept); j != tags {
			retag[id] = j
		}
	}
	trows.Close()
	if err := trows.Err(); err != nil {
		return 0, err
	}
	for id, tags := range retag {
		if _, err := tx.ExecContext(ctx, "UPDATE notes SET tags=? WHERE id=?", tags, id); err != nil {
			return 0, err
		}
	}
	return nextPos, nil
}

func queryIDs(ctx context.Context, tx *sql.Tx, q string) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, rows.Err()
}

var errNoMediaFolder = errors.New("collection has no media folder")
