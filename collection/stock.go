package collection

import (
	"fmt"
)

// StockKind names Anki's stock note types.
type StockKind int

const (
	StockBasic StockKind = iota
	StockBasicAndReversed
	StockBasicOptionalReversed
	StockBasicTyping
	StockCloze
)

// StockKinds lists the stock note types in the order Anki adds them to a new collection.
var StockKinds = []StockKind{StockBasic, StockBasicAndReversed, StockBasicOptionalReversed,
	StockBasicTyping, StockCloze}

// Text identical to what Anki 25.x writes for its stock note types (checked against the
// fresh collection in the srsconv_empty-legacy-2 fixture).
const (
	stockCSS = ".card {\n    font-family: arial;\n    font-size: 20px;\n    text-align: center;\n    color: black;\n    background-color: white;\n}\n"
	clozeCSS = stockCSS + ".cloze {\n    font-weight: bold;\n    color: blue;\n}\n.nightMode .cloze {\n    color: lightblue;\n}\n"
	// DefaultLatexPre and DefaultLatexPost are the LaTeX header and footer of new note types.
	DefaultLatexPre  = "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n\\usepackage[utf8]{inputenc}\n\\usepackage{amssymb,amsmath}\n\\pagestyle{empty}\n\\setlength{\\parindent}{0in}\n\\begin{document}\n"
	DefaultLatexPost = "\\end{document}"
	answerSep        = "{{FrontSide}}\n\n<hr id=answer>\n\n"
)

// NewStockNotetype builds one of Anki's stock note types with fresh field and template ids.
// The id is left 0; AddNotetype assigns one.
func NewStockNotetype(kind StockKind) (*Notetype, error) {
	nt := &Notetype{CSS: stockCSS, LatexPre: DefaultLatexPre, LatexPost: DefaultLatexPost}
	// Anki records these values for originalStockKind in the notetypes it creates.
	var origKind int
	switch kind {
	case StockBasic:
		nt.Name, origKind = "Basic", 1
		nt.addField("Front")
		nt.addField("Back")
		nt.addTemplate("Card 1", "{{Front}}", answerSep+"{{Back}}")
	case StockBasicAndReversed:
		nt.Name, origKind = "Basic (and reversed card)", 1
		nt.addField("Front")
		nt.addField("Back")
		nt.addTemplate("Card 1", "{{Front}}", answerSep+"{{Back}}")
		nt.addTemplate("Card 2", "{{Back}}", answerSep+"{{Front}}")
	case StockBasicOptionalReversed:
		nt.Name, origKind = "Basic (optional reversed card)", 2
		nt.addField("Front")
		nt.addField("Back")
		nt.addField("Add Reverse")
		nt.addTemplate("Card 1", "{{Front}}", answerSep+"{{Back}}")
		nt.addTemplate("Card 2", "{{#Add Reverse}}{{Back}}{{/Add Reverse}}", answerSep+"{{Front}}")
	case StockBasicTyping:
		nt.Name, origKind = "Basic (type in the answer)", 3
		nt.addField("Front")
		nt.addField("Back")
		nt.addTemplate("Card 1", "{{Front}}\n\n{{type:Back}}", "{{Front}}\n\n<hr id=answer>\n\n{{type:Back}}")
	case StockCloze:
		nt.Name, origKind = "Cloze", 5
		nt.Kind = KindCloze
		nt.CSS = clozeCSS
		text := nt.addField("Text")
		text.Tag = ptr(int64(0))
		text.PreventDeletion = true
		extra := nt.addField("Back Extra")
		extra.Tag = ptr(int64(1))
		nt.addTemplate("Cloze", "{{cloze:Text}}", "{{cloze:Text}}<br>\n{{Back Extra}}")
	default:
		return nil, fmt.Errorf("unknown stock note type %d", kind)
	}
	nt.OriginalStockKind = &origKind
	return nt, nil
}

func ptr[T any](v T) *T { return &v }

// addField appends a field with Anki's defaults for new fields.
func (nt *Notetype) addField(name string) *Field {
	f := &Field{Name: name, Ord: len(nt.Fields), Font: "Arial", Size: 20, ID: ptr(randomI64()), origOrd: -1}
	nt.Fields = append(nt.Fields, f)
	return f
}

// addTemplate appends a card template with Anki's defaults for new templates.
func (nt *Notetype) addTemplate(name, qfmt, afmt string) *Template {
	t := &Template{Name: name, Ord: len(nt.Templates), QFmt: qfmt, AFmt: afmt, ID: ptr(randomI64()), origOrd: -1}
	nt.Templates = append(nt.Templates, t)
	return t
}

// AddField appends a new, empty field to a note type being edited (apply with UpdateNotetype).
func (nt *Notetype) AddField(name string) *Field { return nt.addField(name) }

// AddTemplate appends a new card template to a note type being edited (apply with UpdateNotetype).
func (nt *Notetype) AddTemplate(name, qfmt, afmt string) *Template {
	return nt.addTemplate(name, qfmt, afmt)
}
