package search

import (
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/deckhand-app/deckhand/collection/store"
)

// SQL returns a complete SELECT of one id column (card ids for Cards, note ids for
// Notes) matching query, ordered by order (ColumnNone: unordered), and its args.
func SQL(query string, kind Kind, order Order, ctx *Context) (string, []any, error) {
	g, perr := parse(query)
	if perr != nil {
		return "", nil, perr
	}
	if ctx == nil {
		ctx = &Context{}
	}
	w := &writer{ctx: ctx}
	if ctx.Texts != nil && w.usesIndex(g) {
		w.idx = ctx.Texts()
	}
	table := kindTable(kind).combine(orderTable(order.Column)).combine(w.requiredTable(g))
	// notes whose cards match a card-only condition: the condition runs over cards alone
	cardSub := kind == Notes && table == tCardsAndNotes && w.requiredTable(g) == tCards
	w.table = table
	if cardSub {
		w.table = tCards
	}
	var cond strings.Builder
	w.sb = &cond
	if err := w.node(g); err != nil {
		return "", nil, err
	}
	terms, with := w.orderTerms(kind, order)

	var sb strings.Builder
	if with != "" {
		sb.WriteString(with)
		sb.WriteByte(' ')
	}
	switch {
	case table == tCards:
		sb.WriteString("select c.id from cards c where ")
	case table == tNotes:
		sb.WriteString("select n.id from notes n where ")
	case kind == Cards && w.requiredTable(g) != tNotes && w.requiredTable(g) != tCardsAndNotes:
		// Only the order needs the note: walking cards and fetching each note by
		// rowid beats SQLite's choice of walking notes through ix_cards_nid.
		sb.WriteString("select c.id from cards c cross join notes n where c.nid = n.id and ")
	case kind == Cards:
		sb.WriteString("select c.id from cards c, notes n where c.nid = n.id and ")
	case cardSub:
		sb.WriteString("select n.id from notes n where n.id in (select c.nid from cards c where ")
	default:
		sb.WriteString("select distinct n.id from cards c, notes n where c.nid = n.id and ")
	}
	sb.WriteString(cond.String())
	if cardSub {
		sb.WriteByte(')')
	}
	if len(terms) > 0 {
		sb.WriteString(" order by ")
		for i, t := range terms {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(t.expr)
			if t.desc != order.Desc {
				sb.WriteString(" desc")
			} else {
				sb.WriteString(" asc")
			}
		}
	}
	return sb.String(), w.args, nil
}

// SQLWithNotes is SQL without an order whose rows are (card id, note id, card ord) for
// Cards and (note id, note id, 0) for Notes, named i, n and o, for callers that sort the
// ids themselves.
func SQLWithNotes(query string, kind Kind, ctx *Context) (string, []any, error) {
	q, args, err := SQL(query, kind, Order{}, ctx)
	if err != nil {
		return "", nil, err
	}
	for _, prefix := range []string{"select c.id from", "select n.id from", "select distinct n.id from"} {
		if rest, ok := strings.CutPrefix(q, prefix); ok {
			cols := "c.id as i, c.nid as n, c.ord as o"
			if prefix != "select c.id from" {
				cols = "n.id as i, n.id as n, 0 as o"
			}
			sel := "select "
			if strings.Contains(prefix, "distinct") {
				sel = "select distinct "
			}
			return sel + cols + " from" + rest, args, nil
		}
	}
	return "", nil, fmt.Errorf("search: unexpected statement %.40q", q)
}

// reqTable says which tables a query needs, as Anki's RequiredTable.
type reqTable int

const (
	tCardsOrNotes reqTable = iota
	tNotes
	tCards
	tCardsAndNotes
)

func (a reqTable) combine(b reqTable) reqTable {
	switch {
	case a == tCardsAndNotes || b == tCardsAndNotes:
		return tCardsAndNotes
	case a == tCardsOrNotes:
		return b
	case b == tCardsOrNotes, a == b:
		return a
	}
	return tCardsAndNotes
}

func kindTable(k Kind) reqTable {
	if k == Notes {
		return tNotes
	}
	return tCards
}

