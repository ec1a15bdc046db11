package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
	apkgexport "github.com/deckhand-app/deckhand/exporters/apkg"
	apkgimport "github.com/deckhand-app/deckhand/importers/apkg"
)

const importUsage = `usage: deckhand-cli import FILE [--update newer|always|never] [--keep-scheduling] [--deck NAME] [--json]
  FILE.apkg is merged into the collection; FILE.colpkg replaces it (after a backup in backups/).
  AnkiApp decks (.xml, .zip, .db) and Anki's text format (.csv, .tsv, .txt) are imported too
  (import-text has their extra options).
  --deck NAME puts every imported card into deck NAME instead of the package's decks.`

const exportUsage = `usage: deckhand-cli export OUT [--deck NAME | --notes ID,ID...] [--format apkg|apkg-legacy|apkg-legacy1|colpkg|ankiapp|csv|tsv]
                          [--with-scheduling] [--no-media] [--json]
  apkg = latest format (Anki ≥2.1.50), apkg-legacy = "support older Anki versions",
  apkg-legacy1 = collection.anki2 only (old tools), colpkg = the whole collection,
  ankiapp = AnkiApp XML (.zip with blobs/ when media is used), csv/tsv = Anki's text format.`

// flagsAnywhere lets options follow the positional argument, as the usage shows them.
func flagsAnywhere(args []string) (flags, positional []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			flags = append(flags, a)
			if !strings.Contains(a, "=") && i+1 < len(args) && takesValue(a) {
				flags = append(flags, args[i+1])
				i++
			}
			continue
		}
		positional = append(positional, a)
	}
	return flags, positional
}

func takesValue(flag string) bool {
	switch strings.TrimLeft(flag, "-") {
	case "update", "deck", "format", "notes":
		return true
	}
	return false
}

func cmdImport(ctx context.Context, col *collection.Collection, args []string, out io.Writer) error {
	fs := newFlags("import")
	update := fs.String("update", "newer", "update existing notes: newer, always or never")
	keep := fs.Bool("keep-scheduling", false, "keep review state and history")
	deck := fs.String("deck", "", "put all imported cards into this deck")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	flags, pos := flagsAnywhere(args)
	if err := fs.Parse(flags); err != nil {
		return fmt.Errorf("import: %v\n%s (%w)", err, importUsage, errUsage)
	}
	if len(pos) != 1 {
		return fmt.Errorf("import needs exactly one FILE\n%s (%w)", importUsage, errUsage)
	}
	file := pos[0]
	if isTextFormat(file) {
		// AnkiApp decks and databases, CSV/TSV: see textformats.go.
		_, err := importOtherFormat(ctx, col, file, textImportFlags{deck: *deck, asJSON: *asJSON}, out)
		return err
	}
	if strings.HasSuffix(strings.ToLower(file), ".colpkg") {
		// Replacing the file needs the collection closed; run() closing it again is harmless.
		if err := col.Close(); err != nil {
			return err
		}
		res, err := apkgimport.ImportColpkg(ctx, col.Path(), file, apkgimport.ColpkgOptions{})
		if err != nil {
			return err
		}
		if *asJSON {
			return json.NewEncoder(out).Encode(res)
		}
		fmt.Fprintf(out, "replaced the collection with %s (%s)\nnotes %d, cards %d, reviews %d, decks %d, media written %d\n",
			file, res.Generation, res.Notes, res.Cards, res.Revlog, res.Decks, res.MediaAdded)
		if res.Backup != "" {
			fmt.Fprintf(out, "previous collection saved as %s\n", res.Backup)
		}
		printWarnings(out, res.Warnings)
		return nil
	}
	cond, err := apkgimport.ParseUpdateCondition(*update)
	if err != nil {
		return fmt.Errorf("import: %v (%w)", err, errUsage)
	}
	res, err := apkgimport.Import(ctx, col, file, apkgimport.Options{
		UpdateNotes: cond, UpdateNotetypes: cond, KeepScheduling: *keep, TargetDeck: *deck})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(res)
	}
	fmt.Fprintf(out, "imported %s (%s)\n", file, res.Generation)
	fmt.Fprintf(out, "notes: %d new, %d updated, %d unchanged, %d conflicting, %d skipped\n",
		res.NotesNew, res.NotesUpdated, res.NotesUnchanged, res.NotesConflicting, res.NotesSkipped)
	fmt.Fprintf(out, "cards added %d, reviews added %d, note types added %d / updated %d\n",
		res.CardsAdded, res.RevlogAdded, res.NotetypesAdded, res.NotetypesUpdated)
	fmt.Fprintf(out, "media added %d, renamed %d\n", res.MediaAdded, len(res.MediaRenamed))
	for _, d := range res.DecksCreated {
		fmt.Fprintf(out, "deck created: %s\n", d)
	}
	old := make([]string, 0, len(res.MediaRenamed))
	for k := range res.MediaRenamed {
		old = append(old, k)
	}
	sort.Strings(old)
	for _, k := range old {
		fmt.Fprintf(out, "media renamed: %s → %s\n", k, res.MediaRenamed[k])
	}
	printWarnings(out, res.Warnings)
	return nil
}

