package sched

import "testing"

// Expectations in this file come from the unit tests in Anki's rslib/src/scheduler/states
// (steps.rs, review.rs, fuzz.rs) and timespan.rs.

func TestLeechThreshold(t *testing.T) {
	cases := []struct {
		lapses, threshold int
		want              bool
	}{
		{0, 3, false}, {1, 3, false}, {2, 3, false}, {3, 3, true}, {4, 3, false}, {5, 3, true},
		{6, 3, false}, {7, 3, true}, {7, 8, false}, {8, 8, true}, {9, 8, false}, {10, 8, false},
		{11, 8, false}, {12, 8, true}, {13, 8, false}, {0, 0, false}, {0, 1, false}, {1, 1, true},
		{2, 1, true}, {3, 1, true},
	}
	for _, c := range cases {
		if got := leechThresholdMet(c.lapses, c.threshold); got != c.want {
			t.Errorf("leech(%d, %d) = %v, want %v", c.lapses, c.threshold, got, c.want)
		}
	}
}

func TestStepDelays(t *testing.T) {
	const day = 86400
	cases := []struct {
		steps             []float32
		remaining         int
		again, hard, good int
		hasGood           bool
	}{
		{[]float32{10}, 1, 600, 900, 0, false},
		{[]float32{3 * day / 60}, 1, 3 * day, 4 * day, 0, false},
		{[]float32{1, 10}, 2, 60, 330, 600, true},
		{[]float32{1, 10}, 1, 60, 600, 0, false},
		{[]float32{1, 10, 100}, 3, 60, 330, 600, true},
		{[]float32{1, 10, 100}, 2, 60, 600, 6000, true},
		{[]float32{1, 10, 100}, 1, 60, 6000, 0, false},
		// the legacy "today*1000 + left" encoding still reads as left % 1000
		{[]float32{1, 10}, 5002, 60, 330, 600, true},
	}
	for _, c := range cases {
		a, _ := againDelay(c.steps)
		h, _ := hardDelay(c.steps, c.remaining)
		g, ok := goodDelay(c.steps, c.remaining)
		if a != c.again || h != c.hard || ok != c.hasGood || (ok && g != c.good) {
			t.Errorf("steps %v left %d: again %d hard %d good %d/%v; want %d %d %d/%v",
				c.steps, c.remaining, a, h, g, ok, c.again, c.hard, c.good, c.hasGood)
		}
	}
	if got := roundToDays(day - 1); got != day-1 {
		t.Errorf("roundToDays(day-1) = %d", got)
	}
	if got := roundToDays(day * 3 / 2); got != 2*day {
		t.Errorf("roundToDays(1.5 days) = %d", got)
	}
}

func testCtx() *stateCtx {
	c := DefaultConfig()
	return &stateCtx{steps: c.LearnSteps, relearn: c.RelearnSteps, gradGood: c.GraduatingGood,
		gradEasy: c.GraduatingEasy, initialEase: c.InitialEase, hardMult: c.HardMultiplier,
		easyMult: c.EasyMultiplier, ivlMult: c.IntervalModifier, maxIvl: c.MaxInterval,
		leechThreshold: c.LeechThreshold, lapseMult: c.LapseMultiplier, minLapseIvl: c.MinLapseInterval}
}

func f32p(v float32) *float32 { return &v }

