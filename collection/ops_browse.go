package collection

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// The browser's bulk operations that go beyond tags and flags: Find and Replace, Reposition
// and Change Note Type, with the semantics of Anki's rslib (findreplace.rs,
// tags/findreplace.rs, scheduler/new.rs, notetype/notetypechange.rs).

// FindReplaceOptions says where and how FindAndReplace searches.
type FindReplaceOptions struct {
	// Field limits the replacement to the field of that name; "" means every field. Notes
	// whose note type lacks the field are left alone (as Anki does).
	Field string
	// Tags replaces inside each tag instead of the fields (Field is then ignored).
	Tags bool
	// Regex treats the search as a regular expression and allows $1/${name} in the
	// replacement; otherwise both are taken literally.
	Regex bool
	// MatchCase makes the search case-sensitive; Anki ignores case by default.
	MatchCase bool
}

// ErrMultipleNotetypes is returned when an operation needs notes of a single note type.
var ErrMultipleNotetypes = errors.New("please select notes from only one note type")

// FindAndReplace replaces every match of search in the notes' fields (or tags) and returns
// how many notes changed. An empty nids means every note in the collection, as in Anki. Only
// notes whose text really changes are written; field edits go through UpdateNote, so sort
// field, checksum, mod/usn and card generation follow the same rules as an edit.
func (c *Collection) FindAndReplace(ctx context.Context, nids []int64, search, replacement string, opts FindReplaceOptions) (int, error) {
	re, err := c.findReplaceRegexp(search, opts)
	if err != nil {
		return 0, err
	}
	if opts.Tags && strings.ContainsAny(replacement, " \u3000") {
		return 0, errors.New("find and replace: a tag replacement cannot contain a space")
	}
	if !opts.Regex && !opts.Tags {
		// a literal replacement must not expand $1 or $name
		replacement = strings.ReplaceAll(replacement, "$", "$$")
	}
	var changed int
	err = c.TransactUndoable(ctx, "Find and Replace", func(tx *Tx) error {
		ids := nids
		if len(ids) == 0 {
			var err error
			if ids, err = tx.idsWhere("SELECT id FROM notes"); err != nil {
				return err
			}
		}
		var err error
		if opts.Tags {
			changed, err = tx.replaceInTags(ids, re, replacement, opts.Regex)
		} else {
			changed, err = tx.replaceInFields(ids, re, replacement, opts.Field)
		}
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("find and replace: %w", err)
	}
	return changed, nil
}

// findReplaceRegexp builds the pattern as Anki does: escaped unless regex, "(?i)" unless
// match case, and NFC-normalised like note text unless normalisation is turned off.
func (c *Collection) findReplaceRegexp(search string, opts FindReplaceOptions) (*regexp.Regexp, error) {
	pat := search
	if !opts.Regex {
		pat = regexp.QuoteMeta(search)
	}
	if !opts.MatchCase {
		pat = "(?i)" + pat
	}
	if !opts.Tags {
		c.mu.RLock()
		normalize := true
		if _, err := configGet(c.conf, "normalize_note_text", &normalize); err != nil {
			normalize = true // Anki's default when the key is unreadable
		}
		c.mu.RUnlock()
		if normalize {
			pat = norm.NFC.String(pat)
		}
	}
	re, err := regexp.Compile(pat)
	if err != nil {
		return nil, fmt.Errorf("find and replace: invalid regular expression: %w", err)
	}
	return re, nil
}

func (tx *Tx) replaceInFields(nids []int64, re *regexp.Regexp, repl, field string) (int, error) {
	changed := 0
	for _, nid := range nids {
		n, err := tx.GetNote(nid)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return 0, err
		}
		nt := tx.c.notetypes[n.NotetypeID]
		if nt == nil {
			return 0, fmt.Errorf("note %d: note type %d: %w", nid, n.NotetypeID, ErrNotFound)
		}
		ord := -1
		if field != "" {
			if ord = nt.FieldIndex(field); ord < 0 {
				continue // this note type has no such field
			}
		}
		differs := false
		for i, f := range n.Fields {
			if ord >= 0 && i != ord {
				continue
			}
			if out := re.ReplaceAllString(f, repl); out != f {
				n.Fields[i] = out
				differs = true
			}
		}
		if !differs {
			continue
		}
		if err := tx.UpdateNote(n); err != nil {
			return 0, err
		}
		changed++
	}
	return changed, nil
}

