package app

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
)

func cardIDsOfNote(t *testing.T, s *Service, nid int64) []int64 {
	t.Helper()
	cards, err := s.Collection().CardsOfNote(context.Background(), nid)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, c := range cards {
		ids = append(ids, c.ID)
	}
	return ids
}

func fieldsOf(t *testing.T, s *Service, nid int64) []string {
	t.Helper()
	n, err := s.Collection().GetNote(context.Background(), nid)
	if err != nil {
		t.Fatal(err)
	}
	return n.Fields
}

func addTyped(t *testing.T, s *Service, ntName string, fields ...string) int64 {
	t.Helper()
	col := s.Collection()
	nt, ok := col.NotetypeByName(ntName)
	if !ok {
		t.Fatalf("no %s", ntName)
	}
	n, err := col.NewNote(nt.ID)
	if err != nil {
		t.Fatal(err)
	}
	copy(n.Fields, fields)
	if err := col.AddNote(context.Background(), n, 1); err != nil {
		t.Fatal(err)
	}
	return n.ID
}

func TestFindAndReplaceSelection(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	a := addTyped(t, s, "Basic (and reversed card)", "cat", "chat")
	b := addTyped(t, s, "Basic", "cat", "gato")

	// cards mode: the second card of note a stands for the whole note
	sel := []int64{cardIDsOfNote(t, s, a)[1]}
	fr := FindReplace{Find: "CAT", Replace: "dog", SelectedOnly: true, IgnoreCase: true}
	changed, total, err := s.FindAndReplace(ctx, CardsMode, sel, fr)
	if err != nil || changed != 1 || total != 1 {
		t.Fatalf("changed %d of %d, %v", changed, total, err)
	}
	if f := fieldsOf(t, s, a); !slices.Equal(f, []string{"dog", "chat"}) {
		t.Errorf("selected note %q", f)
	}
	if f := fieldsOf(t, s, b); f[0] != "cat" {
		t.Errorf("unselected note changed: %q", f)
	}
	if msg := FindReplaceMessage(fr, changed, total); msg != "1 of 1 note updated." {
		t.Errorf("message %q", msg)
	}

	// not limited to the selection: every note, here in one field only
	fr = FindReplace{Find: "^(\\w)at$", Replace: "${1}ow", Field: "Front", Regex: true}
	changed, total, err = s.FindAndReplace(ctx, CardsMode, sel, fr)
	if err != nil || changed != 1 || total != 2 {
		t.Fatalf("whole collection: changed %d of %d, %v", changed, total, err)
	}
	if f := fieldsOf(t, s, b); !slices.Equal(f, []string{"cow", "gato"}) {
		t.Errorf("regex replace %q", f)
	}
	if msg := FindReplaceMessage(fr, changed, total); msg != "1 note updated." {
		t.Errorf("message %q", msg)
	}

	// tags
	if _, err := s.AddTags(ctx, NotesMode, []int64{a, b}, "animal"); err != nil {
		t.Fatal(err)
	}
	changed, _, err = s.FindAndReplace(ctx, NotesMode, []int64{b}, FindReplace{Find: "animal", Replace: "pet", Tags: true, SelectedOnly: true, IgnoreCase: true})
	if err != nil || changed != 1 {
		t.Fatalf("tags: %d %v", changed, err)
	}
	if n, _ := s.Collection().GetNote(ctx, b); !slices.Equal(n.Tags, []string{"pet"}) {
		t.Errorf("tags %q", n.Tags)
	}

	if _, _, err := s.FindAndReplace(ctx, NotesMode, []int64{a}, FindReplace{Find: "", Replace: "x"}); err == nil {
		t.Error("an empty search was accepted")
	}
	if _, _, err := s.FindAndReplace(ctx, NotesMode, nil, FindReplace{Find: "a", SelectedOnly: true}); err == nil {
		t.Error("selected-only with no selection was accepted")
	}
}

func TestFieldNamesOfSelection(t *testing.T) {
	s := newTestService(t)
	a := addTyped(t, s, "Basic", "x", "y")
	b := addTyped(t, s, "Cloze", "{{c1::x}}", "")
	got, err := s.FieldNamesOfSelection(context.Background(), NotesMode, []int64{a, b})
	if err != nil {
		t.Fatal(err)
	}
	// Anki's order (rslib findreplace test): sorted, each name once
	if want := []string{"Back", "Back Extra", "Front", "Text"}; !slices.Equal(got, want) {
		t.Errorf("fields %q, want %q", got, want)
	}
}

