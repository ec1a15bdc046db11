package text

import (
	"strings"
)

// htmlTagEnd returns the end of the markup that Anki's HTML regex
// `(?si)(<!--.*?-->)|(<style.*?>.*?</style>)|(<script.*?>.*?</script>)|(<.*?>)`
// matches at s[i] (which must be '<'), or -1 if none does.
func htmlTagEnd(s string, i int) int {
	if strings.HasPrefix(s[i:], "<!--") {
		if j := strings.Index(s[i+4:], "-->"); j >= 0 {
			return i + 4 + j + 3
		}
	}
	for _, w := range [2][2]string{{"<style", "</style>"}, {"<script", "</script>"}} {
		if p, ok := hasPrefixFold(s, i, w[0]); ok {
			if gt := strings.IndexByte(s[p:], '>'); gt >= 0 {
				if _, e, ok := indexFold(s, p+gt+1, w[1]); ok {
					return e
				}
			}
		}
	}
	if gt := strings.IndexByte(s[i+1:], '>'); gt >= 0 {
		return i + 1 + gt + 1
	}
	return -1
}

// StripHTMLPreservingEntities removes comments, style and script blocks and all
// tags, leaving character references alone (Anki's strip_html_preserving_entities).
func StripHTMLPreservingEntities(s string) string {
	i := strings.IndexByte(s, '<')
	if i < 0 {
		return s
	}
	// Every alternative needs a '>' after the '<'; none past the last one can match.
	lastGT := strings.LastIndexByte(s, '>')
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for i >= 0 && i < lastGT {
		if e := htmlTagEnd(s, i); e >= 0 {
			b.WriteString(s[last:i])
			last = e
			i = e
		} else {
			i++
		}
		if i >= len(s) {
			break
		}
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			break
		}
		i += j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// StripHTML removes markup and decodes character references (Anki's strip_html).
func StripHTML(s string) string {
	return DecodeEntities(StripHTMLPreservingEntities(s))
}

// StripHTMLPreservingMediaFilenames replaces media tags by " filename " and then
// strips the rest like StripHTML. Anki uses it for the sort field and checksum.
func StripHTMLPreservingMediaFilenames(s string) string {
	return StripHTML(replaceMediaTags(s, func(m mediaTag) string {
		return " " + s[m.nameStart:m.nameEnd] + " "
	}))
}

// StripHTMLForTTS turns block-level tags into spaces before stripping, so words
// in adjacent blocks are not glued together when read aloud.
func StripHTMLForTTS(s string) string {
	return StripHTML(replaceLinebreakTags(s))
}

var linebreakTags = []string{
	"br", "address", "article", "aside", "blockquote", "canvas", "dd", "div",
	"dl", "dt", "fieldset", "figcaption", "figure", "footer", "form",
	"h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "noscript", "ol",
	"output", "p", "pre", "section", "table", "tfoot", "ul", "video",
}

// replaceLinebreakTags replaces `</?(block tag)>` (no attributes) with a space.
func replaceLinebreakTags(s string) string {
	if strings.IndexByte(s, '<') < 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '<' {
			continue
		}
		p := i + 1
		if p < len(s) && s[p] == '/' {
			p++
		}
		for _, t := range linebreakTags {
			if e, ok := hasPrefixFold(s, p, t); ok && e < len(s) && s[e] == '>' {
				b.WriteString(s[last:i])
				b.WriteByte(' ')
				last = e + 1
				i = e
				break
			}
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}
