package apkg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/media"
	"github.com/deckhand-app/deckhand/collection/medianame"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
	"github.com/deckhand-app/deckhand/collection/store"
)

// ColpkgOptions control a .colpkg import.
type ColpkgOptions struct {
	// BackupDir receives a copy of the current collection before it is replaced;
	// default "backups" beside the collection.
	BackupDir string
	Progress  func(Progress)
	Limits    pkgfile.Limits
}

// ColpkgResult summarises a collection replacement.
type ColpkgResult struct {
	Generation string   `json:"generation"`
	Backup     string   `json:"backup,omitempty"` // path of the copy of the replaced collection
	Notes      int      `json:"notes"`
	Cards      int      `json:"cards"`
	Revlog     int      `json:"revlog"`
	Decks      int      `json:"decks"`
	MediaAdded int      `json:"mediaAdded"` // files written (present ones with equal bytes are skipped)
	Warnings   []string `json:"warnings,omitempty"`
}

// ImportColpkg replaces the collection file at colPath with the one in a .colpkg (as
// Anki's "restore"), which the caller must have closed. The incoming collection is
// extracted, brought to schema 11, integrity-checked, opened once to prove Deckhand can
// use it, and marked as needing a full sync; only then is the current file copied to the
// backup folder and the new one renamed over it. Media are staged first and moved in
// afterwards; files already present with the same bytes are left alone. On any error
// before the swap the collection and media folder are untouched.
func ImportColpkg(ctx context.Context, colPath, pkgPath string, opt ColpkgOptions) (*ColpkgResult, error) {
	fail := func(err error) (*ColpkgResult, error) {
		if ctx.Err() != nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("import %s: %w", filepath.Base(pkgPath), err)
	}
	progress := func(phase string, done, total int) {
		if opt.Progress != nil {
			opt.Progress(Progress{Phase: phase, Done: done, Total: total})
		}
	}
	for _, side := range []string{"-wal", "-journal"} {
		if st, err := os.Stat(colPath + side); err == nil && st.Size() > 0 {
			return fail(fmt.Errorf("%s has a non-empty %s file: close the collection first", colPath, side))
		}
	}
	progress("extracting", 0, 1)
	r, err := pkgfile.Open(pkgPath, opt.Limits)
	if err != nil {
		return fail(err)
	}
	defer r.Close()
	res := &ColpkgResult{Generation: r.Generation().String()}
	dir := filepath.Dir(colPath)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fail(err)
	}
	tmp, err := os.MkdirTemp(dir, ".restore-*")
	if err != nil {
		return fail(err)
	}
	defer os.RemoveAll(tmp)
	newCol := filepath.Join(tmp, "collection.anki2")
	// The media are unpacked on the other core while the collection is extracted and
	// checked (2,000 files take longer than a 10k-note collection). The staging reports
	// its progress through counters: Progress is called from this goroutine only.
	mediaDir := collection.MediaDirFor(colPath)
	stage := startStage(ctx, func(ctx context.Context, progress func(done, total int)) ([]stagedFile, error) {
		return stageAllMedia(ctx, r, mediaDir, filepath.Join(tmp, "media"), func(_ string, done, total int) { progress(done, total) })
	})
	defer stage.Stop() // before the deferred RemoveAll of its folder
	if err := prepareIncoming(ctx, r, newCol, res); err != nil {
		return fail(err)
	}
	progress("extracting", 1, 1)
	staged, err := stage.Wait(func(done, total int) { progress("media", done, total) })
	if err != nil {
		return fail(err)
	}
	progress("media", len(r.Media()), len(r.Media()))
	// The media move follows the swap: recorded in the new collection itself, it is
	// finished by the next open if this process dies in between.
	if err := recordRestoredMedia(ctx, newCol, colPath, filepath.Join(tmp, "media"), staged); err != nil {
		return fail(err)
	}

	if st, err := os.Stat(colPath); err == nil {
		// The extracted file was created private; the restored one keeps the old mode.
		if err := os.Chmod(newCol, st.Mode().Perm()); err != nil {
			return fail(err)
		}
		backupDir := opt.BackupDir
		if backupDir == "" {
			backupDir = filepath.Join(dir, "backups")
		}
		if res.Backup, err = backup(ctx, colPath, backupDir); err != nil {
			return fail(fmt.Errorf("backup of the current collection: %w", err))
		}
	}
	if err := os.Rename(newCol, colPath); err != nil {
		return fail(fmt.Errorf("replace collection: %w", err))
	}
	os.Remove(colPath + "-shm")

	// The collection is replaced; media problems from here on are warnings.
	if len(staged) > 0 {
		col, err := collection.OpenWith(ctx, colPath, collection.OpenOptions{DeferPendingMedia: true})
		if err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("media: %v (they are moved in when the collection is next opened)", err))
			return res, nil
		}
		moved, warnings, err := col.FinishPendingMedia(ctx)
		res.MediaAdded = moved
		res.Warnings = append(res.Warnings, warnings...)
		if err != nil {
			res.Warnings = append(res.Warnings, err.Error())
		}
		if err := col.Close(); err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("close collection: %v", err))
		}
	}
	return res, nil
}

