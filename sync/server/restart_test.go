package server_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/client"
	"github.com/deckhand-app/deckhand/sync/internal/synctest"
	"github.com/deckhand-app/deckhand/sync/server"
)

// swapHandler lets a test replace the server behind one address, as a restart would.
type swapHandler struct{ h atomic.Pointer[http.Handler] }

func (s *swapHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	(*s.h.Load()).ServeHTTP(w, r)
}

// TestServerRestartMidSync: the server process is restarted (same data folder) while a client
// is between start and applyChunk. The client gets a clear error and its collection is
// unchanged; the server kept nothing of the half sync; the next sync succeeds and converges.
func TestServerRestartMidSync(t *testing.T) {
	for _, p := range []client.Protocol{client.V11, client.Legacy} {
		t.Run(p.String(), func(t *testing.T) {
			dir := t.TempDir()
			data := filepath.Join(dir, "server")
			logger := slog.New(slog.NewTextHandler(io.Discard, nil))
			srv, err := server.New(server.Config{DataDir: data, Logger: logger})
			if err != nil {
				t.Fatal(err)
			}
			if err := srv.Users.Add("alice", "secret"); err != nil {
				t.Fatal(err)
			}
			sw := &swapHandler{}
			h := srv.Handler()
			sw.h.Store(&h)
			hs := httptest.NewServer(sw)
			current := srv
			t.Cleanup(func() { hs.Close(); current.Close() })
			e := &env{t: t, ctx: t.Context(), srv: srv, http: hs, dir: dir, clock: &synctest.Clock{}}

			a, b := e.device("a", p), e.device("b", p)
			a.edit(func(tx *collection.Tx) error { _, err := synctest.AddNote(tx, 1, "seed", "x"); return err })
			a.sync(client.SyncOptions{SkipMedia: true})
			b.sync(client.SyncOptions{SkipMedia: true})
			a.edit(func(tx *collection.Tx) error { _, err := synctest.AddNote(tx, 1, "during restart", "x"); return err })
			before, _ := synctest.Dump(e.ctx, a.col)

			restart := func() {
				if err := current.Close(); err != nil {
					t.Errorf("close server: %v", err)
				}
				next, err := server.New(server.Config{DataDir: data, Logger: logger})
				if err != nil {
					t.Errorf("restart server: %v", err)
					return
				}
				current = next
				nh := next.Handler()
				sw.h.Store(&nh)
			}
			ht := &hookTransport{method: "applyChunk", before: restart}
			ac, err := client.New(client.Options{Endpoint: hs.URL, Protocol: p, HTTPClient: &http.Client{Transport: ht}})
			if err != nil {
				t.Fatal(err)
			}
			ac.SetAuth(a.c.HostKey(), p)
			_, err = client.Sync(e.ctx, ac, a.col, client.SyncOptions{SkipMedia: true})
			if err == nil {
				t.Fatal("sync across a server restart reported success")
			}
			if msg := client.UserMessage(err); msg == "" {
				t.Fatalf("no message for the user: %v", err)
			}
			if after, _ := synctest.Dump(e.ctx, a.col); after != before {
				t.Fatal("the interrupted sync changed the client's collection")
			}
			// The server kept nothing of the half sync: another device still sees only the seed.
			b.sync(client.SyncOptions{SkipMedia: true})
			if n, _, _ := synctest.Counts(e.ctx, b.col); n != 1 {
				t.Fatalf("server has %d notes after the interrupted sync, want 1", n)
			}
			// The host key survived the restart, and the next sync completes.
			a.sync(client.SyncOptions{SkipMedia: true})
			b.sync(client.SyncOptions{SkipMedia: true})
			if n, _, _ := synctest.Counts(e.ctx, b.col); n != 2 {
				t.Fatalf("after the retry the other device has %d notes, want 2", n)
			}
			e.same(a, b)
		})
	}
}
