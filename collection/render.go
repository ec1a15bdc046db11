package collection

import (
	"context"
	"fmt"
	"strings"

	"github.com/deckhand-app/deckhand/collection/template"
	"github.com/deckhand-app/deckhand/collection/text"
)

// RenderedCard is a card's question and answer as Anki renders them.
type RenderedCard struct {
	Question, Answer string // HTML, without CSS
	CSS              string // the note type's CSS
	QuestionEmpty    bool   // Anki would say the front is blank / the cloze is missing
	MediaRefs        []string
	QuestionAV       []text.AVTag
	AnswerAV         []text.AVTag
	LatexImages      []template.LatexImage
}

// FieldFilter is an add-on template filter: {{myfilter:Field}} calls it with
// filterName "myfilter"; it returns the new text and true when it handled the filter.
type FieldFilter func(filterName, fieldName, text string) (string, bool)

// AddFieldFilter registers a template filter for filter names the template language does not
// know (as Anki's field_filter hook does).
func (c *Collection) AddFieldFilter(fn FieldFilter) {
	c.hooks.mu.Lock()
	c.hooks.fieldFilters = append(c.hooks.fieldFilters, fn)
	c.hooks.mu.Unlock()
}

// RenderCard renders a card by id.
func (c *Collection) RenderCard(ctx context.Context, cid int64) (*RenderedCard, error) {
	card, err := c.GetCard(ctx, cid)
	if err != nil {
		return nil, err
	}
	return card.Render(ctx)
}

// Render renders the card from its note, note type and deck, then runs the render filters.
func (card *Card) Render(ctx context.Context) (*RenderedCard, error) {
	c := card.col
	if c == nil {
		return nil, fmt.Errorf("render card %d: not attached to a collection", card.ID)
	}
	note, err := c.GetNote(ctx, card.NoteID)
	if err != nil {
		return nil, fmt.Errorf("render card %d: %w", card.ID, err)
	}
	return c.renderWith(card, note)
}

func (c *Collection) renderWith(card *Card, note *Note) (*RenderedCard, error) {
	c.mu.RLock()
	nt := c.notetypes[note.NotetypeID]
	deckID := card.DeckID
	if card.OriginalDeckID != 0 {
		deckID = card.OriginalDeckID
	}
	deckName := ""
	if d := c.decks[deckID]; d != nil {
		deckName = d.Name
	}
	c.mu.RUnlock()
	if nt == nil {
		return nil, fmt.Errorf("render card %d: note type %d: %w", card.ID, note.NotetypeID, ErrNotFound)
	}
	tmplOrd := card.Ord
	if nt.IsCloze() {
		tmplOrd = 0
	}
	if tmplOrd < 0 || tmplOrd >= len(nt.Templates) {
		return nil, fmt.Errorf("render card %d: note type %q has no card type %d", card.ID, nt.Name, card.Ord+1)
	}
	tmpl := nt.Templates[tmplOrd]
	fields := map[string]string{}
	for i, f := range nt.Fields {
		if i < len(note.Fields) {
			fields[f.Name] = note.Fields[i]
		} else {
			fields[f.Name] = ""
		}
	}
	c.hooks.mu.RLock()
	filters := c.hooks.fieldFilters
	renderFilters := c.hooks.render
	c.hooks.mu.RUnlock()
	rc := template.RenderContext{
		Fields: fields, Tags: strings.Join(note.Tags, " "), Notetype: nt.Name, Deck: deckName,
		CardName: tmpl.Name, CardFlag: card.Flag(), CardID: card.ID, CardOrd: card.Ord,
		Cloze: nt.IsCloze(), LatexSVG: nt.LatexSVG,
	}
	if len(filters) > 0 {
		rc.Filter = func(name, field, txt string) (string, bool) {
			for _, f := range filters {
				if out, ok := f(name, field, txt); ok {
					return out, true
				}
			}
			return txt, false
		}
	}
	r := template.RenderCard(tmpl.QFmt, tmpl.AFmt, rc)
	out := &RenderedCard{Question: r.Question, Answer: r.Answer, CSS: nt.CSS, QuestionEmpty: r.QuestionEmpty,
		MediaRefs: r.MediaRefs, LatexImages: r.Latex}
	for _, f := range renderFilters {
		out.Question = f(out.Question, card, false)
		out.Answer = f(out.Answer, card, true)
	}
	out.QuestionAV = text.AVTags(out.Question)
	out.AnswerAV = text.AVTags(out.Answer)
	return out, nil
}

// Question returns the question HTML preceded by the note type's CSS in a <style> element,
// like the page Anki shows.
func (card *Card) Question(ctx context.Context) (string, error) {
	r, err := card.Render(ctx)
	if err != nil {
		return "", err
	}
	return withCSS(r.CSS, r.Question), nil
}

// Answer returns the answer HTML preceded by the note type's CSS.
func (card *Card) Answer(ctx context.Context) (string, error) {
	r, err := card.Render(ctx)
	if err != nil {
		return "", err
	}
	return withCSS(r.CSS, r.Answer), nil
}

func withCSS(css, html string) string { return "<style>" + css + "</style>" + html }
