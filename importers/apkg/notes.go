package apkg

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/text"
)

// importNotetypes maps every package note type to a target one, by id first (rslib
// notes.rs): an unknown id is added as it is; a known id with the same fields and card
// types is the same note type (updated when the condition allows); a known id with a
// different layout reuses a copy made earlier from the same original, or gets a new copy.
func (imp *importer) importNotetypes(ctx context.Context) error {
	imp.ntMap = map[int64]int64{}
	// Only note types that notes use come along, as in Anki's gather_notetypes.
	var ids []int64
	rows, err := imp.src.db.QueryContext(ctx, "SELECT DISTINCT mid FROM notes ORDER BY mid")
	if err != nil {
		return badf("notes: %v", err)
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return badf("notes: %v", err)
		}
		if _, ok := imp.src.notetypes[id]; ok {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return badf("notes: %v", err)
	}
	imp.progress("notetypes", 0, len(ids))
	for n, id := range ids {
		in := imp.src.notetypes[id]
		if err := checkNotetype(in); err != nil {
			imp.res.warn("note type %q (%d) skipped: %v", in.Name, id, err)
			continue
		}
		if err := imp.importNotetype(in); err != nil {
			return fmt.Errorf("note type %q: %w", in.Name, err)
		}
		imp.progress("notetypes", n+1, len(ids))
	}
	return nil
}

func checkNotetype(nt *collection.Notetype) error {
	switch {
	case nt.ID == 0:
		return fmt.Errorf("id 0")
	case len(nt.Fields) == 0:
		return fmt.Errorf("no fields")
	case len(nt.Templates) == 0:
		return fmt.Errorf("no card types")
	}
	for _, s := range []string{nt.Name, nt.CSS} {
		if !utf8.ValidString(s) {
			return fmt.Errorf("invalid UTF-8")
		}
	}
	return nil
}

func (imp *importer) importNotetype(in *collection.Notetype) error {
	tx := imp.tx
	existing, ok := tx.Notetype(in.ID)
	if !ok {
		nt := in.Clone()
		if strings.TrimSpace(nt.Name) == "" {
			nt.Name = "Imported"
		}
		nt.Name = tx.UniqueNotetypeName(nt.Name, nt.ID)
		nt.USN = -1
		if err := tx.PutNotetype(nt); err != nil {
			return err
		}
		imp.ntMap[in.ID] = nt.ID
		imp.res.NotetypesAdded++
		return nil
	}
	if sameSchema(existing, in) {
		imp.ntMap[in.ID] = existing.ID
		return imp.maybeUpdateNotetype(existing, in)
	}
	for _, id := range tx.NotetypeIDs() {
		other, _ := tx.Notetype(id)
		if originalID(other) == in.ID && sameSchema(other, in) {
			imp.ntMap[in.ID] = other.ID
			return imp.maybeUpdateNotetype(other, in)
		}
	}
	// A different layout under the same id: keep both, the incoming one as a copy that
	// remembers where it came from, so the next import of this package reuses it.
	nt := in.Clone()
	nt.ID = imp.newNotetypeID()
	nt.Name = tx.UniqueNotetypeName(nt.Name, nt.ID)
	nt.USN = -1
	if nt.Other == nil {
		nt.Other = map[string]json.RawMessage{}
	}
	nt.Other["originalId"] = json.RawMessage(fmt.Sprint(in.ID))
	if err := tx.PutNotetype(nt); err != nil {
		return err
	}
	imp.ntMap[in.ID] = nt.ID
	imp.res.NotetypesAdded++
	return nil
}