func TestRepositionSelection(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	a := addTyped(t, s, "Basic (and reversed card)", "a", "b")
	b := addTyped(t, s, "Basic", "c", "d")
	c := addTyped(t, s, "Basic", "e", "f")
	info, err := s.RepositionDefaults(ctx)
	if err != nil || info.QueueTop != 1 || info.QueueBottom != 3 || info.Randomize || info.Shift {
		t.Fatalf("defaults %+v %v", info, err)
	}
	// notes mode keeps the table order: b first, then a
	n, err := s.RepositionNewCards(ctx, NotesMode, []int64{b, a}, 0, 10, false, true)
	if err != nil || n != 3 {
		t.Fatalf("repositioned %d, %v", n, err)
	}
	due := func(cid int64) int64 {
		card, err := s.Collection().GetCard(ctx, cid)
		if err != nil {
			t.Fatal(err)
		}
		return card.Due
	}
	ac, bc, cc := cardIDsOfNote(t, s, a), cardIDsOfNote(t, s, b), cardIDsOfNote(t, s, c)
	if got := []int64{due(bc[0]), due(ac[0]), due(ac[1]), due(cc[0])}; !slices.Equal(got, []int64{0, 10, 10, 3 + 30}) {
		t.Errorf("positions b, a1, a2, c = %v (c shifted by step × 3 cards = 30)", got)
	}
	if info, _ := s.RepositionDefaults(ctx); !info.Shift || info.Randomize || info.QueueTop != 0 || info.QueueBottom != 33 {
		t.Errorf("defaults after %+v", info)
	}
	if msg := RepositionMessage(n); msg != "Changed position of 3 new cards." {
		t.Errorf("message %q", msg)
	}
}

// The proposals follow rslib notetypechange.rs's field_map test.
func TestNotetypeChangeDefaults(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	col := s.Collection()
	basic, _ := col.NotetypeByName("Basic")
	cloze, _ := col.NotetypeByName("Cloze")
	rev, _ := col.NotetypeByName("Basic (and reversed card)")

	ch, err := s.NotetypeChangeInfo(basic.ID, cloze.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ch.FieldMap, []int{0, 1}) || ch.TemplateMap != nil {
		t.Errorf("basic → cloze %v %v", ch.FieldMap, ch.TemplateMap)
	}
	big := basic.Clone()
	big.Name = "Big"
	for _, f := range []string{"idx2", "idx3", "Text", "idx5"} {
		big.AddField(f)
	}
	if err := col.AddNotetype(ctx, big); err != nil {
		t.Fatal(err)
	}
	if ch, _ = s.NotetypeChangeInfo(big.ID, cloze.ID); !slices.Equal(ch.FieldMap, []int{4, 0}) {
		t.Errorf("big → cloze %v, want [4 0]", ch.FieldMap)
	}
	if ch, _ = s.NotetypeChangeInfo(cloze.ID, big.ID); !slices.Equal(ch.FieldMap, []int{1, -1, -1, -1, 0, -1}) {
		t.Errorf("cloze → big %v", ch.FieldMap)
	}
	ch, _ = s.NotetypeChangeInfo(rev.ID, basic.ID)
	if !slices.Equal(ch.TemplateMap, []int{0}) || !slices.Equal(ch.NewTemplates, []string{"Card 1"}) {
		t.Errorf("reversed → basic templates %v %v", ch.TemplateMap, ch.NewTemplates)
	}
	fields, cards := ch.Losses([]int{1, -1}, ch.TemplateMap)
	if !slices.Equal(fields, []string{"Front"}) || !slices.Equal(cards, []string{"Card 2"}) {
		t.Errorf("losses %q %q", fields, cards)
	}
}

func TestChangeNotetypeSelection(t *testing.T) {
	ctx := context.Background()
	s := newTestService(t)
	a := addTyped(t, s, "Basic", "front", "back")
	b := addTyped(t, s, "Basic", "f2", "b2")
	z := addTyped(t, s, "Cloze", "{{c1::x}}", "")
	if _, err := s.SelectionNotetype(ctx, NotesMode, []int64{a, z}); !errors.Is(err, collection.ErrMultipleNotetypes) {
		t.Errorf("mixed selection: %v", err)
	}
	cards := []int64{cardIDsOfNote(t, s, a)[0], cardIDsOfNote(t, s, b)[0]}
	mid, err := s.SelectionNotetype(ctx, CardsMode, cards)
	if basic, _ := s.Collection().NotetypeByName("Basic"); err != nil || mid != basic.ID {
		t.Fatalf("selection note type %d, %v", mid, err)
	}
	rev, _ := s.Collection().NotetypeByName("Basic (and reversed card)")
	if _, err := s.Collection().DB().Exec("UPDATE col SET ls = scm + 1, mod = scm"); err != nil {
		t.Fatal(err) // pretend a full sync just happened
	}
	if s.FullSyncPending(ctx) {
		t.Fatal("just synced: no full sync should be pending")
	}
	if err := s.ChangeNotetype(ctx, CardsMode, cards, rev.ID, []int{1, 0}, []int{0, -1}); err != nil {
		t.Fatal(err)
	}
	for _, nid := range []int64{a, b} {
		n, _ := s.Collection().GetNote(ctx, nid)
		if n.NotetypeID != rev.ID || len(cardIDsOfNote(t, s, nid)) != 2 {
			t.Errorf("note %d: type %d, %d cards", nid, n.NotetypeID, len(cardIDsOfNote(t, s, nid)))
		}
	}
	if f := fieldsOf(t, s, a); !slices.Equal(f, []string{"back", "front"}) {
		t.Errorf("fields %q", f)
	}
	if !s.FullSyncPending(ctx) {
		t.Error("changing the note type must make the next sync a full one")
	}
}
