package template

import (
	"fmt"

	"github.com/deckhand-app/deckhand/collection/text"
)

// ErrorKind says which template mistake a TemplateError reports.
type ErrorKind int

const (
	// ErrConditionalNotClosed: a {{#X}} or {{^X}} without {{/X}}.
	ErrConditionalNotClosed ErrorKind = iota + 1
	// ErrConditionalNotOpen: a {{/X}} that closes nothing, or the wrong section.
	ErrConditionalNotOpen
	// ErrFieldNotFound: a replacement names a field the note does not have.
	ErrFieldNotFound
	// ErrNoSuchConditional: a conditional names a field the note does not have.
	ErrNoSuchConditional
)

// TemplateError is a template mistake, worded like Anki's English messages.
type TemplateError struct {
	Kind ErrorKind
	// Tag is the section or field name concerned.
	Tag string
	// Open is the section that was open when a wrong one was closed ("" if none).
	Open string
	// Filters is the filter prefix as written ("text:hint:") for ErrFieldNotFound,
	// or "#"/"^" for ErrNoSuchConditional.
	Filters string
}

func (e *TemplateError) Error() string {
	switch e.Kind {
	case ErrConditionalNotClosed:
		return fmt.Sprintf("Missing '{{/%s}}'", e.Tag)
	case ErrConditionalNotOpen:
		if e.Open != "" {
			return fmt.Sprintf("Found '{{/%s}}', but expected '{{/%s}}'", e.Tag, e.Open)
		}
		return fmt.Sprintf("Found '{{/%s}}', but missing '{{#%s}}' or '{{^%s}}'", e.Tag, e.Tag, e.Tag)
	case ErrFieldNotFound, ErrNoSuchConditional:
		return fmt.Sprintf("Found '{{%s%s}}', but there is no field called '%s'", e.Filters, e.Tag, e.Tag)
	}
	return "template error"
}

const (
	templateErrorLink = "https://docs.ankiweb.net/templates/errors.html#template-syntax-error"
	blankFrontLink    = "https://docs.ankiweb.net/templates/errors.html#front-of-card-is-blank"
	blankClozeLink    = "https://docs.ankiweb.net/templates/errors.html#no-cloze-filter-on-cloze-note-type"
	moreInfo          = "More information"
)

// errorHTML is what Anki shows in place of a card whose template has a mistake.
func errorHTML(err error, questionSide bool) string {
	header := "Back template has a problem:"
	if questionSide {
		header = "Front template has a problem:"
	}
	return header + "<br>" + text.EncodeMinimal(err.Error()) + "<br><a href='" + templateErrorLink + "'>" + moreInfo + "</a>"
}

func blankFrontHTML() string {
	return "<div>The front of this card is blank.<br><a href='" + blankFrontLink + "'>" + moreInfo + "</a></div>"
}

func missingClozeHTML(number int) string {
	return fmt.Sprintf("<div>No cloze %d found on card.\nPlease either add a cloze deletion, or use the Empty Cards tool.<br><a href='%s'>%s</a></div>",
		number, blankClozeLink, moreInfo)
}
