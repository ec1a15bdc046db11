package apkg

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// dropIndexes drops indexes of the attached export file (schema "exp") before the rows
// are copied and returns their DDL, to be run once the rows are in: one sort per index
// instead of a random B-tree insert per row. For a whole-collection copy, an index the
// source has too (same table, columns, order, collation, uniqueness) is kept instead: the
// transfer optimization then copies it entry by entry in order, which is faster still.
// An index without a source counterpart would disable that optimization for its table.
func dropIndexes(ctx context.Context, conn *sql.Conn, keepMatching bool) ([]string, error) {
	type index struct{ name, table, ddl string }
	rows, err := conn.QueryContext(ctx, "SELECT name, tbl_name, sql FROM exp.sqlite_master WHERE type = 'index' AND sql IS NOT NULL")
	if err != nil {
		return nil, err
	}
	var all []index
	for rows.Next() {
		var ix index
		if err := rows.Scan(&ix.name, &ix.table, &ix.ddl); err != nil {
			rows.Close()
			return nil, err
		}
		all = append(all, ix)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	source := map[string]bool{} // table + signature of the source's indexes
	if keepMatching {
		tables := map[string]bool{}
		for _, ix := range all {
			if tables[ix.table] {
				continue
			}
			tables[ix.table] = true
			sigs, err := indexSignatures(ctx, conn, "main", ix.table)
			if err != nil {
				return nil, err
			}
			for _, s := range sigs {
				source[ix.table+"\x00"+s] = true
			}
		}
	}
	var ddl []string
	for _, ix := range all {
		if keepMatching {
			sig, err := indexSignature(ctx, conn, "exp", ix.name, ix.table)
			if err != nil {
				return nil, err
			}
			if sig != "" && source[ix.table+"\x00"+sig] {
				continue
			}
		}
		if _, err := conn.ExecContext(ctx, `DROP INDEX exp."`+strings.ReplaceAll(ix.name, `"`, `""`)+`"`); err != nil {
			return nil, err
		}
		ddl = append(ddl, ix.ddl)
	}
	return ddl, nil
}

// indexSignatures returns the signature of every index of table in schema.
func indexSignatures(ctx context.Context, conn *sql.Conn, schema, table string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT name FROM pragma_index_list(?, ?)", table, schema)
	if err != nil {
		return nil, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		s, err := indexSignature(ctx, conn, schema, n, table)
		if err != nil {
			return nil, err
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// indexSignature describes what SQLite compares when it decides whether two indexes are
// interchangeable for the transfer optimization: uniqueness and, per column, the column,
// its order and collation. Partial indexes get "" (never treated as matching).
func indexSignature(ctx context.Context, conn *sql.Conn, schema, name, table string) (string, error) {
	var unique, partial int
	err := conn.QueryRowContext(ctx, "SELECT \"unique\", partial FROM pragma_index_list(?, ?) WHERE name = ?", table, schema, name).Scan(&unique, &partial)
	if err != nil {
		return "", fmt.Errorf("index %s.%s: %w", schema, name, err)
	}
	if partial != 0 {
		return "", nil
	}
	rows, err := conn.QueryContext(ctx, "SELECT cid, \"desc\", coalesce(coll, ''), key FROM pragma_index_xinfo(?, ?) ORDER BY seqno", name, schema)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "u%d", unique)
	for rows.Next() {
		var cid, desc, key int
		var coll string
		if err := rows.Scan(&cid, &desc, &coll, &key); err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "|%d %d %s %d", cid, desc, strings.ToLower(coll), key)
	}
	return b.String(), rows.Err()
}
