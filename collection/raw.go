package collection

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/deckhand-app/deckhand/collection/text"
)

// The methods in this file store objects as they are given, keeping their mod and usn, for
// importers and sync, which bring objects that already carry Anki's bookkeeping. Ordinary
// edits should use the methods that set mod and usn themselves.

// ColState is the col row's bookkeeping.
type ColState struct {
	Created        int64 // crt, seconds
	Mod            int64 // ms
	SchemaMod      int64 // scm, ms
	USN            int
	LastSync       int64 // ls, ms
	SchedulerToday int
}

// ColState returns the col row's bookkeeping as the transaction sees it.
func (tx *Tx) ColState() ColState {
	c := tx.c
	return ColState{Created: c.crt, Mod: c.mod, SchemaMod: c.scm, USN: c.usn, LastSync: c.ls,
		SchedulerToday: timingAt(c.crt, c.rolloverHour(), tx.now).Today}
}

// SetSyncState stores the usn and last-sync time after a sync, and optionally the schema time.
func (tx *Tx) SetSyncState(usn int, lastSync int64, schemaMod int64) error {
	c := tx.c
	c.usn, c.ls = usn, lastSync
	if schemaMod != 0 {
		c.scm = schemaMod
	}
	_, err := tx.tx.ExecContext(tx.ctx, "UPDATE col SET usn=?, ls=?, scm=? WHERE id=1", c.usn, c.ls, c.scm)
	return wrapDB("update col", err)
}

// SetModified makes the transaction stamp ms as col.mod (a sync finishing sets the time both
// sides agreed on).
func (tx *Tx) SetModified(ms int64) { tx.now = time.UnixMilli(ms) }

// Now is the time the transaction stamps on what it changes.
func (tx *Tx) Now() int64 { return tx.now.UnixMilli() }

// Notetype returns the live note type (edit only through PutNotetype/UpdateNotetype).
func (tx *Tx) Notetype(id int64) (*Notetype, bool) {
	nt, ok := tx.c.notetypes[id]
	if !ok {
		return nil, false
	}
	return nt.Clone(), true
}

// Notetypes returns copies of all note types.
func (tx *Tx) Notetypes() []*Notetype {
	out := make([]*Notetype, 0, len(tx.c.notetypes))
	for _, id := range sortedKeys(tx.c.notetypes) {
		out = append(out, tx.c.notetypes[id].Clone())
	}
	return out
}

// PutNotetype stores a note type as given (id, mod and usn kept), adding or replacing it.
// It recomputes nothing in the notes: callers bringing a changed schema must rewrite them.
func (tx *Tx) PutNotetype(nt *Notetype) error {
	if nt.ID == 0 {
		return errors.New("put note type: id 0")
	}
	cp := nt.Clone()
	for i, f := range cp.Fields {
		f.Ord, f.origOrd = i, i
	}
	for i, t := range cp.Templates {
		t.Ord, t.origOrd = i, i
	}
	tx.c.notetypes[cp.ID] = cp
	tx.colDirty = true
	return nil
}

// DeleteNotetypeRaw forgets a note type without touching notes (sync applies graves itself).
func (tx *Tx) DeleteNotetypeRaw(id int64) {
	delete(tx.c.notetypes, id)
	tx.colDirty = true
}

// Decks returns copies of all decks.
func (tx *Tx) Decks() []Deck {
	out := make([]Deck, 0, len(tx.c.decks))
	for _, id := range sortedKeys(tx.c.decks) {
		out = append(out, tx.c.decks[id].Clone())
	}
	return out
}

// Deck returns a copy of a deck.
func (tx *Tx) Deck(id int64) (Deck, bool) {
	d, ok := tx.c.decks[id]
	if !ok {
		return Deck{}, false
	}
	return d.Clone(), true
}

// DeckByName finds a deck by full name, case-insensitively.
func (tx *Tx) DeckByName(name string) (Deck, bool) {
	d := tx.c.deckByName(NormalizeDeckName(name))
	if d == nil {
		return Deck{}, false
	}
	return d.Clone(), true
}

// PutDeck stores a deck as given (adding or replacing it).
func (tx *Tx) PutDeck(d Deck) error {
	if d.ID == 0 || strings.TrimSpace(d.Name) == "" {
		return fmt.Errorf("put deck: id %d name %q", d.ID, d.Name)
	}
	if other := tx.c.deckByName(d.Name); other != nil && other.ID != d.ID {
		return fmt.Errorf("put deck %q: name used by deck %d", d.Name, other.ID)
	}
	cp := d.Clone()
	tx.c.decks[d.ID] = &cp
	tx.colDirty = true
	return nil
}

// DeleteDeckRaw forgets a deck without touching cards (sync applies graves itself).
func (tx *Tx) DeleteDeckRaw(id int64) {
	delete(tx.c.decks, id)
	tx.colDirty = true
}

// DeckConfigs returns copies of all options presets.
func (tx *Tx) DeckConfigs() []DeckConfig {
	out := make([]DeckConfig, 0, len(tx.c.dconf))
	for _, id := range sortedKeys(tx.c.dconf) {
		out = append(out, tx.c.dconf[id].Clone())
	}
	return out
}

// PutDeckConfig stores an options preset as given.
func (tx *Tx) PutDeckConfig(dc DeckConfig) error {
	if dc.ID == 0 {
		return errors.New("put deck config: id 0")
	}
	cp := dc.Clone()
	tx.c.dconf[dc.ID] = &cp
	tx.colDirty = true
	return nil
}

