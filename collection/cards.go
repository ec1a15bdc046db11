package collection

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"

	"github.com/deckhand-app/deckhand/collection/template"
)

// Card types and queues as Anki stores them.
const (
	CardTypeNew        = 0
	CardTypeLearn      = 1
	CardTypeReview     = 2
	CardTypeRelearning = 3

	QueueSuspended     = -1
	QueueSchedBuried   = -2
	QueueUserBuried    = -3
	QueueNew           = 0
	QueueLearn         = 1
	QueueReview        = 2
	QueueDayLearn      = 3
	QueuePreview       = 4
	maxClozeOrdinal    = 499
	newCardPositionCap = 1_000_000
)

// Card is one card row.
type Card struct {
	ID, NoteID, DeckID int64
	Ord                int
	Mod                int64
	USN                int
	Type, Queue        int
	Due                int64
	Interval           int
	Factor             int
	Reps, Lapses, Left int
	OriginalDue        int64
	OriginalDeckID     int64
	Flags              int
	Data               string

	col *Collection
}

const cardColumns = "id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps, lapses, left, odue, odid, flags, data"

func scanCard(row interface{ Scan(...any) error }, c *Card) error {
	return row.Scan(&c.ID, &c.NoteID, &c.DeckID, &c.Ord, &c.Mod, &c.USN, &c.Type, &c.Queue, &c.Due,
		&c.Interval, &c.Factor, &c.Reps, &c.Lapses, &c.Left, &c.OriginalDue, &c.OriginalDeckID, &c.Flags, &c.Data)
}

// GetCard loads a card.
func (c *Collection) GetCard(ctx context.Context, id int64) (*Card, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.getCard(ctx, c.db, id)
}

// GetCard is Collection.GetCard inside a transaction.
func (tx *Tx) GetCard(id int64) (*Card, error) { return tx.c.getCard(tx.ctx, tx.tx, id) }

func (c *Collection) getCard(ctx context.Context, q querier, id int64) (*Card, error) {
	card := &Card{col: c}
	err := scanCard(q.QueryRowContext(ctx, "SELECT "+cardColumns+" FROM cards WHERE id=?", id), card)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("card %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, wrapDB(fmt.Sprintf("read card %d", id), err)
	}
	return card, nil
}

// Note loads the card's note.
func (card *Card) Note(ctx context.Context) (*Note, error) {
	if card.col == nil {
		return nil, errors.New("card is not attached to a collection")
	}
	return card.col.GetNote(ctx, card.NoteID)
}

// Flag is the card's colour flag (0 none, 1 red … 7 purple).
func (card *Card) Flag() int { return card.Flags & 7 }

// CardsOfNote returns the note's cards ordered by template ordinal.
func (c *Collection) CardsOfNote(ctx context.Context, nid int64) ([]*Card, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	rows, err := c.db.QueryContext(ctx, "SELECT "+cardColumns+" FROM cards WHERE nid=? ORDER BY ord", nid)
	if err != nil {
		return nil, wrapDB("read cards", err)
	}
	defer rows.Close()
	var out []*Card
	for rows.Next() {
		card := &Card{col: c}
		if err := scanCard(rows, card); err != nil {
			return nil, wrapDB("read cards", err)
		}
		out = append(out, card)
	}
	return out, wrapDB("read cards", rows.Err())
}

// parsedTemplate caches parsed question templates per note type edit.
type parsedKey struct {
	ntid, mod int64
	ord       int
	qfmt      string
}

