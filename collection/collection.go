// Package collection is Deckhand's engine: an Anki schema-11 collection file with its note
// types, decks, notes, cards, tags and media, changed only through transactions that keep
// Anki's bookkeeping (mod, usn, graves, sfld/csum) so that Anki and sync servers accept it.
package collection

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/deckhand-app/deckhand/collection/media"
	"github.com/deckhand-app/deckhand/collection/store"
)

// SchemaVersion is the collection schema Deckhand reads and writes.
const SchemaVersion = 11

// DefaultDeckID and DefaultConfigID are the ids Anki reserves for "Default".
const (
	DefaultDeckID   = 1
	DefaultConfigID = 1
)

// Collection is an open collection file. It is safe for concurrent use: reads may run in
// parallel with each other, and writes are serialised into single transactions.
type Collection struct {
	db   *sql.DB
	path string

	// mu guards the cached col row below. Writers hold it for the whole transaction so that
	// the cache and the database change together.
	mu        sync.RWMutex
	crt       int64
	mod       int64
	scm       int64
	usn       int
	ls        int64
	conf      map[string]json.RawMessage
	notetypes map[int64]*Notetype
	decks     map[int64]*Deck
	dconf     map[int64]*DeckConfig
	tags      map[string]int

	lastID  map[string]int64 // table -> last id handed out, so bulk adds stay unique
	Media   *media.Folder
	hooks   hooks
	changes atomic.Uint64 // committed transactions (changes_counter.go)
	textIdx textIndex     // notes' text for searches (textindex.go)
	undoLog undoState     // undo.go; guarded by mu
}

// Create makes a new, empty collection at path (which must not exist) with Anki's stock note
// types, the Default deck and the default options preset, and a media folder beside it.
func Create(ctx context.Context, path string) (*Collection, error) {
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("create collection %s: file exists", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create collection %s: %w", path, err)
	}
	// Build the file under a temporary name so a failure never leaves a half-made collection.
	tmp := path + ".creating"
	os.Remove(tmp)
	if err := initFile(ctx, tmp); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("create collection %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return nil, fmt.Errorf("create collection %s: %w", path, err)
	}
	return Open(ctx, path)
}

func initFile(ctx context.Context, path string) error {
	db, err := store.Open(ctx, path, store.Options{Create: true})
	if err != nil {
		return err
	}
	if err := store.CreateSchema11(ctx, db); err != nil {
		db.Close()
		return err
	}
	now := time.Now()
	crt := dayStart(now, 4).Unix()
	_, offset := now.Zone()
	conf := map[string]any{
		"activeDecks": []int64{1}, "curDeck": 1, "newSpread": 0, "collapseTime": 1200,
		"timeLim": 0, "estTimes": true, "dueCounts": true, "curModel": nil, "nextPos": 1,
		"sortType": "noteFld", "sortBackwards": false, "addToCur": true, "dayLearnFirst": false,
		"schedVer": 2, "sched2021": true, "rollover": 4,
		"creationOffset": -offset / 60, "localOffset": -offset / 60,
	}
	decks := map[string]*Deck{"1": newDeckObject(DefaultDeckID, "Default", 0)}
	decks["1"].Collapsed, decks["1"].BrowserCollapsed = true, true
	decks["1"].USN = 0
	dconf := map[string]*DeckConfig{"1": newDeckConfigObject(DefaultConfigID, "Default", 0)}
	models := map[string]*Notetype{}
	id := now.UnixMilli()
	var firstID int64
	for _, k := range StockKinds {
		nt, err := NewStockNotetype(k)
		if err != nil {
			db.Close()
			return err
		}
		nt.ID = id
		if firstID == 0 {
			firstID = id
		}
		id++
		if err := prepareNotetype(nt); err != nil {
			db.Close()
			return err
		}
		models[fmt.Sprint(nt.ID)] = nt
	}
	conf["curModel"] = firstID
	blobs := make([]string, 0, 4)
	for _, v := range []any{conf, models, decks, dconf} {
		b, err := json.Marshal(v)
		if err != nil {
			db.Close()
			return err
		}
		blobs = append(blobs, string(b))
	}
	_, err = db.ExecContext(ctx, `UPDATE col SET crt=?, mod=?, scm=?, ver=?, dty=0, usn=0, ls=0,
		conf=?, models=?, decks=?, dconf=?, tags='{}' WHERE id=1`,
		crt, now.UnixMilli(), now.UnixMilli(), SchemaVersion, blobs[0], blobs[1], blobs[2], blobs[3])
	if err != nil {
		db.Close()
		return err
	}
	return store.CloseForTransfer(ctx, db)
}

