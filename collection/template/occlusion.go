package template

import (
	"strings"

	"github.com/deckhand-app/deckhand/collection/text"
)

// renderImageOcclusion draws an image-occlusion deletion as an empty div whose
// data attributes describe the shape, for the reviewer's script to paint.
func renderImageOcclusion(shape string, question, active bool, ords []int) string {
	class := ""
	hasZero := false
	for _, o := range ords {
		if o == 0 {
			hasZero = true
		}
	}
	switch {
	case (question && active) || hasZero:
		class = "cloze"
	case !active:
		class = "cloze-inactive"
	default:
		class = "cloze-highlight"
	}
	return `<div class="` + class + `" data-ordinal="` + ordinalsString(ords) + `" ` + imageClozeData(shape) + `></div>`
}

type ioProperty struct{ name, value string }

// parseImageCloze splits "shape:name=value:name=value" where values may escape
// '\' and ':' with a backslash. Parsing stops at the first malformed property.
func parseImageCloze(s string) (string, []ioProperty, bool) {
	shape, _, ok := strings.Cut(s, ":")
	if !ok {
		return "", nil, false
	}
	var props []ioProperty
	rest := s[len(shape):]
	for strings.HasPrefix(rest, ":") {
		eq := strings.IndexByte(rest[1:], '=')
		if eq <= 0 {
			break
		}
		name := rest[1 : 1+eq]
		p := 1 + eq + 1
		var v strings.Builder
		bad := false
	value:
		for p < len(rest) {
			switch rest[p] {
			case ':':
				break value
			case '\\':
				if p+1 < len(rest) && (rest[p+1] == '\\' || rest[p+1] == ':') {
					v.WriteByte(rest[p+1])
					p += 2
					continue
				}
				bad = true
				break value
			default:
				v.WriteByte(rest[p])
				p++
			}
		}
		if bad {
			break
		}
		props = append(props, ioProperty{name, v.String()})
		rest = rest[p:]
	}
	return shape, props, true
}

// imageClozeData renders the data-* attributes (each followed by a space).
func imageClozeData(s string) string {
	shape, props, ok := parseImageCloze(s)
	if !ok {
		return ""
	}
	var b strings.Builder
	attr := func(name, value string) {
		b.WriteString("data-" + name + `="` + value + `" `)
	}
	switch shape {
	case "rect", "ellipse", "polygon", "text":
		attr("shape", shape)
	}
	emptyOrZero := func(v string) bool { return v == "" || v == "0" }
	for _, p := range props {
		switch p.name {
		case "left", "top", "angle", "fill":
			if p.value != "" {
				attr(p.name, p.value)
			}
		case "width", "height", "rx", "ry", "scale":
			if !emptyOrZero(p.value) {
				attr(p.name, p.value)
			}
		case "points":
			if p.value == "" {
				continue
			}
			var pts []string
			for _, pair := range strings.Split(p.value, " ") {
				if x, y, ok := strings.Cut(pair, ","); ok {
					pts = append(pts, x+","+y)
				}
			}
			if len(pts) > 0 {
				attr("points", strings.Join(pts, " "))
			}
		case "oi":
			if p.value != "" {
				attr("occludeInactive", p.value)
			}
		case "text":
			if p.value != "" {
				attr("text", text.EncodeAttribute(p.value))
			}
		case "fs":
			if p.value != "" {
				attr("font-size", p.value)
			}
		}
	}
	return b.String()
}
