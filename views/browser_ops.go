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
)

// The browser's Find and Replace (Ctrl+Alt+F), Reposition (Ctrl+Shift+S) and Change Note Type
// (Ctrl+Shift+M) dialogs. Each Prompt… method gathers what its dialog needs in the
// background and then shows it; the dialog's widgets are exported so tests can fill them in
// and call Submit, and the action methods (FindReplace, Reposition, ChangeNotetype) run the
// change on the selection.

const (
	allFieldsChoice = "All Fields"
	tagsChoice      = "Tags"
	nothingChoice   = "(Nothing)"
)

// FindReplaceDialog is the open Find and Replace dialog.
type FindReplaceDialog struct {
	Find, Replace *widget.Entry
	// In offers All Fields, Tags, then the selected notes' field names.
	In                              *widget.Select
	SelectedOnly, Regex, IgnoreCase *widget.Check

	b   *Browser
	dlg dialog.Dialog
}

// PromptFindReplace opens Find and Replace. With no selection it works on the whole
// collection, as in Anki.
func (b *Browser) PromptFindReplace() {
	m, ids := b.mode, b.Selected()
	b.run.Go(func() func() {
		var fields []string
		var err error
		if len(ids) > 0 {
			fields, err = b.svc.FieldNamesOfSelection(context.Background(), m, ids)
		}
		return func() {
			if err != nil {
				dialog.ShowError(fmt.Errorf("find and replace: %w", err), b.win)
				return
			}
			b.opsDialog = b.showFindReplace(fields, len(ids) > 0)
		}
	})
}

func (b *Browser) showFindReplace(fields []string, haveSelection bool) *FindReplaceDialog {
	d := &FindReplaceDialog{b: b, Find: widget.NewEntry(), Replace: widget.NewEntry()}
	d.In = widget.NewSelect(append([]string{allFieldsChoice, tagsChoice}, fields...), nil)
	d.In.SetSelectedIndex(0)
	d.SelectedOnly = widget.NewCheck("Selected notes only", nil)
	d.SelectedOnly.SetChecked(haveSelection)
	if !haveSelection {
		d.SelectedOnly.Disable()
	}
	d.Regex = widget.NewCheck("Treat input as regular expression", nil)
	d.IgnoreCase = widget.NewCheck("Ignore case", nil)
	d.IgnoreCase.SetChecked(true)
	items := []*widget.FormItem{
		widget.NewFormItem("Find", d.Find),
		widget.NewFormItem("Replace With", d.Replace),
		widget.NewFormItem("In", d.In),
		widget.NewFormItem("", d.SelectedOnly),
		widget.NewFormItem("", d.IgnoreCase),
		widget.NewFormItem("", d.Regex),
	}
	d.dlg = dialog.NewForm("Find and Replace", "OK", "Cancel", items, func(ok bool) {
		if ok {
			d.submit()
		}
	}, b.win)
	d.Find.OnSubmitted = func(string) { d.Submit() }
	d.dlg.Resize(fyne.NewSize(480, 340))
	d.dlg.Show()
	b.win.Canvas().Focus(d.Find)
	return d
}

// Submit runs the replacement with the dialog's choices and closes it.
func (d *FindReplaceDialog) Submit() {
	d.dlg.Hide()
	d.submit()
}

func (d *FindReplaceDialog) submit() {
	fr := app.FindReplace{Find: d.Find.Text, Replace: d.Replace.Text, SelectedOnly: d.SelectedOnly.Checked,
		Regex: d.Regex.Checked, IgnoreCase: d.IgnoreCase.Checked}
	switch d.In.SelectedIndex() {
	case 0, -1:
	case 1:
		fr.Tags = true
	default:
		fr.Field = d.In.Selected
	}
	d.b.FindReplace(fr)
}

// FindReplace runs Find and Replace on the selection (or, unless fr.SelectedOnly, on every
// note) and searches again.
func (b *Browser) FindReplace(fr app.FindReplace) {
	m, ids := b.mode, b.Selected()
	b.run.Go(func() func() {
		changed, total, err := b.svc.FindAndReplace(context.Background(), m, ids, fr)
		return func() {
			if err != nil {
				dialog.ShowError(err, b.win)
				return
			}
			b.status(app.FindReplaceMessage(fr, changed, total))
			b.Refresh()
		}
	})
}

// RepositionDialog is the open Reposition New Cards dialog.
type RepositionDialog struct {
	Start, Step      *widget.Entry
	Randomize, Shift *widget.Check
	// Queue shows where the new-card queue starts and ends.
	Queue *widget.Label

	b   *Browser
	dlg dialog.Dialog
}

// PromptReposition opens Reposition New Cards for the selected cards.
func (b *Browser) PromptReposition() {
	if b.sel.Len() == 0 {
		return
	}
	b.run.Go(func() func() {
		info, err := b.svc.RepositionDefaults(context.Background())
		return func() {
			if err != nil {
				dialog.ShowError(fmt.Errorf("reposition: %w", err), b.win)
				return
			}
			b.opsDialog = b.showReposition(info)
		}
	})
}

