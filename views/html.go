package views

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Fyne has no HTML engine, so card HTML is converted into RichText segments: the common
// formatting Anki cards use (bold/italic/underline/strike, colours, sizes, lists, tables,
// images from the media folder, ruby, cloze highlighting, [sound:] as a play link). Anything
// else degrades to its text. "Open in browser" shows the exact rendering.

// HTMLOptions configure the conversion.
type HTMLOptions struct {
	MediaDir string // images are loaded from here, by plain file name only
	CSS      string // the note type's CSS: simple class rules and .card alignment are used
	// OnPlay is called when a [sound:name] link is tapped (nil: the link does nothing).
	OnPlay func(name string)
}

// Colour and size names our theme resolves (see theme.go).
const (
	colorPrefix = "hex:"
	sizePrefix  = "px:"
	// ColorNameCloze is the colour of cloze deletions (Anki's .cloze blue, light blue at night).
	ColorNameCloze fyne.ThemeColorName = "deckhand-cloze"
	// ColorNameReading is the colour of ruby readings.
	ColorNameReading fyne.ThemeColorName = "deckhand-reading"
	// Colours of the type-answer comparison: matching, wrong and missing characters.
	ColorNameTypeGood   fyne.ThemeColorName = "deckhand-typegood"
	ColorNameTypeBad    fyne.ThemeColorName = "deckhand-typebad"
	ColorNameTypeMissed fyne.ThemeColorName = "deckhand-typemissed"
)

type inlineStyle struct {
	bold, italic, underline, strike, mono bool
	color                                 fyne.ThemeColorName
	size                                  fyne.ThemeSizeName
}

type cssDecl map[string]string

type htmlConv struct {
	opt     HTMLOptions
	classes map[string]cssDecl
	align   fyne.TextAlign

	out  []widget.RichTextSegment // finished blocks
	line []widget.RichTextSegment // inline segments of the current line
	// lastBreak: the output ends with a line break, so a block start needs no new one
	lastBreak bool
}

var soundRe = regexp.MustCompile(`\[sound:([^\]]+)\]`)

// HTMLToSegments converts card HTML into RichText segments.
func HTMLToSegments(src string, opt HTMLOptions) []widget.RichTextSegment {
	c := &htmlConv{opt: opt, classes: parseCSS(opt.CSS), lastBreak: true}
	if d, ok := c.classes["card"]; ok {
		c.align = cssAlign(d["text-align"], fyne.TextAlignLeading)
	}
	root := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(src), root)
	if err != nil {
		// the parser only fails on reader errors; show the source rather than nothing
		return []widget.RichTextSegment{&widget.TextSegment{Text: src, Style: widget.RichTextStyleParagraph}}
	}
	base := inlineStyle{color: theme.ColorNameForeground, size: theme.SizeNameText}
	if d, ok := c.classes["card"]; ok {
		base = applyDecls(base, d)
		base.color = theme.ColorNameForeground // .card's black would vanish on a dark theme
	}
	for _, n := range nodes {
		c.node(n, base)
	}
	c.endLine(false)
	return c.out
}

func (c *htmlConv) text(s string, st inlineStyle) {
	if s == "" {
		return
	}
	c.line = append(c.line, &widget.TextSegment{Text: s, Style: widget.RichTextStyle{
		Alignment: c.align, ColorName: st.color, Inline: true, SizeName: st.size,
		TextStyle: fyne.TextStyle{Bold: st.bold, Italic: st.italic, Underline: st.underline,
			Strikethrough: st.strike, Monospace: st.mono},
	}})
	c.lastBreak = false
}

// endLine finishes the current line. force adds an empty line when there is nothing on it
// (a <br> on its own).
func (c *htmlConv) endLine(force bool) {
	if len(c.line) == 0 && !force {
		return
	}
	c.out = append(c.out, c.line...)
	c.line = nil
	c.out = append(c.out, &widget.TextSegment{Style: widget.RichTextStyle{Alignment: c.align,
		ColorName: theme.ColorNameForeground, SizeName: theme.SizeNameText}})
	c.lastBreak = true
}

// block starts a block-level element on a fresh line.
func (c *htmlConv) block() {
	if len(c.line) > 0 {
		c.endLine(false)
	}
}

