package schema18

import (
	"strconv"
)

// deckConfig is a schema-18 deck_config row.
type deckConfig struct {
	ID     int64
	Name   string
	Mtime  int64
	Usn    int64
	Config deckConfigInner
}

var (
	// Keys owned by DeckConfSchema11 (RESERVED_DECKCONF_KEYS plus the sub-objects).
	deckConfKeys = set("id", "mod", "name", "usn", "maxTaken", "autoplay", "timer", "replayq",
		"new", "rev", "lapse", "dyn", "newMix", "newPerDayMinimum", "interdayLearningMix",
		"reviewOrder", "newSortOrder", "newGatherPriority", "buryInterdayLearning", "fsrsWeights",
		"fsrsParams5", "fsrsParams6", "desiredRetention", "ignoreRevlogsBeforeDate",
		"easyDaysPercentages", "stopTimerOnAnswer", "secondsToShowQuestion", "secondsToShowAnswer",
		"questionAction", "answerAction", "waitForAudio", "sm2Retention", "weightSearch")
	reservedDeckConfKeys = set("id", "newSortOrder", "replayq", "newPerDayMinimum", "usn", "autoplay",
		"dyn", "maxTaken", "reviewOrder", "buryInterdayLearning", "newMix", "mod", "timer", "name",
		"interdayLearningMix", "newGatherPriority", "fsrsWeights", "fsrsParams5", "fsrsParams6",
		"desiredRetention", "stopTimerOnAnswer", "secondsToShowQuestion", "secondsToShowAnswer",
		"questionAction", "answerAction", "waitForAudio", "sm2Retention", "weightSearch",
		"ignoreRevlogsBeforeDate", "easyDaysPercentages")
	deckConfNewKeys   = set("order", "delays", "bury", "perDay", "initialFactor", "ints")
	deckConfRevKeys   = set("maxIvl", "hardFactor", "ease4", "ivlFct", "perDay", "bury")
	deckConfLapseKeys = set("leechFails", "mult", "leechAction", "delays", "minInt")
)

type newConf11 struct {
	bury          bool
	delays        []float32
	initialFactor uint16
	good, easy    uint16
	randomOrder   bool
	perDay        uint32
	other         *object
}

type revConf11 struct {
	bury                      bool
	ease4, ivlFct, hardFactor float32
	maxIvl, perDay            uint32
	other                     *object
}

type lapseConf11 struct {
	delays             []float32
	tagOnly            bool
	leechFails, minInt uint32
	mult               float32
	other              *object
}

// In Anki new/rev/lapse are `default_on_invalid`: if any required member is missing or
// has the wrong type, the whole sub-object silently becomes the default one.
func parseNewConf(o *object, ok bool) newConf11 {
	def := newConf11{delays: []float32{1, 10}, initialFactor: 2500, good: 1, easy: 4, perDay: 20}
	if !ok {
		return def
	}
	for _, k := range []string{"delays", "initialFactor", "ints", "order", "perDay"} {
		if !o.has(k) {
			return def
		}
	}
	f, okF := asInt(o.vals["initialFactor"])
	if !okF || f < 0 || f > 0xffff {
		return def
	}
	n := newConf11{
		bury:          o.boolean("bury", false),
		initialFactor: uint16(f),
		good:          1,
		easy:          4,
		perDay:        o.u32("perDay", 0),
		other:         o.rest(deckConfNewKeys),
	}
	n.delays, _ = o.f32s("delays")
	if n.delays == nil {
		n.delays = []float32{}
	}
	// AnkiDroid once wrote two-element ints; fewer than two, or bad values, mean defaults.
	if ints, ok := o.f32s("ints"); ok && len(ints) >= 2 && validU16(ints[0]) && validU16(ints[1]) {
		n.good, n.easy = uint16(ints[0]), uint16(ints[1])
	}
	if ord, ok := asInt(o.vals["order"]); ok && ord == 0 {
		n.randomOrder = true
	}
	return n
}

