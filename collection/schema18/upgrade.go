package schema18

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// clientUsn is the usn Anki's client stamps on objects it changes while upgrading
// (SqliteStorage::usn with server=false): "modified locally, not yet synced".
const clientUsn = -1

// Upgrade converts a schema-11 (or 14–17) collection to schema 18 in place, step by step
// as Anki does when it opens an older file. Unknown JSON keys are kept in the protobufs'
// `other` field. It runs in one transaction: on error the file is unchanged.
func Upgrade(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("upgrade: %w", err)
	}
	defer tx.Rollback()
	ver, err := version(ctx, tx)
	if err != nil {
		return fmt.Errorf("upgrade: %w", err)
	}
	if err := checkSupported(ver); err != nil {
		return fmt.Errorf("upgrade: %w", err)
	}
	if err := upgradeTx(ctx, tx, ver); err != nil {
		return fmt.Errorf("upgrade from schema %d: %w", ver, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("upgrade: commit: %w", err)
	}
	return nil
}

func upgradeTx(ctx context.Context, tx querier, ver int) error {
	return upgradeSteps(ctx, tx, ver, MaxVersion)
}

// upgradeSteps runs Anki's upgrade steps from version ver up to and including target.
func upgradeSteps(ctx context.Context, tx querier, ver, target int) error {
	if ver < 14 && target >= 14 {
		if _, err := tx.ExecContext(ctx, schema14Upgrade); err != nil {
			return fmt.Errorf("schema 14 tables: %w", err)
		}
		if err := upgradeDeckConfTo14(ctx, tx); err != nil {
			return err
		}
		if err := upgradeTagsTo14(ctx, tx); err != nil {
			return err
		}
		if err := upgradeConfigTo14(ctx, tx); err != nil {
			return err
		}
	}
	if ver < 15 && target >= 15 {
		if _, err := tx.ExecContext(ctx, schema15Upgrade); err != nil {
			return fmt.Errorf("schema 15 tables: %w", err)
		}
		if err := upgradeNotetypesTo15(ctx, tx); err != nil {
			return err
		}
		if err := upgradeDecksTo15(ctx, tx); err != nil {
			return err
		}
		if err := upgradeDeckConfTo15(ctx, tx); err != nil {
			return err
		}
	}
	if ver < 16 && target >= 16 {
		if err := upgradeDeckConfTo16(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE col SET ver = 16"); err != nil {
			return err
		}
	}
	if ver < 17 && target >= 17 {
		if err := upgradeTagsTo17(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE col SET ver = 17"); err != nil {
			return err
		}
	}
	if ver < 18 && target >= 18 {
		if _, err := tx.ExecContext(ctx, schema18Upgrade); err != nil {
			return fmt.Errorf("schema 18 graves: %w", err)
		}
	}
	return nil
}

