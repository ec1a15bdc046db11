package apkg

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"
	"unicode/utf8"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
	"github.com/deckhand-app/deckhand/collection/schema18"
	"github.com/deckhand-app/deckhand/collection/store"
)

// ErrBadCollection wraps every complaint about the collection inside a package: not
// SQLite, not an Anki collection, a wrong schema, or malformed JSON, protobuf or text.
var ErrBadCollection = errors.New("invalid collection in package")

func badf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadCollection}, args...)...)
}

// source is the package's collection, extracted to a private temporary file and brought
// to schema 11, read with plain SQL (it is never opened as a Collection: Open would
// create a media folder beside it and refuse files the importer can still repair).
type source struct {
	db        *sql.DB
	path      string
	schema    int // as found in the package, before any downgrade
	crt       int64
	rollover  int
	notetypes map[int64]*collection.Notetype
	decks     map[int64]*collection.Deck
	dconf     map[int64]*collection.DeckConfig
}

// openSource extracts the collection member (never the "please update" dummy when a
// newer member exists: pkgfile picks the member from the generation), downgrades a
// schema-18 file in place, checks its integrity and loads the col row.
func openSource(ctx context.Context, r *pkgfile.Reader, dir string) (*source, error) {
	path := filepath.Join(dir, "source.anki2")
	ver, err := r.ExtractCollection(ctx, path)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return nil, badf("%v", err)
	}
	// A private scratch copy: a large cache, and no syncs.
	for _, p := range []string{"PRAGMA cache_size=-32768", "PRAGMA synchronous=OFF"} {
		if _, err := db.ExecContext(ctx, p); err != nil {
			db.Close()
			return nil, badf("%s: %v", p, err)
		}
	}
	s := &source{db: db, path: path, schema: ver}
	if err := s.load(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *source) close() error {
	if s == nil || s.db == nil {
		return nil
	}
	// Checkpointed and back in rollback-journal mode: a Latest file arrives in WAL mode,
	// and a restored collection must be one self-contained file.
	err := store.CloseForTransfer(context.Background(), s.db)
	s.db = nil
	return err
}

func (s *source) load(ctx context.Context) error {
	// A damaged file must be refused before anything is read from it: SQLite reads
	// happily past corrupt pages until it hits one.
	if err := quickCheck(ctx, s.db); err != nil {
		return err
	}
	if s.schema != 11 {
		if err := schema18.Downgrade(ctx, s.db); err != nil {
			return badf("schema %d: %v", s.schema, err)
		}
	}
	for _, t := range store.Tables {
		var n int
		if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?", t).Scan(&n); err != nil || n != 1 {
			return badf("not an Anki collection: table %s missing", t)
		}
	}
	var conf, models, decks, dconf string
	err := s.db.QueryRowContext(ctx, "SELECT crt, CAST(conf AS BLOB), CAST(models AS BLOB), CAST(decks AS BLOB), CAST(dconf AS BLOB) FROM col WHERE id=1").
		Scan(&s.crt, &conf, &models, &decks, &dconf)
	if err != nil {
		return badf("col row: %v", err)
	}
	var cfg map[string]json.RawMessage
	if err := decodeJSON("conf", conf, &cfg); err != nil {
		return err
	}
	s.rollover = 4
	if raw, ok := cfg["rollover"]; ok {
		var h int
		if json.Unmarshal(raw, &h) == nil && h >= 0 && h <= 23 {
			s.rollover = h
		}
	}
	var ntm map[string]*collection.Notetype
	if err := decodeJSON("models", models, &ntm); err != nil {
		return err
	}
	s.notetypes = map[int64]*collection.Notetype{}
	for k, nt := range ntm {
		if nt == nil {
			return badf("models: note type %s is null", k)
		}
		s.notetypes[nt.ID] = nt
	}
	var dm map[string]*collection.Deck
	if err := decodeJSON("decks", decks, &dm); err != nil {
		return err
	}
	s.decks = map[int64]*collection.Deck{}
	for k, d := range dm {
		if d == nil {
			return badf("decks: deck %s is null", k)
		}
		if d.Name == "" {
			return badf("decks: deck %d has no name", d.ID)
		}
		s.decks[d.ID] = d
	}
	var cm map[string]*collection.DeckConfig
	if err := decodeJSON("dconf", dconf, &cm); err != nil {
		return err
	}
	s.dconf = map[int64]*collection.DeckConfig{}
	for k, c := range cm {
		if c == nil {
			return badf("dconf: preset %s is null", k)
		}
		s.dconf[c.ID] = c
	}
	return nil
}

func quickCheck(ctx context.Context, db *sql.DB) error {
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		return badf("integrity check: %v", err)
	}
	if res != "ok" {
		return badf("integrity check: %s", res)
	}
	return nil
}

// decodeJSON parses one of the col JSON columns. encoding/json would silently turn
// invalid UTF-8 into U+FFFD; Anki refuses such text, so do we.
func decodeJSON(what, s string, v any) error {
	if !utf8.ValidString(s) {
		return badf("col.%s is not valid UTF-8", what)
	}
	if s == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return badf("col.%s: malformed JSON: %v", what, err)
	}
	return nil
}

// daysElapsed is the scheduler day of a collection created at crt with the given
// rollover hour, at time now (local calendar days between the two day starts, as
// Anki's v2/v3 timing_today computes days_elapsed).
func daysElapsed(crt int64, rollover int, now time.Time) int {
	start := dayStart(time.Unix(crt, 0).In(now.Location()), rollover)
	today := dayStart(now, rollover)
	y1, m1, d1 := start.Date()
	y2, m2, d2 := today.Date()
	days := int(time.Date(y2, m2, d2, 12, 0, 0, 0, time.UTC).Sub(time.Date(y1, m1, d1, 12, 0, 0, 0, time.UTC)).Hours() / 24)
	return max(days, 0)
}

func dayStart(t time.Time, hour int) time.Time {
	d := time.Date(t.Year(), t.Month(), t.Day(), hour, 0, 0, 0, t.Location())
	if t.Before(d) {
		d = d.AddDate(0, 0, -1)
	}
	return d
}
