package search

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"
	"unsafe"
)

// TextIndex holds the searchable text of every note in memory so that plain text, field
// and tag searches need no scan of the notes table: the pure-Go SQLite takes ~150 ms to
// run LIKE over 100k notes, Go's byte search over the same text a few milliseconds.
//
// The text is folded the way SQLite's LIKE folds it (ASCII letters only), which keeps
// every answer identical to the SQL it replaces. Each note's text sits in one arena per
// column, notes separated by a NUL byte, so one bytes.Index pass finds all candidates.
// A TextIndex is immutable once built and safe for concurrent use; the collection drops
// it when notes change.
type TextIndex struct {
	ids  []int64 // note ids, ascending
	mids []int64
	sfld arena
	flds arena
	tags arena
	// notes whose tag string has non-ASCII bytes: SQL sends those through the regex
	nonASCIITags []int32
	// notes whose sfld or flds is not clean UTF-8 (likeClean): SQLite's LIKE reads those
	// characters its own way, so they are matched by exactLike instead of by bytes
	badText []int32

	// the sort field's SQLite type and numeric value, for ordering as SQLite does
	sortType []byte
	sortNum  []float64
	sortLen  []uint32 // the sort field's length before a NUL cut it

	rankOnce sync.Once
	order    []int32 // note positions in "order by sfld collate nocase" (nil: not yet)
	rank     []int32 // position of each note in that order
	ranked   atomic.Bool

	// The cards of each note (when hasCards), so that searches made only of terms the
	// index answers need no SQL at all: note i's cards are card[cardStart[i]:cardStart[i+1]],
	// by id. Cards whose note is missing are kept in orphans by note id; while there are
	// any, or cards with values of odd types (oddCards), Find leaves searches to SQL.
	hasCards  bool
	oddCards  int
	cardStart []int32
	card      []CardRef
	orphans   map[int64][]CardRef

	cardOnce  sync.Once
	cardOrder []int32 // card positions by (sort-field rank, ord, id)
}

// CardRef is one card as the index keeps it: the columns card searches look at.
type CardRef struct {
	ID, Did, Odid, Due int64
	Ord, Flags         int32
	Queue, Type        int8
	// Odd: a column held a value that is not an integer (or out of range), which SQL
	// compares by rules of its own: searches of such a collection run in SQL
	Odd bool
}

// CardRow is a card with its note id, as Patch and SetCards take them.
type CardRow struct {
	NID int64
	CardRef
}

// SQLite's storage classes in their sort order.
const (
	SortNull byte = iota
	SortNumber
	SortText
	SortBlob
)

type arena struct {
	buf []byte
	off []uint32 // note i is buf[off[i]:off[i+1]-1] (the byte before off[i+1] is the NUL)
}

func (a *arena) add(s []byte) {
	if len(a.off) == 0 {
		a.off = append(a.off, 0)
	}
	// SQLite's LIKE and the SQL functions read text only up to a NUL
	if i := bytes.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	start := len(a.buf)
	a.buf = append(a.buf, s...)
	lowerASCII(a.buf[start:])
	a.buf = append(a.buf, 0)
	a.off = append(a.off, uint32(len(a.buf)))
}

func (a *arena) addLowered(s []byte) {
	if len(a.off) == 0 {
		a.off = append(a.off, 0)
	}
	a.buf = append(a.buf, s...)
	a.buf = append(a.buf, 0)
	a.off = append(a.off, uint32(len(a.buf)))
}

func (a *arena) text(i int) []byte { return a.buf[a.off[i] : a.off[i+1]-1] }

// note returns the note whose text holds byte position pos.
func (a *arena) note(pos int) int {
	i, found := slices.BinarySearch(a.off, uint32(pos))
	if found {
		return i
	}
	return i - 1
}

func lowerASCII(b []byte) {
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
}

// TextIndexBuilder collects notes in ascending id order.
type TextIndexBuilder struct{ idx *TextIndex }

// NewTextIndexBuilder prepares for about n notes and textBytes bytes of their text.
func NewTextIndexBuilder(n, textBytes int) *TextIndexBuilder {
	b := &TextIndexBuilder{idx: &TextIndex{}}
	x := b.idx
	x.ids = make([]int64, 0, n)
	x.mids = make([]int64, 0, n)
	x.sortType = make([]byte, 0, n)
	x.sortNum = make([]float64, 0, n)
	x.sortLen = make([]uint32, 0, n)
	for _, a := range []*arena{&x.sfld, &x.flds, &x.tags} {
		a.off = make([]uint32, 1, n+1)
	}
	x.cardStart = make([]int32, 1, n+1)
	x.flds.buf = make([]byte, 0, textBytes)
	return b
}

