package search

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"modernc.org/sqlite"
)

// SQL function names. Registration is global to the driver, so the names carry a
// prefix that no other package uses.
const (
	fnRegexp       = "dhs_regexp"        // (re, text) -> bool
	fnRegexpFields = "dhs_regexp_fields" // (re, flds, idx...) -> bool; no idx = any field
	fnRegexpTags   = "dhs_regexp_tags"   // (re, tags) -> bool, per space-separated tag
	fnProcessText  = "dhs_process_text"  // (text, flags) -> text or NULL when unchanged
	fnFieldAt      = "dhs_field_at"      // (flds, idx) -> field text or ''
	fnStripHTML    = "dhs_strip_html"    // (text) -> text without HTML, media names kept
	fnCustomData   = "dhs_custom_data"   // (card data, key) -> text or NULL
	fnFSRSVar      = "dhs_fsrs_var"      // (card data, 's'|'d') -> real or NULL
	fnFSRSR        = "dhs_fsrs_r"        // (data, due, ivl, today, next_day_at, now) -> real or NULL
)

// process text flags, as Anki's ProcessTextFlags
const (
	ptNoCombining = 1
	ptStripClozes = 2
)

func init() {
	fns := []struct {
		name string
		n    int32
		f    func(*sqlite.FunctionContext, []driver.Value) (driver.Value, error)
	}{
		{fnRegexp, 2, sqlRegexp},
		{fnRegexpFields, -1, sqlRegexpFields},
		{fnRegexpTags, 2, sqlRegexpTags},
		{fnProcessText, 2, sqlProcessText},
		{fnFieldAt, 2, sqlFieldAt},
		{fnStripHTML, 1, sqlStripHTML},
		{fnCustomData, 2, sqlCustomData},
		{fnFSRSVar, 2, sqlFSRSVar},
		{fnFSRSR, 6, sqlFSRSR},
	}
	for _, f := range fns {
		if err := sqlite.RegisterDeterministicScalarFunction(f.name, f.n, f.f); err != nil {
			panic(fmt.Sprintf("register %s: %v", f.name, err))
		}
	}
}

// text returns an argument as a string; SQLite hands text columns over as
// string, and integer-typed columns such as sfld may arrive as numbers.
func text(v driver.Value) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case []byte:
		return string(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	}
	return "", false
}

func integer(v driver.Value) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case float64:
		return int64(x), true
	case string:
		n, err := strconv.ParseInt(x, 10, 64)
		return n, err == nil
	}
	return 0, false
}

func argRegex(args []driver.Value) (*regexp.Regexp, error) {
	p, ok := text(args[0])
	if !ok {
		return nil, fmt.Errorf("%s: pattern is not text", fnRegexp)
	}
	return compileRegex(p)
}

func sqlRegexp(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	re, err := argRegex(args)
	if err != nil {
		return nil, err
	}
	s, ok := text(args[1])
	if !ok {
		return false, nil
	}
	return re.MatchString(s), nil
}

func sqlRegexpFields(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("%s: not enough arguments", fnRegexpFields)
	}
	re, err := argRegex(args)
	if err != nil {
		return nil, err
	}
	flds, ok := text(args[1])
	if !ok {
		return false, nil
	}
	want := args[2:]
	idx := 0
	for field := range strings.SplitSeq(flds, "\x1f") {
		if len(want) == 0 || containsIndex(want, idx) {
			if re.MatchString(field) {
				return true, nil
			}
		}
		idx++
	}
	return false, nil
}

func containsIndex(want []driver.Value, idx int) bool {
	for _, w := range want {
		if n, ok := integer(w); ok && n == int64(idx) {
			return true
		}
	}
	return false
}

func sqlRegexpTags(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	re, err := argRegex(args)
	if err != nil {
		return nil, err
	}
	tags, ok := text(args[1])
	if !ok {
		return false, nil
	}
	for tag := range strings.SplitSeq(tags, " ") {
		if re.MatchString(tag) {
			return true, nil
		}
	}
	return false, nil
}

