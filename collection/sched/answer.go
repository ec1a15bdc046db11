package sched

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/deckhand-app/deckhand/collection"
)

// updater is Anki's CardStateUpdater: a card with everything needed to compute and apply
// its next state.
type updater struct {
	card    *collection.Card
	data    cardData
	deck    *collection.Deck // the deck the card is in (maybe filtered)
	home    *collection.Deck // its home deck
	cfg     Config
	tm      timing
	fsrsOn  bool
	dr      float32
	fsrs    *presetFSRS
	fuzz    *float32
	seed    *uint64
	ctx     *stateCtx
	current state
}

func (s *Scheduler) newUpdater(ctx context.Context, q querier, ds *deckSet, card *collection.Card, tm timing, o colOpts) (*updater, error) {
	deck := ds.byID[card.DeckID]
	if deck == nil {
		return nil, fmt.Errorf("card %d: deck %d: %w", card.ID, card.DeckID, collection.ErrNotFound)
	}
	home := deck
	if card.OriginalDeckID != 0 {
		if home = ds.byID[card.OriginalDeckID]; home == nil {
			return nil, fmt.Errorf("card %d: home deck %d: %w", card.ID, card.OriginalDeckID, collection.ErrNotFound)
		}
	}
	if home.Filtered() {
		return nil, fmt.Errorf("card %d: its home deck %q is a filtered deck", card.ID, home.Name)
	}
	u := &updater{card: card, data: parseCardData(card.Data), deck: deck, home: home, cfg: ds.config(home), tm: tm, fsrsOn: o.fsrs}
	if !s.DisableFuzz {
		seed := uint64(card.ID) + uint64(card.Reps)
		f := fuzzFactor(seed)
		u.fuzz, u.seed = &f, &seed
	}
	c := &stateCtx{fuzz: u.fuzz, steps: u.cfg.LearnSteps, relearn: u.cfg.RelearnSteps,
		gradGood: u.cfg.GraduatingGood, gradEasy: u.cfg.GraduatingEasy, initialEase: u.cfg.InitialEase,
		hardMult: u.cfg.HardMultiplier, easyMult: u.cfg.EasyMultiplier, ivlMult: u.cfg.IntervalModifier,
		maxIvl: u.cfg.MaxInterval, leechThreshold: u.cfg.LeechThreshold, lapseMult: u.cfg.LapseMultiplier,
		minLapseIvl: u.cfg.MinLapseInterval, inFilteredDeck: deck.Filtered(), shortTermSteps: o.fsrsShortTermSteps}
	fo := filteredOpts{}
	if deck.Filtered() {
		fo = filteredOptions(deck)
		c.previewDelays = fo.preview
	}
	u.current = u.currentState(fo)
	if o.fsrs {
		u.dr = desiredRetention(home, u.cfg)
		pf, err := newPresetFSRS(u.cfg)
		if err != nil {
			return nil, fmt.Errorf("card %d: preset of deck %q: %w", card.ID, home.Name, err)
		}
		u.fsrs = pf
		decay := pf.decay
		u.data.Decay = &decay // Anki records the decay whenever FSRS handles a card
		c.fsrsShortTerm = pf.allowShortTerm
		mem := u.data.memory()
		if mem == nil && card.Type != collection.CardTypeNew {
			// Moved or imported into FSRS after its memory states were computed, or
			// reviewed under SM-2: compute the state from the review history, as
			// Anki's card_state_updater does.
			revs, err := revlogForCards(ctx, q, "cid = ?", card.ID)
			if err != nil {
				return nil, err
			}
			item, err := pf.itemForMemoryState(revs, tm.nextDayAt)
			if err != nil {
				return nil, fmt.Errorf("card %d: %w", card.ID, err)
			}
			if mem, err = pf.cardMemoryState(card, item); err != nil {
				return nil, fmt.Errorf("card %d: %w", card.ID, err)
			}
			u.data.setMemory(mem)
		}
		days, err := u.daysElapsed(ctx, q)
		if err != nil {
			return nil, err
		}
		st, err := pf.engine.nextStates(mem, u.dr, days)
		if err != nil {
			return nil, fmt.Errorf("card %d: %w", card.ID, err)
		}
		c.fsrs = &st
		setMem(&u.current, mem)
	}
	u.ctx = c
	return u, nil
}

func setMem(s *state, m *memory) {
	s.Learn.Mem, s.Review.Mem = m, m
}