// OpenOptions tune how a collection is opened.
type OpenOptions struct {
	// CacheKiB is SQLite's page cache; 0 keeps SQLite's small default, right for files
	// opened briefly or by a server holding many users' collections.
	CacheKiB int
	// DeferPendingMedia leaves the media of an interrupted import (FinishPendingMedia) to
	// the caller, who wants its result, instead of finishing them while opening.
	DeferPendingMedia bool
}

// DefaultCacheKiB is the page cache Open gives a collection someone works in: 40 MiB, as
// Anki uses. With SQLite's default 2 MB, imports into 100k-note collections and searches
// re-read index pages through pread calls (15 % of a search's time before the text index).
const DefaultCacheKiB = 40 << 10

// Open opens an existing schema-11 collection file for work (DefaultCacheKiB).
func Open(ctx context.Context, path string) (*Collection, error) {
	return OpenWith(ctx, path, OpenOptions{CacheKiB: DefaultCacheKiB})
}

// OpenWith opens an existing schema-11 collection file with options.
func OpenWith(ctx context.Context, path string, opt OpenOptions) (*Collection, error) {
	db, err := store.Open(ctx, path, store.Options{CacheKiB: opt.CacheKiB})
	if err != nil {
		return nil, fmt.Errorf("open collection: %w", err)
	}
	c := &Collection{db: db, path: path, lastID: map[string]int64{}}
	if err := c.checkSchema(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open collection %s: %w", path, err)
	}
	if err := c.loadCol(ctx, db); err != nil {
		db.Close()
		return nil, fmt.Errorf("open collection %s: %w", path, err)
	}
	mf, err := media.Open(ctx, MediaDirFor(path), MediaDBFor(path))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open collection %s: %w", path, err)
	}
	c.Media = mf
	if err := c.installUndo(ctx, db); err != nil {
		// undo is a convenience: the collection stays usable without it
		slog.Warn("undo unavailable", "path", path, "err", err)
	}
	if !opt.DeferPendingMedia {
		// first: an interrupted import's staging folder may hold the only copy of its media
		c.finishPendingMediaAtOpen(ctx)
		removeLeftovers(path)
	}
	return c, nil
}

// MediaDirFor returns the media folder of a collection file: "x.anki2" → "x.media".
func MediaDirFor(colPath string) string {
	return strings.TrimSuffix(colPath, filepath.Ext(colPath)) + ".media"
}

// MediaDBFor returns the media database of a collection file: "x.anki2" → "x.media.db2".
func MediaDBFor(colPath string) string {
	return strings.TrimSuffix(colPath, filepath.Ext(colPath)) + ".media.db2"
}

func (c *Collection) checkSchema(ctx context.Context) error {
	var ver int
	if err := c.db.QueryRowContext(ctx, "SELECT ver FROM col").Scan(&ver); err != nil {
		return fmt.Errorf("not an Anki collection (no col table): %w", err)
	}
	if ver != SchemaVersion {
		return fmt.Errorf("collection schema version %d: only schema 11 can be opened directly (import newer files as a package)", ver)
	}
	for _, t := range store.Tables {
		var n int
		if err := c.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?", t).Scan(&n); err != nil || n != 1 {
			return fmt.Errorf("not an Anki collection: table %s missing", t)
		}
	}
	return nil
}

// loadCol reads the col row into the cache.
func (c *Collection) loadCol(ctx context.Context, q querier) error {
	var conf, models, decks, dconf, tags string
	err := q.QueryRowContext(ctx, "SELECT crt, mod, scm, usn, ls, conf, models, decks, dconf, tags FROM col WHERE id=1").
		Scan(&c.crt, &c.mod, &c.scm, &c.usn, &c.ls, &conf, &models, &decks, &dconf, &tags)
	if err != nil {
		return fmt.Errorf("read col: %w", err)
	}
	c.conf = map[string]json.RawMessage{}
	c.notetypes = map[int64]*Notetype{}
	c.decks = map[int64]*Deck{}
	c.dconf = map[int64]*DeckConfig{}
	c.tags = map[string]int{}
	if err := decodeBlob("conf", conf, &c.conf); err != nil {
		return err
	}
	var ntm map[string]*Notetype
	if err := decodeBlob("models", models, &ntm); err != nil {
		return err
	}
	for k, nt := range ntm {
		if nt == nil {
			return fmt.Errorf("read col models: note type %s is null", k)
		}
		c.notetypes[nt.ID] = nt
	}
	var dm map[string]*Deck
	if err := decodeBlob("decks", decks, &dm); err != nil {
		return err
	}
	for k, d := range dm {
		if d == nil {
			return fmt.Errorf("read col decks: deck %s is null", k)
		}
		c.decks[d.ID] = d
	}
	var cm map[string]*DeckConfig
	if err := decodeBlob("dconf", dconf, &cm); err != nil {
		return err
	}
	for k, d := range cm {
		if d == nil {
			return fmt.Errorf("read col dconf: preset %s is null", k)
		}
		c.dconf[d.ID] = d
	}
	if err := decodeBlob("tags", tags, &c.tags); err != nil {
		return err
	}
	return nil
}

