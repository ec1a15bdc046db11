package app

import (
	"context"
	"slices"
	"strings"
	"testing"
)

func addNoteOfType(t *testing.T, s *Service, ntName, deck string, fields ...string) int64 {
	t.Helper()
	ctx := context.Background()
	nt, ok := s.Collection().NotetypeByName(ntName)
	if !ok {
		t.Fatalf("no note type %q", ntName)
	}
	did, err := s.Collection().AddDeck(ctx, deck)
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.NewForm(nt.ID, did, nil)
	if err != nil {
		t.Fatal(err)
	}
	copy(f.Values, fields)
	nid, _, err := s.AddNote(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	return nid
}

func TestStudySession(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	a := addNoteOfType(t, s, "Basic", "Study", "alpha", "A")
	b := addNoteOfType(t, s, "Basic", "Study::Sub", "beta", "B")
	c := addNoteOfType(t, s, "Basic (type in the answer)", "Study", "gamma", "Gämma")
	addNoteOfType(t, s, "Basic", "Elsewhere", "not studied", "x")
	deck, _ := s.Collection().DeckByName("Study")
	st, err := s.StartStudy(ctx, deck.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.CurrentDeckID() != deck.ID {
		t.Fatal("Study Now makes the deck current")
	}
	card, err := st.Next(ctx)
	if err != nil || card == nil {
		t.Fatalf("first card: %v %v", card, err)
	}
	// Anki's defaults for a new card: learning steps 1m 10m, graduating 1d, easy 4d; labels
	// under the 20-minute learn-ahead limit get a "<"
	easy := card.Intervals[3]
	if card.NoteID != a || card.Counts.New != 3 || [3]string(card.Intervals[:3]) != [3]string{"<1m", "<6m", "<10m"} ||
		(easy != "3d" && easy != "4d" && easy != "5d") {
		t.Fatalf("first card: note %d (want %d), counts %+v, intervals %q", card.NoteID, a, card.Counts, card.Intervals)
	}
	if !strings.Contains(card.Question, "alpha") || !strings.Contains(card.AnswerHTML(""), "A") || card.Type.Active() {
		t.Fatalf("sides: %q / %q", card.Question, card.AnswerHTML(""))
	}
	if _, err := st.Answer(ctx, 4); err != nil {
		t.Fatal(err)
	}
	// new cards are gathered deck by deck: the parent's before the subdeck's
	card, _ = st.Next(ctx)
	if card == nil || card.NoteID != c || card.Counts.New != 2 {
		t.Fatalf("second card: %+v", card)
	}
	// undo shows the answered card again, as new
	if !st.CanUndo() {
		t.Fatal("an answer can be undone")
	}
	card, err = st.Undo(ctx)
	if err != nil || card.NoteID != a || card.Card.Queue != 0 {
		t.Fatalf("undo: %+v %v", card, err)
	}
	if n, _ := s.Collection().Scalar(ctx, "SELECT count() FROM revlog"); i64(n) != 0 {
		t.Fatalf("undo leaves %v revlog rows", n)
	}
	if _, err := st.Answer(ctx, 4); err != nil {
		t.Fatal(err)
	}
	card, _ = st.Next(ctx)
	if card == nil || card.NoteID != c {
		t.Fatalf("after redo: %+v", card)
	}
	// type in the answer: the question's placeholder goes, the answer compares
	if !card.Type.Active() || strings.Contains(card.Question, "[[type:") || card.Type.Expected != "Gämma" {
		t.Fatalf("type answer: %+v %q", card.Type, card.Question)
	}
	ans := card.AnswerHTML("Gamma")
	if !strings.Contains(ans, "<span class=typeBad>a</span>") || !strings.Contains(ans, "<span class=typeMissed>ä</span>") {
		t.Fatalf("comparison: %s", ans)
	}
	if f, err := st.ToggleFlag(ctx, 2); err != nil || f != 2 {
		t.Fatalf("flag: %d %v", f, err)
	}
	cc, _ := s.Collection().GetCard(ctx, card.Card.ID)
	if cc.Flag() != 2 {
		t.Fatalf("flag saved: %d", cc.Flag())
	}
	if f, _ := st.ToggleFlag(ctx, 2); f != 0 {
		t.Fatal("the same flag again clears it")
	}
	if m, err := st.ToggleMark(ctx); err != nil || !m {
		t.Fatalf("mark: %v %v", m, err)
	}
	if n, _ := s.Collection().GetNote(ctx, c); !n.HasTag("marked") {
		t.Fatal("marked tag not saved")
	}
	if err := st.BuryCard(ctx); err != nil {
		t.Fatal(err)
	}
	card, _ = st.Next(ctx)
	if card == nil || card.NoteID != b {
		t.Fatalf("after bury: %+v", card)
	}
	if err := st.SuspendNote(ctx); err != nil {
		t.Fatal(err)
	}
	if card, _ = st.Next(ctx); card != nil {
		t.Fatalf("deck should be done: note %d (a %d b %d c %d) queue %d", card.NoteID, a, b, c, card.Card.Queue)
	}
	cg, err := st.Congrats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cg.Buried != 1 || cg.DueTomorrow != 0 || cg.NextReviewDays < 3 || cg.NextReviewDays > 5 || cg.LearnRemaining != 0 {
		t.Fatalf("congrats: %+v", cg)
	}
	lines := cg.Lines()
	if lines[0] != "Congratulations! You have finished this deck for now." ||
		!slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "One or more cards were buried") }) ||
		!slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "The next review is due in") }) {
		t.Fatalf("lines: %q", lines)
	}
	if err := st.Unbury(ctx); err != nil {
		t.Fatal(err)
	}
	if card, _ = st.Next(ctx); card == nil || card.NoteID != c {
		t.Fatalf("after unbury: %+v", card)
	}
	// nothing shown: actions say so instead of touching a card
	st.cur = nil
	if err := st.BuryCard(ctx); err != ErrNoCard {
		t.Fatalf("bury without card: %v", err)
	}
}

