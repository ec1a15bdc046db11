package ankiapp

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/deckhand-app/deckhand/collection"

	_ "modernc.org/sqlite" // AnkiApp's database is SQLite (WebSQL)
)

// The AnkiApp desktop app keeps its decks in a WebSQL (SQLite) database with tables
// decks, layouts, knols (notes), knol_values (field values), knol_keys_layouts,
// knols_tags, decks_tags, knol_blobs, cards and cards_decks (copycat technical.md).
var dbTables = []string{"decks", "layouts", "knols", "knol_values", "knol_keys_layouts", "cards", "cards_decks"}

func importDB(ctx context.Context, col *collection.Collection, p string, opt Options) (*Result, error) {
	decks, blobs, err := ReadDB(ctx, p)
	if err != nil {
		return nil, err
	}
	return ImportDecks(ctx, col, decks, blobs, nil, "ankiapp-db", opt)
}

// ReadDB reads every deck of an AnkiApp database, opened read-only (the file is not
// touched, no journal is created).
func ReadDB(ctx context.Context, p string) ([]*Deck, memBlobs, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, nil, err
	}
	u := &url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: "mode=ro&immutable=1"}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return nil, nil, fmt.Errorf("open AnkiApp database: %w", err)
	}
	defer db.Close()
	for _, t := range dbTables {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name=?", t).Scan(&n); err != nil {
			return nil, nil, fmt.Errorf("not a readable AnkiApp database: %w", err)
		}
		if n == 0 {
			return nil, nil, fmt.Errorf("not an AnkiApp database: table %q is missing", t)
		}
	}
	r := &dbReader{ctx: ctx, db: db}
	decks, err := r.decks()
	if err != nil {
		return nil, nil, fmt.Errorf("AnkiApp database: %w", err)
	}
	blobs, err := r.blobs()
	if err != nil {
		return nil, nil, fmt.Errorf("AnkiApp database: %w", err)
	}
	return decks, blobs, nil
}

type dbReader struct {
	ctx context.Context
	db  *sql.DB
}

func (r *dbReader) strings(query string, args ...any) ([]string, error) {
	rows, err := r.db.QueryContext(r.ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s.String)
	}
	return out, rows.Err()
}

