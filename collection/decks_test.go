package collection_test

import (
	"context"
	"sort"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
)

func deckNames(col *collection.Collection) []string {
	var out []string
	for _, d := range col.Decks() {
		out = append(out, d.Name)
	}
	sort.Strings(out)
	return out
}

func TestDeckCreateRenameMoveNested(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	c, err := col.AddDeck(ctx, "Lang::Japanese::N5")
	if err != nil {
		t.Fatal(err)
	}
	if got := deckNames(col); !equal(got, []string{"Default", "Lang", "Lang::Japanese", "Lang::Japanese::N5"}) {
		t.Fatalf("parents not created: %v", got)
	}
	again, _ := col.AddDeck(ctx, "lang::japanese::n5")
	if again != c {
		t.Fatal("case-insensitive name made a second deck")
	}
	if n, _ := col.AddDeck(ctx, " Spaces :: :: x "); n == 0 {
		t.Fatal("no id")
	}
	if _, ok := col.DeckByName("Spaces::blank::x"); !ok {
		t.Fatalf("normalised name missing: %v", deckNames(col))
	}
	lang, _ := col.DeckByName("Lang")
	if err := col.RenameDeck(ctx, lang.ID, "Languages"); err != nil {
		t.Fatal(err)
	}
	if _, ok := col.DeckByName("Languages::Japanese::N5"); !ok {
		t.Fatalf("children did not follow: %v", deckNames(col))
	}
	d, _ := col.Deck(c)
	if d.Name != "Languages::Japanese::N5" || d.USN != -1 {
		t.Fatalf("renamed child %+v", d)
	}
	jp, _ := col.DeckByName("Languages::Japanese")
	if err := col.RenameDeck(ctx, jp.ID, "Languages::Japanese::N5::Inside"); err == nil {
		t.Fatal("moving a deck inside itself was accepted")
	}
	if err := col.RenameDeck(ctx, jp.ID, "Default"); err == nil {
		t.Fatal("renaming onto an existing deck was accepted")
	}
	// Move by reparenting (what drag and drop does).
	other, _ := col.AddDeck(ctx, "Other")
	if err := col.ReparentDecks(ctx, []int64{jp.ID}, other); err != nil {
		t.Fatal(err)
	}
	if _, ok := col.DeckByName("Other::Japanese::N5"); !ok {
		t.Fatalf("reparent: %v", deckNames(col))
	}
	if err := col.ReparentDecks(ctx, []int64{jp.ID}, 0); err != nil {
		t.Fatal(err)
	}
	if _, ok := col.DeckByName("Japanese::N5"); !ok {
		t.Fatalf("reparent to top: %v", deckNames(col))
	}
	// Renaming to a deeper name creates the new parents.
	if err := col.RenameDeck(ctx, jp.ID, "A::B::Japanese"); err != nil {
		t.Fatal(err)
	}
	if _, ok := col.DeckByName("A::B"); !ok {
		t.Fatalf("missing parents not created: %v", deckNames(col))
	}
	if got := scalar[string](t, col, "SELECT decks FROM col"); !contains(got, `"A::B::Japanese::N5"`) {
		t.Fatal("rename not stored in col.decks")
	}
}

func TestRemoveDeck(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	parent, _ := col.AddDeck(ctx, "P")
	child, _ := col.AddDeck(ctx, "P::C")
	n1 := addNote(t, col, "Basic", parent, "a", "")
	n2 := addNote(t, col, "Basic", child, "b", "")
	keep := addNote(t, col, "Basic", 1, "c", "")
	// Move the cards elsewhere.
	moved, err := col.RemoveDeck(ctx, child, collection.RemoveDeckMode{MoveCardsTo: 1})
	if err != nil || moved != 1 {
		t.Fatalf("moved %d err %v", moved, err)
	}
	if cs, _ := col.CardsOfNote(ctx, n2.ID); cs[0].DeckID != 1 {
		t.Fatal("card not moved to Default")
	}
	if got := scalar[int](t, col, "SELECT count(*) FROM graves WHERE type=2 AND oid=?", child); got != 1 {
		t.Fatal("deck grave missing")
	}
	// Delete with cards: the note goes too.
	if n, err := col.RemoveDeck(ctx, parent, collection.RemoveDeckMode{}); err != nil || n != 1 {
		t.Fatalf("removed %d err %v", n, err)
	}
	if _, err := col.GetNote(ctx, n1.ID); err == nil {
		t.Fatal("note of a deleted deck survived")
	}
	if _, err := col.GetNote(ctx, keep.ID); err != nil {
		t.Fatal(err)
	}
	// Default is emptied, never removed.
	if _, err := col.RemoveDeck(ctx, 1, collection.RemoveDeckMode{}); err != nil {
		t.Fatal(err)
	}
	if _, ok := col.Deck(1); !ok {
		t.Fatal("Default deck removed")
	}
	if got := scalar[int](t, col, "SELECT count(*) FROM cards"); got != 0 {
		t.Fatalf("cards left %d", got)
	}
}

func TestDeckTreeCounts(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	a, _ := col.AddDeck(ctx, "A")
	ab, _ := col.AddDeck(ctx, "A::B")
	for i := 0; i < 30; i++ {
		addNote(t, col, "Basic", ab, "x", "")
	}
	n := addNote(t, col, "Basic", a, "due", "")
	cs, _ := col.CardsOfNote(ctx, n.ID)
	today := col.Timing().Today
	if _, err := col.DB().Exec("UPDATE cards SET type=2, queue=2, due=?, ivl=3 WHERE id=?", today, cs[0].ID); err != nil {
		t.Fatal(err)
	}
	tree, err := col.DeckTree(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tree) != 1 || tree[0].Name != "A" {
		t.Fatalf("roots: %+v (empty Default must be hidden)", tree)
	}
	root := tree[0]
	// 30 new cards under A::B, limited to 20 a day by the default preset.
	if root.New != 20 || root.Review != 1 || root.Total != 31 || len(root.Children) != 1 || root.Children[0].New != 20 {
		t.Fatalf("A: new %d review %d total %d; child %+v", root.New, root.Review, root.Total, root.Children[0])
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
