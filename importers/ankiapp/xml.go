package ankiapp

import (
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// Limits that keep a hostile deck file from costing more than a real one could.
const (
	MaxXMLSize  = 64 << 20 // one deck file
	maxXMLDepth = 32       // <deck><cards><card><field>… is 4 deep; rich text adds a few
	maxCards    = 1_000_000
	maxFields   = 256
)

// FieldDef is one entry of a deck's <fields>.
type FieldDef struct {
	Type  string // element name: text, rich-text, markdown, tts, …
	Name  string
	Lang  string
	Front bool // sides[0] == '1'
	Back  bool // sides[1] == '1'
	// Reading is set for japanese (furigana) and chinese (pinyin) fields.
	Reading bool
	// Source names the field a tts or translation field takes its text from.
	Source string
}

// Card is one <card>: raw field contents by field name, before conversion to Anki HTML.
type Card struct {
	Tags   []string
	Values map[string]Value
	Order  []string // field names in the order they appear
}

// Value is a field's content as found in the card: its XML text with media elements
// reduced to "{{blob ID}}" markers (kind recorded in Blobs).
type Value struct {
	Type    string // element name in the new shape, "" in the old <field> shape
	Content string
}

// Deck is one AnkiApp deck in memory, whatever file it came from.
type Deck struct {
	Name   string
	Tags   []string
	Fields []FieldDef
	Cards  []Card
	// BlobNames are file names suggested for blobs (Deckhand's exports record the
	// original media names so that a round trip keeps them).
	BlobNames map[string]string
	// BlobKinds records the element a blob appeared in (img, audio, video), when known.
	BlobKinds map[string]string
	// BlobTypes records the MIME type given with a blob reference, when any.
	BlobTypes map[string]string
	// GUIDs, when set, are per-card identities (database knol ids) that replace the
	// deck name and first field in the notes' guids.
	GUIDs []string
}

// knownTypes are the field element names AnkiApp writes.
var knownTypes = map[string]bool{
	"text": true, "rich-text": true, "markdown": true, "code": true, "tex": true, "tts": true,
	"audio": true, "img": true, "image": true, "video": true, "japanese": true,
	"translation": true, "chinese": true,
}

// ErrBadXML wraps every problem with a deck file's XML.
var ErrBadXML = errors.New("bad AnkiApp deck XML")

func badXML(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadXML, fmt.Sprintf(format, args...))
}

// ParseXML reads one AnkiApp deck file. Unknown field types and values for unknown
// fields are reported as warnings; everything else that is wrong is an error.
func ParseXML(data []byte) (*Deck, []string, error) {
	if len(data) > MaxXMLSize {
		return nil, nil, badXML("file is larger than %d MiB", MaxXMLSize>>20)
	}
	// A DTD is refused before parsing: the parser would otherwise stop at the first
	// reference to an entity it does not expand, with a message that hides the reason.
	if hasDoctype(data) {
		return nil, nil, badXML("DOCTYPE and entity declarations are not allowed in a deck file")
	}
	doc := etree.NewDocument()
	// Go's XML decoder never fetches external entities nor expands DTD entities; strict
	// mode turns a reference to an undeclared entity into an error. DOCTYPEs are refused
	// outright below so that the message names the problem.
	doc.ReadSettings = etree.ReadSettings{MaxDepth: maxXMLDepth}
	if err := doc.ReadFromBytes(data); err != nil {
		if errors.Is(err, etree.ErrMaxDepth) {
			return nil, nil, badXML("elements are nested more than %d deep", maxXMLDepth)
		}
		return nil, nil, badXML("not well-formed: %v", err)
	}
	for _, tok := range doc.Child {
		if d, ok := tok.(*etree.Directive); ok {
			if strings.Contains(strings.ToUpper(d.Data), "DOCTYPE") || strings.Contains(strings.ToUpper(d.Data), "ENTITY") {
				return nil, nil, badXML("DOCTYPE and entity declarations are not allowed in a deck file")
			}
		}
	}
	root := doc.Root()
	if root == nil {
		return nil, nil, badXML("no root element")
	}
	if root.Tag != "deck" {
		return nil, nil, badXML("root element is <%s>, want <deck>", root.Tag)
	}
	var warnings []string
	warn := func(format string, args ...any) { warnings = append(warnings, fmt.Sprintf(format, args...)) }
	d := &Deck{Name: strings.TrimSpace(root.SelectAttrValue("name", "")), BlobNames: map[string]string{},
		BlobKinds: map[string]string{}, BlobTypes: map[string]string{}}
	if d.Name == "" {
		return nil, nil, badXML("<deck> has no name")
	}
	d.Tags = splitTags(root.SelectAttrValue("tags", ""))
	fieldsEl := root.SelectElement("fields")
	if fieldsEl == nil {
		return nil, nil, badXML("deck %q has no <fields>", d.Name)
	}
	byName := map[string]int{}
	for _, fe := range fieldsEl.ChildElements() {
		name := strings.TrimSpace(fe.SelectAttrValue("name", ""))
		if name == "" {
			return nil, nil, badXML("a <%s> field has no name", fe.Tag)
		}
		if _, dup := byName[strings.ToLower(name)]; dup {
			return nil, nil, badXML("two fields are called %q", name)
		}
		f := FieldDef{Type: fe.Tag, Name: name, Lang: fe.SelectAttrValue("lang", "")}
		if !knownTypes[f.Type] {
			warn("field %q has unknown type <%s>; imported as rich text", name, fe.Tag)
		}
		sides := fe.SelectAttrValue("sides", "")
		switch {
		case sides == "":
			f.Front, f.Back = true, true
		case len(sides) == 2 && strings.Trim(sides, "01") == "":
			f.Front, f.Back = sides[0] == '1', sides[1] == '1'
		default:
			return nil, nil, badXML("field %q: sides=%q, want two digits 0/1 such as 10, 01 or 11", name, sides)
		}
		for _, opt := range []string{"furigana", "pinyin"} {
			if v := fe.SelectAttrValue(opt, ""); v != "" && v != "false" && v != "0" {
				f.Reading = true
			}
		}
		if f.Type == "japanese" || f.Type == "chinese" {
			f.Reading = true
		}
		if src := fe.SelectElement("sources"); src != nil {
			for _, ref := range src.FindElements(".//ref") {
				if n := ref.SelectAttrValue("name", ""); n != "" {
					f.Source = n
					break
				}
			}
		}
		byName[strings.ToLower(name)] = len(d.Fields)
		d.Fields = append(d.Fields, f)
		if len(d.Fields) > maxFields {
			return nil, nil, badXML("more than %d fields", maxFields)
		}
	}
	if len(d.Fields) == 0 {
		return nil, nil, badXML("deck %q defines no fields", d.Name)
	}
	if bl := root.SelectElement("blobs"); bl != nil {
		for _, b := range bl.SelectElements("blob") {
			id := b.SelectAttrValue("id", "")
			if id != "" {
				if n := b.SelectAttrValue("name", ""); n != "" {
					d.BlobNames[id] = n
				}
				if t := b.SelectAttrValue("type", ""); t != "" {
					d.BlobTypes[id] = t
				}
			}
		}
	}
	cardsEl := root.SelectElement("cards")
	if cardsEl == nil {
		return d, warnings, nil
	}
	for ci, ce := range cardsEl.SelectElements("card") {
		if ci >= maxCards {
			return nil, nil, badXML("more than %d cards", maxCards)
		}
		c := Card{Tags: splitTags(ce.SelectAttrValue("tags", "")), Values: map[string]Value{}}
		for _, ve := range ce.ChildElements() {
			name := ve.SelectAttrValue("name", "")
			typ := ve.Tag
			if typ == "field" {
				typ = ""
			} else if !knownTypes[typ] {
				warn("card %d: value of unknown type <%s> for field %q", ci+1, ve.Tag, name)
			}
			i, ok := byName[strings.ToLower(name)]
			if !ok {
				warn("card %d: field %q is not defined in <fields>; its value was left out", ci+1, name)
				continue
			}
			fname := d.Fields[i].Name
			if _, dup := c.Values[fname]; dup {
				warn("card %d: field %q given twice; the first value was kept", ci+1, fname)
				continue
			}
			c.Values[fname] = Value{Type: typ, Content: d.content(ve)}
			c.Order = append(c.Order, fname)
		}
		d.Cards = append(d.Cards, c)
	}
	return d, warnings, nil
}

