package views

import (
	"context"
	"fmt"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"github.com/deckhand-app/deckhand/app"
)

// PromptAttach asks for a picture, sound or video to attach to the current field (the
// paperclip, F3), with the same file dialog File > Import uses.
func (e *Editor) PromptAttach() {
	if e.win == nil || e.fieldEntryAt(e.current) == nil {
		return
	}
	files := e.files
	if files == nil { // an editor outside the main window
		files = &fynePicker{win: e.win}
	}
	i := e.current
	filters := []FileFilter{{Name: "Pictures and sounds", Extensions: app.MediaExtensions()}}
	files.Open("Attach Picture/Audio/Video", filters, func(path string, err error) {
		switch {
		case err != nil:
			dialog.ShowError(fmt.Errorf("attach: choose a file: %w", err), e.win)
		case path != "":
			e.AttachFile(i, path)
		}
	})
}

// AttachFile copies files into the media folder in the background and inserts their
// <img> or [sound:] at field i's cursor (replacing a selection, as pasting does).
func (e *Editor) AttachFile(i int, paths ...string) {
	f := e.fieldEntryAt(i)
	if f == nil || len(paths) == 0 {
		return
	}
	form := e.form
	e.run.Go(func() func() {
		var ref string
		var err error
		for _, p := range paths {
			var r string
			if r, err = e.svc.AttachMedia(context.Background(), p); err != nil {
				break
			}
			ref += r
		}
		return func() { e.placeMedia(i, f, form, ref, err) }
	})
}

// placeMedia inserts ref, the media just attached, at field i's cursor and reports err;
// f and form are the field and note the attach started on. Runs on the UI goroutine.
func (e *Editor) placeMedia(i int, f *fieldEntry, form *app.NoteForm, ref string, err error) {
	// when another note was loaded meanwhile the files stay in the media folder only
	if ref != "" && e.form == form && e.fieldEntryAt(i) == f {
		start, end := entrySelection(&f.Entry)
		ed := app.InsertText(f.Text, start, end, ref)
		setEntryText(&f.Entry, ed.Text, ed.Cursor)
		e.renderField(i)
		e.focusField(i)
	}
	if err != nil {
		e.status.SetText(err.Error())
		if e.win != nil {
			dialog.ShowError(err, e.win)
		}
	}
}

// TakeDrops attaches dropped pictures, sounds and videos to the focused field and returns
// the other files (packages, text files) for the window to import. Without a focused field
// it takes nothing.
func (e *Editor) TakeDrops(uris []fyne.URI) []fyne.URI {
	if e.win == nil || e.form == nil || !e.body.Visible() {
		return uris
	}
	f, ok := e.win.Canvas().Focused().(*fieldEntry)
	if !ok || f.ed != e || e.fieldEntryAt(f.idx) != f {
		return uris
	}
	var rest []fyne.URI
	var media []string
	for _, u := range uris {
		if u.Scheme() == "file" && app.IsAttachable(u.Path()) {
			media = append(media, u.Path())
			continue
		}
		rest = append(rest, u)
	}
	e.AttachFile(f.idx, media...)
	return rest
}
