package sched

import "math"

// This file is the card state machine of Anki's v3 scheduler (rslib/src/scheduler/states):
// given a card's current state and the preset, it computes the state each of the four
// buttons leads to. It does no I/O. Arithmetic is done in float32 like Anki's, so that
// borderline roundings (e.g. 2.5 days × 1.2) land on the same day.

type stateKind int

const (
	stNew stateKind = iota
	stLearning
	stReview
	stRelearning
	stPreview // a card in a filtered deck that does not reschedule
)

// memory is an FSRS memory state: stability in days and difficulty 1–10.
type memory struct{ S, D float32 }

type learnState struct {
	Remaining     int // learning steps left (cards.left % 1000)
	ScheduledSecs int
	Mem           *memory
}

type reviewState struct {
	ScheduledDays int
	ElapsedDays   int
	Ease          float32
	Lapses        int
	Leeched       bool
	Mem           *memory
}

// state is one of Anki's CardState values. Resched marks the "rescheduling filter" wrapper
// of a card studied in a filtered deck that reschedules; Preview states use PreviewSecs.
type state struct {
	Kind            stateKind
	Position        int // new cards
	Learn           learnState
	Review          reviewState
	Resched         bool
	PreviewSecs     int
	PreviewFinished bool
}

// ivlKind is Anki's IntervalKind: seconds or days.
type ivlKind struct {
	Secs   int
	Days   int
	InDays bool
}

func (s state) interval() ivlKind {
	switch s.Kind {
	case stNew:
		return ivlKind{}
	case stLearning, stRelearning:
		return ivlKind{Secs: s.Learn.ScheduledSecs}
	case stReview:
		return ivlKind{Days: s.Review.ScheduledDays, InDays: true}
	case stPreview:
		return ivlKind{Secs: s.PreviewSecs}
	}
	return ivlKind{}
}

// asDays turns second intervals that cross the next day boundary into days.
func (k ivlKind) asDays(secsUntilRollover int) ivlKind {
	if !k.InDays && k.Secs >= secsUntilRollover {
		return ivlKind{Days: (k.Secs-secsUntilRollover)/86400 + 1, InDays: true}
	}
	return k
}

func (k ivlKind) seconds() int {
	if k.InDays {
		return k.Days * 86400
	}
	return k.Secs
}

// revlogValue is the revlog ivl/lastIvl encoding: days positive, seconds negative.
func (k ivlKind) revlogValue() int {
	if k.InDays {
		return k.Days
	}
	return -k.Secs
}

// Revlog kinds (revlog.type).
const (
	RevlogLearn      = 0
	RevlogReview     = 1
	RevlogRelearn    = 2
	RevlogFiltered   = 3
	RevlogManual     = 4
	RevlogReschedule = 5
)

func (s state) revlogKind() int {
	switch s.Kind {
	case stReview:
		if s.Review.ElapsedDays < s.Review.ScheduledDays {
			return RevlogFiltered // an early review, only possible in a filtered deck
		}
		return RevlogReview
	case stRelearning:
		return RevlogRelearn
	case stPreview:
		return RevlogFiltered
	}
	return RevlogLearn
}

func (s state) reviewPart() (reviewState, bool) {
	switch s.Kind {
	case stReview, stRelearning:
		return s.Review, true
	}
	return reviewState{}, false
}

func (s state) leeched() bool {
	r, ok := s.reviewPart()
	return ok && r.Leeched
}

// fsrsStep is what FSRS predicts for one button: the next memory state and the interval in
// (fractional) days that reaches the desired retention.
type fsrsStep struct {
	Mem      memory
	Interval float32
}

// stateCtx is Anki's StateContext.
type stateCtx struct {
	fuzz           *float32 // nil: no fuzz
	fsrs           *[4]fsrsStep
	fsrsShortTerm  bool // FSRS may schedule sub-day intervals (params 17 and 18 > 0)
	shortTermSteps bool // ... even when learning steps exist (fsrsShortTermWithStepsEnabled)
	steps, relearn []float32
	gradGood       int
	gradEasy       int
	initialEase    float32
	hardMult       float32
	easyMult       float32
	ivlMult        float32
	maxIvl         int
	leechThreshold int
	lapseMult      float32
	minLapseIvl    int
	inFilteredDeck bool
	previewDelays  [3]int // again, hard, good, in seconds
}

