package search

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// Escape handling follows Anki's rules: the parser understands \" \\ \: \( \) \-
// and leaves \* \_ for the wildcard converters; any other escape is an error.

const (
	escapable       = `\":*_()-`
	parserEscapable = `":()-`
)

// invalidEscape returns the first escape sequence that is not defined, if any.
func invalidEscape(s string) (string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		if i+1 >= len(s) {
			return `\`, true
		}
		r, size := utf8.DecodeRuneInString(s[i+1:])
		if !strings.ContainsRune(escapable, r) {
			return `\` + string(r), true
		}
		i += size
	}
	return "", false
}

// unescape removes the escapes meaningful to the parser (":()-), keeping \\ \* \_.
func unescape(s string, pos int) (string, *Error) {
	if seq, bad := invalidEscape(s); bad {
		return "", newError(pos, ErrUnknownEscape, seq, "")
	}
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			n := s[i+1]
			if strings.IndexByte(parserEscapable, n) >= 0 {
				b.WriteByte(n)
			} else {
				b.WriteByte('\\')
				b.WriteByte(n)
			}
			i++
			continue
		}
		b.WriteByte(c)
	}
	return b.String(), nil
}

// unescapeQuotes turns \" into " (raw contexts such as re:).
func unescapeQuotes(s string) string {
	if strings.Contains(s, `"`) {
		return strings.ReplaceAll(s, `\"`, `"`)
	}
	return s
}

// unescapeQuotesAndBackslashes is for dupe: text, which is not a glob.
func unescapeQuotesAndBackslashes(s string) string {
	if strings.ContainsAny(s, `"\`) {
		return strings.ReplaceAll(strings.ReplaceAll(s, `\"`, `"`), `\\`, `\`)
	}
	return s
}

// isGlob reports an unescaped * or _.
func isGlob(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '*', '_':
			return true
		}
	}
	return false
}

// toCustomRe converts Anki wildcards to a regular expression, using wildcard for
// one character: * becomes wildcard*, _ becomes wildcard, \* and \\ stay escaped,
// \_ becomes a literal _ and everything else is quoted.
func toCustomRe(s, wildcard string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == '\\' && i+1 < len(s) {
			n, nsize := utf8.DecodeRuneInString(s[i+1:])
			switch n {
			case '\\', '*':
				b.WriteByte('\\')
				b.WriteRune(n)
			case '_':
				b.WriteByte('_')
			default:
				b.WriteString(regexp.QuoteMeta(`\`))
				b.WriteString(regexp.QuoteMeta(string(n)))
			}
			i += 1 + nsize
			continue
		}
		switch r {
		case '*':
			b.WriteString(wildcard + "*")
		case '_':
			b.WriteString(wildcard)
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
		i += size
	}
	return b.String()
}

func toRe(s string) string { return toCustomRe(s, ".") }

// toSQL converts Anki wildcards to a LIKE pattern with escape '\': * is %, a literal
// % is escaped, _ stays the one-character wildcard, \* becomes *, \\ and \_ stay.
func toSQL(s string) string {
	if !strings.ContainsAny(s, `\*%`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '\\' || s[i+1] == '*'):
			if s[i+1] == '\\' {
				b.WriteString(`\\`)
			} else {
				b.WriteByte('*')
			}
			i++
		case c == '*':
			b.WriteByte('%')
		case c == '%':
			b.WriteString(`\%`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// toText removes every escape.
func toText(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