func (r *dbReader) decks() ([]*Deck, error) {
	rows, err := r.db.QueryContext(r.ctx, "SELECT CAST(id AS TEXT), coalesce(name, ''), CAST(coalesce(layout_id, '') AS TEXT) FROM decks ORDER BY name, id")
	if err != nil {
		return nil, err
	}
	type deckRow struct{ id, name, layout string }
	var drs []deckRow
	for rows.Next() {
		var d deckRow
		if err := rows.Scan(&d.id, &d.name, &d.layout); err != nil {
			rows.Close()
			return nil, err
		}
		drs = append(drs, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []*Deck
	for _, dr := range drs {
		d, err := r.deck(dr.id, dr.name, dr.layout)
		if err != nil {
			return nil, fmt.Errorf("deck %q: %w", dr.name, err)
		}
		if d != nil {
			out = append(out, d)
		}
	}
	return out, nil
}

var dbFieldRef = regexp.MustCompile(`\{\{\s*[#/^]?\s*\[?([^{}\[\]]+?)\]?\s*\}\}`)

func (r *dbReader) deck(id, name, layout string) (*Deck, error) {
	if strings.TrimSpace(name) == "" {
		name = "AnkiApp deck " + id
	}
	knols, err := r.strings(`SELECT DISTINCT CAST(knol_id AS TEXT) FROM (
			SELECT c.knol_id, c.created_at AS t FROM cards c JOIN cards_decks cd ON cd.card_id = c.id WHERE cd.deck_id = ?
			UNION ALL SELECT dk.knol_id, NULL FROM decks_knols dk WHERE dk.deck_id = ?)
		GROUP BY knol_id ORDER BY min(coalesce(t, 0)), knol_id`, id, id)
	if err != nil && strings.Contains(err.Error(), "decks_knols") {
		knols, err = r.strings(`SELECT CAST(c.knol_id AS TEXT) FROM cards c JOIN cards_decks cd ON cd.card_id = c.id
			WHERE cd.deck_id = ? GROUP BY c.knol_id ORDER BY min(c.created_at), c.knol_id`, id)
	}
	if err != nil {
		return nil, err
	}
	if layout == "" {
		ls, err := r.strings("SELECT CAST(layout_id AS TEXT) FROM cards c JOIN cards_decks cd ON cd.card_id = c.id WHERE cd.deck_id = ? LIMIT 1", id)
		if err != nil {
			return nil, err
		}
		if len(ls) > 0 {
			layout = ls[0]
		}
	}
	keys, err := r.strings("SELECT knol_key_name FROM knol_keys_layouts WHERE CAST(layout_id AS TEXT) = ?", layout)
	if err != nil {
		return nil, err
	}
	tmpls, err := r.strings("SELECT coalesce(templates, '') FROM layouts WHERE CAST(id AS TEXT) = ?", layout)
	if err != nil {
		return nil, err
	}
	var templates []string
	if len(tmpls) > 0 && tmpls[0] != "" {
		_ = json.Unmarshal([]byte(tmpls[0]), &templates) // a broken list means the default layout
	}
	d := &Deck{Name: name, BlobNames: map[string]string{}, BlobKinds: map[string]string{}, BlobTypes: map[string]string{}}
	deckTags, err := r.strings("SELECT tag_name FROM decks_tags WHERE CAST(deck_id AS TEXT) = ? ORDER BY tag_name", id)
	if err == nil {
		d.Tags = cleanTags(deckTags)
	}
	type val struct{ key, value string }
	cards := make([]Card, 0, len(knols))
	extra := map[string]bool{}
	for _, k := range knols {
		rows, err := r.db.QueryContext(r.ctx, "SELECT coalesce(knol_key_name, ''), coalesce(value, '') FROM knol_values WHERE CAST(knol_id AS TEXT) = ? ORDER BY rowid", k)
		if err != nil {
			return nil, err
		}
		c := Card{Values: map[string]Value{}}
		for rows.Next() {
			var v val
			if err := rows.Scan(&v.key, &v.value); err != nil {
				rows.Close()
				return nil, err
			}
			if v.key == "" {
				continue
			}
			if _, dup := c.Values[v.key]; !dup {
				c.Values[v.key] = Value{Type: "rich-text", Content: v.value}
				c.Order = append(c.Order, v.key)
				extra[v.key] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		tags, err := r.strings("SELECT tag_name FROM knols_tags WHERE CAST(knol_id AS TEXT) = ? ORDER BY tag_name", k)
		if err != nil {
			return nil, err
		}
		c.Tags = cleanTags(tags)
		cards = append(cards, c)
		d.GUIDs = append(d.GUIDs, "db\x00"+k)
	}
	for _, k := range keys {
		extra[k] = true
	}
	// Field order: as the layout's templates mention them, then Front and Back, then the
	// rest by name. Sides: from the templates, or Front on the front and the rest on the
	// back for the default layout (whose template list is empty).
	pos := map[string]int{}
	front, back := map[string]bool{}, map[string]bool{}
	if len(templates) >= 2 {
		n := 0
		for side, t := range templates[:2] {
			for _, m := range dbFieldRef.FindAllStringSubmatch(t, -1) {
				ref := strings.ToLower(strings.TrimSpace(m[1]))
				if _, ok := pos[ref]; !ok {
					pos[ref] = n
					n++
				}
				if side == 0 {
					front[ref] = true
				} else {
					back[ref] = true
				}
			}
		}
	}
	var names []string
	for k := range extra {
		names = append(names, k)
	}
	rank := func(s string) (int, int) {
		if p, ok := pos[strings.ToLower(s)]; ok {
			return 0, p
		}
		switch strings.ToLower(s) {
		case "front":
			return 1, 0
		case "back":
			return 1, 1
		}
		return 2, 0
	}
	sort.Slice(names, func(i, j int) bool {
		ai, aj := rank(names[i])
		bi, bj := rank(names[j])
		if ai != bi {
			return ai < bi
		}
		if aj != bj {
			return aj < bj
		}
		return names[i] < names[j]
	})
	seen := map[string]bool{}
	for i, n := range names {
		if seen[strings.ToLower(n)] {
			continue // AnkiApp keys differing only in case map to one Anki field
		}
		seen[strings.ToLower(n)] = true
		f := FieldDef{Type: "rich-text", Name: n}
		if len(pos) > 0 {
			f.Front, f.Back = front[strings.ToLower(n)], back[strings.ToLower(n)]
			if !f.Front && !f.Back {
				f.Back = true
			}
		} else {
			f.Front = i == 0
			f.Back = i != 0
		}
		d.Fields = append(d.Fields, f)
	}
	if len(d.Fields) == 0 {
		d.Fields = []FieldDef{{Type: "rich-text", Name: "Front", Front: true}, {Type: "rich-text", Name: "Back", Back: true}}
	}
	// Values are keyed by the AnkiApp key; map keys differing only in case to the field.
	canon := map[string]string{}
	for _, f := range d.Fields {
		canon[strings.ToLower(f.Name)] = f.Name
	}
	for i := range cards {
		vals := map[string]Value{}
		for _, k := range cards[i].Order {
			name := canon[strings.ToLower(k)]
			if _, dup := vals[name]; !dup {
				vals[name] = cards[i].Values[k]
			}
		}
		cards[i].Values = vals
	}
	d.Cards = cards
	return d, nil
}

func cleanTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		if t = strings.Join(strings.Fields(t), "_"); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// blobs reads knol_blobs: base64 text in the versions that keep media in the database.
func (r *dbReader) blobs() (memBlobs, error) {
	out := memBlobs{}
	var n int
	if err := r.db.QueryRowContext(r.ctx, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='knol_blobs'").Scan(&n); err != nil || n == 0 {
		return out, err
	}
	rows, err := r.db.QueryContext(r.ctx, "SELECT CAST(id AS TEXT), value FROM knol_blobs")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var v []byte
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		if dec, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(v))); err == nil {
			v = dec
		}
		out[id] = v
	}
	return out, rows.Err()
}
