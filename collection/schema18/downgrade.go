package schema18

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
)

// Downgrade converts an open schema-18 (or 14–17) collection to schema 11 in place, as
// Anki's downgrade_to_schema_11 does: notetypes/fields/templates, decks, deck_config,
// config and tags become the col JSON columns (models, decks, dconf, conf, tags), deck
// names get "::" separators back, graves regain the schema-11 column order, the new tables
// are dropped and ver becomes 11. Unknown keys kept in `other` are merged back into the
// JSON objects. Files older than 18 are first upgraded, as Anki opens them. One
// transaction: on error the file is unchanged. A schema-11 file is left alone.
func Downgrade(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("downgrade: %w", err)
	}
	defer tx.Rollback()
	ver, err := version(ctx, tx)
	if err != nil {
		return fmt.Errorf("downgrade: %w", err)
	}
	if err := checkSupported(ver); err != nil {
		return fmt.Errorf("downgrade: %w", err)
	}
	if ver == 11 {
		return nil
	}
	if ver < 18 {
		if err := upgradeTx(ctx, tx, ver); err != nil {
			return fmt.Errorf("downgrade: upgrade from schema %d first: %w", ver, err)
		}
	}
	if err := downgradeTx(ctx, tx); err != nil {
		return fmt.Errorf("downgrade: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("downgrade: commit: %w", err)
	}
	return nil
}

func downgradeTx(ctx context.Context, tx querier) error {
	if _, err := tx.ExecContext(ctx, schema18Downgrade); err != nil {
		return fmt.Errorf("graves: %w", err)
	}
	steps := []struct {
		column string
		build  func(context.Context, querier) ([]byte, error)
	}{
		{"dconf", deckConfigJSON},
		{"decks", decksJSON},
		{"models", notetypesJSON},
		{"conf", configJSON},
		{"tags", tagsJSON},
	}
	for _, s := range steps {
		js, err := s.build(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE col SET "+s.column+" = ?", string(js)); err != nil {
			return fmt.Errorf("write col.%s: %w", s.column, err)
		}
	}
	if _, err := tx.ExecContext(ctx, schema11Downgrade); err != nil {
		return fmt.Errorf("drop schema-18 tables: %w", err)
	}
	return nil
}

// idMap writes {"<id>": <object>, …}.
type idMap struct {
	w owriter
}

func (m *idMap) add(id int64, obj []byte) {
	if m.w.seen == nil {
		m.w.begin()
	}
	m.w.raw(strconv.FormatInt(id, 10), obj)
}

func (m *idMap) bytes() []byte {
	if m.w.seen == nil {
		return []byte("{}")
	}
	m.w.end()
	return m.w.buf.Bytes()
}

func deckConfigJSON(ctx context.Context, tx querier) ([]byte, error) {
	confs, err := readDeckConfigs(ctx, tx)
	if err != nil {
		return nil, err
	}
	var m idMap
	for _, c := range confs {
		c.Config.ensureValid()
		m.add(c.ID, c.schema11JSON())
	}
	return m.bytes(), nil
}

func decksJSON(ctx context.Context, tx querier) ([]byte, error) {
	decks, err := readDecks(ctx, tx)
	if err != nil {
		return nil, err
	}
	var m idMap
	for _, d := range decks {
		m.add(d.ID, d.schema11JSON())
	}
	return m.bytes(), nil
}

func notetypesJSON(ctx context.Context, tx querier) ([]byte, error) {
	nts, err := readNotetypes(ctx, tx)
	if err != nil {
		return nil, err
	}
	var m idMap
	for i := range nts {
		m.add(nts[i].ID, nts[i].schema11JSON())
	}
	return m.bytes(), nil
}

func readNotetypes(ctx context.Context, tx querier) ([]notetype, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, name, mtime_secs, usn, config FROM notetypes ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("read notetypes: %w", err)
	}
	var nts []notetype
	for rows.Next() {
		var nt notetype
		var raw []byte
		if err := rows.Scan(&nt.ID, &nt.Name, &nt.Mtime, &nt.Usn, &raw); err != nil {
			rows.Close()
			return nil, err
		}
		if nt.Config, err = decodeNotetypeConfig(raw); err != nil {
			rows.Close()
			return nil, fmt.Errorf("notetype %d: %w", nt.ID, err)
		}
		nts = append(nts, nt)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range nts {
		if err := readFieldsAndTemplates(ctx, tx, &nts[i]); err != nil {
			return nil, err
		}
	}
	return nts, nil
}

func readFieldsAndTemplates(ctx context.Context, tx querier, nt *notetype) error {
	rows, err := tx.QueryContext(ctx, "SELECT ord, name, config FROM fields WHERE ntid = ? ORDER BY ord", nt.ID)
	if err != nil {
		return fmt.Errorf("notetype %d fields: %w", nt.ID, err)
	}
	for rows.Next() {
		var f noteField
		var ord uint32
		var raw []byte
		if err := rows.Scan(&ord, &f.Name, &raw); err != nil {
			rows.Close()
			return err
		}
		f.Ord = &ord
		if f.Config, err = decodeFieldConfig(raw); err != nil {
			rows.Close()
			return fmt.Errorf("notetype %d field %q: %w", nt.ID, f.Name, err)
		}
		nt.Fields = append(nt.Fields, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = tx.QueryContext(ctx,
		"SELECT ord, name, mtime_secs, usn, config FROM templates WHERE ntid = ? ORDER BY ord", nt.ID)
	if err != nil {
		return fmt.Errorf("notetype %d templates: %w", nt.ID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var t cardTemplate
		var ord uint32
		var raw []byte
		if err := rows.Scan(&ord, &t.Name, &t.Mtime, &t.Usn, &raw); err != nil {
			return err
		}
		t.Ord = &ord
		if t.Config, err = decodeTemplateConfig(raw); err != nil {
			return fmt.Errorf("notetype %d template %q: %w", nt.ID, t.Name, err)
		}
		nt.Templates = append(nt.Templates, t)
	}
	return rows.Err()
}

func configJSON(ctx context.Context, tx querier) ([]byte, error) {
	rows, err := tx.QueryContext(ctx, "SELECT KEY, val FROM config ORDER BY KEY")
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	defer rows.Close()
	var w owriter
	w.begin()
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		if !json.Valid(v) {
			return nil, fmt.Errorf("config %q: value is not JSON", k)
		}
		w.raw(k, compact(bytes.TrimSpace(v)))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	w.end()
	return w.buf.Bytes(), nil
}

func tagsJSON(ctx context.Context, tx querier) ([]byte, error) {
	rows, err := tx.QueryContext(ctx, "SELECT tag, usn FROM tags ORDER BY tag")
	if err != nil {
		return nil, fmt.Errorf("read tags: %w", err)
	}
	defer rows.Close()
	var w owriter
	w.begin()
	for rows.Next() {
		var tag string
		var usn int64
		if err := rows.Scan(&tag, &usn); err != nil {
			return nil, err
		}
		w.int(tag, usn)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	w.end()
	return w.buf.Bytes(), nil
}
