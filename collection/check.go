package collection

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// CheckReport says what Check Database found and fixed, counted like Anki's.
type CheckReport struct {
	CardPropertiesInvalid   int `json:"cardPropertiesInvalid"`
	CardPositionTooHigh     int `json:"cardPositionTooHigh"`
	CardsMissingNote        int `json:"cardsMissingNote"`
	DecksMissing            int `json:"decksMissing"`
	RevlogPropertiesInvalid int `json:"revlogPropertiesInvalid"`
	TemplatesMissing        int `json:"templatesMissing"`
	CardOrdsDuplicated      int `json:"cardOrdsDuplicated"`
	FieldCountMismatch      int `json:"fieldCountMismatch"`
	NotetypesRecovered      int `json:"notetypesRecovered"`
	InvalidUTF8             int `json:"invalidUtf8"`
	NotesWithoutCards       int `json:"notesWithoutCards"`
}

// Problems lists the report as sentences, in Anki's wording where it has one.
func (r CheckReport) Problems() []string {
	var p []string
	add := func(n int, format string) {
		if n > 0 {
			p = append(p, fmt.Sprintf(format, n))
		}
	}
	if r.NotetypesRecovered > 0 {
		p = append(p, `One or more notetypes were missing. The notes that used them have been given new notetypes starting with "db-check", but field names and card design have been lost, so you may be better off restoring from an automatic backup.`)
	}
	add(r.CardPositionTooHigh, "Found %d new cards with a due number >= 1,000,000 - consider repositioning them in the Browse screen.")
	add(r.CardPropertiesInvalid, "Fixed %d invalid card properties.")
	add(r.CardsMissingNote, "Deleted %d cards with missing note.")
	add(r.DecksMissing, "Fixed %d missing decks.")
	add(r.FieldCountMismatch, "Fixed %d notes with wrong field count.")
	add(r.CardOrdsDuplicated, "Deleted %d cards with duplicate template.")
	add(r.TemplatesMissing, "Deleted %d cards with missing template.")
	add(r.RevlogPropertiesInvalid, "Fixed %d review entries with invalid properties.")
	add(r.InvalidUTF8, "Fixed %d notes with invalid utf8 characters.")
	add(r.NotesWithoutCards, "Added cards to %d notes that had none.")
	return p
}

// OK reports whether nothing needed fixing.
func (r CheckReport) OK() bool { return r == CheckReport{} }

// ErrCorrupt means SQLite's own integrity check failed; only a backup can help then.
var ErrCorrupt = errors.New("collection is corrupt")

// Check runs SQLite's integrity check and then the repairs Anki's Check Database makes, all in
// one transaction.
func (c *Collection) Check(ctx context.Context) (CheckReport, error) {
	var rep CheckReport
	var res string
	if err := c.db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&res); err != nil {
		return rep, fmt.Errorf("check database: %w", err)
	}
	if res != "ok" {
		return rep, fmt.Errorf("check database: %w: %s", ErrCorrupt, res)
	}
	err := c.Transact(ctx, func(tx *Tx) error {
		steps := []func(*CheckReport) error{
			tx.checkCardProperties, tx.checkOrphanedCards, tx.checkMissingDeckIDs,
			tx.checkFilteredCards, tx.checkNotes, tx.checkRevlog, tx.checkMissingDeckNames,
			tx.checkNextPosition,
		}
		for _, step := range steps {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := step(&rep); err != nil {
				return err
			}
		}
		if rep.CardsMissingNote+rep.CardOrdsDuplicated+rep.FieldCountMismatch+rep.TemplatesMissing+
			rep.NotetypesRecovered+rep.RevlogPropertiesInvalid > 0 {
			tx.SetSchemaModified()
		}
		return nil
	})
	if err != nil {
		return rep, fmt.Errorf("check database: %w", err)
	}
	_, _ = c.db.ExecContext(ctx, "PRAGMA optimize")
	return rep, nil
}

