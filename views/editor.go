package views

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/deckhand-app/deckhand/app"
)

// Editor edits one note: a labelled multi-line entry per field of its note type (in field
// order), then tags. In Edit mode changes save in the background shortly after typing stops;
// in Add mode the note type and deck pickers are live, Ctrl+Enter (Notes > Add) adds, pinned
// fields stay after adding, and a first field that duplicates another note is flagged.
// A toolbar formats the focused field's HTML (editor_toolbar.go), attaches media
// (editor_media.go) and each field can show its rendering (editor_render.go); the tags
// input completes existing tags (editor_tags.go).
type Editor struct {
	Content fyne.CanvasObject

	svc *app.Service
	run *runner
	win fyne.Window
	// files is the file dialog for attaching media (MainWindow.SetFilePicker)
	files FilePicker
	// clip reads pictures for Ctrl+V (editor_paste.go)
	clip imageClipboard

	form    *app.NoteForm
	adding  bool
	loading bool // suppress OnChanged while widgets are filled

	title    *widget.Label
	ntSelect *widget.Select
	deck     *widget.Select
	fields   *fyne.Container
	entries  []*widget.Entry
	fents    []*fieldEntry // the same inputs as entries: what the canvas focuses
	views    []*fieldView
	pins     []*widget.Check
	dupe     *widget.Label
	tags     *tagEntry
	addBtn   *widget.Button
	status   *widget.Label
	empty    *widget.Label
	body     *fyne.Container
	pickers  *fyne.Container
	top      *fyne.Container
	ntChoice []app.Choice
	dkChoice []app.Choice

	// formatting: the field the toolbar acts on (the last focused), the colour of F7
	current   int
	lastColor string
	colorBar  *canvas.Rectangle
	// the toolbar's buttons (tests tap them)
	boldBtn, italicBtn, underBtn, clearBtn, attachBtn *widget.Button

	// tag completion (editor_tags.go)
	allTags    []string
	suggest    []string
	suggestAt  int
	suggestBox *fyne.Container

	saver    app.Debouncer
	dupeWait app.Debouncer
	dupeSeq  int

	// OnSaved is called (on the UI goroutine) after an edit was saved.
	OnSaved func(nid int64)
	// OnAdded is called after a note was added.
	OnAdded func(nid int64)
}

// SaveDelay is how long after the last keystroke an edit is saved.
const SaveDelay = 600 * time.Millisecond

