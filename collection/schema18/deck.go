package schema18

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// deck is a schema-18 decks row; Name is the native form with U+001F separators.
type deck struct {
	ID     int64
	Name   string
	Mtime  int64
	Usn    int64
	Common deckCommon
	Kind   deckKind
}

var (
	deckCommonKeys = set("id", "mod", "name", "usn", "lrnToday", "revToday", "newToday", "timeToday",
		"collapsed", "browserCollapsed", "desc", "md", "dyn")
	normalDeckKeys = set("conf", "extendNew", "extendRev", "reviewLimit", "newLimit",
		"reviewLimitToday", "newLimitToday", "desiredRetention")
	filteredDeckKeys = set("resched", "terms", "separate", "delays", "previewDelay",
		"previewAgainSecs", "previewHardSecs", "previewGoodSecs")
	// RESERVED_DECK_KEYS: dropped from `other` when writing schema 11.
	reservedDeckKeys = set("usn", "revToday", "newLimit", "dyn", "reviewLimit", "newToday",
		"timeToday", "reviewLimitToday", "extendNew", "mod", "newLimitToday", "desc", "name",
		"lrnToday", "conf", "browserCollapsed", "extendRev", "id", "collapsed", "desiredRetention")
)

func union(sets ...map[string]bool) map[string]bool {
	out := map[string]bool{}
	for _, s := range sets {
		for k := range s {
			out[k] = true
		}
	}
	return out
}

// todayAmount reads a legacy [day, amount] pair; missing or odd entries count as 0.
func todayAmount(raw json.RawMessage) (day, amount int32) {
	var vals []json.RawMessage
	if json.Unmarshal(raw, &vals) != nil {
		return 0, 0
	}
	get := func(i int) int32 {
		if i < 0 || i >= len(vals) {
			return 0
		}
		v, _ := asInt(vals[i])
		return int32(v)
	}
	// Anki pops the amount from the end, then the day.
	return get(len(vals) - 2), get(len(vals) - 1)
}

func deckFromSchema11(o *object) (deck, error) {
	// Old clients wrote dyn as a bool; "return" is an obsolete key Anki discards.
	o.del("return")
	filtered := false
	switch raw := o.vals["dyn"]; string(raw) {
	case "true":
		filtered = true
	case "false", "":
	default:
		v, ok := asInt(raw)
		if !ok {
			return deck{}, fmt.Errorf("deck %s: dyn has the wrong type", o.vals["id"])
		}
		filtered = v == 1
	}
	d := deck{
		ID:    o.int("id", 0),
		Name:  o.str("name", ""),
		Mtime: o.int("mod", 0),
		Usn:   o.int("usn", 0),
	}
	lrnDay, lrn := todayAmount(o.vals["lrnToday"])
	revDay, rev := todayAmount(o.vals["revToday"])
	newDay, nw := todayAmount(o.vals["newToday"])
	timeDay, ms := todayAmount(o.vals["timeToday"])
	// Anki folds the four per-counter days into one; counters from an older day reset.
	maxDay := max(timeDay, newDay, revDay)
	if lrnDay != maxDay {
		lrn = 0
	}
	if revDay != maxDay {
		rev = 0
	}
	if newDay != maxDay {
		nw = 0
	}
	d.Common = deckCommon{
		StudyCollapsed:      o.boolean("collapsed", false),
		BrowserCollapsed:    o.boolean("browserCollapsed", false),
		LastDayStudied:      uint32(maxDay),
		NewStudied:          nw,
		ReviewStudied:       rev,
		LearningStudied:     lrn,
		MillisecondsStudied: ms,
	}
	if filtered {
		d.Common.Other = o.rest(union(deckCommonKeys, filteredDeckKeys)).bytes()
		f := &filteredDeck{
			Reschedule:       o.boolean("resched", false),
			PreviewDelay:     o.u32("previewDelay", 0),
			PreviewAgainSecs: o.u32("previewAgainSecs", 0),
			PreviewHardSecs:  o.u32("previewHardSecs", 0),
			PreviewGoodSecs:  o.u32("previewGoodSecs", 0),
		}
		f.Delays, _ = o.f32s("delays")
		var terms [][]json.RawMessage
		_ = json.Unmarshal(o.vals["terms"], &terms)
		for _, t := range terms {
			if len(t) < 3 {
				continue
			}
			search, _ := asString(t[0])
			limit, _ := asInt(t[1])
			order, _ := asInt(t[2])
			f.SearchTerms = append(f.SearchTerms, searchTerm{
				Search: search, Limit: uint32(max(limit, 0)), Order: int32(order),
			})
		}
		d.Kind.Filtered = f
	} else {
		d.Common.Other = o.rest(union(deckCommonKeys, normalDeckKeys)).bytes()
		n := &normalDeck{
			ConfigID:            o.int("conf", 1),
			ExtendNew:           uint32(max(o.i32("extendNew", 0), 0)),
			ExtendReview:        uint32(max(o.i32("extendRev", 0), 0)),
			Description:         o.str("desc", ""),
			MarkdownDescription: o.boolean("md", false),
			ReviewLimit:         o.optU32("reviewLimit"),
			NewLimit:            o.optU32("newLimit"),
			ReviewLimitToday:    parseDayLimit(o, "reviewLimitToday"),
			NewLimitToday:       parseDayLimit(o, "newLimitToday"),
		}
		if v := o.optU32("desiredRetention"); v != nil {
			r := float32(*v) / 100
			n.DesiredRetention = &r
		}
		d.Kind.Normal = n
	}
	return d, nil
}