func TestReviewIntervals(t *testing.T) {
	cases := []struct {
		name    string
		sched   int
		elapsed int
		ease    float32
		edit    func(*stateCtx)
		h, g, e int
	}{
		// review.rs extreme_multiplier_fuzz
		{"fuzz 0", 1, 1, 1.3, func(c *stateCtx) { c.fuzz = f32p(0) }, 2, 3, 4},
		{"ivl mult 0.1", 1, 1, 1.3, func(c *stateCtx) { c.fuzz = f32p(0); c.ivlMult = 0.1 }, 2, 3, 4},
		{"fuzz 0.99", 1, 1, 1.3, func(c *stateCtx) { c.fuzz = f32p(0.99); c.ivlMult = 0.1 }, 2, 4, 6},
		{"max ivl", 1, 1, 1.3, func(c *stateCtx) { c.fuzz = f32p(0.99); c.ivlMult = 10; c.maxIvl = 5 }, 5, 5, 5},
		// review.rs low_hard_multiplier_does_not_pull_good_down
		{"low hard", 2, 2, 1.3, func(c *stateCtx) { c.fuzz = f32p(0); c.hardMult = 0.1 }, 1, 3, 4},
		// Without fuzz: hard 10×1.2, good 10×2.5, easy 10×2.5×1.3 = 32.5 in float32, rounded
		// half away from zero like Rust's f32::round.
		{"on time", 10, 10, 2.5, nil, 12, 25, 33},
		// 4 days late: good (10+2)×2.5, easy (10+4)×2.5×1.3 = 45.5.
		{"late", 10, 14, 2.5, nil, 12, 30, 46},
		// interval modifier 0.5 and maximum 20
		{"modifier", 10, 10, 2.5, func(c *stateCtx) { c.ivlMult = 0.5; c.maxIvl = 20 }, 11, 13, 16},
		// early review in a filtered deck: hard max(4×1.2, 10×0.6), good max(4×2.5, 10), easy 10×1.15
		{"early", 10, 4, 2.5, nil, 6, 10, 12},
	}
	for _, c := range cases {
		ctx := testCtx()
		if c.edit != nil {
			c.edit(ctx)
		}
		h, g, e := ctx.passingIntervals(reviewState{ScheduledDays: c.sched, ElapsedDays: c.elapsed, Ease: c.ease})
		if h != c.h || g != c.g || e != c.e {
			t.Errorf("%s: got (%d, %d, %d), want (%d, %d, %d)", c.name, h, g, e, c.h, c.g, c.e)
		}
	}
}

// TestNextStates runs each button in each state through the state machine with Anki's
// default preset and no fuzz.
func TestNextStates(t *testing.T) {
	type want struct {
		kind  stateKind
		secs  int // learning delay
		days  int // review interval
		ease  float32
		left  int
		lapse int
	}
	cases := []struct {
		name string
		cur  state
		want [4]want
	}{
		{"new", state{Kind: stNew}, [4]want{
			{stLearning, 60, 0, 0, 2, 0}, {stLearning, 330, 0, 0, 2, 0},
			{stLearning, 600, 0, 0, 1, 0}, {stReview, 0, 4, 2.5, 0, 0}}},
		{"learning step 2", state{Kind: stLearning, Learn: learnState{Remaining: 1, ScheduledSecs: 600}}, [4]want{
			{stLearning, 60, 0, 0, 2, 0}, {stLearning, 600, 0, 0, 1, 0},
			{stReview, 0, 1, 2.5, 0, 0}, {stReview, 0, 4, 2.5, 0, 0}}},
		{"review", state{Kind: stReview, Review: reviewState{ScheduledDays: 10, ElapsedDays: 10, Ease: 2.5}}, [4]want{
			{stRelearning, 600, 1, 2.3, 1, 1}, {stReview, 0, 12, 2.35, 0, 0},
			{stReview, 0, 25, 2.5, 0, 0}, {stReview, 0, 33, 2.65, 0, 0}}},
		{"relearning", state{Kind: stRelearning, Learn: learnState{Remaining: 1, ScheduledSecs: 600},
			Review: reviewState{ScheduledDays: 1, ElapsedDays: 1, Ease: 2.3, Lapses: 1}}, [4]want{
			{stRelearning, 600, 1, 2.3, 1, 1}, {stRelearning, 900, 1, 2.3, 1, 1},
			{stReview, 0, 1, 2.3, 0, 1}, {stReview, 0, 2, 2.3, 0, 1}}},
	}
	for _, c := range cases {
		n := c.cur.nextStates(testCtx())
		for i, w := range c.want {
			got := n[i]
			ok := got.Kind == w.kind
			switch w.kind {
			case stLearning:
				ok = ok && got.Learn.ScheduledSecs == w.secs && got.Learn.Remaining == w.left
			case stRelearning:
				ok = ok && got.Learn.ScheduledSecs == w.secs && got.Learn.Remaining == w.left &&
					got.Review.ScheduledDays == w.days && got.Review.Lapses == w.lapse && near(got.Review.Ease, w.ease)
			case stReview:
				ok = ok && got.Review.ScheduledDays == w.days && near(got.Review.Ease, w.ease) && got.Review.Lapses == w.lapse
			}
			if !ok {
				t.Errorf("%s button %d: got %+v, want %+v", c.name, i+1, got, w)
			}
		}
	}
}

