package sched

import (
	"bytes"
	"encoding/json"
	"math"
	"sort"
	"strconv"
	"time"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v3"
)

// FSRS runs on github.com/open-spaced-repetition/go-fsrs v3.3.1 (FSRS-5, 19 parameters):
// v4.0.0-rc1 (FSRS-6) did not resolve through the project's module proxy. Parameters come
// from the preset like Anki reads them: fsrsParams5 when it holds 19 values; otherwise the
// first 19 of fsrsParams6 with its decay (w[20]), which is FSRS-6 without its w[19] term;
// otherwise go-fsrs's FSRS-5 defaults.

type fsrsModel struct {
	p              fsrs.Parameters
	decay          float32 // stored in cards.data "decay" (positive), like Anki
	allowShortTerm bool
}

func newFSRSModel(cfg Config, dr float32, maxIvl int) fsrsModel {
	p := fsrs.DefaultParam()
	m := fsrsModel{decay: 0.5, allowShortTerm: true}
	switch {
	case len(cfg.FSRSParams5) == 19:
		copy(p.W[:], cfg.FSRSParams5)
		m.allowShortTerm = p.W[17] > 0 && p.W[18] > 0
	case len(cfg.FSRSParams6) == 21:
		copy(p.W[:], cfg.FSRSParams6[:19])
		if d := cfg.FSRSParams6[20]; d > 0 {
			p.Decay = -d
			p.Factor = math.Pow(0.9, 1/p.Decay) - 1
			m.decay = float32(d)
		}
		m.allowShortTerm = p.W[17] > 0 && p.W[18] > 0
	}
	p.RequestRetention = float64(dr)
	p.MaximumInterval = float64(maxIvl)
	p.EnableShortTerm = true
	p.EnableFuzz = false // Anki applies its own fuzz to FSRS intervals
	m.p = p
	return m
}

// interval is the unrounded number of days after which recall probability falls to the
// desired retention (go-fsrs's nextInterval before rounding).
func (m fsrsModel) interval(stability float64) float32 {
	return float32(stability / m.p.Factor * (math.Pow(m.p.RequestRetention, 1/m.p.Decay) - 1))
}

// nextStates predicts each button's memory state and interval, as Anki's fsrs.next_states
// does: a new card gets the initial states; a card reviewed earlier the same day gets the
// short-term (same-day) formulas; otherwise the long-term review formulas.
func (m fsrsModel) nextStates(mem *memory, daysElapsed int, now time.Time) [4]fsrsStep {
	card := fsrs.NewCard()
	if mem != nil {
		card.Stability, card.Difficulty = float64(mem.S), float64(mem.D)
		card.Reps = 1
		card.LastReview = now.Add(-time.Duration(daysElapsed) * 24 * time.Hour)
		if daysElapsed == 0 {
			card.State = fsrs.Learning
		} else {
			card.State = fsrs.Review
		}
	}
	rec := fsrs.NewFSRS(m.p).Repeat(card, now)
	var out [4]fsrsStep
	for i, r := range []fsrs.Rating{fsrs.Again, fsrs.Hard, fsrs.Good, fsrs.Easy} {
		c := rec[r].Card
		out[i] = fsrsStep{Mem: memory{S: float32(c.Stability), D: float32(c.Difficulty)}, Interval: m.interval(c.Stability)}
	}
	return out
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