// DeleteDeckConfigRaw forgets an options preset.
func (tx *Tx) DeleteDeckConfigRaw(id int64) {
	delete(tx.c.dconf, id)
	tx.colDirty = true
}

// NewDeckConfig returns the default options preset with the given id and name.
func NewDeckConfig(id int64, name string) DeckConfig { return *newDeckConfigObject(id, name, 0) }

// NewDeck returns a normal deck object with Anki's default keys (not stored).
func NewDeck(id int64, name string) Deck { return *newDeckObject(id, name, 0) }

// Config returns a copy of the whole collection config (col.conf).
func (tx *Tx) Config() map[string][]byte {
	out := make(map[string][]byte, len(tx.c.conf))
	for k, v := range tx.c.conf {
		out[k] = append([]byte(nil), v...)
	}
	return out
}

// ReplaceConfig replaces the whole collection config (full-sync and colpkg paths).
func (tx *Tx) ReplaceConfig(conf map[string][]byte) {
	tx.c.conf = make(map[string]json.RawMessage, len(conf))
	for k, v := range conf {
		tx.c.conf[k] = append(json.RawMessage(nil), v...)
	}
	tx.colDirty = true
}

// Tags returns the tag registry (tag → usn).
func (tx *Tx) Tags() map[string]int {
	out := make(map[string]int, len(tx.c.tags))
	for k, v := range tx.c.tags {
		out[k] = v
	}
	return out
}

// PutTag registers a tag with the given usn.
func (tx *Tx) PutTag(tag string, usn int) {
	tx.c.tags[tag] = usn
	tx.colDirty = true
}

// DeleteTagRaw unregisters a tag.
func (tx *Tx) DeleteTagRaw(tag string) {
	delete(tx.c.tags, tag)
	tx.colDirty = true
}

// PutNote inserts or replaces a note row as given (id, guid, mod, usn kept). sfld and csum are
// recomputed like Anki does for every note it stores. Tags are stored as given (canonical
// form expected) and registered.
func (tx *Tx) PutNote(n *Note) error {
	nt, ok := tx.c.notetypes[n.NotetypeID]
	if !ok {
		return fmt.Errorf("put note %d: note type %d: %w", n.ID, n.NotetypeID, ErrNotFound)
	}
	if n.ID == 0 || n.GUID == "" {
		return fmt.Errorf("put note: id %d guid %q", n.ID, n.GUID)
	}
	n.notetype = nt
	for _, t := range n.Tags {
		tx.registerTag(t)
	}
	return tx.writeNote(n, false)
}

// PutCard inserts or replaces a card row as given.
func (tx *Tx) PutCard(c *Card) error {
	if c.ID == 0 || c.NoteID == 0 {
		return fmt.Errorf("put card: id %d note %d", c.ID, c.NoteID)
	}
	data := c.Data
	if data == "" {
		data = "{}"
	}
	_, err := tx.exec("INSERT OR REPLACE INTO cards ("+cardColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.NoteID, c.DeckID, c.Ord, c.Mod, c.USN, c.Type, c.Queue, c.Due, c.Interval, c.Factor,
		c.Reps, c.Lapses, c.Left, c.OriginalDue, c.OriginalDeckID, c.Flags, data)
	return wrapDB("put card", err)
}

// RevlogEntry is one review log row.
type RevlogEntry struct {
	ID, CardID             int64
	USN, Ease              int
	Interval, LastInterval int
	Factor, Time, Type     int
}

// PutRevlog inserts a review log row; an existing id is left as it is (revlog is insert-only).
func (tx *Tx) PutRevlog(r RevlogEntry) error {
	_, err := tx.exec(`INSERT OR IGNORE INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.CardID, r.USN, r.Ease, r.Interval, r.LastInterval, r.Factor, r.Time, r.Type)
	return wrapDB("put revlog", err)
}

// NextID allocates a unique millisecond-timestamp id for "notes", "cards" or "revlog".
func (tx *Tx) NextID(table string) (int64, error) {
	switch table {
	case "notes", "cards", "revlog":
		return tx.nextID(table)
	}
	return 0, fmt.Errorf("next id: unknown table %q", table)
}

// AddGrave records a deletion for sync (GraveCard, GraveNote, GraveDeck).
func (tx *Tx) AddGrave(oid int64, kind int) error { return tx.addGrave(oid, kind) }

// GenerateCards creates the cards a stored note lacks (see AddNote for the rules); deckID 0
// means next to the note's other cards. It returns the new card ids.
func (tx *Tx) GenerateCards(nid int64, deckID int64) ([]int64, error) {
	n, err := tx.GetNote(nid)
	if err != nil {
		return nil, err
	}
	if n.notetype == nil {
		return nil, fmt.Errorf("generate cards: note %d has no note type", nid)
	}
	return tx.generateCards(n.notetype, n, deckID, false)
}

// SortFieldAndChecksum returns what Anki stores in sfld and csum for a note's fields.
func SortFieldAndChecksum(nt *Notetype, fields []string) (string, uint32) {
	if len(fields) == 0 {
		return "", 0
	}
	i := nt.SortField
	if i < 0 || i >= len(fields) {
		i = 0
	}
	return text.SortField(fields[i]), text.FieldChecksum(fields[0])
}

// PrepareNotetype validates a note type and recomputes ordinals and `req` (for importers that
// build note types).
func PrepareNotetype(nt *Notetype) error { return prepareNotetype(nt) }
