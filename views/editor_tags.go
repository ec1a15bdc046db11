package views

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/collection"
)

// Tag completion: while the tags input has the focus, the collection's tags that match the
// word being typed are listed right above it (not in a pop-up: an overlay would take the
// keyboard focus from the input). Down/Up choose, Tab or Enter completes, Escape closes,
// and a click on a suggestion completes with it.

const maxTagSuggestions = 6

// tagEntry is the tags input with the completion keys.
type tagEntry struct {
	widget.Entry
	ed *Editor
}

func newTagEntry(ed *Editor) *tagEntry {
	t := &tagEntry{ed: ed}
	t.ExtendBaseWidget(t)
	return t
}

// AcceptsTab lets Tab complete while suggestions are shown (else it moves the focus).
func (t *tagEntry) AcceptsTab() bool { return len(t.ed.suggest) > 0 }

func (t *tagEntry) FocusGained() {
	t.Entry.FocusGained()
	t.ed.loadTags()
}

func (t *tagEntry) FocusLost() {
	t.Entry.FocusLost()
	t.ed.showSuggestions(nil)
}

func (t *tagEntry) TypedKey(k *fyne.KeyEvent) {
	e := t.ed
	if len(e.suggest) > 0 {
		switch k.Name {
		case fyne.KeyDown:
			e.pickSuggestion((e.suggestAt + 1) % len(e.suggest))
			return
		case fyne.KeyUp:
			e.pickSuggestion((e.suggestAt + len(e.suggest) - 1) % len(e.suggest))
			return
		case fyne.KeyTab, fyne.KeyReturn, fyne.KeyEnter:
			e.CompleteTag(e.suggest[e.suggestAt])
			return
		case fyne.KeyEscape:
			e.showSuggestions(nil)
			return
		}
	}
	t.Entry.TypedKey(k)
}

// loadTags fetches the collection's tags in the background (once per focus).
func (e *Editor) loadTags() {
	e.run.Go(func() func() {
		tags := e.svc.AllTags()
		return func() {
			e.allTags = tags
			e.updateSuggestions()
		}
	})
}

// updateSuggestions lists the tags matching the word at the tags input's cursor.
func (e *Editor) updateSuggestions() {
	if e.loading || e.win == nil || e.win.Canvas().Focused() != e.tags {
		e.showSuggestions(nil)
		return
	}
	_, _, prefix := app.TagWord(e.tags.Text, e.tags.CursorTextOffset())
	e.showSuggestions(app.MatchTags(e.allTags, prefix, collection.SplitTags(e.tags.Text), maxTagSuggestions))
}

func (e *Editor) showSuggestions(tags []string) {
	e.suggest, e.suggestAt = tags, 0
	if len(tags) == 0 {
		e.suggestBox.Objects = nil
		e.suggestBox.Hide()
		return
	}
	objs := make([]fyne.CanvasObject, len(tags))
	for i, tag := range tags {
		b := widget.NewButton(tag, func() { e.CompleteTag(tag) })
		b.Alignment = widget.ButtonAlignLeading
		b.Importance = widget.LowImportance
		objs[i] = b
	}
	e.suggestBox.Objects = objs
	e.pickSuggestion(0)
	e.suggestBox.Show()
	e.suggestBox.Refresh()
}

func (e *Editor) pickSuggestion(i int) {
	e.suggestAt = i
	for j, o := range e.suggestBox.Objects {
		b := o.(*widget.Button)
		want := widget.LowImportance
		if j == i {
			want = widget.HighImportance
		}
		if b.Importance != want {
			b.Importance = want
			b.Refresh()
		}
	}
}

// Suggestions are the tags offered for the word being typed (tests).
func (e *Editor) Suggestions() []string { return append([]string(nil), e.suggest...) }

// CompleteTag replaces the word at the tags input's cursor with tag.
func (e *Editor) CompleteTag(tag string) {
	ed := app.CompleteTag(e.tags.Text, e.tags.CursorTextOffset(), tag)
	e.tags.SetText(ed.Text)
	e.tags.CursorRow, e.tags.CursorColumn = 0, ed.Cursor
	e.tags.Refresh()
	e.showSuggestions(nil) // SetText listed the suggestions for the old cursor
	if e.win != nil {
		e.win.Canvas().Focus(e.tags)
	}
}

func newSuggestBox() *fyne.Container {
	box := container.NewVBox()
	box.Hide()
	return box
}
