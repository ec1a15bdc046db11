// Package synctest has helpers for sync tests: a shared clock so that changes made on
// different test clients get distinct times (Anki resolves conflicts by mtime in seconds and
// allocates ids from the clock), random edits, and a dump that compares collections.
package synctest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/deckhand-app/deckhand/collection"
)

// Clock hands out strictly increasing times, a little over a second apart, starting now.
type Clock struct {
	mu sync.Mutex
	t  int64
}

// Next returns the next time in ms.
func (c *Clock) Next() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.t == 0 {
		c.t = time.Now().UnixMilli()
	}
	c.t += 1001
	return c.t
}

// Edit runs fn in a transaction stamped with the clock's next time.
func Edit(ctx context.Context, col *collection.Collection, clock *Clock, fn func(tx *collection.Tx) error) error {
	return col.Transact(ctx, func(tx *collection.Tx) error {
		tx.SetModified(clock.Next())
		return fn(tx)
	})
}

// AddNote adds a Basic note to deck did.
func AddNote(tx *collection.Tx, did int64, front, back string, tags ...string) (*collection.Note, error) {
	var basic *collection.Notetype
	for _, nt := range tx.Notetypes() {
		if strings.HasPrefix(nt.Name, "Basic") && len(nt.Fields) == 2 && len(nt.Templates) == 1 {
			if basic == nil || nt.ID < basic.ID {
				basic = nt
			}
		}
	}
	if basic == nil {
		return nil, fmt.Errorf("no Basic note type")
	}
	n, err := tx.NewNote(basic.ID)
	if err != nil {
		return nil, err
	}
	n.Fields[0], n.Fields[1] = front, back
	n.Tags = tags
	return n, tx.AddNote(n, did)
}

// Review records an answer on a card the way the scheduler would for sync purposes: the card
// row changes (usn -1, mod now) and a revlog row is added.
func Review(tx *collection.Tx, cid int64, ease int) error {
	now := tx.Now()
	ivl := 1 + int(now/1000%30)
	if _, err := tx.Q().ExecContext(tx.Context(), `UPDATE cards SET type=2, queue=2, ivl=?, due=?, reps=reps+1,
		factor=2500, mod=?, usn=-1 WHERE id=?`, ivl, 100+ivl, now/1000, cid); err != nil {
		return err
	}
	return tx.PutRevlog(collection.RevlogEntry{ID: now, CardID: cid, USN: -1, Ease: ease, Interval: ivl,
		LastInterval: -60, Factor: 2500, Time: 3000, Type: 1})
}

func ids(tx *collection.Tx, q string) []int64 {
	rows, err := tx.Q().QueryContext(tx.Context(), q)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if rows.Scan(&v) == nil {
			out = append(out, v)
		}
	}
	return out
}

// RandomEdit makes one random change: add, edit or delete a note, review a card, tag a note,
// add or rename a deck, move a card, or rename a note type.
func RandomEdit(ctx context.Context, col *collection.Collection, clock *Clock, rng *rand.Rand, label string) error {
	op := rng.IntN(10)
	return Edit(ctx, col, clock, func(tx *collection.Tx) error {
		notes := ids(tx, "SELECT id FROM notes ORDER BY id")
		cards := ids(tx, "SELECT id FROM cards ORDER BY id")
		decks := tx.Decks()
		pickDeck := func() int64 {
			var normal []int64
			for _, d := range decks {
				if !d.Filtered() {
					normal = append(normal, d.ID)
				}
			}
			return normal[rng.IntN(len(normal))]
		}
		if len(notes) == 0 && op != 5 {
			op = 0
		}
		switch op {
		case 0, 1:
			_, err := AddNote(tx, pickDeck(), fmt.Sprintf("%s front %d", label, rng.IntN(1e6)), "back",
				[]string{"t1", "t2", "lvl::a", "x"}[rng.IntN(4)])
			return err
		case 2:
			n, err := tx.GetNote(notes[rng.IntN(len(notes))])
			if err != nil {
				return err
			}
			n.Fields[1] = fmt.Sprintf("edited by %s %d", label, rng.IntN(1e6))
			return tx.UpdateNote(n)
		case 3:
			return tx.RemoveNotes([]int64{notes[rng.IntN(len(notes))]})
		case 4:
			return Review(tx, cards[rng.IntN(len(cards))], 1+rng.IntN(4))
		case 5:
			_, err := tx.AddDeck(fmt.Sprintf("%s deck %d::child", label, rng.IntN(1000)))
			return err
		case 6:
			n, err := tx.GetNote(notes[rng.IntN(len(notes))])
			if err != nil {
				return err
			}
			n.Tags = append(n.Tags, fmt.Sprintf("%s-tag%d", label, rng.IntN(5)))
			return tx.UpdateNote(n)
		case 7:
			return tx.SetDeck([]int64{cards[rng.IntN(len(cards))]}, pickDeck())
		case 8:
			// A note type edit that is not a schema change (styling), which syncs normally.
			nts := tx.Notetypes()
			nt := nts[rng.IntN(len(nts))]
			nt.CSS += fmt.Sprintf("\n/* %s %d */", label, rng.IntN(1e6))
			return tx.UpdateNotetype(nt)
		default:
			var did int64
			for _, d := range decks {
				if d.ID != collection.DefaultDeckID && !d.Filtered() && !strings.Contains(d.Name, "::") {
					did = d.ID
				}
			}
			if did == 0 {
				_, err := tx.AddDeck(fmt.Sprintf("%s top %d", label, rng.IntN(1000)))
				return err
			}
			return tx.RenameDeck(did, fmt.Sprintf("%s renamed %d", label, rng.IntN(1e6)))
		}
	})
}

