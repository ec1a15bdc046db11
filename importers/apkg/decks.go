package apkg

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
)

// Keys only a filtered deck has; dropped when one is turned into a normal deck.
var filteredKeys = []string{"terms", "resched", "separate", "delays", "previewDelay",
	"previewAgainSecs", "previewHardSecs", "previewGoodSecs", "return"}

// importDecks maps package decks to target decks by full name, case-insensitively and
// parents first (rslib decks.rs). An existing normal deck is reused (its description
// and options preset follow the package's when given); a name taken by a deck of the
// other kind gets a "<name> <unix time>" twin, children following; anything else is
// created, with missing parents.
func (imp *importer) importDecks(ctx context.Context) error {
	tx := imp.tx
	imp.deckMap = map[int64]int64{collection.DefaultDeckID: collection.DefaultDeckID}
	if imp.opt.TargetDeck != "" {
		id, err := tx.AddDeck(imp.opt.TargetDeck)
		if err != nil {
			return fmt.Errorf("target deck: %w", err)
		}
		for sid := range imp.src.decks {
			imp.deckMap[sid] = id
		}
		imp.deckMap[collection.DefaultDeckID] = id
		imp.deckMap[0] = id
		return nil
	}
	if imp.opt.KeepScheduling {
		for _, id := range sortedIDs(imp.src.dconf) {
			dc := *imp.src.dconf[id]
			if _, exists := findConfig(tx, id); exists || id == 0 {
				continue
			}
			dc.USN = -1
			if err := tx.PutDeckConfig(dc); err != nil {
				return err
			}
		}
	}
	decks, err := imp.usedDecks(ctx)
	if err != nil {
		return err
	}
	sort.Slice(decks, func(i, j int) bool {
		li, lj := level(decks[i].Name), level(decks[j].Name)
		if li != lj {
			return li < lj
		}
		return decks[i].ID < decks[j].ID
	})
	suffix := fmt.Sprint(imp.now.Unix())
	var renamed [][2]string // old parent prefix → new parent prefix
	reparent := func(name string) string {
		for _, r := range renamed {
			if strings.HasPrefix(strings.ToLower(name), strings.ToLower(r[0])) {
				return r[1] + name[len(r[0]):]
			}
		}
		return name
	}
	imp.progress("decks", 0, len(decks))
	for n, d := range decks {
		imp.progress("decks", n, len(decks))
		// Without scheduling the package's Default deck is dropped (Anki's gather), so its
		// cards land in the target's Default deck.
		if d.ID == collection.DefaultDeckID && !imp.opt.KeepScheduling {
			continue
		}
		if !utf8Valid(d.Name, d.Desc) {
			return badf("deck %d: text is not valid UTF-8", d.ID)
		}
		name := reparent(collection.NormalizeDeckName(d.Name))
		incomingFiltered := d.Filtered() && imp.keepFiltered
		if ex, ok := tx.DeckByName(name); ok {
			if ex.Filtered() && incomingFiltered {
				// The same filtered deck, imported before: reuse it as it is.
				imp.deckMap[d.ID] = ex.ID
				continue
			}
			if !ex.Filtered() && !incomingFiltered {
				if err := imp.updateDeck(ex, d); err != nil {
					return err
				}
				imp.deckMap[d.ID] = ex.ID
				continue
			}
			old := name
			name = name + " " + suffix
			renamed = append(renamed, [2]string{old + collection.DeckSeparator, name + collection.DeckSeparator})
		}
		// A filtered deck cannot have children: a new deck below one goes under a
		// renamed normal twin of it instead.
		parts := strings.Split(name, collection.DeckSeparator)
		for i := 1; i < len(parts); i++ {
			anc := strings.Join(parts[:i], collection.DeckSeparator)
			if ex, ok := tx.DeckByName(anc); ok && ex.Filtered() {
				renamed = append(renamed, [2]string{anc + collection.DeckSeparator, anc + " " + suffix + collection.DeckSeparator})
				name = reparent(name)
				break
			}
		}
		id, err := tx.AddDeck(name)
		if err != nil {
			return fmt.Errorf("deck %q: %w", name, err)
		}
		fresh, _ := tx.Deck(id)
		if err := imp.addDeck(fresh, d, incomingFiltered); err != nil {
			return err
		}
		imp.deckMap[d.ID] = id
	}
	imp.progress("decks", len(decks), len(decks))
	return nil
}

