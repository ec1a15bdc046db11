// Package media manages a collection's media folder and the media database that tracks
// what changed since the last media sync (Anki's media.db2 layout).
package media

import (
	"bytes"
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/deckhand-app/deckhand/collection/medianame"
	"github.com/deckhand-app/deckhand/collection/store"
)

// MaxFileSize is the largest media file Anki syncs (100 MiB).
const MaxFileSize = 100 << 20

const schema = `
CREATE TABLE media (
  fname text NOT NULL PRIMARY KEY,
  csum text,
  mtime int NOT NULL,
  dirty int NOT NULL
) WITHOUT ROWID;
CREATE INDEX idx_media_dirty ON media (dirty) WHERE dirty = 1;
CREATE TABLE meta (dirMod int, lastUsn int);
INSERT INTO meta VALUES (0, 0);
`

// Folder is a media folder and its database.
type Folder struct {
	dir string
	db  *sql.DB
}

// Entry is one file known to the media database.
type Entry struct {
	Name  string
	SHA1  string // hex; empty when the file was deleted and the deletion is not synced yet
	MTime int64
	Dirty bool
}

// Open opens (creating when missing) the media folder dir and its database at dbPath.
func Open(ctx context.Context, dir, dbPath string) (*Folder, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("media folder: %w", err)
	}
	db, err := store.Open(ctx, dbPath, store.Options{Create: true})
	if err != nil {
		return nil, fmt.Errorf("media database: %w", err)
	}
	// A database without any table is new, or was being created when its process died (the
	// file appears before its schema): create the schema, in one transaction so that it is
	// all there or not at all. Tables other than ours mean a file that is not ours.
	var tables int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type='table'").Scan(&tables); err != nil {
		db.Close()
		return nil, fmt.Errorf("media database %s: %w", dbPath, err)
	}
	if tables == 0 {
		if err := createSchema(ctx, db); err != nil {
			db.Close()
			return nil, fmt.Errorf("media database: create: %w", err)
		}
	} else {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM media").Scan(&n); err != nil {
			db.Close()
			return nil, fmt.Errorf("media database %s: not a media database: %w", dbPath, err)
		}
	}
	removeStaleTemps(dir)
	return &Folder{dir: dir, db: db}, nil
}

func createSchema(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, schema); err != nil {
		return err
	}
	return tx.Commit()
}

// tempPrefix names the files writeFileAtomic writes before renaming them into place.
const tempPrefix = ".tmp-media-"

// staleTemp is the age at which a temporary is taken to be left by a process that died
// mid-write (a kill during a media download or add); younger ones may belong to another
// process adding media to the same folder right now.
const staleTemp = time.Hour

// removeStaleTemps deletes half-written temporaries a killed process left in the media
// folder. Scan skips them, so nothing else would ever remove them.
func removeStaleTemps(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tempPrefix) || !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < staleTemp {
			continue
		}
		p := filepath.Join(dir, e.Name())
		if err := os.Remove(p); err != nil {
			slog.Warn("remove leftover media temporary", "path", p, "err", err)
		} else {
			slog.Info("removed leftover media temporary", "path", p)
		}
	}
}

// Close closes the media database.
func (f *Folder) Close() error {
	if f == nil || f.db == nil {
		return nil
	}
	err := f.db.Close()
	f.db = nil
	return err
}

// Dir is the media folder.
func (f *Folder) Dir() string { return f.dir }

// Path returns the file path of a media file name (which must be safe).
func (f *Folder) Path(name string) (string, error) {
	if !medianame.IsSafe(name) {
		return "", fmt.Errorf("media name %q is not a plain file name", name)
	}
	return filepath.Join(f.dir, name), nil
}

