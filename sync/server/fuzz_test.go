package server_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/deckhand-app/deckhand/internal/testfix"
	"github.com/deckhand-app/deckhand/sync/protocol"
	"github.com/deckhand-app/deckhand/sync/server"
)

// fuzzMethods are the endpoints the handler fuzzer sends bodies to.
var fuzzMethods = []string{"sync/hostKey", "sync/meta", "sync/start", "sync/applyGraves", "sync/applyChanges",
	"sync/chunk", "sync/applyChunk", "sync/sanityCheck2", "sync/finish", "sync/abort", "sync/upload",
	"sync/download", "msync/begin", "msync/mediaChanges", "msync/downloadFiles", "msync/uploadChanges",
	"msync/mediaSanity", "sync/nope"}

var stateful = map[string]bool{"sync/applyGraves": true, "sync/applyChanges": true, "sync/chunk": true,
	"sync/applyChunk": true, "sync/sanityCheck2": true, "sync/finish": true}

var (
	fuzzOnce sync.Once
	fuzzSrv  *server.Server
	fuzzDir  string
	fuzzKey  string
	fuzzErr  error
)

func fuzzServer() (*server.Server, string, error) {
	fuzzOnce.Do(func() {
		fuzzDir, fuzzErr = os.MkdirTemp("", "syncd-fuzz")
		if fuzzErr != nil {
			return
		}
		fuzzSrv, fuzzErr = server.New(server.Config{DataDir: fuzzDir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
			Limits: protocol.Limits{MaxCompressed: 1 << 20, MaxDecompressed: 4 << 20}, LoginAttempts: 1 << 30})
		if fuzzErr != nil {
			return
		}
		for _, u := range []string{"alice", "bob"} {
			if fuzzErr = fuzzSrv.Users.Add(u, "pw-"+u); fuzzErr != nil {
				return
			}
		}
		fuzzKey, _ = fuzzSrv.Users.Login("alice", "pw-alice")
	})
	return fuzzSrv, fuzzKey, fuzzErr
}

func fuzzRequest(t *testing.T, h http.Handler, v11 bool, method, hk, skey string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	url := "http://127.0.0.1/" + method
	var req *http.Request
	var err error
	if v11 {
		req, err = protocol.NewV11Request(context.Background(), url, protocol.Header{Version: 11, HostKey: hk, ClientVersion: "fuzz,1,go", SessionKey: skey}, body)
	} else {
		fields := protocol.LegacyFields{HostKey: hk, SessionKey: skey, ClientVersion: "fuzz,1,go"}
		req, err = protocol.NewLegacyRequest(context.Background(), url, fields, body, method != "msync/uploadChanges")
	}
	if err != nil {
		t.Fatal(err)
	}
	req.RemoteAddr = "127.0.0.1:1"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// FuzzHandler sends arbitrary bodies to every endpoint, in both framings, as a logged-in
// user; the stateful methods get a session first. The server must answer every one with
// a status (never panic), a malformed body must be a 4xx and not a 500, and nothing may
// touch the other user's folder.
func FuzzHandler(f *testing.F) {
	if dir, ok := testfix.OptionalDir(); ok {
		files, _ := filepath.Glob(filepath.Join(dir, "sync-legacy", "run-*", "*.json"))
		sort.Strings(files)
		for _, p := range files {
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			var c struct {
				RequestJSON json.RawMessage `json:"request_json"`
				URL         string          `json:"url"`
			}
			if json.Unmarshal(b, &c) != nil || len(c.RequestJSON) > 64<<10 {
				continue
			}
			for i, m := range fuzzMethods {
				if strings.HasSuffix(c.URL, m) {
					f.Add(uint8(i), true, []byte(c.RequestJSON))
					f.Add(uint8(i), false, []byte(c.RequestJSON))
				}
			}
		}
	}
	for i := range fuzzMethods {
		f.Add(uint8(i), true, []byte("{}"))
	}
	f.Add(uint8(6), true, []byte(`{"chunk":{"done":true,"revlog":[],"cards":[[1,2,3,0,1,-1,0,0,0,0,0,0,0,0,0,0,0,""]],"notes":[]}}`))
	f.Add(uint8(4), true, []byte(`{"changes":{"models":[{"id":1}],"decks":[[],[]],"tags":["a"]}}`))
	f.Add(uint8(14), true, []byte(`{"files":["../../etc/passwd"]}`))
	f.Fuzz(func(t *testing.T, mi uint8, v11 bool, body []byte) {
		srv, hk, err := fuzzServer()
		if err != nil {
			t.Fatal(err)
		}
		h := srv.Handler()
		method := fuzzMethods[int(mi)%len(fuzzMethods)]
		skey := "fuzzsession"
		if stateful[method] {
			if rec := fuzzRequest(t, h, v11, "sync/start", hk, skey, []byte(`{"minUsn":0,"lnewer":false}`)); rec.Code != 200 {
				t.Fatalf("start: %d %s", rec.Code, rec.Body)
			}
		}
		rec := fuzzRequest(t, h, v11, method, hk, skey, body)
		// 501 is Anki's answer to a meta asking for an unsupported sync version.
		if rec.Code >= 500 && !(rec.Code == http.StatusNotImplemented && method == "sync/meta") {
			t.Fatalf("%s answered %d to %q", method, rec.Code, body)
		}
		if rec.Code == 200 && v11 && rec.Header().Get(protocol.OriginalSizeHeader) == "" {
			t.Fatalf("%s: v11 answer without %s", method, protocol.OriginalSizeHeader)
		}
		// Roll back whatever a session did, so inputs do not depend on each other.
		fuzzRequest(t, h, v11, "sync/abort", hk, skey, []byte("{}"))
		if _, err := os.Stat(filepath.Join(fuzzDir, "users", "bob")); err == nil {
			t.Fatal("a request as alice created bob's folder")
		}
	})
}
