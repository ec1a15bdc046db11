package views

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/deckhand-app/deckhand/collection"
)

func segmentsText(segs []widget.RichTextSegment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteString(s.Textual())
		if !s.Inline() {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// The study screen driven through the window's key handlers, as a user would.
func TestStudyScreenKeys(t *testing.T) {
	col := newCollection(t)
	addNote(t, col, "Basic", "Lang", "alpha [sound:a.mp3]", "A")
	tn := addNote(t, col, "Basic (type in the answer)", "Lang", "gamma", "Gämma")
	m := newWindow(t, col)
	deck, _ := m.Decks.IDByName("Lang")
	m.Decks.Select(deck)
	m.Wait()
	c := m.Window.Canvas()
	key := func(k fyne.KeyName) { c.OnTypedKey()(&fyne.KeyEvent{Name: k}); m.Wait() }
	rune_ := func(r rune) { c.OnTypedRune()(r); m.Wait() }

	rune_('s') // Study Now on the selected deck
	s := m.Study
	if !m.Studying() || s.Card() == nil {
		t.Fatalf("study screen: studying %v card %v (%q)", m.Studying(), s.Card(), s.Message())
	}
	if got := segmentsText(s.Text.Segments); !strings.Contains(got, "alpha") || !strings.Contains(got, "▶ a.mp3") {
		t.Fatalf("question %q", got)
	}
	if s.CountsText() != "2+0+0" || !s.counts[0].TextStyle.Underline || s.counts[2].TextStyle.Underline {
		t.Fatalf("counts %q, the new count is underlined: %v", s.CountsText(), s.counts[0].TextStyle.Underline)
	}
	if l := s.EaseLabels(); l[0] != "<1m" || l[2] != "<10m" {
		t.Fatalf("ease labels %q", l)
	}
	rune_('3') // ignored before the answer is shown
	if s.AnswerShown() || s.Card().NoteID == tn {
		t.Fatal("1–4 do nothing on the question side")
	}
	key(fyne.KeySpace)
	if !s.AnswerShown() || !strings.Contains(segmentsText(s.Text.Segments), "A") || !s.easeRow.Visible() || s.showBtn.Visible() {
		t.Fatalf("answer side %q", segmentsText(s.Text.Segments))
	}
	rune_('4') // Easy
	if s.Card() == nil || s.Card().NoteID != tn {
		t.Fatalf("second card %+v", s.Card())
	}
	// the type box has focus: typing goes there, Enter compares
	if !s.typeBox.Visible() || c.Focused() != s.TypeEntry {
		t.Fatal("type box should be shown and focused")
	}
	test.Type(s.TypeEntry, "Gamma")
	s.TypeEntry.OnSubmitted(s.TypeEntry.Text)
	m.Wait()
	var bad, missed bool
	for _, seg := range s.Text.Segments {
		if ts, ok := seg.(*widget.TextSegment); ok {
			bad = bad || (ts.Text == "a" && ts.Style.ColorName == ColorNameTypeBad && ts.Style.TextStyle.Monospace)
			missed = missed || (ts.Text == "ä" && ts.Style.ColorName == ColorNameTypeMissed)
		}
	}
	if !s.AnswerShown() || !bad || !missed || c.Focused() != nil {
		t.Fatalf("comparison: bad %v missed %v in %q", bad, missed, segmentsText(s.Text.Segments))
	}
	// Ctrl+2 through the menu flags the card being studied, not the browser's rows
	m.toggleFlag(2)
	m.Wait()
	card, _ := col.GetCard(context.Background(), s.Card().Card.ID)
	if card.Flag() != 2 || s.flag.FillColor == nil {
		t.Fatalf("flag %d", card.Flag())
	}
	rune_('1') // Again: a learning card, due in a minute, comes back within the learn-ahead
	if s.Card() == nil || s.Card().NoteID != tn || s.CountsText() != "0+1+0" || !s.counts[1].TextStyle.Underline {
		t.Fatalf("after Again: %+v counts %q", s.Card(), s.CountsText())
	}
	// Ctrl+Z undoes the Again
	m.Undo()
	m.Wait()
	if s.Card() == nil || s.Card().Card.Queue != collection.QueueNew || s.Message() != "Answer undone." {
		t.Fatalf("undo: %+v %q", s.Card(), s.Message())
	}
	if n, _ := col.Scalar(context.Background(), "SELECT count() FROM revlog"); n.(int64) != 1 {
		t.Fatalf("revlog rows after undo: %v", n)
	}
	rune_('-') // bury: the deck is done
	if !s.Finished() || !strings.Contains(s.CongratsText(), "Congratulations! You have finished this deck for now.") ||
		!strings.Contains(s.CongratsText(), "buried") || !s.unbury.Visible() {
		t.Fatalf("congratulations: finished %v %q", s.Finished(), s.CongratsText())
	}
	s.Unbury()
	m.Wait()
	if s.Card() == nil || s.Card().NoteID != tn {
		t.Fatalf("unbury brings the card back: %+v", s.Card())
	}
	key(fyne.KeyEscape)
	if m.Studying() || !m.mainView.Visible() {
		t.Fatal("Escape goes back to the decks")
	}
	if got := m.Decks.Labels(); len(got) == 0 || got[len(got)-1] != "Lang 1/0/0" {
		t.Fatalf("deck counts after studying: %q", got)
	}
}

// Editing from the study screen re-renders the card with the saved text.
func TestStudyEditNote(t *testing.T) {
	col := newCollection(t)
	nid := addNote(t, col, "Basic", "E", "before", "back")
	m := newWindow(t, col)
	m.StudyDeck(mustDeck(t, col, "E"))
	m.Wait()
	if m.Study.Card() == nil {
		t.Fatalf("no card: %q", m.Study.Message())
	}
	n, _ := col.GetNote(context.Background(), nid)
	n.Fields[0] = "after"
	if err := col.UpdateNote(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	m.Study.reload()
	m.Wait()
	if got := segmentsText(m.Study.Text.Segments); !strings.Contains(got, "after") {
		t.Fatalf("reloaded question %q", got)
	}
	// the edit dialog opens on the note
	m.Study.EditNote()
	m.Wait()
	if top := m.Window.Canvas().Overlays().Top(); top == nil {
		t.Fatal("no edit dialog")
	}
}

func mustDeck(t *testing.T, col *collection.Collection, name string) int64 {
	t.Helper()
	d, ok := col.DeckByName(name)
	if !ok {
		t.Fatalf("no deck %q", name)
	}
	return d.ID
}
