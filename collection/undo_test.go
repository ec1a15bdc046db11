package collection_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
)

// snapshot is every synced row, as stored (types included), except col.mod which an undo
// sets to now.
func snapshot(t testing.TB, col *collection.Collection) string {
	t.Helper()
	var b strings.Builder
	for _, q := range []string{
		"SELECT * FROM notes ORDER BY id",
		"SELECT * FROM cards ORDER BY id",
		"SELECT * FROM revlog ORDER BY id",
		"SELECT rowid, * FROM graves ORDER BY rowid",
		"SELECT id, crt, scm, ver, dty, usn, ls, conf, models, decks, dconf, tags FROM col",
	} {
		rows, err := col.DB().Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		fmt.Fprintf(&b, "%s\n", q)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if s, ok := v.([]byte); ok {
					v = string(s)
				}
				fmt.Fprintf(&b, "%T:%v|", v, v)
			}
			b.WriteByte('\n')
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return b.String()
}

func integrityOK(t testing.TB, col *collection.Collection) {
	t.Helper()
	if got := scalar[string](t, col, "PRAGMA integrity_check"); got != "ok" {
		t.Fatalf("integrity_check: %s", got)
	}
}

func undoCardsOf(t testing.TB, col *collection.Collection, nids ...int64) []int64 {
	t.Helper()
	var out []int64
	for _, nid := range nids {
		cs, err := col.CardsOfNote(context.Background(), nid)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			out = append(out, c.ID)
		}
	}
	return out
}

