package protocol

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/zstd"
)

// Framing says how a request was (or is to be) wrapped.
type Framing int

const (
	// FramingV11 is Anki ≥2.1.57: anki-sync header, zstd request and response bodies.
	FramingV11 Framing = iota
	// FramingLegacy is multipart/form-data with a gzip'd data part and raw responses
	// (Anki ≤2.1.56, AnkiDroid ≤2.15, ankisyncd).
	FramingLegacy
)

func (f Framing) String() string {
	if f == FramingLegacy {
		return "legacy"
	}
	return "v11"
}

// Limits bound what a request or response may carry (rslib: MAX_SYNC_PAYLOAD_MEGS, and three
// times that once decompressed).
type Limits struct {
	MaxCompressed   int64
	MaxDecompressed int64
}

// DefaultLimits are 100 MiB on the wire and 300 MiB decompressed.
func DefaultLimits() Limits {
	return Limits{MaxCompressed: DefaultMaxPayloadMegs << 20, MaxDecompressed: DecompressedMultiplier * DefaultMaxPayloadMegs << 20}
}

// StatusError is a request problem with the HTTP status the server answers it with.
type StatusError struct {
	Code int
	Msg  string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Code, http.StatusText(e.Code), e.Msg)
}

func badRequest(format string, args ...any) error {
	return &StatusError{Code: http.StatusBadRequest, Msg: fmt.Sprintf(format, args...)}
}

// Request is a decoded incoming sync request, whatever its framing.
type Request struct {
	Framing Framing
	// Version is the header's v (v11), or VersionLegacy for multipart: the old protocol did
	// not send it on every request, so Anki's server treats all multipart clients as v10.
	Version       int
	HostKey       string // k (or sk for legacy media calls, which Anki's server also accepts)
	SessionKey    string // s
	ClientVersion string // c (v11 header) or v (legacy form field)
	MediaSession  string // sk (legacy media calls)
	Body          []byte // decompressed body; {} when a legacy request had no data part
}

// ReadRequest decodes an HTTP request in either framing, enforcing lim. Errors are
// *StatusError (400, or 413 for oversized bodies).
func ReadRequest(r *http.Request, lim Limits) (*Request, error) {
	if h := r.Header.Get(HeaderName); h != "" {
		return readV11(r, h, lim)
	}
	if r.Method == http.MethodGet {
		// Legacy Rust clients (2.1.28–2.1.56) begin media sync with GET ?k=&v=.
		q := r.URL.Query()
		return &Request{Framing: FramingLegacy, Version: VersionLegacy, HostKey: q.Get("k"),
			ClientVersion: q.Get("v"), Body: []byte("{}")}, nil
	}
	return readMultipart(r, lim)
}

func readV11(r *http.Request, h string, lim Limits) (*Request, error) {
	hdr, err := ParseHeader(h)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	if hdr.Version < VersionMin || hdr.Version > VersionMax {
		return nil, badRequest("unsupported sync version %d", hdr.Version)
	}
	if r.ContentLength > lim.MaxCompressed {
		return nil, &StatusError{Code: http.StatusRequestEntityTooLarge, Msg: "request body too large"}
	}
	raw, err := readLimited(r.Body, lim.MaxCompressed)
	if err != nil {
		return nil, err
	}
	body, err := Decompress(raw, lim.MaxDecompressed)
	if err != nil {
		return nil, badRequest("%v", err)
	}
	return &Request{Framing: FramingV11, Version: hdr.Version, HostKey: hdr.HostKey, SessionKey: hdr.SessionKey,
		ClientVersion: hdr.ClientVersion, Body: body}, nil
}

func readLimited(r io.Reader, max int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, badRequest("read body: %v", err)
	}
	if int64(len(b)) > max {
		return nil, &StatusError{Code: http.StatusRequestEntityTooLarge, Msg: "request body too large"}
	}
	return b, nil
}

