// Package csv imports notes from Anki's text format (CSV/TSV with optional "#key:value"
// header lines), the way Anki 2.1.55+ does (rslib import_export/text/csv): delimiter
// detection, header lines, quoted fields, column mapping, HTML or plain text, and
// duplicate handling by first field or guid. It registers itself as the collection's
// text importer (collection.ImportText).
package csv

import (
	"strings"
)

// Delimiters Anki knows, in the order its detection tries them (CsvMetadata.Delimiter:
// roughly ascending frequency in note text, since the first one found wins).
var delimiters = []struct {
	r    rune
	name string
}{
	{'\t', "tab"},
	{'|', "pipe"},
	{';', "semicolon"},
	{':', "colon"},
	{',', "comma"},
	{' ', "space"},
}

// DelimiterName is the name Anki uses in "#separator:" for a delimiter ("" if unknown).
func DelimiterName(r rune) string {
	for _, d := range delimiters {
		if d.r == r {
			return d.name
		}
	}
	return ""
}

// delimiterFromValue reads a "#separator:" value: a name ("Comma") or the character.
func delimiterFromValue(v string) (rune, bool) {
	norm := strings.ToLower(v)
	for _, d := range delimiters {
		if strings.TrimSpace(norm) == d.name || norm == string(d.r) {
			return d.r, true
		}
	}
	return 0, false
}

// detectDelimiter picks the first known delimiter present in the first 8 KiB of the data
// after the header lines, space when none is (Anki's delimiter_from_reader).
func detectDelimiter(data string) rune {
	if len(data) > 8*1024 {
		data = data[:8*1024]
	}
	for _, d := range delimiters {
		if strings.ContainsRune(data, d.r) {
			return d.r
		}
	}
	return ' '
}

const bom = "\uFEFF"

// parseRecords splits text into records like the Rust csv crate as Anki configures it
// (flexible, no header row, '#' comments, '"' quotes with "" escapes, CR, LF or CRLF
// terminators): blank lines and lines starting with '#' are skipped, a quote opens a
// quoted field only at the start of a field, a stray quote elsewhere is kept literally,
// text after a closing quote is appended, and an unterminated quoted field ends at EOF.
func parseRecords(text string, delim rune) [][]string {
	text = strings.TrimPrefix(text, bom)
	var (
		records [][]string
		record  []string
		field   strings.Builder
	)
	const (
		startRecord = iota
		startField
		inField
		inQuoted
		afterQuote // a quote inside a quoted field: "" escape or the end of the quotes
		inComment
	)
	state := startRecord
	endField := func() {
		record = append(record, field.String())
		field.Reset()
	}
	endRecord := func() {
		endField()
		records = append(records, record)
		record = nil
	}
	isTerm := func(r rune) bool { return r == '\n' || r == '\r' }
	for _, r := range text {
		switch state {
		case startRecord:
			if isTerm(r) {
				continue
			}
			if r == '#' {
				state = inComment
				continue
			}
			state = startField
			fallthrough
		case startField:
			switch {
			case r == '"':
				state = inQuoted
			case r == delim:
				endField()
			case isTerm(r):
				endRecord()
				state = startRecord
			default:
				field.WriteRune(r)
				state = inField
			}
		case inField:
			switch {
			case r == delim:
				endField()
				state = startField
			case isTerm(r):
				endRecord()
				state = startRecord
			default:
				field.WriteRune(r)
			}
		case inQuoted:
			if r == '"' {
				state = afterQuote
			} else {
				field.WriteRune(r)
			}
		case afterQuote:
			switch {
			case r == '"':
				field.WriteRune('"')
				state = inQuoted
			case r == delim:
				endField()
				state = startField
			case isTerm(r):
				endRecord()
				state = startRecord
			default:
				field.WriteRune(r)
				state = inField
			}
		case inComment:
			if isTerm(r) {
				state = startRecord
			}
		}
	}
	if state != startRecord && state != inComment {
		endRecord()
	}
	return records
}

// splitLines splits off complete lines (with their terminators) for header parsing.
func nextLine(s string) (line, rest string) {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i+1], s[i+1:]
	}
	return s, ""
}

func stripLineEnding(s string) string {
	if t, ok := strings.CutSuffix(s, "\r\n"); ok {
		return t
	}
	return strings.TrimSuffix(s, "\n")
}
