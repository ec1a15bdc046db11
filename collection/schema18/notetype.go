package schema18

import (
	"encoding/json"
	"fmt"
)

// notetype is a schema-18 notetype row with its fields and templates rows.
type notetype struct {
	ID        int64
	Name      string
	Mtime     int64
	Usn       int64
	Config    notetypeConfig
	Fields    []noteField
	Templates []cardTemplate
}

type noteField struct {
	Ord    *uint32
	Name   string
	Config fieldConfig
}

type cardTemplate struct {
	Ord    *uint32
	Name   string
	Mtime  int64
	Usn    int64
	Config templateConfig
}

// Keys the schema-11 structs own (Anki's NotetypeSchema11 and RESERVED_*_KEYS); every
// other key is carried in `other`.
var (
	notetypeKeys = set("id", "name", "type", "mod", "usn", "sortf", "did", "tmpls", "flds", "css",
		"latexPre", "latexPost", "latexsvg", "req", "originalStockKind", "originalId")
	fieldKeys = set("name", "ord", "sticky", "rtl", "font", "size", "description", "plainText",
		"collapsed", "excludeFromSearch", "id", "tag", "preventDeletion")
	templateKeys = set("name", "ord", "qfmt", "afmt", "bqfmt", "bafmt", "did", "bfont", "bsize", "id")
)

var reqKinds = []string{"none", "any", "all"}

func notetypeFromSchema11(o *object) (notetype, error) {
	nt := notetype{
		ID:    o.int("id", 0),
		Name:  o.str("name", ""),
		Mtime: o.int("mod", 0),
		Usn:   o.int("usn", 0),
	}
	c := &nt.Config
	if o.int("type", 0) == 1 {
		c.Kind = 1
	}
	c.SortFieldIdx = uint32(o.int("sortf", 0) & 0xffff)
	c.TargetDeckIDUnused = o.int("did", 0)
	c.CSS = o.str("css", "")
	c.LatexPre = o.str("latexPre", "")
	c.LatexPost = o.str("latexPost", "")
	c.LatexSVG = o.boolean("latexsvg", false)
	c.Reqs = parseReqs(o.vals["req"])
	c.OriginalStockKind = o.i32("originalStockKind", 0)
	c.OriginalID = o.optInt("originalId")
	c.Other = o.rest(notetypeKeys).bytes()

	var flds, tmpls []json.RawMessage
	if err := json.Unmarshal(o.vals["flds"], &flds); err != nil {
		return nt, fmt.Errorf("notetype %d: flds: %w", nt.ID, err)
	}
	if err := json.Unmarshal(o.vals["tmpls"], &tmpls); err != nil {
		return nt, fmt.Errorf("notetype %d: tmpls: %w", nt.ID, err)
	}
	for i, raw := range flds {
		f, err := parseObject(raw)
		if err != nil {
			return nt, fmt.Errorf("notetype %d: field %d: %w", nt.ID, i, err)
		}
		nt.Fields = append(nt.Fields, noteField{
			Ord:  optOrd(f),
			Name: f.str("name", ""),
			Config: fieldConfig{
				Sticky:            f.boolean("sticky", false),
				RTL:               f.boolean("rtl", false),
				FontName:          f.str("font", "Arial"),
				FontSize:          f.u32("size", 20),
				Description:       f.str("description", ""),
				PlainText:         f.boolean("plainText", false),
				Collapsed:         f.boolean("collapsed", false),
				ExcludeFromSearch: f.boolean("excludeFromSearch", false),
				ID:                f.optInt("id"),
				Tag:               f.optU32("tag"),
				PreventDeletion:   f.boolean("preventDeletion", false),
				Other:             f.rest(fieldKeys).bytes(),
			},
		})
	}
	for i, raw := range tmpls {
		t, err := parseObject(raw)
		if err != nil {
			return nt, fmt.Errorf("notetype %d: template %d: %w", nt.ID, i, err)
		}
		bsize := t.u32("bsize", 0)
		if bsize > 255 { // a u8 in Anki; out-of-range values fall back to 0
			bsize = 0
		}
		nt.Templates = append(nt.Templates, cardTemplate{
			Ord:  optOrd(t),
			Name: t.str("name", ""),
			Config: templateConfig{
				QFormat:         t.str("qfmt", ""),
				AFormat:         t.str("afmt", ""),
				QFormatBrowser:  t.str("bqfmt", ""),
				AFormatBrowser:  t.str("bafmt", ""),
				TargetDeckID:    t.int("did", 0),
				BrowserFontName: t.str("bfont", ""),
				BrowserFontSize: bsize,
				ID:              t.optInt("id"),
				Other:           t.rest(templateKeys).bytes(),
			},
		})
	}
	return nt, nil
}

func optOrd(o *object) *uint32 {
	if v, ok := asInt(o.vals["ord"]); ok && v >= 0 && v <= 0xffff {
		u := uint32(v)
		return &u
	}
	return nil
}

