package app

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/collection"
)

func newTestService(t *testing.T) *Service {
	t.Helper()
	col, err := collection.Create(context.Background(), filepath.Join(t.TempDir(), "c.anki2"))
	if err != nil {
		t.Fatal(err)
	}
	s := NewService(col)
	t.Cleanup(func() { s.Close() })
	return s
}

func addBasic(t *testing.T, s *Service, deck, front, back string) int64 {
	t.Helper()
	ctx := context.Background()
	nt, ok := s.Collection().NotetypeByName("Basic")
	if !ok {
		t.Fatal("no Basic")
	}
	did, err := s.Collection().AddDeck(ctx, deck)
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.NewForm(nt.ID, did, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Values[0], f.Values[1] = front, back
	nid, _, err := s.AddNote(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	return nid
}

// Expectations from rslib/src/scheduler/timespan.rs tests.
func TestTimeSpan(t *testing.T) {
	for _, c := range []struct {
		secs float64
		want string
	}{
		{1, "1 second"}, {30.3, "30 seconds"}, {90, "1.5 minutes"}, {45 * 86400, "1.5 months"},
		{360 * 86400 * 1.5, "1.5 years"}, {3 * 86400, "3 days"}, {86400, "1 day"}, {7200, "2 hours"},
	} {
		if got := TimeSpan(c.secs); got != c.want {
			t.Errorf("TimeSpan(%v) = %q, want %q", c.secs, got, c.want)
		}
	}
}

func TestSelection(t *testing.T) {
	order := []int64{10, 20, 30, 40, 50}
	var s Selection
	s.Click(order, 1, ClickPlain)
	if got := s.IDs(order); !slices.Equal(got, []int64{20}) {
		t.Fatalf("plain click: %v", got)
	}
	s.Click(order, 3, ClickRange)
	if got := s.IDs(order); !slices.Equal(got, []int64{20, 30, 40}) {
		t.Fatalf("shift click: %v", got)
	}
	s.Click(order, 2, ClickToggle)
	if got := s.IDs(order); !slices.Equal(got, []int64{20, 40}) {
		t.Fatalf("ctrl click: %v", got)
	}
	// the anchor moved to row 2: shift-click row 4 selects 2..4 only
	s.Click(order, 4, ClickRange)
	if got := s.IDs(order); !slices.Equal(got, []int64{30, 40, 50}) {
		t.Fatalf("shift from new anchor: %v", got)
	}
	// reordering keeps the ids; a new result drops the missing ones
	s.Keep([]int64{50, 30})
	if got := s.IDs([]int64{50, 30}); !slices.Equal(got, []int64{50, 30}) {
		t.Fatalf("keep: %v", got)
	}
	if _, ok := s.Single(); ok {
		t.Fatal("two selected is not single")
	}
}

// Deck names with search metacharacters must find exactly their deck.
func TestDeckSearchEscapes(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	names := []string{`Verbs_1`, `Verbs*`, `Quote "x"`, `Back\slash`, `日本語::N5`, `VerbsX1`}
	for _, n := range names {
		addBasic(t, s, n, "front of "+n, "b")
	}
	for _, n := range names {
		ids, err := s.Search(ctx, NotesMode, DeckSearch(n), collection.Order{})
		if err != nil {
			t.Fatalf("%s: %v", DeckSearch(n), err)
		}
		if len(ids) != 1 {
			t.Errorf("%s: %d notes, want 1", DeckSearch(n), len(ids))
		}
	}
}

func TestDuplicatesAndAddRules(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	a := addBasic(t, s, "D", `say "hi" \ <b>now</b>`, "x")
	nt, _ := s.Collection().NotetypeByName("Basic")
	d, err := s.Duplicates(ctx, nt.ID, `say "hi" \ now`, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d, []int64{a}) {
		t.Fatalf("duplicates = %v, want [%d]", d, a)
	}
	if d, _ := s.Duplicates(ctx, nt.ID, `say "hi" \ now`, a); len(d) != 0 {
		t.Fatalf("a note is not its own duplicate: %v", d)
	}
	f, _ := s.NewForm(nt.ID, 0, nil)
	f.Values[0] = "<br>&nbsp;"
	if _, _, err := s.AddNote(ctx, f); err != ErrFirstFieldEmpty {
		t.Fatalf("empty first field: %v", err)
	}
	// sticky fields survive an add, others are cleared
	f.Values = []string{"one", "two"}
	f.Sticky = []bool{false, true}
	after := AfterAdd(f)
	if after.Values[0] != "" || after.Values[1] != "two" {
		t.Fatalf("after add: %q", after.Values)
	}
	// changing note type carries values by field name
	cloze, _ := s.Collection().NotetypeByName("Cloze")
	cf, err := s.NewForm(cloze.ID, 0, f)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cf.Names, []string{"Text", "Back Extra"}) || cf.Values[0] != "one" {
		t.Fatalf("cloze form: %v %q", cf.Names, cf.Values)
	}
}

func TestRowsAndPager(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	var nids []int64
	for i := range 250 {
		nids = append(nids, addBasic(t, s, "P", "front "+strings.Repeat("x", i%7), "b"))
	}
	ids, err := s.Search(ctx, CardsMode, "deck:P", collection.Order{Column: collection.SortCreated})
	if err != nil {
		t.Fatal(err)
	}
	p := s.NewPager(CardsMode, ids)
	if _, ok, need := p.Row(120); ok || !need {
		t.Fatal("page 1 should need loading")
	}
	if _, _, need := p.Row(130); need {
		t.Fatal("page 1 is already loading")
	}
	if err := p.LoadPage(ctx, 1); err != nil {
		t.Fatal(err)
	}
	r, ok, _ := p.Row(120)
	if !ok || r.Cell(ColDeck) != "P" || r.Cell(ColCard) != "Card 1" || r.Cell(ColDue) != "New #121" ||
		r.Cell(ColInterval) != "(new)" || r.Cell(ColEase) != "(new)" || r.NoteID != nids[120] {
		t.Fatalf("row 120: %+v", r)
	}
	// bulk actions through the service
	sel := ids[:3]
	if did, err := s.ToggleSuspend(ctx, CardsMode, sel); err != nil || !did {
		t.Fatalf("suspend: %v %v", did, err)
	}
	if f, err := s.ToggleFlag(ctx, CardsMode, sel, 2); err != nil || f != 2 {
		t.Fatalf("flag: %v %v", f, err)
	}
	rows, err := s.LoadRows(ctx, CardsMode, append(sel, 999))
	if err != nil {
		t.Fatal(err)
	}
	if !rows[0].Suspended || rows[0].Flag != 2 || !strings.HasPrefix(rows[0].Cell(ColDue), "(New #") || !rows[3].Missing {
		t.Fatalf("rows after bulk: %+v", rows)
	}
	if f, _ := s.ToggleFlag(ctx, CardsMode, sel, 2); f != 0 {
		t.Fatal("flagging already-flagged cards clears the flag")
	}
	if n, err := s.DeleteNotes(ctx, CardsMode, sel); err != nil || n != 3 {
		t.Fatalf("delete: %d %v", n, err)
	}
	nrows, err := s.LoadRows(ctx, NotesMode, nids[3:4])
	if err != nil || nrows[0].Cell(ColCard) != "1" || nrows[0].Cell(ColDeck) != "P" {
		t.Fatalf("note row: %+v %v", nrows, err)
	}
}

func TestDebouncer(t *testing.T) {
	var runs []int
	d := Debouncer{Delay: time.Hour}
	for i := range 3 {
		d.Trigger(func() func() { runs = append(runs, i); return nil })
	}
	d.Flush()
	d.Flush()
	if !slices.Equal(runs, []int{2}) {
		t.Fatalf("runs = %v, want only the last", runs)
	}
}

func TestMoveDeckRules(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	a, _ := s.AddDeck(ctx, "A")
	ab, _ := s.AddDeck(ctx, "A::B")
	c, _ := s.AddDeck(ctx, "C")
	if ok, err := s.CanMoveDeck(a, ab); ok || err == nil {
		t.Fatal("a deck cannot move into its child")
	}
	if ok, _ := s.CanMoveDeck(ab, a); ok {
		t.Fatal("moving to the current parent changes nothing")
	}
	if err := s.MoveDeck(ctx, ab, c); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.DeckName(ab); n != "C::B" {
		t.Fatalf("moved name %q", n)
	}
	if err := s.MoveDeck(ctx, ab, 0); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.DeckName(ab); n != "B" {
		t.Fatalf("un-nested name %q", n)
	}
	if _, err := s.AddDeck(ctx, " :: "); err != ErrEmptyName {
		t.Fatalf("empty name: %v", err)
	}
}

func TestPreviewPage(t *testing.T) {
	s := newTestService(t)
	nid := addBasic(t, s, "D", `<b>cat</b> [sound:meow "1".mp3]`, "Katze")
	cards, err := s.PreviewNote(context.Background(), nid)
	if err != nil || len(cards) != 1 {
		t.Fatalf("%v %v", cards, err)
	}
	page := PageHTML(cards[0], true, s.MediaDir())
	for _, want := range []string{"<b>cat</b>", `<audio controls src="meow%20%221%22.mp3">`, "Katze", ".card {", `<div class="card card1">`, "<base href=\"file://"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	p, err := WritePreviewPage(cards[0], false, s.MediaDir())
	if err != nil || !strings.HasSuffix(p, ".html") {
		t.Fatal(p, err)
	}
}

// The registered .apkg exporter and importer round-trip a deck through the service.
func TestApkgRoundTrip(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	addBasic(t, s, "Export::Me", "exported front", "back")
	did, _ := s.Collection().DeckByName("Export::Me")
	out := filepath.Join(t.TempDir(), "x.apkg")
	if err := s.Export(ctx, out, ExportOptions{DeckID: did.ID, WithMedia: true}, nil); err != nil {
		t.Fatal(err)
	}
	dst := newTestService(t)
	var calls int
	sum, err := dst.Import(ctx, out, func(int, int, string) { calls++ })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Added != 1 || calls == 0 {
		t.Fatalf("summary %+v, progress calls %d", sum, calls)
	}
	if ids, _ := dst.Search(ctx, NotesMode, `"deck:Export::Me" "exported front"`, collection.Order{}); len(ids) != 1 {
		t.Fatalf("imported note not found: %v", ids)
	}
	if _, err := dst.Import(ctx, filepath.Join(t.TempDir(), "x.mnemo"), nil); err == nil || !strings.Contains(err.Error(), "not available") {
		t.Fatalf("unknown format: %v", err)
	}
}
