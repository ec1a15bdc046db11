package views

import (
	"context"

	"fyne.io/fyne/v2"

	"github.com/deckhand-app/deckhand/app"
)

// imageClipboard reads a picture from the system clipboard; Fyne's clipboard holds text
// only. The real one is in clipboard_native.go, tests use a fake.
type imageClipboard interface {
	// Image returns the clipboard's picture as PNG bytes, or nil when it holds none.
	Image() []byte
}

// pasteField pastes into field i (Ctrl+V or the entry's Paste menu): a picture on the
// clipboard is stored in the media folder as paste-<sha1>.png and its <img> inserted at
// the cursor, as Anki does; anything else is the entry's ordinary text paste.
func (e *Editor) pasteField(i int, s *fyne.ShortcutPaste) {
	f := e.fieldEntryAt(i)
	if f == nil {
		return
	}
	clip := e.clip
	if clip == nil {
		f.Entry.TypedShortcut(s)
		return
	}
	form := e.form
	e.run.Go(func() func() {
		// read off the UI goroutine: on X11 the clipboard's owner may be this very window,
		// which can only answer the request from the UI thread
		data := clip.Image()
		if len(data) == 0 {
			return func() {
				if e.form == form && e.fieldEntryAt(i) == f {
					f.Entry.TypedShortcut(s)
				}
			}
		}
		ref, err := e.svc.AttachMediaBytes(context.Background(), app.PastedImageName(data), data)
		return func() { e.placeMedia(i, f, form, ref, err) }
	})
}
