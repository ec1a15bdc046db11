package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/deckhand-app/deckhand/collection"
)

// NoteForm is what the note editor shows and edits: one value per field of the note type,
// in the note type's field order, plus tags, and (in Add mode) the deck.
type NoteForm struct {
	NoteID     int64 // 0 in Add mode
	NotetypeID int64
	Notetype   string
	Cloze      bool
	DeckID     int64 // Add mode: the deck new cards go to
	Names      []string
	Values     []string
	Sticky     []bool // Add mode: keep this field's value after adding
	Tags       string
}

// Clone copies a form (forms are handed to background savers).
func (f *NoteForm) Clone() *NoteForm {
	out := *f
	out.Names = append([]string(nil), f.Names...)
	out.Values = append([]string(nil), f.Values...)
	out.Sticky = append([]bool(nil), f.Sticky...)
	return &out
}

// NotetypeChoices lists the note types by name.
func (s *Service) NotetypeChoices() []Choice {
	col := s.Collection()
	if col == nil {
		return nil
	}
	var out []Choice
	for _, nt := range col.Notetypes() {
		out = append(out, Choice{ID: nt.ID, Name: nt.Name})
	}
	return out
}

// EditForm loads a note into a form.
func (s *Service) EditForm(ctx context.Context, nid int64) (*NoteForm, error) {
	col, err := s.c()
	if err != nil {
		return nil, err
	}
	n, err := col.GetNote(ctx, nid)
	if err != nil {
		return nil, err
	}
	nt := n.Notetype()
	if nt == nil {
		return nil, fmt.Errorf("note %d: its note type %d is missing (run Check Database)", nid, n.NotetypeID)
	}
	f := &NoteForm{NoteID: n.ID, NotetypeID: nt.ID, Notetype: nt.Name, Cloze: nt.IsCloze(),
		Names: nt.FieldNames(), Tags: strings.Join(n.Tags, " ")}
	f.Values = make([]string, len(f.Names))
	copy(f.Values, n.Fields)
	f.Sticky = make([]bool, len(f.Names))
	return f, nil
}

// NewForm returns an empty Add-mode form for a note type. When prev is given (the form
// being replaced), values carry over: sticky fields after an Add, or every field when the
// note type changes, matched by field name and then by position.
func (s *Service) NewForm(ntid, deckID int64, prev *NoteForm) (*NoteForm, error) {
	col, err := s.c()
	if err != nil {
		return nil, err
	}
	nt, ok := col.Notetype(ntid)
	if !ok {
		return nil, fmt.Errorf("note type %d: %w", ntid, collection.ErrNotFound)
	}
	if deckID == 0 {
		deckID = col.CurrentDeckID()
	}
	f := &NoteForm{NotetypeID: nt.ID, Notetype: nt.Name, Cloze: nt.IsCloze(), DeckID: deckID, Names: nt.FieldNames()}
	f.Values = make([]string, len(f.Names))
	f.Sticky = make([]bool, len(f.Names))
	for i, fl := range nt.Fields {
		f.Sticky[i] = fl.Sticky
	}
	if prev != nil {
		f.Tags = prev.Tags
		if prev.NotetypeID == ntid {
			copy(f.Sticky, prev.Sticky)
		}
		used := map[int]bool{}
		for i, name := range f.Names {
			for j, pn := range prev.Names {
				if strings.EqualFold(pn, name) && !used[j] {
					f.Values[i], used[j] = prev.Values[j], true
					break
				}
			}
		}
		if prev.NotetypeID != ntid {
			for i := range f.Values {
				if f.Values[i] == "" && i < len(prev.Values) && !used[i] {
					f.Values[i], used[i] = prev.Values[i], true
				}
			}
		}
	}
	return f, nil
}

// AfterAdd is the form left in the editor after a successful Add: sticky fields and tags
// stay, the rest is cleared.
func AfterAdd(f *NoteForm) *NoteForm {
	out := f.Clone()
	out.NoteID = 0
	for i := range out.Values {
		if i >= len(out.Sticky) || !out.Sticky[i] {
			out.Values[i] = ""
		}
	}
	return out
}

// ErrFirstFieldEmpty is Anki's reason for refusing to add a note.
var ErrFirstFieldEmpty = errors.New("The first field is empty.")