func orderTable(c Column) reqTable {
	switch c {
	case ColumnTemplate, ColumnCards, ColumnCreated, ColumnNoteModified, ColumnNotetype,
		ColumnSortField, ColumnTags:
		return tNotes
	}
	return tCardsOrNotes
}

func (w *writer) requiredTable(n Node) reqTable {
	if w.idx != nil && w.indexable(n) {
		if w.idx.orphansPossible() {
			// a card without its note must not match "-term" or "tag:*": as without the
			// index, the notes join leaves it out
			return tNotes
		}
		return tCardsOrNotes // a list of note ids: c.nid serves as well as n.id
	}
	switch n := n.(type) {
	case *Group:
		t := tCardsOrNotes
		for _, c := range n.Nodes {
			t = t.combine(w.requiredTable(c))
		}
		return t
	case *Not:
		return w.requiredTable(n.Node)
	case And, Or, WholeCollection, NoteIDs:
		return tCardsOrNotes
	case AddedInDays, IntroducedInDays, DeckName, DeckIDs, Rated, State, Flag, CardIDs,
		Property, CustomData, Preset:
		return tCards
	case Template:
		return tCardsAndNotes
	}
	return tNotes
}

type writer struct {
	ctx   *Context
	idx   *TextIndex // notes' text in memory, when the query uses it
	sb    *strings.Builder
	args  []any
	table reqTable
	// capture, when set, receives the notes of a term answered by the index instead of
	// the SQL condition (TextIndex.Find)
	capture func(ids []int64)
}

// arg binds v and returns its placeholder.
func (w *writer) arg(v any) string {
	w.args = append(w.args, v)
	return "?" + strconv.Itoa(len(w.args))
}

func (w *writer) write(parts ...string) {
	for _, p := range parts {
		w.sb.WriteString(p)
	}
}

func (w *writer) node(n Node) error {
	switch n := n.(type) {
	case *Group:
		w.write("(")
		for _, c := range n.Nodes {
			if err := w.node(c); err != nil {
				return err
			}
		}
		w.write(")")
		return nil
	case *Not:
		w.write("not ")
		return w.node(n.Node)
	case And:
		w.write(" and ")
		return nil
	case Or:
		w.write(" or ")
		return nil
	}
	// every term is parenthesised so that its own and/or cannot bind to neighbours
	w.write("(")
	err := w.term(n)
	w.write(")")
	return err
}

func (w *writer) term(n Node) error {
	c := w.ctx
	switch n := n.(type) {
	case WholeCollection:
		w.write("true")
	case Text:
		return w.unqualified(nfc(n.Text), c.IgnoreAccents, false)
	case NoCombining:
		return w.unqualified(nfc(n.Text), true, false)
	case StripClozes:
		return w.unqualified(nfc(n.Text), c.IgnoreAccents, true)
	case FieldText:
		return w.field(nfc(n.Field), nfc(n.Text), n.Mode)
	case Regex:
		return w.regex(nfc(n.Re), false)
	case WordBoundary:
		text := nfc(n.Text)
		if c.IgnoreAccents {
			text = foldAccents(text)
		}
		return w.regex(wordRegex(text), c.IgnoreAccents)
	case Dupe:
		w.dupe(n.NotetypeID, nfc(n.Text))
	case AddedInDays:
		w.write("c.id > ", itoa(w.cutoff(n.Days)*1000))
	case EditedInDays:
		w.write("n.mod > ", itoa(w.cutoff(n.Days)))
	case IntroducedInDays:
		ms := itoa(w.cutoff(n.Days) * 1000)
		// the first real answer is after the cutoff; the IN clause only narrows the scan
		w.write("(select coalesce(min(id) > ", ms, ", false) from revlog where cid = c.id and ease != 0)",
			" and c.id in (select cid from revlog where id > ", ms, ")")
	case Template:
		w.template(n)
	case DeckName:
		return w.deck(nfc(n.Name))
	case DeckIDs:
		w.write("c.did in (", n.IDs, ") or (c.odid != 0 and c.odid in (", n.IDs, "))")
	case NotetypeID:
		w.write("n.mid = ", itoa(n.ID))
	case NotetypeName:
		return w.notetype(nfc(n.Name))
	case Rated:
		w.rated(">", -int64(n.Days), n.Rating)
	case Tag:
		return w.tag(nfc(n.Tag), n.Mode)
	case State:
		w.state(n.State)
	case Flag:
		w.write("(c.flags & 7) = ", itoa(int64(n.Flag)))
	case NoteIDs:
		col := "n.id"
		if w.table == tCards {
			col = "c.nid"
		}
		w.write(col, " in (", n.IDs, ")")
	case CardIDs:
		w.write("c.id in (", n.IDs, ")")
	case Property:
		w.prop(n)
	case CustomData:
		w.write(fnCustomData, "(c.data, ", w.arg(n.Key), ") is not null")
	case Preset:
		w.preset(n.Name)
	default:
		return fmt.Errorf("search: unexpected node %T", n)
	}
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func idsSQL(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = itoa(id)
	}
	return strings.Join(parts, ",")
}

