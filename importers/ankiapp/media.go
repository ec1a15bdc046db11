package ankiapp

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/media"
	"github.com/deckhand-app/deckhand/collection/medianame"
	"github.com/deckhand-app/deckhand/collection/text"
)

// maxTotalMedia bounds the bytes read from blobs in one import (a zip bomb guard).
const maxTotalMedia = 4 << 30

// blobSource gives the bytes of a blob by id.
type blobSource interface {
	// read returns the blob's bytes, or ok=false when the source has no such blob.
	read(id string, limit int64) (data []byte, ok bool, err error)
}

type noBlobs struct{}

func (noBlobs) read(string, int64) ([]byte, bool, error) { return nil, false, nil }

// zipBlobs are the files in a "blobs/" folder of a deck zip, by name (with or without
// an extension).
type zipBlobs map[string]*zip.File

func (z zipBlobs) read(id string, limit int64) ([]byte, bool, error) {
	f, ok := z[id]
	if !ok {
		return nil, false, nil
	}
	if f.UncompressedSize64 > uint64(limit) {
		return nil, true, fmt.Errorf("blob %s is larger than %d MiB", id, limit>>20)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, true, fmt.Errorf("blob %s: %w", id, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, true, fmt.Errorf("blob %s: %w", id, err)
	}
	if int64(len(data)) > limit {
		return nil, true, fmt.Errorf("blob %s is larger than %d MiB", id, limit>>20)
	}
	return data, true, nil
}

// dirBlobs is a "blobs" folder beside a bare deck XML file.
type dirBlobs string

func (d dirBlobs) read(id string, limit int64) ([]byte, bool, error) {
	if !medianame.IsSafe(id) {
		return nil, false, nil
	}
	p := filepath.Join(string(d), id)
	st, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil || !st.Mode().IsRegular() {
		return nil, false, nil
	}
	if st.Size() > limit {
		return nil, true, fmt.Errorf("blob %s is larger than %d MiB", id, limit>>20)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, true, fmt.Errorf("blob %s: %w", id, err)
	}
	return data, true, nil
}

// memBlobs are blobs already in memory (the AnkiApp database).
type memBlobs map[string][]byte

func (m memBlobs) read(id string, limit int64) ([]byte, bool, error) {
	b, ok := m[id]
	if ok && int64(len(b)) > limit {
		return nil, true, fmt.Errorf("blob %s is larger than %d MiB", id, limit>>20)
	}
	return b, ok, nil
}

// mediaFile is a blob as it will appear in the media folder.
type mediaFile struct {
	id   string
	name string // file name in the media folder
	raw  string // the name as written in fields, when a round-trip hint gave it
	kind string // img, audio or video
	sha1 string
	data []byte
	copy bool // not yet in the media folder
}

// mimeExt maps sniffed or declared MIME types to file extensions.
var mimeExt = map[string]string{
	"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp",
	"image/bmp": "bmp", "image/svg+xml": "svg", "image/x-icon": "ico", "image/vnd.microsoft.icon": "ico",
	"audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/wave": "wav", "audio/wav": "wav", "audio/x-wav": "wav",
	"audio/ogg": "ogg", "application/ogg": "ogg", "audio/aiff": "aiff", "audio/mp4": "m4a", "audio/x-m4a": "m4a",
	"audio/webm": "webm", "audio/flac": "flac", "audio/midi": "mid",
	"video/mp4": "mp4", "video/webm": "webm", "video/quicktime": "mov", "video/ogg": "ogv",
}

// sniff returns the MIME type of data from its first bytes, falling back to declared.
func sniff(data []byte, declared string) string {
	switch {
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		brand := string(data[8:12])
		if strings.HasPrefix(brand, "M4A") {
			return "audio/mp4"
		}
		if brand == "qt  " {
			return "video/quicktime"
		}
		return "video/mp4"
	case len(data) >= 4 && string(data[:4]) == "fLaC":
		return "audio/flac"
	case len(data) >= 2 && data[0] == 0xFF && data[1]&0xE0 == 0xE0 && data[1]&0x06 != 0:
		return "audio/mpeg" // an MP3 frame header without ID3 tag
	case bytes.Contains(data[:min(len(data), 512)], []byte("<svg")):
		return "image/svg+xml"
	}
	t := http.DetectContentType(data)
	if i := strings.IndexByte(t, ';'); i >= 0 {
		t = t[:i]
	}
	if _, ok := mimeExt[t]; ok {
		return t
	}
	if d := strings.ToLower(strings.TrimSpace(declared)); mimeExt[d] != "" {
		return d
	}
	return t
}

// stageMedia reads every referenced blob, names it and decides whether it must be
// copied (a file with those bytes may already be in the folder). Missing blobs become
// warnings.
func stageMedia(ctx context.Context, ids []string, src blobSource, d hints, dir string, warn func(string, ...any)) (map[string]mediaFile, error) {
	out := map[string]mediaFile{}
	used := map[string]string{} // final name → sha1 within this import
	var total int64
	sort.Strings(ids)
	seen := map[string]bool{}
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if seen[id] {
			continue
		}
		seen[id] = true
		data, ok, err := src.read(id, media.MaxFileSize)
		if err != nil {
			return nil, err
		}
		if !ok {
			warn("media blob %s is referenced but missing from the deck; its reference was left as it is", id)
			continue
		}
		total += int64(len(data))
		if total > maxTotalMedia {
			return nil, fmt.Errorf("the deck's media add up to more than %d GiB", maxTotalMedia>>30)
		}
		mime := sniff(data, d.types[id])
		kind := d.kinds[id]
		if k := mediaKind("", mime); k != "" && (kind == "" || kind == "audio" && k == "video") {
			kind = k
		}
		if kind == "" {
			kind = "img"
		}
		s1 := sha1.Sum(data)
		f := mediaFile{id: id, kind: kind, sha1: hex.EncodeToString(s1[:]), data: data, copy: true}
		if raw := d.names[id]; raw != "" {
			if n, err := medianame.Normalize(text.DecodeEntities(raw)); err == nil && medianame.IsSafe(n) {
				f.name = n
				if n == text.DecodeEntities(raw) {
					f.raw = raw
				}
			}
		}
		if f.name == "" {
			// Named by content: the same bytes always get the same name, so a re-import
			// finds them already there.
			s256 := sha256.Sum256(data)
			f.name = hex.EncodeToString(s256[:])
			if ext := mimeExt[mime]; ext != "" {
				f.name += "." + ext
			}
		}
		for {
			if prev, ok := used[f.name]; ok && prev != f.sha1 {
				f.name, f.raw = medianame.WithHashSuffix(f.name, f.sha1), ""
				continue
			}
			existing, err := hashIfExists(filepath.Join(dir, f.name))
			if err != nil {
				return nil, err
			}
			if existing == "" {
				break
			}
			if existing == f.sha1 {
				f.copy = false
				break
			}
			next := medianame.WithHashSuffix(f.name, f.sha1)
			if next == f.name {
				return nil, fmt.Errorf("media %q: a different file has that name", f.name)
			}
			f.name, f.raw = next, ""
		}
		used[f.name] = f.sha1
		out[id] = f
	}
	return out, nil
}

