// Package apkg imports Anki packages into a collection: .apkg files (shared decks) are
// merged following Anki's rules (rslib import_export/package/apkg/import), .colpkg files
// replace the whole collection (package/colpkg/import.rs). All three package generations
// are read (legacy 1, legacy 2, latest); see /work/shared/spec/package-formats.md §4–§6.
package apkg

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
)

// UpdateCondition says when an incoming note or note type replaces the one the
// collection already has (Anki's ImportAnkiPackageUpdateCondition).
type UpdateCondition int

const (
	// UpdateIfNewer replaces it when the incoming modification time is later.
	UpdateIfNewer UpdateCondition = iota
	// UpdateAlways replaces it whenever the modification times differ.
	UpdateAlways
	// UpdateNever keeps what the collection has.
	UpdateNever
)

// ParseUpdateCondition reads "newer", "always" or "never".
func ParseUpdateCondition(s string) (UpdateCondition, error) {
	switch strings.ToLower(s) {
	case "", "newer", "if-newer", "ifnewer":
		return UpdateIfNewer, nil
	case "always":
		return UpdateAlways, nil
	case "never":
		return UpdateNever, nil
	}
	return 0, fmt.Errorf("unknown update condition %q (want newer, always or never)", s)
}

func (u UpdateCondition) String() string {
	switch u {
	case UpdateAlways:
		return "always"
	case UpdateNever:
		return "never"
	}
	return "newer"
}

func (u UpdateCondition) allows(incoming, existing int64) bool {
	switch u {
	case UpdateAlways:
		return incoming != existing
	case UpdateNever:
		return false
	}
	return incoming > existing
}

// Progress reports how far a long import or export is.
type Progress struct {
	Phase string `json:"phase"` // "extracting", "media-check", "notetypes", "notes", "decks", "cards", "revlog", "media"
	Done  int    `json:"done"`
	Total int    `json:"total"`
}

// Options control an .apkg import.
type Options struct {
	// UpdateNotes decides whether a note already present (same guid and note type) is
	// overwritten. UpdateNotetypes does the same for note types with the same id and
	// the same fields and card types.
	UpdateNotes     UpdateCondition
	UpdateNotetypes UpdateCondition
	// KeepScheduling imports review state, review history, deck options and filtered
	// decks. Without it cards arrive as new cards (Anki's gather without scheduling).
	KeepScheduling bool
	// TargetDeck, when set, puts every imported card into this deck (created when
	// missing) instead of recreating the package's decks.
	TargetDeck string
	// Progress, when set, is called as the import advances (from the calling goroutine).
	Progress func(Progress)
	// Limits bound what reading the package may cost; zero fields take pkgfile's defaults.
	Limits pkgfile.Limits
}

// Result summarises an import; it is what the user is shown and serialises to JSON.
type Result struct {
	Generation       string            `json:"generation"`
	NotesNew         int               `json:"notesNew"`
	NotesUpdated     int               `json:"notesUpdated"`
	NotesUnchanged   int               `json:"notesUnchanged"` // duplicates left as they were
	NotesConflicting int               `json:"notesConflicting"`
	NotesSkipped     int               `json:"notesSkipped"`
	ConflictingGUIDs []string          `json:"conflictingGuids,omitempty"`
	CardsAdded       int               `json:"cardsAdded"`
	RevlogAdded      int               `json:"revlogAdded"`
	NotetypesAdded   int               `json:"notetypesAdded"`
	NotetypesUpdated int               `json:"notetypesUpdated"`
	DecksCreated     []string          `json:"decksCreated"`
	MediaAdded       int               `json:"mediaAdded"`
	MediaRenamed     map[string]string `json:"mediaRenamed,omitempty"` // package name → name used
	Warnings         []string          `json:"warnings,omitempty"`
}

func (r *Result) warn(format string, args ...any) {
	const maxWarnings = 200
	if len(r.Warnings) < maxWarnings {
		r.Warnings = append(r.Warnings, fmt.Sprintf(format, args...))
	} else if len(r.Warnings) == maxWarnings {
		r.Warnings = append(r.Warnings, "further warnings left out")
	}
}

// Import merges an .apkg file into col in one transaction. On any error nothing in the
// collection or its media folder has changed. Media are staged beside the collection
// and moved into the media folder only after the transaction committed.
func Import(ctx context.Context, col *collection.Collection, path string, opt Options) (*Result, error) {
	if col.Media == nil {
		return nil, fmt.Errorf("import %s: collection has no media folder", filepath.Base(path))
	}
	imp := &importer{opt: opt, res: &Result{DecksCreated: []string{}}, now: time.Now()}
	imp.progress("extracting", 0, 1)
	r, err := pkgfile.Open(path, opt.Limits)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", filepath.Base(path), err)
	}
	defer r.Close()
	imp.res.Generation = r.Generation().String()
	tmp, err := os.MkdirTemp(filepath.Dir(col.Path()), ".import-*")
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", filepath.Base(path), err)
	}
	defer os.RemoveAll(tmp)
	src, err := openSource(ctx, r, tmp)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", filepath.Base(path), err)
	}
	defer src.close()
	imp.src, imp.pkg = src, r
	imp.progress("extracting", 1, 1)
	imp.progress("media-check", 0, len(r.Media()))
	if imp.media, err = planMedia(ctx, r, col.Media.Dir()); err != nil {
		return nil, fmt.Errorf("import %s: %w", filepath.Base(path), err)
	}
	stageDir := filepath.Join(tmp, "media")
	err = col.Transact(ctx, func(tx *collection.Tx) error {
		imp.tx = tx
		return imp.run(ctx, stageDir)
	})
	if err != nil && ctx.Err() != nil {
		// SQLite reports an interrupted statement in its own words; say what happened.
		err = ctx.Err()
	}
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", filepath.Base(path), err)
	}
	moved, warnings, err := col.FinishPendingMedia(ctx)
	imp.res.MediaAdded = moved
	for _, w := range warnings {
		imp.res.warn("%s", w)
	}
	if err != nil {
		// the collection is committed and the files are in: only the record lingers,
		// and the next open clears it
		imp.res.warn("%v", err)
	}
	for _, sf := range imp.staged {
		if sf.renamedFrom != "" {
			if imp.res.MediaRenamed == nil {
				imp.res.MediaRenamed = map[string]string{}
			}
			imp.res.MediaRenamed[sf.renamedFrom] = sf.name
		}
	}
	return imp.res, nil
}

