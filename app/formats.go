package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
	expankiapp "github.com/deckhand-app/deckhand/exporters/ankiapp"
	expapkg "github.com/deckhand-app/deckhand/exporters/apkg"
	expcsv "github.com/deckhand-app/deckhand/exporters/csv"
	impankiapp "github.com/deckhand-app/deckhand/importers/ankiapp"
	impapkg "github.com/deckhand-app/deckhand/importers/apkg"
	impcsv "github.com/deckhand-app/deckhand/importers/csv"
)

// The file formats of File > Import and File > Export, wired in from the importers and
// exporters packages. A .colpkg (and Anki's collection.apkg / backup-*.apkg) replaces the
// whole collection: see Service.ReplaceCollection.
func init() {
	RegisterImporter(apkgImporter{})
	RegisterImporter(ankiappImporter{})
	RegisterImporter(csvImporter{})
	RegisterExporter(apkgExporter{gen: pkgfile.Latest})
	RegisterExporter(apkgExporter{gen: pkgfile.Legacy2})
	RegisterExporter(apkgExporter{gen: pkgfile.Legacy1})
	RegisterExporter(colpkgExporter{})
	RegisterExporter(ankiappExporter{})
	RegisterExporter(csvExporter{delim: '\t'})
	RegisterExporter(csvExporter{delim: ','})
}

// IsCollectionPackage reports whether importing path replaces the collection, as Anki
// decides it (qt/aqt/import_export/importing.py): .colpkg files, and .apkg files named
// collection.apkg or backup-*.apkg.
func IsCollectionPackage(path string) bool {
	base := strings.ToLower(filepath.Base(path))
	return strings.HasSuffix(base, ".colpkg") || base == "collection.apkg" ||
		(strings.HasPrefix(base, "backup-") && strings.HasSuffix(base, ".apkg"))
}

// summarize turns an importer's result into the dialog's summary.
func summarize(res *impapkg.Result) ImportSummary {
	sum := ImportSummary{Added: res.NotesNew, Updated: res.NotesUpdated,
		Skipped: res.NotesSkipped + res.NotesUnchanged + res.NotesConflicting}
	if res.NotesUnchanged > 0 {
		sum.Log = append(sum.Log, fmt.Sprintf("%d notes were already present and unchanged", res.NotesUnchanged))
	}
	if res.NotesConflicting > 0 {
		sum.Log = append(sum.Log, fmt.Sprintf("%d notes conflict with notes of another note type and were skipped", res.NotesConflicting))
	}
	if res.CardsAdded > 0 {
		sum.Log = append(sum.Log, fmt.Sprintf("%d cards added", res.CardsAdded))
	}
	if res.NotetypesAdded > 0 || res.NotetypesUpdated > 0 {
		sum.Log = append(sum.Log, fmt.Sprintf("note types: %d added, %d updated", res.NotetypesAdded, res.NotetypesUpdated))
	}
	if len(res.DecksCreated) > 0 {
		sum.Log = append(sum.Log, "decks created: "+strings.Join(res.DecksCreated, ", "))
	}
	if res.MediaAdded > 0 || len(res.MediaRenamed) > 0 {
		sum.Log = append(sum.Log, fmt.Sprintf("media: %d added, %d renamed to avoid a clash", res.MediaAdded, len(res.MediaRenamed)))
	}
	sum.Log = append(sum.Log, res.Warnings...)
	return sum
}

type apkgImporter struct{}

func (apkgImporter) Extensions() []string { return []string{".apkg"} }

func (apkgImporter) Import(ctx context.Context, col *collection.Collection, path string, progress Progress) (ImportSummary, error) {
	opt := impapkg.Options{UpdateNotes: impapkg.UpdateIfNewer, UpdateNotetypes: impapkg.UpdateIfNewer, KeepScheduling: true}
	if progress != nil {
		opt.Progress = func(p impapkg.Progress) { progress(p.Done, p.Total, "Importing: "+p.Phase) }
	}
	res, err := impapkg.Import(ctx, col, path, opt)
	if err != nil {
		return ImportSummary{}, err
	}
	return summarize(res), nil
}

type ankiappImporter struct{}

func (ankiappImporter) Extensions() []string { return []string{".xml", ".zip", ".db"} }

