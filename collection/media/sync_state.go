package media

import (
	"bytes"
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Media-sync bookkeeping for sync/media: the client's view of what the server has seen.

// Lookup returns the database entry for name.
func (f *Folder) Lookup(ctx context.Context, name string) (Entry, bool, error) {
	var e Entry
	var csum sql.NullString
	err := f.db.QueryRowContext(ctx, "SELECT fname, csum, mtime, dirty FROM media WHERE fname=?", name).
		Scan(&e.Name, &csum, &e.MTime, &e.Dirty)
	if errors.Is(err, sql.ErrNoRows) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("media database: %w", err)
	}
	e.SHA1 = csum.String
	return e, true, nil
}

// Dirty lists the entries changed since the last media sync (additions and deletions).
func (f *Folder) Dirty(ctx context.Context) ([]Entry, error) {
	return f.queryEntries(ctx, "dirty=1")
}

// MarkClean records that the server has the current state of names.
func (f *Folder) MarkClean(ctx context.Context, names ...string) error {
	for _, n := range names {
		if _, err := f.db.ExecContext(ctx, "UPDATE media SET dirty=0 WHERE fname=?", n); err != nil {
			return fmt.Errorf("media database: %w", err)
		}
		// A synced deletion needs no row any more.
		if _, err := f.db.ExecContext(ctx, "DELETE FROM media WHERE fname=? AND csum IS NULL", n); err != nil {
			return fmt.Errorf("media database: %w", err)
		}
	}
	return nil
}

// SetLastUSN stores the media sync position.
func (f *Folder) SetLastUSN(ctx context.Context, usn int) error {
	_, err := f.db.ExecContext(ctx, "UPDATE meta SET lastUsn=?", usn)
	if err != nil {
		return fmt.Errorf("media database: %w", err)
	}
	return nil
}

// StoreSynced writes a file received from the server (atomically) and records it as clean.
// The name must be safe; the caller checks the server's names.
func (f *Folder) StoreSynced(ctx context.Context, name string, data []byte) error {
	p, err := f.Path(name)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(p, bytes.NewReader(data)); err != nil {
		return fmt.Errorf("store media %q: %w", name, err)
	}
	sum := sha1.Sum(data)
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	_, err = f.db.ExecContext(ctx, `INSERT INTO media (fname, csum, mtime, dirty) VALUES (?, ?, ?, 0)
		ON CONFLICT(fname) DO UPDATE SET csum=excluded.csum, mtime=excluded.mtime, dirty=0`,
		name, hex.EncodeToString(sum[:]), st.ModTime().Unix())
	if err != nil {
		return fmt.Errorf("media database: %w", err)
	}
	return nil
}

// RemoveSynced deletes a file the server deleted, without recording a local change.
func (f *Folder) RemoveSynced(ctx context.Context, name string) error {
	p, err := f.Path(name)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove media %q: %w", name, err)
	}
	if _, err := f.db.ExecContext(ctx, "DELETE FROM media WHERE fname=?", name); err != nil {
		return fmt.Errorf("media database: %w", err)
	}
	return nil
}

// ReadFile returns a media file's bytes.
func (f *Folder) ReadFile(name string) ([]byte, error) {
	p, err := f.Path(name)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(filepath.Clean(p))
}

// ResetSyncState forgets the sync position and marks every present file as changed, so the
// next media sync compares everything (Anki does this after a failed media sanity check).
func (f *Folder) ResetSyncState(ctx context.Context) error {
	if _, err := f.db.ExecContext(ctx, "UPDATE media SET dirty=1 WHERE csum IS NOT NULL"); err != nil {
		return fmt.Errorf("media database: %w", err)
	}
	return f.SetLastUSN(ctx, 0)
}
