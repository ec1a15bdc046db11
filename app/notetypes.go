package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/template"
)

// Note types manager (Tools > Note Types): the list with note counts, adding from a stock type
// or as a clone, renaming, deleting, and editing a copy of a note type's fields and card types
// that is saved in one UpdateNotetype transaction. The edit helpers below work on a copy
// (Clone), so nothing reaches the collection until SaveNotetype.

// NotetypeInfo is one row of the manager's list.
type NotetypeInfo struct {
	ID    int64
	Name  string
	Notes int
	Cloze bool
}

// Label is the row text, as Anki's manager shows it: "Basic [12 notes]".
func (n NotetypeInfo) Label() string {
	if n.Notes == 1 {
		return n.Name + " [1 note]"
	}
	return fmt.Sprintf("%s [%d notes]", n.Name, n.Notes)
}

// Notetypes lists the note types by name with how many notes use each.
func (s *Service) Notetypes(ctx context.Context) ([]NotetypeInfo, error) {
	col, err := s.c()
	if err != nil {
		return nil, err
	}
	rows, err := col.All(ctx, "SELECT mid, count() FROM notes GROUP BY mid")
	if err != nil {
		return nil, fmt.Errorf("count notes per note type: %w", err)
	}
	counts := map[int64]int{}
	for _, r := range rows {
		counts[i64(r[0])] = int(i64(r[1]))
	}
	var out []NotetypeInfo
	for _, nt := range col.Notetypes() {
		out = append(out, NotetypeInfo{ID: nt.ID, Name: nt.Name, Notes: counts[nt.ID], Cloze: nt.IsCloze()})
	}
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, nil
}

// StockChoice is an entry of the Add dialog: "Add: Basic" and so on.
type StockChoice struct {
	Kind collection.StockKind
	Name string
}

// StockNotetypes lists Anki's stock note types for the Add dialog.
func StockNotetypes() []StockChoice {
	var out []StockChoice
	for _, k := range collection.StockKinds {
		if nt, err := collection.NewStockNotetype(k); err == nil {
			out = append(out, StockChoice{Kind: k, Name: nt.Name})
		}
	}
	return out
}

// AddStockNotetype adds a stock note type under name ("" keeps the stock name; a taken name
// gets a suffix, as in Anki) and returns its id.
func (s *Service) AddStockNotetype(ctx context.Context, kind collection.StockKind, name string) (int64, error) {
	col, err := s.c()
	if err != nil {
		return 0, err
	}
	nt, err := collection.NewStockNotetype(kind)
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(name) != "" {
		nt.Name = name
	}
	if err := col.AddNotetype(ctx, nt); err != nil {
		return 0, err
	}
	return nt.ID, nil
}

// CloneNotetype adds a copy of note type id (fields, card types, CSS; no notes) named name.
func (s *Service) CloneNotetype(ctx context.Context, id int64, name string) (int64, error) {
	col, err := s.c()
	if err != nil {
		return 0, err
	}
	src, ok := col.Notetype(id)
	if !ok {
		return 0, fmt.Errorf("clone note type %d: %w", id, collection.ErrNotFound)
	}
	// Rebuild it field by field so the copy gets fresh field and template ids (Anki's
	// clone does the same), rather than sharing the original's.
	nt := src.Clone()
	nt.ID, nt.Fields, nt.Templates = 0, nil, nil
	if strings.TrimSpace(name) == "" {
		name = src.Name + " copy"
	}
	nt.Name = name
	for _, f := range src.Fields {
		nf := nt.AddField(f.Name)
		nf.Sticky, nf.RTL, nf.Font, nf.Size, nf.Description = f.Sticky, f.RTL, f.Font, f.Size, f.Description
		nf.PlainText, nf.Collapsed, nf.ExcludeFromSearch = f.PlainText, f.Collapsed, f.ExcludeFromSearch
		nf.Tag, nf.PreventDeletion = f.Tag, f.PreventDeletion
	}
	for _, t := range src.Templates {
		nt2 := nt.AddTemplate(t.Name, t.QFmt, t.AFmt)
		nt2.BQFmt, nt2.BAFmt, nt2.BrowserFont, nt2.BrowserSize = t.BQFmt, t.BAFmt, t.BrowserFont, t.BrowserSize
	}
	if err := col.AddNotetype(ctx, nt); err != nil {
		return 0, err
	}
	return nt.ID, nil
}

// RenameNotetype renames a note type (not a schema change).
func (s *Service) RenameNotetype(ctx context.Context, id int64, name string) error {
	nt, err := s.EditNotetype(id)
	if err != nil {
		return err
	}
	if strings.TrimSpace(name) == "" {
		return errors.New("rename note type: the name is empty")
	}
	nt.Name = name
	return s.SaveNotetype(ctx, nt)
}

