package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/internal/testfix"
)

// fuzzLimits keep one input cheap; the real limits are 100/300 MiB.
var fuzzLimits = Limits{MaxCompressed: 1 << 20, MaxDecompressed: 4 << 20}

// seedCaptures returns the recorded legacy exchanges, or nil without the fixtures.
func seedCaptures() []capture {
	dir, ok := testfix.OptionalDir()
	if !ok {
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(dir, "sync-legacy", "run-*", "*.json"))
	sort.Strings(files)
	var out []capture
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		var c capture
		if json.Unmarshal(b, &c) == nil {
			out = append(out, c)
		}
	}
	return out
}

// messageKinds are the JSON bodies either side decodes, by the method that carries them;
// the fuzzers pick one by number.
var messageKinds = []struct {
	method string
	req    bool // request body (decoded by the server) or answer (by the client)
	new    func() any
}{
	{"sync/hostKey", true, func() any { return new(HostKeyRequest) }},
	{"sync/hostKey", false, func() any { return new(HostKeyResponse) }},
	{"sync/meta", true, func() any { return new(MetaRequest) }},
	{"sync/meta", false, func() any { return new(Meta) }},
	{"sync/start", true, func() any { return new(StartRequest) }},
	{"sync/start", false, func() any { return new(Graves) }},
	{"sync/applyGraves", true, func() any { return new(ApplyGravesRequest) }},
	{"sync/applyChanges", true, func() any { return new(ApplyChangesRequest) }},
	{"sync/applyChanges", false, func() any { return new(Changes) }},
	{"sync/chunk", false, func() any { return new(Chunk) }},
	{"sync/applyChunk", true, func() any { return new(ApplyChunkRequest) }},
	{"sync/sanityCheck2", true, func() any { return new(SanityCheckRequest) }},
	{"sync/sanityCheck2", false, func() any { return new(SanityCheckResponse) }},
	{"msync/begin", true, func() any { return new(MediaBeginRequest) }},
	{"msync/begin", false, func() any { return new(MediaResult) }},
	{"msync/mediaChanges", true, func() any { return new(MediaChangesRequest) }},
	{"msync/mediaChanges", false, func() any { return new([]MediaChange) }},
	{"msync/downloadFiles", true, func() any { return new(DownloadFilesRequest) }},
	{"msync/mediaSanity", true, func() any { return new(MediaSanityRequest) }},
}

// FuzzMessages decodes every JSON message type. A message that decodes must encode and
// decode again to the same encoding: what the server stores or answers from it is what
// the peer sent.
func FuzzMessages(f *testing.F) {
	for _, c := range seedCaptures() {
		for i, k := range messageKinds {
			if !strings.HasSuffix(c.URL, k.method) {
				continue
			}
			body := c.ResponseJSON
			if k.req {
				body = c.RequestJSON
			}
			if len(body) > 0 && len(body) < 64<<10 {
				f.Add(uint8(i), []byte(body))
			}
		}
	}
	f.Add(uint8(9), []byte(`{"done":true,"revlog":[[1,"2",3.5,1,1,1,2500,1000,1]],"cards":[],"notes":[[1,"g",1,1,-1,"","a\u001fb",0,"0",0,""]]}`))
	f.Add(uint8(5), []byte(`{"cards":["1","2"],"notes":[3e3],"decks":[]}`))
	f.Add(uint8(3), []byte(`{"cont":false,"msg":"no"}`))
	f.Add(uint8(16), []byte(`[["a.jpg",1,"0123"],["b",2,null]]`))
	f.Fuzz(func(t *testing.T, kind uint8, data []byte) {
		k := messageKinds[int(kind)%len(messageKinds)]
		v := k.new()
		if err := json.Unmarshal(data, v); err != nil {
			return
		}
		enc1, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("%s: decoded value does not encode: %v", k.method, err)
		}
		v2 := k.new()
		if err := json.Unmarshal(enc1, v2); err != nil {
			t.Fatalf("%s: own encoding does not decode: %v\n%s", k.method, err, enc1)
		}
		enc2, err := json.Marshal(v2)
		if err != nil || !bytes.Equal(enc1, enc2) {
			t.Fatalf("%s: encoding unstable:\n%s\n%s", k.method, enc1, enc2)
		}
	})
}