// Add appends a note; sfld is the sort field as SQLite turns it into text, typ its storage
// class (SortNull…SortBlob) and num its value when it is a number. The slices are copied.
func (b *TextIndexBuilder) Add(id, mid int64, sfld, flds, tags []byte, typ byte, num float64) {
	b.add(id, mid, sfld, flds, tags, typ, num, nil)
}

// add is Add with the note's cards (by id).
func (b *TextIndexBuilder) add(id, mid int64, sfld, flds, tags []byte, typ byte, num float64, cards []CardRef) {
	i := len(b.idx.ids)
	b.idx.card = append(b.idx.card, cards...)
	b.idx.cardStart = append(b.idx.cardStart, int32(len(b.idx.card)))
	b.idx.sortType = append(b.idx.sortType, typ)
	b.idx.sortNum = append(b.idx.sortNum, num)
	b.idx.sortLen = append(b.idx.sortLen, uint32(len(sfld)))
	b.idx.ids = append(b.idx.ids, id)
	b.idx.mids = append(b.idx.mids, mid)
	b.idx.sfld.add(sfld)
	b.idx.flds.add(flds)
	b.idx.tags.add(tags)
	if !isASCIIBytes(tags) {
		b.idx.nonASCIITags = append(b.idx.nonASCIITags, int32(i))
	}
	if !likeClean(b.idx.sfld.text(i)) || !likeClean(b.idx.flds.text(i)) {
		b.idx.badText = append(b.idx.badText, int32(i))
	}
}

// AddFrom appends note i of another index unchanged (an index patched after some notes
// changed keeps the others this way).
func (b *TextIndexBuilder) AddFrom(x *TextIndex, i int) {
	j := len(b.idx.ids)
	if x.hasCards {
		s, e := x.cardStart[i], x.cardStart[i+1]
		b.idx.card = append(b.idx.card, x.card[s:e]...)
	}
	b.idx.cardStart = append(b.idx.cardStart, int32(len(b.idx.card)))
	b.idx.ids = append(b.idx.ids, x.ids[i])
	b.idx.mids = append(b.idx.mids, x.mids[i])
	b.idx.sortType = append(b.idx.sortType, x.sortType[i])
	b.idx.sortNum = append(b.idx.sortNum, x.sortNum[i])
	b.idx.sortLen = append(b.idx.sortLen, x.sortLen[i])
	b.idx.sfld.addLowered(x.sfld.text(i))
	b.idx.flds.addLowered(x.flds.text(i))
	tags := x.tags.text(i)
	b.idx.tags.addLowered(tags)
	if !isASCIIBytes(tags) {
		b.idx.nonASCIITags = append(b.idx.nonASCIITags, int32(j))
	}
	if !likeClean(b.idx.sfld.text(j)) || !likeClean(b.idx.flds.text(j)) {
		b.idx.badText = append(b.idx.badText, int32(j))
	}
}

// SetCards gives the index every card of the collection (any order), after the notes were
// added; cards whose note is not in the index are kept as orphans.
func (b *TextIndexBuilder) SetCards(cards []CardRow) {
	x := b.idx
	slices.SortFunc(cards, func(a, b CardRow) int {
		if a.NID != b.NID {
			return cmpInt64(a.NID, b.NID)
		}
		return cmpInt64(a.ID, b.ID)
	})
	x.card = make([]CardRef, 0, len(cards))
	x.cardStart = x.cardStart[:1]
	x.orphans = nil
	k := 0
	for _, nid := range x.ids {
		for ; k < len(cards) && cards[k].NID < nid; k++ {
			x.addOrphan(cards[k])
		}
		for ; k < len(cards) && cards[k].NID == nid; k++ {
			x.card = append(x.card, cards[k].CardRef)
		}
		x.cardStart = append(x.cardStart, int32(len(x.card)))
	}
	for ; k < len(cards); k++ {
		x.addOrphan(cards[k])
	}
	x.hasCards = true
}

func (x *TextIndex) addOrphan(c CardRow) {
	if x.orphans == nil {
		x.orphans = map[int64][]CardRef{}
	}
	x.orphans[c.NID] = append(x.orphans[c.NID], c.CardRef)
}

