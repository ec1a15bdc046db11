package template

import (
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/deckhand-app/deckhand/collection/text"
)

// maxClozeNesting is how many clozes may be open at once; deeper openings are
// ignored (their text stays in the enclosing cloze), as in Anki.
const maxClozeNesting = 10

type clozeNode struct {
	text  string      // a text run, when cloze is nil
	cloze *clozeGroup // a deletion
}

type clozeGroup struct {
	ordinals []int // sorted, de-duplicated, as written (may contain 0)
	nodes    []clozeNode
	hint     string
	hasHint  bool
}

func (c *clozeGroup) hintOrDots() string {
	if c.hasHint {
		return c.hint
	}
	return "..."
}

func (c *clozeGroup) has(ord int) bool {
	for _, o := range c.ordinals {
		if o == ord {
			return true
		}
	}
	return false
}

// clozedText is the deletion's text with nested deletions revealed and hints dropped.
func (c *clozeGroup) clozedText(b *strings.Builder) {
	for _, n := range c.nodes {
		if n.cloze == nil {
			b.WriteString(n.text)
		} else {
			n.cloze.clozedText(b)
		}
	}
}

// imageOcclusion returns the shape text of an image occlusion deletion, whose
// first text run starts with "image-occlusion:".
func (c *clozeGroup) imageOcclusion() (string, bool) {
	if len(c.nodes) == 0 || c.nodes[0].cloze != nil {
		return "", false
	}
	return strings.CutPrefix(c.nodes[0].text, "image-occlusion:")
}

// openCloze matches "{{c" digits-and-commas "::" at s[i:], returning the ordinals
// and the index after "::".
func openCloze(s string, i int) ([]int, int, bool) {
	if !strings.HasPrefix(s[i:], "{{c") {
		return nil, 0, false
	}
	p := i + 3
	for p < len(s) && (s[p] >= '0' && s[p] <= '9' || s[p] == ',') {
		p++
	}
	if !strings.HasPrefix(s[p:], "::") {
		return nil, 0, false
	}
	var ords []int
	for _, part := range splitComma(s[i+3 : p]) {
		// Anki parses each number as u16; anything else is dropped.
		n, err := strconv.ParseUint(part, 10, 16)
		if err != nil {
			continue
		}
		if !slices.Contains(ords, int(n)) {
			ords = append(ords, int(n))
		}
	}
	if len(ords) == 0 {
		return nil, 0, false
	}
	sort.Ints(ords)
	return ords, p + 2, true
}

// parseClozes splits text into top-level text runs and (possibly nested) deletions.
func parseClozes(s string) []clozeNode {
	var out []clozeNode
	var open []*clozeGroup
	addText := func(t string) {
		if len(open) == 0 {
			out = append(out, clozeNode{text: t})
			return
		}
		c := open[len(open)-1]
		if !strings.HasPrefix(t, "image-occlusion:") {
			if head, tail, ok := strings.Cut(t, "::"); ok {
				t = head
				c.hint, c.hasHint = tail, true
			}
		}
		c.nodes = append(c.nodes, clozeNode{text: t})
	}
	textStart := 0
	i := 0
	flush := func() {
		if i > textStart {
			addText(s[textStart:i])
		}
	}
	for i < len(s) {
		if s[i] != '{' && s[i] != '}' {
			i++
			continue
		}
		if ords, next, ok := openCloze(s, i); ok {
			flush()
			if len(open) < maxClozeNesting {
				open = append(open, &clozeGroup{ordinals: ords})
			}
			i, textStart = next, next
			continue
		}
		if strings.HasPrefix(s[i:], "}}") {
			flush()
			if len(open) > 0 {
				c := open[len(open)-1]
				open = open[:len(open)-1]
				if len(open) > 0 {
					p := open[len(open)-1]
					p.nodes = append(p.nodes, clozeNode{cloze: c})
				} else {
					out = append(out, clozeNode{cloze: c})
				}
			} else {
				out = append(out, clozeNode{text: "}}"})
			}
			i += 2
			textStart = i
			continue
		}
		i++
	}
	flush()
	// Unclosed deletions are dropped with their content, as in Anki.
	return out
}

// ClozeOrdinals returns the sorted, de-duplicated cloze numbers (>= 1) used in
// text, including nested deletions and multi-ordinal {{c1,2::…}}.
func ClozeOrdinals(text string) []int {
	set := map[int]bool{}
	addClozeOrdinals(text, set)
	return sortedInts(set)
}

// ClozeOrdinalsInFields is ClozeOrdinals over all of a note's fields: the cards a
// cloze note has (card ord = number - 1, capped at 499 by the caller).
func ClozeOrdinalsInFields(fields []string) []int {
	set := map[int]bool{}
	for _, f := range fields {
		addClozeOrdinals(f, set)
	}
	return sortedInts(set)
}

func addClozeOrdinals(s string, set map[int]bool) {
	if !strings.Contains(s, "{{c") {
		return
	}
	var walk func([]clozeNode)
	walk = func(nodes []clozeNode) {
		for _, n := range nodes {
			if n.cloze == nil {
				continue
			}
			for _, o := range n.cloze.ordinals {
				if o != 0 {
					set[o] = true
				}
			}
			walk(n.cloze.nodes)
		}
	}
	walk(parseClozes(s))
}

// splitComma avoids allocating for the usual single number.
func splitComma(s string) []string {
	if strings.IndexByte(s, ',') < 0 {
		return []string{s}
	}
	return strings.Split(s, ",")
}

