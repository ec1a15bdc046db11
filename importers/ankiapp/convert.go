package ankiapp

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"

	"github.com/deckhand-app/deckhand/collection/text"
)

// escapeText turns plain text into field HTML: the characters HTML gives meaning to are
// escaped (quotes need not be outside attributes) and line breaks become <br>.
func escapeText(s string) string {
	s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", "<br>")
}

var markdown = goldmark.New(
	goldmark.WithExtensions(extension.GFM),
	// The deck is the user's own content and Anki fields are HTML anyway: raw HTML in
	// Markdown is kept rather than silently dropped.
	goldmark.WithRendererOptions(html.WithUnsafe()),
)

// markdownToHTML renders Markdown; "{{blob ID}}" markers pass through unchanged.
func markdownToHTML(s string) string {
	var b bytes.Buffer
	if err := markdown.Convert([]byte(s), &b); err != nil {
		return escapeText(s)
	}
	return strings.TrimRight(b.String(), "\n")
}

var (
	texDisplay = regexp.MustCompile(`(?s)\$\$(.+?)\$\$`)
	texInline  = regexp.MustCompile(`(?s)\$([^$]+?)\$`)
)

// texToMathJax gives a TeX field Anki's MathJax delimiters: \[…\] for a bare formula,
// $$…$$ and $…$ rewritten to \[…\] and \(…\); text already using \( or \[ is kept.
func texToMathJax(s string) string {
	t := strings.TrimSpace(s)
	if t == "" {
		return ""
	}
	switch {
	case strings.Contains(t, `\(`) || strings.Contains(t, `\[`):
	case strings.Contains(t, "$"):
		t = texDisplay.ReplaceAllString(t, `\[$1\]`)
		t = texInline.ReplaceAllString(t, `\($1\)`)
	default:
		t = `\[` + t + `\]`
	}
	// MathJax reads the text content, so escaping for HTML changes nothing it sees.
	return escapeText(t)
}

var rubyRe = regexp.MustCompile(`(?is)<ruby>\s*(?:<rb>)?(.*?)(?:</rb>)?\s*(?:<rp>.*?</rp>)?\s*<rt>(.*?)</rt>\s*(?:<rp>.*?</rp>)?\s*</ruby>`)

// readingToFurigana rewrites <ruby> markup as Anki's "base[reading]" syntax, which the
// furigana:, kana: and kanji: filters understand (a space marks where the base starts).
// Text already in that syntax is kept.
func readingToFurigana(s string, isHTML bool) string {
	if isHTML && strings.Contains(strings.ToLower(s), "<ruby") {
		s = rubyRe.ReplaceAllStringFunc(s, func(m string) string {
			sub := rubyRe.FindStringSubmatch(m)
			base := text.StripHTML(sub[1])
			reading := text.StripHTML(sub[2])
			return " " + base + "[" + reading + "]"
		})
		return strings.TrimPrefix(s, " ")
	}
	if isHTML {
		return s
	}
	return escapeText(s)
}

// toHTML converts one value of a field of type typ to Anki field HTML, media markers
// still in place.
func toHTML(typ, lang, content string) string {
	switch typ {
	case "rich-text", "field":
		return content
	case "text", "tts", "translation":
		return escapeText(content)
	case "markdown":
		return markdownToHTML(content)
	case "code":
		class := ""
		if lang != "" {
			class = ` class="language-` + text.EncodeAttribute(lang) + `"`
		}
		return "<pre><code" + class + ">" + strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(content) + "</code></pre>"
	case "tex":
		return texToMathJax(content)
	case "japanese", "chinese":
		return readingToFurigana(content, isHTML(content))
	case "audio", "img", "image", "video":
		return strings.TrimSpace(content)
	}
	// Unknown types: HTML when it looks like HTML, else text.
	if isHTML(content) {
		return content
	}
	return escapeText(content)
}

