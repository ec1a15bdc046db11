package collection

import (
	"encoding/json"
	"fmt"
)

// Notetype kinds as stored in the schema-11 "type" key.
const (
	KindStandard = 0
	KindCloze    = 1
)

// Notetype is a note type ("model") in its schema-11 JSON form.
type Notetype struct {
	ID        int64       `json:"id"`
	Name      string      `json:"name"`
	Kind      int         `json:"type"`
	Mod       int64       `json:"mod"`
	USN       int         `json:"usn"`
	SortField int         `json:"sortf"`
	DeckID    *int64      `json:"did"`
	Templates []*Template `json:"tmpls"`
	Fields    []*Field    `json:"flds"`
	CSS       string      `json:"css"`
	LatexPre  string      `json:"latexPre"`
	LatexPost string      `json:"latexPost"`
	LatexSVG  bool        `json:"latexsvg"`
	Req       []ReqEntry  `json:"req"`
	// OriginalStockKind says which stock note type this was created from (Anki ≥2.1.62).
	OriginalStockKind *int                       `json:"originalStockKind,omitempty"`
	Other             map[string]json.RawMessage `json:"-"`
}

// Field is one field definition of a note type.
type Field struct {
	Name              string                     `json:"name"`
	Ord               int                        `json:"ord"`
	Sticky            bool                       `json:"sticky"`
	RTL               bool                       `json:"rtl"`
	Font              string                     `json:"font"`
	Size              FlexInt                    `json:"size"`
	Description       string                     `json:"description"`
	PlainText         bool                       `json:"plainText"`
	Collapsed         bool                       `json:"collapsed"`
	ExcludeFromSearch bool                       `json:"excludeFromSearch"`
	ID                *int64                     `json:"id,omitempty"`
	Tag               *int64                     `json:"tag"`
	PreventDeletion   bool                       `json:"preventDeletion"`
	Other             map[string]json.RawMessage `json:"-"`

	// origOrd is the ordinal the field had when loaded (-1 for a new field), so that
	// UpdateNotetype can tell renames and moves from additions and removals.
	origOrd int
}

// Template is one card type of a note type.
type Template struct {
	Name        string                     `json:"name"`
	Ord         int                        `json:"ord"`
	QFmt        string                     `json:"qfmt"`
	AFmt        string                     `json:"afmt"`
	BQFmt       string                     `json:"bqfmt"`
	BAFmt       string                     `json:"bafmt"`
	DeckID      *int64                     `json:"did"`
	BrowserFont string                     `json:"bfont"`
	BrowserSize FlexInt                    `json:"bsize"`
	ID          *int64                     `json:"id,omitempty"`
	Other       map[string]json.RawMessage `json:"-"`

	origOrd int
}

// ReqEntry is a legacy card-generation requirement: [ord, "any"|"all"|"none", [field ords]].
type ReqEntry struct {
	Ord    int
	Kind   string
	Fields []int
}

func (r ReqEntry) MarshalJSON() ([]byte, error) {
	f := r.Fields
	if f == nil {
		f = []int{}
	}
	return json.Marshal([]any{r.Ord, r.Kind, f})
}

func (r *ReqEntry) UnmarshalJSON(data []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(data, &parts); err != nil || len(parts) < 3 {
		return fmt.Errorf("req entry %s: want [ord, kind, [fields]]", data)
	}
	if err := json.Unmarshal(parts[0], &r.Ord); err != nil {
		return fmt.Errorf("req entry ord: %w", err)
	}
	if err := json.Unmarshal(parts[1], &r.Kind); err != nil {
		return fmt.Errorf("req entry kind: %w", err)
	}
	if err := json.Unmarshal(parts[2], &r.Fields); err != nil {
		return fmt.Errorf("req entry fields: %w", err)
	}
	return nil
}

type notetypeJSON Notetype
type fieldJSON Field
type templateJSON Template

func (nt *Notetype) UnmarshalJSON(data []byte) error {
	other, err := unmarshalWithOther(data, (*notetypeJSON)(nt))
	if err != nil {
		return err
	}
	nt.Other = other
	for i, f := range nt.Fields {
		if f == nil {
			return fmt.Errorf("notetype %d: null field", nt.ID)
		}
		f.origOrd = i
	}
	for i, t := range nt.Templates {
		if t == nil {
			return fmt.Errorf("notetype %d: null template", nt.ID)
		}
		t.origOrd = i
	}
	return nil
}

func (nt *Notetype) MarshalJSON() ([]byte, error) {
	return marshalWithOther((*notetypeJSON)(nt), nt.Other)
}

func (f *Field) UnmarshalJSON(data []byte) error {
	other, err := unmarshalWithOther(data, (*fieldJSON)(f))
	f.Other = other
	return err
}

func (f *Field) MarshalJSON() ([]byte, error) { return marshalWithOther((*fieldJSON)(f), f.Other) }

