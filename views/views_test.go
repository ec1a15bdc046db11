package views

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/internal/testfix"
)

func newWindow(t *testing.T, col *collection.Collection) *MainWindow {
	t.Helper()
	// the sync login lives in the data folder: never the user's own
	t.Setenv("DECKHAND_DATA", t.TempDir())
	a := test.NewTempApp(t)
	svc := app.NewService(col)
	t.Cleanup(func() { svc.Close() })
	m := NewMainWindow(a, svc)
	// The test driver applies fyne.Do at once on whatever goroutine calls it, so a debounce
	// timer firing would touch widgets while the test does: saves and duplicate checks run
	// when a test settles the editor (Editor.Settle), never on their own.
	m.Editor.saver.Delay, m.Editor.dupeWait.Delay = time.Hour, time.Hour
	m.Window.Resize(fyne.NewSize(1200, 760))
	m.Refresh(context.Background())
	m.Wait()
	return m
}

func newCollection(t *testing.T) *collection.Collection {
	t.Helper()
	col, err := collection.Create(context.Background(), filepath.Join(t.TempDir(), "c.anki2"))
	if err != nil {
		t.Fatal(err)
	}
	return col
}

func addNote(t *testing.T, col *collection.Collection, ntName, deck string, fields ...string) int64 {
	t.Helper()
	ctx := context.Background()
	nt, ok := col.NotetypeByName(ntName)
	if !ok {
		t.Fatalf("no note type %q", ntName)
	}
	did, err := col.AddDeck(ctx, deck)
	if err != nil {
		t.Fatal(err)
	}
	n, err := col.NewNote(nt.ID)
	if err != nil {
		t.Fatal(err)
	}
	copy(n.Fields, fields)
	if err := col.AddNote(ctx, n, did); err != nil {
		t.Fatal(err)
	}
	return n.ID
}

func TestEditorFieldsFollowNotetype(t *testing.T) {
	col := newCollection(t)
	ctx := context.Background()
	big, err := collection.NewStockNotetype(collection.StockBasic)
	if err != nil {
		t.Fatal(err)
	}
	big.Name = "Thirteen"
	for i := 3; i <= 13; i++ {
		big.AddField("Field " + strings.Repeat("x", i))
	}
	if err := col.AddNotetype(ctx, big); err != nil {
		t.Fatal(err)
	}
	m := newWindow(t, col)
	for _, c := range []struct {
		name string
		want int
	}{{"Basic", 2}, {"Cloze", 2}, {"Thirteen", 13}, {"Basic (type in the answer)", 2}} {
		nt, _ := col.NotetypeByName(c.name)
		m.Editor.ShowAdd(nt.ID, 0)
		m.Wait()
		if got := m.Editor.FieldLabels(); !slices.Equal(got, nt.FieldNames()) || len(got) != c.want {
			t.Errorf("%s: labels %v, want %d in order %v", c.name, got, c.want, nt.FieldNames())
		}
		if len(m.Editor.Entries()) != c.want {
			t.Errorf("%s: %d inputs", c.name, len(m.Editor.Entries()))
		}
	}
}

// The MuJing package has a real 13-field note type with Chinese names and IPA text.
func TestEditorMuJingNote(t *testing.T) {
	path := testfix.ExtractMember(t, "mujing_basic_word.apkg", "collection.anki21")
	col, err := collection.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	nt, ok := col.NotetypeByName("英语词汇卡+++")
	if !ok || len(nt.Fields) != 13 {
		t.Fatalf("fixture note type: %v %d", ok, len(nt.Fields))
	}
	ids, err := col.FindNotes(context.Background(), "", collection.Order{Column: collection.SortSortField})
	if err != nil || len(ids) != 459 {
		t.Fatalf("notes: %d %v", len(ids), err)
	}
	note, _ := col.GetNote(context.Background(), ids[0])
	m := newWindow(t, col)
	m.Editor.ShowNote(ids[0])
	m.Wait()
	if got := m.Editor.FieldLabels(); !slices.Equal(got, nt.FieldNames()) {
		t.Fatalf("labels %v, want %v", got, nt.FieldNames())
	}
	for i, e := range m.Editor.Entries() {
		if e.Text != note.Fields[i] {
			t.Errorf("field %d = %q, want %q", i, e.Text, note.Fields[i])
		}
	}
	// the browser lists them all
	if n := len(m.Browser.Rows()); n == 0 {
		m.Browser.SetQuery("")
		m.Wait()
	}
	if n := len(m.Browser.Rows()); n != 459 {
		t.Fatalf("browser rows %d", n)
	}
}