func validU16(f float32) bool { return f >= 0 && f <= 0xffff && f == float32(int32(f)) }

func parseRevConf(o *object, ok bool) revConf11 {
	def := revConf11{ease4: 1.3, ivlFct: 1, maxIvl: 36500, perDay: 200, hardFactor: 1.2}
	if !ok || !o.has("perDay") {
		return def
	}
	ease4, ok1 := asFloat(o.vals["ease4"])
	ivlFct, ok2 := asFloat(o.vals["ivlFct"])
	maxIvl, ok3 := asInt(o.vals["maxIvl"])
	if !ok1 || !ok2 || !ok3 || maxIvl < 0 || maxIvl > 1<<32-1 {
		return def
	}
	return revConf11{
		bury:       o.boolean("bury", false),
		ease4:      float32(ease4),
		ivlFct:     float32(ivlFct),
		maxIvl:     uint32(maxIvl),
		perDay:     o.u32("perDay", 0),
		hardFactor: o.f32("hardFactor", 1.2),
		other:      o.rest(deckConfRevKeys),
	}
}

func parseLapseConf(o *object, ok bool) lapseConf11 {
	def := lapseConf11{delays: []float32{10}, tagOnly: true, leechFails: 8, minInt: 1}
	if !ok || !o.has("delays") || !o.has("leechAction") {
		return def
	}
	fails, ok1 := asInt(o.vals["leechFails"])
	minInt, ok2 := asInt(o.vals["minInt"])
	mult, ok3 := asFloat(o.vals["mult"])
	if !ok1 || !ok2 || !ok3 || fails < 0 || minInt < 0 || fails > 1<<32-1 || minInt > 1<<32-1 {
		return def
	}
	l := lapseConf11{
		tagOnly:    true,
		leechFails: uint32(fails),
		minInt:     uint32(minInt),
		mult:       float32(mult),
		other:      o.rest(deckConfLapseKeys),
	}
	l.delays, _ = o.f32s("delays")
	if l.delays == nil {
		l.delays = []float32{}
	}
	if a, ok := asInt(o.vals["leechAction"]); ok && a == 0 {
		l.tagOnly = false
	}
	return l
}

