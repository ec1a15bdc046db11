package template

import (
	"encoding/hex"
	"regexp"
	"strings"
	"unicode"

	"github.com/deckhand-app/deckhand/collection/text"
)

// filterContext is what the built-in filters need to know about the card.
type filterContext struct {
	clozeOrd int  // cloze number of the card (card ord + 1)
	question bool // rendering the question side
}

// normalizeTypeFilters applies Anki's rewrite of chains ending in "type" (in
// application order): type:cloze:F -> type-cloze, type:nc:F -> type-nc, and any
// other chain ending in type -> plain type.
func normalizeTypeFilters(filters []string) []string {
	n := len(filters)
	if n == 0 || filters[n-1] != "type" {
		return filters
	}
	if n == 2 && filters[0] == "cloze" {
		return []string{"type-cloze"}
	}
	if n == 2 && filters[0] == "nc" {
		return []string{"type-nc"}
	}
	return []string{"type"}
}

// applyBuiltinFilter applies one built-in filter; ok is false for unknown names.
func applyBuiltinFilter(name, s, field string, ctx filterContext) (string, bool) {
	switch name {
	case "text":
		return text.StripHTML(s), true
	case "furigana":
		return furigana(s, furiganaRuby), true
	case "kanji":
		return furigana(s, furiganaKanji), true
	case "kana":
		return furigana(s, furiganaKana), true
	case "type":
		return "[[type:" + field + "]]", true
	case "type-cloze":
		return "[[type:cloze:" + field + "]]", true
	case "type-nc":
		return "[[type:nc:" + field + "]]", true
	case "hint":
		return hintFilter(s, field), true
	case "cloze":
		return clozeFilter(s, ctx.clozeOrd, ctx.question), true
	case "cloze-only":
		return RevealClozeTextOnly(s, ctx.clozeOrd, ctx.question), true
	case "":
		// An empty name (from "::") is ignored.
		return s, true
	}
	if opts, ok := strings.CutPrefix(name, "tts "); ok {
		return "[anki:tts lang=" + opts + "]" + s + "[/anki:tts]", true
	}
	return s, false
}

var furiganaRE = regexp.MustCompile(` ?([^ >]+?)\[(.+?)\]`)

type furiganaMode uint8

const (
	furiganaRuby furiganaMode = iota
	furiganaKanji
	furiganaKana
)

// furigana handles "base[reading]" annotations; [sound:…] tags are left alone.
func furigana(s string, mode furiganaMode) string {
	s = strings.ReplaceAll(s, "&nbsp;", " ")
	if !strings.Contains(s, "[") {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range furiganaRE.FindAllStringSubmatchIndex(s, -1) {
		b.WriteString(s[last:m[0]])
		last = m[1]
		base, reading := s[m[2]:m[3]], s[m[4]:m[5]]
		switch {
		case strings.HasPrefix(reading, "sound:"):
			b.WriteString(s[m[0]:m[1]])
		case mode == furiganaKanji:
			b.WriteString(base)
		case mode == furiganaKana:
			b.WriteString(reading)
		default:
			b.WriteString("<ruby><rb>" + base + "</rb><rt>" + reading + "</rt></ruby>")
		}
	}
	b.WriteString(s[last:])
	return b.String()
}

// hintFilter hides the field behind a link labelled with the field name; the
// element id is the first 8 bytes of BLAKE3(text + field name), as in Anki.
func hintFilter(s, field string) string {
	if strings.TrimFunc(s, unicode.IsSpace) == "" {
		return s
	}
	sum := blake3Sum256([]byte(s + field))
	id := hex.EncodeToString(sum[:8])
	return "\n<a class=hint href=\"#\"\nonclick=\"this.style.display='none';\ndocument.getElementById('hint" + id +
		"').style.display='block';\nreturn false;\" draggable=false>\n" + field +
		"</a>\n<div id=\"hint" + id + "\" class=hint style=\"display: none\">" + s + "</div>\n"
}
