package collection_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/store"
	"github.com/deckhand-app/deckhand/internal/testfix"
)

// describe lists table columns and index definitions the way Anki's schema defines them.
func describe(t *testing.T, db *sql.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, tbl := range store.Tables {
		rows, err := db.Query(fmt.Sprintf("PRAGMA table_info(%s)", tbl))
		if err != nil {
			t.Fatal(err)
		}
		desc := ""
		for rows.Next() {
			var cid, notnull, pk int
			var name, typ string
			var def sql.NullString
			if err := rows.Scan(&cid, &name, &typ, &notnull, &def, &pk); err != nil {
				t.Fatal(err)
			}
			desc += fmt.Sprintf("%s %s nn=%d pk=%d; ", name, strings.ToLower(typ), notnull, pk)
		}
		rows.Close()
		out["table "+tbl] = desc
	}
	for _, idx := range store.Indexes {
		rows, err := db.Query(fmt.Sprintf("PRAGMA index_info(%s)", idx))
		if err != nil {
			t.Fatal(err)
		}
		desc := ""
		for rows.Next() {
			var seq, cid int
			var name string
			if err := rows.Scan(&seq, &cid, &name); err != nil {
				t.Fatal(err)
			}
			desc += name + ","
		}
		rows.Close()
		var tbl string
		if err := db.QueryRow("SELECT tbl_name FROM sqlite_master WHERE type='index' AND name=?", idx).Scan(&tbl); err != nil {
			t.Fatalf("index %s missing: %v", idx, err)
		}
		out["index "+idx] = tbl + "(" + desc + ")"
	}
	return out
}

func TestCreatedSchemaMatchesAnki(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.anki2")
	col, err := collection.Create(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	col.Close()
	ours, err := store.Open(ctx, path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ours.Close()
	got := describe(t, ours)
	want := map[string]string{
		"table col":            "id integer nn=0 pk=1; crt integer nn=1 pk=0; mod integer nn=1 pk=0; scm integer nn=1 pk=0; ver integer nn=1 pk=0; dty integer nn=1 pk=0; usn integer nn=1 pk=0; ls integer nn=1 pk=0; conf text nn=1 pk=0; models text nn=1 pk=0; decks text nn=1 pk=0; dconf text nn=1 pk=0; tags text nn=1 pk=0; ",
		"table graves":         "usn integer nn=1 pk=0; oid integer nn=1 pk=0; type integer nn=1 pk=0; ",
		"index ix_cards_sched": "cards(did,queue,due,)",
		"index ix_notes_csum":  "notes(csum,)",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s:\n got %s\nwant %s", k, got[k], v)
		}
	}
	var ver, usn int
	if err := ours.QueryRow("SELECT ver, usn FROM col").Scan(&ver, &usn); err != nil || ver != 11 {
		t.Fatalf("ver=%d err=%v", ver, err)
	}
	var mode string
	if err := ours.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "delete" {
		t.Errorf("closed collection journal mode %q, want delete (a self-contained file)", mode)
	}

	// The same description from a fresh collection written by a real Anki.
	anki, err := store.Open(ctx, testfix.ExtractMember(t, "srsconv_empty-legacy-2.colpkg", "collection.anki21"), store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer anki.Close()
	if ref := describe(t, anki); !reflect.DeepEqual(ref, got) {
		for k := range ref {
			if ref[k] != got[k] {
				t.Errorf("differs from Anki's file: %s\n anki %s\n ours %s", k, ref[k], got[k])
			}
		}
	}
}

func TestNewCollectionContents(t *testing.T) {
	col := newCol(t)
	n, err := col.Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n.Notetypes != 5 || n.Decks != 1 || n.Notes != 0 || n.Cards != 0 {
		t.Fatalf("counts %+v, want 5 note types and 1 deck", n)
	}
	d, ok := col.Deck(1)
	if !ok || d.Name != "Default" || d.Conf != 1 {
		t.Fatalf("default deck %+v", d)
	}
	if cfg := col.DeckConfigs(); len(cfg) != 1 || cfg[0].ID != 1 || cfg[0].NewPerDay() != 20 || cfg[0].ReviewsPerDay() != 200 {
		t.Fatalf("deck configs %+v", cfg)
	}
	want := map[string][2]int{"Basic": {2, 1}, "Basic (and reversed card)": {2, 2},
		"Basic (optional reversed card)": {3, 2}, "Basic (type in the answer)": {2, 1}, "Cloze": {2, 1}}
	for name, fw := range want {
		nt := mustNotetype(t, col, name)
		if len(nt.Fields) != fw[0] || len(nt.Templates) != fw[1] {
			t.Errorf("%s: %d fields %d templates", name, len(nt.Fields), len(nt.Templates))
		}
	}
}

// TestStockNotetypesMatchAnki compares our stock note types with those of a fresh collection
// made by Anki itself: names, fields, templates, CSS, LaTeX, req.
func TestStockNotetypesMatchAnki(t *testing.T) {
	ctx := context.Background()
	ref, err := collection.Open(ctx, testfix.ExtractMember(t, "srsconv_empty-legacy-2.colpkg", "collection.anki21"))
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	col := newCol(t)
	for _, k := range collection.StockKinds {
		ours, err := collection.NewStockNotetype(k)
		if err != nil {
			t.Fatal(err)
		}
		theirs, ok := ref.NotetypeByName(ours.Name)
		if !ok {
			t.Fatalf("Anki has no %q", ours.Name)
		}
		added := mustNotetype(t, col, ours.Name)
		if added.Kind != theirs.Kind || added.CSS != theirs.CSS || added.LatexPre != theirs.LatexPre ||
			added.LatexPost != theirs.LatexPost || added.SortField != theirs.SortField {
			t.Errorf("%s: kind/css/latex/sortf differ", ours.Name)
		}
		if !reflect.DeepEqual(added.Req, theirs.Req) {
			t.Errorf("%s: req %v, Anki %v", ours.Name, added.Req, theirs.Req)
		}
		if *added.OriginalStockKind != *theirs.OriginalStockKind {
			t.Errorf("%s: originalStockKind %d, Anki %d", ours.Name, *added.OriginalStockKind, *theirs.OriginalStockKind)
		}
		for i, f := range theirs.Fields {
			g := added.Fields[i]
			if g.Name != f.Name || g.Font != f.Font || g.Size != f.Size || g.PreventDeletion != f.PreventDeletion ||
				!reflect.DeepEqual(g.Tag, f.Tag) || g.Ord != f.Ord {
				t.Errorf("%s field %d: ours %+v, Anki %+v", ours.Name, i, g, f)
			}
		}
		for i, tm := range theirs.Templates {
			g := added.Templates[i]
			if g.Name != tm.Name || g.QFmt != tm.QFmt || g.AFmt != tm.AFmt || g.Ord != tm.Ord {
				t.Errorf("%s template %d: ours %q/%q, Anki %q/%q", ours.Name, i, g.QFmt, g.AFmt, tm.QFmt, tm.AFmt)
			}
		}
	}
}