// colObject reads one JSON column of col. An empty string counts as {} (some
// third-party writers leave unused columns empty).
func colObject(ctx context.Context, tx querier, column string) (*object, error) {
	var s string
	if err := tx.QueryRowContext(ctx, "SELECT "+column+" FROM col").Scan(&s); err != nil {
		return nil, fmt.Errorf("read col.%s: %w", column, err)
	}
	if strings.TrimSpace(s) == "" {
		return &object{vals: map[string]json.RawMessage{}}, nil
	}
	o, err := parseObject([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode col.%s: %w", column, err)
	}
	return o, nil
}

func clearCol(ctx context.Context, tx querier, column string) error {
	if _, err := tx.ExecContext(ctx, "UPDATE col SET "+column+" = ''"); err != nil {
		return fmt.Errorf("clear col.%s: %w", column, err)
	}
	return nil
}

// upgradeDeckConfTo14 moves dconf into deck_config, still as JSON (Anki's schema 14).
func upgradeDeckConfTo14(ctx context.Context, tx querier) error {
	all, err := colObject(ctx, tx, "dconf")
	if err != nil {
		return err
	}
	for _, k := range all.keys {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil {
			return fmt.Errorf("deck config key %q is not an id", k)
		}
		conf, err := parseObject(all.vals[k])
		if err != nil {
			return fmt.Errorf("deck config %d: %w", id, err)
		}
		// Buggy clients may not have kept the inner id equal to the key; Anki trusts the key.
		if !conf.has("id") {
			conf.keys = append(conf.keys, "id")
		}
		conf.vals["id"] = json.RawMessage(k)
		if _, err := tx.ExecContext(ctx,
			"INSERT OR REPLACE INTO deck_config (id, name, mtime_secs, usn, config) VALUES (?, ?, ?, ?, ?)",
			id, conf.str("name", ""), conf.int("mod", 0), conf.int("usn", 0), conf.bytes()); err != nil {
			return fmt.Errorf("deck config %d: %w", id, err)
		}
	}
	return clearCol(ctx, tx, "dconf")
}

func upgradeTagsTo14(ctx context.Context, tx querier) error {
	tags, err := colObject(ctx, tx, "tags")
	if err != nil {
		return err
	}
	for _, tag := range tags.keys {
		usn, _ := asInt(tags.vals[tag])
		// Tags differing only in case collapse into the first one, as in Anki.
		if _, err := tx.ExecContext(ctx, "INSERT OR IGNORE INTO tags (tag, usn) VALUES (?, ?)", tag, usn); err != nil {
			return fmt.Errorf("tag %q: %w", tag, err)
		}
	}
	return clearCol(ctx, tx, "tags")
}

func upgradeConfigTo14(ctx context.Context, tx querier) error {
	conf, err := colObject(ctx, tx, "conf")
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM config"); err != nil {
		return err
	}
	for _, k := range conf.keys {
		if _, err := tx.ExecContext(ctx,
			"INSERT OR REPLACE INTO config (KEY, usn, mtime_secs, val) VALUES (?, 0, 0, ?)",
			k, compact(conf.vals[k])); err != nil {
			return fmt.Errorf("config %q: %w", k, err)
		}
	}
	return clearCol(ctx, tx, "conf")
}

var folder = cases.Fold()

// uniqueName appends suffix until the case-folded name is unused, then records it.
func uniqueName(name, suffix string, used map[string]bool) (string, bool) {
	changed := false
	for used[folder.String(name)] {
		name += suffix
		changed = true
	}
	used[folder.String(name)] = true
	return name, changed
}

func upgradeNotetypesTo15(ctx context.Context, tx querier) error {
	models, err := colObject(ctx, tx, "models")
	if err != nil {
		return err
	}
	names := map[string]bool{}
	for _, k := range sortedIDKeys(models) {
		o, err := parseObject(models.vals[k])
		if err != nil {
			return fmt.Errorf("notetype %s: %w", k, err)
		}
		nt, err := notetypeFromSchema11(o)
		if err != nil {
			return err
		}
		if nt.ID == 0 {
			nt.ID, _ = strconv.ParseInt(k, 10, 64)
		}
		if nt.ID == 0 {
			// Anki assigns a random id to notetypes found with id 0.
			nt.ID = int64(max(rand.Uint32(), 1))
		}
		nt.Name = norm.NFC.String(nt.Name)
		fieldNames, tmplNames := map[string]bool{}, map[string]bool{}
		for i := range nt.Templates {
			nt.Templates[i].Name, _ = uniqueName(norm.NFC.String(nt.Templates[i].Name), "+", tmplNames)
		}
		for i := range nt.Fields {
			nt.Fields[i].Name, _ = uniqueName(norm.NFC.String(nt.Fields[i].Name), "+", fieldNames)
		}
		nt.Name, _ = uniqueName(nt.Name, "_", names)
		if err := insertNotetype(ctx, tx, &nt); err != nil {
			return err
		}
	}
	return clearCol(ctx, tx, "models")
}

// sortedIDKeys orders map keys numerically, so that renames for clashing names are
// deterministic (Anki iterates a HashMap, i.e. in no particular order).
func sortedIDKeys(o *object) []string {
	keys := append([]string(nil), o.keys...)
	sort.SliceStable(keys, func(i, j int) bool {
		a, errA := strconv.ParseInt(keys[i], 10, 64)
		b, errB := strconv.ParseInt(keys[j], 10, 64)
		if errA != nil || errB != nil {
			return keys[i] < keys[j]
		}
		return a < b
	})
	return keys
}

