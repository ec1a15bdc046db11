package media

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/deckhand-app/deckhand/collection/medianame"
)

// Adopt records in the media database a file that an importer has already moved into the
// folder (after staging it outside, so that a failed import leaves the folder untouched),
// with its known SHA-1, marking it for the next media sync.
func (f *Folder) Adopt(ctx context.Context, name, sha1hex string) error {
	if !medianame.IsSafe(name) {
		return fmt.Errorf("adopt media %q: not a plain file name", name)
	}
	if err := medianame.CheckSHA1Hex(sha1hex); err != nil {
		return fmt.Errorf("adopt media %q: %w", name, err)
	}
	if _, err := os.Stat(filepath.Join(f.dir, name)); err != nil {
		return fmt.Errorf("adopt media %q: %w", name, err)
	}
	return f.record(ctx, name, sha1hex)
}

// AdoptAll is Adopt for many files in one database transaction (name → hex SHA-1).
func (f *Folder) AdoptAll(ctx context.Context, files map[string]string) error {
	tx, err := f.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("media database: %w", err)
	}
	defer tx.Rollback()
	for name, sum := range files {
		if !medianame.IsSafe(name) {
			return fmt.Errorf("adopt media %q: not a plain file name", name)
		}
		if err := medianame.CheckSHA1Hex(sum); err != nil {
			return fmt.Errorf("adopt media %q: %w", name, err)
		}
		st, err := os.Stat(filepath.Join(f.dir, name))
		if err != nil {
			return fmt.Errorf("adopt media %q: %w", name, err)
		}
		// Same statement as record, inside the batch transaction.
		_, err = tx.ExecContext(ctx, `INSERT INTO media (fname, csum, mtime, dirty) VALUES (?, ?, ?, 1)
			ON CONFLICT(fname) DO UPDATE SET csum=excluded.csum, mtime=excluded.mtime,
			dirty=CASE WHEN media.csum IS excluded.csum THEN media.dirty ELSE 1 END`,
			name, sum, st.ModTime().Unix())
		if err != nil {
			return fmt.Errorf("media database: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("media database: %w", err)
	}
	return nil
}