func TestEditorAddStickyDuplicateAndSave(t *testing.T) {
	col := newCollection(t)
	existing := addNote(t, col, "Basic", "Words", "Hund", "dog")
	m := newWindow(t, col)
	basic, _ := col.NotetypeByName("Basic")
	m.Editor.ShowAdd(basic.ID, 0)
	m.Wait()
	e := m.Editor
	test.Type(e.Entries()[0], "Hund")
	e.Settle()
	if !strings.Contains(e.DuplicateText(), "Duplicate") {
		t.Fatalf("duplicate not flagged: %q", e.DuplicateText())
	}
	e.Entries()[0].SetText("Katze")
	e.Entries()[1].SetText("cat")
	e.pins[1].SetChecked(true)
	e.Tags().SetText("animals")
	e.Settle()
	if e.DuplicateText() != "" {
		t.Fatalf("not a duplicate: %q", e.DuplicateText())
	}
	e.Add()
	m.Wait()
	ids, _ := col.FindNotes(context.Background(), "Katze tag:animals", collection.Order{})
	if len(ids) != 1 {
		t.Fatalf("added notes: %v (status %q)", ids, e.Status())
	}
	if e.Entries()[0].Text != "" || e.Entries()[1].Text != "cat" || e.Tags().Text != "animals" {
		t.Fatalf("after add: %q %q %q", e.Entries()[0].Text, e.Entries()[1].Text, e.Tags().Text)
	}
	e.Add() // first field empty
	m.Wait()
	if e.Status() != app.ErrFirstFieldEmpty.Error() {
		t.Fatalf("status %q", e.Status())
	}

	// edit mode saves in the background
	m.Editor.ShowNote(existing)
	m.Wait()
	m.Editor.Entries()[1].SetText("the dog")
	m.Editor.Settle()
	m.Wait()
	n, _ := col.GetNote(context.Background(), existing)
	if n.Fields[1] != "the dog" {
		t.Fatalf("saved back = %q (status %q)", n.Fields[1], m.Editor.Status())
	}
}

func TestDeckTreeCreateRenameMoveDelete(t *testing.T) {
	col := newCollection(t)
	addNote(t, col, "Basic", "Lang::French", "chat", "cat")
	m := newWindow(t, col)
	d := m.Decks
	d.AddDeck("Lang::German::Verbs")
	m.Wait()
	want := []string{"Lang 1/0/0", "  French 1/0/0", "  German 0/0/0", "    Verbs 0/0/0"}
	if got := d.Labels(); !slices.Equal(got, want) {
		t.Fatalf("after add: %q", got)
	}
	verbs, _ := d.IDByName("Lang::German::Verbs")
	french, _ := d.IDByName("Lang::French")
	d.RenameDeck(verbs, "Lang::German::Grammar")
	m.Wait()
	// drop German onto French, then French to the top level
	german, _ := d.IDByName("Lang::German")
	d.Drop(german, french)
	m.Wait()
	d.Drop(french, 0)
	m.Wait()
	want = []string{"French 1/0/0", "  German 0/0/0", "    Grammar 0/0/0", "Lang 0/0/0"}
	if got := d.Labels(); !slices.Equal(got, want) {
		t.Fatalf("after rename and moves: %q", got)
	}
	// dropping a deck into its own child is refused without changes
	shown := ""
	d.OnError = func(err error) { shown = err.Error() }
	d.Drop(french, german)
	m.Wait()
	if !strings.Contains(shown, "inside itself") || !slices.Equal(d.Labels(), want) {
		t.Fatalf("bad drop: %q %q", shown, d.Labels())
	}
	// selecting a deck filters the browser
	d.Select(german)
	m.Wait()
	if m.Browser.Query() != `deck:"French::German"` || len(m.Browser.Rows()) != 0 {
		t.Fatalf("query %q rows %d", m.Browser.Query(), len(m.Browser.Rows()))
	}
	d.Select(french)
	m.Wait()
	if len(m.Browser.Rows()) != 1 {
		t.Fatalf("French rows %d", len(m.Browser.Rows()))
	}
	// delete moving the cards, then the emptied deck
	lang, _ := d.IDByName("Lang")
	d.DeleteDeck(french, lang)
	m.Wait()
	if got := d.Labels(); !slices.Equal(got, []string{"Lang 1/0/0"}) {
		t.Fatalf("after delete: %q", got)
	}
}

