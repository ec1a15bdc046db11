package views

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"log/slog"
	"os"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/search"
)

// Browser is the card/note table: a search entry (Anki syntax, errors shown under it), a
// Cards/Notes switch, a virtualised table whose rows load a page at a time in the
// background, click-to-sort headers, multi-select and bulk actions.
type Browser struct {
	Content fyne.CanvasObject
	Table   *widget.Table
	Search  *widget.Entry

	svc   *app.Service
	run   *runner
	win   fyne.Window
	prefs fyne.Preferences

	mode     app.Mode
	sortCol  app.Column
	desc     bool
	cols     []app.ColumnInfo
	pager    *app.Pager
	sel      app.Selection
	seq      int
	query    string
	modeSel  *widget.RadioGroup
	errText  *canvas.Text
	errBox   *fyne.Container
	count    *widget.Label
	actions  *fyne.Container
	lastTook time.Duration
	// opsDialog is the last Find and Replace, Reposition or Change Note Type dialog (browser_ops.go).
	opsDialog any

	// OnSelection is called with the selection after it changes.
	OnSelection func(mode app.Mode, ids []int64)
	// OnStatus shows a short message.
	OnStatus func(string)
}

func newBrowser(svc *app.Service, run *runner, win fyne.Window, prefs fyne.Preferences) *Browser {
	b := &Browser{svc: svc, run: run, win: win, prefs: prefs, sortCol: app.ColSortField}
	if prefs != nil {
		b.mode = app.Mode(prefs.IntWithFallback("browser.mode", 0))
		b.sortCol = app.Column(prefs.IntWithFallback("browser.sort", int(app.ColSortField)))
		b.desc = prefs.Bool("browser.desc")
	}
	b.cols = app.Columns(b.mode)
	b.Search = widget.NewEntry()
	b.Search.SetPlaceHolder("Search, e.g. deck:French is:due")
	b.Search.OnSubmitted = func(q string) { b.RunSearch(q) }
	b.modeSel = widget.NewRadioGroup([]string{"Cards", "Notes"}, func(s string) {
		m := app.CardsMode
		if s == "Notes" {
			m = app.NotesMode
		}
		if m != b.mode {
			b.SetMode(m)
		}
	})
	b.modeSel.Horizontal = true
	b.modeSel.Required = true
	b.modeSel.SetSelected(b.mode.String())
	b.errText = canvas.NewText("", theme.Color(theme.ColorNameError))
	b.errText.TextSize = theme.CaptionTextSize()
	b.errBox = container.NewVBox()
	b.count = widget.NewLabel("")

	b.Table = widget.NewTableWithHeaders(b.length, b.createCell, b.updateCell)
	b.Table.ShowHeaderColumn = false
	b.Table.CreateHeader = func() fyne.CanvasObject {
		btn := widget.NewButton("", nil)
		btn.Importance = widget.LowImportance
		btn.Alignment = widget.ButtonAlignLeading
		btn.IconPlacement = widget.ButtonIconTrailingText
		return btn
	}
	b.Table.UpdateHeader = b.updateHeader
	b.setColumnWidths()

	bar := container.NewBorder(nil, nil, nil, container.NewHBox(b.modeSel, b.count), b.Search)
	// wrapped, not scrolled, so that every action stays in sight in a narrow pane
	b.actions = container.New(layout.NewRowWrapLayout(),
		widget.NewButtonWithIcon("Change Deck…", theme.FolderIcon(), b.PromptChangeDeck),
		widget.NewButtonWithIcon("Add Tags…", theme.ContentAddIcon(), func() { b.promptTags(true) }),
		widget.NewButtonWithIcon("Remove Tags…", theme.ContentRemoveIcon(), func() { b.promptTags(false) }),
		widget.NewButtonWithIcon("Toggle Suspend", theme.MediaPauseIcon(), b.ToggleSuspend),
		widget.NewButtonWithIcon("Flag", theme.MailAttachmentIcon(), b.showFlagMenu),
		widget.NewButtonWithIcon("Delete", theme.DeleteIcon(), b.ConfirmDelete),
	)
	b.updateActions()
	b.Content = container.NewBorder(container.NewVBox(bar, b.errBox), b.actions, nil, nil, b.Table)
	return b
}

func (b *Browser) setColumnWidths() {
	for i, c := range b.cols {
		b.Table.SetColumnWidth(i, c.Width)
	}
}

func (b *Browser) length() (int, int) { return b.pager.Len(), len(b.cols) }

