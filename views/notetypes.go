package views

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/collection"
)

// Tools > Note Types (Ctrl+Shift+N), like Anki's manager: the note types with their note
// counts; Add (a stock type or a clone of an existing one), Rename, Delete; Fields… and
// Cards… edit a copy that is saved in one transaction. Changes that alter the schema ask
// first, once per dialog, that the next sync be a full one (unless it already is).

// NotetypesManager is the manager dialog (tests drive it through its buttons and methods).
type NotetypesManager struct {
	m     *MainWindow
	List  *widget.List
	Items []app.NotetypeInfo
	// Selected is the selected row (-1: none).
	Selected                           int
	Add, Rename, Delete, Fields, Cards *widget.Button
	dlg                                *dialog.CustomDialog

	// the last question or name prompt shown (tests answer them)
	Question string
	answer   func(bool)
	Prompt   *widget.Entry
	submit   func()
	// FieldsDialog and CardsDialog are the last opened editors.
	FieldsDialog *FieldsEditor
	CardsDialog  *CardsEditor
	// AddFrom is the Add dialog's choice of what to start from (tests set it).
	AddFrom *widget.Select
	// fullPending: the next sync is a full one already, so schema changes need no warning
	fullPending bool
}

// ShowNotetypes opens Tools > Note Types.
func (m *MainWindow) ShowNotetypes() *NotetypesManager {
	nm := &NotetypesManager{m: m, Selected: -1}
	nm.List = widget.NewList(func() int { return len(nm.Items) },
		func() fyne.CanvasObject { return widget.NewLabel("Basic (optional reversed card) [0000 notes]") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(nm.Items) {
				o.(*widget.Label).SetText(nm.Items[i].Label())
			}
		})
	nm.List.OnSelected = func(i widget.ListItemID) { nm.Selected = i; nm.buttons() }
	nm.Add = widget.NewButton("Add…", nm.PromptAdd)
	nm.Rename = widget.NewButton("Rename…", nm.PromptRename)
	nm.Delete = widget.NewButton("Delete…", nm.ConfirmDelete)
	nm.Fields = widget.NewButton("Fields…", nm.OpenFields)
	nm.Cards = widget.NewButton("Cards…", nm.OpenCards)
	side := container.NewVBox(nm.Add, nm.Rename, nm.Delete, widget.NewSeparator(), nm.Fields, nm.Cards)
	nm.dlg = dialog.NewCustom("Note Types", "Close", container.NewBorder(nil, nil, nil, side, nm.List), m.Window)
	nm.dlg.Resize(fyne.NewSize(620, 460))
	nm.dlg.SetOnClosed(func() {
		m.Editor.Clear() // the open note may have lost fields or cards
		m.Decks.Refresh()
		m.Browser.Refresh()
		m.refreshStatus()
		m.refreshSync()
	})
	nm.buttons()
	nm.dlg.Show()
	nm.reload(0)
	m.LastNotetypes = nm
	return nm
}

// reload re-reads the list and selects note type id (0: keep the row).
func (nm *NotetypesManager) reload(id int64) {
	nm.m.run.Go(func() func() {
		ctx := context.Background()
		items, err := nm.m.svc.Notetypes(ctx)
		pending := nm.m.svc.FullSyncPending(ctx)
		return func() {
			if err != nil {
				dialog.ShowError(err, nm.m.Window)
				return
			}
			nm.Items, nm.fullPending = items, pending
			sel := nm.Selected
			if id != 0 {
				for i, it := range items {
					if it.ID == id {
						sel = i
					}
				}
			}
			if sel >= len(items) {
				sel = len(items) - 1
			}
			if len(items) > 0 && sel < 0 {
				sel = 0
			}
			nm.List.Refresh()
			nm.Selected = sel
			if sel >= 0 {
				nm.List.Select(sel)
			}
			nm.buttons()
		}
	})
}

