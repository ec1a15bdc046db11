package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// HTMLToTextLine renders a field as one line of plain text for browser columns,
// like Anki's html_to_text_line(html, preserve_media_filenames=true): <br>, <div>
// and newlines become spaces, [[type:…]] markers vanish, [sound:x] becomes x,
// media tags become their file names, other markup is stripped, and the result
// is trimmed.
func HTMLToTextLine(s string) string {
	return htmlToTextLine(s, true)
}

// HTMLToTextLinePlain is the variant without media file names (Anki's
// preserve_media_filenames=false, used for CSV export): sound tags and media tags
// disappear.
func HTMLToTextLinePlain(s string) string {
	return htmlToTextLine(s, false)
}

func htmlToTextLine(s string, preserveMedia bool) string {
	s = replaceSpacers(s)
	s = removeTypeTags(s)
	s = replaceSoundTags(s, preserveMedia)
	if preserveMedia {
		s = StripHTMLPreservingMediaFilenames(s)
	} else {
		s = StripHTML(s)
	}
	return strings.TrimFunc(s, unicode.IsSpace)
}

// replaceSpacers turns `(?i)<br\s*/?>|<div>|\n` into single spaces.
func replaceSpacers(s string) string {
	if strings.IndexByte(s, '<') < 0 && strings.IndexByte(s, '\n') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\n':
			b.WriteString(s[last:i])
			b.WriteByte(' ')
			last = i + 1
		case '<':
			if e, ok := hasPrefixFold(s, i, "<br"); ok {
				for e < len(s) {
					r, size := utf8.DecodeRuneInString(s[e:])
					if !unicode.IsSpace(r) {
						break
					}
					e += size
				}
				if e < len(s) && s[e] == '/' {
					e++
				}
				if e < len(s) && s[e] == '>' {
					b.WriteString(s[last:i])
					b.WriteByte(' ')
					last = e + 1
					i = e
				}
			} else if e, ok := hasPrefixFold(s, i, "<div>"); ok {
				b.WriteString(s[last:i])
				b.WriteByte(' ')
				last = e
				i = e - 1
			}
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// removeTypeTags deletes `\[\[type:[^]]+\]\]` markers.
func removeTypeTags(s string) string {
	const open = "[[type:"
	if !strings.Contains(s, open) {
		return s
	}
	var b strings.Builder
	last := 0
	for from := 0; ; {
		j := strings.Index(s[from:], open)
		if j < 0 {
			break
		}
		start := from + j
		ns := start + len(open)
		k := strings.IndexByte(s[ns:], ']')
		if k > 0 && ns+k+1 < len(s) && s[ns+k+1] == ']' {
			b.WriteString(s[last:start])
			last = ns + k + 2
			from = last
			continue
		}
		from = start + 1
	}
	b.WriteString(s[last:])
	return b.String()
}

// replaceSoundTags rewrites `\[sound:([^]]+)\]` to the file name or nothing.
func replaceSoundTags(s string, keepName bool) string {
	const open = "[sound:"
	if !strings.Contains(s, open) {
		return s
	}
	var b strings.Builder
	last := 0
	for from := 0; ; {
		j := strings.Index(s[from:], open)
		if j < 0 {
			break
		}
		start := from + j
		ns := start + len(open)
		k := strings.IndexByte(s[ns:], ']')
		if k > 0 {
			b.WriteString(s[last:start])
			if keepName {
				b.WriteString(s[ns : ns+k])
			}
			last = ns + k + 1
			from = last
			continue
		}
		from = start + 1
	}
	b.WriteString(s[last:])
	return b.String()
}
