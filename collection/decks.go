package collection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// DeckSeparator joins the levels of a deck name.
const DeckSeparator = "::"

// newDeckObject returns a normal deck with the keys Anki writes for one.
func newDeckObject(id int64, name string, mod int64) *Deck {
	return &Deck{
		ID: id, Name: name, Mod: mod, USN: -1, Conf: DefaultConfigID,
		Other: map[string]json.RawMessage{
			"extendNew": json.RawMessage("0"), "extendRev": json.RawMessage("0"),
			"reviewLimit": json.RawMessage("null"), "newLimit": json.RawMessage("null"),
			"reviewLimitToday": json.RawMessage("null"), "newLimitToday": json.RawMessage("null"),
		},
	}
}

// newDeckConfigObject returns the default options preset as Anki writes it.
func newDeckConfigObject(id int64, name string, mod int64) *DeckConfig {
	raw := `{"maxTaken":60,"autoplay":true,"timer":0,"replayq":true,
"new":{"bury":false,"delays":[1.0,10.0],"initialFactor":2500,"ints":[1,4,0],"order":1,"perDay":20},
"rev":{"bury":false,"ease4":1.3,"ivlFct":1.0,"maxIvl":36500,"perDay":200,"hardFactor":1.2},
"lapse":{"delays":[10.0],"leechAction":1,"leechFails":8,"minInt":1,"mult":0.0},
"dyn":false,"newMix":0,"newPerDayMinimum":0,"interdayLearningMix":0,"reviewOrder":0,"newSortOrder":0,
"newGatherPriority":0,"buryInterdayLearning":false,"fsrsWeights":[],"fsrsParams5":[],"desiredRetention":0.9,
"ignoreRevlogsBeforeDate":"","easyDaysPercentages":[1.0,1.0,1.0,1.0,1.0,1.0,1.0],"stopTimerOnAnswer":false,
"secondsToShowQuestion":0.0,"secondsToShowAnswer":0.0,"questionAction":0,"answerAction":0,"waitForAudio":true,
"sm2Retention":0.9,"weightSearch":""}`
	var other map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &other); err != nil {
		panic(fmt.Sprintf("default deck config: %v", err)) // constant input
	}
	return &DeckConfig{ID: id, Name: name, Mod: mod, USN: 0, Other: other}
}

// NormalizeDeckName trims every level of a "::"-separated name and names empty levels
// "blank", as Anki does, so that "A:: B ::" becomes "A::B::blank".
func NormalizeDeckName(name string) string {
	parts := strings.Split(strings.ReplaceAll(name, "\x1f", DeckSeparator), DeckSeparator)
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			p = "blank"
		}
		parts[i] = p
	}
	return strings.Join(parts, DeckSeparator)
}

func parentName(name string) string {
	i := strings.LastIndex(name, DeckSeparator)
	if i < 0 {
		return ""
	}
	return name[:i]
}

// DeckBasename is the last level of a deck name.
func DeckBasename(name string) string {
	if i := strings.LastIndex(name, DeckSeparator); i >= 0 {
		return name[i+len(DeckSeparator):]
	}
	return name
}

func isSameOrChild(name, ancestor string) bool {
	return strings.EqualFold(name, ancestor) ||
		(len(name) > len(ancestor)+2 && strings.EqualFold(name[:len(ancestor)], ancestor) && name[len(ancestor):len(ancestor)+2] == DeckSeparator)
}

// Decks returns copies of all decks sorted by name.
func (c *Collection) Decks() []Deck {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Deck, 0, len(c.decks))
	for _, d := range c.decks {
		out = append(out, d.Clone())
	}
	sort.Slice(out, func(i, j int) bool { return deckLess(out[i].Name, out[j].Name) })
	return out
}

// deckLess orders deck names level by level, case-insensitively, as Anki's deck list does.
func deckLess(a, b string) bool {
	pa, pb := strings.Split(a, DeckSeparator), strings.Split(b, DeckSeparator)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		la, lb := strings.ToLower(pa[i]), strings.ToLower(pb[i])
		if la != lb {
			return la < lb
		}
	}
	return len(pa) < len(pb)
}

// Deck returns a copy of the deck with id.
func (c *Collection) Deck(id int64) (Deck, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d, ok := c.decks[id]
	if !ok {
		return Deck{}, false
	}
	return d.Clone(), true
}

