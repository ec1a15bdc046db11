package app

import (
	"context"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
)

func notetypeByName(t *testing.T, s *Service, name string) NotetypeInfo {
	t.Helper()
	list, err := s.Notetypes(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range list {
		if n.Name == name {
			return n
		}
	}
	t.Fatalf("no note type %q in %v", name, list)
	return NotetypeInfo{}
}

func TestNotetypeListAddCloneRenameDelete(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	addBasic(t, s, "D", "one", "1")
	addBasic(t, s, "D", "two", "2")
	list, err := s.Notetypes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// a new collection has Anki's five stock types, listed by name
	if len(list) != 5 || list[0].Name != "Basic" || list[0].Label() != "Basic [2 notes]" {
		t.Fatalf("list %+v", list)
	}
	if len(StockNotetypes()) != 5 || StockNotetypes()[4].Name != "Cloze" {
		t.Fatalf("stock %+v", StockNotetypes())
	}
	// adding a stock type under a taken name gets a unique one
	id, err := s.AddStockNotetype(ctx, collection.StockCloze, "Basic")
	if err != nil {
		t.Fatal(err)
	}
	if nt, _ := s.Collection().Notetype(id); nt == nil || nt.Name == "Basic" || !nt.IsCloze() {
		t.Fatalf("added %+v", nt)
	}
	basic := notetypeByName(t, s, "Basic")
	cid, err := s.CloneNotetype(ctx, basic.ID, "Basic copy")
	if err != nil {
		t.Fatal(err)
	}
	src, _ := s.Collection().Notetype(basic.ID)
	cl, _ := s.Collection().Notetype(cid)
	if cl.Name != "Basic copy" || strings.Join(cl.FieldNames(), ",") != "Front,Back" || cl.Templates[0].QFmt != src.Templates[0].QFmt ||
		*cl.Fields[0].ID == *src.Fields[0].ID || notetypeByName(t, s, "Basic copy").Notes != 0 {
		t.Fatalf("clone %+v", cl)
	}
	if err := s.RenameNotetype(ctx, cid, "Vocab"); err != nil {
		t.Fatal(err)
	}
	if notetypeByName(t, s, "Vocab").ID != cid {
		t.Fatal("rename")
	}
	if err := s.RenameNotetype(ctx, cid, "  "); err == nil {
		t.Fatal("empty name accepted")
	}
	// deleting a note type takes its notes and is a schema change
	scm := s.Collection().SchemaModified()
	if err := s.RemoveNotetype(ctx, basic.ID); err != nil {
		t.Fatal(err)
	}
	if noteCount(t, s) != 0 || s.Collection().SchemaModified() == scm {
		t.Fatalf("after delete: %d notes, scm %d", noteCount(t, s), s.Collection().SchemaModified())
	}
}

func TestNotetypeFieldEdits(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	nid := addBasic(t, s, "D", "front text", "back text")
	basic := notetypeByName(t, s, "Basic")
	nt, err := s.EditNotetype(basic.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"add a field", AddFieldTo(nt, "Extra")},
		{"rename", RenameField(nt, 0, "Question")},
		{"sort by Back", SetSortField(nt, 1)},
		{"move Extra first", MoveField(nt, 2, 0)},
	} {
		if tc.err != nil {
			t.Fatalf("%s: %v", tc.name, tc.err)
		}
	}
	if AddFieldTo(nt, "Extra") == nil || RenameField(nt, 1, "Back") == nil || MoveField(nt, 0, 3) == nil {
		t.Fatal("bad edits accepted")
	}
	if got := strings.Join(nt.FieldNames(), ","); got != "Extra,Question,Back" || nt.SortField != 2 {
		t.Fatalf("fields %s sort %d", got, nt.SortField)
	}
	// nothing is saved until SaveNotetype
	if saved, _ := s.Collection().Notetype(basic.ID); strings.Join(saved.FieldNames(), ",") != "Front,Back" {
		t.Fatal("the edit reached the collection early")
	}
	scm := s.Collection().SchemaModified()
	if err := s.SaveNotetype(ctx, nt); err != nil {
		t.Fatal(err)
	}
	n, _ := s.Collection().GetNote(ctx, nid)
	saved, _ := s.Collection().Notetype(basic.ID)
	if strings.Join(n.Fields, "|") != "|front text|back text" || !strings.Contains(saved.Templates[0].QFmt, "{{Question}}") ||
		s.Collection().SchemaModified() == scm {
		t.Fatalf("note %q, qfmt %q", n.Fields, saved.Templates[0].QFmt)
	}
	// removing the sort field falls back to the first; the last field cannot go
	nt, _ = s.EditNotetype(basic.ID)
	if err := RemoveField(nt, 2); err != nil || nt.SortField != 0 {
		t.Fatalf("remove: %v sort %d", err, nt.SortField)
	}
	_ = RemoveField(nt, 0)
	if err := RemoveField(nt, 0); err == nil {
		t.Fatal("removed the last field")
	}
	cloze, _ := s.Collection().NotetypeByName("Cloze")
	cl := cloze.Clone()
	if err := RemoveField(cl, 0); err == nil {
		t.Fatal("the cloze Text field is protected")
	}
}