func (b *Browser) showReposition(info app.RepositionInfo) *RepositionDialog {
	d := &RepositionDialog{b: b, Start: widget.NewEntry(), Step: widget.NewEntry(),
		Queue: widget.NewLabel(fmt.Sprintf("Queue top: %d\nQueue bottom: %d", info.QueueTop, info.QueueBottom))}
	// the limits of Anki's spin boxes
	d.Start.Validator = intRange("start position", 0, 1_000_000)
	d.Step.Validator = intRange("step", 1, 10_000)
	d.Start.SetText("0")
	d.Step.SetText("1")
	d.Randomize = widget.NewCheck("Randomize order", nil)
	d.Randomize.SetChecked(info.Randomize)
	d.Shift = widget.NewCheck("Shift position of existing cards", nil)
	d.Shift.SetChecked(info.Shift)
	items := []*widget.FormItem{
		widget.NewFormItem("", d.Queue),
		widget.NewFormItem("Start position", d.Start),
		widget.NewFormItem("Step", d.Step),
		widget.NewFormItem("", d.Randomize),
		widget.NewFormItem("", d.Shift),
	}
	d.dlg = dialog.NewForm("Reposition New Cards", "OK", "Cancel", items, func(ok bool) {
		if ok {
			d.submit()
		}
	}, b.win)
	d.dlg.Resize(fyne.NewSize(420, 320))
	d.dlg.Show()
	b.win.Canvas().Focus(d.Start)
	return d
}

func intRange(what string, lo, hi int) fyne.StringValidator {
	return func(s string) error {
		v, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || v < lo || v > hi {
			return fmt.Errorf("the %s is a whole number from %d to %d", what, lo, hi)
		}
		return nil
	}
}

// Submit repositions with the dialog's values and closes it; invalid numbers keep it open.
func (d *RepositionDialog) Submit() {
	if d.Start.Validate() != nil || d.Step.Validate() != nil {
		return
	}
	d.dlg.Hide()
	d.submit()
}

func (d *RepositionDialog) submit() {
	start, err1 := strconv.Atoi(strings.TrimSpace(d.Start.Text))
	step, err2 := strconv.Atoi(strings.TrimSpace(d.Step.Text))
	if err1 != nil || err2 != nil {
		return // the form's validators keep OK disabled
	}
	d.b.Reposition(start, step, d.Randomize.Checked, d.Shift.Checked)
}

// Reposition gives the selected new cards positions start, start+step, … (see
// app.Service.RepositionNewCards).
func (b *Browser) Reposition(start, step int, randomize, shift bool) {
	b.bulk("Reposition", func(ctx context.Context, m app.Mode, ids []int64) (string, error) {
		n, err := b.svc.RepositionNewCards(ctx, m, ids, start, step, randomize, shift)
		return app.RepositionMessage(n), err
	})
}

// ChangeNotetypeDialog is the open Change Note Type dialog.
type ChangeNotetypeDialog struct {
	// NewType picks the note type to change to.
	NewType *widget.Select
	// FieldSelects has one select per new field, TemplateSelects one per new card type
	// (none when a cloze type is involved); each offers (Nothing) and the old names.
	FieldSelects, TemplateSelects []*widget.Select
	// Losses says what the mapping discards.
	Losses *widget.Label

	b       *Browser
	dlg     dialog.Dialog
	change  app.NotetypeChange
	mapping *fyne.Container
}

// PromptChangeNotetype opens Change Note Type for the selected notes, which must share one
// note type.
func (b *Browser) PromptChangeNotetype() {
	if b.sel.Len() == 0 {
		return
	}
	m, ids := b.mode, b.Selected()
	b.run.Go(func() func() {
		mid, err := b.svc.SelectionNotetype(context.Background(), m, ids)
		choices := b.svc.NotetypeChoices()
		// every proposal is worked out now (note types are few), so picking another type in
		// the dialog needs no further trip to the service
		changes := make([]app.NotetypeChange, len(choices))
		for i, c := range choices {
			if err != nil {
				break
			}
			changes[i], err = b.svc.NotetypeChangeInfo(mid, c.ID)
		}
		return func() {
			if err != nil {
				dialog.ShowError(fmt.Errorf("change note type: %w", err), b.win)
				return
			}
			b.opsDialog = b.showChangeNotetype(mid, choices, changes)
		}
	})
}

