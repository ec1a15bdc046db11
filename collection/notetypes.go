package collection

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/deckhand-app/deckhand/collection/template"
)

// Notetypes returns copies of all note types sorted by name.
func (c *Collection) Notetypes() []*Notetype {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]*Notetype, 0, len(c.notetypes))
	for _, nt := range c.notetypes {
		out = append(out, nt.Clone())
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out
}

// Notetype returns a copy of the note type with id, for reading or editing.
func (c *Collection) Notetype(id int64) (*Notetype, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	nt, ok := c.notetypes[id]
	if !ok {
		return nil, false
	}
	return nt.Clone(), true
}

// NotetypeByName finds a note type by name (case-insensitive).
func (c *Collection) NotetypeByName(name string) (*Notetype, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, nt := range c.notetypes {
		if strings.EqualFold(nt.Name, name) {
			return nt.Clone(), true
		}
	}
	return nil, false
}

// prepareNotetype validates a note type and recomputes what Anki derives from it: ordinals
// and the legacy `req` list older clients need.
func prepareNotetype(nt *Notetype) error {
	nt.Name = strings.TrimSpace(nt.Name)
	if nt.Name == "" {
		return errors.New("note type needs a name")
	}
	if len(nt.Fields) == 0 {
		return fmt.Errorf("note type %q needs at least one field", nt.Name)
	}
	if len(nt.Templates) == 0 {
		return fmt.Errorf("note type %q needs at least one card type", nt.Name)
	}
	if nt.IsCloze() && len(nt.Templates) != 1 {
		return fmt.Errorf("cloze note type %q must have exactly one card type", nt.Name)
	}
	seen := map[string]bool{}
	for i, f := range nt.Fields {
		f.Name = normalizeFieldName(f.Name)
		if f.Name == "" {
			return fmt.Errorf("note type %q: field %d has no name", nt.Name, i+1)
		}
		if seen[f.Name] {
			return fmt.Errorf("note type %q: two fields are called %q", nt.Name, f.Name)
		}
		seen[f.Name] = true
		f.Ord = i
	}
	seen = map[string]bool{}
	for i, t := range nt.Templates {
		t.Name = strings.TrimSpace(t.Name)
		if t.Name == "" {
			return fmt.Errorf("note type %q: card type %d has no name", nt.Name, i+1)
		}
		if seen[t.Name] {
			return fmt.Errorf("note type %q: two card types are called %q", nt.Name, t.Name)
		}
		seen[t.Name] = true
		t.Ord = i
		if _, err := template.Parse(t.QFmt); err != nil {
			return fmt.Errorf("note type %q, card type %q: front template: %w", nt.Name, t.Name, err)
		}
		if _, err := template.Parse(t.AFmt); err != nil {
			return fmt.Errorf("note type %q, card type %q: back template: %w", nt.Name, t.Name, err)
		}
	}
	if nt.SortField < 0 || nt.SortField >= len(nt.Fields) {
		nt.SortField = 0
	}
	names := nt.FieldNames()
	nt.Req = make([]ReqEntry, len(nt.Templates))
	for i, t := range nt.Templates {
		kind, ords := template.Req(t.QFmt, names)
		if nt.IsCloze() {
			// Cloze cards do not come from req; Anki writes the first field as "any".
			kind, ords = "any", []int{0}
		}
		nt.Req[i] = ReqEntry{Ord: i, Kind: kind, Fields: ords}
	}
	return nil
}

