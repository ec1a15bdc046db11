package sched

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/collection"
)

// Expected memory states in this file are go-fsrs v4.0.0-rc1's (FSRS-6 default
// parameters) for the same histories, computed outside the repository; the deltas are
// worked out by hand from the days the answers were given.

// studySM2 takes a new card through Anki's default SM-2 steps: Good, Good 10 minutes
// later (graduates, 1 day), Good the next day (3 days), Good 3 days later. It returns
// the card and leaves f.now at the last answer. FSRS history: (3,0) (3,0) (3,1) (3,3).
func (f *fixture) studySM2(cid int64) *collection.Card {
	f.t.Helper()
	ctx := context.Background()
	card, err := f.col.GetCard(ctx, cid)
	if err != nil {
		f.t.Fatal(err)
	}
	wantIvl := []int{0, 1, 3, 8}
	for i, step := range []time.Duration{0, 10 * time.Minute, 24*time.Hour - 10*time.Minute, 72 * time.Hour} {
		f.now = f.now.Add(step)
		card = f.answer(card, 3, time.Second).Card
		if card.Interval != wantIvl[i] {
			f.t.Fatalf("SM-2 answer %d: interval %d, want %d", i+1, card.Interval, wantIvl[i])
		}
	}
	return card
}

func (f *fixture) putRevlog(rows ...collection.RevlogEntry) {
	f.t.Helper()
	err := f.col.Transact(context.Background(), func(tx *collection.Tx) error {
		for _, r := range rows {
			if err := tx.PutRevlog(r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) data(cid int64) cardData {
	f.t.Helper()
	c, err := f.col.GetCard(context.Background(), cid)
	if err != nil {
		f.t.Fatal(err)
	}
	return parseCardData(c.Data)
}

func memNear(d cardData, s, dd float32) bool {
	return d.S != nil && d.D != nil && closeTo(*d.S, roundPlaces(s, 4), 2e-5) && closeTo(*d.D, roundPlaces(dd, 3), 2e-4)
}

func TestComputeMemoryStatesAfterSM2(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	var lang int64
	err := f.col.Transact(ctx, func(tx *collection.Tx) error {
		var err error
		if lang, err = tx.AddDeck("Lang"); err != nil {
			return err
		}
		d, _ := tx.Deck(lang)
		d.Other["desiredRetention"] = json.RawMessage("85") // the deck's own, in percent
		return tx.PutDeck(d)
	})
	if err != nil {
		t.Fatal(err)
	}
	nids := f.addNotes("Basic", collection.DefaultDeckID, 4)
	langNids := f.addNotes("Basic", lang, 1)
	cardA := f.cardsOf(nids[0])[0]
	a := f.studySM2(cardA.ID)
	// Unknown keys in cards.data survive.
	a.Data = a.Data[:len(a.Data)-1] + `,"zz":{"k":[1,2]}}`
	f.putCard(a)
	aBefore := parseCardData(a.Data)

	nowMs := f.now.UnixMilli()
	day := int64(86400_000)
	review := func(cid int64, daysAgo int64, ivl int) collection.RevlogEntry {
		// revlog ids are unique: cards' rows differ by a few milliseconds
		return collection.RevlogEntry{ID: nowMs - daysAgo*day + cid%997, CardID: cid, Ease: 3, Interval: ivl, LastInterval: 1, Factor: 2500, Type: RevlogReview}
	}
	asReview := func(nid int64, ivl, factor int) *collection.Card {
		c := f.cardsOf(nid)[0]
		c.Type, c.Queue, c.Interval, c.Factor, c.Due = 2, 2, ivl, factor, int64(f.today()+5)
		f.putCard(c)
		return c
	}
	// B: an SM-2 history without its learning steps. C: the same in the Lang deck.
	b := asReview(nids[1], 25, 2500)
	f.putRevlog(review(b.ID, 20, 10), review(b.ID, 10, 25))
	c := asReview(langNids[0], 25, 2500)
	f.putRevlog(review(c.ID, 20, 10), review(c.ID, 10, 25))
	// D: reviewed, reset, given a due date, never graded since: no usable history.
	d := asReview(nids[2], 5, 2500)
	d.Data = `{"s":3.0,"d":5.0}`
	f.putCard(d)
	f.putRevlog(review(d.ID, 10, 5),
		collection.RevlogEntry{ID: nowMs - 5*day, CardID: d.ID, Type: RevlogManual},
		collection.RevlogEntry{ID: nowMs - 5*day + 1, CardID: d.ID, Interval: 5, Factor: 2500, Type: RevlogManual})
	// E: a review card without any history; the new card nids[3] stays new.
	e := asReview(nids[3], 30, 2200)

	f.editConfig(nil, map[string]any{"fsrs": true})

	// Scoped runs first: a deck (and its children), then a search.
	res, err := f.s.ComputeMemoryStates(ctx, MemoryStateRequest{DeckID: lang})
	if err != nil || res.Cards != 1 || res.FromSM2 != 1 || f.data(b.ID).S != nil {
		t.Fatalf("deck scope: %+v %v, B %s", res, err, f.data(b.ID).String())
	}
	if got := f.data(c.ID); !memNear(got, 25, 6.902370) || *got.DR != 0.85 || *got.Decay != 0.154 {
		t.Errorf("C: %s", got.String())
	}
	res, err = f.s.ComputeMemoryStates(ctx, MemoryStateRequest{Search: "deck:Default card:1 -is:suspended"})
	if err != nil || res.Cards != 3 || res.FromHistory != 1 || res.FromSM2 != 1 || res.NoState != 1 {
		t.Fatalf("search scope: %+v %v", res, err)
	}

	// The whole collection, with progress.
	var calls, total int
	res, err = f.s.ComputeMemoryStates(ctx, MemoryStateRequest{Progress: func(done, n int) { calls, total = done, n }})
	want := MemoryStateResult{Cards: 4, FromHistory: 1, FromSM2: 2, NoState: 1, Written: 0}
	if err != nil || res != want || calls != 4 || total != 4 {
		t.Errorf("whole collection: %+v %v (progress %d/%d), want %+v", res, err, calls, total, want)
	}
	got := f.data(a.ID)
	if !memNear(got, 19.846985, 2.097455) || *got.DR != 0.9 || *got.Decay != 0.154 ||
		*got.LRT != *aBefore.LRT || *got.Pos != *aBefore.Pos || string(got.other["zz"]) != `{"k":[1,2]}` {
		t.Errorf("A: %s", got.String())
	}
	if got := f.data(b.ID); !memNear(got, 25, 6.902370) || *got.DR != 0.9 {
		t.Errorf("B: %s", got.String())
	}
	if got := f.data(d.ID); got.S != nil || got.D != nil || got.DR == nil || *got.Decay != 0.154 {
		t.Errorf("D (no usable history): %s", got.String())
	}
	if got, _ := f.col.GetCard(ctx, e.ID); got.Data != e.Data {
		t.Errorf("E (no history) changed: %s", got.Data)
	}

	// Turning FSRS off and recomputing removes the FSRS data and nothing else.
	f.editConfig(nil, map[string]any{"fsrs": false})
	res, err = f.s.ComputeMemoryStates(ctx, MemoryStateRequest{})
	if err != nil || res.Cleared != 4 || res.Written != 4 {
		t.Errorf("FSRS off: %+v %v", res, err)
	}
	got = f.data(a.ID)
	if got.S != nil || got.D != nil || got.DR != nil || got.Decay != nil || *got.LRT != *aBefore.LRT ||
		*got.Pos != *aBefore.Pos || string(got.other["zz"]) != `{"k":[1,2]}` {
		t.Errorf("A after FSRS off: %s", got.String())
	}

	// Errors change nothing: a bad search, an unknown deck, a broken preset.
	if _, err := f.s.ComputeMemoryStates(ctx, MemoryStateRequest{Search: "deck:("}); err == nil {
		t.Error("bad search accepted")
	}
	if _, err := f.s.ComputeMemoryStates(ctx, MemoryStateRequest{DeckID: 999}); err == nil {
		t.Error("unknown deck accepted")
	}
	f.editConfig(func(o map[string]json.RawMessage) { o["fsrsParams6"] = json.RawMessage("[1,2,3]") }, map[string]any{"fsrs": true})
	before := f.col.Modified()
	if _, err := f.s.ComputeMemoryStates(ctx, MemoryStateRequest{}); err == nil {
		t.Error("3 parameters accepted")
	}
	if !f.col.Modified().Equal(before) || f.data(a.ID).S != nil {
		t.Error("a failed computation changed the collection")
	}
}

// TestAnswerComputesMissingMemoryState: a card reviewed under SM-2, answered after FSRS
// was turned on without recomputing, gets its memory state from its history first, as
// Anki's card_state_updater does; a card without history starts from its SM-2 state.
func TestAnswerComputesMissingMemoryState(t *testing.T) {
	f := newFixture(t)
	nids := f.addNotes("Basic", collection.DefaultDeckID, 2)
	a := f.studySM2(f.cardsOf(nids[0])[0].ID)
	f.editConfig(func(o map[string]json.RawMessage) { o["desiredRetention"] = json.RawMessage("0.85") }, map[string]any{"fsrs": true})

	// E: SM-2 review card, no revlog, last reviewed 7 days before the next day starts.
	e := f.cardsOf(nids[1])[0]
	lrt := f.col.TimingAt(f.now).NextDayAt.Unix() - 7*86400 - 60
	e.Type, e.Queue, e.Interval, e.Factor, e.Due = 2, 2, 30, 2200, int64(f.today())
	e.Data = `{"lrt":` + jsonInt(lrt) + `}`
	f.putCard(e)

	cases := []struct {
		name       string
		card       *collection.Card
		later      time.Duration
		button     int
		s, d       float32
		wantIvl    int
		kindBefore int
	}{
		// history (3,0) (3,0) (3,1) (3,3), then Good or Again 4 days later
		// SM-2 estimate (ease 2.2, 30 days, historical retention 0.9), Good after 7 days
		// at desired retention 0.85: interval 78.07 days
		{"sm2 estimate, good", e, 0, 3, 40.949161, 7.062872, 78, collection.CardTypeReview},
		{"history, good", a, 4 * 24 * time.Hour, 3, 35.257802, 2.090586, 0, collection.CardTypeReview},
	}
	for _, c := range cases {
		f.now = f.now.Add(c.later)
		if c.card.Type != c.kindBefore || parseCardData(c.card.Data).S != nil {
			t.Fatalf("%s: card not set up: %+v", c.name, c.card)
		}
		ans := f.answer(c.card, c.button, time.Second)
		got := parseCardData(ans.Card.Data)
		if !memNear(got, c.s, c.d) || *got.DR != 0.85 {
			t.Errorf("%s: data %s, want s=%v d=%v dr 0.85", c.name, ans.Card.Data, c.s, c.d)
		}
		if c.wantIvl != 0 && ans.Card.Interval != c.wantIvl {
			t.Errorf("%s: interval %d, want %d", c.name, ans.Card.Interval, c.wantIvl)
		}
	}
}
