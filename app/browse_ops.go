package app

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
)

// The browser's Find and Replace, Reposition and Change Note Type actions, with what their
// dialogs need to show. ids are the selected rows in mode m, as in actions.go.

// FindReplace is what the Find and Replace dialog asks for.
type FindReplace struct {
	Find, Replace string
	// Field is the field to search ("" for all fields); Tags searches the tags instead.
	Field string
	Tags  bool
	// SelectedOnly limits the change to the selected notes; otherwise every note is searched.
	SelectedOnly bool
	Regex        bool
	IgnoreCase   bool
}

// FindAndReplace runs Find and Replace and returns how many notes changed out of how many
// were searched.
func (s *Service) FindAndReplace(ctx context.Context, m Mode, ids []int64, fr FindReplace) (changed, total int, err error) {
	col, err := s.c()
	if err != nil {
		return 0, 0, err
	}
	if fr.Find == "" {
		// an empty pattern matches between every character: never what anyone means
		return 0, 0, errors.New("find and replace: there is nothing to find")
	}
	var nids []int64 // nil: the whole collection
	if fr.SelectedOnly {
		if nids, err = s.NoteIDs(ctx, m, ids); err != nil {
			return 0, 0, err
		}
		if len(nids) == 0 {
			return 0, 0, errors.New("find and replace: no notes are selected")
		}
		total = len(nids)
	} else {
		n, err := col.Counts(ctx)
		if err != nil {
			return 0, 0, err
		}
		total = n.Notes
	}
	changed, err = col.FindAndReplace(ctx, nids, fr.Find, fr.Replace, collection.FindReplaceOptions{
		Field: fr.Field, Tags: fr.Tags, Regex: fr.Regex, MatchCase: !fr.IgnoreCase,
	})
	return changed, total, err
}

// FindReplaceMessage is the status after Find and Replace, worded like Anki's.
func FindReplaceMessage(fr FindReplace, changed, total int) string {
	if fr.SelectedOnly {
		noun := "notes"
		if total == 1 {
			noun = "note"
		}
		return fmt.Sprintf("%d of %d %s updated.", changed, total, noun)
	}
	if changed == 1 {
		return "1 note updated."
	}
	return fmt.Sprintf("%d notes updated.", changed)
}

// FieldNamesOfSelection lists the distinct field names of the selected notes' note types,
// sorted, for the dialog's "In" choice (after All Fields and Tags).
func (s *Service) FieldNamesOfSelection(ctx context.Context, m Mode, ids []int64) ([]string, error) {
	col, err := s.c()
	if err != nil {
		return nil, err
	}
	nids, err := s.NoteIDs(ctx, m, ids)
	if err != nil {
		return nil, err
	}
	mids, err := s.idsIn(ctx, "SELECT DISTINCT mid FROM notes WHERE id IN (%s)", nids)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var names []string
	for _, mid := range mids {
		nt, ok := col.Notetype(mid)
		if !ok {
			continue
		}
		for _, f := range nt.Fields {
			if !seen[f.Name] {
				seen[f.Name] = true
				names = append(names, f.Name)
			}
		}
	}
	sort.Strings(names)
	return names, nil
}

// RepositionInfo is what the Reposition dialog shows: where the new-card queue starts and
// ends, and the last choices of Randomize and Shift.
type RepositionInfo struct {
	QueueTop, QueueBottom int64
	Randomize, Shift      bool
}

// RepositionDefaults reads the queue bounds and remembered choices.
func (s *Service) RepositionDefaults(ctx context.Context) (RepositionInfo, error) {
	col, err := s.c()
	if err != nil {
		return RepositionInfo{}, err
	}
	var info RepositionInfo
	rows, err := col.All(ctx, "SELECT coalesce(min(due), 0), coalesce(max(due), 0) FROM cards WHERE type=0 AND odid=0")
	if err != nil {
		return info, fmt.Errorf("read new card positions: %w", err)
	}
	if len(rows) == 1 {
		info.QueueTop, info.QueueBottom = max(i64(rows[0][0]), 0), i64(rows[0][1])
	}
	if _, err := col.ConfigGet("randomOrderReposition", &info.Randomize); err != nil {
		info.Randomize = false
	}
	if _, err := col.ConfigGet("shiftPositionOfExistingCards", &info.Shift); err != nil {
		info.Shift = false
	}
	return info, nil
}

// RepositionNewCards repositions the selected new cards (in table order) and returns how
// many moved.
func (s *Service) RepositionNewCards(ctx context.Context, m Mode, ids []int64, start, step int, randomize, shift bool) (int, error) {
	col, err := s.c()
	if err != nil {
		return 0, err
	}
	cids, err := s.cardIDsInOrder(ctx, m, ids)
	if err != nil {
		return 0, err
	}
	return col.RepositionNewCards(ctx, cids, start, step, randomize, shift)
}

// RepositionMessage is the status after repositioning, worded like Anki's.
func RepositionMessage(n int) string {
	if n == 1 {
		return "Changed position of 1 new card."
	}
	return fmt.Sprintf("Changed position of %d new cards.", n)
}

