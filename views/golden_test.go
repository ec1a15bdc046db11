//go:build ci

package views

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/collection"
)

// Golden images of the main states, rendered by Fyne's software painter at a fixed size
// from fixed data. After an intended change to the look, run with -tags ci, check the
// images written to testdata/failed/ and copy them over the ones in testdata/.

const goldenW, goldenH = 1200, 760

// fixIDs gives the notes and cards fixed ids and modification times (they are made from the
// clock), so that nothing in the images depends on when the test runs.
func fixIDs(t *testing.T, col *collection.Collection) {
	t.Helper()
	ctx := context.Background()
	err := col.Transact(ctx, func(tx *collection.Tx) error {
		q := tx.Q()
		rows, err := q.QueryContext(ctx, "SELECT id FROM notes ORDER BY id")
		if err != nil {
			return err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
		}
		rows.Close()
		const base = int64(1700000000000) // 2023-11-14
		for i, old := range ids {
			nid := base + int64(i)*1000
			if _, err := q.ExecContext(ctx, "UPDATE cards SET nid=?, id=?+ord, mod=? WHERE nid=?", nid, nid, base/1000, old); err != nil {
				return err
			}
			if _, err := q.ExecContext(ctx, "UPDATE notes SET id=?, mod=? WHERE id=?", nid, base/1000, old); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func goldenWindow(t *testing.T, col *collection.Collection) *MainWindow {
	t.Helper()
	m := newWindow(t, col)
	m.Window.Resize(fyne.NewSize(goldenW, goldenH))
	m.Wait()
	return m
}

// capture settles background work and takes the focus away (no cursor in the image).
func capture(t *testing.T, m *MainWindow, name string) {
	t.Helper()
	m.Wait()
	m.Editor.Settle()
	m.Wait()
	m.Window.Canvas().Focus(nil)
	render(t, name, m.Window.Canvas())
}

// render compares c, laid out afresh, with testdata/name.
func render(t *testing.T, name string, c fyne.Canvas) {
	t.Helper()
	// twice: a layout that changes its minimum (the preview's bar) settles in the second
	relayout(c.Content())
	relayout(c.Content())
	test.AssertRendersToImage(t, name, c)
}

// relayout lays the whole tree out again from the top. The desktop driver re-lays out a
// container whenever a child's minimum size changes (a label getting its text after a
// background load); the test canvas does not, so without this the images would show
// texts overflowing the space they were given while they were still empty.
func relayout(o fyne.CanvasObject) {
	if !o.Visible() {
		return
	}
	switch v := o.(type) {
	case *fyne.Container:
		if v.Layout != nil {
			v.Layout.Layout(v.Objects, v.Size())
		}
		for _, c := range v.Objects {
			relayout(c)
		}
	case fyne.Widget:
		r := test.WidgetRenderer(v)
		r.Layout(v.Size())
		for _, c := range r.Objects() {
			relayout(c)
		}
	}
}

func TestGoldenMainEmpty(t *testing.T) {
	m := goldenWindow(t, newCollection(t))
	capture(t, m, "main_empty.png")
}

func TestGoldenBrowserAndEditor(t *testing.T) {
	col := newCollection(t)
	addNote(t, col, "Basic", "Languages::French", "le chat", "the cat")
	addNote(t, col, "Basic", "Languages::French", "le chien", "the dog")
	addNote(t, col, "Basic", "Languages::German", "der Hund", "the <b>dog</b>, a rather long answer that has to wrap "+
		"over several lines in the narrow editor pane without being cut off at the edge")
	addNote(t, col, "Basic (and reversed card)", "Languages::German", "die Katze", "the cat")
	fixIDs(t, col)
	m := goldenWindow(t, col)
	m.Browser.SetQuery("")
	m.Wait()
	if m.Browser.sortCol != app.ColSortField || m.Browser.desc {
		m.Browser.sortCol, m.Browser.desc = app.ColSortField, false
		m.Browser.Refresh()
		m.Wait()
	}
	m.Browser.Click(0, app.ClickPlain) // "der Hund"
	m.Wait()
	if m.Editor.Form() == nil || m.Editor.Form().Values[0] != "der Hund" {
		t.Fatalf("editor on %+v", m.Editor.Form())
	}
	capture(t, m, "main_browser_editor.png")
}

func TestGoldenEditorAdd(t *testing.T) {
	col := newCollection(t)
	addNote(t, col, "Basic", "Vocabulary", "Haus", "house")
	fixIDs(t, col)
	m := goldenWindow(t, col)
	basic, _ := col.NotetypeByName("Basic")
	m.Editor.ShowAdd(basic.ID, 0)
	m.Wait()
	m.Editor.Entries()[0].SetText("<b>Baum</b>")
	m.Editor.pins[1].SetChecked(true)
	m.Editor.ToggleRendered(0)
	m.Editor.Tags().SetText("nature plants::trees")
	capture(t, m, "editor_add.png")
	m.Window.Canvas().Focus(nil)

	// the editor alone at the size of its pane, for the details
	w := test.NewTempWindow(t, m.Editor.Content)
	w.Resize(fyne.NewSize(420, 520))
	m.Wait()
	render(t, "editor_add_pane.png", w.Canvas())
}

func TestGoldenPreviewCloze(t *testing.T) {
	col := newCollection(t)
	nid := addNote(t, col, "Cloze", "Geography", "{{c1::Tokyo}} is the capital of {{c2::Japan}}.", "Largest city too.")
	fixIDs(t, col)
	ids, err := col.FindNotes(context.Background(), "", collection.Order{})
	if err != nil || len(ids) != 1 {
		t.Fatalf("notes %v %v", ids, err)
	}
	nid = ids[0]
	m := goldenWindow(t, col)
	m.Preview.ShowNote(nid)
	m.Wait()
	m.Preview.ShowCard(0, false)
	w := test.NewTempWindow(t, m.Preview.Content)
	w.Resize(fyne.NewSize(480, 320))
	render(t, "preview_cloze_question.png", w.Canvas())
	m.Preview.ShowCard(0, true)
	render(t, "preview_cloze_answer.png", w.Canvas())
	// narrower: Open in Browser keeps only its icon, then Question/Answer takes a second row
	w.Resize(fyne.NewSize(360, 200))
	render(t, "preview_cloze_compact.png", w.Canvas())
	w.Resize(fyne.NewSize(260, 200))
	render(t, "preview_cloze_narrow.png", w.Canvas())
}

// Long field names and values, CJK and emoji, in a narrow pane: names are cut with an
// ellipsis, values wrap. (Under -tags ci Fyne loads no system fonts, so CJK glyphs are
// boxes here; the layout is what this image checks.)
func TestGoldenEditorLongFields(t *testing.T) {
	col := newCollection(t)
	ctx := context.Background()
	nt, err := collection.NewStockNotetype(collection.StockBasic)
	if err != nil {
		t.Fatal(err)
	}
	nt.Name = "Vocab 词汇"
	nt.AddField("A field name far too long to fit next to its buttons in a narrow pane")
	if err := col.AddNotetype(ctx, nt); err != nil {
		t.Fatal(err)
	}
	addNote(t, col, "Vocab 词汇", "Words", "猫 🐈 neko",
		"cat — <i>a small domesticated carnivorous mammal</i> with soft fur, a short snout and retractable claws",
		strings.Repeat("日本語の文章 and words ", 12))
	fixIDs(t, col)
	ids, _ := col.FindNotes(ctx, "", collection.Order{})
	m := goldenWindow(t, col)
	m.Editor.ShowNote(ids[0])
	m.Wait()
	m.Editor.ToggleRendered(1)
	m.Window.Canvas().Focus(nil)
	w := test.NewTempWindow(t, m.Editor.Content)
	w.Resize(fyne.NewSize(340, 620))
	m.Wait()
	render(t, "editor_long_fields.png", w.Canvas())
}
