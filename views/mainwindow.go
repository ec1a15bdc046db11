// Package views holds Deckhand's Fyne windows and widgets. Views hold no business logic:
// they call app.Service off the UI goroutine and apply results with fyne.Do.
package views

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/deckhand-app/deckhand/app"
)

// MainWindow is Deckhand's window: the deck tree on the left, the browser in the middle,
// the note editor and card preview on the right, a status line below.
type MainWindow struct {
	Window  fyne.Window
	Decks   *DeckTree
	Browser *Browser
	Editor  *Editor
	Preview *Preview
	Study   *StudyScreen

	app    fyne.App
	svc    *app.Service
	run    *runner
	prefs  fyne.Preferences
	status *widget.Label
	files  FilePicker // Import, Export and the editor's attach (SetFilePicker)

	left, mid, right *container.Split
	mainView         fyne.CanvasObject // decks, browser, editor: hidden while studying
	toolbar          *fyne.Container

	// LoginDir is the folder holding the saved sync login (app.SyncLoginDir; tests point it elsewhere).
	LoginDir string
	// LastNotetypes is the last opened Tools > Note Types dialog (tests).
	LastNotetypes *NotetypesManager
	LastLogin     *LoginForm // the last login dialog's inputs (tests)
	syncBtn       *widget.Button
	syncStatus    *widget.Label
	syncing       bool
	fullMu        sync.Mutex
	fullBtns      []*widget.Button

	// Started is when the process started (for the first-frame figure); zero to skip.
	Started time.Time

	// the Edit menu's Undo/Redo items and the labels they show (updateUndoMenu)
	undoItem, redoItem   *fyne.MenuItem
	undoShown, redoShown string
}

// NewMainWindow builds the main window for svc.
func NewMainWindow(a fyne.App, svc *app.Service) *MainWindow {
	a.Settings().SetTheme(NewTheme(nil))
	m := &MainWindow{Window: a.NewWindow("Deckhand"), app: a, svc: svc, run: &runner{}, prefs: a.Preferences(),
		status: widget.NewLabel("Loading…")}
	m.status.Truncation = fyne.TextTruncateEllipsis
	w := m.Window
	m.Decks = newDeckTree(svc, m.run, w, m.prefs)
	m.Browser = newBrowser(svc, m.run, w, m.prefs)
	m.Editor = newEditor(svc, m.run, w)
	m.Preview = newPreview(a, svc, m.run, w)
	m.LoginDir, _ = app.SyncLoginDir()
	m.Study = newStudyScreen(a, svc, m.run, w)
	m.Study.OnExit = m.ShowDecks
	m.Decks.OnStudy = m.StudyDeck
	m.SetFilePicker(newFilePicker(w, m.prefs))

	m.Decks.OnSelect = func(_ int64, name string) { m.Browser.SetQuery(app.DeckSearch(name)) }
	m.Decks.OnChanged = func() { m.Browser.Refresh(); m.refreshStatus() }
	m.Browser.OnStatus = m.setStatus
	m.Browser.OnSelection = m.onSelection
	m.Editor.OnSaved = func(int64) {
		m.Browser.RefreshRows()
		if m.Preview.nid != 0 {
			m.Preview.ShowNote(m.Preview.nid)
		}
	}
	m.Editor.OnAdded = func(int64) { m.Browser.Refresh(); m.Decks.Refresh(); m.refreshStatus() }

	m.right = container.NewVSplit(m.Editor.Content, m.Preview.Content)
	m.mid = container.NewHSplit(m.Browser.Content, m.right)
	m.left = container.NewHSplit(m.Decks.Content, m.mid)
	m.left.Offset = m.prefs.FloatWithFallback("split.left", 0.28)
	m.mid.Offset = m.prefs.FloatWithFallback("split.mid", 0.6)
	m.right.Offset = m.prefs.FloatWithFallback("split.right", 0.66)
	m.mainView = m.left
	m.Study.Content.Hide()
	m.toolbar = m.makeToolbar()
	w.SetContent(container.NewBorder(container.NewVBox(m.toolbar, widget.NewSeparator()), m.status, nil, nil,
		container.NewStack(m.mainView, m.Study.Content)))
	w.Canvas().SetOnTypedKey(m.typedKey)
	w.Canvas().SetOnTypedRune(m.typedRune)
	w.Resize(fyne.NewSize(float32(m.prefs.FloatWithFallback("win.w", 1240)), float32(m.prefs.FloatWithFallback("win.h", 760))))
	w.SetMainMenu(m.menu())
	w.SetCloseIntercept(func() {
		m.savePrefs()
		m.Editor.Flush()
		w.Close()
	})
	w.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) {
		// pictures and sounds dropped while a field has the focus are attached to it
		for _, u := range m.Editor.TakeDrops(uris) {
			if u.Scheme() == "file" {
				m.ImportFile(u.Path())
			}
		}
	})
	return m
}

