package colsync

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/deckhand-app/deckhand/collection"
)

// Legacy servers (ankisyncd, i.e. Anki 2.1.12's sync code) compare the whole sanity-check
// list, including the due counts [new, learning, review] their own scheduler computes for
// the current deck once the sync's changes are in (anki/sync.py sanityCheck: sched.reset()
// then sched.counts()). Modern servers ignore those three numbers, so a modern client sends
// zeros, but against ankisyncd the client must compute exactly what Anki 2.1's v1 or v2
// scheduler (conf schedVer) would. legacyDueCounts does that on the transaction's state, so
// it sees the collection as it will be after the sync, as the server does.
//
// The rules, from anki/sched.py and anki/schedv2.py at Anki 2.1.12:
//   - the decks counted are conf activeDecks (the current deck and its children);
//   - a deck's daily limit is perDay minus what was studied today (newToday/revToday, reset
//     when their day is not today), filtered decks have the report limit instead;
//   - new cards (both versions) and reviews (v1) walk the active decks, taking at most the
//     deck's limit and its parents' remaining limits (_walkingCount);
//   - reviews (v2) are limited once by the current deck's limit and its parents';
//   - learning (v1) sums the remaining steps (left/1000) of intraday learning cards due
//     before the day's end, plus interday learning cards due today;
//   - learning (v2) counts intraday cards due within collapseTime, interday cards due today
//     and preview cards;
//   - when the day rolled over since conf lastUnburied, buried cards count in the queue they
//     return to, as the scheduler unburies them before counting.

const (
	legacyReportLimit    = 1000
	legacyDynReportLimit = 99999 // v2 only; v1 uses the report limit for filtered decks
)

type legacySched struct {
	tx     *collection.Tx
	v2     bool
	today  int64
	decks  map[int64]collection.Deck
	byName map[string]collection.Deck
	confs  map[int64]collection.DeckConfig
	active []int64
	cur    int64
	queue  string // SQL for a card's queue as the scheduler sees it (after unburying)
	conf   map[string][]byte
}

// confInt reads an integer config value (numbers may be stored as floats or strings).
func confInt(conf map[string][]byte, key string, def int64) int64 {
	raw, ok := conf[key]
	if !ok {
		return def
	}
	var f collection.FlexInt
	if err := json.Unmarshal(raw, &f); err != nil {
		return def
	}
	return int64(f)
}

// legacyDueCounts returns [new, learning, review] as Anki 2.1.12's scheduler computes them at
// now (whose location is taken as the local time zone of the v2 scheduler's day), on the
// collection as tx sees it.
func legacyDueCounts(tx *collection.Tx, now time.Time) ([3]int, error) {
	conf := tx.Config()
	s := &legacySched{tx: tx, conf: conf, decks: map[int64]collection.Deck{}, byName: map[string]collection.Deck{},
		confs: map[int64]collection.DeckConfig{}}
	s.v2 = confInt(conf, "schedVer", 1) >= 2
	for _, d := range tx.Decks() {
		s.decks[d.ID] = d
		s.byName[d.Name] = d
	}
	for _, c := range tx.DeckConfigs() {
		s.confs[c.ID] = c
	}
	s.cur = confInt(conf, "curDeck", 1)
	if raw, ok := conf["activeDecks"]; ok {
		var ids []collection.FlexInt
		if err := json.Unmarshal(raw, &ids); err == nil {
			for _, id := range ids {
				s.active = append(s.active, int64(id))
			}
		}
	}
	if len(s.active) == 0 {
		s.active = []int64{s.cur}
	}
	crt := tx.ColState().Created
	if s.v2 {
		// schedv2 _daysSinceCreation: local time, the day starting at the rollover hour.
		hour := int(confInt(conf, "rollover", 4))
		if hour < 0 || hour > 23 {
			hour = 4
		}
		loc := now.Location() // the server's local zone; Deckhand assumes it shares the client's
		c := time.Unix(crt, 0).In(loc)
		start := time.Date(c.Year(), c.Month(), c.Day(), hour, 0, 0, 0, loc)
		s.today = int64(math.Floor(float64(now.UnixMilli()-start.UnixMilli()) / 86400e3))
	} else {
		s.today = int64(math.Floor(float64(now.UnixMilli()-crt*1000) / 86400e3))
	}
	s.queue = "queue"
	if confInt(conf, "lastUnburied", 0) < s.today {
		if s.v2 {
			s.queue = `(CASE WHEN queue IN (-2,-3) THEN (CASE WHEN type IN (1,3) THEN
				(CASE WHEN (CASE WHEN odue THEN odue ELSE due END) > 1000000000 THEN 1 ELSE 3 END)
				ELSE type END) ELSE queue END)`
		} else {
			s.queue = "(CASE WHEN queue = -2 THEN type ELSE queue END)"
		}
	}
	var out [3]int
	var err error
	if out[0], err = s.newCount(); err != nil {
		return out, fmt.Errorf("legacy due counts: new: %w", err)
	}
	if out[1], err = s.learnCount(now.Unix()); err != nil {
		return out, fmt.Errorf("legacy due counts: learning: %w", err)
	}
	if out[2], err = s.reviewCount(); err != nil {
		return out, fmt.Errorf("legacy due counts: review: %w", err)
	}
	return out, nil
}

