package search

import "fmt"

// ErrorKind classifies a parse error like Anki's SearchErrorKind.
type ErrorKind int

const (
	ErrOther ErrorKind = iota
	ErrMisplacedAnd
	ErrMisplacedOr
	ErrEmptyGroup
	ErrUnopenedGroup
	ErrUnclosedGroup
	ErrEmptyQuote
	ErrUnclosedQuote
	ErrMissingKey
	ErrUnknownEscape
	ErrInvalidState
	ErrInvalidFlag
	ErrInvalidPropProperty
	ErrInvalidPropOperator
	ErrInvalidNumber
	ErrInvalidWholeNumber
	ErrInvalidPositiveWholeNumber
	ErrInvalidNegativeWholeNumber
	ErrInvalidAnswerButton
	ErrInvalidRegex
)

// Error is a search error. Pos is the byte offset in the query where the offending
// part starts; Msg is Anki's English explanation.
type Error struct {
	Pos  int
	Msg  string
	Kind ErrorKind
	// Provided is the offending text where Anki reports one (escape, state, number…).
	Provided string
}

func (e *Error) Error() string {
	return fmt.Sprintf("Invalid search: %s (at offset %d)", e.Msg, e.Pos)
}

func newError(pos int, kind ErrorKind, provided, context string) *Error {
	return &Error{Pos: pos, Kind: kind, Provided: provided, Msg: message(kind, provided, context)}
}

// message renders Anki's ftl/core/search.ftl wording (backticks in user text become ').
func message(kind ErrorKind, provided, context string) string {
	p := sanitizeTicks(provided)
	c := sanitizeTicks(context)
	switch kind {
	case ErrMisplacedAnd:
		return "an `and` was found but it is not connecting two search terms. If you want to search for the word itself, wrap it in double quotes: `\"and\"`."
	case ErrMisplacedOr:
		return "an `or` was found but it is not connecting two search terms. If you want to search for the word itself, wrap it in double quotes: `\"or\"`."
	case ErrEmptyGroup:
		return "a group `(...)` was found, but there was nothing between the brackets to search for. If you want to search for literal brackets, wrap them in double quotes: `\"( )\"`."
	case ErrUnopenedGroup:
		return "a closing bracket `)` was found, but there was no opening bracket `(` preceding it. If you want to search for a literal `)`, wrap it in double quotes or prepend a backslash: `\")\"` or `\\)`."
	case ErrUnclosedGroup:
		return "an opening bracket `(` was found, but there was no closing bracket `)` following it. If you want to search for a literal `(`, wrap it in double quotes or prepend a backslash: `\"(\"` or `\\(` ."
	case ErrEmptyQuote:
		return "a pair of double quotes `\"\"` was found, but there was nothing between them to search for. If you want to search for literal double quotes, prepend backslashes: `\\\"\\\"`."
	case ErrUnclosedQuote:
		return "an opening double quote `\"` was found, but there was no second one to close it. If you want to search for a literal `\"`, prepend a backslash: `\\\"`."
	case ErrMissingKey:
		return "a colon `:` was found, but there was no keyword preceding it. If you want to search for a literal `:`, prepend a backslash: `\\:`."
	case ErrUnknownEscape:
		return fmt.Sprintf("the escape sequence `%s` is not defined. If you want to search for a literal backslash `\\`, prepend another one: `\\\\`.", p)
	case ErrInvalidState:
		return fmt.Sprintf("`is:` was given an invalid argument '`%s`'.", p)
	case ErrInvalidFlag:
		return "`flag:` must be followed by a valid flag number: `1` (red), `2` (orange), `3` (green), `4` (blue), `5` (pink), `6` (turquoise), `7` (purple) or `0` (no flag)."
	case ErrInvalidPropProperty:
		return fmt.Sprintf("`prop:` was given an invalid argument '`%s`'.", p)
	case ErrInvalidPropOperator:
		return fmt.Sprintf("`prop:%s` must be followed by one of the following comparison operators: `=`, `!=`, `<`, `>`, `<=` or `>=`.", provided)
	case ErrInvalidNumber:
		return fmt.Sprintf("expected a number in \"`%s`\", but found \"`%s`\".", c, p)
	case ErrInvalidWholeNumber:
		return fmt.Sprintf("expected a whole number in \"`%s`\", but found \"`%s`\".", c, p)
	case ErrInvalidPositiveWholeNumber:
		return fmt.Sprintf("expected a positive whole number in \"`%s`\", but found \"`%s`\".", c, p)
	case ErrInvalidNegativeWholeNumber:
		return fmt.Sprintf("expected a whole number less than or equal to 0 in \"`%s`\", but found \"`%s`\".", c, p)
	case ErrInvalidAnswerButton:
		return fmt.Sprintf("expected an answer button between 1-4 in \"`%s`\", but found \"`%s`\".", c, p)
	case ErrInvalidRegex:
		return fmt.Sprintf("invalid regular expression `%s`: %s", p, c)
	}
	if context != "" {
		return context
	}
	return "please check for typing mistakes."
}

func sanitizeTicks(s string) string {
	out := []rune(s)
	for i, r := range out {
		if r == '`' {
			out[i] = '\''
		}
	}
	return string(out)
}
