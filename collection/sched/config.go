package sched

import (
	"encoding/json"

	"github.com/deckhand-app/deckhand/collection"
)

// Config is the part of an options preset (schema-11 dconf JSON) the scheduler reads, with
// Anki's defaults (rslib/src/deckconfig/mod.rs) for anything missing or malformed.
type Config struct {
	LearnSteps        []float32 // minutes (new.delays)
	RelearnSteps      []float32 // minutes (lapse.delays)
	NewPerDay         int       // new.perDay
	ReviewsPerDay     int       // rev.perDay
	GraduatingGood    int       // new.ints[0], days
	GraduatingEasy    int       // new.ints[1], days
	InitialEase       float32   // new.initialFactor / 1000
	EasyMultiplier    float32   // rev.ease4
	HardMultiplier    float32   // rev.hardFactor
	IntervalModifier  float32   // rev.ivlFct
	MaxInterval       int       // rev.maxIvl
	LapseMultiplier   float32   // lapse.mult
	MinLapseInterval  int       // lapse.minInt
	LeechThreshold    int       // lapse.leechFails
	LeechSuspend      bool      // lapse.leechAction == 0
	BuryNew           bool      // new.bury
	BuryReviews       bool      // rev.bury
	BuryInterdayLearn bool      // buryInterdayLearning
	CapAnswerSecs     int       // maxTaken
	NewMix            int       // newMix: 0 mix, 1 after reviews, 2 before reviews
	InterdayMix       int       // interdayLearningMix
	ReviewOrder       int       // reviewOrder (ReviewCardOrder)
	NewSortOrder      int       // newSortOrder (NewCardSortOrder)
	NewGatherPriority int       // newGatherPriority (NewCardGatherPriority)
	DesiredRetention  float32   // desiredRetention (FSRS), 0.7–0.99
	FSRSParams6       []float64 // fsrsParams6 (FSRS-6, 21 values)
	FSRSParams5       []float64 // fsrsParams5 (FSRS-5, 19 values)
	FSRSWeights       []float64 // fsrsWeights (FSRS-4.5 and older, 17 values)
	// HistoricalRetention (sm2Retention, 0.7–0.97) is the recall rate assumed for reviews
	// done under SM-2, when a memory state is estimated from an ease and an interval.
	HistoricalRetention float32
	// IgnoreRevlogsBefore (ignoreRevlogsBeforeDate, "YYYY-MM-DD" or "") leaves reviews
	// before that day out of the memory states.
	IgnoreRevlogsBefore string
}

// FSRSParams returns the parameters FSRS uses, with Anki's precedence: fsrsParams6 when
// set, else fsrsParams5, else fsrsWeights; nil means FSRS-6's defaults.
func (c Config) FSRSParams() []float64 {
	switch {
	case len(c.FSRSParams6) > 0:
		return c.FSRSParams6
	case len(c.FSRSParams5) > 0:
		return c.FSRSParams5
	}
	return c.FSRSWeights
}

// Review mixes (ReviewMix in Anki's deck_config.proto).
const (
	MixWithReviews = 0
	AfterReviews   = 1
	BeforeReviews  = 2
)

// New-card gather priorities and sort orders (deck_config.proto).
const (
	GatherDeck                = 0
	GatherLowestPosition      = 1
	GatherHighestPosition     = 2
	GatherRandomNotes         = 3
	GatherRandomCards         = 4
	GatherDeckThenRandomNotes = 5

	SortTemplate               = 0
	SortNoSort                 = 1
	SortTemplateThenRandom     = 2
	SortRandomNoteThenTemplate = 3
	SortRandomCard             = 4
)

// Review orders (ReviewCardOrder in deck_config.proto) that the gatherer knows.
const (
	ReviewOrderDay                 = 0
	ReviewOrderDayThenDeck         = 1
	ReviewOrderDeckThenDay         = 2
	ReviewOrderIntervalsAscending  = 3
	ReviewOrderIntervalsDescending = 4
	ReviewOrderEaseAscending       = 5
	ReviewOrderEaseDescending      = 6
	ReviewOrderRandom              = 8
	ReviewOrderAdded               = 9
	ReviewOrderReverseAdded        = 10
)

// DefaultConfig is Anki's default preset.
func DefaultConfig() Config {
	return Config{
		LearnSteps: []float32{1, 10}, RelearnSteps: []float32{10},
		NewPerDay: 20, ReviewsPerDay: 200, GraduatingGood: 1, GraduatingEasy: 4,
		InitialEase: 2.5, EasyMultiplier: 1.3, HardMultiplier: 1.2, IntervalModifier: 1,
		MaxInterval: 36500, LapseMultiplier: 0, MinLapseInterval: 1, LeechThreshold: 8,
		LeechSuspend: false, CapAnswerSecs: 60, NewSortOrder: SortTemplate,
		DesiredRetention: 0.9, HistoricalRetention: 0.9,
	}
}