func near(a, b float32) bool { return a-b < 1e-4 && b-a < 1e-4 }

func TestFuzzBounds(t *testing.T) {
	cases := []struct {
		ivl    float32
		lo, hi int
	}{
		{1, 1, 1}, {2.49, 2, 2}, {2.5, 2, 4}, // 2.5 ± 1 rounds half away from zero
		{5, 4, 6},   // delta 1 + 0.15×2.5 = 1.375
		{10, 8, 12}, // delta 1 + 0.675 + 0.3 = 1.975
		{100, 93, 107},
	}
	for _, c := range cases {
		lo, hi := constrainedFuzzBounds(c.ivl, 1, 36500)
		if lo != c.lo || hi != c.hi {
			t.Errorf("fuzz bounds of %v: (%d, %d), want (%d, %d)", c.ivl, lo, hi, c.lo, c.hi)
		}
	}
	// With fuzz the result stays within the bounds and depends only on the seed.
	for seed := uint64(0); seed < 50; seed++ {
		f := fuzzFactor(seed)
		got := withReviewFuzz(&f, 100, 1, 36500)
		if got < 93 || got > 107 || got != withReviewFuzz(f32p(fuzzFactor(seed)), 100, 1, 36500) {
			t.Fatalf("seed %d: fuzzed 100 → %d", seed, got)
		}
	}
}

func TestAnswerButtonTime(t *testing.T) {
	month := spanMonth
	cases := []struct {
		secs float32
		want string
	}{
		{30, "30s"}, {70, "1m"}, {600, "10m"}, {1.1 * month, "1.1mo"}, {86400, "1d"},
		{5400, "1.5h"}, {4 * 86400, "4d"}, {365 * 86400 * 1.5, "1.5y"}, {364 * 86400, "12mo"},
	}
	for _, c := range cases {
		if got := AnswerButtonTime(c.secs); got != c.want {
			t.Errorf("AnswerButtonTime(%v) = %q, want %q", c.secs, got, c.want)
		}
	}
	if got := AnswerButtonLabel(600, 1200); got != "<10m" {
		t.Errorf("label 600 = %q", got)
	}
	if got := AnswerButtonLabel(0, 1200); got != "End" {
		t.Errorf("label 0 = %q", got)
	}
	if got := AnswerButtonLabel(86400, 1200); got != "1d" {
		t.Errorf("label day = %q", got)
	}
}

func TestCardDataRoundTrip(t *testing.T) {
	in := `{"pos":3,"s":3.12345,"d":5.55555,"dr":0.9,"decay":0.5,"lrt":1700000000,"cd":"{\"x\":1}"}`
	d := parseCardData(in)
	want := `{"pos":3,"s":3.1235,"d":5.556,"dr":0.9,"decay":0.5,"lrt":1700000000,"cd":"{\"x\":1}"}`
	if got := d.String(); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
	if got := parseCardData("not json").String(); got != "{}" {
		t.Errorf("bad data → %s", got)
	}
}

func TestFNVHash(t *testing.T) {
	// FNV-1a 64 of the eight little-endian bytes of 1 (worked out independently with
	// Python), and of no input.
	if got := fnvHash(); got != 14695981039346656037 {
		t.Errorf("empty: %d", got)
	}
	if got := fnvHash(1); got != 0x89cd31291d2aefa4 {
		t.Errorf("fnv(1) = %#x", got)
	}
}