// makeToolbar is Anki's top bar: Decks (D), Add (A), Browse (B), Study (S), and Sync (Y).
func (m *MainWindow) makeToolbar() *fyne.Container {
	decks := widget.NewButtonWithIcon("Decks (D)", theme.ListIcon(), m.ShowDecks)
	add := widget.NewButtonWithIcon("Add (A)", theme.ContentAddIcon(), m.ShowAdd)
	browse := widget.NewButtonWithIcon("Browse (B)", theme.SearchIcon(), m.FocusBrowser)
	study := widget.NewButtonWithIcon("Study (S)", theme.MediaPlayIcon(), func() { m.StudyDeck(m.Decks.Selected()) })
	for _, b := range []*widget.Button{decks, add, browse, study} {
		b.Importance = widget.LowImportance
	}
	return container.NewBorder(nil, nil, container.NewHBox(decks, add, browse, study), m.makeSyncButton())
}

// Studying reports whether the study screen is shown.
func (m *MainWindow) Studying() bool { return m.Study.Content.Visible() }

// StudyDeck opens the study screen on a deck (0: the current deck).
func (m *MainWindow) StudyDeck(id int64) {
	m.Editor.Flush()
	m.mainView.Hide()
	m.Study.Content.Show()
	m.Study.Start(id)
}

// ShowDecks leaves the study screen for the deck list and browser.
func (m *MainWindow) ShowDecks() {
	if !m.Studying() {
		return
	}
	m.Study.Content.Hide()
	m.mainView.Show()
	m.Decks.Refresh()
	m.Browser.Refresh()
	m.refreshStatus()
	m.refreshSync()
}

// ShowAdd opens the note editor in Add mode on the selected deck.
func (m *MainWindow) ShowAdd() {
	m.ShowDecks()
	m.Editor.ShowAdd(0, m.Decks.Selected())
	m.Preview.Clear() // the selected note's cards are not the note being added
}

// FocusBrowser shows the browser with its search box focused.
func (m *MainWindow) FocusBrowser() {
	m.ShowDecks()
	m.Window.Canvas().Focus(m.Browser.Search)
}

// typedKey gets keys when no widget has focus: the study screen's, else Escape.
func (m *MainWindow) typedKey(k *fyne.KeyEvent) {
	if m.Studying() {
		m.Study.TypedKey(k)
	}
}

// typedRune gets the single-key shortcuts (Anki's main window keys, or the reviewer's).
func (m *MainWindow) typedRune(r rune) {
	if m.Studying() {
		switch r {
		case 'd', 'D':
			m.ShowDecks()
		case 'a', 'A':
			m.ShowAdd()
		case 'b', 'B':
			m.FocusBrowser()
		case 'y', 'Y':
			m.Sync()
		default:
			m.Study.TypedRune(r)
		}
		return
	}
	switch r {
	case 's', 'S':
		m.StudyDeck(m.Decks.Selected())
	case 'a', 'A':
		m.ShowAdd()
	case 'b', 'B', '/':
		m.FocusBrowser()
	case 'y', 'Y':
		m.Sync()
	}
}

