// Package colsync is the collection side of Anki's normal (incremental) sync, independent of
// HTTP: what each side sends and how it merges what it receives (rslib/src/sync/collection).
// The client runs a whole sync inside one local transaction (NormalSync); the server keeps one
// transaction open across the requests of a sync (ServerSession). Either side rolls back
// everything on failure.
package colsync

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/protocol"
)

// pending says whether an object's usn marks it as changed for the receiver. The client's
// pending objects carry usn -1; on the server, pending means changed since the client's last
// sync (usn ≥ the client's minUsn).
func pending(usn, pendingUSN int) bool {
	if pendingUSN == -1 {
		return usn == -1
	}
	return usn >= pendingUSN
}

func pendingClause(pendingUSN int) (string, []any) {
	if pendingUSN == -1 {
		return "usn = -1", nil
	}
	return "usn >= ?", []any{pendingUSN}
}

func queryInts(tx *collection.Tx, q string, args ...any) ([]int64, error) {
	rows, err := tx.Q().QueryContext(tx.Context(), q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// pendingGraves lists the graves the other side has not seen.
func pendingGraves(tx *collection.Tx, pendingUSN int) (protocol.Graves, error) {
	where, args := pendingClause(pendingUSN)
	var g protocol.Graves
	rows, err := tx.Q().QueryContext(tx.Context(), "SELECT oid, type FROM graves WHERE "+where+" ORDER BY rowid", args...)
	if err != nil {
		return g, fmt.Errorf("read graves: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var oid int64
		var kind int
		if err := rows.Scan(&oid, &kind); err != nil {
			return g, fmt.Errorf("read graves: %w", err)
		}
		switch kind {
		case collection.GraveCard:
			g.Cards = append(g.Cards, oid)
		case collection.GraveNote:
			g.Notes = append(g.Notes, oid)
		case collection.GraveDeck:
			g.Decks = append(g.Decks, oid)
		}
	}
	return g, rows.Err()
}

// applyGraves removes what the other side deleted and records the graves with usn, so that
// the server passes them on to its other clients.
func applyGraves(tx *collection.Tx, g protocol.Graves, usn int) error {
	q, ctx := tx.Q(), tx.Context()
	grave := func(oid int64, kind int) error {
		_, err := q.ExecContext(ctx, "INSERT INTO graves (usn, oid, type) VALUES (?, ?, ?)", usn, oid, kind)
		return err
	}
	for _, nid := range g.Notes {
		if _, err := q.ExecContext(ctx, "DELETE FROM notes WHERE id=?", nid); err != nil {
			return fmt.Errorf("apply note grave %d: %w", nid, err)
		}
		if err := grave(nid, collection.GraveNote); err != nil {
			return fmt.Errorf("apply note grave %d: %w", nid, err)
		}
	}
	for _, cid := range g.Cards {
		if _, err := q.ExecContext(ctx, "DELETE FROM cards WHERE id=?", cid); err != nil {
			return fmt.Errorf("apply card grave %d: %w", cid, err)
		}
		if err := grave(cid, collection.GraveCard); err != nil {
			return fmt.Errorf("apply card grave %d: %w", cid, err)
		}
	}
	for _, did := range g.Decks {
		// Deleting the Default deck would leave a collection Anki cannot open.
		if did != collection.DefaultDeckID {
			tx.DeleteDeckRaw(did)
		}
		if err := grave(did, collection.GraveDeck); err != nil {
			return fmt.Errorf("apply deck grave %d: %w", did, err)
		}
	}
	return nil
}

// localChanges gathers the pending note types, decks, deck configs and tags, and the whole
// config and creation time when includeConf. A client (serverUSN != nil) stamps what it sends
// with the server's usn, locally too: it is no longer pending once the sync commits.
func localChanges(tx *collection.Tx, pendingUSN int, serverUSN *int, includeConf bool) (protocol.Changes, error) {
	var ch protocol.Changes
	for _, nt := range tx.Notetypes() {
		if !pending(nt.USN, pendingUSN) {
			continue
		}
		if serverUSN != nil {
			nt.USN = *serverUSN
			if err := tx.PutNotetype(nt); err != nil {
				return ch, err
			}
		}
		ch.Models = append(ch.Models, nt)
	}
	for _, d := range tx.Decks() {
		if !pending(d.USN, pendingUSN) {
			continue
		}
		if serverUSN != nil {
			d.USN = *serverUSN
			if err := tx.PutDeck(d); err != nil {
				return ch, err
			}
		}
		ch.Decks.Decks = append(ch.Decks.Decks, &d)
	}
	for _, dc := range tx.DeckConfigs() {
		if !pending(dc.USN, pendingUSN) {
			continue
		}
		if serverUSN != nil {
			dc.USN = *serverUSN
			if err := tx.PutDeckConfig(dc); err != nil {
				return ch, err
			}
		}
		ch.Decks.Configs = append(ch.Decks.Configs, &dc)
	}
	for tag, usn := range tx.Tags() {
		if !pending(usn, pendingUSN) {
			continue
		}
		if serverUSN != nil {
			tx.PutTag(tag, *serverUSN)
		}
		ch.Tags = append(ch.Tags, tag)
	}
	if includeConf {
		ch.Conf = map[string]json.RawMessage{}
		for k, v := range tx.Config() {
			ch.Conf[k] = v
		}
		crt := tx.ColState().Created
		ch.Crt = &crt
	}
	return ch, nil
}

// ErrResyncRequired means a note type changed its fields or templates without a schema
// change on the other side; only a full sync can reconcile that.
var ErrResyncRequired = errors.New("note type schema changed: a full sync is required")

// applyChanges merges the other side's unchunked changes: note types, decks and deck configs
// when ours are not newer, tags registered with usn, config and creation time replaced.
func applyChanges(tx *collection.Tx, ch protocol.Changes, usn int) error {
	for _, nt := range ch.Models {
		if nt.ID == 0 {
			return errors.New("apply changes: note type with id 0")
		}
		if old, ok := tx.Notetype(nt.ID); ok {
			if old.Mod > nt.Mod {
				continue
			}
			if len(old.Fields) != len(nt.Fields) || len(old.Templates) != len(nt.Templates) {
				return fmt.Errorf("note type %q: %w", nt.Name, ErrResyncRequired)
			}
		}
		nt.Name = uniqueNotetypeName(tx, nt)
		if err := tx.PutNotetype(nt); err != nil {
			return fmt.Errorf("apply note type %d: %w", nt.ID, err)
		}
	}
	for _, d := range ch.Decks.Decks {
		if old, ok := tx.Deck(d.ID); ok && old.Mod > d.Mod {
			continue
		}
		if strings.TrimSpace(d.Name) == "" {
			return fmt.Errorf("apply deck %d: empty name", d.ID)
		}
		for {
			other, ok := tx.DeckByName(d.Name)
			if !ok || other.ID == d.ID {
				break
			}
			d.Name += "+"
			d.USN = usn
		}
		if err := tx.PutDeck(*d); err != nil {
			return fmt.Errorf("apply deck %d: %w", d.ID, err)
		}
	}
	existing := map[int64]collection.DeckConfig{}
	for _, dc := range tx.DeckConfigs() {
		existing[dc.ID] = dc
	}
	for _, dc := range ch.Decks.Configs {
		if old, ok := existing[dc.ID]; ok && old.Mod > dc.Mod {
			continue
		}
		if err := tx.PutDeckConfig(*dc); err != nil {
			return fmt.Errorf("apply deck config %d: %w", dc.ID, err)
		}
	}
	if len(ch.Tags) > 0 {
		known := map[string]string{}
		for t := range tx.Tags() {
			known[strings.ToLower(t)] = t
		}
		for _, t := range ch.Tags {
			if t = strings.TrimSpace(t); t == "" {
				continue
			}
			if k, ok := known[strings.ToLower(t)]; ok {
				t = k // keep the case the collection already uses
			}
			tx.PutTag(t, usn)
		}
	}
	if ch.Crt != nil {
		if err := tx.SetCreated(*ch.Crt); err != nil {
			return err
		}
	}
	if ch.Conf != nil {
		conf := make(map[string][]byte, len(ch.Conf))
		for k, v := range ch.Conf {
			conf[k] = v
		}
		tx.ReplaceConfig(conf)
	}
	return nil
}

func uniqueNotetypeName(tx *collection.Tx, nt *collection.Notetype) string {
	name := nt.Name
	for {
		clash := false
		for _, o := range tx.Notetypes() {
			if o.ID != nt.ID && strings.EqualFold(o.Name, name) {
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

// chunkIDs are the rows still to stream, popped round-robin (one revlog, note, card each).
type chunkIDs struct{ revlog, cards, notes []int64 }

func chunkableIDs(tx *collection.Tx, pendingUSN int) (*chunkIDs, error) {
	where, args := pendingClause(pendingUSN)
	var ids chunkIDs
	var err error
	if ids.revlog, err = queryInts(tx, "SELECT id FROM revlog WHERE "+where+" ORDER BY id DESC", args...); err != nil {
		return nil, fmt.Errorf("pending revlog: %w", err)
	}
	if ids.cards, err = queryInts(tx, "SELECT id FROM cards WHERE "+where+" ORDER BY id DESC", args...); err != nil {
		return nil, fmt.Errorf("pending cards: %w", err)
	}
	if ids.notes, err = queryInts(tx, "SELECT id FROM notes WHERE "+where+" ORDER BY id DESC", args...); err != nil {
		return nil, fmt.Errorf("pending notes: %w", err)
	}
	return &ids, nil
}

func pop(s *[]int64) (int64, bool) {
	if len(*s) == 0 {
		return 0, false
	}
	n := len(*s) - 1
	v := (*s)[n]
	*s = (*s)[:n]
	return v, true
}

// getChunk takes up to ChunkSize rows. A client stamps them with the server's usn, both in
// what it sends and locally.
func getChunk(tx *collection.Tx, ids *chunkIDs, serverUSN *int) (protocol.Chunk, error) {
	var rev, cards, notes []int64
	limit := protocol.ChunkSize
	for limit > 0 {
		last := limit
		if id, ok := pop(&ids.revlog); ok {
			rev = append(rev, id)
			limit--
		}
		if id, ok := pop(&ids.notes); ok && limit > 0 {
			notes = append(notes, id)
			limit--
		} else if ok {
			ids.notes = append(ids.notes, id)
		}
		if id, ok := pop(&ids.cards); ok && limit > 0 {
			cards = append(cards, id)
			limit--
		} else if ok {
			ids.cards = append(ids.cards, id)
		}
		if limit == last {
			break
		}
	}
	ch := protocol.Chunk{Done: limit > 0}
	q, ctx := tx.Q(), tx.Context()
	if serverUSN != nil {
		for _, t := range []struct {
			table string
			ids   []int64
		}{{"revlog", rev}, {"cards", cards}, {"notes", notes}} {
			for _, id := range t.ids {
				if _, err := q.ExecContext(ctx, "UPDATE "+t.table+" SET usn=? WHERE id=?", *serverUSN, id); err != nil {
					return ch, fmt.Errorf("mark %s %d synced: %w", t.table, id, err)
				}
			}
		}
	}
	for _, id := range rev {
		var r protocol.RevlogRow
		err := q.QueryRowContext(ctx, "SELECT id, cid, usn, ease, ivl, lastIvl, factor, time, type FROM revlog WHERE id=?", id).
			Scan(&r.ID, &r.CardID, &r.USN, &r.Ease, &r.Interval, &r.LastInterval, &r.Factor, &r.Time, &r.Type)
		if err != nil {
			return ch, fmt.Errorf("read revlog %d: %w", id, err)
		}
		ch.Revlog = append(ch.Revlog, r)
	}
	for _, id := range cards {
		var c protocol.CardRow
		err := q.QueryRowContext(ctx, `SELECT id, nid, did, ord, mod, usn, type, queue, due, ivl, factor, reps, lapses,
			left, odue, odid, flags, data FROM cards WHERE id=?`, id).
			Scan(&c.ID, &c.NoteID, &c.DeckID, &c.Ord, &c.Mod, &c.USN, &c.Type, &c.Queue, &c.Due, &c.Interval, &c.Factor,
				&c.Reps, &c.Lapses, &c.Left, &c.OriginalDue, &c.OriginalDeckID, &c.Flags, &c.Data)
		if err != nil {
			return ch, fmt.Errorf("read card %d: %w", id, err)
		}
		ch.Cards = append(ch.Cards, c)
	}
	for _, id := range notes {
		var n protocol.NoteRow
		err := q.QueryRowContext(ctx, "SELECT id, guid, mid, mod, usn, tags, flds, flags, data FROM notes WHERE id=?", id).
			Scan(&n.ID, &n.GUID, &n.NotetypeID, &n.Mod, &n.USN, &n.Tags, &n.Fields, &n.Flags, &n.Data)
		if err != nil {
			return ch, fmt.Errorf("read note %d: %w", id, err)
		}
		ch.Notes = append(ch.Notes, n)
	}
	return ch, nil
}

// rowState reads a row's usn and mod; ok is false when it does not exist.
func rowState(tx *collection.Tx, table string, id int64) (usn int, mod int64, ok bool, err error) {
	err = tx.Q().QueryRowContext(tx.Context(), "SELECT usn, mod FROM "+table+" WHERE id=?", id).Scan(&usn, &mod)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, false, nil
	}
	return usn, mod, err == nil, err
}

// applyChunk merges rows: revlog is insert-only; a card or note is replaced unless ours is
// pending and at least as new. Notes get sort field and checksum recomputed, and their note
// type must exist. Tags a note brings that the registry lacks are registered with tagUSN.
func applyChunk(tx *collection.Tx, ch protocol.Chunk, pendingUSN, tagUSN int) error {
	for _, r := range ch.Revlog {
		if r.ID == 0 || r.CardID == 0 {
			return fmt.Errorf("apply revlog: id %d card %d", r.ID, r.CardID)
		}
		err := tx.PutRevlog(collection.RevlogEntry{ID: r.ID, CardID: r.CardID, USN: r.USN, Ease: r.Ease,
			Interval: int(r.Interval), LastInterval: int(r.LastInterval), Factor: int(r.Factor), Time: int(r.Time), Type: r.Type})
		if err != nil {
			return err
		}
	}
	for _, c := range ch.Cards {
		usn, mod, ok, err := rowState(tx, "cards", c.ID)
		if err != nil {
			return fmt.Errorf("apply card %d: %w", c.ID, err)
		}
		if ok && pending(usn, pendingUSN) && mod >= c.Mod {
			continue
		}
		err = tx.PutCard(&collection.Card{ID: c.ID, NoteID: c.NoteID, DeckID: c.DeckID, Ord: c.Ord, Mod: c.Mod, USN: c.USN,
			Type: c.Type, Queue: c.Queue, Due: c.Due, Interval: int(c.Interval), Factor: int(c.Factor), Reps: int(c.Reps),
			Lapses: int(c.Lapses), Left: int(c.Left), OriginalDue: c.OriginalDue, OriginalDeckID: c.OriginalDeckID,
			Flags: c.Flags, Data: c.Data})
		if err != nil {
			return err
		}
	}
	for _, n := range ch.Notes {
		usn, mod, ok, err := rowState(tx, "notes", n.ID)
		if err != nil {
			return fmt.Errorf("apply note %d: %w", n.ID, err)
		}
		if ok && pending(usn, pendingUSN) && mod >= n.Mod {
			continue
		}
		note := &collection.Note{ID: n.ID, GUID: n.GUID, NotetypeID: n.NotetypeID, Mod: n.Mod, USN: n.USN,
			Tags: strings.Fields(n.Tags), Fields: strings.Split(n.Fields, collection.FieldSeparator), Flags: n.Flags, Data: n.Data}
		if err := tx.PutSyncedNote(note, tagUSN); err != nil {
			return fmt.Errorf("apply note: %w", err)
		}
	}
	return nil
}

// ErrPendingChanges means objects still carry usn -1 when the sanity check runs.
var ErrPendingChanges = errors.New("objects still marked as locally changed")

// sanityCounts counts the rows the sanity check compares, refusing when anything is still
// pending (usn -1).
func sanityCounts(tx *collection.Tx) (protocol.SanityCounts, error) {
	var s protocol.SanityCounts
	q, ctx := tx.Q(), tx.Context()
	for _, t := range []string{"cards", "notes", "revlog", "graves"} {
		var n int
		if err := q.QueryRowContext(ctx, "SELECT count(*) FROM "+t+" WHERE usn=-1").Scan(&n); err != nil {
			return s, fmt.Errorf("sanity check: %w", err)
		}
		if n > 0 {
			return s, fmt.Errorf("sanity check: table %s: %w", t, ErrPendingChanges)
		}
	}
	for _, nt := range tx.Notetypes() {
		if nt.USN == -1 {
			return s, fmt.Errorf("sanity check: note types: %w", ErrPendingChanges)
		}
	}
	decks := tx.Decks()
	for _, d := range decks {
		if d.USN == -1 {
			return s, fmt.Errorf("sanity check: decks: %w", ErrPendingChanges)
		}
	}
	confs := tx.DeckConfigs()
	for _, d := range confs {
		if d.USN == -1 {
			return s, fmt.Errorf("sanity check: deck configs: %w", ErrPendingChanges)
		}
	}
	for _, usn := range tx.Tags() {
		if usn == -1 {
			return s, fmt.Errorf("sanity check: tags: %w", ErrPendingChanges)
		}
	}
	for _, c := range []struct {
		t string
		n *int
	}{{"cards", &s.Cards}, {"notes", &s.Notes}, {"revlog", &s.Revlog}, {"graves", &s.Graves}} {
		if err := q.QueryRowContext(ctx, "SELECT count(*) FROM "+c.t).Scan(c.n); err != nil {
			return s, fmt.Errorf("sanity check: %w", err)
		}
	}
	s.Notetypes, s.Decks, s.DeckConfigs = len(tx.Notetypes()), len(decks), len(confs)
	return s, nil
}

// sanityMatches compares counts as Anki's server does: due counts and graves are ignored
// (schema ≤17 clients may hold duplicate graves).
func sanityMatches(client, server protocol.SanityCounts) bool {
	client.Due, server.Due = [3]int{}, [3]int{}
	client.Graves, server.Graves = 0, 0
	return client == server
}
