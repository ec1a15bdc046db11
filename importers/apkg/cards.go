package apkg

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/deckhand-app/deckhand/collection"
)

type nidOrd struct {
	nid int64
	ord int
}

// importCards adds the package's cards of mapped notes whose (note, card type) the
// target lacks, so that importing a package again never duplicates cards (rslib
// cards.rs). Ids are kept where free and bumped by 999 otherwise; decks are remapped;
// review dates move by the difference between the two collections' day counts; without
// scheduling cards are reset to new and numbered after the target's last new card.
func (imp *importer) importCards(ctx context.Context) error {
	tx := imp.tx
	q := tx.Q()
	existing := map[nidOrd]bool{}
	cardIDs := map[int64]bool{}
	rows, err := q.QueryContext(ctx, "SELECT id, nid, ord FROM cards")
	if err != nil {
		return fmt.Errorf("read cards: %w", err)
	}
	for rows.Next() {
		var id, nid int64
		var ord int
		if err := rows.Scan(&id, &nid, &ord); err != nil {
			rows.Close()
			return fmt.Errorf("read cards: %w", err)
		}
		cardIDs[id] = true
		existing[nidOrd{nid, ord}] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read cards: %w", err)
	}

	delta := daysElapsed(imp.src.crt, imp.src.rollover, imp.now) - tx.ColState().SchedulerToday
	nextPos := confInt(tx, "nextPos", 1)
	if nextPos < 1 {
		nextPos = 1
	}
	maxNewDue := int64(0)
	positions := map[int64]int64{} // package position → target position (reset only)

	// Reset cards are read in the order of the position they return to, so that the
	// renumbered positions keep the package's new-card order and siblings stay together.
	order := "id"
	if !imp.opt.KeepScheduling {
		order = `(CASE WHEN type = 0 THEN (CASE WHEN odid != 0 THEN odue ELSE due END)
			WHEN json_valid(data) THEN json_extract(data, '$.pos') END) IS NULL,
			(CASE WHEN type = 0 THEN (CASE WHEN odid != 0 THEN odue ELSE due END)
			WHEN json_valid(data) THEN json_extract(data, '$.pos') END), id`
	}
	var total int
	if err := imp.src.db.QueryRowContext(ctx, "SELECT count(*) FROM cards").Scan(&total); err != nil {
		return badf("cards: %v", err)
	}
	imp.cardMap = make(map[int64]int64, total)
	imp.progress("cards", 0, total)
	srcRows, err := imp.src.db.QueryContext(ctx, `SELECT id, nid, did, ord, mod, type, queue, due, ivl, factor,
		reps, lapses, left, odue, odid, flags, CAST(data AS BLOB) FROM cards ORDER BY `+order)
	if err != nil {
		return badf("cards: %v", err)
	}
	type cardRow struct {
		c    collection.Card
		data []byte
	}
	srows := streamRows(srcRows, func(r *sql.Rows, cr *cardRow) error {
		c := &cr.c
		return r.Scan(&c.ID, &c.NoteID, &c.DeckID, &c.Ord, &c.Mod, &c.Type, &c.Queue, &c.Due,
			&c.Interval, &c.Factor, &c.Reps, &c.Lapses, &c.Left, &c.OriginalDue, &c.OriginalDeckID,
			&c.Flags, &cr.data)
	})
	defer srows.Close()
	ins := newBatchInsert(ctx, q, `INSERT INTO cards (id, nid, did, ord, mod, usn, type, queue, due, ivl, factor,
		reps, lapses, left, odue, odid, flags, data) VALUES `, 18)
	done := 0
	for srows.Next() {
		row := srows.Row()
		c, data := row.c, row.data
		done++
		if done%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			imp.progress("cards", done, total)
		}
		if !utf8.Valid(data) {
			return badf("card %d: data is not valid UTF-8", c.ID)
		}
		c.Data = string(data)
		nid, ok := imp.noteMap[c.NoteID]
		if !ok || c.Ord < 0 {
			continue
		}
		c.NoteID = nid
		if existing[nidOrd{nid, c.Ord}] {
			continue
		}
		srcID := c.ID
		c.DeckID = imp.mapDeck(c.DeckID)
		if c.OriginalDeckID != 0 {
			c.OriginalDeckID = imp.mapDeck(c.OriginalDeckID)
		}
		if !imp.opt.KeepScheduling {
			last, hasLast := c.LastPosition()
			var pos int64
			if p, seen := positions[last]; hasLast && seen {
				pos = p
			} else {
				pos = nextPos
				nextPos++
				if hasLast {
					positions[last] = pos
				}
			}
			c.ResetAsNew(pos)
		} else {
			shiftDates(&c, delta)
			if c.OriginalDeckID != 0 && !imp.keepFiltered {
				leaveFilteredDeck(&c)
			}
			if c.Type == collection.CardTypeNew && c.Due > maxNewDue && c.Due < 1_000_000_000 {
				maxNewDue = c.Due
			}
		}
		if imp.opt.TargetDeck != "" && c.OriginalDeckID != 0 {
			leaveFilteredDeck(&c)
		}
		for cardIDs[c.ID] || c.ID == 0 {
			c.ID += 999
		}
		if c.Data == "" {
			c.Data = "{}"
		}
		// Same row as Tx.PutCard writes, batched (ids were checked unique above).
		if err := ins.add(c.ID, c.NoteID, c.DeckID, c.Ord, c.Mod, -1, c.Type, c.Queue, c.Due, c.Interval,
			c.Factor, c.Reps, c.Lapses, c.Left, c.OriginalDue, c.OriginalDeckID, c.Flags, c.Data); err != nil {
			return fmt.Errorf("add card: %w", err)
		}
		cardIDs[c.ID] = true
		existing[nidOrd{nid, c.Ord}] = true
		imp.cardMap[srcID] = c.ID
		imp.res.CardsAdded++
	}
	if err := srows.Err(); err != nil {
		return badf("cards: %v", err)
	}
	if err := ins.flush(); err != nil {
		return fmt.Errorf("add card: %w", err)
	}
	imp.progress("cards", total, total)
	// New positions handed out here or brought along must stay behind the counter, or
	// the next added note would share a position with an imported card.
	if maxNewDue >= nextPos {
		nextPos = maxNewDue + 1
	}
	if nextPos != confInt(tx, "nextPos", 1) {
		if err := tx.SetConfig("nextPos", nextPos); err != nil {
			return err
		}
	}
	return nil
}