// replaceInTags rewrites each tag; a tag replaced by nothing disappears. Literal mode inserts
// the replacement as it is (Anki's NoExpand).
func (tx *Tx) replaceInTags(nids []int64, re *regexp.Regexp, repl string, regex bool) (int, error) {
	return tx.editTags(nids, func(tags []string) []string {
		out := make([]string, 0, len(tags))
		for _, t := range tags {
			if regex {
				out = append(out, re.ReplaceAllString(t, repl))
			} else {
				out = append(out, re.ReplaceAllLiteralString(t, repl))
			}
		}
		return out
	})
}

// RepositionNewCards gives new cards the positions start, start+step, … in the order of
// cids (or shuffled when randomize), all cards of one note sharing a position, and returns
// how many cards it repositioned. Cards that are not new are ignored. With shift, new cards
// already at or after start move back by step × len(cids) first. The randomize and shift
// choices are remembered as Anki's dialog defaults.
func (c *Collection) RepositionNewCards(ctx context.Context, cids []int64, start, step int, randomize, shift bool) (int, error) {
	if start < 0 {
		return 0, fmt.Errorf("reposition cards: start position %d is negative", start)
	}
	if step < 1 {
		return 0, fmt.Errorf("reposition cards: step %d must be at least 1", step)
	}
	var count int
	err := c.TransactUndoable(ctx, "Reposition", func(tx *Tx) error {
		var err error
		count, err = tx.RepositionNewCards(cids, start, step, randomize, shift)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("reposition cards: %w", err)
	}
	return count, nil
}

// RepositionNewCards is Collection.RepositionNewCards inside a transaction.
func (tx *Tx) RepositionNewCards(cids []int64, start, step int, randomize, shift bool) (int, error) {
	if err := tx.SetConfig("randomOrderReposition", randomize); err != nil {
		return 0, err
	}
	if err := tx.SetConfig("shiftPositionOfExistingCards", shift); err != nil {
		return 0, err
	}
	mod := tx.now.Unix()
	if shift {
		// Anki shifts by the number of selected cards, new or not. Cards in a filtered deck
		// keep their position in odue.
		by := int64(step) * int64(len(cids))
		_, err := tx.tx.ExecContext(tx.ctx, `UPDATE cards SET
			odue = CASE WHEN odid != 0 THEN due + ?1 ELSE odue END,
			due = CASE WHEN odid != 0 THEN due ELSE due + ?1 END,
			mod = ?2, usn = -1
			WHERE type = 0 AND due >= ?3`, by, mod, start)
		if err != nil {
			return 0, wrapDB("shift new cards", err)
		}
	}
	type row struct {
		id, nid    int64
		typ, queue int
		odid       int64
	}
	var cards []row
	seen := map[int64]bool{}
	st, err := tx.stmt("SELECT nid, type, queue, odid FROM cards WHERE id=?")
	if err != nil {
		return 0, wrapDB("read card", err)
	}
	for _, cid := range cids {
		if seen[cid] {
			continue
		}
		seen[cid] = true
		r := row{id: cid}
		err := st.QueryRowContext(tx.ctx, cid).Scan(&r.nid, &r.typ, &r.queue, &r.odid)
		if err != nil {
			if isNoRows(err) {
				continue
			}
			return 0, wrapDB("read card", err)
		}
		cards = append(cards, r)
	}
	var nids []int64
	seenNote := map[int64]bool{}
	for _, r := range cards {
		if !seenNote[r.nid] {
			seenNote[r.nid] = true
			nids = append(nids, r.nid)
		}
	}
	if randomize {
		rand.Shuffle(len(nids), func(i, j int) { nids[i], nids[j] = nids[j], nids[i] })
	}
	pos := make(map[int64]int64, len(nids))
	for i, nid := range nids {
		pos[nid] = int64(start) + int64(i)*int64(step)
	}
	count := 0
	for _, r := range cards {
		var q string
		switch {
		case r.typ == CardTypeNew && r.odid != 0:
			q = "UPDATE cards SET odue=?, mod=?, usn=-1 WHERE id=?"
		case r.typ == CardTypeNew || r.queue == QueueNew:
			q = "UPDATE cards SET due=?, mod=?, usn=-1 WHERE id=?"
		default:
			continue // only new cards have a position
		}
		if _, err := tx.exec(q, pos[r.nid], mod, r.id); err != nil {
			return 0, wrapDB("reposition card", err)
		}
		count++
	}
	return count, nil
}

// ChangeNotetype moves notes, which must all have the same note type, to another note type.
// fieldMap has one entry per field of the new note type: the old field ordinal whose content
// it takes, or -1 to leave it empty (an old field may feed several new ones). templateMap has
// one entry per template of the new note type: the old template ordinal whose cards become
// its cards, or -1. Cards of old templates no entry names are removed. When either note type
// is a cloze type, templateMap is ignored: card numbers stay as they are, and cards numbered
// beyond a standard note type's templates are removed. Kept cards keep their scheduling;
// cards the new note type calls for are then generated. This changes the schema, so the next
// sync is a full one.
func (c *Collection) ChangeNotetype(ctx context.Context, nids []int64, newNotetypeID int64, fieldMap []int, templateMap []int) error {
	err := c.TransactUndoable(ctx, "Change Note Type", func(tx *Tx) error {
		return tx.ChangeNotetype(nids, newNotetypeID, fieldMap, templateMap)
	})
	if err != nil {
		return fmt.Errorf("change note type: %w", err)
	}
	return nil
}

// ChangeNotetype is Collection.ChangeNotetype inside a transaction.
func (tx *Tx) ChangeNotetype(nids []int64, newNotetypeID int64, fieldMap []int, templateMap []int) error {
	if len(nids) == 0 {
		return errors.New("no notes given")
	}
	newNT := tx.c.notetypes[newNotetypeID]
	if newNT == nil {
		return fmt.Errorf("note type %d: %w", newNotetypeID, ErrNotFound)
	}
	notes := make([]*Note, 0, len(nids))
	seen := map[int64]bool{}
	for _, nid := range nids {
		if seen[nid] {
			continue
		}
		seen[nid] = true
		n, err := tx.GetNote(nid)
		if err != nil {
			return err
		}
		if len(notes) > 0 && n.NotetypeID != notes[0].NotetypeID {
			return ErrMultipleNotetypes
		}
		notes = append(notes, n)
	}
	oldNT := tx.c.notetypes[notes[0].NotetypeID]
	if oldNT == nil {
		return fmt.Errorf("note type %d: %w", notes[0].NotetypeID, ErrNotFound)
	}
	if len(fieldMap) != len(newNT.Fields) {
		return fmt.Errorf("%d field mappings given, note type %q has %d fields", len(fieldMap), newNT.Name, len(newNT.Fields))
	}
	for i, o := range fieldMap {
		if o < -1 || o >= len(oldNT.Fields) {
			return fmt.Errorf("field %q: %q has no field %d", newNT.Fields[i].Name, oldNT.Name, o)
		}
	}
	clozeInvolved := oldNT.IsCloze() || newNT.IsCloze()
	if !clozeInvolved {
		if err := checkTemplateMap(templateMap, oldNT, newNT); err != nil {
			return err
		}
	}
	tx.SetSchemaModified()

	// The deck of each note's first card, for a note left with no cards.
	homeDeck := map[int64]int64{}
	for _, n := range notes {
		var did, odid int64
		err := tx.tx.QueryRowContext(tx.ctx, "SELECT did, odid FROM cards WHERE nid=? ORDER BY ord, id LIMIT 1", n.ID).Scan(&did, &odid)
		if err != nil && !isNoRows(err) {
			return wrapDB("read cards", err)
		}
		if odid != 0 {
			did = odid
		}
		homeDeck[n.ID] = did
	}

	if clozeInvolved {
		if !newNT.IsCloze() {
			if err := tx.removeCardsOfNotes(notes, func(ord int) bool { return ord >= len(newNT.Templates) }); err != nil {
				return err
			}
		}
	} else {
		newOrd := map[int]int{}
		for i, o := range templateMap {
			if o >= 0 {
				newOrd[o] = i
			}
		}
		// Cards of unmapped old templates go first; cards of templates past the old count are
		// neither removed nor moved, as in Anki.
		dropped := func(ord int) bool { _, kept := newOrd[ord]; return !kept && ord < len(oldNT.Templates) }
		if err := tx.removeCardsOfNotes(notes, dropped); err != nil {
			return err
		}
		for _, n := range notes {
			if err := tx.renumberCards(n.ID, newOrd); err != nil {
				return err
			}
		}
	}

	for _, n := range notes {
		fields := make([]string, len(fieldMap))
		for i, o := range fieldMap {
			if o >= 0 && o < len(n.Fields) {
				fields[i] = n.Fields[o]
			}
		}
		n.Fields = fields
		n.NotetypeID = newNT.ID
		n.notetype = newNT
		n.Mod, n.USN = tx.now.Unix(), -1
		if err := tx.writeNote(n, false); err != nil {
			return err
		}
		left, err := tx.CountCardsOfNote(n.ID)
		if err != nil {
			return err
		}
		// Like Anki, a note always keeps at least one card: with none left, the first
		// template's card is made even when it would be blank.
		deck := int64(0) // where the note's remaining cards are
		if left == 0 {
			deck = homeDeck[n.ID]
		}
		if _, err := tx.generateCards(newNT, n, deck, left == 0); err != nil {
			return err
		}
		tx.fireNoteUpdated(n)
	}
	return nil
}

func checkTemplateMap(templateMap []int, oldNT, newNT *Notetype) error {
	if len(templateMap) != len(newNT.Templates) {
		return fmt.Errorf("%d card type mappings given, note type %q has %d card types", len(templateMap), newNT.Name, len(newNT.Templates))
	}
	used := map[int]bool{}
	for i, o := range templateMap {
		if o < -1 || o >= len(oldNT.Templates) {
			return fmt.Errorf("card type %q: %q has no card type %d", newNT.Templates[i].Name, oldNT.Name, o)
		}
		if o >= 0 && used[o] {
			return fmt.Errorf("card type %q of %q is mapped twice", oldNT.Templates[o].Name, oldNT.Name)
		}
		used[o] = true
	}
	return nil
}

// removeCardsOfNotes deletes (with graves) the notes' cards whose ordinal drop selects. The
// notes stay, even when left without cards: card generation follows.
func (tx *Tx) removeCardsOfNotes(notes []*Note, drop func(ord int) bool) error {
	for _, n := range notes {
		rows, err := tx.tx.QueryContext(tx.ctx, "SELECT id, ord FROM cards WHERE nid=?", n.ID)
		if err != nil {
			return wrapDB("read cards", err)
		}
		var gone []int64
		for rows.Next() {
			var id int64
			var ord int
			if err := rows.Scan(&id, &ord); err != nil {
				rows.Close()
				return wrapDB("read cards", err)
			}
			if drop(ord) {
				gone = append(gone, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return wrapDB("read cards", err)
		}
		for _, id := range gone {
			if err := tx.removeCardRow(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// renumberCards gives a note's cards their new template ordinals; scheduling is untouched.
func (tx *Tx) renumberCards(nid int64, newOrd map[int]int) error {
	rows, err := tx.tx.QueryContext(tx.ctx, "SELECT id, ord FROM cards WHERE nid=?", nid)
	if err != nil {
		return wrapDB("read cards", err)
	}
	moves := map[int64]int{}
	for rows.Next() {
		var id int64
		var ord int
		if err := rows.Scan(&id, &ord); err != nil {
			rows.Close()
			return wrapDB("read cards", err)
		}
		if to, ok := newOrd[ord]; ok && to != ord {
			moves[id] = to
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return wrapDB("read cards", err)
	}
	for id, ord := range moves {
		if _, err := tx.exec("UPDATE cards SET ord=?, mod=?, usn=-1 WHERE id=?", ord, tx.now.Unix(), id); err != nil {
			return wrapDB("renumber cards", err)
		}
	}
	return nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