func printWarnings(out io.Writer, ws []string) {
	for _, w := range ws {
		fmt.Fprintf(out, "warning: %s\n", w)
	}
}

func cmdExport(ctx context.Context, col *collection.Collection, args []string, out io.Writer) error {
	fs := newFlags("export")
	deck := fs.String("deck", "", "export this deck and its children")
	notes := fs.String("notes", "", "export these note ids (comma-separated)")
	format := fs.String("format", "apkg", "apkg, apkg-legacy, apkg-legacy1 or colpkg")
	sched := fs.Bool("with-scheduling", false, "include review state and history")
	noMedia := fs.Bool("no-media", false, "leave media out")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	flags, pos := flagsAnywhere(args)
	if err := fs.Parse(flags); err != nil {
		return fmt.Errorf("export: %v\n%s (%w)", err, exportUsage, errUsage)
	}
	if len(pos) != 1 {
		return fmt.Errorf("export needs exactly one OUT file\n%s (%w)", exportUsage, errUsage)
	}
	var noteIDs []int64
	if *notes != "" {
		for _, s := range strings.Split(*notes, ",") {
			id, perr := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if perr != nil {
				return fmt.Errorf("export: note id %q: %v (%w)", s, perr, errUsage)
			}
			noteIDs = append(noteIDs, id)
		}
	}
	if handled, err := exportOtherFormat(ctx, col, *format, pos[0], *deck, noteIDs, false, *asJSON, out); handled {
		return err
	}
	var res *apkgexport.Result
	var err error
	switch *format {
	case "colpkg":
		if *deck != "" || *notes != "" {
			return fmt.Errorf("export: a colpkg holds the whole collection; --deck and --notes do not apply (%w)", errUsage)
		}
		res, err = apkgexport.ExportColpkg(ctx, col, pos[0], apkgexport.ColpkgOptions{NoMedia: *noMedia})
	case "apkg", "apkg-legacy", "apkg-legacy1":
		opt := apkgexport.Options{WithScheduling: *sched, WithMedia: !*noMedia,
			Generation: map[string]pkgfile.Generation{"apkg": pkgfile.Latest, "apkg-legacy": pkgfile.Legacy2, "apkg-legacy1": pkgfile.Legacy1}[*format]}
		if *deck != "" {
			d, ok := col.DeckByName(*deck)
			if !ok {
				return fmt.Errorf("export: no deck called %q", *deck)
			}
			opt.DeckID = d.ID
		}
		opt.NoteIDs = noteIDs
		res, err = apkgexport.Export(ctx, col, pos[0], opt)
	default:
		return fmt.Errorf("export: unknown format %q\n%s (%w)", *format, exportUsage, errUsage)
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(out).Encode(res)
	}
	fmt.Fprintf(out, "wrote %s (%s): notes %d, cards %d, reviews %d, decks %d, note types %d, media %d\n",
		pos[0], res.Generation, res.Notes, res.Cards, res.Revlog, res.Decks, res.Notetypes, res.Media)
	printWarnings(out, res.Warnings)
	return nil
}
