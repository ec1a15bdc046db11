package sched

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
)

// Queue building follows rslib/src/scheduler/queue/builder: intraday learning cards are
// gathered first, then interday learning and review cards in the preset's review order,
// then new cards by the gather priority, each deck's cards limited by its own and its
// parents' remaining daily limits (rslib/src/decks/limits.rs). Siblings of a gathered
// card are skipped when the preset buries them.

// QueueKind says which queue a card was taken from.
type QueueKind int

const (
	KindNew QueueKind = iota
	KindLearn
	KindReview
	KindDayLearn
)

func (k QueueKind) String() string {
	return [...]string{"new", "learning", "review", "day-learning"}[k]
}

type entry struct {
	id, nid, mod int64
	due          int64
	kind         QueueKind
	reps         int
}

type queues struct {
	deckID     int64
	today      int
	nextDayAt  int64
	learnAhead int64
	learning   []entry // intraday, due before the next day
	main       []entry
}

type remaining struct {
	review, new int
	capNew      bool
}

func (r *remaining) capTo(o remaining) {
	r.review, r.new = min(r.review, o.review), min(r.new, o.new)
}

type limitNode struct {
	lim      remaining
	parent   *limitNode
	children []*limitNode
}

type limitTree struct {
	root  *limitNode
	nodes map[int64]*limitNode
}

func deckLimits(d *collection.Deck, ds *deckSet, today int, newIgnoresReview bool) remaining {
	if d.Filtered() {
		return remaining{review: 9999, new: 9999}
	}
	cfg := ds.config(d)
	review, newL := cfg.ReviewsPerDay, cfg.NewPerDay
	if v, ok := deckDayLimit(d, "reviewLimitToday", today); ok {
		review = v
	} else if v, ok := deckOpt(d, "reviewLimit"); ok {
		review = v
	}
	if v, ok := deckDayLimit(d, "newLimitToday", today); ok {
		newL = v
	} else if v, ok := deckOpt(d, "newLimit"); ok {
		newL = v
	}
	newDone, revDone := studied(d.NewToday, today), studied(d.RevToday, today)
	review -= revDone
	newL -= newDone
	if !newIgnoresReview {
		review -= newDone
		newL = min(newL, review)
	}
	return remaining{review: max(review, 0), new: max(newL, 0), capNew: !newIgnoresReview}
}

func studied(v [2]int64, today int) int {
	if v[0] == int64(today) {
		return int(v[1])
	}
	return 0
}

// buildLimits makes the limit tree of decks (root first, each deck after its parent).
func buildLimits(decks []*collection.Deck, ds *deckSet, today int, newIgnoresReview bool) *limitTree {
	t := &limitTree{nodes: map[int64]*limitNode{}}
	byName := map[string]*limitNode{}
	for _, d := range decks {
		n := &limitNode{lim: deckLimits(d, ds, today, newIgnoresReview)}
		if t.root == nil {
			t.root = n
		} else {
			// the nearest ancestor in the tree is the parent
			name := strings.ToLower(d.Name)
			for {
				i := strings.LastIndex(name, collection.DeckSeparator)
				if i < 0 {
					break
				}
				name = name[:i]
				if p := byName[name]; p != nil {
					n.parent = p
					break
				}
			}
			if n.parent == nil {
				continue // not under the root: a DB check would fix it; Anki skips it too
			}
			n.lim.capTo(n.parent.lim)
			n.parent.children = append(n.parent.children, n)
		}
		t.nodes[d.ID] = n
		byName[strings.ToLower(d.Name)] = n
	}
	return t
}

func (t *limitTree) reached(did int64, review bool) bool {
	n := t.nodes[did]
	if n == nil {
		return true
	}
	if review {
		return n.lim.review == 0
	}
	return n.lim.new == 0
}

