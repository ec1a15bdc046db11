package collection_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/collection"
)

func TestCardGeneration(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	cases := []struct {
		notetype string
		fields   []string
		want     []int
	}{
		{"Basic", []string{"front", "back"}, []int{0}},
		{"Basic", []string{"", "back"}, []int{0}}, // a new note always gets a card
		{"Basic", []string{"<br><div> </div>", "back"}, []int{0}},
		{"Basic (and reversed card)", []string{"front", "back"}, []int{0, 1}},
		{"Basic (and reversed card)", []string{"front", ""}, []int{0}},
		{"Basic (and reversed card)", []string{"", "back"}, []int{1}},
		{"Basic (optional reversed card)", []string{"front", "back", ""}, []int{0}},
		{"Basic (optional reversed card)", []string{"front", "back", "y"}, []int{0, 1}},
		{"Basic (optional reversed card)", []string{"front", "", "y"}, []int{0}},
		{"Basic (type in the answer)", []string{"", "answer"}, []int{0}},
		{"Cloze", []string{"{{c1::a}} {{c2::b}}", ""}, []int{0, 1}},
		{"Cloze", []string{"{{c2::a}} {{c2::b}} {{c5::x}}", ""}, []int{1, 4}},
		{"Cloze", []string{"no cloze", ""}, []int{0}},
		{"Cloze", []string{"{{c1::a}}", "{{c3::in back extra}}"}, []int{0, 2}}, // any field counts
		{"Cloze", []string{"{{c1::outer {{c2::inner}}}}", ""}, []int{0, 1}},
		{"Cloze", []string{"{{c0::zero}}", ""}, []int{0}},
		{"Cloze", []string{"{{c1000::big}}", ""}, []int{499}},
	}
	for _, tc := range cases {
		n := addNote(t, col, tc.notetype, 1, tc.fields...)
		if got := cardOrds(t, col, n.ID); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %q: card ords %v, want %v", tc.notetype, tc.fields, got, tc.want)
		}
	}
	// Edits add the cards that now render and never delete any.
	n := addNote(t, col, "Basic (optional reversed card)", 1, "f", "b", "")
	n.Fields[2] = "yes"
	if err := col.UpdateNote(ctx, n); err != nil {
		t.Fatal(err)
	}
	if got := cardOrds(t, col, n.ID); !reflect.DeepEqual(got, []int{0, 1}) {
		t.Fatalf("after enabling reverse: %v", got)
	}
	n.Fields[2] = ""
	n.Fields[0] = ""
	if err := col.UpdateNote(ctx, n); err != nil {
		t.Fatal(err)
	}
	if got := cardOrds(t, col, n.ID); !reflect.DeepEqual(got, []int{0, 1}) {
		t.Fatalf("edit deleted cards: %v", got)
	}
	cz := addNote(t, col, "Cloze", 1, "{{c1::a}}", "")
	cz.Fields[0] = "{{c1::a}} {{c2::b}} {{c3::c}}"
	if err := col.UpdateNote(ctx, cz); err != nil {
		t.Fatal(err)
	}
	if got := cardOrds(t, col, cz.ID); !reflect.DeepEqual(got, []int{0, 1, 2}) {
		t.Fatalf("cloze edit: %v", got)
	}
}

func TestNewCardsShareNotePositionAndDeck(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	did, err := col.AddDeck(ctx, "Lang::JP")
	if err != nil {
		t.Fatal(err)
	}
	n1 := addNote(t, col, "Basic (and reversed card)", did, "a", "b")
	n2 := addNote(t, col, "Basic", did, "c", "d")
	cards, _ := col.CardsOfNote(ctx, n1.ID)
	if len(cards) != 2 || cards[0].Due != cards[1].Due || cards[0].DeckID != did || cards[0].Queue != 0 || cards[0].Type != 0 {
		t.Fatalf("cards %+v %+v", cards[0], cards[1])
	}
	c2, _ := col.CardsOfNote(ctx, n2.ID)
	if c2[0].Due != cards[0].Due+1 {
		t.Fatalf("positions %d then %d", cards[0].Due, c2[0].Due)
	}
	// Cards added by a later edit land where the note's cards are.
	nt := mustNotetype(t, col, "Basic (optional reversed card)")
	n, _ := col.NewNote(nt.ID)
	n.Fields[0], n.Fields[1] = "x", "y"
	if err := col.AddNote(ctx, n, did); err != nil {
		t.Fatal(err)
	}
	n.Fields[2] = "1"
	if err := col.UpdateNote(ctx, n); err != nil {
		t.Fatal(err)
	}
	cs, _ := col.CardsOfNote(ctx, n.ID)
	if len(cs) != 2 || cs[1].DeckID != did {
		t.Fatalf("generated card deck %d, want %d", cs[1].DeckID, did)
	}
}

