package search

import (
	"context"
	"crypto/sha1"
	"database/sql"
	"encoding/hex"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection/store"
)

// Times of the test collection: the day rolls over at nextDayAt; now is an hour before.
const (
	nextDayAt = int64(1_700_000_000)
	now       = nextDayAt - 3600
	today     = 100
	oldMS     = int64(1_600_000_000_000)
	recentMS  = (nextDayAt - 3600) * 1000
)

type testNote struct {
	id   int64
	mid  int64
	flds []string
	tags string
	mod  int64
}

type testCard struct {
	name                      string
	id, nid, did              int64
	ord, typ, queue           int
	due                       int64
	ivl, factor, reps, lapses int
	odue, odid                int64
	flags                     int
	data                      string
}

type testRev struct {
	id, cid int64
	ease    int
}

func testContext() *Context {
	return &Context{
		Decks: []Deck{
			{ID: 1, Name: "Default", ConfigID: 1},
			{ID: 10, Name: "Lang", ConfigID: 2},
			{ID: 11, Name: "Lang::French", ConfigID: 2},
			{ID: 12, Name: "Lang::French::Verbs", ConfigID: 2},
			{ID: 13, Name: "Lang::German", ConfigID: 1},
			{ID: 20, Name: "Filtered deck 1", Filtered: true},
			{ID: 30, Name: "Misc", ConfigID: 1},
		},
		Notetypes: []Notetype{
			{ID: 1000, Name: "Basic", Fields: []Field{{Name: "Front", Ord: 0}, {Name: "Back", Ord: 1}}, Templates: []string{"Card 1"}},
			{ID: 2000, Name: "Basic (and reversed card)", Fields: []Field{{Name: "Front", Ord: 0}, {Name: "Back", Ord: 1}}, Templates: []string{"Card 1", "Card 2"}},
			{ID: 3000, Name: "Cloze", Cloze: true, Fields: []Field{{Name: "Text", Ord: 0}, {Name: "Back Extra", Ord: 1}}, Templates: []string{"Cloze"}},
		},
		DeckConfigs:    []DeckConfig{{ID: 1, Name: "Default"}, {ID: 2, Name: "Languages"}},
		CurrentDeckID:  11,
		Today:          today,
		NextDayAt:      nextDayAt,
		Now:            now,
		LearnAheadSecs: 1200,
	}
}

var testNotes = []testNote{
	{1, 1000, []string{"dog", "chien"}, " animal ", nextDayAt - 100},
	{2, 1000, []string{"cat", "<b>chat</b>"}, " animal pet::cat ", 1000},
	{3, 2000, []string{"café", "coffee"}, " drink ", 1000},
	{4, 2000, []string{"Hund", "dog"}, "", 1000},
	{5, 3000, []string{"The {{c1::moon}} orbits {{c2::earth}}", ""}, " Astro::Moon ", 1000},
	{6, 1000, []string{"a_b 50%", "x*y"}, " special tag_x ", 1000},
	{7, 1000, []string{"Über", "über"}, " ÜberTag ", 1000},
	{8, 1000, []string{"naïve word", "résumé"}, " nc ", 1000},
}

var testCards = []testCard{
	{name: "c1", id: oldMS + 1, nid: 1, did: 11, ord: 0, typ: 0, queue: 0, due: 1},
	{name: "c2", id: oldMS + 2, nid: 2, did: 11, typ: 2, queue: 2, due: 100, ivl: 10, factor: 2500, reps: 5, lapses: 1, flags: 1},
	{name: "c3", id: oldMS + 3, nid: 3, did: 12, typ: 2, queue: 2, due: 105, ivl: 20, factor: 2300, reps: 8, flags: 2},
	{name: "c4", id: oldMS + 4, nid: 3, did: 13, ord: 1, typ: 1, queue: 1, due: now - 60, reps: 1},
	{name: "c5", id: oldMS + 5, nid: 4, did: 20, odid: 13, typ: 2, queue: 2, due: 90, odue: 99, ivl: 3, factor: 2100, reps: 3, lapses: 2},
	{name: "c6", id: oldMS + 6, nid: 4, did: 30, ord: 1, typ: 2, queue: -1, due: 200, ivl: 50, factor: 2600, reps: 12, lapses: 3},
	{name: "c7", id: recentMS + 1, nid: 5, did: 1, typ: 0, queue: 0, due: 2},
	{name: "c8", id: recentMS + 2, nid: 5, did: 1, ord: 1, typ: 0, queue: -2, due: 3},
	{name: "c9", id: oldMS + 9, nid: 6, did: 30, typ: 3, queue: 1, due: now + 7200, ivl: 1, factor: 2000, reps: 6, lapses: 4, flags: 3},
	{name: "c10", id: oldMS + 10, nid: 7, did: 10, typ: 2, queue: -3, due: 150, ivl: 30, factor: 2500,
		data: `{"s":12.5,"d":5.5,"lrt":` + strconv.FormatInt(now-5*86400, 10) + `,"cd":"{\"r\":\"5\",\"x\":\"abc\"}"}`},
	{name: "c11", id: oldMS + 11, nid: 8, did: 1, typ: 1, queue: 3, due: 99, reps: 2},
}