func (c *htmlConv) add(seg widget.RichTextSegment) {
	c.block()
	c.out = append(c.out, seg)
	c.lastBreak = true
}

// collapse turns HTML whitespace runs into single spaces, as a browser does.
func collapse(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r == ' ' || r == '\n' || r == '\t' || r == '\r' || r == '\f' {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

func (c *htmlConv) textWithSounds(s string, st inlineStyle) {
	s = collapse(s)
	if len(c.line) == 0 {
		s = strings.TrimLeft(s, " ")
	}
	for {
		loc := soundRe.FindStringSubmatchIndex(s)
		if loc == nil {
			c.text(s, st)
			return
		}
		c.text(s[:loc[0]], st)
		name := s[loc[2]:loc[3]]
		c.sound(name)
		s = s[loc[1]:]
	}
}

func (c *htmlConv) sound(name string) {
	link := &widget.HyperlinkSegment{Text: "▶ " + name, Alignment: c.align}
	if c.opt.OnPlay != nil {
		play := c.opt.OnPlay
		link.OnTapped = func() { play(name) }
	}
	c.line = append(c.line, link)
	c.lastBreak = false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

func (c *htmlConv) styled(n *html.Node, st inlineStyle) inlineStyle {
	for _, cl := range strings.Fields(attr(n, "class")) {
		if d, ok := c.classes[cl]; ok && cl != "card" {
			st = applyDecls(st, d)
		}
		if cl == "cloze" {
			// Anki's .cloze is bold blue, light blue at night: a theme colour follows the variant
			st.bold = true
			st.color = ColorNameCloze
		}
		// the type-answer comparison (Anki's reviewer CSS gives them green, red and grey
		// backgrounds; RichText has no backgrounds, so the text takes the colour)
		switch cl {
		case "typeGood":
			st.color = ColorNameTypeGood
		case "typeBad":
			st.color, st.strike = ColorNameTypeBad, false
			st.bold = true
		case "typeMissed":
			st.color = ColorNameTypeMissed
		}
	}
	if s := attr(n, "style"); s != "" {
		st = applyDecls(st, parseDecls(s))
	}
	return st
}

func (c *htmlConv) children(n *html.Node, st inlineStyle) {
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		c.node(ch, st)
	}
}

func (c *htmlConv) node(n *html.Node, st inlineStyle) {
	switch n.Type {
	case html.TextNode:
		c.textWithSounds(n.Data, st)
		return
	case html.ElementNode:
	default:
		c.children(n, st)
		return
	}
	st = c.styled(n, st)
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Head, atom.Title, atom.Template, atom.Input, atom.Button:
		return
	case atom.B, atom.Strong:
		st.bold = true
	case atom.I, atom.Em, atom.Cite, atom.Var:
		st.italic = true
	case atom.U, atom.Ins:
		st.underline = true
	case atom.S, atom.Strike, atom.Del:
		st.strike = true
	case atom.Code, atom.Kbd, atom.Samp, atom.Tt:
		st.mono = true
	case atom.Small:
		st.size = sizePrefix + "12"
	case atom.Big:
		st.size = sizePrefix + "20"
	case atom.Sup, atom.Sub:
		st.size = sizePrefix + "11"
	case atom.Font:
		if col := cssColor(attr(n, "color")); col != "" {
			st.color = col
		}
	case atom.Br:
		c.endLine(true)
		return
	case atom.Hr:
		c.add(&widget.SeparatorSegment{})
		return
	case atom.Img:
		c.image(n)
		return
	case atom.Ruby:
		c.ruby(n, st)
		return
	case atom.Ul, atom.Ol:
		c.list(n, st)
		return
	case atom.Table:
		c.table(n, st)
		return
	case atom.A:
		c.children(n, st)
		return
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		st.bold = true
		st.size = map[atom.Atom]fyne.ThemeSizeName{atom.H1: sizePrefix + "32", atom.H2: sizePrefix + "24",
			atom.H3: sizePrefix + "19", atom.H4: sizePrefix + "16", atom.H5: sizePrefix + "13", atom.H6: sizePrefix + "11"}[n.DataAtom]
	case atom.Pre:
		st.mono = true
		c.block()
		for _, ln := range strings.Split(strings.TrimSuffix(textOf(n), "\n"), "\n") {
			c.text(ln, st)
			c.endLine(true)
		}
		return
	}
	if isBlock(n.DataAtom) {
		old := c.align
		if a := attr(n, "align"); a != "" {
			c.align = cssAlign(a, c.align)
		}
		if d := parseDecls(attr(n, "style")); d["text-align"] != "" {
			c.align = cssAlign(d["text-align"], c.align)
		}
		c.block()
		c.children(n, st)
		c.block()
		c.align = old
		return
	}
	c.children(n, st)
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.Div, atom.P, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Blockquote,
		atom.Center, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Li, atom.Dd, atom.Dt,
		atom.Dl, atom.Figure, atom.Figcaption, atom.Tr, atom.Main, atom.Nav, atom.Aside, atom.Address:
		return true
	}
	return false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == html.ElementNode && n.DataAtom == atom.Br {
			b.WriteByte('\n')
		}
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			walk(ch)
		}
	}
	walk(n)
	return b.String()
}