type importer struct {
	opt   Options
	res   *Result
	now   time.Time
	src   *source
	pkg   *pkgfile.Reader
	tx    *collection.Tx
	media *mediaPlan

	ntMap   map[int64]int64 // package note type id → target id
	noteMap map[int64]int64 // package note id → target note id (added, updated or duplicate)
	deckMap map[int64]int64 // package deck id → target deck id
	cardMap map[int64]int64 // package card id → target card id
	used    map[string]bool // media names the imported notes refer to (target names)
	staged  []stagedFile
	// keepFiltered: scheduling is kept and every original deck of a filtered card came
	// along, so filtered decks can stay filtered (Anki's enables_filtered_decks).
	keepFiltered bool
}

func (imp *importer) progress(phase string, done, total int) {
	if imp.opt.Progress != nil {
		imp.opt.Progress(Progress{Phase: phase, Done: done, Total: total})
	}
}

// maxFutureMillis is how far ahead of now an id may be: Anki's check_ids refuses ids
// more than a day in the future, since ids are creation timestamps.
const maxFutureMillis = 86_400_000

func (imp *importer) tooFarAhead(id int64) bool {
	return id > imp.now.UnixMilli()+maxFutureMillis
}

// importCacheKiB is the page cache the import transaction may use: big enough that a
// large import does not spill dirty pages to the WAL and read them back.
const importCacheKiB = 65536

func (imp *importer) run(ctx context.Context, stageDir string) error {
	q := imp.tx.Q()
	var cache int64
	if err := q.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache); err == nil {
		if _, err := q.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size=-%d", importCacheKiB)); err == nil {
			defer q.ExecContext(context.Background(), fmt.Sprintf("PRAGMA cache_size=%d", cache))
		}
	}
	if err := imp.checkIDs(ctx); err != nil {
		return err
	}
	imp.keepFiltered = imp.opt.KeepScheduling && imp.opt.TargetDeck == "" && imp.allOriginalDecksIncluded(ctx)
	if err := imp.importNotetypes(ctx); err != nil {
		return err
	}
	if err := imp.importNotes(ctx); err != nil {
		return err
	}
	// The notes say which media files are used: unpack them into the staging folder on
	// the other core while the cards and reviews are written (a 100k-note package's 2,000
	// files take ~1 s, a third of a 10k-note import).
	stage := startStage(ctx, func(ctx context.Context, progress func(done, total int)) ([]stagedFile, error) {
		return imp.media.stage(ctx, imp.pkg, stageDir, imp.used, progress)
	})
	defer stage.Stop() // on every early return: stopped before the caller removes its folder
	decksBefore := map[int64]bool{}
	for _, d := range imp.tx.Decks() {
		decksBefore[d.ID] = true
	}
	if err := imp.importDecks(ctx); err != nil {
		return err
	}
	for _, d := range imp.tx.Decks() {
		if !decksBefore[d.ID] {
			imp.res.DecksCreated = append(imp.res.DecksCreated, d.Name)
		}
	}
	sort.Strings(imp.res.DecksCreated)
	if err := imp.importCards(ctx); err != nil {
		return err
	}
	if imp.opt.KeepScheduling {
		if err := imp.importRevlog(ctx); err != nil {
			return err
		}
	}
	files, err := stage.Wait(func(done, total int) { imp.progress("media", done, total) })
	if err != nil {
		return err
	}
	imp.progress("media", len(files), len(files))
	imp.staged = files
	// the move into the media folder follows the commit; recorded here, it is finished by
	// the next open if this process dies in between
	return imp.tx.SetPendingMedia(stageDir, pendingFiles(files))
}

// checkIDs refuses a package whose note, card or review ids lie more than a day in the
// future (Anki's InvalidId): they would make every later id in the collection wrong.
func (imp *importer) checkIDs(ctx context.Context) error {
	limit := imp.now.UnixMilli() + maxFutureMillis
	for _, table := range []string{"notes", "cards", "revlog"} {
		var n int
		if err := imp.src.db.QueryRowContext(ctx, "SELECT count(*) FROM "+table+" WHERE id > ?", limit).Scan(&n); err != nil {
			return badf("%s: %v", table, err)
		}
		if n > 0 {
			return badf("%d %s ids lie more than a day in the future", n, strings.TrimSuffix(table, "s"))
		}
	}
	return nil
}

func (imp *importer) allOriginalDecksIncluded(ctx context.Context) bool {
	rows, err := imp.src.db.QueryContext(ctx, "SELECT DISTINCT odid FROM cards WHERE odid NOT IN (0, 1)")
	if err != nil {
		return false
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if rows.Scan(&id) != nil {
			return false
		}
		if _, ok := imp.src.decks[id]; !ok {
			return false
		}
	}
	return rows.Err() == nil
}
