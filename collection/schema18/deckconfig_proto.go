package schema18

import "fmt"

// deckConfigInner is anki.deck_config.DeckConfig.Config (the deck_config.config column).
type deckConfigInner struct {
	LearnSteps                      []float32
	RelearnSteps                    []float32
	FSRSParams4                     []float32
	FSRSParams5                     []float32
	FSRSParams6                     []float32
	NewPerDay                       uint32
	ReviewsPerDay                   uint32
	NewPerDayMinimum                uint32
	InitialEase                     float32
	EasyMultiplier                  float32
	HardMultiplier                  float32
	LapseMultiplier                 float32
	IntervalMultiplier              float32
	MaximumReviewInterval           uint32
	MinimumLapseInterval            uint32
	GraduatingIntervalGood          uint32
	GraduatingIntervalEasy          uint32
	NewCardInsertOrder              int32
	NewCardGatherPriority           int32
	NewCardSortOrder                int32
	NewMix                          int32
	ReviewOrder                     int32
	InterdayLearningMix             int32
	LeechAction                     int32
	LeechThreshold                  uint32
	DisableAutoplay                 bool
	CapAnswerTimeToSecs             uint32
	ShowTimer                       bool
	StopTimerOnAnswer               bool
	SecondsToShowQuestion           float32
	SecondsToShowAnswer             float32
	QuestionAction                  int32
	AnswerAction                    int32
	WaitForAudio                    bool
	SkipQuestionWhenReplayingAnswer bool
	BuryNew                         bool
	BuryReviews                     bool
	BuryInterdayLearning            bool
	DesiredRetention                float32
	IgnoreRevlogsBeforeDate         string
	EasyDaysPercentages             []float32
	HistoricalRetention             float32
	ParamSearch                     string
	Other                           []byte
}

// encode writes fields in tag order, as prost does.
func (c *deckConfigInner) encode() []byte {
	var e wenc
	e.packedF32s(1, c.LearnSteps)
	e.packedF32s(2, c.RelearnSteps)
	e.packedF32s(3, c.FSRSParams4)
	e.packedF32s(4, c.EasyDaysPercentages)
	e.packedF32s(5, c.FSRSParams5)
	e.packedF32s(6, c.FSRSParams6)
	e.u32(9, c.NewPerDay)
	e.u32(10, c.ReviewsPerDay)
	e.f32(11, c.InitialEase)
	e.f32(12, c.EasyMultiplier)
	e.f32(13, c.HardMultiplier)
	e.f32(14, c.LapseMultiplier)
	e.f32(15, c.IntervalMultiplier)
	e.u32(16, c.MaximumReviewInterval)
	e.u32(17, c.MinimumLapseInterval)
	e.u32(18, c.GraduatingIntervalGood)
	e.u32(19, c.GraduatingIntervalEasy)
	e.i32(20, c.NewCardInsertOrder)
	e.i32(21, c.LeechAction)
	e.u32(22, c.LeechThreshold)
	e.boolean(23, c.DisableAutoplay)
	e.u32(24, c.CapAnswerTimeToSecs)
	e.boolean(25, c.ShowTimer)
	e.boolean(26, c.SkipQuestionWhenReplayingAnswer)
	e.boolean(27, c.BuryNew)
	e.boolean(28, c.BuryReviews)
	e.boolean(29, c.BuryInterdayLearning)
	e.i32(30, c.NewMix)
	e.i32(31, c.InterdayLearningMix)
	e.i32(32, c.NewCardSortOrder)
	e.i32(33, c.ReviewOrder)
	e.i32(34, c.NewCardGatherPriority)
	e.u32(35, c.NewPerDayMinimum)
	e.i32(36, c.QuestionAction)
	e.f32(37, c.DesiredRetention)
	e.boolean(38, c.StopTimerOnAnswer)
	e.f32(40, c.HistoricalRetention)
	e.f32(41, c.SecondsToShowQuestion)
	e.f32(42, c.SecondsToShowAnswer)
	e.i32(43, c.AnswerAction)
	e.boolean(44, c.WaitForAudio)
	e.str(45, c.ParamSearch)
	e.str(46, c.IgnoreRevlogsBeforeDate)
	e.bytes(255, c.Other)
	return e.b
}