// daysElapsed is whole days from the last review to the next day boundary.
func (u *updater) daysElapsed(ctx context.Context, q querier) (int, error) {
	var last int64
	if u.data.LRT != nil {
		last = *u.data.LRT
	} else {
		var ms sql.NullInt64
		// Anki's time_of_last_review: graded reviews, not cramming in a preview deck.
		if err := q.QueryRowContext(ctx, "SELECT max(id) FROM revlog WHERE cid=? AND ease BETWEEN 1 AND 4 AND (type != 3 OR factor != 0)", u.card.ID).Scan(&ms); err != nil {
			return 0, fmt.Errorf("last review of card %d: %w", u.card.ID, err)
		}
		if !ms.Valid {
			return 0, nil
		}
		last = ms.Int64 / 1000
	}
	return int(max(u.tm.nextDayAt-last, 0) / 86400), nil
}

// currentState is Anki's current_card_state.
func (u *updater) currentState(fo filteredOpts) state {
	c := u.card
	due := int(c.Due)
	if u.deck.Filtered() {
		if c.OriginalDue != 0 {
			due = int(c.OriginalDue)
		}
	} else if c.Type == collection.CardTypeReview {
		due = min(due, u.tm.today)
	}
	ease := float32(c.Factor) / 1000
	mem := u.data.memory()
	var st state
	switch c.Type {
	case collection.CardTypeNew:
		st = state{Kind: stNew, Position: max(due, 0)}
	case collection.CardTypeLearn:
		st = state{Kind: stLearning, Learn: learnState{Remaining: c.Left,
			ScheduledSecs: currentDelay(u.cfg.LearnSteps, c.Left), Mem: mem}}
	case collection.CardTypeReview:
		st = state{Kind: stReview, Review: reviewState{ScheduledDays: c.Interval,
			ElapsedDays: max(c.Interval-(due-u.tm.today), 0), Ease: ease, Lapses: c.Lapses, Mem: mem}}
	default:
		st = state{Kind: stRelearning,
			Learn:  learnState{Remaining: c.Left, ScheduledSecs: currentDelay(u.cfg.RelearnSteps, c.Left), Mem: mem},
			Review: reviewState{ScheduledDays: c.Interval, ElapsedDays: c.Interval, Ease: ease, Lapses: c.Lapses, Mem: mem}}
	}
	if u.deck.Filtered() {
		if fo.resched {
			st.Resched = true
		} else {
			return state{Kind: stPreview, PreviewSecs: fo.preview[0]}
		}
	}
	return st
}

type revlogPartial struct {
	ivl, lastIvl int
	factor       float32
	kind         int
}

func (u *updater) learnFuzz(secs int) int {
	if u.seed == nil {
		return secs
	}
	upper := secs + min(int(float32(secs)*0.25), 300)
	if secs >= upper {
		return secs
	}
	r := fuzzFactor(*u.seed ^ 0x5bd1e995) // a second draw from the same per-card seed
	return secs + int(r*float32(upper-secs))
}

// apply is Anki's apply_study_state.
func (u *updater) apply(cur, nx state) revlogPartial {
	if nx.Kind == stPreview {
		return u.applyPreview(cur, nx)
	}
	if cur.Resched && !nx.Resched {
		// leaving a rescheduling filtered deck: back home before normal scheduling
		if u.card.OriginalDeckID != 0 {
			u.card.DeckID, u.card.OriginalDeckID, u.card.OriginalDue = u.card.OriginalDeckID, 0, 0
		}
	}
	rl := u.applyNormal(cur, nx)
	if nx.Resched {
		u.card.OriginalDue = u.card.Due
	}
	return rl
}

func difficultyShifted(m *memory) float32 { return (m.D-1)/9 + 0.1 }

func (u *updater) partial(cur, nx state, factor float32) revlogPartial {
	r := u.tm.secsUntilRollover()
	return revlogPartial{ivl: nx.interval().asDays(r).revlogValue(), lastIvl: cur.interval().asDays(r).revlogValue(),
		factor: factor, kind: cur.revlogKind()}
}

