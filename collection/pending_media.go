package collection

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/deckhand-app/deckhand/collection/media"
	"github.com/deckhand-app/deckhand/collection/medianame"
)

// An import stages its media files in a work folder beside the collection and moves them
// into the media folder once its transaction has committed: a failed import must leave the
// media folder as it was. A process killed between the commit and the move would leave
// notes whose files sit in the work folder, never to be read again. So the import's own
// transaction records what is to be moved (SetPendingMedia); FinishPendingMedia moves the
// files and clears the record, and Open runs it too, so a crash only delays the move to the
// next open.

// pendingMediaKey is the config key of the record; it lives only between an import's commit
// and the move that follows it.
const pendingMediaKey = "deckhandPendingMedia"

// PendingFile is a staged media file: its name in the media folder and its SHA-1 (hex).
type PendingFile struct {
	Name string `json:"name"`
	SHA1 string `json:"sha1"`
}

type pendingMedia struct {
	Dir   string        `json:"dir"` // the staging folder, relative to the collection's folder
	Files []PendingFile `json:"files"`
	// Replace: the files replace ones of the same name (a restored .colpkg is the truth)
	// instead of giving way to them (an import)
	Replace bool `json:"replace,omitempty"`
}

// SetPendingMedia records, in the transaction, files staged in stageDir (a folder beside the
// collection) that FinishPendingMedia is to move into the media folder after the commit.
func (tx *Tx) SetPendingMedia(stageDir string, files []PendingFile) error {
	return tx.setPendingMedia(tx.c.path, stageDir, files, false)
}

// SetRestoredMedia is SetPendingMedia for a collection file that is about to replace the
// one at finalPath (a .colpkg restore): stageDir is beside finalPath, and the files replace
// ones of the same name.
func (tx *Tx) SetRestoredMedia(finalPath, stageDir string, files []PendingFile) error {
	return tx.setPendingMedia(finalPath, stageDir, files, true)
}

func (tx *Tx) setPendingMedia(colPath, stageDir string, files []PendingFile, replace bool) error {
	if len(files) == 0 {
		return nil
	}
	rel, err := filepath.Rel(filepath.Dir(colPath), stageDir)
	if err != nil || !medianameSafeDir(filepath.ToSlash(rel)) {
		return fmt.Errorf("pending media: %s is not beside the collection", stageDir)
	}
	return tx.SetConfig(pendingMediaKey, pendingMedia{Dir: filepath.ToSlash(rel), Files: files, Replace: replace})
}

// FinishPendingMedia moves the files a committed import staged into the media folder,
// records them in the media database and clears the record. A file that appeared in the
// media folder meanwhile with other bytes is kept (a warning), as is a staged file that is
// gone (a warning: the notes then miss it, as after a failed copy). Without a record it
// does nothing.
func (c *Collection) FinishPendingMedia(ctx context.Context) (moved int, warnings []string, err error) {
	var p pendingMedia
	ok, err := c.ConfigGet(pendingMediaKey, &p)
	if !ok {
		return 0, nil, nil
	}
	if err == nil && c.Media != nil && medianameSafeDir(p.Dir) {
		stage := filepath.Join(filepath.Dir(c.path), filepath.FromSlash(p.Dir))
		moved, warnings = moveStagedMedia(ctx, c.Media, stage, p.Files, p.Replace)
	} else if err != nil {
		warnings = append(warnings, fmt.Sprintf("pending media record: %v", err))
	}
	err = c.Transact(ctx, func(tx *Tx) error {
		delete(tx.c.conf, pendingMediaKey)
		tx.colDirty = true
		return nil
	})
	if err != nil {
		return moved, warnings, fmt.Errorf("clear pending media: %w", err)
	}
	return moved, warnings, nil
}

// medianameSafeDir accepts a relative staging folder inside the collection's folder.
func medianameSafeDir(dir string) bool {
	if dir == "" || filepath.IsAbs(dir) || strings.HasPrefix(dir, "/") {
		return false
	}
	for _, part := range strings.Split(dir, "/") {
		if part == ".." || part == "" {
			return false
		}
	}
	return true
}

func moveStagedMedia(ctx context.Context, folder *media.Folder, stageDir string, files []PendingFile, replace bool) (moved int, warnings []string) {
	adopted := map[string]string{}
	for _, f := range files {
		if !medianame.IsSafe(f.Name) {
			warnings = append(warnings, fmt.Sprintf("media %q: not a plain file name", f.Name))
			continue
		}
		dst := filepath.Join(folder.Dir(), f.Name)
		existing, err := media.HashFile(dst)
		switch {
		case err == nil && existing == f.SHA1:
			// moved before a crash, or the same file arrived otherwise: only bookkeeping
			adopted[f.Name] = f.SHA1
			continue
		case err == nil && !replace:
			warnings = append(warnings, fmt.Sprintf("media %q: a different file with that name appeared during the import; kept it", f.Name))
			continue
		case err == nil: // replaced below
		case err != nil && !errors.Is(err, fs.ErrNotExist):
			warnings = append(warnings, fmt.Sprintf("media %q: %v", f.Name, err))
			continue
		}
		if err := os.Rename(filepath.Join(stageDir, f.Name), dst); err != nil {
			warnings = append(warnings, fmt.Sprintf("media %q: %v", f.Name, err))
			continue
		}
		adopted[f.Name] = f.SHA1
		moved++
	}
	if len(adopted) > 0 {
		// A media sync would find the files anyway; only the bookkeeping is late then.
		if err := folder.AdoptAll(ctx, adopted); err != nil {
			warnings = append(warnings, fmt.Sprintf("media database: %v", err))
		}
	}
	return moved, warnings
}

// finishPendingMediaAtOpen completes an import that was killed after its commit.
func (c *Collection) finishPendingMediaAtOpen(ctx context.Context) {
	moved, warnings, err := c.FinishPendingMedia(ctx)
	if err != nil {
		slog.Warn("pending media of an interrupted import", "path", c.path, "err", err)
	}
	if moved > 0 || len(warnings) > 0 {
		slog.Info("finished the media of an interrupted import", "path", c.path, "moved", moved, "warnings", len(warnings))
	}
}