// content serialises an element's children: text as it is (for rich text that is the
// HTML), media elements as "{{blob ID}}" markers, other elements as XML.
func (d *Deck) content(e *etree.Element) string {
	var b strings.Builder
	for _, tok := range e.Child {
		switch t := tok.(type) {
		case *etree.CharData:
			b.WriteString(t.Data)
		case *etree.Element:
			if id := t.SelectAttrValue("id", ""); id != "" && isMediaTag(t.Tag) {
				d.noteBlob(id, t.Tag, t.SelectAttrValue("type", ""), t.SelectAttrValue("name", ""))
				b.WriteString("{{blob " + id + "}}")
				continue
			}
			t.WriteTo(&b, &etree.WriteSettings{CanonicalEndTags: true})
		}
	}
	return b.String()
}

func isMediaTag(tag string) bool {
	switch strings.ToLower(tag) {
	case "img", "image", "audio", "video":
		return true
	}
	return false
}

func (d *Deck) noteBlob(id, tag, typ, name string) {
	if _, ok := d.BlobKinds[id]; !ok {
		d.BlobKinds[id] = mediaKind(tag, typ)
	}
	if typ != "" {
		if _, ok := d.BlobTypes[id]; !ok {
			d.BlobTypes[id] = typ
		}
	}
	if name != "" {
		if _, ok := d.BlobNames[id]; !ok {
			d.BlobNames[id] = name
		}
	}
}

func mediaKind(tag, mime string) string {
	switch {
	case strings.HasPrefix(mime, "image/"):
		return "img"
	case strings.HasPrefix(mime, "audio/"):
		return "audio"
	case strings.HasPrefix(mime, "video/"):
		return "video"
	}
	switch strings.ToLower(tag) {
	case "img", "image":
		return "img"
	case "audio", "tts":
		return "audio"
	case "video":
		return "video"
	}
	return ""
}

// splitTags reads AnkiApp's comma-separated tags; Anki tags cannot hold spaces, so
// spaces inside a tag become underscores.
func splitTags(s string) []string {
	var out []string
	for _, t := range strings.Split(s, ",") {
		t = strings.Join(strings.Fields(t), "_")
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

// hasDoctype reports a <!DOCTYPE …> in the prolog: before the root element, after any XML
// declaration, processing instructions, comments and whitespace.
func hasDoctype(data []byte) bool {
	s := string(data[:min(len(data), 1<<20)])
	s = strings.TrimPrefix(s, "\uFEFF")
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		switch {
		case strings.HasPrefix(s, "<?"):
			i := strings.Index(s, "?>")
			if i < 0 {
				return false
			}
			s = s[i+2:]
		case strings.HasPrefix(s, "<!--"):
			i := strings.Index(s, "-->")
			if i < 0 {
				return false
			}
			s = s[i+3:]
		default:
			return len(s) >= 9 && strings.EqualFold(s[:9], "<!DOCTYPE")
		}
	}
}
