package views

import (
	"context"
	"net/url"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/deckhand-app/deckhand/app"
)

// Preview shows the cards of a note rendered from their templates and CSS: a card picker,
// Question/Answer, the card as RichText, and "Open in Browser" for the exact rendering.
type Preview struct {
	Content fyne.CanvasObject
	Text    *widget.RichText

	svc *app.Service
	run *runner
	win fyne.Window
	a   fyne.App

	cards  []app.CardPreview
	card   int
	answer bool
	nid    int64

	picker *widget.Select
	side   *widget.RadioGroup
	open   *widget.Button
	empty  *widget.Label
	body   *fyne.Container
}

func newPreview(a fyne.App, svc *app.Service, run *runner, win fyne.Window) *Preview {
	p := &Preview{a: a, svc: svc, run: run, win: win, Text: widget.NewRichText()}
	p.Text.Wrapping = fyne.TextWrapWord
	p.picker = widget.NewSelect(nil, func(s string) {
		for i, c := range p.cards {
			if c.Name == s {
				p.card = i
				p.render()
			}
		}
	})
	p.picker.PlaceHolder = "Card" // its width is the picker's minimum (previewBar)
	p.side = widget.NewRadioGroup([]string{"Question", "Answer"}, func(s string) {
		p.answer = s == "Answer"
		p.render()
	})
	p.side.Horizontal = true
	p.side.Required = true
	p.side.SetSelected("Question")
	p.open = widget.NewButtonWithIcon("Open in Browser", theme.ComputerIcon(), p.OpenInBrowser)
	openIcon := widget.NewButtonWithIcon("", theme.ComputerIcon(), p.OpenInBrowser)
	p.empty = widget.NewLabel("The preview shows the selected note's cards.")
	p.empty.Alignment = fyne.TextAlignCenter
	bar := &previewBar{picker: p.picker, side: p.side, open: p.open, openIcon: openIcon}
	top := container.New(bar, p.picker, p.side, p.open, openIcon)
	p.body = container.NewBorder(top, nil, nil, nil, container.NewVScroll(p.Text))
	p.Content = container.NewStack(container.NewCenter(p.empty), p.body)
	p.body.Hide()
	return p
}

// ShowNote renders the cards of a note.
func (p *Preview) ShowNote(nid int64) {
	p.run.Go(func() func() {
		cards, err := p.svc.PreviewNote(context.Background(), nid)
		return func() {
			if err != nil {
				p.Clear()
				p.empty.SetText("Could not render the note: " + err.Error())
				return
			}
			keep := p.nid == nid
			p.nid, p.cards = nid, cards
			if !keep || p.card >= len(cards) {
				p.card = 0
			}
			var names []string
			for _, c := range cards {
				names = append(names, c.Name)
			}
			p.picker.SetOptions(names)
			if len(cards) > 0 {
				p.picker.SetSelected(names[p.card])
			}
			p.empty.Hide()
			p.body.Show()
			p.render()
		}
	})
}

// Clear empties the preview.
func (p *Preview) Clear() {
	p.cards, p.nid = nil, 0
	p.body.Hide()
	p.empty.SetText("The preview shows the selected note's cards.")
	p.empty.Show()
}

// ShowCard picks card i and the side (tests and keys).
func (p *Preview) ShowCard(i int, answer bool) {
	if i < 0 || i >= len(p.cards) {
		return
	}
	p.card = i
	p.picker.SetSelected(p.cards[i].Name)
	if answer {
		p.side.SetSelected("Answer")
	} else {
		p.side.SetSelected("Question")
	}
	p.render()
}