func (t *limitTree) decrement(did int64, review bool) {
	for n := t.nodes[did]; n != nil; n = n.parent {
		before := n.lim
		if review {
			n.lim.review = max(n.lim.review-1, 0)
			if n.lim.capNew {
				n.lim.new = min(n.lim.new, n.lim.review)
			}
		} else {
			n.lim.new = max(n.lim.new-1, 0)
		}
		if (before.review > 0 && n.lim.review == 0) || (before.new > 0 && n.lim.new == 0) {
			capDescendants(n, n.lim)
		}
	}
}

func capDescendants(n *limitNode, lim remaining) {
	n.lim.capTo(lim)
	for _, c := range n.children {
		capDescendants(c, lim)
	}
}

type buryMode struct{ newC, reviews, interday bool }

// builder holds what gathering needs.
type builder struct {
	ds        *deckSet
	limits    *limitTree
	seen      map[int64]buryMode
	buryCache map[int64]buryMode // home deck → its preset's burying
	active    []*collection.Deck
	didList   string
	rootCfg   Config
	filtered  bool
	today     int
	nextDayAt int64
}

func (b *builder) buryModeFor(did, odid int64) buryMode {
	home := did
	if odid != 0 {
		home = odid
	}
	if m, ok := b.buryCache[home]; ok {
		return m
	}
	var m buryMode
	if d := b.ds.byID[home]; d != nil && !d.Filtered() {
		c := b.ds.config(d)
		m = buryMode{c.BuryNew, c.BuryReviews, c.BuryInterdayLearn}
	}
	b.buryCache[home] = m
	return m
}

// seeNote records a gathered card's note and returns the burying mode of the siblings
// seen before it (ok=false for the first card of a note).
func (b *builder) seeNote(nid, did, odid int64) (buryMode, bool) {
	mode := b.buryModeFor(did, odid)
	prev, ok := b.seen[nid]
	if ok {
		b.seen[nid] = buryMode{prev.newC || mode.newC, prev.reviews || mode.reviews, prev.interday || mode.interday}
	} else {
		b.seen[nid] = mode
	}
	return prev, ok
}

type rowCard struct {
	entry
	did, odid int64
	ivl       int
	factor    int
	ord       int
	deckRank  int
}

// fnvHash is Anki's fnvhash(): FNV-1a over the little-endian bytes of each value.
func fnvHash(vals ...int64) uint64 {
	const offset, prime = 14695981039346656037, 1099511628211
	h := uint64(offset)
	for _, v := range vals {
		u := uint64(v)
		for i := 0; i < 8; i++ { // little-endian bytes
			h ^= u & 0xff
			h *= prime
			u >>= 8
		}
	}
	return h
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// query reads matching cards of the active decks. lean leaves out reps, ivl, factor and
// ord, which the day and deck review orders do not need (each column read costs time on
// 50,000 cards).
func (b *builder) query(ctx context.Context, q querier, lean bool, where string, args ...any) ([]rowCard, error) {
	// The (did, queue, due) index finds few due cards fast, but fetching most of a large
	// deck through it costs a table lookup per card: when the matches are a good part of
	// the table, a straight scan is quicker (≈35 % at 50,000 due cards).
	from := "cards"
	var matches, total int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM cards WHERE did IN ("+b.didList+") AND "+where, args...).Scan(&matches); err != nil {
		return nil, fmt.Errorf("build queues: %w", err)
	}
	if matches == 0 {
		return nil, nil
	}
	if matches > 1000 {
		if err := q.QueryRowContext(ctx, "SELECT count(*) FROM cards").Scan(&total); err != nil {
			return nil, fmt.Errorf("build queues: %w", err)
		}
		if matches*4 > total {
			from = "cards NOT INDEXED"
		}
	}
	cols := "id, nid, due, mod, did, odid, reps, ivl, factor, ord"
	if lean {
		cols = "id, nid, due, mod, did, odid"
	}
	rows, err := q.QueryContext(ctx, "SELECT "+cols+" FROM "+from+" WHERE did IN ("+b.didList+") AND "+where, args...)
	if err != nil {
		return nil, fmt.Errorf("build queues: %w", err)
	}
	defer rows.Close()
	rank := map[int64]int{}
	for i, d := range b.active {
		rank[d.ID] = i
	}
	out := make([]rowCard, 0, matches)
	for rows.Next() {
		var r rowCard
		dst := []any{&r.id, &r.nid, &r.due, &r.mod, &r.did, &r.odid, &r.reps, &r.ivl, &r.factor, &r.ord}
		if lean {
			dst = dst[:6]
		}
		if err := rows.Scan(dst...); err != nil {
			return nil, fmt.Errorf("build queues: %w", err)
		}
		r.deckRank = rank[r.did]
		out = append(out, r)
	}
	return out, rows.Err()
}