func TestTemplateDeckOverride(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	other, _ := col.AddDeck(ctx, "Reverse cards")
	nt := mustNotetype(t, col, "Basic (and reversed card)")
	nt.Templates[1].DeckID = &other
	if err := col.UpdateNotetype(ctx, nt); err != nil {
		t.Fatal(err)
	}
	n := addNote(t, col, nt.Name, 1, "a", "b")
	cs, _ := col.CardsOfNote(ctx, n.ID)
	if cs[0].DeckID != 1 || cs[1].DeckID != other {
		t.Fatalf("decks %d %d", cs[0].DeckID, cs[1].DeckID)
	}
}

func TestBookkeepingSfldCsumModUsn(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	before := col.Modified()
	time.Sleep(2 * time.Millisecond)
	n := addNote(t, col, "Basic", 1, "<div><pre>apple</pre></div>", "back")
	if !col.Modified().After(before) {
		t.Fatal("col.mod not bumped")
	}
	if got := scalar[string](t, col, "SELECT sfld FROM notes WHERE id=?", n.ID); got != "apple" {
		t.Errorf("sfld %q", got)
	}
	if got := scalar[int64](t, col, "SELECT csum FROM notes WHERE id=?", n.ID); got != 3502124484 {
		t.Errorf("csum %d", got)
	}
	if got := scalar[int](t, col, "SELECT usn FROM notes WHERE id=?", n.ID); got != -1 {
		t.Errorf("usn %d", got)
	}
	// Numeric sort fields are stored as numbers so that they sort numerically.
	num := addNote(t, col, "Basic", 1, "42", "x")
	if got := scalar[string](t, col, "SELECT typeof(sfld) FROM notes WHERE id=?", num.ID); got != "integer" {
		t.Errorf("numeric sfld stored as %s", got)
	}
	// An edit that changes nothing leaves mod and usn alone.
	if _, err := col.DB().Exec("UPDATE notes SET usn=5, mod=100 WHERE id=?", n.ID); err != nil {
		t.Fatal(err)
	}
	same, _ := col.GetNote(ctx, n.ID)
	if err := col.UpdateNote(ctx, same); err != nil {
		t.Fatal(err)
	}
	if got := scalar[int](t, col, "SELECT usn FROM notes WHERE id=?", n.ID); got != 5 {
		t.Errorf("unchanged note usn %d, want 5", got)
	}
	same.Fields[1] = "changed"
	if err := col.UpdateNote(ctx, same); err != nil {
		t.Fatal(err)
	}
	if got := scalar[int](t, col, "SELECT usn FROM notes WHERE id=?", n.ID); got != -1 {
		t.Errorf("changed note usn %d", got)
	}
	if got := scalar[int64](t, col, "SELECT mod FROM notes WHERE id=?", n.ID); got < time.Now().Unix()-5 {
		t.Errorf("changed note mod %d", got)
	}
	// guids are base91 strings of a random 64-bit number: up to 10 characters, unique.
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		g := collection.NewGUID()
		if len(g) == 0 || len(g) > 10 || seen[g] {
			t.Fatalf("guid %q", g)
		}
		seen[g] = true
	}
}