// Mode is the current mode.
func (b *Browser) Mode() app.Mode { return b.mode }

// Query is the search last run.
func (b *Browser) Query() string { return b.query }

// LastSearchTook is how long the last search took to show its first page.
func (b *Browser) LastSearchTook() time.Duration { return b.lastTook }

// SetMode switches between cards and notes and searches again.
func (b *Browser) SetMode(m app.Mode) {
	b.mode = m
	b.cols = app.Columns(m)
	b.sel.Clear()
	if b.prefs != nil {
		b.prefs.SetInt("browser.mode", int(m))
	}
	b.modeSel.SetSelected(m.String())
	b.setColumnWidths()
	b.RunSearch(b.query)
}

// SortBy sorts by a column: a new column starts in its natural direction (text ascending,
// dates and numbers descending, as Anki), the same column again reverses.
func (b *Browser) SortBy(c app.Column) {
	info, ok := b.column(c)
	if !ok {
		return
	}
	if c == b.sortCol {
		b.desc = !b.desc
	} else {
		b.sortCol, b.desc = c, info.DescFirst
	}
	if b.prefs != nil {
		b.prefs.SetInt("browser.sort", int(b.sortCol))
		b.prefs.SetBool("browser.desc", b.desc)
	}
	b.RunSearch(b.query)
}

func (b *Browser) column(c app.Column) (app.ColumnInfo, bool) {
	for _, info := range b.cols {
		if info.Col == c {
			return info, true
		}
	}
	return app.ColumnInfo{}, false
}

func (b *Browser) order() collection.Order {
	info, ok := b.column(b.sortCol)
	if !ok {
		return collection.Order{Column: collection.SortSortField}
	}
	return collection.Order{Column: info.Sort, Desc: b.desc}
}

// SetQuery puts a search in the entry and runs it (deck selection, "Show Duplicates").
func (b *Browser) SetQuery(q string) {
	b.Search.SetText(q)
	b.RunSearch(q)
}

// RunSearch searches in the background; results older than the latest search are dropped.
func (b *Browser) RunSearch(q string) {
	b.query = q
	b.seq++
	seq := b.seq
	mode, order := b.mode, b.order()
	start := time.Now()
	b.run.Go(func() func() {
		ctx := context.Background()
		began := time.Now()
		ids, err := b.svc.Search(ctx, mode, q, order)
		searched := time.Since(began)
		var pager *app.Pager
		if err == nil {
			pager = b.svc.NewPager(mode, ids)
			if pager.Len() > 0 {
				pager.Row(0) // mark page 0 as loading so the table does not start it twice
				err = pager.LoadPage(ctx, 0)
			}
		}
		loaded := time.Since(began)
		return func() {
			if seq != b.seq {
				return // a newer search is on its way
			}
			b.lastTook = time.Since(start)
			if os.Getenv("DECKHAND_TIMING") != "" {
				// queued: from the request to the work starting; search and rows: the work
				slog.Info("browser search", "query", q, "mode", mode.String(), "rows", pager.Len(), "first_page", b.lastTook,
					"queued", began.Sub(start), "search", searched, "rows_loaded", loaded-searched)
			}
			if err != nil {
				b.showError(err)
				return
			}
			b.showError(nil)
			b.svc.WarmSearch() // after the first page: it would otherwise wait for the build
			b.pager = pager
			b.sel.Keep(pager.IDs())
			what := strings.ToLower(mode.String())
			if pager.Len() == 1 {
				what = strings.TrimSuffix(what, "s")
			}
			b.count.SetText(fmt.Sprintf("%d %s", pager.Len(), what))
			b.Table.Refresh()
			b.Table.ScrollToTop()
			b.updateActions()
			b.notifySelection()
		}
	})
}

// ErrorText is the search error shown under the entry ("" when none).
func (b *Browser) ErrorText() string { return b.errText.Text }

func (b *Browser) showError(err error) {
	if err == nil {
		b.errText.Text = ""
		b.errBox.RemoveAll()
		return
	}
	var se *search.Error
	msg := err.Error()
	if errors.As(err, &se) {
		// Anki's wording; the offset helps with long queries
		msg = "Invalid search: " + strings.ReplaceAll(se.Msg, "`", "") + fmt.Sprintf(" (at character %d)", se.Pos+1)
	}
	b.errText.Text = msg
	b.errText.Color = theme.Color(theme.ColorNameError)
	lbl := widget.NewLabel(msg)
	lbl.Importance = widget.DangerImportance
	lbl.Wrapping = fyne.TextWrapWord
	b.errBox.Objects = []fyne.CanvasObject{lbl}
	b.errBox.Refresh()
}