// AddNote adds the form as a new note in its deck; it returns the note id and how many cards
// were made.
func (s *Service) AddNote(ctx context.Context, f *NoteForm) (int64, int, error) {
	col, err := s.c()
	if err != nil {
		return 0, 0, err
	}
	if len(f.Values) == 0 || strings.TrimSpace(stripForCheck(f.Values[0])) == "" {
		return 0, 0, ErrFirstFieldEmpty
	}
	n, err := col.NewNote(f.NotetypeID)
	if err != nil {
		return 0, 0, err
	}
	copy(n.Fields, f.Values)
	n.Tags = collection.SplitTags(f.Tags)
	deck := f.DeckID
	if deck == 0 {
		deck = col.CurrentDeckID()
	}
	if err := col.AddNote(ctx, n, deck); err != nil {
		return 0, 0, err
	}
	cards, err := col.CardsOfNote(ctx, n.ID)
	if err != nil {
		return n.ID, 0, err
	}
	return n.ID, len(cards), nil
}

// stripForCheck drops tags and &nbsp; so that "<br>" alone counts as empty, as in Anki.
func stripForCheck(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.ReplaceAll(b.String(), "&nbsp;", " ")
}

// SaveNote writes an edited form back to its note (nothing happens when nothing changed).
func (s *Service) SaveNote(ctx context.Context, f *NoteForm) error {
	col, err := s.c()
	if err != nil {
		return err
	}
	if f.NoteID == 0 {
		return errors.New("save note: the form is not an existing note")
	}
	n, err := col.GetNote(ctx, f.NoteID)
	if err != nil {
		return err
	}
	if n.NotetypeID != f.NotetypeID {
		return fmt.Errorf("save note %d: its note type changed while editing", f.NoteID)
	}
	copy(n.Fields, f.Values)
	n.Tags = collection.SplitTags(f.Tags)
	return col.UpdateNote(ctx, n)
}

// Duplicates returns the ids of other notes of the same note type whose first field matches
// first (Anki's duplicate check, through a dupe: search). self is left out.
func (s *Service) Duplicates(ctx context.Context, ntid int64, first string, self int64) ([]int64, error) {
	col, err := s.c()
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(stripForCheck(first)) == "" {
		return nil, nil
	}
	ids, err := col.FindNotes(ctx, DupeSearch(ntid, first), collection.Order{})
	if err != nil {
		return nil, err
	}
	out := ids[:0]
	for _, id := range ids {
		if id != self {
			out = append(out, id)
		}
	}
	return out, nil
}

// DupeSearch is the search Anki's "Show Duplicates" runs.
func DupeSearch(ntid int64, text string) string {
	t := strings.ReplaceAll(text, `\`, `\\`)
	t = strings.ReplaceAll(t, `"`, `\"`)
	return `"dupe:` + strconv.FormatInt(ntid, 10) + "," + t + `"`
}

// Debouncer runs the latest queued work once no new work has arrived for Delay (the note
// editor's background save and duplicate check). Work returns an optional function that
// updates the UI: after a timer run it goes to Post (the views pass fyne.Do); after Flush it
// runs directly on the caller, which is the UI goroutine in the app.
type Debouncer struct {
	Delay time.Duration
	Post  func(func())

	mu      sync.Mutex
	timer   *time.Timer
	pending func() func()
	running sync.Mutex // one run at a time, so saves reach the engine in order
}

// Trigger queues work, replacing any work still waiting.
func (d *Debouncer) Trigger(work func() func()) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.pending = work
	if d.timer != nil {
		d.timer.Stop()
	}
	d.timer = time.AfterFunc(d.Delay, d.fire)
}

func (d *Debouncer) take() func() func() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil {
		d.timer.Stop()
	}
	w := d.pending
	d.pending = nil
	return w
}

func (d *Debouncer) fire() {
	d.running.Lock()
	work := d.take()
	var apply func()
	if work != nil {
		apply = work()
	}
	d.running.Unlock()
	if apply != nil {
		if d.Post != nil {
			d.Post(apply)
		} else {
			apply()
		}
	}
}

// Flush runs waiting work now, after any run in progress, and applies its result on the
// caller's goroutine.
func (d *Debouncer) Flush() {
	d.running.Lock()
	work := d.take()
	var apply func()
	if work != nil {
		apply = work()
	}
	d.running.Unlock()
	if apply != nil {
		apply()
	}
}
