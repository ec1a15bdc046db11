package search

import (
	"strconv"
	"strings"
)

// withArgument turns key:val into the matching search node; an unknown key is a
// field search. keyPos and valPos are offsets in p.s.
func (p *parser) withArgument(key, val string, keyPos, valPos int) (Node, *Error) {
	vp := p.base + valPos
	un := func() (string, *Error) { return unescape(val, vp) }
	switch asciiLower(key) {
	case "deck":
		s, err := un()
		return DeckName{Name: s}, err
	case "note":
		s, err := un()
		return NotetypeName{Name: s}, err
	case "tag":
		if re, ok := strings.CutPrefix(val, "re:"); ok {
			return Tag{Tag: unescapeQuotes(re), Mode: ModeRegex}, nil
		}
		s, err := un()
		return Tag{Tag: s, Mode: ModeNormal}, err
	case "card":
		if n, ok := parseUint(val, 16); ok {
			return Template{Ord: int(max(n, 1) - 1)}, nil
		}
		s, err := un()
		return Template{ByName: true, Name: s}, err
	case "flag":
		n, ok := parseUint(val, 8)
		if !ok || n > 7 {
			return nil, newError(vp, ErrInvalidFlag, "", "")
		}
		return Flag{Flag: uint8(n)}, nil
	case "resched":
		n, err := u32(val, "resched:", vp)
		return Rated{Days: n, Rating: Rating{Button: -1}}, err
	case "prop":
		return parseProp(val, vp)
	case "added":
		n, err := u32(val, "added:", vp)
		return AddedInDays{Days: max(n, 1)}, err
	case "edited":
		n, err := u32(val, "edited:", vp)
		return EditedInDays{Days: max(n, 1)}, err
	case "introduced":
		n, err := u32(val, "introduced:", vp)
		return IntroducedInDays{Days: max(n, 1)}, err
	case "rated":
		days, button, _ := strings.Cut(val, ":")
		n, err := u32(days, "rated:", vp)
		if err != nil {
			return nil, err
		}
		r, err := answerButton(button, strings.Contains(val, ":"), val, vp)
		return Rated{Days: max(n, 1), Rating: r}, err
	case "is":
		st, ok := stateNames[val]
		if !ok {
			return nil, newError(vp, ErrInvalidState, val, "")
		}
		return State{State: st}, nil
	case "did":
		ids, err := idList(val, key, vp)
		return DeckIDs{IDs: ids}, err
	case "mid":
		n, ok := parseInt(val, 64)
		if !ok {
			return nil, newError(vp, ErrInvalidWholeNumber, val, "mid:")
		}
		return NotetypeID{ID: n}, nil
	case "nid":
		ids, err := idList(val, key, vp)
		return NoteIDs{IDs: ids}, err
	case "cid":
		ids, err := idList(val, key, vp)
		return CardIDs{IDs: ids}, err
	case "re":
		return Regex{Re: unescapeQuotes(val)}, nil
	case "nc":
		s, err := un()
		return NoCombining{Text: s}, err
	case "sc":
		s, err := un()
		return StripClozes{Text: s}, err
	case "w":
		s, err := un()
		return WordBoundary{Text: s}, err
	case "dupe":
		ntid, text, found := strings.Cut(val, ",")
		n, ok := parseInt(ntid, 64)
		if !ok {
			return nil, newError(vp, ErrInvalidWholeNumber, ntid, val)
		}
		if !found {
			return nil, newError(vp, ErrOther, "", "invalid 'dupe:' search")
		}
		return Dupe{NotetypeID: n, Text: unescapeQuotesAndBackslashes(text)}, nil
	case "has-cd":
		s, err := un()
		return CustomData{Key: s}, err
	case "preset":
		return Preset{Name: val}, nil
	}
	return p.singleField(key, val, keyPos, vp)
}