func readMultipart(r *http.Request, lim Limits) (*Request, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, badRequest("neither an anki-sync header nor a multipart form: %v", err)
	}
	req := &Request{Framing: FramingLegacy, Version: VersionLegacy}
	var data []byte
	compressed := false
	budget := lim.MaxCompressed
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, badRequest("multipart: %v", err)
		}
		name := p.FormName()
		if name == "data" {
			data, err = readLimited(p, budget)
			if err != nil {
				return nil, err
			}
			budget -= int64(len(data))
			continue
		}
		// Plain fields are short; anything longer is not from a sync client.
		v, err := io.ReadAll(io.LimitReader(p, 4097))
		if err != nil {
			return nil, badRequest("multipart field %q: %v", name, err)
		}
		if len(v) > 4096 {
			return nil, badRequest("multipart field %q too long", name)
		}
		s := string(v)
		switch name {
		case "c":
			compressed = s == "1"
		case "k":
			req.HostKey = s
		case "s":
			req.SessionKey = s
		case "v":
			req.ClientVersion = s
		case "sk":
			req.MediaSession = s
		}
	}
	if req.HostKey == "" && req.MediaSession != "" {
		req.HostKey = req.MediaSession
	}
	switch {
	case len(data) == 0:
		// AnkiDroid sends no data part on a legacy download; Anki reads that as {}.
		req.Body = []byte("{}")
	case compressed:
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, badRequest("data: not gzip: %v", err)
		}
		body, err := io.ReadAll(io.LimitReader(zr, lim.MaxDecompressed+1))
		if err != nil {
			return nil, badRequest("data: gzip: %v", err)
		}
		if int64(len(body)) > lim.MaxDecompressed {
			return nil, &StatusError{Code: http.StatusRequestEntityTooLarge, Msg: "decompressed body too large"}
		}
		req.Body = body
	default:
		req.Body = data
	}
	return req, nil
}

// WriteResponse writes a 200 answer: zstd with anki-original-size for v11, raw for legacy.
func WriteResponse(w http.ResponseWriter, f Framing, body []byte) error {
	w.Header().Set("Content-Type", "application/octet-stream")
	if f == FramingV11 {
		w.Header().Set(OriginalSizeHeader, strconv.Itoa(len(body)))
		body = Compress(body)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(body)
	return err
}

// WriteError answers with a status and its reason phrase (what Anki's server sends).
func WriteError(w http.ResponseWriter, code int) {
	http.Error(w, http.StatusText(code), code)
}

var (
	encOnce sync.Once
	enc     *zstd.Encoder
)

// Compress zstd-compresses b.
func Compress(b []byte) []byte {
	encOnce.Do(func() {
		var err error
		enc, err = zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
		if err != nil {
			panic(fmt.Sprintf("zstd encoder: %v", err)) // only fails on bad options
		}
	})
	return enc.EncodeAll(b, make([]byte, 0, len(b)/3+64))
}

// Decompress decodes a zstd stream (frames need not declare their size, as Rust's streaming
// encoder's do not), refusing more than max bytes of output.
func Decompress(b []byte, max int64) ([]byte, error) {
	if len(b) == 0 {
		return nil, errors.New("zstd: empty body")
	}
	dec, err := zstd.NewReader(bytes.NewReader(b), zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(uint64(max)+1<<20))
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	defer dec.Close()
	out, err := io.ReadAll(io.LimitReader(dec, max+1))
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	if int64(len(out)) > max {
		return nil, fmt.Errorf("zstd: body over the %d-byte limit", max)
	}
	return out, nil
}

// --- client side ---

// NewV11Request builds a v11 POST: header with all four fields, zstd body with a
// Content-Length (servers like ankisyncd cannot read chunked bodies).
func NewV11Request(ctx context.Context, url string, h Header, body []byte) (*http.Request, error) {
	hb, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(Compress(body)))
	if err != nil {
		return nil, err
	}
	req.Header.Set(HeaderName, string(hb))
	req.Header.Set("Content-Type", "application/octet-stream")
	return req, nil
}