func parseDayLimit(o *object, k string) *dayLimit {
	s, ok := o.sub(k)
	if !ok || !s.has("limit") || !s.has("today") {
		return nil
	}
	l, ok1 := asInt(s.vals["limit"])
	t, ok2 := asInt(s.vals["today"])
	if !ok1 || !ok2 || l < 0 || t < 0 || l > 1<<32-1 || t > 1<<32-1 {
		return nil
	}
	return &dayLimit{Limit: uint32(l), Today: uint32(t)}
}

// nativeDeckName turns "A::B" into Anki's stored form: each component NFC, ASCII control
// characters removed, surrounding whitespace and colons trimmed, "blank" if empty,
// joined with U+001F.
func nativeDeckName(human string) string {
	parts := strings.Split(human, "::")
	for i, p := range parts {
		p = norm.NFC.String(p)
		p = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1
			}
			return r
		}, p)
		p = strings.TrimFunc(p, func(r rune) bool { return unicode.IsSpace(r) || r == ':' })
		if p == "" {
			p = "blank"
		}
		parts[i] = p
	}
	return strings.Join(parts, "\x1f")
}

func humanDeckName(native string) string {
	return strings.ReplaceAll(native, "\x1f", "::")
}

// schema11JSON renders the deck as Anki's DeckSchema11 serialises it.
func (d *deck) schema11JSON() []byte {
	c := &d.Common
	day := int64(int32(c.LastDayStudied))
	var w owriter
	w.begin()
	w.int("id", d.ID)
	w.int("mod", d.Mtime)
	w.str("name", humanDeckName(d.Name))
	w.int("usn", d.Usn)
	pair := func(k string, amount int32) {
		w.key(k)
		fmt.Fprintf(&w.buf, "[%d,%d]", day, amount)
	}
	pair("lrnToday", c.LearningStudied)
	pair("revToday", c.ReviewStudied)
	pair("newToday", c.NewStudied)
	pair("timeToday", c.MillisecondsStudied)
	w.boolean("collapsed", c.StudyCollapsed)
	w.boolean("browserCollapsed", c.BrowserCollapsed)
	if n := d.Kind.Normal; n != nil {
		w.str("desc", n.Description)
		if n.MarkdownDescription {
			w.boolean("md", true)
		}
		w.int("dyn", 0)
		w.merge(otherFrom(c.Other, reservedDeckKeys))
		w.int("conf", n.ConfigID)
		w.int("extendNew", int64(int32(n.ExtendNew)))
		w.int("extendRev", int64(int32(n.ExtendReview)))
		optU := func(k string, v *uint32) {
			if v == nil {
				w.null(k)
			} else {
				w.int(k, int64(*v))
			}
		}
		optU("reviewLimit", n.ReviewLimit)
		optU("newLimit", n.NewLimit)
		optDay := func(k string, v *dayLimit) {
			if v == nil {
				w.null(k)
			} else {
				w.key(k)
				fmt.Fprintf(&w.buf, `{"limit":%d,"today":%d}`, v.Limit, v.Today)
			}
		}
		optDay("reviewLimitToday", n.ReviewLimitToday)
		optDay("newLimitToday", n.NewLimitToday)
		if n.DesiredRetention == nil {
			w.null("desiredRetention")
		} else {
			w.int("desiredRetention", int64(f32ToU32(*n.DesiredRetention*100)))
		}
	} else {
		f := d.Kind.Filtered
		if f == nil {
			f = &filteredDeck{}
		}
		w.str("desc", "")
		w.int("dyn", 1)
		w.merge(otherFrom(c.Other, reservedDeckKeys))
		w.boolean("resched", f.Reschedule)
		w.key("terms")
		w.buf.WriteByte('[')
		for i, t := range f.SearchTerms {
			if i > 0 {
				w.buf.WriteByte(',')
			}
			w.buf.WriteByte('[')
			writeJSONString(&w.buf, t.Search)
			fmt.Fprintf(&w.buf, ",%d,%d]", int32(t.Limit), t.Order)
		}
		w.buf.WriteByte(']')
		// Older clients require the key; Anki always writes true.
		w.boolean("separate", true)
		if len(f.Delays) == 0 {
			w.null("delays")
		} else {
			w.f32s("delays", f.Delays)
		}
		w.int("previewDelay", int64(f.PreviewDelay))
		w.int("previewAgainSecs", int64(f.PreviewAgainSecs))
		w.int("previewHardSecs", int64(f.PreviewHardSecs))
		w.int("previewGoodSecs", int64(f.PreviewGoodSecs))
	}
	w.end()
	return w.buf.Bytes()
}

// f32ToU32 converts like Rust's saturating `as u32` cast.
func f32ToU32(f float32) uint32 {
	switch {
	case f != f || f <= 0:
		return 0
	case f >= 4294967295:
		return 4294967295
	}
	return uint32(f)
}
