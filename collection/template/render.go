package template

import (
	"strconv"
	"strings"

	"github.com/deckhand-app/deckhand/collection/text"
)

// RenderContext describes the card being rendered.
type RenderContext struct {
	Fields   map[string]string // the note's real fields by name (raw HTML)
	Tags     string            // note tags joined by spaces
	Notetype string            // note type name  -> {{Type}}
	Deck     string            // full deck name with "::" (original deck if in a filtered deck) -> {{Deck}}, {{Subdeck}}
	CardName string            // template name -> {{Card}}
	CardFlag int               // 0..7 -> {{CardFlag}} = "flagN"
	CardID   int64             // {{CardID}}
	CardOrd  int               // template ord, or cloze number - 1 for cloze note types
	Cloze    bool              // note type is a cloze type
	// Filter, when non-nil, is consulted for filters the language does not know (add-on filters).
	// It returns the new text and true if it handled the filter.
	Filter func(filterName, fieldName, text string) (string, bool)
	// LatexSVG selects .svg instead of .png names for LaTeX images (the note
	// type's latexsvg setting).
	LatexSVG bool
}

// Rendered is a rendered card.
type Rendered struct {
	Question, Answer string // HTML; template errors appear inside as Anki shows them, never a Go error
	QuestionEmpty    bool   // Anki would show the "front of this card is blank"/missing-cloze message
	MediaRefs        []string
	// Latex lists the LaTeX images the card needs (to be generated if missing).
	Latex []LatexImage
}

// renderState is the per-side rendering state (Anki's RenderContext).
type renderState struct {
	fields    map[string]string
	nonEmpty  map[string]bool
	cardOrd   int
	frontSide string
	question  bool
	filter    func(filterName, fieldName, text string) (string, bool)
}

// RenderCard renders both sides of a card like Anki's render_card followed by
// the desktop's LaTeX step.
func RenderCard(qfmt, afmt string, rc RenderContext) Rendered {
	fields := fieldMap(rc)
	st := &renderState{
		fields:   fields,
		nonEmpty: make(map[string]bool, len(fields)),
		cardOrd:  rc.CardOrd,
		question: true,
		filter:   rc.Filter,
	}
	for k, v := range fields {
		if !FieldIsEmpty(v) {
			st.nonEmpty[k] = true
		}
	}

	qt, err := parseCached(qfmt)
	var q strings.Builder
	if err == nil {
		err = st.render(&q, qt.nodes)
	}
	if err != nil {
		msg := errorHTML(err, true)
		return Rendered{Question: msg, Answer: msg}
	}
	question := q.String()

	var empty string
	if rc.Cloze {
		if !clozeNumberInFields(fields, rc.CardOrd+1) {
			empty = missingClozeHTML(rc.CardOrd + 1)
		}
	} else if !qt.RendersWith(func(f string) bool { return st.nonEmpty[f] }) {
		empty = blankFrontHTML()
	}
	if empty != "" {
		out := Rendered{Question: question + empty, Answer: empty, QuestionEmpty: true}
		out.finish(rc.LatexSVG)
		return out
	}

	st.question = false
	st.frontSide = question
	at, err := parseCached(afmt)
	var a strings.Builder
	if err == nil {
		err = st.render(&a, at.nodes)
	}
	if err != nil {
		msg := errorHTML(err, false)
		return Rendered{Question: msg, Answer: msg}
	}
	out := Rendered{Question: question, Answer: a.String()}
	out.finish(rc.LatexSVG)
	return out
}

// finish replaces LaTeX by images and collects media references.
func (r *Rendered) finish(svg bool) {
	var ql, al []LatexImage
	r.Question, ql = ExtractLatex(r.Question, svg)
	r.Answer, al = ExtractLatex(r.Answer, svg)
	seen := map[string]bool{}
	for _, l := range append(ql, al...) {
		if !seen[l.Filename] {
			seen[l.Filename] = true
			r.Latex = append(r.Latex, l)
		}
	}
	seen = map[string]bool{}
	for _, side := range []string{r.Question, r.Answer} {
		for _, m := range text.MediaRefs(side) {
			if !seen[m] {
				seen[m] = true
				r.MediaRefs = append(r.MediaRefs, m)
			}
		}
	}
}

