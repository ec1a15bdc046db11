package media

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	cmedia "github.com/deckhand-app/deckhand/collection/media"
	"github.com/deckhand-app/deckhand/sync/protocol"
)

// Remote is the server's media API as the client sees it.
type Remote interface {
	MediaBegin(ctx context.Context) (usn int, err error)
	MediaChanges(ctx context.Context, lastUSN int) ([]protocol.MediaChange, error)
	DownloadFiles(ctx context.Context, names []string) ([]byte, error)
	UploadChanges(ctx context.Context, zipData []byte) (processed, serverUSN int, err error)
	MediaSanity(ctx context.Context, localCount int) (string, error)
}

// StoredZips is implemented by a Remote whose transport compresses request bodies itself
// (the v11 protocol's zstd): the upload zip then stores its files as they are, as Anki's
// own client does, rather than deflating them first (half the CPU of a media upload).
type StoredZips interface {
	StoredZips() bool
}

// Progress counts files moved by a media sync.
type Progress struct {
	Downloaded, Uploaded, RemovedLocally, RemovedRemotely int
}

// ErrMediaSanity means the client and server disagree on the number of files after a
// media sync; the next media sync compares everything again.
var ErrMediaSanity = errors.New("media sync check failed: the next media sync will compare all files again")

// Sync brings the media folder and the server in line (rslib media/syncer.rs): scan the
// folder, fetch the server's changes since the last sync and download or delete, upload local
// changes in zips of at most 25 files / 2.5 MiB, then compare file counts.
func Sync(ctx context.Context, f *cmedia.Folder, r Remote, progress func(Progress)) error {
	if progress == nil {
		progress = func(Progress) {}
	}
	var p Progress
	if _, err := f.Scan(ctx); err != nil {
		return err
	}
	serverUSN, err := r.MediaBegin(ctx)
	if err != nil {
		return err
	}
	last, err := f.LastUSN(ctx)
	if err != nil {
		return err
	}
	if last < serverUSN || last == 0 {
		if err := fetchChanges(ctx, f, r, &last, &p, progress); err != nil {
			return err
		}
	}
	if err := uploadChanges(ctx, f, r, &last, &p, progress); err != nil {
		return err
	}
	n, err := f.Count(ctx)
	if err != nil {
		return err
	}
	res, err := r.MediaSanity(ctx, n)
	if err != nil {
		return err
	}
	if res != protocol.MediaSanityOK {
		if rerr := f.ResetSyncState(ctx); rerr != nil {
			return errors.Join(ErrMediaSanity, rerr)
		}
		return ErrMediaSanity
	}
	return nil
}

func fetchChanges(ctx context.Context, f *cmedia.Folder, r Remote, last *int, p *Progress, progress func(Progress)) error {
	for {
		changes, err := r.MediaChanges(ctx, *last)
		if err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		var download []string
		for _, c := range changes {
			if err := CheckName(c.Name); err != nil {
				return fmt.Errorf("server sent a bad media name: %w", err)
			}
			local, ok, err := f.Lookup(ctx, c.Name)
			if err != nil {
				return err
			}
			switch {
			case c.SHA1 != "" && (!ok || local.SHA1 != c.SHA1):
				// Also when changed on both sides: the server's copy wins, as in Anki.
				download = append(download, c.Name)
			case c.SHA1 != "" && ok && local.SHA1 == c.SHA1:
				if err := f.MarkClean(ctx, c.Name); err != nil {
					return err
				}
			case c.SHA1 == "" && ok && local.SHA1 != "" && !local.Dirty:
				if err := f.RemoveSynced(ctx, c.Name); err != nil {
					return err
				}
				p.RemovedLocally++
			case c.SHA1 == "" && ok && local.SHA1 == "":
				if err := f.MarkClean(ctx, c.Name); err != nil {
					return err
				}
			}
			// Deleted on the server but added locally: the local file is uploaded later.
		}
		for len(download) > 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			batch := download[:min(len(download), protocol.MediaFilesPerZip)]
			data, err := r.DownloadFiles(ctx, batch)
			if err != nil {
				return err
			}
			got, err := storeZip(ctx, f, data, batch)
			if err != nil {
				return err
			}
			if got == 0 {
				return errors.New("server sent no files")
			}
			p.Downloaded += got
			progress(*p)
			download = download[got:]
		}
		*last = changes[len(changes)-1].USN
		if err := f.SetLastUSN(ctx, *last); err != nil {
			return err
		}
	}
}