func decodeDeckConfigInner(b []byte) (deckConfigInner, error) {
	var c deckConfigInner
	fs, err := parseWire(b)
	if err != nil {
		return c, fmt.Errorf("deck config: %w", err)
	}
	for _, f := range fs {
		switch f.num {
		case 1:
			c.LearnSteps, err = f.appendF32s(c.LearnSteps)
		case 2:
			c.RelearnSteps, err = f.appendF32s(c.RelearnSteps)
		case 3:
			c.FSRSParams4, err = f.appendF32s(c.FSRSParams4)
		case 4:
			c.EasyDaysPercentages, err = f.appendF32s(c.EasyDaysPercentages)
		case 5:
			c.FSRSParams5, err = f.appendF32s(c.FSRSParams5)
		case 6:
			c.FSRSParams6, err = f.appendF32s(c.FSRSParams6)
		case 9:
			c.NewPerDay, err = f.u32()
		case 10:
			c.ReviewsPerDay, err = f.u32()
		case 11:
			c.InitialEase, err = f.f32()
		case 12:
			c.EasyMultiplier, err = f.f32()
		case 13:
			c.HardMultiplier, err = f.f32()
		case 14:
			c.LapseMultiplier, err = f.f32()
		case 15:
			c.IntervalMultiplier, err = f.f32()
		case 16:
			c.MaximumReviewInterval, err = f.u32()
		case 17:
			c.MinimumLapseInterval, err = f.u32()
		case 18:
			c.GraduatingIntervalGood, err = f.u32()
		case 19:
			c.GraduatingIntervalEasy, err = f.u32()
		case 20:
			c.NewCardInsertOrder, err = f.i32()
		case 21:
			c.LeechAction, err = f.i32()
		case 22:
			c.LeechThreshold, err = f.u32()
		case 23:
			c.DisableAutoplay, err = f.boolean()
		case 24:
			c.CapAnswerTimeToSecs, err = f.u32()
		case 25:
			c.ShowTimer, err = f.boolean()
		case 26:
			c.SkipQuestionWhenReplayingAnswer, err = f.boolean()
		case 27:
			c.BuryNew, err = f.boolean()
		case 28:
			c.BuryReviews, err = f.boolean()
		case 29:
			c.BuryInterdayLearning, err = f.boolean()
		case 30:
			c.NewMix, err = f.i32()
		case 31:
			c.InterdayLearningMix, err = f.i32()
		case 32:
			c.NewCardSortOrder, err = f.i32()
		case 33:
			c.ReviewOrder, err = f.i32()
		case 34:
			c.NewCardGatherPriority, err = f.i32()
		case 35:
			c.NewPerDayMinimum, err = f.u32()
		case 36:
			c.QuestionAction, err = f.i32()
		case 37:
			c.DesiredRetention, err = f.f32()
		case 38:
			c.StopTimerOnAnswer, err = f.boolean()
		case 40:
			c.HistoricalRetention, err = f.f32()
		case 41:
			c.SecondsToShowQuestion, err = f.f32()
		case 42:
			c.SecondsToShowAnswer, err = f.f32()
		case 43:
			c.AnswerAction, err = f.i32()
		case 44:
			c.WaitForAudio, err = f.boolean()
		case 45:
			c.ParamSearch, err = f.str()
		case 46:
			c.IgnoreRevlogsBeforeDate, err = f.str()
		case 255:
			c.Other, err = f.bytes()
		}
		if err != nil {
			return c, fmt.Errorf("deck config: %w", err)
		}
	}
	return c, nil
}

// Defaults and bounds from Anki's DEFAULT_DECK_CONFIG_INNER and
// ensure_deck_config_values_valid, applied when configs are read for a downgrade:
// an earlier options screen could persist 0 or NaN.
func (c *deckConfigInner) ensureValid() {
	u := func(v *uint32, def, lo, hi uint32) {
		if *v < lo || *v > hi {
			*v = def
		}
	}
	f := func(v *float32, def, lo, hi float32) {
		if *v != *v || *v < lo || *v > hi {
			*v = def
		}
	}
	u(&c.NewPerDay, 20, 0, 9999)
	u(&c.ReviewsPerDay, 200, 0, 9999)
	u(&c.NewPerDayMinimum, 0, 0, 9999)
	f(&c.InitialEase, 2.5, 1.31, 5.0)
	f(&c.EasyMultiplier, 1.3, 1.0, 5.0)
	f(&c.HardMultiplier, 1.2, 0.5, 1.3)
	f(&c.LapseMultiplier, 0.0, 0.0, 1.0)
	f(&c.IntervalMultiplier, 1.0, 0.5, 2.0)
	u(&c.MaximumReviewInterval, 36500, 1, 36500)
	u(&c.MinimumLapseInterval, 1, 1, 36500)
	u(&c.GraduatingIntervalGood, 1, 1, 36500)
	u(&c.GraduatingIntervalEasy, 4, 1, 36500)
	u(&c.LeechThreshold, 8, 1, 9999)
	u(&c.CapAnswerTimeToSecs, 60, 1, 9999)
	f(&c.DesiredRetention, 0.9, 0.7, 0.99)
	f(&c.HistoricalRetention, 0.9, 0.7, 0.97)
}
