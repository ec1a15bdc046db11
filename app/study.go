package app

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/sched"
)

// The study screen's service: one scheduler per open collection (so that undo survives
// between cards), the card shown with its rendered sides, the answer buttons' intervals and
// the counts, and the "congratulations" facts once a deck is done.

// StudyCard is the card on the study screen.
type StudyCard struct {
	Card     *collection.Card
	Kind     sched.QueueKind
	NoteID   int64
	Question string // HTML, type-answer placeholder resolved
	answer   string // HTML with the placeholder still in (see AnswerHTML)
	CSS      string
	// Type is the type-in-the-answer box of the card (Type.Active() false: none).
	Type      TypeAnswer
	Intervals [4]string // the Again/Hard/Good/Easy buttons' next intervals ("<1m", "4d")
	Counts    sched.Counts
	Flag      int
	Marked    bool
	DeckName  string
	shownAt   time.Time
}

// AnswerHTML is the answer side, with the typed text compared where the card asked for it.
func (c *StudyCard) AnswerHTML(typed string) string { return c.Type.AnswerHTML(c.answer, typed) }

// Study is a study session of one deck (and its subdecks).
type Study struct {
	svc    *Service
	s      *sched.Scheduler
	DeckID int64
	cur    *StudyCard
	// now is the clock (tests move it).
	now func() time.Time
}

// ErrNoCard is returned by card actions when no card is shown.
var ErrNoCard = errors.New("no card is being studied")

// scheduler returns the collection's scheduler, created on first use.
func (s *Service) scheduler() (*sched.Scheduler, error) {
	col, err := s.c()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sched == nil || s.schedCol != col {
		s.sched, s.schedCol = sched.New(col), col
	}
	return s.sched, nil
}

// SetClock makes the scheduler and the study screen use now (tests).
func (s *Service) SetClock(now func() time.Time) error {
	sc, err := s.scheduler()
	if err != nil {
		return err
	}
	sc.Now = now
	return nil
}

// StartStudy makes deckID the current deck (as Anki's Study Now does) and returns a session.
func (s *Service) StartStudy(ctx context.Context, deckID int64) (*Study, error) {
	sc, err := s.scheduler()
	if err != nil {
		return nil, err
	}
	if deckID == 0 {
		deckID = s.CurrentDeckID()
	}
	if err := sc.SelectDeck(ctx, deckID); err != nil {
		return nil, err
	}
	return &Study{svc: s, s: sc, DeckID: deckID, now: func() time.Time {
		if sc.Now != nil {
			return sc.Now()
		}
		return time.Now()
	}}, nil
}

// Counts are the deck's remaining new, learning and review counts.
func (st *Study) Counts(ctx context.Context) (sched.Counts, error) { return st.s.Counts(ctx) }

// Current is the card shown (nil when none).
func (st *Study) Current() *StudyCard { return st.cur }

// Next fetches the next card; nil means the deck is done for now.
func (st *Study) Next(ctx context.Context) (*StudyCard, error) {
	st.cur = nil
	q, err := st.s.GetCard(ctx)
	if err != nil {
		return nil, fmt.Errorf("next card: %w", err)
	}
	if q == nil {
		return nil, nil
	}
	return st.show(ctx, q.Card, q.Kind)
}

// Reload renders the current card again (after its note was edited).
func (st *Study) Reload(ctx context.Context) (*StudyCard, error) {
	if st.cur == nil {
		return nil, ErrNoCard
	}
	col, err := st.svc.c()
	if err != nil {
		return nil, err
	}
	c, err := col.GetCard(ctx, st.cur.Card.ID)
	if err != nil {
		return nil, err
	}
	shown := st.cur.shownAt
	sc, err := st.show(ctx, c, st.cur.Kind)
	if sc != nil {
		sc.shownAt = shown // editing does not restart the answer timer
	}
	return sc, err
}

func kindOf(c *collection.Card) sched.QueueKind {
	switch c.Queue {
	case collection.QueueNew:
		return sched.KindNew
	case collection.QueueLearn:
		return sched.KindLearn
	case collection.QueueDayLearn:
		return sched.KindDayLearn
	}
	return sched.KindReview
}

