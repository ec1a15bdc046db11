package apkg

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/deckhand-app/deckhand/collection/store"
)

// rowStream hands over every row in order across batch boundaries, reports a scan error
// after the rows before it, and can be closed early without leaving its goroutine or the
// connection behind.
func TestRowStream(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "s.db"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 3*streamBatch + 7
	if _, err := db.Exec(`CREATE TABLE t (v INTEGER); WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < ?)
		INSERT INTO t SELECT x FROM c`, n); err != nil {
		t.Fatal(err)
	}
	query := func() *sql.Rows {
		rows, err := db.QueryContext(ctx, "SELECT v FROM t ORDER BY v")
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	scan := func(r *sql.Rows, v *int) error { return r.Scan(v) }

	s := streamRows(query(), scan)
	want := 1
	for s.Next() {
		if *s.Row() != want {
			t.Fatalf("row %d is %d", want, *s.Row())
		}
		want++
	}
	s.Close()
	if s.Err() != nil || want != n+1 {
		t.Fatalf("read %d rows, err %v", want-1, s.Err())
	}

	bad := errors.New("bad row")
	s = streamRows(query(), func(r *sql.Rows, v *int) error {
		if err := r.Scan(v); err != nil {
			return err
		}
		if *v == streamBatch+10 {
			return bad
		}
		return nil
	})
	got := 0
	for s.Next() {
		got++
	}
	s.Close()
	if !errors.Is(s.Err(), bad) || got != streamBatch+9 {
		t.Fatalf("with a bad row: %d rows, err %v", got, s.Err())
	}

	// stop after a few rows: Close must return, and the one connection be free again
	s = streamRows(query(), scan)
	for i := 0; i < 3 && s.Next(); i++ {
	}
	s.Close()
	var count int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM t").Scan(&count); err != nil || count != n {
		t.Fatalf("after an early close: %d, %v", count, err)
	}
}
