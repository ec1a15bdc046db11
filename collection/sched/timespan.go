package sched

import (
	"math"
	"strconv"
)

// Interval labels as Anki puts them on the answer buttons (rslib/src/scheduler/timespan.rs
// with the English strings of scheduling.ftl): the natural unit of the span, seconds,
// minutes and days as integers, hours, months and years to one decimal ("10m", "1d",
// "1.2mo", "2.5y"). Months are a twelfth of a 365-day year.

const (
	spanMinute = float32(60)
	spanHour   = 60 * spanMinute
	spanDay    = 24 * spanHour
	spanYear   = 365 * spanDay
	spanMonth  = spanYear / 12
)

// AnswerButtonTime is the label for an interval of secs seconds ("30s", "1m", "1.1mo").
func AnswerButtonTime(secs float32) string {
	abs := float32(math.Abs(float64(secs)))
	var amount float32
	var unit string
	oneDecimal := func(v float32) float32 { return roundF(v*10) / 10 }
	switch {
	case abs < spanMinute:
		amount, unit = roundF(secs), "s"
	case abs < spanHour:
		amount, unit = roundF(secs/spanMinute), "m"
	case abs < spanDay:
		amount, unit = oneDecimal(secs/spanHour), "h"
	case abs < spanMonth:
		amount, unit = roundF(secs/spanDay), "d"
	case abs < spanYear:
		amount, unit = oneDecimal(secs/spanMonth), "mo"
	default:
		amount, unit = oneDecimal(secs/spanYear), "y"
	}
	return strconv.FormatFloat(float64(amount), 'f', -1, 32) + unit
}

// AnswerButtonLabel is AnswerButtonTime with Anki's collapsing: "End" for zero (a preview
// card leaving its filtered deck) and a "<" prefix below the learn-ahead limit.
func AnswerButtonLabel(secs, learnAheadSecs int) string {
	s := AnswerButtonTime(float32(secs))
	switch {
	case secs == 0:
		return "End"
	case secs < learnAheadSecs:
		return "<" + s
	}
	return s
}