func (s *legacySched) scalar(q string, args ...any) (int, error) {
	var n *int64
	if err := s.tx.Q().QueryRowContext(s.tx.Context(), q, args...).Scan(&n); err != nil {
		return 0, err
	}
	if n == nil {
		return 0, nil
	}
	return int(*n), nil
}

// deck is decks.get(did): the Default deck stands in for a missing one.
func (s *legacySched) deck(did int64) collection.Deck {
	if d, ok := s.decks[did]; ok {
		return d
	}
	return s.decks[collection.DefaultDeckID]
}

// parents are the existing ancestors of d, outermost first.
func (s *legacySched) parents(d collection.Deck) []collection.Deck {
	parts := strings.Split(d.Name, collection.DeckSeparator)
	var out []collection.Deck
	for i := 1; i < len(parts); i++ {
		if p, ok := s.byName[strings.Join(parts[:i], collection.DeckSeparator)]; ok {
			out = append(out, p)
		}
	}
	return out
}

// todayCount is the studied-today number of a [day, count] pair, zero when its day is not
// today (the scheduler resets them in memory at the day's start).
func (s *legacySched) todayCount(v [2]int64) int {
	if v[0] != s.today {
		return 0
	}
	return int(v[1])
}

func (s *legacySched) dynLimit() int {
	if s.v2 {
		return legacyDynReportLimit
	}
	return legacyReportLimit
}

func (s *legacySched) confFor(d collection.Deck) collection.DeckConfig {
	if c, ok := s.confs[int64(d.Conf)]; ok {
		return c
	}
	return s.confs[1]
}

func (s *legacySched) newLimit(d collection.Deck) int {
	if d.Dyn {
		return s.dynLimit()
	}
	c := s.confFor(d)
	return max(0, c.NewPerDay()-s.todayCount(d.NewToday))
}

func (s *legacySched) revLimit(d collection.Deck) int {
	if d.Dyn {
		return s.dynLimit()
	}
	c := s.confFor(d)
	return max(0, c.ReviewsPerDay()-s.todayCount(d.RevToday))
}

// walkingCount is _walkingCount: each active deck takes at most its own limit and what its
// parents have left.
func (s *legacySched) walkingCount(limit func(collection.Deck) int, count func(did int64, lim int) (int, error)) (int, error) {
	total := 0
	left := map[int64]int{}
	for _, did := range s.active {
		d := s.deck(did)
		lim := limit(d)
		if lim == 0 {
			continue
		}
		parents := s.parents(d)
		for _, p := range parents {
			if _, ok := left[p.ID]; !ok {
				left[p.ID] = limit(p)
			}
			lim = min(left[p.ID], lim)
		}
		n, err := count(did, lim)
		if err != nil {
			return 0, err
		}
		for _, p := range parents {
			left[p.ID] -= n
		}
		left[did] = lim - n
		total += n
	}
	return total, nil
}

func (s *legacySched) newCount() (int, error) {
	return s.walkingCount(s.newLimit, func(did int64, lim int) (int, error) {
		return s.scalar("SELECT count() FROM (SELECT 1 FROM cards WHERE did = ? AND "+s.queue+" = 0 LIMIT ?)", did, lim)
	})
}

func (s *legacySched) activeList() string {
	parts := make([]string, len(s.active))
	for i, id := range s.active {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return "(" + strings.Join(parts, ",") + ")"
}

func (s *legacySched) learnCount(now int64) (int, error) {
	in := s.activeList()
	var intraday int
	var err error
	if s.v2 {
		cutoff := now + confInt(s.conf, "collapseTime", 1200)
		intraday, err = s.scalar("SELECT count() FROM cards WHERE did IN "+in+" AND "+s.queue+" = 1 AND due < ?", cutoff)
	} else {
		dayCutoff := s.tx.ColState().Created + (s.today+1)*86400
		intraday, err = s.scalar("SELECT sum(left/1000) FROM (SELECT left FROM cards WHERE did IN "+in+" AND "+
			s.queue+" = 1 AND due < ? LIMIT ?)", dayCutoff, legacyReportLimit)
	}
	if err != nil {
		return 0, err
	}
	interday, err := s.scalar("SELECT count() FROM cards WHERE did IN "+in+" AND "+s.queue+" = 3 AND due <= ?", s.today)
	if err != nil {
		return 0, err
	}
	total := intraday + interday
	if s.v2 {
		preview, err := s.scalar("SELECT count() FROM cards WHERE did IN " + in + " AND " + s.queue + " = 4")
		if err != nil {
			return 0, err
		}
		total += preview
	}
	return total, nil
}

func (s *legacySched) reviewCount() (int, error) {
	if !s.v2 {
		return s.walkingCount(s.revLimit, func(did int64, lim int) (int, error) {
			return s.scalar("SELECT count() FROM (SELECT id FROM cards WHERE did = ? AND "+s.queue+
				" = 2 AND due <= ? LIMIT ?)", did, s.today, lim)
		})
	}
	// schedv2 _currentRevLimit: the selected deck's limit, capped by each parent's.
	lim := 0
	if d, ok := s.decks[s.cur]; ok {
		lim = s.revLimit(d)
		if !d.Dyn {
			for _, p := range s.parents(d) {
				lim = min(lim, s.revLimit(p))
			}
		}
	}
	return s.scalar("SELECT count() FROM (SELECT id FROM cards WHERE did IN "+s.activeList()+" AND "+s.queue+
		" = 2 AND due <= ? LIMIT ?)", s.today, lim)
}
