package sched

import (
	"errors"
	"math"
	"testing"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v3"

	"github.com/deckhand-app/deckhand/collection"
)

// Expected values in this file come from, in order of preference:
//   - the unit tests of fsrs-rs 6.6.1 (src/inference.rs), the FSRS crate Anki links;
//   - the unit tests of Anki's rslib/src/scheduler/fsrs (memory_state.rs, params.rs);
//   - go-fsrs v4.0.0-rc1 (FSRS-6) run outside the repository on the same inputs, since
//     the module proxy does not serve it (float64: agreement to about 1e-5);
//   - go-fsrs v3.3.1 (FSRS-5), called live, where its formulas are fsrs-rs's.

// fsrsRSParams19 are the FSRS-5 parameters of fsrs-rs's inference tests.
var fsrsRSParams19 = []float32{0.6845422, 1.6790825, 4.7349424, 10.042885, 7.4410233, 0.64219797,
	1.071918, 0.0025195254, 1.432437, 0.1544, 0.8692766, 2.0696752, 0.0953, 0.2975, 2.4691248,
	0.19542035, 3.201072, 0.18046261, 0.121442534}

func hist(pairs ...int) []fsrsReview {
	var out []fsrsReview
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, fsrsReview{Rating: pairs[i], Delta: pairs[i+1]})
	}
	return out
}