// cutoff is the unix time days scheduler days before the next rollover.
func (w *writer) cutoff(days uint32) int64 { return w.ctx.NextDayAt - 86_400*int64(days) }

// checkRegex makes a bad pattern a search error rather than a failure mid-query.
func checkRegex(pattern string) error {
	if _, err := compileRegex(pattern); err != nil {
		return newError(0, ErrInvalidRegex, pattern, err.Error())
	}
	return nil
}

// fieldPattern is Anki's LIKE pattern that puts the bound value at field
// position pos of a note with total fields; other fields match anything.
func fieldPattern(total int, start, end int, placeholder string) string {
	var parts []string
	for i := 0; i < total; i++ {
		switch {
		case i == start:
			parts = append(parts, "' || "+placeholder+" || '")
		case i > start && i < end:
		default:
			parts = append(parts, "%")
		}
	}
	return "'" + strings.Join(parts, "\x1f") + "'"
}

// ranges groups sorted ords into [start,end) runs of consecutive numbers.
func ranges(ords []int, join bool) [][2]int {
	var out [][2]int
	for _, o := range ords {
		if join && len(out) > 0 && out[len(out)-1][1] == o {
			out[len(out)-1][1] = o + 1
			continue
		}
		out = append(out, [2]int{o, o + 1})
	}
	return out
}

const (
	processedSfld = "coalesce(" + fnProcessText + "(cast(n.sfld as text), %d), n.sfld)"
	processedFlds = "coalesce(" + fnProcessText + "(n.flds, %d), n.flds)"
)

// unqualified writes a substring search over the sort field and all fields.
func (w *writer) unqualified(text string, noCombining, strip bool) error {
	s := toSQL(text)
	flags := 0
	if noCombining {
		s = foldAccents(s)
		flags |= ptNoCombining
	}
	if strip {
		flags |= ptStripClozes
	}
	ph := w.arg("%" + s + "%")
	sfld, flds := "n.sfld", "n.flds"
	if flags != 0 {
		sfld, flds = fmt.Sprintf(processedSfld, flags), fmt.Sprintf(processedFlds, flags)
	}
	if strip {
		var cloze []int64
		for _, nt := range w.ctx.Notetypes {
			if nt.Cloze {
				cloze = append(cloze, nt.ID)
			}
		}
		w.write("n.mid in (", idsSQL(cloze), ") and ")
	}
	if !w.anyExcluded() {
		if idx := w.texts(); idx != nil && flags == 0 && LikeClean(text) {
			w.args = w.args[:len(w.args)-1] // the LIKE argument is not needed
			w.inNotes(idx.TextNotes("%" + s + "%"))
			return nil
		}
		w.write("(", sfld, " like ", ph, ` escape '\' or `, flds, " like ", ph, ` escape '\')`)
		return nil
	}
	var clauses []string
	for _, nt := range w.ctx.Notetypes {
		var ords []int
		sortExcluded := false
		for _, f := range sortedFields(nt) {
			if f.ExcludeFromSearch {
				sortExcluded = sortExcluded || f.Ord == nt.SortField
				continue
			}
			ords = append(ords, f.Ord)
		}
		if len(ords) == 0 {
			continue
		}
		var parts []string
		for _, r := range ranges(ords, true) {
			parts = append(parts, flds+" like "+fieldPattern(len(nt.Fields), r[0], r[1], ph)+` escape '\'`)
		}
		if !sortExcluded {
			parts = append(parts, sfld+" like "+ph+` escape '\'`)
		}
		clauses = append(clauses, "(n.mid = "+itoa(nt.ID)+" and ("+strings.Join(parts, " or ")+"))")
	}
	w.writeOr(clauses)
	return nil
}

