package pkgfile

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/deckhand-app/deckhand/collection/medianame"
	"github.com/deckhand-app/deckhand/collection/schema18"
	"github.com/deckhand-app/deckhand/collection/store"
	kflate "github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/zstd"
)

// WriterOptions configure Create.
type WriterOptions struct {
	Generation Generation
	// DummyCollection returns the bytes of the "please update" collection.anki2 that
	// Legacy2 and Latest packages carry for old clients; required for those generations.
	DummyCollection func() ([]byte, error)
	// MaxMediaFileBytes caps one media file; default 100 MiB (Anki's sync limit).
	MaxMediaFileBytes int64
}

// Writer builds a package in a temporary file next to the destination; Close renames it
// into place, Abort removes it. Calls must be: WriteCollection once, then AddMedia any
// number of times, then Close (or Abort at any point). Not safe for concurrent use.
type Writer struct {
	opt     WriterOptions
	dst     string
	f       *os.File
	zw      *zip.Writer
	wroteCo bool
	media   []MediaEntry
	names   map[string]bool
	enc     *zstd.Encoder
	err     error // first failure; the package is then unusable
	done    bool
	buf     []byte // copy buffer reused across media files
}

// zstdWindow matches what zstd level 3 (Anki's level 0 = default) picks for input of
// unknown size: a 2 MiB window keeps encoder and decoder memory small.
const zstdWindow = 2 << 20

// Multithreaded compression pays off only for large collections (Anki's crossover is
// 10 MB, MULTITHREAD_MIN_BYTES).
const multithreadMinBytes = 10 << 20

// Create starts a package at path.
func Create(path string, opt WriterOptions) (*Writer, error) {
	if !opt.Generation.valid() {
		return nil, fmt.Errorf("create package: unknown generation %d", int(opt.Generation))
	}
	if opt.Generation != Legacy1 && opt.DummyCollection == nil {
		return nil, fmt.Errorf("create package: %s needs a DummyCollection", opt.Generation)
	}
	if opt.MaxMediaFileBytes <= 0 {
		opt.MaxMediaFileBytes = medianame.MaxFileSize
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("create package: %w", err)
	}
	w := &Writer{opt: opt, dst: path, f: f, zw: newZipWriter(f), names: map[string]bool{}}
	// Legacy1 predates the meta member; old Python exporters wrote none.
	if opt.Generation != Legacy1 {
		if err := w.writeBytes(MemberMeta, encodeMeta(opt.Generation), zip.Store); err != nil {
			w.Abort()
			return nil, fmt.Errorf("create package: %w", err)
		}
	}
	return w, nil
}

func (w *Writer) header(name string, method uint16) *zip.FileHeader {
	return &zip.FileHeader{Name: name, Method: method, Modified: time.Now()}
}

func (w *Writer) writeBytes(name string, b []byte, method uint16) error {
	zf, err := w.zw.CreateHeader(w.header(name, method))
	if err != nil {
		return err
	}
	_, err = zf.Write(b)
	return err
}

func (w *Writer) fail(err error) error {
	if w.err == nil {
		w.err = err
	}
	return err
}

func (w *Writer) usable() error {
	switch {
	case w.done:
		return errors.New("package writer already closed")
	case w.err != nil:
		return fmt.Errorf("package writer failed earlier: %w", w.err)
	}
	return nil
}