func mustEngine(t *testing.T, params []float32) *fsrsEngine {
	t.Helper()
	e, err := newFSRSEngine(params)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func closeTo(got, want float32, rel float64) bool {
	return math.Abs(float64(got)-float64(want)) <= rel*math.Max(1, math.Abs(float64(want)))
}

func TestFSRSMemoryStateFromHistory(t *testing.T) {
	frozen := fsrs6Defaults
	frozen[17], frozen[18], frozen[19] = 0, 0, 0
	cases := []struct {
		name    string
		params  []float32
		reviews []fsrsReview
		start   *memory
		s, d    float32
		rel     float64
	}{
		// fsrs-rs test_memo_state (assert_eq in f32)
		{"fsrs-rs memo state", fsrsRSParams19, hist(1, 0, 3, 1, 3, 3, 3, 8, 3, 21), nil, 31.722992, 7.382128, 2e-6},
		// fsrs-rs test_memory_state, default parameters and with short-term frozen
		{"fsrs-rs defaults", nil, hist(1, 0, 3, 0, 3, 1, 3, 3, 3, 8, 3, 21), nil, 53.62691, 6.3574867, 2e-6},
		{"fsrs-rs short-term frozen", frozen[:], hist(1, 0, 3, 0, 3, 1, 3, 3, 3, 8, 3, 21), nil, 53.335106, 6.3574867, 2e-6},
		// go-fsrs v4 on FSRS-6 defaults: a lapse and relearning, easy/hard mixes
		{"v4 lapse", nil, hist(3, 0, 3, 0, 3, 1, 3, 3, 1, 8, 3, 0, 3, 2), nil, 5.353164, 7.363409, 1e-5},
		{"v4 easy hard good", nil, hist(4, 0, 2, 5, 3, 12), nil, 52.338688, 4.001827, 1e-5},
		{"v4 same-day steps", nil, hist(2, 0, 1, 0, 3, 0, 3, 1, 4, 4), nil, 9.012806, 7.787004, 1e-5},
		// Anki memory_state.rs bypassed_learning_is_handled: SM-2 start, Good 99 days later
		{"anki bypassed learning", nil, hist(3, 99), &memory{S: 100, D: 5.003576}, 248.9251, 4.9938006, 1e-5},
	}
	for _, c := range cases {
		got, err := mustEngine(t, c.params).memoryState(c.reviews, c.start)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !closeTo(got.S, c.s, c.rel) || !closeTo(got.D, c.d, c.rel) {
			t.Errorf("%s: got s=%v d=%v, want s=%v d=%v", c.name, got.S, got.D, c.s, c.d)
		}
	}
	// A history whose start comes from SM-2 (go-fsrs v4: ease 2.3, 7 days, then
	// Good 9, Again 20, Good same day, Good 3).
	e := mustEngine(t, nil)
	start, err := e.memoryStateFromSM2(2.3, 7, 0.9)
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.memoryState(hist(3, 9, 1, 20, 3, 0, 3, 3), &start)
	if err != nil || !closeTo(got.S, 4.080135, 1e-5) || !closeTo(got.D, 9.185076, 1e-5) {
		t.Errorf("from SM-2 start: %+v %v, want s=4.080135 d=9.185076", got, err)
	}
}

func TestFSRSNextStates(t *testing.T) {
	type st struct{ s, d, ivl float32 }
	cases := []struct {
		name   string
		params []float32
		mem    *memory
		dr     float32
		days   int
		want   [4]st
		rel    float64
	}{
		// fsrs-rs test_next_states: the state after Again 0, Good 1, Good 3, Good 8, then 21 days
		{"fsrs-rs", fsrsRSParams19, nil, 0.9, 21, [4]st{
			{2.9691455, 8.000659, 2.9691455}, {17.091452, 7.6913934, 17.091452},
			{31.722992, 7.382128, 31.722992}, {71.7502, 7.0728626, 71.7502}}, 2e-6},
		// go-fsrs v4, FSRS-6 defaults, 12 days after a review
		{"v4 review", nil, &memory{S: 10, D: 5}, 0.9, 12, [4]st{
			{1.4221525, 8.341762, 1.4221525}, {25.048690, 6.665995, 25.048690},
			{35.022764, 4.990228, 35.022764}, {56.865135, 3.314461, 56.865135}}, 1e-5},
		// go-fsrs v4, same day, desired retention 0.85
		{"v4 same day", nil, &memory{S: 3.5, D: 6.2}, 0.85, 0, [4]st{
			{1.1443161, 8.736194, 2.1815541}, {3.5, 7.462611, 6.6724915},
			{3.5, 6.189028, 6.6724915}, {5.825863, 4.915445, 11.106578}}, 1e-5},
		// a new card: the initial states (w[0..3], D0 = w4 - e^(w5(G-1)) + 1)
		{"new card", nil, nil, 0.9, 0, [4]st{
			{0.212, 6.4133, 0.212}, {1.2931, 6.4133 - float32(math.Exp(0.8334)) + 1, 1.2931},
			{2.3065, 6.4133 - float32(math.Exp(2*0.8334)) + 1, 2.3065}, {8.2956, 1, 8.2956}}, 1e-5},
	}
	for _, c := range cases {
		e := mustEngine(t, c.params)
		mem := c.mem
		if c.name == "fsrs-rs" {
			m, err := e.memoryState(hist(1, 0, 3, 1, 3, 3, 3, 8), nil)
			if err != nil {
				t.Fatal(err)
			}
			mem = &m
		}
		got, err := e.nextStates(mem, c.dr, c.days)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range c.want {
			g := got[i]
			if !closeTo(g.Mem.S, w.s, c.rel) || !closeTo(g.Mem.D, w.d, c.rel) || !closeTo(g.Interval, w.ivl, c.rel) {
				t.Errorf("%s button %d: got %+v, want %+v", c.name, i+1, g, w)
			}
		}
	}
	// fsrs-rs test_memo_state: next_states of a given state, Good
	got, _ := mustEngine(t, fsrsRSParams19).nextStates(&memory{S: 20.925528, D: 7.005062}, 0.9, 21)
	if !closeTo(got[2].Mem.S, 40.87456, 2e-6) || !closeTo(got[2].Mem.D, 6.9913807, 2e-6) {
		t.Errorf("fsrs-rs memo next good: %+v", got[2])
	}
}

func TestFSRSIntervalsByRetention(t *testing.T) {
	// fsrs-rs test_next_interval: stability 1, retention 0.1 … 1.0, rounded, at least 1.
	want := []int{3116766, 34793, 2508, 387, 90, 27, 9, 3, 1, 1}
	e := mustEngine(t, nil)
	for i, w := range want {
		dr := float32(i+1) / 10
		if got := int(max(roundF(e.interval(1, dr)), 1)); got != w {
			t.Errorf("retention %v: %d days, want %d", dr, got, w)
		}
	}
}

func TestFSRSMemoryStateFromSM2(t *testing.T) {
	cases := []struct {
		ease, ivl, retention float32
		s, d                 float32
	}{
		// fsrs-rs test_memory_from_sm2 (default parameters)
		{2.5, 10, 0.9, 10, 6.9140563},
		{2.5, 10, 0.8, 3.01572, 9.393428},
		{2.5, 10, 0.95, 24.841097, 1.2974405},
		{1.3, 20, 0.9, 20, 10},
		// go-fsrs v4
		{2.5, 100, 0.9, 100, 5.003574},
		{1.3, 100, 0.9, 100, 9.800715},
		{2.0, 15, 0.85, 7.868125, 9.290078},
	}
	e := mustEngine(t, nil)
	for _, c := range cases {
		got, err := e.memoryStateFromSM2(c.ease, c.ivl, c.retention)
		if err != nil || !closeTo(got.S, c.s, 1e-5) || !closeTo(got.D, c.d, 1e-5) {
			t.Errorf("sm2(%v, %v, %v) = %+v %v, want s=%v d=%v", c.ease, c.ivl, c.retention, got, err, c.s, c.d)
		}
	}
	// fsrs-rs: Good on a converted card multiplies its interval by about its ease.
	m, _ := e.memoryStateFromSM2(2, 15, 0.9)
	nx, _ := e.nextStates(&m, 0.9, 15)
	if r := nx[2].Mem.S / 15; math.Abs(float64(r-2)) >= 0.01 {
		t.Errorf("good after conversion: factor %v, want about 2", r)
	}
}

// TestFSRSMatchesGoFSRSv3 compares the model with go-fsrs v3 (FSRS-5) where their
// formulas agree: a new card's first answer and a review answered Hard/Good/Easy days
// after the last one.
func TestFSRSMatchesGoFSRSv3(t *testing.T) {
	p := fsrs.DefaultParam()
	p.EnableShortTerm = true
	w := make([]float32, len(p.W))
	for i, v := range p.W {
		w[i] = float32(v)
	}
	e := mustEngine(t, w)
	now := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		s, d float64
		days int
	}{{0, 0, 0}, {10, 5, 12}, {3, 8.5, 1}, {120, 2, 200}, {40, 9.9, 30}}
	for _, c := range cases {
		card := fsrs.NewCard()
		var mem *memory
		if c.s > 0 {
			card = fsrs.Card{State: fsrs.Review, Stability: c.s, Difficulty: c.d, Reps: 3, LastReview: now.AddDate(0, 0, -c.days)}
			mem = &memory{S: float32(c.s), D: float32(c.d)}
		}
		rec := fsrs.NewFSRS(p).Repeat(card, now)
		got, err := e.nextStates(mem, 0.9, c.days)
		if err != nil {
			t.Fatal(err)
		}
		from := fsrs.Hard
		if mem == nil {
			from = fsrs.Again
		}
		for r := from; r <= fsrs.Easy; r++ {
			want := rec[r].Card
			g := got[r-1]
			if !closeTo(g.Mem.S, float32(want.Stability), 1e-5) || !closeTo(g.Mem.D, float32(want.Difficulty), 1e-5) {
				t.Errorf("s=%v d=%v after %d days, %v: got %+v, go-fsrs s=%v d=%v", c.s, c.d, c.days, r, g.Mem, want.Stability, want.Difficulty)
			}
		}
	}
}

