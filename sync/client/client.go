// Package client is Deckhand's sync client: it talks to AnkiWeb, Anki's own sync server,
// ankisyncd and deckhand-syncd in the v11 or the legacy framing, and drives a whole sync of a
// collection and its media (Sync).
package client

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/deckhand-app/deckhand/sync/protocol"
)

// Protocol selects the framing.
type Protocol int

const (
	// Auto tries v11 at login and falls back to legacy (ankisyncd answers v11 with 403).
	Auto Protocol = iota
	V11
	Legacy
)

// ParseProtocol reads "auto", "v11" or "legacy".
func ParseProtocol(s string) (Protocol, error) {
	switch strings.ToLower(s) {
	case "", "auto":
		return Auto, nil
	case "v11", "11":
		return V11, nil
	case "legacy", "v10", "10":
		return Legacy, nil
	}
	return Auto, fmt.Errorf("protocol %q: want auto, v11 or legacy", s)
}

func (p Protocol) String() string { return [...]string{"auto", "v11", "legacy"}[p] }

// Options configure a Client.
type Options struct {
	// Endpoint is the server's base URL, e.g. http://127.0.0.1:27701/ (a trailing slash is
	// added when missing, as Anki does).
	Endpoint      string
	Protocol      Protocol
	HTTPClient    *http.Client // nil: a client that does not follow redirects
	ClientVersion string       // "c" header / "v" field; default deckhand's
	Limits        protocol.Limits
}

// Client speaks the sync protocol to one server.
type Client struct {
	endpoint   string
	proto      Protocol
	http       *http.Client
	cv         string
	lim        protocol.Limits
	hostKey    string
	sessionKey string
	// mediaKey is the media session key msync/begin handed out. Legacy media calls must
	// send it as sk: ankisyncd keeps media sessions of its own and answers 403 to a host key
	// there (Anki's own server hands out the host key, so either works with it).
	mediaKey string
}

// DefaultClientVersion is what Deckhand reports as its client version.
const DefaultClientVersion = "deckhand,0.1,go"

// New creates a client.
func New(opts Options) (*Client, error) {
	ep := strings.TrimSpace(opts.Endpoint)
	u, err := url.Parse(ep)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("sync server address %q: want http(s)://host[:port]/", opts.Endpoint)
	}
	if !strings.HasSuffix(ep, "/") {
		ep += "/"
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient() // timeouts: see timeout.go
	}
	// Redirects must reach us: a 308 on meta carries the new endpoint to save.
	hcCopy := *hc
	hcCopy.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	cv := opts.ClientVersion
	if cv == "" {
		cv = DefaultClientVersion
	}
	lim := opts.Limits
	if lim == (protocol.Limits{}) {
		lim = protocol.DefaultLimits()
	}
	return &Client{endpoint: ep, proto: opts.Protocol, http: &hcCopy, cv: cv, lim: lim, sessionKey: newSessionKey()}, nil
}

// newSessionKey draws a random base-62 string, as Anki's client does for each sync.
func newSessionKey() string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	n, err := rand.Int(rand.Reader, big.NewInt(1<<32))
	if err != nil {
		return "deckhand"
	}
	v := n.Uint64()
	var b []byte
	for v > 0 || len(b) == 0 {
		b = append(b, digits[v%62])
		v /= 62
	}
	return string(b)
}

// Endpoint is the current base URL (it changes after a redirect on meta).
func (c *Client) Endpoint() string { return c.endpoint }

// Protocol is the framing in use (Auto until a login decided it).
func (c *Client) Protocol() Protocol { return c.proto }

// HostKey is the key from the last login.
func (c *Client) HostKey() string { return c.hostKey }

// SetAuth sets a host key saved from an earlier login, and its protocol.
func (c *Client) SetAuth(hostKey string, p Protocol) {
	c.hostKey = hostKey
	if p != Auto {
		c.proto = p
	}
}

func (c *Client) framing() protocol.Framing {
	if c.proto == Legacy {
		return protocol.FramingLegacy
	}
	return protocol.FramingV11
}

// Sentinel errors behind HTTPError, for errors.Is.
var (
	ErrAuthFailed     = errors.New("the server did not accept your user name and password; log in again")
	ErrConflict       = errors.New("another sync is in progress on the server; try again in a moment")
	ErrServerError    = errors.New("the sync server had a problem; try again later")
	ErrClientTooOld   = errors.New("the server does not support this client version")
	ErrCheckDatabase  = errors.New("the server refused the request; run Check Database and sync again")
	ErrTooManyLogins  = errors.New("too many login attempts; wait a minute and try again")
	ErrBadServerReply = errors.New("the server sent an answer that is not a sync server's")
)

