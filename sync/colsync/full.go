package colsync

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/schema18"
	"github.com/deckhand-app/deckhand/collection/store"
)

// Full syncs move the whole collection file. Schema 18 travels for v11 peers, schema 11 for
// legacy ones; Deckhand stores schema 11 on both sides and converts a temporary copy.

// Snapshot copies an open collection to path (a complete single file, no WAL) with SQLite's
// VACUUM INTO. No transaction may be open on col.
func Snapshot(ctx context.Context, col *collection.Collection, path string) error {
	if _, err := col.DB().ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		return fmt.Errorf("copy collection: %w", err)
	}
	return nil
}

// beforeUpload is Anki's before_upload: drop graves, clear pending usns (the server will hold
// everything), bump usn, and stamp scm = ls = mod = now so the next sync sees no changes.
func beforeUpload(tx *collection.Tx, now int64) error {
	q, ctx := tx.Q(), tx.Context()
	if _, err := q.ExecContext(ctx, "DELETE FROM graves"); err != nil {
		return fmt.Errorf("clear graves: %w", err)
	}
	for _, t := range []string{"notes", "cards", "revlog"} {
		if _, err := q.ExecContext(ctx, "UPDATE "+t+" SET usn=0 WHERE usn=-1"); err != nil {
			return fmt.Errorf("clear %s usns: %w", t, err)
		}
	}
	for _, nt := range tx.Notetypes() {
		if nt.USN != 0 {
			nt.USN = 0
			if err := tx.PutNotetype(nt); err != nil {
				return err
			}
		}
	}
	for _, d := range tx.Decks() {
		if d.USN != 0 {
			d.USN = 0
			if err := tx.PutDeck(d); err != nil {
				return err
			}
		}
	}
	for _, dc := range tx.DeckConfigs() {
		if dc.USN != 0 {
			dc.USN = 0
			if err := tx.PutDeckConfig(dc); err != nil {
				return err
			}
		}
	}
	for tag, usn := range tx.Tags() {
		if usn != 0 {
			tx.PutTag(tag, 0)
		}
	}
	st := tx.ColState()
	tx.SetModified(now)
	return tx.SetSyncState(st.USN+1, now, now)
}

// Upload is a collection file prepared for a full upload.
type Upload struct {
	Path string // the file to send
	dir  string
	now  int64
}

// Close removes the temporary file.
func (u *Upload) Close() error { return os.RemoveAll(u.dir) }

// PrepareUpload makes the file to upload without touching col: a snapshot with Anki's
// before-upload bookkeeping applied, converted to schema 18 when schema is 18. After the
// server accepted it, call Commit so that col carries the same bookkeeping.
func PrepareUpload(ctx context.Context, col *collection.Collection, schema int, now int64) (*Upload, error) {
	dir, err := os.MkdirTemp(filepath.Dir(col.Path()), ".sync-upload-")
	if err != nil {
		return nil, fmt.Errorf("prepare upload: %w", err)
	}
	u := &Upload{Path: filepath.Join(dir, "collection.anki2"), dir: dir, now: now}
	if err := u.prepare(ctx, col, schema); err != nil {
		u.Close()
		return nil, fmt.Errorf("prepare upload: %w", err)
	}
	return u, nil
}

func (u *Upload) prepare(ctx context.Context, col *collection.Collection, schema int) error {
	if err := Snapshot(ctx, col, u.Path); err != nil {
		return err
	}
	tmp, err := collection.OpenWith(ctx, u.Path, collection.OpenOptions{})
	if err != nil {
		return err
	}
	err = tmp.Transact(ctx, func(tx *collection.Tx) error { return beforeUpload(tx, u.now) })
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if schema == 18 {
		db, err := store.Open(ctx, u.Path, store.Options{})
		if err != nil {
			return err
		}
		if err := schema18.Upgrade(ctx, db); err != nil {
			db.Close()
			return err
		}
		return store.CloseForTransfer(ctx, db)
	}
	return nil
}