// mediaFile resolves an <img src> to a file in the media folder. Only plain file names are
// accepted: Anki's media references never contain folders, and anything else (paths,
// "..", remote URLs) must not make the preview read other files or go online.
func (c *htmlConv) mediaFile(src string) (string, bool) {
	if c.opt.MediaDir == "" || src == "" {
		return "", false
	}
	if u, err := url.PathUnescape(src); err == nil {
		src = u
	}
	if strings.ContainsAny(src, `/\:`) || src == "." || src == ".." || strings.HasPrefix(src, "..") {
		return "", false
	}
	p := filepath.Join(c.opt.MediaDir, src)
	if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
		return "", false
	}
	return p, true
}

func (c *htmlConv) image(n *html.Node) {
	src := attr(n, "src")
	if p, ok := c.mediaFile(src); ok {
		c.add(&widget.ImageSegment{Source: storage.NewFileURI(p), Title: src, Alignment: c.align})
		return
	}
	label := src
	if alt := attr(n, "alt"); alt != "" {
		label = alt
	}
	c.text("[image: "+label+"]", inlineStyle{italic: true, color: theme.ColorNamePlaceHolder, size: theme.SizeNameText})
}

// ruby shows the base text followed by its reading in small type: 漢字(かんじ).
func (c *htmlConv) ruby(n *html.Node, st inlineStyle) {
	for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
		switch {
		case ch.Type == html.ElementNode && ch.DataAtom == atom.Rt:
			rs := st
			rs.size = sizePrefix + "10"
			rs.color = ColorNameReading
			rs.bold = false
			c.text("("+strings.TrimSpace(collapse(textOf(ch)))+")", rs)
		case ch.Type == html.ElementNode && ch.DataAtom == atom.Rp:
			// the fallback parentheses; we add our own
		default:
			c.node(ch, st)
		}
	}
}

// sub converts the children of n as a separate document (list items, table cells).
func (c *htmlConv) sub(n *html.Node, st inlineStyle) []widget.RichTextSegment {
	s := &htmlConv{opt: c.opt, classes: c.classes, align: fyne.TextAlignLeading, lastBreak: true}
	s.children(n, st)
	if len(s.line) > 0 {
		s.out = append(s.out, s.line...)
	}
	// trailing empty line breaks only add height inside a cell or item
	for len(s.out) > 0 {
		t, ok := s.out[len(s.out)-1].(*widget.TextSegment)
		if !ok || t.Text != "" || t.Style.Inline {
			break
		}
		s.out = s.out[:len(s.out)-1]
	}
	return s.out
}

func (c *htmlConv) list(n *html.Node, st inlineStyle) {
	seg := &widget.ListSegment{Ordered: n.DataAtom == atom.Ol}
	if start, err := strconv.Atoi(attr(n, "start")); err == nil && seg.Ordered {
		seg.SetStartNumber(start)
	}
	for li := n.FirstChild; li != nil; li = li.NextSibling {
		if li.Type != html.ElementNode {
			continue
		}
		if li.DataAtom == atom.Ul || li.DataAtom == atom.Ol {
			// a nested list written directly inside the list
			s := &htmlConv{opt: c.opt, classes: c.classes, lastBreak: true}
			s.list(li, st)
			seg.Items = append(seg.Items, s.out...)
			continue
		}
		var texts []widget.RichTextSegment
		var nested []widget.RichTextSegment
		for _, s := range c.sub(li, c.styled(li, st)) {
			if _, ok := s.(*widget.ListSegment); ok {
				nested = append(nested, s)
			} else {
				texts = append(texts, s)
			}
		}
		seg.Items = append(seg.Items, &widget.ParagraphSegment{Texts: texts})
		seg.Items = append(seg.Items, nested...)
	}
	c.add(seg)
}

