// Package media implements Anki's media sync (msync/*): the server's per-user media store
// and the client's syncer for a collection's media folder.
package media

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/deckhand-app/deckhand/collection/store"
	"github.com/deckhand-app/deckhand/sync/protocol"
)

// Store is a server's media for one user: a folder and a database with one row per file
// ever seen (size 0 marks a deletion) and the usn of its last change (Anki's server media DB).
type Store struct {
	dir string
	db  *sql.DB
}

const storeSchema = `
CREATE TABLE IF NOT EXISTS media (fname TEXT NOT NULL PRIMARY KEY, csum TEXT, size INTEGER NOT NULL,
  usn INTEGER NOT NULL, mtime INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_media_usn ON media (usn);
CREATE TABLE IF NOT EXISTS meta (last_usn INTEGER NOT NULL, total_bytes INTEGER NOT NULL, total_nonempty_files INTEGER NOT NULL);
INSERT INTO meta SELECT 0, 0, 0 WHERE NOT EXISTS (SELECT 1 FROM meta);
`

// OpenStore opens (creating) a media store: files in dir, database at dbPath.
func OpenStore(ctx context.Context, dir, dbPath string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("media store: %w", err)
	}
	db, err := store.Open(ctx, dbPath, store.Options{Create: true})
	if err != nil {
		return nil, fmt.Errorf("media store: %w", err)
	}
	if _, err := db.ExecContext(ctx, storeSchema); err != nil {
		db.Close()
		return nil, fmt.Errorf("media store: %w", err)
	}
	return &Store{dir: dir, db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// LastUSN is the usn of the newest change.
func (s *Store) LastUSN(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT last_usn FROM meta").Scan(&n)
	return n, err
}

// Count is the number of files present.
func (s *Store) Count(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, "SELECT total_nonempty_files FROM meta").Scan(&n)
	return n, err
}

