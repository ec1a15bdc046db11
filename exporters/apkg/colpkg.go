package apkg

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/medianame"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
	"github.com/deckhand-app/deckhand/collection/store"
)

// ColpkgOptions control a .colpkg export.
type ColpkgOptions struct {
	// Generation is Latest (default) or Legacy2; Anki writes no Legacy 1 colpkg.
	Generation pkgfile.Generation
	// NoMedia leaves the media folder out (Anki always includes it; useful for tests
	// and quick backups).
	NoMedia  bool
	Progress func(Progress)
}

// ExportColpkg writes the whole collection and every file of its media folder to out
// (Anki's export_colpkg). The collection is snapshotted with VACUUM INTO, so it may stay
// open and in use; the copy is switched to rollback-journal mode before packing.
func ExportColpkg(ctx context.Context, col *collection.Collection, out string, opt ColpkgOptions) (*Result, error) {
	if opt.Generation == 0 {
		opt.Generation = pkgfile.Latest
	}
	fail := func(err error) (*Result, error) { return nil, fmt.Errorf("export %s: %w", filepath.Base(out), err) }
	if opt.Generation == pkgfile.Legacy1 {
		return fail(fmt.Errorf("a collection package cannot be written as %s", opt.Generation))
	}
	if col.Media == nil {
		return fail(errNoMediaFolder)
	}
	res := &Result{Generation: opt.Generation.String()}
	tmp, err := os.MkdirTemp(filepath.Dir(out), ".export-*")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(tmp)
	snap := filepath.Join(tmp, "collection.anki2")
	if opt.Progress != nil {
		opt.Progress(Progress{Phase: "gathering", Done: 0, Total: 1})
	}
	if err := snapshot(ctx, col, snap, res); err != nil {
		return fail(err)
	}
	var names []string
	if !opt.NoMedia {
		if names, err = folderMedia(col.Media.Dir()); err != nil {
			return fail(err)
		}
	}
	if err := writePackage(ctx, out, opt.Generation, snap, col.Media.Dir(), names, res, opt.Progress); err != nil {
		return fail(err)
	}
	return res, nil
}

func snapshot(ctx context.Context, col *collection.Collection, path string, res *Result) error {
	conn, err := col.DB().Conn(ctx)
	if err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "VACUUM INTO ?", path)
	conn.Close()
	if err != nil {
		return fmt.Errorf("snapshot collection: %w", err)
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return err
	}
	for _, q := range []struct {
		sql string
		dst *int
	}{{"SELECT count(*) FROM notes", &res.Notes}, {"SELECT count(*) FROM cards", &res.Cards},
		{"SELECT count(*) FROM revlog", &res.Revlog}} {
		if err := db.QueryRowContext(ctx, q.sql).Scan(q.dst); err != nil {
			db.Close()
			return err
		}
	}
	res.Decks, res.Notetypes = len(col.Decks()), len(col.Notetypes())
	return store.CloseForTransfer(ctx, db)
}

// folderMedia lists the files of the media folder a package may carry: regular,
// non-empty, safe and normalised names (what Anki's media check accepts).
func folderMedia(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("media folder: %w", err)
	}
	var out []string
	for _, de := range entries {
		n := de.Name()
		if !de.Type().IsRegular() || strings.HasPrefix(n, ".") || !medianame.IsSafe(n) || !medianame.IsNormalized(n) {
			continue
		}
		if info, err := de.Info(); err != nil || info.Size() == 0 || info.Size() > medianame.MaxFileSize {
			continue
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}
