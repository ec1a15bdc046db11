package template

import (
	"crypto/sha1"
	"encoding/hex"
	"regexp"
	"strings"

	"github.com/deckhand-app/deckhand/collection/text"
)

// LatexImage is one LaTeX snippet of a card and the media file that shows it.
type LatexImage struct {
	Filename string // latex-<sha1 of Source>.png or .svg
	Source   string // the LaTeX text after HTML stripping
}

var (
	latexRE         = regexp.MustCompile(`(?si)\[latex\](.+?)\[/latex\]|\[\$\](.+?)\[/\$\]|\[\$\$\](.+?)\[/\$\$\]`)
	latexNewlinesRE = regexp.MustCompile(`(?i)<br( /)?>|<div>`)
)

// ContainsLatex reports whether s has [latex], [$] or [$$] markup.
func ContainsLatex(s string) bool {
	return strings.Contains(s, "[") && latexRE.MatchString(s)
}

// ExtractLatex replaces [latex]…[/latex], [$]…[/$] and [$$]…[/$$] with the
// <img class=latex> tags Anki uses and lists the images they need.
func ExtractLatex(s string, svg bool) (string, []LatexImage) {
	if !strings.Contains(s, "[") {
		return s, nil
	}
	idx := latexRE.FindAllStringSubmatchIndex(s, -1)
	if idx == nil {
		return s, nil
	}
	ext := ".png"
	if svg {
		ext = ".svg"
	}
	var b strings.Builder
	var out []LatexImage
	last := 0
	for _, m := range idx {
		var src string
		switch {
		case m[2] >= 0:
			src = s[m[2]:m[3]]
		case m[4] >= 0:
			src = "$" + s[m[4]:m[5]] + "$"
		default:
			src = `\begin{displaymath}` + s[m[6]:m[7]] + `\end{displaymath}`
		}
		src = text.StripHTML(latexNewlinesRE.ReplaceAllString(src, "\n"))
		sum := sha1.Sum([]byte(src))
		name := "latex-" + hex.EncodeToString(sum[:]) + ext
		out = append(out, LatexImage{Filename: name, Source: src})
		b.WriteString(s[last:m[0]])
		b.WriteString(`<img class=latex alt="` + text.EncodeAttribute(src) + `" src="` + name + `">`)
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String(), out
}