// HTTPError is a non-200 answer.
type HTTPError struct {
	Method string
	Code   int
	Body   string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("sync %s: server answered %d %s", e.Method, e.Code, strings.TrimSpace(e.Body))
}

func (e *HTTPError) Unwrap() error {
	switch {
	case e.Code == http.StatusForbidden:
		return ErrAuthFailed
	case e.Code == http.StatusConflict:
		return ErrConflict
	case e.Code == http.StatusNotImplemented:
		return ErrClientTooOld
	case e.Code == http.StatusTooManyRequests:
		return ErrTooManyLogins
	case e.Code == http.StatusBadRequest:
		return ErrCheckDatabase
	case e.Code >= 500:
		return ErrServerError
	}
	return nil
}

// RedirectError is a 308 carrying a new endpoint.
type RedirectError struct{ Location string }

func (e *RedirectError) Error() string { return "server moved to " + e.Location }

// call sends one request and returns the decoded answer body.
func (c *Client) call(ctx context.Context, path string, body []byte, media, compress bool) ([]byte, error) {
	url := c.endpoint + path
	f := c.framing()
	var req *http.Request
	var err error
	if f == protocol.FramingV11 {
		req, err = protocol.NewV11Request(ctx, url, protocol.Header{Version: protocol.VersionMax, HostKey: c.hostKey,
			ClientVersion: c.cv, SessionKey: c.sessionKey}, body)
	} else {
		fields := protocol.LegacyFields{HostKey: c.hostKey}
		switch {
		case media && path != "msync/begin":
			sk := c.mediaKey
			if sk == "" {
				sk = c.hostKey
			}
			fields = protocol.LegacyFields{MediaSession: sk}
		case media || path == "sync/upload" || path == "sync/download":
			fields.ClientVersion = c.cv
		case path != "sync/hostKey":
			fields.SessionKey = c.sessionKey
		}
		req, err = protocol.NewLegacyRequest(ctx, url, fields, body, compress)
	}
	if err != nil {
		return nil, fmt.Errorf("sync %s: %w", path, err)
	}
	return c.do(req, path, f)
}

// do sends a built request and reads the answer in framing f.
func (c *Client) do(req *http.Request, path string, f protocol.Framing) ([]byte, error) {
	ctx := req.Context()
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("sync %s: cannot reach the server: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusPermanentRedirect {
		return nil, &RedirectError{Location: resp.Header.Get("Location")}
	}
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, &HTTPError{Method: path, Code: resp.StatusCode, Body: string(b)}
	}
	out, err := protocol.ReadResponseBody(resp, f, c.lim)
	if err != nil {
		return nil, fmt.Errorf("sync %s: %w: %v", path, ErrBadServerReply, err)
	}
	return out, nil
}

func (c *Client) callJSON(ctx context.Context, path string, in, out any) error {
	body := protocol.Empty
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = b
	}
	raw, err := c.call(ctx, path, body, strings.HasPrefix(path, "msync/"), true)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("sync %s: %w: %v", path, ErrBadServerReply, err)
	}
	return nil
}

// Login exchanges user name and password for a host key. With Auto it tries v11 and then
// legacy, keeping whichever the server accepted.
func (c *Client) Login(ctx context.Context, user, password string) (string, error) {
	try := func(p Protocol) (string, error) {
		old := c.proto
		c.proto = p
		c.hostKey = ""
		var res protocol.HostKeyResponse
		err := c.callJSON(ctx, "sync/hostKey", protocol.HostKeyRequest{Username: user, Password: password}, &res)
		if err == nil && res.Key == "" {
			err = fmt.Errorf("sync hostKey: %w: no key", ErrBadServerReply)
		}
		if err != nil {
			c.proto = old
			return "", err
		}
		c.hostKey = res.Key
		return res.Key, nil
	}
	switch c.proto {
	case V11, Legacy:
		return try(c.proto)
	}
	hk, err := try(V11)
	if err == nil {
		return hk, nil
	}
	if errors.Is(err, ErrTooManyLogins) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "", err
	}
	if hk, lerr := try(Legacy); lerr == nil {
		return hk, nil
	}
	return "", err
}

