package views

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/deckhand-app/deckhand/app"
)

// fakePicker answers every request at once with path and err, and records the requests.
type fakePicker struct {
	path  string
	err   error
	calls []pickCall
}

type pickCall struct {
	save        bool
	title, name string
	filters     []FileFilter
}

func (f *fakePicker) Open(title string, filters []FileFilter, done func(string, error)) {
	f.calls = append(f.calls, pickCall{title: title, filters: filters})
	done(f.path, f.err)
}

func (f *fakePicker) Save(title, name string, filters []FileFilter, done func(string, error)) {
	f.calls = append(f.calls, pickCall{save: true, title: title, name: name, filters: filters})
	done(f.path, f.err)
}

func exporterFor(t *testing.T, ext string) app.Exporter {
	t.Helper()
	for _, e := range app.Exporters() {
		if e.Extension() == ext {
			return e
		}
	}
	t.Fatalf("no %s exporter", ext)
	return nil
}

// tapButton taps the button labelled text in the window's top overlay (a dialog).
func tapButton(t *testing.T, m *MainWindow, text string) {
	t.Helper()
	top := m.Window.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog to tap %q in", text)
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("no %q button in the dialog", text)
}

func noteCount(t *testing.T, m *MainWindow) int {
	t.Helper()
	n, err := m.svc.Collection().Counts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n.Notes
}

func TestImportThroughFilePicker(t *testing.T) {
	src := newCollection(t)
	addNote(t, src, "Basic", "Picked", "picked front", "picked back")
	srcWin := newWindow(t, src)
	apkg := filepath.Join(t.TempDir(), "picked.apkg")
	srcWin.ExportTo(exporterFor(t, ".apkg"), apkg, app.ExportOptions{}, false, 0, nil)
	srcWin.Wait()

	m := newWindow(t, newCollection(t))
	fake := &fakePicker{path: apkg}
	m.SetFilePicker(fake)
	m.PromptImport()
	m.Wait()
	if len(fake.calls) != 1 || fake.calls[0].save {
		t.Fatalf("picker calls: %+v", fake.calls)
	}
	exts := allExtensions(fake.calls[0].filters)
	if !slices.Equal(exts, app.ImportExtensions()) || !slices.Contains(exts, ".apkg") || !slices.Contains(exts, ".colpkg") {
		t.Fatalf("import filters: %v", exts)
	}
	if n := noteCount(t, m); n != 1 {
		t.Fatalf("notes after importing the picked file: %d", n)
	}
	if !slices.Contains(m.Decks.Labels(), "Picked 1/0/0") {
		t.Fatalf("deck tree: %q", m.Decks.Labels())
	}
}

func TestImportPickerCancelAndError(t *testing.T) {
	m := newWindow(t, newCollection(t))
	fake := &fakePicker{}
	m.SetFilePicker(fake)
	m.PromptImport() // cancelled: nothing happens
	m.Wait()
	if len(fake.calls) != 1 || m.Window.Canvas().Overlays().Top() != nil || noteCount(t, m) != 0 {
		t.Fatalf("cancel: calls %d, overlay %v", len(fake.calls), m.Window.Canvas().Overlays().Top())
	}
	fake.err = errors.New("no portal")
	m.PromptImport() // a failing dialog is reported, nothing imported
	m.Wait()
	if m.Window.Canvas().Overlays().Top() == nil || noteCount(t, m) != 0 {
		t.Fatal("a picker error showed no dialog")
	}
}

