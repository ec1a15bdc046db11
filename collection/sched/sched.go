// Package sched is Anki's v3 scheduler over a Deckhand collection: today's queues of new,
// learning and review cards with their daily limits, the four answer buttons with their
// next intervals (SM-2 as Anki computes it, or FSRS-6 as Anki runs it when the collection's
// "fsrs" option is on, see fsrs.go), revlog rows, burying, leeches, filtered decks and undo.
// ComputeMemoryStates fills in FSRS memory states from review histories (memstate.go).
//
// The behaviour follows rslib/src/scheduler in Anki's source: states/ for the intervals,
// answering/ for what is written, queue/ for the order of study, fsrs/ for memory states.
package sched

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/deckhand-app/deckhand/collection"
)

// Scheduler studies one collection. It keeps today's queues between calls and rebuilds them
// when the day rolls over, the selected deck changes or the collection was changed by
// something other than this scheduler.
type Scheduler struct {
	col *collection.Collection

	// Now is the clock (time.Now when nil); tests set it to study at chosen moments.
	Now func() time.Time
	// DisableFuzz turns off interval fuzz (review intervals and learning delays), as Anki
	// does in its own unit tests, so intervals are exactly the formulas' values.
	DisableFuzz bool

	mu       sync.Mutex
	q        *queues
	qChanges uint64 // col.Changes() when the queues were last in step with the collection
	undo     []*undoEntry
	shown    map[int64]time.Time // when GetCard handed out each card, for the time taken
	maxUndos int
}

// New returns a scheduler for col.
func New(col *collection.Collection) *Scheduler {
	return &Scheduler{col: col, shown: map[int64]time.Time{}, maxUndos: 30}
}

func (s *Scheduler) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Counts are the numbers shown above the study screen: new, learning and review cards due.
type Counts struct {
	New      int `json:"new"`
	Learning int `json:"learning"`
	Review   int `json:"review"`
}

// timing is the scheduler day at one moment.
type timing struct {
	today     int
	nextDayAt int64
	now       time.Time
}

func (t timing) secsUntilRollover() int { return int(max(t.nextDayAt-t.now.Unix(), 0)) }

// colOpts are the collection-wide options the scheduler reads (col.conf).
type colOpts struct {
	fsrs                  bool
	fsrsShortTermSteps    bool
	newIgnoresReviewLimit bool
	applyAllParentLimits  bool
	learnAhead            int64
}

func (s *Scheduler) opts() colOpts {
	o := colOpts{learnAhead: 1200}
	get := func(key string, v any) { _, _ = s.col.ConfigGet(key, v) }
	get("fsrs", &o.fsrs)
	get("fsrsShortTermWithStepsEnabled", &o.fsrsShortTermSteps)
	get("newCardsIgnoreReviewLimit", &o.newIgnoresReviewLimit)
	get("applyAllParentLimits", &o.applyAllParentLimits)
	var la collection.FlexInt
	if ok, err := s.col.ConfigGet("collapseTime", &la); ok && err == nil && la >= 0 {
		o.learnAhead = int64(la)
	}
	return o
}

func (s *Scheduler) timing() timing {
	now := s.now()
	t := s.col.TimingAt(now)
	return timing{today: t.Today, nextDayAt: t.NextDayAt.Unix(), now: now}
}

// DeckID is the deck being studied (the collection's current deck).
func (s *Scheduler) DeckID() int64 { return s.col.CurrentDeckID() }

// SelectDeck makes did the current deck (conf curDeck and activeDecks), as clicking a deck
// in Anki's deck list does.
func (s *Scheduler) SelectDeck(ctx context.Context, did int64) error {
	d, ok := s.col.Deck(did)
	if !ok {
		return fmt.Errorf("select deck %d: %w", did, collection.ErrNotFound)
	}
	ds := newDeckSet(s.col.Decks(), s.col.DeckConfigs())
	var active []int64
	for _, x := range ds.withChildren(ds.byID[d.ID]) {
		active = append(active, x.ID)
	}
	var curActive []int64
	if _, err := s.col.ConfigGet("activeDecks", &curActive); err == nil && s.col.CurrentDeckID() == did &&
		slices.Equal(curActive, active) {
		// already selected: writing it again would only add an undo step
		s.mu.Lock()
		s.q = nil
		s.mu.Unlock()
		return nil
	}
	err := s.col.TransactUndoable(ctx, "Select Deck", func(tx *collection.Tx) error {
		if err := tx.SetConfig("curDeck", did); err != nil {
			return err
		}
		return tx.SetConfig("activeDecks", active)
	})
	if err != nil {
		return fmt.Errorf("select deck: %w", err)
	}
	s.mu.Lock()
	s.q = nil
	s.mu.Unlock()
	return nil
}

// ensureQueues returns up-to-date queues (caller holds s.mu).
func (s *Scheduler) ensureQueues(ctx context.Context, tm timing, o colOpts) (*queues, error) {
	did := s.DeckID()
	if s.q != nil && s.q.today == tm.today && s.q.deckID == did && s.col.Changes() == s.qChanges &&
		s.q.learnAhead == o.learnAhead {
		return s.q, nil
	}
	// read the counter before gathering: a change committed while gathering then makes the
	// next call gather again rather than being taken as seen
	changes := s.col.Changes()
	ds := newDeckSet(s.col.Decks(), s.col.DeckConfigs())
	q, err := buildQueues(ctx, s.col.DB(), ds, did, tm, o)
	if err != nil {
		return nil, err
	}
	s.q, s.qChanges = q, changes
	return q, nil
}

