// Package csv exports notes in Anki's text format (rslib import_export/text/csv/export.rs,
// export_note_csv): "#separator:" and "#html:" header lines, then "#guid column:",
// "#notetype column:", "#deck column:" and "#tags column:" for the columns included, so
// that importing the file again (in Anki or Deckhand) restores note types, decks, tags
// and updates the same notes by guid.
package csv

import (
	"context"
	"fmt"
	"github.com/deckhand-app/deckhand/internal/atomicfile"
	"regexp"
	"sort"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/text"
)

// Options choose the format and the columns.
type Options struct {
	// Delimiter is '\t' (Anki's choice, the default), ',', ';', '|', ':' or ' '.
	Delimiter rune
	// PlainText writes fields as one line of text without markup (Anki's "with HTML" off).
	PlainText    bool
	WithGUID     bool
	WithNotetype bool
	WithDeck     bool
	WithTags     bool
	// Progress, when set, is called every few hundred notes.
	Progress func(done, total int)
}

// AllColumns is the usual choice for a file meant to be imported again.
func AllColumns(delim rune) Options {
	return Options{Delimiter: delim, WithGUID: true, WithNotetype: true, WithDeck: true, WithTags: true}
}

var delimNames = map[rune]string{'\t': "tab", '|': "pipe", ';': "semicolon", ':': "colon", ',': "comma", ' ': "space"}

// NoteIDs returns the notes to export: the given ids when any, else the notes with a
// card in deckID or its subdecks (deckID != 0), else every note; sorted by id.
func NoteIDs(ctx context.Context, col *collection.Collection, ids []int64, deckID int64) ([]int64, error) {
	if len(ids) > 0 {
		out := append([]int64(nil), ids...)
		sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
		return out, nil
	}
	var rows [][]any
	var err error
	if deckID != 0 {
		d, ok := col.Deck(deckID)
		if !ok {
			return nil, fmt.Errorf("deck %d: %w", deckID, collection.ErrNotFound)
		}
		var dids []string
		for _, other := range col.Decks() {
			if other.ID == d.ID || strings.HasPrefix(strings.ToLower(other.Name), strings.ToLower(d.Name)+"::") {
				dids = append(dids, fmt.Sprint(other.ID))
			}
		}
		in := strings.Join(dids, ",")
		rows, err = col.All(ctx, "SELECT DISTINCT nid FROM cards WHERE did IN ("+in+") OR odid IN ("+in+") ORDER BY nid")
	} else {
		rows, err = col.All(ctx, "SELECT id FROM notes ORDER BY id")
	}
	if err != nil {
		return nil, err
	}
	out := make([]int64, 0, len(rows))
	for _, r := range rows {
		if id, ok := r[0].(int64); ok {
			out = append(out, id)
		}
	}
	return out, nil
}

