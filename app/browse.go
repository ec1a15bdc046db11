package app

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/deckhand-app/deckhand/collection"
)

// Mode says whether the browser lists cards or notes.
type Mode int

const (
	CardsMode Mode = iota
	NotesMode
)

func (m Mode) String() string {
	if m == NotesMode {
		return "Notes"
	}
	return "Cards"
}

// Column is a browser column.
type Column int

const (
	ColSortField Column = iota
	ColCard             // card type name (cards mode) or card count (notes mode)
	ColDeck
	ColDue
	ColInterval
	ColEase
	ColReviews
	ColLapses
	ColCreated
	ColModified
	ColTags
	ColNotetype
	numColumns
)

// ColumnInfo describes a column for the table header.
type ColumnInfo struct {
	Col   Column
	Title string
	Sort  collection.SortColumn
	// DescFirst: Anki sorts dates and numbers descending on the first click, text ascending.
	DescFirst bool
	Width     float32 // suggested width in Fyne units
}

// Columns lists the browser's columns in display order for a mode.
func Columns(m Mode) []ColumnInfo {
	card, cardSort := "Card", collection.SortTemplate
	mod, modSort := "Modified", collection.SortCardModified
	if m == NotesMode {
		card = "Cards"
		mod, modSort = "Modified", collection.SortNoteModified
	}
	return []ColumnInfo{
		{ColSortField, "Sort Field", collection.SortSortField, false, 260},
		{ColCard, card, cardSort, m == NotesMode, 90},
		{ColDeck, "Deck", collection.SortDeck, false, 160},
		{ColDue, "Due", collection.SortDue, true, 100},
		{ColInterval, "Interval", collection.SortInterval, true, 90},
		{ColEase, "Ease", collection.SortEase, true, 70},
		{ColReviews, "Reviews", collection.SortReviews, true, 70},
		{ColLapses, "Lapses", collection.SortLapses, true, 70},
		{ColCreated, "Created", collection.SortCreated, true, 100},
		{ColModified, mod, modSort, true, 100},
		{ColTags, "Tags", collection.SortTags, false, 140},
		{ColNotetype, "Note Type", collection.SortNotetype, false, 140},
	}
}

// Row is one browser row, with its cells as display text.
type Row struct {
	ID        int64 // card id (cards mode) or note id
	NoteID    int64
	Cells     [numColumns]string
	Flag      int  // 0-7 (cards mode)
	Suspended bool // the card (cards mode) or all of the note's cards are suspended
	Buried    bool
	Marked    bool // the note has the "marked" tag
	Missing   bool // deleted since the search ran
}

// Cell returns the text of a column.
func (r Row) Cell(c Column) string {
	if c < 0 || c >= numColumns {
		return ""
	}
	return r.Cells[c]
}

// Search runs an Anki search in the given mode and returns the matching ids in order.
// Errors in the query are *search.Error with Anki's wording.
func (s *Service) Search(ctx context.Context, m Mode, query string, order collection.Order) ([]int64, error) {
	col, err := s.c()
	if err != nil {
		return nil, err
	}
	if m == NotesMode {
		return col.FindNotes(ctx, query, order)
	}
	return col.FindCards(ctx, query, order)
}

// LoadRows reads the display rows for ids (one page), in the order given. Ids that no longer
// exist come back as Missing rows.
func (s *Service) LoadRows(ctx context.Context, m Mode, ids []int64) ([]Row, error) {
	col, err := s.c()
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	names := s.nameCache(col)
	tm := col.Timing()
	byID := make(map[int64]Row, len(ids))
	if m == NotesMode {
		err = col.Iterate(ctx, `SELECT n.id, n.sfld, n.mid, n.mod, n.tags, count(c.id), min(c.did), max(c.did),
			coalesce(sum(c.reps), 0), coalesce(sum(c.lapses), 0),
			avg(CASE WHEN c.type != 0 THEN c.factor END), avg(CASE WHEN c.type IN (2, 3) THEN c.ivl END),
			min(CASE WHEN c.odid = 0 AND c.type != 0 AND c.queue > 0 THEN
				(CASE WHEN c.due > 1000000000 THEN c.due ELSE (c.due - ?1) * 86400 + ?2 END) END),
			coalesce(sum(c.queue = -1), 0), coalesce(sum(c.queue IN (-2, -3)), 0)
			FROM notes n LEFT JOIN cards c ON c.nid = n.id WHERE n.id IN (`+b.String()+`) GROUP BY n.id`,
			[]any{tm.Today, tm.Now.Unix()}, func(v []any) error {
				r := noteRow(v, names)
				byID[r.ID] = r
				return nil
			})
	} else {
		err = col.Iterate(ctx, `SELECT c.id, c.nid, c.did, c.odid, c.ord, c.type, c.queue, c.due, c.odue, c.ivl,
			c.factor, c.reps, c.lapses, c.mod, c.flags, n.sfld, n.mid, n.tags, n.id
			FROM cards c JOIN notes n ON n.id = c.nid WHERE c.id IN (`+b.String()+`)`, nil, func(v []any) error {
			r := cardRow(v, names, tm)
			byID[r.ID] = r
			return nil
		})
	}
	if err != nil {
		return nil, fmt.Errorf("load browser rows: %w", err)
	}
	out := make([]Row, len(ids))
	for i, id := range ids {
		r, ok := byID[id]
		if !ok {
			r = Row{ID: id, Missing: true}
			r.Cells[ColSortField] = "(deleted)"
		}
		out[i] = r
	}
	return out, nil
}