// deckConfigFromSchema11 converts one dconf entry as Anki's From<DeckConfSchema11> does;
// id is the map key, which Anki trusts over the inner id.
func deckConfigFromSchema11(id int64, o *object) deckConfig {
	nsub, nok := o.sub("new")
	rsub, rok := o.sub("rev")
	lsub, lok := o.sub("lapse")
	nc := parseNewConf(nsub, nok)
	rc := parseRevConf(rsub, rok)
	lc := parseLapseConf(lsub, lok)

	other := o.rest(deckConfKeys)
	addSub := func(k string, sub *object) {
		if !sub.empty() {
			other.keys = append(other.keys, k)
			other.vals[k] = sub.bytes()
		}
	}
	addSub("new", nc.other)
	addSub("rev", rc.other)
	addSub("lapse", lc.other)

	insertOrder := int32(0) // NEW_CARD_INSERT_ORDER_DUE
	if nc.randomOrder {
		insertOrder = 1
	}
	leech := int32(0)
	if lc.tagOnly {
		leech = 1
	}
	fsrs := func(k string) []float32 {
		v, _ := o.f32s(k)
		return v
	}
	return deckConfig{
		ID:    id,
		Name:  o.str("name", ""),
		Mtime: o.int("mod", 0),
		Usn:   o.int("usn", 0),
		Config: deckConfigInner{
			LearnSteps:                      nc.delays,
			RelearnSteps:                    lc.delays,
			NewPerDay:                       nc.perDay,
			ReviewsPerDay:                   rc.perDay,
			NewPerDayMinimum:                o.u32("newPerDayMinimum", 0),
			InitialEase:                     float32(nc.initialFactor) / 1000,
			EasyMultiplier:                  rc.ease4,
			HardMultiplier:                  rc.hardFactor,
			LapseMultiplier:                 lc.mult,
			IntervalMultiplier:              rc.ivlFct,
			MaximumReviewInterval:           rc.maxIvl,
			MinimumLapseInterval:            lc.minInt,
			GraduatingIntervalGood:          uint32(nc.good),
			GraduatingIntervalEasy:          uint32(nc.easy),
			NewCardInsertOrder:              insertOrder,
			NewCardGatherPriority:           o.i32("newGatherPriority", 0),
			NewCardSortOrder:                o.i32("newSortOrder", 0),
			ReviewOrder:                     o.i32("reviewOrder", 0),
			NewMix:                          o.i32("newMix", 0),
			InterdayLearningMix:             o.i32("interdayLearningMix", 0),
			LeechAction:                     leech,
			LeechThreshold:                  lc.leechFails,
			DisableAutoplay:                 !o.boolean("autoplay", true),
			CapAnswerTimeToSecs:             uint32(max(o.i32("maxTaken", 60), 0)),
			ShowTimer:                       o.int("timer", 0) != 0,
			StopTimerOnAnswer:               o.boolean("stopTimerOnAnswer", false),
			SecondsToShowQuestion:           o.f32("secondsToShowQuestion", 0),
			SecondsToShowAnswer:             o.f32("secondsToShowAnswer", 0),
			QuestionAction:                  o.i32("questionAction", 0),
			AnswerAction:                    o.i32("answerAction", 0),
			WaitForAudio:                    o.boolean("waitForAudio", true),
			SkipQuestionWhenReplayingAnswer: !o.boolean("replayq", false),
			BuryNew:                         nc.bury,
			BuryReviews:                     rc.bury,
			BuryInterdayLearning:            o.boolean("buryInterdayLearning", false),
			FSRSParams4:                     fsrs("fsrsWeights"),
			FSRSParams5:                     fsrs("fsrsParams5"),
			FSRSParams6:                     fsrs("fsrsParams6"),
			DesiredRetention:                o.f32("desiredRetention", 0),
			IgnoreRevlogsBeforeDate:         o.str("ignoreRevlogsBeforeDate", ""),
			EasyDaysPercentages:             fsrs("easyDaysPercentages"),
			HistoricalRetention:             o.f32("sm2Retention", 0),
			ParamSearch:                     o.str("weightSearch", ""),
			Other:                           other.bytes(),
		},
	}
}