// Rows returns the ids shown, in order.
func (b *Browser) Rows() []int64 { return b.pager.IDs() }

// CellText returns a loaded cell's text (tests); ok is false when its page is not loaded.
func (b *Browser) CellText(row int, c app.Column) (string, bool) {
	r, ok, _ := b.pager.Row(row)
	if !ok {
		return "", false
	}
	return r.Cell(c), true
}

// LoadAll loads every page (tests on small collections).
func (b *Browser) LoadAll() error {
	for p := 0; p*app.PageSize < b.pager.Len(); p++ {
		if err := b.pager.LoadPage(context.Background(), p); err != nil {
			return err
		}
	}
	return nil
}

func (b *Browser) updateHeader(id widget.TableCellID, o fyne.CanvasObject) {
	btn := o.(*widget.Button)
	if id.Col < 0 || id.Col >= len(b.cols) {
		btn.SetText("")
		return
	}
	info := b.cols[id.Col]
	// an icon, not "▲"/"▼": the bundled font has no such glyphs
	btn.Icon = nil
	if info.Col == b.sortCol {
		btn.Icon = theme.MenuDropUpIcon()
		if b.desc {
			btn.Icon = theme.MenuDropDownIcon()
		}
	}
	btn.SetText(info.Title)
	btn.OnTapped = func() { b.SortBy(info.Col) }
}

func (b *Browser) createCell() fyne.CanvasObject { return newBrowserCell(b) }

func (b *Browser) updateCell(id widget.TableCellID, o fyne.CanvasObject) {
	cell := o.(*browserCell)
	cell.row = id.Row
	r, ok, needLoad := b.pager.Row(id.Row)
	if needLoad {
		b.loadPage(id.Row / app.PageSize)
	}
	if !ok || id.Col >= len(b.cols) {
		cell.set("", "", false)
		return
	}
	var bg fyne.ThemeColorName
	switch {
	case r.Flag > 0:
		bg = FlagColorName(r.Flag)
	case r.Suspended:
		bg = ColorNameSuspended
	case r.Marked:
		bg = ColorNameMarked
	}
	cell.set(r.Cell(b.cols[id.Col].Col), bg, b.sel.Has(r.ID))
}

func (b *Browser) loadPage(page int) {
	pager := b.pager
	b.run.Go(func() func() {
		err := pager.LoadPage(context.Background(), page)
		return func() {
			if err != nil {
				b.status("Could not load rows: " + err.Error())
				return
			}
			if pager == b.pager {
				b.Table.Refresh()
			}
		}
	})
}

func (b *Browser) status(s string) {
	if b.OnStatus != nil {
		b.OnStatus(s)
	}
}

// Click applies a click on a row (kind from the modifier keys).
func (b *Browser) Click(row int, kind app.ClickKind) {
	b.sel.Click(b.pager.IDs(), row, kind)
	b.Table.Refresh()
	b.updateActions()
	b.notifySelection()
}

// SelectAll selects every row.
func (b *Browser) SelectAll() {
	b.sel.SelectAll(b.pager.IDs())
	b.Table.Refresh()
	b.updateActions()
	b.notifySelection()
}

// Selected returns the selected ids in table order.
func (b *Browser) Selected() []int64 { return b.sel.IDs(b.pager.IDs()) }

func (b *Browser) notifySelection() {
	if b.OnSelection != nil {
		b.OnSelection(b.mode, b.Selected())
	}
}

func (b *Browser) updateActions() {
	for _, o := range b.actions.Objects {
		if btn, ok := o.(*widget.Button); ok {
			if b.sel.Len() == 0 {
				btn.Disable()
			} else {
				btn.Enable()
			}
		}
	}
}

// Refresh reloads the current search (after edits elsewhere), keeping the selection.
func (b *Browser) Refresh() { b.RunSearch(b.query) }

// RefreshRows reloads the visible rows without searching again (after an edit).
func (b *Browser) RefreshRows() {
	b.pager.Invalidate()
	b.Table.Refresh()
}

