package text

import (
	"strings"
	"unicode/utf8"
)

// mediaTag is one match of Anki's HTML_MEDIA_TAGS regex: an <img>, <audio>,
// <video>, <object> or <source> tag with a src= or data= attribute.
type mediaTag struct {
	start, end         int // the whole tag
	nameStart, nameEnd int // the raw (still entity-encoded) file name
}

var mediaTagNames = [...]string{"img", "audio", "video", "object", "source"}

// findMediaTag returns the leftmost media tag at or after from.
func findMediaTag(s string, from int) (mediaTag, bool) {
	lastGT := strings.LastIndexByte(s, '>')
	for i := from; i < lastGT; i++ {
		j := strings.IndexByte(s[i:lastGT], '<')
		if j < 0 {
			break
		}
		i += j
		if m, ok := matchMediaTagAt(s, i); ok {
			return m, true
		}
	}
	return mediaTag{}, false
}

// matchMediaTagAt emulates, at s[i]=='<', the regex
//
//	<\b(?:img|audio|video|object|source)\b(?:[^>]|"[^"]+?"|'[^']+?')+?\b(?:src|data)\b=
//	(?:"([^"]+?)"[^>]*>|'([^']+?)'[^>]*>|([^ >]+?)(?:\x20[^>]*>|>))
//
// with (?si), choosing the same match a backtracking engine would (Rust's regex has
// leftmost-first semantics). The lazy attribute loop is a depth-first search over
// positions; a failed position always fails again, so each is visited once.
func matchMediaTagAt(s string, i int) (mediaTag, bool) {
	p := -1
	for _, n := range mediaTagNames {
		if e, ok := hasPrefixFold(s, i+1, n); ok {
			p = e
			break
		}
	}
	if p < 0 || p >= len(s) {
		return mediaTag{}, false
	}
	if r, _ := utf8.DecodeRuneInString(s[p:]); isWordRune(r) {
		return mediaTag{}, false
	}
	st := mediaSearch{s: s}
	m, ok := st.search(p)
	m.start = i
	return m, ok
}

type mediaSearch struct {
	s       string
	visited map[int]bool
}

// search explores the attribute loop from p (just after the tag name) in the order a
// backtracking engine would: at each position the lazy loop first tries to finish,
// then repeats with `[^>]`, and only after that whole subtree failed tries a quoted
// string. Runs of single characters are walked iteratively; quoted strings that
// jump past the run push a new run. A position already visited has failed (positions
// only grow along a path), so each is explored once.
func (st *mediaSearch) search(p int) (mediaTag, bool) {
	type run struct{ start, cursor int }
	m, ok, last := st.chain(p, true)
	if ok {
		return m, true
	}
	stack := []run{{p, last}}
	s := st.s
	for len(stack) > 0 {
		r := &stack[len(stack)-1]
		x := r.cursor
		if x < r.start {
			stack = stack[:len(stack)-1]
			continue
		}
		if x == r.start {
			r.cursor = -1
		} else {
			_, size := utf8.DecodeLastRuneInString(s[:x])
			r.cursor = x - size
		}
		if x+1 >= len(s) || (s[x] != '"' && s[x] != '\'') || s[x+1] == s[x] {
			continue
		}
		q := strings.IndexByte(s[x+2:], s[x])
		if q < 0 {
			continue
		}
		y := x + 2 + q + 1
		m, ok, last := st.chain(y, false)
		if ok {
			return m, true
		}
		if last >= y {
			stack = append(stack, run{y, last})
		}
	}
	return mediaTag{}, false
}

// chain walks single-character repetitions from start, trying to finish at each
// position, and returns the last position walked (-1 if none).
func (st *mediaSearch) chain(start int, first bool) (mediaTag, bool, int) {
	s := st.s
	last := -1
	for pos := start; ; {
		if !(first && pos == start) {
			if st.visited[pos] {
				return mediaTag{}, false, last
			}
			if st.visited == nil {
				st.visited = make(map[int]bool, 8)
			}
			st.visited[pos] = true
			if m, ok := st.finish(pos); ok {
				return m, true, pos
			}
		}
		last = pos
		if pos >= len(s) || s[pos] == '>' {
			return mediaTag{}, false, last
		}
		_, size := utf8.DecodeRuneInString(s[pos:])
		pos += size
	}
}

// finish matches `\b(?:src|data)\b=` and the file name at p.
func (st *mediaSearch) finish(p int) (mediaTag, bool) {
	s := st.s
	if p == 0 || p >= len(s) {
		return mediaTag{}, false
	}
	if r, _ := utf8.DecodeLastRuneInString(s[:p]); isWordRune(r) {
		return mediaTag{}, false
	}
	v, ok := hasPrefixFold(s, p, "src=")
	if !ok {
		if v, ok = hasPrefixFold(s, p, "data="); !ok {
			return mediaTag{}, false
		}
	}
	if v >= len(s) {
		return mediaTag{}, false
	}
	// Quoted file name: at least one character, then anything up to the first '>'.
	if q := s[v]; q == '"' || q == '\'' {
		if v+1 < len(s) && s[v+1] != q {
			if c := strings.IndexByte(s[v+2:], q); c >= 0 {
				closeQ := v + 2 + c
				if gt := strings.IndexByte(s[closeQ+1:], '>'); gt >= 0 {
					return mediaTag{end: closeQ + 1 + gt + 1, nameStart: v + 1, nameEnd: closeQ}, true
				}
			}
		}
	}
	// Unquoted: a run without spaces or '>', ended by '>' or by a space and a later '>'.
	r := v
	for r < len(s) && s[r] != ' ' && s[r] != '>' {
		r++
	}
	if r == v || r == len(s) {
		return mediaTag{}, false
	}
	if s[r] == '>' {
		return mediaTag{end: r + 1, nameStart: v, nameEnd: r}, true
	}
	if gt := strings.IndexByte(s[r:], '>'); gt >= 0 {
		return mediaTag{end: r + gt + 1, nameStart: v, nameEnd: r}, true
	}
	return mediaTag{}, false
}

