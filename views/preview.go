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
	p.side = widget.NewRadioGroup([]string{"Question", "Answer"}, func(s string) {
		p.answer = s == "Answer"
		p.render()
	})
	p.side.Horizontal = true
	p.side.Required = true
	p.side.SetSelected("Question")
	p.open = widget.NewButtonWithIcon("Open in Browser", theme.ComputerIcon(), p.OpenInBrowser)
	p.empty = widget.NewLabel("The preview shows the selected note's cards.")
	p.empty.Alignment = fyne.TextAlignCenter
	top := container.NewBorder(nil, nil, p.picker, p.open, p.side)
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