func decodeBlob(name, s string, v any) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("read col %s: malformed JSON: %w", name, err)
	}
	return nil
}

// Close checkpoints and closes the collection, leaving a single self-contained file.
func (c *Collection) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	if c.Media != nil {
		errs = append(errs, c.Media.Close())
	}
	if c.db != nil {
		errs = append(errs, store.CloseForTransfer(context.Background(), c.db))
		c.db = nil
	}
	return errors.Join(errs...)
}

// Path is the collection file's path.
func (c *Collection) Path() string { return c.path }

// DB gives read access to the underlying database for callers with needs the API lacks.
// Writes must go through Transact so that bookkeeping stays right.
func (c *Collection) DB() *sql.DB { return c.db }

// Created is the collection creation time (col.crt).
func (c *Collection) Created() time.Time { return time.Unix(c.crt, 0) }

// Modified is the last modification time (col.mod).
func (c *Collection) Modified() time.Time {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return time.UnixMilli(c.mod)
}

// SchemaModified is col.scm: changing it forces the next sync to be a full one.
func (c *Collection) SchemaModified() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.scm
}

// USN is the collection's update sequence number (col.usn).
func (c *Collection) USN() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.usn
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is one open transaction. All reads and writes inside it must use it (the collection has a
// single connection, so touching c.db inside a transaction would wait forever).
type Tx struct {
	c         *Collection
	tx        *sql.Tx
	ctx       context.Context
	now       time.Time
	colDirty  bool // models/decks/dconf/conf/tags need writing back
	schemaMod bool
	after     []func() // hooks run after commit
	// stmts keeps the statements this transaction prepared, so that adding many notes or
	// cards parses each SQL text once; they are closed when the transaction ends.
	stmts map[string]*sql.Stmt
	// undoStep is the undo step this transaction records (undo.go), 0 when none.
	undoStep uint64
}

// stmt returns query prepared on the transaction, preparing it on first use.
func (tx *Tx) stmt(query string) (*sql.Stmt, error) {
	if st, ok := tx.stmts[query]; ok {
		return st, nil
	}
	st, err := tx.tx.PrepareContext(tx.ctx, query)
	if err != nil {
		return nil, err
	}
	if tx.stmts == nil {
		tx.stmts = map[string]*sql.Stmt{}
	}
	tx.stmts[query] = st
	return st, nil
}

// exec runs a statement through the transaction's statement cache.
func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	st, err := tx.stmt(query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(tx.ctx, args...)
}

// Transact runs fn in one write transaction. Inside fn use only the methods of tx: the
// Collection's own methods wait for the transaction to finish. Either everything fn did is
// committed (with col.mod bumped and cached JSON written back) or nothing is, and the cache
// is reloaded. The change is not undoable, so committing it clears the undo and redo stacks
// (imports, sync and database checks go through here); see TransactUndoable.
func (c *Collection) Transact(ctx context.Context, fn func(tx *Tx) error) error {
	return c.transact(ctx, "", fn)
}

// TransactUndoable is Transact for a change the user can undo as one step called label
// ("Add Note"): the rows it changes are logged so that Undo can put them back. Committing
// it clears the redo stack.
func (c *Collection) TransactUndoable(ctx context.Context, label string, fn func(tx *Tx) error) error {
	if label == "" {
		return errors.New("undoable transaction without a label")
	}
	return c.transact(ctx, label, fn)
}

func (c *Collection) transact(ctx context.Context, label string, fn func(tx *Tx) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.db == nil {
		return errors.New("collection is closed")
	}
	sqlTx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	tx := &Tx{c: c, tx: sqlTx, ctx: ctx, now: time.Now()}
	var step uint64
	if label != "" {
		step = c.undoBegin(tx)
	}
	err = fn(tx)
	if err == nil {
		err = tx.finish()
	}
	if err == nil {
		err = c.undoEnd(tx, step)
	}
	if err == nil {
		err = sqlTx.Commit()
	}
	if err != nil {
		c.rollback(sqlTx)
		return err
	}
	c.undoCommitted(label, step)
	c.noteCommitted()
	for _, f := range tx.after {
		f()
	}
	return nil
}

// rollback abandons a write transaction. The cache may hold half-applied edits: it is
// reloaded from what is really stored. The caller holds c.mu.
func (c *Collection) rollback(sqlTx *sql.Tx) {
	sqlTx.Rollback()
	if lerr := c.loadCol(context.Background(), c.db); lerr != nil {
		slog.Error("reload collection after rollback", "err", lerr)
	}
	c.lastID = map[string]int64{}
}

func (tx *Tx) finish() error {
	c := tx.c
	c.mod = tx.now.UnixMilli()
	if tx.schemaMod {
		c.scm = c.mod
	}
	if !tx.colDirty {
		_, err := tx.tx.ExecContext(tx.ctx, "UPDATE col SET mod=?, scm=? WHERE id=1", c.mod, c.scm)
		return wrapDB("update col", err)
	}
	conf, err := json.Marshal(c.conf)
	if err != nil {
		return err
	}
	models := make(map[string]*Notetype, len(c.notetypes))
	for id, nt := range c.notetypes {
		models[fmt.Sprint(id)] = nt
	}
	decks := make(map[string]*Deck, len(c.decks))
	for id, d := range c.decks {
		decks[fmt.Sprint(id)] = d
	}
	dconf := make(map[string]*DeckConfig, len(c.dconf))
	for id, d := range c.dconf {
		dconf[fmt.Sprint(id)] = d
	}
	var blobs [4][]byte
	for i, v := range []any{models, decks, dconf, c.tags} {
		if blobs[i], err = json.Marshal(v); err != nil {
			return fmt.Errorf("encode col: %w", err)
		}
	}
	_, err = tx.tx.ExecContext(tx.ctx, `UPDATE col SET mod=?, scm=?, conf=?, models=?, decks=?, dconf=?, tags=? WHERE id=1`,
		c.mod, c.scm, string(conf), string(blobs[0]), string(blobs[1]), string(blobs[2]), string(blobs[3]))
	return wrapDB("update col", err)
}

func wrapDB(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Q exposes the transaction for SQL the API lacks. Callers must keep Anki's rules themselves:
// set mod and usn=-1 on rows they change (see MarkModified helpers).
func (tx *Tx) Q() *sql.Tx { return tx.tx }

// Context returns the transaction's context.
func (tx *Tx) Context() context.Context { return tx.ctx }

// SetSchemaModified marks a change that needs a full sync (col.scm bumped on commit).
func (tx *Tx) SetSchemaModified() { tx.schemaMod = true }

// nextID returns a unique millisecond-timestamp id for table, like Anki: the current time,
// or one more than the last id handed out or stored when that is already taken.
func (tx *Tx) nextID(table string) (int64, error) {
	c := tx.c
	id := max(tx.now.UnixMilli(), time.Now().UnixMilli())
	if last, ok := c.lastID[table]; ok && id <= last {
		id = last + 1
	}
	for {
		var exists int
		st, err := tx.stmt("SELECT count(*) FROM " + table + " WHERE id=?")
		if err == nil {
			err = st.QueryRowContext(tx.ctx, id).Scan(&exists)
		}
		if err != nil {
			return 0, wrapDB("allocate id", err)
		}
		if exists == 0 {
			break
		}
		var maxID int64
		if err := tx.tx.QueryRowContext(tx.ctx, "SELECT max(id) FROM "+table).Scan(&maxID); err != nil {
			return 0, wrapDB("allocate id", err)
		}
		id = maxID + 1
	}
	c.lastID[table] = id
	return id, nil
}

// addGrave records a deletion for the next sync (type 0 card, 1 note, 2 deck).
func (tx *Tx) addGrave(oid int64, kind int) error {
	_, err := tx.exec("INSERT INTO graves (usn, oid, type) VALUES (-1, ?, ?)", oid, kind)
	return wrapDB("record deletion", err)
}

// Grave kinds.
const (
	GraveCard = 0
	GraveNote = 1
	GraveDeck = 2
)

func sortedKeys[K int64 | string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}
