package collection_test

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/text"
)

func noteFields(t testing.TB, col *collection.Collection, nid int64) []string {
	t.Helper()
	n, err := col.GetNote(context.Background(), nid)
	if err != nil {
		t.Fatal(err)
	}
	return n.Fields
}

func noteTags(t testing.TB, col *collection.Collection, nid int64) []string {
	t.Helper()
	n, err := col.GetNote(context.Background(), nid)
	if err != nil {
		t.Fatal(err)
	}
	return n.Tags
}

// markSynced pretends everything was synced, so that usn -1 afterwards means "changed".
func markSynced(t testing.TB, col *collection.Collection) {
	t.Helper()
	for _, q := range []string{"UPDATE notes SET usn=0, mod=1", "UPDATE cards SET usn=0, mod=1"} {
		if _, err := col.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFindAndReplaceFields(t *testing.T) {
	ctx := context.Background()
	type want struct {
		changed int
		basic   []string // fields of the Basic note afterwards
		cloze   []string // fields of the Cloze note afterwards
	}
	cases := []struct {
		name         string
		search, repl string
		opts         collection.FindReplaceOptions
		onlyBasic    bool
		want         want
	}{
		{"ignore case by default", "aaa", "BBB", collection.FindReplaceOptions{}, false,
			want{2, []string{"one BBB (x)", "two BBB $1"}, []string{"three BBB", ""}}},
		{"match case", "AAA", "c", collection.FindReplaceOptions{MatchCase: true}, false,
			want{1, []string{"one aaa (x)", "two c $1"}, []string{"three aaa", ""}}},
		{"one field", "aaa", "z", collection.FindReplaceOptions{Field: "Front"}, false,
			want{1, []string{"one z (x)", "two AAA $1"}, []string{"three aaa", ""}}},
		{"field missing from a note type leaves it alone", "aaa", "z", collection.FindReplaceOptions{Field: "Text"}, false,
			want{1, []string{"one aaa (x)", "two AAA $1"}, []string{"three z", ""}}},
		{"regex groups", `(\w+) (\w+)`, "$2-${1}", collection.FindReplaceOptions{Regex: true}, false,
			want{2, []string{"aaa-one (x)", "AAA-two $1"}, []string{"aaa-three", ""}}},
		{"literal search escapes regex syntax", "(x)", "[y]", collection.FindReplaceOptions{}, false,
			want{1, []string{"one aaa [y]", "two AAA $1"}, []string{"three aaa", ""}}},
		{"literal dot does not match any character", "a.a", "!", collection.FindReplaceOptions{}, false,
			want{0, []string{"one aaa (x)", "two AAA $1"}, []string{"three aaa", ""}}},
		{"literal replacement keeps dollars", "one", "$5 ${2}", collection.FindReplaceOptions{}, false,
			want{1, []string{"$5 ${2} aaa (x)", "two AAA $1"}, []string{"three aaa", ""}}},
		{"literal search of a dollar", "$1", "one", collection.FindReplaceOptions{}, false,
			want{1, []string{"one aaa (x)", "two AAA one"}, []string{"three aaa", ""}}},
		{"replacing with the same text changes nothing", "aaa", "aaa", collection.FindReplaceOptions{MatchCase: true}, false,
			want{0, []string{"one aaa (x)", "two AAA $1"}, []string{"three aaa", ""}}},
		{"only the given notes", "aaa", "q", collection.FindReplaceOptions{}, true,
			want{1, []string{"one q (x)", "two q $1"}, []string{"three aaa", ""}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			col := newCol(t)
			basic := addNote(t, col, "Basic", 1, "one aaa (x)", "two AAA $1")
			cloze := addNote(t, col, "Cloze", 1, "three aaa", "")
			untouched := addNote(t, col, "Basic", 1, "nothing", "here")
			markSynced(t, col)
			var nids []int64 // empty: the whole collection
			if tc.onlyBasic {
				nids = []int64{basic.ID}
			}
			got, err := col.FindAndReplace(ctx, nids, tc.search, tc.repl, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want.changed {
				t.Errorf("changed %d notes, want %d", got, tc.want.changed)
			}
			if f := noteFields(t, col, basic.ID); !slices.Equal(f, tc.want.basic) {
				t.Errorf("basic note %q, want %q", f, tc.want.basic)
			}
			if f := noteFields(t, col, cloze.ID); !slices.Equal(f, tc.want.cloze) {
				t.Errorf("cloze note %q, want %q", f, tc.want.cloze)
			}
			if n := scalar[int](t, col, "SELECT count() FROM notes WHERE usn=-1"); n != tc.want.changed {
				t.Errorf("%d notes marked modified, want %d", n, tc.want.changed)
			}
			if n := scalar[int](t, col, "SELECT count() FROM notes WHERE id=? AND usn=0 AND mod=1", untouched.ID); n != 1 {
				t.Error("a note without matches was written")
			}
		})
	}
}

func TestFindAndReplaceBookkeeping(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	n := addNote(t, col, "Basic (optional reversed card)", 1, "Old front", "back", "")
	markSynced(t, col)
	// sort field and checksum follow the new first field
	if c, err := col.FindAndReplace(ctx, []int64{n.ID}, "old", "New", collection.FindReplaceOptions{Field: "Front"}); err != nil || c != 1 {
		t.Fatalf("changed %d, %v", c, err)
	}
	if got := scalar[string](t, col, "SELECT sfld FROM notes WHERE id=?", n.ID); got != "New front" {
		t.Errorf("sfld %q", got)
	}
	if got := scalar[int64](t, col, "SELECT csum FROM notes WHERE id=?", n.ID); got != int64(text.FieldChecksum("New front")) {
		t.Errorf("csum %d, want %d", got, text.FieldChecksum("New front"))
	}
	if got := scalar[int64](t, col, "SELECT mod FROM notes WHERE id=?", n.ID); time.Since(time.Unix(got, 0)) > time.Minute {
		t.Errorf("mod %d not bumped", got)
	}
	// filling "Add Reverse" through find and replace generates the reverse card, as an edit does
	if c, err := col.FindAndReplace(ctx, []int64{n.ID}, "^$", "y", collection.FindReplaceOptions{Field: "Add Reverse", Regex: true}); err != nil || c != 1 {
		t.Fatalf("changed %d, %v", c, err)
	}
	if got := cardOrds(t, col, n.ID); !reflect.DeepEqual(got, []int{0, 1}) {
		t.Errorf("cards %v, want the reverse card generated", got)
	}
	if _, err := col.FindAndReplace(ctx, nil, "(", "x", collection.FindReplaceOptions{Regex: true}); err == nil {
		t.Error("an invalid regex was accepted")
	}
}

func TestFindAndReplaceTags(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	a := addNote(t, col, "Basic", 1, "a", "")
	b := addNote(t, col, "Basic", 1, "b", "")
	for nid, tags := range map[int64]string{a.ID: "test other", b.ID: "keep"} {
		if _, err := col.AddTags(ctx, []int64{nid}, tags); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		search, repl string
		regex, match bool
		changed      int
		want         []string
	}{
		{"foo|test", "bar", true, false, 1, []string{"bar", "other"}},
		{"BAR", "baz", false, true, 0, []string{"bar", "other"}},  // match case
		{"b.r", "baz", false, false, 0, []string{"bar", "other"}}, // literal
		{"b.r", "baz", true, false, 1, []string{"baz", "other"}},
		{"^(o)(ther)$", "$2$1", true, false, 1, []string{"baz", "thero"}},
		{"z", "$1", false, false, 1, []string{"ba$1", "thero"}}, // literal replacement is not expanded
		{"ba.*|.*ro", "", true, false, 1, nil},                  // an empty result removes the tag
	}
	for i, s := range steps {
		got, err := col.FindAndReplace(ctx, nil, s.search, s.repl, collection.FindReplaceOptions{Tags: true, Regex: s.regex, MatchCase: s.match})
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got != s.changed {
			t.Errorf("step %d: %d notes changed, want %d", i, got, s.changed)
		}
		if tags := noteTags(t, col, a.ID); !slices.Equal(tags, s.want) {
			t.Errorf("step %d: tags %q, want %q", i, tags, s.want)
		}
	}
	if tags := noteTags(t, col, b.ID); !slices.Equal(tags, []string{"keep"}) {
		t.Errorf("other note's tags %q", tags)
	}
	if _, err := col.FindAndReplace(ctx, nil, "keep", "two words", collection.FindReplaceOptions{Tags: true}); err == nil {
		t.Error("a tag replacement with a space was accepted")
	}
}

type cardPos struct {
	Due, Odue int64
	USN       int
}

func cardsOf(t testing.TB, col *collection.Collection, nid int64) []int64 {
	t.Helper()
	cards, err := col.CardsOfNote(context.Background(), nid)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, c := range cards {
		ids = append(ids, c.ID)
	}
	return ids
}

func posOf(t testing.TB, col *collection.Collection, cid int64) cardPos {
	t.Helper()
	var p cardPos
	if err := col.DB().QueryRow("SELECT due, odue, usn FROM cards WHERE id=?", cid).Scan(&p.Due, &p.Odue, &p.USN); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRepositionNewCards(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T) (*collection.Collection, []int64, []int64, int64) {
		col := newCol(t)
		var singles []int64
		for _, f := range []string{"a", "b", "c", "d"} { // due 1..4
			singles = append(singles, cardsOf(t, col, addNote(t, col, "Basic", 1, f, "x").ID)[0])
		}
		pair := cardsOf(t, col, addNote(t, col, "Basic (and reversed card)", 1, "e", "f").ID) // both due 5
		review := cardsOf(t, col, addNote(t, col, "Basic", 1, "g", "x").ID)[0]
		if _, err := col.DB().Exec("UPDATE cards SET type=2, queue=2, due=7, ivl=3 WHERE id=?", review); err != nil {
			t.Fatal(err)
		}
		markSynced(t, col)
		return col, singles, pair, review
	}

	t.Run("in the given order, a position per note", func(t *testing.T) {
		col, s, pair, review := setup(t)
		n, err := col.RepositionNewCards(ctx, []int64{s[2], s[0], pair[1], pair[0], review}, 10, 5, false, false)
		if err != nil {
			t.Fatal(err)
		}
		if n != 4 {
			t.Errorf("repositioned %d cards, want 4 (the review card is not new)", n)
		}
		want := map[int64]int64{s[2]: 10, s[0]: 15, pair[0]: 20, pair[1]: 20, s[1]: 2, s[3]: 4, review: 7}
		for cid, due := range want {
			if p := posOf(t, col, cid); p.Due != due {
				t.Errorf("card %d due %d, want %d", cid, p.Due, due)
			}
		}
		if p := posOf(t, col, s[2]); p.USN != -1 {
			t.Error("repositioned card not marked modified")
		}
		if p := posOf(t, col, s[1]); p.USN != 0 {
			t.Error("a card left alone was marked modified")
		}
		if p := posOf(t, col, review); p.USN != 0 {
			t.Error("the review card was written")
		}
	})

	t.Run("shift moves existing new cards out of the way", func(t *testing.T) {
		col, s, pair, review := setup(t)
		if _, err := col.RepositionNewCards(ctx, []int64{s[3]}, 2, 1, false, true); err != nil {
			t.Fatal(err)
		}
		want := map[int64]int64{s[0]: 1, s[3]: 2, s[1]: 3, s[2]: 4, pair[0]: 6, pair[1]: 6, review: 7}
		for cid, due := range want {
			if p := posOf(t, col, cid); p.Due != due {
				t.Errorf("card %d due %d, want %d", cid, p.Due, due)
			}
		}
		var shift bool
		if ok, err := col.ConfigGet("shiftPositionOfExistingCards", &shift); !ok || err != nil || !shift {
			t.Errorf("shift default not remembered: %v %v %v", ok, err, shift)
		}
	})

	t.Run("without shift others keep their positions", func(t *testing.T) {
		col, s, _, _ := setup(t)
		if _, err := col.RepositionNewCards(ctx, []int64{s[3]}, 2, 1, false, false); err != nil {
			t.Fatal(err)
		}
		if got := []int64{posOf(t, col, s[1]).Due, posOf(t, col, s[3]).Due}; !slices.Equal(got, []int64{2, 2}) {
			t.Errorf("positions %v", got)
		}
	})

	t.Run("randomize", func(t *testing.T) {
		col, s, pair, _ := setup(t)
		cids := append(slices.Clone(s), pair...)
		if n, err := col.RepositionNewCards(ctx, cids, 100, 2, true, false); err != nil || n != 6 {
			t.Fatalf("repositioned %d, %v", n, err)
		}
		var got []int64
		for _, cid := range s {
			got = append(got, posOf(t, col, cid).Due)
		}
		pp := posOf(t, col, pair[0]).Due
		if posOf(t, col, pair[1]).Due != pp {
			t.Error("cards of one note got different positions")
		}
		got = append(got, pp)
		sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
		if !slices.Equal(got, []int64{100, 102, 104, 106, 108}) {
			t.Errorf("positions %v are not start+step×i", got)
		}
		var random bool
		if ok, _ := col.ConfigGet("randomOrderReposition", &random); !ok || !random {
			t.Error("randomize default not remembered")
		}
	})

	t.Run("a new card in a filtered deck keeps its position in odue", func(t *testing.T) {
		col, s, _, _ := setup(t)
		if _, err := col.DB().Exec("UPDATE cards SET odid=did, odue=due, due=-100000 WHERE id=?", s[0]); err != nil {
			t.Fatal(err)
		}
		if _, err := col.RepositionNewCards(ctx, []int64{s[0]}, 9, 1, false, false); err != nil {
			t.Fatal(err)
		}
		if p := posOf(t, col, s[0]); p.Odue != 9 || p.Due != -100000 {
			t.Errorf("filtered card due %d odue %d", p.Due, p.Odue)
		}
	})

	t.Run("bad arguments", func(t *testing.T) {
		col, s, _, _ := setup(t)
		if _, err := col.RepositionNewCards(ctx, s, 0, 0, false, false); err == nil {
			t.Error("step 0 accepted")
		}
		if _, err := col.RepositionNewCards(ctx, s, -1, 1, false, false); err == nil {
			t.Error("negative start accepted")
		}
	})
}

type cardState struct {
	ID, Did, Due int64
	Ord, Type    int
	Ivl          int
}

func cardStates(t testing.TB, col *collection.Collection, nid int64) []cardState {
	t.Helper()
	rows, err := col.DB().Query("SELECT id, did, due, ord, type, ivl FROM cards WHERE nid=? ORDER BY ord", nid)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []cardState
	for rows.Next() {
		var c cardState
		if err := rows.Scan(&c.ID, &c.Did, &c.Due, &c.Ord, &c.Type, &c.Ivl); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func graves(t testing.TB, col *collection.Collection, kind int) []int64 {
	t.Helper()
	return scalars[int64](t, col, "SELECT oid FROM graves WHERE type=? ORDER BY oid", kind)
}

func TestChangeNotetypeBasicToReversed(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	did, err := col.AddDeck(ctx, "Words")
	if err != nil {
		t.Fatal(err)
	}
	n := addNote(t, col, "Basic", did, "front text", "back text")
	other := addNote(t, col, "Basic", did, "other", "note")
	orig := cardStates(t, col, n.ID)[0]
	// give the card review scheduling that must survive
	if _, err := col.DB().Exec("UPDATE cards SET type=2, queue=2, due=40, ivl=12, factor=2500 WHERE id=?", orig.ID); err != nil {
		t.Fatal(err)
	}
	markSynced(t, col)
	time.Sleep(2 * time.Millisecond) // scm is in milliseconds
	scm := col.SchemaModified()
	rev := mustNotetype(t, col, "Basic (and reversed card)")

	if err := col.ChangeNotetype(ctx, []int64{n.ID}, rev.ID, []int{1, 0}, []int{0, -1}); err != nil {
		t.Fatal(err)
	}
	got, err := col.GetNote(ctx, n.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.NotetypeID != rev.ID || !slices.Equal(got.Fields, []string{"back text", "front text"}) || got.USN != -1 {
		t.Errorf("note: type %d fields %q usn %d", got.NotetypeID, got.Fields, got.USN)
	}
	if s := scalar[string](t, col, "SELECT sfld FROM notes WHERE id=?", n.ID); s != "back text" {
		t.Errorf("sfld %q", s)
	}
	if c := scalar[int64](t, col, "SELECT csum FROM notes WHERE id=?", n.ID); c != int64(text.FieldChecksum("back text")) {
		t.Errorf("csum %d", c)
	}
	cards := cardStates(t, col, n.ID)
	if len(cards) != 2 {
		t.Fatalf("cards %+v, want the kept card and a generated reverse", cards)
	}
	if k := cards[0]; k.ID != orig.ID || k.Type != 2 || k.Due != 40 || k.Ivl != 12 || k.Did != did {
		t.Errorf("kept card lost its scheduling: %+v", k)
	}
	if g := cards[1]; g.Ord != 1 || g.Type != 0 || g.Did != did {
		t.Errorf("generated card %+v, want a new card 2 in the note's deck", g)
	}
	if col.SchemaModified() <= scm {
		t.Error("schema not marked modified: the next sync must be a full one")
	}
	if f := noteFields(t, col, other.ID); !slices.Equal(f, []string{"other", "note"}) ||
		scalar[int64](t, col, "SELECT mid FROM notes WHERE id=?", other.ID) != mustNotetype(t, col, "Basic").ID {
		t.Error("a note that was not selected changed")
	}
	if len(graves(t, col, collection.GraveCard)) != 0 {
		t.Error("no card should have been removed")
	}
}

func TestChangeNotetypeDropsTemplate(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	n := addNote(t, col, "Basic (and reversed card)", 1, "f", "b")
	before := cardStates(t, col, n.ID)
	if _, err := col.DB().Exec("UPDATE cards SET type=2, queue=2, due=9, ivl=4 WHERE id=?", before[1].ID); err != nil {
		t.Fatal(err)
	}
	basic := mustNotetype(t, col, "Basic")
	// the reverse card becomes Basic's only card; the forward card goes
	if err := col.ChangeNotetype(ctx, []int64{n.ID}, basic.ID, []int{0, 1}, []int{1}); err != nil {
		t.Fatal(err)
	}
	cards := cardStates(t, col, n.ID)
	if len(cards) != 1 || cards[0].ID != before[1].ID || cards[0].Ord != 0 || cards[0].Due != 9 || cards[0].Ivl != 4 {
		t.Fatalf("cards %+v, want the old reverse card as card 1", cards)
	}
	if g := graves(t, col, collection.GraveCard); !slices.Equal(g, []int64{before[0].ID}) {
		t.Errorf("card graves %v, want %d", g, before[0].ID)
	}

	// mapping no old card type leaves the note with none: a fresh card 1 is made, as in Anki
	n2 := addNote(t, col, "Basic", 1, "x", "y")
	old := cardStates(t, col, n2.ID)[0]
	if err := col.ChangeNotetype(ctx, []int64{n2.ID}, basic.ID, []int{1, 0}, []int{-1}); err != nil {
		t.Fatal(err)
	}
	cards = cardStates(t, col, n2.ID)
	if len(cards) != 1 || cards[0].ID == old.ID || cards[0].Ord != 0 || cards[0].Type != 0 {
		t.Errorf("cards %+v, want one new card replacing %d", cards, old.ID)
	}
	if f := noteFields(t, col, n2.ID); !slices.Equal(f, []string{"y", "x"}) {
		t.Errorf("fields %q, want swapped within the same note type", f)
	}
}

func TestChangeNotetypeCloze(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	cloze := mustNotetype(t, col, "Cloze")
	basic := mustNotetype(t, col, "Basic")

	// standard → cloze: card numbers stay, clozes generate what is missing
	n := addNote(t, col, "Basic", 1, "{{c1::a}} {{c3::b}}", "extra")
	card := cardStates(t, col, n.ID)[0]
	if err := col.ChangeNotetype(ctx, []int64{n.ID}, cloze.ID, []int{0, 1}, []int{0}); err != nil {
		t.Fatal(err)
	}
	cards := cardStates(t, col, n.ID)
	var ords []int
	for _, c := range cards {
		ords = append(ords, c.Ord)
	}
	if !slices.Equal(ords, []int{0, 2}) || cards[0].ID != card.ID {
		t.Errorf("cloze cards %+v", cards)
	}

	// cloze → standard: cards beyond the templates go
	m := addNote(t, col, "Cloze", 1, "{{c1::a}} {{c2::b}} {{c3::c}}", "")
	mc := cardStates(t, col, m.ID)
	if err := col.ChangeNotetype(ctx, []int64{m.ID}, basic.ID, []int{0, -1}, nil); err != nil {
		t.Fatal(err)
	}
	if got := cardStates(t, col, m.ID); len(got) != 1 || got[0].ID != mc[0].ID {
		t.Errorf("cards after cloze → basic %+v", got)
	}
	if g := graves(t, col, collection.GraveCard); !slices.Equal(g, []int64{mc[1].ID, mc[2].ID}) {
		t.Errorf("graves %v", g)
	}
	if f := noteFields(t, col, m.ID); !slices.Equal(f, []string{"{{c1::a}} {{c2::b}} {{c3::c}}", ""}) {
		t.Errorf("fields %q", f)
	}
}

func TestChangeNotetypeErrorsAndRollback(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	a := addNote(t, col, "Basic", 1, "a1", "a2")
	b := addNote(t, col, "Basic", 1, "b1", "b2")
	c := addNote(t, col, "Cloze", 1, "{{c1::c}}", "")
	rev := mustNotetype(t, col, "Basic (and reversed card)")
	time.Sleep(2 * time.Millisecond)
	scm := col.SchemaModified()

	snapshot := func() string {
		var parts []string
		for _, q := range []string{
			"SELECT group_concat(id||':'||mid||':'||flds||':'||usn, '|') FROM (SELECT * FROM notes ORDER BY id)",
			"SELECT group_concat(id||':'||nid||':'||ord||':'||usn, '|') FROM (SELECT * FROM cards ORDER BY id)",
			"SELECT count() FROM graves",
			"SELECT scm FROM col",
		} {
			var s string
			if err := col.DB().QueryRow(q).Scan(&s); err != nil {
				t.Fatal(err)
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, "\n")
	}
	before := snapshot()

	bad := []struct {
		name        string
		nids        []int64
		fieldMap    []int
		templateMap []int
		want        error
	}{
		{"mixed note types", []int64{a.ID, c.ID}, []int{0, 1}, []int{0, 1}, collection.ErrMultipleNotetypes},
		{"short field map", []int64{a.ID}, []int{0}, []int{0, 1}, nil},
		{"field out of range", []int64{a.ID}, []int{0, 5}, []int{0, 1}, nil},
		{"template mapped twice", []int64{a.ID}, []int{0, 1}, []int{0, 0}, nil},
		{"missing note", []int64{a.ID, 12345}, []int{0, 1}, []int{0, 1}, collection.ErrNotFound},
	}
	for _, tc := range bad {
		err := col.ChangeNotetype(ctx, tc.nids, rev.ID, tc.fieldMap, tc.templateMap)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: err %v, want %v", tc.name, err, tc.want)
		}
	}

	// a failure half-way (the second note cannot be written) undoes the first note's change
	if _, err := col.DB().Exec(`CREATE TRIGGER fail_second BEFORE INSERT ON notes WHEN NEW.id = ` +
		strconv.FormatInt(b.ID, 10) + ` BEGIN SELECT RAISE(ABORT, 'disk trouble'); END`); err != nil {
		t.Fatal(err)
	}
	if err := col.ChangeNotetype(ctx, []int64{a.ID, b.ID}, rev.ID, []int{1, 0}, []int{-1, 0}); err == nil {
		t.Fatal("the failing change reported success")
	}
	if _, err := col.DB().Exec("DROP TRIGGER fail_second"); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(); after != before {
		t.Errorf("collection changed by failed operations:\nbefore %s\nafter  %s", before, after)
	}
	if col.SchemaModified() != scm {
		t.Error("the cached schema time kept the rolled-back change")
	}
	if _, err := col.FindAndReplace(ctx, nil, "(", "", collection.FindReplaceOptions{Regex: true}); err == nil {
		t.Error("invalid regex accepted")
	}

	// the same failure stops a find and replace, leaving the first note as it was
	if _, err := col.DB().Exec(`CREATE TRIGGER fail_second BEFORE INSERT ON notes WHEN NEW.id = ` +
		strconv.FormatInt(b.ID, 10) + ` BEGIN SELECT RAISE(ABORT, 'disk trouble'); END`); err != nil {
		t.Fatal(err)
	}
	if n, err := col.FindAndReplace(ctx, []int64{a.ID, b.ID}, "1", "one", collection.FindReplaceOptions{}); err == nil || n != 0 {
		t.Fatalf("failing find and replace: %d, %v", n, err)
	}
	if f := noteFields(t, col, a.ID); !slices.Equal(f, []string{"a1", "a2"}) {
		t.Errorf("first note kept the rolled-back edit: %q", f)
	}
}
