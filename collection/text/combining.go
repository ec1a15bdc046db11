package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// extraNoCombining folds letters that have no decomposition but that Anki's
// without_combining still maps to ASCII, so "nc:" searches match them.
var extraNoCombining = map[rune]string{
	'€': "E", 'Æ': "AE", 'Ð': "D", 'Ø': "O", 'Þ': "TH", 'ß': "s", 'æ': "ae",
	'ð': "d", 'ø': "o", 'þ': "th", 'Đ': "D", 'đ': "d", 'Ħ': "H", 'ħ': "h",
	'ı': "i", 'ĸ': "k", 'Ł': "L", 'ł': "l", 'Ŋ': "N", 'ŋ': "n", 'Œ': "OE",
	'œ': "oe", 'Ŧ': "T", 'ŧ': "t", 'Ə': "E", 'ǝ': "e", 'ɑ': "a",
}

// WithoutCombining converts s to NFKD, drops combining marks (general category
// M) and applies Anki's extra letter replacements, like Anki's without_combining
// used by "nc:" searches. ASCII input is returned unchanged without allocating.
func WithoutCombining(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	d := norm.NFKD.String(s)
	var b strings.Builder
	b.Grow(len(d))
	for _, r := range d {
		if unicode.IsMark(r) {
			continue
		}
		if rep, ok := extraNoCombining[r]; ok {
			b.WriteString(rep)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
