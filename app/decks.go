package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
)

// Choice is an id with a display name, for pickers.
type Choice struct {
	ID   int64
	Name string
}

// DeckTree returns the deck tree with today's counts.
func (s *Service) DeckTree(ctx context.Context) ([]*collection.DeckNode, error) {
	col, err := s.c()
	if err != nil {
		return nil, err
	}
	return col.DeckTree(ctx)
}

// DeckChoices lists the decks in Anki's order. With normalOnly, filtered decks are left out
// (cards cannot be moved or added into them).
func (s *Service) DeckChoices(normalOnly bool) []Choice {
	col := s.Collection()
	if col == nil {
		return nil
	}
	var out []Choice
	for _, d := range col.Decks() {
		if normalOnly && d.Filtered() {
			continue
		}
		out = append(out, Choice{ID: d.ID, Name: d.Name})
	}
	return out
}

// DeckName returns a deck's full name.
func (s *Service) DeckName(id int64) (string, bool) {
	col := s.Collection()
	if col == nil {
		return "", false
	}
	d, ok := col.Deck(id)
	return d.Name, ok
}

// CurrentDeckID is the deck Anki would add new cards to.
func (s *Service) CurrentDeckID() int64 {
	if col := s.Collection(); col != nil {
		return col.CurrentDeckID()
	}
	return collection.DefaultDeckID
}

// ErrEmptyName is returned for a blank deck name.
var ErrEmptyName = errors.New("the name is empty")

// AddDeck creates a deck (and missing parents); name may contain "::".
func (s *Service) AddDeck(ctx context.Context, name string) (int64, error) {
	col, err := s.c()
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(strings.ReplaceAll(name, "::", "")) == "" {
		return 0, ErrEmptyName
	}
	if _, exists := col.DeckByName(collection.NormalizeDeckName(name)); exists {
		return 0, fmt.Errorf("a deck called %q already exists", collection.NormalizeDeckName(name))
	}
	return col.AddDeck(ctx, name)
}

// RenameDeck gives a deck a new full name ("A::B" moves it under A).
func (s *Service) RenameDeck(ctx context.Context, id int64, newName string) error {
	col, err := s.c()
	if err != nil {
		return err
	}
	if strings.TrimSpace(strings.ReplaceAll(newName, "::", "")) == "" {
		return ErrEmptyName
	}
	return col.RenameDeck(ctx, id, newName)
}

// MoveDeck moves a deck (with its children) under newParent; 0 moves it to the top level.
// Dropping a deck onto itself, one of its own children or its current parent does nothing.
func (s *Service) MoveDeck(ctx context.Context, id, newParent int64) error {
	col, err := s.c()
	if err != nil {
		return err
	}
	if ok, err := s.CanMoveDeck(id, newParent); !ok {
		return err
	}
	return col.ReparentDecks(ctx, []int64{id}, newParent)
}

// CanMoveDeck reports whether deck id can be dropped onto newParent, and why not. A nil error
// with false means the move would change nothing.
func (s *Service) CanMoveDeck(id, newParent int64) (bool, error) {
	col, err := s.c()
	if err != nil {
		return false, err
	}
	d, ok := col.Deck(id)
	if !ok {
		return false, fmt.Errorf("move deck: no deck with id %d", id)
	}
	curParent := ""
	if i := strings.LastIndex(d.Name, collection.DeckSeparator); i >= 0 {
		curParent = d.Name[:i]
	}
	if newParent == 0 {
		return curParent != "", nil
	}
	p, ok := col.Deck(newParent)
	if !ok {
		return false, fmt.Errorf("move deck: no deck with id %d", newParent)
	}
	if p.ID == id || strings.HasPrefix(strings.ToLower(p.Name)+collection.DeckSeparator, strings.ToLower(d.Name)+collection.DeckSeparator) {
		return false, fmt.Errorf("%q cannot be moved inside itself", d.Name)
	}
	if p.Filtered() {
		return false, fmt.Errorf("filtered deck %q cannot have children", p.Name)
	}
	return !strings.EqualFold(p.Name, curParent), nil
}

// RemoveDeck removes a deck and its children. moveTo 0 deletes their cards (and notes left
// without cards); otherwise the cards move to that deck. It returns how many cards were
// deleted or moved.
func (s *Service) RemoveDeck(ctx context.Context, id, moveTo int64) (int, error) {
	col, err := s.c()
	if err != nil {
		return 0, err
	}
	return col.RemoveDeck(ctx, id, collection.RemoveDeckMode{MoveCardsTo: moveTo})
}

// DeckCardCount counts the cards in a deck and its children (for the delete dialog).
func (s *Service) DeckCardCount(ctx context.Context, id int64) (int, error) {
	col, err := s.c()
	if err != nil {
		return 0, err
	}
	d, ok := col.Deck(id)
	if !ok {
		return 0, fmt.Errorf("no deck with id %d", id)
	}
	ids, err := col.FindCards(ctx, DeckSearch(d.Name), collection.Order{})
	if err != nil {
		return 0, err
	}
	return len(ids), nil
}

// DeckSearch is the search that shows a deck and its children, as Anki's sidebar writes it:
// the name quoted, with the characters the search language treats specially escaped.
func DeckSearch(name string) string {
	return `deck:"` + escapeSearchText(name) + `"`
}

// escapeSearchText escapes \ " * _ so that text inside a quoted search term matches literally.
func escapeSearchText(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '"', '*', '_':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
