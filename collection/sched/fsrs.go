package sched

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
)

// FSRS here is FSRS-6 as Anki runs it: the model of the fsrs crate that rslib links
// (fsrs-rs 6.x, inference.rs and model.rs), computed in float32 like that crate so that
// memory states and intervals land where Anki's do. It is written in this package rather
// than taken from go-fsrs because the FSRS-6 release of go-fsrs (v4.0.0-rc1) cannot be
// fetched through the project's module proxy, and because go-fsrs computes in float64
// and differs from fsrs-rs in a few clamps (minimum initial stability, the post-lapse
// stability cap); the tests check this code against go-fsrs v3 (FSRS-5) and against the
// values in fsrs-rs's and Anki's own tests.

// Bounds of the model (fsrs-rs simulation.rs).
const (
	fsrsSMin = float32(0.001)
	fsrsSMax = float32(36500)
	fsrsDMin = float32(1)
	fsrsDMax = float32(10)

	fsrs5Decay = float32(0.5)    // decay of FSRS-4.5 and FSRS-5 parameters
	fsrs6Decay = float32(0.1542) // FSRS-6's default decay (w[20])
)

// fsrs6Defaults are FSRS-6's default parameters, used when a preset has none.
var fsrs6Defaults = [21]float32{
	0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666, 0.796,
	1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, fsrs6Decay,
}

// fsrsClamps are the ranges fsrs-rs clips parameters to when it loads them (with one
// relearning step and short-term training off, as FSRS::new does).
var fsrsClamps = [21][2]float32{
	{fsrsSMin, 100}, {fsrsSMin, 100}, {fsrsSMin, 100}, {fsrsSMin, 100}, {fsrsDMin, fsrsDMax},
	{0.001, 4}, {0.001, 4}, {0.001, 0.75}, {0, 4.5}, {0, 0.8}, {0.001, 3.5}, {0.001, 5},
	{0.001, 0.25}, {0.001, 0.9}, {0, 4}, {0, 1}, {1, 6}, {0, 2}, {0, 2}, {0, 0.8}, {0.1, 0.8},
}

// ErrFSRSParams reports a preset whose FSRS parameters FSRS cannot use.
var ErrFSRSParams = errors.New("invalid FSRS parameters")

// fsrsEngine is the FSRS model with one set of parameters.
type fsrsEngine struct {
	w      [21]float32
	decay  float32 // -w[20]
	factor float32 // 0.9^(1/decay) - 1
}

// newFSRSEngine loads parameters as fsrs-rs does: none means FSRS-6's defaults, 17 values
// are FSRS-4.5 (converted), 19 are FSRS-5 (no w[19] term, decay 0.5), 21 are FSRS-6.
// Values are clipped to the model's ranges.
func newFSRSEngine(params []float32) (*fsrsEngine, error) {
	var w [21]float32
	switch len(params) {
	case 0:
		w = fsrs6Defaults
	case 17:
		copy(w[:], params)
		w[4] = w[5]*2 + w[4]
		w[5] = ln32(w[5]*3+1) / 3
		w[6] += 0.5
		w[20] = fsrs5Decay
	case 19:
		copy(w[:], params)
		w[20] = fsrs5Decay
	case 21:
		copy(w[:], params)
	default:
		return nil, fmt.Errorf("%w: %d values (FSRS takes 17, 19 or 21)", ErrFSRSParams, len(params))
	}
	for i, v := range w {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return nil, fmt.Errorf("%w: value %d is not a finite number", ErrFSRSParams, i)
		}
		w[i] = min(max(v, fsrsClamps[i][0]), fsrsClamps[i][1])
	}
	e := &fsrsEngine{w: w, decay: -w[20]}
	e.factor = exp32(ln32(0.9)/e.decay) - 1
	return e, nil
}

// float32 versions of the math functions, rounding once like Rust's f32 methods.
func exp32(x float32) float32    { return float32(math.Exp(float64(x))) }
func expm132(x float32) float32  { return float32(math.Expm1(float64(x))) }
func ln32(x float32) float32     { return float32(math.Log(float64(x))) }
func pow32(x, y float32) float32 { return float32(math.Pow(float64(x), float64(y))) }
func finite32(x float32) bool    { return !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0) }

func clampS(s float32) float32 { return min(max(s, fsrsSMin), fsrsSMax) }
func clampD(d float32) float32 { return min(max(d, fsrsDMin), fsrsDMax) }

// retrievability is the probability of recall t days after a review that left stability s.
func (e *fsrsEngine) retrievability(t, s float32) float32 {
	return pow32(t/s*e.factor+1, e.decay)
}

// interval is the (fractional) number of days after which retrievability falls to dr.
func (e *fsrsEngine) interval(s, dr float32) float32 {
	return s / e.factor * (pow32(dr, 1/e.decay) - 1)
}