func TestFSRSParams(t *testing.T) {
	legacy := []float32{0.4, 0.6, 2.4, 5.8, 4.93, 0.94, 0.86, 0.01, 1.49, 0.14, 0.94, 2.18, 0.05, 0.34, 1.26, 0.29, 2.61}
	e := mustEngine(t, legacy)
	// FSRS-4.5 conversion (fsrs-rs check_and_fill_parameters): w4 += 2·w5,
	// w5 = ln(3·w5 + 1)/3, w6 += 0.5, no short-term terms, decay 0.5.
	want4 := float32(4.93 + 2*0.94)
	want5 := float32(math.Log(3*0.94+1) / 3)
	if !closeTo(e.w[4], want4, 1e-6) || !closeTo(e.w[5], want5, 1e-6) || !closeTo(e.w[6], 1.36, 1e-6) ||
		e.w[17] != 0 || e.w[18] != 0 || e.w[19] != 0 || e.w[20] != 0.5 {
		t.Errorf("converted FSRS-4.5 parameters %v", e.w)
	}
	// Out-of-range values are clipped (w16 at least 1, decay at most 0.8).
	p := fsrs6Defaults
	p[16], p[20] = 0.2, 2
	if e := mustEngine(t, p[:]); e.w[16] != 1 || e.w[20] != 0.8 {
		t.Errorf("clipping: w16 %v decay %v", e.w[16], e.w[20])
	}
	for _, bad := range [][]float32{make([]float32, 20), {float32(math.NaN()), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}} {
		if _, err := newFSRSEngine(bad); !errors.Is(err, ErrFSRSParams) {
			t.Errorf("%d values: err %v", len(bad), err)
		}
	}

	// Preset precedence, decay recorded in cards.data and the short-term switch.
	f6 := make([]float64, 21)
	for i, v := range fsrs6Defaults {
		f6[i] = float64(v)
	}
	f6[20] = 0.3
	f5 := make([]float64, 19)
	copy(f5, f6)
	f5[17] = 0
	f4 := make([]float64, 17)
	copy(f4, f6)
	cases := []struct {
		name       string
		cfg        Config
		decay      float32
		shortTerm  bool
		wantParams int
	}{
		{"none", Config{}, fsrs6Decay, true, 0},
		{"params6 first", Config{FSRSParams6: f6, FSRSParams5: f5, FSRSWeights: f4}, 0.3, true, 21},
		{"then params5", Config{FSRSParams5: f5, FSRSWeights: f4}, 0.5, false, 19},
		{"then weights", Config{FSRSWeights: f4}, 0.5, false, 17},
	}
	for _, c := range cases {
		c.cfg.HistoricalRetention = 0.9
		if got := len(c.cfg.FSRSParams()); got != c.wantParams {
			t.Errorf("%s: %d parameters used", c.name, got)
		}
		pf, err := newPresetFSRS(c.cfg)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if pf.decay != c.decay || pf.allowShortTerm != c.shortTerm {
			t.Errorf("%s: decay %v short-term %v", c.name, pf.decay, pf.allowShortTerm)
		}
	}
	if _, err := newPresetFSRS(Config{IgnoreRevlogsBefore: "2024-13-01"}); err == nil {
		t.Error("bad ignore-before date accepted")
	}
	if ms, _ := ignoreBeforeMs("2024-02-01"); ms != time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC).UnixMilli() {
		t.Errorf("ignore before 2024-02-01: %d", ms)
	}
}