func (st *Study) show(ctx context.Context, c *collection.Card, kind sched.QueueKind) (*StudyCard, error) {
	col, err := st.svc.c()
	if err != nil {
		return nil, err
	}
	r, err := c.Render(ctx)
	if err != nil {
		return nil, fmt.Errorf("render card %d: %w", c.ID, err)
	}
	n, err := c.Note(ctx)
	if err != nil {
		return nil, err
	}
	ivls, err := st.s.NextIntervals(ctx, c)
	if err != nil {
		return nil, err
	}
	counts, err := st.s.Counts(ctx)
	if err != nil {
		return nil, err
	}
	sc := &StudyCard{Card: c, Kind: kind, NoteID: n.ID, CSS: r.CSS, Intervals: ivls, Counts: counts,
		Flag: c.Flag(), Marked: n.HasTag("marked"), shownAt: st.now()}
	if d, ok := col.Deck(c.DeckID); ok {
		sc.DeckName = d.Name
	}
	var names []string
	if nt := n.Notetype(); nt != nil {
		names = nt.FieldNames()
	}
	sc.Type, _ = typeAnswerFor(r.Question, names, n.Fields, c.Ord+1)
	sc.Question = sc.Type.QuestionHTML(r.Question)
	sc.answer = r.Answer
	if r.QuestionEmpty {
		sc.Question = "<i>The front of this card is blank.</i><br>" + sc.Question
	}
	st.cur = sc
	return sc, nil
}

// Answer answers the current card with ease 1 (Again) to 4 (Easy), timing it from when it
// was shown. It returns true when the card became a leech.
func (st *Study) Answer(ctx context.Context, ease int) (bool, error) {
	if st.cur == nil {
		return false, ErrNoCard
	}
	taken := st.now().Sub(st.cur.shownAt)
	a, err := st.s.AnswerCardTimed(ctx, st.cur.Card, ease, taken)
	if err != nil {
		return false, err
	}
	st.cur = nil
	return a.Leech, nil
}

// CanUndo reports whether an answer can be undone.
func (st *Study) CanUndo() bool { return st.s.CanUndo() }

// Undo reverts the last answer and shows that card again, as Anki does.
func (st *Study) Undo(ctx context.Context) (*StudyCard, error) {
	cid, err := st.s.Undo(ctx)
	if err != nil {
		return nil, err
	}
	col, err := st.svc.c()
	if err != nil {
		return nil, err
	}
	c, err := col.GetCard(ctx, cid)
	if err != nil {
		return nil, err
	}
	return st.show(ctx, c, kindOf(c))
}

// BuryCard buries the current card until tomorrow (Anki's "-").
func (st *Study) BuryCard(ctx context.Context) error {
	return st.onCurrent(ctx, func(col *collection.Collection, c *StudyCard) error {
		return col.BuryCards(ctx, []int64{c.Card.ID}, true)
	})
}

// BuryNote buries every card of the current note ("=").
func (st *Study) BuryNote(ctx context.Context) error {
	return st.onCurrent(ctx, func(col *collection.Collection, c *StudyCard) error {
		return col.BuryCards(ctx, st.noteCards(ctx, col, c), true)
	})
}

// SuspendCard suspends the current card ("@").
func (st *Study) SuspendCard(ctx context.Context) error {
	return st.onCurrent(ctx, func(col *collection.Collection, c *StudyCard) error {
		return col.SuspendCards(ctx, []int64{c.Card.ID}, true)
	})
}

// SuspendNote suspends every card of the current note ("!").
func (st *Study) SuspendNote(ctx context.Context) error {
	return st.onCurrent(ctx, func(col *collection.Collection, c *StudyCard) error {
		return col.SuspendCards(ctx, st.noteCards(ctx, col, c), true)
	})
}

func (st *Study) noteCards(ctx context.Context, col *collection.Collection, c *StudyCard) []int64 {
	cards, err := col.CardsOfNote(ctx, c.NoteID)
	if err != nil || len(cards) == 0 {
		return []int64{c.Card.ID}
	}
	ids := make([]int64, len(cards))
	for i, x := range cards {
		ids[i] = x.ID
	}
	return ids
}