// bulk runs an action on the selection, then searches again.
func (b *Browser) bulk(what string, fn func(ctx context.Context, m app.Mode, ids []int64) (string, error)) {
	ids := b.Selected()
	if len(ids) == 0 {
		return
	}
	m := b.mode
	b.run.Go(func() func() {
		msg, err := fn(context.Background(), m, ids)
		return func() {
			if err != nil {
				dialog.ShowError(fmt.Errorf("%s: %w", what, err), b.win)
			} else if msg != "" {
				b.status(msg)
			}
			b.Refresh()
		}
	})
}

// PromptChangeDeck asks for a deck and moves the selected cards there.
func (b *Browser) PromptChangeDeck() {
	if b.sel.Len() == 0 {
		return
	}
	decks := b.svc.DeckChoices(true)
	names := make([]string, len(decks))
	for i, d := range decks {
		names[i] = d.Name
	}
	sel := widget.NewSelectEntry(names)
	sel.SetPlaceHolder("Deck (a new name creates it)")
	dlg := dialog.NewForm("Change Deck", "Move Cards", "Cancel", []*widget.FormItem{widget.NewFormItem("Deck", sel)}, func(ok bool) {
		if !ok || strings.TrimSpace(sel.Text) == "" {
			return
		}
		name := sel.Text
		b.ChangeDeck(name)
	}, b.win)
	dlg.Resize(fyne.NewSize(440, 170))
	dlg.Show()
}

// ChangeDeck moves the selected cards to the deck called name (created if missing).
func (b *Browser) ChangeDeck(name string) {
	b.bulk("Change deck", func(ctx context.Context, m app.Mode, ids []int64) (string, error) {
		did, err := b.svc.AddDeck(ctx, name)
		if err != nil && !strings.Contains(err.Error(), "already exists") {
			return "", err
		}
		if err != nil {
			for _, d := range b.svc.DeckChoices(false) {
				if strings.EqualFold(d.Name, collection.NormalizeDeckName(name)) {
					did = d.ID
				}
			}
		}
		return fmt.Sprintf("Moved to %s.", name), b.svc.SetDeck(ctx, m, ids, did)
	})
}

func (b *Browser) promptTags(add bool) {
	if b.sel.Len() == 0 {
		return
	}
	e := widget.NewEntry()
	e.SetPlaceHolder("tags separated by spaces")
	title, verb := "Add Tags", "Add"
	if !add {
		title, verb = "Remove Tags", "Remove"
	}
	dlg := dialog.NewForm(title, verb, "Cancel", []*widget.FormItem{widget.NewFormItem("Tags", e)}, func(ok bool) {
		if ok && strings.TrimSpace(e.Text) != "" {
			b.EditTags(add, e.Text)
		}
	}, b.win)
	dlg.Resize(fyne.NewSize(420, 160))
	dlg.Show()
}

// EditTags adds or removes tags on the selected notes.
func (b *Browser) EditTags(add bool, tags string) {
	b.bulk("Edit tags", func(ctx context.Context, m app.Mode, ids []int64) (string, error) {
		var n int
		var err error
		if add {
			n, err = b.svc.AddTags(ctx, m, ids, tags)
		} else {
			n, err = b.svc.RemoveTags(ctx, m, ids, tags)
		}
		return fmt.Sprintf("%d notes updated.", n), err
	})
}

// ToggleSuspend suspends the selected cards, or restores them when all are suspended.
func (b *Browser) ToggleSuspend() {
	b.bulk("Suspend", func(ctx context.Context, m app.Mode, ids []int64) (string, error) {
		did, err := b.svc.ToggleSuspend(ctx, m, ids)
		if did {
			return "Suspended.", err
		}
		return "Unsuspended.", err
	})
}

// ToggleFlag sets (or clears) a flag on the selected cards.
func (b *Browser) ToggleFlag(flag int) {
	b.bulk("Flag", func(ctx context.Context, m app.Mode, ids []int64) (string, error) {
		_, err := b.svc.ToggleFlag(ctx, m, ids, flag)
		return "", err
	})
}

// FlagNames are Anki's flag names, 1-7.
var FlagNames = []string{"Red", "Orange", "Green", "Blue", "Pink", "Turquoise", "Purple"}

func (b *Browser) flagMenu() *fyne.Menu {
	var items []*fyne.MenuItem
	for i, n := range FlagNames {
		flag := i + 1
		items = append(items, fyne.NewMenuItem(fmt.Sprintf("%s (Ctrl+%d)", n, flag), func() { b.ToggleFlag(flag) }))
	}
	items = append(items, fyne.NewMenuItem("Clear Flag", func() { b.ToggleFlag(0) }))
	return fyne.NewMenu("Flag", items...)
}