func (nm *NotetypesManager) buttons() {
	for _, b := range []*widget.Button{nm.Rename, nm.Delete, nm.Fields, nm.Cards} {
		if nm.current() == nil {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

func (nm *NotetypesManager) current() *app.NotetypeInfo {
	if nm.Selected < 0 || nm.Selected >= len(nm.Items) {
		return nil
	}
	return &nm.Items[nm.Selected]
}

// ask shows a yes/no question and remembers it for AnswerQuestion.
func (nm *NotetypesManager) ask(title, msg string, yes func()) {
	label := widget.NewLabel(msg)
	label.Wrapping = fyne.TextWrapWord
	var d *dialog.ConfirmDialog
	nm.Question = msg
	nm.answer = func(ok bool) {
		nm.Question, nm.answer = "", nil
		d.Hide()
		if ok {
			yes()
		}
	}
	d = dialog.NewCustomConfirm(title, "Yes", "No", label, func(ok bool) {
		if nm.answer != nil {
			nm.answer(ok)
		}
	}, nm.m.Window)
	d.Resize(fyne.NewSize(460, 220))
	d.Show()
}

// AnswerQuestion answers the question being asked (tests).
func (nm *NotetypesManager) AnswerQuestion(ok bool) {
	if nm.answer != nil {
		nm.answer(ok)
	}
}

// schemaChange runs fn after Anki's full-sync warning (not asked when a full sync is due
// anyway, or once accepted in this dialog).
func (nm *NotetypesManager) schemaChange(fn func()) {
	if nm.fullPending {
		fn()
		return
	}
	nm.ask("Full Sync Required", app.SchemaWarning, func() {
		nm.fullPending = true
		fn()
	})
}

// promptName asks for a name; tests fill Prompt and call SubmitPrompt.
func (nm *NotetypesManager) promptName(title, label, initial string, extra fyne.CanvasObject, ok func(string)) {
	e := widget.NewEntry()
	e.SetText(initial)
	items := []*widget.FormItem{widget.NewFormItem(label, e)}
	if extra != nil {
		items = append([]*widget.FormItem{widget.NewFormItem("", extra)}, items...)
	}
	var d dialog.Dialog
	nm.Prompt = e
	nm.submit = func() {
		nm.Prompt, nm.submit = nil, nil
		d.Hide()
		ok(e.Text)
	}
	d = dialog.NewForm(title, "OK", "Cancel", items, func(yes bool) {
		if yes && nm.submit != nil {
			nm.submit()
		}
	}, nm.m.Window)
	d.Resize(fyne.NewSize(440, 200))
	d.Show()
	nm.m.Window.Canvas().Focus(e)
}

// SubmitPrompt confirms the name prompt being shown (tests).
func (nm *NotetypesManager) SubmitPrompt() {
	if nm.submit != nil {
		nm.submit()
	}
}

// The Add dialog's choices: a stock type, or a clone of one in the collection.
var addStockPrefix, addClonePrefix = "Add: ", "Clone: "

// PromptAdd asks which type to start from (a stock type or a clone) and the new name.
func (nm *NotetypesManager) PromptAdd() {
	var opts []string
	for _, s := range app.StockNotetypes() {
		opts = append(opts, addStockPrefix+s.Name)
	}
	for _, it := range nm.Items {
		opts = append(opts, addClonePrefix+it.Name)
	}
	sel := widget.NewSelect(opts, nil)
	sel.SetSelected(opts[0])
	nm.AddFrom = sel
	nm.promptName("Add Note Type", "Name", "", sel, func(name string) {
		choice := sel.Selected
		nm.m.run.Go(func() func() {
			ctx := context.Background()
			var id int64
			var err error
			switch {
			case strings.HasPrefix(choice, addStockPrefix):
				for _, s := range app.StockNotetypes() {
					if addStockPrefix+s.Name == choice {
						id, err = nm.m.svc.AddStockNotetype(ctx, s.Kind, name)
					}
				}
			default:
				for _, it := range nm.Items {
					if addClonePrefix+it.Name == choice {
						id, err = nm.m.svc.CloneNotetype(ctx, it.ID, name)
					}
				}
			}
			return func() {
				if err != nil {
					dialog.ShowError(err, nm.m.Window)
					return
				}
				nm.reload(id)
			}
		})
	})
}

// PromptRename renames the selected note type.
func (nm *NotetypesManager) PromptRename() {
	cur := nm.current()
	if cur == nil {
		return
	}
	id := cur.ID
	nm.promptName("Rename Note Type", "New name", cur.Name, nil, func(name string) {
		nm.m.run.Go(func() func() {
			err := nm.m.svc.RenameNotetype(context.Background(), id, name)
			return func() {
				if err != nil {
					dialog.ShowError(err, nm.m.Window)
				}
				nm.reload(id)
			}
		})
	})
}

// ConfirmDelete deletes the selected note type and its notes after asking.
func (nm *NotetypesManager) ConfirmDelete() {
	cur := nm.current()
	if cur == nil {
		return
	}
	id, notes := cur.ID, cur.Notes
	msg := fmt.Sprintf("Delete the note type %q and all %d of its notes?", cur.Name, notes)
	if notes == 1 {
		msg = fmt.Sprintf("Delete the note type %q and its 1 note?", cur.Name)
	}
	nm.schemaChange(func() {
		nm.ask("Delete Note Type", msg, func() {
			nm.m.run.Go(func() func() {
				err := nm.m.svc.RemoveNotetype(context.Background(), id)
				return func() {
					if err != nil {
						dialog.ShowError(err, nm.m.Window)
					}
					nm.reload(0)
				}
			})
		})
	})
}

// save stores an edited note type and reloads the list; done runs after a successful save.
func (nm *NotetypesManager) save(nt *collection.Notetype, done func()) {
	edited := nt.Clone()
	nm.m.run.Go(func() func() {
		err := nm.m.svc.SaveNotetype(context.Background(), edited)
		return func() {
			if err != nil {
				dialog.ShowError(err, nm.m.Window)
				return
			}
			done()
			nm.reload(edited.ID)
		}
	})
}

// edit loads a copy of note type id off the UI goroutine (the collection's lock is held by
// any running transaction) and opens an editor with it.
func (nm *NotetypesManager) edit(id int64, open func(*collection.Notetype)) {
	nm.m.run.Go(func() func() {
		nt, err := nm.m.svc.EditNotetype(id)
		return func() {
			if err != nil {
				dialog.ShowError(err, nm.m.Window)
				return
			}
			open(nt)
		}
	})
}

// FieldsEditor is the Fields dialog of one note type.
type FieldsEditor struct {
	nm       *NotetypesManager
	NT       *collection.Notetype
	List     *widget.List
	Selected int
	SortInfo *widget.Label
	dlg      *dialog.CustomDialog
}

// OpenFields opens the Fields dialog for the selected note type.
func (nm *NotetypesManager) OpenFields() {
	cur := nm.current()
	if cur == nil {
		return
	}
	nm.edit(cur.ID, nm.showFields)
}

func (nm *NotetypesManager) showFields(nt *collection.Notetype) {
	fe := &FieldsEditor{nm: nm, NT: nt, SortInfo: widget.NewLabel("")}
	fe.List = widget.NewList(func() int { return len(fe.NT.Fields) },
		func() fyne.CanvasObject { return widget.NewLabel("00: a long field name") },
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(fe.NT.Fields) {
				o.(*widget.Label).SetText(fmt.Sprintf("%d: %s", i+1, fe.NT.Fields[i].Name))
			}
		})
	fe.List.OnSelected = func(i widget.ListItemID) { fe.Selected = i }
	side := container.NewVBox(
		widget.NewButton("Add…", fe.PromptAdd),
		widget.NewButton("Rename…", fe.PromptRename),
		widget.NewButton("Reposition…", fe.PromptReposition),
		widget.NewButton("Delete", fe.Delete),
		widget.NewButton("Sort by this field", fe.SortByThis),
	)
	body := container.NewBorder(nil, fe.SortInfo, nil, side, fe.List)
	// Save keeps the dialog open when saving fails (a broken template), so no edit is lost
	fe.dlg = dialog.NewCustomWithoutButtons("Fields for "+nt.Name, body, nm.m.Window)
	save := widget.NewButton("Save", fe.Save)
	save.Importance = widget.HighImportance
	fe.dlg.SetButtons([]fyne.CanvasObject{widget.NewButton("Cancel", fe.dlg.Hide), save})
	fe.dlg.Resize(fyne.NewSize(560, 420))
	fe.dlg.Show()
	fe.List.Select(0)
	fe.refresh()
	nm.FieldsDialog = fe
}

func (fe *FieldsEditor) refresh() {
	fe.List.Refresh()
	fe.SortInfo.SetText("Sort by: " + fe.NT.Fields[fe.NT.SortField].Name)
}

func (fe *FieldsEditor) apply(err error) {
	if err != nil {
		dialog.ShowError(err, fe.nm.m.Window)
	}
	fe.refresh()
}

// PromptAdd adds a field (a schema change).
func (fe *FieldsEditor) PromptAdd() {
	fe.nm.schemaChange(func() {
		fe.nm.promptName("Add Field", "Field name", "", nil, func(name string) {
			fe.apply(app.AddFieldTo(fe.NT, name))
			fe.List.Select(len(fe.NT.Fields) - 1)
		})
	})
}

// PromptRename renames the selected field (templates follow on save).
func (fe *FieldsEditor) PromptRename() {
	i := fe.Selected
	fe.nm.promptName("Rename Field", "New name", fe.NT.Fields[i].Name, nil, func(name string) {
		fe.apply(app.RenameField(fe.NT, i, name))
	})
}

// PromptReposition moves the selected field to a position (1-based, as in Anki).
func (fe *FieldsEditor) PromptReposition() {
	i := fe.Selected
	fe.nm.schemaChange(func() {
		fe.nm.promptName("Reposition Field", fmt.Sprintf("New position (1–%d)", len(fe.NT.Fields)), strconv.Itoa(i+1), nil, func(s string) {
			to, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				fe.apply(fmt.Errorf("position %q is not a number", s))
				return
			}
			fe.apply(app.MoveField(fe.NT, i, to-1))
			fe.List.Select(to - 1)
		})
	})
}

// Delete removes the selected field after the schema question.
func (fe *FieldsEditor) Delete() {
	i := fe.Selected
	fe.nm.schemaChange(func() {
		fe.nm.ask("Delete Field", fmt.Sprintf("Delete the field %q from every note of this type?", fe.NT.Fields[i].Name), func() {
			fe.apply(app.RemoveField(fe.NT, i))
			fe.List.Select(max(i-1, 0))
		})
	})
}

// SortByThis makes the selected field the sort field.
func (fe *FieldsEditor) SortByThis() { fe.apply(app.SetSortField(fe.NT, fe.Selected)) }

// Save stores the edited fields.
func (fe *FieldsEditor) Save() { fe.nm.save(fe.NT, func() { fe.dlg.Hide() }) }

// CardsEditor is the Cards dialog: the templates and CSS of one note type with a preview.
type CardsEditor struct {
	nm                *NotetypesManager
	NT                *collection.Notetype
	Types             *widget.Select
	Ord               int
	Front, Back, CSS  *widget.Entry
	FrontPrev, BackPv *widget.RichText
	Status            *widget.Label
	dlg               *dialog.CustomDialog
	seq               int
	loading           bool
}

// OpenCards opens the Cards dialog for the selected note type.
func (nm *NotetypesManager) OpenCards() {
	cur := nm.current()
	if cur == nil {
		return
	}
	nm.edit(cur.ID, nm.showCards)
}

func (nm *NotetypesManager) showCards(nt *collection.Notetype) {
	ce := &CardsEditor{nm: nm, NT: nt, Front: widget.NewMultiLineEntry(), Back: widget.NewMultiLineEntry(),
		CSS: widget.NewMultiLineEntry(), FrontPrev: widget.NewRichText(), BackPv: widget.NewRichText(), Status: widget.NewLabel("")}
	for _, rt := range []*widget.RichText{ce.FrontPrev, ce.BackPv} {
		rt.Wrapping = fyne.TextWrapWord
	}
	ce.Status.Wrapping = fyne.TextWrapWord
	ce.Types = widget.NewSelect(nil, func(string) {
		if i := ce.Types.SelectedIndex(); i >= 0 && i != ce.Ord {
			ce.show(i)
		}
	})
	edit := func(set func(string)) func(string) {
		return func(s string) {
			if ce.loading {
				return
			}
			set(s)
			ce.preview()
		}
	}
	ce.Front.OnChanged = edit(func(s string) { ce.NT.Templates[ce.Ord].QFmt = s })
	ce.Back.OnChanged = edit(func(s string) { ce.NT.Templates[ce.Ord].AFmt = s })
	ce.CSS.OnChanged = edit(func(s string) { ce.NT.CSS = s })
	tabs := container.NewAppTabs(
		container.NewTabItem("Front Template", ce.Front),
		container.NewTabItem("Back Template", ce.Back),
		container.NewTabItem("Styling", ce.CSS),
	)
	prev := container.NewVSplit(
		container.NewBorder(widget.NewLabelWithStyle("Front Preview", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil,
			container.NewVScroll(ce.FrontPrev)),
		container.NewBorder(widget.NewLabelWithStyle("Back Preview", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), nil, nil, nil,
			container.NewVScroll(ce.BackPv)))
	split := container.NewHSplit(tabs, prev)
	split.SetOffset(0.55)
	bar := container.NewHBox(widget.NewLabel("Card type:"), ce.Types,
		widget.NewButton("Add", ce.AddType), widget.NewButton("Rename…", ce.PromptRename),
		widget.NewButton("Reposition…", ce.PromptReposition), widget.NewButton("Remove…", ce.Remove))
	body := container.NewBorder(bar, ce.Status, nil, nil, split)
	// Save keeps the dialog open when saving fails (a broken template), so no edit is lost
	ce.dlg = dialog.NewCustomWithoutButtons("Card Types for "+nt.Name, body, nm.m.Window)
	save := widget.NewButton("Save", ce.Save)
	save.Importance = widget.HighImportance
	ce.dlg.SetButtons([]fyne.CanvasObject{widget.NewButton("Cancel", ce.dlg.Hide), save})
	ce.dlg.Resize(fyne.NewSize(1000, 640))
	ce.dlg.Show()
	ce.show(0)
	nm.CardsDialog = ce
}

// show loads card type i into the editors.
func (ce *CardsEditor) show(i int) {
	ce.Ord = i
	var names []string
	for _, t := range ce.NT.Templates {
		names = append(names, t.Name)
	}
	ce.loading = true
	ce.Types.SetOptions(names)
	ce.Types.SetSelectedIndex(i)
	ce.Front.SetText(ce.NT.Templates[i].QFmt)
	ce.Back.SetText(ce.NT.Templates[i].AFmt)
	ce.CSS.SetText(ce.NT.CSS)
	ce.loading = false
	ce.preview()
}

// preview renders the current card type with the first note, off the UI goroutine; only the
// newest result is shown.
func (ce *CardsEditor) preview() {
	ce.seq++
	seq, snap, ord := ce.seq, ce.NT.Clone(), ce.Ord
	m := ce.nm.m
	m.run.Go(func() func() {
		p, err := m.svc.PreviewCardType(context.Background(), snap, ord)
		return func() {
			if seq != ce.seq {
				return
			}
			if err != nil {
				ce.Status.SetText(err.Error())
				return
			}
			ce.Status.SetText("")
			opt := HTMLOptions{MediaDir: m.svc.MediaDir(), CSS: p.CSS}
			ce.FrontPrev.Segments = HTMLToSegments(p.Question, opt)
			ce.FrontPrev.Refresh()
			ce.BackPv.Segments = HTMLToSegments(p.Answer, opt)
			ce.BackPv.Refresh()
		}
	})
}

// PreviewText is the rendered front and back as plain text (tests).
func (ce *CardsEditor) PreviewText() (string, string) {
	return richText(ce.FrontPrev), richText(ce.BackPv)
}

func richText(rt *widget.RichText) string {
	var b strings.Builder
	for _, s := range rt.Segments {
		b.WriteString(s.Textual())
	}
	return b.String()
}

func (ce *CardsEditor) apply(err error, show int) {
	if err != nil {
		dialog.ShowError(err, ce.nm.m.Window)
		show = ce.Ord
	}
	ce.show(min(max(show, 0), len(ce.NT.Templates)-1))
}

// AddType adds a card type (a schema change).
func (ce *CardsEditor) AddType() {
	ce.nm.schemaChange(func() {
		ce.apply(app.AddCardType(ce.NT, ""), len(ce.NT.Templates))
	})
}

// PromptRename renames the current card type.
func (ce *CardsEditor) PromptRename() {
	i := ce.Ord
	ce.nm.promptName("Rename Card Type", "New name", ce.NT.Templates[i].Name, nil, func(name string) {
		ce.apply(app.RenameCardType(ce.NT, i, name), i)
	})
}

// PromptReposition moves the current card type (1-based position).
func (ce *CardsEditor) PromptReposition() {
	i := ce.Ord
	ce.nm.schemaChange(func() {
		ce.nm.promptName("Reposition Card Type", fmt.Sprintf("New position (1–%d)", len(ce.NT.Templates)), strconv.Itoa(i+1), nil, func(s string) {
			to, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				ce.apply(fmt.Errorf("position %q is not a number", s), i)
				return
			}
			ce.apply(app.MoveCardType(ce.NT, i, to-1), to-1)
		})
	})
}

// Remove deletes the current card type and, on save, its cards.
func (ce *CardsEditor) Remove() {
	i := ce.Ord
	ce.nm.schemaChange(func() {
		ce.nm.ask("Remove Card Type", fmt.Sprintf("Remove the card type %q and all its cards?", ce.NT.Templates[i].Name), func() {
			ce.apply(app.RemoveCardType(ce.NT, i), i-1)
		})
	})
}

// Save stores the edited card types and styling.
func (ce *CardsEditor) Save() { ce.nm.save(ce.NT, func() { ce.dlg.Hide() }) }