// storeZip stores a downloadFiles zip; it may hold fewer files than asked for (the first
// ones, in order). It returns how many it held.
func storeZip(ctx context.Context, f *cmedia.Folder, data []byte, asked []string) (int, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return 0, fmt.Errorf("media download: not a zip: %w", err)
	}
	files := map[string]*zip.File{}
	for _, zf := range zr.File {
		files[zf.Name] = zf
	}
	mf, ok := files["_meta"]
	if !ok {
		return 0, errors.New("media download: zip has no _meta")
	}
	raw, err := readZipEntry(mf, protocol.MediaMetaLimit)
	if err != nil {
		return 0, fmt.Errorf("media download: %w", err)
	}
	var meta map[string]string
	if err := json.Unmarshal(raw, &meta); err != nil {
		return 0, fmt.Errorf("media download: _meta: %w", err)
	}
	wanted := map[string]bool{}
	for _, n := range asked {
		wanted[n] = true
	}
	for key, name := range meta {
		if !wanted[name] {
			return 0, fmt.Errorf("media download: server sent %q, which was not asked for", name)
		}
		zf, ok := files[key]
		if !ok {
			return 0, fmt.Errorf("media download: entry %q missing", key)
		}
		b, err := readZipEntry(zf, protocol.MaxMediaFileSize)
		if err != nil {
			return 0, fmt.Errorf("media download %q: %w", name, err)
		}
		if err := f.StoreSynced(ctx, name, b); err != nil {
			return 0, err
		}
	}
	return len(meta), nil
}

func uploadChanges(ctx context.Context, f *cmedia.Folder, r Remote, last *int, p *Progress, progress func(Progress)) error {
	for {
		dirty, err := f.Dirty(ctx)
		if err != nil {
			return err
		}
		if len(dirty) == 0 {
			return nil
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		method := zip.Deflate // Anki 2.1 deflated: the legacy framing sends the zip as it is
		if sz, ok := r.(StoredZips); ok && sz.StoredZips() {
			method = zip.Store
		}
		var meta [][2]any
		var names []string
		size := 0
		// A zip holds only deletions or only additions: ankisyncd 2.2.0 numbers a zip's
		// additions before it applies its deletions, so a mixed zip fails its own usn check
		// with a 500 after half-applying it. The other kind goes in the next zip.
		deletions := dirty[0].SHA1 == ""
		for _, e := range dirty {
			if len(meta) >= protocol.MediaFilesPerZip || size > protocol.MediaUploadSoftLimit {
				break
			}
			if (e.SHA1 == "") != deletions {
				continue
			}
			if e.SHA1 == "" {
				// A deletion. "" rather than null: ankisyncd counts only "" as a deletion (Anki
				// 2.1's client sent that) and fails the whole upload otherwise, while Anki's
				// own server takes either.
				meta = append(meta, [2]any{e.Name, ""})
				names = append(names, e.Name)
				continue
			}
			data, err := f.ReadFile(e.Name)
			if err != nil {
				return fmt.Errorf("media upload %q: %w", e.Name, err)
			}
			key := strconv.Itoa(len(meta))
			w, err := zw.CreateHeader(&zip.FileHeader{Name: key, Method: method})
			if err != nil {
				return err
			}
			if _, err := w.Write(data); err != nil {
				return err
			}
			size += len(data)
			meta = append(meta, [2]any{e.Name, key})
			names = append(names, e.Name)
		}
		mb, _ := json.Marshal(meta)
		w, err := zw.CreateHeader(&zip.FileHeader{Name: "_meta", Method: method})
		if err != nil {
			return err
		}
		w.Write(mb)
		if err := zw.Close(); err != nil {
			return err
		}
		processed, serverUSN, err := r.UploadChanges(ctx, buf.Bytes())
		if err != nil {
			return err
		}
		if processed <= 0 || processed > len(names) {
			return fmt.Errorf("media upload: server processed %d of %d entries", processed, len(names))
		}
		if err := f.MarkClean(ctx, names[:processed]...); err != nil {
			return err
		}
		for _, m := range meta[:processed] {
			if m[1] == "" {
				p.RemovedRemotely++
			} else {
				p.Uploaded++
			}
		}
		progress(*p)
		// Only when nobody else uploaded meanwhile does our position move on; otherwise the
		// next media sync fetches the other device's changes first.
		if *last+processed == serverUSN {
			*last = serverUSN
			if err := f.SetLastUSN(ctx, serverUSN); err != nil {
				return err
			}
		}
	}
}
