package template

import (
	"sort"
	"strings"
)

// FieldIsEmpty reports whether a field counts as empty for conditionals and card
// generation: only ASCII whitespace and/or <br>, <div>, </div> tags (any case,
// an optional space and '/' before '>').
func FieldIsEmpty(html string) bool {
	for i := 0; i < len(html); {
		switch html[i] {
		case ' ', '\t', '\n', '\v', '\f', '\r':
			i++
			continue
		case '<':
			p := i + 1
			if p < len(html) && html[p] == '/' {
				p++
			}
			e, ok := hasPrefixASCIIFold(html, p, "br")
			if !ok {
				if e, ok = hasPrefixASCIIFold(html, p, "div"); !ok {
					return false
				}
			}
			p = e
			if p < len(html) && html[p] == ' ' {
				p++
			}
			if p < len(html) && html[p] == '/' {
				p++
			}
			if p >= len(html) || html[p] != '>' {
				return false
			}
			i = p + 1
			continue
		}
		return false
	}
	return true
}

func hasPrefixASCIIFold(s string, i int, lit string) (int, bool) {
	if i+len(lit) > len(s) || !strings.EqualFold(s[i:i+len(lit)], lit) {
		return i, false
	}
	return i + len(lit), true
}

// RendersWith reports whether the template, used as a question, produces a card
// when exactly the fields for which nonEmpty is true have content (Anki's
// renders_with_fields): a replacement counts if its field is non-empty; a
// section counts if its condition holds and its body counts.
func (t *Template) RendersWith(nonEmpty func(field string) bool) bool {
	return !nodesEmpty(t.nodes, nonEmpty, true)
}

// rendersForReqs is RendersWith with negated sections always entered, which is
// how Anki computes the legacy req cache.
func (t *Template) rendersForReqs(nonEmpty func(string) bool) bool {
	return !nodesEmpty(t.nodes, nonEmpty, false)
}

func nodesEmpty(nodes []node, nonEmpty func(string) bool, checkNegated bool) bool {
	for i := range nodes {
		n := &nodes[i]
		switch n.kind {
		case nodeReplacement:
			if nonEmpty(n.text) {
				return false
			}
		case nodeConditional:
			if nonEmpty(n.text) && !nodesEmpty(n.children, nonEmpty, checkNegated) {
				return false
			}
		case nodeNegated:
			if checkNegated && nonEmpty(n.text) {
				continue
			}
			if !nodesEmpty(n.children, nonEmpty, checkNegated) {
				return false
			}
		}
	}
	return true
}

// Req computes the legacy schema-11 "req" entry of a question template: "any"
// with the fields that each render it alone; otherwise "all" with the fields
// whose removal stops it rendering; otherwise (or if it does not parse) "none".
func Req(qfmt string, fieldNames []string) (kind string, ords []int) {
	t, err := Parse(qfmt)
	if err != nil {
		return "none", []int{}
	}
	// Anki keys fields by name, so a duplicated name keeps its last ordinal.
	ordOf := make(map[string]int, len(fieldNames))
	for i, n := range fieldNames {
		ordOf[n] = i
	}
	for name, ord := range ordOf {
		if t.rendersForReqs(func(f string) bool { return f == name }) {
			ords = append(ords, ord)
		}
	}
	if len(ords) > 0 {
		sort.Ints(ords)
		return "any", ords
	}
	all := func(f string) bool { _, ok := ordOf[f]; return ok }
	for name, ord := range ordOf {
		without := func(f string) bool { _, ok := ordOf[f]; return ok && f != name }
		if !t.rendersForReqs(without) {
			ords = append(ords, ord)
		}
	}
	if len(ords) > 0 && t.rendersForReqs(all) {
		sort.Ints(ords)
		return "all", ords
	}
	return "none", []int{}
}

// FieldReferences returns the field names the template refers to in
// replacements and conditionals (cloze conditionals cN excluded), sorted.
func (t *Template) FieldReferences() []string {
	set := map[string]bool{}
	var walk func([]node)
	walk = func(nodes []node) {
		for _, n := range nodes {
			switch n.kind {
			case nodeReplacement:
				set[n.text] = true
			case nodeConditional, nodeNegated:
				if !isClozeConditional(n.text) {
					set[n.text] = true
				}
				walk(n.children)
			}
		}
	}
	walk(t.nodes)
	return sortedKeys(set)
}

// ClozeFields returns the fields used with the cloze filter, sorted.
func (t *Template) ClozeFields() []string {
	set := map[string]bool{}
	var walk func([]node)
	walk = func(nodes []node) {
		for _, n := range nodes {
			switch n.kind {
			case nodeReplacement:
				for _, f := range n.filters {
					if f == "cloze" {
						set[n.text] = true
					}
				}
			case nodeConditional, nodeNegated:
				walk(n.children)
			}
		}
	}
	walk(t.nodes)
	return sortedKeys(set)
}

func sortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// isClozeConditional reports whether key is "c" followed by a u32 number.
func isClozeConditional(key string) bool {
	if len(key) < 2 || key[0] != 'c' {
		return false
	}
	var n uint64
	for i := 1; i < len(key); i++ {
		c := key[i]
		if i == 1 && c == '+' && len(key) > 2 {
			continue
		}
		if c < '0' || c > '9' {
			return false
		}
		n = n*10 + uint64(c-'0')
		if n > 0xFFFFFFFF {
			return false
		}
	}
	return true
}
