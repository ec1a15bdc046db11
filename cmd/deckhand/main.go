// Command deckhand is the Deckhand desktop app.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/views"
)

func main() {
	started := time.Now()
	colPath := flag.String("col", "", "collection file (default: the one in your Deckhand data folder, created on first run)")
	search := flag.String("search", "", "initial browser search (Anki syntax)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: deckhand [--col FILE] [--search QUERY] [FILE-TO-IMPORT]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	// the system passes double-clicked .apkg/.colpkg files (or file:// URIs) as arguments
	var open []string
	for _, arg := range flag.Args() {
		open = append(open, importPath(arg))
	}
	if err := run(started, *colPath, *search, open); err != nil {
		fmt.Fprintln(os.Stderr, "deckhand:", err)
		os.Exit(1)
	}
}

// importPath turns a file:// URI (what some desktops pass for %u) into a path.
func importPath(arg string) string {
	if u, err := url.Parse(arg); err == nil && u.Scheme == "file" {
		return u.Path
	}
	if abs, err := filepath.Abs(arg); err == nil {
		return abs
	}
	return arg
}

func run(started time.Time, colPath, search string, open []string) error {
	ctx := context.Background()
	if colPath == "" {
		p, err := app.DefaultCollectionPath()
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("create data folder: %w", err)
		}
		colPath = p
	}
	svc, err := app.OpenService(ctx, colPath)
	if err != nil {
		return err
	}
	defer func() {
		if err := svc.Close(); err != nil {
			slog.Error("close collection", "err", err)
		}
	}()
	a := fyneapp.NewWithID("app.deckhand.desktop")
	w := views.NewMainWindow(a, svc)
	w.Started = started
	if search == "" {
		search = "deck:current" // Anki's default browser search
	}
	w.Browser.Search.SetText(search)
	w.Refresh(ctx)
	a.Lifecycle().SetOnStarted(func() {
		// X11 docks match a window to its launcher by the class taken from the first title
		// ("Deckhand"), so the collection's name joins the title only once the window is up.
		w.ShowCollectionTitle()
		// once the window is up, on the UI goroutine: import them, asking first for a .colpkg
		for _, f := range open {
			w.ImportFile(f)
		}
	})
	w.Window.ShowAndRun()
	return nil
}