func (c *htmlConv) table(n *html.Node, st inlineStyle) {
	seg := &widget.TableSegment{}
	var rows func(*html.Node)
	rows = func(n *html.Node) {
		for ch := n.FirstChild; ch != nil; ch = ch.NextSibling {
			if ch.Type != html.ElementNode {
				continue
			}
			switch ch.DataAtom {
			case atom.Thead, atom.Tbody, atom.Tfoot:
				rows(ch)
			case atom.Caption:
				cs := st
				cs.italic = true
				c.block()
				c.children(ch, cs)
				c.block()
			case atom.Tr:
				var cells [][]widget.RichTextSegment
				header := true
				for td := ch.FirstChild; td != nil; td = td.NextSibling {
					if td.Type != html.ElementNode || (td.DataAtom != atom.Td && td.DataAtom != atom.Th) {
						continue
					}
					if td.DataAtom == atom.Td {
						header = false
					}
					cells = append(cells, c.sub(td, c.styled(td, st)))
				}
				if header && seg.Headers == nil && len(seg.Rows) == 0 && len(cells) > 0 {
					seg.Headers = cells
				} else {
					seg.Rows = append(seg.Rows, cells)
				}
			}
		}
	}
	rows(n)
	if seg.Headers == nil && len(seg.Rows) == 0 {
		return
	}
	c.add(seg)
}

// CSS, the small part of it that maps onto RichText.

var cssComment = regexp.MustCompile(`(?s)/\*.*?\*/`)

// parseCSS reads rules whose selector ends in a simple class (".cloze", ".card .x", "b.x")
// into class → declarations. Anything else (media queries, element or id selectors) is
// ignored.
func parseCSS(css string) map[string]cssDecl {
	out := map[string]cssDecl{}
	css = cssComment.ReplaceAllString(css, "")
	for _, rule := range strings.Split(css, "}") {
		sel, body, ok := strings.Cut(rule, "{")
		if !ok || strings.Contains(sel, "@") {
			continue
		}
		decls := parseDecls(body)
		for _, s := range strings.Split(sel, ",") {
			fields := strings.Fields(strings.TrimSpace(s))
			if len(fields) == 0 {
				continue
			}
			last := fields[len(fields)-1]
			if len(fields) > 1 && strings.Contains(fields[0], "night") {
				continue // .nightMode rules are for the dark reviewer
			}
			i := strings.LastIndexByte(last, '.')
			if i < 0 || strings.ContainsAny(last[i+1:], ":[#>+~") {
				continue
			}
			name := last[i+1:]
			if out[name] == nil {
				out[name] = cssDecl{}
			}
			for k, v := range decls {
				out[name][k] = v
			}
		}
	}
	return out
}

func parseDecls(s string) cssDecl {
	d := cssDecl{}
	for _, part := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(part, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "!important"))
		d[strings.ToLower(strings.TrimSpace(k))] = v
	}
	return d
}

func applyDecls(st inlineStyle, d cssDecl) inlineStyle {
	if v, ok := d["font-weight"]; ok {
		n, err := strconv.Atoi(v)
		st.bold = v == "bold" || v == "bolder" || (err == nil && n >= 600)
	}
	if v, ok := d["font-style"]; ok {
		st.italic = v == "italic" || v == "oblique"
	}
	if v, ok := d["text-decoration"]; ok {
		st.underline = strings.Contains(v, "underline")
		st.strike = strings.Contains(v, "line-through")
	}
	if v, ok := d["text-decoration-line"]; ok {
		st.underline = strings.Contains(v, "underline")
		st.strike = strings.Contains(v, "line-through")
	}
	if v, ok := d["font-family"]; ok && strings.Contains(strings.ToLower(v), "mono") {
		st.mono = true
	}
	if v, ok := d["color"]; ok {
		if col := cssColor(v); col != "" {
			st.color = col
		}
	}
	if v, ok := d["font-size"]; ok {
		if px, ok := cssPixels(v); ok {
			st.size = fyne.ThemeSizeName(sizePrefix + strconv.FormatFloat(px, 'f', -1, 64))
		}
	}
	return st
}

