package text

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// DecodeEntities decodes HTML character references the way Anki does.
//
// Anki uses a strict decoder: named references must be HTML 4 names ending in ';',
// numeric ones "&#123;" or "&#x7B;" (lower-case x only). If any '&' in the text
// does not start a valid reference, the text is returned unchanged. After a
// successful decode every U+00A0 (however it got there) becomes a plain space.
func DecodeEntities(s string) string {
	if strings.IndexByte(s, '&') < 0 {
		return s
	}
	out, ok := decodeStrict(s)
	if !ok {
		return s
	}
	return strings.ReplaceAll(out, "\u00a0", " ")
}

type decodeState uint8

const (
	stNormal decodeState = iota
	stEntity
	stNamed
	stNumeric
	stHex
	stDec
)

// decodeStrict reports false on the first malformed reference.
func decodeStrict(s string) (string, bool) {
	var b strings.Builder
	b.Grow(len(s))
	state := stNormal
	start := 0 // start of the reference body (after '&', '&#' or '&#x')
	for i, c := range s {
		switch state {
		case stNormal:
			if c == '&' {
				state = stEntity
			} else {
				b.WriteRune(c)
			}
		case stEntity:
			if c == '#' {
				state = stNumeric
			} else {
				state = stNamed
				start = i
			}
		case stNamed:
			if c == ';' {
				r, ok := html4Entities[s[start:i]]
				if !ok {
					return "", false
				}
				b.WriteRune(r)
				state = stNormal
			}
		case stNumeric:
			switch {
			case c >= '0' && c <= '9':
				state = stDec
				start = i
			case c == 'x':
				state = stHex
				start = i + 1
			default:
				return "", false
			}
		case stDec, stHex:
			if c == ';' {
				base := 10
				if state == stHex {
					base = 16
				}
				n, err := strconv.ParseUint(s[start:i], base, 32)
				if err != nil || n > utf8.MaxRune || (n >= 0xD800 && n <= 0xDFFF) {
					return "", false
				}
				b.WriteRune(rune(n))
				state = stNormal
			} else if !(c >= '0' && c <= '9') && !(state == stHex && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F')) {
				return "", false
			}
		}
	}
	if state != stNormal {
		return "", false
	}
	return b.String(), true
}

// EncodeMinimal escapes the five HTML-significant characters (htmlescape's
// encode_minimal): " & ' < >.
func EncodeMinimal(s string) string {
	if !strings.ContainsAny(s, "\"&'<>") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, c := range s {
		if e := minimalEntity(c); e != "" {
			b.WriteString(e)
		} else {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func minimalEntity(c rune) string {
	switch c {
	case '"':
		return "&quot;"
	case '&':
		return "&amp;"
	case '\'':
		return "&#x27;"
	case '<':
		return "&lt;"
	case '>':
		return "&gt;"
	}
	return ""
}

// EncodeAttribute escapes text for an HTML attribute value the way Anki's
// htmlescape::encode_attribute does: the minimal entities, then every other code
// point below 256 that is not an ASCII letter or digit as "&#xHH;" (upper-case hex).
func EncodeAttribute(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s) * 2)
	for _, c := range s {
		if e := minimalEntity(c); e != "" {
			b.WriteString(e)
			continue
		}
		if c < 256 && (c > 127 || !isASCIIAlnum(c)) {
			b.WriteString("&#x")
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xF])
			b.WriteByte(';')
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

func isASCIIAlnum(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