// names resolves deck, note type and card type names for rows.
type names struct {
	decks     map[int64]string
	notetypes map[int64]*collection.Notetype
}

func (s *Service) nameCache(col *collection.Collection) names {
	n := names{decks: map[int64]string{}, notetypes: map[int64]*collection.Notetype{}}
	for _, d := range col.Decks() {
		n.decks[d.ID] = d.Name
	}
	for _, nt := range col.Notetypes() {
		n.notetypes[nt.ID] = nt
	}
	return n
}

func (n names) deck(id int64) string {
	if s, ok := n.decks[id]; ok {
		return s
	}
	return fmt.Sprintf("(missing deck %d)", id)
}

func (n names) cardName(ntid int64, ord int) string {
	nt := n.notetypes[ntid]
	if nt == nil {
		return strconv.Itoa(ord + 1)
	}
	if nt.IsCloze() {
		// Cloze cards share one template; Anki names them "Cloze 1", "Cloze 2"…
		name := "Cloze"
		if len(nt.Templates) > 0 {
			name = nt.Templates[0].Name
		}
		return fmt.Sprintf("%s %d", name, ord+1)
	}
	if ord >= 0 && ord < len(nt.Templates) {
		return nt.Templates[ord].Name
	}
	return strconv.Itoa(ord + 1)
}

func (n names) notetype(id int64) string {
	if nt := n.notetypes[id]; nt != nil {
		return nt.Name
	}
	return fmt.Sprintf("(missing note type %d)", id)
}

func i64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case float64:
		return int64(x)
	case []byte:
		n, _ := strconv.ParseInt(string(x), 10, 64)
		return n
	case string:
		n, _ := strconv.ParseInt(x, 10, 64)
		return n
	}
	return 0
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []byte:
		return string(x)
	case float64:
		// sfld has integer affinity, so numeric sort fields come back as numbers.
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// oneLine makes field text fit a table cell.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		cut := 300
		for cut > 0 && !isRuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

func dateString(t time.Time) string { return t.Format("2006-01-02") }

func cardRow(v []any, n names, tm collection.Timing) Row {
	var r Row
	r.ID, r.NoteID = i64(v[0]), i64(v[1])
	did, odid, ord := i64(v[2]), i64(v[3]), int(i64(v[4]))
	ctype, queue, due, odue := int(i64(v[5])), int(i64(v[6])), i64(v[7]), i64(v[8])
	ivl, factor, reps, lapses, mod, flags := i64(v[9]), i64(v[10]), i64(v[11]), i64(v[12]), i64(v[13]), i64(v[14])
	sfld, mid, tags, nid := str(v[15]), i64(v[16]), strings.TrimSpace(str(v[17])), i64(v[18])

	r.Flag = int(flags & 7)
	r.Suspended = queue == collection.QueueSuspended
	r.Buried = queue == collection.QueueSchedBuried || queue == collection.QueueUserBuried
	r.Marked = hasTag(tags, "marked")
	r.Cells[ColSortField] = oneLine(sfld)
	r.Cells[ColCard] = n.cardName(mid, ord)
	deck := n.deck(did)
	if odid != 0 {
		deck = fmt.Sprintf("%s (%s)", deck, n.deck(odid))
	}
	r.Cells[ColDeck] = deck
	r.Cells[ColDue] = cardDue(ctype, queue, due, odue, odid, tm)
	switch ctype {
	case collection.CardTypeNew:
		r.Cells[ColInterval] = "(new)"
		r.Cells[ColEase] = "(new)"
	case collection.CardTypeLearn:
		r.Cells[ColInterval] = "(learning)"
		r.Cells[ColEase] = fmt.Sprintf("%d%%", factor/10)
	default:
		r.Cells[ColInterval] = TimeSpan(float64(ivl) * 86400)
		r.Cells[ColEase] = fmt.Sprintf("%d%%", factor/10)
	}
	r.Cells[ColReviews] = strconv.FormatInt(reps, 10)
	r.Cells[ColLapses] = strconv.FormatInt(lapses, 10)
	r.Cells[ColCreated] = dateString(time.UnixMilli(nid))
	r.Cells[ColModified] = dateString(time.Unix(mod, 0))
	r.Cells[ColTags] = tags
	r.Cells[ColNotetype] = n.notetype(mid)
	return r
}