// Every undoable operation, undone, leaves exactly the rows it found; redone, exactly the
// rows it made.
func TestUndoRestoresEveryOperation(t *testing.T) {
	ctx := context.Background()
	type fixture struct {
		col         *collection.Collection
		n1, n2      *collection.Note
		deck, deck2 int64
	}
	type op struct {
		label string
		do    func(f *fixture) error
		setup func(f *fixture) error
	}
	ops := []op{
		{label: "Add Note", do: func(f *fixture) error {
			nt := mustNotetype(t, f.col, "Basic (and reversed card)")
			n, _ := f.col.NewNote(nt.ID)
			n.Fields = []string{"new front", "new back"}
			n.Tags = []string{"fresh"}
			return f.col.AddNote(ctx, n, f.deck)
		}},
		{label: "Update Note", do: func(f *fixture) error {
			n, _ := f.col.GetNote(ctx, f.n1.ID)
			n.Fields[0] = "changed"
			n.Tags = append(n.Tags, "brand-new-tag")
			return f.col.UpdateNote(ctx, n)
		}},
		{label: "Delete Note", do: func(f *fixture) error { return f.col.RemoveNotes(ctx, []int64{f.n1.ID, f.n2.ID}) }},
		{label: "Delete Cards", do: func(f *fixture) error { return f.col.RemoveCards(ctx, undoCardsOf(t, f.col, f.n2.ID)[:1]) }},
		{label: "Change Deck", do: func(f *fixture) error { return f.col.SetDeck(ctx, undoCardsOf(t, f.col, f.n1.ID, f.n2.ID), f.deck2) }},
		{label: "Suspend", do: func(f *fixture) error { return f.col.SuspendCards(ctx, undoCardsOf(t, f.col, f.n1.ID), true) }},
		{label: "Bury", do: func(f *fixture) error { return f.col.BuryCards(ctx, undoCardsOf(t, f.col, f.n2.ID), true) }},
		{label: "Set Flag", do: func(f *fixture) error { return f.col.SetFlag(ctx, undoCardsOf(t, f.col, f.n1.ID), 3) }},
		{label: "Find and Replace", do: func(f *fixture) error {
			_, err := f.col.FindAndReplace(ctx, nil, "front", "FRONT", collection.FindReplaceOptions{})
			return err
		}},
		{label: "Reposition", do: func(f *fixture) error {
			_, err := f.col.RepositionNewCards(ctx, undoCardsOf(t, f.col, f.n1.ID, f.n2.ID), 100, 2, false, true)
			return err
		}},
		{label: "Change Note Type", do: func(f *fixture) error {
			nt := mustNotetype(t, f.col, "Basic (and reversed card)")
			return f.col.ChangeNotetype(ctx, []int64{f.n1.ID}, nt.ID, []int{1, 0}, []int{0, -1})
		}},
		{label: "Add Tags", do: func(f *fixture) error {
			_, err := f.col.AddTags(ctx, []int64{f.n1.ID, f.n2.ID}, "added other")
			return err
		}},
		{label: "Remove Tags", do: func(f *fixture) error {
			_, err := f.col.RemoveTags(ctx, []int64{f.n1.ID}, "one")
			return err
		}},
		{label: "Rename Tag", do: func(f *fixture) error {
			_, err := f.col.RenameTag(ctx, "one", "uno")
			return err
		}},
		{label: "Clear Unused Tags", do: func(f *fixture) error {
			_, err := f.col.ClearUnusedTags(ctx)
			return err
		}, setup: func(f *fixture) error {
			_, err := f.col.RemoveTags(ctx, []int64{f.n2.ID}, "two")
			return err
		}},
		{label: "Add Deck", do: func(f *fixture) error {
			_, err := f.col.AddDeck(ctx, "Brand::New::Deck")
			return err
		}},
		{label: "Rename Deck", do: func(f *fixture) error { return f.col.RenameDeck(ctx, f.deck, "Renamed") }},
		{label: "Rename Deck", do: func(f *fixture) error { return f.col.ReparentDecks(ctx, []int64{f.deck2}, f.deck) }},
		{label: "Delete Deck", do: func(f *fixture) error {
			_, err := f.col.RemoveDeck(ctx, f.deck, collection.RemoveDeckMode{})
			return err
		}},
		{label: "Add Note Type", do: func(f *fixture) error {
			nt, err := collection.NewStockNotetype(collection.StockCloze)
			if err != nil {
				return err
			}
			nt.Name = "My Cloze"
			return f.col.AddNotetype(ctx, nt)
		}},
		{label: "Update Note Type", do: func(f *fixture) error {
			nt := mustNotetype(t, f.col, "Basic")
			nt.AddField("Extra")
			return f.col.UpdateNotetype(ctx, nt)
		}},
		{label: "Remove Note Type", do: func(f *fixture) error {
			return f.col.RemoveNotetype(ctx, mustNotetype(t, f.col, "Basic (and reversed card)").ID)
		}},
	}
	for _, op := range ops {
		t.Run(op.label, func(t *testing.T) {
			col := newCol(t)
			deck, err := col.AddDeck(ctx, "Languages")
			if err != nil {
				t.Fatal(err)
			}
			deck2, err := col.AddDeck(ctx, "Other")
			if err != nil {
				t.Fatal(err)
			}
			f := &fixture{col: col, deck: deck, deck2: deck2}
			f.n1 = addNote(t, col, "Basic", deck, "front 1", "back 1")
			f.n2 = addNote(t, col, "Basic (and reversed card)", deck, "front 2", "back 2")
			if _, err := col.AddTags(ctx, []int64{f.n1.ID}, "one"); err != nil {
				t.Fatal(err)
			}
			if _, err := col.AddTags(ctx, []int64{f.n2.ID}, "two"); err != nil {
				t.Fatal(err)
			}
			if op.setup != nil {
				if err := op.setup(f); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, col)
			if err := op.do(f); err != nil {
				t.Fatal(err)
			}
			after := snapshot(t, col)
			if after == before {
				t.Fatal("the operation changed nothing")
			}
			if got := col.UndoLabel(); got != op.label {
				t.Fatalf("undo label %q, want %q", got, op.label)
			}
			label, err := col.Undo(ctx)
			if err != nil || label != op.label {
				t.Fatalf("undo: %q %v", label, err)
			}
			if got := snapshot(t, col); got != before {
				t.Fatalf("undo did not restore the rows:\nbefore:\n%s\nafter undo:\n%s", before, got)
			}
			if got := col.RedoLabel(); got != op.label {
				t.Fatalf("redo label %q", got)
			}
			if label, err := col.Redo(ctx); err != nil || label != op.label {
				t.Fatalf("redo: %q %v", label, err)
			}
			if got := snapshot(t, col); got != after {
				t.Fatalf("redo did not re-apply:\nwant:\n%s\ngot:\n%s", after, got)
			}
			// and once more through the cycle: the redo is itself undoable
			if _, err := col.Undo(ctx); err != nil {
				t.Fatal(err)
			}
			if got := snapshot(t, col); got != before {
				t.Fatal("second undo did not restore the rows")
			}
			integrityOK(t, col)
		})
	}
}