func (st *Study) onCurrent(ctx context.Context, fn func(*collection.Collection, *StudyCard) error) error {
	if st.cur == nil {
		return ErrNoCard
	}
	col, err := st.svc.c()
	if err != nil {
		return err
	}
	if err := fn(col, st.cur); err != nil {
		return err
	}
	// no Rebuild: the scheduler sees the change through the collection's change counter
	st.cur = nil
	return nil
}

// ToggleFlag sets flag 1–7 on the current card, or clears it when the card has it already
// (Ctrl+1…7). It returns the flag now set; the card stays shown.
func (st *Study) ToggleFlag(ctx context.Context, flag int) (int, error) {
	if st.cur == nil {
		return 0, ErrNoCard
	}
	if flag < 0 || flag > 7 {
		return 0, fmt.Errorf("set flag: %d is not a flag (0–7)", flag)
	}
	if st.cur.Flag == flag {
		flag = 0
	}
	col, err := st.svc.c()
	if err != nil {
		return 0, err
	}
	if err := col.SetFlag(ctx, []int64{st.cur.Card.ID}, flag); err != nil {
		return 0, err
	}
	st.cur.Flag = flag
	st.cur.Card.Flags = st.cur.Card.Flags&^7 | flag
	return flag, nil
}

// ToggleMark adds or removes the "marked" tag of the current note ("*").
func (st *Study) ToggleMark(ctx context.Context) (bool, error) {
	if st.cur == nil {
		return false, ErrNoCard
	}
	col, err := st.svc.c()
	if err != nil {
		return false, err
	}
	if st.cur.Marked {
		_, err = col.RemoveTags(ctx, []int64{st.cur.NoteID}, "marked")
	} else {
		_, err = col.AddTags(ctx, []int64{st.cur.NoteID}, "marked")
	}
	if err != nil {
		return st.cur.Marked, err
	}
	st.cur.Marked = !st.cur.Marked
	return st.cur.Marked, nil
}

// Unbury restores the buried cards of the deck (the congratulations screen's link).
func (st *Study) Unbury(ctx context.Context) error {
	col, err := st.svc.c()
	if err != nil {
		return err
	}
	ids, err := st.svc.idsIn(ctx, "SELECT id FROM cards WHERE queue IN (-2, -3) AND did IN (%s)", st.deckIDs(col))
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return nil
	}
	return col.BuryCards(ctx, ids, false)
}

// deckIDs are the studied deck and its subdecks.
func (st *Study) deckIDs(col *collection.Collection) []int64 {
	d, ok := col.Deck(st.DeckID)
	if !ok {
		return []int64{st.DeckID}
	}
	prefix := strings.ToLower(d.Name) + collection.DeckSeparator
	ids := []int64{d.ID}
	for _, x := range col.Decks() {
		if strings.HasPrefix(strings.ToLower(x.Name), prefix) {
			ids = append(ids, x.ID)
		}
	}
	return ids
}

// Congrats are the facts of Anki's "Congratulations!" screen (rslib scheduler/congrats.rs,
// ts/routes/congrats): when the next learning card is ready, whether limits held cards
// back, whether cards are buried, and what comes tomorrow.
type Congrats struct {
	DeckName string
	// LearnRemaining learning cards are due later today; the next in SecsUntilNextLearn.
	LearnRemaining     int
	SecsUntilNextLearn int
	ReviewLimitReached bool // review cards are due but today's limit is used up
	NewLimitReached    bool // new cards are waiting but today's limit is used up
	Buried             int  // cards buried until tomorrow
	// DueTomorrow counts review and day-learning cards due tomorrow; NextReviewDays is
	// the number of days until the next one when none are due tomorrow (0: none at all).
	DueTomorrow    int
	NextReviewDays int
	NewAvailable   int // new cards in the deck, not suspended or buried
}

