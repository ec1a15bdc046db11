package views

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"
)

// fakeClipboard holds a picture for Ctrl+V, as the system clipboard would.
type fakeClipboard struct{ png []byte }

func (c *fakeClipboard) Image() []byte { return c.png }

// pressPaste sends Ctrl+V to the focused widget the way the driver does.
func pressPaste(t *testing.T, m *MainWindow) {
	t.Helper()
	sc, ok := m.Window.Canvas().Focused().(fyne.Shortcutable)
	if !ok {
		t.Fatal("nothing focused takes shortcuts")
	}
	sc.TypedShortcut(&fyne.ShortcutPaste{Clipboard: fyne.CurrentApp().Clipboard()})
	m.Wait()
}

func TestEditorPastePicture(t *testing.T) {
	col := newCollection(t)
	nid := addNote(t, col, "Basic", "Words", "front", "back")
	m := newWindow(t, col)
	m.Editor.ShowNote(nid)
	m.Wait()
	e := m.Editor
	clip := &fakeClipboard{png: tinyPNG}
	e.clip = clip
	fyne.CurrentApp().Clipboard().SetContent(" text")

	back := e.fents[1]
	m.Window.Canvas().Focus(back)
	back.TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageDown})
	pressPaste(t, m)
	sum := sha1.Sum(tinyPNG)
	name := "paste-" + hex.EncodeToString(sum[:]) + ".png"
	if want := `back<img src="` + name + `">`; back.Text != want {
		t.Fatalf("after pasting a picture: %q, want %q", back.Text, want)
	}
	if got, err := os.ReadFile(filepath.Join(m.svc.MediaDir(), name)); err != nil || !bytes.Equal(got, tinyPNG) {
		t.Fatalf("media file %s: %v", name, err)
	}
	e.Settle()
	m.Wait()
	if n, _ := col.GetNote(context.Background(), nid); n.Fields[1] != back.Text {
		t.Fatalf("saved %q", n.Fields[1])
	}

	// no picture on the clipboard: the text is pasted at the cursor
	clip.png = nil
	pressPaste(t, m)
	if want := `back<img src="` + name + `"> text`; back.Text != want {
		t.Fatalf("after pasting text: %q, want %q", back.Text, want)
	}
	if entries, _ := os.ReadDir(m.svc.MediaDir()); len(entries) != 1 {
		t.Fatalf("%d files in the media folder", len(entries))
	}
}