// next is the four outcomes, Again..Easy.
type next [4]state

func (c *stateCtx) minMax(minimum int) (int, int) {
	maximum := max(c.maxIvl, 1)
	return min(max(minimum, 1), maximum), maximum
}

func (s state) nextStates(c *stateCtx) next {
	switch s.Kind {
	case stPreview:
		return next{previewOrFinish(c.previewDelays[0]), previewOrFinish(c.previewDelays[1]),
			previewOrFinish(c.previewDelays[2]), previewOrFinish(0)}
	}
	var n next
	switch s.Kind {
	case stNew:
		n = learnNext(learnState{Remaining: len(c.steps)}, c)
	case stLearning:
		n = learnNext(s.Learn, c)
	case stReview:
		n = reviewNext(s.Review, c)
	case stRelearning:
		n = relearnNext(s.Learn, s.Review, c)
	}
	if s.Resched && c.inFilteredDeck {
		for i := range n {
			if n[i].Kind != stReview {
				n[i].Resched = true
			}
		}
	}
	return n
}

func previewOrFinish(secs int) state {
	if secs == 0 {
		return state{Kind: stPreview, PreviewFinished: true}
	}
	return state{Kind: stPreview, PreviewSecs: secs}
}

// --- learning steps (states/steps.rs) ---

const daySecs = 86400

func stepSecs(steps []float32, i int) (int, bool) {
	if i < 0 || i >= len(steps) {
		return 0, false
	}
	return int(uint32(steps[i] * 60)), true
}

func stepIndex(steps []float32, remaining int) int {
	total := len(steps)
	idx := total - remaining%1000
	if idx < 0 {
		idx = 0
	}
	return min(idx, max(total-1, 0))
}

func againDelay(steps []float32) (int, bool) { return stepSecs(steps, 0) }

func hardDelay(steps []float32, remaining int) (int, bool) {
	idx := stepIndex(steps, remaining)
	cur, ok := stepSecs(steps, idx)
	if !ok {
		if cur, ok = stepSecs(steps, 0); !ok {
			return 0, false
		}
	}
	if idx != 0 {
		return cur, true
	}
	if nextSecs, ok := stepSecs(steps, 1); ok {
		return roundToDays((cur + nextSecs) / 2), true
	}
	return roundToDays(min(cur*3/2, cur+daySecs)), true
}

func goodDelay(steps []float32, remaining int) (int, bool) {
	return stepSecs(steps, stepIndex(steps, remaining)+1)
}

func currentDelay(steps []float32, remaining int) int {
	s, _ := stepSecs(steps, stepIndex(steps, remaining))
	return s
}

func remainingForGood(steps []float32, remaining int) int {
	return max(len(steps)-(stepIndex(steps, remaining)+1), 0)
}

// roundToDays rounds delays over a day to whole days, so answers early and late in the day
// give the same result.
func roundToDays(secs int) int {
	if secs > daySecs {
		return int(roundF(float32(secs)/float32(daySecs))) * daySecs
	}
	return secs
}

// --- learning (states/learning.rs) ---

func (c *stateCtx) fsrsMem(i int) *memory {
	if c.fsrs == nil {
		return nil
	}
	m := c.fsrs[i].Mem
	return &m
}

// shortTermAllowed says whether an FSRS interval under half a day stays a learning step.
func (c *stateCtx) shortTermAllowed(steps []float32, interval float32) bool {
	return c.fsrsShortTerm && (c.shortTermSteps || len(steps) == 0) && interval < 0.5
}

// graduate is the outcome of Again/Hard/Good on a learning card with no step left.
func (c *stateCtx) graduate(ls learnState, button int, keepRemaining int) state {
	lo, hi := c.minMax(1)
	var interval float32
	if c.fsrs != nil {
		interval = c.fsrs[button].Interval
		if c.shortTermAllowed(c.steps, interval) {
			return state{Kind: stLearning, Learn: learnState{Remaining: keepRemaining,
				ScheduledSecs: int(uint32(interval * daySecs)), Mem: c.fsrsMem(button)}}
		}
	} else {
		interval = float32(c.gradGood)
	}
	return state{Kind: stReview, Review: reviewState{
		ScheduledDays: c.reviewFuzz(max32(roundF(interval), 1), lo, hi),
		Ease:          c.initialEase, Mem: c.fsrsMem(button)}}
}

