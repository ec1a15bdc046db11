package collection_test

import (
	"context"
	"reflect"
	"testing"
)

func TestTags(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	nt := mustNotetype(t, col, "Basic")
	n, _ := col.NewNote(nt.ID)
	n.Fields[0] = "x"
	n.Tags = []string{"Zeta", "alpha", "ALPHA", "lang::jp", "lang:::: en"}
	if err := col.AddNote(ctx, n, 1); err != nil {
		t.Fatal(err)
	}
	if want := []string{"alpha", "en", "lang", "lang::jp", "Zeta"}; !reflect.DeepEqual(n.Tags, want) {
		t.Fatalf("canonical tags %q, want %q", n.Tags, want)
	}
	if got := scalar[string](t, col, "SELECT tags FROM notes WHERE id=?", n.ID); got != " alpha en lang lang::jp Zeta " {
		t.Fatalf("stored %q", got)
	}
	// The registry holds parents too and keeps the first spelling of a tag.
	n2 := addNote(t, col, "Basic", 1, "y", "")
	if c, err := col.AddTags(ctx, []int64{n2.ID}, "LANG::JP new"); err != nil || c != 1 {
		t.Fatalf("add tags: %d %v", c, err)
	}
	got, _ := col.GetNote(ctx, n2.ID)
	if !reflect.DeepEqual(got.Tags, []string{"lang::jp", "new"}) {
		t.Fatalf("case not unified: %q", got.Tags)
	}
	if all := col.AllTags(); !reflect.DeepEqual(all, []string{"alpha", "en", "lang", "lang::jp", "new", "Zeta"}) {
		t.Fatalf("registry %q", all)
	}
	// Hierarchical rename.
	if c, err := col.RenameTag(ctx, "lang", "language"); err != nil || c != 2 {
		t.Fatalf("rename: %d %v", c, err)
	}
	got, _ = col.GetNote(ctx, n.ID)
	if !got.HasTag("language::jp") || got.HasTag("lang::jp") {
		t.Fatalf("after rename %q", got.Tags)
	}
	if c, err := col.RemoveTags(ctx, []int64{n.ID, n2.ID}, "alpha NEW"); err != nil || c != 2 {
		t.Fatalf("remove: %d %v", c, err)
	}
	if c, err := col.ClearUnusedTags(ctx); err != nil || c != 2 {
		t.Fatalf("clear unused removed %d (%v), want alpha and new", c, err)
	}
	if all := col.AllTags(); !reflect.DeepEqual(all, []string{"en", "language", "language::jp", "Zeta"}) {
		t.Fatalf("registry after clear %q", all)
	}
}