// Revlog rows as Anki's params.rs tests build them: graded Good (manual and rescheduled
// rows ungraded), interval 1, no ease, daysAgo days before the next day starts.
const testNextDayAt = 86400 * 1000

func rl(kind, daysAgo int) collection.RevlogEntry {
	ease := 3
	if kind == RevlogManual || kind == RevlogReschedule {
		ease = 0
	}
	return collection.RevlogEntry{ID: (testNextDayAt - int64(daysAgo)*86400) * 1000, CardID: 1, Ease: ease, Interval: 1, Type: kind}
}

func daysAgoMs(days int) int64 { return (testNextDayAt - int64(days)*86400) * 1000 }

func with(r collection.RevlogEntry, edit func(*collection.RevlogEntry)) collection.RevlogEntry {
	edit(&r)
	return r
}

func TestReviewsForFSRS(t *testing.T) {
	L, R, X, F, M := RevlogLearn, RevlogReview, RevlogRelearn, RevlogFiltered, RevlogManual
	reset := func(days int) collection.RevlogEntry { return rl(M, days) } // factor 0
	setDue := func(days int) collection.RevlogEntry {
		return with(rl(M, days), func(r *collection.RevlogEntry) { r.Factor = 100 })
	}
	cases := []struct {
		name     string
		revs     []collection.RevlogEntry
		ignore   int64
		deltas   []int // nil: no history
		complete bool
	}{
		// params.rs delta_t_is_correct (the last item)
		{"delta", []collection.RevlogEntry{rl(L, 1), rl(R, 0)}, 0, []int{0, 1}, true},
		{"delta 4", []collection.RevlogEntry{rl(L, 15), rl(L, 13), rl(R, 10), rl(R, 5)}, 0, []int{0, 2, 3, 5}, true},
		// cram_is_filtered, set_due_date_is_filtered
		{"cram", []collection.RevlogEntry{rl(L, 10), rl(R, 9), rl(F, 7), rl(R, 4)}, 0, []int{0, 1, 5}, true},
		{"set due date", []collection.RevlogEntry{rl(L, 10), rl(R, 9), setDue(7), rl(R, 4)}, 0, []int{0, 1, 5}, true},
		// card_reset_drops_all_previous_history
		{"reset then learn", []collection.RevlogEntry{rl(L, 10), reset(7), rl(L, 4), rl(R, 0)}, 0, []int{0, 4}, true},
		{"reset last", []collection.RevlogEntry{rl(L, 10), rl(R, 9), reset(7), setDue(7)}, 0, nil, false},
		{"reviews after reset", []collection.RevlogEntry{rl(R, 9), reset(7), rl(R, 1), rl(X, 0)}, 0, []int{0, 1}, false},
		// single_learning_step_skipped_when_training (kept outside training)
		{"single step", []collection.RevlogEntry{rl(L, 1)}, 0, []int{0}, true},
		// skip_initial_relearning_steps: R | A X R
		{"skip relearning", []collection.RevlogEntry{rl(R, 10),
			with(rl(R, 8), func(r *collection.RevlogEntry) { r.Ease, r.Interval = 1, -600 }), rl(X, 8), rl(R, 6)},
			daysAgoMs(9), []int{0, 2}, false},
		// ignore_before_date_between_learning_steps_when_reviewing: L | L R, and | L L R
		{"ignore between steps", []collection.RevlogEntry{rl(L, 10), rl(L, 8), rl(R, 2)}, daysAgoMs(9), []int{0, 6}, false},
		{"ignore before all", []collection.RevlogEntry{rl(L, 10), rl(L, 8), rl(R, 2)}, daysAgoMs(11), []int{0, 2, 6}, true},
		// handle_ignore_before_when_no_learning_steps: R | R R
		{"ignore no steps", []collection.RevlogEntry{rl(R, 10), rl(R, 8), rl(R, 6)}, daysAgoMs(9), []int{0, 2}, false},
		// ignore_before_after_last_revlog_entry: L R |
		{"ignore after last", []collection.RevlogEntry{rl(L, 10), rl(R, 6)}, daysAgoMs(4), nil, false},
		// SM-2 history without learning rows (e.g. truncated by an old export)
		{"no learning rows", []collection.RevlogEntry{rl(R, 30), rl(R, 20), rl(R, 3)}, 0, []int{0, 10, 17}, false},
		// a rescheduled row only
		{"only manual", []collection.RevlogEntry{rl(RevlogReschedule, 3)}, 0, nil, false},
	}
	for _, c := range cases {
		h := reviewsForFSRS(c.revs, testNextDayAt, c.ignore)
		if c.deltas == nil {
			if h != nil {
				t.Errorf("%s: got %+v, want no history", c.name, h.reviews)
			}
			continue
		}
		if h == nil {
			t.Errorf("%s: no history, want deltas %v", c.name, c.deltas)
			continue
		}
		var deltas []int
		for _, r := range h.reviews {
			deltas = append(deltas, r.Delta)
		}
		if !equalInts(deltas, c.deltas) || h.complete != c.complete {
			t.Errorf("%s: deltas %v complete %v, want %v %v", c.name, deltas, h.complete, c.deltas, c.complete)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestMemoryItemTruncated follows Anki's memory_state.rs bypassed_learning_is_handled
// and zero_history_is_handled (default parameters, historical retention 0.9).
func TestMemoryItemTruncated(t *testing.T) {
	const R = RevlogReview
	pf, err := newPresetFSRS(Config{HistoricalRetention: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	first := with(rl(R, 99), func(r *collection.RevlogEntry) { r.Factor, r.Interval = 2500, 100 })
	item, err := pf.itemForMemoryState([]collection.RevlogEntry{first, rl(R, 0)}, testNextDayAt)
	if err != nil || item == nil || item.start == nil {
		t.Fatalf("item %+v %v", item, err)
	}
	if !closeTo(item.start.S, 100, 1e-5) || !closeTo(item.start.D, 5.003576, 1e-5) || len(item.reviews) != 1 || item.reviews[0].Delta != 99 {
		t.Errorf("starting state %+v reviews %+v", *item.start, item.reviews)
	}
	reviewCard := &collection.Card{Type: collection.CardTypeReview, Reps: 1}
	m, err := pf.cardMemoryState(reviewCard, item)
	if err != nil || !closeTo(m.S, 248.9251, 1e-5) || !closeTo(m.D, 4.9938006, 1e-5) {
		t.Errorf("memory %+v %v, want 248.9251 4.9938006", m, err)
	}
	// A single review row: the starting state is the memory state.
	one := with(rl(R, 100), func(r *collection.RevlogEntry) { r.Factor, r.Interval = 2500, 100 })
	item, _ = pf.itemForMemoryState([]collection.RevlogEntry{one}, testNextDayAt)
	if item == nil || len(item.reviews) != 0 {
		t.Fatalf("single row item %+v", item)
	}
	if m, _ := pf.cardMemoryState(reviewCard, item); !closeTo(m.S, 100, 1e-5) || !closeTo(m.D, 5.003576, 1e-5) {
		t.Errorf("single row memory %+v", m)
	}
	// An ease of 1.1 or less was written by FSRS: it is the difficulty, shifted.
	fsrsRow := with(rl(R, 20), func(r *collection.RevlogEntry) { r.Factor, r.Interval = 600, 10 })
	item, _ = pf.itemForMemoryState([]collection.RevlogEntry{fsrsRow, rl(R, 0)}, testNextDayAt)
	if item == nil || !closeTo(item.start.D, (0.6-0.1)*9+1, 1e-6) {
		t.Errorf("FSRS-written row start %+v", item)
	}
	// No history: the card's own SM-2 state (zero_history_is_handled: ease 1.3,
	// 100 days; Anki checks the rounded values 100 and 10), none for a new card or a
	// card without interval.
	m, err = pf.cardMemoryState(&collection.Card{Type: collection.CardTypeReview, Interval: 100, Factor: 1300, Reps: 1}, nil)
	if err != nil || m == nil || roundF(m.S) != 100 || roundF(m.D) != 10 {
		t.Errorf("zero history %+v %v", m, err)
	}
	for _, c := range []*collection.Card{{Type: collection.CardTypeNew}, {Type: collection.CardTypeLearn, Reps: 2}} {
		if m, err := pf.cardMemoryState(c, nil); m != nil || err != nil {
			t.Errorf("card type %d without interval: %+v %v", c.Type, m, err)
		}
	}
}
