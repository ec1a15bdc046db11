// Command deckhand is the Deckhand desktop app.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"

	fyneapp "fyne.io/fyne/v2/app"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/views"
)

func main() {
	colPath := flag.String("col", "", "collection file (default: the one in your Deckhand data folder)")
	flag.Parse()
	if err := run(*colPath); err != nil {
		fmt.Fprintln(os.Stderr, "deckhand:", err)
		os.Exit(1)
	}
}

func run(colPath string) error {
	ctx := context.Background()
	if colPath == "" {
		p, err := app.DefaultCollectionPath()
		if err != nil {
			return err
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
	w.Refresh(ctx)
	w.Window.ShowAndRun()
	return nil
}