// RemoveNotetype deletes a note type with all its notes (a schema change).
func (s *Service) RemoveNotetype(ctx context.Context, id int64) error {
	col, err := s.c()
	if err != nil {
		return err
	}
	return col.RemoveNotetype(ctx, id)
}

// EditNotetype returns a copy of note type id to edit with the helpers below.
func (s *Service) EditNotetype(id int64) (*collection.Notetype, error) {
	col, err := s.c()
	if err != nil {
		return nil, err
	}
	nt, ok := col.Notetype(id)
	if !ok {
		return nil, fmt.Errorf("note type %d: %w", id, collection.ErrNotFound)
	}
	return nt.Clone(), nil
}

// SaveNotetype saves an edited copy: notes, cards and templates follow in one transaction.
func (s *Service) SaveNotetype(ctx context.Context, nt *collection.Notetype) error {
	col, err := s.c()
	if err != nil {
		return err
	}
	if err := col.UpdateNotetype(ctx, nt); err != nil {
		return err
	}
	return nil
}

// FullSyncPending says whether the next sync is a full one already (schema changed since the
// last sync), in which case Anki does not warn again before a schema change.
func (s *Service) FullSyncPending(ctx context.Context) bool {
	return s.NeedsSync(ctx) == SyncFull
}

// SchemaWarning is Anki's question before a change that forces a full sync.
const SchemaWarning = "The requested change will require a full upload of the database when you next synchronize " +
	"your collection. If you have reviews or other changes waiting on another device that haven't been " +
	"synchronized here yet, they will be lost. Continue?"

// AddFieldTo appends a field named name; the name must be new.
func AddFieldTo(nt *collection.Notetype, name string) error {
	name = strings.TrimSpace(name)
	if name == "" {
		return errors.New("the field name is empty")
	}
	if nt.FieldIndex(name) >= 0 {
		return fmt.Errorf("that field name is already used: %q", name)
	}
	nt.AddField(name)
	return nil
}

// RenameField renames field i; templates are updated when the note type is saved.
func RenameField(nt *collection.Notetype, i int, name string) error {
	if i < 0 || i >= len(nt.Fields) {
		return fmt.Errorf("no field %d", i+1)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return errors.New("the field name is empty")
	}
	if j := nt.FieldIndex(name); j >= 0 && j != i {
		return fmt.Errorf("that field name is already used: %q", name)
	}
	nt.Fields[i].Name = name
	return nil
}

// MoveField moves field from to position to (0-based); the sort field follows its field.
func MoveField(nt *collection.Notetype, from, to int) error {
	if from < 0 || from >= len(nt.Fields) || to < 0 || to >= len(nt.Fields) {
		return fmt.Errorf("move field: position %d of %d", to+1, len(nt.Fields))
	}
	sortF := nt.Fields[nt.SortField]
	nt.Fields = moveItem(nt.Fields, from, to)
	nt.SortField = indexOf(nt.Fields, sortF)
	return nil
}

// RemoveField deletes field i (its contents in every note go with it when saved).
func RemoveField(nt *collection.Notetype, i int) error {
	if i < 0 || i >= len(nt.Fields) {
		return fmt.Errorf("no field %d", i+1)
	}
	if len(nt.Fields) == 1 {
		return errors.New("a note type needs at least one field")
	}
	if nt.Fields[i].PreventDeletion {
		return fmt.Errorf("the field %q cannot be deleted", nt.Fields[i].Name)
	}
	sortF := nt.Fields[nt.SortField]
	nt.Fields = append(nt.Fields[:i:i], nt.Fields[i+1:]...)
	nt.SortField = max(indexOf(nt.Fields, sortF), 0)
	return nil
}

// SetSortField makes field i the one the browser sorts and searches by first.
func SetSortField(nt *collection.Notetype, i int) error {
	if i < 0 || i >= len(nt.Fields) {
		return fmt.Errorf("no field %d", i+1)
	}
	nt.SortField = i
	return nil
}

// AddCardType appends a card type named name, starting from a copy of the first one's
// templates (Anki does the same), so it renders at once.
func AddCardType(nt *collection.Notetype, name string) error {
	if nt.IsCloze() {
		return errors.New("a cloze note type has exactly one card type")
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = fmt.Sprintf("Card %d", len(nt.Templates)+1)
	}
	for _, t := range nt.Templates {
		if t.Name == name {
			return fmt.Errorf("that card type name is already used: %q", name)
		}
	}
	q, a := "", ""
	if len(nt.Templates) > 0 {
		q, a = nt.Templates[0].QFmt, nt.Templates[0].AFmt
	}
	nt.AddTemplate(name, q, a)
	return nil
}

