package views

import (
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/deckhand-app/deckhand/app"
)

// fieldEntry is a field's HTML source input. It tells the editor when it gets focus (the
// toolbar acts on the last focused field) and takes the editor's keys: Ctrl+B/I/U bold,
// italic, underline, Ctrl+R clear formatting, Ctrl+Shift+X the rendered view, F3 attach,
// F7 the last text colour and F8 another colour (Anki's keys).
type fieldEntry struct {
	widget.Entry
	ed  *Editor
	idx int
}

func newFieldEntry(ed *Editor, idx int) *fieldEntry {
	f := &fieldEntry{ed: ed, idx: idx}
	f.MultiLine = true
	f.Wrapping = fyne.TextWrapWord
	f.ExtendBaseWidget(f)
	return f
}

func (f *fieldEntry) FocusGained() {
	f.ed.current = f.idx
	f.Entry.FocusGained()
}

// TypedShortcut handles the formatting keys and pastes pictures; the rest (copy, text
// paste, undo…) go to the entry.
func (f *fieldEntry) TypedShortcut(s fyne.Shortcut) {
	if ps, ok := s.(*fyne.ShortcutPaste); ok {
		f.ed.pasteField(f.idx, ps)
		return
	}
	if cs, ok := s.(*desktop.CustomShortcut); ok {
		switch {
		case cs.Modifier == fyne.KeyModifierShortcutDefault && cs.KeyName == fyne.KeyB:
			f.ed.formatField(f.idx, app.BoldTags)
			return
		case cs.Modifier == fyne.KeyModifierShortcutDefault && cs.KeyName == fyne.KeyI:
			f.ed.formatField(f.idx, app.ItalicTags)
			return
		case cs.Modifier == fyne.KeyModifierShortcutDefault && cs.KeyName == fyne.KeyU:
			f.ed.formatField(f.idx, app.UnderlineTags)
			return
		case cs.Modifier == fyne.KeyModifierShortcutDefault && cs.KeyName == fyne.KeyR:
			f.ed.clearFormatting(f.idx)
			return
		case cs.Modifier == fyne.KeyModifierShortcutDefault|fyne.KeyModifierShift && cs.KeyName == fyne.KeyX:
			f.ed.ToggleRendered(f.idx)
			return
		}
	}
	f.Entry.TypedShortcut(s)
}

func (f *fieldEntry) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyF3:
		f.ed.current = f.idx
		f.ed.PromptAttach()
	case fyne.KeyF7:
		f.ed.formatField(f.idx, app.ColorTags(f.ed.lastColor))
	case fyne.KeyF8:
		f.ed.current = f.idx
		f.ed.pickColor()
	default:
		f.Entry.TypedKey(k)
	}
}

// entrySelection returns the selected runes [start,end) of an entry, or the cursor twice.
// Fyne's Entry does not tell where its selection starts, only its text and the cursor (at
// either end), so Left, which collapses a selection to its start, finds it.
func entrySelection(ent *widget.Entry) (int, int) {
	sel := ent.SelectedText()
	cur := ent.CursorTextOffset()
	if sel == "" {
		return cur, cur
	}
	n := utf8.RuneCountInString(sel)
	r := []rune(ent.Text)
	ent.TypedKey(&fyne.KeyEvent{Name: fyne.KeyLeft})
	if start := ent.CursorTextOffset(); ent.SelectedText() == "" && start+n <= len(r) && string(r[start:start+n]) == sel {
		return start, start + n
	}
	// Shift was still held, so Left moved the cursor instead: the selection ends or starts
	// at the old cursor
	if cur >= n && string(r[cur-n:cur]) == sel {
		return cur - n, cur
	}
	return cur, min(cur+n, len(r))
}

// setEntryText replaces an entry's text (OnChanged runs, so the note is saved) and puts the
// cursor at a rune offset. The entry's rows are its wrapped lines, so the row is found by
// asking the entry where each row starts.
func setEntryText(ent *widget.Entry, text string, cursor int) {
	ent.SetText(text)
	cursor = min(max(cursor, 0), utf8.RuneCountInString(text))
	row := 0
	for r := 1; r < 1<<20; r++ {
		ent.CursorRow, ent.CursorColumn = r, 0
		off := ent.CursorTextOffset()
		if off == 0 || off > cursor { // 0: past the last row
			break
		}
		row = r
	}
	ent.CursorRow, ent.CursorColumn = row, 0
	ent.CursorColumn = cursor - ent.CursorTextOffset()
	ent.Refresh()
}
