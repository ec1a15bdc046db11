package collection

import (
	"context"
	"errors"
	"sync"
)

// TextImportRequest describes a CSV/TSV import (Anki's col.import_csv request).
type TextImportRequest struct {
	Path       string
	Delimiter  rune  // 0: detect
	NotetypeID int64 // 0: from the file's #notetype header or the current note type
	DeckID     int64 // 0: from the file's #deck header or the current deck
	// FieldColumns maps note fields (by ordinal) to 1-based file columns; nil: in order.
	FieldColumns []int
	TagsColumn   int  // 1-based; 0: none
	HTML         bool // fields are HTML (otherwise escaped as text)
	// DupeMode says what to do when a note with the same first field (or guid) exists:
	// "update", "keep" (add a duplicate) or "skip".
	DupeMode string
	Tags     []string // added to every imported note
}

// TextImportResult counts what a text import did.
type TextImportResult struct {
	Added, Updated, Skipped int
	Warnings                []string
}

// TextImporter performs text imports; the importers package provides one.
type TextImporter func(ctx context.Context, col *Collection, req TextImportRequest) (TextImportResult, error)

var (
	textImporterMu sync.RWMutex
	textImporter   TextImporter
)

// RegisterTextImporter installs the CSV/TSV importer (called by the importers package's init,
// so that the engine does not depend on the importers).
func RegisterTextImporter(fn TextImporter) {
	textImporterMu.Lock()
	textImporter = fn
	textImporterMu.Unlock()
}

// ErrNoTextImporter is returned by ImportText when no text importer is linked into the program.
var ErrNoTextImporter = errors.New("text import: no CSV importer is linked into this program (import the deckhand importers package)")

// ImportText imports a CSV/TSV file in Anki's text format (col.import_csv).
func (c *Collection) ImportText(ctx context.Context, req TextImportRequest) (TextImportResult, error) {
	textImporterMu.RLock()
	fn := textImporter
	textImporterMu.RUnlock()
	if fn == nil {
		return TextImportResult{}, ErrNoTextImporter
	}
	return fn(ctx, c, req)
}