// ParseConfig reads a preset. Malformed values fall back to the defaults one by one, so a
// preset written by an old or foreign client still schedules.
func ParseConfig(dc *collection.DeckConfig) Config {
	c := DefaultConfig()
	if dc == nil {
		return c
	}
	o := dc.Other
	newObj, revObj, lapseObj := sub(o, "new"), sub(o, "rev"), sub(o, "lapse")
	getFloats32(newObj, "delays", &c.LearnSteps)
	getFloats32(lapseObj, "delays", &c.RelearnSteps)
	getInt(newObj, "perDay", &c.NewPerDay)
	getInt(revObj, "perDay", &c.ReviewsPerDay)
	var ints []float64
	if getFloats(newObj, "ints", &ints) {
		if len(ints) > 0 {
			c.GraduatingGood = int(ints[0])
		}
		if len(ints) > 1 {
			c.GraduatingEasy = int(ints[1])
		}
	}
	var f float64
	if getFloat(newObj, "initialFactor", &f) && f > 0 {
		c.InitialEase = float32(f / 1000)
	}
	getFloat32(revObj, "ease4", &c.EasyMultiplier)
	getFloat32(revObj, "hardFactor", &c.HardMultiplier)
	getFloat32(revObj, "ivlFct", &c.IntervalModifier)
	getInt(revObj, "maxIvl", &c.MaxInterval)
	getFloat32(lapseObj, "mult", &c.LapseMultiplier)
	getInt(lapseObj, "minInt", &c.MinLapseInterval)
	getInt(lapseObj, "leechFails", &c.LeechThreshold)
	var action int
	if getInt(lapseObj, "leechAction", &action) {
		c.LeechSuspend = action == 0
	}
	getBool(newObj, "bury", &c.BuryNew)
	getBool(revObj, "bury", &c.BuryReviews)
	getBool(o, "buryInterdayLearning", &c.BuryInterdayLearn)
	getInt(o, "maxTaken", &c.CapAnswerSecs)
	getInt(o, "newMix", &c.NewMix)
	getInt(o, "interdayLearningMix", &c.InterdayMix)
	getInt(o, "reviewOrder", &c.ReviewOrder)
	getInt(o, "newSortOrder", &c.NewSortOrder)
	getInt(o, "newGatherPriority", &c.NewGatherPriority)
	getFloat32(o, "desiredRetention", &c.DesiredRetention)
	getFloats(o, "fsrsParams5", &c.FSRSParams5)
	getFloats(o, "fsrsParams6", &c.FSRSParams6)
	getFloats(o, "fsrsWeights", &c.FSRSWeights)
	getFloat32(o, "sm2Retention", &c.HistoricalRetention)
	if raw, ok := o["ignoreRevlogsBeforeDate"]; ok {
		_ = json.Unmarshal(raw, &c.IgnoreRevlogsBefore) // not a string: no date
	}
	if c.MaxInterval < 1 {
		c.MaxInterval = 1
	}
	// Out-of-range retentions fall back to the default, as Anki's
	// ensure_deck_config_values_valid does when it reads a preset.
	if !(c.DesiredRetention >= 0.7 && c.DesiredRetention <= 0.99) {
		c.DesiredRetention = 0.9
	}
	if !(c.HistoricalRetention >= 0.7 && c.HistoricalRetention <= 0.97) {
		c.HistoricalRetention = 0.9
	}
	return c
}

func sub(o map[string]json.RawMessage, key string) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	if raw, ok := o[key]; ok {
		if json.Unmarshal(raw, &m) != nil {
			return nil
		}
	}
	return m
}

func getFloat(o map[string]json.RawMessage, key string, dst *float64) bool {
	raw, ok := o[key]
	if !ok {
		return false
	}
	var v float64
	if json.Unmarshal(raw, &v) != nil {
		return false
	}
	*dst = v
	return true
}

func getFloat32(o map[string]json.RawMessage, key string, dst *float32) bool {
	var v float64
	if !getFloat(o, key, &v) {
		return false
	}
	*dst = float32(v)
	return true
}

func getInt(o map[string]json.RawMessage, key string, dst *int) bool {
	var v float64
	if !getFloat(o, key, &v) {
		return false
	}
	*dst = int(v)
	return true
}

func getBool(o map[string]json.RawMessage, key string, dst *bool) bool {
	raw, ok := o[key]
	if !ok {
		return false
	}
	var v collection.FlexBool
	if json.Unmarshal(raw, &v) != nil {
		return false
	}
	*dst = bool(v)
	return true
}

func getFloats(o map[string]json.RawMessage, key string, dst *[]float64) bool {
	raw, ok := o[key]
	if !ok {
		return false
	}
	var v []float64
	if json.Unmarshal(raw, &v) != nil {
		return false
	}
	*dst = v
	return true
}

func getFloats32(o map[string]json.RawMessage, key string, dst *[]float32) bool {
	var v []float64
	if !getFloats(o, key, &v) {
		return false
	}
	out := make([]float32, 0, len(v))
	for _, x := range v {
		if x > 0 { // Anki drops non-positive steps when it validates a preset
			out = append(out, float32(x))
		}
	}
	*dst = out
	return true
}