// prepareIncoming extracts and validates the package's collection at path.
func prepareIncoming(ctx context.Context, r *pkgfile.Reader, path string, res *ColpkgResult) error {
	src, err := openSource(ctx, r, filepath.Dir(path))
	if err != nil {
		return err
	}
	err = quickIntegrity(ctx, src)
	if err == nil {
		err = checkNoteText(ctx, src)
	}
	if cerr := src.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(src.path, path); err != nil {
		return err
	}
	for _, side := range []string{"-wal", "-shm"} {
		os.Remove(src.path + side)
	}
	// Opening it as a collection proves the engine accepts it (JSON shapes, tables). The
	// media folder that Open creates lands in the temporary directory.
	col, err := collection.OpenWith(ctx, path, collection.OpenOptions{})
	if err != nil {
		return badf("%v", err)
	}
	err = col.Transact(ctx, func(tx *collection.Tx) error {
		// A restored collection must replace the server's copy: a full sync is needed.
		tx.SetSchemaModified()
		return nil
	})
	if err == nil {
		var n collection.Counts
		if n, err = col.Counts(ctx); err == nil {
			res.Notes, res.Cards, res.Revlog, res.Decks = n.Notes, n.Cards, n.Revlog, n.Decks
		}
	}
	if cerr := col.Close(); err == nil {
		err = cerr
	}
	return err
}

// quickIntegrity runs SQLite's full integrity check (Anki runs integrity_check before it
// accepts a restored collection).
func quickIntegrity(ctx context.Context, src *source) error {
	var res string
	if err := src.db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil {
		return badf("integrity check: %v", err)
	}
	if res != "ok" {
		return badf("integrity check: %s", res)
	}
	return nil
}

// checkNoteText refuses notes whose text is not UTF-8: Anki cannot read them, and
// Deckhand would show and sync mangled text.
func checkNoteText(ctx context.Context, src *source) error {
	rows, err := src.db.QueryContext(ctx, "SELECT id, CAST(guid AS BLOB), CAST(tags AS BLOB), CAST(flds AS BLOB) FROM notes")
	if err != nil {
		return badf("notes: %v", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var guid, tags, flds []byte
		if err := rows.Scan(&id, &guid, &tags, &flds); err != nil {
			return badf("notes: %v", err)
		}
		if !utf8.Valid(guid) || !utf8.Valid(tags) || !utf8.Valid(flds) {
			return badf("note %d: text is not valid UTF-8", id)
		}
	}
	if err := rows.Err(); err != nil {
		return badf("notes: %v", err)
	}
	return nil
}

// stageAllMedia writes every package media file that the folder lacks (or has with
// other bytes) into stageDir. Legacy maps carry no digests, so there, as in Anki, a
// present file of the same size counts as the same.
func stageAllMedia(ctx context.Context, r *pkgfile.Reader, mediaDir, stageDir string, progress func(string, int, int)) ([]stagedFile, error) {
	entries := r.Media()
	if len(entries) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(stageDir, 0o755); err != nil {
		return nil, err
	}
	var out []stagedFile
	for i, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !medianame.IsSafe(e.Name) {
			return nil, fmt.Errorf("%w: media name %q is not a plain file name", pkgfile.ErrInvalid, e.Name)
		}
		progress("media", i, len(entries))
		if st, err := os.Stat(filepath.Join(mediaDir, e.Name)); err == nil && st.Mode().IsRegular() {
			if e.SHA1 == nil && st.Size() == e.Size {
				continue
			}
			if e.SHA1 != nil {
				if sum, err := media.HashFile(filepath.Join(mediaDir, e.Name)); err == nil && sum == fmt.Sprintf("%x", e.SHA1) {
					continue
				}
			}
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		sum, err := copyMember(r, e, filepath.Join(stageDir, e.Name))
		if err != nil {
			return nil, err
		}
		out = append(out, stagedFile{name: e.Name, sha1: sum})
	}
	progress("media", len(entries), len(entries))
	return out, nil
}

// backup copies the (closed) collection file into dir under a timestamped name.
func backup(ctx context.Context, colPath, dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	base := strings.TrimSuffix(filepath.Base(colPath), filepath.Ext(colPath))
	name := fmt.Sprintf("%s-%s%s", base, time.Now().Format("2006-01-02-15.04.05"), filepath.Ext(colPath))
	dst := filepath.Join(dir, name)
	in, err := os.Open(colPath)
	if err != nil {
		return "", err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(dir, ".backup-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, ctxReader{ctx, in})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", err
	}
	// Prove the copy is a usable database before trusting it as the way back.
	db, err := store.Open(ctx, tmp.Name(), store.Options{ReadOnly: true})
	if err != nil {
		return "", err
	}
	db.Close()
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", err
	}
	return dst, nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// recordRestoredMedia writes into the restored collection file (not yet in place) which
// staged media files are to be moved into the media folder once it replaced colPath.
func recordRestoredMedia(ctx context.Context, newCol, colPath, stageDir string, staged []stagedFile) error {
	if len(staged) == 0 {
		return nil
	}
	col, err := collection.OpenWith(ctx, newCol, collection.OpenOptions{DeferPendingMedia: true})
	if err != nil {
		return err
	}
	err = col.Transact(ctx, func(tx *collection.Tx) error {
		return tx.SetRestoredMedia(colPath, stageDir, pendingFiles(staged))
	})
	if cerr := col.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("record the media to restore: %w", err)
	}
	return nil
}