func leanOrder(order int) bool {
	switch order {
	case ReviewOrderDay, ReviewOrderDayThenDeck, ReviewOrderDeckThenDay, ReviewOrderRandom:
		return true
	}
	return false
}

// sortDue orders review/interday-learning cards like review_order_sql, with Anki's final
// fnvhash(id, mod) tie-breaker (compared as SQLite compares it, signed).
func sortDue(cards []rowCard, order int) {
	type key struct {
		a, b int64
	}
	keyOf := func(c rowCard) key {
		switch order {
		case ReviewOrderDayThenDeck:
			return key{c.due, int64(c.deckRank)}
		case ReviewOrderDeckThenDay:
			return key{int64(c.deckRank), c.due}
		case ReviewOrderIntervalsAscending:
			return key{int64(c.ivl), 0}
		case ReviewOrderIntervalsDescending:
			return key{-int64(c.ivl), 0}
		case ReviewOrderEaseAscending:
			return key{int64(c.factor), 0}
		case ReviewOrderEaseDescending:
			return key{-int64(c.factor), 0}
		case ReviewOrderRandom:
			return key{}
		case ReviewOrderAdded:
			return key{c.nid, int64(c.ord)}
		case ReviewOrderReverseAdded:
			return key{-c.nid, int64(c.ord)}
		}
		return key{c.due, 0} // day (and the FSRS orders, which fall back to it)
	}
	keys := make([]key, len(cards))
	hashes := make([]int64, len(cards))
	for i, c := range cards {
		keys[i] = keyOf(c)
		hashes[i] = int64(fnvHash(c.id, c.mod))
	}
	idx := make([]int, len(cards))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(x, y int) bool {
		kx, ky := keys[idx[x]], keys[idx[y]]
		if kx != ky {
			if kx.a != ky.a {
				return kx.a < ky.a
			}
			return kx.b < ky.b
		}
		return hashes[idx[x]] < hashes[idx[y]]
	})
	sorted := make([]rowCard, len(cards))
	for i, j := range idx {
		sorted[i] = cards[j]
	}
	copy(cards, sorted)
}