func (u *updater) applyNormal(cur, nx state) revlogPartial {
	c := u.card
	c.Reps++
	if u.fsrsOn {
		dr := u.dr
		u.data.DR = &dr
	} else {
		u.data.DR = nil
	}
	if cur.Kind == stNew {
		pos := cur.Position
		u.data.Pos = &pos
	}
	var rl revlogPartial
	switch nx.Kind {
	case stLearning:
		c.Left = nx.Learn.Remaining
		c.Type = collection.CardTypeLearn
		u.data.setMemory(nx.Learn.Mem)
		u.placeLearning(nx)
		f := float32(0)
		if nx.Learn.Mem != nil {
			f = difficultyShifted(nx.Learn.Mem)
		}
		rl = u.partial(cur, nx, f)
	case stReview:
		r := nx.Review
		c.Queue, c.Type = collection.QueueReview, collection.CardTypeReview
		c.Interval = r.ScheduledDays
		c.Due = int64(u.tm.today + r.ScheduledDays)
		c.Factor = int(roundF(r.Ease * 1000))
		c.Lapses = r.Lapses
		c.Left = 0
		u.data.setMemory(r.Mem)
		f := r.Ease
		if r.Mem != nil {
			f = difficultyShifted(r.Mem)
		}
		rl = u.partial(cur, nx, f)
	case stRelearning:
		c.Interval = nx.Review.ScheduledDays
		c.Left = nx.Learn.Remaining
		c.Type = collection.CardTypeRelearning
		c.Lapses = nx.Review.Lapses
		c.Factor = int(roundF(nx.Review.Ease * 1000))
		u.data.setMemory(nx.Learn.Mem)
		u.placeLearning(nx)
		f := nx.Review.Ease
		if nx.Learn.Mem != nil {
			f = difficultyShifted(nx.Learn.Mem)
		}
		rl = u.partial(cur, nx, f)
	}
	if nx.leeched() && u.cfg.LeechSuspend {
		c.Queue = collection.QueueSuspended
	}
	return rl
}

// placeLearning sets queue and due of a learning or relearning step.
func (u *updater) placeLearning(nx state) {
	k := nx.interval().asDays(u.tm.secsUntilRollover())
	if k.InDays {
		u.card.Queue = collection.QueueDayLearn
		u.card.Due = int64(u.tm.today + k.Days)
	} else {
		u.card.Queue = collection.QueueLearn
		u.card.Due = u.tm.now.Unix() + int64(u.learnFuzz(k.Secs))
	}
}

func (u *updater) applyPreview(cur, nx state) revlogPartial {
	rl := u.partial(cur, nx, 0)
	c := u.card
	if nx.PreviewFinished {
		returnHome(c)
		return rl
	}
	c.Queue = collection.QueuePreview
	c.Due = u.tm.now.Unix() + int64(u.learnFuzz(nx.PreviewSecs))
	return rl
}

// returnHome moves a card out of a filtered deck, restoring its due and queue
// (remove_from_filtered_deck_restoring_queue).
func returnHome(c *collection.Card) {
	if c.OriginalDeckID == 0 {
		return
	}
	c.DeckID, c.OriginalDeckID = c.OriginalDeckID, 0
	if c.OriginalDue != 0 {
		c.Due = c.OriginalDue
	}
	if c.Queue >= 0 {
		switch c.Type {
		case collection.CardTypeLearn, collection.CardTypeRelearning:
			if c.Due > 1_000_000_000 {
				c.Queue = collection.QueueLearn
			} else {
				c.Queue = collection.QueueDayLearn
			}
		case collection.CardTypeNew:
			c.Queue = collection.QueueNew
		default:
			c.Queue = collection.QueueReview
		}
	}
	c.OriginalDue = 0
}

// Answer is the result of answering a card.
type Answer struct {
	Card *collection.Card // the card as saved
	// Revlog is the review log row written.
	Revlog collection.RevlogEntry
	// Leech reports that this answer made the card a leech.
	Leech bool
}

// AnswerCard answers card with ease 1 (Again) … 4 (Easy). The time taken is measured from
// when GetCard returned the card, capped by the preset's maximum answer time.
func (s *Scheduler) AnswerCard(ctx context.Context, card *collection.Card, ease int) (*Answer, error) {
	s.mu.Lock()
	shown, ok := s.shown[card.ID]
	s.mu.Unlock()
	var taken time.Duration
	if ok {
		taken = s.now().Sub(shown)
	}
	return s.AnswerCardTimed(ctx, card, ease, taken)
}

// undoEntry is an answer that can be undone: the collection's undo step that recorded it.
type undoEntry struct {
	cardID int64
	step   uint64
}