// Undo undoes the newest change (Ctrl+Z). On the study screen the session does it, showing
// an undone answer's card again; elsewhere the deck tree, browser and editor reload.
func (m *MainWindow) Undo() { m.undoRedo(false) }

// Redo re-applies the change undone last (Ctrl+Shift+Z, Ctrl+Y).
func (m *MainWindow) Redo() { m.undoRedo(true) }

func (m *MainWindow) undoRedo(redo bool) {
	if m.Studying() {
		if redo {
			m.Study.Redo()
		} else {
			m.Study.Undo()
		}
		return
	}
	// a pending edit is saved first, so that it is what gets undone (as in Anki)
	m.Editor.Flush()
	m.run.Go(func() func() {
		ctx := context.Background()
		var label string
		var err error
		if redo {
			label, err = m.svc.Redo(ctx)
		} else {
			label, err = m.svc.Undo(ctx)
		}
		return func() {
			switch {
			case errors.Is(err, app.ErrNothingToUndo):
				m.setStatus("Nothing to undo.")
			case errors.Is(err, app.ErrNothingToRedo):
				m.setStatus("Nothing to redo.")
			case err != nil:
				dialog.ShowError(err, m.Window)
			default:
				// the browser's reload reselects what is still there, which reloads the
				// editor and preview (or clears them when their note went)
				m.Decks.Refresh()
				m.Browser.Refresh()
				if redo {
					m.setStatus("Redone: " + label)
				} else {
					m.setStatus("Undone: " + label)
				}
			}
		}
	})
}

// updateUndoMenu shows in the Edit menu what Undo and Redo would do ("Undo Add Note"). The
// runner calls it after every applied result, so it must stay cheap: the labels are read
// without waiting for the collection, and the menu is redrawn only when they change.
func (m *MainWindow) updateUndoMenu() {
	if m.undoItem == nil {
		return
	}
	u, r := m.svc.UndoLabel(), m.svc.RedoLabel()
	if u == m.undoShown && r == m.redoShown {
		return
	}
	m.undoShown, m.redoShown = u, r
	m.undoItem.Label, m.undoItem.Disabled = strings.TrimSpace("Undo "+u), u == ""
	m.redoItem.Label, m.redoItem.Disabled = strings.TrimSpace("Redo "+r), r == ""
	if mm := m.Window.MainMenu(); mm != nil {
		mm.Refresh()
	}
}

// UndoMenuLabels are the Edit menu's Undo and Redo labels as shown (tests).
func (m *MainWindow) UndoMenuLabels() (string, string) { return m.undoItem.Label, m.redoItem.Label }

// Wait blocks until background work started by the window has been applied (tests).
func (m *MainWindow) Wait() { m.run.Wait() }

func (m *MainWindow) savePrefs() {
	s := m.Window.Canvas().Size()
	if s.Width > 0 && s.Height > 0 {
		m.prefs.SetFloat("win.w", float64(s.Width))
		m.prefs.SetFloat("win.h", float64(s.Height))
	}
	m.prefs.SetFloat("split.left", m.left.Offset)
	m.prefs.SetFloat("split.mid", m.mid.Offset)
	m.prefs.SetFloat("split.right", m.right.Offset)
}

func (m *MainWindow) setStatus(s string) { m.status.SetText(s) }

// Refresh reloads decks, the browser and the status line in the background.
func (m *MainWindow) Refresh(ctx context.Context) {
	m.Decks.Refresh()
	m.Browser.RunSearch(m.Browser.Search.Text)
	m.refreshStatus()
	m.refreshSync()
	if !m.Started.IsZero() {
		started := m.Started
		// a function queued now runs once the window is up, right before a frame is drawn
		m.run.Go(func() func() {
			return func() {
				if os.Getenv("DECKHAND_TIMING") != "" {
					slog.Info("first frame", "since_start", time.Since(started))
				}
			}
		})
	}
}

