package collection

import (
	"context"
	"sort"
)

// Counts summarises a collection.
type Counts struct {
	Notes     int `json:"notes"`
	Cards     int `json:"cards"`
	Decks     int `json:"decks"`
	Notetypes int `json:"notetypes"`
	Revlog    int `json:"revlog"`
	Media     int `json:"media"`
}

// Counts counts notes, cards, decks, note types, review log entries and media files.
func (c *Collection) Counts(ctx context.Context) (Counts, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := Counts{Decks: len(c.decks), Notetypes: len(c.notetypes)}
	for _, q := range []struct {
		sql string
		dst *int
	}{
		{"SELECT count(*) FROM notes", &out.Notes},
		{"SELECT count(*) FROM cards", &out.Cards},
		{"SELECT count(*) FROM revlog", &out.Revlog},
	} {
		if err := c.db.QueryRowContext(ctx, q.sql).Scan(q.dst); err != nil {
			return out, wrapDB("count", err)
		}
	}
	if c.Media != nil {
		n, err := c.Media.Count(ctx)
		if err != nil {
			return out, err
		}
		out.Media = n
	}
	return out, nil
}

// DeckNode is one deck in the deck tree with its study counts. New and Review are limited by
// the deck's options and its parents' as the v3 scheduler limits them; Learn is not limited.
type DeckNode struct {
	ID        int64
	Name      string // full name
	Basename  string
	Filtered  bool
	Collapsed bool
	New       int
	Learn     int
	Review    int
	Total     int // cards in this deck and its children
	Children  []*DeckNode
}

type rawCounts struct{ newC, learn, review, total int }

// DeckTree returns the decks as a tree (children sorted like Anki's deck list) with counts
// for today.
func (c *Collection) DeckTree(ctx context.Context) ([]*DeckNode, error) {
	tm := c.Timing()
	c.mu.RLock()
	defer c.mu.RUnlock()
	learnCutoff := tm.Now.Unix() + c.confInt("collapseTime", 1200)
	rows, err := c.db.QueryContext(ctx, `SELECT did,
		sum(queue = 0),
		sum(CASE WHEN queue IN (1, 4) AND due <= ?1 THEN 1 WHEN queue = 3 AND due <= ?2 THEN 1 ELSE 0 END),
		sum(queue = 2 AND due <= ?2),
		count(*)
		FROM cards GROUP BY did`, learnCutoff, tm.Today)
	if err != nil {
		return nil, wrapDB("deck counts", err)
	}
	own := map[int64]rawCounts{}
	for rows.Next() {
		var did int64
		var r rawCounts
		if err := rows.Scan(&did, &r.newC, &r.learn, &r.review, &r.total); err != nil {
			rows.Close()
			return nil, wrapDB("deck counts", err)
		}
		own[did] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrapDB("deck counts", err)
	}

	nodes := map[string]*DeckNode{}
	var names []string
	for _, d := range c.decks {
		nodes[lowerName(d.Name)] = &DeckNode{ID: d.ID, Name: d.Name, Basename: DeckBasename(d.Name),
			Filtered: d.Filtered(), Collapsed: d.Collapsed}
		names = append(names, d.Name)
	}
	sort.Slice(names, func(i, j int) bool { return deckLess(names[i], names[j]) })
	var roots []*DeckNode
	for _, name := range names {
		n := nodes[lowerName(name)]
		if p := parentName(name); p != "" && nodes[lowerName(p)] != nil {
			parent := nodes[lowerName(p)]
			parent.Children = append(parent.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	for _, r := range roots {
		c.fillCounts(r, own, tm.Today)
	}
	// The Default deck is hidden when it is empty and other decks exist, as in Anki.
	if len(roots) > 1 {
		for i, r := range roots {
			if r.ID == DefaultDeckID && r.Total == 0 && len(r.Children) == 0 {
				roots = append(roots[:i], roots[i+1:]...)
				break
			}
		}
	}
	return roots, nil
}

func lowerName(s string) string { return tagFold.String(s) }

func (c *Collection) fillCounts(n *DeckNode, own map[int64]rawCounts, today int) {
	r := own[n.ID]
	n.New, n.Learn, n.Review, n.Total = r.newC, r.learn, r.review, r.total
	for _, ch := range n.Children {
		c.fillCounts(ch, own, today)
		n.New += ch.New
		n.Learn += ch.Learn
		n.Review += ch.Review
		n.Total += ch.Total
	}
	d := c.decks[n.ID]
	if d == nil || d.Filtered() {
		return
	}
	conf := c.dconf[int64(d.Conf)]
	if conf == nil {
		conf = c.dconf[DefaultConfigID]
	}
	if conf == nil {
		return
	}
	newLimit := conf.NewPerDay() - studiedToday(d.NewToday, today)
	revLimit := conf.ReviewsPerDay() - studiedToday(d.RevToday, today)
	n.New = clamp(n.New, 0, max(newLimit, 0))
	n.Review = clamp(n.Review, 0, max(revLimit, 0))
}

func studiedToday(v [2]int64, today int) int {
	if v[0] == int64(today) {
		return int(v[1])
	}
	return 0
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }
