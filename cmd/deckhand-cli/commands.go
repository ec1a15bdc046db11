package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/gen"
)

func cmdInit(ctx context.Context, args []string, out io.Writer) error {
	if len(args) != 1 {
		return fmt.Errorf("init needs exactly one PATH (%w)", errUsage)
	}
	col, err := collection.Create(ctx, args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "created %s\n", args[0])
	return col.Close()
}

func cmdInfo(ctx context.Context, col *collection.Collection, args []string, out io.Writer) error {
	fs := newFlags("info")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("info: %v (%w)", err, errUsage)
	}
	n, err := col.Counts(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(n)
	}
	fmt.Fprintf(out, "collection  %s\nnotes       %d\ncards       %d\ndecks       %d\nnote types  %d\nreviews     %d\nmedia       %d\n",
		col.Path(), n.Notes, n.Cards, n.Decks, n.Notetypes, n.Revlog, n.Media)
	return nil
}

func cmdDecks(ctx context.Context, col *collection.Collection, args []string, out io.Writer) error {
	if len(args) != 0 {
		return fmt.Errorf("decks takes no arguments (%w)", errUsage)
	}
	tree, err := col.DeckTree(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%-40s %6s %6s %6s %7s\n", "Deck", "New", "Learn", "Due", "Cards")
	var walk func(nodes []*collection.DeckNode, depth int)
	walk = func(nodes []*collection.DeckNode, depth int) {
		for _, n := range nodes {
			name := strings.Repeat("  ", depth) + n.Basename
			if n.Filtered {
				name += " (filtered)"
			}
			fmt.Fprintf(out, "%-40s %6d %6d %6d %7d\n", name, n.New, n.Learn, n.Review, n.Total)
			walk(n.Children, depth+1)
		}
	}
	walk(tree, 0)
	return nil
}

func cmdAdd(ctx context.Context, col *collection.Collection, args []string, out io.Writer) error {
	fs := newFlags("add")
	deck := fs.String("deck", "Default", "deck name (created when missing)")
	typ := fs.String("type", "Basic", "note type name")
	tags := fs.String("tags", "", "space-separated tags")
	var fields multiFlag
	fs.Var(&fields, "field", "NAME=VALUE (repeatable)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("add: %v (%w)", err, errUsage)
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("add: unexpected argument %q (%w)", fs.Arg(0), errUsage)
	}
	nt, ok := col.NotetypeByName(*typ)
	if !ok {
		return fmt.Errorf("add: no note type called %q", *typ)
	}
	note, err := col.NewNote(nt.ID)
	if err != nil {
		return err
	}
	for _, f := range fields {
		name, value, ok := strings.Cut(f, "=")
		if !ok {
			return fmt.Errorf("add: --field %q is not NAME=VALUE", f)
		}
		if err := note.SetField(name, value); err != nil {
			return fmt.Errorf("add: %w", err)
		}
	}
	note.Tags = strings.Fields(*tags)
	var cards int
	err = col.Transact(ctx, func(tx *collection.Tx) error {
		did, err := tx.AddDeck(*deck)
		if err != nil {
			return err
		}
		if err := tx.AddNote(note, did); err != nil {
			return err
		}
		cards, err = tx.CountCardsOfNote(note.ID)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "added note %d with %d card(s)\n", note.ID, cards)
	return nil
}

func cmdCheck(ctx context.Context, col *collection.Collection, args []string, out io.Writer) error {
	fs := newFlags("check")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("check: %v (%w)", err, errUsage)
	}
	rep, err := col.Check(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(rep)
	}
	if rep.OK() {
		fmt.Fprintln(out, "Database rebuilt and optimized.")
		return nil
	}
	for _, p := range rep.Problems() {
		fmt.Fprintln(out, p)
	}
	return nil
}

func cmdGen(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("gen")
	notes := fs.Int("notes", 10000, "number of notes")
	mediaN := fs.Int("media", 0, "number of media files")
	seed := fs.Int64("seed", 1, "random seed (same seed, same collection)")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("gen: %v (%w)", err, errUsage)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("gen needs one OUT path (%w)", errUsage)
	}
	start := time.Now()
	st, err := gen.Generate(ctx, fs.Arg(0), gen.Options{Notes: *notes, Media: *mediaN, Seed: *seed})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "generated %s: %d notes, %d cards, %d reviews, %d decks, %d media files in %s\n",
		fs.Arg(0), st.Notes, st.Cards, st.Revlog, st.Decks, st.Media, time.Since(start).Round(time.Millisecond))
	return nil
}