func cssAlign(v string, def fyne.TextAlign) fyne.TextAlign {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "center", "middle":
		return fyne.TextAlignCenter
	case "right", "end":
		return fyne.TextAlignTrailing
	case "left", "start", "justify":
		return fyne.TextAlignLeading
	}
	return def
}

// cssPixels reads a font size in px, pt, em/rem (of 16px) or % (of 16px), or a keyword.
func cssPixels(v string) (float64, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	keywords := map[string]float64{"xx-small": 9, "x-small": 10, "small": 13, "medium": 16, "large": 18,
		"x-large": 24, "xx-large": 32, "smaller": 13, "larger": 19}
	if px, ok := keywords[v]; ok {
		return px, true
	}
	for _, u := range []struct {
		suffix string
		factor float64
	}{{"px", 1}, {"pt", 4.0 / 3}, {"rem", 16}, {"em", 16}, {"%", 0.16}} {
		if strings.HasSuffix(v, u.suffix) {
			f, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), 64)
			if err != nil || f <= 0 {
				return 0, false
			}
			return min(f*u.factor, 96), true
		}
	}
	return 0, false
}

var namedColors = map[string]string{
	"black": "000000", "white": "ffffff", "red": "ff0000", "green": "008000", "blue": "0000ff",
	"yellow": "ffff00", "orange": "ffa500", "purple": "800080", "gray": "808080", "grey": "808080",
	"silver": "c0c0c0", "maroon": "800000", "olive": "808000", "lime": "00ff00", "aqua": "00ffff",
	"cyan": "00ffff", "teal": "008080", "navy": "000080", "fuchsia": "ff00ff", "magenta": "ff00ff",
	"pink": "ffc0cb", "brown": "a52a2a", "gold": "ffd700", "darkred": "8b0000", "darkgreen": "006400",
	"darkblue": "00008b", "lightblue": "add8e6", "lightgreen": "90ee90", "darkgray": "a9a9a9",
	"darkgrey": "a9a9a9", "lightgray": "d3d3d3", "lightgrey": "d3d3d3", "crimson": "dc143c",
	"indigo": "4b0082", "violet": "ee82ee", "coral": "ff7f50", "salmon": "fa8072", "tomato": "ff6347",
	"orangered": "ff4500", "steelblue": "4682b4", "royalblue": "4169e1", "dodgerblue": "1e90ff",
	"forestgreen": "228b22", "seagreen": "2e8b57", "chocolate": "d2691e", "firebrick": "b22222",
	"darkorange": "ff8c00", "deepskyblue": "00bfff", "slategray": "708090", "tan": "d2b48c",
}

var rgbRe = regexp.MustCompile(`^rgba?\(\s*(\d+)\s*[, ]\s*(\d+)\s*[, ]\s*(\d+)`)

// cssColor maps a CSS colour to a theme colour name our theme resolves ("hex:rrggbb"), or ""
// when it is not understood (the text keeps its colour).
func cssColor(v string) fyne.ThemeColorName {
	v = strings.ToLower(strings.TrimSpace(v))
	if hex, ok := namedColors[v]; ok {
		return colorPrefix + fyne.ThemeColorName(hex)
	}
	if strings.HasPrefix(v, "#") {
		h := v[1:]
		if len(h) == 3 || len(h) == 4 {
			h = string([]byte{h[0], h[0], h[1], h[1], h[2], h[2]})
		}
		if len(h) == 8 {
			h = h[:6]
		}
		if len(h) == 6 {
			if _, err := strconv.ParseUint(h, 16, 32); err == nil {
				return colorPrefix + fyne.ThemeColorName(h)
			}
		}
		return ""
	}
	if m := rgbRe.FindStringSubmatch(v); m != nil {
		var rgb [3]int
		for i := range rgb {
			rgb[i], _ = strconv.Atoi(m[i+1])
			rgb[i] = min(rgb[i], 255)
		}
		return fyne.ThemeColorName(fmt.Sprintf("%s%02x%02x%02x", colorPrefix, rgb[0], rgb[1], rgb[2]))
	}
	return ""
}
