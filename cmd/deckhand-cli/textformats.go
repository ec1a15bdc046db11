package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
	ankiappexport "github.com/deckhand-app/deckhand/exporters/ankiapp"
	csvexport "github.com/deckhand-app/deckhand/exporters/csv"
	ankiappimport "github.com/deckhand-app/deckhand/importers/ankiapp"
	csvimport "github.com/deckhand-app/deckhand/importers/csv"
)

const importTextUsage = `usage: deckhand-cli import-text FILE [--deck NAME] [--notetype NAME] [--dupes update|skip|keep]
                               [--html | --plain] [--delimiter tab|comma|semicolon|pipe|colon|space]
                               [--tags "a b"] [--json]
  FILE.xml / FILE.zip: AnkiApp deck (zip with blobs/); FILE.db: AnkiApp database;
  FILE.csv / .tsv / .txt: Anki's text format ("#separator:", "#columns:", … headers honoured).`

const exportTextUsage = `usage: deckhand-cli export-text OUT --format ankiapp|csv|tsv [--deck NAME | --notes ID,ID...]
                               [--plain] [--json]
  ankiapp writes OUT.xml, or OUT.zip with blobs/ when media are referenced;
  csv/tsv write Anki's text format with guid, note type, deck and tags columns.`

// isTextFormat tells the files importOtherFormat handles, by extension.
func isTextFormat(file string) bool {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".xml", ".zip", ".db", ".csv", ".tsv", ".txt":
		return true
	}
	return false
}

// textImportFlags are the options import-text understands.
type textImportFlags struct {
	deck, notetype, dupes, delimiter, tags string
	html, plain, asJSON                    bool
}

// importOtherFormat imports the AnkiApp and CSV/TSV files (by extension); handled is
// false for anything else (.apkg/.colpkg), so that `import` can call it first.
func importOtherFormat(ctx context.Context, col *collection.Collection, file string, f textImportFlags, out io.Writer) (handled bool, err error) {
	ext := strings.ToLower(filepath.Ext(file))
	var res *ankiappimport.Result
	switch ext {
	case ".xml", ".zip", ".db":
		res, err = ankiappimport.Import(ctx, col, file, ankiappimport.Options{TargetDeck: f.deck})
	case ".csv", ".tsv", ".txt":
		opt := csvimport.Options{}
		if ext == ".tsv" {
			opt.Delimiter = '\t'
		}
		if f.delimiter != "" {
			d, ok := map[string]rune{"tab": '\t', "comma": ',', "semicolon": ';', "pipe": '|', "colon": ':', "space": ' '}[strings.ToLower(f.delimiter)]
			if !ok {
				return true, fmt.Errorf("import: unknown delimiter %q (%w)", f.delimiter, errUsage)
			}
			opt.Delimiter = d
		}
		if f.deck != "" {
			did, derr := col.AddDeck(ctx, f.deck)
			if derr != nil {
				return true, derr
			}
			opt.DeckID = did
		}
		if f.notetype != "" {
			nt, ok := col.NotetypeByName(f.notetype)
			if !ok {
				return true, fmt.Errorf("import: no note type called %q", f.notetype)
			}
			opt.NotetypeID = nt.ID
		}
		if f.dupes != "" {
			d, derr := csvimport.ParseDupeResolution(f.dupes)
			if derr != nil {
				return true, fmt.Errorf("import: %v (%w)", derr, errUsage)
			}
			opt.Dupe = &d
		}
		if f.html || f.plain {
			h := f.html
			opt.HTML = &h
		}
		opt.Tags = strings.Fields(f.tags)
		res, err = csvimport.Import(ctx, col, file, opt)
	default:
		return false, nil
	}
	if err != nil {
		return true, err
	}
	if f.asJSON {
		return true, json.NewEncoder(out).Encode(res)
	}
	fmt.Fprintf(out, "imported %s (%s)\n", file, res.Generation)
	fmt.Fprintf(out, "notes: %d new, %d updated, %d unchanged, %d conflicting, %d skipped\n",
		res.NotesNew, res.NotesUpdated, res.NotesUnchanged, res.NotesConflicting, res.NotesSkipped)
	fmt.Fprintf(out, "cards added %d, note types added %d, media added %d\n", res.CardsAdded, res.NotetypesAdded, res.MediaAdded)
	for _, d := range res.DecksCreated {
		fmt.Fprintf(out, "deck created: %s\n", d)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(out, "warning: %s\n", w)
	}
	return true, nil
}

