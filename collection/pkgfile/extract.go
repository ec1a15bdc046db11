package pkgfile

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/deckhand-app/deckhand/collection/schema18"
	"github.com/deckhand-app/deckhand/collection/store"
)

var sqliteMagic = []byte("SQLite format 3\x00")

// ExtractCollection writes the package's collection file (zstd-decoded for Latest) to
// dstPath via a temporary file in the same directory and a rename, and returns the
// schema version recorded in it (col.ver). It never reads the dummy collection.anki2
// when a newer collection member exists. A Latest file is left as Anki wrote it, often
// in WAL mode: open it read-write through store.Open (or with immutable=1).
func (r *Reader) ExtractCollection(ctx context.Context, dstPath string) (schemaVer int, err error) {
	name := r.gen.CollectionMember()
	f := r.members[name]
	tmp, err := os.CreateTemp(filepath.Dir(dstPath), ".extract-*.tmp")
	if err != nil {
		return 0, fmt.Errorf("extract %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()

	rc, err := f.Open()
	if err != nil {
		return 0, invalidf("%s: %v", name, err)
	}
	defer rc.Close()
	var src io.Reader = ctxReader{ctx, rc}
	if r.gen.zstd() {
		d, err := newZstdReader(src)
		if err != nil {
			return 0, fmt.Errorf("extract %s: %w", name, err)
		}
		defer d.Close()
		src = d
	}
	g := newGuardedReader(src, name, uint64(r.lim.MaxCollectionBytes), f.CompressedSize64, r.lim)
	if _, err := io.Copy(tmp, g); err != nil {
		return 0, fmt.Errorf("extract %s: %w", name, wrapZipErr(err))
	}
	if err := checkSQLiteHeader(tmp, name); err != nil {
		return 0, err
	}
	if err := tmp.Sync(); err != nil {
		return 0, fmt.Errorf("extract %s: %w", name, err)
	}
	if err := tmp.Close(); err != nil {
		return 0, fmt.Errorf("extract %s: %w", name, err)
	}
	ver, err := readSchemaVersion(ctx, tmp.Name())
	if err != nil {
		return 0, fmt.Errorf("extract %s: %w", name, err)
	}
	if err := os.Rename(tmp.Name(), dstPath); err != nil {
		return 0, fmt.Errorf("extract %s: %w", name, err)
	}
	return ver, nil
}

func checkSQLiteHeader(f *os.File, name string) error {
	head := make([]byte, len(sqliteMagic))
	if _, err := f.ReadAt(head, 0); err != nil || !bytes.Equal(head, sqliteMagic) {
		return invalidf("%s is not an SQLite database", name)
	}
	return nil
}

// readSchemaVersion opens the file read-only and immutable, so that a WAL-mode file gets
// no side files, and checks that Anki could open it.
func readSchemaVersion(ctx context.Context, path string) (int, error) {
	db, err := store.Open(ctx, path, store.Options{ReadOnly: true})
	if err != nil {
		return 0, invalidf("collection: %v", err)
	}
	defer db.Close()
	ver, err := schema18.Version(ctx, db)
	if err != nil {
		return 0, invalidf("collection: %v", err)
	}
	if ver < schema18.MinVersion || ver > schema18.MaxVersion || ver == 12 || ver == 13 {
		return 0, invalidf("collection has unsupported schema version %d", ver)
	}
	return ver, nil
}