func (e *fsrsEngine) initStability(rating int) float32 {
	return e.w[min(max(rating, 1), 4)-1]
}

// initDifficulty is unclamped: mean reversion uses the raw value for Easy.
func (e *fsrsEngine) initDifficulty(rating int) float32 {
	return e.w[4] - exp32(e.w[5]*float32(max(rating, 1)-1)) + 1
}

// step is one review: delta days after the previous one, rated 1–4. nth is the review's
// index in the history; the first review of a card with no state sets the initial state.
func (e *fsrsEngine) step(delta float32, rating int, st memory, nth int) memory {
	w := &e.w
	lastS, lastD := clampS(st.S), clampD(st.D)
	r := e.retrievability(delta, lastS)
	g := float32(rating)
	var newS float32
	switch {
	case delta == 0: // same-day review
		sinc := exp32(w[17]*(g-3+w[18])) * pow32(lastS, -w[19])
		if rating >= 2 {
			sinc = max(sinc, 1)
		}
		newS = lastS * sinc
	case rating == 1: // lapse, capped so it never exceeds a same-day Again
		f := w[11] * pow32(lastD, -w[12]) * (pow32(lastS+1, w[13]) - 1) * exp32((1-r)*w[14])
		newS = min(f, lastS/exp32(w[17]*w[18]))
	default:
		bonus := float32(1)
		if rating == 2 {
			bonus = w[15]
		} else if rating == 4 {
			bonus = w[16]
		}
		newS = lastS * (exp32(w[8])*(11-lastD)*pow32(lastS, -w[9])*(exp32((1-r)*w[10])-1)*bonus + 1)
	}
	nextD := lastD + (10-lastD)*(-w[6]*(g-3))/9 // linear damping
	newD := clampD(w[7]*(e.initDifficulty(4)-nextD) + nextD)
	if nth == 0 && st.S == 0 {
		newS, newD = e.initStability(rating), clampD(e.initDifficulty(rating))
	}
	return memory{S: clampS(newS), D: newD}
}

// fsrsReview is one review of an FSRS history: the rating and whole days since the
// previous review (0 for the first).
type fsrsReview struct {
	Rating int
	Delta  int
}

// memoryState replays a history. With a starting state (a history whose beginning was
// lost, see memoryStateFromSM2) every review is a step from it; otherwise the first
// review sets the initial state.
func (e *fsrsEngine) memoryState(reviews []fsrsReview, start *memory) (memory, error) {
	var st memory
	from := 0
	switch {
	case start != nil:
		st = *start
	case len(reviews) > 0:
		g := min(max(reviews[0].Rating, 1), 4)
		st = memory{S: clampS(e.initStability(g)), D: clampD(e.initDifficulty(g))}
		from = 1
	}
	for i := from; i < len(reviews); i++ {
		st = e.step(float32(reviews[i].Delta), reviews[i].Rating, st, i)
	}
	if !finite32(st.S) || !finite32(st.D) {
		return memory{}, fmt.Errorf("%w: the review history gives no finite memory state", ErrFSRSParams)
	}
	return st, nil
}

// memoryStateFromSM2 approximates the memory state of a card known only by its SM-2
// ease and interval, assuming SM-2 kept recall at the preset's historical retention.
func (e *fsrsEngine) memoryStateFromSM2(ease, interval, retention float32) (memory, error) {
	w := &e.w
	s := max(interval, fsrsSMin) * e.factor / (pow32(retention, 1/e.decay) - 1)
	d := 11 - (ease-1)/(exp32(w[8])*pow32(s, -w[9])*expm132((1-retention)*w[10]))
	if !finite32(s) || !finite32(d) {
		return memory{}, fmt.Errorf("no memory state for ease %v, interval %v, retention %v", ease, interval, retention)
	}
	return memory{S: s, D: clampD(d)}, nil
}

// nextStates predicts each button's memory state and interval, as fsrs-rs's next_states:
// a card without a memory state gets the initial states; otherwise a step of
// daysElapsed days (0: a same-day review).
func (e *fsrsEngine) nextStates(mem *memory, dr float32, daysElapsed int) ([4]fsrsStep, error) {
	var out [4]fsrsStep
	cur, nth := memory{}, 0
	if mem != nil {
		cur, nth = *mem, 1
	}
	for i := range out {
		m := e.step(float32(daysElapsed), i+1, cur, nth)
		if !finite32(m.S) || !finite32(m.D) {
			return out, fmt.Errorf("%w: no finite memory state for button %d", ErrFSRSParams, i+1)
		}
		out[i] = fsrsStep{Mem: m, Interval: e.interval(m.S, dr)}
	}
	return out, nil
}

// presetFSRS is what the scheduler needs from a preset's FSRS settings.
type presetFSRS struct {
	engine *fsrsEngine
	// decay is stored in cards.data: the decay of the parameters as the preset holds
	// them (Anki's get_decay_from_params), not clipped.
	decay float32
	// allowShortTerm: FSRS may keep a card in learning for intervals under a day.
	allowShortTerm      bool
	historicalRetention float32
	ignoreBeforeMs      int64
}