func (tx *Tx) execCount(query string, args ...any) (int, error) {
	res, err := tx.tx.ExecContext(tx.ctx, query, args...)
	if err != nil {
		return 0, wrapDB("check database", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func (tx *Tx) checkCardProperties(rep *CheckReport) error {
	mod := tx.now.Unix()
	today := timingAt(tx.c.crt, tx.c.rolloverHour(), tx.now).Today
	n, err := tx.execCount(`UPDATE cards SET due = (CASE WHEN type = 0 AND queue != 4 THEN 1000000 + due % 1000000 ELSE due END),
		mod = ?1, usn = -1
		WHERE due >= 1000000 AND due != (CASE WHEN type = 0 AND queue != 4 THEN 1000000 + due % 1000000 ELSE due END)`, mod)
	if err != nil {
		return err
	}
	rep.CardPositionTooHigh += n
	for _, q := range []string{
		`UPDATE cards SET due = (CASE WHEN queue = 2 AND due > 100000 THEN ?2 ELSE min(max(round(due), -2147483648), 2147483647) END),
			mod = ?1, usn = -1
			WHERE due != (CASE WHEN queue = 2 AND due > 100000 THEN ?2 ELSE min(max(round(due), -2147483648), 2147483647) END)`,
		`UPDATE cards SET ivl = min(max(round(ivl), 0), 2147483647), mod = ?1, usn = -1
			WHERE ivl != min(max(round(ivl), 0), 2147483647)`,
		`UPDATE cards SET odue = 0, mod = ?1, usn = -1 WHERE odid = 0 AND odue != 0`,
		`UPDATE cards SET odue = min(max(round(odue), -2147483648), 2147483647), mod = ?1, usn = -1
			WHERE odue != min(max(round(odue), -2147483648), 2147483647)`,
	} {
		n, err := tx.execCount(q, mod, today)
		if err != nil {
			return err
		}
		rep.CardPropertiesInvalid += n
	}
	return nil
}

func (tx *Tx) checkOrphanedCards(rep *CheckReport) error {
	n, err := tx.execCount("DELETE FROM cards WHERE nid NOT IN (SELECT id FROM notes)")
	rep.CardsMissingNote += n
	return err
}

func (tx *Tx) checkMissingDeckIDs(rep *CheckReport) error {
	dids, err := tx.idsWhere("SELECT DISTINCT did FROM cards")
	if err != nil {
		return err
	}
	for _, did := range dids {
		if _, ok := tx.c.decks[did]; ok {
			continue
		}
		name := fmt.Sprintf("recovered%d", did)
		for tx.c.deckByName(name) != nil {
			name += "+"
		}
		tx.c.decks[did] = newDeckObject(did, name, tx.now.Unix())
		tx.colDirty = true
		rep.DecksMissing++
	}
	return nil
}

func (tx *Tx) checkFilteredCards(rep *CheckReport) error {
	rows, err := tx.tx.QueryContext(tx.ctx, "SELECT id, did FROM cards WHERE odid != 0")
	if err != nil {
		return wrapDB("check database", err)
	}
	var wrong []int64
	for rows.Next() {
		var cid, did int64
		if err := rows.Scan(&cid, &did); err != nil {
			rows.Close()
			return wrapDB("check database", err)
		}
		if d, ok := tx.c.decks[did]; ok && !d.Filtered() {
			wrong = append(wrong, cid)
		}
	}
	rows.Close()
	for _, cid := range wrong {
		if _, err := tx.tx.ExecContext(tx.ctx, "UPDATE cards SET odid=0, odue=0, mod=?, usn=-1 WHERE id=?", tx.now.Unix(), cid); err != nil {
			return wrapDB("check database", err)
		}
	}
	rep.CardPropertiesInvalid += len(wrong)
	return nil
}

// checkNotes repairs every note: note type present, field count, card ordinals, sort field
// and checksum, missing cards, and the tag registry.
func (tx *Tx) checkNotes(rep *CheckReport) error {
	c := tx.c
	type pair struct{ nid, mid int64 }
	rows, err := tx.tx.QueryContext(tx.ctx, "SELECT id, mid FROM notes ORDER BY mid, id")
	if err != nil {
		return wrapDB("check database", err)
	}
	var notes []pair
	for rows.Next() {
		var p pair
		if err := rows.Scan(&p.nid, &p.mid); err != nil {
			rows.Close()
			return wrapDB("check database", err)
		}
		notes = append(notes, p)
	}
	rows.Close()
	recovered := map[int64]*Notetype{}
	for _, p := range notes {
		if err := tx.ctx.Err(); err != nil {
			return err
		}
		n, err := tx.GetNote(p.nid)
		if err != nil {
			return err
		}
		invalid := false
		for i, f := range n.Fields {
			if !utf8.ValidString(f) {
				n.Fields[i] = strings.ToValidUTF8(f, "\uFFFD")
				invalid = true
			}
		}
		if invalid {
			rep.InvalidUTF8++
		}
		nt := c.notetypes[p.mid]
		if nt == nil {
			nt = recovered[p.mid]
			if nt == nil {
				if nt, err = tx.recoverNotetype(p.mid, len(n.Fields)); err != nil {
					return err
				}
				recovered[p.mid] = nt
				rep.NotetypesRecovered++
			}
			n.NotetypeID = nt.ID
		}
		n.notetype = nt
		if err := tx.checkNoteCards(nt, n, rep); err != nil {
			return err
		}
		if len(n.Fields) != len(nt.Fields) {
			for len(n.Fields) < len(nt.Fields) {
				n.Fields = append(n.Fields, "")
			}
			for len(n.Fields) > len(nt.Fields) && len(n.Fields) > 1 {
				last := n.Fields[len(n.Fields)-1]
				n.Fields = n.Fields[:len(n.Fields)-1]
				n.Fields[len(n.Fields)-1] += last
			}
			n.Tags = append(n.Tags, "db-check")
			rep.FieldCountMismatch++
		}
		if n.Mod > tx.now.Unix() {
			n.Mod = tx.now.Unix()
		}
		n.Tags = tx.canonicalTags(n.Tags)
		if err := tx.writeNote(n, false); err != nil {
			return err
		}
		created, err := tx.generateCards(nt, n, 0, false)
		if err != nil {
			return err
		}
		if len(created) == 0 {
			var count int
			if err := tx.tx.QueryRowContext(tx.ctx, "SELECT count(*) FROM cards WHERE nid=?", n.ID).Scan(&count); err != nil {
				return wrapDB("check database", err)
			}
			if count == 0 {
				if err := tx.addCardAtOrd(n, 0); err != nil {
					return err
				}
				rep.NotesWithoutCards++
			}
		}
	}
	if err := tx.rebuildTagRegistry(true); err != nil {
		return err
	}
	if len(c.notetypes) == 0 {
		nt, err := NewStockNotetype(StockBasic)
		if err != nil {
			return err
		}
		return tx.AddNotetype(nt)
	}
	return nil
}

func (tx *Tx) addCardAtOrd(n *Note, ord int) error {
	pos, err := tx.nextPosition()
	if err != nil {
		return err
	}
	id, err := tx.nextID("cards")
	if err != nil {
		return err
	}
	did := int64(DefaultDeckID)
	if nt := n.notetype; nt != nil && nt.DeckID != nil && tx.c.decks[*nt.DeckID] != nil && !tx.c.decks[*nt.DeckID].Filtered() {
		did = *nt.DeckID
	}
	_, err = tx.tx.ExecContext(tx.ctx, "INSERT INTO cards ("+cardColumns+`)
		VALUES (?, ?, ?, ?, ?, -1, 0, 0, ?, 0, 0, 0, 0, 0, 0, 0, 0, '{}')`, id, n.ID, did, ord, tx.now.Unix(), pos)
	return wrapDB("add card", err)
}

func (tx *Tx) checkNoteCards(nt *Notetype, n *Note, rep *CheckReport) error {
	rows, err := tx.tx.QueryContext(tx.ctx, "SELECT id, ord FROM cards WHERE nid=? ORDER BY id", n.ID)
	if err != nil {
		return wrapDB("check database", err)
	}
	seen := map[int]bool{}
	var dupes, missing []int64
	for rows.Next() {
		var id int64
		var ord int
		if err := rows.Scan(&id, &ord); err != nil {
			rows.Close()
			return wrapDB("check database", err)
		}
		switch {
		case seen[ord]:
			dupes = append(dupes, id)
		case !nt.IsCloze() && ord >= len(nt.Templates):
			missing = append(missing, id)
		default:
			seen[ord] = true
		}
	}
	rows.Close()
	for _, id := range append(dupes, missing...) {
		if err := tx.removeCardRow(id); err != nil {
			return err
		}
	}
	rep.CardOrdsDuplicated += len(dupes)
	rep.TemplatesMissing += len(missing)
	return nil
}

// recoverNotetype makes a Basic-derived note type for notes whose note type is gone, with
// enough fields and templates for what the notes and their cards need (as Anki does).
func (tx *Tx) recoverNotetype(oldID int64, fieldCount int) (*Notetype, error) {
	nt, err := NewStockNotetype(StockBasic)
	if err != nil {
		return nil, err
	}
	for i := 3; len(nt.Fields) < fieldCount; i++ {
		nt.addField(fmt.Sprint(i))
	}
	var maxOrd int
	if err := tx.tx.QueryRowContext(tx.ctx, `SELECT coalesce(max(c.ord), 0) FROM cards c JOIN notes n ON c.nid = n.id
		WHERE n.mid = ?`, oldID).Scan(&maxOrd); err != nil {
		return nil, wrapDB("check database", err)
	}
	q, a := nt.Templates[0].QFmt, nt.Templates[0].AFmt
	for i := 0; i < maxOrd; i++ {
		nt.addTemplate(fmt.Sprintf("Card %d", i+2), q, a)
	}
	nt.Name = fmt.Sprintf("db-check-%d-%d", tx.now.UnixMilli(), fieldCount)
	if err := tx.AddNotetype(nt); err != nil {
		return nil, err
	}
	return tx.c.notetypes[nt.ID], nil
}

func (tx *Tx) checkRevlog(rep *CheckReport) error {
	n, err := tx.execCount(`UPDATE revlog SET ivl = min(max(round(ivl), -2147483648), 2147483647),
		lastIvl = min(max(round(lastIvl), -2147483648), 2147483647),
		time = min(max(round(time), 0), 2147483647)
		WHERE ivl != min(max(round(ivl), -2147483648), 2147483647)
		OR lastIvl != min(max(round(lastIvl), -2147483648), 2147483647)
		OR time != min(max(round(time), 0), 2147483647)`)
	rep.RevlogPropertiesInvalid += n
	return err
}

func (tx *Tx) checkMissingDeckNames(rep *CheckReport) error {
	for _, d := range tx.c.decks {
		for p := parentName(d.Name); p != ""; p = parentName(p) {
			if tx.c.deckByName(p) == nil {
				if _, err := tx.AddDeck(p); err != nil {
					return err
				}
				rep.DecksMissing++
			}
		}
	}
	return nil
}

func (tx *Tx) checkNextPosition(*CheckReport) error {
	var maxPos int64
	if err := tx.tx.QueryRowContext(tx.ctx, "SELECT coalesce(max(due), 0) FROM cards WHERE type = 0 AND queue != 4").Scan(&maxPos); err != nil {
		return wrapDB("check database", err)
	}
	if tx.c.confInt("nextPos", 1) <= maxPos {
		return tx.SetConfig("nextPos", maxPos+1)
	}
	return nil
}
