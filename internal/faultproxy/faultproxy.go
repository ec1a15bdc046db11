// Package faultproxy is an HTTP proxy for tests that sits between a sync client and a
// sync server on the loopback interface and breaks chosen answers: it drops the
// connection, answers 500, truncates or stalls the body, replaces it with garbage JSON,
// or lies in anki-original-size. Tests decide per request which fault to inject.
package faultproxy

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
)

// Fault is what the proxy does to one answer.
type Fault int

const (
	None      Fault = iota // pass the answer through
	Drop                   // close the connection without answering
	Status500              // answer 500 Internal Server Error
	Truncate               // send the headers and half the body, then close
	Garbage                // a well-framed 200 whose body is not the JSON asked for
	Stall                  // send the headers and half the body, then go silent
	WrongSize              // change anki-original-size (v11 answers only)
)

// Faults lists every fault but None.
var Faults = []Fault{Drop, Status500, Truncate, Garbage, Stall, WrongSize}

func (f Fault) String() string {
	return [...]string{"none", "drop", "500", "truncate", "garbage", "stall", "wrong-size"}[f]
}

// Decide picks the fault for the n-th request (from 0) since the last Reset.
type Decide func(n int, path string) Fault

// Proxy forwards to a target server, injecting faults.
type Proxy struct {
	URL    string // base URL clients use, with a trailing slash
	target *url.URL
	srv    *httptest.Server
	// StallFor bounds a stall (the client should give up first); default 30s.
	StallFor time.Duration

	mu      sync.Mutex
	n       int
	decide  Decide
	log     []string
	stopped chan struct{}
}

// New starts a proxy to target on 127.0.0.1.
func New(target string) (*Proxy, error) {
	u, err := url.Parse(target)
	if err != nil {
		return nil, err
	}
	p := &Proxy{target: u, StallFor: 30 * time.Second, stopped: make(chan struct{})}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	p.URL = p.srv.URL + "/"
	return p, nil
}

// Close stops the proxy (and ends stalls).
func (p *Proxy) Close() {
	close(p.stopped)
	p.srv.CloseClientConnections()
	p.srv.Close()
}

// Reset restarts the request count and sets the fault rule (nil: no faults).
func (p *Proxy) Reset(d Decide) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n, p.decide, p.log = 0, d, nil
}

// Requests returns the paths seen since the last Reset, with the fault applied.
func (p *Proxy) Requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.log...)
}

// At injects f into request number k only.
func At(k int, f Fault) Decide {
	return func(n int, _ string) Fault {
		if n == k {
			return f
		}
		return None
	}
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	n := p.n
	p.n++
	fault := None
	if p.decide != nil {
		fault = p.decide(n, r.URL.Path)
	}
	p.log = append(p.log, r.URL.Path+" "+fault.String())
	p.mu.Unlock()

	body, _ := io.ReadAll(r.Body)
	out, err := http.NewRequestWithContext(r.Context(), r.Method, p.target.ResolveReference(&url.URL{Path: r.URL.Path, RawQuery: r.URL.RawQuery}).String(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	respBody, _ := io.ReadAll(resp.Body)
	resp.Body.Close()

	if fault == Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if fault == Status500 {
		http.Error(w, http.StatusText(500), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	for k, v := range resp.Header {
		h[k] = v
	}
	switch fault {
	case Garbage:
		g := []byte(`{"this is": ["not", "what", "was", "asked"], "cont": "maybe", "data": 7}`)
		if h.Get("anki-original-size") != "" {
			h.Set("anki-original-size", strconv.Itoa(len(g)))
			enc, _ := zstd.NewWriter(nil)
			respBody = enc.EncodeAll(g, nil)
			enc.Close()
		} else {
			respBody = g
		}
	case WrongSize:
		if s := h.Get("anki-original-size"); s != "" {
			v, _ := strconv.Atoi(s)
			h.Set("anki-original-size", strconv.Itoa(v+7))
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(respBody)))
	w.WriteHeader(resp.StatusCode)
	switch fault {
	case Truncate:
		w.Write(respBody[:len(respBody)/2])
		if hj, ok := w.(http.Hijacker); ok {
			if c, buf, err := hj.Hijack(); err == nil {
				buf.Flush()
				c.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	case Stall:
		w.Write(respBody[:len(respBody)/2])
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		select {
		case <-r.Context().Done():
		case <-p.stopped:
		case <-time.After(p.StallFor):
		}
		panic(http.ErrAbortHandler)
	default:
		w.Write(respBody)
	}
}