// Commit applies the uploaded file's bookkeeping to the local collection.
func (u *Upload) Commit(ctx context.Context, col *collection.Collection) error {
	return col.Transact(ctx, func(tx *collection.Tx) error { return beforeUpload(tx, u.now) })
}

// ErrCorruptCollection is returned for a received collection file that fails validation.
var ErrCorruptCollection = errors.New("the collection file is corrupt")

// ValidateReceived checks a received collection file at path and converts it in place to
// schema 11: SQLite integrity check, schema 14–18 downgraded, then opened by the engine. When
// setLastSync is set (a client after a download), ls is set to mod as Anki does.
func ValidateReceived(ctx context.Context, path string, setLastSync bool) error {
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorruptCollection, err)
	}
	var res string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
		db.Close()
		return fmt.Errorf("%w: integrity check: %v %s", ErrCorruptCollection, err, res)
	}
	ver, err := schema18.Version(ctx, db)
	if err != nil {
		db.Close()
		return fmt.Errorf("%w: %v", ErrCorruptCollection, err)
	}
	if ver != collection.SchemaVersion {
		if err := schema18.Downgrade(ctx, db); err != nil {
			db.Close()
			return fmt.Errorf("%w: %v", ErrCorruptCollection, err)
		}
	}
	if setLastSync {
		if _, err := db.ExecContext(ctx, "UPDATE col SET ls=mod"); err != nil {
			db.Close()
			return fmt.Errorf("set last sync: %w", err)
		}
	}
	if err := store.CloseForTransfer(ctx, db); err != nil {
		return err
	}
	// The engine must be able to load what we are about to use (JSON columns, tables).
	dir, err := os.MkdirTemp(filepath.Dir(path), ".sync-check-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	probe := filepath.Join(dir, "probe.anki2")
	if err := os.Link(path, probe); err != nil {
		if err := copyFile(path, probe); err != nil {
			return err
		}
	}
	col, err := collection.OpenWith(ctx, probe, collection.OpenOptions{})
	if err != nil {
		return fmt.Errorf("%w: %v", ErrCorruptCollection, err)
	}
	return col.Close()
}

// HasCards reports whether the collection file at path holds at least one card.
func HasCards(ctx context.Context, path string) (bool, error) {
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return false, fmt.Errorf("%w: %v", ErrCorruptCollection, err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM cards LIMIT 1)").Scan(&n); err != nil {
		return false, fmt.Errorf("%w: %v", ErrCorruptCollection, err)
	}
	return n > 0, nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o600)
}

// PrepareDownload makes the file a server sends for a full download: usn + 1 in col (Anki's
// server does this so the downloaded file and the server agree), then a snapshot converted to
// schema 18 when schema is 18. The caller removes the returned directory.
func PrepareDownload(ctx context.Context, col *collection.Collection, schema int) (path, dir string, err error) {
	err = col.Transact(ctx, func(tx *collection.Tx) error {
		st := tx.ColState()
		tx.SetModified(st.Mod) // a download does not change the collection
		return tx.SetSyncState(st.USN+1, st.LastSync, 0)
	})
	if err != nil {
		return "", "", fmt.Errorf("prepare download: %w", err)
	}
	dir, err = os.MkdirTemp(filepath.Dir(col.Path()), ".sync-download-")
	if err != nil {
		return "", "", fmt.Errorf("prepare download: %w", err)
	}
	path = filepath.Join(dir, "collection.anki2")
	if err := Snapshot(ctx, col, path); err != nil {
		os.RemoveAll(dir)
		return "", "", err
	}
	if schema == 18 {
		db, err := store.Open(ctx, path, store.Options{})
		if err == nil {
			err = schema18.Upgrade(ctx, db)
			if cerr := store.CloseForTransfer(ctx, db); err == nil {
				err = cerr
			}
		}
		if err != nil {
			os.RemoveAll(dir)
			return "", "", fmt.Errorf("prepare download: %w", err)
		}
	}
	return path, dir, nil
}
