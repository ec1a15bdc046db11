package collection

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/deckhand-app/deckhand/collection/text"
)

// FieldSeparator joins field values in notes.flds.
const FieldSeparator = "\x1f"

// Note is one note: its field values follow its note type's fields.
type Note struct {
	ID         int64
	GUID       string
	NotetypeID int64
	Mod        int64 // seconds
	USN        int
	Tags       []string
	Fields     []string
	Flags      int
	Data       string

	notetype *Notetype
}

// ErrNotFound is returned when an id names nothing.
var ErrNotFound = errors.New("not found")

// NewNote returns an empty note of the given note type, ready for AddNote.
func (c *Collection) NewNote(notetypeID int64) (*Note, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.newNote(notetypeID)
}

// NewNote is Collection.NewNote inside a transaction (Collection methods would wait for the
// transaction to end).
func (tx *Tx) NewNote(notetypeID int64) (*Note, error) { return tx.c.newNote(notetypeID) }

func (c *Collection) newNote(notetypeID int64) (*Note, error) {
	nt, ok := c.notetypes[notetypeID]
	if !ok {
		return nil, fmt.Errorf("new note: note type %d: %w", notetypeID, ErrNotFound)
	}
	return &Note{NotetypeID: nt.ID, Fields: make([]string, len(nt.Fields)), notetype: nt}, nil
}

// Notetype returns the note's note type as it was when the note was loaded.
func (n *Note) Notetype() *Notetype { return n.notetype }

// Field returns the value of the named field, and false if the note type has no such field.
func (n *Note) Field(name string) (string, bool) {
	if n.notetype == nil {
		return "", false
	}
	i := n.notetype.FieldIndex(name)
	if i < 0 || i >= len(n.Fields) {
		return "", false
	}
	return n.Fields[i], true
}

// SetField sets the named field (save with UpdateNote or AddNote).
func (n *Note) SetField(name, value string) error {
	if n.notetype == nil {
		return errors.New("set field: note has no note type loaded")
	}
	i := n.notetype.FieldIndex(name)
	if i < 0 {
		return fmt.Errorf("set field: note type %q has no field %q", n.notetype.Name, name)
	}
	for len(n.Fields) <= i {
		n.Fields = append(n.Fields, "")
	}
	n.Fields[i] = value
	return nil
}

// FieldMap returns the fields by name.
func (n *Note) FieldMap() map[string]string {
	m := make(map[string]string, len(n.Fields))
	if n.notetype == nil {
		return m
	}
	for i, f := range n.notetype.Fields {
		if i < len(n.Fields) {
			m[f.Name] = n.Fields[i]
		}
	}
	return m
}

