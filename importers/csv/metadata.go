package csv

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/text"
)

// DupeResolution says what happens to a row whose note already exists (Anki's
// CsvMetadata.DupeResolution).
type DupeResolution int

const (
	// DupeUpdate overwrites the existing note ("update current", Anki's default).
	DupeUpdate DupeResolution = iota
	// DupeSkip leaves the existing note and skips the row ("keep current").
	DupeSkip
	// DupeKeepBoth adds the row as a new note beside the existing one ("keep both").
	DupeKeepBoth
)

// ParseDupeResolution reads "update", "skip"/"keep current"/"preserve", or
// "keep"/"keep both"/"duplicate" ("keep" means keep both, as in collection.TextImportRequest).
func ParseDupeResolution(s string) (DupeResolution, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "update", "update current":
		return DupeUpdate, nil
	case "skip", "keep current", "preserve":
		return DupeSkip, nil
	case "keep", "keep both", "duplicate":
		return DupeKeepBoth, nil
	}
	return 0, fmt.Errorf("unknown duplicate handling %q (want update, skip or keep)", s)
}

func (d DupeResolution) String() string {
	switch d {
	case DupeSkip:
		return "keep current"
	case DupeKeepBoth:
		return "keep both"
	}
	return "update current"
}

// MatchScope says which existing notes count as duplicates of a row by first field.
type MatchScope int

const (
	// MatchNotetype: notes of the same note type.
	MatchNotetype MatchScope = iota
	// MatchNotetypeAndDeck: notes of the same note type with a card in the target deck.
	MatchNotetypeAndDeck
)

// Metadata is what the header lines and the options say about a file (Anki's CsvMetadata).
type Metadata struct {
	Delimiter      rune
	ForceDelimiter bool // set by "#separator:"
	IsHTML         bool
	ForceHTML      bool // set by "#html:"
	GlobalTags     []string
	UpdatedTags    []string
	ColumnLabels   []string // "#columns:" labels, or empty strings (their count is the column count)

	// Deck: exactly one of DeckID (existing deck), DeckName (deck to create) or
	// DeckColumn (1-based column holding each row's deck) is used.
	DeckID     int64
	DeckName   string
	DeckColumn int

	// Note type: NotetypeColumn (1-based column with each row's note type, fields in
	// the remaining columns in order) or NotetypeID with FieldColumns (1-based source
	// column per field, 0 = not imported).
	NotetypeID     int64
	NotetypeColumn int
	FieldColumns   []int

	TagsColumn int // 1-based, 0 = none
	GUIDColumn int // 1-based, 0 = none
	Dupe       DupeResolution
	Scope      MatchScope
	// Preview holds the first rows as the import dialog shows them.
	Preview [][]string
}

// metaColumns are the columns that hold no field.
func (m *Metadata) metaColumns() map[int]bool {
	cols := map[int]bool{}
	for _, c := range []int{m.DeckColumn, m.NotetypeColumn, m.TagsColumn, m.GUIDColumn} {
		if c > 0 {
			cols[c] = true
		}
	}
	return cols
}

// colLookup is the part of the collection the header parser needs (a Collection
// outside a transaction).
type colLookup interface {
	NotetypeByName(name string) (*collection.Notetype, bool)
	Notetype(id int64) (*collection.Notetype, bool)
	DeckByName(name string) (collection.Deck, bool)
	Deck(id int64) (collection.Deck, bool)
}

// parseHeader reads the leading "tags:" line and "#key:value" lines into m and returns
// the text after them.
func parseHeader(col colLookup, data string, m *Metadata) string {
	line, rest := nextLine(data)
	first := strings.TrimPrefix(line, bom)
	if tags, ok := strings.CutPrefix(first, "tags:"); ok {
		// A historical first line ("tags:a b") gives every note tags.
		m.GlobalTags = strings.Fields(tags)
	} else if !parseMetaLine(col, first, m) {
		return data
	}
	for rest != "" {
		line, r := nextLine(rest)
		if !parseMetaLine(col, line, m) {
			break
		}
		rest = r
	}
	return rest
}

