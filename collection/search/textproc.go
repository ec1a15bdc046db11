package search

import (
	"html"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// extraNoCombining maps letters that NFKD does not decompose to their base
// letters, as Anki's without_combining does (text.rs).
var extraNoCombining = map[rune]string{
	'€': "E", 'Æ': "AE", 'Ð': "D", 'Ø': "O", 'Þ': "TH", 'ß': "s", 'æ': "ae", 'ð': "d",
	'ø': "o", 'þ': "th", 'Đ': "D", 'đ': "d", 'Ħ': "H", 'ħ': "h", 'ı': "i", 'ĸ': "k",
	'Ł': "L", 'ł': "l", 'Ŋ': "N", 'ŋ': "n", 'Œ': "OE", 'œ': "oe", 'Ŧ': "T", 'ŧ': "t",
	'Ə': "E", 'ǝ': "e", 'ɑ': "a",
}

// withoutCombining returns s in NFKD form without combining marks (accents), and
// whether that changed anything.
func withoutCombining(s string) (string, bool) {
	if isASCII(s) {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFKD.String(s) {
		if unicode.Is(unicode.M, r) {
			continue
		}
		if repl, ok := extraNoCombining[r]; ok {
			b.WriteString(repl)
			continue
		}
		b.WriteRune(r)
	}
	out := b.String()
	return out, out != s
}

func foldAccents(s string) string {
	out, _ := withoutCombining(s)
	return out
}

// nfc normalises search text like notes are normalised when saved.
func nfc(s string) string {
	if isASCII(s) {
		return s
	}
	return norm.NFC.String(s)
}

var (
	htmlTagsRe = regexp.MustCompile(`(?si)(<!--.*?-->)|(<style.*?>.*?</style>)|(<script.*?>.*?</script>)|(<.*?>)`)
	mediaTagRe = regexp.MustCompile(`(?si)<\b(?:img|audio|video|object|source)\b(?:[^>]|"[^"]+?"|'[^']+?')+?\b(?:src|data)\b=(?:"([^"]+?)"[^>]*>|'([^']+?)'[^>]*>|([^ >]+?)(?:\x20[^>]*>|>))`)
	clozeRe    = regexp.MustCompile(`(?s)\{\{c\d+::(.*?)(::.*?)?\}\}`)
)

// stripHTMLPreservingMedia removes HTML but keeps media file names, as Anki does
// before checksumming and comparing first fields for duplicates.
func stripHTMLPreservingMedia(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s
	}
	s = mediaTagRe.ReplaceAllString(s, " ${1}${2}${3} ")
	s = htmlTagsRe.ReplaceAllString(s, "")
	if strings.Contains(s, "&") {
		s = strings.ReplaceAll(html.UnescapeString(s), "\u00a0", " ")
	}
	return s
}

// stripClozes replaces {{c1::text::hint}} with text.
func stripClozes(s string) string {
	if !strings.Contains(s, "{{c") {
		return s
	}
	return clozeRe.ReplaceAllString(s, "${1}")
}