func (ankiappImporter) Import(ctx context.Context, col *collection.Collection, path string, progress Progress) (ImportSummary, error) {
	var opt impankiapp.Options
	if progress != nil {
		opt.Progress = func(done, total int) { progress(done, total, "Importing AnkiApp notes") }
	}
	res, err := impankiapp.Import(ctx, col, path, opt)
	if err != nil {
		return ImportSummary{}, err
	}
	return summarize(res), nil
}

type csvImporter struct{}

func (csvImporter) Extensions() []string { return []string{".csv", ".tsv", ".txt"} }

// Import reads a text file with the file's own #headers, the detected separator and the
// current note type and deck, updating notes whose first field matches (Anki's defaults).
func (csvImporter) Import(ctx context.Context, col *collection.Collection, path string, progress Progress) (ImportSummary, error) {
	var opt impcsv.Options
	if strings.EqualFold(filepath.Ext(path), ".tsv") {
		opt.Delimiter = '\t'
	}
	if progress != nil {
		progress(0, 0, "Importing "+filepath.Base(path))
	}
	res, err := impcsv.Import(ctx, col, path, opt)
	if err != nil {
		return ImportSummary{}, err
	}
	return summarize(res), nil
}

type apkgExporter struct{ gen pkgfile.Generation }

func (e apkgExporter) Name() string {
	switch e.gen {
	case pkgfile.Legacy2:
		return "Anki Deck Package, for Anki 2.1.x before 2.1.50 (*.apkg)"
	case pkgfile.Legacy1:
		return "Anki Deck Package, for Anki 2.0 (*.apkg)"
	}
	return "Anki Deck Package (*.apkg)"
}
func (apkgExporter) Extension() string { return ".apkg" }

func (e apkgExporter) Export(ctx context.Context, col *collection.Collection, path string, opts ExportOptions, progress Progress) error {
	opt := expapkg.Options{DeckID: opts.DeckID, NoteIDs: opts.NoteIDs, WithScheduling: opts.WithScheduling,
		WithMedia: opts.WithMedia, Generation: e.gen}
	if progress != nil {
		opt.Progress = func(p expapkg.Progress) { progress(p.Done, p.Total, "Exporting: "+p.Phase) }
	}
	_, err := expapkg.Export(ctx, col, path, opt)
	return err
}

type colpkgExporter struct{}

func (colpkgExporter) Name() string      { return "Anki Collection Package (*.colpkg)" }
func (colpkgExporter) Extension() string { return ".colpkg" }

// Export writes the whole collection; a deck or selection does not apply (as in Anki).
func (colpkgExporter) Export(ctx context.Context, col *collection.Collection, path string, opts ExportOptions, progress Progress) error {
	if opts.DeckID != 0 || opts.NoteIDs != nil {
		return errors.New("a collection package always holds the whole collection: choose All Decks")
	}
	opt := expapkg.ColpkgOptions{NoMedia: !opts.WithMedia}
	if opts.LegacyFormat {
		opt.Generation = pkgfile.Legacy2
	}
	if progress != nil {
		opt.Progress = func(p expapkg.Progress) { progress(p.Done, p.Total, "Exporting: "+p.Phase) }
	}
	_, err := expapkg.ExportColpkg(ctx, col, path, opt)
	return err
}

type ankiappExporter struct{}

func (ankiappExporter) Name() string      { return "AnkiApp deck (*.zip)" }
func (ankiappExporter) Extension() string { return ".zip" }

func (ankiappExporter) Export(ctx context.Context, col *collection.Collection, path string, opts ExportOptions, progress Progress) error {
	ids, err := expcsv.NoteIDs(ctx, col, opts.NoteIDs, opts.DeckID)
	if err != nil {
		return err
	}
	var name string
	if d, ok := col.Deck(opts.DeckID); ok && opts.DeckID != 0 {
		name = d.Name
	}
	if progress != nil {
		progress(0, len(ids), "Exporting AnkiApp deck")
	}
	_, err = expankiapp.Export(ctx, col, ids, path, expankiapp.Options{DeckName: name})
	return err
}

type csvExporter struct{ delim rune }

func (e csvExporter) Name() string {
	if e.delim == ',' {
		return "Notes as CSV (*.csv)"
	}
	return "Notes in Plain Text (*.txt)"
}

func (e csvExporter) Extension() string {
	if e.delim == ',' {
		return ".csv"
	}
	return ".txt"
}