// buildQueues gathers today's cards of deck did.
func buildQueues(ctx context.Context, q querier, ds *deckSet, did int64, tm timing, opts colOpts) (*queues, error) {
	root := ds.byID[did]
	if root == nil {
		root = ds.byID[collection.DefaultDeckID]
		if root == nil {
			return nil, fmt.Errorf("build queues: deck %d: %w", did, collection.ErrNotFound)
		}
	}
	active := ds.withChildren(root)
	limitDecks := active
	if opts.applyAllParentLimits {
		ps := ds.parents(root)
		limitDecks = nil
		for i := len(ps) - 1; i >= 0; i-- {
			limitDecks = append(limitDecks, ps[i])
		}
		limitDecks = append(limitDecks, active...)
	}
	ids := make([]string, len(active))
	for i, d := range active {
		ids[i] = strconv.FormatInt(d.ID, 10)
	}
	b := &builder{ds: ds, limits: buildLimits(limitDecks, ds, tm.today, opts.newIgnoresReviewLimit),
		seen: map[int64]buryMode{}, buryCache: map[int64]buryMode{}, active: active, didList: strings.Join(ids, ","),
		filtered: root.Filtered(), today: tm.today, nextDayAt: tm.nextDayAt}
	rootLimit := func(review bool) bool {
		if opts.applyAllParentLimits {
			return b.limits.root.lim.review == 0 && review || b.limits.root.lim.new == 0 && !review
		}
		return b.limits.reached(root.ID, review)
	}
	if root.Filtered() {
		b.rootCfg = DefaultConfig()
		b.rootCfg.NewSortOrder = SortNoSort // filtered decks keep their build order
	} else {
		b.rootCfg = ds.config(root)
	}
	qs := &queues{deckID: root.ID, today: tm.today, nextDayAt: tm.nextDayAt, learnAhead: opts.learnAhead}

	// intraday learning
	lrn, err := b.query(ctx, q, false, "queue IN (1, 4) AND due <= ?", tm.nextDayAt)
	if err != nil {
		return nil, err
	}
	for _, c := range lrn {
		b.seeNote(c.nid, c.did, c.odid)
		c.kind = KindLearn
		qs.learning = append(qs.learning, c.entry)
	}
	sortLearning(qs.learning)

	// interday learning, then reviews
	var dayLearn, reviews []entry
	for _, kind := range []QueueKind{KindDayLearn, KindReview} {
		if rootLimit(true) {
			break
		}
		queue := collection.QueueReview
		if kind == KindDayLearn {
			queue = collection.QueueDayLearn
		}
		cards, err := b.query(ctx, q, leanOrder(b.rootCfg.ReviewOrder), "queue = ? AND due <= ?", queue, tm.today)
		if err != nil {
			return nil, err
		}
		sortDue(cards, b.rootCfg.ReviewOrder)
		for _, c := range cards {
			if rootLimit(true) {
				break
			}
			if b.limits.reached(c.did, true) {
				continue
			}
			prev, seen := b.seeNote(c.nid, c.did, c.odid)
			if seen && ((kind == KindReview && prev.reviews) || (kind == KindDayLearn && prev.interday)) {
				continue
			}
			c.kind = kind
			if kind == KindReview {
				reviews = append(reviews, c.entry)
			} else {
				dayLearn = append(dayLearn, c.entry)
			}
			b.limits.decrement(c.did, true)
		}
	}

	// new cards
	newCards, err := b.gatherNew(ctx, q, rootLimit)
	if err != nil {
		return nil, err
	}
	sortNew(newCards, b.rootCfg.NewSortOrder, tm.today)
	var news []entry
	for _, c := range newCards {
		c.kind = KindNew
		news = append(news, c.entry)
	}

	mixDay := b.rootCfg.InterdayMix
	mixNew := b.rootCfg.NewMix
	if root.Filtered() {
		mixDay, mixNew = MixWithReviews, MixWithReviews
	}
	qs.main = merge(merge(reviews, dayLearn, mixDay), news, mixNew)
	return qs, nil
}

func (b *builder) gatherNew(ctx context.Context, q querier, rootLimit func(bool) bool) ([]rowCard, error) {
	salt := int64(uint32(b.today) * 2654435761)
	var out []rowCard
	add := func(c rowCard) bool {
		prev, seen := b.seeNote(c.nid, c.did, c.odid)
		if seen && prev.newC {
			return false
		}
		out = append(out, c)
		return true
	}
	prio := b.rootCfg.NewGatherPriority
	if prio == GatherDeck || prio == GatherDeckThenRandomNotes {
		for _, d := range b.active {
			if rootLimit(false) {
				break
			}
			if b.limits.reached(d.ID, false) {
				continue
			}
			cards, err := b.query(ctx, q, false, "did = ? AND queue = 0", d.ID)
			if err != nil {
				return nil, err
			}
			if prio == GatherDeck {
				sortNewGather(cards, GatherLowestPosition, salt)
			} else {
				sortNewGather(cards, GatherRandomNotes, salt)
			}
			for _, c := range cards {
				if b.limits.reached(d.ID, false) {
					break
				}
				if add(c) {
					b.limits.decrement(d.ID, false)
				}
			}
		}
		return out, nil
	}
	cards, err := b.query(ctx, q, false, "queue = 0")
	if err != nil {
		return nil, err
	}
	sortNewGather(cards, prio, salt)
	for _, c := range cards {
		if rootLimit(false) {
			break
		}
		if !b.limits.reached(c.did, false) && add(c) {
			b.limits.decrement(c.did, false)
		}
	}
	return out, nil
}