// WriteCollection adds the collection. srcPath must be a schema-11 file in rollback
// (DELETE) journal mode, e.g. closed with store.CloseForTransfer. Legacy packages store
// it deflated; for Latest a temporary copy is upgraded to schema 18 (schema18.Upgrade)
// and stored as one zstd frame. The dummy collection follows for Legacy2 and Latest.
func (w *Writer) WriteCollection(ctx context.Context, srcPath string) error {
	if err := w.usable(); err != nil {
		return err
	}
	if w.wroteCo {
		return errors.New("write collection: already written")
	}
	if err := checkSourceCollection(ctx, srcPath); err != nil {
		return fmt.Errorf("write collection: %w", err)
	}
	w.wroteCo = true
	name := w.opt.Generation.CollectionMember()
	var err error
	if w.opt.Generation.zstd() {
		err = w.writeLatestCollection(ctx, srcPath, name)
	} else {
		err = w.copyFile(ctx, srcPath, name, zip.Deflate)
	}
	if err != nil {
		return w.fail(fmt.Errorf("write collection: %w", err))
	}
	if w.opt.Generation != Legacy1 {
		dummy, err := w.opt.DummyCollection()
		if err != nil {
			return w.fail(fmt.Errorf("write dummy collection: %w", err))
		}
		if !bytes.HasPrefix(dummy, sqliteMagic) {
			return w.fail(errors.New("write dummy collection: not an SQLite database"))
		}
		if err := w.writeBytes(MemberAnki2, dummy, zip.Store); err != nil {
			return w.fail(fmt.Errorf("write dummy collection: %w", err))
		}
	}
	return nil
}

// checkSourceCollection insists on a complete schema-11 file: in WAL mode the newest
// pages could still sit in a -wal file that would not be packaged.
func checkSourceCollection(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	head := make([]byte, 20)
	_, err = io.ReadFull(f, head)
	f.Close()
	if err != nil || !bytes.HasPrefix(head, sqliteMagic) {
		return fmt.Errorf("%s is not an SQLite database", path)
	}
	if head[18] != 1 || head[19] != 1 {
		return fmt.Errorf("%s is in WAL mode; close it with store.CloseForTransfer first", path)
	}
	db, err := store.Open(ctx, path, store.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	ver, err := schema18.Version(ctx, db)
	if err != nil {
		return err
	}
	if ver != 11 {
		return fmt.Errorf("%s has schema %d, want 11", path, ver)
	}
	return nil
}

func (w *Writer) copyFile(ctx context.Context, src, member string, method uint16) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	zf, err := w.zw.CreateHeader(w.header(member, method))
	if err != nil {
		return err
	}
	_, err = io.Copy(zf, ctxReader{ctx, in})
	return err
}

func (w *Writer) writeLatestCollection(ctx context.Context, src, member string) error {
	dir, err := os.MkdirTemp(filepath.Dir(w.dst), ".collection-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "collection.anki21b")
	if err := copyPlain(ctx, src, tmp); err != nil {
		return err
	}
	db, err := store.Open(ctx, tmp, store.Options{})
	if err != nil {
		return err
	}
	if err := schema18.Upgrade(ctx, db); err != nil {
		db.Close()
		return err
	}
	// Checkpointed and back in DELETE mode: one self-contained file, which every reader
	// opens (Anki itself leaves schema 18 in WAL mode; both work).
	if err := store.CloseForTransfer(ctx, db); err != nil {
		return err
	}
	in, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	zf, err := w.zw.CreateHeader(w.header(member, zip.Store))
	if err != nil {
		return err
	}
	threads := 1
	if st.Size() > multithreadMinBytes {
		threads = runtime.GOMAXPROCS(0)
	}
	enc, err := zstd.NewWriter(zf, zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithEncoderConcurrency(threads), zstd.WithWindowSize(zstdWindow))
	if err != nil {
		return err
	}
	if _, err := io.Copy(enc, ctxReader{ctx, in}); err != nil {
		enc.Close()
		return err
	}
	return enc.Close()
}

func copyPlain(ctx context.Context, src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, ctxReader{ctx, in}); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// AddMedia stores one media file under the next member number. name must be safe and
// already normalised (medianame.Normalize), and unique in the package. Size and SHA-1
// are taken over the uncompressed bytes; Latest packages zstd-compress each file.
func (w *Writer) AddMedia(name string, r io.Reader) error {
	if err := w.usable(); err != nil {
		return err
	}
	if !w.wroteCo {
		return errors.New("add media: write the collection first (Anki's member order)")
	}
	if !medianame.IsSafe(name) {
		return fmt.Errorf("add media %q: unsafe file name", name)
	}
	if !medianame.IsNormalized(name) {
		n, _ := medianame.Normalize(name)
		return fmt.Errorf("add media %q: name is not normalised (want %q)", name, n)
	}
	if w.names[name] {
		return fmt.Errorf("add media %q: duplicate name", name)
	}
	index := len(w.media)
	zf, err := w.zw.CreateHeader(w.header(memberName(index), zip.Store))
	if err != nil {
		return w.fail(fmt.Errorf("add media %q: %w", name, err))
	}
	var dst io.Writer = zf
	if w.opt.Generation.zstd() {
		if w.enc == nil {
			// One encoder, reset per file, as Anki's MediaCopier reuses its raw encoder.
			if w.enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault),
				zstd.WithEncoderConcurrency(1), zstd.WithWindowSize(zstdWindow)); err != nil {
				return w.fail(fmt.Errorf("add media %q: %w", name, err))
			}
		}
		w.enc.Reset(zf)
		dst = w.enc
	}
	h := sha1.New()
	limited := io.LimitReader(r, w.opt.MaxMediaFileBytes+1)
	if w.buf == nil {
		w.buf = make([]byte, 64<<10)
	}
	n, err := io.CopyBuffer(io.MultiWriter(dst, h), limited, w.buf)
	if err == nil && w.opt.Generation.zstd() {
		err = w.enc.Close()
	}
	if err != nil {
		return w.fail(fmt.Errorf("add media %q: %w", name, err))
	}
	if n > w.opt.MaxMediaFileBytes {
		return w.fail(fmt.Errorf("add media %q: larger than %d bytes", name, w.opt.MaxMediaFileBytes))
	}
	w.names[name] = true
	w.media = append(w.media, MediaEntry{Index: index, Name: name, OriginalName: name, Size: n, SHA1: h.Sum(nil)})
	return nil
}