func (imp *importer) maybeUpdateNotetype(existing, in *collection.Notetype) error {
	if !imp.opt.UpdateNotetypes.allows(in.Mod, existing.Mod) {
		return nil
	}
	nt := in.Clone()
	nt.ID = existing.ID
	nt.Name = imp.tx.UniqueNotetypeName(nt.Name, nt.ID)
	// The stored notes' sfld follows the sort field; keeping the target's choice spares
	// rewriting every note of the type.
	nt.SortField = existing.SortField
	if v, ok := existing.Other["originalId"]; ok {
		if nt.Other == nil {
			nt.Other = map[string]json.RawMessage{}
		}
		nt.Other["originalId"] = v
	}
	nt.USN = -1
	if err := imp.tx.PutNotetype(nt); err != nil {
		return err
	}
	imp.res.NotetypesUpdated++
	return nil
}

func (imp *importer) newNotetypeID() int64 {
	id := imp.now.UnixMilli()
	for {
		if _, taken := imp.tx.Notetype(id); !taken {
			if _, inPkg := imp.src.notetypes[id]; !inPkg {
				return id
			}
		}
		id++
	}
}

func originalID(nt *collection.Notetype) int64 {
	raw, ok := nt.Other["originalId"]
	if !ok {
		return 0
	}
	var id int64
	if json.Unmarshal(raw, &id) != nil {
		return 0
	}
	return id
}

// sameSchema is Anki's notetype merge check: as many fields and card types, each pair
// matching by its id when both sides have one (Anki ≥2.1.67) and by name otherwise.
func sameSchema(a, b *collection.Notetype) bool {
	if a.Kind != b.Kind || len(a.Fields) != len(b.Fields) || len(a.Templates) != len(b.Templates) {
		return false
	}
	for i := range a.Fields {
		fa, fb := a.Fields[i], b.Fields[i]
		if fa.ID != nil && fb.ID != nil {
			if *fa.ID != *fb.ID {
				return false
			}
		} else if fa.Name != fb.Name {
			return false
		}
	}
	for i := range a.Templates {
		ta, tb := a.Templates[i], b.Templates[i]
		if ta.ID != nil && tb.ID != nil {
			if *ta.ID != *tb.ID {
				return false
			}
		} else if ta.Name != tb.Name {
			return false
		}
	}
	return true
}

type existingNote struct {
	id, mid, mod int64
}

