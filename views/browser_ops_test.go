package views

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/collection"
)

func fieldsOfNote(t *testing.T, col *collection.Collection, nid int64) []string {
	t.Helper()
	n, err := col.GetNote(context.Background(), nid)
	if err != nil {
		t.Fatal(err)
	}
	return n.Fields
}

func TestBrowserBulkOps(t *testing.T) {
	ctx := context.Background()
	col := newCollection(t)
	apple := addNote(t, col, "Basic", "Fruit", "apple", "red")
	banana := addNote(t, col, "Basic", "Fruit", "banana", "yellow")
	cherry := addNote(t, col, "Basic (and reversed card)", "Fruit", "cherry", "red")
	m := newWindow(t, col)
	b := m.Browser
	if b.Mode() != app.CardsMode {
		b.SetMode(app.CardsMode)
		m.Wait()
	}
	b.sortCol, b.desc = app.ColSortField, false
	b.SetQuery("deck:Fruit")
	m.Wait()
	if len(b.Rows()) != 4 {
		t.Fatalf("rows %d", len(b.Rows()))
	}
	// rows: apple, banana, cherry card 1, cherry card 2

	// Find and Replace through its dialog, limited to the selected note and one field
	b.Click(0, app.ClickPlain)
	m.Wait()
	b.PromptFindReplace()
	m.Wait()
	fr := b.LastFindReplace()
	if fr == nil {
		t.Fatal("no Find and Replace dialog")
	}
	if want := []string{"All Fields", "Tags", "Back", "Front"}; !slices.Equal(fr.In.Options, want) {
		t.Errorf("In offers %q, want %q", fr.In.Options, want)
	}
	if !fr.SelectedOnly.Checked || !fr.IgnoreCase.Checked || fr.Regex.Checked {
		t.Error("defaults: selected notes only and ignore case should be on, regex off")
	}
	fr.Find.SetText("RED")
	fr.Replace.SetText("crimson")
	fr.In.SetSelected("Back")
	fr.Submit()
	m.Wait()
	if f := fieldsOfNote(t, col, apple); !slices.Equal(f, []string{"apple", "crimson"}) {
		t.Errorf("apple %q", f)
	}
	if f := fieldsOfNote(t, col, cherry); f[1] != "red" {
		t.Errorf("an unselected note changed: %q", f)
	}
	if got := m.status.Text; got != "1 of 1 note updated." {
		t.Errorf("status %q", got)
	}
	// the whole collection, as a regex with a group
	b.FindReplace(app.FindReplace{Find: `^(r)ed$`, Replace: "${1}uby", Regex: true})
	m.Wait()
	if f := fieldsOfNote(t, col, cherry); f[1] != "ruby" {
		t.Errorf("cherry %q", f)
	}

	// Reposition through its dialog: apple and banana, in table order
	b.Click(1, app.ClickPlain)
	m.Wait()
	b.Click(0, app.ClickToggle)
	m.Wait()
	b.PromptReposition()
	m.Wait()
	rp := b.LastReposition()
	if rp == nil {
		t.Fatal("no Reposition dialog")
	}
	if !strings.Contains(rp.Queue.Text, "Queue top: 1") || !strings.Contains(rp.Queue.Text, "Queue bottom: 3") {
		t.Errorf("queue %q", rp.Queue.Text)
	}
	rp.Step.SetText("0")
	rp.Submit() // invalid step: nothing happens
	m.Wait()
	rp.Start.SetText("20")
	rp.Step.SetText("5")
	rp.Shift.SetChecked(true)
	rp.Submit()
	m.Wait()
	due := func(nid int64) []int64 {
		cards, err := col.CardsOfNote(ctx, nid)
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, c := range cards {
			out = append(out, c.Due)
		}
		return out
	}
	if got := [][]int64{due(apple), due(banana), due(cherry)}; !slices.Equal(got[0], []int64{20}) ||
		!slices.Equal(got[1], []int64{25}) || !slices.Equal(got[2], []int64{3, 3}) {
		t.Errorf("positions apple, banana, cherry = %v (cherry is before 20, so not shifted)", got)
	}
	b.Reposition(1, 1, false, true) // same selection, back to the top; the rest shifts by 2
	m.Wait()
	if got := [][]int64{due(apple), due(banana), due(cherry)}; !slices.Equal(got[0], []int64{1}) ||
		!slices.Equal(got[1], []int64{2}) || !slices.Equal(got[2], []int64{5, 5}) {
		t.Errorf("after shifting: %v", got)
	}

	// Change Note Type: a mixed selection is refused
	b.SelectAll()
	m.Wait()
	b.PromptChangeNotetype()
	m.Wait()
	if b.LastChangeNotetype() != nil {
		t.Fatal("a dialog opened for notes of two note types")
	}
	// apple and banana (Basic) → Basic (and reversed card), swapping the fields
	b.Click(0, app.ClickPlain)
	m.Wait()
	b.Click(1, app.ClickRange)
	m.Wait()
	time.Sleep(2 * time.Millisecond) // scm has millisecond resolution
	scm := col.SchemaModified()
	b.PromptChangeNotetype()
	m.Wait()
	cn := b.LastChangeNotetype()
	if cn == nil {
		t.Fatal("no Change Note Type dialog")
	}
	if cn.NewType.Selected != "Basic" || len(cn.FieldSelects) != 2 || len(cn.TemplateSelects) != 1 {
		t.Fatalf("initial dialog: %q, %d fields, %d templates", cn.NewType.Selected, len(cn.FieldSelects), len(cn.TemplateSelects))
	}
	cn.NewType.SetSelected("Cloze")
	m.Wait()
	if cn.TemplateSelects != nil {
		t.Error("card types should not be mappable to or from cloze")
	}
	cn.NewType.SetSelected("Basic (and reversed card)")
	m.Wait()
	if len(cn.FieldSelects) != 2 || len(cn.TemplateSelects) != 2 {
		t.Fatalf("%d fields, %d templates", len(cn.FieldSelects), len(cn.TemplateSelects))
	}
	if cn.FieldSelects[0].Selected != "Front" || cn.TemplateSelects[0].Selected != "Card 1" || cn.TemplateSelects[1].Selected != "(Nothing)" {
		t.Errorf("proposed mapping %q %q %q", cn.FieldSelects[0].Selected, cn.TemplateSelects[0].Selected, cn.TemplateSelects[1].Selected)
	}
	cn.FieldSelects[0].SetSelected("Back")
	if !strings.Contains(cn.Losses.Text, "Front") {
		t.Errorf("losses %q should warn that Front is discarded", cn.Losses.Text)
	}
	cn.FieldSelects[1].SetSelected("Front")
	if cn.Losses.Text != "" {
		t.Errorf("losses %q, want none", cn.Losses.Text)
	}
	cn.Submit()
	m.Wait()
	rev, _ := col.NotetypeByName("Basic (and reversed card)")
	for nid, want := range map[int64][]string{apple: {"crimson", "apple"}, banana: {"yellow", "banana"}} {
		n, err := col.GetNote(ctx, nid)
		if err != nil {
			t.Fatal(err)
		}
		if n.NotetypeID != rev.ID || !slices.Equal(n.Fields, want) {
			t.Errorf("note %d: type %d fields %q, want %q", nid, n.NotetypeID, n.Fields, want)
		}
		if cards, _ := col.CardsOfNote(ctx, nid); len(cards) != 2 {
			t.Errorf("note %d has %d cards, want the reverse generated", nid, len(cards))
		}
	}
	if col.SchemaModified() <= scm {
		t.Error("changing the note type did not mark the schema modified")
	}
	if len(b.Rows()) != 6 {
		t.Errorf("browser shows %d rows after the change, want 6", len(b.Rows()))
	}
}
