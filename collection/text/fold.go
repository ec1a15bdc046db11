package text

import (
	"unicode"
	"unicode/utf8"
)

// hasPrefixFold reports whether s[i:] starts with the ASCII literal lit under Unicode
// simple case folding (as the (?i) flag of Anki's regexes does, so "ſ" matches "s"),
// and returns the index just past the match.
func hasPrefixFold(s string, i int, lit string) (int, bool) {
	for j := 0; j < len(lit); j++ {
		if i >= len(s) {
			return 0, false
		}
		c := s[i]
		l := lit[j]
		if c < utf8.RuneSelf {
			if c != l && lower(c) != l {
				return 0, false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if !foldEq(r, rune(l)) {
			return 0, false
		}
		i += size
	}
	return i, true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// foldEq reports whether r and l are in the same simple case-folding orbit.
func foldEq(r, l rune) bool {
	if r == l {
		return true
	}
	for f := unicode.SimpleFold(l); f != l; f = unicode.SimpleFold(f) {
		if f == r {
			return true
		}
	}
	return false
}

// indexFold finds lit (ASCII) in s at or after from under simple case folding.
func indexFold(s string, from int, lit string) (start, end int, ok bool) {
	for i := from; i < len(s); i++ {
		if e, ok := hasPrefixFold(s, i, lit); ok {
			return i, e, true
		}
	}
	return 0, 0, false
}

// isWordRune approximates the Unicode \w class of Rust's regex crate
// (Alphabetic, marks, decimal digits, connector punctuation, joiners).
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.Is(unicode.Nd, r) ||
		unicode.Is(unicode.Pc, r) || unicode.Is(unicode.Nl, r) ||
		unicode.Is(unicode.Other_Alphabetic, r) || r == 0x200C || r == 0x200D
}