// Rebuild drops the cached queues so that the next call gathers cards afresh.
func (s *Scheduler) Rebuild() {
	s.mu.Lock()
	s.q = nil
	s.mu.Unlock()
}

// Counts returns today's new, learning and review counts of the current deck, limited as
// Anki limits them.
func (s *Scheduler) Counts(ctx context.Context) (Counts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tm, o := s.timing(), s.opts()
	q, err := s.ensureQueues(ctx, tm, o)
	if err != nil {
		return Counts{}, err
	}
	return q.counts(tm.now.Unix()), nil
}

func (q *queues) counts(now int64) Counts {
	var c Counts
	cutoff := now + q.learnAhead
	for _, e := range q.learning {
		if e.due <= cutoff {
			c.Learning++
		}
	}
	for _, e := range q.main {
		switch e.kind {
		case KindNew:
			c.New++
		case KindReview:
			c.Review++
		case KindDayLearn:
			c.Learning++
		}
	}
	return c
}

// next returns the next entry: learning cards due now, then the main queue, then learning
// cards due within the learn-ahead limit.
func (q *queues) next(now int64) (entry, bool) {
	best := -1
	for i, e := range q.learning {
		if e.due <= now && (best < 0 || less(e, q.learning[best])) {
			best = i
		}
	}
	if best >= 0 {
		return q.learning[best], true
	}
	if len(q.main) > 0 {
		return q.main[0], true
	}
	for i, e := range q.learning {
		if e.due <= now+q.learnAhead && (best < 0 || less(e, q.learning[best])) {
			best = i
		}
	}
	if best >= 0 {
		return q.learning[best], true
	}
	return entry{}, false
}

func less(a, b entry) bool {
	if (a.reps == 0) != (b.reps == 0) {
		return a.reps != 0
	}
	return a.due < b.due
}

// remove takes cards out of the queues.
func (q *queues) remove(ids map[int64]bool) {
	filter := func(es []entry) []entry {
		out := es[:0]
		for _, e := range es {
			if !ids[e.id] {
				out = append(out, e)
			}
		}
		return out
	}
	q.learning = filter(q.learning)
	q.main = filter(q.main)
}

// requeue puts a card answered into an intraday learning step back in the learning queue,
// moving it behind the next learning card when it would otherwise come straight back
// (Anki's requeue_learning_entry).
func (q *queues) requeue(e entry, now int64) {
	cutoff := now + q.learnAhead
	if e.due <= cutoff && len(q.main) == 0 {
		for _, n := range q.learning {
			if n.due >= e.due && n.due+1 < cutoff {
				e.due = n.due + 1
			}
			break
		}
	}
	q.learning = append(q.learning, e)
	sortLearning(q.learning)
}

// QueuedCard is a card to study with the queue it came from.
type QueuedCard struct {
	Card *collection.Card
	Kind QueueKind
}

// GetCard returns the next card to study in the current deck, or nil when there is none
// left today.
func (s *Scheduler) GetCard(ctx context.Context) (*QueuedCard, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tm, o := s.timing(), s.opts()
	for attempt := 0; attempt < 2; attempt++ {
		q, err := s.ensureQueues(ctx, tm, o)
		if err != nil {
			return nil, err
		}
		e, ok := q.next(tm.now.Unix())
		if !ok {
			return nil, nil
		}
		card, err := s.col.GetCard(ctx, e.id)
		if err == nil && card.Mod == e.mod {
			s.shown = map[int64]time.Time{card.ID: tm.now}
			return &QueuedCard{Card: card, Kind: e.kind}, nil
		}
		if err != nil && !errors.Is(err, collection.ErrNotFound) {
			return nil, err
		}
		s.q = nil // the card changed under us: gather again
	}
	return nil, errors.New("get card: the queues keep changing")
}

// Outcome is what one answer button would do.
type Outcome struct {
	Ease int `json:"ease"`
	// Seconds is the delay until the card is due again (days are converted at the day
	// boundary, as Anki shows them); 0 means the card leaves a preview deck.
	Seconds int `json:"seconds"`
	// Days is the new interval of a card that becomes (or stays) a review card.
	Days  int    `json:"days,omitempty"`
	Label string `json:"label"`
}

// NextStates describes the four buttons (Again, Hard, Good, Easy) for card.
func (s *Scheduler) NextStates(ctx context.Context, card *collection.Card) ([4]Outcome, error) {
	var out [4]Outcome
	tm, o := s.timing(), s.opts()
	fresh, err := s.col.GetCard(ctx, card.ID)
	if err != nil {
		return out, err
	}
	ds := newDeckSet(s.col.Decks(), s.col.DeckConfigs())
	u, err := s.newUpdater(ctx, s.col.DB(), ds, fresh, tm, o)
	if err != nil {
		return out, err
	}
	nx := u.current.nextStates(u.ctx)
	for i, st := range nx {
		k := st.interval().asDays(tm.secsUntilRollover())
		out[i] = Outcome{Ease: i + 1, Seconds: k.seconds(), Label: AnswerButtonLabel(k.seconds(), int(o.learnAhead))}
		if st.Kind == stReview {
			out[i].Days = st.Review.ScheduledDays
		}
	}
	return out, nil
}

// NextIntervals returns the labels of the four buttons ("<1m", "<10m", "1d", "4d").
func (s *Scheduler) NextIntervals(ctx context.Context, card *collection.Card) ([4]string, error) {
	st, err := s.NextStates(ctx, card)
	var out [4]string
	for i := range st {
		out[i] = st[i].Label
	}
	return out, err
}

// fuzzFactor is the card's fuzz in [0, 1), seeded like Anki's by card id + reps.
func fuzzFactor(seed uint64) float32 {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)).Float32()
}
