package text

import (
	"strconv"
	"strings"
)

// AVTag is a sound/video reference or a text-to-speech directive found in
// rendered card HTML.
type AVTag struct {
	// Filename is set for [sound:…] tags.
	Filename string
	// TTS directives ([anki:tts lang=… voices=… speed=…]text[/anki:tts]).
	TTS       bool
	FieldText string   // the directive's text, stripped for speech, "[...]" replaced by the blank word
	Lang      string   // lang option
	Voices    []string // voices option split on ','
	Speed     float32  // speed option, 1.0 when absent or unparsable
	OtherArgs []string // remaining options as key=value
}

// AVTags returns the sound and TTS tags of html in order, parsed as Anki's
// card_rendering parser does. A malformed tag is plain text.
func AVTags(html string) []AVTag {
	var out []AVTag
	for i := 0; i < len(html); {
		j := strings.IndexByte(html[i:], '[')
		if j < 0 {
			break
		}
		i += j
		if tag, end, ok := parseSound(html, i); ok {
			out = append(out, tag)
			i = end
			continue
		}
		if tag, end, ok := parseDirective(html, i); ok {
			if tag != nil {
				out = append(out, *tag)
			}
			i = end
			continue
		}
		i++
	}
	return out
}

func parseSound(s string, i int) (AVTag, int, bool) {
	const open = "[sound:"
	if !strings.HasPrefix(s[i:], open) {
		return AVTag{}, 0, false
	}
	ns := i + len(open)
	k := strings.IndexByte(s[ns:], ']')
	if k <= 0 {
		return AVTag{}, 0, false
	}
	return AVTag{Filename: s[ns : ns+k]}, ns + k + 1, true
}

const tagSpace = "] \t\r\n"

// parseDirective parses [anki:NAME opts]content[/anki:NAME]; only tts yields a tag.
func parseDirective(s string, i int) (*AVTag, int, bool) {
	const open = "[anki:"
	if !strings.HasPrefix(s[i:], open) {
		return nil, 0, false
	}
	p := i + len(open)
	n := p
	for n < len(s) && !strings.ContainsRune(tagSpace, rune(s[n])) {
		n++
	}
	if n == p {
		return nil, 0, false
	}
	name := s[p:n]
	p = skipWS(s, n)
	var opts [][2]string
	for {
		k := p
		for k < len(s) && !strings.ContainsRune(tagSpace+"=", rune(s[k])) {
			k++
		}
		if k == p || k >= len(s) || s[k] != '=' {
			break
		}
		key := s[p:k]
		v := k + 1
		var val string
		if v < len(s) && s[v] == '"' {
			q := strings.IndexByte(s[v+1:], '"')
			if q < 0 {
				// The quoted form failed; the unquoted form takes nothing before '"'.
				val, p = "", v
			} else {
				val, p = s[v+1:v+1+q], v+1+q+1
			}
		} else {
			e := v
			for e < len(s) && !strings.ContainsRune(tagSpace+"\"", rune(s[e])) {
				e++
			}
			val, p = s[v:e], e
		}
		opts = append(opts, [2]string{key, val})
		p = skipWS(s, p)
	}
	if p >= len(s) || s[p] != ']' {
		return nil, 0, false
	}
	contentStart := p + 1
	closing := "[/anki:" + name + "]"
	c := strings.Index(s[contentStart:], closing)
	if c < 0 {
		return nil, 0, false
	}
	content := s[contentStart : contentStart+c]
	end := contentStart + c + len(closing)
	if name != "tts" {
		return nil, end, true
	}
	tag := &AVTag{TTS: true, Speed: 1}
	blank := "blank"
	for _, o := range opts {
		switch o[0] {
		case "lang":
			tag.Lang = o[1]
		case "voices":
			tag.Voices = strings.Split(o[1], ",")
		case "speed":
			if f, err := strconv.ParseFloat(o[1], 32); err == nil {
				tag.Speed = float32(f)
			} else {
				tag.Speed = 1
			}
		case "cloze_blank":
			blank = o[1]
		default:
			tag.OtherArgs = append(tag.OtherArgs, o[0]+"="+o[1])
		}
	}
	tag.FieldText = strings.ReplaceAll(StripHTMLForTTS(content), "[...]", blank)
	return tag, end, true
}

func skipWS(s string, p int) int {
	for p < len(s) && (s[p] == ' ' || s[p] == '\t' || s[p] == '\r' || s[p] == '\n') {
		p++
	}
	return p
}