func cmdImportText(ctx context.Context, col *collection.Collection, args []string, out io.Writer) error {
	fs := newFlags("import-text")
	var f textImportFlags
	fs.StringVar(&f.deck, "deck", "", "target deck")
	fs.StringVar(&f.notetype, "notetype", "", "note type for CSV rows")
	fs.StringVar(&f.dupes, "dupes", "", "update, skip or keep")
	fs.StringVar(&f.delimiter, "delimiter", "", "CSV delimiter")
	fs.StringVar(&f.tags, "tags", "", "tags added to every note")
	fs.BoolVar(&f.html, "html", false, "CSV fields are HTML")
	fs.BoolVar(&f.plain, "plain", false, "CSV fields are plain text")
	fs.BoolVar(&f.asJSON, "json", false, "print the result as JSON")
	flags, pos := textFlagsAnywhere(args)
	if err := fs.Parse(flags); err != nil {
		return fmt.Errorf("import-text: %v\n%s (%w)", err, importTextUsage, errUsage)
	}
	if len(pos) != 1 {
		return fmt.Errorf("import-text needs exactly one FILE\n%s (%w)", importTextUsage, errUsage)
	}
	handled, err := importOtherFormat(ctx, col, pos[0], f, out)
	if !handled {
		return fmt.Errorf("import-text: %s is not .xml, .zip, .db, .csv, .tsv or .txt (%w)", pos[0], errUsage)
	}
	return err
}

// exportOtherFormat exports in the ankiapp, csv and tsv formats; handled is false for
// other formats, so that `export` can call it first.
func exportOtherFormat(ctx context.Context, col *collection.Collection, format, outPath, deck string, noteIDs []int64, plain, asJSON bool, out io.Writer) (handled bool, err error) {
	switch format {
	case "ankiapp", "csv", "tsv":
	default:
		return false, nil
	}
	var did int64
	if deck != "" {
		d, ok := col.DeckByName(deck)
		if !ok {
			return true, fmt.Errorf("export: no deck called %q", deck)
		}
		did = d.ID
	}
	ids, err := csvexport.NoteIDs(ctx, col, noteIDs, did)
	if err != nil {
		return true, err
	}
	var summary any
	switch format {
	case "ankiapp":
		name := ""
		if deck != "" {
			name = deck
		}
		s, err := ankiappexport.Export(ctx, col, ids, outPath, ankiappexport.Options{DeckName: name})
		if err != nil {
			return true, err
		}
		summary = s
		if !asJSON {
			fmt.Fprintf(out, "wrote %s (ankiapp): notes %d, deck files %d, media %d\n", outPath, s.Notes, s.Decks, s.Media)
		}
	default:
		delim := '\t'
		if format == "csv" {
			delim = ','
		}
		opt := csvexport.AllColumns(delim)
		opt.PlainText = plain
		n, err := csvexport.Export(ctx, col, ids, outPath, opt)
		if err != nil {
			return true, err
		}
		summary = map[string]any{"notes": n, "format": format}
		if !asJSON {
			fmt.Fprintf(out, "wrote %s (%s): notes %d\n", outPath, format, n)
		}
	}
	if asJSON {
		return true, json.NewEncoder(out).Encode(summary)
	}
	return true, nil
}

func cmdExportText(ctx context.Context, col *collection.Collection, args []string, out io.Writer) error {
	fs := newFlags("export-text")
	deck := fs.String("deck", "", "export this deck and its children")
	notes := fs.String("notes", "", "export these note ids (comma-separated)")
	format := fs.String("format", "", "ankiapp, csv or tsv")
	plain := fs.Bool("plain", false, "CSV/TSV: fields as plain text")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	flags, pos := textFlagsAnywhere(args)
	if err := fs.Parse(flags); err != nil {
		return fmt.Errorf("export-text: %v\n%s (%w)", err, exportTextUsage, errUsage)
	}
	if len(pos) != 1 {
		return fmt.Errorf("export-text needs exactly one OUT file\n%s (%w)", exportTextUsage, errUsage)
	}
	var ids []int64
	if *notes != "" {
		for _, s := range strings.Split(*notes, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil {
				return fmt.Errorf("export-text: note id %q: %v (%w)", s, err, errUsage)
			}
			ids = append(ids, id)
		}
	}
	f := *format
	if f == "" {
		switch strings.ToLower(filepath.Ext(pos[0])) {
		case ".csv":
			f = "csv"
		case ".tsv", ".txt":
			f = "tsv"
		case ".xml", ".zip":
			f = "ankiapp"
		}
	}
	handled, err := exportOtherFormat(ctx, col, f, pos[0], *deck, ids, *plain, *asJSON, out)
	if !handled {
		return fmt.Errorf("export-text: unknown format %q\n%s (%w)", f, exportTextUsage, errUsage)
	}
	return err
}

// textFlagsAnywhere lets options follow the file name.
func textFlagsAnywhere(args []string) (flags, positional []string) {
	valued := map[string]bool{"deck": true, "notetype": true, "dupes": true, "delimiter": true, "tags": true, "notes": true, "format": true}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			flags = append(flags, a)
			if !strings.Contains(a, "=") && i+1 < len(args) && valued[strings.TrimLeft(a, "-")] {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		positional = append(positional, a)
	}
	return flags, positional
}