// Media returns the entries written so far (what the media list will hold).
func (w *Writer) Media() []MediaEntry { return w.media }

// Close writes the media list, finishes the archive and renames it into place. After a
// failure the temporary file is removed and the destination is untouched.
func (w *Writer) Close() error {
	if err := w.usable(); err != nil {
		w.Abort()
		return fmt.Errorf("close package: %w", err)
	}
	if !w.wroteCo {
		w.Abort()
		return errors.New("close package: no collection was written")
	}
	if err := w.finish(); err != nil {
		w.Abort()
		return fmt.Errorf("close package: %w", err)
	}
	w.done = true
	return nil
}

func (w *Writer) finish() error {
	var list []byte
	if w.opt.Generation.zstd() {
		enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
		if err != nil {
			return err
		}
		list = enc.EncodeAll(encodeMediaEntries(w.media), nil)
		enc.Close()
	} else {
		list = encodeLegacyMap(w.media)
	}
	if err := w.writeBytes(MemberMedia, list, zip.Store); err != nil {
		return err
	}
	if err := w.zw.Close(); err != nil {
		return err
	}
	if err := w.f.Sync(); err != nil {
		return err
	}
	if err := w.f.Close(); err != nil {
		return err
	}
	return os.Rename(w.f.Name(), w.dst)
}

// Abort discards the package. It is safe to call more than once and after Close.
func (w *Writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	if w.enc != nil {
		w.enc.Close()
	}
	w.f.Close()
	if err := os.Remove(w.f.Name()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("abort package: %w", err)
	}
	return nil
}

// newZipWriter is a zip writer whose deflate is klauspost's (the standard library's took
// 40 % of a 100k-note export, klauspost's writes the same format about twice as fast),
// run on all cores: only the collection member is deflated, and it is large.
func newZipWriter(w io.Writer) *zip.Writer {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return newParallelDeflate(out, kflate.DefaultCompression, runtime.GOMAXPROCS(0)), nil
	})
	return zw
}

// deflateBlock is how much input one goroutine compresses at a time; each block after the
// first starts from the last 32 KiB of the one before, so the ratio barely changes.
const (
	deflateBlock  = 1 << 20
	deflateWindow = 32 << 10
)