// FuzzReadRequest decodes incoming requests in both framings, as the server does.
// Errors must be StatusErrors (answered as 400/413), and nothing may exceed the limits.
func FuzzReadRequest(f *testing.F) {
	for _, c := range seedCaptures() {
		var fields LegacyFields
		get := func(k string) string {
			if v := c.Form[k]; v != nil {
				return *v
			}
			return ""
		}
		fields = LegacyFields{HostKey: get("k"), SessionKey: get("s"), ClientVersion: get("v"), MediaSession: get("sk")}
		body := []byte(c.RequestJSON)
		if len(body) > 64<<10 {
			continue
		}
		r, err := NewLegacyRequest(context.Background(), "http://x/"+c.method(), fields, body, get("c") == "1")
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(r.Body)
		f.Add(false, r.Header.Get("Content-Type"), b)
		v, err := NewV11Request(context.Background(), "http://x/"+c.method(), Header{Version: 11, HostKey: "k", ClientVersion: "c", SessionKey: "s"}, body)
		if err == nil {
			b, _ := io.ReadAll(v.Body)
			f.Add(true, v.Header.Get(HeaderName), b)
		}
	}
	f.Add(true, `{"v":11,"k":"","c":"","s":""}`, Compress([]byte(`{}`)))
	f.Add(true, `{"v":11,"k":1}`, []byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0})
	f.Add(false, "multipart/form-data; boundary=b", []byte("--b\r\nContent-Disposition: form-data; name=\"c\"\r\n\r\n1\r\n--b--\r\n"))
	f.Fuzz(func(t *testing.T, v11 bool, hdr string, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/sync/meta", bytes.NewReader(body))
		if v11 {
			r.Header.Set(HeaderName, hdr)
		} else {
			r.Header.Set("Content-Type", hdr)
		}
		req, err := ReadRequest(r, fuzzLimits)
		if err != nil {
			var se *StatusError
			if !errors.As(err, &se) || (se.Code != http.StatusBadRequest && se.Code != http.StatusRequestEntityTooLarge) {
				t.Fatalf("error is not a 400/413 StatusError: %v", err)
			}
			return
		}
		if int64(len(req.Body)) > fuzzLimits.MaxDecompressed {
			t.Fatalf("body of %d bytes passed the %d-byte limit", len(req.Body), fuzzLimits.MaxDecompressed)
		}
		if req.Body == nil {
			t.Fatal("nil body without error")
		}
	})
}

// FuzzReadResponseBody decodes server answers as the client does, whatever the server
// (or a proxy in between) sends: wrong anki-original-size, truncated or garbage zstd.
func FuzzReadResponseBody(f *testing.F) {
	f.Add(false, "2", Compress([]byte("{}")))
	f.Add(true, "2", []byte("{}"))
	f.Add(false, "99999999999", Compress([]byte("{}")))
	f.Add(false, "-1", []byte{})
	f.Add(false, "3", Compress([]byte("{}"))[:5])
	f.Fuzz(func(t *testing.T, legacy bool, size string, body []byte) {
		resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(body))}
		resp.Header.Set(OriginalSizeHeader, size)
		fr := FramingV11
		if legacy {
			fr = FramingLegacy
		}
		out, err := ReadResponseBody(resp, fr, fuzzLimits)
		if err != nil {
			return
		}
		if int64(len(out)) > fuzzLimits.MaxDecompressed {
			t.Fatalf("answer of %d bytes passed the limit", len(out))
		}
		if !legacy {
			if n, _ := strconv.Atoi(strings.TrimSpace(size)); n != len(out) {
				t.Fatalf("accepted %d bytes where anki-original-size says %q", len(out), size)
			}
		}
	})
}
