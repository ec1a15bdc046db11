package client

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/deckhand-app/deckhand/sync/protocol"
)

// replyTransport answers every request with one canned response.
type replyTransport struct {
	status int
	hdr    http.Header
	body   []byte
}

func (r replyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	return &http.Response{StatusCode: r.status, Header: r.hdr.Clone(), Body: io.NopCloser(bytes.NewReader(r.body)),
		ContentLength: -1, Request: req}, nil
}

// clientCalls are the client methods that decode a server answer.
var clientCalls = []func(ctx context.Context, c *Client) error{
	func(ctx context.Context, c *Client) error { _, err := c.Login(ctx, "u", "p"); return err },
	func(ctx context.Context, c *Client) error { _, _, err := c.Meta(ctx); return err },
	func(ctx context.Context, c *Client) error {
		_, err := c.Start(ctx, protocol.StartRequest{})
		return err
	},
	func(ctx context.Context, c *Client) error { return c.ApplyGraves(ctx, protocol.Graves{}) },
	func(ctx context.Context, c *Client) error {
		_, err := c.ApplyChanges(ctx, protocol.Changes{})
		return err
	},
	func(ctx context.Context, c *Client) error { _, err := c.Chunk(ctx); return err },
	func(ctx context.Context, c *Client) error { return c.ApplyChunk(ctx, protocol.Chunk{}) },
	func(ctx context.Context, c *Client) error {
		_, err := c.SanityCheck(ctx, protocol.SanityCounts{})
		return err
	},
	func(ctx context.Context, c *Client) error { _, err := c.Finish(ctx); return err },
	func(ctx context.Context, c *Client) error { return c.Upload(ctx, []byte("SQLite format 3\x00")) },
	func(ctx context.Context, c *Client) error { _, err := c.Download(ctx); return err },
	func(ctx context.Context, c *Client) error { _, err := c.MediaBegin(ctx); return err },
	func(ctx context.Context, c *Client) error { _, err := c.MediaChanges(ctx, 0); return err },
	func(ctx context.Context, c *Client) error { _, err := c.DownloadFiles(ctx, []string{"a"}); return err },
	func(ctx context.Context, c *Client) error {
		_, _, err := c.UploadChanges(ctx, []byte("PK"))
		return err
	},
	func(ctx context.Context, c *Client) error { _, err := c.MediaSanity(ctx, 0); return err },
}

// FuzzServerReplies answers each client call with an arbitrary status, framing and body
// (what a broken server or a proxy could send). The client must return an error or a
// value, never panic, and errors must say what went wrong (HTTPError, ErrBadServerReply,
// a redirect or a refusal) rather than be swallowed.
func FuzzServerReplies(f *testing.F) {
	for i := range clientCalls {
		f.Add(uint8(i), false, uint16(200), "", true, []byte(`{}`))
		f.Add(uint8(i), true, uint16(200), "", false, []byte(`{"data":{"usn":1,"sk":"x"},"err":""}`))
	}
	f.Add(uint8(1), false, uint16(200), "", true, []byte(`{"mod":1,"scm":1,"usn":1,"ts":1,"cont":true,"media_usn":0}`))
	f.Add(uint8(5), false, uint16(200), "", true, []byte(`{"done":true,"revlog":[],"cards":[],"notes":[]}`))
	f.Add(uint8(8), false, uint16(200), "", true, []byte(`1700000000000`))
	f.Add(uint8(1), false, uint16(308), "ftp://x", true, []byte{})
	f.Add(uint8(2), false, uint16(200), "9999", true, []byte(`{}`))
	f.Add(uint8(0), false, uint16(500), "", false, []byte(`Internal Server Error`))
	f.Fuzz(func(t *testing.T, call uint8, legacy bool, status uint16, hdr string, compress bool, body []byte) {
		h := http.Header{}
		st := int(status)
		if st < 100 || st > 599 {
			st = 200
		}
		payload := body
		if !legacy && compress {
			// A well-framed v11 answer, so that the fuzzer reaches the JSON decoding.
			h.Set(protocol.OriginalSizeHeader, strconv.Itoa(len(body)))
			payload = protocol.Compress(body)
		} else if hdr != "" {
			h.Set(protocol.OriginalSizeHeader, hdr)
		}
		if st == http.StatusPermanentRedirect {
			h.Set("Location", hdr)
		}
		p := V11
		if legacy {
			p = Legacy
		}
		c, err := New(Options{Endpoint: "http://127.0.0.1:9/", Protocol: p,
			HTTPClient: &http.Client{Transport: replyTransport{status: st, hdr: h, body: payload}},
			Limits:     protocol.Limits{MaxCompressed: 1 << 20, MaxDecompressed: 4 << 20}})
		if err != nil {
			t.Fatal(err)
		}
		c.SetAuth("hk", p)
		err = clientCalls[int(call)%len(clientCalls)](context.Background(), c)
		if err == nil {
			if st != 200 {
				t.Fatalf("call %d accepted status %d", call, st)
			}
			return
		}
		var he *HTTPError
		var re *RedirectError
		var ue *UploadRefusedError
		if !errors.As(err, &he) && !errors.As(err, &re) && !errors.As(err, &ue) && !errors.Is(err, ErrBadServerReply) &&
			UserMessage(err) == "" {
			t.Fatalf("call %d: unexplained error %v", call, err)
		}
	})
}