// cardIDsInOrder maps the selection to card ids keeping the selection's order (CardIDs sorts
// notes mode by note id, which would lose the order Reposition follows).
func (s *Service) cardIDsInOrder(ctx context.Context, m Mode, ids []int64) ([]int64, error) {
	if m == CardsMode {
		return ids, nil
	}
	col, err := s.c()
	if err != nil {
		return nil, err
	}
	byNote := map[int64][]int64{}
	for start := 0; start < len(ids); start += 5000 {
		end := min(start+5000, len(ids))
		q := fmt.Sprintf("SELECT nid, id FROM cards WHERE nid IN (%s) ORDER BY ord, id", joinIDs(ids[start:end]))
		err := col.Iterate(ctx, q, nil, func(row []any) error {
			nid := i64(row[0])
			byNote[nid] = append(byNote[nid], i64(row[1]))
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var out []int64
	for _, nid := range ids {
		out = append(out, byNote[nid]...)
		delete(byNote, nid)
	}
	return out, nil
}

func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprint(id)
	}
	return strings.Join(parts, ",")
}

// SelectionNotetype returns the note type of the selected notes; they must share one.
func (s *Service) SelectionNotetype(ctx context.Context, m Mode, ids []int64) (int64, error) {
	nids, err := s.NoteIDs(ctx, m, ids)
	if err != nil {
		return 0, err
	}
	if len(nids) == 0 {
		return 0, errors.New("no notes are selected")
	}
	mids, err := s.idsIn(ctx, "SELECT DISTINCT mid FROM notes WHERE id IN (%s)", nids)
	if err != nil {
		return 0, err
	}
	if len(mids) != 1 {
		return 0, collection.ErrMultipleNotetypes
	}
	return mids[0], nil
}

// NotetypeChange describes moving notes from one note type to another: the names on both
// sides and Anki's proposed mapping. FieldMap[i] is the old field feeding new field i and
// TemplateMap[j] the old card type whose cards become new card type j (-1: none).
// TemplateMap is nil when either side is a cloze type: card numbers then stay as they are.
type NotetypeChange struct {
	OldID, NewID               int64
	OldName, NewName           string
	OldFields, NewFields       []string
	OldTemplates, NewTemplates []string
	FieldMap, TemplateMap      []int
}

// NotetypeChangeInfo proposes a mapping the way Anki does: same names first, then the
// unused old entries in order for the remaining new ones.
func (s *Service) NotetypeChangeInfo(oldID, newID int64) (NotetypeChange, error) {
	col, err := s.c()
	if err != nil {
		return NotetypeChange{}, err
	}
	oldNT, ok := col.Notetype(oldID)
	if !ok {
		return NotetypeChange{}, fmt.Errorf("note type %d: %w", oldID, collection.ErrNotFound)
	}
	newNT, ok := col.Notetype(newID)
	if !ok {
		return NotetypeChange{}, fmt.Errorf("note type %d: %w", newID, collection.ErrNotFound)
	}
	ch := NotetypeChange{OldID: oldID, NewID: newID, OldName: oldNT.Name, NewName: newNT.Name,
		OldFields: oldNT.FieldNames(), NewFields: newNT.FieldNames()}
	for _, t := range oldNT.Templates {
		ch.OldTemplates = append(ch.OldTemplates, t.Name)
	}
	for _, t := range newNT.Templates {
		ch.NewTemplates = append(ch.NewTemplates, t.Name)
	}
	ch.FieldMap = defaultMap(ch.OldFields, ch.NewFields)
	if !oldNT.IsCloze() && !newNT.IsCloze() {
		ch.TemplateMap = defaultMap(ch.OldTemplates, ch.NewTemplates)
	}
	return ch, nil
}

func defaultMap(old, new []string) []int {
	used := make([]bool, len(old))
	out := make([]int, len(new))
	for i, name := range new {
		out[i] = -1
		for j, o := range old {
			if o == name && !used[j] {
				out[i], used[j] = j, true
				break
			}
		}
	}
	next := 0
	for i := range out {
		if out[i] >= 0 {
			continue
		}
		for next < len(old) && used[next] {
			next++
		}
		if next == len(old) {
			break
		}
		out[i], used[next] = next, true
	}
	return out
}

// Losses lists what a mapping throws away, for the dialog's warning: old fields no new field
// takes, and old card types whose cards would be removed.
func (ch NotetypeChange) Losses(fieldMap, templateMap []int) (fields, cardTypes []string) {
	fields = unmapped(ch.OldFields, fieldMap)
	if ch.TemplateMap != nil {
		cardTypes = unmapped(ch.OldTemplates, templateMap)
	}
	return fields, cardTypes
}

func unmapped(old []string, m []int) []string {
	used := map[int]bool{}
	for _, o := range m {
		used[o] = true
	}
	var out []string
	for i, name := range old {
		if !used[i] {
			out = append(out, name)
		}
	}
	return out
}

// ChangeNotetype moves the selected notes to note type newID with the given mapping
// (see NotetypeChange). It changes the schema: the next sync is a full one.
func (s *Service) ChangeNotetype(ctx context.Context, m Mode, ids []int64, newID int64, fieldMap, templateMap []int) error {
	col, err := s.c()
	if err != nil {
		return err
	}
	nids, err := s.NoteIDs(ctx, m, ids)
	if err != nil {
		return err
	}
	return col.ChangeNotetype(ctx, nids, newID, fieldMap, templateMap)
}