// fieldMap adds the special fields (unless a real field has the name) and the
// cN pseudo-field of the card, as Anki does before rendering.
func fieldMap(rc RenderContext) map[string]string {
	m := make(map[string]string, len(rc.Fields)+8)
	for k, v := range rc.Fields {
		m[k] = v
	}
	deck := rc.Deck
	if deck == "" {
		deck = "(Deck)"
	}
	subdeck := deck
	if i := strings.LastIndex(deck, "::"); i >= 0 {
		subdeck = deck[i+2:]
	}
	for _, kv := range [...][2]string{
		{"Tags", rc.Tags},
		{"Type", rc.Notetype},
		{"Subdeck", subdeck},
		{"Deck", deck},
		{"CardFlag", "flag" + strconv.Itoa(rc.CardFlag)},
		{"Card", rc.CardName},
		{"CardID", strconv.FormatInt(rc.CardID, 10)},
		{"c" + strconv.Itoa(rc.CardOrd+1), "1"},
	} {
		if _, ok := m[kv[0]]; !ok {
			m[kv[0]] = kv[1]
		}
	}
	return m
}

func clozeNumberInFields(fields map[string]string, n int) bool {
	set := map[int]bool{}
	for _, v := range fields {
		addClozeOrdinals(v, set)
	}
	return set[n]
}

func (st *renderState) render(b *strings.Builder, nodes []node) error {
	for i := range nodes {
		n := &nodes[i]
		switch n.kind {
		case nodeText:
			b.WriteString(n.text)
		case nodeComment:
			b.WriteString(commentStart)
			b.WriteString(n.text)
			b.WriteString(commentEnd)
		case nodeReplacement:
			if err := st.replace(b, n); err != nil {
				return err
			}
		case nodeConditional, nodeNegated:
			show, err := st.evaluate(n.text, n.kind == nodeNegated)
			if err != nil {
				return err
			}
			if show {
				if err := st.render(b, n.children); err != nil {
					return err
				}
			} else {
				// Hidden bodies are still checked for errors.
				var discard strings.Builder
				if err := st.render(&discard, n.children); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (st *renderState) evaluate(key string, negated bool) (bool, error) {
	if st.nonEmpty[key] {
		return !negated, nil
	}
	if _, ok := st.fields[key]; ok || isClozeConditional(key) {
		return negated, nil
	}
	prefix := "#"
	if negated {
		prefix = "^"
	}
	return false, &TemplateError{Kind: ErrNoSuchConditional, Tag: key, Filters: prefix}
}

func (st *renderState) replace(b *strings.Builder, n *node) error {
	key := n.text
	if key == "FrontSide" {
		// Filters on FrontSide are ignored; it is empty on the question side.
		b.WriteString(st.frontSide)
		return nil
	}
	if key == "" && len(n.filters) > 0 {
		// "{{filter:}}" lets an add-on filter produce text from nothing.
		if st.filter != nil {
			s := ""
			for _, f := range n.filters {
				if out, ok := st.filter(f, "", s); ok {
					s = out
				}
			}
			b.WriteString(s)
		}
		return nil
	}
	val, ok := st.fields[key]
	if !ok {
		var written strings.Builder
		for i := len(n.filters) - 1; i >= 0; i-- {
			written.WriteString(n.filters[i])
			written.WriteByte(':')
		}
		return &TemplateError{Kind: ErrFieldNotFound, Tag: key, Filters: written.String()}
	}
	b.WriteString(st.applyFilters(val, n.filters, key))
	return nil
}

// applyFilters runs the chain in order. Without an add-on hook unknown filters are
// skipped; with one, the first unknown filter and everything after it go to the
// hook, as in the desktop app.
func (st *renderState) applyFilters(s string, filters []string, field string) string {
	filters = normalizeTypeFilters(filters)
	ctx := filterContext{clozeOrd: st.cardOrd + 1, question: st.question}
	for i, f := range filters {
		out, ok := applyBuiltinFilter(f, s, field, ctx)
		if ok {
			s = out
			continue
		}
		if st.filter != nil {
			for _, rest := range filters[i:] {
				if out, ok := st.filter(rest, field, s); ok {
					s = out
				}
			}
			return s
		}
	}
	return s
}