// DeckByName finds a deck by its full name, case-insensitively.
func (c *Collection) DeckByName(name string) (Deck, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	d := c.deckByName(NormalizeDeckName(name))
	if d == nil {
		return Deck{}, false
	}
	return d.Clone(), true
}

func (c *Collection) deckByName(name string) *Deck {
	for _, d := range c.decks {
		if strings.EqualFold(d.Name, name) {
			return d
		}
	}
	return nil
}

// AddDeck returns the id of the normal deck called name, creating it and any missing parents.
func (c *Collection) AddDeck(ctx context.Context, name string) (int64, error) {
	var id int64
	err := c.TransactUndoable(ctx, "Add Deck", func(tx *Tx) error {
		var err error
		id, err = tx.AddDeck(name)
		return err
	})
	return id, err
}

// AddDeck is Collection.AddDeck inside a transaction.
func (tx *Tx) AddDeck(name string) (int64, error) {
	name = NormalizeDeckName(name)
	if d := tx.c.deckByName(name); d != nil {
		if d.Filtered() {
			return 0, fmt.Errorf("add deck %q: a filtered deck has that name", name)
		}
		return d.ID, nil
	}
	if p := parentName(name); p != "" {
		pid, err := tx.AddDeck(p)
		if err != nil {
			return 0, err
		}
		// AddDeck on a filtered parent errors above, so the parent is a normal deck here.
		name = tx.c.decks[pid].Name + name[len(p):]
	}
	id, err := tx.newDeckID()
	if err != nil {
		return 0, err
	}
	tx.c.decks[id] = newDeckObject(id, name, tx.now.Unix())
	tx.colDirty = true
	return id, nil
}

func (tx *Tx) newDeckID() (int64, error) {
	id := tx.now.UnixMilli()
	for {
		if _, taken := tx.c.decks[id]; !taken && id != DefaultDeckID {
			return id, nil
		}
		id++
	}
}

// RenameDeck renames a deck; its children move with it and missing parents are created.
func (c *Collection) RenameDeck(ctx context.Context, id int64, newName string) error {
	return c.TransactUndoable(ctx, "Rename Deck", func(tx *Tx) error { return tx.RenameDeck(id, newName) })
}

// RenameDeck is Collection.RenameDeck inside a transaction.
func (tx *Tx) RenameDeck(id int64, newName string) error {
	c := tx.c
	d, ok := c.decks[id]
	if !ok {
		return fmt.Errorf("rename deck: no deck with id %d", id)
	}
	newName = NormalizeDeckName(newName)
	old := d.Name
	if old == newName {
		return nil
	}
	if other := c.deckByName(newName); other != nil && other.ID != id {
		return fmt.Errorf("rename deck %q: a deck called %q already exists", old, newName)
	}
	if isSameOrChild(newName, old) && !strings.EqualFold(newName, old) {
		return fmt.Errorf("rename deck %q: a deck cannot be moved inside itself", old)
	}
	if p := parentName(newName); p != "" {
		pid, err := tx.AddDeck(p)
		if err != nil {
			return fmt.Errorf("rename deck %q: %w", old, err)
		}
		newName = c.decks[pid].Name + newName[len(p):]
	}
	mod := tx.now.Unix()
	for _, child := range c.decks {
		if isSameOrChild(child.Name, old) {
			child.Name = newName + child.Name[len(old):]
			child.Mod, child.USN = mod, -1
		}
	}
	tx.colDirty = true
	return nil
}

// ReparentDecks moves decks (with their children) under newParent; 0 moves them to the top level.
func (c *Collection) ReparentDecks(ctx context.Context, ids []int64, newParent int64) error {
	return c.TransactUndoable(ctx, "Rename Deck", func(tx *Tx) error {
		prefix := ""
		if newParent != 0 {
			p, ok := c.decks[newParent]
			if !ok {
				return fmt.Errorf("move deck: no deck with id %d", newParent)
			}
			if p.Filtered() {
				return fmt.Errorf("move deck: filtered deck %q cannot have children", p.Name)
			}
			prefix = p.Name + DeckSeparator
		}
		for _, id := range ids {
			d, ok := c.decks[id]
			if !ok {
				return fmt.Errorf("move deck: no deck with id %d", id)
			}
			if err := tx.RenameDeck(id, prefix+DeckBasename(d.Name)); err != nil {
				return err
			}
		}
		return nil
	})
}

