package collection_test

import (
	"context"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/template"
	"github.com/deckhand-app/deckhand/internal/testfix"
)

// TestFixtureCardsRender renders every card of the real packages (cloze-heavy AnkiDroid test
// deck, mixed types with Image Occlusion, the 13-field MuJing deck): no template errors.
func TestFixtureCardsRender(t *testing.T) {
	testfix.Dir(t)
	ctx := context.Background()
	for _, name := range []string{"ankidroid_templates.apkg", "srsconv_mixed-legacy-2.apkg",
		"mujing_basic_word.apkg", "mujing_basic_word_new_version.apkg", "taaltuig_spanish-small.apkg",
		"genanki-js_two_decks_cloze_media.apkg"} {
		t.Run(name, func(t *testing.T) {
			col := openFixture(t, name)
			ids, err := col.FindCards(ctx, "", collection.Order{})
			if err != nil {
				t.Fatal(err)
			}
			want := scalar[int](t, col, "SELECT count(*) FROM cards")
			if len(ids) != want {
				t.Fatalf("search found %d of %d cards", len(ids), want)
			}
			blank := 0
			for _, id := range ids {
				r, err := col.RenderCard(ctx, id)
				if err != nil {
					t.Fatalf("card %d: %v", id, err)
				}
				for _, side := range []string{r.Question, r.Answer} {
					if strings.Contains(side, "template has a problem") && !templateIsBroken(t, col, id) {
						t.Errorf("card %d: %s", id, side)
					}
				}
				if r.QuestionEmpty {
					blank++
				}
				if r.CSS == "" {
					t.Errorf("card %d: no CSS", id)
				}
			}
			t.Logf("%d cards rendered, %d with a blank front", len(ids), blank)
		})
	}
}

// templateIsBroken reports whether Anki too would refuse the card's template: it does not
// parse, or it names a field the note type lacks. (AnkiDroid's test deck has such templates
// on purpose; Anki shows the same in-card error for them.)
func templateIsBroken(t *testing.T, col *collection.Collection, cid int64) bool {
	t.Helper()
	card, _ := col.GetCard(context.Background(), cid)
	note, _ := card.Note(context.Background())
	nt := note.Notetype()
	tm := nt.Templates[0]
	if !nt.IsCloze() {
		tm = nt.Templates[card.Ord]
	}
	// A mistake in either template replaces both sides, as in Anki.
	srcs := []string{tm.QFmt, tm.AFmt}
	special := map[string]bool{"FrontSide": true, "Tags": true, "Type": true, "Deck": true, "Subdeck": true,
		"Card": true, "CardFlag": true, "CardID": true}
	for _, src := range srcs {
		parsed, err := template.Parse(src)
		if err != nil {
			return true
		}
		for _, f := range parsed.FieldReferences() {
			if nt.FieldIndex(f) < 0 && !special[f] {
				return true
			}
		}
	}
	return false
}

