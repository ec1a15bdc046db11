package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
)

var sortColumns = map[string]collection.SortColumn{
	"none": collection.SortNone, "sortfield": collection.SortSortField, "created": collection.SortCreated,
	"modified": collection.SortNoteModified, "cardmodified": collection.SortCardModified,
	"due": collection.SortDue, "interval": collection.SortInterval, "ease": collection.SortEase,
	"reviews": collection.SortReviews, "lapses": collection.SortLapses, "deck": collection.SortDeck,
	"notetype": collection.SortNotetype, "card": collection.SortTemplate, "tags": collection.SortTags,
}

func sortNames() string {
	var names []string
	for k := range sortColumns {
		names = append(names, k)
	}
	return strings.Join(names, ", ")
}

func cmdSearch(ctx context.Context, col *collection.Collection, args []string, out io.Writer) error {
	fs := newFlags("search")
	notes := fs.Bool("notes", false, "print note ids instead of card ids")
	sortBy := fs.String("sort", "none", "sort column")
	desc := fs.Bool("desc", false, "sort descending")
	if err := fs.Parse(reorderFlags(args, map[string]bool{"notes": true, "desc": true})); err != nil {
		return fmt.Errorf("search: %v (%w)", err, errUsage)
	}
	col2, ok := sortColumns[strings.ToLower(*sortBy)]
	if !ok {
		return fmt.Errorf("search: unknown sort column %q (one of %s)", *sortBy, sortNames())
	}
	query := strings.Join(fs.Args(), " ")
	order := collection.Order{Column: col2, Desc: *desc}
	var ids []int64
	var err error
	if *notes {
		ids, err = col.FindNotes(ctx, query, order)
	} else {
		ids, err = col.FindCards(ctx, query, order)
	}
	if err != nil {
		return err
	}
	w := newLineWriter(out)
	for _, id := range ids {
		w.line(strconv.FormatInt(id, 10))
	}
	return w.err
}

func cmdRender(ctx context.Context, col *collection.Collection, args []string, out io.Writer) error {
	fs := newFlags("render")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(reorderFlags(args, map[string]bool{"json": true})); err != nil {
		return fmt.Errorf("render: %v (%w)", err, errUsage)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("render needs one CARD_ID (%w)", errUsage)
	}
	cid, err := strconv.ParseInt(fs.Arg(0), 10, 64)
	if err != nil {
		return fmt.Errorf("render: %q is not a card id", fs.Arg(0))
	}
	r, err := col.RenderCard(ctx, cid)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false)
		return enc.Encode(map[string]any{"id": cid, "question": r.Question, "answer": r.Answer,
			"css": r.CSS, "media": r.MediaRefs, "questionEmpty": r.QuestionEmpty})
	}
	fmt.Fprintf(out, "Question:\n%s\n\nAnswer:\n%s\n", r.Question, r.Answer)
	return nil
}

// reorderFlags moves known flags in front of positional arguments, so that
// `search tag:x --notes` works as well as `search --notes tag:x`. A query term such as
// "-tag:x" is not a flag: only the names in bools (and --sort VALUE) are treated as flags.
func reorderFlags(args []string, bools map[string]bool) []string {
	var flags, rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name := strings.TrimLeft(a, "-")
		name, _, hasValue := strings.Cut(name, "=")
		switch {
		case a == "--":
			rest = append(rest, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "-") && bools[name]:
			flags = append(flags, a)
		case strings.HasPrefix(a, "-") && name == "sort":
			flags = append(flags, a)
			if !hasValue && i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		default:
			rest = append(rest, a)
		}
	}
	return append(flags, append([]string{"--"}, rest...)...)
}

type lineWriter struct {
	w   io.Writer
	err error
}

func newLineWriter(w io.Writer) *lineWriter { return &lineWriter{w: w} }

func (l *lineWriter) line(s string) {
	if l.err == nil {
		_, l.err = io.WriteString(l.w, s+"\n")
	}
}
