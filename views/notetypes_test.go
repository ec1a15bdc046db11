package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/collection"
)

func labels(nm *NotetypesManager) string {
	var s []string
	for _, it := range nm.Items {
		s = append(s, it.Label())
	}
	return strings.Join(s, "|")
}

func selectNotetype(t *testing.T, nm *NotetypesManager, name string) {
	t.Helper()
	for i, it := range nm.Items {
		if it.Name == name {
			nm.List.Select(i)
			return
		}
	}
	t.Fatalf("no %q in %s", name, labels(nm))
}

// onUI runs fn as the UI goroutine would, with no background result applied meanwhile.
// Fyne's test driver applies a result at once on the worker's goroutine; an entry's
// SetText starts the preview from OnChanged and then goes on refreshing the entry, so
// without this the result would touch widgets (and Fyne's text caches) while it does.
func onUI(m *MainWindow, fn func()) {
	m.run.applyMu.Lock()
	defer m.run.applyMu.Unlock()
	fn()
}

func TestNotetypesManager(t *testing.T) {
	ctx := context.Background()
	col := newCollection(t)
	nid := addNote(t, col, "Basic", "D", "hello", "world")
	addNote(t, col, "Basic", "D", "two", "2")
	// as if just synced: schema changes now warn that the next sync must be a full one
	// (a never-synced collection needs a full sync anyway, and Anki does not ask then)
	if err := col.Transact(ctx, func(tx *collection.Tx) error {
		return tx.SetSyncState(1, time.Now().UnixMilli()+1, 0)
	}); err != nil {
		t.Fatal(err)
	}
	m := newWindow(t, col)
	nm := m.ShowNotetypes()
	m.Wait()
	if !strings.Contains(labels(nm), "Basic [2 notes]") || !strings.Contains(labels(nm), "Cloze [0 notes]") {
		t.Fatalf("list %s", labels(nm))
	}

	// Add: a clone of Basic, named
	nm.PromptAdd()
	nm.AddFrom.SetSelected("Clone: Basic")
	nm.Prompt.SetText("Vocab")
	nm.SubmitPrompt()
	m.Wait()
	if !strings.Contains(labels(nm), "Vocab [0 notes]") || nm.current().Name != "Vocab" {
		t.Fatalf("after add: %s (selected %v)", labels(nm), nm.current())
	}
	// Rename it
	nm.PromptRename()
	nm.Prompt.SetText("Words")
	nm.SubmitPrompt()
	m.Wait()
	if !strings.Contains(labels(nm), "Words [0 notes]") || strings.Contains(labels(nm), "Vocab") {
		t.Fatalf("after rename: %s", labels(nm))
	}

	// Fields of Basic: add one (schema question first), rename Front, sort by Back, save
	selectNotetype(t, nm, "Basic")
	nm.OpenFields()
	m.Wait()
	fe := nm.FieldsDialog
	fe.PromptAdd()
	if nm.Question != app.SchemaWarning {
		t.Fatalf("no full-sync warning before adding a field: %q", nm.Question)
	}
	nm.AnswerQuestion(true)
	nm.Prompt.SetText("Notes")
	nm.SubmitPrompt()
	fe.List.Select(0)
	fe.PromptRename()
	if nm.Question != "" {
		t.Fatal("a rename is no schema change")
	}
	nm.Prompt.SetText("Question")
	nm.SubmitPrompt()
	fe.List.Select(1)
	fe.SortByThis()
	fe.List.Select(2)
	fe.PromptReposition() // accepted once: no second warning
	if nm.Question != "" {
		t.Fatalf("asked again: %q", nm.Question)
	}
	nm.Prompt.SetText("1")
	nm.SubmitPrompt()
	if got := strings.Join(fe.NT.FieldNames(), ","); got != "Notes,Question,Back" || fe.SortInfo.Text != "Sort by: Back" {
		t.Fatalf("fields %s, %s", got, fe.SortInfo.Text)
	}
	fe.Save()
	m.Wait()
	n, _ := col.GetNote(ctx, nid)
	if strings.Join(n.Fields, "|") != "|hello|world" {
		t.Fatalf("note after field edits: %q", n.Fields)
	}

	// Cards of Basic: the preview follows the edited front template and shows the first note
	nm.OpenCards()
	m.Wait()
	ce := nm.CardsDialog
	if front, back := ce.PreviewText(); !strings.Contains(front, "hello") || !strings.Contains(back, "world") {
		t.Fatalf("preview %q / %q", front, back)
	}
	onUI(m, func() { ce.Front.SetText("Q: {{Question}} {{Notes}}") })
	m.Wait()
	if front, _ := ce.PreviewText(); !strings.Contains(front, "Q: hello") {
		t.Fatalf("live preview %q", front)
	}
	onUI(m, func() { ce.Front.SetText("{{#Question}}") }) // broken: said below the editors, not saved
	m.Wait()
	if ce.Status.Text == "" {
		t.Fatal("a broken template is not reported")
	}
	onUI(m, func() { ce.Front.SetText("Q: {{Question}}") })
	m.Wait() // the test goroutine stands in for the UI goroutine: let previews land first
	onUI(m, ce.AddType)
	m.Wait()
	if len(ce.NT.Templates) != 2 || ce.Ord != 1 || ce.Types.Selected != "Card 2" {
		t.Fatalf("add card type: %d, showing %d %q", len(ce.NT.Templates), ce.Ord, ce.Types.Selected)
	}
	onUI(m, func() { ce.Front.SetText("{{Back}}") })
	m.Wait()
	ce.PromptRename()
	nm.Prompt.SetText("Reverse")
	nm.SubmitPrompt()
	m.Wait()
	ce.Save()
	m.Wait()
	cards, _ := col.CardsOfNote(ctx, nid)
	if len(cards) != 2 {
		t.Fatalf("%d cards after adding a card type", len(cards))
	}
	if r, _ := cards[0].Render(ctx); r.Question != "Q: hello" {
		t.Fatalf("card 1 renders %q", r.Question)
	}

	// Delete Basic: the question names the number of notes
	selectNotetype(t, nm, "Basic")
	nm.ConfirmDelete()
	if nm.Question != `Delete the note type "Basic" and all 2 of its notes?` {
		t.Fatalf("question %q", nm.Question)
	}
	nm.AnswerQuestion(false)
	m.Wait()
	if ids, _ := col.FindNotes(ctx, "", collection.Order{}); len(ids) != 2 {
		t.Fatal("No deleted something")
	}
	nm.ConfirmDelete()
	nm.AnswerQuestion(true)
	m.Wait()
	if ids, _ := col.FindNotes(ctx, "", collection.Order{}); len(ids) != 0 || strings.Contains(labels(nm), "Basic [") {
		t.Fatalf("after delete: %d notes, %s", len(ids), labels(nm))
	}
}