func (m *MainWindow) refreshStatus() {
	m.run.Go(func() func() {
		s, err := m.svc.Summary(context.Background())
		return func() {
			if err != nil {
				m.status.SetText(err.Error())
				return
			}
			m.status.SetText(s)
		}
	})
}

func (m *MainWindow) onSelection(mode app.Mode, ids []int64) {
	if len(ids) != 1 {
		if !m.Editor.Adding() {
			m.Editor.Clear()
		}
		m.Preview.Clear()
		if len(ids) > 1 {
			m.status.SetText(fmt.Sprintf("%d selected", len(ids)))
		}
		return
	}
	id := ids[0]
	m.run.Go(func() func() {
		nids, err := m.svc.NoteIDs(context.Background(), mode, ids)
		return func() {
			if err != nil || len(nids) == 0 {
				return
			}
			m.Editor.ShowNote(nids[0])
			m.Preview.ShowNote(nids[0])
			if mode == app.CardsMode {
				_ = id // the preview starts on the note's first card
			}
		}
	})
}

func shortcut(key fyne.KeyName, mods fyne.KeyModifier) fyne.Shortcut {
	return &desktop.CustomShortcut{KeyName: key, Modifier: mods}
}

const ctrl = fyne.KeyModifierShortcutDefault

func item(label string, sc fyne.Shortcut, fn func()) *fyne.MenuItem {
	it := fyne.NewMenuItem(label, fn)
	it.Shortcut = sc
	return it
}

