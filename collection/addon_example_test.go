package collection_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/deckhand-app/deckhand/collection"
)

// The examples of Anki's add-on guide ("The 'anki' module"), in Deckhand's Go API.
func Example_addonGuide() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "deckhand-example-")
	defer os.RemoveAll(dir)
	col, _ := collection.Create(ctx, filepath.Join(dir, "collection.anki2"))
	defer col.Close()
	basic, _ := col.NotetypeByName("Basic")
	for i, w := range []string{"apple", "banana", "cherry"} {
		n, _ := col.NewNote(basic.ID)
		n.SetField("Front", w)
		n.SetField("Back", fmt.Sprint(i))
		if i < 2 {
			n.Tags = []string{"fruit"}
		}
		col.AddNote(ctx, n, collection.DefaultDeckID)
	}

	// ids = col.find_cards("tag:fruit"); len(ids)
	ids, _ := col.FindCards(ctx, "tag:fruit", collection.Order{Column: collection.SortSortField})
	fmt.Println("cards tagged fruit:", len(ids))

	// card = col.get_card(ids[0]); note = card.note()
	card, _ := col.GetCard(ctx, ids[0])
	note, _ := card.Note(ctx)
	front, _ := note.Field("Front")
	fmt.Println("first:", front)

	// for (name, value) in note.items(): note[name] = value + " new"; col.update_note(note)
	for _, f := range note.Notetype().Fields {
		v, _ := note.Field(f.Name)
		note.SetField(f.Name, v+" new")
	}
	col.UpdateNote(ctx, note)

	// card.question() / card.answer()
	r, _ := col.RenderCard(ctx, card.ID)
	fmt.Println(r.Question, "|", r.Answer)

	// col.db.scalar("select count() from notes")
	n, _ := col.Scalar(ctx, "SELECT count() FROM notes")
	fmt.Println("notes:", n)
	// Output:
	// cards tagged fruit: 2
	// first: apple
	// apple new | apple new
	//
	// <hr id=answer>
	//
	// 0 new
	// notes: 3
}