// Export writes the notes to path (through a temporary file, renamed at the end) and
// returns how many it wrote.
func Export(ctx context.Context, col *collection.Collection, noteIDs []int64, path string, opt Options) (int, error) {
	if opt.Delimiter == 0 {
		opt.Delimiter = '\t'
	}
	name, ok := delimNames[opt.Delimiter]
	if !ok {
		return 0, fmt.Errorf("export: unsupported delimiter %q", opt.Delimiter)
	}
	notes := make([]*collection.Note, 0, len(noteIDs))
	maxFields := 0
	notetypes := map[int64]bool{}
	for i, id := range noteIDs {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		n, err := col.GetNote(ctx, id)
		if err != nil {
			return 0, fmt.Errorf("export: %w", err)
		}
		notes = append(notes, n)
		maxFields = max(maxFields, len(n.Fields))
		notetypes[n.NotetypeID] = true
	}
	decks, err := noteDecks(ctx, col, noteIDs)
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#separator:%s\n#html:%t\n", name, !opt.PlainText)
	col1 := 0
	next := func(on bool) int {
		if !on {
			return 0
		}
		col1++
		return col1
	}
	guidCol, ntCol, deckCol := next(opt.WithGUID), next(opt.WithNotetype), next(opt.WithDeck)
	tagsCol := 0
	if opt.WithTags {
		tagsCol = col1 + maxFields + 1
	}
	for _, h := range []struct {
		name string
		col  int
	}{{"guid", guidCol}, {"notetype", ntCol}, {"deck", deckCol}, {"tags", tagsCol}} {
		if h.col > 0 {
			fmt.Fprintf(&b, "#%s column:%d\n", h.name, h.col)
		}
	}
	if !opt.WithNotetype && len(notetypes) == 1 {
		// Not a column, but the note type is still worth restoring on import.
		for id := range notetypes {
			if nt, ok := col.Notetype(id); ok {
				fmt.Fprintf(&b, "#notetype:%s\n", nt.Name)
			}
		}
	}
	// Note type names by id, looked up once: col.Notetype copies the whole note type on each
	// call, which cost more than the rest of a 100k-note export together.
	ntNames := map[int64]string{}
	if opt.WithNotetype {
		for id := range notetypes {
			if nt, ok := col.Notetype(id); ok {
				ntNames[id] = nt.Name
			}
		}
	}
	w := &writer{delim: opt.Delimiter, b: &b}
	for i, n := range notes {
		var rec []string
		if opt.WithGUID {
			rec = append(rec, n.GUID)
		}
		if opt.WithNotetype {
			rec = append(rec, ntNames[n.NotetypeID])
		}
		if opt.WithDeck {
			rec = append(rec, decks[n.ID])
		}
		for j := 0; j < maxFields; j++ {
			f := ""
			if j < len(n.Fields) {
				f = fieldText(n.Fields[j], !opt.PlainText)
			}
			rec = append(rec, f)
		}
		if opt.WithTags {
			rec = append(rec, strings.Join(n.Tags, " "))
		}
		w.record(rec)
		if opt.Progress != nil && (i+1)%256 == 0 {
			opt.Progress(i+1, len(notes))
		}
	}
	if err := atomicfile.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	if opt.Progress != nil {
		opt.Progress(len(notes), len(notes))
	}
	return len(notes), nil
}

// noteDecks names the deck of each note's first card (its home deck when the card sits in
// a filtered deck).
func noteDecks(ctx context.Context, col *collection.Collection, ids []int64) (map[int64]string, error) {
	want := make(map[int64]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	out := map[int64]string{}
	err := col.Iterate(ctx, "SELECT nid, CASE WHEN odid != 0 THEN odid ELSE did END FROM cards ORDER BY nid, ord", nil, func(row []any) error {
		nid, _ := row[0].(int64)
		did, _ := row[1].(int64)
		if !want[nid] {
			return nil
		}
		if _, done := out[nid]; done {
			return nil
		}
		if d, ok := col.Deck(did); ok {
			out[nid] = d.Name
		}
		return nil
	})
	return out, err
}

var redundant = regexp.MustCompile(`(?is)<style>.*?</style>|\[\[type:[^]]+\]\]`)

// fieldText is a field as Anki exports it: without <style> blocks and type-answer
// markers, and reduced to a line of text when HTML is off.
func fieldText(f string, html bool) string {
	f = redundant.ReplaceAllString(f, "")
	if !html {
		f = text.HTMLToTextLinePlain(f)
	}
	return f
}

// writer quotes like the Rust csv crate with '#' as comment character: only fields that
// need it (delimiter, quote, line break, a leading '#', or a lone empty field).
type writer struct {
	delim rune
	b     *strings.Builder
}

func (w *writer) record(fields []string) {
	for i, f := range fields {
		if i > 0 {
			w.b.WriteRune(w.delim)
		}
		needs := strings.ContainsAny(f, "\"\r\n") || strings.ContainsRune(f, w.delim) ||
			strings.HasPrefix(f, "#") || (len(fields) == 1 && f == "")
		if !needs {
			w.b.WriteString(f)
			continue
		}
		w.b.WriteByte('"')
		w.b.WriteString(strings.ReplaceAll(f, `"`, `""`))
		w.b.WriteByte('"')
	}
	w.b.WriteByte('\n')
}
