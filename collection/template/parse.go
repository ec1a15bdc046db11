package template

import (
	"strings"
)

type nodeKind uint8

const (
	nodeText nodeKind = iota
	nodeComment
	nodeReplacement
	nodeConditional
	nodeNegated
)

type node struct {
	kind nodeKind
	// text for nodeText/nodeComment, the key (field name) otherwise.
	text string
	// filters in application order (the reverse of how they are written).
	filters  []string
	children []node
}

// Template is a parsed card template.
type Template struct {
	nodes []node
}

const (
	commentStart = "<!--"
	commentEnd   = "-->"
	altDirective = "{{=<% %>=}}"
)

type tokenKind uint8

const (
	tokText tokenKind = iota
	tokComment
	tokReplacement
	tokOpen
	tokOpenNegated
	tokClose
)

type token struct {
	kind tokenKind
	text string
}

// lexer splits a template into text, comments and handlebar tags. A tag is the
// opening delimiter, anything up to the first closing delimiter, and that
// delimiter; an opening delimiter without a closing one is plain text.
type lexer struct {
	src       string
	open, cls string
}

func newLexer(src string) *lexer {
	l := &lexer{src: src, open: "{{", cls: "}}"}
	// A template that starts (after whitespace) with {{=<% %>=}} uses <% %>
	// throughout; Anki strips every leading copy of the directive.
	if s := trimLeftUnicode(src); strings.HasPrefix(s, altDirective) {
		for strings.HasPrefix(s, altDirective) {
			s = s[len(altDirective):]
		}
		l.src, l.open, l.cls = s, "<%", "%>"
	}
	return l
}

func trimLeftUnicode(s string) string {
	return strings.TrimLeftFunc(s, isRustWhitespace)
}

func (l *lexer) next() (token, bool) {
	s := l.src
	if s == "" {
		return token{}, false
	}
	// Past the last closing delimiter (or comment end) no tag (or comment) can
	// start; knowing that keeps unbalanced input linear.
	lastClose := strings.LastIndex(s, l.cls)
	lastCommentEnd := strings.LastIndex(s, commentEnd)
	for i := 0; i < len(s); {
		// Jump to the next character that could start a tag or comment.
		j := strings.IndexAny(s[i:], string(l.open[0])+"<")
		if j < 0 {
			break
		}
		i += j
		if i+len(l.open) <= lastClose && strings.HasPrefix(s[i:], l.open) {
			if k := strings.Index(s[i+len(l.open):], l.cls); k >= 0 {
				if i > 0 {
					l.src = s[i:]
					return token{kind: tokText, text: s[:i]}, true
				}
				inner := s[len(l.open) : len(l.open)+k]
				l.src = s[len(l.open)+k+len(l.cls):]
				return classify(inner), true
			}
		}
		if i+len(commentStart) <= lastCommentEnd && strings.HasPrefix(s[i:], commentStart) {
			if k := strings.Index(s[i+len(commentStart):], commentEnd); k >= 0 {
				if i > 0 {
					l.src = s[i:]
					return token{kind: tokText, text: s[:i]}, true
				}
				body := s[len(commentStart) : len(commentStart)+k]
				l.src = s[len(commentStart)+k+len(commentEnd):]
				return token{kind: tokComment, text: body}, true
			}
		}
		i++
	}
	l.src = ""
	return token{kind: tokText, text: s}, true
}

// classify sorts a tag by its first character after stripping leading '{' and
// surrounding whitespace (so {{{Field}}} and {{ Field }} work).
func classify(inner string) token {
	s := strings.TrimLeft(inner, "{")
	s = strings.TrimFunc(s, isRustWhitespace)
	if len(s) < 2 {
		return token{kind: tokReplacement, text: s}
	}
	switch s[0] {
	case '#':
		return token{kind: tokOpen, text: strings.TrimLeftFunc(s[1:], isRustWhitespace)}
	case '/':
		return token{kind: tokClose, text: strings.TrimLeftFunc(s[1:], isRustWhitespace)}
	case '^':
		return token{kind: tokOpenNegated, text: strings.TrimLeftFunc(s[1:], isRustWhitespace)}
	}
	return token{kind: tokReplacement, text: s}
}

// Parse parses a card template. Errors are *TemplateError.
func Parse(src string) (*Template, error) {
	l := newLexer(src)
	nodes, err := parseInner(l, "", false)
	if err != nil {
		return nil, err
	}
	return &Template{nodes: nodes}, nil
}

func parseInner(l *lexer, open string, inSection bool) ([]node, error) {
	var nodes []node
	for {
		tok, ok := l.next()
		if !ok {
			break
		}
		switch tok.kind {
		case tokText:
			nodes = append(nodes, node{kind: nodeText, text: tok.text})
		case tokComment:
			nodes = append(nodes, node{kind: nodeComment, text: tok.text})
		case tokReplacement:
			nodes = append(nodes, replacementNode(tok.text))
		case tokOpen, tokOpenNegated:
			children, err := parseInner(l, tok.text, true)
			if err != nil {
				return nil, err
			}
			k := nodeConditional
			if tok.kind == tokOpenNegated {
				k = nodeNegated
			}
			nodes = append(nodes, node{kind: k, text: tok.text, children: children})
		case tokClose:
			if inSection && tok.text == open {
				return nodes, nil
			}
			return nil, &TemplateError{Kind: ErrConditionalNotOpen, Tag: tok.text, Open: open}
		}
	}
	if inSection {
		return nil, &TemplateError{Kind: ErrConditionalNotClosed, Tag: open}
	}
	return nodes, nil
}

// replacementNode splits "f1:f2:Field" from the right: the last segment is the
// field, the rest are filters applied right to left.
func replacementNode(s string) node {
	parts := strings.Split(s, ":")
	key := parts[len(parts)-1]
	var filters []string
	if len(parts) > 1 {
		filters = make([]string, 0, len(parts)-1)
		for i := len(parts) - 2; i >= 0; i-- {
			filters = append(filters, parts[i])
		}
	}
	return node{kind: nodeReplacement, text: key, filters: filters}
}

// isRustWhitespace is Rust's char::is_whitespace (Unicode White_Space), which
// str::trim uses.
func isRustWhitespace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// String writes the template back out in {{ }} syntax (comments verbatim).
func (t *Template) String() string {
	var b strings.Builder
	writeNodes(&b, t.nodes)
	return b.String()
}

func writeNodes(b *strings.Builder, nodes []node) {
	for _, n := range nodes {
		switch n.kind {
		case nodeText:
			b.WriteString(n.text)
		case nodeComment:
			b.WriteString(commentStart + n.text + commentEnd)
		case nodeReplacement:
			b.WriteString("{{")
			for i := len(n.filters) - 1; i >= 0; i-- {
				b.WriteString(n.filters[i] + ":")
			}
			b.WriteString(n.text + "}}")
		case nodeConditional, nodeNegated:
			c := "#"
			if n.kind == nodeNegated {
				c = "^"
			}
			b.WriteString("{{" + c + n.text + "}}")
			writeNodes(b, n.children)
			b.WriteString("{{/" + n.text + "}}")
		}
	}
}