func TestIDsAreUniqueTimestamps(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	nt := mustNotetype(t, col, "Basic (and reversed card)")
	start := time.Now().UnixMilli()
	err := col.Transact(ctx, func(tx *collection.Tx) error {
		for i := 0; i < 300; i++ {
			n, _ := tx.NewNote(nt.ID)
			n.Fields[0], n.Fields[1] = "a", "b"
			if err := tx.AddNote(n, 1); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := scalar[int](t, col, "SELECT count(DISTINCT id) FROM cards"); got != 600 {
		t.Fatalf("distinct card ids %d", got)
	}
	if got := scalar[int64](t, col, "SELECT min(id) FROM notes"); got < start {
		t.Fatalf("note id %d is before %d: not a timestamp", got, start)
	}
}

func TestRemoveNotesWritesGraves(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	n := addNote(t, col, "Basic (and reversed card)", 1, "a", "b")
	keep := addNote(t, col, "Basic", 1, "keep", "")
	cards, _ := col.CardsOfNote(ctx, n.ID)
	if err := col.RemoveNotes(ctx, []int64{n.ID}); err != nil {
		t.Fatal(err)
	}
	if got := scalar[int](t, col, "SELECT count(*) FROM graves WHERE type=1 AND oid=? AND usn=-1", n.ID); got != 1 {
		t.Errorf("note graves %d", got)
	}
	for _, c := range cards {
		if got := scalar[int](t, col, "SELECT count(*) FROM graves WHERE type=0 AND oid=? AND usn=-1", c.ID); got != 1 {
			t.Errorf("card %d graves %d", c.ID, got)
		}
	}
	if _, err := col.GetNote(ctx, n.ID); !errors.Is(err, collection.ErrNotFound) {
		t.Errorf("removed note still there: %v", err)
	}
	if _, err := col.GetNote(ctx, keep.ID); err != nil {
		t.Error(err)
	}
	// Deleting the last card of a note deletes the note too.
	kc, _ := col.CardsOfNote(ctx, keep.ID)
	if err := col.RemoveCards(ctx, []int64{kc[0].ID}); err != nil {
		t.Fatal(err)
	}
	if got := scalar[int](t, col, "SELECT count(*) FROM notes"); got != 0 {
		t.Errorf("notes left %d", got)
	}
}

func TestNoteFieldsByName(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	n := addNote(t, col, "Basic", 1, "q", "a")
	got, _ := col.GetNote(ctx, n.ID)
	if v, ok := got.Field("Back"); !ok || v != "a" {
		t.Fatalf("Back = %q %v", v, ok)
	}
	if _, ok := got.Field("back"); ok {
		t.Fatal("field names are case-sensitive")
	}
	if err := got.SetField("Nope", "x"); err == nil {
		t.Fatal("setting a missing field must fail")
	}
	if err := got.SetField("Front", "new"); err != nil {
		t.Fatal(err)
	}
	if err := col.UpdateNote(ctx, got); err != nil {
		t.Fatal(err)
	}
	again, _ := col.GetNote(ctx, n.ID)
	if again.FieldMap()["Front"] != "new" {
		t.Fatalf("fields %v", again.Fields)
	}
	// Too many fields is an error, not silent truncation.
	bad, _ := col.NewNote(mustNotetype(t, col, "Basic").ID)
	bad.Fields = []string{"1", "2", "3"}
	if err := col.AddNote(ctx, bad, 1); err == nil {
		t.Fatal("3 fields for Basic accepted")
	}
}

func TestTransactionRollsBackEverything(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	addNote(t, col, "Basic", 1, "before", "")
	modBefore := col.Modified()
	boom := errors.New("boom")
	basic := mustNotetype(t, col, "Basic")
	err := col.Transact(ctx, func(tx *collection.Tx) error {
		did, err := tx.AddDeck("Half made")
		if err != nil {
			return err
		}
		n, _ := tx.NewNote(basic.ID)
		n.Fields[0] = "during"
		if err := tx.AddNote(n, did); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	if _, ok := col.DeckByName("Half made"); ok {
		t.Error("deck from a failed transaction is visible")
	}
	if got := scalar[int](t, col, "SELECT count(*) FROM notes"); got != 1 {
		t.Errorf("notes %d", got)
	}
	if !col.Modified().Equal(modBefore) {
		t.Error("col.mod changed by a failed transaction")
	}
	if got := scalar[string](t, col, "SELECT decks FROM col"); len(got) == 0 || contains(got, "Half made") {
		t.Error("deck JSON written by a failed transaction")
	}
}

func contains(s, sub string) bool {
	return len(sub) > 0 && len(s) >= len(sub) && (s == sub || indexOf(s, sub) >= 0)
}

func indexOf(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}
