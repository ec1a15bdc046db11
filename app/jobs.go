package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/deckhand-app/deckhand/collection"
)

// Progress reports long work: done of total (total 0: unknown) and what is happening.
// It may be called from any goroutine; views forward it to the UI with fyne.Do.
type Progress func(done, total int, what string)

// Importer reads one kind of file into an open collection. It must leave the collection as
// it was when it fails or ctx is cancelled (the engine's single transaction does that).
type Importer interface {
	// Extensions are the lower-case file extensions it accepts, with the dot (".apkg").
	Extensions() []string
	Import(ctx context.Context, col *collection.Collection, path string, progress Progress) (ImportSummary, error)
}

// ImportSummary counts what an import did.
type ImportSummary struct {
	Added, Updated, Skipped int
	Log                     []string
}

func (s ImportSummary) String() string {
	return fmt.Sprintf("%d notes added, %d updated, %d skipped", s.Added, s.Updated, s.Skipped)
}

// ExportOptions are the choices of Anki's export dialog.
type ExportOptions struct {
	DeckID          int64   // 0: all decks
	NoteIDs         []int64 // non-nil: only these notes ("Selected Notes")
	WithScheduling  bool
	WithMedia       bool
	LegacyFormat    bool // support older Anki versions
	WithDeckPresets bool
}

// Exporter writes one format.
type Exporter interface {
	Name() string      // "Anki Deck Package (*.apkg)"
	Extension() string // ".apkg"
	Export(ctx context.Context, col *collection.Collection, path string, opts ExportOptions, progress Progress) error
}

var (
	regMu     sync.RWMutex
	importers []Importer
	exporters []Exporter
)

// RegisterImporter makes an importer available to File > Import (called from main or an
// importer package's init).
func RegisterImporter(imp Importer) {
	regMu.Lock()
	importers = append(importers, imp)
	regMu.Unlock()
}

// RegisterExporter makes an exporter available to File > Export.
func RegisterExporter(exp Exporter) {
	regMu.Lock()
	exporters = append(exporters, exp)
	regMu.Unlock()
}

// ImportExtensions lists every extension File > Import accepts, sorted (.colpkg included).
func ImportExtensions() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	seen := map[string]bool{".colpkg": true}
	for _, imp := range importers {
		for _, e := range imp.Extensions() {
			seen[strings.ToLower(e)] = true
		}
	}
	out := make([]string, 0, len(seen))
	for e := range seen {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

// Exporters lists the registered exporters.
func Exporters() []Exporter {
	regMu.RLock()
	defer regMu.RUnlock()
	return append([]Exporter(nil), exporters...)
}

// ErrNotAvailable means the feature has not been linked into this build yet.
var ErrNotAvailable = errors.New("not available in this build yet")

// Import imports a file with the importer registered for its extension.
func (s *Service) Import(ctx context.Context, path string, progress Progress) (ImportSummary, error) {
	col, err := s.c()
	if err != nil {
		return ImportSummary{}, err
	}
	ext := strings.ToLower(filepath.Ext(path))
	regMu.RLock()
	var imp Importer
	for _, i := range importers {
		for _, e := range i.Extensions() {
			if strings.EqualFold(e, ext) {
				imp = i
			}
		}
	}
	regMu.RUnlock()
	if IsCollectionPackage(path) {
		return ImportSummary{}, fmt.Errorf("import %s: a collection package replaces the whole collection (use ReplaceCollection)", filepath.Base(path))
	}
	if imp == nil {
		return ImportSummary{}, fmt.Errorf("import %s: %s files: %w", filepath.Base(path), ext, ErrNotAvailable)
	}
	sum, err := imp.Import(ctx, col, path, progress)
	if err != nil {
		return sum, fmt.Errorf("import %s: %w", filepath.Base(path), err)
	}
	return sum, nil
}

// Export writes the collection (or part of it) with the exporter for path's extension.
func (s *Service) Export(ctx context.Context, path string, opts ExportOptions, progress Progress) error {
	col, err := s.c()
	if err != nil {
		return err
	}
	ext := strings.ToLower(filepath.Ext(path))
	for _, e := range Exporters() {
		if strings.EqualFold(e.Extension(), ext) {
			return e.Export(ctx, col, path, opts, progress)
		}
	}
	return fmt.Errorf("export %s: %s files: %w", filepath.Base(path), ext, ErrNotAvailable)
}

// CheckDatabase runs Check Database and returns the report as lines for a dialog.
func (s *Service) CheckDatabase(ctx context.Context, progress Progress) ([]string, error) {
	col, err := s.c()
	if err != nil {
		return nil, err
	}
	if progress != nil {
		progress(0, 0, "Checking the database…")
	}
	rep, err := col.Check(ctx)
	if err != nil {
		return nil, fmt.Errorf("check database: %w", err)
	}
	lines := rep.Problems()
	if len(lines) == 0 {
		lines = []string{"Database rebuilt and optimized."}
	}
	if progress != nil {
		progress(1, 1, "Done")
	}
	return lines, nil
}
