package views

import (
	"context"
	"fmt"
	"image/color"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/collection"
)

// DeckTree is the deck list: nested decks with New / Learn / Due counts in Anki's colours,
// a context menu (Add Subdeck, Rename, Move to…, Delete), drag a deck onto another to nest
// it (onto empty space to un-nest), and remembered collapse state.
type DeckTree struct {
	Content fyne.CanvasObject
	Tree    *widget.Tree

	svc   *app.Service
	run   *runner
	win   fyne.Window
	prefs fyne.Preferences

	nodes    map[string]*collection.DeckNode
	kids     map[string][]string
	rows     map[*deckRow]bool // live row widgets, to find drop targets
	selected int64
	loaded   bool

	// OnSelect is called when a deck is selected (with its full name).
	OnSelect func(id int64, name string)
	// OnStudy is called to study a deck (Study Now, double click, the deck menu).
	OnStudy func(id int64)
	// OnChanged is called after decks changed (the browser reloads).
	OnChanged func()
	// OnError shows an error.
	OnError func(error)
}

func newDeckTree(svc *app.Service, run *runner, win fyne.Window, prefs fyne.Preferences) *DeckTree {
	d := &DeckTree{svc: svc, run: run, win: win, prefs: prefs, nodes: map[string]*collection.DeckNode{},
		kids: map[string][]string{}, rows: map[*deckRow]bool{}}
	d.Tree = widget.NewTree(d.childUIDs, d.isBranch, d.createNode, d.updateNode)
	d.Tree.OnSelected = func(uid string) {
		n := d.nodes[uid]
		if n == nil {
			return
		}
		d.selected = n.ID
		if d.OnSelect != nil {
			d.OnSelect(n.ID, n.Name)
		}
	}
	d.Tree.OnBranchOpened = func(uid string) { d.saveExpanded(uid, true) }
	d.Tree.OnBranchClosed = func(uid string) { d.saveExpanded(uid, false) }
	header := container.NewBorder(nil, nil, widget.NewLabelWithStyle("Deck", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		countsHeader())
	add := widget.NewButtonWithIcon("Create Deck", theme.ContentAddIcon(), func() { d.promptAdd("") })
	study := widget.NewButtonWithIcon("Study Now (S)", theme.MediaPlayIcon(), func() { d.study(d.selected) })
	study.Importance = widget.HighImportance
	d.Content = container.NewBorder(header, container.NewHBox(study, add, layout.NewSpacer()), nil, nil, &dropArea{tree: d, content: d.Tree})
	return d
}

const countWidth = 44

func countsHeader() fyne.CanvasObject {
	mk := func(s string) fyne.CanvasObject {
		t := canvas.NewText(s, theme.Color(theme.ColorNameForeground))
		t.TextStyle.Bold = true
		t.Alignment = fyne.TextAlignTrailing
		return container.NewGridWrap(fyne.NewSize(countWidth, t.MinSize().Height), t)
	}
	// the spacer matches the rows' gear button
	gear := widget.NewButtonWithIcon("", theme.SettingsIcon(), nil)
	return container.NewHBox(mk("New"), mk("Learn"), mk("Due"), container.NewGridWrap(gear.MinSize()))
}

func (d *DeckTree) childUIDs(uid string) []string { return d.kids[uid] }

func (d *DeckTree) isBranch(uid string) bool { return uid == "" || len(d.kids[uid]) > 0 }

func (d *DeckTree) createNode(bool) fyne.CanvasObject {
	r := newDeckRow(d)
	d.rows[r] = true
	return r
}

func (d *DeckTree) updateNode(uid string, _ bool, o fyne.CanvasObject) {
	if r, ok := o.(*deckRow); ok {
		r.set(uid, d.nodes[uid])
	}
}

func uidOf(id int64) string { return strconv.FormatInt(id, 10) }

// Refresh reloads the tree (in the background).
func (d *DeckTree) Refresh() {
	d.run.Go(func() func() {
		tree, err := d.svc.DeckTree(context.Background())
		return func() {
			if err != nil {
				d.showErr(fmt.Errorf("read decks: %w", err))
				return
			}
			d.setTree(tree)
		}
	})
}

func (d *DeckTree) showErr(err error) {
	if d.OnError != nil {
		d.OnError(err)
	} else if d.win != nil {
		dialog.ShowError(err, d.win)
	}
}

func (d *DeckTree) prefKey() string { return "expanded:" + d.svc.Path() }

// expanded returns the remembered state: uid → open. Decks missing from it use Anki's own
// collapsed flag.
func (d *DeckTree) expanded() map[string]bool {
	out := map[string]bool{}
	if d.prefs == nil {
		return out
	}
	for _, s := range d.prefs.StringList(d.prefKey()) {
		if id, open, ok := strings.Cut(s, "="); ok {
			out[id] = open == "1"
		}
	}
	return out
}

func (d *DeckTree) saveExpanded(uid string, open bool) {
	if d.prefs == nil || !d.loaded {
		return
	}
	m := d.expanded()
	m[uid] = open
	list := make([]string, 0, len(m))
	for k, v := range m {
		if _, exists := d.nodes[k]; !exists {
			continue // forget deleted decks
		}
		s := k + "=0"
		if v {
			s = k + "=1"
		}
		list = append(list, s)
	}
	d.prefs.SetStringList(d.prefKey(), list)
}

func (d *DeckTree) setTree(roots []*collection.DeckNode) {
	d.loaded = false
	d.nodes = map[string]*collection.DeckNode{}
	d.kids = map[string][]string{}
	var add func(parent string, nodes []*collection.DeckNode)
	add = func(parent string, nodes []*collection.DeckNode) {
		for _, n := range nodes {
			uid := uidOf(n.ID)
			d.nodes[uid] = n
			d.kids[parent] = append(d.kids[parent], uid)
			add(uid, n.Children)
		}
	}
	add("", roots)
	remembered := d.expanded()
	for uid, n := range d.nodes {
		if len(d.kids[uid]) == 0 {
			continue
		}
		open, ok := remembered[uid]
		if !ok {
			open = !n.Collapsed
		}
		if open {
			d.Tree.OpenBranch(uid)
		} else {
			d.Tree.CloseBranch(uid)
		}
	}
	d.Tree.Refresh()
	if _, ok := d.nodes[uidOf(d.selected)]; !ok {
		d.selected = 0
		d.Tree.UnselectAll()
	}
	d.loaded = true
}

// Labels lists the rows as "name new/learn/due", indented by depth, all branches included
// (for tests and the smoke run).
func (d *DeckTree) Labels() []string {
	var out []string
	var walk func(uid string, depth int)
	walk = func(uid string, depth int) {
		for _, k := range d.kids[uid] {
			n := d.nodes[k]
			label := n.Basename
			if n.Filtered {
				label += " (filtered)"
			}
			out = append(out, fmt.Sprintf("%s%s %d/%d/%d", strings.Repeat("  ", depth), label, n.New, n.Learn, n.Review))
			walk(k, depth+1)
		}
	}
	walk("", 0)
	return out
}

// IDByName finds a deck id by full name (tests).
func (d *DeckTree) IDByName(name string) (int64, bool) {
	for _, n := range d.nodes {
		if n.Name == name {
			return n.ID, true
		}
	}
	return 0, false
}

// Select selects a deck as if clicked.
func (d *DeckTree) Select(id int64) { d.Tree.Select(uidOf(id)) }

// mutate runs a deck change in the background, then refreshes.
func (d *DeckTree) mutate(fn func(ctx context.Context) error) {
	d.run.Go(func() func() {
		err := fn(context.Background())
		return func() {
			if err != nil {
				d.showErr(err)
			}
			d.Refresh()
			if d.OnChanged != nil {
				d.OnChanged()
			}
		}
	})
}

// AddDeck creates a deck (the dialog's action).
func (d *DeckTree) AddDeck(name string) {
	d.mutate(func(ctx context.Context) error { _, err := d.svc.AddDeck(ctx, name); return err })
}

// RenameDeck renames a deck to a new full name.
func (d *DeckTree) RenameDeck(id int64, name string) {
	d.mutate(func(ctx context.Context) error { return d.svc.RenameDeck(ctx, id, name) })
}

// Drop moves deck id under target (0: top level), as a drag and drop does.
func (d *DeckTree) Drop(id, target int64) {
	ok, err := d.svc.CanMoveDeck(id, target)
	if err != nil {
		d.showErr(err)
		return
	}
	if !ok {
		return
	}
	d.mutate(func(ctx context.Context) error { return d.svc.MoveDeck(ctx, id, target) })
}

// DeleteDeck removes a deck; moveTo 0 deletes its cards.
func (d *DeckTree) DeleteDeck(id, moveTo int64) {
	d.mutate(func(ctx context.Context) error { _, err := d.svc.RemoveDeck(ctx, id, moveTo); return err })
}

func (d *DeckTree) promptAdd(parent string) {
	e := widget.NewEntry()
	if parent != "" {
		e.SetText(parent + "::")
	}
	e.SetPlaceHolder("Deck name (use :: to nest)")
	dlg := dialog.NewForm("Create Deck", "Create", "Cancel", []*widget.FormItem{widget.NewFormItem("Name", e)},
		func(ok bool) {
			if ok {
				d.AddDeck(e.Text)
			}
		}, d.win)
	dlg.Resize(fyne.NewSize(420, 160))
	dlg.Show()
	d.win.Canvas().Focus(e)
}

func (d *DeckTree) promptRename(n *collection.DeckNode) {
	e := widget.NewEntry()
	e.SetText(n.Name)
	dlg := dialog.NewForm("Rename Deck", "Rename", "Cancel", []*widget.FormItem{widget.NewFormItem("New name", e)},
		func(ok bool) {
			if ok && e.Text != n.Name {
				d.RenameDeck(n.ID, e.Text)
			}
		}, d.win)
	dlg.Resize(fyne.NewSize(420, 160))
	dlg.Show()
}

func (d *DeckTree) promptMove(n *collection.DeckNode) {
	choices := []string{"(top level)"}
	ids := []int64{0}
	for _, c := range d.svc.DeckChoices(true) {
		if ok, _ := d.svc.CanMoveDeck(n.ID, c.ID); ok {
			choices = append(choices, c.Name)
			ids = append(ids, c.ID)
		}
	}
	sel := widget.NewSelect(choices, nil)
	sel.SetSelectedIndex(0)
	dialog.ShowForm("Move "+n.Basename, "Move", "Cancel", []*widget.FormItem{widget.NewFormItem("Move under", sel)},
		func(ok bool) {
			if ok && sel.SelectedIndex() >= 0 {
				d.Drop(n.ID, ids[sel.SelectedIndex()])
			}
		}, d.win)
}

// promptDelete asks, like Anki, what happens to the deck's cards.
func (d *DeckTree) promptDelete(n *collection.DeckNode) {
	d.run.Go(func() func() {
		count, err := d.svc.DeckCardCount(context.Background(), n.ID)
		return func() {
			if err != nil {
				d.showErr(err)
				return
			}
			if count == 0 {
				dialog.ShowConfirm("Delete Deck", fmt.Sprintf("Delete the empty deck %q?", n.Name), func(ok bool) {
					if ok {
						d.DeleteDeck(n.ID, 0)
					}
				}, d.win)
				return
			}
			var targets []string
			var ids []int64
			for _, c := range d.svc.DeckChoices(true) {
				if c.ID != n.ID && !strings.HasPrefix(strings.ToLower(c.Name)+"::", strings.ToLower(n.Name)+"::") {
					targets = append(targets, c.Name)
					ids = append(ids, c.ID)
				}
			}
			target := widget.NewSelect(targets, nil)
			if len(targets) > 0 {
				target.SetSelectedIndex(0)
			}
			target.Disable()
			choice := widget.NewRadioGroup([]string{"Delete the cards", "Move the cards to another deck"}, func(s string) {
				if strings.HasPrefix(s, "Move") {
					target.Enable()
				} else {
					target.Disable()
				}
			})
			choice.SetSelected("Delete the cards")
			msg := widget.NewLabel(fmt.Sprintf("%q and its subdecks hold %d cards.", n.Name, count))
			msg.Wrapping = fyne.TextWrapWord
			dlg := dialog.NewCustomConfirm("Delete Deck", "Delete", "Cancel",
				container.NewVBox(msg, choice, target), func(ok bool) {
					if !ok {
						return
					}
					moveTo := int64(0)
					if strings.HasPrefix(choice.Selected, "Move") {
						if target.SelectedIndex() < 0 {
							return
						}
						moveTo = ids[target.SelectedIndex()]
					}
					d.DeleteDeck(n.ID, moveTo)
				}, d.win)
			dlg.Resize(fyne.NewSize(440, 260))
			dlg.Show()
		}
	})
}

// study asks to study deck id (0: the current deck).
func (d *DeckTree) study(id int64) {
	if d.OnStudy != nil {
		d.OnStudy(id)
	}
}

// Selected is the selected deck (0: none).
func (d *DeckTree) Selected() int64 { return d.selected }

func (d *DeckTree) menuFor(n *collection.DeckNode) *fyne.Menu {
	items := []*fyne.MenuItem{
		fyne.NewMenuItem("Study Now", func() { d.study(n.ID) }),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Add Subdeck…", func() { d.promptAdd(n.Name) }),
		fyne.NewMenuItem("Rename…", func() { d.promptRename(n) }),
		fyne.NewMenuItem("Move to…", func() { d.promptMove(n) }),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Delete…", func() { d.promptDelete(n) }),
	}
	if n.Filtered {
		items[2].Disabled = true
	}
	return fyne.NewMenu("", items...)
}

// rowAt finds the deck row under an absolute position.
func (d *DeckTree) rowAt(pos fyne.Position) (*deckRow, bool) {
	drv := fyne.CurrentApp().Driver()
	for r := range d.rows {
		if r.node == nil || !r.Visible() || drv.CanvasForObject(r) == nil {
			continue
		}
		p := drv.AbsolutePositionForObject(r)
		s := r.Size()
		if pos.X >= p.X && pos.X < p.X+s.Width && pos.Y >= p.Y && pos.Y < p.Y+s.Height {
			return r, true
		}
	}
	return nil, false
}

// dropArea is the tree's background: a deck dropped below the last row goes to the top level.
type dropArea struct {
	widget.BaseWidget
	tree    *DeckTree
	content fyne.CanvasObject
}

func (a *dropArea) CreateRenderer() fyne.WidgetRenderer {
	a.ExtendBaseWidget(a)
	return widget.NewSimpleRenderer(a.content)
}

// deckRow is one deck: name, then the three counts right-aligned.
type deckRow struct {
	widget.BaseWidget
	tree   *DeckTree
	uid    string
	node   *collection.DeckNode
	name   *widget.Label
	counts [3]*canvas.Text
	box    *fyne.Container

	dragging bool
	dragPos  fyne.Position
}

func newDeckRow(t *DeckTree) *deckRow {
	r := &deckRow{tree: t, name: widget.NewLabel("deck")}
	r.name.Truncation = fyne.TextTruncateEllipsis
	var cells []fyne.CanvasObject
	for i := range r.counts {
		r.counts[i] = canvas.NewText("0", theme.Color(ColorNameZeroCount))
		r.counts[i].Alignment = fyne.TextAlignTrailing
		// fixed-width columns so the counts line up under the header
		cells = append(cells, container.NewGridWrap(fyne.NewSize(countWidth, r.name.MinSize().Height),
			container.NewVBox(layout.NewSpacer(), r.counts[i], layout.NewSpacer())))
	}
	gear := widget.NewButtonWithIcon("", theme.SettingsIcon(), func() { r.showMenu(fyne.Position{}) })
	gear.Importance = widget.LowImportance
	r.box = container.NewBorder(nil, nil, nil, container.NewHBox(append(cells, gear)...), r.name)
	r.ExtendBaseWidget(r)
	return r
}

func (r *deckRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.box) }