var testRevlog = []testRev{
	{(nextDayAt - 3600) * 1000, oldMS + 2, 3},           // c2 today
	{(nextDayAt - 86400 - 3600) * 1000, oldMS + 3, 1},   // c3 yesterday
	{(nextDayAt - 86400*10 + 100) * 1000, oldMS + 6, 2}, // c6 ten days back
	{(nextDayAt - 7200) * 1000, oldMS + 9, 0},           // c9 rescheduled today
	{(nextDayAt-3000)*1000 + 1, oldMS + 4, 1},           // c4 first answer today
	{(nextDayAt - 86400*30 - 500) * 1000, oldMS + 2, 3}, // c2 a month ago
	{(nextDayAt - 86400*5 - 100) * 1000, oldMS + 10, 4}, // c10 five days back
}

// anki1Checksum is how Anki documents a note's csum: the first 8 hex digits of the
// SHA-1 of the first field without HTML, read as a number.
func anki1Checksum(field string) int64 {
	sum := sha1.Sum([]byte(field))
	n, _ := strconv.ParseInt(hex.EncodeToString(sum[:])[:8], 16, 64)
	return n
}

func openTestCollection(t testing.TB) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "collection.anki2"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := store.CreateSchema11(ctx, db); err != nil {
		t.Fatal(err)
	}
	for _, n := range testNotes {
		_, err := db.ExecContext(ctx, `insert into notes (id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data)
			values (?, ?, ?, ?, 0, ?, ?, ?, ?, 0, '')`,
			n.id, "g"+strconv.FormatInt(n.id, 10), n.mid, n.mod, n.tags, strings.Join(n.flds, "\x1f"), n.flds[0], anki1Checksum(n.flds[0]))
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range testCards {
		_, err := db.ExecContext(ctx, `insert into cards (id, nid, did, ord, mod, usn, type, queue, due, ivl, factor,
			reps, lapses, left, odue, odid, flags, data) values (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
			c.id, c.nid, c.did, c.ord, c.id/1000, c.typ, c.queue, c.due, c.ivl, c.factor, c.reps, c.lapses,
			c.odue, c.odid, c.flags, c.data)
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range testRevlog {
		_, err := db.ExecContext(ctx, `insert into revlog (id, cid, usn, ease, ivl, lastIvl, factor, time, type)
			values (?, ?, 0, ?, 1, 0, 2500, 1000, 1)`, r.id, r.cid, r.ease)
		if err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// runIDs runs a search and returns the ids as names (c1… for cards, n1… for notes).
func runIDs(t testing.TB, db *sql.DB, q string, kind Kind, order Order, ctx *Context) (string, error) {
	t.Helper()
	query, args, err := SQL(q, kind, order, ctx)
	if err != nil {
		return "", err
	}
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatalf("%q: %v\n%s", q, err, query)
	}
	defer rows.Close()
	names := map[int64]string{}
	for _, c := range testCards {
		names[c.id] = c.name
	}
	var out []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		if kind == Notes {
			out = append(out, "n"+strconv.FormatInt(id, 10))
		} else {
			out = append(out, names[id])
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%q: %v\n%s", q, err, query)
	}
	return strings.Join(out, ","), nil
}