// Changes lists changes after usn, oldest first, at most limit.
func (s *Store) Changes(ctx context.Context, after, limit int) ([]protocol.MediaChange, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT fname, usn, coalesce(csum, '') FROM media WHERE usn > ? ORDER BY usn LIMIT ?", after, limit)
	if err != nil {
		return nil, fmt.Errorf("media changes: %w", err)
	}
	defer rows.Close()
	out := []protocol.MediaChange{}
	for rows.Next() {
		var c protocol.MediaChange
		if err := rows.Scan(&c.Name, &c.USN, &c.SHA1); err != nil {
			return nil, fmt.Errorf("media changes: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ErrMissingFile is a requested file the server does not have (HTTP 409).
var ErrMissingFile = errors.New("requested media file not on the server")

// ZipFiles packs up to MediaFilesPerZip files: entries "0", "1", … and _meta, a JSON object
// mapping entry to name.
func (s *Store) ZipFiles(ctx context.Context, names []string) ([]byte, error) {
	if len(names) > protocol.MediaFilesPerZip {
		return nil, fmt.Errorf("%d files requested, at most %d per call", len(names), protocol.MediaFilesPerZip)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	meta := map[string]string{}
	for i, name := range names {
		if err := CheckName(name); err != nil {
			return nil, err
		}
		var size int64
		err := s.db.QueryRowContext(ctx, "SELECT size FROM media WHERE fname=?", name).Scan(&size)
		if errors.Is(err, sql.ErrNoRows) || size == 0 {
			return nil, fmt.Errorf("%w: %q", ErrMissingFile, name)
		}
		if err != nil {
			return nil, err
		}
		data, err := os.ReadFile(filepath.Join(s.dir, name))
		if err != nil {
			return nil, fmt.Errorf("%w: %q: %v", ErrMissingFile, name, err)
		}
		key := strconv.Itoa(i)
		w, err := zw.CreateHeader(&zip.FileHeader{Name: key, Method: zip.Store})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(data); err != nil {
			return nil, err
		}
		meta[key] = name
	}
	mb, _ := json.Marshal(meta)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "_meta", Method: zip.Store})
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(mb); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// CheckName applies the server's rules to a media name: valid UTF-8, NFC, at most 255 bytes,
// one plain file name.
func CheckName(name string) error {
	switch {
	case name == "" || !utf8.ValidString(name):
		return fmt.Errorf("media name %q: empty or not UTF-8", name)
	case len(name) > protocol.MaxMediaNameServer:
		return fmt.Errorf("media name %.40q…: longer than %d bytes", name, protocol.MaxMediaNameServer)
	case !norm.NFC.IsNormalString(name):
		return fmt.Errorf("media name %q: not NFC-normalised", name)
	case strings.ContainsAny(name, "/\\\x00") || name == "." || name == ".." || strings.HasPrefix(name, ".tmp-"):
		return fmt.Errorf("media name %q: not a plain file name", name)
	}
	return nil
}

// UploadEntry is one line of an upload's _meta: a file (Data set) or a deletion.
type UploadEntry struct {
	Name   string
	Delete bool
	Data   []byte
}

// ReadUploadZip parses a client upload zip: _meta is a JSON array of [name, "index"] for
// files and [name, null] (or legacy "") for deletions. Names, counts and sizes are checked.
func ReadUploadZip(data []byte) ([]UploadEntry, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("upload: not a zip: %w", err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	mf, ok := files["_meta"]
	if !ok {
		return nil, errors.New("upload: zip has no _meta")
	}
	metaRaw, err := readZipEntry(mf, protocol.MediaMetaLimit)
	if err != nil {
		return nil, fmt.Errorf("upload: _meta: %w", err)
	}
	var meta [][2]*string
	if err := json.Unmarshal(metaRaw, &meta); err != nil {
		return nil, fmt.Errorf("upload: _meta: %w", err)
	}
	if len(meta) > protocol.MediaFilesPerZip {
		return nil, fmt.Errorf("upload: %d entries, at most %d", len(meta), protocol.MediaFilesPerZip)
	}
	out := make([]UploadEntry, 0, len(meta))
	for _, m := range meta {
		if m[0] == nil {
			return nil, errors.New("upload: _meta entry without a name")
		}
		name := *m[0]
		if err := CheckName(name); err != nil {
			return nil, fmt.Errorf("upload: %w", err)
		}
		if m[1] == nil || *m[1] == "" {
			out = append(out, UploadEntry{Name: name, Delete: true})
			continue
		}
		f, ok := files[*m[1]]
		if !ok {
			return nil, fmt.Errorf("upload: _meta names entry %q that the zip lacks", *m[1])
		}
		b, err := readZipEntry(f, protocol.MaxMediaFileSize)
		if err != nil {
			return nil, fmt.Errorf("upload: %q: %w", name, err)
		}
		if len(b) == 0 {
			return nil, fmt.Errorf("upload: %q is empty", name)
		}
		out = append(out, UploadEntry{Name: name, Data: b})
	}
	return out, nil
}

func readZipEntry(f *zip.File, max int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(max) {
		return nil, fmt.Errorf("%d bytes, over the %d-byte limit", f.UncompressedSize64, max)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("over the %d-byte limit", max)
	}
	return b, nil
}

// ApplyUpload stores an upload: every addition, replacement or deletion gets the next usn.
// It returns how many entries were processed and the new last usn.
func (s *Store) ApplyUpload(ctx context.Context, data []byte) (processed, lastUSN int, err error) {
	entries, err := ReadUploadZip(data)
	if err != nil {
		return 0, 0, err
	}
	// Once files are written the batch must be recorded whole: a client that hangs up
	// mid-request (killed, network lost) cancels the request's context, and stopping then
	// left files in the folder that the database did not list. The work is bounded (one zip).
	ctx = context.WithoutCancel(ctx)
	// Files first (each atomically); the database then records them in one transaction, and
	// deleted files go only once it is committed (a file gone while its row still lists it
	// would make every other device's download of it fail).
	sums := make([]string, len(entries))
	for i, e := range entries {
		if e.Delete {
			continue
		}
		sum := sha1.Sum(e.Data)
		sums[i] = hex.EncodeToString(sum[:])
		if err := writeAtomic(filepath.Join(s.dir, e.Name), e.Data); err != nil {
			return 0, 0, fmt.Errorf("store %q: %w", e.Name, err)
		}
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	var usn int
	var total, count int64
	if err := tx.QueryRowContext(ctx, "SELECT last_usn, total_bytes, total_nonempty_files FROM meta").Scan(&usn, &total, &count); err != nil {
		return 0, 0, err
	}
	for i, e := range entries {
		var oldSize int64
		err := tx.QueryRowContext(ctx, "SELECT size FROM media WHERE fname=?", e.Name).Scan(&oldSize)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, 0, err
		}
		if oldSize > 0 {
			total -= oldSize
			count--
		}
		usn++
		if e.Delete {
			_, err = tx.ExecContext(ctx, `INSERT INTO media (fname, csum, size, usn, mtime) VALUES (?, NULL, 0, ?, strftime('%s'))
				ON CONFLICT(fname) DO UPDATE SET csum=NULL, size=0, usn=excluded.usn, mtime=excluded.mtime`, e.Name, usn)
		} else {
			total += int64(len(e.Data))
			count++
			_, err = tx.ExecContext(ctx, `INSERT INTO media (fname, csum, size, usn, mtime) VALUES (?, ?, ?, ?, strftime('%s'))
				ON CONFLICT(fname) DO UPDATE SET csum=excluded.csum, size=excluded.size, usn=excluded.usn, mtime=excluded.mtime`,
				e.Name, sums[i], len(e.Data), usn)
		}
		if err != nil {
			return 0, 0, err
		}
	}
	if _, err := tx.ExecContext(ctx, "UPDATE meta SET last_usn=?, total_bytes=?, total_nonempty_files=?", usn, total, count); err != nil {
		return 0, 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, err
	}
	deleted := map[string]bool{} // a name's last entry decides
	for _, e := range entries {
		deleted[e.Name] = e.Delete
	}
	for name, del := range deleted {
		if del {
			if err := os.Remove(filepath.Join(s.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
				return 0, 0, fmt.Errorf("remove %q: %w", name, err)
			}
		}
	}
	return len(entries), usn, nil
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-upload-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