func isHTML(s string) bool {
	i := strings.IndexByte(s, '<')
	return i >= 0 && strings.IndexByte(s[i+1:], '>') >= 0
}

// ttsLang turns "ja-JP" into Anki's "ja_JP".
func ttsLang(lang string) string { return strings.ReplaceAll(strings.TrimSpace(lang), "-", "_") }

var (
	blobMarker = regexp.MustCompile(`\{\{blob ([^{}\s]+)\}\}`)
	// AnkiApp also writes media as HTML inside rich text: <img id="ID" type="image/png"/>.
	htmlBlobTag = regexp.MustCompile(`(?is)<(img|audio|video)\b([^>]*?)\bid\s*=\s*["']?([^"'\s>]+)["']?([^>]*)>(\s*</(?:audio|video|img)>)?`)
	typeAttr    = regexp.MustCompile(`(?i)\btype\s*=\s*["']?([^"'\s>]+)`)
)

// hasSrc tells an ordinary HTML media tag that merely has an id attribute from an
// AnkiApp blob tag (which has no src).
func hasSrc(m []string) bool {
	return strings.Contains(strings.ToLower(m[2]+m[4]), "src")
}

// blobRefs lists the blob ids a converted value refers to.
func blobRefs(s string) []string {
	var out []string
	for _, m := range blobMarker.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	for _, m := range htmlBlobTag.FindAllStringSubmatch(s, -1) {
		if !hasSrc(m) {
			out = append(out, m[3])
		}
	}
	return out
}

// noteHTMLBlobTags records kinds and types given by HTML media tags in rich text.
func (d *Deck) noteHTMLBlobTags(s string) {
	for _, m := range htmlBlobTag.FindAllStringSubmatch(s, -1) {
		if hasSrc(m) {
			continue
		}
		typ := ""
		if t := typeAttr.FindStringSubmatch(m[2] + " " + m[4]); t != nil {
			typ = t[1]
		}
		d.noteBlob(m[3], m[1], typ, "")
	}
}

// attrName is a file name as written inside a quoted attribute or a sound tag.
func attrName(f mediaFile) string {
	if f.raw != "" {
		return f.raw
	}
	return strings.NewReplacer("&", "&amp;", `"`, "&quot;", "<", "&lt;", ">", "&gt;").Replace(f.name)
}

// mediaRef is how a media file appears in a field.
func mediaRef(f mediaFile) string {
	if f.kind == "audio" || f.kind == "video" {
		return "[sound:" + attrName(f) + "]"
	}
	return `<img src="` + attrName(f) + `">`
}

// resolveBlobs replaces blob markers and HTML blob tags with references to the media
// files (name and kind by blob id; unknown ids are left as they are). A marker right
// after `=`, `="`, `='` or `[sound:` stands for the file name alone (Deckhand's exports
// put markers inside src attributes and sound tags so that a round trip is exact).
func resolveBlobs(s string, files map[string]mediaFile) string {
	s = htmlBlobTag.ReplaceAllStringFunc(s, func(m string) string {
		sub := htmlBlobTag.FindStringSubmatch(m)
		if f, ok := files[sub[3]]; ok && !hasSrc(sub) {
			return mediaRef(f)
		}
		return m
	})
	idx := blobMarker.FindAllStringSubmatchIndex(s, -1)
	if idx == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, loc := range idx {
		id := s[loc[2]:loc[3]]
		f, ok := files[id]
		b.WriteString(s[last:loc[0]])
		last = loc[1]
		if !ok {
			b.WriteString(s[loc[0]:loc[1]])
			continue
		}
		before := s[:loc[0]]
		if strings.HasSuffix(before, "=") || strings.HasSuffix(before, `="`) || strings.HasSuffix(before, "='") ||
			strings.HasSuffix(before, "[sound:") {
			b.WriteString(attrName(f))
		} else {
			b.WriteString(mediaRef(f))
		}
	}
	b.WriteString(s[last:])
	return b.String()
}
