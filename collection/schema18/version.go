// Package schema18 converts Anki collections between schema 11 (JSON in the col table,
// used by collection.anki2/.anki21 and legacy sync) and schema 18 (notetypes, decks,
// deck_config, config and tags tables with protobuf blobs, used by collection.anki21b),
// following rslib/src/storage/upgrades.
package schema18

import (
	"context"
	"database/sql"
	"fmt"
)

// Schema versions Anki can open; 12 and 13 were never released.
const (
	MinVersion = 11
	MaxVersion = 18
)

type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Version returns col.ver.
func Version(ctx context.Context, db *sql.DB) (int, error) {
	return version(ctx, db)
}

func version(ctx context.Context, q querier) (int, error) {
	var v int
	if err := q.QueryRowContext(ctx, "SELECT ver FROM col").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

func checkSupported(v int) error {
	if v < MinVersion || v > MaxVersion || v == 12 || v == 13 {
		return fmt.Errorf("unsupported collection schema version %d (want 11 or 14–18)", v)
	}
	return nil
}
