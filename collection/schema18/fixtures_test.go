package schema18

import (
	"context"
	"database/sql"
	"encoding/json"
	"reflect"
	"sort"
	"testing"
)

type noteRow struct {
	ID               int64
	GUID, Flds, Tags string
	Mid              int64
}

func notes(t *testing.T, db *sql.DB) []noteRow {
	t.Helper()
	rows, err := db.Query("SELECT id, guid, mid, flds, tags FROM notes ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []noteRow
	for rows.Next() {
		var n noteRow
		if err := rows.Scan(&n.ID, &n.GUID, &n.Mid, &n.Flds, &n.Tags); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

func cardKeys(t *testing.T, db *sql.DB) [][3]int64 {
	t.Helper()
	rows, err := db.Query("SELECT id, nid, ord FROM cards ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][3]int64
	for rows.Next() {
		var c [3]int64
		if err := rows.Scan(&c[0], &c[1], &c[2]); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// notetypeShape is what must survive a conversion: names, ords and templates.
type notetypeShape struct {
	Name   string
	Type   any
	Fields []string
	Tmpls  [][3]string
	CSS    string
}

func shapes(t *testing.T, models any) map[string]notetypeShape {
	t.Helper()
	out := map[string]notetypeShape{}
	for id, v := range models.(map[string]any) {
		m := v.(map[string]any)
		s := notetypeShape{Name: m["name"].(string), Type: m["type"], CSS: m["css"].(string)}
		for _, f := range m["flds"].([]any) {
			s.Fields = append(s.Fields, f.(map[string]any)["name"].(string))
		}
		for _, tm := range m["tmpls"].([]any) {
			x := tm.(map[string]any)
			s.Tmpls = append(s.Tmpls, [3]string{x["name"].(string), x["qfmt"].(string), x["afmt"].(string)})
		}
		out[id] = s
	}
	return out
}

func deckNames(col map[string]any) []string {
	var names []string
	for _, d := range col["decks"].(map[string]any) {
		names = append(names, d.(map[string]any)["name"].(string))
	}
	sort.Strings(names)
	return names
}

// The same 459 notes were exported by MuJing once as Latest and once as Legacy 2
// (MANIFEST): after our downgrade the Latest one must match Anki's own schema-11 export.
func TestDowngradeMatchesLegacyExport(t *testing.T) {
	ctx := context.Background()
	latest := openDB(t, extractMember(t, "mujing_basic_word_new_version.apkg", "collection.anki21b", true))
	legacy := openDB(t, extractMember(t, "mujing_basic_word.apkg", "collection.anki21", false))
	if v, _ := Version(ctx, latest); v != 18 {
		t.Fatalf("latest fixture has version %d", v)
	}
	if err := Downgrade(ctx, latest); err != nil {
		t.Fatal(err)
	}
	if v, _ := Version(ctx, latest); v != 11 {
		t.Fatalf("after downgrade: version %d", v)
	}
	a, b := notes(t, latest), notes(t, legacy)
	if len(a) != 459 || len(b) != 459 {
		t.Fatalf("notes: %d vs %d, want 459", len(a), len(b))
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("notes differ between the downgraded Latest and the Legacy-2 export")
	}
	if ca, cb := cardKeys(t, latest), cardKeys(t, legacy); len(ca) != 459 || !reflect.DeepEqual(ca, cb) {
		t.Fatalf("cards differ: %d vs %d", len(ca), len(cb))
	}
	ja, jb := colJSON(t, latest), colJSON(t, legacy)
	sa, sb := shapes(t, ja["models"]), shapes(t, jb["models"])
	if !reflect.DeepEqual(sa, sb) {
		t.Fatalf("notetypes differ:\n%+v\n%+v", sa, sb)
	}
	if s := sa["1221680253"]; s.Name != "英语词汇卡+++" || len(s.Fields) != 13 {
		t.Fatalf("notetype 1221680253 = %q with %d fields, want 英语词汇卡+++ with 13", s.Name, len(s.Fields))
	}
	if got := deckNames(ja); !reflect.DeepEqual(got, []string{"Default", "英语词汇学习"}) {
		t.Fatalf("decks = %q", got)
	}
	// Tables of schema 18 are gone and graves is back in schema-11 column order.
	var n int
	if err := latest.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name IN
		('notetypes','fields','templates','decks','deck_config','config','tags','idx_notes_mid','idx_cards_odid')`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("schema-18 objects left: %d (%v)", n, err)
	}
	if cols := columnNames(t, latest, "graves"); !reflect.DeepEqual(cols, []string{"usn", "oid", "type"}) {
		t.Fatalf("graves columns %v", cols)
	}
}

func columnNames(t *testing.T, db *sql.DB, table string) []string {
	t.Helper()
	rows, err := db.Query("SELECT name FROM pragma_table_info(?) ORDER BY cid", table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		rows.Scan(&s)
		out = append(out, s)
	}
	return out
}

func TestDowngradeLatestFixtures(t *testing.T) {
	tests := []struct {
		pkg       string
		notes     int
		decks     []string
		notetype  string
		fields    []string
		flagFirst string // a first field the MANIFEST describes
	}{
		{"mujing_Alphabet_Word.apkg", 26, []string{"Alphabet Word", "Default"}, "Basic", []string{"Front", "Back"}, "<div><pre>apple</pre></div>"},
		{"synthetic_anki21b_with_media.apkg", 26, []string{"Alphabet Word", "Default"}, "Basic", []string{"Front", "Back"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.pkg, func(t *testing.T) {
			db := openDB(t, extractMember(t, tc.pkg, "collection.anki21b", true))
			if err := Downgrade(context.Background(), db); err != nil {
				t.Fatal(err)
			}
			ns := notes(t, db)
			if len(ns) != tc.notes {
				t.Fatalf("%d notes, want %d", len(ns), tc.notes)
			}
			col := colJSON(t, db)
			if got := deckNames(col); !reflect.DeepEqual(got, tc.decks) {
				t.Fatalf("decks %q, want %q", got, tc.decks)
			}
			found := false
			for _, s := range shapes(t, col["models"]) {
				if s.Name == tc.notetype && reflect.DeepEqual(s.Fields, tc.fields) {
					found = true
				}
			}
			if !found {
				t.Fatalf("no notetype %q with fields %v", tc.notetype, tc.fields)
			}
			for _, n := range ns {
				if n.Mid == 0 {
					t.Fatal("note without notetype")
				}
				if _, ok := col["models"].(map[string]any)[jsonID(n.Mid)]; !ok {
					t.Fatalf("note %d uses notetype %d, missing from models", n.ID, n.Mid)
				}
			}
			if tc.flagFirst != "" {
				ok := false
				for _, n := range ns {
					if len(n.Flds) >= len(tc.flagFirst) && n.Flds[:len(tc.flagFirst)] == tc.flagFirst {
						ok = true
					}
				}
				if !ok {
					t.Fatalf("no note starts with %q", tc.flagFirst)
				}
			}
		})
	}
}

func jsonID(id int64) string {
	b, _ := json.Marshal(id)
	return string(b)
}
