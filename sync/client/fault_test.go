package client_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/internal/faultproxy"
	"github.com/deckhand-app/deckhand/sync/client"
	"github.com/deckhand-app/deckhand/sync/colsync"
	"github.com/deckhand-app/deckhand/sync/internal/synctest"
	"github.com/deckhand-app/deckhand/sync/server"
)

// noteContent hashes what a user would lose: note guids, fields and tags, and the media
// files' names and bytes.
func noteContent(t *testing.T, col *collection.Collection) string {
	t.Helper()
	h := sha256.New()
	rows, err := col.DB().Query("SELECT guid, flds, tags FROM notes ORDER BY guid")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var g, f, tg string
		rows.Scan(&g, &f, &tg)
		fmt.Fprintln(h, g, f, tg)
	}
	rows.Close()
	if col.Media != nil {
		entries, _ := os.ReadDir(col.Media.Dir())
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(col.Media.Dir(), e.Name()))
			fmt.Fprintln(h, e.Name(), len(b))
			h.Write(b)
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

type faultEnv struct {
	t     *testing.T
	ctx   context.Context
	dir   string
	proxy *faultproxy.Proxy
	clock *synctest.Clock
}

func (e *faultEnv) device(name string, p client.Protocol) (*collection.Collection, *client.Client) {
	col, err := collection.Create(e.ctx, filepath.Join(e.dir, name, "collection.anki2"))
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := client.New(client.Options{Endpoint: e.proxy.URL, Protocol: p})
	if err != nil {
		e.t.Fatal(err)
	}
	e.proxy.Reset(nil)
	if _, err := c.Login(e.ctx, "alice", "secret"); err != nil {
		e.t.Fatal(err)
	}
	return col, c
}

// TestNetworkFaults runs normal, full-upload, full-download and media syncs through a
// proxy that breaks one answer at a time, at every step, with every fault, in both framings.
// Each broken sync must fail with a clear error and lose nothing; the next clean sync must
// succeed and leave client and server converged. By default the legacy framing gets one fault
// per request; DECKHAND_LONG=1 gives it every fault at every request too.
func TestNetworkFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("network fault matrix")
	}
	old := client.IdleTimeout
	// Short, so that each stall costs little; the wait for answer headers is
	// HeaderTimeoutFactor times this, which a full upload's validation on a loaded machine
	// needs (300 ms, i.e. 1.5 s for headers, failed uploads at load 10 on 2 cores).
	client.IdleTimeout = 600 * time.Millisecond
	t.Cleanup(func() { client.IdleTimeout = old })

	long := os.Getenv("DECKHAND_LONG") != ""
	// The v11 framing gets every fault at every request. The legacy framing shares nearly all
	// of the sync logic and differs in its framing, so by default it gets one fault per
	// request, rotating through the faults: each scenario breaks every request once, and every
	// fault is used in every scenario with more requests than there are faults.
	t.Run(client.V11.String(), func(t *testing.T) { runFaultMatrix(t, client.V11, true) })
	t.Run(client.Legacy.String(), func(t *testing.T) { runFaultMatrix(t, client.Legacy, long) })
}

// eachFault calls try for the (step, fault) pairs of a scenario until try reports that the
// sync finished before request number step. With every, each fault is tried at every step;
// otherwise step k gets fault k+offset (mod the number of faults).
func eachFault(faults []faultproxy.Fault, every bool, offset int, try func(step int, f faultproxy.Fault) bool) {
	if every {
		for _, f := range faults {
			for step := 0; try(step, f); step++ {
			}
		}
		return
	}
	for step := 0; try(step, faults[(step+offset)%len(faults)]); step++ {
	}
}

