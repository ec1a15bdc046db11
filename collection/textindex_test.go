package collection_test

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
)

// The in-memory text index must give exactly the answers of the SQL it replaces (LIKE with
// ASCII-only case folding, Anki's field patterns, the tag regex), including the odd cases.
func TestTextIndexAgreesWithSQL(t *testing.T) {
	col := newCol(t)
	ctx := context.Background()
	r := rand.New(rand.NewSource(3))
	words := []string{"time", "Time", "TIME", "water", "wAter", "fire", "world", "héllo", "HÉLLO",
		"école", "École", "straße", "STRASSE", "日本語", "中文", "<b>bold</b>", "a_b", "a%b", `a\b`,
		"a*b", "12345", "3.5", "\u212a", "k", "ſ", "s", "x\x00y", "hello world", "timetable", "[sound:x.mp3]",
		"bad\xe6utf8", "\xe0\x82\xa9t", "odd\xef\xbf\xbe"}
	tags := []string{"foo", "FOO::bar", "foo::baz", "food", "école", "École::x", "\u212aelvin", "kelvin",
		"a_b", "time::now", "time::later::soon", "timer", "日本"}
	pick := func(n int) string {
		var parts []string
		for i := 0; i < n; i++ {
			parts = append(parts, words[r.Intn(len(words))])
		}
		return strings.Join(parts, " ")
	}
	for i := 0; i < 300; i++ {
		nt := "Basic"
		if i%3 == 1 {
			nt = "Basic (and reversed card)"
		}
		front, back := pick(1+r.Intn(3)), pick(r.Intn(4))
		if i%10 == 0 {
			front = fmt.Sprint(r.Intn(100000)) // a numeric sort field is stored as an integer
		}
		n := addNote(t, col, nt, collection.DefaultDeckID, front, back)
		if i%2 == 0 {
			n.Tags = []string{tags[r.Intn(len(tags))], tags[r.Intn(len(tags))]}
			if err := col.UpdateNote(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
	}
	if got := scalar[int](t, col, "select count(*) from notes where typeof(sfld) = 'integer'"); got == 0 {
		t.Fatal("no integer sort fields to test")
	}
	queries := []string{"time", "TIME", "tim_", "t*e", "wa*er", "héllo", "HÉLLO", "é", "É", "straße",
		"日本", `a\_b`, "a_b", `a\*b`, "a%b", `a\\b`, "123", "3.5", "k", "\u212a", "s", "ſ", "x", "y",
		`"hello world"`, "-time", "time or water", "time water", "time -fire", "b", "<b>", "sound",
		"front:*world*", "front:time", "Front:TIME*", "back:_*", "back:", "front:12*", "f*:*e*",
		"front:héllo*", `front:a\_b`, "back:*\u212a*",
		"tag:foo", "tag:FOO", "tag:foo::bar", "tag:foo::*", "tag:fo*", "tag:école", "tag:ÉCOLE",
		"tag:é*", "tag:kelvin", "tag:k*", "tag:a_b", "tag:a\\_b", "tag:time::*", "tag:time*", "tag:日本",
		"tag:none", "tag:*", "-tag:foo", "tag:foo time", "nc:ecole", "w:time", "re:t.me",
		"(time or tag:foo) -is:new", "deck:Default time", "bad", "utf8", "\xe6", "é*t", "\ufffd", "odd_",
		"front:*\xe6*", "t_",
		// answered wholly in memory (note sets and the card table), and mixes that are not
		"", "deck:*", "time or water fire", "-(time or fire) tag:foo", "tag:* -water", "time or tag:none",
		"(tag:foo or tag:time::*) -(front:12* or k)", "note:Basic time", "-deck:* or time", "card:1 time",
		"mid:" + fmt.Sprint(basicID(t, col)) + " -time",
		"deck:Default", "deck:Other", "deck:Other::*", "-deck:Default time", "deck:filtered", "is:new", "is:due",
		"is:review or is:learn", "is:learn", "is:review -is:learn", "is:suspended", "-is:suspended tag:foo", "is:buried", "is:buried-manually",
		"is:buried-sibling", "flag:1", "-flag:0", "added:1", "added:1 -time", "card:1", "card:2", "card:Card*",
		"note:Basic*", "note:Basic card:2", "deck:Default or is:new water", "cid:1,2,3", "nid:1,2",
		"(deck:Other or flag:2) -(is:due or fire)", "did:1"}
	kinds := []struct {
		name string
		find func(context.Context, string, collection.Order) ([]int64, error)
	}{{"cards", col.FindCards}, {"notes", col.FindNotes}}
	orders := []collection.Order{{}, {Column: collection.SortSortField}, {Column: collection.SortCreated, Desc: true}}
	defer collection.SetMinIndexedNotes(0)()
	run := func(index bool) map[string][]int64 {
		defer collection.UseTextIndex(index)()
		out := map[string][]int64{}
		for _, q := range queries {
			for _, k := range kinds {
				for oi, o := range orders {
					ids, err := k.find(ctx, q, o)
					if err != nil {
						t.Fatalf("%s %q: %v", k.name, q, err)
					}
					if o.Column == collection.SortNone {
						slices.Sort(ids)
					}
					out[fmt.Sprintf("%s %q order %d", k.name, q, oi)] = ids
				}
			}
		}
		return out
	}
	compare := func(round string) map[string][]int64 {
		viaSQL := run(false)
		viaIndex := run(true)
		matched := 0
		for key, want := range viaSQL {
			got := viaIndex[key]
			if !slices.Equal(got, want) {
				// equal sort keys may come in another order: compare the sets and the keys
				sg, sw := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))
				if !slices.Equal(sg, sw) || !strings.Contains(key, "order 1") ||
					!slices.Equal(sortKeys(t, col, key, got), sortKeys(t, col, key, want)) {
					t.Errorf("%s, %s: index %d ids, SQL %d ids, in another order", round, key, len(got), len(want))
				}
			}
			if len(want) > 0 {
				matched++
			}
		}
		if matched < len(viaSQL)*2/3 {
			t.Errorf("%s: only %d of %d searches match anything: the data does not exercise the index", round, matched, len(viaSQL))
		}
		return viaSQL
	}
	other, err := col.AddDeck(ctx, "Other::Child")
	if err != nil {
		t.Fatal(err)
	}
	// cards in every state, deck, flag and filtered deck (ids spread them deterministically)
	rawExec(t, col, `update cards set type = id % 4, queue = (id / 7) % 7 - 3, due = (id / 3) % 5 - 1,
		flags = (id / 11) % 9, odid = case when id % 13 = 0 then 1 else 0 end,
		did = case when id % 5 = 0 then ? else did end`, other)
	oddDone := false
	viaSQL := compare("built")
	// Edits patch the index: change fields and tags, delete and add notes, in rounds small
	// enough to be patched (and one large enough to force a rebuild), then compare again.
	for round, edits := range []int{1, 5, 20, 200} {
		nids, err := col.FindNotes(ctx, "", collection.Order{})
		if err != nil {
			t.Fatal(err)
		}
		for e := 0; e < edits; e++ {
			nid := nids[r.Intn(len(nids))]
			n, err := col.GetNote(ctx, nid)
			if err != nil {
				continue // deleted in this round
			}
			switch r.Intn(10) {
			case 6, 7: // card columns change: deck, suspension, flags, due
				cids := scalars[int64](t, col, "select id from cards where nid = ?", nid)
				if len(cids) == 0 {
					continue // its cards moved to another note
				}
				switch r.Intn(4) {
				case 0:
					err = col.SetDeck(ctx, cids, other)
				case 1:
					rawExec(t, col, "update cards set queue = -1 where id = ?", cids[0])
				case 2:
					err = col.SetFlag(ctx, cids, 1+r.Intn(3))
				default:
					rawExec(t, col, "update cards set type = 2, queue = 2, due = ? where id = ?", r.Intn(3), cids[0])
				}
			case 8: // a card with a value SQL compares its own way
				if !oddDone {
					oddDone = true
					rawExec(t, col, "update cards set due = '12x' where id = (select min(id) from cards where nid = ?)", nid)
					rawExec(t, col, "update cards set ord = 0.5 where id = (select max(id) from cards)")
					compare("odd values")
					rawExec(t, col, "update cards set due = 0 where due = '12x'")
					rawExec(t, col, "update cards set ord = 0 where ord = 0.5")
				}
			case 4: // a card of the note goes; the note stays while it has another
				cids := scalars[int64](t, col, "select id from cards where nid = ? order by id desc", nid)
				if len(cids) > 1 {
					err = col.RemoveCards(ctx, cids[:1])
				}
			case 5: // a card changes note and template, as a repair might
				other := nids[r.Intn(len(nids))]
				rawExec(t, col, "update cards set nid = ?, ord = ord + 5 where id = (select min(id) from cards where nid = ?)", other, nid)
			case 0:
				n.Fields[0] = pick(1 + r.Intn(2))
				err = col.UpdateNote(ctx, n)
			case 1:
				n.Tags = []string{tags[r.Intn(len(tags))]}
				err = col.UpdateNote(ctx, n)
			case 2:
				err = col.RemoveNotes(ctx, []int64{nid})
			default:
				addNote(t, col, "Basic", collection.DefaultDeckID, pick(2), pick(1))
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		compare(fmt.Sprintf("round %d (%d edits)", round, edits))
	}
	// the triggers vanish with a new connection: the index must notice and rebuild
	if _, err := col.DB().Exec("DROP TRIGGER temp.dh_text_upd"); err != nil {
		t.Fatal(err)
	}
	nids, _ := col.FindNotes(ctx, "", collection.Order{})
	n, _ := col.GetNote(ctx, nids[0])
	n.Fields[0] = "quagga"
	if err := col.UpdateNote(ctx, n); err != nil {
		t.Fatal(err)
	}
	if got, _ := col.FindNotes(ctx, "quagga", collection.Order{}); !slices.Equal(got, []int64{n.ID}) {
		t.Errorf("edit made while the triggers were missing: found %v", got)
	}
	viaSQL = compare("after losing the triggers")
	// a card whose note is missing: SQL drops it from some answers and keeps it in others
	rawExec(t, col, "insert into cards select id + 1, 12345, did, ord, mod, usn, type, queue, due, ivl, factor, reps, lapses, left, odue, odid, flags, data from cards where id = (select max(id) from cards)")
	compare("with an orphaned card")
	rawExec(t, col, "delete from cards where nid = 12345")
	viaSQL = compare("orphan gone")
	if n := collection.MemoryFinds(); n < 1000 {
		t.Errorf("only %d searches were answered from memory", n)
	}
	// random combinations of note and card terms, nested, negated, with and/or: the
	// in-memory evaluation must group them as the SQL does
	terms := []string{"time", "tag:foo", "deck:Other", "is:new", "is:due", "flag:1", "card:2", "front:*world*",
		"note:Basic", "water", "added:1", "is:suspended", "tag:time::*", "deck:*", "is:learn", "k", "re:t.me", "prop:ivl>1"}
	saved := queries
	queries = nil
	for i := 0; i < 150; i++ {
		var b strings.Builder
		open := 0
		for j, n := 0, 2+r.Intn(4); j < n; j++ {
			if j > 0 {
				b.WriteString([]string{" ", " or ", " and ", " OR "}[r.Intn(4)])
			}
			if r.Intn(4) == 0 {
				b.WriteString("(")
				open++
			}
			if r.Intn(3) == 0 {
				b.WriteString("-")
			}
			b.WriteString(terms[r.Intn(len(terms))])
			if open > 0 && r.Intn(3) == 0 {
				b.WriteString(")")
				open--
			}
		}
		b.WriteString(strings.Repeat(")", open))
		queries = append(queries, b.String())
	}
	memBefore := collection.MemoryFinds()
	compare("random combinations")
	if n := collection.MemoryFinds() - memBefore; n < 300 {
		t.Errorf("only %d of the random combinations were answered from memory", n)
	}
	queries = saved
	// a change is seen by the next search
	before, _ := col.FindNotes(ctx, "zebra", collection.Order{})
	n = addNote(t, col, "Basic", collection.DefaultDeckID, "Zebra crossing", "")
	after, _ := col.FindNotes(ctx, "zebra", collection.Order{})
	if len(before) != 0 || !slices.Equal(after, []int64{n.ID}) {
		t.Errorf("after adding a note: before %v after %v", before, after)
	}
	if err := col.RemoveNotes(ctx, []int64{n.ID}); err != nil {
		t.Fatal(err)
	}
	if gone, _ := col.FindNotes(ctx, "zebra", collection.Order{}); len(gone) != 0 {
		t.Errorf("removed note still found: %v", gone)
	}
	page, err := col.FindCardsPage(ctx, "time", collection.Order{Column: collection.SortSortField}, 0, 10)
	if err != nil || page.Total != len(viaSQL[`cards "time" order 1`]) || !slices.Equal(page.IDs, viaSQL[`cards "time" order 1`][:10]) {
		t.Errorf("FindCardsPage with the index: %+v %v", page, err)
	}
}

// rawExec runs a statement in a transaction of the collection (so its caches see a change).
func rawExec(t *testing.T, col *collection.Collection, q string, args ...any) {
	t.Helper()
	err := col.Transact(context.Background(), func(tx *collection.Tx) error {
		_, err := tx.Exec(q, args...)
		return err
	})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func scalars[T any](t testing.TB, col *collection.Collection, q string, args ...any) []T {
	t.Helper()
	rows, err := col.DB().Query(q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func basicID(t *testing.T, col *collection.Collection) int64 {
	t.Helper()
	nt, ok := col.NotetypeByName("Basic")
	if !ok {
		t.Fatal("no Basic note type")
	}
	return nt.ID
}

// sortKeys is the sort field (ASCII-folded, as collate nocase) of each result.
func sortKeys(t *testing.T, col *collection.Collection, key string, ids []int64) []string {
	q := "select lower(cast(n.sfld as text)) from cards c join notes n on n.id = c.nid where c.id = ?"
	if strings.HasPrefix(key, "notes") {
		q = "select lower(cast(sfld as text)) from notes n where id = ?"
	}
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = scalar[string](t, col, q, id)
	}
	return out
}