func parseMetaLine(col colLookup, line string, m *Metadata) bool {
	l, ok := strings.CutPrefix(line, "#")
	if !ok {
		return false
	}
	key, value, ok := strings.Cut(l, ":")
	if ok {
		parseMetaValue(col, key, stripLineEnding(value), m)
	}
	return true
}

// trimValue cuts a value at the first non-alphanumeric character after its first one:
// a header exported as a record may carry trailing delimiters ("#html:true,,,"), and the
// first character is kept whole so that "#separator:," still works.
func trimValue(v string) string {
	rs := []rune(v)
	if len(rs) < 2 {
		return v
	}
	for i := 1; i < len(rs); i++ {
		if rs[i] > unicode.MaxASCII || !(unicode.IsLetter(rs[i]) || unicode.IsDigit(rs[i])) {
			return string(rs[:i])
		}
	}
	return v
}

func parseMetaValue(col colLookup, key, value string, m *Metadata) {
	trimmed := trimValue(value)
	num := func() (int, bool) {
		n, err := strconv.Atoi(strings.TrimSpace(trimmed))
		return n, err == nil && n >= 0
	}
	switch strings.ToLower(strings.TrimSpace(key)) {
	case "separator":
		if d, ok := delimiterFromValue(trimmed); ok {
			m.Delimiter, m.ForceDelimiter = d, true
		}
	case "html":
		switch strings.ToLower(trimmed) {
		case "true":
			m.IsHTML, m.ForceHTML = true, true
		case "false":
			m.IsHTML, m.ForceHTML = false, true
		}
	case "tags":
		m.GlobalTags = strings.Fields(value)
	case "columns":
		delim := m.Delimiter
		if delim == 0 {
			delim = '\t'
		}
		if recs := parseRecords(value, delim); len(recs) > 0 {
			m.ColumnLabels = recs[0]
		}
	case "notetype":
		if nt := notetypeByNameOrID(col, value); nt != nil {
			m.NotetypeID, m.NotetypeColumn = nt.ID, 0
		}
	case "deck":
		if d, ok := deckByNameOrID(col, value); ok {
			m.DeckID, m.DeckName, m.DeckColumn = d.ID, "", 0
		} else if value != "" {
			m.DeckID, m.DeckName, m.DeckColumn = 0, value, 0
		}
	case "notetype column":
		if n, ok := num(); ok {
			m.NotetypeColumn, m.NotetypeID = n, 0
		}
	case "deck column":
		if n, ok := num(); ok {
			m.DeckColumn, m.DeckID, m.DeckName = n, 0, ""
		}
	case "tags column":
		if n, ok := num(); ok {
			m.TagsColumn = n
		}
	case "guid column":
		if n, ok := num(); ok {
			m.GUIDColumn = n
		}
	case "match scope":
		switch value {
		case "notetype":
			m.Scope = MatchNotetype
		case "notetype + deck":
			m.Scope = MatchNotetypeAndDeck
		}
	case "if matches":
		switch value {
		case "update current":
			m.Dupe = DupeUpdate
		case "keep current":
			m.Dupe = DupeSkip
		case "keep both":
			m.Dupe = DupeKeepBoth
		}
	}
}

// notetypeByNameOrID resolves a header or column value: a number is tried as an id, then
// as a name (Anki's NameOrId).
func notetypeByNameOrID(col colLookup, v string) *collection.Notetype {
	if id, err := strconv.ParseInt(v, 10, 64); err == nil {
		if nt, ok := col.Notetype(id); ok {
			return nt
		}
	}
	if nt, ok := col.NotetypeByName(v); ok {
		return nt
	}
	return nil
}

