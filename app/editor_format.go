package app

import (
	"strings"
	"unicode/utf8"
)

// The note editor's formatting commands work on a field's HTML source: they are pure text
// edits on rune offsets (Fyne's Entry counts its cursor in runes), so they are tested here
// without widgets.

// Formatting tags the editor inserts, as Anki's editor writes them.
var (
	BoldTags      = [2]string{"<b>", "</b>"}
	ItalicTags    = [2]string{"<i>", "</i>"}
	UnderlineTags = [2]string{"<u>", "</u>"}
)

// ColorTags are the tags that colour text, with the colour as #rrggbb.
func ColorTags(hex string) [2]string {
	return [2]string{`<font color="` + hex + `">`, "</font>"}
}

// TextEdit is a field's text after an edit and where the cursor goes (a rune offset).
type TextEdit struct {
	Text   string
	Cursor int
}

// clampRange orders start/end and keeps them inside text's runes.
func clampRange(n, start, end int) (int, int) {
	if start > end {
		start, end = end, start
	}
	start = min(max(start, 0), n)
	end = min(max(end, 0), n)
	return start, end
}

// WrapSelection wraps the runes [start,end) of text in a pair of tags. With an empty
// selection it inserts the empty pair and puts the cursor between them; otherwise the
// cursor goes after the closing tag.
func WrapSelection(text string, start, end int, tags [2]string) TextEdit {
	r := []rune(text)
	start, end = clampRange(len(r), start, end)
	var b strings.Builder
	b.WriteString(string(r[:start]))
	b.WriteString(tags[0])
	b.WriteString(string(r[start:end]))
	b.WriteString(tags[1])
	b.WriteString(string(r[end:]))
	cursor := start + utf8.RuneCountInString(tags[0]) + (end - start)
	if start != end {
		cursor += utf8.RuneCountInString(tags[1])
	}
	return TextEdit{Text: b.String(), Cursor: cursor}
}

// InsertText puts s at rune offset pos (replacing [pos,end) when end > pos), cursor after it.
func InsertText(text string, pos, end int, s string) TextEdit {
	r := []rune(text)
	pos, end = clampRange(len(r), pos, end)
	out := string(r[:pos]) + s + string(r[end:])
	return TextEdit{Text: out, Cursor: pos + utf8.RuneCountInString(s)}
}

// formatting elements that Clear Formatting removes; structure (div, br, img, a, lists,
// tables) stays, as with Anki's "Remove formatting".
var formattingTags = map[string]bool{
	"b": true, "strong": true, "i": true, "em": true, "u": true, "s": true, "strike": true,
	"del": true, "ins": true, "font": true, "span": true, "sub": true, "sup": true,
	"mark": true, "small": true, "big": true, "code": true, "tt": true,
}

// htmlToken is a tag or a run of text, with rune offsets into the source.
type htmlToken struct {
	start, end int
	tag        string // lower-case element name; "" for text
	closing    bool
	src        string
}

func tokenize(r []rune) []htmlToken {
	var out []htmlToken
	i := 0
	for i < len(r) {
		if r[i] == '<' {
			j := i + 1
			for j < len(r) && r[j] != '>' {
				j++
			}
			if j < len(r) {
				src := string(r[i : j+1])
				name, closing := tagName(src)
				if name != "" {
					out = append(out, htmlToken{start: i, end: j + 1, tag: name, closing: closing, src: src})
					i = j + 1
					continue
				}
			}
		}
		j := i + 1
		for j < len(r) && r[j] != '<' {
			j++
		}
		if n := len(out); n > 0 && out[n-1].tag == "" {
			out[n-1].end, out[n-1].src = j, out[n-1].src+string(r[i:j])
		} else {
			out = append(out, htmlToken{start: i, end: j, src: string(r[i:j])})
		}
		i = j
	}
	return out
}

// tagName reads the element name of "<name ...>" or "</name>" ("" when it is no tag).
func tagName(src string) (string, bool) {
	s := strings.TrimSuffix(strings.TrimPrefix(src, "<"), ">")
	closing := strings.HasPrefix(s, "/")
	s = strings.TrimPrefix(s, "/")
	n := 0
	for n < len(s) && (s[n] >= 'a' && s[n] <= 'z' || s[n] >= 'A' && s[n] <= 'Z' || n > 0 && s[n] >= '0' && s[n] <= '9') {
		n++
	}
	if n == 0 {
		return "", false
	}
	return strings.ToLower(s[:n]), closing
}