func (p *parser) singleField(key, val string, keyPos, vp int) (Node, *Error) {
	field, err := unescape(key, p.base+keyPos)
	if err != nil {
		return nil, err
	}
	if re, ok := strings.CutPrefix(val, "re:"); ok {
		return FieldText{Field: field, Text: unescapeQuotes(re), Mode: ModeRegex}, nil
	}
	if nc, ok := strings.CutPrefix(val, "nc:"); ok {
		return FieldText{Field: field, Text: unescapeQuotes(nc), Mode: ModeNoCombining}, nil
	}
	text, err := unescape(val, vp)
	if err != nil {
		return nil, err
	}
	return FieldText{Field: field, Text: text, Mode: ModeNormal}, nil
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// parseUint accepts what Rust's unsigned from_str accepts: an optional + and digits.
func parseUint(s string, bits int) (uint64, bool) {
	s = strings.TrimPrefix(s, "+")
	if s == "" || !allDigits(s) {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, bits)
	return n, err == nil
}

// parseInt accepts an optional sign and digits, like Rust's signed from_str.
func parseInt(s string, bits int) (int64, bool) {
	body := s
	if strings.HasPrefix(body, "+") || strings.HasPrefix(body, "-") {
		body = body[1:]
	}
	if body == "" || !allDigits(body) {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimPrefix(s, "+"), 10, bits)
	return n, err == nil
}

// parseF32 accepts decimal floats as Rust's f32 from_str does (no hex, no underscores).
func parseF32(s string) (float32, bool) {
	if s == "" || strings.ContainsAny(s, "_xXpP") {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 32)
	if err != nil {
		return 0, false
	}
	return float32(f), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func u32(s, context string, pos int) (uint32, *Error) {
	n, ok := parseUint(s, 32)
	if !ok {
		return 0, newError(pos, ErrInvalidPositiveWholeNumber, s, context)
	}
	return uint32(n), nil
}

// answerButton parses the optional :1-4 of rated: and prop:rated.
func answerButton(s string, present bool, context string, pos int) (Rating, *Error) {
	if !present {
		return Rating{}, nil
	}
	n, ok := parseUint(s, 8)
	if !ok || n < 1 || n > 4 {
		return Rating{}, newError(pos, ErrInvalidAnswerButton, s, context)
	}
	return Rating{Button: int(n)}, nil
}

// idList checks that s holds only digits and commas, like "1,2,3".
func idList(s, key string, pos int) (string, *Error) {
	ok := s != "" && s[0] != ',' && s[len(s)-1] != ','
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = (c >= '0' && c <= '9') || (c == ',' && s[i-1] != ',')
	}
	if !ok {
		return "", newError(pos, ErrOther, "", "expected only digits and commas in "+key+":")
	}
	return s, nil
}

var propNames = []string{"ivl", "due", "reps", "lapses", "ease", "pos", "rated", "resched", "s", "d", "r"}

// parseProp parses prop:<name><op><value>.
func parseProp(clause string, pos int) (Node, *Error) {
	prop, key := "", ""
	for _, name := range propNames {
		if strings.HasPrefix(clause, name) {
			prop = name
			break
		}
	}
	if prop == "" {
		for _, name := range []string{"cdn", "cds"} {
			rest, ok := strings.CutPrefix(clause, name+":")
			if !ok {
				continue
			}
			n := 0
			for n < len(rest) && isASCIIAlnum(rest[n]) {
				n++
			}
			if n > 0 {
				prop, key = name, rest[:n]
			}
			break
		}
	}
	if prop == "" {
		return nil, newError(pos, ErrInvalidPropProperty, clause, "")
	}
	label := prop
	if key != "" {
		label = prop + ":" + key
	}
	tail := clause[len(label):]
	op := ""
	for _, o := range []string{"<=", ">=", "!=", "=", "<", ">"} {
		if strings.HasPrefix(tail, o) {
			op = o
			break
		}
	}
	if op == "" {
		return nil, newError(pos, ErrInvalidPropOperator, label, "")
	}
	num := tail[len(op):]
	node := Property{Prop: prop, Op: op, Key: key}
	fail := func(kind ErrorKind) (Node, *Error) { return nil, newError(pos, kind, num, clause) }
	switch prop {
	case "ease", "s", "d", "r", "cdn":
		f, ok := parseF32(num)
		if !ok {
			return fail(ErrInvalidNumber)
		}
		node.Float = f
	case "due":
		n, ok := parseInt(num, 32)
		if !ok {
			return fail(ErrInvalidWholeNumber)
		}
		node.Int = n
	case "rated", "resched":
		days, button, found := strings.Cut(num, ":")
		if prop == "resched" {
			days, found = num, false
		}
		n, ok := parseInt(days, 32)
		if !ok || n > 0 {
			return nil, newError(pos, ErrInvalidNegativeWholeNumber, days, clause)
		}
		node.Int = n
		node.Rating = Rating{Button: -1}
		if prop == "rated" {
			r, err := answerButton(button, found, clause, pos)
			if err != nil {
				return nil, err
			}
			node.Rating = r
		}
	case "cds":
		node.Str = num
	default: // ivl reps lapses pos
		n, ok := parseUint(num, 32)
		if !ok {
			return fail(ErrInvalidPositiveWholeNumber)
		}
		node.Int = int64(n)
	}
	return node, nil
}

func isASCIIAlnum(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