// parallelDeflate writes one ordinary deflate stream, compressing consecutive blocks of
// its input on up to `workers` goroutines (as pigz does). Every block but the last ends
// with a sync flush, which byte-aligns it so that the blocks' outputs concatenate into
// one valid stream; the last block carries the final-block bit.
type parallelDeflate struct {
	out     io.Writer
	level   int
	workers int
	encs    chan *kflate.Writer // idle encoders; taking one bounds the goroutines
	cur     *deflateJob         // block being filled
	tail    []byte              // last deflateWindow bytes of the previous block
	pending []*deflateJob       // submitted blocks, in stream order
	free    []*deflateJob
	err     error
}

type deflateJob struct {
	in, dict []byte
	out      bytes.Buffer
	final    bool
	done     chan error
}

func newParallelDeflate(out io.Writer, level, workers int) *parallelDeflate {
	workers = max(workers, 1)
	d := &parallelDeflate{out: out, level: level, workers: workers, encs: make(chan *kflate.Writer, workers)}
	for range workers {
		d.encs <- nil // created on first use
	}
	return d
}

func (d *parallelDeflate) Write(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	n := len(p)
	for len(p) > 0 {
		if d.cur == nil {
			d.cur = d.newJob()
		}
		k := copy(d.cur.in[len(d.cur.in):deflateBlock], p)
		d.cur.in = d.cur.in[:len(d.cur.in)+k]
		p = p[k:]
		if len(d.cur.in) == deflateBlock {
			if err := d.submit(false); err != nil {
				return n - len(p), err
			}
		}
	}
	return n, nil
}

// Close compresses what is left as the final block and writes every pending block.
func (d *parallelDeflate) Close() error {
	if d.err != nil {
		d.drain()
		return d.err
	}
	if d.cur == nil {
		d.cur = d.newJob()
	}
	if err := d.submit(true); err != nil {
		d.drain()
		return err
	}
	for len(d.pending) > 0 {
		if err := d.writeOldest(); err != nil {
			d.drain()
			return err
		}
	}
	return nil
}

func (d *parallelDeflate) newJob() *deflateJob {
	if n := len(d.free); n > 0 {
		j := d.free[n-1]
		d.free = d.free[:n-1]
		j.in, j.dict, j.final = j.in[:0], j.dict[:0], false
		j.out.Reset()
		return j
	}
	return &deflateJob{in: make([]byte, 0, deflateBlock), done: make(chan error, 1)}
}

func (d *parallelDeflate) submit(final bool) error {
	j := d.cur
	d.cur = nil
	j.final = final
	j.dict = append(j.dict[:0], d.tail...)
	d.tail = append(d.tail[:0], j.in[max(0, len(j.in)-deflateWindow):]...)
	d.pending = append(d.pending, j)
	go d.compress(j)
	// Keep at most one block per worker waiting beyond the ones being compressed.
	for len(d.pending) > d.workers {
		if err := d.writeOldest(); err != nil {
			return err
		}
	}
	return nil
}

func (d *parallelDeflate) compress(j *deflateJob) {
	enc := <-d.encs
	var err error
	if enc == nil {
		enc, err = kflate.NewWriter(&j.out, d.level)
	}
	if err == nil {
		enc.ResetDict(&j.out, j.dict)
		if _, err = enc.Write(j.in); err == nil {
			if j.final {
				err = enc.Close()
			} else {
				err = enc.Flush()
			}
		}
	}
	d.encs <- enc
	j.done <- err
}

func (d *parallelDeflate) writeOldest() error {
	j := d.pending[0]
	d.pending = d.pending[1:]
	err := <-j.done
	if err == nil {
		_, err = d.out.Write(j.out.Bytes())
	}
	d.free = append(d.free, j)
	if err != nil && d.err == nil {
		d.err = err
	}
	return err
}

// drain waits for the blocks still being compressed after a failure.
func (d *parallelDeflate) drain() {
	for _, j := range d.pending {
		<-j.done
	}
	d.pending = nil
}
