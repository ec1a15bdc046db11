// Package app holds Deckhand's application services shared by the GUI and the CLI: where
// collections live, opening them, the browser's searches and rows, the note editor's forms,
// card previews, and long-running jobs. It has no widgets: the views call these methods off
// the UI goroutine and only display what they return.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/sched"
)

// ErrClosed is returned after Close.
var ErrClosed = errors.New("the collection is closed")

// Service is what the views talk to: one open collection and the operations on it. Methods
// may block on disk work, so views call them off the UI goroutine. It is safe for concurrent
// use (the engine serialises writes).
type Service struct {
	mu  sync.Mutex
	col *collection.Collection
	// the scheduler of schedCol (study.go), made again when the collection is replaced
	sched    *sched.Scheduler
	schedCol *collection.Collection
	warmed   *collection.Collection // WarmSearch has run for it
}

// OpenService opens (or creates) the collection at path.
func OpenService(ctx context.Context, path string) (*Service, error) {
	col, err := OpenOrCreate(ctx, path)
	if err != nil {
		return nil, err
	}
	return &Service{col: col}, nil
}

// WarmSearch builds the current collection's search index (collection.WarmSearch) in the
// background, once per collection. The browser calls it after its first page is shown:
// started at open, the build would hold the collection's one connection while that page
// waits for it.
func (s *Service) WarmSearch() {
	s.mu.Lock()
	col := s.col
	if col == nil || s.warmed == col {
		s.mu.Unlock()
		return
	}
	s.warmed = col
	s.mu.Unlock()
	go func() {
		if err := col.WarmSearch(context.Background()); err != nil {
			slog.Warn("search index", "err", err)
		}
	}()
}

// NewService wraps an already open collection (tests, tools).
func NewService(col *collection.Collection) *Service { return &Service{col: col} }

// Collection is the open collection (nil after Close).
func (s *Service) Collection() *collection.Collection {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.col
}

func (s *Service) c() (*collection.Collection, error) {
	col := s.Collection()
	if col == nil {
		return nil, ErrClosed
	}
	return col, nil
}

// Path is the collection file.
func (s *Service) Path() string {
	if col := s.Collection(); col != nil {
		return col.Path()
	}
	return ""
}

// MediaDir is the collection's media folder ("" when it has none).
func (s *Service) MediaDir() string {
	col := s.Collection()
	if col == nil || col.Media == nil {
		return ""
	}
	return col.Media.Dir()
}

// Summary is a one-line description of the collection for status bars.
func (s *Service) Summary(ctx context.Context) (string, error) {
	col, err := s.c()
	if err != nil {
		return "", err
	}
	n, err := col.Counts(ctx)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d %s · %d %s · %d %s · %d %s", n.Notes, plural(n.Notes, "note", "notes"), n.Cards, plural(n.Cards, "card", "cards"),
		n.Decks, plural(n.Decks, "deck", "decks"), n.Notetypes, plural(n.Notetypes, "note type", "note types")), nil
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