func countColor(n int, name fyne.ThemeColorName) color.Color {
	if n == 0 {
		return theme.Color(ColorNameZeroCount)
	}
	return theme.Color(name)
}

func (r *deckRow) set(uid string, n *collection.DeckNode) {
	r.uid, r.node = uid, n
	if n == nil {
		return
	}
	label := n.Basename
	if n.Filtered {
		label += " (filtered)"
	}
	r.name.SetText(label)
	r.name.TextStyle.Italic = n.Filtered
	vals := [3]int{n.New, n.Learn, n.Review}
	colors := [3]fyne.ThemeColorName{ColorNameNewCount, ColorNameLearnCount, ColorNameDueCount}
	for i, t := range r.counts {
		t.Text = strconv.Itoa(vals[i])
		t.Color = countColor(vals[i], colors[i])
		t.Refresh()
	}
}

func (r *deckRow) showMenu(at fyne.Position) {
	if r.node == nil {
		return
	}
	c := fyne.CurrentApp().Driver().CanvasForObject(r)
	if c == nil {
		return
	}
	if at == (fyne.Position{}) {
		at = fyne.CurrentApp().Driver().AbsolutePositionForObject(r).Add(fyne.NewPos(r.Size().Width-140, r.Size().Height))
	}
	widget.ShowPopUpMenuAtPosition(r.tree.menuFor(r.node), c, at)
}

