package collection_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
)

// TestCheckDatabase follows the scenario of Anki's own dbcheck test: broken card properties,
// a card in a missing deck, a card whose note is gone; then wrong field counts and a missing
// note type.
func TestCheckDatabase(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	n := addNote(t, col, "Basic", 1, "front", "")
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := col.DB().Exec(q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec("UPDATE cards SET ivl=1.5, due=2000000, odue=1.5")
	rep, err := col.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep != (collection.CheckReport{CardPropertiesInvalid: 2, CardPositionTooHigh: 1}) {
		t.Fatalf("report %+v", rep)
	}
	if rep, _ := col.Check(ctx); !rep.OK() {
		t.Fatalf("not idempotent: %+v", rep)
	}

	exec("UPDATE cards SET did=123")
	rep, _ = col.Check(ctx)
	if rep != (collection.CheckReport{DecksMissing: 1}) {
		t.Fatalf("missing deck report %+v", rep)
	}
	if d, ok := col.Deck(123); !ok || d.Name != "recovered123" {
		t.Fatalf("recovered deck %+v", d)
	}

	exec("DELETE FROM notes WHERE id=?", n.ID)
	rep, _ = col.Check(ctx)
	if rep != (collection.CheckReport{CardsMissingNote: 1}) {
		t.Fatalf("orphan report %+v", rep)
	}
	if got := scalar[int](t, col, "SELECT count(*) FROM cards"); got != 0 {
		t.Fatalf("cards %d", got)
	}

	// Field count: too many fields are merged into the last one, and the note is tagged.
	n2 := addNote(t, col, "Basic", 1, "a", "b")
	exec("UPDATE notes SET flds=? WHERE id=?", "a\x1fb\x1fc", n2.ID)
	rep, _ = col.Check(ctx)
	if rep.FieldCountMismatch != 1 {
		t.Fatalf("field count report %+v", rep)
	}
	got, _ := col.GetNote(ctx, n2.ID)
	if len(got.Fields) != 2 || got.Fields[1] != "bc" || !got.HasTag("db-check") {
		t.Fatalf("fixed note %q %q", got.Fields, got.Tags)
	}

	// A note whose note type vanished gets a recovered one, and a note without cards gets one.
	n3 := addNote(t, col, "Basic", 1, "x", "y")
	exec("UPDATE notes SET mid=42 WHERE id=?", n3.ID)
	exec("DELETE FROM cards WHERE nid=?", n3.ID)
	scm := col.SchemaModified()
	rep, _ = col.Check(ctx)
	if rep.NotetypesRecovered != 1 {
		t.Fatalf("recovery report %+v", rep)
	}
	if ords := cardOrds(t, col, n3.ID); len(ords) != 1 {
		t.Fatalf("recovered note cards %v", ords)
	}
	got, _ = col.GetNote(ctx, n3.ID)
	if got.Notetype() == nil || len(got.Notetype().Name) < 9 || got.Notetype().Name[:9] != "db-check-" {
		t.Fatalf("recovered note type %+v", got.Notetype())
	}
	if col.SchemaModified() == scm {
		t.Fatal("recovery must force a full sync")
	}
	if len(rep.Problems()) != 1 {
		t.Fatalf("problems %q", rep.Problems())
	}

	// A note with no cards whose template renders nothing still gets its first card back.
	n4 := addNote(t, col, "Basic", 1, "", "only back")
	exec("DELETE FROM cards WHERE nid=?", n4.ID)
	rep, _ = col.Check(ctx)
	if rep != (collection.CheckReport{NotesWithoutCards: 1}) {
		t.Fatalf("no-card report %+v", rep)
	}
	if ords := cardOrds(t, col, n4.ID); len(ords) != 1 || ords[0] != 0 {
		t.Fatalf("cards %v", ords)
	}
}

func TestCheckCorruptFileIsAnError(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	if _, err := col.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestUnknownJSONKeysSurvive: keys we do not model (add-ons, newer Anki) stay through a
// load and save.
func TestUnknownJSONKeysSurvive(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	path := col.Path()
	nt := mustNotetype(t, col, "Basic")
	var models map[string]map[string]any
	raw := scalar[string](t, col, "SELECT models FROM col")
	if err := json.Unmarshal([]byte(raw), &models); err != nil {
		t.Fatal(err)
	}
	m := models[jsonID(nt.ID)]
	m["addonKey"] = map[string]any{"nested": []any{1.0, "x"}}
	m["flds"].([]any)[0].(map[string]any)["media"] = []any{"a.mp3"}
	b, _ := json.Marshal(models)
	if _, err := col.DB().Exec("UPDATE col SET models=?, decks=json_set(decks, '$.\"1\".addonDeckKey', 7), conf=json_set(conf, '$.myAddon', 'on')", string(b)); err != nil {
		t.Fatal(err)
	}
	col.Close()
	col2, err := collection.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer col2.Close()
	// A change that rewrites all of col's JSON.
	if _, err := col2.AddDeck(ctx, "New deck"); err != nil {
		t.Fatal(err)
	}
	nt2, _ := col2.NotetypeByName("Basic")
	nt2.CSS += "\n.x{}"
	if err := col2.UpdateNotetype(ctx, nt2); err != nil {
		t.Fatal(err)
	}
	var after map[string]map[string]any
	var out string
	col2.DB().QueryRow("SELECT models FROM col").Scan(&out)
	json.Unmarshal([]byte(out), &after)
	am := after[jsonID(nt.ID)]
	if am["addonKey"] == nil || am["flds"].([]any)[0].(map[string]any)["media"] == nil {
		t.Fatalf("unknown note type keys lost: %v", am)
	}
	var deckKey int
	col2.DB().QueryRow("SELECT json_extract(decks, '$.\"1\".addonDeckKey') FROM col").Scan(&deckKey)
	var confKey string
	col2.DB().QueryRow("SELECT json_extract(conf, '$.myAddon') FROM col").Scan(&confKey)
	if deckKey != 7 || confKey != "on" {
		t.Fatalf("deck key %d conf key %q", deckKey, confKey)
	}
}

func jsonID(id int64) string { b, _ := json.Marshal(id); return string(b) }