// importNotes adds, updates or skips every package note by guid (rslib notes.rs).
func (imp *importer) importNotes(ctx context.Context) error {
	tx := imp.tx
	q := tx.Q()
	byGUID := map[string]existingNote{}
	noteIDs := map[int64]bool{}
	rows, err := q.QueryContext(ctx, "SELECT id, guid, mid, mod FROM notes")
	if err != nil {
		return fmt.Errorf("read notes: %w", err)
	}
	for rows.Next() {
		var e existingNote
		var guid string
		if err := rows.Scan(&e.id, &guid, &e.mid, &e.mod); err != nil {
			rows.Close()
			return fmt.Errorf("read notes: %w", err)
		}
		byGUID[guid] = e
		noteIDs[e.id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read notes: %w", err)
	}

	var total int
	if err := imp.src.db.QueryRowContext(ctx, "SELECT count(*) FROM notes").Scan(&total); err != nil {
		return badf("notes: %v", err)
	}
	imp.noteMap = make(map[int64]int64, total)
	imp.used = map[string]bool{}
	imp.progress("notes", 0, total)
	srcRows, err := imp.src.db.QueryContext(ctx, "SELECT id, CAST(guid AS BLOB), mid, mod, CAST(tags AS BLOB), CAST(flds AS BLOB), flags FROM notes ORDER BY id")
	if err != nil {
		return badf("notes: %v", err)
	}
	type noteRow struct {
		id, mid, mod     int64
		guid, tags, flds []byte
		flags            int
	}
	srows := streamRows(srcRows, func(r *sql.Rows, n *noteRow) error {
		return r.Scan(&n.id, &n.guid, &n.mid, &n.mod, &n.tags, &n.flds, &n.flags)
	})
	defer srows.Close()
	warnedMid := map[int64]bool{}
	// Field counts per target note type: Tx.Notetype clones, far too slow per note.
	fieldCount := map[int64]int{}
	done := 0
	for srows.Next() {
		row := srows.Row()
		id, mid, mod, guid, tags, flds, flags := row.id, row.mid, row.mod, row.guid, row.tags, row.flds, row.flags
		done++
		if done%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			imp.progress("notes", done, total)
		}
		if !utf8.Valid(guid) || !utf8.Valid(tags) || !utf8.Valid(flds) {
			return badf("note %d: text is not valid UTF-8", id)
		}
		if len(guid) == 0 {
			return badf("note %d has an empty guid", id)
		}
		tmid, ok := imp.ntMap[mid]
		if !ok {
			imp.res.NotesSkipped++
			if !warnedMid[mid] {
				warnedMid[mid] = true
				imp.res.warn("notes of note type %d skipped: the package does not define that note type", mid)
			}
			continue
		}
		nfields, ok := fieldCount[tmid]
		if !ok {
			nt, _ := tx.Notetype(tmid)
			nfields = len(nt.Fields)
			fieldCount[tmid] = nfields
		}
		// Some third-party writers store milliseconds; Anki's note mtime is seconds.
		if mod > 100_000_000_000 {
			mod /= 1000
		}
		g := string(guid)
		noteTags := collection.SplitTags(string(tags))
		if !imp.opt.KeepScheduling {
			noteTags = withoutSystemTags(noteTags)
		}
		fields := collection.FixFieldCount(strings.Split(string(flds), collection.FieldSeparator), nfields)

		if ex, found := byGUID[g]; found {
			if ex.mid != tmid {
				imp.res.NotesConflicting++
				if len(imp.res.ConflictingGUIDs) < 100 {
					imp.res.ConflictingGUIDs = append(imp.res.ConflictingGUIDs, g)
				}
				continue
			}
			imp.noteMap[id] = ex.id
			if !imp.opt.UpdateNotes.allows(mod, ex.mod) {
				imp.res.NotesUnchanged++
				continue
			}
			n := &collection.Note{ID: ex.id, GUID: g, NotetypeID: tmid, Mod: mod, USN: -1,
				Tags: tx.CanonicalTags(noteTags), Fields: imp.rewriteMedia(fields), Flags: flags}
			if err := tx.PutNote(n); err != nil {
				return err
			}
			byGUID[g] = existingNote{id: ex.id, mid: tmid, mod: mod}
			imp.res.NotesUpdated++
			continue
		}
		nid := id
		for noteIDs[nid] || nid == 0 {
			nid += 999
		}
		n := &collection.Note{ID: nid, GUID: g, NotetypeID: tmid, Mod: mod, USN: -1,
			Tags: tx.CanonicalTags(noteTags), Fields: imp.rewriteMedia(fields), Flags: flags}
		if err := tx.PutNote(n); err != nil {
			return err
		}
		noteIDs[nid] = true
		byGUID[g] = existingNote{id: nid, mid: tmid, mod: mod}
		imp.noteMap[id] = nid
		imp.res.NotesNew++
	}
	if err := srows.Err(); err != nil {
		return badf("notes: %v", err)
	}
	imp.progress("notes", total, total)
	return nil
}

// rewriteMedia points references at the names the files get in the target (renamed on
// clashes) and records which media the imported notes use.
func (imp *importer) rewriteMedia(fields []string) []string {
	for i, f := range fields {
		if !strings.ContainsAny(f, "[<") {
			continue
		}
		f = text.ReplaceMediaRefs(f, imp.media.rename)
		fields[i] = f
		for _, ref := range text.MediaRefs(f) {
			imp.used[ref] = true
		}
	}
	return fields
}

// withoutSystemTags drops the tags only scheduling gives meaning to ("marked",
// "leech"), as Anki's gather does when scheduling is excluded.
func withoutSystemTags(tags []string) []string {
	out := tags[:0]
	for _, t := range tags {
		if strings.EqualFold(t, "marked") || strings.EqualFold(t, "leech") {
			continue
		}
		out = append(out, t)
	}
	return out
}