func TestUndoCacheFollowsRestoredRows(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	did, err := col.AddDeck(ctx, "Gone Soon")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := col.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	if _, ok := col.Deck(did); ok {
		t.Fatal("undone deck still in the cache")
	}
	if _, err := col.Redo(ctx); err != nil {
		t.Fatal(err)
	}
	if d, ok := col.Deck(did); !ok || d.Name != "Gone Soon" {
		t.Fatalf("redone deck not in the cache: %+v", d)
	}
	// a deleted note comes back with its cards, and its graves are gone
	n := addNote(t, col, "Basic", did, "a", "b")
	if err := col.RemoveNotes(ctx, []int64{n.ID}); err != nil {
		t.Fatal(err)
	}
	if g := scalar[int](t, col, "SELECT count(*) FROM graves"); g != 2 {
		t.Fatalf("graves after delete: %d", g)
	}
	if _, err := col.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	if g := scalar[int](t, col, "SELECT count(*) FROM graves"); g != 0 {
		t.Fatalf("graves after undoing the delete: %d", g)
	}
	got, err := col.GetNote(ctx, n.ID)
	if err != nil || got.Fields[0] != "a" {
		t.Fatalf("note after undo: %+v %v", got, err)
	}
	if col.Modified().UnixMilli() <= n.Mod*1000-1000 {
		t.Fatal("col.mod not bumped by the undo")
	}
}

