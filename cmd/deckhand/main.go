// Command deckhand is the Deckhand desktop app.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
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
	flag.Parse()
	if err := run(started, *colPath, *search); err != nil {
		fmt.Fprintln(os.Stderr, "deckhand:", err)
		os.Exit(1)
	}
}

func run(started time.Time, colPath, search string) error {
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
	w.Window.ShowAndRun()
	return nil
}
