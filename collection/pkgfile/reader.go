package pkgfile

import (
	"archive/zip"
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	kflate "github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"
)

// MediaEntry is one media file of a package.
type MediaEntry struct {
	// Index is the ZIP member name ("0", "1", …) holding the file.
	Index int
	// Name is the file name to store the media under. For legacy packages it is the
	// listed name after Anki's normalisation; Latest packages must list normalised names.
	Name string
	// OriginalName is the name as listed, which differs from Name only in legacy packages
	// that list a name Anki would normalise (notes may still refer to it).
	OriginalName string
	// Size is the uncompressed size: from the media list (Latest) or the ZIP entry.
	Size int64
	// SHA1 is the 20-byte digest from a Latest media list; nil for legacy JSON maps.
	SHA1 []byte
}

// Reader reads a package file. It is safe for concurrent OpenMedia calls.
type Reader struct {
	f       *os.File
	zr      *zip.Reader
	lim     Limits
	gen     Generation
	members map[string]*zip.File
	media   []MediaEntry

	mu       sync.Mutex
	decoders []*zstd.Decoder // idle decoders reused across OpenMedia calls
}

// Open opens and validates a package: the ZIP structure and member names, declared
// sizes against lim, meta, the collection member and the media list. Nothing is
// decompressed beyond meta and the media list.
func Open(path string, lim Limits) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open package: %w", err)
	}
	r, err := newReader(f, lim.withDefaults())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open package %s: %w", path, err)
	}
	return r, nil
}

func newReader(f *os.File, lim Limits) (*Reader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, invalidf("not a regular file")
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, invalidf("not a ZIP archive or truncated: %v", err)
	}
	zr.RegisterDecompressor(zip.Deflate, newInflater)
	r := &Reader{f: f, zr: zr, lim: lim, members: map[string]*zip.File{}}
	if err := r.checkMembers(); err != nil {
		return nil, err
	}
	if err := r.detectGeneration(); err != nil {
		return nil, err
	}
	if err := r.checkCollection(); err != nil {
		return nil, err
	}
	if err := r.loadMedia(); err != nil {
		return nil, err
	}
	return r, nil
}

// checkMembers rejects names and entry types that could be used to escape a directory
// or to confuse which member is read, and declared sizes beyond the limits.
func (r *Reader) checkMembers() error {
	var total uint64
	for _, f := range r.zr.File {
		name := f.Name
		if !utf8.ValidString(name) {
			return invalidf("member name %q is not valid UTF-8", name)
		}
		if err := checkMemberName(name); err != nil {
			return err
		}
		if _, dup := r.members[name]; dup {
			return invalidf("member %q appears twice", name)
		}
		mode := f.Mode()
		if mode&os.ModeSymlink != 0 {
			return invalidf("member %q is a symbolic link", name)
		}
		if mode.IsDir() || strings.HasSuffix(name, "/") {
			continue // harmless and never read (e.g. __MACOSX/)
		}
		if !mode.IsRegular() {
			return invalidf("member %q is not a regular file (%v)", name, mode)
		}
		if f.Flags&0x1 != 0 {
			return invalidf("member %q is encrypted", name)
		}
		if f.Method != zip.Store && f.Method != zip.Deflate {
			return invalidf("member %q uses unsupported compression method %d", name, f.Method)
		}
		if f.Method == zip.Store && f.UncompressedSize64 != f.CompressedSize64 {
			return invalidf("member %q is stored but declares %d bytes in %d", name, f.UncompressedSize64, f.CompressedSize64)
		}
		if r.lim.ratioExceeded(f.UncompressedSize64, f.CompressedSize64) {
			return invalidf("member %q: declared compression ratio above %d:1", name, r.lim.MaxRatio)
		}
		total += f.UncompressedSize64
		if total > uint64(r.lim.MaxTotalBytes) {
			return invalidf("members declare more than %d bytes in total", r.lim.MaxTotalBytes)
		}
		r.members[name] = f
	}
	return nil
}

// checkMemberName refuses absolute paths, drive letters, backslashes and ".." anywhere:
// no legitimate package uses them, and an extractor elsewhere might trust them.
func checkMemberName(name string) error {
	switch {
	case name == "":
		return invalidf("empty member name")
	case strings.ContainsRune(name, 0):
		return invalidf("member name %q contains NUL", name)
	case strings.HasPrefix(name, "/"), strings.Contains(name, "\\"),
		len(name) >= 2 && name[1] == ':':
		return invalidf("member name %q is an absolute or Windows path", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return invalidf("member name %q escapes the archive (..)", name)
		}
	}
	if path.Clean(name) != strings.TrimSuffix(name, "/") && !strings.HasSuffix(name, "/") {
		return invalidf("member name %q is not a clean path", name)
	}
	return nil
}