func (e csvExporter) Export(ctx context.Context, col *collection.Collection, path string, opts ExportOptions, progress Progress) error {
	ids, err := expcsv.NoteIDs(ctx, col, opts.NoteIDs, opts.DeckID)
	if err != nil {
		return err
	}
	opt := expcsv.AllColumns(e.delim)
	if progress != nil {
		opt.Progress = func(done, total int) { progress(done, total, "Exporting notes") }
	}
	_, err = expcsv.Export(ctx, col, ids, path, opt)
	return err
}

// ExportFeatures says which options of the export dialog apply to an exporter.
type ExportFeatures struct {
	Scheduling, Media, WholeCollectionOnly bool
}

// FeaturesOf returns the options an exporter honours (Anki's export dialog's table).
func FeaturesOf(e Exporter) ExportFeatures {
	switch e.(type) {
	case apkgExporter:
		return ExportFeatures{Scheduling: true, Media: true}
	case colpkgExporter:
		return ExportFeatures{Media: true, WholeCollectionOnly: true}
	}
	return ExportFeatures{}
}

// ExportWith writes with a chosen exporter (several share the .apkg extension).
func (s *Service) ExportWith(ctx context.Context, e Exporter, path string, opts ExportOptions, progress Progress) error {
	col, err := s.c()
	if err != nil {
		return err
	}
	if err := e.Export(ctx, col, path, opts, progress); err != nil {
		return fmt.Errorf("export %s: %w", filepath.Base(path), err)
	}
	return nil
}

// ReplaceSummary is what replacing the collection from a .colpkg did.
type ReplaceSummary struct {
	Notes, Cards, Decks, Media int
	Backup                     string
	Warnings                   []string
}

func (r ReplaceSummary) String() string {
	s := fmt.Sprintf("The collection was replaced: %d notes, %d cards, %d decks, %d media files written.", r.Notes, r.Cards, r.Decks, r.Media)
	if r.Backup != "" {
		s += "\nThe previous collection was saved as " + r.Backup + "."
	}
	s += "\nThe next sync will be a full sync."
	for _, w := range r.Warnings {
		s += "\n" + w
	}
	return s
}

// ReplaceCollection imports a .colpkg: the collection is closed, its file replaced (the old
// one copied to the backups folder first) and the new one opened. On failure the old
// collection is opened again, unchanged.
func (s *Service) ReplaceCollection(ctx context.Context, pkg string, progress Progress) (ReplaceSummary, error) {
	// the lock is not held during the import: methods called meanwhile get ErrClosed
	// instead of blocking (the UI goroutine asks for the media folder while rendering)
	s.mu.Lock()
	col := s.col
	if col == nil {
		s.mu.Unlock()
		return ReplaceSummary{}, ErrClosed
	}
	s.col, s.sched, s.schedCol = nil, nil, nil
	s.mu.Unlock()
	path := col.Path()
	if err := col.Close(); err != nil {
		s.reopen(path)
		return ReplaceSummary{}, fmt.Errorf("close collection: %w", err)
	}
	opt := impapkg.ColpkgOptions{}
	if progress != nil {
		opt.Progress = func(p impapkg.Progress) { progress(p.Done, p.Total, "Importing: "+p.Phase) }
	}
	res, ierr := impapkg.ImportColpkg(ctx, path, pkg, opt)
	if err := s.reopen(path); err != nil {
		return ReplaceSummary{}, err
	}
	if ierr != nil {
		return ReplaceSummary{}, fmt.Errorf("import %s: %w", filepath.Base(pkg), ierr)
	}
	return ReplaceSummary{Notes: res.Notes, Cards: res.Cards, Decks: res.Decks, Media: res.MediaAdded,
		Backup: res.Backup, Warnings: res.Warnings}, nil
}

// reopen opens the collection at path into the service.
func (s *Service) reopen(path string) error {
	col, err := collection.Open(context.Background(), path)
	if err != nil {
		return fmt.Errorf("reopen collection: %w", err)
	}
	s.SetCollection(col)
	return nil
}

// SetCollection swaps in another open collection (after a full sync download or a
// collection import); the scheduler starts afresh.
func (s *Service) SetCollection(col *collection.Collection) {
	s.mu.Lock()
	s.col, s.sched, s.schedCol = col, nil, nil
	s.mu.Unlock()
}