func TestExportThroughFilePicker(t *testing.T) {
	col := newCollection(t)
	addNote(t, col, "Basic", "Mine", "my note", "x")
	m := newWindow(t, col)
	dir := t.TempDir()
	fake := &fakePicker{path: filepath.Join(dir, "typed without extension")}
	m.SetFilePicker(fake)
	exp := app.Exporters()[0] // the form's default format, whole collection
	m.PromptExport()
	tapButton(t, m, "Export…")
	m.Wait()
	if len(fake.calls) != 1 || !fake.calls[0].save {
		t.Fatalf("picker calls: %+v", fake.calls)
	}
	c := fake.calls[0]
	if c.name != "collection"+exp.Extension() || !slices.Equal(allExtensions(c.filters), []string{exp.Extension()}) {
		t.Fatalf("save asked for %q with %v", c.name, c.filters)
	}
	// the extension is added to a name typed without it
	st, err := os.Stat(fake.path + exp.Extension())
	if err != nil || st.Size() == 0 {
		t.Fatalf("exported file: %v", err)
	}
	// the suggested name follows the format: CSV
	csv := exporterFor(t, ".csv")
	fake.path = filepath.Join(dir, "notes.csv")
	m.promptExportFile(csv, "Mine", app.ExportOptions{}, false, 0, nil)
	m.Wait()
	if got := fake.calls[1].name; got != "Mine.csv" {
		t.Fatalf("csv suggested %q", got)
	}
	if b, err := os.ReadFile(fake.path); err != nil || !strings.Contains(string(b), "my note") {
		t.Fatalf("csv export: %q %v", b, err)
	}
	// cancelling the save dialog writes nothing
	fake.path = ""
	before, _ := os.ReadDir(dir)
	dialogs := len(m.Window.Canvas().Overlays().List())
	m.promptExportFile(exp, "collection", app.ExportOptions{}, false, 0, nil)
	m.Wait()
	after, _ := os.ReadDir(dir)
	if len(after) != len(before) || len(m.Window.Canvas().Overlays().List()) != dialogs {
		t.Fatalf("cancelled export: %d files, was %d; a dialog opened", len(after), len(before))
	}
}

func TestEditorAttachThroughFilePicker(t *testing.T) {
	col := newCollection(t)
	nid := addNote(t, col, "Basic", "Words", "front", "back")
	m := newWindow(t, col)
	pic := filepath.Join(t.TempDir(), "pic.png")
	if err := os.WriteFile(pic, tinyPNG, 0o644); err != nil {
		t.Fatal(err)
	}
	fake := &fakePicker{}
	m.SetFilePicker(fake)
	m.Editor.ShowNote(nid)
	m.Wait()
	back := m.Editor.fents[1]
	m.Window.Canvas().Focus(back)
	back.TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageDown})
	m.Editor.PromptAttach() // cancelled
	m.Wait()
	if back.Text != "back" {
		t.Fatalf("cancelled attach changed the field: %q", back.Text)
	}
	fake.path = pic
	m.Editor.PromptAttach()
	m.Wait()
	if len(fake.calls) != 2 || !slices.Equal(allExtensions(fake.calls[1].filters), app.MediaExtensions()) {
		t.Fatalf("picker calls: %+v", fake.calls)
	}
	if back.Text != `back<img src="pic.png">` {
		t.Fatalf("after attach: %q", back.Text)
	}
}

// Fyne's own dialog, the fallback: it opens in the window, Cancel answers "", and Save
// leaves no empty file behind.
func TestImportFyneDialogFallback(t *testing.T) {
	m := newWindow(t, newCollection(t))
	dir := t.TempDir()
	m.prefs.SetString(lastFolderKey, storage.NewFileURI(dir).String())
	p := &fynePicker{win: m.Window}
	m.SetFilePicker(p)
	called := 0
	p.Open("Import", []FileFilter{{Name: "Packages", Extensions: []string{".apkg"}}}, func(path string, err error) {
		called++
		if path != "" || err != nil {
			t.Errorf("cancel answered %q %v", path, err)
		}
	})
	if m.Window.Canvas().Overlays().Top() == nil {
		t.Fatal("Fyne's file dialog did not open")
	}
	tapButton(t, m, "Cancel")
	if called != 1 {
		t.Fatalf("done ran %d times", called)
	}

	var saved string
	p.Save("Export", "deck.apkg", []FileFilter{{Name: "Packages", Extensions: []string{".apkg"}}}, func(path string, err error) {
		if err != nil {
			t.Errorf("save: %v", err)
		}
		saved = path
	})
	tapButton(t, m, "Save")
	if saved != filepath.Join(dir, "deck.apkg") {
		t.Fatalf("saved to %q, want deck.apkg in %s", saved, dir)
	}
	if _, err := os.Stat(saved); !os.IsNotExist(err) {
		t.Fatalf("the dialog left a file behind: %v", err)
	}
}
