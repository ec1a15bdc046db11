package colsync

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/internal/synctest"
	"github.com/deckhand-app/deckhand/sync/protocol"
)

// The due counts a legacy server (ankisyncd: Anki 2.1.12's scheduler) compares in the sanity
// check. The expected numbers were produced by Anki 2.1.12 itself: with
// DECKHAND_WRITE_LEGACY_COUNT_VECTORS=DIR this test also saves every collection it builds in
// DIR, and a script ran anki.storage.Collection(path).sched.reset(); sched.counts() on each,
// with time.time() fixed at legacyNow and TZ=Asia/Tokyo.
var (
	legacyNow = time.Unix(1_800_000_000, 0).In(time.FixedZone("JST", 9*3600)) // 2027-01-15 17:00 JST
	// 2027-01-03 20:00 JST: the v1 day (24 h from crt) is 11, the v2 day (local days from 04:00)
	// is 12, so the two schedulers disagree about "today".
	legacyCrt = time.Date(2027, 1, 3, 11, 0, 0, 0, time.UTC).Unix()
)

const (
	v1Today = 11
	v2Today = 12
)

func setPerDay(dc *collection.DeckConfig, newPerDay, revPerDay int) {
	for _, kv := range []struct {
		obj string
		n   int
	}{{"new", newPerDay}, {"rev", revPerDay}} {
		m := map[string]json.RawMessage{}
		if raw, ok := dc.Other[kv.obj]; ok {
			_ = json.Unmarshal(raw, &m)
		}
		m["perDay"], _ = json.Marshal(kv.n)
		dc.Other[kv.obj], _ = json.Marshal(m)
	}
}