func (w *writer) writeOr(clauses []string) {
	if len(clauses) == 0 {
		w.write("false")
		return
	}
	w.write(strings.Join(clauses, " or "))
}

func (w *writer) anyExcluded() bool {
	for _, nt := range w.ctx.Notetypes {
		for _, f := range nt.Fields {
			if f.ExcludeFromSearch {
				return true
			}
		}
	}
	return false
}

func sortedFields(nt Notetype) []Field {
	fs := slices.Clone(nt.Fields)
	slices.SortFunc(fs, func(a, b Field) int { return a.Ord - b.Ord })
	return fs
}

// globMatcher matches names against an Anki glob: case-insensitive, * and _ as
// wildcards; without wildcards an exact Unicode case-insensitive comparison.
func globMatcher(glob string) func(string) bool {
	if isGlob(glob) {
		re, err := compileRegex("(?i)^" + toRe(glob) + "$")
		if err != nil {
			return func(string) bool { return false }
		}
		return re.MatchString
	}
	want := toText(glob)
	return func(name string) bool { return store.UnicaseCompare(name, want) == 0 }
}

// matchedFields returns, per note type that has fields matching the glob, their ords.
func (w *writer) matchedFields(glob string) []ntFields {
	match := globMatcher(glob)
	var out []ntFields
	for _, nt := range w.ctx.Notetypes {
		var ords []int
		for _, f := range sortedFields(nt) {
			if match(f.Name) {
				ords = append(ords, f.Ord)
			}
		}
		if len(ords) > 0 {
			out = append(out, ntFields{nt: nt, ords: ords})
		}
	}
	slices.SortFunc(out, func(a, b ntFields) int { return cmpInt64(a.nt.ID, b.nt.ID) })
	return out
}

