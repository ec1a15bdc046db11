package client

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// IdleTimeout is how long the default HTTP client waits for the next bytes of a server's
// answer before giving up, like Anki's network timeout: a server (or a proxy) that stops
// sending mid-answer must end the sync with an error, not hang it. Waiting for the answer
// to begin may take HeaderTimeoutFactor times as long, since a server validating a large
// upload is silent meanwhile. 30 s is Anki's io_timeout_secs default.
var IdleTimeout = 30 * time.Second

// HeaderTimeoutFactor multiplies IdleTimeout for the wait before the response headers.
const HeaderTimeoutFactor = 5

// ErrStalled is returned when a server stops sending for longer than IdleTimeout.
var ErrStalled = errors.New("the server stopped answering (network timeout)")

// defaultHTTPClient is used when Options.HTTPClient is nil.
func defaultHTTPClient() *http.Client {
	idle := IdleTimeout
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.TLSHandshakeTimeout = 30 * time.Second
	tr.ResponseHeaderTimeout = idle * HeaderTimeoutFactor
	return &http.Client{Transport: idleTransport{base: tr, idle: idle}}
}

// idleTransport wraps answers in a reader that fails once no byte arrived for idle.
type idleTransport struct {
	base http.RoundTripper
	idle time.Duration
}

func (t idleTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	resp.Body = newIdleBody(resp.Body, t.idle)
	return resp, nil
}

type idleBody struct {
	rc      io.ReadCloser
	timer   *time.Timer
	mu      sync.Mutex
	expired bool
	idle    time.Duration
}

func newIdleBody(rc io.ReadCloser, idle time.Duration) *idleBody {
	b := &idleBody{rc: rc, idle: idle}
	b.timer = time.AfterFunc(idle, func() {
		b.mu.Lock()
		b.expired = true
		b.mu.Unlock()
		rc.Close() // unblocks a pending Read
	})
	return b
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	b.mu.Lock()
	expired := b.expired
	b.mu.Unlock()
	if expired {
		return n, fmt.Errorf("%w: no data for %v", ErrStalled, b.idle)
	}
	if n > 0 {
		b.timer.Reset(b.idle)
	}
	return n, err
}

func (b *idleBody) Close() error {
	b.timer.Stop()
	return b.rc.Close()
}