func TestNotetypeCardTypeEditsAndPreview(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	nid := addBasic(t, s, "D", "front text", "back text")
	basic := notetypeByName(t, s, "Basic")
	nt, _ := s.EditNotetype(basic.ID)
	nt.Templates[0].QFmt = "Q: {{Front}}"
	nt.CSS = ".card { color: red }"
	p, err := s.PreviewCardType(ctx, nt, 0)
	if err != nil {
		t.Fatal(err)
	}
	if p.Question != "Q: front text" || !strings.Contains(p.Answer, "back text") || p.CSS != nt.CSS {
		t.Fatalf("preview %+v", p)
	}
	if err := AddCardType(nt, ""); err != nil {
		t.Fatal(err)
	}
	if nt.Templates[1].Name != "Card 2" || nt.Templates[1].QFmt != "Q: {{Front}}" {
		t.Fatalf("new card type %+v", nt.Templates[1])
	}
	nt.Templates[1].QFmt = "{{Back}}"
	if err := RenameCardType(nt, 1, "Reverse"); err != nil {
		t.Fatal(err)
	}
	if err := RenameCardType(nt, 0, "Reverse"); err == nil {
		t.Fatal("duplicate card type name accepted")
	}
	if err := MoveCardType(nt, 1, 0); err != nil {
		t.Fatal(err)
	}
	nt.Templates[1].QFmt = "{{#Front}}" // unclosed: the preview says so, saving refuses
	if _, err := s.PreviewCardType(ctx, nt, 1); err == nil {
		t.Fatal("broken template previewed")
	}
	if err := s.SaveNotetype(ctx, nt); err == nil {
		t.Fatal("broken template saved")
	}
	nt.Templates[1].QFmt = "Q: {{Front}}"
	if err := s.SaveNotetype(ctx, nt); err != nil {
		t.Fatal(err)
	}
	// the note now has two cards: the reverse one (ord 0) and the original, moved to ord 1
	cards, _ := s.Collection().CardsOfNote(ctx, nid)
	if len(cards) != 2 {
		t.Fatalf("%d cards", len(cards))
	}
	if n, _ := s.CardTypeCount(ctx, basic.ID, 0); n != 1 {
		t.Fatalf("card type count %d", n)
	}
	nt, _ = s.EditNotetype(basic.ID)
	if err := RemoveCardType(nt, 0); err != nil {
		t.Fatal(err)
	}
	if err := RemoveCardType(nt, 0); err == nil {
		t.Fatal("removed the last card type")
	}
	if err := s.SaveNotetype(ctx, nt); err != nil {
		t.Fatal(err)
	}
	cards, _ = s.Collection().CardsOfNote(ctx, nid)
	if len(cards) != 1 || cards[0].Ord != 0 {
		t.Fatalf("after removing a card type: %+v", cards)
	}
	if r, _ := cards[0].Render(ctx); r.Question != "Q: front text" {
		t.Fatalf("remaining card renders %q", r.Question)
	}
	cloze, _ := s.Collection().NotetypeByName("Cloze")
	if err := AddCardType(cloze.Clone(), "x"); err == nil {
		t.Fatal("a second cloze card type accepted")
	}
}
