package search

import (
	"regexp"
	"strings"
	"sync"
)

// Anki's regular expressions are Rust regex, where \d \w \s are Unicode-aware;
// in Go they are ASCII-only, so they are rewritten to Unicode classes.
// \b and \B stay ASCII-only (RE2 cannot express a Unicode word boundary).
const (
	uniWord  = `\p{L}\p{M}\p{Nd}\p{Nl}\p{Pc}`
	uniSpace = `\t\n\v\f\r\x{85}\p{Z}`
)

// goRegex rewrites Rust regex shorthand classes to their Unicode Go equivalents.
func goRegex(re string) string {
	if !strings.Contains(re, `\`) {
		return re
	}
	var b strings.Builder
	inClass := false
	for i := 0; i < len(re); i++ {
		c := re[i]
		switch {
		case c == '\\' && i+1 < len(re):
			n := re[i+1]
			i++
			switch {
			case n == 'd' || n == 'w' || n == 's':
				set := map[byte]string{'d': `\p{Nd}`, 'w': uniWord, 's': uniSpace}[n]
				if inClass {
					b.WriteString(set)
				} else {
					b.WriteString("[" + set + "]")
				}
			case !inClass && (n == 'D' || n == 'W' || n == 'S'):
				set := map[byte]string{'D': `\p{Nd}`, 'W': uniWord, 'S': uniSpace}[n]
				b.WriteString("[^" + set + "]")
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
		case c == '[' && !inClass:
			inClass = true
			b.WriteByte(c)
			// a ] right after [ or [^ is literal
			if i+1 < len(re) && re[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(re) && re[i+1] == ']' {
				b.WriteByte(']')
				i++
			}
		case c == '[' && inClass && i+1 < len(re) && re[i+1] == ':':
			// POSIX class such as [:alpha:]
			end := strings.Index(re[i:], ":]")
			if end < 0 {
				b.WriteByte(c)
				continue
			}
			b.WriteString(re[i : i+end+2])
			i += end + 1
		case c == ']' && inClass:
			inClass = false
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

var reCache sync.Map // pattern -> *regexp.Regexp
var reCacheLen int
var reCacheMu sync.Mutex

// compileRegex compiles an Anki (Rust-syntax) pattern, caching the result because
// SQL functions see the same pattern once per row.
func compileRegex(pattern string) (*regexp.Regexp, error) {
	if v, ok := reCache.Load(pattern); ok {
		return v.(*regexp.Regexp), nil
	}
	re, err := regexp.Compile(goRegex(pattern))
	if err != nil {
		return nil, err
	}
	reCacheMu.Lock()
	if reCacheLen > 512 {
		reCache.Clear()
		reCacheLen = 0
	}
	reCacheLen++
	reCacheMu.Unlock()
	reCache.Store(pattern, re)
	return re, nil
}