type ntFields struct {
	nt   Notetype
	ords []int
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// field writes field:value (whole-field match).
func (w *writer) field(name, val string, mode FieldMode) error {
	if allFields(name) {
		pattern := "(?i)" + val
		if mode != ModeRegex {
			// as Anki, nc: is ignored when searching all fields
			pattern = "(?is)^" + toRe(val) + "$"
		}
		if err := checkRegex(pattern); err != nil {
			return err
		}
		w.write(fnRegexpFields, "(", w.arg(pattern), ", n.flds)")
		return nil
	}
	matched := w.matchedFields(name)
	if len(matched) == 0 {
		w.write("false")
		return nil
	}
	var clauses []string
	switch mode {
	case ModeRegex:
		pattern := "(?i)" + val
		if err := checkRegex(pattern); err != nil {
			return err
		}
		ph := w.arg(pattern)
		for _, m := range matched {
			idx := make([]string, len(m.ords))
			for i, o := range m.ords {
				idx[i] = strconv.Itoa(o)
			}
			clauses = append(clauses, "(n.mid = "+itoa(m.nt.ID)+" and "+fnRegexpFields+"("+ph+", n.flds, "+strings.Join(idx, ", ")+"))")
		}
	default:
		flds := "n.flds"
		v := toSQL(val)
		if mode == ModeNoCombining {
			flds = fmt.Sprintf(processedFlds, ptNoCombining)
			v = foldAccents(v)
		}
		if idx := w.texts(); idx != nil && mode != ModeNoCombining && LikeClean(val) {
			w.fieldFromIndex(idx, matched, v)
			return nil
		}
		ph := w.arg(v)
		for _, m := range matched {
			// Each field is matched on its own: Anki lumps adjacent matching fields
			// together, which breaks whole-field matches when a glob names several.
			var parts []string
			for _, r := range ranges(m.ords, false) {
				parts = append(parts, flds+" like "+fieldPattern(len(m.nt.Fields), r[0], r[1], ph)+` escape '\'`)
			}
			clauses = append(clauses, "(n.mid = "+itoa(m.nt.ID)+" and ("+strings.Join(parts, " or ")+"))")
		}
	}
	w.writeOr(clauses)
	return nil
}

// regex writes re: (and w:) over the note's fields, skipping excluded fields.
func (w *writer) regex(re string, noCombining bool) error {
	flds := "n.flds"
	if noCombining {
		flds = fmt.Sprintf(processedFlds, ptNoCombining)
		re = foldAccents(re)
	}
	pattern := "(?i)" + re
	if err := checkRegex(pattern); err != nil {
		return err
	}
	ph := w.arg(pattern)
	if !w.anyExcluded() {
		w.write(fnRegexp, "(", ph, ", ", flds, ")")
		return nil
	}
	var clauses []string
	for _, nt := range w.ctx.Notetypes {
		var idx []string
		for _, f := range sortedFields(nt) {
			if !f.ExcludeFromSearch {
				idx = append(idx, strconv.Itoa(f.Ord))
			}
		}
		switch {
		case len(idx) == 0:
			continue
		case len(idx) == len(nt.Fields):
			clauses = append(clauses, "(n.mid = "+itoa(nt.ID)+" and "+fnRegexp+"("+ph+", "+flds+"))")
		default:
			clauses = append(clauses, "(n.mid = "+itoa(nt.ID)+" and "+fnRegexpFields+"("+ph+", "+flds+", "+strings.Join(idx, ",")+"))")
		}
	}
	w.writeOr(clauses)
	return nil
}

// dupe finds notes of a note type whose first field equals text once HTML is
// stripped; the checksum column narrows the search through its index.
func (w *writer) dupe(ntid int64, text string) {
	stripped := stripHTMLPreservingMedia(text)
	sum := sha1.Sum([]byte(stripped))
	csum := int64(binary.BigEndian.Uint32(sum[:4]))
	w.write("n.mid = ", w.arg(ntid), " and n.csum = ", w.arg(csum), " and ",
		fnStripHTML, "(", fnFieldAt, "(n.flds, 0)) = ", w.arg(stripped))
}

func (w *writer) template(t Template) {
	if !t.ByName {
		w.write("c.ord = ", strconv.Itoa(t.Ord))
		return
	}
	match := globMatcher(nfc(t.Name))
	var clauses []string
	for _, nt := range w.ctx.Notetypes {
		var ords []string
		for ord, name := range nt.Templates {
			if match(name) {
				ords = append(ords, strconv.Itoa(ord))
			}
		}
		if len(ords) > 0 {
			clauses = append(clauses, "(n.mid = "+itoa(nt.ID)+" and c.ord in ("+strings.Join(ords, ",")+"))")
		}
	}
	w.writeOr(clauses)
}

func (w *writer) notetype(name string) error {
	match := globMatcher(name)
	var ids []int64
	for _, nt := range w.ctx.Notetypes {
		if match(nt.Name) {
			ids = append(ids, nt.ID)
		}
	}
	w.write("n.mid in (", idsSQL(ids), ")")
	return nil
}

// nativeDeckName turns "A::B" into Anki's internal "A\x1fB".
func nativeDeckName(human string) string { return strings.ReplaceAll(human, "::", "\x1f") }

// normalizedDeckName is Anki's from_human_name: components are trimmed of spaces
// and colons, control characters removed, and empty ones become "blank".
func normalizedDeckName(human string) string {
	comps := strings.Split(human, "::")
	for i, c := range comps {
		c = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1
			}
			return r
		}, nfc(c))
		c = strings.TrimFunc(c, func(r rune) bool { return r == ':' || isSpace(r) })
		if c == "" {
			c = "blank"
		}
		comps[i] = c
	}
	return strings.Join(comps, "\x1f")
}