// openAt is the stack of formatting elements open just before token index upto.
func openAt(toks []htmlToken, upto int) []htmlToken {
	var stack []htmlToken
	for _, t := range toks[:upto] {
		if !formattingTags[t.tag] {
			continue
		}
		if !t.closing {
			stack = append(stack, t)
			continue
		}
		for k := len(stack) - 1; k >= 0; k-- {
			if stack[k].tag == t.tag {
				stack = stack[:k]
				break
			}
		}
	}
	return stack
}

// ClearFormatting removes the formatting tags from the runes [start,end) of text. Elements
// that start before the selection and go on inside or past it are closed at its start and
// reopened at its end, so the rest of the field keeps its formatting and the HTML stays
// balanced; pairs left empty by that are dropped. The cursor goes after the cleared text.
func ClearFormatting(text string, start, end int) TextEdit {
	r := []rune(text)
	start, end = clampRange(len(r), start, end)
	toks := tokenize(r)
	// a selection edge inside a tag moves out of it
	for _, t := range toks {
		if t.tag == "" {
			continue
		}
		if start > t.start && start < t.end {
			start = t.start
		}
		if end > t.start && end < t.end {
			end = t.end
		}
	}
	if start == end {
		return TextEdit{Text: text, Cursor: start}
	}
	// tokens are split at the selection edges, so every token is wholly before, in or after
	var pre, mid, post []htmlToken
	for _, t := range toks {
		for _, part := range splitToken(t, start, end) {
			switch {
			case part.end <= start:
				pre = append(pre, part)
			case part.start >= end:
				post = append(post, part)
			default:
				mid = append(mid, part)
			}
		}
	}
	all := append(append(append([]htmlToken(nil), pre...), mid...), post...)
	openStart := openAt(all, len(pre))
	openEnd := openAt(all, len(pre)+len(mid))

	// close what is open at the start, innermost first; an opening tag right before the
	// selection is dropped instead of being closed empty
	var closes strings.Builder
	for k := len(openStart) - 1; k >= 0; k-- {
		if n := len(pre); n > 0 && pre[n-1].start == openStart[k].start && closes.Len() == 0 {
			pre = pre[:n-1]
			continue
		}
		closes.WriteString("</" + openStart[k].tag + ">")
	}
	// reopen what is still open at the end, outermost first; a closing tag right after the
	// selection cancels the innermost reopenings
	keep := len(openEnd)
	for keep > 0 && len(post) > 0 && post[0].closing && post[0].tag == openEnd[keep-1].tag {
		post = post[1:]
		keep--
	}
	var reopen strings.Builder
	for _, t := range openEnd[:keep] {
		reopen.WriteString(t.src)
	}
	var plain strings.Builder
	for _, t := range mid {
		if t.tag != "" && formattingTags[t.tag] {
			continue
		}
		plain.WriteString(t.src)
	}
	var b strings.Builder
	for _, t := range pre {
		b.WriteString(t.src)
	}
	b.WriteString(closes.String())
	b.WriteString(plain.String())
	cursor := utf8.RuneCountInString(b.String())
	b.WriteString(reopen.String())
	for _, t := range post {
		b.WriteString(t.src)
	}
	return TextEdit{Text: b.String(), Cursor: cursor}
}

// splitToken cuts a text token at the selection edges (tags are never cut).
func splitToken(t htmlToken, start, end int) []htmlToken {
	if t.tag != "" {
		return []htmlToken{t}
	}
	r := []rune(t.src)
	var out []htmlToken
	cuts := []int{t.start}
	for _, c := range []int{start, end} {
		if c > t.start && c < t.end {
			cuts = append(cuts, c)
		}
	}
	cuts = append(cuts, t.end)
	for i := 0; i+1 < len(cuts); i++ {
		a, z := cuts[i], cuts[i+1]
		if a == z {
			continue
		}
		out = append(out, htmlToken{start: a, end: z, src: string(r[a-t.start : z-t.start])})
	}
	return out
}
