package collection

import (
	"encoding/json"
	"strings"
)

// This file holds the small pieces of engine behaviour that the package importer and
// exporter need and that were unexported: tag canonicalisation, unique note type names,
// and Anki's "schedule as new" reset used when scheduling is left out of a package.

// CanonicalTags normalises, de-duplicates case-insensitively (keeping the case the
// collection already uses), sorts and registers tags, as every note write in Anki does.
func (tx *Tx) CanonicalTags(tags []string) []string { return tx.canonicalTags(tags) }

// SplitTags splits a notes.tags value ("␠a b␠") into tags.
func SplitTags(s string) []string { return splitTags(s) }

// JoinTags formats tags for notes.tags as Anki does in schema 11 (" a b ", or "").
func JoinTags(tags []string) string { return joinTags(tags) }

// UniqueNotetypeName returns name, or name with a numeric suffix, so that no other note
// type (than self) in the transaction's collection uses it case-insensitively.
func (tx *Tx) UniqueNotetypeName(name string, self int64) string {
	return tx.c.uniqueNotetypeName(name, self)
}

// NotetypeIDs lists the note type ids of the collection as the transaction sees it.
func (tx *Tx) NotetypeIDs() []int64 { return sortedKeys(tx.c.notetypes) }

// FixFieldCount makes a note's field list match its note type the way Anki's
// Note::fix_field_count does: missing fields are added empty, and surplus fields are
// appended to the last one (nothing the user typed is dropped).
func FixFieldCount(fields []string, want int) []string {
	if want <= 0 {
		return fields
	}
	for len(fields) < want {
		fields = append(fields, "")
	}
	if len(fields) > want {
		extra := strings.Join(fields[want:], "")
		fields = append(fields[:want-1:want-1], fields[want-1]+extra)
	}
	return fields
}

// LastPosition is the new-card position a card should return to when it is reset
// (Anki's Card::last_position): its due (or original due in a filtered deck) if it is
// new, else the "pos" it had before it was first studied, if recorded.
func (c *Card) LastPosition() (int64, bool) {
	if c.Type == CardTypeNew {
		if c.OriginalDeckID != 0 {
			return c.OriginalDue, true
		}
		return c.Due, true
	}
	var d struct {
		Pos *int64 `json:"pos"`
	}
	if c.Data != "" && json.Unmarshal([]byte(c.Data), &d) == nil && d.Pos != nil {
		return *d.Pos, true
	}
	return 0, false
}

// ResetAsNew schedules a card as new the way Anki's gather does when scheduling is
// excluded from an exchange (schedule_as_new with reset counts and restored position):
// due becomes pos, interval, ease, counts, flags and memory state are cleared, and the
// card leaves any filtered deck but stays in the deck it is in (which the importer turns
// into a normal deck).
func (c *Card) ResetAsNew(pos int64) {
	c.Due = pos
	c.Type, c.Queue = CardTypeNew, QueueNew
	c.Interval, c.Factor = 0, 0
	c.Reps, c.Lapses, c.Left = 0, 0, 0
	c.OriginalDue, c.OriginalDeckID = 0, 0
	c.Flags = 0
	c.Data = resetCardData(c.Data)
}

// resetCardData keeps only the user's custom data ("cd"); FSRS memory state, original
// position and last review time describe a history the reset card no longer has.
func resetCardData(data string) string {
	var m map[string]json.RawMessage
	if data == "" || json.Unmarshal([]byte(data), &m) != nil {
		return "{}"
	}
	cd, ok := m["cd"]
	if !ok {
		return "{}"
	}
	b, err := json.Marshal(map[string]json.RawMessage{"cd": cd})
	if err != nil {
		return "{}"
	}
	return string(b)
}
