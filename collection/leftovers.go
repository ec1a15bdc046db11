package collection

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Work folders and files that imports, restores and syncs create beside a collection and
// remove when they finish. A process killed mid-way leaves them behind. The only one that
// can hold the only copy of something is an import's staging folder between its commit and
// the media move; the collection records that (pending_media.go) and Open finishes the move
// before it removes anything.
var leftoverPrefixes = []string{".import-", ".restore-", ".sync-download-", ".sync-upload-", ".sync-check-",
	".extract-", ".backup-"}

// staleAfter keeps a folder another process is still using (a long import in the CLI while the
// app opens the same collection) from being removed under it.
const staleAfter = time.Hour

// removeLeftovers deletes stale work folders beside the collection at path.
func removeLeftovers(path string) {
	dir := filepath.Dir(path)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	base := filepath.Base(path)
	for _, e := range entries {
		name := e.Name()
		if !isLeftover(name, base) {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < staleAfter {
			continue
		}
		if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
			slog.Warn("remove leftover work folder", "path", filepath.Join(dir, name), "err", err)
		} else {
			slog.Info("removed leftover work folder", "path", filepath.Join(dir, name))
		}
	}
}

func isLeftover(name, colBase string) bool {
	if name == colBase+".creating" { // Create's half-made file
		return true
	}
	for _, p := range leftoverPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
