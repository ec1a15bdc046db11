package views

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// selectLeft selects n runes left of the cursor the way a user does: Shift held, Left n times.
func selectLeft(ent *fieldEntry, n int) {
	ent.KeyDown(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	for i := 0; i < n; i++ {
		ent.TypedKey(&fyne.KeyEvent{Name: fyne.KeyLeft})
	}
	ent.KeyUp(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
}

func selectRight(ent *fieldEntry, n int) {
	ent.KeyDown(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
	for i := 0; i < n; i++ {
		ent.TypedKey(&fyne.KeyEvent{Name: fyne.KeyRight})
	}
	ent.KeyUp(&fyne.KeyEvent{Name: desktop.KeyShiftLeft})
}

func ctrlKey(k fyne.KeyName, extra fyne.KeyModifier) fyne.Shortcut {
	return &desktop.CustomShortcut{KeyName: k, Modifier: fyne.KeyModifierShortcutDefault | extra}
}

func TestEditorToolbarFormatsSelection(t *testing.T) {
	col := newCollection(t)
	nid := addNote(t, col, "Basic", "Words", "hello world", "猫と犬🐈です")
	m := newWindow(t, col)
	m.Editor.ShowNote(nid)
	m.Wait()
	e := m.Editor
	front, back := e.fents[0], e.fents[1]

	// the toolbar button acts on the field that had the focus, even though tapping it
	// takes the focus away
	m.Window.Canvas().Focus(front)
	front.TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageDown})
	selectLeft(front, 5)
	if front.SelectedText() != "world" {
		t.Fatalf("selected %q", front.SelectedText())
	}
	test.Tap(e.boldBtn)
	if front.Text != "hello <b>world</b>" {
		t.Fatalf("bold: %q", front.Text)
	}
	if m.Window.Canvas().Focused() != front {
		t.Fatal("the field did not get the focus back")
	}
	e.Settle()
	m.Wait()
	if n, _ := col.GetNote(context.Background(), nid); n.Fields[0] != "hello <b>world</b>" {
		t.Fatalf("saved %q", n.Fields[0])
	}

	// CJK and emoji, selected rightwards, with the keyboard shortcut
	m.Window.Canvas().Focus(back)
	back.TypedKey(&fyne.KeyEvent{Name: fyne.KeyHome})
	back.TypedKey(&fyne.KeyEvent{Name: fyne.KeyRight})
	back.TypedKey(&fyne.KeyEvent{Name: fyne.KeyRight})
	selectRight(back, 2)
	if back.SelectedText() != "犬🐈" {
		t.Fatalf("selected %q", back.SelectedText())
	}
	back.TypedShortcut(ctrlKey(fyne.KeyI, 0))
	if back.Text != "猫と<i>犬🐈</i>です" || back.CursorTextOffset() != 11 {
		t.Fatalf("italic: %q cursor %d", back.Text, back.CursorTextOffset())
	}
	// no selection: the empty pair goes in and the cursor between
	back.TypedShortcut(ctrlKey(fyne.KeyU, 0))
	if back.Text != "猫と<i>犬🐈</i><u></u>です" || back.CursorTextOffset() != 14 {
		t.Fatalf("empty underline: %q cursor %d", back.Text, back.CursorTextOffset())
	}
	test.Type(back, "x")
	if back.Text != "猫と<i>犬🐈</i><u>x</u>です" {
		t.Fatalf("typing inside the pair: %q", back.Text)
	}

	// clear formatting on part of a bold run
	front.SetText("<b>hello world</b>")
	m.Window.Canvas().Focus(front)
	front.CursorRow, front.CursorColumn = 0, 8
	selectLeft(front, 5)
	front.TypedShortcut(ctrlKey(fyne.KeyR, 0))
	if front.Text != "hello<b> world</b>" {
		t.Fatalf("clear: %q", front.Text)
	}

	// F7 colours with the last colour
	e.setColor("#00aa00")
	front.CursorRow, front.CursorColumn = 0, 5
	selectLeft(front, 5)
	front.TypedKey(&fyne.KeyEvent{Name: fyne.KeyF7})
	if front.Text != `<font color="#00aa00">hello</font><b> world</b>` {
		t.Fatalf("colour: %q", front.Text)
	}

	// a long field wraps onto several rows: the cursor still lands at the right rune
	long := strings.Repeat("漢字 word ", 60) + "end"
	back.SetText(long)
	m.Window.Canvas().Focus(back)
	back.TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageDown})
	back.TypedShortcut(ctrlKey(fyne.KeyB, 0))
	want := utf8.RuneCountInString(long) + 3
	if back.Text != long+"<b></b>" || back.CursorTextOffset() != want {
		t.Fatalf("long field: cursor %d, want %d (row %d)", back.CursorTextOffset(), want, back.CursorRow)
	}
	if back.CursorRow == 0 {
		t.Log("the long field did not wrap; the row search was not exercised")
	}
	// multi-line selection across a line break
	back.SetText("line one\nline two")
	back.CursorRow, back.CursorColumn = 1, 4
	selectLeft(back, 8)
	back.TypedShortcut(ctrlKey(fyne.KeyB, 0))
	if back.Text != "line <b>one\nline</b> two" {
		t.Fatalf("multi-line: %q", back.Text)
	}

	// the rendered view follows the source
	back.TypedShortcut(ctrlKey(fyne.KeyX, fyne.KeyModifierShift))
	if !e.RenderedShown(1) {
		t.Fatal("Ctrl+Shift+X did not show the rendering")
	}
	var bold bool
	for _, s := range e.Rendered(1).Segments {
		if ts, ok := s.(*widget.TextSegment); ok && strings.Contains(ts.Text, "one") && ts.Style.TextStyle.Bold {
			bold = true
		}
	}
	if !bold {
		t.Fatalf("rendering has no bold 'one': %#v", e.Rendered(1).Segments)
	}
	test.Type(back, "Z")
	var text strings.Builder
	for _, s := range e.Rendered(1).Segments {
		text.WriteString(s.Textual())
	}
	if !strings.Contains(text.String(), "Z") {
		t.Fatalf("rendering not updated: %q", text.String())
	}
	e.ToggleRendered(1)
	if e.RenderedShown(1) {
		t.Fatal("toggle did not hide the rendering")
	}
}