func TestUndoStacks(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	if _, err := col.Undo(ctx); !errors.Is(err, collection.ErrNothingToUndo) {
		t.Fatalf("undo on a fresh collection: %v", err)
	}
	if _, err := col.Redo(ctx); !errors.Is(err, collection.ErrNothingToRedo) {
		t.Fatalf("redo on a fresh collection: %v", err)
	}
	addNote(t, col, "Basic", 1, "one", "")
	addNote(t, col, "Basic", 1, "two", "")
	if _, err := col.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	if col.RedoLabel() != "Add Note" || col.UndoLabel() != "Add Note" {
		t.Fatalf("labels %q / %q", col.UndoLabel(), col.RedoLabel())
	}
	// a new undoable change clears redo
	if _, err := col.AddDeck(ctx, "X"); err != nil {
		t.Fatal(err)
	}
	if col.RedoLabel() != "" || col.UndoLabel() != "Add Deck" {
		t.Fatalf("after a new change: %q / %q", col.UndoLabel(), col.RedoLabel())
	}
	if n := scalar[int](t, col, "SELECT count(*) FROM notes"); n != 1 {
		t.Fatalf("notes: %d", n)
	}

	// at most MaxUndoSteps are kept; the oldest go, with their log rows
	for i := range collection.MaxUndoSteps + 5 {
		if _, err := col.AddDeck(ctx, fmt.Sprintf("Deck %02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	undone := 0
	for {
		if _, err := col.Undo(ctx); errors.Is(err, collection.ErrNothingToUndo) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		undone++
	}
	if undone != collection.MaxUndoSteps {
		t.Fatalf("undid %d steps, want %d", undone, collection.MaxUndoSteps)
	}
	if _, ok := col.DeckByName("Deck 04"); !ok {
		t.Fatal("a step older than the cap was undone")
	}
	if _, ok := col.DeckByName("Deck 05"); ok {
		t.Fatal("the oldest kept step was not undone")
	}
	redone := 0
	for {
		if _, err := col.Redo(ctx); errors.Is(err, collection.ErrNothingToRedo) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		redone++
	}
	if redone != collection.MaxUndoSteps {
		t.Fatalf("redid %d steps", redone)
	}
	if _, ok := col.DeckByName("Deck 34"); !ok {
		t.Fatal("redo did not bring back the newest deck")
	}
	logRows := scalar[int](t, col, "SELECT count(DISTINCT step) FROM temp.deckhand_undo_log")
	if logRows != collection.MaxUndoSteps {
		t.Fatalf("log holds %d steps, want %d", logRows, collection.MaxUndoSteps)
	}
	integrityOK(t, col)
	if err := col.ClearUndo(ctx); err != nil {
		t.Fatal(err)
	}
	if col.UndoLabel() != "" || scalar[int](t, col, "SELECT count(*) FROM temp.deckhand_undo_log") != 0 {
		t.Fatal("ClearUndo left steps")
	}
}

// Imports, sync and database checks use plain Transact: they record nothing and clear both
// stacks.
func TestPlainTransactClearsUndo(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	addNote(t, col, "Basic", 1, "one", "")
	addNote(t, col, "Basic", 1, "two", "")
	if _, err := col.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	err := col.Transact(ctx, func(tx *collection.Tx) error {
		if tx.UndoStepID() != 0 {
			t.Error("a plain transaction has an undo step")
		}
		_, err := tx.Q().Exec("UPDATE notes SET usn=0")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if col.UndoLabel() != "" || col.RedoLabel() != "" {
		t.Fatalf("stacks after a plain transaction: %q / %q", col.UndoLabel(), col.RedoLabel())
	}
	if n := scalar[int](t, col, "SELECT count(*) FROM temp.deckhand_undo_log"); n != 0 {
		t.Fatalf("%d log rows left", n)
	}
	// recording triggers exist only inside undoable transactions: plain ones pay nothing
	if n := scalar[int](t, col, "SELECT count(*) FROM temp.sqlite_master WHERE type='trigger'"); n != 0 {
		t.Fatalf("%d triggers left outside a recording transaction", n)
	}
	var during int
	err = col.TransactUndoable(ctx, "Look", func(tx *collection.Tx) error {
		return tx.Q().QueryRow("SELECT count(*) FROM temp.sqlite_master WHERE type='trigger'").Scan(&during)
	})
	if err != nil || during != 20 {
		t.Fatalf("triggers while recording: %d %v", during, err)
	}
	if n := scalar[int](t, col, "SELECT count(*) FROM temp.sqlite_master WHERE type='trigger'"); n != 0 {
		t.Fatalf("%d triggers left after an undoable transaction", n)
	}
	if _, err := col.Check(ctx); err != nil {
		t.Fatal(err)
	}
	addNote(t, col, "Basic", 1, "three", "")
	if _, err := col.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if col.UndoLabel() != "" {
		t.Fatal("Check Database left the undo stack")
	}
}

func TestUndoFailedTransactionLeavesNoStep(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	n := addNote(t, col, "Basic", 1, "kept", "")
	before := snapshot(t, col)
	boom := errors.New("boom")
	err := col.TransactUndoable(ctx, "Broken", func(tx *collection.Tx) error {
		if tx.UndoStepID() == 0 {
			t.Error("an undoable transaction has no step")
		}
		if _, err := tx.Q().Exec("DELETE FROM notes"); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if col.UndoLabel() != "Add Note" {
		t.Fatalf("undo label after a rollback: %q", col.UndoLabel())
	}
	if snapshot(t, col) != before {
		t.Fatal("rollback changed rows")
	}
	if _, err := col.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := col.GetNote(ctx, n.ID); !errors.Is(err, collection.ErrNotFound) {
		t.Fatalf("note after undoing its add: %v", err)
	}
	if err := col.TransactUndoable(ctx, "", func(*collection.Tx) error { return nil }); err == nil {
		t.Fatal("an unlabelled undoable transaction was accepted")
	}
}

func TestUndoEmptyAfterReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.anki2")
	col, err := collection.Create(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	addNote(t, col, "Basic", 1, "x", "")
	if col.UndoLabel() == "" {
		t.Fatal("nothing to undo after adding a note")
	}
	if err := col.Close(); err != nil {
		t.Fatal(err)
	}
	col, err = collection.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	if _, err := col.Undo(ctx); !errors.Is(err, collection.ErrNothingToUndo) {
		t.Fatalf("undo after reopening: %v", err)
	}
	// the reopened collection records again
	addNote(t, col, "Basic", 1, "y", "")
	if _, err := col.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	if n := scalar[int](t, col, "SELECT count(*) FROM notes"); n != 1 {
		t.Fatalf("notes: %d", n)
	}
}

// UndoIf undoes only the step it names.
func TestUndoIf(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	var step uint64
	err := col.TransactUndoable(ctx, "Mine", func(tx *collection.Tx) error {
		step = tx.UndoStepID()
		_, err := tx.Q().Exec("UPDATE col SET ls=ls+1")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	addNote(t, col, "Basic", 1, "later", "")
	if _, err := col.UndoIf(ctx, step); !errors.Is(err, collection.ErrUndoMoved) {
		t.Fatalf("UndoIf under a newer step: %v", err)
	}
	if _, err := col.Undo(ctx); err != nil {
		t.Fatal(err)
	}
	if label, err := col.UndoIf(ctx, step); err != nil || label != "Mine" {
		t.Fatalf("UndoIf: %q %v", label, err)
	}
}
