package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"golang.org/x/text/cases"
	"modernc.org/sqlite"
)

// DriverName is the database/sql driver every connection uses.
const DriverName = "sqlite"

var folder = cases.Fold()

func init() {
	// Schema-18 files declare name columns COLLATE unicase; without it SQLite refuses
	// even to compare those columns. Anki's unicase is Unicode case folding.
	if err := sqlite.RegisterCollationUtf8("unicase", UnicaseCompare); err != nil {
		panic(fmt.Sprintf("register unicase collation: %v", err))
	}
}

// UnicaseCompare compares two strings after Unicode case folding, like Anki's unicase collation.
func UnicaseCompare(a, b string) int {
	if isASCII(a) && isASCII(b) {
		return compareASCIIFold(a, b)
	}
	return strings.Compare(folder.String(a), folder.String(b))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func compareASCIIFold(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := lowerASCII(a[i]), lowerASCII(b[i])
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// Options control how a database file is opened.
type Options struct {
	// ReadOnly opens the file without taking a write lock and never creates side files
	// (immutable=1), for inspecting files we do not own, such as package members.
	ReadOnly bool
	// Create allows the file not to exist yet.
	Create bool
	// CacheKiB is SQLite's page cache in KiB; 0 keeps SQLite's default (2 MB).
	CacheKiB int
}

// Open opens a SQLite file with the project's pragmas: WAL journal, a busy timeout, and one
// connection, so that there is exactly one writer and transactions are never interleaved.
func Open(ctx context.Context, path string, opt Options) (*sql.DB, error) {
	if !opt.Create {
		st, err := os.Stat(path)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", path, err)
		}
		if st.IsDir() {
			return nil, fmt.Errorf("open %s: is a directory", path)
		}
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	if opt.ReadOnly {
		q.Add("mode", "ro")
		q.Add("immutable", "1")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(NORMAL)")
		q.Add("_txlock", "immediate")
	}
	q.Add("_pragma", "foreign_keys(0)")
	if opt.CacheKiB > 0 {
		q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", opt.CacheKiB))
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	db, err := sql.Open(DriverName, dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// A file that is not SQLite only fails on the first real read.
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master").Scan(&n); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: not a readable SQLite database: %w", path, err)
	}
	return db, nil
}

// CreateSchema11 creates Anki's schema-11 tables and indexes in an empty database.
func CreateSchema11(ctx context.Context, db *sql.DB) error {
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type='table'").Scan(&n); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	if n != 0 {
		return errors.New("create schema: database is not empty")
	}
	if _, err := db.ExecContext(ctx, Schema11); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	return nil
}

// CloseForTransfer checkpoints the WAL and switches the file back to rollback-journal mode
// before closing, so that the single collection file is complete and can be copied, zipped,
// uploaded or opened by Anki without its -wal side file (as Anki does when closing schema 11).
func CloseForTransfer(ctx context.Context, db *sql.DB) error {
	var errs []error
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		errs = append(errs, fmt.Errorf("checkpoint: %w", err))
	}
	if _, err := db.ExecContext(ctx, "PRAGMA journal_mode=DELETE"); err != nil {
		errs = append(errs, fmt.Errorf("journal mode: %w", err))
	}
	if err := db.Close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