// Meta fetches the server's meta. A 308 is followed once, and the new endpoint is returned
// (to be saved, as Anki's GUI saves currentSyncUrl).
func (c *Client) Meta(ctx context.Context) (protocol.Meta, string, error) {
	v := protocol.VersionMax
	if c.proto == Legacy {
		v = protocol.VersionLegacy
	}
	req := protocol.MetaRequest{Version: v, ClientVersion: c.cv}
	var m protocol.Meta
	err := c.callJSON(ctx, "sync/meta", req, &m)
	if err == nil && c.proto == Legacy && !m.Continue {
		// ankisyncd 2.2.0 (Anki 2.1.12 inside) speaks sync version 9 only and refuses 10 with
		// "…unsupported sync protocol (10, supported version: 9)". Version 9 differs from 10
		// only in what the server may demand of the client's timezone handling, so asking
		// again with the version it names is safe.
		if sv, ok := legacySupportedVersion(m.Message); ok && sv < v {
			req.Version = sv
			m = protocol.Meta{}
			err = c.callJSON(ctx, "sync/meta", req, &m)
		}
	}
	var re *RedirectError
	if errors.As(err, &re) {
		loc := re.Location
		u, perr := url.Parse(loc)
		if perr != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return m, "", fmt.Errorf("sync meta: bad redirect %q", loc)
		}
		if !strings.HasSuffix(loc, "/") {
			loc += "/"
		}
		c.endpoint = loc
		if err := c.callJSON(ctx, "sync/meta", req, &m); err != nil {
			return m, "", err
		}
		return m, loc, nil
	}
	return m, "", err
}

// legacySupportedVersion reads the version ankisyncd says it supports out of its refusal
// message ("Your client is using unsupported sync protocol (10, supported version: 9)").
func legacySupportedVersion(msg string) (int, bool) {
	const marker = "supported version:"
	i := strings.LastIndex(msg, marker)
	if i < 0 {
		return 0, false
	}
	rest := strings.TrimSpace(msg[i+len(marker):])
	end := 0
	for end < len(rest) && rest[end] >= '0' && rest[end] <= '9' {
		end++
	}
	n, err := strconv.Atoi(rest[:end])
	if err != nil || n < protocol.VersionMin || n > protocol.VersionMax {
		return 0, false
	}
	return n, true
}

// --- normal sync: colsync.Peer ---

func (c *Client) Start(ctx context.Context, req protocol.StartRequest) (protocol.Graves, error) {
	var g protocol.Graves
	err := c.callJSON(ctx, "sync/start", req, &g)
	return g, err
}

func (c *Client) ApplyGraves(ctx context.Context, g protocol.Graves) error {
	return c.callJSON(ctx, "sync/applyGraves", protocol.ApplyGravesRequest{Chunk: g}, nil)
}

func (c *Client) ApplyChanges(ctx context.Context, ch protocol.Changes) (protocol.Changes, error) {
	var out protocol.Changes
	err := c.callJSON(ctx, "sync/applyChanges", protocol.ApplyChangesRequest{Changes: ch}, &out)
	return out, err
}

func (c *Client) Chunk(ctx context.Context) (protocol.Chunk, error) {
	var ch protocol.Chunk
	err := c.callJSON(ctx, "sync/chunk", nil, &ch)
	return ch, err
}

func (c *Client) ApplyChunk(ctx context.Context, ch protocol.Chunk) error {
	return c.callJSON(ctx, "sync/applyChunk", protocol.ApplyChunkRequest{Chunk: ch}, nil)
}

func (c *Client) SanityCheck(ctx context.Context, counts protocol.SanityCounts) (protocol.SanityCheckResponse, error) {
	var res protocol.SanityCheckResponse
	err := c.callJSON(ctx, "sync/sanityCheck2", protocol.SanityCheckRequest{Client: counts}, &res)
	if err == nil && res.Status != protocol.SanityOK && res.Status != protocol.SanityBad {
		// Not a verdict: reading it as "bad" would force a full sync over a garbled answer.
		err = fmt.Errorf("sync sanityCheck2: %w: status %.40q", ErrBadServerReply, res.Status)
	}
	return res, err
}

// SanityNeedsDueCounts is true in the legacy framing: ankisyncd compares the due counts of
// the sanity check with its own scheduler's (colsync.DueCountsPeer).
func (c *Client) SanityNeedsDueCounts() bool { return c.proto == Legacy }

func (c *Client) Finish(ctx context.Context) (int64, error) {
	var raw json.RawMessage
	if err := c.callJSON(ctx, "sync/finish", nil, &raw); err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(string(raw)), 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("sync finish: %w: %.40s", ErrBadServerReply, raw)
	}
	return int64(f), nil
}

func (c *Client) Abort(ctx context.Context) error {
	return c.callJSON(ctx, "sync/abort", nil, nil)
}

// --- full sync ---