// RemoveDeckMode says what happens to the cards of removed decks.
type RemoveDeckMode struct {
	// MoveCardsTo, when non-zero, is the deck that receives the cards; otherwise the cards
	// are deleted, and notes left without cards with them (Anki's behaviour).
	MoveCardsTo int64
}

// RemoveDeck removes a deck and its children. Cards in a removed filtered deck go back to
// their home decks. The Default deck itself is never removed (Anki keeps it), only emptied.
// It returns the number of cards deleted or moved.
func (c *Collection) RemoveDeck(ctx context.Context, id int64, mode RemoveDeckMode) (int, error) {
	var n int
	err := c.TransactUndoable(ctx, "Delete Deck", func(tx *Tx) error {
		var err error
		n, err = tx.RemoveDeck(id, mode)
		return err
	})
	return n, err
}

// RemoveDeck is Collection.RemoveDeck inside a transaction.
func (tx *Tx) RemoveDeck(id int64, mode RemoveDeckMode) (int, error) {
	c := tx.c
	d, ok := c.decks[id]
	if !ok {
		return 0, fmt.Errorf("remove deck: no deck with id %d", id)
	}
	var victims []*Deck
	for _, other := range c.decks {
		if isSameOrChild(other.Name, d.Name) {
			victims = append(victims, other)
		}
	}
	if mode.MoveCardsTo != 0 {
		target, ok := c.decks[mode.MoveCardsTo]
		if !ok {
			return 0, fmt.Errorf("remove deck: no deck with id %d to move cards to", mode.MoveCardsTo)
		}
		if isSameOrChild(target.Name, d.Name) {
			return 0, errors.New("remove deck: cannot move cards into a deck being removed")
		}
		if target.Filtered() {
			return 0, errors.New("remove deck: cannot move cards into a filtered deck")
		}
	}
	total := 0
	for _, v := range victims {
		if v.Filtered() {
			n, err := tx.emptyFiltered(v.ID)
			if err != nil {
				return 0, err
			}
			total += n
		} else {
			cids, err := tx.idsWhere("SELECT id FROM cards WHERE did=?", v.ID)
			if err != nil {
				return 0, err
			}
			total += len(cids)
			if mode.MoveCardsTo != 0 {
				if err := tx.SetDeck(cids, mode.MoveCardsTo); err != nil {
					return 0, err
				}
			} else if err := tx.RemoveCards(cids); err != nil {
				return 0, err
			}
		}
		if v.ID == DefaultDeckID {
			continue
		}
		delete(c.decks, v.ID)
		if err := tx.addGrave(v.ID, GraveDeck); err != nil {
			return 0, err
		}
		tx.colDirty = true
	}
	if cur := c.confInt("curDeck", DefaultDeckID); c.decks[cur] == nil {
		if err := tx.SetConfig("curDeck", DefaultDeckID); err != nil {
			return 0, err
		}
	}
	return total, nil
}

// emptyFiltered returns the cards of a filtered deck to their home decks.
func (tx *Tx) emptyFiltered(did int64) (int, error) {
	res, err := tx.tx.ExecContext(tx.ctx, `UPDATE cards SET did=odid,
		due=(CASE WHEN odue != 0 THEN odue ELSE due END), odue=0, odid=0,
		queue=(CASE WHEN queue IN (1,4) AND type=0 THEN 0 WHEN queue=4 THEN 1 ELSE queue END),
		mod=?, usn=-1 WHERE did=? AND odid != 0`, tx.now.Unix(), did)
	if err != nil {
		return 0, wrapDB("empty filtered deck", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func (tx *Tx) idsWhere(query string, args ...any) ([]int64, error) {
	return queryIDs(tx.ctx, tx.tx, query, args...)
}

func queryIDs(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, wrapDB("query ids", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrapDB("query ids", err)
		}
		ids = append(ids, id)
	}
	return ids, wrapDB("query ids", rows.Err())
}

// DeckConfigs returns copies of all options presets.
func (c *Collection) DeckConfigs() []DeckConfig {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]DeckConfig, 0, len(c.dconf))
	for _, id := range sortedKeys(c.dconf) {
		out = append(out, c.dconf[id].Clone())
	}
	return out
}