func learnNext(ls learnState, c *stateCtx) next {
	var n next
	// Again
	if d, ok := againDelay(c.steps); ok {
		n[0] = state{Kind: stLearning, Learn: learnState{Remaining: len(c.steps), ScheduledSecs: d, Mem: c.fsrsMem(0)}}
	} else {
		n[0] = c.graduate(ls, 0, len(c.steps))
	}
	// Hard
	if d, ok := hardDelay(c.steps, ls.Remaining); ok {
		n[1] = state{Kind: stLearning, Learn: learnState{Remaining: ls.Remaining, ScheduledSecs: d, Mem: c.fsrsMem(1)}}
	} else {
		n[1] = c.graduate(ls, 1, ls.Remaining)
	}
	// Good
	if d, ok := goodDelay(c.steps, ls.Remaining); ok {
		n[2] = state{Kind: stLearning, Learn: learnState{Remaining: remainingForGood(c.steps, ls.Remaining), ScheduledSecs: d, Mem: c.fsrsMem(2)}}
	} else {
		n[2] = c.graduate(ls, 2, ls.Remaining)
	}
	// Easy always graduates.
	lo, hi := c.minMax(1)
	var ivl float32
	if c.fsrs != nil {
		good := c.reviewFuzz(c.fsrs[2].Interval, lo, hi)
		lo = good + 1
		ivl = float32(int(max32(roundF(c.fsrs[3].Interval), 1)))
	} else {
		ivl = float32(c.gradEasy)
	}
	n[3] = state{Kind: stReview, Review: reviewState{ScheduledDays: c.reviewFuzz(ivl, lo, hi),
		Ease: c.initialEase, Mem: c.fsrsMem(3)}}
	return n
}

// --- review (states/review.rs) ---

const (
	minEase        = float32(1.3)
	easeAgainDelta = float32(-0.2)
	easeHardDelta  = float32(-0.15)
	easeEasyDelta  = float32(0.15)
)

func (c *stateCtx) failingInterval(r reviewState) (float32, *memory) {
	if c.fsrs != nil {
		return c.fsrs[0].Interval, c.fsrsMem(0)
	}
	lo, hi := c.minMax(c.minLapseIvl)
	return float32(c.reviewFuzz(max32(float32(r.ScheduledDays), 1)*c.lapseMult, lo, hi)), nil
}

func reviewNext(r reviewState, c *stateCtx) next {
	var n next
	hard, good, easy := c.passingIntervals(r)

	// Again
	lapses := r.Lapses + 1
	days, mem := c.failingInterval(r)
	againReview := reviewState{ScheduledDays: int(max32(roundF(days), 1)), Ease: max32(r.Ease+easeAgainDelta, minEase),
		Lapses: lapses, Leeched: leechThresholdMet(lapses, c.leechThreshold), Mem: mem}
	if d, ok := againDelay(c.relearn); ok {
		n[0] = state{Kind: stRelearning, Learn: learnState{Remaining: len(c.relearn), ScheduledSecs: d, Mem: mem}, Review: againReview}
	} else if c.shortTermAllowed(c.relearn, days) {
		n[0] = state{Kind: stRelearning, Learn: learnState{Remaining: len(c.relearn), ScheduledSecs: int(uint32(days * daySecs)), Mem: mem}, Review: againReview}
	} else {
		n[0] = state{Kind: stReview, Review: againReview}
	}
	n[1] = state{Kind: stReview, Review: reviewState{ScheduledDays: hard, Ease: max32(r.Ease+easeHardDelta, minEase),
		Lapses: r.Lapses, Mem: c.fsrsMem(1)}}
	n[2] = state{Kind: stReview, Review: reviewState{ScheduledDays: good, Ease: r.Ease, Lapses: r.Lapses, Mem: c.fsrsMem(2)}}
	n[3] = state{Kind: stReview, Review: reviewState{ScheduledDays: easy, Ease: r.Ease + easeEasyDelta, Lapses: r.Lapses, Mem: c.fsrsMem(3)}}
	return n
}