// generateCards creates the cards the note should have and lacks, following Anki's rules:
// a standard template gets a card when its question renders non-empty; a cloze note gets one
// card per cloze number in any field; a new note always gets at least one card. targetDeck 0
// means "where the note's other cards are". It returns the ids of the new cards.
func (tx *Tx) generateCards(nt *Notetype, n *Note, targetDeck int64, isNew bool) ([]int64, error) {
	existing := map[int]int64{} // ord -> deck
	if !isNew {
		st, err := tx.stmt("SELECT ord, did, odid FROM cards WHERE nid=? ORDER BY ord")
		if err != nil {
			return nil, wrapDB("read cards", err)
		}
		rows, err := st.QueryContext(tx.ctx, n.ID)
		if err != nil {
			return nil, wrapDB("read cards", err)
		}
		for rows.Next() {
			var ord int
			var did, odid int64
			if err := rows.Scan(&ord, &did, &odid); err != nil {
				rows.Close()
				return nil, wrapDB("read cards", err)
			}
			if odid != 0 {
				did = odid
			}
			if _, ok := existing[ord]; !ok {
				existing[ord] = did
			}
		}
		rows.Close()
		if targetDeck == 0 {
			for _, ord := range sortedInts(existing) {
				targetDeck = existing[ord]
				break
			}
		}
	}
	ords, err := tx.c.cardOrdinals(nt, n)
	if err != nil {
		return nil, err
	}
	if len(ords) == 0 && isNew {
		ords = []int{0}
	}
	if targetDeck == 0 {
		if nt.DeckID != nil {
			targetDeck = *nt.DeckID
		}
		if _, ok := tx.c.decks[targetDeck]; !ok {
			targetDeck = DefaultDeckID
		}
	}
	var created []int64
	var due int64 = -1
	for _, ord := range ords {
		if _, ok := existing[ord]; ok {
			continue
		}
		did := targetDeck
		if !nt.IsCloze() && ord < len(nt.Templates) && nt.Templates[ord].DeckID != nil && *nt.Templates[ord].DeckID != 0 {
			if d, ok := tx.c.decks[*nt.Templates[ord].DeckID]; ok && !d.Filtered() {
				did = d.ID
			}
		}
		if d, ok := tx.c.decks[did]; !ok || d.Filtered() {
			did = DefaultDeckID
		}
		if due < 0 {
			// All cards of one note share the note's new-card position, as in Anki.
			if due, err = tx.nextPosition(); err != nil {
				return nil, err
			}
		}
		id, err := tx.nextID("cards")
		if err != nil {
			return nil, err
		}
		_, err = tx.exec("INSERT INTO cards ("+cardColumns+`)
			VALUES (?, ?, ?, ?, ?, -1, 0, 0, ?, 0, 0, 0, 0, 0, 0, 0, 0, '{}')`,
			id, n.ID, did, ord, tx.now.Unix(), due)
		if err != nil {
			return nil, wrapDB("add card", err)
		}
		created = append(created, id)
	}
	return created, nil
}

func sortedInts[V any](m map[int]V) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}

// cardOrdinals lists the ordinals of the cards a note's content calls for.
func (c *Collection) cardOrdinals(nt *Notetype, n *Note) ([]int, error) {
	if nt.IsCloze() {
		seen := map[int]bool{}
		var ords []int
		for _, f := range n.Fields {
			for _, num := range template.ClozeOrdinals(f) {
				ord := min(num-1, maxClozeOrdinal)
				if !seen[ord] {
					seen[ord] = true
					ords = append(ords, ord)
				}
			}
		}
		sort.Ints(ords)
		return ords, nil
	}
	nonEmpty := func(name string) bool {
		i := nt.FieldIndex(name)
		return i >= 0 && i < len(n.Fields) && !template.FieldIsEmpty(n.Fields[i])
	}
	var ords []int
	for i, t := range nt.Templates {
		parsed, err := c.parseCached(nt, i, t.QFmt)
		if err != nil {
			continue // a broken template generates nothing, as in Anki
		}
		if parsed.RendersWith(nonEmpty) {
			ords = append(ords, i)
		}
	}
	return ords, nil
}

var templateCache = newParseCache()

func (c *Collection) parseCached(nt *Notetype, ord int, src string) (*template.Template, error) {
	return templateCache.get(parsedKey{nt.ID, nt.Mod, ord, src})
}

// nextPosition hands out the next new-card position (conf nextPos).
func (tx *Tx) nextPosition() (int64, error) {
	pos := tx.c.confInt("nextPos", 1)
	if pos < 1 {
		pos = 1
	}
	if err := tx.SetConfig("nextPos", pos+1); err != nil {
		return 0, err
	}
	return pos, nil
}