func deckByNameOrID(col colLookup, v string) (collection.Deck, bool) {
	if id, err := strconv.ParseInt(v, 10, 64); err == nil {
		if d, ok := col.Deck(id); ok {
			return d, true
		}
	}
	return col.DeckByName(v)
}

// isHTML is Anki's is_html: some "<…>" markup anywhere.
func isHTML(s string) bool {
	i := strings.IndexByte(s, '<')
	return i >= 0 && strings.IndexByte(s[i+1:], '>') >= 0
}

const previewRows = 5

// finish fills in what the header left open, as Anki's get_reader_metadata does: the
// delimiter (detected), HTML (detected from the first rows), column count, note type and
// deck (the defaults for adding), and the field-to-column map.
func (m *Metadata) finish(body string, defaultNotetype, defaultDeck int64, nt func(int64) (*collection.Notetype, bool)) ([][]string, error) {
	if !m.ForceDelimiter && m.Delimiter == 0 {
		m.Delimiter = detectDelimiter(body)
	}
	records := parseRecords(body, m.Delimiter)
	n := min(previewRows, len(records))
	m.Preview = slices.Clone(records[:n]) // not the whole list's backing array
	if !m.ForceHTML {
		m.IsHTML = false
		for _, rec := range m.Preview {
			for _, f := range rec {
				if isHTML(f) {
					m.IsHTML = true
				}
			}
		}
	}
	if len(m.ColumnLabels) == 0 && n > 0 {
		m.ColumnLabels = make([]string, len(records[0]))
	}
	if m.NotetypeColumn == 0 && m.NotetypeID == 0 {
		m.NotetypeID = defaultNotetype
	}
	if m.DeckColumn == 0 && m.DeckID == 0 && m.DeckName == "" {
		m.DeckID = defaultDeck
	}
	if m.NotetypeColumn > 0 || m.FieldColumns != nil {
		return records, nil
	}
	t, ok := nt(m.NotetypeID)
	if !ok {
		return nil, fmt.Errorf("note type %d not found", m.NotetypeID)
	}
	meta := m.metaColumns()
	cols := make([]int, len(t.Fields))
	cols[0] = 1
	allEmpty := true
	for _, l := range m.ColumnLabels {
		if l != "" {
			allEmpty = false
		}
	}
	if allEmpty {
		// By position, skipping the columns that hold deck, note type, tags or guid.
		next := 0
		for c := 1; c <= len(m.ColumnLabels) && next < len(cols); c++ {
			if !meta[c] {
				cols[next] = c
				next++
			}
		}
	} else {
		byName := map[string]int{}
		for i, l := range m.ColumnLabels {
			if !meta[i+1] {
				if _, dup := byName[l]; !dup {
					byName[l] = i + 1
				}
			}
		}
		for i, f := range t.Fields {
			if c, ok := byName[f.Name]; ok {
				cols[i] = c
			}
		}
	}
	if cols[0] == 0 {
		for c := 1; c <= len(m.ColumnLabels); c++ {
			if !meta[c] {
				cols[0] = c
				break
			}
		}
		if cols[0] == 0 {
			return nil, fmt.Errorf("no column is left for the first field %q", t.Fields[0].Name)
		}
	}
	m.FieldColumns = cols
	if m.TagsColumn == 0 {
		// The first free column after the last field column holds tags (Anki's
		// maybe_set_tags_column), so "front,back,tags" files need no header.
		maxField := 0
		for _, c := range cols {
			maxField = max(maxField, c)
		}
		for c := maxField + 1; c <= len(m.ColumnLabels); c++ {
			if !meta[c] {
				m.TagsColumn = c
				break
			}
		}
	}
	return records, nil
}

// stringify turns a cell into field HTML: kept as is for HTML files, escaped with line
// breaks as <br> for plain text (Anki's stringify_fn).
func stringify(s string, html bool) string {
	if html {
		return s
	}
	return strings.ReplaceAll(text.EncodeMinimal(s), "\n", "<br>")
}