func TestEditorAttachMediaAndDrop(t *testing.T) {
	col := newCollection(t)
	nid := addNote(t, col, "Basic", "Words", "front", "back")
	m := newWindow(t, col)
	m.Editor.ShowNote(nid)
	m.Wait()
	e := m.Editor
	dir := t.TempDir()
	pic := filepath.Join(dir, "my pic 猫.png")
	other := filepath.Join(t.TempDir(), "my pic 猫.png") // same name, other bytes
	sound := filepath.Join(dir, "voice.mp3")
	for p, data := range map[string][]byte{pic: tinyPNG, other: append(slices.Clone(tinyPNG), 0), sound: []byte("ID3 not really")} {
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	back := e.fents[1]
	m.Window.Canvas().Focus(back)
	back.TypedKey(&fyne.KeyEvent{Name: fyne.KeyPageDown})
	e.AttachFile(1, pic)
	m.Wait()
	ref := `<img src="my%20pic%20%E7%8C%AB.png">`
	if back.Text != "back"+ref || back.CursorTextOffset() != utf8.RuneCountInString(back.Text) {
		t.Fatalf("after attach: %q cursor %d", back.Text, back.CursorTextOffset())
	}
	media := m.svc.MediaDir()
	if got, err := os.ReadFile(filepath.Join(media, "my pic 猫.png")); err != nil || !bytes.Equal(got, tinyPNG) {
		t.Fatalf("media file: %v", err)
	}
	// the same file again is stored once; another file of the same name gets its hash
	e.AttachFile(1, pic, other)
	m.Wait()
	entries, _ := os.ReadDir(media)
	var names []string
	for _, de := range entries {
		names = append(names, de.Name())
	}
	if len(names) != 2 || !strings.Contains(back.Text, ref+ref+`<img src="my%20pic%20%E7%8C%AB-`) {
		t.Fatalf("second attach: files %q, field %q", names, back.Text)
	}

	// dropping a sound and a package on a focused field: the sound is attached, the
	// package is left for import
	back.SetText("")
	apkg := storage.NewFileURI(filepath.Join(dir, "deck.apkg"))
	rest := e.TakeDrops([]fyne.URI{storage.NewFileURI(sound), apkg})
	m.Wait()
	if len(rest) != 1 || rest[0] != apkg {
		t.Fatalf("left for import: %v", rest)
	}
	if back.Text != "[sound:voice.mp3]" {
		t.Fatalf("dropped sound: %q", back.Text)
	}
	if _, err := os.Stat(filepath.Join(media, "voice.mp3")); err != nil {
		t.Fatal(err)
	}
	e.Settle()
	m.Wait()
	if n, _ := col.GetNote(context.Background(), nid); n.Fields[1] != "[sound:voice.mp3]" {
		t.Fatalf("saved %q", n.Fields[1])
	}
	// without a focused field nothing is taken
	m.Window.Canvas().Focus(nil)
	if rest := e.TakeDrops([]fyne.URI{storage.NewFileURI(sound)}); len(rest) != 1 {
		t.Fatal("a drop without a focused field was attached")
	}
	// not media: refused with a message, the field unchanged
	e.AttachFile(1, filepath.Join(dir, "deck.apkg"))
	m.Wait()
	if !strings.Contains(e.Status(), "not a picture") || back.Text != "[sound:voice.mp3]" {
		t.Fatalf("status %q field %q", e.Status(), back.Text)
	}
}

func TestEditorTagCompletion(t *testing.T) {
	col := newCollection(t)
	ctx := context.Background()
	nid := addNote(t, col, "Basic", "Words", "front", "back")
	if _, err := col.AddTags(ctx, []int64{nid}, "Lang::French Lang::German grammar 日本語::動詞"); err != nil {
		t.Fatal(err)
	}
	other := addNote(t, col, "Basic", "Words", "other", "x")
	m := newWindow(t, col)
	// Typing happens as on the UI goroutine (onUI): the test driver applies background
	// results, such as the debounced save, on other goroutines.
	m.Editor.ShowNote(other)
	m.Wait()
	e := m.Editor
	suggestions := func() (out []string) {
		onUI(m, func() { out = e.Suggestions() })
		return out
	}
	onUI(m, func() { m.Window.Canvas().Focus(e.tags) })
	m.Wait()
	onUI(m, func() { test.Type(e.tags, "la") })
	m.Wait()
	// parent tags are tags too (Anki registers them)
	if got := suggestions(); !slices.Equal(got, []string{"Lang", "Lang::French", "Lang::German"}) {
		t.Fatalf("suggestions for la: %q", got)
	}
	if !e.tags.AcceptsTab() {
		t.Fatal("Tab should complete while suggestions are shown")
	}
	onUI(m, func() { e.tags.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown}) })
	m.Wait()
	onUI(m, func() { e.tags.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown}) })
	m.Wait()
	onUI(m, func() { e.tags.TypedKey(&fyne.KeyEvent{Name: fyne.KeyTab}) })
	m.Wait()
	if e.tags.Text != "Lang::German " || len(suggestions()) != 0 {
		t.Fatalf("after Tab: %q %q", e.tags.Text, suggestions())
	}
	// a hierarchical word further down, completed with a click
	onUI(m, func() { test.Type(e.tags, "動") })
	m.Wait()
	if got := suggestions(); !slices.Equal(got, []string{"日本語::動詞"}) {
		t.Fatalf("suggestions for 動: %q", got)
	}
	onUI(m, func() { test.Tap(e.suggestBox.Objects[0].(*widget.Button)) })
	m.Wait()
	if e.tags.Text != "Lang::German 日本語::動詞 " {
		t.Fatalf("after click: %q", e.tags.Text)
	}
	// Enter completes too; tags already on the note are not offered again
	onUI(m, func() { m.Window.Canvas().Focus(e.tags) })
	m.Wait()
	onUI(m, func() { test.Type(e.tags, "LANG::") })
	m.Wait()
	if got := suggestions(); !slices.Equal(got, []string{"Lang::French"}) {
		t.Fatalf("suggestions for LANG::: %q", got)
	}
	onUI(m, func() { e.tags.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) })
	m.Wait()
	e.Settle()
	m.Wait()
	n, _ := col.GetNote(ctx, other)
	got := slices.Clone(n.Tags)
	slices.Sort(got)
	if !slices.Equal(got, []string{"Lang::French", "Lang::German", "日本語::動詞"}) {
		t.Fatalf("tags %q saved %q", e.tags.Text, n.Tags)
	}
}
