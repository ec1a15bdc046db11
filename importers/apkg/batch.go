package apkg

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// batchInsert buffers rows and writes them with multi-row INSERT statements: per-row
// statements cost more in database/sql and the driver than SQLite spends storing the
// row, which dominated imports of large review histories.
type batchInsert struct {
	ctx      context.Context
	q        *sql.Tx
	head     string // "INSERT ... INTO t (cols) VALUES "
	cols     int
	rows     int
	args     []any
	stmt     *sql.Stmt // prepared for a full batch
	affected int64
}

const batchRows = 200

func newBatchInsert(ctx context.Context, q *sql.Tx, head string, cols int) *batchInsert {
	return &batchInsert{ctx: ctx, q: q, head: head, cols: cols}
}

func (b *batchInsert) sql(rows int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", b.cols), ",") + ")"
	return b.head + strings.TrimSuffix(strings.Repeat(one+",", rows), ",")
}

func (b *batchInsert) add(vals ...any) error {
	b.args = append(b.args, vals...)
	b.rows++
	if b.rows < batchRows {
		return nil
	}
	if b.stmt == nil {
		st, err := b.q.PrepareContext(b.ctx, b.sql(batchRows))
		if err != nil {
			return fmt.Errorf("prepare insert: %w", err)
		}
		b.stmt = st
	}
	res, err := b.stmt.ExecContext(b.ctx, b.args...)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	b.affected += n
	b.args, b.rows = b.args[:0], 0
	return nil
}

func (b *batchInsert) flush() error {
	defer func() {
		if b.stmt != nil {
			b.stmt.Close()
			b.stmt = nil
		}
	}()
	if b.rows == 0 {
		return nil
	}
	res, err := b.q.ExecContext(b.ctx, b.sql(b.rows), b.args...)
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	b.affected += n
	b.args, b.rows = b.args[:0], 0
	return nil
}
