package search

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Parse returns the syntax tree of query as a *Group, or an *Error.
// The grammar is Anki 25.09's: only the ends of the query are trimmed of any
// whitespace; terms are separated by spaces or U+3000.
func Parse(query string) (Node, error) {
	g, err := parse(query)
	if err != nil {
		return nil, err
	}
	return g, nil
}

func parse(query string) (*Group, *Error) {
	trimmed := strings.TrimRightFunc(query, unicode.IsSpace)
	start := len(trimmed)
	trimmed = strings.TrimLeftFunc(trimmed, unicode.IsSpace)
	start -= len(trimmed)
	if trimmed == "" {
		return &Group{Nodes: []Node{WholeCollection{}}}, nil
	}
	p := &parser{s: trimmed, base: start}
	nodes, rest, err := p.groupInner(0)
	if err != nil {
		return nil, err
	}
	if rest != len(p.s) {
		// an unmatched ) is the only thing no node consumes
		return nil, p.err(rest, ErrUnopenedGroup, "", "")
	}
	return &Group{Nodes: nodes}, nil
}

type parser struct {
	s    string
	base int // offset of s in the caller's query
}

// failure is a parser failure: recoverable ones let the caller try something else
// (nom's Err::Error), the others end the parse (Err::Failure).
type failure struct {
	recoverable bool
	err         *Error
}

var errSoft = &failure{recoverable: true}

func (p *parser) err(i int, kind ErrorKind, provided, context string) *Error {
	return newError(p.base+i, kind, provided, context)
}

func (p *parser) hard(i int, kind ErrorKind, provided, context string) *failure {
	return &failure{err: p.err(i, kind, provided, context)}
}

func isSep(r rune) bool { return r == ' ' || r == '\u3000' }

func (p *parser) skipWS(i int) int {
	for i < len(p.s) {
		r, size := utf8.DecodeRuneInString(p.s[i:])
		if !isSep(r) {
			break
		}
		i += size
	}
	return i
}

// groupInner parses zero or more nodes up to a ) or the end, inserting implicit ANDs.
func (p *parser) groupInner(i int) ([]Node, int, *Error) {
	var nodes []Node
	var lastOpPos int
	for {
		n, j, f := p.node(i)
		if f != nil {
			if f.recoverable {
				break
			}
			return nil, 0, f.err
		}
		opPos := p.skipWS(i)
		i = j
		_, isAnd := n.(And)
		_, isOr := n.(Or)
		if len(nodes)%2 == 0 {
			if isAnd {
				return nil, 0, p.err(opPos, ErrMisplacedAnd, "", "")
			}
			if isOr {
				return nil, 0, p.err(opPos, ErrMisplacedOr, "", "")
			}
		} else if !isAnd && !isOr {
			nodes = append(nodes, And{})
		}
		if isAnd || isOr {
			lastOpPos = opPos
		}
		nodes = append(nodes, n)
	}
	if len(nodes) > 0 {
		switch nodes[len(nodes)-1].(type) {
		case And:
			return nil, 0, p.err(lastOpPos, ErrMisplacedAnd, "", "")
		case Or:
			return nil, 0, p.err(lastOpPos, ErrMisplacedOr, "", "")
		}
	}
	return nodes, p.skipWS(i), nil
}

// node parses optional whitespace, then a negated node, a group or a text term.
func (p *parser) node(i int) (Node, int, *failure) {
	j := p.skipWS(i)
	if n, k, f := p.negated(j); f == nil || !f.recoverable {
		return n, k, f
	}
	if n, k, f := p.group(j); f == nil || !f.recoverable {
		return n, k, f
	}
	return p.text(j)
}

func (p *parser) negated(i int) (Node, int, *failure) {
	if i >= len(p.s) || p.s[i] != '-' {
		return nil, 0, errSoft
	}
	n, k, f := p.group(i + 1)
	if f != nil && f.recoverable {
		n, k, f = p.text(i + 1)
	}
	if f != nil {
		return nil, 0, f
	}
	return &Not{Node: n}, k, nil
}

func (p *parser) group(i int) (Node, int, *failure) {
	if i >= len(p.s) || p.s[i] != '(' {
		return nil, 0, errSoft
	}
	inner, tail, err := p.groupInner(i + 1)
	if err != nil {
		return nil, 0, &failure{err: err}
	}
	if tail < len(p.s) && p.s[tail] == ')' {
		if len(inner) == 0 {
			return nil, 0, p.hard(i, ErrEmptyGroup, "", "")
		}
		return &Group{Nodes: inner}, tail + 1, nil
	}
	return nil, 0, p.hard(i, ErrUnclosedGroup, "", "")
}

func (p *parser) text(i int) (Node, int, *failure) {
	if n, k, f := p.quotedTerm(i); f == nil || !f.recoverable {
		return n, k, f
	}
	if n, k, f := p.partiallyQuotedTerm(i); f == nil || !f.recoverable {
		return n, k, f
	}
	return p.unquotedTerm(i)
}

// lexFail says why lexEscaped stopped without a result.
type lexFail int