// RenameCardType renames card type i.
func RenameCardType(nt *collection.Notetype, i int, name string) error {
	if i < 0 || i >= len(nt.Templates) {
		return fmt.Errorf("no card type %d", i+1)
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return errors.New("the card type name is empty")
	}
	for j, t := range nt.Templates {
		if j != i && t.Name == name {
			return fmt.Errorf("that card type name is already used: %q", name)
		}
	}
	nt.Templates[i].Name = name
	return nil
}

// RemoveCardType deletes card type i (its cards go when saved).
func RemoveCardType(nt *collection.Notetype, i int) error {
	if i < 0 || i >= len(nt.Templates) {
		return fmt.Errorf("no card type %d", i+1)
	}
	if len(nt.Templates) == 1 {
		return errors.New("a note type needs at least one card type")
	}
	nt.Templates = append(nt.Templates[:i:i], nt.Templates[i+1:]...)
	return nil
}

// MoveCardType moves card type from to position to; its cards keep following it.
func MoveCardType(nt *collection.Notetype, from, to int) error {
	if from < 0 || from >= len(nt.Templates) || to < 0 || to >= len(nt.Templates) {
		return fmt.Errorf("move card type: position %d of %d", to+1, len(nt.Templates))
	}
	nt.Templates = moveItem(nt.Templates, from, to)
	return nil
}

// CardTypeCount is how many cards a card type of the saved note type has (for the removal
// question).
func (s *Service) CardTypeCount(ctx context.Context, ntid int64, ord int) (int, error) {
	col, err := s.c()
	if err != nil {
		return 0, err
	}
	rows, err := col.All(ctx, "SELECT count() FROM cards c JOIN notes n ON c.nid = n.id WHERE n.mid = ? AND c.ord = ?", ntid, ord)
	if err != nil || len(rows) == 0 {
		return 0, fmt.Errorf("count cards: %w", err)
	}
	return int(i64(rows[0][0])), nil
}

// PreviewCardType renders card type ord of an edited (unsaved) note type with the first note
// of that type, or with the field names in place of a note when it has none, so the Cards
// dialog previews template edits as they are typed. Render filters of add-ons are not run.
func (s *Service) PreviewCardType(ctx context.Context, nt *collection.Notetype, ord int) (CardPreview, error) {
	col, err := s.c()
	if err != nil {
		return CardPreview{}, err
	}
	if ord < 0 || ord >= len(nt.Templates) {
		return CardPreview{}, fmt.Errorf("no card type %d", ord+1)
	}
	fields := map[string]string{}
	for _, f := range nt.Fields {
		fields[f.Name] = "(" + f.Name + ")"
	}
	tags := ""
	cardOrd := ord
	rows, err := col.All(ctx, "SELECT id FROM notes WHERE mid = ? ORDER BY id LIMIT 1", nt.ID)
	if err != nil {
		return CardPreview{}, fmt.Errorf("preview: %w", err)
	}
	if len(rows) == 1 {
		n, err := col.GetNote(ctx, i64(rows[0][0]))
		if err != nil {
			return CardPreview{}, err
		}
		// the note's fields are in the saved order; edited fields find theirs by name
		// where they still have it (renamed fields show their placeholder)
		if saved, ok := col.Notetype(nt.ID); ok {
			for i, f := range saved.Fields {
				if i < len(n.Fields) && nt.FieldIndex(f.Name) >= 0 {
					fields[f.Name] = n.Fields[i]
				}
			}
		}
		tags = strings.Join(n.Tags, " ")
	}
	tmpl := nt.Templates[ord]
	if nt.IsCloze() {
		cardOrd = 0 // preview cloze 1
	}
	if _, err := template.Parse(tmpl.QFmt); err != nil {
		return CardPreview{}, fmt.Errorf("front template: %w", err)
	}
	if _, err := template.Parse(tmpl.AFmt); err != nil {
		return CardPreview{}, fmt.Errorf("back template: %w", err)
	}
	r := template.RenderCard(tmpl.QFmt, tmpl.AFmt, template.RenderContext{Fields: fields, Tags: tags,
		Notetype: nt.Name, CardName: tmpl.Name, CardOrd: cardOrd, Cloze: nt.IsCloze(), LatexSVG: nt.LatexSVG})
	return CardPreview{Ord: ord, Name: tmpl.Name, Question: r.Question, Answer: r.Answer, CSS: nt.CSS,
		Empty: r.QuestionEmpty}, nil
}

func moveItem[T any](s []T, from, to int) []T {
	v := s[from]
	s = append(s[:from:from], s[from+1:]...)
	s = append(s[:to], append([]T{v}, s[to:]...)...)
	return s
}

func indexOf[T comparable](s []T, v T) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}