func insertNotetype(ctx context.Context, tx querier, nt *notetype) error {
	if _, err := tx.ExecContext(ctx,
		"INSERT OR REPLACE INTO notetypes (id, name, mtime_secs, usn, config) VALUES (?, ?, ?, ?, ?)",
		nt.ID, nt.Name, nt.Mtime, nt.Usn, nt.Config.encode()); err != nil {
		return fmt.Errorf("notetype %d: %w", nt.ID, err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM fields WHERE ntid = ?", nt.ID); err != nil {
		return err
	}
	for ord, f := range nt.Fields {
		if _, err := tx.ExecContext(ctx, "INSERT INTO fields (ntid, ord, name, config) VALUES (?, ?, ?, ?)",
			nt.ID, ord, f.Name, f.Config.encode()); err != nil {
			return fmt.Errorf("notetype %d field %q: %w", nt.ID, f.Name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM templates WHERE ntid = ?", nt.ID); err != nil {
		return err
	}
	for ord, t := range nt.Templates {
		if _, err := tx.ExecContext(ctx,
			"INSERT INTO templates (ntid, ord, name, mtime_secs, usn, config) VALUES (?, ?, ?, ?, ?, ?)",
			nt.ID, ord, t.Name, t.Mtime, t.Usn, t.Config.encode()); err != nil {
			return fmt.Errorf("notetype %d template %q: %w", nt.ID, t.Name, err)
		}
	}
	return nil
}

func upgradeDecksTo15(ctx context.Context, tx querier) error {
	decks, err := colObject(ctx, tx, "decks")
	if err != nil {
		return err
	}
	names := map[string]bool{}
	now := time.Now().Unix()
	for _, k := range sortedIDKeys(decks) {
		o, err := parseObject(decks.vals[k])
		if err != nil {
			return fmt.Errorf("deck %s: %w", k, err)
		}
		d, err := deckFromSchema11(o)
		if err != nil {
			return err
		}
		human := d.Name
		native := nativeDeckName(human)
		native, clashed := uniqueName(native, "_", names)
		if clashed || humanDeckName(native) != human {
			d.Mtime, d.Usn = now, clientUsn
		}
		d.Name = native
		if err := insertDeck(ctx, tx, &d); err != nil {
			return err
		}
	}
	return clearCol(ctx, tx, "decks")
}

func insertDeck(ctx context.Context, tx querier, d *deck) error {
	if _, err := tx.ExecContext(ctx,
		"INSERT OR REPLACE INTO decks (id, name, mtime_secs, usn, common, kind) VALUES (?, ?, ?, ?, ?, ?)",
		d.ID, d.Name, d.Mtime, d.Usn, nonNilBytes(d.Common.encode()), nonNilBytes(d.Kind.encode())); err != nil {
		return fmt.Errorf("deck %d: %w", d.ID, err)
	}
	return nil
}

// nonNilBytes keeps NOT NULL blob columns non-null for empty messages.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// upgradeDeckConfTo15 converts the schema-14 JSON configs to protobuf. Schema 15 stored
// the starting ease ×100 (2.5 as 250); the schema-16 step divides it back.
func upgradeDeckConfTo15(ctx context.Context, tx querier) error {
	rows, err := tx.QueryContext(ctx, "SELECT id, config FROM deck_config")
	if err != nil {
		return fmt.Errorf("read deck config: %w", err)
	}
	var confs []deckConfig
	for rows.Next() {
		var id int64
		var raw []byte
		if err := rows.Scan(&id, &raw); err != nil {
			rows.Close()
			return err
		}
		o, err := parseObject(raw)
		if err != nil {
			rows.Close()
			return fmt.Errorf("deck config %d: %w", id, err)
		}
		confs = append(confs, deckConfigFromSchema11(id, o))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range confs {
		c.Config.InitialEase *= 100
		if err := updateDeckConf(ctx, tx, &c); err != nil {
			return err
		}
	}
	return nil
}

func updateDeckConf(ctx context.Context, tx querier, c *deckConfig) error {
	if _, err := tx.ExecContext(ctx,
		"UPDATE deck_config SET name = ?, mtime_secs = ?, usn = ?, config = ? WHERE id = ?",
		c.Name, c.Mtime, c.Usn, nonNilBytes(c.Config.encode()), c.ID); err != nil {
		return fmt.Errorf("deck config %d: %w", c.ID, err)
	}
	return nil
}

func readDeckConfigs(ctx context.Context, tx querier) ([]deckConfig, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, name, mtime_secs, usn, config FROM deck_config ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("read deck config: %w", err)
	}
	defer rows.Close()
	var out []deckConfig
	for rows.Next() {
		var c deckConfig
		var raw []byte
		if err := rows.Scan(&c.ID, &c.Name, &c.Mtime, &c.Usn, &raw); err != nil {
			return nil, err
		}
		if c.Config, err = decodeDeckConfigInner(raw); err != nil {
			return nil, fmt.Errorf("deck config %d: %w", c.ID, err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// upgradeDeckConfTo16 undoes schema 15's ×100 ease and, like Anki, resets configs left at
// the minimum ease by a schema-15 bug to 250 %, repairing low card eases in their decks.
func upgradeDeckConfTo16(ctx context.Context, tx querier) error {
	confs, err := readDeckConfigs(ctx, tx)
	if err != nil {
		return err
	}
	invalid := map[int64]bool{}
	for _, c := range confs {
		c.Config.InitialEase /= 100
		if c.Config.InitialEase <= 1.3 {
			c.Config.InitialEase = 2.5
			invalid[c.ID] = true
		}
		if err := updateDeckConf(ctx, tx, &c); err != nil {
			return err
		}
	}
	if len(invalid) == 0 {
		return nil
	}
	decks, err := readDecks(ctx, tx)
	if err != nil {
		return err
	}
	var ids []string
	for _, d := range decks {
		if d.Kind.Normal != nil && invalid[d.Kind.Normal.ConfigID] {
			ids = append(ids, strconv.FormatInt(d.ID, 10))
		}
	}
	if len(ids) == 0 {
		return nil
	}
	list := "(" + strings.Join(ids, ",") + ")"
	if _, err := tx.ExecContext(ctx, "UPDATE cards SET factor = 2500, usn = ? WHERE factor != 0 AND factor <= 2000 AND (did IN "+
		list+" OR odid IN "+list+")", clientUsn); err != nil {
		return fmt.Errorf("fix low card eases: %w", err)
	}
	return nil
}

func readDecks(ctx context.Context, tx querier) ([]deck, error) {
	rows, err := tx.QueryContext(ctx, "SELECT id, name, mtime_secs, usn, common, kind FROM decks ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("read decks: %w", err)
	}
	defer rows.Close()
	var out []deck
	for rows.Next() {
		var d deck
		var common, kind []byte
		if err := rows.Scan(&d.ID, &d.Name, &d.Mtime, &d.Usn, &common, &kind); err != nil {
			return nil, err
		}
		if d.Common, err = decodeDeckCommon(common); err != nil {
			return nil, fmt.Errorf("deck %d: %w", d.ID, err)
		}
		if d.Kind, err = decodeDeckKind(kind); err != nil {
			return nil, fmt.Errorf("deck %d: %w", d.ID, err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// upgradeTagsTo17 recreates tags with the collapsed/config columns. Anki re-registers
// every tag with expanded=false, i.e. collapsed.
func upgradeTagsTo17(ctx context.Context, tx querier) error {
	rows, err := tx.QueryContext(ctx, "SELECT tag, usn FROM tags")
	if err != nil {
		return fmt.Errorf("read tags: %w", err)
	}
	type tag struct {
		name string
		usn  int64
	}
	var tags []tag
	for rows.Next() {
		var t tag
		if err := rows.Scan(&t.name, &t.usn); err != nil {
			rows.Close()
			return err
		}
		tags = append(tags, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, schema17Upgrade); err != nil {
		return fmt.Errorf("schema 17 tags: %w", err)
	}
	for _, t := range tags {
		if _, err := tx.ExecContext(ctx, "INSERT OR REPLACE INTO tags (tag, usn, collapsed) VALUES (?, ?, ?)",
			t.name, t.usn, true); err != nil {
			return fmt.Errorf("tag %q: %w", t.name, err)
		}
	}
	return nil
}