const (
	lexOK      lexFail = iota
	lexNothing         // nothing matched, or a trailing backslash
	lexNoneOf          // a backslash followed by a character that may not be escaped here
)

// lexEscaped behaves like nom's escaped(is_not(stop), '\\', none_of(noEscape)):
// it consumes characters not in stop and backslash escapes. stop must contain '\\'.
// On lexNoneOf, at is the offset of the character after the backslash.
func lexEscaped(s, stop, noEscape string) (n int, fail lexFail, at int) {
	i := 0
	for i < len(s) {
		j := i
		for j < len(s) {
			r, size := utf8.DecodeRuneInString(s[j:])
			if strings.ContainsRune(stop, r) {
				break
			}
			j += size
		}
		if j > i {
			i = j
			continue
		}
		if s[i] == '\\' {
			if i+1 >= len(s) {
				return 0, lexNothing, 0
			}
			r, size := utf8.DecodeRuneInString(s[i+1:])
			if strings.ContainsRune(noEscape, r) {
				return 0, lexNoneOf, i + 1
			}
			i += 1 + size
			continue
		}
		if i == 0 {
			return 0, lexNothing, 0
		}
		return i, lexOK, 0
	}
	return len(s), lexOK, 0
}

// quotedString parses a non-empty string between unescaped double quotes and
// returns its raw content and the offset after the closing quote.
func (p *parser) quotedString(i int) (string, int, *failure) {
	if i >= len(p.s) || p.s[i] != '"' {
		return "", 0, errSoft
	}
	open := i + 1
	n, fail, _ := lexEscaped(p.s[open:], `"\`, "")
	if fail != lexOK {
		if p.s[open] == '"' {
			return "", 0, p.hard(i, ErrEmptyQuote, "", "")
		}
		return "", 0, p.hard(i, ErrUnclosedQuote, "", "")
	}
	tail := open + n
	if tail < len(p.s) && p.s[tail] == '"' {
		return p.s[open:tail], tail + 1, nil
	}
	return "", 0, p.hard(i, ErrUnclosedQuote, "", "")
}

func (p *parser) quotedTerm(i int) (Node, int, *failure) {
	inner, end, f := p.quotedString(i)
	if f != nil {
		return nil, 0, f
	}
	n, err := p.searchNodeForText(inner, i+1)
	if err != nil {
		return nil, 0, &failure{err: err}
	}
	return n, end, nil
}

// partiallyQuotedTerm parses key:"quoted value".
func (p *parser) partiallyQuotedTerm(i int) (Node, int, *failure) {
	n, fail, _ := lexEscaped(p.s[i:], "\"(): \u3000\\", " \u3000")
	if fail != lexOK {
		return nil, 0, errSoft
	}
	colon := i + n
	if colon >= len(p.s) || p.s[colon] != ':' {
		return nil, 0, errSoft
	}
	val, end, f := p.quotedString(colon + 1)
	if f != nil {
		return nil, 0, f
	}
	node, err := p.withArgument(p.s[i:colon], val, i, colon+2)
	if err != nil {
		return nil, 0, &failure{err: err}
	}
	return node, end, nil
}

// unquotedTerm parses text up to whitespace or an unescaped ", ( or ).
func (p *parser) unquotedTerm(i int) (Node, int, *failure) {
	n, fail, at := lexEscaped(p.s[i:], "\"() \u3000\\", " \u3000")
	switch fail {
	case lexNoneOf:
		// nom reports everything after the backslash as the escape
		return nil, 0, p.hard(i, ErrUnknownEscape, `\`+p.s[i+at:], "")
	case lexNothing:
		if i >= len(p.s) {
			return nil, 0, errSoft
		}
		r, _ := utf8.DecodeRuneInString(p.s[i:])
		if strings.ContainsRune("\"() \u3000", r) {
			return nil, 0, errSoft
		}
		// the input ends in an odd number of backslashes
		return nil, 0, p.hard(i, ErrUnknownEscape, `\`, "")
	}
	term := p.s[i : i+n]
	switch {
	case term == "":
		return nil, 0, errSoft
	case strings.EqualFold(term, "and") && isASCII(term):
		return And{}, i + n, nil
	case strings.EqualFold(term, "or") && isASCII(term):
		return Or{}, i + n, nil
	}
	node, err := p.searchNodeForText(term, i)
	if err != nil {
		return nil, 0, &failure{err: err}
	}
	return node, i + n, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// searchNodeForText splits text at its first unescaped colon into key and value.
// pos is the offset of text in p.s.
func (p *parser) searchNodeForText(text string, pos int) (Node, *Error) {
	n, fail, _ := lexEscaped(text, `:\`, "")
	if fail != lexOK || n == 0 {
		return nil, p.err(pos, ErrMissingKey, "", "")
	}
	if n == len(text) {
		s, err := unescape(text, p.base+pos)
		if err != nil {
			return nil, err
		}
		return Text{Text: s}, nil
	}
	return p.withArgument(text[:n], text[n+1:], pos, pos+n+1)
}