func (w *writer) deck(name string) error {
	switch name {
	case "*":
		w.write("true")
		return nil
	case "filtered":
		w.write("c.odid != 0")
		return nil
	}
	ids, err := w.deckIDs(name)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		w.write("false")
		return nil
	}
	list := idsSQL(ids)
	w.write("c.did in (", list, ") or (c.odid != 0 and c.odid in (", list, "))")
	return nil
}

// deckIDs lists the decks deck:name names (not "*" or "filtered"): the deck and its children.
func (w *writer) deckIDs(name string) ([]int64, error) {
	var native string
	if name == "current" {
		native = "Default"
		for _, d := range w.ctx.Decks {
			if d.ID == w.ctx.CurrentDeckID {
				native = nativeDeckName(d.Name)
			}
		}
		native = regexp.QuoteMeta(native)
	} else {
		native = normalizedDeckName(toRe(name))
	}
	re, err := compileRegex("(?i)^" + native + "($|\x1f)")
	if err != nil {
		return nil, newError(0, ErrInvalidRegex, name, err.Error())
	}
	var ids []int64
	for _, d := range w.ctx.Decks {
		if re.MatchString(nativeDeckName(d.Name)) {
			ids = append(ids, d.ID)
		}
	}
	return ids, nil
}

func (w *writer) preset(name string) {
	var cfg int64
	found := false
	for _, dc := range w.ctx.DeckConfigs {
		if store.UnicaseCompare(dc.Name, name) == 0 {
			cfg, found = dc.ID, true
			break
		}
	}
	if !found {
		w.write("false")
		return
	}
	var ids []int64
	for _, d := range w.ctx.Decks {
		if !d.Filtered && d.ConfigID == cfg {
			ids = append(ids, d.ID)
		}
	}
	list := idsSQL(ids)
	w.write("c.did in (", list, ") or c.odid in (", list, ")")
}

// tag writes tag:x, which matches x and its children x::… case-insensitively.
func (w *writer) tag(tag string, mode FieldMode) error {
	if mode == ModeRegex {
		pattern := "(?i)" + tag
		if err := checkRegex(pattern); err != nil {
			return err
		}
		w.write(fnRegexpTags, "(", w.arg(pattern), ", n.tags)")
		return nil
	}
	switch {
	case tag == "none":
		w.write("n.tags = ''")
		return nil
	case tag == "*":
		w.write("true")
		return nil
	case strings.Contains(tag, " "):
		w.write("false")
		return nil
	}
	// Anki's pattern is "(?i).* x(::| ).*"; for an unanchored match test the surrounding
	// ".*" change nothing, and leaving them out makes Go's matcher several times faster.
	pattern := "(?i) " + toCustomRe(tag, `\S`) + "(::| )"
	if err := checkRegex(pattern); err != nil {
		return err
	}
	literal := toText(tag)
	if idx := w.texts(); idx != nil {
		re, _ := compileRegex(pattern)
		w.inNotes(idx.TagNotes(re, globPrefix(tag)))
		return nil
	}
	if isGlob(tag) || !isASCII(literal) {
		// A LIKE on the literal text before the first wildcard rules most notes out inside
		// SQLite; tag strings with non-ASCII characters skip it (LIKE folds ASCII only).
		if prefix := globPrefix(tag); prefix != "" && isASCII(prefix) {
			w.write("(n.tags like ", w.arg("% "+escapeLike(prefix)+"%"), ` escape '\' or length(n.tags) != octet_length(n.tags)) and `)
		}
		w.write(fnRegexp, "(", w.arg(pattern), ", n.tags)")
		return nil
	}
	// Fast path for a plain ASCII tag: LIKE runs inside SQLite and is exactly the
	// regex for ASCII text; tag strings with other characters (where Unicode case
	// folding could match more) still go through the regex.
	// The first LIKE is a cheap filter shared by both exact forms; the length test
	// spots non-ASCII tag strings.
	like := escapeLike(literal)
	w.write("(n.tags like ", w.arg("% "+like+"%"), ` escape '\' and (n.tags like `, w.arg("% "+like+" %"),
		` escape '\' or n.tags like `, w.arg("% "+like+"::%"), ` escape '\')) or (length(n.tags) != octet_length(n.tags) and `,
		fnRegexp, "(", w.arg(pattern), ", n.tags))")
	return nil
}

