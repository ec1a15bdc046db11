package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/client"
	"github.com/deckhand-app/deckhand/sync/internal/synctest"
)

// hookTransport runs before once, just ahead of the first request whose path ends with method.
type hookTransport struct {
	method string
	before func()
	once   sync.Once
}

func (h *hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/"+h.method) {
		h.once.Do(h.before)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestConcurrentDevicesOneUser: device B syncs while A is inside its sync (after A's
// applyGraves/applyChanges, before its applyChunk). B's start takes over the user's session,
// so A's next call gets 409: A's sync fails cleanly, its collection is unchanged, and the
// server kept nothing of A's half sync. A's next sync succeeds and both converge.
func TestConcurrentDevicesOneUser(t *testing.T) {
	for _, p := range []client.Protocol{client.V11, client.Legacy} {
		t.Run(p.String(), func(t *testing.T) {
			e := newEnv(t)
			a, b := e.device("a", p), e.device("b", p)
			a.edit(func(tx *collection.Tx) error { _, err := synctest.AddNote(tx, 1, "seed", "x"); return err })
			a.sync(client.SyncOptions{SkipMedia: true})
			b.sync(client.SyncOptions{SkipMedia: true})
			a.edit(func(tx *collection.Tx) error { _, err := synctest.AddNote(tx, 1, "from A", "x"); return err })
			b.edit(func(tx *collection.Tx) error { _, err := synctest.AddNote(tx, 1, "from B", "x"); return err })
			before, _ := synctest.Dump(e.ctx, a.col)

			var bErr error
			ht := &hookTransport{method: "applyChunk", before: func() {
				res, err := client.Sync(e.ctx, b.c, b.col, client.SyncOptions{SkipMedia: true})
				b.col, bErr = res.Collection, err
			}}
			ac, err := client.New(client.Options{Endpoint: e.http.URL, Protocol: p, HTTPClient: &http.Client{Transport: ht}})
			if err != nil {
				t.Fatal(err)
			}
			ac.SetAuth(a.c.HostKey(), p)
			_, err = client.Sync(e.ctx, ac, a.col, client.SyncOptions{SkipMedia: true})
			if bErr != nil {
				t.Fatalf("B's sync during A's: %v", bErr)
			}
			if err == nil {
				t.Fatal("A's sync succeeded although B took over its session")
			}
			if msg := err.Error(); !strings.Contains(msg, "409") && !strings.Contains(strings.ToLower(msg), "conflict") {
				t.Fatalf("A's error does not name the conflict: %v", err)
			}
			if after, _ := synctest.Dump(e.ctx, a.col); after != before {
				t.Fatal("A's failed sync changed its collection")
			}
			// The server holds B's note but nothing of A's: a fresh device sees 2 notes.
			c := e.device("c", p)
			c.sync(client.SyncOptions{SkipMedia: true})
			if n, _, _ := synctest.Counts(e.ctx, c.col); n != 2 {
				t.Fatalf("server has %d notes after the interrupted sync, want 2 (seed, B's)", n)
			}
			a.sync(client.SyncOptions{SkipMedia: true})
			b.sync(client.SyncOptions{SkipMedia: true})
			if n, _, _ := synctest.Counts(e.ctx, a.col); n != 3 {
				t.Fatalf("A has %d notes after syncing again, want 3", n)
			}
			e.same(a, b)
		})
	}
}

// TestManyUsersInParallel: 20 users, each with two devices, sync at the same time; every
// user's devices converge on that user's own notes.
func TestManyUsersInParallel(t *testing.T) {
	e := newEnv(t)
	const users = 20
	type pair struct{ a, b *device }
	pairs := make([]pair, users)
	for i := range users {
		name := fmt.Sprintf("user%02d", i)
		if err := e.srv.Users.Add(name, "pw"); err != nil {
			t.Fatal(err)
		}
		mk := func(dev string) *device {
			col, err := collection.Create(e.ctx, filepath.Join(e.dir, name, dev, "collection.anki2"))
			if err != nil {
				t.Fatal(err)
			}
			c, _ := client.New(client.Options{Endpoint: e.http.URL, Protocol: client.V11})
			if _, err := c.Login(e.ctx, name, "pw"); err != nil {
				t.Fatal(err)
			}
			d := &device{e: e, col: col, c: c}
			t.Cleanup(func() { d.col.Close() })
			return d
		}
		pairs[i] = pair{mk("a"), mk("b")}
		pairs[i].a.edit(func(tx *collection.Tx) error {
			for k := range i + 1 {
				if _, err := synctest.AddNote(tx, 1, fmt.Sprintf("%s note %d", name, k), "x"); err != nil {
					return err
				}
			}
			return nil
		})
	}
	syncDev := func(d *device) error {
		res, err := client.Sync(context.Background(), d.c, d.col, client.SyncOptions{SkipMedia: true})
		d.col = res.Collection
		return err
	}
	run := func(step func(i int, p pair) error) {
		var wg sync.WaitGroup
		errs := make([]error, users)
		for i, p := range pairs {
			wg.Add(1)
			go func() { defer wg.Done(); errs[i] = step(i, p) }()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
	}
	run(func(_ int, p pair) error { return syncDev(p.a) }) // 20 full uploads at once
	run(func(_ int, p pair) error { return syncDev(p.b) }) // 20 full downloads
	run(func(i int, p pair) error {                        // then both devices edit and sync normally, all at once
		err := synctest.Edit(e.ctx, p.b.col, e.clock, func(tx *collection.Tx) error {
			_, err := synctest.AddNote(tx, 1, fmt.Sprint("from b ", i), "y")
			return err
		})
		if err == nil {
			err = syncDev(p.b)
		}
		if err == nil {
			err = syncDev(p.a)
		}
		return err
	})
	for i, p := range pairs {
		e.same(p.a, p.b)
		if n, _, _ := synctest.Counts(e.ctx, p.a.col); n != i+2 {
			t.Errorf("user %d: %d notes, want %d", i, n, i+2)
		}
	}
}