// detectGeneration follows Anki's MetaExt::from_archive, except that a package without
// meta that carries collection.anki21b is read as Latest rather than falling back to the
// dummy collection.anki2.
func (r *Reader) detectGeneration() error {
	if f, ok := r.members[MemberMeta]; ok {
		b, err := r.readSmall(f, maxMetaBytes, false)
		if err != nil {
			return err
		}
		g, err := decodeMeta(b)
		if err != nil {
			return err
		}
		r.gen = g
		return nil
	}
	switch {
	case r.members[MemberAnki21b] != nil:
		r.gen = Latest
	case r.members[MemberAnki21] != nil:
		r.gen = Legacy2
	default:
		r.gen = Legacy1
	}
	return nil
}

func (r *Reader) checkCollection() error {
	name := r.gen.CollectionMember()
	f, ok := r.members[name]
	if !ok {
		return invalidf("%s package has no %s member", r.gen, name)
	}
	if !r.gen.zstd() {
		if f.UncompressedSize64 > uint64(r.lim.MaxCollectionBytes) {
			return invalidf("%s declares %d bytes, above the %d-byte limit", name, f.UncompressedSize64, r.lim.MaxCollectionBytes)
		}
		return nil
	}
	// A zstd frame may declare its content size; refuse an oversized one up front.
	rc, err := f.Open()
	if err != nil {
		return invalidf("%s: %v", name, err)
	}
	defer rc.Close()
	head := make([]byte, zstd.HeaderMaxSize)
	n, err := io.ReadFull(rc, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return invalidf("%s: %v", name, err)
	}
	var h zstd.Header
	if err := h.Decode(head[:n]); err != nil {
		return invalidf("%s is not a zstd frame: %v", name, err)
	}
	if h.HasFCS && h.FrameContentSize > uint64(r.lim.MaxCollectionBytes) {
		return invalidf("%s declares %d decompressed bytes, above the %d-byte limit", name, h.FrameContentSize, r.lim.MaxCollectionBytes)
	}
	return nil
}

// readSmall reads a whole small member (meta, media list), zstd-decoding if asked.
func (r *Reader) readSmall(f *zip.File, max int64, zstdFrame bool) ([]byte, error) {
	if f.UncompressedSize64 > uint64(max) {
		return nil, invalidf("member %q is %d bytes, more than %d", f.Name, f.UncompressedSize64, max)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, invalidf("member %q: %v", f.Name, err)
	}
	defer rc.Close()
	var src io.Reader = rc
	if zstdFrame {
		d, err := newZstdReader(rc)
		if err != nil {
			return nil, fmt.Errorf("member %q: %w", f.Name, err)
		}
		defer d.Close()
		src = d
	}
	g := newGuardedReader(src, fmt.Sprintf("member %q", f.Name), uint64(max), f.CompressedSize64, r.lim)
	b, err := io.ReadAll(g)
	if err != nil {
		return nil, wrapZipErr(err)
	}
	return b, nil
}

// Generation reports the package format.
func (r *Reader) Generation() Generation { return r.gen }

// Media lists the media files in index order. The slice is shared; do not modify it.
func (r *Reader) Media() []MediaEntry { return r.media }

// Close releases the file and cached decoders.
func (r *Reader) Close() error {
	r.mu.Lock()
	for _, d := range r.decoders {
		d.Close()
	}
	r.decoders = nil
	r.mu.Unlock()
	return r.f.Close()
}

func memberName(index int) string { return strconv.Itoa(index) }

// inflater is the deflate decompressor for members: klauspost's (a 95 MB collection
// inflates in ~0.3 s instead of ~0.4 s), reading through a large buffer (the member is a
// section of the file: a 4 KiB buffer would cost a read syscall per 4 KiB).
// The decoder state is pooled, as the standard library pools its own, because legacy
// packages may deflate thousands of media files; each Open gets its own inflater, so a
// Read after Close fails instead of reading another member.
type inflater struct {
	mu sync.Mutex
	st *inflateState
}

type inflateState struct {
	br *bufio.Reader
	fr io.ReadCloser // implements kflate.Resetter
}

var inflateStates sync.Pool

func newInflater(r io.Reader) io.ReadCloser {
	if st, ok := inflateStates.Get().(*inflateState); ok {
		st.br.Reset(r)
		if err := st.fr.(kflate.Resetter).Reset(st.br, nil); err == nil {
			return &inflater{st: st}
		}
	}
	br := bufio.NewReaderSize(r, 64<<10)
	return &inflater{st: &inflateState{br: br, fr: kflate.NewReader(br)}}
}

func (in *inflater) Read(p []byte) (int, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.st == nil {
		return 0, errors.New("flate: read after close")
	}
	return in.st.fr.Read(p)
}

func (in *inflater) Close() error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.st == nil {
		return nil
	}
	err := in.st.fr.Close()
	in.st.br.Reset(nil)
	inflateStates.Put(in.st)
	in.st = nil
	return err
}
