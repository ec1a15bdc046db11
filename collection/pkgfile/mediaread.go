package pkgfile

import (
	"fmt"
	"io"

	"github.com/klauspost/compress/zstd"
)

// OpenMedia streams one media file: zstd-decoded for Latest, capped at the media size
// limit (and the declared size), and for Latest checked against the listed size and
// SHA-1 when the stream reaches EOF, so the final Read reports a mismatch.
func (r *Reader) OpenMedia(e MediaEntry) (io.ReadCloser, error) {
	f, ok := r.members[memberName(e.Index)]
	if !ok {
		return nil, fmt.Errorf("media %q: %w", e.Name, invalidf("member %q missing", memberName(e.Index)))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, invalidf("media %q: %v", e.Name, err)
	}
	what := fmt.Sprintf("media member %q (%s)", memberName(e.Index), e.Name)
	limit := uint64(r.lim.MaxMediaFileBytes)
	mr := &mediaReader{r: r, zip: rc}
	var src io.Reader = rc
	if r.gen.zstd() {
		d, err := r.decoder(rc)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		mr.dec = d
		src = d
		limit = min(limit, uint64(e.Size))
	}
	g := newGuardedReader(src, what, limit, f.CompressedSize64, r.lim)
	if r.gen.zstd() {
		g.verify(uint64(e.Size), e.SHA1)
	}
	mr.g = g
	return mr, nil
}

// decoder takes an idle decoder or makes one; decoders are costly to allocate and a
// package can hold thousands of files.
func (r *Reader) decoder(src io.Reader) (*zstd.Decoder, error) {
	r.mu.Lock()
	var d *zstd.Decoder
	if n := len(r.decoders); n > 0 {
		d = r.decoders[n-1]
		r.decoders = r.decoders[:n-1]
	}
	r.mu.Unlock()
	if d == nil {
		return newZstdReader(src)
	}
	if err := d.Reset(src); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

func (r *Reader) release(d *zstd.Decoder) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.decoders) < 4 {
		r.decoders = append(r.decoders, d)
		return
	}
	d.Close()
}

type mediaReader struct {
	r      *Reader
	zip    io.ReadCloser
	dec    *zstd.Decoder
	g      *guardedReader
	closed bool
}

func (m *mediaReader) Read(p []byte) (int, error) {
	if m.closed {
		return 0, fmt.Errorf("read after close")
	}
	return m.g.Read(p)
}

func (m *mediaReader) Close() error {
	if m.closed {
		return nil
	}
	m.closed = true
	if m.dec != nil {
		// Detach the decoder from the member before reuse; a failed reset means the
		// decoder is in an unknown state, so drop it.
		if err := m.dec.Reset(nil); err == nil {
			m.r.release(m.dec)
		} else {
			m.dec.Close()
		}
	}
	return m.zip.Close()
}