// menu builds the menus like Anki's (File, Edit, Notes, Cards, Go, Tools, Help). Fyne adds
// Quit to File itself. Menu shortcuts are checked before a focused entry sees the key, which
// is what makes Ctrl+Enter work inside a field.
func (m *MainWindow) menu() *fyne.MainMenu {
	b := m.Browser
	flags := make([]*fyne.MenuItem, 0, 8)
	for i, n := range FlagNames {
		flag := i + 1
		flags = append(flags, item(n, shortcut(fyne.KeyName(fmt.Sprint(flag)), ctrl), func() { m.toggleFlag(flag) }))
	}
	flags = append(flags, fyne.NewMenuItem("Clear Flag", func() { m.toggleFlag(0) }))
	flagMenu := fyne.NewMenuItem("Flag", nil)
	flagMenu.ChildMenu = fyne.NewMenu("", flags...)
	m.undoItem = item("Undo", shortcut(fyne.KeyZ, ctrl), m.Undo)
	m.redoItem = item("Redo", shortcut(fyne.KeyZ, ctrl|fyne.KeyModifierShift), m.Redo)
	m.undoItem.Disabled, m.redoItem.Disabled = true, true
	// a menu item has one shortcut: Ctrl+Y, the other usual Redo key, goes on the canvas
	m.Window.Canvas().AddShortcut(shortcut(fyne.KeyY, ctrl), func(fyne.Shortcut) { m.Redo() })
	m.run.applyMu.Lock()
	m.run.after = m.updateUndoMenu
	m.run.applyMu.Unlock()
	return fyne.NewMainMenu(
		fyne.NewMenu("File",
			item("Import…", shortcut(fyne.KeyI, ctrl|fyne.KeyModifierShift), m.PromptImport),
			item("Export…", shortcut(fyne.KeyE, ctrl), m.PromptExport),
			fyne.NewMenuItemSeparator(),
			fyne.NewMenuItem("Check Database", m.CheckDatabase),
		),
		fyne.NewMenu("Edit",
			m.undoItem,
			m.redoItem,
			fyne.NewMenuItemSeparator(),
			item("Select All Rows", shortcut(fyne.KeyA, ctrl|fyne.KeyModifierAlt), b.SelectAll),
			item("Find", shortcut(fyne.KeyF, ctrl), func() { m.Window.Canvas().Focus(b.Search) }),
		),
		fyne.NewMenu("Notes",
			item("Add Notes…", shortcut(fyne.KeyN, ctrl), m.ShowAdd),
			item("Add (in Add mode)", shortcut(fyne.KeyReturn, ctrl), m.Editor.Add),
			fyne.NewMenuItemSeparator(),
			item("Add Tags…", shortcut(fyne.KeyA, ctrl|fyne.KeyModifierShift), func() { b.promptTags(true) }),
			item("Remove Tags…", shortcut(fyne.KeyA, ctrl|fyne.KeyModifierAlt|fyne.KeyModifierShift), func() { b.promptTags(false) }),
			item("Delete…", shortcut(fyne.KeyBackspace, ctrl), b.ConfirmDelete),
			item("Find and Replace…", shortcut(fyne.KeyF, ctrl|fyne.KeyModifierAlt), b.PromptFindReplace),
			item("Change Note Type…", shortcut(fyne.KeyM, ctrl|fyne.KeyModifierShift), b.PromptChangeNotetype),
		),
		fyne.NewMenu("Cards",
			item("Change Deck…", shortcut(fyne.KeyD, ctrl), b.PromptChangeDeck),
			item("Toggle Suspend", shortcut(fyne.KeyJ, ctrl), b.ToggleSuspend),
			item("Reposition…", shortcut(fyne.KeyS, ctrl|fyne.KeyModifierShift), b.PromptReposition),
			flagMenu,
			fyne.NewMenuItemSeparator(),
			item("Toggle Cards/Notes", shortcut(fyne.KeyT, ctrl|fyne.KeyModifierAlt), func() {
				if b.Mode() == app.CardsMode {
					b.SetMode(app.NotesMode)
				} else {
					b.SetMode(app.CardsMode)
				}
			}),
		),
		fyne.NewMenu("Tools",
			fyne.NewMenuItem("Sync (Y)", m.Sync),
			fyne.NewMenuItem("Log Out of Sync", m.Logout),
			fyne.NewMenuItemSeparator(),
			fyne.NewMenuItem("Check Database", m.CheckDatabase),
			fyne.NewMenuItem("Check Media", m.CheckMedia),
			item("Note Types…", shortcut(fyne.KeyN, ctrl|fyne.KeyModifierShift), func() { m.ShowNotetypes() }),
			item("Preferences…", shortcut(fyne.KeyP, ctrl), m.ShowPreferences),
		),
		fyne.NewMenu("Help",
			fyne.NewMenuItem("Keyboard Shortcuts", m.showKeys),
			fyne.NewMenuItem("About Deckhand", m.showAbout),
		),
	)
}

// toggleFlag flags the card being studied, or the browser's selection.
func (m *MainWindow) toggleFlag(flag int) {
	if m.Studying() {
		m.Study.ToggleFlag(flag)
		return
	}
	m.Browser.ToggleFlag(flag)
}

func (m *MainWindow) showAbout() {
	version := m.app.Metadata().Version
	if version == "" {
		version = "dev"
	}
	dialog.ShowInformation("About Deckhand", fmt.Sprintf("Deckhand %s\nAn Anki-compatible flashcard deck manager.\n\nCollection: %s",
		version, m.svc.Path()), m.Window)
}