// globPrefix is the literal text of a tag search before its first wildcard.
func globPrefix(tag string) string {
	end := len(tag)
	for i := 0; i < len(tag); i++ {
		if tag[i] == '\\' {
			i++
			continue
		}
		if tag[i] == '*' || tag[i] == '_' {
			end = i
			break
		}
	}
	return toText(tag[:end])
}

func escapeLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s)
}

// card queues and types
const (
	queueSuspended     = -1
	queueSchedBuried   = -2
	queueUserBuried    = -3
	queueLearn         = 1
	queueReview        = 2
	queueDayLearn      = 3
	queuePreviewRepeat = 4
	typeNew            = 0
	typeLearn          = 1
	typeReview         = 2
	typeRelearn        = 3
)

func (w *writer) state(s StateKind) {
	switch s {
	case StateNew:
		w.write(fmt.Sprintf("c.type = %d", typeNew))
	case StateReview:
		w.write(fmt.Sprintf("c.type in (%d, %d)", typeReview, typeRelearn))
	case StateLearn:
		w.write(fmt.Sprintf("c.type in (%d, %d)", typeLearn, typeRelearn))
	case StateBuried:
		w.write(fmt.Sprintf("c.queue in (%d, %d)", queueSchedBuried, queueUserBuried))
	case StateSuspended:
		w.write(fmt.Sprintf("c.queue = %d", queueSuspended))
	case StateBuriedManually:
		w.write(fmt.Sprintf("c.queue = %d", queueUserBuried))
	case StateBuriedSibling:
		w.write(fmt.Sprintf("c.queue = %d", queueSchedBuried))
	case StateDue:
		w.write(fmt.Sprintf("(c.queue in (%d, %d) and c.due <= %d) or (c.queue in (%d, %d) and c.due <= %d)",
			queueReview, queueDayLearn, w.ctx.Today,
			queueLearn, queuePreviewRepeat, w.ctx.Now+w.ctx.LearnAheadSecs))
	}
}

// rated writes a revlog condition relative to the next rollover; days <= 0.
func (w *writer) rated(op string, days int64, r Rating) {
	next := w.ctx.NextDayAt
	target := (next + 86_400*days) * 1000
	dayBefore := (next + 86_400*(days-1)) * 1000
	w.write("c.id in (select cid from revlog where id")
	switch op {
	case ">":
		w.write(" >= ", itoa(target))
	case ">=":
		w.write(" >= ", itoa(dayBefore))
	case "<":
		w.write(" < ", itoa(dayBefore))
	case "<=":
		w.write(" < ", itoa(target))
	case "=":
		w.write(" between ", itoa(dayBefore), " and ", itoa(target-1))
	case "!=":
		w.write(" not between ", itoa(dayBefore), " and ", itoa(target-1))
	}
	switch r.Button {
	case 0:
		w.write(" and ease > 0)")
	case -1:
		w.write(" and ease = 0)")
	default:
		w.write(" and ease = ", strconv.Itoa(r.Button), ")")
	}
}

// f32Arg binds a float32 as the double its shortest decimal form denotes, which is
// what Anki's SQL text (Rust's f32 Display) amounts to.
func f32Arg(f float32) float64 {
	v, _ := strconv.ParseFloat(fmtF32(f), 64)
	return v
}

const dueOrOdue = "(case when c.odue != 0 then c.odue else c.due end)"