func (p *Preview) render() {
	if p.card >= len(p.cards) {
		p.Text.Segments = nil
		p.Text.Refresh()
		return
	}
	c := p.cards[p.card]
	src := c.Question
	if p.answer {
		src = c.Answer
	}
	if c.Empty && !p.answer {
		src = "<i>The front of this card is blank.</i>" + src
	}
	media := p.svc.MediaDir()
	p.Text.Segments = HTMLToSegments(src, HTMLOptions{MediaDir: media, CSS: c.CSS, OnPlay: func(name string) {
		if media == "" {
			return
		}
		// the system player handles the many audio formats Anki cards use
		if u, err := url.Parse(storage.NewFileURI(filepath.Join(media, name)).String()); err == nil {
			_ = p.a.OpenURL(u)
		}
	}})
	p.Text.Refresh()
}

// OpenInBrowser writes the card side as a full HTML page with its CSS and opens it.
func (p *Preview) OpenInBrowser() {
	if p.card >= len(p.cards) {
		return
	}
	c, answer, media := p.cards[p.card], p.answer, p.svc.MediaDir()
	p.run.Go(func() func() {
		path, err := app.WritePreviewPage(c, answer, media)
		return func() {
			if err != nil {
				dialog.ShowError(err, p.win)
				return
			}
			u, err := url.Parse(storage.NewFileURI(path).String())
			if err == nil {
				err = p.a.OpenURL(u)
			}
			if err != nil {
				dialog.ShowError(err, p.win)
			}
		}
	})
}

// previewBar lays out the card picker, the Question/Answer switch and Open in Browser in
// one row when they fit; in a narrower pane the button loses its text, then the switch
// moves to a second row, so that neither the card name nor the switch is cut.
type previewBar struct {
	picker, side, open, openIcon fyne.CanvasObject
	rows                         int // rows used by the last layout
}

func (l *previewBar) widths() (picker, side, open, icon float32) {
	// the picker's own minimum is its placeholder's; it should show the chosen card's name
	pw := l.picker.MinSize().Width
	if sel, ok := l.picker.(*widget.Select); ok && sel.Selected != "" {
		th := theme.Current()
		pw = max(pw, fyne.MeasureText(sel.Selected, th.Size(theme.SizeNameText), fyne.TextStyle{}).Width+
			th.Size(theme.SizeNameInlineIcon)+4*th.Size(theme.SizeNameInnerPadding))
	}
	return pw, l.side.MinSize().Width, l.open.MinSize().Width, l.openIcon.MinSize().Width
}

func (l *previewBar) rowHeight() float32 {
	return max(l.picker.MinSize().Height, l.side.MinSize().Height, l.open.MinSize().Height)
}

// MinSize is two rows' width; the height is that of the rows the last layout used.
func (l *previewBar) MinSize([]fyne.CanvasObject) fyne.Size {
	pad := theme.Padding()
	_, side, _, icon := l.widths()
	w := max(l.picker.MinSize().Width+pad+icon, side)
	rows := max(l.rows, 1)
	return fyne.NewSize(w, float32(rows)*l.rowHeight()+float32(rows-1)*pad)
}

func (l *previewBar) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	pad := theme.Padding()
	picker, side, open, icon := l.widths()
	h := l.rowHeight()
	btn, hide := l.open, l.openIcon
	if size.Width < picker+side+open+2*pad {
		btn, hide, open = l.openIcon, l.open, icon
	}
	hide.Hide()
	btn.Show()
	btn.Resize(fyne.NewSize(open, h))
	btn.Move(fyne.NewPos(size.Width-open, 0))
	if size.Width >= picker+side+open+2*pad {
		l.rows = 1
		l.picker.Resize(fyne.NewSize(size.Width-side-open-2*pad, h))
		l.picker.Move(fyne.NewPos(0, 0))
		l.side.Resize(fyne.NewSize(side, h))
		l.side.Move(fyne.NewPos(size.Width-open-pad-side, 0))
		return
	}
	l.rows = 2
	l.picker.Resize(fyne.NewSize(size.Width-open-pad, h))
	l.picker.Move(fyne.NewPos(0, 0))
	l.side.Resize(fyne.NewSize(side, h))
	l.side.Move(fyne.NewPos(0, h+pad))
}
