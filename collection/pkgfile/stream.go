package pkgfile

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/klauspost/compress/zstd"
)

// Decoders never need a window beyond this; zstd's default maximum is 8 MiB and
// `zstd --long` goes to 128 MiB. Larger windows are refused rather than allocated.
const maxZstdWindow = 128 << 20

func newZstdReader(r io.Reader) (*zstd.Decoder, error) {
	return zstd.NewReader(r,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderLowmem(true),
		zstd.WithDecoderMaxWindow(maxZstdWindow))
}

// ctxReader stops a long copy when the context is cancelled.
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

// guardedReader counts decompressed bytes and fails as soon as a cap or the ratio to the
// compressed size is exceeded, so a bomb is detected after at most one buffer.
type guardedReader struct {
	r          io.Reader
	what       string // for messages: `member "3" (a.png)`
	n          uint64
	max        uint64 // hard cap
	compressed uint64
	lim        Limits
	// Verification at EOF, when known.
	wantSize *uint64
	wantSHA1 []byte
	h        hash.Hash
}

func newGuardedReader(r io.Reader, what string, max, compressed uint64, lim Limits) *guardedReader {
	return &guardedReader{r: r, what: what, max: max, compressed: compressed, lim: lim}
}

func (g *guardedReader) verify(size uint64, sum []byte) {
	g.wantSize = &size
	if len(sum) > 0 {
		g.wantSHA1 = sum
		g.h = sha1.New()
	}
}

func (g *guardedReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.n += uint64(n)
	if g.h != nil {
		g.h.Write(p[:n])
	}
	if g.n > g.max {
		return n, invalidf("%s: decompresses to more than %d bytes", g.what, g.max)
	}
	if g.lim.ratioExceeded(g.n, g.compressed) {
		return n, invalidf("%s: compression ratio above %d:1 (%d bytes from %d)", g.what, g.lim.MaxRatio, g.n, g.compressed)
	}
	if errors.Is(err, io.EOF) {
		if g.wantSize != nil && g.n != *g.wantSize {
			return n, invalidf("%s: %d bytes, media list says %d", g.what, g.n, *g.wantSize)
		}
		if g.h != nil {
			if got := g.h.Sum(nil); string(got) != string(g.wantSHA1) {
				return n, invalidf("%s: SHA-1 %x does not match the media list (%x)", g.what, got, g.wantSHA1)
			}
		}
		return n, io.EOF
	}
	if err != nil {
		return n, fmt.Errorf("%s: %w", g.what, wrapZipErr(err))
	}
	return n, nil
}

// wrapZipErr marks data errors (bad CRC, corrupt deflate or zstd) as invalid input.
func wrapZipErr(err error) error {
	if err == nil || errors.Is(err, ErrInvalid) || errors.Is(err, context.Canceled) ||
		errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%w: %v", ErrInvalid, err)
}

// copyChunk is how much WriteTo decompresses before handing the bytes to the writer: a
// collection is ~100 MB, and io.Copy's 32 KiB would cost a write syscall per 32 KiB.
const copyChunk = 1 << 20

// WriteTo copies the decompressed stream to w; io.Copy uses it. Two large buffers
// alternate: one is filled by Read (with all its checks) on another goroutine while the
// other is written, so decompression and writing overlap.
func (g *guardedReader) WriteTo(w io.Writer) (int64, error) {
	type chunk struct {
		b   []byte
		err error
	}
	free := make(chan []byte, 2)
	full := make(chan chunk, 2) // room for both buffers: the reader never blocks on it
	stop := make(chan struct{})
	free <- make([]byte, copyChunk)
	free <- make([]byte, copyChunk)
	go func() {
		defer close(full)
		for {
			var b []byte
			select {
			case b = <-free:
			case <-stop:
				return
			}
			n, err := readFull(g, b)
			full <- chunk{b[:n], err}
			if err != nil {
				return
			}
		}
	}()
	var total int64
	for c := range full {
		if len(c.b) > 0 {
			n, err := w.Write(c.b)
			total += int64(n)
			if err == nil && n < len(c.b) {
				err = io.ErrShortWrite
			}
			if err != nil {
				close(stop)
				for range full {
				}
				return total, err
			}
		}
		if c.err != nil {
			if c.err == io.EOF {
				return total, nil
			}
			return total, c.err
		}
		free <- c.b[:cap(c.b)]
	}
	return total, nil
}

// readFull fills b unless the stream ends or fails first (io.ReadFull, but passing
// io.EOF through unchanged so that WriteTo can tell the end from a failure).
func readFull(r io.Reader, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		k, err := r.Read(b[n:])
		n += k
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