func sqlProcessText(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	s, ok := text(args[0])
	if !ok {
		return nil, nil
	}
	flags, _ := integer(args[1])
	out, changed := s, false
	if flags&ptStripClozes != 0 {
		out = stripClozes(out)
		changed = out != s
	}
	if flags&ptNoCombining != 0 {
		var c bool
		out, c = withoutCombining(out)
		changed = changed || c
	}
	if !changed {
		return nil, nil // the caller coalesces with the original, saving a copy
	}
	return out, nil
}

func sqlFieldAt(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	flds, _ := text(args[0])
	idx, _ := integer(args[1])
	i := int64(0)
	for field := range strings.SplitSeq(flds, "\x1f") {
		if i == idx {
			return field, nil
		}
		i++
	}
	return "", nil
}

func sqlStripHTML(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	s, _ := text(args[0])
	return stripHTMLPreservingMedia(s), nil
}

// cardData is the part of cards.data (JSON) that searches read. Fields decode
// one by one so that one malformed value does not hide the others, as in Anki.
type cardData struct {
	S, D, Decay *float64
	LRT         *int64
	Custom      string
}

func parseCardData(s string) cardData {
	var raw map[string]json.RawMessage
	var cd cardData
	if s == "" || json.Unmarshal([]byte(s), &raw) != nil {
		return cd
	}
	num := func(key string) *float64 {
		var f float64
		if m, ok := raw[key]; ok && json.Unmarshal(m, &f) == nil {
			return &f
		}
		return nil
	}
	cd.S, cd.D, cd.Decay = num("s"), num("d"), num("decay")
	if f := num("lrt"); f != nil {
		n := int64(*f)
		cd.LRT = &n
	}
	if m, ok := raw["cd"]; ok {
		_ = json.Unmarshal(m, &cd.Custom)
	}
	return cd
}

func sqlCustomData(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	data, _ := text(args[0])
	key, ok := text(args[1])
	if data == "" || !ok {
		return nil, nil
	}
	var custom map[string]json.RawMessage
	if json.Unmarshal([]byte(parseCardData(data).Custom), &custom) != nil {
		return nil, nil
	}
	v, ok := custom[key]
	if !ok {
		return nil, nil
	}
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s, nil
	}
	return string(v), nil
}

func sqlFSRSVar(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	data, _ := text(args[0])
	key, _ := text(args[1])
	if data == "" {
		return nil, nil
	}
	cd := parseCardData(data)
	var v *float64
	switch key {
	case "s":
		v = cd.S
	case "d":
		v = cd.D
	default:
		return nil, fmt.Errorf("%s: invalid key %q", fnFSRSVar, key)
	}
	if v == nil {
		return nil, nil
	}
	return float64(float32(*v)), nil
}

// fsrs5DefaultDecay is the decay Anki assumes when card data has none.
const fsrs5DefaultDecay = 0.5

func sqlFSRSR(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	data, _ := text(args[0])
	due, ok1 := integer(args[1])
	ivl, ok2 := integer(args[2])
	today, ok3 := integer(args[3])
	now, ok4 := integer(args[5])
	if data == "" || !ok1 || !ok2 || !ok3 || !ok4 {
		return nil, nil
	}
	cd := parseCardData(data)
	if cd.S == nil || cd.D == nil {
		return nil, nil
	}
	var secs int64
	switch {
	case cd.LRT != nil:
		secs = now - *cd.LRT
	case due > 365_000: // (re)learning: due is a timestamp
		secs = now - (due - ivl)
	default:
		secs = (today - (due - ivl)) * 86_400
	}
	secs = max(secs, 0)
	decay := float32(fsrs5DefaultDecay)
	if cd.Decay != nil {
		decay = float32(*cd.Decay)
	}
	return float64(retrievability(float32(*cd.S), float32(secs), decay)), nil
}

// retrievability is FSRS's power forgetting curve: R = (1 + f·t/S)^-decay with
// f chosen so that R = 0.9 when t = S (t in days).
func retrievability(stability, seconds, decay float32) float32 {
	if stability <= 0 {
		return 0
	}
	factor := float32(math.Pow(0.9, float64(1/-decay))) - 1
	return float32(math.Pow(float64(seconds/86400/stability*factor+1), float64(-decay)))
}