// normalizeFieldName removes what Anki forbids in field names: leading '#', '/', '^',
// ':', '{', '}' and '"' anywhere, and surrounding space.
func normalizeFieldName(name string) string {
	name = strings.Map(func(r rune) rune {
		switch r {
		case ':', '{', '}', '"':
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	return strings.TrimLeft(name, "#/^")
}

// AddNotetype adds a new note type (e.g. from NewStockNotetype or a Clone); it sets nt.ID.
func (c *Collection) AddNotetype(ctx context.Context, nt *Notetype) error {
	return c.TransactUndoable(ctx, "Add Note Type", func(tx *Tx) error { return tx.AddNotetype(nt) })
}

// AddNotetype is Collection.AddNotetype inside a transaction.
func (tx *Tx) AddNotetype(nt *Notetype) error {
	c := tx.c
	if err := prepareNotetype(nt); err != nil {
		return fmt.Errorf("add note type: %w", err)
	}
	nt.Name = c.uniqueNotetypeName(nt.Name, 0)
	if nt.ID == 0 || c.notetypes[nt.ID] != nil {
		nt.ID = tx.now.UnixMilli()
		for c.notetypes[nt.ID] != nil {
			nt.ID++
		}
	}
	nt.Mod, nt.USN = tx.now.Unix(), -1
	for _, f := range nt.Fields {
		f.origOrd = f.Ord
	}
	for _, t := range nt.Templates {
		t.origOrd = t.Ord
	}
	c.notetypes[nt.ID] = nt.Clone()
	tx.colDirty = true
	return nil
}

func (c *Collection) uniqueNotetypeName(name string, self int64) string {
	for {
		clash := false
		for _, other := range c.notetypes {
			if other.ID != self && strings.EqualFold(other.Name, name) {
				clash = true
				break
			}
		}
		if !clash {
			return name
		}
		name += "+"
	}
}

// UpdateNotetype saves an edited copy of a note type (from Notetype or NotetypeByName).
// Fields and templates are matched to the stored ones by their original position, so that
// additions, removals, renames and moves are all understood: notes are rewritten, cards of
// removed templates deleted, card ordinals follow moved templates, new templates get cards,
// renamed fields are renamed in templates, and the schema is marked modified when the
// structure changed (Anki then requires a full sync).
func (c *Collection) UpdateNotetype(ctx context.Context, nt *Notetype) error {
	return c.TransactUndoable(ctx, "Update Note Type", func(tx *Tx) error { return tx.UpdateNotetype(nt) })
}

// UpdateNotetype is Collection.UpdateNotetype inside a transaction.
func (tx *Tx) UpdateNotetype(nt *Notetype) error {
	c := tx.c
	old, ok := c.notetypes[nt.ID]
	if !ok {
		return fmt.Errorf("update note type: %d: %w", nt.ID, ErrNotFound)
	}
	if old.Kind != nt.Kind {
		return fmt.Errorf("update note type %q: cannot switch between cloze and standard", old.Name)
	}
	nt = nt.Clone()
	// Field renames carry into templates before validation, so templates keep working.
	for _, f := range nt.Fields {
		if f.origOrd >= 0 && f.origOrd < len(old.Fields) && old.Fields[f.origOrd].Name != f.Name {
			for _, t := range nt.Templates {
				t.QFmt = RenameFieldInTemplate(t.QFmt, old.Fields[f.origOrd].Name, normalizeFieldName(f.Name))
				t.AFmt = RenameFieldInTemplate(t.AFmt, old.Fields[f.origOrd].Name, normalizeFieldName(f.Name))
			}
		}
	}
	if err := prepareNotetype(nt); err != nil {
		return fmt.Errorf("update note type: %w", err)
	}
	nt.Name = c.uniqueNotetypeName(nt.Name, nt.ID)

	fieldMap, fieldsChanged := ordMap(len(old.Fields), fieldOrigs(nt))
	tmplMap, tmplsChanged := ordMap(len(old.Templates), templateOrigs(nt))
	if nt.IsCloze() {
		tmplsChanged = false
	}
	if fieldsChanged {
		if err := tx.remapNoteFields(nt, fieldMap); err != nil {
			return err
		}
	} else if old.SortField != nt.SortField {
		if err := tx.refreshSortFields(nt); err != nil {
			return err
		}
	}
	if tmplsChanged {
		if err := tx.remapCards(nt, tmplMap, len(old.Templates)); err != nil {
			return err
		}
	}
	if fieldsChanged || tmplsChanged {
		tx.SetSchemaModified()
	}
	nt.Mod, nt.USN = tx.now.Unix(), -1
	for _, f := range nt.Fields {
		f.origOrd = f.Ord
	}
	for _, t := range nt.Templates {
		t.origOrd = t.Ord
	}
	c.notetypes[nt.ID] = nt
	tx.colDirty = true
	// Templates may now render for more notes: generate what is missing.
	return tx.generateForNotetype(nt)
}

func fieldOrigs(nt *Notetype) []int {
	o := make([]int, len(nt.Fields))
	for i, f := range nt.Fields {
		o[i] = f.origOrd
	}
	return o
}

func templateOrigs(nt *Notetype) []int {
	o := make([]int, len(nt.Templates))
	for i, t := range nt.Templates {
		o[i] = t.origOrd
	}
	return o
}

// ordMap returns, for each new position, the old position it came from (-1 for new entries),
// and whether anything other than an identity mapping happened.
func ordMap(oldLen int, origs []int) ([]int, bool) {
	changed := len(origs) != oldLen
	used := map[int]bool{}
	for i, o := range origs {
		if o < 0 || o >= oldLen || used[o] {
			origs[i] = -1
			changed = true
			continue
		}
		used[o] = true
		if o != i {
			changed = true
		}
	}
	return origs, changed
}

func (tx *Tx) remapNoteFields(nt *Notetype, fieldMap []int) error {
	nids, err := tx.idsWhere("SELECT id FROM notes WHERE mid=?", nt.ID)
	if err != nil {
		return err
	}
	for _, nid := range nids {
		n, err := tx.GetNote(nid)
		if err != nil {
			return err
		}
		fields := make([]string, len(fieldMap))
		for i, o := range fieldMap {
			if o >= 0 && o < len(n.Fields) {
				fields[i] = n.Fields[o]
			}
		}
		n.Fields = fields
		n.notetype = nt
		n.Mod, n.USN = tx.now.Unix(), -1
		if err := tx.writeNote(n, false); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) refreshSortFields(nt *Notetype) error {
	nids, err := tx.idsWhere("SELECT id FROM notes WHERE mid=?", nt.ID)
	if err != nil {
		return err
	}
	for _, nid := range nids {
		n, err := tx.GetNote(nid)
		if err != nil {
			return err
		}
		n.notetype = nt
		n.Mod, n.USN = tx.now.Unix(), -1
		if err := tx.writeNote(n, false); err != nil {
			return err
		}
	}
	return nil
}

// remapCards deletes cards of removed templates and renumbers the rest.
func (tx *Tx) remapCards(nt *Notetype, tmplMap []int, oldLen int) error {
	newOrd := make(map[int]int, oldLen)
	for i, o := range tmplMap {
		if o >= 0 {
			newOrd[o] = i
		}
	}
	rows, err := tx.tx.QueryContext(tx.ctx, "SELECT c.id, c.ord FROM cards c JOIN notes n ON c.nid=n.id WHERE n.mid=?", nt.ID)
	if err != nil {
		return wrapDB("read cards", err)
	}
	type move struct {
		id  int64
		ord int
	}
	var moves []move
	var drop []int64
	for rows.Next() {
		var id int64
		var ord int
		if err := rows.Scan(&id, &ord); err != nil {
			rows.Close()
			return wrapDB("read cards", err)
		}
		if n, ok := newOrd[ord]; ok {
			if n != ord {
				moves = append(moves, move{id, n})
			}
		} else {
			drop = append(drop, id)
		}
	}
	rows.Close()
	for _, m := range moves {
		if _, err := tx.tx.ExecContext(tx.ctx, "UPDATE cards SET ord=?, mod=?, usn=-1 WHERE id=?", m.ord, tx.now.Unix(), m.id); err != nil {
			return wrapDB("renumber cards", err)
		}
	}
	return tx.RemoveCards(drop)
}

func (tx *Tx) generateForNotetype(nt *Notetype) error {
	nids, err := tx.idsWhere("SELECT id FROM notes WHERE mid=?", nt.ID)
	if err != nil {
		return err
	}
	for _, nid := range nids {
		n, err := tx.GetNote(nid)
		if err != nil {
			return err
		}
		n.notetype = nt
		if _, err := tx.generateCards(nt, n, 0, false); err != nil {
			return err
		}
	}
	return nil
}

// RemoveNotetype deletes a note type with all its notes and cards.
func (c *Collection) RemoveNotetype(ctx context.Context, id int64) error {
	return c.TransactUndoable(ctx, "Remove Note Type", func(tx *Tx) error {
		if _, ok := c.notetypes[id]; !ok {
			return fmt.Errorf("remove note type %d: %w", id, ErrNotFound)
		}
		if len(c.notetypes) == 1 {
			return errors.New("remove note type: the last note type cannot be removed")
		}
		nids, err := tx.idsWhere("SELECT id FROM notes WHERE mid=?", id)
		if err != nil {
			return err
		}
		if err := tx.RemoveNotes(nids); err != nil {
			return err
		}
		delete(c.notetypes, id)
		tx.colDirty = true
		tx.SetSchemaModified()
		if cur := c.confInt("curModel", 0); c.notetypes[cur] == nil {
			for _, k := range sortedKeys(c.notetypes) {
				return tx.SetConfig("curModel", k)
			}
		}
		return nil
	})
}

// RenameFieldInTemplate rewrites references to field old as new in a template: plain
// replacements, filtered ones ({{text:old}}) and conditionals ({{#old}}, {{^old}}, {{/old}}).
func RenameFieldInTemplate(tmpl, old, new string) string {
	var b strings.Builder
	rest := tmpl
	for {
		i := strings.Index(rest, "{{")
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		j := strings.Index(rest[i+2:], "}}")
		if j < 0 {
			b.WriteString(rest)
			return b.String()
		}
		inner := rest[i+2 : i+2+j]
		b.WriteString(rest[:i+2])
		b.WriteString(renameInTag(inner, old, new))
		b.WriteString("}}")
		rest = rest[i+2+j+2:]
	}
}

func renameInTag(inner, old, new string) string {
	trimmed := strings.TrimSpace(inner)
	if trimmed == "" {
		return inner
	}
	switch trimmed[0] {
	case '#', '^', '/':
		if strings.TrimSpace(trimmed[1:]) == old {
			return trimmed[:1] + new
		}
		return inner
	}
	k := strings.LastIndex(trimmed, ":")
	if strings.TrimSpace(trimmed[k+1:]) == old {
		return trimmed[:k+1] + new
	}
	return inner
}