// buildLegacyCountsCollection makes a collection with decks of different limits, studied-today
// counters of both possible "today"s, and cards in every queue, some on the day boundaries.
func buildLegacyCountsCollection(t *testing.T, path string, schedVer int, cur string, lastUnburied int) *collection.Collection {
	t.Helper()
	ctx := context.Background()
	col, err := collection.Create(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	now := legacyNow.Unix()
	err = col.Transact(ctx, func(tx *collection.Tx) error {
		if err := tx.SetCreated(legacyCrt); err != nil {
			return err
		}
		// Options presets: 1 is the default (20 new, 200 reviews a day).
		small := collection.NewDeckConfig(2, "Small")
		setPerDay(&small, 5, 3)
		tiny := collection.NewDeckConfig(3, "Tiny")
		setPerDay(&tiny, 1, 1)
		for _, dc := range []collection.DeckConfig{small, tiny} {
			if err := tx.PutDeckConfig(dc); err != nil {
				return err
			}
		}
		decks := []struct {
			id             int64
			name           string
			conf           int64
			dyn            bool
			newDay, revDay [2]int64
		}{
			{100, "P", 2, false, [2]int64{v2Today, 2}, [2]int64{v2Today, 1}},
			{101, "P::C", 1, false, [2]int64{v1Today, 3}, [2]int64{v1Today, 1}},
			{102, "P::C::D", 3, false, [2]int64{0, 0}, [2]int64{0, 0}},
			{103, "F", 0, true, [2]int64{0, 0}, [2]int64{0, 0}},
			{104, "Other", 1, false, [2]int64{0, 0}, [2]int64{0, 0}},
		}
		byName := map[string]int64{"Default": 1}
		for _, d := range decks {
			nd := collection.NewDeck(d.id, d.name)
			nd.Conf = collection.FlexInt(d.conf)
			nd.Dyn = collection.FlexBool(d.dyn)
			nd.NewToday, nd.RevToday = d.newDay, d.revDay
			if err := tx.PutDeck(nd); err != nil {
				return err
			}
			byName[d.name] = d.id
		}
		id := int64(1_000)
		card := func(deck string, typ, queue int, due int64, left int, odid int64) error {
			id++
			return tx.PutCard(&collection.Card{ID: id, NoteID: id, DeckID: byName[deck], Type: typ, Queue: queue,
				Due: due, Left: left, OriginalDeckID: odid, Mod: now, Factor: 2500})
		}
		type c struct {
			deck        string
			typ, queue  int
			due         int64
			left, count int
			odid        int64
		}
		for _, x := range []c{
			{"Default", 0, 0, 1, 0, 2, 0},
			{"Default", 2, 2, 0, 0, 1, 0},
			{"P", 0, 0, 2, 0, 4, 0},
			{"P", 2, 2, 0, 0, 2, 0},
			{"P", 2, 2, v1Today, 0, 1, 0},
			{"P", 2, 2, v2Today, 0, 1, 0},
			{"P", 2, 2, v2Today + 1, 0, 1, 0},
			{"P", 1, 1, now - 100, 2002, 1, 0},
			{"P", 3, 3, v2Today, 1001, 1, 0},
			{"P", 2, -2, 0, 0, 1, 0},           // buried review
			{"P", 0, -3, 3, 0, 1, 0},           // buried (manually) new card
			{"P", 1, -2, now - 50, 1001, 1, 0}, // buried learning card
			{"P::C", 0, 0, 5, 0, 7, 0},
			{"P::C", 2, 2, 0, 0, 4, 0},
			{"P::C", 1, 1, now + 600, 3003, 1, 0},
			{"P::C", 1, 1, now + 3000, 1001, 1, 0},
			{"P::C", 1, 1, now + 4*3600, 1001, 1, 0},
			{"P::C", 3, 3, v1Today, 1001, 1, 0},
			{"P::C", 3, 3, v2Today + 1, 1001, 1, 0},
			{"P::C", 2, 4, now + 100, 0, 1, 0}, // preview (v2)
			{"P::C", 2, -1, 0, 0, 1, 0},        // suspended
			{"P::C::D", 0, 0, 9, 0, 3, 0},
			{"P::C::D", 2, 2, 0, 0, 3, 0},
			{"F", 2, 2, 0, 0, 2, 100},
			{"F", 0, 0, 4, 0, 1, 100},
			{"Other", 0, 0, 7, 0, 5, 0},
			{"Other", 2, 2, 0, 0, 5, 0},
		} {
			for range x.count {
				if err := card(x.deck, x.typ, x.queue, x.due, x.left, x.odid); err != nil {
					return err
				}
			}
		}
		// Select the deck as Anki 2.1 does: curDeck, and activeDecks = it and its children
		// sorted by name.
		var children []string
		for name := range byName {
			if strings.HasPrefix(name, cur+"::") {
				children = append(children, name)
			}
		}
		sort.Strings(children)
		active := []int64{byName[cur]}
		for _, n := range children {
			active = append(active, byName[n])
		}
		for k, v := range map[string]any{"schedVer": schedVer, "curDeck": byName[cur], "activeDecks": active,
			"lastUnburied": lastUnburied, "collapseTime": 1200, "rollover": 4} {
			if err := tx.SetConfig(k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		col.Close()
		t.Fatal(err)
	}
	return col
}

func TestLegacyDueCountsMatchAnki2112(t *testing.T) {
	const unburied, notUnburied = 0, 100_000 // conf lastUnburied before / after today
	for _, tc := range []struct {
		name     string
		schedVer int
		cur      string
		last     int
		want     [3]int // Anki 2.1.12 sched.counts()
	}{
		{"v1-P", 1, "P", unburied, [3]int{5, 8, 3}},
		{"v1-P-buried", 1, "P", notUnburied, [3]int{5, 7, 3}},
		{"v1-PC", 1, "P::C", unburied, [3]int{5, 5, 3}},
		{"v1-PCD", 1, "P::C::D", notUnburied, [3]int{1, 0, 1}},
		{"v1-F", 1, "F", unburied, [3]int{1, 0, 2}},
		{"v1-Default", 1, "Default", unburied, [3]int{2, 0, 1}},
		{"v1-Other", 1, "Other", notUnburied, [3]int{5, 0, 5}},
		{"v2-P", 2, "P", unburied, [3]int{3, 6, 2}},
		{"v2-P-buried", 2, "P", notUnburied, [3]int{3, 5, 2}},
		{"v2-PC", 2, "P::C", unburied, [3]int{3, 3, 2}},
		{"v2-PCD", 2, "P::C::D", notUnburied, [3]int{1, 0, 1}},
		{"v2-F", 2, "F", unburied, [3]int{1, 0, 2}},
		{"v2-Default", 2, "Default", unburied, [3]int{2, 0, 1}},
		{"v2-Other", 2, "Other", notUnburied, [3]int{5, 0, 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			col := buildLegacyCountsCollection(t, filepath.Join(t.TempDir(), "collection.anki2"), tc.schedVer, tc.cur, tc.last)
			defer col.Close()
			if dir := os.Getenv("DECKHAND_WRITE_LEGACY_COUNT_VECTORS"); dir != "" {
				if err := Snapshot(context.Background(), col, filepath.Join(dir, tc.name+".anki2")); err != nil {
					t.Fatal(err)
				}
			}
			var got [3]int
			err := col.Transact(context.Background(), func(tx *collection.Tx) error {
				var err error
				got, err = legacyDueCounts(tx, legacyNow)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("due counts %v, Anki 2.1.12 says %v", got, tc.want)
			}
		})
	}
}

// legacyPeer is a server that compares the due counts too, as ankisyncd does, against the
// numbers its own scheduler gives (serverDue); otherwise it is the in-process server.
type legacyPeer struct {
	LocalPeer
	legacy     bool
	serverDue  [3]int
	extraNotes int // a server that also disagrees about the number of notes
	checks     []protocol.SanityCounts
}

func (p *legacyPeer) SanityNeedsDueCounts() bool { return p.legacy }

func (p *legacyPeer) SanityCheck(ctx context.Context, c protocol.SanityCounts) (protocol.SanityCheckResponse, error) {
	p.checks = append(p.checks, c)
	if p.legacy && (c.Due != p.serverDue || p.extraNotes != 0) {
		s := c
		s.Due, s.Notes = p.serverDue, c.Notes+p.extraNotes
		return protocol.SanityCheckResponse{Status: protocol.SanityBad, Client: &c, Server: &s}, nil
	}
	return p.LocalPeer.SanityCheck(ctx, c)
}

func TestSanityCheckDueCounts(t *testing.T) {
	for _, tc := range []struct {
		name       string
		legacy     bool
		serverDue  [3]int
		extraNotes int
		wantDue    []([3]int) // the due counts of each sanity check sent
		wantOK     bool
	}{
		// Two new cards in the current deck (Default, 20 new a day): what Anki 2.1 counts.
		{"legacy server agrees", true, [3]int{2, 0, 0}, 0, [][3]int{{2, 0, 0}}, true},
		// ankisyncd still running the v1 scheduler of the collection it first opened.
		{"legacy server's scheduler differs", true, [3]int{2, 5, 0}, 0, [][3]int{{2, 0, 0}, {2, 5, 0}}, true},
		{"legacy server really differs", true, [3]int{2, 5, 0}, 1, [][3]int{{2, 0, 0}}, false},
		{"modern server", false, [3]int{}, 0, [][3]int{{0, 0, 0}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, 11)
			a := w.newClient("a")
			w.sync(&a)
			w.edit(a, func(tx *collection.Tx) error {
				for _, f := range []string{"one", "two"} {
					if _, err := synctest.AddNote(tx, collection.DefaultDeckID, f, "x"); err != nil {
						return err
					}
				}
				return nil
			})
			before, err := synctest.Dump(w.ctx, a)
			if err != nil {
				t.Fatal(err)
			}
			peer := &legacyPeer{LocalPeer: LocalPeer{Col: w.server}, legacy: tc.legacy, serverDue: tc.serverDue,
				extraNotes: tc.extraNotes}
			err = NormalSync(w.ctx, a, peer, w.decide(a), nil)
			var got [][3]int
			for _, c := range peer.checks {
				got = append(got, c.Due)
			}
			if len(got) != len(tc.wantDue) {
				t.Fatalf("sanity checks sent with due counts %v, want %v", got, tc.wantDue)
			}
			for i := range got {
				if got[i] != tc.wantDue[i] {
					t.Fatalf("sanity checks sent with due counts %v, want %v", got, tc.wantDue)
				}
			}
			if tc.wantOK {
				if err != nil {
					t.Fatalf("sync: %v", err)
				}
				w.same(a)
				return
			}
			var sce *SanityCheckError
			if !errors.As(err, &sce) {
				t.Fatalf("sync error %v, want a sanity check failure", err)
			}
			after, derr := synctest.Dump(w.ctx, a)
			if derr != nil {
				t.Fatal(derr)
			}
			if after != before {
				t.Errorf("a failed sync changed the collection:\n%s", firstDiff(after, before))
			}
		})
	}
}