func newEditor(svc *app.Service, run *runner, win fyne.Window) *Editor {
	e := &Editor{svc: svc, run: run, win: win, lastColor: "#ff0000", clip: systemImageClipboard()}
	e.saver.Delay, e.saver.Post = SaveDelay, run.post
	e.dupeWait.Delay, e.dupeWait.Post = 250*time.Millisecond, run.post
	e.title = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	e.ntSelect = widget.NewSelect(nil, e.onNotetype)
	e.deck = widget.NewSelect(nil, e.onDeck)
	e.fields = container.NewVBox()
	e.dupe = widget.NewLabel("")
	e.dupe.Importance = widget.DangerImportance
	e.dupe.Hide()
	e.tags = newTagEntry(e)
	e.tags.SetPlaceHolder("tags separated by spaces")
	e.tags.OnChanged = func(s string) {
		if e.form != nil && !e.loading {
			e.form.Tags = s
			e.changed()
		}
		e.updateSuggestions()
	}
	e.tags.OnCursorChanged = e.updateSuggestions
	e.suggestBox = newSuggestBox()
	e.addBtn = widget.NewButtonWithIcon("Add (Ctrl+Enter)", theme.ContentAddIcon(), e.Add)
	e.addBtn.Importance = widget.HighImportance
	e.status = widget.NewLabel("")
	e.status.Truncation = fyne.TextTruncateEllipsis
	e.empty = widget.NewLabel("Select a note to edit it, or choose Notes > Add Notes (Ctrl+N).")
	e.empty.Wrapping = fyne.TextWrapWord
	e.empty.Alignment = fyne.TextAlignCenter

	e.pickers = container.NewGridWithColumns(2,
		container.NewBorder(nil, nil, widget.NewLabel("Type"), nil, e.ntSelect),
		container.NewBorder(nil, nil, widget.NewLabel("Deck"), nil, e.deck))
	// the Add button shares the title's row, so that the tags input keeps its width
	e.title.Truncation = fyne.TextTruncateEllipsis
	e.top = container.NewVBox(container.NewBorder(nil, nil, nil, e.addBtn, e.title), e.pickers, e.makeFormatBar())
	tagsRow := container.NewBorder(nil, nil, widget.NewLabelWithStyle("Tags", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		nil, e.tags)
	e.body = container.NewBorder(e.top, container.NewVBox(e.suggestBox, tagsRow), nil, nil, container.NewVScroll(e.fields))
	// a VBox (not Center) gives the wrapping label the pane's width
	e.Content = container.NewStack(container.NewVBox(layout.NewSpacer(), e.empty, layout.NewSpacer()), e.body)
	e.body.Hide()
	return e
}

// Adding reports whether the editor is in Add mode.
func (e *Editor) Adding() bool { return e.adding }

// Form is the form being edited (nil when empty).
func (e *Editor) Form() *app.NoteForm { return e.form }

// FieldLabels lists the field labels shown, in order (tests).
func (e *Editor) FieldLabels() []string {
	var out []string
	if e.form != nil {
		out = append(out, e.form.Names...)
	}
	return out
}

// Entries are the field inputs (tests).
func (e *Editor) Entries() []*widget.Entry { return e.entries }

// Tags is the tags input (tests).
func (e *Editor) Tags() *widget.Entry { return &e.tags.Entry }

// Status is the status line text.
func (e *Editor) Status() string { return e.status.Text }

// DuplicateText is the duplicate warning ("" when none).
func (e *Editor) DuplicateText() string {
	if !e.dupe.Visible() {
		return ""
	}
	return e.dupe.Text
}

// Clear empties the editor (saving pending edits first).
func (e *Editor) Clear() {
	e.Flush()
	e.form, e.adding = nil, false
	e.body.Hide()
	e.empty.Show()
}

// Flush saves a pending edit now (on the UI goroutine: switching notes, closing).
func (e *Editor) Flush() { e.saver.Flush() }

// Settle runs the pending save and duplicate check now (tests).
func (e *Editor) Settle() {
	// the caller stands in for the UI goroutine, so keep background results out meanwhile
	e.run.applyMu.Lock()
	defer e.run.applyMu.Unlock()
	e.saver.Flush()
	e.dupeWait.Flush()
}

// ShowNote loads a note for editing.
func (e *Editor) ShowNote(nid int64) {
	e.Flush()
	e.run.Go(func() func() {
		f, err := e.svc.EditForm(context.Background(), nid)
		return func() {
			if err != nil {
				e.status.SetText("Could not load the note: " + err.Error())
				return
			}
			e.adding = false
			e.setForm(f)
		}
	})
}

// ShowAdd switches to Add mode with a note type (0: the current one or the first) and deck
// (0: the current deck).
func (e *Editor) ShowAdd(ntid, deckID int64) {
	e.Flush()
	var prev *app.NoteForm
	if e.adding && e.form != nil {
		prev = e.form
		if ntid == 0 {
			ntid = prev.NotetypeID
		}
		if deckID == 0 {
			deckID = prev.DeckID
		}
	}
	if ntid == 0 {
		if ch := e.svc.NotetypeChoices(); len(ch) > 0 {
			ntid = ch[0].ID
			for _, c := range ch {
				if c.Name == "Basic" {
					ntid = c.ID
				}
			}
		}
	}
	f, err := e.svc.NewForm(ntid, deckID, prev)
	if err != nil {
		e.status.SetText(err.Error())
		return
	}
	e.adding = true
	e.setForm(f)
	if len(e.fents) > 0 {
		e.win.Canvas().Focus(e.fents[0])
	}
}

func (e *Editor) setForm(f *app.NoteForm) {
	e.loading = true
	defer func() { e.loading = false }()
	e.form = f
	e.empty.Hide()
	e.body.Show()
	e.ntChoice = e.svc.NotetypeChoices()
	e.dkChoice = e.svc.DeckChoices(true)
	var nts, dks []string
	for _, c := range e.ntChoice {
		nts = append(nts, c.Name)
	}
	for _, c := range e.dkChoice {
		dks = append(dks, c.Name)
	}
	e.ntSelect.SetOptions(nts)
	e.ntSelect.SetSelected(f.Notetype)
	e.deck.SetOptions(dks)
	if e.adding {
		e.title.SetText("Add Note")
		e.ntSelect.Enable()
		e.deck.Enable()
		if name, ok := e.svc.DeckName(f.DeckID); ok {
			e.deck.SetSelected(name)
		}
		e.addBtn.Show()
		e.pickers.Show()
	} else {
		e.title.SetText(fmt.Sprintf("Edit Note · %s", f.Notetype))
		// a note's type changes through Change Note Type, its cards' decks in the browser
		e.ntSelect.Disable()
		e.deck.ClearSelected()
		e.deck.Disable()
		e.addBtn.Hide()
		e.pickers.Hide()
	}
	e.body.Refresh() // a hidden child leaves its space until the layout runs again
	e.entries, e.fents, e.views, e.pins, e.current = nil, nil, nil, nil, 0
	e.showSuggestions(nil)
	var rows []fyne.CanvasObject
	for i, name := range f.Names {
		i := i
		fe := newFieldEntry(e, i)
		ent := &fe.Entry
		ent.SetMinRowsVisible(fieldRows(f.Values[i]))
		ent.SetText(f.Values[i])
		ent.OnChanged = func(s string) {
			if e.form == nil || e.loading || i >= len(e.form.Values) {
				return
			}
			e.form.Values[i] = s
			e.renderField(i)
			if i == 0 {
				e.checkDupe()
			}
			e.changed()
		}
		e.entries = append(e.entries, ent)
		e.fents = append(e.fents, fe)
		v := e.newFieldView(i)
		e.views = append(e.views, v)
		label := widget.NewLabelWithStyle(name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		label.Truncation = fyne.TextTruncateEllipsis
		var right fyne.CanvasObject = v.toggle
		if e.adding {
			pin := widget.NewCheck("Sticky", func(on bool) {
				if e.form != nil && i < len(e.form.Sticky) {
					e.form.Sticky[i] = on
				}
			})
			pin.SetChecked(f.Sticky[i])
			e.pins = append(e.pins, pin)
			right = container.NewHBox(pin, v.toggle)
		}
		header := container.NewBorder(nil, nil, nil, right, label)
		rows = append(rows, header, fe, v.frame)
		if i == 0 {
			rows = append(rows, e.dupe)
		}
	}
	e.fields.Objects = rows
	e.fields.Refresh()
	e.tags.SetText(f.Tags)
	e.dupe.Hide()
	e.status.SetText("")
	if e.adding {
		e.checkDupe()
	}
}

func (e *Editor) onNotetype(name string) {
	if e.loading || !e.adding || e.form == nil || name == e.form.Notetype {
		return
	}
	for _, c := range e.ntChoice {
		if c.Name == name {
			e.ShowAdd(c.ID, e.form.DeckID)
			return
		}
	}
}

func (e *Editor) onDeck(name string) {
	if e.loading || !e.adding || e.form == nil {
		return
	}
	for _, c := range e.dkChoice {
		if c.Name == name {
			e.form.DeckID = c.ID
		}
	}
}

// changed schedules a background save of an edited note.
func (e *Editor) changed() {
	if e.adding || e.form == nil || e.form.NoteID == 0 {
		return
	}
	f := e.form.Clone()
	e.status.SetText("Editing…")
	e.saver.Trigger(func() func() {
		err := e.svc.SaveNote(context.Background(), f)
		return func() {
			if err != nil {
				e.status.SetText("Not saved: " + err.Error())
				return
			}
			e.status.SetText("Saved.")
			if e.OnSaved != nil {
				e.OnSaved(f.NoteID)
			}
		}
	})
}

// checkDupe flags a first field that duplicates another note of the same type.
func (e *Editor) checkDupe() {
	if e.form == nil || len(e.form.Values) == 0 {
		return
	}
	e.dupeSeq++
	seq, ntid, first, self := e.dupeSeq, e.form.NotetypeID, e.form.Values[0], e.form.NoteID
	e.dupeWait.Trigger(func() func() {
		ids, err := e.svc.Duplicates(context.Background(), ntid, first, self)
		return func() {
			if seq != e.dupeSeq {
				return
			}
			if err != nil || len(ids) == 0 {
				e.dupe.Hide()
				return
			}
			e.dupe.SetText(fmt.Sprintf("Duplicate: %d other note(s) of this type have the same first field.", len(ids)))
			e.dupe.Show()
		}
	})
}

// Add adds the note in Add mode (Ctrl+Enter).
func (e *Editor) Add() {
	if !e.adding || e.form == nil {
		return
	}
	f := e.form.Clone()
	e.run.Go(func() func() {
		nid, cards, err := e.svc.AddNote(context.Background(), f)
		return func() {
			if err != nil {
				e.status.SetText(err.Error())
				if e.win != nil && err != app.ErrFirstFieldEmpty {
					dialog.ShowError(err, e.win)
				}
				return
			}
			e.setForm(app.AfterAdd(f))
			e.status.SetText(fmt.Sprintf("Added (%d card%s).", cards, plural(cards)))
			if len(e.entries) > 0 {
				first := 0
				for i, p := range e.form.Sticky {
					if !p {
						first = i
						break
					}
				}
				e.win.Canvas().Focus(e.fents[first])
			}
			if e.OnAdded != nil {
				e.OnAdded(nid)
			}
		}
	})
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// fieldRows is how many rows a field's input shows: 2, more for long or multi-line values
// (up to 6; the input scrolls beyond that), so that long fields are not hidden.
func fieldRows(v string) int {
	rows := strings.Count(v, "\n") + 1 + utf8.RuneCountInString(v)/40
	return min(max(rows, 2), 6)
}
