package apkg

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/medianame"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
	"github.com/deckhand-app/deckhand/collection/store"
	"github.com/deckhand-app/deckhand/collection/text"
)

// mediaNames lists the media the exported notes refer to, plus the "_" files their note
// types' templates and CSS use (Anki's gather_media_names), that exist in the folder.
func (e *exporter) mediaNames(ctx context.Context, colFile string) ([]string, error) {
	db, err := store.Open(ctx, colFile, store.Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	names := map[string]bool{}
	rows, err := db.QueryContext(ctx, "SELECT flds FROM notes")
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var flds string
		if err := rows.Scan(&flds); err != nil {
			rows.Close()
			return nil, err
		}
		if !strings.ContainsAny(flds, "[<") {
			continue
		}
		for _, f := range strings.Split(flds, collection.FieldSeparator) {
			for _, n := range text.MediaRefs(f) {
				names[n] = true
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var models string
	if err := db.QueryRowContext(ctx, "SELECT models FROM col").Scan(&models); err != nil {
		return nil, err
	}
	for _, n := range underscoredRefs(models) {
		names[n] = true
	}
	return existingMedia(e.col.Media.Dir(), names, e.res), nil
}

// underscoredRef finds "_name.ext" file names in templates and CSS: quoted or inside
// url(...), which is how static media (fonts, scripts) are referenced.
var underscoredRef = regexp.MustCompile(`(?:["'(=]|\\")(_[^"'()\\\s<>/]+\.[A-Za-z0-9]+)`)

func underscoredRefs(s string) []string {
	var out []string
	for _, m := range underscoredRef.FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

func existingMedia(dir string, names map[string]bool, res *Result) []string {
	var out []string
	for n := range names {
		if !medianame.IsSafe(n) || !medianame.IsNormalized(n) {
			continue
		}
		st, err := os.Stat(filepath.Join(dir, n))
		if err != nil || !st.Mode().IsRegular() {
			if !medianame.IsStatic(n) {
				res.Warnings = append(res.Warnings, fmt.Sprintf("media %q is referenced but missing from the media folder", n))
			}
			continue
		}
		out = append(out, n)
	}
	sort.Strings(out)
	sort.Strings(res.Warnings)
	return out
}

// writePackage puts the collection file and media into a package (pkgfile.Writer
// renames the finished file into place and removes it on failure).
func writePackage(ctx context.Context, out string, gen pkgfile.Generation, colFile, mediaDir string, names []string, res *Result, progress func(Progress)) error {
	w, err := pkgfile.Create(out, pkgfile.WriterOptions{Generation: gen, DummyCollection: DummyCollection})
	if err != nil {
		return err
	}
	if progress != nil {
		progress(Progress{Phase: "collection", Done: 0, Total: 1})
	}
	if err := w.WriteCollection(ctx, colFile); err != nil {
		w.Abort()
		return err
	}
	for i, n := range names {
		if err := ctx.Err(); err != nil {
			w.Abort()
			return err
		}
		f, err := os.Open(filepath.Join(mediaDir, n))
		if err != nil {
			w.Abort()
			return fmt.Errorf("media %q: %w", n, err)
		}
		err = w.AddMedia(n, f)
		f.Close()
		if err != nil {
			w.Abort()
			return err
		}
		if progress != nil && (i%64 == 0 || i == len(names)-1) {
			progress(Progress{Phase: "media", Done: i + 1, Total: len(names)})
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	res.Media = len(names)
	return nil
}

// DummyText is the note Anki puts in the "please update" collection.anki2 of Legacy 2
// and Latest packages (ftl exporting-colpkg-too-new).
const DummyText = "Please update to the latest Anki version, then import the .colpkg/.apkg file again."

var dummy struct {
	once sync.Once
	b    []byte
	err  error
}

// DummyCollection returns the bytes of the collection.anki2 that Anki writes beside the
// real collection for old clients: a fresh collection holding one Basic note saying
// DummyText, with 512-byte pages, rollback journal and vacuumed
// (colpkg/export.rs create_dummy_collection_file). It is built once per process.
func DummyCollection() ([]byte, error) {
	dummy.once.Do(func() { dummy.b, dummy.err = buildDummy(context.Background()) })
	return dummy.b, dummy.err
}

func buildDummy(ctx context.Context) ([]byte, error) {
	dir, err := os.MkdirTemp("", "deckhand-dummy-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "collection.anki2")
	col, err := collection.Create(ctx, path)
	if err != nil {
		return nil, err
	}
	nt, ok := col.NotetypeByName("Basic")
	if !ok {
		col.Close()
		return nil, fmt.Errorf("dummy collection: no Basic note type")
	}
	n, err := col.NewNote(nt.ID)
	if err == nil {
		n.Fields[0] = DummyText
		err = col.AddNote(ctx, n, collection.DefaultDeckID)
	}
	if cerr := col.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("dummy collection: %w", err)
	}
	db, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		return nil, err
	}
	// page_size only changes on VACUUM and only outside WAL mode.
	for _, s := range []string{"PRAGMA journal_mode=DELETE", "PRAGMA page_size=512", "VACUUM"} {
		if _, err := db.ExecContext(ctx, s); err != nil {
			db.Close()
			return nil, fmt.Errorf("dummy collection: %s: %w", s, err)
		}
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}