// replaceMediaTags rewrites every media tag with repl's result.
func replaceMediaTags(s string, repl func(mediaTag) string) string {
	m, ok := findMediaTag(s, 0)
	if !ok {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for ok {
		b.WriteString(s[last:m.start])
		b.WriteString(repl(m))
		last = m.end
		m, ok = findMediaTag(s, m.end)
	}
	b.WriteString(s[last:])
	return b.String()
}

// soundTag is one `[sound:name]` reference as Anki's AV_TAGS regex `\[sound:(.+?)\]`
// finds it: the name is at least one character and ends at the next ']'.
type soundTag struct {
	start, end         int
	nameStart, nameEnd int
}

func findSoundTag(s string, from int) (soundTag, bool) {
	for from < len(s) {
		j := strings.Index(s[from:], "[sound:")
		if j < 0 {
			return soundTag{}, false
		}
		ns := from + j + len("[sound:")
		if ns < len(s) {
			_, size := utf8.DecodeRuneInString(s[ns:])
			if k := strings.IndexByte(s[ns+size:], ']'); k >= 0 {
				ne := ns + size + k
				return soundTag{start: from + j, end: ne + 1, nameStart: ns, nameEnd: ne}, true
			}
		}
		from += j + 1
	}
	return soundTag{}, false
}

// MediaRef is one media reference found in a field.
type MediaRef struct {
	Full    string // the whole tag as written
	Raw     string // the file name as written (may contain entities)
	Decoded string // the file name after entity decoding
}

// ExtractMediaRefs lists every media reference in html like Anki's
// extract_media_refs: all HTML media tags first, then all [sound:] tags,
// remote URLs and duplicates included.
func ExtractMediaRefs(html string) []MediaRef {
	var out []MediaRef
	for m, ok := findMediaTag(html, 0); ok; m, ok = findMediaTag(html, m.end) {
		raw := html[m.nameStart:m.nameEnd]
		out = append(out, MediaRef{Full: html[m.start:m.end], Raw: raw, Decoded: DecodeEntities(raw)})
	}
	for t, ok := findSoundTag(html, 0); ok; t, ok = findSoundTag(html, t.end) {
		raw := html[t.nameStart:t.nameEnd]
		out = append(out, MediaRef{Full: html[t.start:t.end], Raw: raw, Decoded: DecodeEntities(raw)})
	}
	return out
}

// MediaRefs returns the local media file names html references (decoded), in
// Anki's order (HTML tags, then sound tags), without duplicates, remote
// http(s):// references or inline data: URLs.
func MediaRefs(html string) []string {
	refs := ExtractMediaRefs(html)
	if len(refs) == 0 {
		return nil
	}
	out := make([]string, 0, len(refs))
	seen := make(map[string]bool, len(refs))
	for _, r := range refs {
		if IsRemoteFilename(r.Raw) || hasPrefixASCIIFold(r.Decoded, "data:") || seen[r.Decoded] {
			continue
		}
		seen[r.Decoded] = true
		out = append(out, r.Decoded)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// IsRemoteFilename reports whether a reference is an http(s) URL (Anki's
// REMOTE_FILENAME, `(?i)^https?://`).
func IsRemoteFilename(name string) bool {
	return hasPrefixASCIIFold(name, "http://") || hasPrefixASCIIFold(name, "https://")
}

func hasPrefixASCIIFold(s, prefix string) bool {
	_, ok := hasPrefixFold(s, 0, prefix)
	return ok
}

// ReplaceMediaRefs calls replacer with the decoded name of every media reference
// and substitutes the returned name when ok. Like Anki's replace_media_refs, a new
// name is HTML-escaped when the old one was written with entities, and every
// occurrence of the old raw name inside the tag is replaced.
func ReplaceMediaRefs(html string, replacer func(decoded string) (string, bool)) string {
	rewrite := func(full, raw string) string {
		decoded, wasEncoded := raw, false
		if strings.IndexByte(raw, '&') >= 0 {
			if d, ok := decodeStrict(raw); ok {
				decoded, wasEncoded = strings.ReplaceAll(d, "\u00a0", " "), true
			}
		}
		n, ok := replacer(decoded)
		if !ok {
			return full
		}
		if wasEncoded {
			n = EncodeMinimal(n)
		}
		return strings.ReplaceAll(full, raw, n)
	}
	out := replaceMediaTags(html, func(m mediaTag) string {
		return rewrite(html[m.start:m.end], html[m.nameStart:m.nameEnd])
	})
	t, ok := findSoundTag(out, 0)
	if !ok {
		return out
	}
	var b strings.Builder
	last := 0
	for ok {
		b.WriteString(out[last:t.start])
		b.WriteString(rewrite(out[t.start:t.end], out[t.nameStart:t.nameEnd]))
		last = t.end
		t, ok = findSoundTag(out, t.end)
	}
	b.WriteString(out[last:])
	return b.String()
}

// ReplaceMediaRef renames one media file in html: every reference whose decoded
// name is old is rewritten to new.
func ReplaceMediaRef(html, old, new string) string {
	return ReplaceMediaRefs(html, func(decoded string) (string, bool) {
		return new, decoded == old
	})
}
