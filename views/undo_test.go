package views

import (
	"context"
	"slices"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/deckhand-app/deckhand/collection"
)

// Edit ▸ Undo / Redo through the main window: a note added in the editor goes away and comes
// back, the browser follows, and the menu says what would be undone.
func TestMainWindowUndoRedoAddNote(t *testing.T) {
	col := newCollection(t)
	addNote(t, col, "Basic", "Words", "Hund", "dog")
	m := newWindow(t, col)
	ctx := context.Background()
	m.Browser.SetQuery("deck:Words")
	m.Wait()
	if n := len(m.Browser.Rows()); n != 1 {
		t.Fatalf("rows before: %d", n)
	}
	basic, _ := col.NotetypeByName("Basic")
	words, _ := col.DeckByName("Words")
	m.Editor.ShowAdd(basic.ID, words.ID)
	m.Wait()
	test.Type(m.Editor.Entries()[0], "Katze")
	m.Editor.Entries()[1].SetText("cat")
	m.Editor.Settle()
	m.Editor.Add()
	m.Wait()
	ids, _ := col.FindNotes(ctx, "Katze", collection.Order{})
	if len(ids) != 1 {
		t.Fatalf("added: %v (%q)", ids, m.Editor.Status())
	}
	if n := len(m.Browser.Rows()); n != 2 {
		t.Fatalf("rows after adding: %d", n)
	}
	if u, r := m.UndoMenuLabels(); u != "Undo Add Note" || r != "Redo" || !m.redoItem.Disabled {
		t.Fatalf("menu after adding: %q / %q", u, r)
	}

	m.Undo()
	m.Wait()
	if ids, _ := col.FindNotes(ctx, "Katze", collection.Order{}); len(ids) != 0 {
		t.Fatalf("note still there after undo: %v", ids)
	}
	if n := len(m.Browser.Rows()); n != 1 {
		t.Fatalf("browser not refreshed after undo: %d rows", n)
	}
	if u, r := m.UndoMenuLabels(); u != "Undo Add Note" || r != "Redo Add Note" || m.redoItem.Disabled {
		t.Fatalf("menu after undo: %q / %q", u, r)
	}
	if got := m.status.Text; got != "Undone: Add Note" {
		t.Fatalf("status %q", got)
	}

	m.Redo()
	m.Wait()
	ids, _ = col.FindNotes(ctx, "Katze", collection.Order{})
	if len(ids) != 1 {
		t.Fatalf("redo did not bring the note back: %v", ids)
	}
	cids, _ := col.FindCards(ctx, "Katze", collection.Order{})
	if rows := m.Browser.Rows(); len(rows) != 2 || len(cids) != 1 || !slices.Contains(rows, cids[0]) {
		t.Fatalf("browser not refreshed after redo: %v", rows)
	}
	if u, r := m.UndoMenuLabels(); u != "Undo Add Note" || r != "Redo" {
		t.Fatalf("menu after redo: %q / %q", u, r)
	}
	// an edit saved in the editor is the next thing undone
	m.Editor.ShowNote(ids[0])
	m.Wait()
	m.Editor.Entries()[1].SetText("the cat")
	m.Undo() // saves the pending edit first, then undoes it
	m.Wait()
	n, _ := col.GetNote(ctx, ids[0])
	if n.Fields[1] != "cat" {
		t.Fatalf("after undoing the edit: %q", n.Fields[1])
	}
	if _, r := m.UndoMenuLabels(); r != "Redo Update Note" {
		t.Fatalf("redo label after undoing an edit: %q", r)
	}
}