func (m *MainWindow) showKeys() {
	keys := []string{
		"Ctrl+F  search", "Ctrl+N  add notes", "Ctrl+Enter  add (Add mode)", "Ctrl+D  change deck",
		"Ctrl+J  toggle suspend", "Ctrl+1…7  flag", "Ctrl+Shift+A  add tags", "Ctrl+Alt+Shift+A  remove tags",
		"Ctrl+Backspace  delete notes", "Ctrl+Alt+A  select all", "Ctrl+Alt+T  cards/notes",
		"Ctrl+Alt+F  find and replace", "Ctrl+Shift+S  reposition", "Ctrl+Shift+M  change note type",
		"Ctrl+Shift+I  import", "Ctrl+E  export", "Ctrl+P  preferences", "Ctrl+Shift+N  note types",
		"S / double click a deck  study it", "D decks · A add · B browse · Y sync",
		"Study: Space show answer, 1–4 answer, E edit, * mark, - bury card, = bury note,",
		"   @ suspend card, ! suspend note, U or Ctrl+Z undo, R replay audio, Esc back",
		"Editor: Ctrl+B/I/U bold/italic/underline, F7 colour, F8 pick colour, Ctrl+R clear formatting,",
		"   F3 attach media, Ctrl+Shift+X show rendering, Tab/Enter complete a tag",
		"Click/Ctrl+click/Shift+click  select rows", "Right click  deck or row menu", "Drag a deck onto another  nest it",
	}
	dialog.ShowInformation("Keyboard Shortcuts", strings.Join(keys, "\n"), m.Window)
}

// ShowPreferences shows the few settings Deckhand has.
func (m *MainWindow) ShowPreferences() {
	col := widget.NewLabel(m.svc.Path())
	col.Wrapping = fyne.TextWrapBreak
	reset := widget.NewButton("Reset window layout", func() {
		m.left.SetOffset(0.28)
		m.mid.SetOffset(0.6)
		m.right.SetOffset(0.66)
		m.Window.Resize(fyne.NewSize(1240, 760))
	})
	d := dialog.NewCustom("Preferences", "Close", container.NewVBox(
		widget.NewLabelWithStyle("Collection", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), col,
		widget.NewLabel(fmt.Sprintf("Edits are saved %v after you stop typing.", SaveDelay)),
		reset), m.Window)
	d.Resize(fyne.NewSize(480, 240))
	d.Show()
}

// RunJob runs long work off the UI goroutine with a progress bar and Cancel; done gets the
// result on the UI goroutine.
func (m *MainWindow) RunJob(title string, work func(ctx context.Context, progress app.Progress) (string, error)) {
	ctx, cancel := context.WithCancel(context.Background())
	bar := widget.NewProgressBar()
	inf := widget.NewProgressBarInfinite()
	bar.Hide()
	what := widget.NewLabel(title + "…")
	var dlg *dialog.CustomDialog
	cancelBtn := widget.NewButton("Cancel", func() {
		cancel()
		what.SetText("Cancelling…")
	})
	dlg = dialog.NewCustomWithoutButtons(title, container.NewVBox(what, inf, bar), m.Window)
	dlg.SetButtons([]fyne.CanvasObject{cancelBtn})
	dlg.Resize(fyne.NewSize(420, 160))
	dlg.Show()
	progress := func(done, total int, label string) {
		m.run.post(func() {
			if label != "" {
				what.SetText(label)
			}
			if total > 0 {
				inf.Hide()
				inf.Stop()
				bar.Show()
				bar.SetValue(float64(done) / float64(total))
			}
		})
	}
	m.run.Go(func() func() {
		msg, err := work(ctx, progress)
		return func() {
			cancel()
			inf.Stop()
			dlg.Hide()
			switch {
			case err != nil && ctx.Err() != nil:
				m.status.SetText(title + " cancelled; nothing was changed.")
			case err != nil:
				dialog.ShowError(err, m.Window)
			default:
				dialog.ShowInformation(title, msg, m.Window)
			}
			m.Decks.Refresh()
			m.Browser.Refresh()
			m.refreshStatus()
		}
	})
}

// CheckDatabase runs Tools > Check Database.
func (m *MainWindow) CheckDatabase() {
	m.RunJob("Check Database", func(ctx context.Context, p app.Progress) (string, error) {
		lines, err := m.svc.CheckDatabase(ctx, p)
		return strings.Join(lines, "\n"), err
	})
}

