package app

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// AllTags lists the collection's tags, sorted (tag completion in the editor).
func (s *Service) AllTags() []string {
	col := s.Collection()
	if col == nil {
		return nil
	}
	return col.AllTags()
}

// TagWord finds the tag being typed in a tags line: the rune offsets [start,end) of the
// space-separated word around the cursor, and the part of it before the cursor.
func TagWord(line string, cursor int) (start, end int, prefix string) {
	r := []rune(line)
	cursor = min(max(cursor, 0), len(r))
	start, end = cursor, cursor
	for start > 0 && !unicode.IsSpace(r[start-1]) {
		start--
	}
	for end < len(r) && !unicode.IsSpace(r[end]) {
		end++
	}
	return start, end, string(r[start:cursor])
}

// MatchTags suggests tags for a typed prefix, as Anki's tag editor does: each "::" part of
// the prefix must start a part of the tag, case-insensitively. Tags whose first parts are
// matched come first ("la::fr" and "lang" suggest "Lang::French"), then tags matched further
// down the hierarchy ("fr" suggests "Lang::French"). Tags in exclude (already on the note)
// and a tag equal to the prefix are left out; at most limit are returned (0: no limit).
func MatchTags(all []string, prefix string, exclude []string, limit int) []string {
	if strings.TrimSpace(prefix) == "" {
		return nil
	}
	want := strings.Split(strings.ToLower(prefix), "::")
	skip := map[string]bool{strings.ToLower(prefix): true}
	for _, t := range exclude {
		skip[strings.ToLower(t)] = true
	}
	var first, later []string
	for _, tag := range all {
		low := strings.ToLower(tag)
		if skip[low] {
			continue
		}
		switch matchParts(strings.Split(low, "::"), want) {
		case matchFromTop:
			first = append(first, tag)
		case matchBelow:
			later = append(later, tag)
		}
	}
	out := append(first, later...)
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

const (
	noMatch = iota
	matchFromTop
	matchBelow
)

// matchParts matches the typed parts against the tag's parts in order; parts of the tag
// may be skipped only before the first typed part matches, after which they must follow on.
func matchParts(tag, want []string) int {
	for off := 0; off+len(want) <= len(tag); off++ {
		ok := true
		for i, w := range want {
			if !strings.HasPrefix(tag[off+i], w) {
				ok = false
				break
			}
		}
		if ok {
			if off == 0 {
				return matchFromTop
			}
			return matchBelow
		}
	}
	return noMatch
}

// CompleteTag replaces the word around the cursor with tag and puts the cursor after it
// and a following space.
func CompleteTag(line string, cursor int, tag string) TextEdit {
	start, end, _ := TagWord(line, cursor)
	r := []rune(line)
	rest := string(r[end:])
	out := string(r[:start]) + tag
	pos := start + utf8.RuneCountInString(tag)
	if rest == "" || !unicode.IsSpace([]rune(rest)[0]) {
		out += " "
	}
	out += rest
	return TextEdit{Text: out, Cursor: pos + 1}
}