func TestBrowserSortSearchErrorsAndBulk(t *testing.T) {
	col := newCollection(t)
	for _, f := range []string{"banana", "Apple", "cherry"} {
		addNote(t, col, "Basic", "Fruit", f, "x")
	}
	addNote(t, col, "Basic (and reversed card)", "Fruit", "date", "y")
	m := newWindow(t, col)
	b := m.Browser
	b.SetQuery("deck:Fruit")
	m.Wait()
	cells := func() []string {
		if err := b.LoadAll(); err != nil {
			t.Fatal(err)
		}
		var out []string
		for i := range b.Rows() {
			s, _ := b.CellText(i, app.ColSortField)
			c, _ := b.CellText(i, app.ColCard)
			out = append(out, s+"/"+c)
		}
		return out
	}
	if b.sortCol != app.ColSortField || b.desc {
		b.sortCol, b.desc = app.ColSortField, false
		b.Refresh()
		m.Wait()
	}
	want := []string{"Apple/Card 1", "banana/Card 1", "cherry/Card 1", "date/Card 1", "date/Card 2"}
	if got := cells(); !slices.Equal(got, want) {
		t.Fatalf("sorted: %q", got)
	}
	b.SortBy(app.ColSortField) // same column reverses
	m.Wait()
	slices.Reverse(want)
	if got := cells(); !slices.Equal(got, []string{"date/Card 2", "date/Card 1", "cherry/Card 1", "banana/Card 1", "Apple/Card 1"}) {
		t.Fatalf("reversed: %q", got)
	}
	b.SortBy(app.ColCreated) // dates start descending, as in Anki
	m.Wait()
	if !b.desc {
		t.Fatal("created should sort descending first")
	}
	if got := cells(); got[0] != "date/Card 1" && got[0] != "date/Card 2" {
		t.Fatalf("newest first: %q", got)
	}
	b.SetMode(app.NotesMode)
	m.Wait()
	if len(b.Rows()) != 4 {
		t.Fatalf("notes mode rows %d", len(b.Rows()))
	}
	b.SetMode(app.CardsMode)
	m.Wait()

	b.SetQuery("deck:Fruit (")
	m.Wait()
	if !strings.Contains(b.ErrorText(), "opening bracket") || len(b.Rows()) != 5 {
		t.Fatalf("error %q, rows kept %d", b.ErrorText(), len(b.Rows()))
	}
	b.SetQuery("deck:Fruit")
	m.Wait()
	if b.ErrorText() != "" {
		t.Fatalf("error not cleared: %q", b.ErrorText())
	}

	// multi-select and bulk actions
	b.Click(0, app.ClickPlain)
	m.Wait() // the test goroutine plays the UI goroutine: let the editor and preview settle
	b.Click(2, app.ClickRange)
	m.Wait()
	if len(b.Selected()) != 3 {
		t.Fatalf("selected %v", b.Selected())
	}
	b.ToggleSuspend()
	m.Wait()
	b.EditTags(true, "fruit::sweet")
	m.Wait()
	b.ChangeDeck("Basket")
	m.Wait()
	ids, _ := col.FindCards(context.Background(), "is:suspended deck:Basket tag:fruit::sweet", collection.Order{})
	if len(ids) != 3 {
		t.Fatalf("bulk actions reached %d cards", len(ids))
	}
	b.SelectAll()
	m.Wait()
	b.Delete()
	m.Wait()
	if n, _ := col.Counts(context.Background()); n.Notes != 2 {
		t.Fatalf("notes left %d", n.Notes)
	}
}

func TestPreviewClozeFuriganaImages(t *testing.T) {
	col := newCollection(t)
	if _, err := col.Media.AddData(context.Background(), "pic.png", tinyPNG); err != nil {
		t.Fatal(err)
	}
	nid := addNote(t, col, "Cloze", "Default", `{{c1::Tokyo}} is in {{c2::Japan}} <img src="pic.png"> [sound:a.mp3]`, `漢字[かんじ]`)
	m := newWindow(t, col)
	m.Preview.ShowNote(nid)
	m.Wait()
	if len(m.Preview.cards) != 2 {
		t.Fatalf("cards %d", len(m.Preview.cards))
	}
	m.Preview.ShowCard(0, false)
	var text strings.Builder
	var cloze, image, sound bool
	for _, s := range m.Preview.Text.Segments {
		text.WriteString(s.Textual())
		switch v := s.(type) {
		case *widget.TextSegment:
			if v.Text == "[...]" && v.Style.ColorName == ColorNameCloze && v.Style.TextStyle.Bold {
				cloze = true
			}
		case *widget.ImageSegment:
			image = strings.HasSuffix(v.Source.Path(), "pic.png")
		case *widget.HyperlinkSegment:
			sound = strings.Contains(v.Text, "a.mp3")
		}
	}
	if !cloze || !image || !sound || !strings.Contains(text.String(), "is in Japan") {
		t.Fatalf("question: cloze %v image %v sound %v text %q", cloze, image, sound, text.String())
	}
	m.Preview.ShowCard(0, true)
	var ans strings.Builder
	for _, s := range m.Preview.Text.Segments {
		ans.WriteString(s.Textual())
	}
	// Back Extra is shown as-is (furigana needs the filter in the template)
	if !strings.Contains(ans.String(), "Tokyo") {
		t.Fatalf("answer %q", ans.String())
	}
	img := test.NewTempWindow(t, m.Preview.Content)
	img.Resize(fyne.NewSize(400, 300))
	if c := img.Canvas().Capture(); c.Bounds().Dx() == 0 {
		t.Fatal("no image")
	}
}

// a 1x1 PNG
var tinyPNG = []byte{0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
	0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99,
	0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82}
