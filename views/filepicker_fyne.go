package views

import (
	"log/slog"
	"os"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
)

// fynePicker is Fyne's own file dialog, drawn inside the window: the fallback when the
// platform has no usable native dialog, and the one the ci test build uses. Fyne remembers
// the last folder itself (lastFolderKey).
type fynePicker struct {
	win fyne.Window
}

var fileDialogSize = fyne.NewSize(800, 560)

func (p *fynePicker) Open(title string, filters []FileFilter, done func(string, error)) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			done("", err)
			return
		}
		path := r.URI().Path()
		r.Close()
		done(path, nil)
	}, p.win)
	p.show(d, title, filters)
}

func (p *fynePicker) Save(title, suggestedName string, filters []FileFilter, done func(string, error)) {
	d := dialog.NewFileSave(func(w fyne.URIWriteCloser, err error) {
		if err != nil || w == nil {
			done("", err)
			return
		}
		path := w.URI().Path()
		w.Close()
		// Fyne's dialog has just created (or truncated) the file; leave nothing behind, as
		// the native dialog does: the caller may add an extension and write elsewhere.
		if st, err := os.Stat(path); err == nil && st.Size() == 0 {
			if err := os.Remove(path); err != nil {
				slog.Warn("file dialog: remove the empty file it created", "path", path, "err", err)
			}
		}
		done(path, nil)
	}, p.win)
	if suggestedName != "" {
		d.SetFileName(suggestedName)
	}
	p.show(d, title, filters)
}

func (p *fynePicker) show(d *dialog.FileDialog, title string, filters []FileFilter) {
	if title != "" {
		d.SetTitleText(title)
	}
	if exts := allExtensions(filters); len(exts) > 0 {
		d.SetFilter(storage.NewExtensionFileFilter(exts))
	}
	// Show first: Fyne 2.8.1's Resize reads the dialog's size before Show has built it, and
	// panics (a nil pointer) when called first.
	d.Show()
	d.Resize(fileDialogSize)
}
