// Package views holds Deckhand's Fyne windows and widgets. Views hold no business logic:
// they call app.Service off the UI goroutine and apply results with fyne.Do.
package views

import (
	"context"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/collection"
)

// MainWindow is the main Deckhand window: the deck tree with its counts and a status line.
type MainWindow struct {
	Window fyne.Window
	svc    *app.Service

	tree   *widget.Tree
	status *widget.Label
	nodes  map[string]*collection.DeckNode
	kids   map[string][]string
}

// NewMainWindow builds the main window for svc.
func NewMainWindow(a fyne.App, svc *app.Service) *MainWindow {
	m := &MainWindow{Window: a.NewWindow("Deckhand"), svc: svc,
		status: widget.NewLabel("Loading…"), nodes: map[string]*collection.DeckNode{}, kids: map[string][]string{}}
	m.tree = widget.NewTree(m.childUIDs, m.isBranch, m.createNode, m.updateNode)
	header := container.NewBorder(nil, nil, widget.NewLabelWithStyle("Deck", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		widget.NewLabelWithStyle(countsText("New", "Learn", "Due"), fyne.TextAlignTrailing, fyne.TextStyle{Bold: true}))
	m.Window.SetContent(container.NewBorder(header, m.status, nil, nil, m.tree))
	m.Window.Resize(fyne.NewSize(720, 520))
	return m
}

func countsText(a, b, c string) string { return fmt.Sprintf("%6s %6s %6s", a, b, c) }

func (m *MainWindow) childUIDs(uid string) []string { return m.kids[uid] }

func (m *MainWindow) isBranch(uid string) bool { return uid == "" || len(m.kids[uid]) > 0 }

func (m *MainWindow) createNode(bool) fyne.CanvasObject {
	return container.NewBorder(nil, nil, nil, widget.NewLabel(countsText("0", "0", "0")), widget.NewLabel("deck"))
}

func (m *MainWindow) updateNode(uid string, _ bool, o fyne.CanvasObject) {
	n := m.nodes[uid]
	if n == nil {
		return
	}
	box := o.(*fyne.Container)
	name := box.Objects[0].(*widget.Label)
	counts := box.Objects[1].(*widget.Label)
	label := n.Basename
	if n.Filtered {
		label += " (filtered)"
	}
	name.SetText(label)
	counts.SetText(countsText(fmt.Sprint(n.New), fmt.Sprint(n.Learn), fmt.Sprint(n.Review)))
}

// Refresh reloads the deck tree and status in the background.
func (m *MainWindow) Refresh(ctx context.Context) {
	go func() {
		tree, err := m.svc.DeckTree(ctx)
		summary, serr := m.svc.Summary(ctx)
		fyne.Do(func() {
			if err != nil {
				m.status.SetText("Could not read decks: " + err.Error())
				return
			}
			m.setTree(tree)
			if serr != nil {
				m.status.SetText(serr.Error())
			} else {
				m.status.SetText(summary)
			}
		})
	}()
}

func (m *MainWindow) setTree(roots []*collection.DeckNode) {
	m.nodes = map[string]*collection.DeckNode{}
	m.kids = map[string][]string{}
	var add func(parent string, nodes []*collection.DeckNode)
	add = func(parent string, nodes []*collection.DeckNode) {
		for _, n := range nodes {
			uid := fmt.Sprint(n.ID)
			m.nodes[uid] = n
			m.kids[parent] = append(m.kids[parent], uid)
			add(uid, n.Children)
		}
	}
	add("", roots)
	m.tree.Refresh()
	for uid, n := range m.nodes {
		if !n.Collapsed && len(m.kids[uid]) > 0 {
			m.tree.OpenBranch(uid)
		}
	}
}

// DeckLabels lists the visible deck rows as "name new/learn/due" (for tests).
func (m *MainWindow) DeckLabels() []string {
	var out []string
	var walk func(uid string, depth int)
	walk = func(uid string, depth int) {
		for _, k := range m.kids[uid] {
			n := m.nodes[k]
			out = append(out, fmt.Sprintf("%s%s %d/%d/%d", strings.Repeat("  ", depth), n.Basename, n.New, n.Learn, n.Review))
			walk(k, depth+1)
		}
	}
	walk("", 0)
	return out
}
