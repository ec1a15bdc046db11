package views

import (
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
)

// FileFilter is one kind of file a picker offers, e.g. "Anki packages" with ".apkg".
type FileFilter struct {
	Name       string
	Extensions []string // with the dot: ".apkg"
}

// FilePicker asks the user for a file to open or a name to save under. Call it on the UI
// goroutine; done runs later on the UI goroutine with the chosen path, or with "" and a nil
// error when the user cancelled. Save does not create the file.
type FilePicker interface {
	Open(title string, filters []FileFilter, done func(path string, err error))
	Save(title, suggestedName string, filters []FileFilter, done func(path string, err error))
}

// fyneDialogsEnv set to 1 makes the app use Fyne's own file dialog instead of the
// platform's (for desktops where the native one misbehaves).
const fyneDialogsEnv = "DECKHAND_FYNE_DIALOGS"

// lastFolderKey is the preference in which Fyne's file dialog remembers the last folder
// (a file:// URI). The native picker reads and writes it too, so both start in the same place.
const lastFolderKey = "fyne:fileDialogLastFolder"

// newFilePicker returns the platform's file dialog with Fyne's as its fallback, or Fyne's
// alone when DECKHAND_FYNE_DIALOGS=1 or the build has no native one (the ci test build).
func newFilePicker(win fyne.Window, prefs fyne.Preferences) FilePicker {
	fy := &fynePicker{win: win}
	if os.Getenv(fyneDialogsEnv) == "1" {
		return fy
	}
	return newNativePicker(fy, prefs)
}

// allExtensions merges the filters' extensions (Fyne's dialog takes a single filter).
func allExtensions(filters []FileFilter) []string {
	var out []string
	for _, f := range filters {
		out = append(out, f.Extensions...)
	}
	return out
}

// hasExtension reports whether path ends with one of the filters' extensions.
func hasExtension(path string, filters []FileFilter) bool {
	ext := strings.ToLower(filepath.Ext(path))
	for _, e := range allExtensions(filters) {
		if strings.ToLower(e) == ext {
			return true
		}
	}
	return false
}

// lastFolder is the remembered folder, or "" when there is none or it is gone.
func lastFolder(prefs fyne.Preferences) string {
	if prefs == nil {
		return ""
	}
	u, err := storage.ParseURI(prefs.String(lastFolderKey))
	if err != nil || u.Scheme() != "file" {
		return ""
	}
	if st, err := os.Stat(u.Path()); err != nil || !st.IsDir() {
		return ""
	}
	return u.Path()
}

// rememberFolder stores the folder of a chosen file for the next dialog.
func rememberFolder(prefs fyne.Preferences, path string) {
	if prefs != nil && path != "" {
		prefs.SetString(lastFolderKey, storage.NewFileURI(filepath.Dir(path)).String())
	}
}
