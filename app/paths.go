// Package app holds Deckhand's application services shared by the GUI and the CLI: where
// collections live, opening them, background jobs and preferences. It has no widgets.
package app

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// DataDir is the per-user folder Deckhand keeps collections in: $XDG_DATA_HOME/deckhand
// (~/.local/share/deckhand) on Linux, ~/Library/Application Support/Deckhand on macOS and
// %AppData%\Deckhand on Windows. DECKHAND_DATA overrides it (tests, portable installs).
func DataDir() (string, error) {
	if d := os.Getenv("DECKHAND_DATA"); d != "" {
		return d, nil
	}
	switch runtime.GOOS {
	case "windows", "darwin":
		base, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("find data folder: %w", err)
		}
		return filepath.Join(base, "Deckhand"), nil
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "deckhand"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find data folder: %w", err)
	}
	return filepath.Join(home, ".local", "share", "deckhand"), nil
}

// DefaultCollectionPath is the collection used when none is named.
func DefaultCollectionPath() (string, error) {
	d, err := DataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "collection.anki2"), nil
}