func (tx *Tx) removeCardRow(cid int64) error {
	res, err := tx.tx.ExecContext(tx.ctx, "DELETE FROM cards WHERE id=?", cid)
	if err != nil {
		return wrapDB("remove card", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	return tx.addGrave(cid, GraveCard)
}

// RemoveCards deletes cards, and the notes left with no cards (Anki never keeps a note
// without cards).
func (tx *Tx) RemoveCards(cids []int64) error {
	nids, err := tx.noteIDsOfCards(cids)
	if err != nil {
		return err
	}
	for _, cid := range cids {
		if err := tx.removeCardRow(cid); err != nil {
			return err
		}
	}
	var orphans []int64
	for _, nid := range nids {
		var n int
		if err := tx.tx.QueryRowContext(tx.ctx, "SELECT count(*) FROM cards WHERE nid=?", nid).Scan(&n); err != nil {
			return wrapDB("count cards", err)
		}
		if n == 0 {
			orphans = append(orphans, nid)
		}
	}
	return tx.RemoveNotes(orphans)
}

// RemoveCards deletes cards and notes left without cards.
func (c *Collection) RemoveCards(ctx context.Context, cids []int64) error {
	return c.TransactUndoable(ctx, "Delete Cards", func(tx *Tx) error { return tx.RemoveCards(cids) })
}

// SetDeck moves cards to a normal deck. Cards in a filtered deck move their home deck.
func (c *Collection) SetDeck(ctx context.Context, cids []int64, did int64) error {
	return c.TransactUndoable(ctx, "Change Deck", func(tx *Tx) error { return tx.SetDeck(cids, did) })
}

// SetDeck is Collection.SetDeck inside a transaction.
func (tx *Tx) SetDeck(cids []int64, did int64) error {
	d, ok := tx.c.decks[did]
	if !ok {
		return fmt.Errorf("move cards: deck %d: %w", did, ErrNotFound)
	}
	if d.Filtered() {
		return fmt.Errorf("move cards: %q is a filtered deck", d.Name)
	}
	return tx.updateCards(cids, `UPDATE cards SET
		did = CASE WHEN odid != 0 THEN did ELSE ?1 END,
		odid = CASE WHEN odid != 0 THEN ?1 ELSE 0 END,
		mod=?2, usn=-1 WHERE id=?3 AND (did != ?1 OR odid != 0)`, did)
}

// updateCards runs stmt (with ?1 = arg, ?2 = mod, ?3 = card id) for each card.
func (tx *Tx) updateCards(cids []int64, stmt string, arg any) error {
	st, err := tx.tx.PrepareContext(tx.ctx, stmt)
	if err != nil {
		return wrapDB("update cards", err)
	}
	defer st.Close()
	mod := tx.now.Unix()
	for _, cid := range cids {
		if _, err := st.ExecContext(tx.ctx, arg, mod, cid); err != nil {
			return wrapDB("update cards", err)
		}
	}
	return nil
}

// SuspendCards suspends (true) or restores (false) cards. Restoring puts a card back in the
// queue its type implies, as Anki does.
func (c *Collection) SuspendCards(ctx context.Context, cids []int64, suspend bool) error {
	label := "Unsuspend"
	if suspend {
		label = "Suspend"
	}
	return c.TransactUndoable(ctx, label, func(tx *Tx) error {
		if suspend {
			return tx.updateCards(cids, "UPDATE cards SET queue=?1, mod=?2, usn=-1 WHERE id=?3 AND queue != ?1", QueueSuspended)
		}
		return tx.restoreQueue(cids, QueueSuspended)
	})
}

// BuryCards buries cards by hand (true) or unburies them (false).
func (c *Collection) BuryCards(ctx context.Context, cids []int64, bury bool) error {
	label := "Unbury"
	if bury {
		label = "Bury"
	}
	return c.TransactUndoable(ctx, label, func(tx *Tx) error {
		if bury {
			return tx.updateCards(cids, "UPDATE cards SET queue=?1, mod=?2, usn=-1 WHERE id=?3 AND queue >= 0", QueueUserBuried)
		}
		for _, q := range []int{QueueUserBuried, QueueSchedBuried} {
			if err := tx.restoreQueue(cids, q); err != nil {
				return err
			}
		}
		return nil
	})
}

// restoreQueue moves cards sitting in queue `from` back to the queue their type implies:
// new → new, learning → learning (intraday or day-learn by the size of due), review → review.
func (tx *Tx) restoreQueue(cids []int64, from int) error {
	return tx.updateCards(cids, `UPDATE cards SET queue = CASE type
			WHEN 0 THEN 0
			WHEN 1 THEN (CASE WHEN due > 1000000000 THEN 1 ELSE 3 END)
			WHEN 3 THEN (CASE WHEN due > 1000000000 THEN 1 ELSE 3 END)
			ELSE 2 END,
		mod=?2, usn=-1 WHERE id=?3 AND queue=?1`, from)
}

// SetFlag sets the colour flag (0–7) of cards.
func (c *Collection) SetFlag(ctx context.Context, cids []int64, flag int) error {
	if flag < 0 || flag > 7 {
		return fmt.Errorf("set flag: %d is not a flag (0–7)", flag)
	}
	return c.TransactUndoable(ctx, "Set Flag", func(tx *Tx) error {
		return tx.updateCards(cids, "UPDATE cards SET flags=(flags & ~7) | ?1, mod=?2, usn=-1 WHERE id=?3 AND (flags & 7) != ?1", flag)
	})
}

// CountCardsOfNote counts the cards of a note inside a transaction.
func (tx *Tx) CountCardsOfNote(nid int64) (int, error) {
	var n int
	err := tx.tx.QueryRowContext(tx.ctx, "SELECT count(*) FROM cards WHERE nid=?", nid).Scan(&n)
	return n, wrapDB("count cards", err)
}