// Congrats gathers the congratulations screen's facts for the studied deck.
func (st *Study) Congrats(ctx context.Context) (Congrats, error) {
	col, err := st.svc.c()
	if err != nil {
		return Congrats{}, err
	}
	var out Congrats
	if d, ok := col.Deck(st.DeckID); ok {
		out.DeckName = d.Name
	}
	counts, err := st.s.Counts(ctx)
	if err != nil {
		return out, err
	}
	tm := col.TimingAt(st.now())
	now := tm.Now.Unix()
	in := st.deckIDs(col)
	parts := make([]string, len(in))
	for i, id := range in {
		parts[i] = strconv.FormatInt(id, 10)
	}
	dids := strings.Join(parts, ",")
	row := func(q string, args ...any) ([]any, error) {
		rows, err := col.All(ctx, strings.ReplaceAll(q, "$dids", dids), args...)
		if err != nil {
			return nil, fmt.Errorf("congratulations: %w", err)
		}
		if len(rows) == 0 {
			return []any{nil, nil, nil}, nil
		}
		return rows[0], nil
	}
	r, err := row(`SELECT count(), min(due) FROM cards WHERE did IN ($dids) AND queue = 1 AND due < ?`, tm.NextDayAt.Unix())
	if err != nil {
		return out, err
	}
	out.LearnRemaining = int(i64(r[0]))
	if out.LearnRemaining > 0 {
		out.SecsUntilNextLearn = int(max(i64(r[1])-now, 0))
	}
	r, err = row(`SELECT
		coalesce(sum(CASE WHEN queue IN (2, 3) AND due <= ?1 THEN 1 ELSE 0 END), 0),
		coalesce(sum(CASE WHEN queue = 0 THEN 1 ELSE 0 END), 0),
		coalesce(sum(CASE WHEN queue IN (-2, -3) THEN 1 ELSE 0 END), 0),
		coalesce(sum(CASE WHEN queue IN (2, 3) AND due = ?1 + 1 THEN 1 ELSE 0 END), 0),
		min(CASE WHEN queue IN (2, 3) AND due > ?1 THEN due END)
		FROM cards WHERE did IN ($dids)`, tm.Today)
	if err != nil {
		return out, err
	}
	dueNow, newLeft := int(i64(r[0])), int(i64(r[1]))
	out.Buried, out.DueTomorrow = int(i64(r[2])), int(i64(r[3]))
	out.NewAvailable = newLeft
	out.ReviewLimitReached = dueNow > 0 && counts.Review == 0
	out.NewLimitReached = newLeft > 0 && counts.New == 0
	if r[4] != nil {
		out.NextReviewDays = int(i64(r[4])) - tm.Today
	}
	return out, nil
}

// Lines is the congratulations text in Anki's wording, then what comes next.
func (c Congrats) Lines() []string {
	out := []string{"Congratulations! You have finished this deck for now."}
	if c.LearnRemaining > 0 {
		out = append(out, "The next learning card will be ready in "+learnDue(c.SecsUntilNextLearn)+".")
		if c.LearnRemaining == 1 {
			out = append(out, "There is one remaining learning card due later today.")
		} else {
			out = append(out, fmt.Sprintf("There are %d learning cards due later today.", c.LearnRemaining))
		}
	}
	if c.ReviewLimitReached {
		out = append(out, "Today's review limit has been reached, but there are still cards waiting to be reviewed. "+
			"For optimum memory, consider increasing the daily limit in the options.")
	}
	if c.NewLimitReached {
		out = append(out, "There are more new cards available, but the daily limit has been reached. "+
			"You can increase the limit in the options, but please bear in mind that the more new cards you "+
			"introduce, the higher your short-term review workload will become.")
	}
	if c.Buried > 0 {
		out = append(out, "One or more cards were buried, and will be shown tomorrow. You can unbury them if you wish to see them immediately.")
	}
	switch {
	case c.DueTomorrow > 0:
		out = append(out, fmt.Sprintf("Tomorrow: %d %s due.", c.DueTomorrow, plural(c.DueTomorrow, "review", "reviews")))
	case c.NextReviewDays > 0:
		out = append(out, fmt.Sprintf("The next review is due in %d days.", c.NextReviewDays))
	}
	if c.NewAvailable > 0 && !c.NewLimitReached {
		out = append(out, fmt.Sprintf("%d new %s left in this deck.", c.NewAvailable, plural(c.NewAvailable, "card is", "cards are")))
	}
	return out
}

// learnDue rounds to Anki's natural unit ("5 minutes").
func learnDue(secs int) string {
	unit, size := "second", 1.0
	switch {
	case secs >= 3600:
		unit, size = "hour", 3600
	case secs >= 60:
		unit, size = "minute", 60
	}
	n := int(math.Round(float64(secs) / size))
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