func (b *Browser) showFlagMenu() {
	c := b.win.Canvas()
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b.actions)
	widget.ShowPopUpMenuAtPosition(b.flagMenu(), c, pos.Add(fyne.NewPos(300, -260)))
}

// ConfirmDelete asks before deleting the selected notes.
func (b *Browser) ConfirmDelete() {
	n := b.sel.Len()
	if n == 0 {
		return
	}
	what := "notes"
	if b.mode == app.CardsMode {
		what = "cards' notes (with all their cards)"
	}
	dialog.ShowConfirm("Delete", fmt.Sprintf("Delete the %d selected %s?", n, what), func(ok bool) {
		if ok {
			b.Delete()
		}
	}, b.win)
}

// Delete deletes the selected notes without asking.
func (b *Browser) Delete() {
	b.bulk("Delete", func(ctx context.Context, m app.Mode, ids []int64) (string, error) {
		n, err := b.svc.DeleteNotes(ctx, m, ids)
		return fmt.Sprintf("%d notes deleted.", n), err
	})
}

func (b *Browser) contextMenu() *fyne.Menu {
	return fyne.NewMenu("",
		fyne.NewMenuItem("Change Deck…", b.PromptChangeDeck),
		fyne.NewMenuItem("Add Tags…", func() { b.promptTags(true) }),
		fyne.NewMenuItem("Remove Tags…", func() { b.promptTags(false) }),
		fyne.NewMenuItem("Toggle Suspend", b.ToggleSuspend),
		&fyne.MenuItem{Label: "Flag", ChildMenu: b.flagMenu()},
		fyne.NewMenuItem("Reposition…", b.PromptReposition),
		fyne.NewMenuItem("Find and Replace…", b.PromptFindReplace),
		fyne.NewMenuItem("Change Note Type…", b.PromptChangeNotetype),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Delete…", b.ConfirmDelete),
	)
}

// browserCell is a table cell that selects its row on click (Ctrl toggles, Shift extends)
// and opens the bulk-action menu on right click.
type browserCell struct {
	widget.BaseWidget
	b     *Browser
	row   int
	bg    *canvas.Rectangle
	sel   *canvas.Rectangle
	label *widget.Label
	mods  fyne.KeyModifier
}

func newBrowserCell(b *Browser) *browserCell {
	c := &browserCell{b: b, bg: canvas.NewRectangle(color.Transparent), sel: canvas.NewRectangle(color.Transparent),
		label: widget.NewLabel("")}
	c.label.Truncation = fyne.TextTruncateEllipsis
	c.ExtendBaseWidget(c)
	return c
}

func (c *browserCell) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(c.bg, c.sel, c.label))
}

func (c *browserCell) set(text string, bg fyne.ThemeColorName, selected bool) {
	c.label.SetText(text)
	if bg != "" {
		c.bg.FillColor = theme.Color(bg)
	} else {
		c.bg.FillColor = color.Transparent
	}
	if selected {
		c.sel.FillColor = theme.Color(theme.ColorNameSelection)
	} else {
		c.sel.FillColor = color.Transparent
	}
	c.bg.Refresh()
	c.sel.Refresh()
}

// MouseDown records the modifiers for the tap that follows.
func (c *browserCell) MouseDown(e *desktop.MouseEvent) { c.mods = e.Modifier }

// MouseUp is needed for desktop.Mouseable.
func (c *browserCell) MouseUp(*desktop.MouseEvent) {}

// Tapped selects the row.
func (c *browserCell) Tapped(*fyne.PointEvent) {
	kind := app.ClickPlain
	switch {
	case c.mods&fyne.KeyModifierShift != 0:
		kind = app.ClickRange
	case c.mods&(fyne.KeyModifierControl|fyne.KeyModifierSuper) != 0:
		kind = app.ClickToggle
	}
	c.mods = 0
	c.b.Click(c.row, kind)
}

// TappedSecondary opens the bulk-action menu, selecting the row first if it is not selected.
func (c *browserCell) TappedSecondary(e *fyne.PointEvent) {
	if id, ok := c.b.pager.ID(c.row); ok && !c.b.sel.Has(id) {
		c.b.Click(c.row, app.ClickPlain)
	}
	widget.ShowPopUpMenuAtPosition(c.b.contextMenu(), c.b.win.Canvas(), e.AbsolutePosition)
}