// IDs returns the note ids of the index, ascending (do not modify).
func (x *TextIndex) IDs() []int64 { return x.ids }

// Build returns the index; ids must have been added in ascending order.
func (b *TextIndexBuilder) Build() *TextIndex {
	idx := b.idx
	for _, a := range []*arena{&idx.sfld, &idx.flds, &idx.tags} {
		if len(a.off) == 0 {
			a.off = []uint32{0}
		}
	}
	for _, c := range idx.card {
		if c.Odd {
			idx.oddCards++
		}
	}
	b.idx = nil
	return idx
}

// Len is the number of notes.
func (x *TextIndex) Len() int { return len(x.ids) }

// Bytes is roughly the memory the index holds.
func (x *TextIndex) Bytes() int {
	return len(x.ids)*16 + len(x.sfld.buf) + len(x.flds.buf) + len(x.tags.buf) +
		4*(len(x.sfld.off)+len(x.flds.off)+len(x.tags.off)) + 4*len(x.cardStart) + int(unsafe.Sizeof(CardRef{}))*len(x.card)
}

// noteSet is a set of note positions in the index, ascending.
type noteSet []int32

// likeNotes returns the notes (optionally only of note type mid, 0 = all) whose column
// text matches an SQLite LIKE pattern with escape '\'.
func (x *TextIndex) likeNotes(a *arena, pattern string, mid int64) noteSet {
	p := compileLike(pattern)
	var out noteSet
	if lit, ok := p.substring(); ok && mid == 0 && bytes.IndexByte(lit, 0) < 0 {
		// one pass over the whole arena; the NULs keep matches inside one note
		buf := a.buf
		pos := 0
		for pos < len(buf) {
			j := bytes.Index(buf[pos:], lit)
			if j < 0 {
				break
			}
			n := a.note(pos + j)
			out = append(out, int32(n))
			pos = int(a.off[n+1])
		}
	} else {
		for i := range x.ids {
			if mid != 0 && x.mids[i] != mid {
				continue
			}
			if p.match(a.text(i)) {
				out = append(out, int32(i))
			}
		}
	}
	if len(x.badText) == 0 {
		return out
	}
	// the notes with unclean text: SQLite's own character rules decide
	var bad noteSet
	for _, i := range x.badText {
		if (mid == 0 || x.mids[i] == mid) && exactLike(pattern, a.text(int(i))) {
			bad = append(bad, i)
		}
	}
	return union(difference(out, x.badText), bad)
}

// difference returns the members of a not in b (both ascending).
func difference(a, b noteSet) noteSet {
	out := a[:0:0]
	j := 0
	for _, v := range a {
		for j < len(b) && b[j] < v {
			j++
		}
		if j < len(b) && b[j] == v {
			continue
		}
		out = append(out, v)
	}
	return out
}