func newPresetFSRS(cfg Config) (*presetFSRS, error) {
	raw := cfg.FSRSParams()
	params := make([]float32, len(raw))
	for i, v := range raw {
		params[i] = float32(v)
	}
	e, err := newFSRSEngine(params)
	if err != nil {
		return nil, err
	}
	p := &presetFSRS{engine: e, historicalRetention: cfg.HistoricalRetention}
	switch {
	case len(params) == 0:
		p.decay, p.allowShortTerm = fsrs6Decay, true
	case len(params) < 21:
		p.decay = fsrs5Decay
	default:
		p.decay = params[20]
	}
	if len(params) >= 19 {
		p.allowShortTerm = params[17] > 0 && params[18] > 0
	}
	if p.ignoreBeforeMs, err = ignoreBeforeMs(cfg.IgnoreRevlogsBefore); err != nil {
		return nil, err
	}
	return p, nil
}

// ignoreBeforeMs is the preset's "ignore reviews before" date as a revlog id: midnight
// UTC of that day in milliseconds, 0 when unset.
func ignoreBeforeMs(date string) (int64, error) {
	if date == "" {
		return 0, nil
	}
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return 0, fmt.Errorf("ignore reviews before %q: not a YYYY-MM-DD date", date)
	}
	return t.UnixMilli(), nil
}

// cardData is the cards.data JSON (rslib/src/storage/card/data.rs): original new position,
// FSRS memory state, desired retention, decay, last review time and custom data. Keys Anki
// does not define are kept as they are.
type cardData struct {
	Pos   *int
	S, D  *float32
	DR    *float32
	Decay *float32
	LRT   *int64
	other map[string]json.RawMessage // "cd" and anything unknown
}

func parseCardData(s string) cardData {
	var d cardData
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(s), &m) != nil {
		return d // Anki treats unreadable data as empty too
	}
	num := func(key string) (float64, bool) {
		raw, ok := m[key]
		if !ok {
			return 0, false
		}
		delete(m, key)
		var f float64
		if json.Unmarshal(raw, &f) != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, false
		}
		return f, true
	}
	f32 := func(key string) *float32 {
		if f, ok := num(key); ok {
			v := float32(f)
			return &v
		}
		return nil
	}
	if f, ok := num("pos"); ok && f >= 0 {
		v := int(f)
		d.Pos = &v
	}
	d.S, d.D, d.DR, d.Decay = f32("s"), f32("d"), f32("dr"), f32("decay")
	if f, ok := num("lrt"); ok {
		v := int64(f)
		d.LRT = &v
	}
	if len(m) > 0 {
		d.other = m
	}
	return d
}

func (d cardData) memory() *memory {
	if d.S == nil || d.D == nil {
		return nil
	}
	return &memory{S: *d.S, D: *d.D}
}

func (d *cardData) setMemory(m *memory) {
	if m == nil {
		d.S, d.D = nil, nil
		return
	}
	s, dd := m.S, m.D
	d.S, d.D = &s, &dd
}

// String writes the JSON in Anki's key order with Anki's rounding (s 4, d 3, dr 2, decay 3
// decimal places); an empty object is "{}".
func (d cardData) String() string {
	var b bytes.Buffer
	b.WriteByte('{')
	sep := func() {
		if b.Len() > 1 {
			b.WriteByte(',')
		}
	}
	key := func(k string) { sep(); b.WriteString(strconv.Quote(k)); b.WriteByte(':') }
	if d.Pos != nil {
		key("pos")
		b.WriteString(strconv.Itoa(*d.Pos))
	}
	for _, f := range []struct {
		k      string
		v      *float32
		places int
	}{{"s", d.S, 4}, {"d", d.D, 3}, {"dr", d.DR, 2}, {"decay", d.Decay, 3}} {
		if f.v != nil {
			key(f.k)
			b.WriteString(formatF32(roundPlaces(*f.v, f.places)))
		}
	}
	if d.LRT != nil {
		key("lrt")
		b.WriteString(strconv.FormatInt(*d.LRT, 10))
	}
	keys := make([]string, 0, len(d.other))
	for k := range d.other {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		key(k)
		b.Write(d.other[k])
	}
	b.WriteByte('}')
	return b.String()
}

func roundPlaces(v float32, places int) float32 {
	f := float32(math.Pow10(places))
	return roundF(v*f) / f
}

// formatF32 prints the shortest decimal that reads back as the same float32, as serde does.
func formatF32(v float32) string {
	s := strconv.FormatFloat(float64(v), 'f', -1, 32)
	if !bytes.ContainsAny([]byte(s), ".") {
		s += ".0"
	}
	return s
}