// schema11JSON renders the config as Anki's DeckConfSchema11 serialises it.
func (dc *deckConfig) schema11JSON() []byte {
	i := &dc.Config
	top := otherFrom(i.Other, nil)
	var newOther, revOther, lapseOther *object
	if top != nil {
		pick := func(k string, reserved map[string]bool) *object {
			s, ok := top.sub(k)
			top.del(k)
			if !ok {
				return nil
			}
			return s.rest(reserved)
		}
		newOther = pick("new", deckConfNewKeys)
		revOther = pick("rev", deckConfRevKeys)
		lapseOther = pick("lapse", deckConfLapseKeys)
		top = top.rest(reservedDeckConfKeys)
	}

	var w owriter
	w.begin()
	w.int("id", dc.ID)
	w.int("mod", dc.Mtime)
	w.str("name", dc.Name)
	w.int("usn", dc.Usn)
	w.int("maxTaken", int64(int32(i.CapAnswerTimeToSecs)))
	w.boolean("autoplay", !i.DisableAutoplay)
	w.int("timer", map[bool]int64{true: 1, false: 0}[i.ShowTimer])
	w.boolean("replayq", !i.SkipQuestionWhenReplayingAnswer)

	var nw owriter
	nw.begin()
	nw.boolean("bury", i.BuryNew)
	nw.f32s("delays", nonNil(i.LearnSteps))
	nw.int("initialFactor", int64(f32ToU16(i.InitialEase*1000)))
	nw.key("ints")
	nw.buf.WriteString("[" + strconv.Itoa(int(uint16(i.GraduatingIntervalGood))) + "," +
		strconv.Itoa(int(uint16(i.GraduatingIntervalEasy))) + ",0]")
	order := int64(1) // schema 11: 0 random, 1 due
	if i.NewCardInsertOrder == 1 {
		order = 0
	}
	nw.int("order", order)
	nw.int("perDay", int64(i.NewPerDay))
	nw.merge(newOther)
	nw.end()
	w.raw("new", nw.buf.Bytes())

	var rw owriter
	rw.begin()
	rw.boolean("bury", i.BuryReviews)
	rw.f32("ease4", i.EasyMultiplier)
	rw.f32("ivlFct", i.IntervalMultiplier)
	rw.int("maxIvl", int64(i.MaximumReviewInterval))
	rw.int("perDay", int64(i.ReviewsPerDay))
	rw.f32("hardFactor", i.HardMultiplier)
	rw.merge(revOther)
	rw.end()
	w.raw("rev", rw.buf.Bytes())

	var lw owriter
	lw.begin()
	lw.f32s("delays", nonNil(i.RelearnSteps))
	leech := int64(0)
	if i.LeechAction == 1 {
		leech = 1
	}
	lw.int("leechAction", leech)
	lw.int("leechFails", int64(i.LeechThreshold))
	lw.int("minInt", int64(i.MinimumLapseInterval))
	lw.f32("mult", i.LapseMultiplier)
	lw.merge(lapseOther)
	lw.end()
	w.raw("lapse", lw.buf.Bytes())

	w.boolean("dyn", false)
	w.int("newMix", int64(i.NewMix))
	w.int("newPerDayMinimum", int64(i.NewPerDayMinimum))
	w.int("interdayLearningMix", int64(i.InterdayLearningMix))
	w.int("reviewOrder", int64(i.ReviewOrder))
	w.int("newSortOrder", int64(i.NewCardSortOrder))
	w.int("newGatherPriority", int64(i.NewCardGatherPriority))
	w.boolean("buryInterdayLearning", i.BuryInterdayLearning)
	w.f32s("fsrsWeights", nonNil(i.FSRSParams4))
	w.f32s("fsrsParams5", nonNil(i.FSRSParams5))
	w.f32s("fsrsParams6", nonNil(i.FSRSParams6))
	w.f32("desiredRetention", i.DesiredRetention)
	w.str("ignoreRevlogsBeforeDate", i.IgnoreRevlogsBeforeDate)
	w.f32s("easyDaysPercentages", nonNil(i.EasyDaysPercentages))
	w.boolean("stopTimerOnAnswer", i.StopTimerOnAnswer)
	w.f32("secondsToShowQuestion", i.SecondsToShowQuestion)
	w.f32("secondsToShowAnswer", i.SecondsToShowAnswer)
	qa := int64(0)
	if i.QuestionAction == 1 {
		qa = 1
	}
	w.int("questionAction", qa)
	aa := int64(0)
	if i.AnswerAction >= 1 && i.AnswerAction <= 4 {
		aa = int64(i.AnswerAction)
	}
	w.int("answerAction", aa)
	w.boolean("waitForAudio", i.WaitForAudio)
	w.f32("sm2Retention", i.HistoricalRetention)
	w.str("weightSearch", i.ParamSearch)
	w.merge(top)
	w.end()
	return w.buf.Bytes()
}

func nonNil(v []float32) []float32 {
	if v == nil {
		return []float32{}
	}
	return v
}

// f32ToU16 converts like Rust's saturating `as u16` cast.
func f32ToU16(f float32) uint16 {
	switch {
	case f != f || f <= 0:
		return 0
	case f >= 65535:
		return 65535
	}
	return uint16(f)
}
