package app

import (
	"html"
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/deckhand-app/deckhand/collection/template"
	"github.com/deckhand-app/deckhand/collection/text"
)

// Type in the answer, as Anki's reviewer does it (qt/aqt/reviewer.py typeAnsQuestionFilter /
// typeAnsAnswerFilter, rslib/src/typeanswer.rs compare_answer): the rendered card holds a
// [[type:Field]] placeholder (type:cloze: and type:nc: variants); the question shows an input
// there, the answer shows the typed text compared with the expected one character by
// character, marked good / bad / missed.

var typeAnsPat = regexp.MustCompile(`\[\[type:(.+?)\]\]`)

// typeLinebreaks are turned into spaces before the expected answer is stripped of HTML.
var typeLinebreaks = regexp.MustCompile(`(?is)(\n|<br\s?/?>|</?div>)+`)

// avTags matches [sound:x] and [anki:tts …]…[/anki:tts], which the comparison ignores.
var avTags = regexp.MustCompile(`(?s)\[sound:[^\]]*\]|\[anki:tts[^\]]*\].*?\[/anki:tts\]`)

// stripExpected is the text the typed answer is compared with.
func stripExpected(expected string) string {
	s := avTags.ReplaceAllString(expected, "")
	s = typeLinebreaks.ReplaceAllString(s, " ")
	return strings.TrimSpace(text.StripHTML(s))
}

// CompareAnswer returns Anki's comparison HTML: <code id=typeans> with spans of class
// typeGood, typeBad and typeMissed; the typed line, an arrow and the expected line when they
// differ. combining false ignores combining marks (type:nc:).
func CompareAnswer(expected, typed string, combining bool) string {
	exp := stripExpected(expected)
	if typed == "" {
		return "<code id=typeans>" + text.EncodeMinimal(exp) + "</code>"
	}
	var t, e []rune
	var eSplit []string // non-combining: each base char with its marks, for the expected line
	if combining {
		t, e = []rune(norm.NFC.String(typed)), []rune(norm.NFC.String(exp))
	} else {
		for _, r := range norm.NFKD.String(typed) {
			if !unicode.IsMark(r) {
				t = append(t, r)
			}
		}
		for _, r := range norm.NFKD.String(exp) {
			if unicode.IsMark(r) {
				if len(eSplit) > 0 {
					eSplit[len(eSplit)-1] += string(r)
				}
				continue
			}
			e = append(e, r)
			eSplit = append(eSplit, string(r))
		}
	}
	if string(t) == string(e) {
		orig := string(e)
		if !combining {
			orig = exp
		}
		return "<code id=typeans><span class=typeGood>" + text.EncodeMinimal(orig) + "</span></code>"
	}
	var typedHTML, expHTML strings.Builder
	span := func(b *strings.Builder, class, s string) {
		b.WriteString("<span class=" + class + ">" + text.EncodeMinimal(s) + "</span>")
	}
	// the expected side of the non-combining comparison shows the marks again
	ePos := 0
	expSpan := func(class string, rs []rune) {
		s := string(rs)
		if !combining {
			s = strings.Join(eSplit[ePos:ePos+len(rs)], "")
		}
		ePos += len(rs)
		span(&expHTML, class, s)
	}
	for _, op := range opcodes(t, e) {
		ts, es := t[op.i1:op.i2], e[op.j1:op.j2]
		switch op.tag {
		case 'e':
			span(&typedHTML, "typeGood", isolateMark(string(ts)))
			expSpan("typeGood", es)
		case 'd':
			span(&typedHTML, "typeBad", isolateMark(string(ts)))
		case 'i':
			span(&typedHTML, "typeMissed", strings.Repeat("-", len(es)))
			expSpan("typeMissed", es)
		case 'r':
			span(&typedHTML, "typeBad", isolateMark(string(ts)))
			expSpan("typeMissed", es)
		}
	}
	return "<code id=typeans>" + typedHTML.String() + "<br><span id=typearrow>&darr;</span><br>" + expHTML.String() + "</code>"
}

// isolateMark puts a no-break space before a leading combining mark so that it does not join
// the previous span's last character.
func isolateMark(s string) string {
	for _, r := range s {
		if unicode.IsMark(r) {
			return "\u00a0" + s
		}
		break
	}
	return s
}

// TypeAnswer is the type-in-the-answer state of one card.
type TypeAnswer struct {
	Field    string // the field named in the template ("" when the card has no type box)
	Expected string // the field's (or cloze's) content
	// Combining is false for type:nc:, which ignores accents and other combining marks.
	Combining bool
	// Problem replaces the box when the field is unknown (Anki's wording).
	Problem string
}

// Active reports whether the question shows an input box.
func (ta TypeAnswer) Active() bool { return ta.Field != "" && ta.Expected != "" && ta.Problem == "" }

// typeAnswerFor parses the first placeholder of question and finds the expected answer.
// fields maps the note's field names to values; clozeOrd is the card's ord + 1.
func typeAnswerFor(question string, fieldNames, values []string, clozeOrd int) (TypeAnswer, bool) {
	m := typeAnsPat.FindStringSubmatch(question)
	if m == nil {
		return TypeAnswer{}, false
	}
	ta := TypeAnswer{Combining: true}
	fld := m[1]
	cloze := false
	if rest, ok := strings.CutPrefix(fld, "cloze:"); ok {
		cloze, fld = true, rest
	}
	if rest, ok := strings.CutPrefix(fld, "nc:"); ok {
		ta.Combining, fld = false, rest
	}
	ta.Field = fld
	found := false
	for i, n := range fieldNames {
		if n == fld && i < len(values) {
			found = true
			ta.Expected = values[i]
			if cloze {
				ta.Expected = template.ClozeForTyping(ta.Expected, clozeOrd)
			}
			break
		}
	}
	if !found {
		if cloze {
			ta.Problem = "Please run Tools>Empty Cards"
		} else {
			ta.Problem = "Type answer: unknown field " + html.EscapeString(fld)
		}
	}
	return ta, true
}

// QuestionHTML replaces the placeholder on the question side: by nothing when the box is
// shown (the view puts its own input there), by Anki's warning for an unknown field, and by
// nothing for an empty field.
func (ta TypeAnswer) QuestionHTML(q string) string {
	if ta.Problem != "" {
		return typeAnsPat.ReplaceAllLiteralString(q, ta.Problem)
	}
	return typeAnsPat.ReplaceAllLiteralString(q, "")
}

// AnswerHTML puts the comparison of typed with the expected answer where the placeholder is;
// like Anki, an <hr id=answer> is moved before it so that {{FrontSide}} cards keep the
// separator above the comparison.
func (ta TypeAnswer) AnswerHTML(a, typed string) string {
	if !ta.Active() {
		return typeAnsPat.ReplaceAllLiteralString(a, "")
	}
	const hr = "<hr id=answer>"
	had := strings.Contains(a, hr)
	a = strings.ReplaceAll(a, hr, "")
	out := CompareAnswer(ta.Expected, typed, ta.Combining)
	if had {
		out = hr + out
	}
	return typeAnsPat.ReplaceAllLiteralString(a, out)
}