func runFaultMatrix(t *testing.T, p client.Protocol, every bool) {
	start := time.Now()
	var faults []faultproxy.Fault
	for _, f := range faultproxy.Faults {
		if f == faultproxy.WrongSize && p == client.Legacy {
			continue // legacy answers carry no size to lie about
		}
		faults = append(faults, f)
	}
	dir := t.TempDir()
	srv, err := server.New(server.Config{DataDir: filepath.Join(dir, "server"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		LoginAttempts: 1000}) // one login per simulated device
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Users.Add("alice", "secret"); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	proxy, err := faultproxy.New(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	proxy.StallFor = 5 * time.Second
	t.Cleanup(func() { proxy.Close(); hs.Close(); srv.Close() })
	e := &faultEnv{t: t, ctx: context.Background(), dir: dir, proxy: proxy, clock: &synctest.Clock{}}

	a, ca := e.device("a", p)
	t.Cleanup(func() { a.Close() })
	edit := func(col *collection.Collection, label string, media bool) {
		if err := synctest.Edit(e.ctx, col, e.clock, func(tx *collection.Tx) error {
			_, err := synctest.AddNote(tx, 1, label+" front", "back", "fault")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if media {
			if _, err := col.Media.AddData(e.ctx, label+".png", []byte("png of "+label)); err != nil {
				t.Fatal(err)
			}
		}
	}
	clean := func(col *collection.Collection, c *client.Client, opts client.SyncOptions) (*collection.Collection, client.Result) {
		t.Helper()
		proxy.Reset(nil)
		res, err := client.Sync(e.ctx, c, col, opts)
		if err != nil {
			t.Fatalf("clean sync after fault: %v (requests %v)", err, proxy.Requests())
		}
		return res.Collection, res
	}
	edit(a, "first", true)
	a, _ = clean(a, ca, client.SyncOptions{})

	var injected, failed int
	// scenario prepares a change and the sync options, then every request of that sync is
	// broken in turn with every fault.
	scenarios := []struct {
		name    string
		prepare func(step int) client.SyncOptions
	}{
		{"normal+media", func(step int) client.SyncOptions {
			edit(a, fmt.Sprintf("n%d", step), true)
			return client.SyncOptions{}
		}},
		{"full-upload", func(step int) client.SyncOptions {
			edit(a, fmt.Sprintf("u%d", step), step%2 == 0)
			return client.SyncOptions{Full: client.FullUpload}
		}},
	}
	for si, sc := range scenarios {
		eachFault(faults, every, si, func(step int, f faultproxy.Fault) bool {
			opts := sc.prepare(step)
			if opts.Full == client.FullUpload {
				// Force the full sync: a schema change, as a note type edit would make.
				if err := a.Transact(e.ctx, func(tx *collection.Tx) error { tx.SetSchemaModified(); return nil }); err != nil {
					t.Fatal(err)
				}
			}
			before := noteContent(t, a)
			proxy.Reset(faultproxy.At(step, f))
			res, err := client.Sync(e.ctx, ca, a, opts)
			if res.Collection != nil {
				a = res.Collection
			}
			reqs := proxy.Requests()
			if step >= len(reqs) {
				// The sync finished before request number step: this fault is done.
				if err != nil {
					t.Fatalf("%s/%v: sync without a fault failed: %v", sc.name, f, err)
				}
				return false
			}
			injected++
			// The client ignores what applyGraves and applyChunk answer (the server has
			// applied the request by then), so a garbled but complete answer there is
			// harmless; the clean syncs below check that nothing was lost.
			ignored := f == faultproxy.Garbage && (strings.HasSuffix(reqs[step], "applyChunk garbage") || strings.HasSuffix(reqs[step], "applyGraves garbage"))
			if err == nil && ignored {
				failed++
			} else if err == nil {
				t.Errorf("%s/%v at %s: the sync reported success (%v)", sc.name, f, reqs[step], reqs)
			} else {
				failed++
				msg := client.UserMessage(err)
				if msg == "" || strings.Contains(msg, "panic") {
					t.Errorf("%s/%v at %s: unclear error %q", sc.name, f, reqs[step], msg)
				}
			}
			if after := noteContent(t, a); after != before {
				t.Errorf("%s/%v at %s: local notes or media changed by a failed sync", sc.name, f, reqs[step])
			}
			a, _ = clean(a, ca, client.SyncOptions{Full: opts.Full})
			if _, r := clean(a, ca, client.SyncOptions{}); r.Action != colsync.ActionNone || r.Media.Downloaded+r.Media.Uploaded != 0 {
				t.Errorf("%s/%v at %s: not converged after a clean sync: %+v", sc.name, f, reqs[step], r)
			}
			return true
		})
	}

	// Full download on a second device, broken at every step.
	eachFault(faults, every, len(scenarios), func(step int, f faultproxy.Fault) bool {
		b, cb := e.device(fmt.Sprintf("b-%v-%d", f, step), p)
		edit(b, "local-only", false)
		before := noteContent(t, b)
		proxy.Reset(faultproxy.At(step, f))
		res, err := client.Sync(e.ctx, cb, b, client.SyncOptions{Full: client.FullDownload})
		if res.Collection != nil {
			b = res.Collection
		}
		reqs := proxy.Requests()
		if step >= len(reqs) {
			b.Close()
			return false
		}
		injected++
		if err == nil {
			t.Errorf("download/%v at %s: the sync reported success", f, reqs[step])
		} else {
			failed++
		}
		// Before the swap the local collection must be intact; a failure after it (in
		// media) leaves the downloaded collection, with the old one in the backup.
		if after := noteContent(t, b); after != before && res.Backup == "" {
			t.Errorf("download/%v at %s: local collection changed without a backup", f, reqs[step])
		}
		b, _ = clean(b, cb, client.SyncOptions{Full: client.FullDownload})
		wantDump, _ := synctest.Dump(e.ctx, a)
		gotDump, _ := synctest.Dump(e.ctx, b)
		if wantDump != gotDump || noteContent(t, a) != noteContent(t, b) {
			t.Errorf("download/%v at %s: second device differs from the first after a clean sync", f, reqs[step])
		}
		b.Close()
		return true
	})
	t.Logf("%s: %d faults injected, %d handled (failed cleanly or harmless), %v", p, injected, failed, time.Since(start).Round(time.Millisecond))
}