// cardDue follows Anki's browser: "(filtered)" for cards in filtered decks, "New #position"
// for new cards, a date otherwise, in parentheses when the card is suspended or buried.
func cardDue(ctype, queue int, due, odue, odid int64, tm collection.Timing) string {
	if odid != 0 {
		return "(filtered)"
	}
	var s string
	switch {
	case ctype == collection.CardTypeNew || queue == collection.QueueNew:
		s = fmt.Sprintf("New #%d", due)
	case queue == collection.QueueLearn || queue == collection.QueuePreview ||
		(queue < 0 && (ctype == collection.CardTypeLearn || ctype == collection.CardTypeRelearning) && due > 1_000_000_000):
		s = dateString(time.Unix(due, 0))
	default:
		// review and day-learning cards are due on a scheduler day
		s = dateString(tm.Now.Add(time.Duration(due-int64(tm.Today)) * 24 * time.Hour))
	}
	if queue < 0 {
		return "(" + s + ")"
	}
	return s
}

func noteRow(v []any, n names) Row {
	var r Row
	r.ID = i64(v[0])
	r.NoteID = r.ID
	sfld, mid, mod, tags := str(v[1]), i64(v[2]), i64(v[3]), strings.TrimSpace(str(v[4]))
	count, minDid, maxDid, reps, lapses := i64(v[5]), i64(v[6]), i64(v[7]), i64(v[8]), i64(v[9])
	r.Marked = hasTag(tags, "marked")
	r.Suspended = count > 0 && i64(v[13]) == count
	r.Buried = count > 0 && i64(v[14]) == count
	r.Cells[ColSortField] = oneLine(sfld)
	r.Cells[ColCard] = strconv.FormatInt(count, 10)
	switch {
	case count == 0:
	case minDid == maxDid:
		r.Cells[ColDeck] = n.deck(minDid)
	default:
		r.Cells[ColDeck] = "(multiple)"
	}
	if v[12] != nil {
		r.Cells[ColDue] = dateString(time.Unix(i64(v[12]), 0))
	}
	if v[11] != nil {
		r.Cells[ColInterval] = TimeSpan(f64(v[11]) * 86400)
	} else {
		r.Cells[ColInterval] = "(new)"
	}
	if v[10] != nil {
		r.Cells[ColEase] = fmt.Sprintf("%d%%", int(math.Round(f64(v[10])/10)))
	} else {
		r.Cells[ColEase] = "(new)"
	}
	r.Cells[ColReviews] = strconv.FormatInt(reps, 10)
	r.Cells[ColLapses] = strconv.FormatInt(lapses, 10)
	r.Cells[ColCreated] = dateString(time.UnixMilli(r.ID))
	r.Cells[ColModified] = dateString(time.Unix(mod, 0))
	r.Cells[ColTags] = tags
	r.Cells[ColNotetype] = n.notetype(mid)
	return r
}

func f64(v any) float64 {
	switch x := v.(type) {
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return 0
}

func hasTag(tags, tag string) bool {
	for _, t := range strings.Fields(tags) {
		if strings.EqualFold(t, tag) {
			return true
		}
	}
	return false
}

// TimeSpan writes a duration the way Anki's browser does (rslib time_span, not precise): the
// largest unit that fits (seconds, minutes, hours, days, months of 30 days, years of 12
// months); seconds and days as whole numbers, other units with one decimal, e.g. "3 days",
// "1.5 months".
func TimeSpan(secs float64) string {
	const minute, hour, day = 60.0, 3600.0, 86400.0
	const month, year = 30 * day, 12 * 30 * day
	abs := math.Abs(secs)
	var size float64
	var unit string
	switch {
	case abs < minute:
		size, unit = 1, "second"
	case abs < hour:
		size, unit = minute, "minute"
	case abs < day:
		size, unit = hour, "hour"
	case abs < month:
		size, unit = day, "day"
	case abs < year:
		size, unit = month, "month"
	default:
		size, unit = year, "year"
	}
	v := secs / size
	if unit == "second" || unit == "day" {
		v = math.Round(v)
	} else {
		v = math.Round(v*10) / 10
	}
	s := strconv.FormatFloat(v, 'f', -1, 64) + " " + unit
	if v > 1 {
		s += "s"
	}
	return s
}