// HashFile returns the hex SHA-1 of a file.
func HashFile(path string) (string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer fh.Close()
	h := sha1.New()
	if _, err := io.Copy(h, fh); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// AddData stores data under a normalised form of name and returns the name actually used:
// the same name when the folder has no such file or the same bytes, otherwise the name
// with the content's SHA-1 appended to its stem (as Anki does on clashes).
func (f *Folder) AddData(ctx context.Context, name string, data []byte) (string, error) {
	if len(data) > MaxFileSize {
		return "", fmt.Errorf("add media %q: %d bytes is over the 100 MiB limit", name, len(data))
	}
	norm, err := medianame.Normalize(name)
	if err != nil {
		return "", fmt.Errorf("add media %q: %w", name, err)
	}
	sum := sha1.Sum(data)
	hexsum := hex.EncodeToString(sum[:])
	target := norm
	if existing, err := HashFile(filepath.Join(f.dir, norm)); err == nil {
		if existing == hexsum {
			return norm, f.record(ctx, norm, hexsum)
		}
		target = medianame.WithHashSuffix(norm, hexsum)
		if existing2, err := HashFile(filepath.Join(f.dir, target)); err == nil && existing2 == hexsum {
			return target, f.record(ctx, target, hexsum)
		}
	}
	if err := writeFileAtomic(filepath.Join(f.dir, target), bytes.NewReader(data)); err != nil {
		return "", fmt.Errorf("add media %q: %w", name, err)
	}
	return target, f.record(ctx, target, hexsum)
}

// AddFile copies a file from disk into the media folder (see AddData).
func (f *Folder) AddFile(ctx context.Context, srcPath string) (string, error) {
	st, err := os.Stat(srcPath)
	if err != nil {
		return "", fmt.Errorf("add media: %w", err)
	}
	if st.Size() > MaxFileSize {
		return "", fmt.Errorf("add media %s: %d bytes is over the 100 MiB limit", srcPath, st.Size())
	}
	data, err := os.ReadFile(srcPath)
	if err != nil {
		return "", fmt.Errorf("add media: %w", err)
	}
	return f.AddData(ctx, filepath.Base(srcPath), data)
}

func writeFileAtomic(path string, r io.Reader) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), tempPrefix+"*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, r); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func (f *Folder) record(ctx context.Context, name, hexsum string) error {
	st, err := os.Stat(filepath.Join(f.dir, name))
	if err != nil {
		return fmt.Errorf("media %q: %w", name, err)
	}
	_, err = f.db.ExecContext(ctx, `INSERT INTO media (fname, csum, mtime, dirty) VALUES (?, ?, ?, 1)
		ON CONFLICT(fname) DO UPDATE SET csum=excluded.csum, mtime=excluded.mtime,
		dirty=CASE WHEN media.csum IS excluded.csum THEN media.dirty ELSE 1 END`,
		name, hexsum, st.ModTime().Unix())
	if err != nil {
		return fmt.Errorf("media database: %w", err)
	}
	return nil
}

// Remove deletes files from the folder and records the deletions for the next media sync.
func (f *Folder) Remove(ctx context.Context, names ...string) error {
	for _, name := range names {
		p, err := f.Path(name)
		if err != nil {
			return err
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove media %q: %w", name, err)
		}
		if _, err := f.db.ExecContext(ctx, `INSERT INTO media (fname, csum, mtime, dirty) VALUES (?, NULL, 0, 1)
			ON CONFLICT(fname) DO UPDATE SET csum=NULL, mtime=0, dirty=1`, name); err != nil {
			return fmt.Errorf("media database: %w", err)
		}
	}
	return nil
}

// Changes summarises what Scan found.
type Changes struct {
	Added, Modified, Removed []string
	// Skipped lists folder entries that are not syncable media (directories, unsafe or
	// non-normalised names, empty files, files over the size limit).
	Skipped []string
}

// Scan brings the database in line with the folder: new and modified files (by mtime, then
// SHA-1) and removed files are marked dirty for the next media sync, as Anki does at sync start.
func (f *Folder) Scan(ctx context.Context) (Changes, error) {
	var ch Changes
	all, err := f.Entries(ctx)
	if err != nil {
		return ch, fmt.Errorf("media scan: %w", err)
	}
	known := make(map[string]Entry, len(all))
	for _, e := range all {
		known[e.Name] = e
	}
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		return ch, fmt.Errorf("media scan: %w", err)
	}
	seen := map[string]bool{}
	for _, de := range entries {
		if err := ctx.Err(); err != nil {
			return ch, err
		}
		name := de.Name()
		if strings.HasPrefix(name, tempPrefix) {
			continue
		}
		info, err := de.Info()
		if err != nil || !info.Mode().IsRegular() || info.Size() == 0 || info.Size() > MaxFileSize || name == ".DS_Store" {
			ch.Skipped = append(ch.Skipped, name)
			continue
		}
		if norm, err := medianame.Normalize(name); err != nil || norm != name {
			ch.Skipped = append(ch.Skipped, name)
			continue
		}
		seen[name] = true
		e, ok := known[name]
		if ok && e.SHA1 != "" && e.MTime == info.ModTime().Unix() {
			continue
		}
		sum, err := HashFile(filepath.Join(f.dir, name))
		if err != nil {
			return ch, fmt.Errorf("media scan %q: %w", name, err)
		}
		switch {
		case !ok || e.SHA1 == "":
			ch.Added = append(ch.Added, name)
		case e.SHA1 != sum:
			ch.Modified = append(ch.Modified, name)
		}
		if err := f.record(ctx, name, sum); err != nil {
			return ch, err
		}
	}
	for name, e := range known {
		if e.SHA1 != "" && !seen[name] {
			ch.Removed = append(ch.Removed, name)
			if _, err := f.db.ExecContext(ctx, "UPDATE media SET csum=NULL, mtime=0, dirty=1 WHERE fname=?", name); err != nil {
				return ch, fmt.Errorf("media database: %w", err)
			}
		}
	}
	sort.Strings(ch.Added)
	sort.Strings(ch.Modified)
	sort.Strings(ch.Removed)
	return ch, nil
}