func TestCongratsLearningAndLimits(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	for i := range 3 {
		addNoteOfType(t, s, "Basic", "L", "card "+strings.Repeat("x", i+1), "b")
	}
	col := s.Collection()
	// a learning card due in 30 minutes (beyond the 20-minute learn-ahead) and a new limit of 1
	if _, err := col.Exec(ctx, "UPDATE cards SET type=1, queue=1, due=?, left=1 WHERE id=(SELECT min(id) FROM cards)",
		col.Timing().Now.Unix()+1800); err != nil {
		t.Fatal(err)
	}
	if _, err := col.Exec(ctx, `UPDATE col SET dconf=json_set(dconf, '$."1".new.perDay', 1)`); err != nil {
		t.Fatal(err)
	}
	reopened := reopen(t, s)
	deck, _ := reopened.Collection().DeckByName("L")
	st, err := reopened.StartStudy(ctx, deck.ID)
	if err != nil {
		t.Fatal(err)
	}
	card, err := st.Next(ctx)
	if err != nil || card == nil || card.Counts.New != 1 {
		t.Fatalf("new limit 1: %+v %v", card, err)
	}
	if _, err := st.Answer(ctx, 4); err != nil {
		t.Fatal(err)
	}
	if card, _ := st.Next(ctx); card != nil {
		t.Fatalf("done after one new card, got %+v", card)
	}
	cg, err := st.Congrats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if cg.LearnRemaining != 1 || cg.SecsUntilNextLearn < 1700 || cg.SecsUntilNextLearn > 1800 || !cg.NewLimitReached {
		t.Fatalf("congrats: %+v", cg)
	}
	if l := cg.Lines(); !slices.Contains(l, "The next learning card will be ready in 30 minutes.") {
		t.Fatalf("lines %q", l)
	}
}

// reopen closes the service's collection and opens it again (to drop cached config).
func reopen(t *testing.T, s *Service) *Service {
	t.Helper()
	p := s.Path()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	n, err := OpenService(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

func TestLearnDue(t *testing.T) {
	for secs, want := range map[int]string{5: "5 seconds", 60: "1 minute", 1790: "30 minutes", 5400: "2 hours", 3600: "1 hour"} {
		if got := learnDue(secs); got != want {
			t.Errorf("learnDue(%d) = %q, want %q", secs, got, want)
		}
	}
}

func TestCheckMedia(t *testing.T) {
	s := newTestService(t)
	ctx := context.Background()
	nid := addBasic(t, s, "M", `<img src="here.png"> [sound:gone.mp3]`, `<img src="gone.mp3">`)
	for _, name := range []string{"here.png", "unused.jpg", "_static.css"} {
		if _, err := s.Collection().Media.AddData(ctx, name, []byte(name)); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := s.CheckMedia(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Notes != 1 || !slices.Equal(rep.Unused, []string{"unused.jpg"}) || !slices.Equal(rep.Missing["gone.mp3"], []int64{nid}) || len(rep.Missing) != 1 {
		t.Fatalf("report %+v", rep)
	}
	if l := rep.Lines(); !slices.Contains(l, "  gone.mp3 (used by 1 note)") || !slices.Contains(l, "  unused.jpg") {
		t.Fatalf("lines %q", l)
	}
}