// HasTag reports whether the note carries tag (case-insensitive).
func (n *Note) HasTag(tag string) bool {
	for _, t := range n.Tags {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}

// AddNote adds a note and generates its cards in deckID (or in template deck overrides).
// It sets n.ID, n.GUID (when empty), n.Mod and n.USN.
func (c *Collection) AddNote(ctx context.Context, n *Note, deckID int64) error {
	return c.TransactUndoable(ctx, "Add Note", func(tx *Tx) error { return tx.AddNote(n, deckID) })
}

// AddNote is Collection.AddNote inside a transaction.
func (tx *Tx) AddNote(n *Note, deckID int64) error {
	nt, ok := tx.c.notetypes[n.NotetypeID]
	if !ok {
		return fmt.Errorf("add note: note type %d: %w", n.NotetypeID, ErrNotFound)
	}
	if _, ok := tx.c.decks[deckID]; !ok {
		return fmt.Errorf("add note: deck %d: %w", deckID, ErrNotFound)
	}
	if len(n.Fields) > len(nt.Fields) {
		return fmt.Errorf("add note: %d fields given, note type %q has %d", len(n.Fields), nt.Name, len(nt.Fields))
	}
	for len(n.Fields) < len(nt.Fields) {
		n.Fields = append(n.Fields, "")
	}
	n.notetype = nt
	if n.GUID == "" {
		n.GUID = NewGUID()
	}
	id, err := tx.nextID("notes")
	if err != nil {
		return err
	}
	n.ID = id
	n.Mod, n.USN = tx.now.Unix(), -1
	n.Tags = tx.canonicalTags(n.Tags)
	if err := tx.writeNote(n, true); err != nil {
		return fmt.Errorf("add note: %w", err)
	}
	if _, err := tx.generateCards(nt, n, deckID, true); err != nil {
		return fmt.Errorf("add note: %w", err)
	}
	tx.fireNoteAdded(n)
	return nil
}

// writeNote inserts or replaces the note row, computing sfld and csum like Anki.
func (tx *Tx) writeNote(n *Note, insert bool) error {
	nt := n.notetype
	for i, f := range n.Fields {
		if strings.Contains(f, FieldSeparator) {
			// A separator inside a value would shift every later field.
			n.Fields[i] = strings.ReplaceAll(f, FieldSeparator, " ")
		}
	}
	sortIdx := nt.SortField
	if sortIdx < 0 || sortIdx >= len(n.Fields) {
		sortIdx = 0
	}
	// sfld has integer affinity, so SQLite itself stores numeric sort fields as numbers.
	sfld := ""
	csum := int64(0)
	if len(n.Fields) > 0 {
		sfld = text.SortField(n.Fields[sortIdx])
		csum = int64(text.FieldChecksum(n.Fields[0]))
	}
	verb := "INSERT"
	if !insert {
		verb = "INSERT OR REPLACE"
	}
	_, err := tx.exec(verb+` INTO notes (id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		n.ID, n.GUID, n.NotetypeID, n.Mod, n.USN, joinTags(n.Tags), strings.Join(n.Fields, FieldSeparator),
		sfld, csum, n.Flags, n.Data)
	if err != nil {
		return wrapDB("write note", err)
	}
	return nil
}

// GetNote loads a note.
func (c *Collection) GetNote(ctx context.Context, id int64) (*Note, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.getNote(ctx, c.db, id)
}

// GetNote is Collection.GetNote inside a transaction.
func (tx *Tx) GetNote(id int64) (*Note, error) { return tx.c.getNote(tx.ctx, tx.tx, id) }

func (c *Collection) getNote(ctx context.Context, q querier, id int64) (*Note, error) {
	n := &Note{}
	var tags, flds string
	err := q.QueryRowContext(ctx, "SELECT id, guid, mid, mod, usn, tags, flds, flags, data FROM notes WHERE id=?", id).
		Scan(&n.ID, &n.GUID, &n.NotetypeID, &n.Mod, &n.USN, &tags, &flds, &n.Flags, &n.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("note %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, wrapDB(fmt.Sprintf("read note %d", id), err)
	}
	n.Tags = splitTags(tags)
	n.Fields = strings.Split(flds, FieldSeparator)
	n.notetype = c.notetypes[n.NotetypeID]
	return n, nil
}

// UpdateNote saves a changed note: fields, tags and flags. Cards for templates that now
// render are added; cards are never deleted by an edit (as in Anki).
func (c *Collection) UpdateNote(ctx context.Context, n *Note) error {
	return c.TransactUndoable(ctx, "Update Note", func(tx *Tx) error { return tx.UpdateNote(n) })
}

// UpdateNote is Collection.UpdateNote inside a transaction.
func (tx *Tx) UpdateNote(n *Note) error {
	old, err := tx.GetNote(n.ID)
	if err != nil {
		return fmt.Errorf("update note: %w", err)
	}
	if old.NotetypeID != n.NotetypeID {
		return fmt.Errorf("update note %d: changing the note type needs ChangeNotetype", n.ID)
	}
	nt := tx.c.notetypes[n.NotetypeID]
	if nt == nil {
		return fmt.Errorf("update note %d: note type %d: %w", n.ID, n.NotetypeID, ErrNotFound)
	}
	if len(n.Fields) > len(nt.Fields) {
		return fmt.Errorf("update note %d: %d fields given, note type %q has %d", n.ID, len(n.Fields), nt.Name, len(nt.Fields))
	}
	for len(n.Fields) < len(nt.Fields) {
		n.Fields = append(n.Fields, "")
	}
	n.notetype = nt
	n.GUID = old.GUID
	n.Tags = tx.canonicalTags(n.Tags)
	if equalStrings(old.Fields, n.Fields) && equalStrings(old.Tags, n.Tags) && old.Flags == n.Flags {
		n.Mod, n.USN = old.Mod, old.USN
		return nil // Anki leaves unchanged notes alone, so mod and usn keep meaning "changed"
	}
	n.Mod, n.USN = tx.now.Unix(), -1
	if err := tx.writeNote(n, false); err != nil {
		return fmt.Errorf("update note: %w", err)
	}
	if _, err := tx.generateCards(nt, n, 0, false); err != nil {
		return fmt.Errorf("update note: %w", err)
	}
	tx.fireNoteUpdated(n)
	return nil
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// RemoveNotes deletes notes and their cards, recording graves for sync. Review history stays,
// as in Anki.
func (c *Collection) RemoveNotes(ctx context.Context, ids []int64) error {
	return c.TransactUndoable(ctx, "Delete Note", func(tx *Tx) error { return tx.RemoveNotes(ids) })
}

// RemoveNotes is Collection.RemoveNotes inside a transaction.
func (tx *Tx) RemoveNotes(ids []int64) error {
	for _, nid := range ids {
		cids, err := tx.idsWhere("SELECT id FROM cards WHERE nid=?", nid)
		if err != nil {
			return err
		}
		for _, cid := range cids {
			if err := tx.removeCardRow(cid); err != nil {
				return err
			}
		}
		res, err := tx.tx.ExecContext(tx.ctx, "DELETE FROM notes WHERE id=?", nid)
		if err != nil {
			return wrapDB("remove note", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		if err := tx.addGrave(nid, GraveNote); err != nil {
			return err
		}
	}
	return nil
}

// NoteIDsOfCards maps card ids to their distinct note ids.
func (tx *Tx) noteIDsOfCards(cids []int64) ([]int64, error) {
	seen := map[int64]bool{}
	var out []int64
	for _, cid := range cids {
		var nid int64
		err := tx.tx.QueryRowContext(tx.ctx, "SELECT nid FROM cards WHERE id=?", cid).Scan(&nid)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, wrapDB("read card", err)
		}
		if !seen[nid] {
			seen[nid] = true
			out = append(out, nid)
		}
	}
	return out, nil
}
