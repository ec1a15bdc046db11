package app

import (
	"context"
	"fmt"
	"sync"

	"github.com/deckhand-app/deckhand/collection"
)

// Service is what the views talk to: one open collection and the operations on it. Methods
// may block on disk work, so views call them off the UI goroutine.
type Service struct {
	mu  sync.Mutex
	col *collection.Collection
}

// OpenService opens (or creates) the collection at path.
func OpenService(ctx context.Context, path string) (*Service, error) {
	col, err := OpenOrCreate(ctx, path)
	if err != nil {
		return nil, err
	}
	return &Service{col: col}, nil
}

// Collection is the open collection.
func (s *Service) Collection() *collection.Collection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.col
}

// DeckTree returns the deck tree with today's counts.
func (s *Service) DeckTree(ctx context.Context) ([]*collection.DeckNode, error) {
	return s.Collection().DeckTree(ctx)
}

// Summary is a one-line description of the collection for status bars.
func (s *Service) Summary(ctx context.Context) (string, error) {
	n, err := s.Collection().Counts(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d notes · %d cards · %d decks · %d note types", n.Notes, n.Cards, n.Decks, n.Notetypes), nil
}

// Close closes the collection.
func (s *Service) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.col == nil {
		return nil
	}
	err := s.col.Close()
	s.col = nil
	return err
}