// parseReqs reads the legacy [[card_ord, "any"|"all"|"none", [field_ords]], …] list;
// like Anki (default_on_invalid), one bad entry makes the whole list empty.
func parseReqs(raw json.RawMessage) []cardRequirement {
	var items [][]json.RawMessage
	if isNull(raw) || json.Unmarshal(raw, &items) != nil {
		return nil
	}
	out := make([]cardRequirement, 0, len(items))
	for _, it := range items {
		if len(it) != 3 {
			return nil
		}
		ord, ok := asInt(it[0])
		if !ok || ord < 0 || ord > 0xffff {
			return nil
		}
		kindStr, ok := asString(it[1])
		if !ok {
			return nil
		}
		kind := int32(-1)
		for i, k := range reqKinds {
			if k == kindStr {
				kind = int32(i)
			}
		}
		if kind < 0 {
			return nil
		}
		var ordsRaw []json.RawMessage
		if json.Unmarshal(it[2], &ordsRaw) != nil {
			return nil
		}
		r := cardRequirement{CardOrd: uint32(ord), Kind: kind, FieldOrds: []uint32{}}
		for _, fr := range ordsRaw {
			v, ok := asInt(fr)
			if !ok || v < 0 || v > 0xffff {
				return nil
			}
			r.FieldOrds = append(r.FieldOrds, uint32(v))
		}
		out = append(out, r)
	}
	return out
}

// schema11JSON renders the notetype as Anki's NotetypeSchema11 serialises it.
func (nt *notetype) schema11JSON() []byte {
	c := &nt.Config
	var w owriter
	w.begin()
	w.int("id", nt.ID)
	w.str("name", nt.Name)
	w.int("type", map[bool]int64{true: 1, false: 0}[c.Kind == 1])
	w.int("mod", nt.Mtime)
	w.int("usn", nt.Usn)
	w.int("sortf", int64(uint16(c.SortFieldIdx)))
	if c.TargetDeckIDUnused == 0 {
		w.null("did")
	} else {
		w.int("did", c.TargetDeckIDUnused)
	}
	w.key("tmpls")
	w.buf.WriteByte('[')
	for i := range nt.Templates {
		if i > 0 {
			w.buf.WriteByte(',')
		}
		w.buf.Write(nt.Templates[i].schema11JSON())
	}
	w.buf.WriteByte(']')
	w.key("flds")
	w.buf.WriteByte('[')
	for i := range nt.Fields {
		if i > 0 {
			w.buf.WriteByte(',')
		}
		w.buf.Write(nt.Fields[i].schema11JSON())
	}
	w.buf.WriteByte(']')
	w.str("css", c.CSS)
	w.str("latexPre", c.LatexPre)
	w.str("latexPost", c.LatexPost)
	w.boolean("latexsvg", c.LatexSVG)
	w.key("req")
	w.buf.WriteByte('[')
	for i, r := range c.Reqs {
		if i > 0 {
			w.buf.WriteByte(',')
		}
		kind := "none"
		if r.Kind == 1 || r.Kind == 2 {
			kind = reqKinds[r.Kind]
		}
		fmt.Fprintf(&w.buf, "[%d,%q,[", uint16(r.CardOrd), kind)
		for j, f := range r.FieldOrds {
			if j > 0 {
				w.buf.WriteByte(',')
			}
			fmt.Fprintf(&w.buf, "%d", uint16(f))
		}
		w.buf.WriteString("]]")
	}
	w.buf.WriteByte(']')
	if c.OriginalStockKind != 0 {
		w.int("originalStockKind", int64(c.OriginalStockKind))
	}
	if c.OriginalID != nil {
		w.int("originalId", *c.OriginalID)
	}
	w.merge(otherFrom(c.Other, notetypeKeys))
	w.end()
	return w.buf.Bytes()
}

func (f *noteField) schema11JSON() []byte {
	c := &f.Config
	var w owriter
	w.begin()
	w.str("name", f.Name)
	if f.Ord == nil {
		w.null("ord")
	} else {
		w.int("ord", int64(uint16(*f.Ord)))
	}
	w.boolean("sticky", c.Sticky)
	w.boolean("rtl", c.RTL)
	w.str("font", c.FontName)
	w.int("size", int64(uint16(c.FontSize)))
	w.str("description", c.Description)
	w.boolean("plainText", c.PlainText)
	w.boolean("collapsed", c.Collapsed)
	w.boolean("excludeFromSearch", c.ExcludeFromSearch)
	w.optInt("id", c.ID)
	if c.Tag == nil {
		w.null("tag")
	} else {
		w.int("tag", int64(*c.Tag))
	}
	w.boolean("preventDeletion", c.PreventDeletion)
	w.merge(otherFrom(c.Other, fieldKeys))
	w.end()
	return w.buf.Bytes()
}

func (t *cardTemplate) schema11JSON() []byte {
	c := &t.Config
	var w owriter
	w.begin()
	w.str("name", t.Name)
	if t.Ord == nil {
		w.null("ord")
	} else {
		w.int("ord", int64(uint16(*t.Ord)))
	}
	w.str("qfmt", c.QFormat)
	w.str("afmt", c.AFormat)
	w.str("bqfmt", c.QFormatBrowser)
	w.str("bafmt", c.AFormatBrowser)
	if c.TargetDeckID > 0 {
		w.int("did", c.TargetDeckID)
	} else {
		w.null("did")
	}
	w.str("bfont", c.BrowserFontName)
	w.int("bsize", int64(uint8(c.BrowserFontSize)))
	w.optInt("id", c.ID)
	w.merge(otherFrom(c.Other, templateKeys))
	w.end()
	return w.buf.Bytes()
}