func (w *writer) prop(p Property) {
	op := p.Op
	switch p.Prop {
	case "due":
		day := p.Int + int64(w.ctx.Today)
		w.write(fmt.Sprintf("(c.queue in (%d, %d) and %s %s %d) or (c.queue in (%d, %d) and ((%s - %d) / 86400) %s %d)",
			queueReview, queueDayLearn, dueOrOdue, op, day,
			queueLearn, queuePreviewRepeat, dueOrOdue, w.ctx.NextDayAt, op, p.Int))
	case "pos":
		w.write(fmt.Sprintf("c.type = %d and %s %s %d", typeNew, dueOrOdue, op, p.Int))
	case "ivl":
		w.write("c.ivl ", op, " ", itoa(p.Int))
	case "reps":
		w.write("c.reps ", op, " ", itoa(p.Int))
	case "lapses":
		w.write("c.lapses ", op, " ", itoa(p.Int))
	case "ease":
		w.write("c.factor ", op, " ", itoa(easeFactor(p.Float)))
	case "rated", "resched":
		w.rated(op, p.Int, p.Rating)
	case "cdn":
		w.write("cast(", fnCustomData, "(c.data, ", w.arg(p.Key), ") as float) ", op, " ", w.arg(f32Arg(p.Float)))
	case "cds":
		w.write(fnCustomData, "(c.data, ", w.arg(p.Key), ") ", op, " ", w.arg(p.Str))
	case "s":
		w.write(fnFSRSVar, "(c.data, 's') ", op, " ", w.arg(f32Arg(p.Float)))
	case "d":
		w.write(fnFSRSVar, "(c.data, 'd') ", op, " ", w.arg(f32Arg(p.Float*9+1)))
	case "r":
		w.write(fmt.Sprintf("%s(c.data, %s, c.ivl, %d, %d, %d) %s ", fnFSRSR, dueOrOdue,
			w.ctx.Today, w.ctx.NextDayAt, w.ctx.Now, op), w.arg(f32Arg(p.Float)))
	}
}

// easeFactor is Anki's (ease * 1000.0) as u32 in f32 arithmetic, saturating.
func easeFactor(ease float32) int64 {
	f := ease * float32(1000)
	switch {
	case f != f || f <= 0:
		return 0
	case f >= 4294967295:
		return 4294967295
	}
	return int64(uint32(f))
}

func isSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
		return true
	}
	return r >= 0x2000 && r <= 0x200A
}

// texts returns the in-memory note text, or nil to use SQL.
func (w *writer) texts() *TextIndex { return w.idx }

// indexable reports whether term n is answered from the text index (when there is one):
// it must match what unqualified, field and tag do with w.idx set.
func (w *writer) indexable(n Node) bool {
	switch n := n.(type) {
	case Text:
		return !w.ctx.IgnoreAccents && !w.anyExcluded() && LikeClean(nfc(n.Text))
	case FieldText:
		return n.Mode != ModeRegex && n.Mode != ModeNoCombining && !allFields(nfc(n.Field)) && LikeClean(nfc(n.Text))
	case Tag:
		return n.Mode != ModeRegex && nfc(n.Tag) != "none"
	}
	return false
}

// usesIndex reports whether any term of the query would use the text index.
func (w *writer) usesIndex(n Node) bool {
	switch n := n.(type) {
	case *Group:
		return slices.ContainsFunc(n.Nodes, w.usesIndex)
	case *Not:
		return w.usesIndex(n.Node)
	}
	return w.indexable(n)
}

func allFields(name string) bool { return name == "*" || name == "_*" || name == "*_" }

// inNotes writes a condition true for exactly these notes.
func (w *writer) inNotes(ids []int64) {
	if w.capture != nil {
		w.capture(ids)
		return
	}
	if len(ids) == 0 {
		w.write("false")
		return
	}
	col := "n.id"
	if w.table == tCards {
		col = "c.nid"
	}
	w.write(col, " in (select value from json_each(", w.arg(jsonIDs(ids)), "))")
}

// fieldFromIndex is field:value over the in-memory text: the same LIKE patterns as the
// SQL form (fieldPattern), each restricted to its note type.
func (w *writer) fieldFromIndex(idx *TextIndex, matched []ntFields, v string) {
	var ids []int64
	for _, m := range matched {
		for _, r := range ranges(m.ords, false) {
			parts := make([]string, 0, len(m.nt.Fields))
			for i := 0; i < len(m.nt.Fields); i++ {
				switch {
				case i == r[0]:
					parts = append(parts, v)
				case i > r[0] && i < r[1]:
				default:
					parts = append(parts, "%")
				}
			}
			ids = append(ids, idx.FieldNotes(m.nt.ID, strings.Join(parts, "\x1f"))...)
		}
	}
	slices.Sort(ids)
	w.inNotes(slices.Compact(ids))
}