func (t *Template) UnmarshalJSON(data []byte) error {
	other, err := unmarshalWithOther(data, (*templateJSON)(t))
	t.Other = other
	return err
}

func (t *Template) MarshalJSON() ([]byte, error) {
	return marshalWithOther((*templateJSON)(t), t.Other)
}

// IsCloze reports whether the note type generates cards from cloze numbers.
func (nt *Notetype) IsCloze() bool { return nt.Kind == KindCloze }

// FieldNames returns the field names in order.
func (nt *Notetype) FieldNames() []string {
	names := make([]string, len(nt.Fields))
	for i, f := range nt.Fields {
		names[i] = f.Name
	}
	return names
}

// FieldIndex returns the ordinal of the named field, or -1.
func (nt *Notetype) FieldIndex(name string) int {
	for i, f := range nt.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// Clone returns a deep copy, so callers can edit a note type and hand it back to
// UpdateNotetype without touching the collection's cached copy.
func (nt *Notetype) Clone() *Notetype {
	b, err := json.Marshal(nt)
	if err != nil {
		panic(fmt.Sprintf("clone notetype: %v", err)) // marshalling our own struct cannot fail
	}
	var out Notetype
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("clone notetype: %v", err))
	}
	for i, f := range nt.Fields {
		out.Fields[i].origOrd = f.origOrd
	}
	for i, t := range nt.Templates {
		out.Templates[i].origOrd = t.origOrd
	}
	return &out
}

// Deck is a deck in its schema-11 JSON form. Filtered-deck keys (terms, resched, …) and
// anything else unmodelled stay in Other.
type Deck struct {
	ID               int64    `json:"id"`
	Mod              int64    `json:"mod"`
	Name             string   `json:"name"`
	USN              int      `json:"usn"`
	LrnToday         [2]int64 `json:"lrnToday"`
	RevToday         [2]int64 `json:"revToday"`
	NewToday         [2]int64 `json:"newToday"`
	TimeToday        [2]int64 `json:"timeToday"`
	Collapsed        bool     `json:"collapsed"`
	BrowserCollapsed bool     `json:"browserCollapsed"`
	Desc             string   `json:"desc"`
	Dyn              FlexBool `json:"dyn"`
	// Conf is the deck options id of a normal deck (absent in filtered decks).
	Conf  FlexInt                    `json:"conf,omitempty"`
	Other map[string]json.RawMessage `json:"-"`
}

type deckJSON Deck

func (d *Deck) UnmarshalJSON(data []byte) error {
	other, err := unmarshalWithOther(data, (*deckJSON)(d))
	d.Other = other
	return err
}

func (d *Deck) MarshalJSON() ([]byte, error) { return marshalWithOther((*deckJSON)(d), d.Other) }

// Clone returns a copy that shares no maps with d.
func (d Deck) Clone() Deck {
	d.Other = cloneRaw(d.Other)
	return d
}

// Clone returns a copy that shares no maps with d.
func (d DeckConfig) Clone() DeckConfig {
	d.Other = cloneRaw(d.Other)
	return d
}

func cloneRaw(m map[string]json.RawMessage) map[string]json.RawMessage {
	if m == nil {
		return nil
	}
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = append(json.RawMessage(nil), v...)
	}
	return out
}

// Filtered reports whether the deck is a filtered ("dynamic") deck.
func (d *Deck) Filtered() bool { return bool(d.Dyn) }

// DeckConfig is a deck options preset. Its nested new/rev/lapse objects are kept as raw JSON
// in Other; accessors read what the engine needs.
type DeckConfig struct {
	ID    int64                      `json:"id"`
	Name  string                     `json:"name"`
	Mod   int64                      `json:"mod"`
	USN   int                        `json:"usn"`
	Other map[string]json.RawMessage `json:"-"`
}

type deckConfigJSON DeckConfig

func (d *DeckConfig) UnmarshalJSON(data []byte) error {
	other, err := unmarshalWithOther(data, (*deckConfigJSON)(d))
	d.Other = other
	return err
}

func (d *DeckConfig) MarshalJSON() ([]byte, error) {
	return marshalWithOther((*deckConfigJSON)(d), d.Other)
}

// NewPerDay is the daily new-card limit (new.perDay).
func (d *DeckConfig) NewPerDay() int { return d.subInt("new", "perDay", 20) }

// ReviewsPerDay is the daily review limit (rev.perDay).
func (d *DeckConfig) ReviewsPerDay() int { return d.subInt("rev", "perDay", 200) }

func (d *DeckConfig) subInt(obj, key string, def int) int {
	raw, ok := d.Other[obj]
	if !ok {
		return def
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return def
	}
	var v FlexInt
	if r, ok := m[key]; !ok || json.Unmarshal(r, &v) != nil {
		return def
	}
	return int(v)
}
