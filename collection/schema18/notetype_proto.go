package schema18

import "fmt"

// notetypeConfig is anki.notetypes.Notetype.Config.
type notetypeConfig struct {
	Kind               int32
	SortFieldIdx       uint32
	CSS                string
	TargetDeckIDUnused int64
	LatexPre           string
	LatexPost          string
	LatexSVG           bool
	Reqs               []cardRequirement
	OriginalStockKind  int32
	OriginalID         *int64
	Other              []byte
}

// cardRequirement is Notetype.Config.CardRequirement; Kind: 0 none, 1 any, 2 all.
type cardRequirement struct {
	CardOrd   uint32
	Kind      int32
	FieldOrds []uint32
}

// fieldConfig is Notetype.Field.Config.
type fieldConfig struct {
	Sticky            bool
	RTL               bool
	FontName          string
	FontSize          uint32
	Description       string
	PlainText         bool
	Collapsed         bool
	ExcludeFromSearch bool
	ID                *int64
	Tag               *uint32
	PreventDeletion   bool
	Other             []byte
}

// templateConfig is Notetype.Template.Config.
type templateConfig struct {
	QFormat         string
	AFormat         string
	QFormatBrowser  string
	AFormatBrowser  string
	TargetDeckID    int64
	BrowserFontName string
	BrowserFontSize uint32
	ID              *int64
	Other           []byte
}

func (c *notetypeConfig) encode() []byte {
	var e wenc
	e.i32(1, c.Kind)
	e.u32(2, c.SortFieldIdx)
	e.str(3, c.CSS)
	e.i64(4, c.TargetDeckIDUnused)
	e.str(5, c.LatexPre)
	e.str(6, c.LatexPost)
	e.boolean(7, c.LatexSVG)
	for _, r := range c.Reqs {
		var re wenc
		re.u32(1, r.CardOrd)
		re.i32(2, r.Kind)
		re.packedU32s(3, r.FieldOrds)
		e.msg(8, re.b)
	}
	e.i32(9, c.OriginalStockKind)
	e.optI64(10, c.OriginalID)
	e.bytes(255, c.Other)
	return e.b
}

func decodeNotetypeConfig(b []byte) (notetypeConfig, error) {
	var c notetypeConfig
	fs, err := parseWire(b)
	if err != nil {
		return c, fmt.Errorf("notetype config: %w", err)
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			c.Kind, err = f.i32()
		case 2:
			c.SortFieldIdx, err = f.u32()
		case 3:
			c.CSS, err = f.str()
		case 4:
			c.TargetDeckIDUnused, err = f.i64()
		case 5:
			c.LatexPre, err = f.str()
		case 6:
			c.LatexPost, err = f.str()
		case 7:
			c.LatexSVG, err = f.boolean()
		case 8:
			var rb []byte
			if rb, err = f.bytes(); err == nil {
				var r cardRequirement
				r, err = decodeCardRequirement(rb)
				c.Reqs = append(c.Reqs, r)
			}
		case 9:
			c.OriginalStockKind, err = f.i32()
		case 10:
			var v int64
			v, err = f.i64()
			c.OriginalID = &v
		case 255:
			c.Other, err = f.bytes()
		}
		if err != nil {
			return c, fmt.Errorf("notetype config: %w", err)
		}
	}
	return c, nil
}

func decodeCardRequirement(b []byte) (cardRequirement, error) {
	var r cardRequirement
	fs, err := parseWire(b)
	if err != nil {
		return r, err
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			r.CardOrd, err = f.u32()
		case 2:
			r.Kind, err = f.i32()
		case 3:
			r.FieldOrds, err = f.appendU32s(r.FieldOrds)
		}
		if err != nil {
			return r, fmt.Errorf("card requirement: %w", err)
		}
	}
	return r, nil
}

func (c *fieldConfig) encode() []byte {
	var e wenc
	e.boolean(1, c.Sticky)
	e.boolean(2, c.RTL)
	e.str(3, c.FontName)
	e.u32(4, c.FontSize)
	e.str(5, c.Description)
	e.boolean(6, c.PlainText)
	e.boolean(7, c.Collapsed)
	e.boolean(8, c.ExcludeFromSearch)
	e.optI64(9, c.ID)
	e.optU32(10, c.Tag)
	e.boolean(11, c.PreventDeletion)
	e.bytes(255, c.Other)
	return e.b
}

func decodeFieldConfig(b []byte) (fieldConfig, error) {
	var c fieldConfig
	fs, err := parseWire(b)
	if err != nil {
		return c, fmt.Errorf("field config: %w", err)
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			c.Sticky, err = f.boolean()
		case 2:
			c.RTL, err = f.boolean()
		case 3:
			c.FontName, err = f.str()
		case 4:
			c.FontSize, err = f.u32()
		case 5:
			c.Description, err = f.str()
		case 6:
			c.PlainText, err = f.boolean()
		case 7:
			c.Collapsed, err = f.boolean()
		case 8:
			c.ExcludeFromSearch, err = f.boolean()
		case 9:
			var v int64
			v, err = f.i64()
			c.ID = &v
		case 10:
			var v uint32
			v, err = f.u32()
			c.Tag = &v
		case 11:
			c.PreventDeletion, err = f.boolean()
		case 255:
			c.Other, err = f.bytes()
		}
		if err != nil {
			return c, fmt.Errorf("field config: %w", err)
		}
	}
	return c, nil
}

func (c *templateConfig) encode() []byte {
	var e wenc
	e.str(1, c.QFormat)
	e.str(2, c.AFormat)
	e.str(3, c.QFormatBrowser)
	e.str(4, c.AFormatBrowser)
	e.i64(5, c.TargetDeckID)
	e.str(6, c.BrowserFontName)
	e.u32(7, c.BrowserFontSize)
	e.optI64(8, c.ID)
	e.bytes(255, c.Other)
	return e.b
}

func decodeTemplateConfig(b []byte) (templateConfig, error) {
	var c templateConfig
	fs, err := parseWire(b)
	if err != nil {
		return c, fmt.Errorf("template config: %w", err)
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			c.QFormat, err = f.str()
		case 2:
			c.AFormat, err = f.str()
		case 3:
			c.QFormatBrowser, err = f.str()
		case 4:
			c.AFormatBrowser, err = f.str()
		case 5:
			c.TargetDeckID, err = f.i64()
		case 6:
			c.BrowserFontName, err = f.str()
		case 7:
			c.BrowserFontSize, err = f.u32()
		case 8:
			var v int64
			v, err = f.i64()
			c.ID = &v
		case 255:
			c.Other, err = f.bytes()
		}
		if err != nil {
			return c, fmt.Errorf("template config: %w", err)
		}
	}
	return c, nil
}