// NewV11StreamRequest is NewV11Request with the body read from r and compressed while it
// is sent, so that a full upload does not hold the collection in memory (and again
// compressed): the same zstd stream NewV11Request makes.
func NewV11StreamRequest(ctx context.Context, url string, h Header, r io.Reader) (*http.Request, error) {
	hb, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, pr)
	if err != nil {
		return nil, err
	}
	req.Header.Set(HeaderName, string(hb))
	req.Header.Set("Content-Type", "application/octet-stream")
	// The HTTP client closes the body when it stops reading, which ends this goroutine.
	go func() {
		zw, err := zstd.NewWriter(pw, zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithEncoderConcurrency(1))
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		if _, err := io.Copy(zw, r); err != nil {
			zw.Close()
			pw.CloseWithError(err)
			return
		}
		pw.CloseWithError(zw.Close())
	}()
	return req, nil
}

// LegacyFields are the multipart text fields; empty ones are left out.
type LegacyFields struct {
	HostKey, SessionKey, ClientVersion, MediaSession string
}

// NewLegacyRequest builds a multipart POST like Anki 2.1's HttpSyncer: c first, then k, s, v,
// sk, then the data file part, gzip'd when compress is set (everything but media uploads).
func NewLegacyRequest(ctx context.Context, url string, f LegacyFields, data []byte, compress bool) (*http.Request, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.SetBoundary("Anki-sync-boundary"); err != nil {
		return nil, err
	}
	c := "0"
	if compress {
		c = "1"
	}
	for _, kv := range [][2]string{{"c", c}, {"k", f.HostKey}, {"s", f.SessionKey}, {"v", f.ClientVersion}, {"sk", f.MediaSession}} {
		if kv[1] == "" {
			continue
		}
		if err := mw.WriteField(kv[0], kv[1]); err != nil {
			return nil, err
		}
	}
	if data != nil {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="data"; filename="data"`)
		h.Set("Content-Type", "application/octet-stream")
		pw, err := mw.CreatePart(h)
		if err != nil {
			return nil, err
		}
		if compress {
			zw, _ := gzip.NewWriterLevel(pw, 6)
			if _, err := zw.Write(data); err != nil {
				return nil, err
			}
			if err := zw.Close(); err != nil {
				return nil, err
			}
		} else if _, err := pw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(buf.Bytes()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req, nil
}

// ErrMissingOriginalSize is what Anki's client reports for a v11 200 without the header.
var ErrMissingOriginalSize = errors.New("server answer lacks anki-original-size (not an Anki v11 sync server?)")

// ReadResponseBody reads a 200 answer's body in framing f, within lim.
func ReadResponseBody(resp *http.Response, f Framing, lim Limits) ([]byte, error) {
	if f == FramingLegacy {
		b, err := io.ReadAll(io.LimitReader(resp.Body, lim.MaxDecompressed+1))
		if err != nil {
			return nil, fmt.Errorf("read answer: %w", err)
		}
		if int64(len(b)) > lim.MaxDecompressed {
			return nil, errors.New("server answer too large")
		}
		return b, nil
	}
	size := strings.TrimSpace(resp.Header.Get(OriginalSizeHeader))
	if size == "" {
		return nil, ErrMissingOriginalSize
	}
	n, err := strconv.ParseInt(size, 10, 64)
	if err != nil || n < 0 {
		return nil, fmt.Errorf("server answer: bad anki-original-size %q", size)
	}
	if n > lim.MaxDecompressed {
		return nil, fmt.Errorf("server answer of %d bytes is over the limit", n)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, lim.MaxCompressed+1))
	if err != nil {
		return nil, fmt.Errorf("read answer: %w", err)
	}
	if int64(len(raw)) > lim.MaxCompressed {
		return nil, errors.New("server answer too large")
	}
	out, err := Decompress(raw, n)
	if err != nil {
		return nil, fmt.Errorf("server answer: %w", err)
	}
	if int64(len(out)) != n {
		return nil, fmt.Errorf("server answer: %d bytes, anki-original-size says %d", len(out), n)
	}
	return out, nil
}