// Dump renders a collection's synced content (everything but usns and sync bookkeeping) as
// text, so two collections that converged dump identically.
func Dump(ctx context.Context, col *collection.Collection) (string, error) {
	var b strings.Builder
	db := col.DB()
	for _, q := range []string{
		"SELECT id, guid, mid, mod, tags, flds, sfld, csum, flags FROM notes ORDER BY id",
		"SELECT id, nid, did, ord, mod, type, queue, due, ivl, factor, reps, lapses, left, odue, odid, flags, data FROM cards ORDER BY id",
		"SELECT id, cid, ease, ivl, lastIvl, factor, time, type FROM revlog ORDER BY id",
	} {
		if err := dumpQuery(ctx, db, &b, q); err != nil {
			return "", err
		}
	}
	var models, decks, dconf, tags, conf string
	var crt int64
	if err := db.QueryRowContext(ctx, "SELECT crt, models, decks, dconf, tags, conf FROM col").Scan(&crt, &models, &decks, &dconf, &tags, &conf); err != nil {
		return "", err
	}
	fmt.Fprintf(&b, "crt %d\n", crt)
	for _, blob := range []struct{ name, s string }{{"models", models}, {"decks", decks}, {"dconf", dconf}} {
		var m map[string]map[string]any
		if err := json.Unmarshal([]byte(blob.s), &m); err != nil {
			return "", fmt.Errorf("%s: %w", blob.name, err)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			delete(m[k], "usn")
			for kk, v := range m[k] {
				// A schema-18 round trip writes some absent keys with their defaults (null, []):
				// the same object to Anki.
				if arr, ok := v.([]any); v == nil || ok && len(arr) == 0 {
					delete(m[k], kk)
				}
			}
			enc, _ := json.Marshal(m[k]) // map keys are sorted by encoding/json
			fmt.Fprintf(&b, "%s %s %s\n", blob.name, k, enc)
		}
	}
	var tm map[string]int
	if err := json.Unmarshal([]byte(tags), &tm); err != nil {
		return "", err
	}
	var tl []string
	for t := range tm {
		tl = append(tl, t)
	}
	sort.Strings(tl)
	fmt.Fprintf(&b, "tags %q\n", tl)
	var cm map[string]any
	if err := json.Unmarshal([]byte(conf), &cm); err != nil {
		return "", err
	}
	enc, _ := json.Marshal(cm)
	fmt.Fprintf(&b, "conf %s\n", enc)
	return b.String(), nil
}

func dumpQuery(ctx context.Context, db *sql.DB, b *strings.Builder, q string) error {
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		fmt.Fprintf(b, "%v\n", vals)
	}
	return rows.Err()
}

// Counts returns notes, cards, revlog rows.
func Counts(ctx context.Context, col *collection.Collection) (notes, cards, revlog int) {
	db := col.DB()
	db.QueryRowContext(ctx, "SELECT count(*) FROM notes").Scan(&notes)
	db.QueryRowContext(ctx, "SELECT count(*) FROM cards").Scan(&cards)
	db.QueryRowContext(ctx, "SELECT count(*) FROM revlog").Scan(&revlog)
	return
}
