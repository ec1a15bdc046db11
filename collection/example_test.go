package collection_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/deckhand-app/deckhand/collection"
)

func filepathTemp() (string, error) { return os.MkdirTemp("", "deckhand-example-") }

// Create a collection, add a note in a nested deck, and read it back.
func Example() {
	ctx := context.Background()
	dir, _ := filepathTemp()
	defer os.RemoveAll(dir)
	col, err := collection.Create(ctx, filepath.Join(dir, "collection.anki2"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer col.Close()

	deck, _ := col.AddDeck(ctx, "Japanese::N5")
	nt, _ := col.NotetypeByName("Basic (and reversed card)")
	note, _ := col.NewNote(nt.ID)
	note.SetField("Front", "猫")
	note.SetField("Back", "cat")
	note.Tags = []string{"animals"}
	if err := col.AddNote(ctx, note, deck); err != nil {
		fmt.Println(err)
		return
	}
	cards, _ := col.CardsOfNote(ctx, note.ID)
	fmt.Println(len(cards), "cards")
	got, _ := col.GetNote(ctx, note.ID)
	back, _ := got.Field("Back")
	fmt.Println(back, got.Tags)
	// Output:
	// 2 cards
	// cat [animals]
}

// Several changes in one transaction: all of them are saved, or none.
func ExampleCollection_Transact() {
	ctx := context.Background()
	dir, _ := filepathTemp()
	defer os.RemoveAll(dir)
	col, _ := collection.Create(ctx, filepath.Join(dir, "collection.anki2"))
	defer col.Close()
	basic, _ := col.NotetypeByName("Basic")
	err := col.Transact(ctx, func(tx *collection.Tx) error {
		did, err := tx.AddDeck("Vocabulary")
		if err != nil {
			return err
		}
		for _, w := range []string{"one", "two", "three"} {
			n, _ := tx.NewNote(basic.ID)
			n.Fields[0] = w
			if err := tx.AddNote(n, did); err != nil {
				return err
			}
		}
		return nil
	})
	counts, _ := col.Counts(ctx)
	fmt.Println(err, counts.Notes, counts.Decks)
	// Output: <nil> 3 2
}

// Rename a parent deck: its children follow.
func ExampleCollection_RenameDeck() {
	ctx := context.Background()
	dir, _ := filepathTemp()
	defer os.RemoveAll(dir)
	col, _ := collection.Create(ctx, filepath.Join(dir, "collection.anki2"))
	defer col.Close()
	col.AddDeck(ctx, "Lang::Japanese::N5")
	lang, _ := col.DeckByName("Lang")
	col.RenameDeck(ctx, lang.ID, "Languages")
	for _, d := range col.Decks() {
		fmt.Println(d.Name)
	}
	// Output:
	// Default
	// Languages
	// Languages::Japanese
	// Languages::Japanese::N5
}
