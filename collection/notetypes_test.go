package collection_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
)

func TestNotetypeFieldChanges(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	n := addNote(t, col, "Basic", 1, "front", "back")
	scm := col.SchemaModified()

	nt := mustNotetype(t, col, "Basic")
	nt.AddField("Extra")
	if err := col.UpdateNotetype(ctx, nt); err != nil {
		t.Fatal(err)
	}
	got, _ := col.GetNote(ctx, n.ID)
	if !reflect.DeepEqual(got.Fields, []string{"front", "back", ""}) {
		t.Fatalf("after add: %q", got.Fields)
	}
	if col.SchemaModified() == scm {
		t.Fatal("adding a field must mark the schema modified (full sync)")
	}
	if got := scalar[int](t, col, "SELECT usn FROM notes WHERE id=?", n.ID); got != -1 {
		t.Fatal("rewritten note not marked for sync")
	}

	// Rename: templates follow.
	nt = mustNotetype(t, col, "Basic")
	nt.Fields[0].Name = "Question"
	if err := col.UpdateNotetype(ctx, nt); err != nil {
		t.Fatal(err)
	}
	nt = mustNotetype(t, col, "Basic")
	if nt.Templates[0].QFmt != "{{Question}}" {
		t.Fatalf("template not renamed: %q", nt.Templates[0].QFmt)
	}
	got, _ = col.GetNote(ctx, n.ID)
	if v, _ := got.Field("Question"); v != "front" {
		t.Fatal("value lost on rename")
	}

	// Reorder: Extra first, values move with their fields.
	nt.Fields = []*collection.Field{nt.Fields[2], nt.Fields[0], nt.Fields[1]}
	if err := col.UpdateNotetype(ctx, nt); err != nil {
		t.Fatal(err)
	}
	got, _ = col.GetNote(ctx, n.ID)
	if !reflect.DeepEqual(got.Fields, []string{"", "front", "back"}) {
		t.Fatalf("after reorder: %q", got.Fields)
	}

	// Remove the Back field.
	nt = mustNotetype(t, col, "Basic")
	nt.Fields = nt.Fields[:2]
	nt.Templates[0].AFmt = "{{FrontSide}}<hr id=answer>{{Extra}}"
	if err := col.UpdateNotetype(ctx, nt); err != nil {
		t.Fatal(err)
	}
	got, _ = col.GetNote(ctx, n.ID)
	if !reflect.DeepEqual(got.Fields, []string{"", "front"}) {
		t.Fatalf("after remove: %q", got.Fields)
	}
	if s := scalar[string](t, col, "SELECT flds FROM notes WHERE id=?", n.ID); s != "\x1ffront" {
		t.Fatalf("stored flds %q", s)
	}

	// A template referring to a field that no longer exists is rejected.
	nt = mustNotetype(t, col, "Basic")
	nt.Templates[0].QFmt = "{{#Question}}"
	if err := col.UpdateNotetype(ctx, nt); err == nil {
		t.Fatal("unclosed conditional accepted")
	}
}

func TestNotetypeTemplateChanges(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	n := addNote(t, col, "Basic", 1, "front", "back")
	nt := mustNotetype(t, col, "Basic")
	nt.AddTemplate("Reverse", "{{Back}}", "{{FrontSide}}<hr id=answer>{{Front}}")
	if err := col.UpdateNotetype(ctx, nt); err != nil {
		t.Fatal(err)
	}
	if got := cardOrds(t, col, n.ID); !reflect.DeepEqual(got, []int{0, 1}) {
		t.Fatalf("new template did not generate: %v", got)
	}
	cards, _ := col.CardsOfNote(ctx, n.ID)
	reverseID := cards[1].ID

	// Swap templates: card ordinals follow their templates.
	nt = mustNotetype(t, col, "Basic")
	nt.Templates = []*collection.Template{nt.Templates[1], nt.Templates[0]}
	if err := col.UpdateNotetype(ctx, nt); err != nil {
		t.Fatal(err)
	}
	c, _ := col.GetCard(ctx, reverseID)
	if c.Ord != 0 {
		t.Fatalf("reverse card ord %d after move", c.Ord)
	}
	nt = mustNotetype(t, col, "Basic")
	if nt.Templates[0].Name != "Reverse" || nt.Req[0].Fields[0] != 1 {
		t.Fatalf("templates %q req %v", nt.Templates[0].Name, nt.Req)
	}

	// Remove the reverse template: its cards go, with graves.
	nt.Templates = nt.Templates[1:]
	if err := col.UpdateNotetype(ctx, nt); err != nil {
		t.Fatal(err)
	}
	if got := cardOrds(t, col, n.ID); !reflect.DeepEqual(got, []int{0}) {
		t.Fatalf("after remove: %v", got)
	}
	if got := scalar[int](t, col, "SELECT count(*) FROM graves WHERE oid=? AND type=0", reverseID); got != 1 {
		t.Fatal("no grave for the removed card")
	}
}

func TestAddAndRemoveNotetype(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	nt := mustNotetype(t, col, "Basic")
	copyNT := nt.Clone()
	copyNT.ID = 0
	if err := col.AddNotetype(ctx, copyNT); err != nil {
		t.Fatal(err)
	}
	if copyNT.Name != "Basic+" || copyNT.ID == nt.ID {
		t.Fatalf("copy %q id %d", copyNT.Name, copyNT.ID)
	}
	n := addNote(t, col, "Basic+", 1, "x", "y")
	if err := col.RemoveNotetype(ctx, copyNT.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := col.GetNote(ctx, n.ID); err == nil {
		t.Fatal("note of removed note type survived")
	}
	if _, ok := col.Notetype(copyNT.ID); ok {
		t.Fatal("note type not removed")
	}
}

func TestRenameFieldInTemplate(t *testing.T) {
	cases := []struct{ in, want string }{
		{"{{Front}}", "{{Q}}"},
		{"{{ Front }}", "{{Q}}"},
		{"{{text:Front}}", "{{text:Q}}"},
		{"{{#Front}}x{{/Front}}", "{{#Q}}x{{/Q}}"},
		{"{{^Front}}x{{/Front}}", "{{^Q}}x{{/Q}}"},
		{"{{Frontier}} {{Back}}", "{{Frontier}} {{Back}}"},
		{"<!-- {{Front}} -->{{Front", "<!-- {{Q}} -->{{Front"},
		{"{{tts en_US:Front}}", "{{tts en_US:Q}}"},
	}
	for _, c := range cases {
		if got := collection.RenameFieldInTemplate(c.in, "Front", "Q"); got != c.want {
			t.Errorf("%q: got %q want %q", c.in, got, c.want)
		}
	}
}