// sortNewGather is NewCardSorting::write: position, or fnvhash of note/card id with a salt.
func sortNewGather(cards []rowCard, prio int, salt int64) {
	switch prio {
	case GatherHighestPosition:
		sort.SliceStable(cards, func(i, j int) bool {
			if cards[i].due != cards[j].due {
				return cards[i].due > cards[j].due
			}
			return cards[i].ord < cards[j].ord
		})
	case GatherRandomNotes, GatherDeckThenRandomNotes:
		sort.SliceStable(cards, func(i, j int) bool {
			hi, hj := int64(fnvHash(cards[i].nid, salt)), int64(fnvHash(cards[j].nid, salt))
			if hi != hj {
				return hi < hj
			}
			return cards[i].ord < cards[j].ord
		})
	case GatherRandomCards:
		sort.SliceStable(cards, func(i, j int) bool {
			return int64(fnvHash(cards[i].id, salt)) < int64(fnvHash(cards[j].id, salt))
		})
	default:
		sort.SliceStable(cards, func(i, j int) bool {
			if cards[i].due != cards[j].due {
				return cards[i].due < cards[j].due
			}
			return cards[i].ord < cards[j].ord
		})
	}
}

// sortNew applies the preset's new-card sort order to the gathered cards.
func sortNew(cards []rowCard, order int, today int) {
	hashID := func(c rowCard) uint64 { return fnvHash(c.id, int64(today)) }
	hashNote := func(c rowCard) uint64 { return fnvHash(c.nid, int64(today)) }
	switch order {
	case SortTemplate:
		sort.SliceStable(cards, func(i, j int) bool { return cards[i].ord < cards[j].ord })
	case SortTemplateThenRandom:
		sort.SliceStable(cards, func(i, j int) bool {
			if cards[i].ord != cards[j].ord {
				return cards[i].ord < cards[j].ord
			}
			return hashID(cards[i]) < hashID(cards[j])
		})
	case SortRandomNoteThenTemplate:
		sort.SliceStable(cards, func(i, j int) bool {
			hi, hj := hashNote(cards[i]), hashNote(cards[j])
			if hi != hj {
				return hi < hj
			}
			return cards[i].ord < cards[j].ord
		})
	case SortRandomCard:
		sort.SliceStable(cards, func(i, j int) bool { return hashID(cards[i]) < hashID(cards[j]) })
	}
}

// sortLearning orders intraday learning cards: cards answered before first, then by due.
func sortLearning(es []entry) {
	sort.SliceStable(es, func(i, j int) bool {
		ni, nj := es[i].reps == 0, es[j].reps == 0
		if ni != nj {
			return !ni
		}
		return es[i].due < es[j].due
	})
}

// merge combines two queues: mix spreads the second evenly through the first (Anki's
// Intersperser), or puts it after or before.
func merge(one, two []entry, mix int) []entry {
	out := make([]entry, 0, len(one)+len(two))
	switch mix {
	case AfterReviews:
		return append(append(out, one...), two...)
	case BeforeReviews:
		return append(append(out, two...), one...)
	}
	ratio := float32(len(one)+1) / float32(len(two)+1)
	i, j := 0, 0
	for i < len(one) || j < len(two) {
		switch {
		case i < len(one) && j < len(two):
			if float32(j+1)*ratio < float32(i+1) {
				out = append(out, two[j])
				j++
			} else {
				out = append(out, one[i])
				i++
			}
		case i < len(one):
			out = append(out, one[i])
			i++
		default:
			out = append(out, two[j])
			j++
		}
	}
	return out
}