// Upload sends a collection file; the server answers OK or a message for the user.
func (c *Client) Upload(ctx context.Context, data []byte) error {
	out, err := c.call(ctx, "sync/upload", data, false, true)
	if err != nil {
		return err
	}
	if s := strings.TrimSpace(string(out)); s != "OK" {
		return &UploadRefusedError{Message: s}
	}
	return nil
}

// UploadFile sends the collection file at path as a full upload. With v11 the file is
// compressed while it is sent instead of being read into memory first.
func (c *Client) UploadFile(ctx context.Context, path string) error {
	if c.framing() != protocol.FramingV11 {
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return c.Upload(ctx, data)
	}
	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	req, err := protocol.NewV11StreamRequest(ctx, c.endpoint+"sync/upload", protocol.Header{Version: protocol.VersionMax,
		HostKey: c.hostKey, ClientVersion: c.cv, SessionKey: c.sessionKey}, file)
	if err != nil {
		return fmt.Errorf("sync sync/upload: %w", err)
	}
	out, err := c.do(req, "sync/upload", protocol.FramingV11)
	if err != nil {
		return err
	}
	if s := strings.TrimSpace(string(out)); s != "OK" {
		return &UploadRefusedError{Message: s}
	}
	return nil
}

// UploadRefusedError is the server's text when it did not accept an upload.
type UploadRefusedError struct{ Message string }

func (e *UploadRefusedError) Error() string { return "the server refused the upload: " + e.Message }

// Download fetches the server's collection file.
func (c *Client) Download(ctx context.Context) ([]byte, error) {
	b, err := c.call(ctx, "sync/download", protocol.Empty, false, true)
	if err != nil {
		return nil, err
	}
	if len(b) < 16 || string(b[:15]) != "SQLite format 3" {
		return nil, fmt.Errorf("sync download: %w: not a collection file (%.40q)", ErrBadServerReply, b)
	}
	return b, nil
}

// --- media: media.Remote ---

func mediaData(raw []byte, out any) error {
	var res protocol.MediaResult
	if err := json.Unmarshal(raw, &res); err != nil {
		return fmt.Errorf("media sync: %w: %v", ErrBadServerReply, err)
	}
	if res.Err != "" {
		return fmt.Errorf("media sync: server error: %s", res.Err)
	}
	if err := json.Unmarshal(res.Data, out); err != nil {
		return fmt.Errorf("media sync: %w: %v", ErrBadServerReply, err)
	}
	return nil
}

func (c *Client) mediaCall(ctx context.Context, path string, in any, out any) error {
	body := protocol.Empty
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = b
	}
	raw, err := c.call(ctx, path, body, true, true)
	if err != nil {
		return err
	}
	return mediaData(raw, out)
}

func (c *Client) MediaBegin(ctx context.Context) (int, error) {
	var res protocol.MediaBeginResponse
	var in any
	if c.proto != Legacy {
		in = protocol.MediaBeginRequest{ClientVersion: c.cv}
	}
	c.mediaKey = ""
	if err := c.mediaCall(ctx, "msync/begin", in, &res); err != nil {
		return 0, err
	}
	c.mediaKey = res.SessionKey
	return res.USN, nil
}

func (c *Client) MediaChanges(ctx context.Context, lastUSN int) ([]protocol.MediaChange, error) {
	var out []protocol.MediaChange
	err := c.mediaCall(ctx, "msync/mediaChanges", protocol.MediaChangesRequest{LastUSN: lastUSN}, &out)
	return out, err
}

func (c *Client) DownloadFiles(ctx context.Context, names []string) ([]byte, error) {
	b, err := json.Marshal(protocol.DownloadFilesRequest{Files: names})
	if err != nil {
		return nil, err
	}
	return c.call(ctx, "msync/downloadFiles", b, true, true)
}

// StoredZips: under v11 every request body is zstd-compressed, so media upload zips store
// their files (media.StoredZips).
func (c *Client) StoredZips() bool { return c.proto == V11 }

func (c *Client) UploadChanges(ctx context.Context, zipData []byte) (int, int, error) {
	// Legacy clients send the zip uncompressed (c=0): it is deflated already.
	raw, err := c.call(ctx, "msync/uploadChanges", zipData, true, false)
	if err != nil {
		return 0, 0, err
	}
	var out [2]int
	if err := mediaData(raw, &out); err != nil {
		return 0, 0, err
	}
	return out[0], out[1], nil
}

func (c *Client) MediaSanity(ctx context.Context, local int) (string, error) {
	var out string
	err := c.mediaCall(ctx, "msync/mediaSanity", protocol.MediaSanityRequest{Local: local}, &out)
	if out == "FAILED" {
		out = protocol.MediaSanityFailed // ankisyncd's word for it
	}
	return out, err
}