// Entries lists the files the database knows, deleted ones included, by name.
func (f *Folder) Entries(ctx context.Context) ([]Entry, error) {
	return f.queryEntries(ctx, "")
}

// queryEntries reads media rows matching where (empty: all), ordered by name.
func (f *Folder) queryEntries(ctx context.Context, where string) ([]Entry, error) {
	q := "SELECT fname, csum, mtime, dirty FROM media"
	if where != "" {
		q += " WHERE " + where
	}
	rows, err := f.db.QueryContext(ctx, q+" ORDER BY fname")
	if err != nil {
		return nil, fmt.Errorf("media database: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var csum sql.NullString
		if err := rows.Scan(&e.Name, &csum, &e.MTime, &e.Dirty); err != nil {
			return nil, fmt.Errorf("media database: %w", err)
		}
		e.SHA1 = csum.String
		out = append(out, e)
	}
	return out, rows.Err()
}

// Count is the number of files present (not deleted) according to the database.
func (f *Folder) Count(ctx context.Context) (int, error) {
	var n int
	err := f.db.QueryRowContext(ctx, "SELECT count(*) FROM media WHERE csum IS NOT NULL").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("media count: %w", err)
	}
	return n, nil
}

// LastUSN is the media sync position (meta.lastUsn).
func (f *Folder) LastUSN(ctx context.Context) (int, error) {
	var n int
	err := f.db.QueryRowContext(ctx, "SELECT lastUsn FROM meta").Scan(&n)
	return n, err
}

// CheckReport is the result of comparing the folder with what notes reference.
type CheckReport struct {
	Unused  []string           // in the folder, not referenced, not static ("_" prefix)
	Missing map[string][]int64 // referenced but absent → note ids
	Renamed map[string]string  // non-normalised folder names fixed (old → new)
}

// Check compares the folder with refs (media name → ids of notes that reference it), renaming
// files whose names Anki would not accept to their normalised form first.
func (f *Folder) Check(ctx context.Context, refs map[string][]int64) (CheckReport, error) {
	rep := CheckReport{Missing: map[string][]int64{}, Renamed: map[string]string{}}
	entries, err := os.ReadDir(f.dir)
	if err != nil {
		return rep, fmt.Errorf("check media: %w", err)
	}
	present := map[string]bool{}
	for _, de := range entries {
		name := de.Name()
		if de.IsDir() || name == ".DS_Store" || strings.HasPrefix(name, tempPrefix) {
			continue
		}
		norm, err := medianame.Normalize(name)
		if err != nil {
			continue
		}
		if norm != name {
			if _, err := os.Stat(filepath.Join(f.dir, norm)); errors.Is(err, fs.ErrNotExist) {
				if err := os.Rename(filepath.Join(f.dir, name), filepath.Join(f.dir, norm)); err != nil {
					return rep, fmt.Errorf("check media: rename %q: %w", name, err)
				}
				rep.Renamed[name] = norm
				name = norm
			}
		}
		present[name] = true
	}
	for name := range present {
		if _, ok := refs[name]; !ok && !medianame.IsStatic(name) {
			rep.Unused = append(rep.Unused, name)
		}
	}
	for name, nids := range refs {
		if !present[name] {
			rep.Missing[name] = nids
		}
	}
	sort.Strings(rep.Unused)
	if _, err := f.Scan(ctx); err != nil {
		return rep, err
	}
	return rep, nil
}