// CheckMedia runs Tools > Check Media and shows the missing and unused files.
func (m *MainWindow) CheckMedia() {
	m.RunJob("Check Media", func(ctx context.Context, p app.Progress) (string, error) {
		rep, err := m.svc.CheckMedia(ctx, p)
		if err != nil {
			return "", err
		}
		lines := rep.Lines()
		if len(lines) > 40 {
			lines = append(lines[:40], fmt.Sprintf("… and %d more lines", len(lines)-40))
		}
		return strings.Join(lines, "\n"), nil
	})
}

// ShowCollectionTitle puts the collection's file name in the window title.
func (m *MainWindow) ShowCollectionTitle() {
	if p := m.svc.Path(); p != "" {
		m.Window.SetTitle("Deckhand — " + filepath.Base(p))
	}
}

// ImportFile imports a file (menu, drop, command line). A collection package replaces the
// whole collection, so it asks first.
func (m *MainWindow) ImportFile(path string) {
	if app.IsCollectionPackage(path) {
		msg := widget.NewLabel(fmt.Sprintf("Importing %s will delete your existing collection and replace it with "+
			"the data in the file. Your current collection is copied to the backups folder first, and the next "+
			"sync will be a full sync.\n\nAre you sure?", filepath.Base(path)))
		msg.Wrapping = fyne.TextWrapWord
		d := dialog.NewCustomConfirm("Replace Collection", "Replace", "Cancel", msg, func(ok bool) {
			if ok {
				m.replaceCollection(path)
			}
		}, m.Window)
		d.Resize(fyne.NewSize(480, 240))
		d.Show()
		return
	}
	m.RunJob("Import", func(ctx context.Context, p app.Progress) (string, error) {
		sum, err := m.svc.Import(ctx, path, p)
		if err != nil {
			return "", err
		}
		lines := append([]string{filepath.Base(path) + ": " + sum.String()}, sum.Log...)
		return strings.Join(lines, "\n"), nil
	})
}

// replaceCollection imports a .colpkg: the screens let go of the old collection first.
func (m *MainWindow) replaceCollection(path string) {
	m.ShowDecks()
	m.Editor.Clear()
	m.Preview.Clear()
	m.RunJob("Import", func(ctx context.Context, p app.Progress) (string, error) {
		sum, err := m.svc.ReplaceCollection(ctx, path, p)
		if err != nil {
			return "", err
		}
		return sum.String(), nil
	})
}

// SetFilePicker sets the file dialog Import, Export and the editor's attach use (tests
// put a fake here).
func (m *MainWindow) SetFilePicker(p FilePicker) {
	m.files = p
	m.Editor.files = p
}

// PromptImport asks for a file to import.
func (m *MainWindow) PromptImport() {
	filters := []FileFilter{{Name: "Anki packages and text files", Extensions: app.ImportExtensions()}}
	m.files.Open("Import", filters, func(path string, err error) {
		switch {
		case err != nil:
			dialog.ShowError(fmt.Errorf("import: choose a file: %w", err), m.Window)
		case path != "":
			m.ImportFile(path)
		}
	})
}