func hashIfExists(p string) (string, error) {
	st, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s exists and is not a regular file", p)
	}
	return media.HashFile(p)
}

// writeStaged writes the files to copy into the staging folder (before the collection
// commits, so that a full disk fails the import rather than leaving notes without media).
func writeStaged(files map[string]mediaFile, dir string) error {
	for _, f := range files {
		if !f.copy {
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("media staging: %w", err)
		}
		p := filepath.Join(dir, f.name)
		if _, err := os.Stat(p); err == nil {
			continue // two blob ids with the same bytes
		}
		if err := os.WriteFile(p, f.data, 0o644); err != nil {
			return fmt.Errorf("media staging: %w", err)
		}
	}
	return nil
}

// pendingFiles lists the staged files (those copied) for collection.Tx.SetPendingMedia,
// sorted by name.
func pendingFiles(files map[string]mediaFile) []collection.PendingFile {
	sums := map[string]string{}
	for _, f := range files {
		if f.copy {
			sums[f.name] = f.sha1
		}
	}
	out := make([]collection.PendingFile, 0, len(sums))
	for name, sum := range sums {
		out = append(out, collection.PendingFile{Name: name, SHA1: sum})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out
}

// hints gathers what the decks say about blobs.
type hints struct {
	names, kinds, types map[string]string
}

func zipBlobIndex(zr *zip.Reader) zipBlobs {
	z := zipBlobs{}
	for _, f := range zr.File {
		dir, base := path.Split(strings.ReplaceAll(f.Name, `\`, "/"))
		if path.Base(strings.TrimSuffix(dir, "/")) != "blobs" || base == "" || f.FileInfo().IsDir() {
			continue
		}
		z[base] = f
		if ext := path.Ext(base); ext != "" {
			if _, ok := z[strings.TrimSuffix(base, ext)]; !ok {
				z[strings.TrimSuffix(base, ext)] = f
			}
		}
	}
	return z
}