// AnswerCardTimed answers card with ease 1–4, recording taken as the answer time. The card
// row, its revlog row, the deck's daily counters, buried siblings and a leech tag are
// written in one transaction.
func (s *Scheduler) AnswerCardTimed(ctx context.Context, card *collection.Card, ease int, taken time.Duration) (*Answer, error) {
	if ease < 1 || ease > 4 {
		return nil, fmt.Errorf("answer card: ease %d is not 1–4", ease)
	}
	if card == nil {
		return nil, errors.New("answer card: no card")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	tm, o := s.timing(), s.opts()
	var ans *Answer
	var un *undoEntry
	var buried []int64
	pre := s.col.Changes()
	err := s.col.TransactUndoable(ctx, "Answer Card", func(tx *collection.Tx) error {
		fresh, err := tx.GetCard(card.ID)
		if err != nil {
			return err
		}
		if fresh.Queue < 0 {
			return fmt.Errorf("answer card %d: the card is suspended or buried", card.ID)
		}
		ds := newDeckSet(tx.Decks(), tx.DeckConfigs())
		before := *fresh
		u, err := s.newUpdater(ctx, tx.Q(), ds, fresh, tm, o)
		if err != nil {
			return err
		}
		nx := u.current.nextStates(u.ctx)[ease-1]
		rl := u.apply(u.current, nx)
		if nx.Kind != stPreview {
			lrt := tm.now.Unix()
			u.data.LRT = &lrt
		}
		c := u.card
		c.Data = u.data.String()
		c.Mod, c.USN = tm.now.Unix(), -1
		if err := tx.PutCard(c); err != nil {
			return err
		}
		ms := int(min(taken.Milliseconds(), int64(u.cfg.CapAnswerSecs)*1000))
		if u.cfg.CapAnswerSecs <= 0 {
			ms = int(taken.Milliseconds())
		}
		rev := collection.RevlogEntry{CardID: c.ID, USN: -1, Ease: ease, Interval: rl.ivl, LastInterval: rl.lastIvl,
			Factor: int(roundF(rl.factor * 1000)), Time: max(ms, 0), Type: rl.kind}
		if rev.ID, err = revlogID(ctx, tx, tm.now); err != nil {
			return err
		}
		if err := tx.PutRevlog(rev); err != nil {
			return err
		}
		un = &undoEntry{cardID: c.ID, step: tx.UndoStepID()}
		if _, err = updateDeckStats(tx, ds, u.deck, before.Queue, ms, tm); err != nil {
			return err
		}
		if buried, _, err = burySiblings(ctx, tx, &before, u.cfg, tm); err != nil {
			return err
		}
		leech := nx.leeched()
		if leech {
			if _, err = addLeechTag(tx, c.NoteID); err != nil {
				return err
			}
			tx.FireLeech(c)
		}
		tx.FireCardAnswered(c, ease)
		ans = &Answer{Card: c, Revlog: rev, Leech: leech}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("answer card %d: %w", card.ID, err)
	}
	s.undo = append(s.undo, un)
	if len(s.undo) > s.maxUndos {
		s.undo = s.undo[1:]
	}
	delete(s.shown, card.ID)
	// Keep the cached queues in step: drop the answered card and the buried siblings, and
	// requeue a card still learning today. That is only right when they were in step before
	// and this answer is the one transaction committed since; otherwise gather again.
	if s.q != nil && (s.q.today != tm.today || s.qChanges != pre || s.col.Changes() != pre+1) {
		s.q = nil
	}
	if s.q != nil {
		gone := map[int64]bool{card.ID: true}
		for _, id := range buried {
			gone[id] = true
		}
		s.q.remove(gone)
		c := ans.Card
		if (c.Queue == collection.QueueLearn || c.Queue == collection.QueuePreview) && c.Due < tm.nextDayAt {
			s.q.requeue(entry{id: c.ID, nid: c.NoteID, mod: c.Mod, due: c.Due, kind: KindLearn, reps: c.Reps}, tm.now.Unix())
		}
		s.qChanges = pre + 1
	}
	return ans, nil
}

// revlogID is the answer time in milliseconds, moved on if that id is taken.
func revlogID(ctx context.Context, tx *collection.Tx, now time.Time) (int64, error) {
	id := now.UnixMilli()
	for {
		var n int
		if err := tx.Q().QueryRowContext(ctx, "SELECT count(*) FROM revlog WHERE id=?", id).Scan(&n); err != nil {
			return 0, fmt.Errorf("revlog id: %w", err)
		}
		if n == 0 {
			return id, nil
		}
		id++
	}
}

// updateDeckStats counts the answer in the deck's and its parents' studied-today numbers
// (new for a card from the new queue, review for review and interday learning cards, and
// the time taken). It returns the decks as they were, for undo.
func updateDeckStats(tx *collection.Tx, ds *deckSet, deck *collection.Deck, fromQueue, ms int, tm timing) ([]collection.Deck, error) {
	var newD, revD int64
	switch fromQueue {
	case collection.QueueNew:
		newD = 1
	case collection.QueueReview, collection.QueueDayLearn:
		revD = 1
	}
	var before []collection.Deck
	for _, d := range append([]*collection.Deck{deck}, ds.parents(deck)...) {
		cur, ok := tx.Deck(d.ID)
		if !ok {
			continue
		}
		before = append(before, cur)
		bump := func(v *[2]int64, delta int64) {
			if v[0] != int64(tm.today) {
				*v = [2]int64{int64(tm.today), 0}
			}
			v[1] += delta
		}
		bump(&cur.NewToday, newD)
		bump(&cur.RevToday, revD)
		bump(&cur.LrnToday, 0)
		bump(&cur.TimeToday, int64(ms))
		cur.Mod, cur.USN = tm.now.Unix(), -1
		if err := tx.PutDeck(cur); err != nil {
			return nil, err
		}
	}
	return before, nil
}

// burySiblings buries the answered card's siblings that the preset buries, except in
// queues gathered before the card's own (Anki's exclude_earlier_gathered_queues).
func burySiblings(ctx context.Context, tx *collection.Tx, card *collection.Card, cfg Config, tm timing) ([]int64, []collection.Card, error) {
	newC, rev, inter := cfg.BuryNew, cfg.BuryReviews, cfg.BuryInterdayLearn
	gatherOrd := map[int]int{collection.QueueLearn: 0, collection.QueuePreview: 0, collection.QueueDayLearn: 1,
		collection.QueueReview: 2, collection.QueueNew: 3}
	ord, ok := gatherOrd[card.Queue]
	if !ok {
		ord = 255
	}
	inter = inter && ord <= 1
	rev = rev && ord <= 2
	if !newC && !rev && !inter {
		return nil, nil, nil
	}
	var conds []string
	if newC {
		conds = append(conds, "queue = 0")
	}
	if rev {
		conds = append(conds, "queue = 2")
	}
	if inter {
		conds = append(conds, "queue = 3")
	}
	rows, err := tx.Q().QueryContext(ctx, "SELECT id FROM cards WHERE id != ? AND nid = ? AND ("+strings.Join(conds, " OR ")+")", card.ID, card.NoteID)
	if err != nil {
		return nil, nil, fmt.Errorf("bury siblings: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("bury siblings: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	var before []collection.Card
	for _, id := range ids {
		c, err := tx.GetCard(id)
		if err != nil {
			return nil, nil, err
		}
		before = append(before, *c)
		c.Queue = collection.QueueSchedBuried
		c.Mod, c.USN = tm.now.Unix(), -1
		if err := tx.PutCard(c); err != nil {
			return nil, nil, err
		}
	}
	return ids, before, nil
}

// addLeechTag tags the note "leech" and returns it as it was, for undo.
func addLeechTag(tx *collection.Tx, nid int64) (*collection.Note, error) {
	n, err := tx.GetNote(nid)
	if err != nil {
		return nil, err
	}
	before := *n
	before.Tags = append([]string(nil), n.Tags...)
	for _, t := range n.Tags {
		if strings.EqualFold(t, "leech") {
			return nil, nil
		}
	}
	n.Tags = append(n.Tags, "leech")
	if err := tx.UpdateNote(n); err != nil {
		return nil, fmt.Errorf("tag leech: %w", err)
	}
	return &before, nil
}

// CanUndo reports whether the collection's newest undoable change is an answer given
// through this scheduler, so that Undo can show that card again.
func (s *Scheduler) CanUndo() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.undoableLocked()
}

func (s *Scheduler) undoableLocked() bool {
	// entries for answers that are no longer the newest change are dropped: the collection's
	// own undo (Edit ▸ Undo) reverts whatever came after them first
	top, _ := s.col.UndoStatus()
	for len(s.undo) > 0 && s.undo[len(s.undo)-1].step > top.ID {
		s.undo = s.undo[:len(s.undo)-1]
	}
	return len(s.undo) > 0 && s.undo[len(s.undo)-1].step == top.ID
}

// ErrNothingToUndo is returned by Undo when the last change is not an answer.
var ErrNothingToUndo = errors.New("nothing to undo")

// Undo reverts the last answer through the collection's undo (so Redo can answer it again):
// the card, its siblings, the deck counters and the note go back to what they were and the
// revlog row is removed. It returns the card id. It refuses when the newest undoable change
// is something else.
func (s *Scheduler) Undo(ctx context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.undoableLocked() {
		return 0, ErrNothingToUndo
	}
	un := s.undo[len(s.undo)-1]
	if _, err := s.col.UndoIf(ctx, un.step); err != nil {
		return 0, fmt.Errorf("undo: %w", err)
	}
	s.undo = s.undo[:len(s.undo)-1]
	s.q = nil
	return un.cardID, nil
}