func sortedInts(set map[int]bool) []int {
	out := make([]int, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func ordinalsString(ords []int) string {
	if len(ords) == 1 {
		return strconv.Itoa(ords[0])
	}
	parts := make([]string, len(ords))
	for i, o := range ords {
		parts[i] = strconv.Itoa(o)
	}
	return strings.Join(parts, ",")
}

// RevealCloze renders the deletions of text for cloze number ord: on the question
// side active deletions become "[hint]" / "[...]" spans, on the answer side they
// are highlighted; other deletions are shown as inactive spans. It returns "" if
// text has no deletion for ord.
func RevealCloze(s string, ord int, question bool) string {
	var b strings.Builder
	b.Grow(len(s) + 64)
	found := false
	for _, n := range parseClozes(s) {
		if n.cloze == nil {
			b.WriteString(n.text)
		} else {
			revealCloze(n.cloze, ord, question, &found, &b)
		}
	}
	if !found {
		return ""
	}
	return b.String()
}

func revealCloze(c *clozeGroup, ord int, question bool, found *bool, b *strings.Builder) {
	active := c.has(ord)
	if active {
		*found = true
	}
	if io, ok := c.imageOcclusion(); ok {
		b.WriteString(renderImageOcclusion(io, question, active, c.ordinals))
		return
	}
	ords := ordinalsString(c.ordinals)
	switch {
	case question && active:
		var inner strings.Builder
		for _, n := range c.nodes {
			if n.cloze == nil {
				inner.WriteString(n.text)
			} else {
				revealCloze(n.cloze, ord, question, found, &inner)
			}
		}
		b.WriteString(`<span class="cloze" data-cloze="`)
		b.WriteString(text.EncodeAttribute(inner.String()))
		b.WriteString(`" data-ordinal="`)
		b.WriteString(ords)
		b.WriteString(`">[`)
		b.WriteString(c.hintOrDots())
		b.WriteString(`]</span>`)
	default:
		if active {
			b.WriteString(`<span class="cloze" data-ordinal="`)
		} else {
			b.WriteString(`<span class="cloze-inactive" data-ordinal="`)
		}
		b.WriteString(ords)
		b.WriteString(`">`)
		for _, n := range c.nodes {
			if n.cloze == nil {
				b.WriteString(n.text)
			} else {
				revealCloze(n.cloze, ord, question, found, b)
			}
		}
		b.WriteString("</span>")
	}
}

// RevealClozeTextOnly is the cloze-only filter: the hints ("..." without one) of
// the active deletions on the question side, their text on the answer side,
// joined with ", ".
func RevealClozeTextOnly(s string, ord int, question bool) string {
	var out []string
	var walk func(clozeNode)
	walk = func(n clozeNode) {
		if n.cloze == nil {
			return
		}
		if n.cloze.has(ord) {
			if question {
				out = append(out, n.cloze.hintOrDots())
			} else {
				var b strings.Builder
				n.cloze.clozedText(&b)
				out = append(out, b.String())
			}
		}
		for _, c := range n.cloze.nodes {
			walk(c)
		}
	}
	for _, n := range parseClozes(s) {
		walk(n)
	}
	return strings.Join(out, ", ")
}

// ClozeForTyping is the expected answer of {{type:cloze:…}}: the active
// deletions' text joined with ", ", or a single copy when they are all the same.
func ClozeForTyping(s string, ord int) string {
	joined := RevealClozeTextOnly(s, ord, false)
	var out []string
	var walk func(clozeNode)
	walk = func(n clozeNode) {
		if n.cloze == nil {
			return
		}
		if n.cloze.has(ord) {
			var b strings.Builder
			n.cloze.clozedText(&b)
			out = append(out, b.String())
		}
		for _, c := range n.cloze.nodes {
			walk(c)
		}
	}
	for _, n := range parseClozes(s) {
		walk(n)
	}
	if len(out) == 0 {
		return ""
	}
	for _, o := range out[1:] {
		if o != out[0] {
			return joined
		}
	}
	return out[0]
}

// StripClozes replaces each innermost-matched {{cN::text::hint}} by its text
// (Anki's strip_clozes regex `(?s)\{\{c[\d,]+::(.*?)(::.*?)?\}\}`).
func StripClozes(s string) string {
	if !strings.Contains(s, "{{c") {
		return s
	}
	return clozeRE.ReplaceAllString(s, "$1")
}

var (
	clozeRE   = regexp.MustCompile(`(?s)\{\{c[\d,]+::(.*?)(::.*?)?\}\}`)
	mathjaxRE = regexp.MustCompile(`(?s)(\\[(\[])(.*?)(\\[\])])`)
)

// stripHTMLInsideMathJax removes tags inside \(…\) and \[…\] so clozes within
// MathJax leave valid TeX.
func stripHTMLInsideMathJax(s string) string {
	if !strings.Contains(s, `\(`) && !strings.Contains(s, `\[`) {
		return s
	}
	return mathjaxRE.ReplaceAllStringFunc(s, func(m string) string {
		return m[:2] + text.StripHTMLPreservingEntities(m[2:len(m)-2]) + m[len(m)-2:]
	})
}

// clozeFilter is the cloze: template filter.
func clozeFilter(s string, ord int, question bool) string {
	return stripHTMLInsideMathJax(RevealCloze(s, ord, question))
}