// union merges two ascending sets.
func union(a, b noteSet) noteSet {
	out := make(noteSet, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// TextNotes answers "n.sfld like p or n.flds like p" (a plain text search).
func (x *TextIndex) TextNotes(pattern string) []int64 {
	// the two columns are scanned side by side: each pass is memory-bound
	var sfld noteSet
	done := make(chan struct{})
	go func() {
		sfld = x.likeNotes(&x.sfld, pattern, 0)
		close(done)
	}()
	flds := x.likeNotes(&x.flds, pattern, 0)
	<-done
	return x.idsOf(union(sfld, flds))
}

// FieldNotes answers "n.mid = mid and n.flds like pattern".
func (x *TextIndex) FieldNotes(mid int64, pattern string) []int64 {
	return x.idsOf(x.likeNotes(&x.flds, pattern, mid))
}

// TagNotes answers "regexp(re, n.tags)" for a pattern that can only match after a space
// followed by prefix (ASCII, case-insensitive; empty: no such hint).
func (x *TextIndex) TagNotes(re *regexp.Regexp, prefix string) []int64 {
	var cand noteSet
	if prefix != "" && isASCII(prefix) {
		lit := []byte(" " + prefix)
		lowerASCII(lit)
		cand = x.likeSubstring(&x.tags, lit)
		cand = union(cand, x.nonASCIITags)
	} else {
		cand = make(noteSet, len(x.ids))
		for i := range cand {
			cand[i] = int32(i)
		}
	}
	out := cand[:0:0]
	for _, i := range cand {
		// the text is ASCII-lowered; the patterns are case-insensitive, so the answer
		// is the one the original text gives
		if re.Match(x.tags.text(int(i))) {
			out = append(out, i)
		}
	}
	return x.idsOf(out)
}

func (x *TextIndex) likeSubstring(a *arena, lit []byte) noteSet {
	var out noteSet
	pos := 0
	for pos < len(a.buf) {
		j := bytes.Index(a.buf[pos:], lit)
		if j < 0 {
			break
		}
		n := a.note(pos + j)
		out = append(out, int32(n))
		pos = int(a.off[n+1])
	}
	return out
}

func (x *TextIndex) idsOf(s noteSet) []int64 {
	out := make([]int64, len(s))
	for i, n := range s {
		out[i] = x.ids[n]
	}
	return out
}

// jsonIDs is the JSON array SQL reads with json_each.
func jsonIDs(ids []int64) string {
	b, _ := json.Marshal(ids)
	return string(b)
}

// likePattern is a compiled SQLite LIKE pattern (escape '\'), folded to lower-case ASCII:
// segments separated by %, where _ matches any one character.
type likePattern struct {
	segs  []likeSeg
	never bool // ends in a lone escape character, which SQLite never matches
}

type likeSeg struct {
	lit []byte
	any []bool // any[i]: lit[i] is a _ (one UTF-8 character)
	has bool   // some _ in the segment
}

func compileLike(p string) likePattern {
	// SQLite reads the pattern, like the text, only up to a NUL
	if i := strings.IndexByte(p, 0); i >= 0 {
		p = p[:i]
	}
	var out likePattern
	var cur likeSeg
	flush := func() {
		out.segs = append(out.segs, cur)
		cur = likeSeg{}
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 == len(p):
			out.never = true
		case c == '\\':
			i++
			cur.lit = append(cur.lit, p[i])
			cur.any = append(cur.any, false)
		case c == '%':
			flush()
		case c == '_':
			cur.lit = append(cur.lit, '_')
			cur.any = append(cur.any, true)
			cur.has = true
		default:
			cur.lit = append(cur.lit, c)
			cur.any = append(cur.any, false)
		}
	}
	flush()
	lowerSegs(out.segs)
	return out
}

func lowerSegs(segs []likeSeg) {
	for i := range segs {
		lowerASCII(segs[i].lit)
	}
}

// substring returns the literal of a "%literal%" pattern.
func (p likePattern) substring() ([]byte, bool) {
	if p.never || len(p.segs) != 3 || len(p.segs[0].lit) != 0 || len(p.segs[2].lit) != 0 || p.segs[1].has || len(p.segs[1].lit) == 0 {
		return nil, false
	}
	return p.segs[1].lit, true
}

// match reports whether the whole of t (lower-cased ASCII) matches.
func (p likePattern) match(t []byte) bool {
	if p.never {
		return false
	}
	segs := p.segs
	if len(segs) == 1 {
		n, ok := segAt(segs[0], t)
		return ok && n == len(t)
	}
	// first segment anchored at the start
	n, ok := segAt(segs[0], t)
	if !ok {
		return false
	}
	t = t[n:]
	last := segs[len(segs)-1]
	middle := segs[1 : len(segs)-1]
	for _, s := range middle {
		if len(s.lit) == 0 {
			continue
		}
		end, ok := segFind(s, t)
		if !ok {
			return false
		}
		t = t[end:]
	}
	if len(last.lit) == 0 {
		return true
	}
	// the last segment must end exactly at the end: try it at every character start
	// from which it could fit (it matches a fixed number of characters)
	for i := 0; i <= len(t); {
		if n, ok := segAt(last, t[i:]); ok && n == len(t)-i {
			return true
		}
		if i == len(t) {
			break
		}
		_, size := utf8.DecodeRune(t[i:])
		i += size
	}
	return false
}

// segAt matches segment s at the start of t and returns the bytes it used.
func segAt(s likeSeg, t []byte) (int, bool) {
	if !s.has {
		if bytes.HasPrefix(t, s.lit) {
			return len(s.lit), true
		}
		return 0, false
	}
	j := 0
	for i, c := range s.lit {
		if s.any[i] {
			if j == len(t) {
				return 0, false
			}
			_, size := utf8.DecodeRune(t[j:])
			j += size
			continue
		}
		if j >= len(t) || t[j] != c {
			return 0, false
		}
		j++
	}
	return j, true
}

// segFind finds the leftmost match of s in t and returns where it ends; for %-separated
// segments leftmost is always right because later segments then have the most text left.
func segFind(s likeSeg, t []byte) (int, bool) {
	if !s.has {
		j := bytes.Index(t, s.lit)
		if j < 0 {
			return 0, false
		}
		return j + len(s.lit), true
	}
	for i := 0; i <= len(t); {
		if n, ok := segAt(s, t[i:]); ok {
			return i + n, true
		}
		if i == len(t) {
			break
		}
		_, size := utf8.DecodeRune(t[i:])
		i += size
	}
	return 0, false
}

func isASCIIBytes(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// cmpSort compares notes a and b as "sfld collate nocase" does in SQLite: NULL, then numbers
// by value, then text compared after folding ASCII letters (up to a NUL, then by length),
// then blobs.
func (x *TextIndex) cmpSort(a, b int32) int {
	ta, tb := x.sortType[a], x.sortType[b]
	if ta != tb {
		return int(ta) - int(tb)
	}
	switch ta {
	case SortNumber:
		// (integers beyond 2^53 lose precision here; sort fields that long are not
		// numbers anyone sorts by)
		fa, fb := x.sortNum[a], x.sortNum[b]
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	case SortText, SortBlob:
		if c := bytes.Compare(x.sfld.text(int(a)), x.sfld.text(int(b))); c != 0 {
			return c
		}
		return cmpInt64(int64(x.sortLen[a]), int64(x.sortLen[b]))
	}
	return 0
}

// ranks returns, per note, its place in the sort-field order; notes with equal keys share
// a rank. Computed once per index (or carried over by Patch).
func (x *TextIndex) ranks() []int32 {
	x.rankOnce.Do(func() {
		if x.order == nil {
			order := make([]int32, len(x.ids))
			for i := range order {
				order[i] = int32(i)
			}
			slices.SortFunc(order, x.cmpSort)
			x.order = order
		}
		rank := make([]int32, len(x.ids))
		r := int32(0)
		for i, o := range x.order {
			if i > 0 && x.cmpSort(x.order[i-1], o) != 0 {
				r = int32(i)
			}
			rank[o] = r
		}
		x.rank = rank
		x.ranked.Store(true) // order may now be read by Patch from another goroutine
	})
	return x.rank
}

// NoteText is one note's searchable columns, as TextIndexBuilder.Add takes them.
type NoteText struct {
	ID, Mid          int64
	Sfld, Flds, Tags []byte
	Type             byte
	Num              float64
}

// Patch returns a new index: x without the notes in changed (ascending ids), plus fresh
// (ascending ids; the changed notes that still exist). cards are the cards whose note id is
// in changed, as they are now (sorted by note id, then id); an index holding cards keeps
// them up to date with it. Unchanged notes are copied in runs, and the sort order is
// merged rather than sorted again, so a patch after an edit costs a few milliseconds on
// 100k notes.
func (x *TextIndex) Patch(changed []int64, fresh []NoteText, cards []CardRow) *TextIndex {
	b := NewTextIndexBuilder(len(x.ids)+len(fresh), len(x.flds.buf))
	y := b.idx
	y.hasCards = x.hasCards
	if x.hasCards {
		for nid, o := range x.orphans {
			if _, gone := slices.BinarySearch(changed, nid); !gone {
				if y.orphans == nil {
					y.orphans = map[int64][]CardRef{}
				}
				y.orphans[nid] = o
			}
		}
	}
	ci := 0 // next row of cards
	cardsOf := func(nid int64) []CardRef {
		for ci < len(cards) && cards[ci].NID < nid {
			y.addOrphan(cards[ci])
			ci++
		}
		var out []CardRef
		for ; ci < len(cards) && cards[ci].NID == nid; ci++ {
			out = append(out, cards[ci].CardRef)
		}
		return out
	}
	newPos := make([]int32, len(x.ids)) // old position -> new, -1 when replaced or gone
	var freshPos []int32
	i, j := 0, 0
	for i < len(x.ids) || j < len(fresh) {
		if j < len(fresh) && (i == len(x.ids) || fresh[j].ID <= x.ids[i]) {
			if i < len(x.ids) && fresh[j].ID == x.ids[i] {
				newPos[i] = -1
				i++
			}
			f := fresh[j]
			freshPos = append(freshPos, int32(len(y.ids)))
			var fc []CardRef
			if y.hasCards {
				fc = cardsOf(f.ID)
			}
			b.add(f.ID, f.Mid, f.Sfld, f.Flds, f.Tags, f.Type, f.Num, fc)
			j++
			continue
		}
		// a run of old notes up to the next fresh or changed one
		end := len(x.ids)
		if j < len(fresh) {
			end, _ = slices.BinarySearch(x.ids, fresh[j].ID)
		}
		if k, _ := slices.BinarySearch(changed, x.ids[i]); k < len(changed) {
			if e, _ := slices.BinarySearch(x.ids, changed[k]); e < end {
				end = e
			}
		}
		if end == i { // x.ids[i] changed and is gone
			newPos[i] = -1
			i++
			continue
		}
		y.copyRun(x, i, end, newPos)
		i = end
	}
	for ; y.hasCards && ci < len(cards); ci++ { // after the last fresh note: their notes are gone
		y.addOrphan(cards[ci])
	}
	idx := b.Build()
	if x.ranked.Load() {
		idx.order = mergeOrder(idx, x.order, newPos, freshPos)
	}
	return idx
}

// copyRun appends old notes [i, end) of x to y.
func (y *TextIndex) copyRun(x *TextIndex, i, end int, newPos []int32) {
	base := int32(len(y.ids))
	for k := i; k < end; k++ {
		newPos[k] = base + int32(k-i)
	}
	y.ids = append(y.ids, x.ids[i:end]...)
	y.mids = append(y.mids, x.mids[i:end]...)
	if x.hasCards {
		s := x.cardStart[i]
		shift := int32(len(y.card)) - s
		y.card = append(y.card, x.card[s:x.cardStart[end]]...)
		for k := i + 1; k <= end; k++ {
			y.cardStart = append(y.cardStart, x.cardStart[k]+shift)
		}
	} else {
		for k := i; k < end; k++ {
			y.cardStart = append(y.cardStart, int32(len(y.card)))
		}
	}
	y.sortType = append(y.sortType, x.sortType[i:end]...)
	y.sortNum = append(y.sortNum, x.sortNum[i:end]...)
	y.sortLen = append(y.sortLen, x.sortLen[i:end]...)
	for _, a := range [][2]*arena{{&y.sfld, &x.sfld}, {&y.flds, &x.flds}, {&y.tags, &x.tags}} {
		dst, src := a[0], a[1]
		if len(dst.off) == 0 {
			dst.off = append(dst.off, 0)
		}
		shift := uint32(len(dst.buf)) - src.off[i]
		dst.buf = append(dst.buf, src.buf[src.off[i]:src.off[end]]...)
		for k := i + 1; k <= end; k++ {
			dst.off = append(dst.off, src.off[k]+shift)
		}
	}
	y.nonASCIITags = appendRun(y.nonASCIITags, x.nonASCIITags, i, end, newPos)
	y.badText = appendRun(y.badText, x.badText, i, end, newPos)
}

// appendRun appends the members of set in [i, end), moved to their new positions.
func appendRun(dst, set []int32, i, end int, newPos []int32) []int32 {
	lo, _ := slices.BinarySearch(set, int32(i))
	for _, p := range set[lo:] {
		if int(p) >= end {
			break
		}
		dst = append(dst, newPos[p])
	}
	return dst
}

// mergeOrder is the sort order of y from x's order (positions mapped by newPos, dropped
// when -1) and the fresh notes, sorted and merged in.
func mergeOrder(y *TextIndex, old []int32, newPos []int32, fresh []int32) []int32 {
	slices.SortFunc(fresh, y.cmpSort)
	out := make([]int32, 0, len(y.ids))
	f := 0
	for _, o := range old {
		p := newPos[o]
		if p < 0 {
			continue
		}
		for f < len(fresh) && y.cmpSort(fresh[f], p) < 0 {
			out = append(out, fresh[f])
			f++
		}
		out = append(out, p)
	}
	return append(out, fresh[f:]...)
}

// position returns the index of note id (false: not in the index).
func (x *TextIndex) position(id int64) (int, bool) {
	return slices.BinarySearch(x.ids, id)
}

// SortBySortField orders search results as "order by n.sfld collate nocase, c.ord" (notes:
// ord 0), with the id breaking the remaining ties, reversed for desc. nids[i] and ords[i]
// belong to ids[i]. It reports false when a note is missing from the index (the caller
// then lets SQLite sort).
func (x *TextIndex) SortBySortField(ids, nids []int64, ords []int, desc bool) bool {
	rank := x.ranks()
	type row struct {
		rank int32
		ord  int32
		id   int64
	}
	rows := make([]row, len(ids))
	// results usually come in note order: remember the last lookup
	lastNid, lastRank := int64(-1), int32(0)
	for i, id := range ids {
		if nids[i] != lastNid {
			p, ok := x.position(nids[i])
			if !ok {
				return false
			}
			lastNid, lastRank = nids[i], rank[p]
		}
		rows[i] = row{rank: lastRank, ord: int32(ords[i]), id: id}
	}
	slices.SortFunc(rows, func(a, b row) int {
		if a.rank != b.rank {
			return int(a.rank - b.rank)
		}
		if a.ord != b.ord {
			return int(a.ord - b.ord)
		}
		return cmpInt64(a.id, b.id)
	})
	for i, r := range rows {
		if desc {
			ids[len(ids)-1-i] = r.id
		} else {
			ids[i] = r.id
		}
	}
	return true
}

// likeClean reports whether byte matching gives SQLite's LIKE answer for text b: valid
// UTF-8 without U+FFFE/U+FFFF (which SQLite reads as U+FFFD).
func likeClean(b []byte) bool {
	return utf8.Valid(b) && !bytes.Contains(b, []byte("\xef\xbf\xbe")) && !bytes.Contains(b, []byte("\xef\xbf\xbf"))
}

// LikeClean is likeClean for a search pattern: the index only answers clean patterns.
func LikeClean(s string) bool { return likeClean([]byte(s)) }

// sqliteRune reads one character the way SQLite's LIKE does: a lead byte takes every
// continuation byte after it, whatever the count; overlong ASCII, surrogates and
// U+FFFE/U+FFFF become U+FFFD; a stray continuation byte is a character of its own.
func sqliteRune(b []byte) (rune, int) {
	c := rune(b[0])
	n := 1
	if c < 0xC0 {
		return c, 1
	}
	switch {
	case c < 0xE0:
		c -= 0xC0
	case c < 0xF0:
		c -= 0xE0
	case c < 0xF8:
		c -= 0xF0
	case c < 0xFC:
		c -= 0xF8
	case c < 0xFE:
		c -= 0xFC
	default:
		c = 0
	}
	for n < len(b) && b[n]&0xC0 == 0x80 {
		c = c<<6 + rune(b[n]&0x3F)
		n++
	}
	if c < 0x80 || c&^0x7FF == 0xD800 || c&^1 == 0xFFFE {
		c = 0xFFFD
	}
	return c, n
}

// exactLike is SQLite's LIKE (escape '\', ASCII case folding) character by character,
// for text that is not clean UTF-8. t is already ASCII-lowered and cut at a NUL.
func exactLike(pattern string, t []byte) bool {
	if i := strings.IndexByte(pattern, 0); i >= 0 {
		pattern = pattern[:i]
	}
	p := []byte(pattern)
	lowerASCII(p)
	r, _ := likeFrom(p, t)
	return r
}

// likeFrom matches p against all of t; abort is set when the pattern ends in a lone
// escape, which fails the whole match.
func likeFrom(p, t []byte) (match, abort bool) {
	for len(p) > 0 {
		c, n := sqliteRune(p)
		switch {
		case c == '%':
			p = p[n:]
			// runs of % and _: each _ needs one character
			for len(p) > 0 && (p[0] == '%' || p[0] == '_') {
				if p[0] == '_' {
					if len(t) == 0 {
						return false, false
					}
					_, tn := sqliteRune(t)
					t = t[tn:]
				}
				p = p[1:]
			}
			if len(p) == 0 {
				return true, false
			}
			for {
				m, ab := likeFrom(p, t)
				if m || ab {
					return m, ab
				}
				if len(t) == 0 {
					return false, false
				}
				_, tn := sqliteRune(t)
				t = t[tn:]
			}
		case c == '_':
			if len(t) == 0 {
				return false, false
			}
			_, tn := sqliteRune(t)
			p, t = p[n:], t[tn:]
			continue
		case c == '\\':
			p = p[n:]
			if len(p) == 0 {
				return false, true
			}
			c, n = sqliteRune(p)
		}
		if len(t) == 0 {
			return false, false
		}
		c2, tn := sqliteRune(t)
		if c2 != c {
			return false, false
		}
		p, t = p[n:], t[tn:]
	}
	return len(t) == 0, false
}