// usedDecks lists the package decks that hold imported cards (and, with scheduling,
// their original decks) plus their parents, as Anki's gather_decks does: empty decks of
// the package are not created.
func (imp *importer) usedDecks(ctx context.Context) ([]*collection.Deck, error) {
	query := "SELECT DISTINCT did FROM cards"
	if imp.opt.KeepScheduling {
		query += " UNION SELECT DISTINCT odid FROM cards WHERE odid != 0"
	}
	rows, err := imp.src.db.QueryContext(ctx, query)
	if err != nil {
		return nil, badf("cards: %v", err)
	}
	defer rows.Close()
	byName := map[string]*collection.Deck{}
	for _, d := range imp.src.decks {
		byName[strings.ToLower(collection.NormalizeDeckName(d.Name))] = d
	}
	picked := map[int64]*collection.Deck{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, badf("cards: %v", err)
		}
		d, ok := imp.src.decks[id]
		if !ok {
			continue
		}
		picked[id] = d
		name := strings.ToLower(collection.NormalizeDeckName(d.Name))
		for i := strings.LastIndex(name, collection.DeckSeparator); i > 0; i = strings.LastIndex(name, collection.DeckSeparator) {
			name = name[:i]
			if p, ok := byName[name]; ok {
				picked[p.ID] = p
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, badf("cards: %v", err)
	}
	out := make([]*collection.Deck, 0, len(picked))
	for _, d := range picked {
		out = append(out, d)
	}
	return out, nil
}

func (imp *importer) addDeck(fresh collection.Deck, in *collection.Deck, keepFiltered bool) error {
	var out collection.Deck
	if keepFiltered {
		out = *in
		out.Other = cloneRaw(in.Other)
	} else if in.Filtered() {
		// Filtered decks arrive as normal decks holding their cards (Anki's importer).
		out = fresh
		out.Desc, out.Collapsed, out.BrowserCollapsed = in.Desc, in.Collapsed, in.BrowserCollapsed
	} else {
		out = *in
		out.Other = cloneRaw(in.Other)
		for _, k := range filteredKeys {
			delete(out.Other, k)
		}
		if !imp.configUsable(int64(out.Conf)) {
			out.Conf = collection.DefaultConfigID
		}
	}
	out.ID, out.Name = fresh.ID, fresh.Name
	out.Mod, out.USN = imp.now.Unix(), -1
	if !imp.opt.KeepScheduling {
		resetDeckScheduling(&out)
	}
	return imp.tx.PutDeck(out)
}

func (imp *importer) updateDeck(ex collection.Deck, in *collection.Deck) error {
	changed := false
	if in.Desc != "" && in.Desc != ex.Desc {
		ex.Desc = in.Desc
		changed = true
	}
	if imp.opt.KeepScheduling && !in.Filtered() && in.Conf != collection.DefaultConfigID &&
		in.Conf != ex.Conf && imp.configUsable(int64(in.Conf)) {
		ex.Conf = in.Conf
		changed = true
	}
	if !changed {
		return nil
	}
	ex.Mod, ex.USN = imp.now.Unix(), -1
	return imp.tx.PutDeck(ex)
}

func (imp *importer) configUsable(id int64) bool {
	if !imp.opt.KeepScheduling {
		return id == collection.DefaultConfigID
	}
	_, ok := findConfig(imp.tx, id)
	return ok
}

// resetDeckScheduling is gather's reset_deck_config_ids_and_limits plus the study
// counters, which describe another collection's days.
func resetDeckScheduling(d *collection.Deck) {
	if !d.Filtered() {
		d.Conf = collection.DefaultConfigID
		for _, k := range []string{"reviewLimit", "newLimit", "reviewLimitToday", "newLimitToday"} {
			if _, ok := d.Other[k]; ok {
				d.Other[k] = json.RawMessage("null")
			}
		}
	}
	d.LrnToday, d.RevToday, d.NewToday, d.TimeToday = [2]int64{}, [2]int64{}, [2]int64{}, [2]int64{}
}

func findConfig(tx *collection.Tx, id int64) (collection.DeckConfig, bool) {
	for _, c := range tx.DeckConfigs() {
		if c.ID == id {
			return c, true
		}
	}
	return collection.DeckConfig{}, false
}

func cloneRaw(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func level(name string) int {
	return strings.Count(collection.NormalizeDeckName(name), collection.DeckSeparator)
}

func sortedIDs[V any](m map[int64]V) []int64 {
	ids := make([]int64, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}
