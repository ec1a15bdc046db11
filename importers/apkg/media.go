package apkg

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/media"
	"github.com/deckhand-app/deckhand/collection/medianame"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
)

// mediaPlan decides, before any note is written, what each media file of the package
// becomes in the target folder (Anki's prepare_media): the same name, a hash-suffixed
// name when the target already has different bytes under that name, or nothing when the
// target already has the same bytes.
type mediaPlan struct {
	entries []plannedMedia
	// byRef maps every name notes may use for a file (listed and normalised) to its entry.
	byRef map[string]int
}

type plannedMedia struct {
	entry  pkgfile.MediaEntry
	final  string // name in the target folder
	copy   bool   // bytes must be written (absent from the target under final)
	static bool   // "_" or "latex-" file: copied even when no note refers to it
}

func planMedia(ctx context.Context, r *pkgfile.Reader, dir string) (*mediaPlan, error) {
	p := &mediaPlan{byRef: map[string]int{}}
	for _, e := range r.Media() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if !medianame.IsSafe(e.Name) {
			return nil, fmt.Errorf("%w: media name %q is not a plain file name", pkgfile.ErrInvalid, e.Name)
		}
		pm := plannedMedia{entry: e, final: e.Name, copy: true,
			static: medianame.IsStatic(e.Name) || medianame.IsLatex(e.Name)}
		existing, err := hashIfExists(filepath.Join(dir, e.Name))
		if err != nil {
			return nil, fmt.Errorf("media %q: %w", e.Name, err)
		}
		if existing != "" {
			incoming, err := entrySHA1(r, e)
			if err != nil {
				return nil, err
			}
			switch {
			case incoming == existing:
				pm.copy = false
			case pm.static:
				// Anki never overwrites or renames static files: the target's copy wins.
				pm.copy = false
			default:
				pm.final = medianame.WithHashSuffix(e.Name, incoming)
				again, err := hashIfExists(filepath.Join(dir, pm.final))
				if err != nil {
					return nil, fmt.Errorf("media %q: %w", pm.final, err)
				}
				pm.copy = again != incoming
			}
		}
		p.byRef[e.Name] = len(p.entries)
		if e.OriginalName != "" {
			p.byRef[e.OriginalName] = len(p.entries)
		}
		p.entries = append(p.entries, pm)
	}
	return p, nil
}

// rename returns the target name for a reference, when it differs.
func (p *mediaPlan) rename(ref string) (string, bool) {
	i, ok := p.byRef[ref]
	if !ok || p.entries[i].final == ref {
		return "", false
	}
	return p.entries[i].final, true
}

func hashIfExists(path string) (string, error) {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s exists and is not a regular file", path)
	}
	return media.HashFile(path)
}

// entrySHA1 is the listed digest (Latest) or the digest of the member's bytes (legacy
// maps list names only).
func entrySHA1(r *pkgfile.Reader, e pkgfile.MediaEntry) (string, error) {
	if len(e.SHA1) == sha1.Size {
		return hex.EncodeToString(e.SHA1), nil
	}
	rc, err := r.OpenMedia(e)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha1.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", fmt.Errorf("media %q: %w", e.Name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// stagedFile is a media file written to the staging folder, waiting for the commit.
type stagedFile struct {
	name, sha1  string
	renamedFrom string
}

// stage writes the files notes use (and static ones) into dir, streaming each member and
// checking its digest, so that a corrupt member fails the import before anything is
// committed.
func (p *mediaPlan) stage(ctx context.Context, r *pkgfile.Reader, dir string, used map[string]bool, progress func(done, total int)) ([]stagedFile, error) {
	var todo []int
	for i, pm := range p.entries {
		if pm.copy && (used[pm.final] || pm.static) {
			todo = append(todo, i)
		}
	}
	if len(todo) == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("media staging: %w", err)
	}
	var out []stagedFile
	for n, i := range todo {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pm := p.entries[i]
		sum, err := copyMember(r, pm.entry, filepath.Join(dir, pm.final))
		if err != nil {
			return nil, err
		}
		sf := stagedFile{name: pm.final, sha1: sum}
		if pm.final != pm.entry.Name {
			sf.renamedFrom = pm.entry.Name
		}
		out = append(out, sf)
		progress(n+1, len(todo))
	}
	sort.Slice(out, func(a, b int) bool { return out[a].name < out[b].name })
	return out, nil
}

func copyMember(r *pkgfile.Reader, e pkgfile.MediaEntry, dst string) (string, error) {
	rc, err := r.OpenMedia(e)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", fmt.Errorf("media %q: %w", e.Name, err)
	}
	h := sha1.New()
	_, err = io.Copy(io.MultiWriter(f, h), rc)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("media %q: %w", e.Name, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// pendingFiles lists staged files for collection.Tx.SetPendingMedia.
func pendingFiles(files []stagedFile) []collection.PendingFile {
	out := make([]collection.PendingFile, len(files))
	for i, f := range files {
		out[i] = collection.PendingFile{Name: f.name, SHA1: f.sha1}
	}
	return out
}
