package search

import (
	"unicode"
	"unicode/utf8"
)

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.M, r) || unicode.Is(unicode.Nd, r) ||
		unicode.Is(unicode.Nl, r) || unicode.Is(unicode.Pc, r)
}

// wordRegex is Anki's \b<word>\b for w:, with the two word boundaries written so
// that they respect Unicode letters (Go's \b only knows ASCII): a boundary before
// a word character means "start of text or a non-word character before it", and
// before a non-word character it means "a word character before it". Next to a
// wildcard the boundary is dropped, which is what \b.* amounts to in practice.
func wordRegex(text string) string {
	type tok struct {
		wild bool
		r    rune
	}
	var toks []tok
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if r == '\\' && i+1 < len(text) {
			n, nsize := utf8.DecodeRuneInString(text[i+1:])
			toks = append(toks, tok{r: n})
			i += 1 + nsize
			continue
		}
		toks = append(toks, tok{wild: r == '*' || r == '_', r: r})
		i += size
	}
	if len(toks) == 0 {
		return `\b\b`
	}
	const word = `[` + uniWord + `]`
	const nonWord = `[^` + uniWord + `]`
	boundary := func(t tok, edge string) string {
		switch {
		case t.wild:
			return ""
		case isWordRune(t.r):
			return "(?:" + edge + "|" + nonWord + ")"
		}
		return word
	}
	return boundary(toks[0], "^") + toRe(text) + boundary(toks[len(toks)-1], "$")
}