func (c *stateCtx) passingIntervals(r reviewState) (int, int, int) {
	if c.fsrs != nil {
		prev := r.ScheduledDays
		h := c.constrainPassing(c.fsrs[1].Interval, max(minFuzzInterval(c.fsrs[1].Interval, prev, c.maxIvl), 1), true)
		g := c.constrainPassing(c.fsrs[2].Interval, max(minFuzzInterval(c.fsrs[2].Interval, prev, c.maxIvl), h+1), true)
		e := c.constrainPassing(c.fsrs[3].Interval, max(minFuzzInterval(c.fsrs[3].Interval, prev, c.maxIvl), g+1), true)
		return h, g, e
	}
	if r.ElapsedDays < r.ScheduledDays {
		return c.earlyIntervals(r)
	}
	cur := max32(float32(r.ScheduledDays), 1)
	late := float32(max(r.ElapsedDays-r.ScheduledDays, 0))
	hardMin := 0
	if c.hardMult > 1 {
		hardMin = r.ScheduledDays + 1
	}
	hard := c.constrainPassing(cur*c.hardMult, hardMin, true)
	goodMin := hard + 1
	if c.hardMult <= 1 {
		goodMin = r.ScheduledDays + 1
	}
	good := c.constrainPassing((cur+late/2)*r.Ease, goodMin, true)
	easy := c.constrainPassing((cur+late)*r.Ease*c.easyMult, good+1, true)
	return hard, good, easy
}

// earlyIntervals is the formula for reviews answered before they are due (filtered decks).
func (c *stateCtx) earlyIntervals(r reviewState) (int, int, int) {
	sched := max32(float32(r.ScheduledDays), 1)
	elapsed := float32(r.ElapsedDays)
	hard := c.constrainPassing(max32(elapsed*c.hardMult, sched*(c.hardMult/2)), 0, false)
	good := c.constrainPassing(max32(elapsed*r.Ease, sched), 0, false)
	reduced := c.easyMult - (c.easyMult-1)/2
	easy := c.constrainPassing(max32(elapsed*r.Ease, sched)*reduced, 0, false)
	return hard, good, easy
}

func (c *stateCtx) constrainPassing(interval float32, minimum int, fuzz bool) int {
	if c.fsrs == nil {
		interval *= c.ivlMult
	}
	lo, hi := c.minMax(minimum)
	if fuzz {
		return c.reviewFuzz(interval, lo, hi)
	}
	return clampInt(int(roundF(interval)), lo, hi)
}

// leechThresholdMet: a leech at the threshold, then every half threshold.
func leechThresholdMet(lapses, threshold int) bool {
	if threshold <= 0 {
		return false
	}
	half := max(int(math.Ceil(float64(float32(threshold)/2))), 1)
	return lapses >= threshold && (lapses-threshold)%half == 0
}

// --- relearning (states/relearning.rs) ---

func relearnNext(ls learnState, r reviewState, c *stateCtx) next {
	var n next
	lo, hi := c.minMax(1)
	// Again
	days, mem := c.failingInterval(r)
	if d, ok := againDelay(c.relearn); ok {
		rv := r
		rv.ScheduledDays, rv.ElapsedDays, rv.Mem = int(max32(roundF(days), 1)), 0, mem
		n[0] = state{Kind: stRelearning, Learn: learnState{Remaining: len(c.relearn), ScheduledSecs: d, Mem: mem}, Review: rv}
	} else if c.fsrs != nil {
		n[0] = c.relearnFSRS(ls, r, 0, c.fsrs[0].Interval, len(c.relearn), lo, hi)
	} else {
		n[0] = state{Kind: stReview, Review: r}
	}
	// Hard
	if d, ok := hardDelay(c.relearn, ls.Remaining); ok {
		rv := r
		rv.ElapsedDays, rv.Mem = 0, c.fsrsMem(1)
		n[1] = state{Kind: stRelearning, Learn: learnState{Remaining: ls.Remaining, ScheduledSecs: d, Mem: c.fsrsMem(1)}, Review: rv}
	} else if c.fsrs != nil {
		n[1] = c.relearnFSRS(ls, r, 1, c.fsrs[1].Interval, ls.Remaining, lo, hi)
	} else {
		n[1] = state{Kind: stReview, Review: r}
	}
	// Good
	if d, ok := goodDelay(c.relearn, ls.Remaining); ok {
		rv := r
		rv.ElapsedDays, rv.Mem = 0, c.fsrsMem(2)
		n[2] = state{Kind: stRelearning, Learn: learnState{Remaining: remainingForGood(c.relearn, ls.Remaining), ScheduledSecs: d, Mem: c.fsrsMem(2)}, Review: rv}
	} else if c.fsrs != nil {
		n[2] = c.relearnFSRS(ls, r, 2, c.fsrs[2].Interval, remainingForGood(c.relearn, ls.Remaining), lo, hi)
	} else {
		n[2] = state{Kind: stReview, Review: r}
	}
	// Easy
	rv := r
	rv.ElapsedDays = 0
	if c.fsrs != nil {
		good := c.reviewFuzz(c.fsrs[2].Interval, lo, hi)
		rv.ScheduledDays = c.reviewFuzz(max32(roundF(c.fsrs[3].Interval), 1), good+1, hi)
		rv.Mem = c.fsrsMem(3)
	} else {
		rv.ScheduledDays = r.ScheduledDays + 1
		rv.Mem = nil
	}
	n[3] = state{Kind: stReview, Review: rv}
	return n
}