func (imp *importer) mapDeck(did int64) int64 {
	if id, ok := imp.deckMap[did]; ok {
		return id
	}
	if imp.opt.TargetDeck != "" {
		return imp.deckMap[0]
	}
	// A card in a deck the package does not define goes to Default, where Anki's Check
	// Database would move it anyway.
	return collection.DefaultDeckID
}

// shiftDates moves day-based due dates by delta, the number of days the package's
// collection is ahead of the target (Card::shift_collection_relative_dates).
func shiftDates(c *collection.Card, delta int) {
	if delta == 0 {
		return
	}
	if c.Queue == collection.QueueReview || c.Queue == collection.QueueDayLearn || c.Type == collection.CardTypeReview {
		c.Due -= int64(delta)
	}
	if c.Type == collection.CardTypeReview && c.OriginalDue != 0 {
		c.OriginalDue -= int64(delta)
	}
}

// leaveFilteredDeck keeps the card in the deck it is in (which becomes a normal deck)
// and restores its queue from its type, as Anki's remove_from_filtered_deck_restoring_queue
// does on the v2/v3 scheduler.
func leaveFilteredDeck(c *collection.Card) {
	if c.OriginalDue != 0 {
		c.Due = c.OriginalDue
	}
	c.OriginalDue, c.OriginalDeckID = 0, 0
	if c.Queue < 0 {
		return // suspended or buried cards stay so
	}
	switch c.Type {
	case collection.CardTypeNew:
		c.Queue = collection.QueueNew
	case collection.CardTypeReview:
		c.Queue = collection.QueueReview
	case collection.CardTypeLearn, collection.CardTypeRelearning:
		if c.Due > 1_000_000_000 {
			c.Queue = collection.QueueLearn
		} else {
			c.Queue = collection.QueueDayLearn
		}
	}
}

// importRevlog adds the history of the cards this import added; ids already present
// are skipped (revlog rows are immutable and shared between exports of one collection).
func (imp *importer) importRevlog(ctx context.Context) error {
	if len(imp.cardMap) == 0 {
		return nil
	}
	ins := newBatchInsert(ctx, imp.tx.Q(), "INSERT OR IGNORE INTO revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type) VALUES ", 9)
	var total int
	if err := imp.src.db.QueryRowContext(ctx, "SELECT count(*) FROM revlog").Scan(&total); err != nil {
		return badf("revlog: %v", err)
	}
	imp.progress("revlog", 0, total)
	srcRows, err := imp.src.db.QueryContext(ctx, "SELECT id, cid, ease, ivl, lastIvl, factor, time, type FROM revlog ORDER BY id")
	if err != nil {
		return badf("revlog: %v", err)
	}
	rows := streamRows(srcRows, func(sr *sql.Rows, r *collection.RevlogEntry) error {
		return sr.Scan(&r.ID, &r.CardID, &r.Ease, &r.Interval, &r.LastInterval, &r.Factor, &r.Time, &r.Type)
	})
	defer rows.Close()
	done := 0
	for rows.Next() {
		r := *rows.Row()
		done++
		if done%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			imp.progress("revlog", done, total)
		}
		cid, ok := imp.cardMap[r.CardID]
		if !ok {
			continue
		}
		if err := ins.add(r.ID, cid, -1, r.Ease, r.Interval, r.LastInterval, r.Factor, r.Time, r.Type); err != nil {
			return fmt.Errorf("add review log: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return badf("revlog: %v", err)
	}
	if err := ins.flush(); err != nil {
		return fmt.Errorf("add review log: %w", err)
	}
	// Rows whose id the collection already had were ignored.
	imp.res.RevlogAdded = int(ins.affected)
	imp.progress("revlog", total, total)
	return nil
}

func confInt(tx *collection.Tx, key string, def int64) int64 {
	raw, ok := tx.Config()[key]
	if !ok {
		return def
	}
	var f float64
	if json.Unmarshal(raw, &f) != nil {
		return def
	}
	return int64(f)
}

func utf8Valid(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}