// PromptExport is File > Export: what to export (all decks, a deck, the browser's selected
// notes), the format, and the options that format has; then a file name, then a progress bar.
func (m *MainWindow) PromptExport() {
	exps := app.Exporters()
	if len(exps) == 0 {
		dialog.ShowInformation("Export", "Exporting is not available in this build yet.", m.Window)
		return
	}
	var names []string
	for _, e := range exps {
		names = append(names, e.Name())
	}
	scopes := []string{"All Decks"}
	scopeDecks := []int64{0}
	for _, d := range m.svc.DeckChoices(false) {
		scopes = append(scopes, d.Name)
		scopeDecks = append(scopeDecks, d.ID)
	}
	selMode, selected := m.Browser.Mode(), m.Browser.Selected()
	if len(selected) > 0 {
		scopes = append(scopes, fmt.Sprintf("Selected Notes (%d %s)", len(selected), strings.ToLower(selMode.String())))
		scopeDecks = append(scopeDecks, -1)
	}
	scope := widget.NewSelect(scopes, nil)
	scope.SetSelectedIndex(0)
	if d := m.Decks.Selected(); d != 0 {
		for i, id := range scopeDecks {
			if id == d {
				scope.SetSelectedIndex(i)
			}
		}
	}
	sched := widget.NewCheck("Include scheduling information", nil)
	media := widget.NewCheck("Include media", nil)
	media.SetChecked(true)
	format := widget.NewSelect(names, func(string) {})
	format.OnChanged = func(string) {
		i := format.SelectedIndex()
		if i < 0 {
			return
		}
		f := app.FeaturesOf(exps[i])
		enable(sched, f.Scheduling)
		enable(media, f.Media)
		if f.WholeCollectionOnly {
			scope.SetSelectedIndex(0)
			scope.Disable()
		} else {
			scope.Enable()
		}
	}
	format.SetSelectedIndex(0)
	d := dialog.NewForm("Export", "Export…", "Cancel", []*widget.FormItem{
		widget.NewFormItem("Include", scope), widget.NewFormItem("Format", format),
		widget.NewFormItem("", sched), widget.NewFormItem("", media),
	}, func(ok bool) {
		if !ok || format.SelectedIndex() < 0 || scope.SelectedIndex() < 0 {
			return
		}
		exp := exps[format.SelectedIndex()]
		f := app.FeaturesOf(exp)
		opts := app.ExportOptions{WithScheduling: f.Scheduling && sched.Checked, WithMedia: f.Media && media.Checked}
		deck := scopeDecks[scope.SelectedIndex()]
		base := "collection"
		switch {
		case deck > 0:
			opts.DeckID = deck
			if n, ok := m.svc.DeckName(deck); ok {
				base = strings.NewReplacer("::", "_", "/", "_", "\\", "_").Replace(n)
			}
		case deck < 0:
			base = "selected notes"
		}
		m.promptExportFile(exp, base, opts, deck < 0, selMode, selected)
	}, m.Window)
	d.Resize(fyne.NewSize(560, 300))
	d.Show()
}

func enable(c *widget.Check, on bool) {
	if on {
		c.Enable()
	} else {
		c.Disable()
	}
}

func (m *MainWindow) promptExportFile(exp app.Exporter, base string, opts app.ExportOptions, useSel bool, mode app.Mode, sel []int64) {
	filters := []FileFilter{{Name: exp.Name(), Extensions: []string{exp.Extension()}}}
	m.files.Save("Export", base+exp.Extension(), filters, func(path string, err error) {
		switch {
		case err != nil:
			dialog.ShowError(fmt.Errorf("export: choose a file: %w", err), m.Window)
		case path != "":
			if !strings.HasSuffix(strings.ToLower(path), exp.Extension()) {
				path += exp.Extension() // a typed name without it: write where the user will look
			}
			m.ExportTo(exp, path, opts, useSel, mode, sel)
		}
	})
}

// ExportTo runs an export with a progress bar (the dialog's last step; tests call it).
func (m *MainWindow) ExportTo(exp app.Exporter, path string, opts app.ExportOptions, useSel bool, mode app.Mode, sel []int64) {
	m.RunJob("Export", func(ctx context.Context, p app.Progress) (string, error) {
		if useSel {
			nids, err := m.svc.NoteIDs(ctx, mode, sel)
			if err != nil {
				return "", err
			}
			opts.NoteIDs = nids
		}
		if err := m.svc.ExportWith(ctx, exp, path, opts, p); err != nil {
			return "", err
		}
		return "Exported to " + path, nil
	})
}