func (c *stateCtx) relearnFSRS(ls learnState, r reviewState, button int, interval float32, remaining, lo, hi int) state {
	rv := r
	rv.ScheduledDays = c.reviewFuzz(max32(roundF(interval), 1), lo, hi)
	rv.Mem = c.fsrsMem(button)
	if c.shortTermAllowed(c.relearn, interval) {
		return state{Kind: stRelearning, Learn: learnState{Remaining: remaining, ScheduledSecs: int(uint32(interval * daySecs)), Mem: c.fsrsMem(button)}, Review: rv}
	}
	return state{Kind: stReview, Review: rv}
}

// --- fuzz (states/fuzz.rs) ---

var fuzzRanges = [...]struct{ start, end, factor float32 }{
	{2.5, 7, 0.15}, {7, 20, 0.1}, {20, math.MaxFloat32, 0.05},
}

func fuzzDelta(interval float32) float32 {
	if interval < 2.5 {
		return 0
	}
	d := float32(1)
	for _, r := range fuzzRanges {
		d += r.factor * max32(min32(interval, r.end)-r.start, 0)
	}
	return d
}

func fuzzBounds(interval float32) (int, int) {
	d := fuzzDelta(interval)
	return int(roundF(interval - d)), int(roundF(interval + d))
}

func constrainedFuzzBounds(interval float32, minimum, maximum int) (int, int) {
	minimum = min(minimum, maximum)
	interval = min32(max32(interval, float32(minimum)), float32(maximum))
	lo, hi := fuzzBounds(interval)
	lo, hi = clampInt(lo, minimum, maximum), clampInt(hi, minimum, maximum)
	if hi == lo && hi > 2 && hi < maximum {
		hi = lo + 1
	}
	return lo, hi
}

// minFuzzInterval keeps fuzz from shrinking an interval that grew (FSRS reviews).
func minFuzzInterval(interval float32, prev, maximum int) int {
	rounded := int(roundF(interval))
	_, hi := constrainedFuzzBounds(interval, 1, maximum)
	switch {
	case rounded > prev:
		return prev + 1
	case prev <= hi:
		return prev
	}
	return 0
}

func (c *stateCtx) reviewFuzz(interval float32, minimum, maximum int) int {
	return withReviewFuzz(c.fuzz, interval, minimum, maximum)
}

func withReviewFuzz(factor *float32, interval float32, minimum, maximum int) int {
	if factor == nil {
		return clampInt(int(roundF(interval)), minimum, maximum)
	}
	lo, hi := constrainedFuzzBounds(interval, minimum, maximum)
	return int(math.Floor(float64(float32(lo) + *factor*float32(1+hi-lo))))
}

// --- helpers ---

// roundF rounds half away from zero, like Rust's f32::round.
func roundF(x float32) float32 { return float32(math.Round(float64(x))) }

func max32(a, b float32) float32 {
	if a > b {
		return a
	}
	return b
}

func min32(a, b float32) float32 {
	if a < b {
		return a
	}
	return b
}

func clampInt(v, lo, hi int) int { return max(lo, min(v, hi)) }