func TestQuestionAnswerAndHooks(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	did, _ := col.AddDeck(ctx, "Geo::Europe")
	n := addNote(t, col, "Cloze", did, "{{c1::Paris}} is in {{c2::France::country}}", "extra")
	cards, _ := col.CardsOfNote(ctx, n.ID)
	q, err := cards[1].Question(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(q, "<style>.card {") || !strings.Contains(q, `[country]`) ||
		!strings.Contains(q, `<span class="cloze-inactive" data-ordinal="1">Paris</span>`) {
		t.Fatalf("question %q", q)
	}
	a, _ := cards[1].Answer(ctx)
	if !strings.Contains(a, `<span class="cloze" data-ordinal="2">France</span>`) || !strings.Contains(a, "extra") {
		t.Fatalf("answer %q", a)
	}
	// Special fields come from the card, its deck and its note type.
	nt := mustNotetype(t, col, "Basic")
	nt.Templates[0].QFmt = "{{Front}}|{{Deck}}|{{Subdeck}}|{{Card}}|{{Type}}|{{Tags}}|{{CardFlag}}|{{myfilter:Front}}"
	if err := col.UpdateNotetype(ctx, nt); err != nil {
		t.Fatal(err)
	}
	col.AddFieldFilter(func(filter, field, text string) (string, bool) {
		if filter == "myfilter" {
			return strings.ToUpper(text), true
		}
		return text, false
	})
	col.AddRenderFilter(func(html string, card *collection.Card, isAnswer bool) string {
		if !isAnswer {
			return html + "<!--q-->"
		}
		return html
	})
	b := addNote(t, col, "Basic", did, "word", "")
	col.AddTags(ctx, []int64{b.ID}, "t1 t2")
	bc, _ := col.CardsOfNote(ctx, b.ID)
	col.SetFlag(ctx, []int64{bc[0].ID}, 3)
	r, err := col.RenderCard(ctx, bc[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := "word|Geo::Europe|Europe|Card 1|Basic|t1 t2|flag3|WORD<!--q-->"; r.Question != want {
		t.Fatalf("question %q, want %q", r.Question, want)
	}
}

func TestNoteHooks(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	var added, updated []string
	col.OnNoteAdded(func(n *collection.Note) { added = append(added, n.Fields[0]) })
	col.OnNoteUpdated(func(n *collection.Note) { updated = append(updated, n.Fields[0]) })
	n := addNote(t, col, "Basic", 1, "a", "")
	n.Fields[0] = "b"
	col.UpdateNote(ctx, n)
	// A failed transaction fires nothing.
	basic := mustNotetype(t, col, "Basic")
	col.Transact(ctx, func(tx *collection.Tx) error {
		x, _ := tx.NewNote(basic.ID)
		x.Fields[0] = "never"
		tx.AddNote(x, 1)
		return context.Canceled
	})
	if strings.Join(added, ",") != "a" || strings.Join(updated, ",") != "b" {
		t.Fatalf("added %v updated %v", added, updated)
	}
}

func TestExecKeepsBookkeeping(t *testing.T) {
	ctx := context.Background()
	col := newCol(t)
	n := addNote(t, col, "Basic (and reversed card)", 1, "front", "")
	col.DB().Exec("UPDATE notes SET usn=3 WHERE id=?", n.ID)
	if _, err := col.Exec(ctx, "UPDATE notes SET flds=? WHERE id=?", "<b>new</b>\x1fback", n.ID); err != nil {
		t.Fatal(err)
	}
	if got := scalar[int](t, col, "SELECT usn FROM notes WHERE id=?", n.ID); got != -1 {
		t.Errorf("usn %d", got)
	}
	if got := scalar[string](t, col, "SELECT sfld FROM notes WHERE id=?", n.ID); got != "new" {
		t.Errorf("sfld %q", got)
	}
	if ords := cardOrds(t, col, n.ID); len(ords) != 2 {
		t.Errorf("reverse card not generated: %v", ords)
	}
	cards, _ := col.CardsOfNote(ctx, n.ID)
	if _, err := col.Exec(ctx, "DELETE FROM cards WHERE id=?", cards[1].ID); err != nil {
		t.Fatal(err)
	}
	if got := scalar[int](t, col, "SELECT count(*) FROM graves WHERE oid=? AND type=0", cards[1].ID); got != 1 {
		t.Errorf("no grave for a card deleted with Exec")
	}
	v, err := col.Scalar(ctx, "SELECT count(*) FROM cards")
	if err != nil || v.(int64) != 1 {
		t.Errorf("scalar %v %v", v, err)
	}
	rows, err := col.All(ctx, "SELECT id, ord FROM cards")
	if err != nil || len(rows) != 1 || len(rows[0]) != 2 {
		t.Errorf("all %v %v", rows, err)
	}
	if _, err := col.Exec(ctx, "UPDATE nosuchtable SET x=1"); err == nil {
		t.Error("bad SQL accepted")
	}
	// a note never synced (usn -1 already): the bookkeeping trigger must not re-fire itself
	fresh := addNote(t, col, "Basic", 1, "fresh", "")
	if _, err := col.Exec(ctx, "UPDATE notes SET flds=? WHERE id=?", "fresher\x1f", fresh.ID); err != nil {
		t.Fatalf("exec on a usn -1 note: %v", err)
	}
}
