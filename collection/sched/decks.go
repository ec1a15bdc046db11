package sched

import (
	"encoding/json"
	"sort"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
)

// deckSet is a snapshot of the decks and presets the scheduler consults.
type deckSet struct {
	byID   map[int64]*collection.Deck
	byName map[string]*collection.Deck // lower-cased full name
	confs  map[int64]*collection.DeckConfig
}

func newDeckSet(decks []collection.Deck, confs []collection.DeckConfig) *deckSet {
	ds := &deckSet{byID: map[int64]*collection.Deck{}, byName: map[string]*collection.Deck{},
		confs: map[int64]*collection.DeckConfig{}}
	for i := range decks {
		d := &decks[i]
		ds.byID[d.ID] = d
		ds.byName[strings.ToLower(d.Name)] = d
	}
	for i := range confs {
		ds.confs[confs[i].ID] = &confs[i]
	}
	return ds
}

// config returns the parsed preset of a normal deck (Anki falls back to the default preset
// when the deck's preset is missing).
func (ds *deckSet) config(d *collection.Deck) Config {
	if d == nil || d.Filtered() {
		return DefaultConfig()
	}
	dc := ds.confs[int64(d.Conf)]
	if dc == nil {
		dc = ds.confs[collection.DefaultConfigID]
	}
	return ParseConfig(dc)
}

func (ds *deckSet) parent(d *collection.Deck) *collection.Deck {
	i := strings.LastIndex(d.Name, collection.DeckSeparator)
	if i < 0 {
		return nil
	}
	return ds.byName[strings.ToLower(d.Name[:i])]
}

// parents returns the deck's ancestors, nearest first.
func (ds *deckSet) parents(d *collection.Deck) []*collection.Deck {
	var out []*collection.Deck
	for p := ds.parent(d); p != nil; p = ds.parent(p) {
		out = append(out, p)
	}
	return out
}

// withChildren returns the deck and its descendants in deck-list order.
func (ds *deckSet) withChildren(root *collection.Deck) []*collection.Deck {
	out := []*collection.Deck{root}
	prefix := strings.ToLower(root.Name) + collection.DeckSeparator
	for name, d := range ds.byName {
		if strings.HasPrefix(name, prefix) {
			out = append(out, d)
		}
	}
	sort.SliceStable(out[1:], func(i, j int) bool { return deckLess(out[1+i].Name, out[1+j].Name) })
	return out
}

func deckLess(a, b string) bool {
	pa, pb := strings.Split(a, collection.DeckSeparator), strings.Split(b, collection.DeckSeparator)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		la, lb := strings.ToLower(pa[i]), strings.ToLower(pb[i])
		if la != lb {
			return la < lb
		}
	}
	return len(pa) < len(pb)
}

func depth(name string) int { return strings.Count(name, collection.DeckSeparator) + 1 }

// deckOpt reads an optional integer deck key (reviewLimit, newLimit, desiredRetention).
func deckOpt(d *collection.Deck, key string) (int, bool) {
	raw, ok := d.Other[key]
	if !ok {
		return 0, false
	}
	var v *float64
	if json.Unmarshal(raw, &v) != nil || v == nil || *v < 0 {
		return 0, false
	}
	return int(*v), true
}

// deckDayLimit reads reviewLimitToday/newLimitToday ({"limit": n, "today": day}) when it
// applies to today.
func deckDayLimit(d *collection.Deck, key string, today int) (int, bool) {
	raw, ok := d.Other[key]
	if !ok {
		return 0, false
	}
	var v *struct {
		Limit int `json:"limit"`
		Today int `json:"today"`
	}
	if json.Unmarshal(raw, &v) != nil || v == nil || v.Today != today || v.Limit < 0 {
		return 0, false
	}
	return v.Limit, true
}

// filteredOpts are a filtered deck's study settings.
type filteredOpts struct {
	resched bool
	preview [3]int // again, hard, good seconds
}

func filteredOptions(d *collection.Deck) filteredOpts {
	o := filteredOpts{resched: true, preview: [3]int{60, 600, 0}}
	getBool(d.Other, "resched", &o.resched)
	getInt(d.Other, "previewAgainSecs", &o.preview[0])
	getInt(d.Other, "previewHardSecs", &o.preview[1])
	getInt(d.Other, "previewGoodSecs", &o.preview[2])
	return o
}

// desiredRetention is the deck's own desired retention (percent in the deck JSON) or the
// preset's.
func desiredRetention(d *collection.Deck, cfg Config) float32 {
	if v, ok := deckOpt(d, "desiredRetention"); ok && v > 0 && v < 100 {
		return float32(v) / 100
	}
	return cfg.DesiredRetention
}