// Tapped selects the deck (the row takes the click because it also handles right clicks).
func (r *deckRow) Tapped(*fyne.PointEvent) {
	if r.uid != "" {
		r.tree.Tree.Select(r.uid)
	}
}

// DoubleTapped studies the deck, as in Anki's deck list.
func (r *deckRow) DoubleTapped(*fyne.PointEvent) {
	if r.node != nil {
		r.tree.Tree.Select(r.uid)
		r.tree.study(r.node.ID)
	}
}

// TappedSecondary opens the deck's menu (right click).
func (r *deckRow) TappedSecondary(e *fyne.PointEvent) { r.showMenu(e.AbsolutePosition) }

// Dragged follows a deck being dragged onto another.
func (r *deckRow) Dragged(e *fyne.DragEvent) {
	if r.node == nil {
		return
	}
	r.dragging = true
	r.dragPos = e.AbsolutePosition
}

// DragEnd drops the deck on the row under the pointer, or at the top level below the rows.
func (r *deckRow) DragEnd() {
	if !r.dragging || r.node == nil {
		return
	}
	r.dragging = false
	src := r.node.ID
	if target, ok := r.tree.rowAt(r.dragPos); ok {
		if target.node != nil && target.node.ID != src {
			r.tree.Drop(src, target.node.ID)
		}
		return
	}
	// below or beside every row: un-nest
	tp := fyne.CurrentApp().Driver().AbsolutePositionForObject(r.tree.Tree)
	ts := r.tree.Tree.Size()
	if r.dragPos.X >= tp.X && r.dragPos.X < tp.X+ts.Width && r.dragPos.Y >= tp.Y && r.dragPos.Y < tp.Y+ts.Height {
		r.tree.Drop(src, 0)
	}
}