func (b *Browser) showChangeNotetype(oldID int64, choices []app.Choice, changes []app.NotetypeChange) *ChangeNotetypeDialog {
	d := &ChangeNotetypeDialog{b: b, Losses: widget.NewLabel(""), mapping: container.NewVBox()}
	d.Losses.Wrapping = fyne.TextWrapWord
	names := make([]string, len(choices))
	current := 0
	for i, c := range choices {
		names[i] = c.Name
		if c.ID == oldID {
			current = i
		}
	}
	d.NewType = widget.NewSelect(names, nil)
	d.NewType.SetSelectedIndex(current)
	d.setChange(changes[current])
	d.NewType.OnChanged = func(string) {
		if i := d.NewType.SelectedIndex(); i >= 0 {
			d.setChange(changes[i])
		}
	}
	warn := widget.NewLabel("Changing the note type requires a full sync: the next sync will upload or " +
		"download the whole collection, and changes made on other devices that have not been synced " +
		"here yet will be lost.")
	warn.Wrapping = fyne.TextWrapWord
	warn.Importance = widget.WarningImportance
	top := container.NewVBox(
		widget.NewForm(widget.NewFormItem("Current", widget.NewLabel(changes[current].OldName)), widget.NewFormItem("New", d.NewType)),
		widget.NewSeparator())
	bottom := container.NewVBox(widget.NewSeparator(), d.Losses, warn)
	content := container.NewBorder(top, bottom, nil, nil, container.NewVScroll(d.mapping))
	d.dlg = dialog.NewCustomConfirm("Change Note Type", "Change", "Cancel", content, func(ok bool) {
		if ok {
			d.submit()
		}
	}, b.win)
	d.dlg.Resize(fyne.NewSize(560, 600))
	d.dlg.Show()
	return d
}

// setChange rebuilds the field and card type rows for a proposed mapping.
func (d *ChangeNotetypeDialog) setChange(ch app.NotetypeChange) {
	d.change = ch
	rows := func(newNames, oldNames []string, proposed []int) (*widget.Form, []*widget.Select) {
		opts := append([]string{nothingChoice}, oldNames...)
		form := widget.NewForm()
		var sels []*widget.Select
		for i, name := range newNames {
			sel := widget.NewSelect(opts, nil)
			sel.SetSelectedIndex(proposed[i] + 1)
			sel.OnChanged = func(string) { d.showLosses() }
			form.Append(name, sel)
			sels = append(sels, sel)
		}
		return form, sels
	}
	fields, fsels := rows(ch.NewFields, ch.OldFields, ch.FieldMap)
	d.FieldSelects = fsels
	objs := []fyne.CanvasObject{bold("Fields"), fields}
	if ch.TemplateMap != nil {
		tmpls, tsels := rows(ch.NewTemplates, ch.OldTemplates, ch.TemplateMap)
		d.TemplateSelects = tsels
		objs = append(objs, bold("Templates"), tmpls)
	} else {
		d.TemplateSelects = nil
		note := widget.NewLabel("When changing to or from a Cloze note type, card numbers remain unchanged. " +
			"If changing to a regular note type, and there are more cloze deletions than available card " +
			"templates, any extra cards will be removed.")
		note.Wrapping = fyne.TextWrapWord
		objs = append(objs, bold("Templates"), note)
	}
	d.mapping.Objects = objs
	d.mapping.Refresh()
	d.showLosses()
}

func bold(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

// Maps reads the mapping from the selects: old ordinals, -1 for (Nothing). templates is nil
// when a cloze type is involved.
func (d *ChangeNotetypeDialog) Maps() (fields, templates []int) {
	read := func(sels []*widget.Select) []int {
		out := make([]int, len(sels))
		for i, s := range sels {
			out[i] = s.SelectedIndex() - 1 // (Nothing) is index 0; none selected is -1 too
			if out[i] < -1 {
				out[i] = -1
			}
		}
		return out
	}
	fields = read(d.FieldSelects)
	if d.change.TemplateMap != nil {
		templates = read(d.TemplateSelects)
	}
	return fields, templates
}

func (d *ChangeNotetypeDialog) showLosses() {
	fm, tm := d.Maps()
	fields, cards := d.change.Losses(fm, tm)
	var lines []string
	if len(fields) > 0 {
		lines = append(lines, "Will discard content on the following fields: "+strings.Join(fields, ", "))
	}
	if len(cards) > 0 {
		lines = append(lines, "Will remove the following cards: "+strings.Join(cards, ", "))
	}
	d.Losses.SetText(strings.Join(lines, "\n"))
}

// Submit changes the note type with the dialog's mapping and closes it.
func (d *ChangeNotetypeDialog) Submit() {
	d.dlg.Hide()
	d.submit()
}

func (d *ChangeNotetypeDialog) submit() {
	fm, tm := d.Maps()
	d.b.ChangeNotetype(d.change.NewID, fm, tm)
}

// ChangeNotetype moves the selected notes to note type newID (see app.NotetypeChange for the
// maps).
func (b *Browser) ChangeNotetype(newID int64, fieldMap, templateMap []int) {
	b.bulk("Change note type", func(ctx context.Context, m app.Mode, ids []int64) (string, error) {
		err := b.svc.ChangeNotetype(ctx, m, ids, newID, fieldMap, templateMap)
		return "Note type changed.", err
	})
}

// LastFindReplace, LastReposition and LastChangeNotetype return the dialog opened last, if
// it is of that kind (tests).
func (b *Browser) LastFindReplace() *FindReplaceDialog {
	d, _ := b.opsDialog.(*FindReplaceDialog)
	return d
}

// LastReposition: see LastFindReplace.
func (b *Browser) LastReposition() *RepositionDialog {
	d, _ := b.opsDialog.(*RepositionDialog)
	return d
}

// LastChangeNotetype: see LastFindReplace.
func (b *Browser) LastChangeNotetype() *ChangeNotetypeDialog {
	d, _ := b.opsDialog.(*ChangeNotetypeDialog)
	return d
}
