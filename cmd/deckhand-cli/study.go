package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/sched"
)

// selectDeck makes the named deck current for the scheduler (no name: the current deck).
func selectDeck(ctx context.Context, col *collection.Collection, s *sched.Scheduler, name string) error {
	if name == "" {
		return nil
	}
	d, ok := col.DeckByName(name)
	if !ok {
		return fmt.Errorf("no deck named %q", name)
	}
	return s.SelectDeck(ctx, d.ID)
}

// cmdDue prints today's new / learning / review counts of a deck.
func cmdDue(ctx context.Context, col *collection.Collection, args []string, out io.Writer) error {
	fs := newFlags("due")
	deck := fs.String("deck", "", "deck name (default: the current deck)")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return fmt.Errorf("due: bad arguments (%w)", errUsage)
	}
	s := sched.New(col)
	if err := selectDeck(ctx, col, s, *deck); err != nil {
		return fmt.Errorf("due: %w", err)
	}
	c, err := s.Counts(ctx)
	if err != nil {
		return fmt.Errorf("due: %w", err)
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(c)
	}
	fmt.Fprintf(out, "new       %d\nlearning  %d\nreview    %d\n", c.New, c.Learning, c.Review)
	return nil
}

// cmdStudy answers the next card of a deck with the given ease.
func cmdStudy(ctx context.Context, col *collection.Collection, args []string, out io.Writer) error {
	fs := newFlags("study")
	deck := fs.String("deck", "", "deck name (default: the current deck)")
	answer := fs.String("answer", "", "ease: 1 again, 2 hard, 3 good, 4 easy")
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return fmt.Errorf("study: bad arguments (%w)", errUsage)
	}
	ease, err := strconv.Atoi(*answer)
	if err != nil || ease < 1 || ease > 4 {
		return fmt.Errorf("study: --answer must be 1, 2, 3 or 4 (%w)", errUsage)
	}
	s := sched.New(col)
	if err := selectDeck(ctx, col, s, *deck); err != nil {
		return fmt.Errorf("study: %w", err)
	}
	q, err := s.GetCard(ctx)
	if err != nil {
		return fmt.Errorf("study: %w", err)
	}
	if q == nil {
		return errors.New("study: no card is due in this deck")
	}
	states, err := s.NextStates(ctx, q.Card)
	if err != nil {
		return fmt.Errorf("study: %w", err)
	}
	a, err := s.AnswerCardTimed(ctx, q.Card, ease, 0)
	if err != nil {
		return fmt.Errorf("study: %w", err)
	}
	c := a.Card
	res := struct {
		CardID   int64  `json:"card_id"`
		Ease     int    `json:"ease"`
		Queue    int    `json:"queue"`
		Type     int    `json:"type"`
		Interval int    `json:"interval_days"`
		Due      int64  `json:"due"`
		Next     string `json:"next"`
		Leech    bool   `json:"leech,omitempty"`
	}{c.ID, ease, c.Queue, c.Type, c.Interval, c.Due, states[ease-1].Label, a.Leech}
	if *asJSON {
		enc := json.NewEncoder(out)
		enc.SetEscapeHTML(false) // labels such as "<10m"
		return enc.Encode(res)
	}
	fmt.Fprintf(out, "card %d answered %d: next in %s (interval %d d, queue %d, due %d)\n",
		c.ID, ease, res.Next, c.Interval, c.Queue, c.Due)
	if a.Leech {
		fmt.Fprintln(out, "the card is now a leech")
	}
	return nil
}
