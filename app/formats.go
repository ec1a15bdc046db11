package app

import (
	"context"
	"fmt"

	"github.com/deckhand-app/deckhand/collection"
	expapkg "github.com/deckhand-app/deckhand/exporters/apkg"
	impapkg "github.com/deckhand-app/deckhand/importers/apkg"
)

// The Anki package formats, wired in from the importers/exporters packages. Other formats
// (CSV, AnkiApp, .colpkg replacement) can be registered the same way.
func init() {
	RegisterImporter(apkgImporter{})
	RegisterExporter(apkgExporter{})
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
	sum := ImportSummary{Added: res.NotesNew, Updated: res.NotesUpdated,
		Skipped: res.NotesSkipped + res.NotesUnchanged + res.NotesConflicting}
	if len(res.DecksCreated) > 0 {
		sum.Log = append(sum.Log, fmt.Sprintf("decks created: %v", res.DecksCreated))
	}
	return sum, nil
}

type apkgExporter struct{}

func (apkgExporter) Name() string      { return "Anki Deck Package (*.apkg)" }
func (apkgExporter) Extension() string { return ".apkg" }

func (apkgExporter) Export(ctx context.Context, col *collection.Collection, path string, opts ExportOptions, progress Progress) error {
	opt := expapkg.Options{DeckID: opts.DeckID, NoteIDs: opts.NoteIDs, WithScheduling: opts.WithScheduling, WithMedia: opts.WithMedia}
	if progress != nil {
		opt.Progress = func(p expapkg.Progress) { progress(p.Done, p.Total, "Exporting: "+p.Phase) }
	}
	_, err := expapkg.Export(ctx, col, path, opt)
	return err
}
