package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/client"
	"github.com/deckhand-app/deckhand/sync/colsync"
	"github.com/deckhand-app/deckhand/sync/internal/synctest"
	"github.com/deckhand-app/deckhand/sync/protocol"
	"github.com/deckhand-app/deckhand/sync/server"
)

type env struct {
	t     *testing.T
	ctx   context.Context
	srv   *server.Server
	http  *httptest.Server
	dir   string
	clock *synctest.Clock
}

func newEnv(t *testing.T) *env {
	dir := t.TempDir()
	srv, err := server.New(server.Config{DataDir: filepath.Join(dir, "server"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Users.Add("alice", "secret"); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler()) // loopback only
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &env{t: t, ctx: context.Background(), srv: srv, http: hs, dir: dir, clock: &synctest.Clock{}}
}

// device is one client installation: a collection and a logged-in client.
type device struct {
	e   *env
	col *collection.Collection
	c   *client.Client
}

func (e *env) device(name string, p client.Protocol) *device {
	col, err := collection.Create(e.ctx, filepath.Join(e.dir, name, "collection.anki2"))
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := client.New(client.Options{Endpoint: e.http.URL, Protocol: p})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := c.Login(e.ctx, "alice", "secret"); err != nil {
		e.t.Fatal(err)
	}
	d := &device{e: e, col: col, c: c}
	e.t.Cleanup(func() { d.col.Close() })
	return d
}

func (d *device) sync(opts client.SyncOptions) client.Result {
	d.e.t.Helper()
	res, err := client.Sync(d.e.ctx, d.c, d.col, opts)
	d.col = res.Collection
	if err != nil {
		d.e.t.Fatalf("sync: %v", err)
	}
	return res
}

func (d *device) edit(fn func(tx *collection.Tx) error) {
	d.e.t.Helper()
	if err := synctest.Edit(d.e.ctx, d.col, d.e.clock, fn); err != nil {
		d.e.t.Fatal(err)
	}
}

func (e *env) same(devs ...*device) {
	e.t.Helper()
	want, _ := synctest.Dump(e.ctx, devs[0].col)
	for i, d := range devs[1:] {
		got, _ := synctest.Dump(e.ctx, d.col)
		if got != want {
			e.t.Fatalf("device %d differs from device 0:\n%s", i+1, diff(got, want))
		}
	}
}

func diff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(la), len(lb)) {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return x + "\n" + y
		}
	}
	return ""
}

func TestEndToEnd(t *testing.T) {
	for _, p := range []client.Protocol{client.V11, client.Legacy} {
		t.Run(p.String(), func(t *testing.T) {
			e := newEnv(t)
			a := e.device("a", p)
			var first *collection.Note
			a.edit(func(tx *collection.Tx) error {
				var err error
				first, err = synctest.AddNote(tx, 1, "hello <img src=pic.png>", "world", "t1")
				return err
			})
			if _, err := a.col.Media.AddData(e.ctx, "pic.png", []byte("png bytes")); err != nil {
				t.Fatal(err)
			}
			res := a.sync(client.SyncOptions{})
			if res.Action != colsync.ActionFull || res.Full != client.FullUpload || res.Media.Uploaded != 1 {
				t.Fatalf("first sync: %+v", res)
			}
			if r := a.sync(client.SyncOptions{}); r.Action != colsync.ActionNone {
				t.Fatalf("after upload: %v", r.Action)
			}

			b := e.device("b", p)
			b.edit(func(tx *collection.Tx) error { return nil })
			res = b.sync(client.SyncOptions{})
			if res.Full != client.FullDownload || res.Media.Downloaded != 1 || res.Backup == "" {
				t.Fatalf("second device: %+v", res)
			}
			if data, err := b.col.Media.ReadFile("pic.png"); err != nil || string(data) != "png bytes" {
				t.Fatalf("media on B: %q %v", data, err)
			}
			e.same(a, b)

			// A: edit, add in a new deck, review, delete; and a media deletion.
			a.edit(func(tx *collection.Tx) error {
				n, _ := tx.GetNote(first.ID)
				n.Fields[1] = "world (edited on A)"
				if err := tx.UpdateNote(n); err != nil {
					return err
				}
				did, err := tx.AddDeck("Lang::French")
				if err != nil {
					return err
				}
				if _, err := synctest.AddNote(tx, did, "third", "note", "t2"); err != nil {
					return err
				}
				var cid int64
				tx.Q().QueryRow("SELECT id FROM cards WHERE nid=?", first.ID).Scan(&cid)
				return synctest.Review(tx, cid, 3)
			})
			if err := a.col.Media.Remove(e.ctx, "pic.png"); err != nil {
				t.Fatal(err)
			}
			if _, err := a.col.Media.AddData(e.ctx, "new.mp3", []byte("sound")); err != nil {
				t.Fatal(err)
			}
			if r := a.sync(client.SyncOptions{}); r.Action != colsync.ActionNormal || r.Media.Uploaded != 1 || r.Media.RemovedRemotely != 1 {
				t.Fatalf("A normal sync: %+v", r)
			}
			if r := b.sync(client.SyncOptions{}); r.Action != colsync.ActionNormal || r.Media.Downloaded != 1 || r.Media.RemovedLocally != 1 {
				t.Fatalf("B normal sync: %+v", r)
			}
			e.same(a, b)
			if _, err := b.col.Media.ReadFile("pic.png"); err == nil {
				t.Fatal("deleted media still on B")
			}
			// B deletes the first note; A gets the deletion.
			b.edit(func(tx *collection.Tx) error { return tx.RemoveNotes([]int64{first.ID}) })
			b.sync(client.SyncOptions{})
			a.sync(client.SyncOptions{})
			e.same(a, b)
			if _, err := a.col.GetNote(e.ctx, first.ID); !errors.Is(err, collection.ErrNotFound) {
				t.Fatalf("note deleted on B is still on A: %v", err)
			}
			if r := a.sync(client.SyncOptions{}); r.Action != colsync.ActionNone {
				t.Fatalf("final meta: %v", r.Action)
			}
		})
	}
}

// failingTransport fails the first request whose path ends with method.
type failingTransport struct {
	method string
	failed bool
}

func (f *failingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if !f.failed && strings.HasSuffix(r.URL.Path, "/"+f.method) {
		f.failed = true
		return nil, errors.New("network down")
	}
	return http.DefaultTransport.RoundTrip(r)
}

func TestAbortedSyncOverHTTP(t *testing.T) {
	e := newEnv(t)
	a := e.device("a", client.V11)
	a.edit(func(tx *collection.Tx) error { _, err := synctest.AddNote(tx, 1, "x", "y"); return err })
	a.sync(client.SyncOptions{})
	a.edit(func(tx *collection.Tx) error { _, err := synctest.AddNote(tx, 1, "pending", "y"); return err })
	before, _ := synctest.Dump(e.ctx, a.col)
	ft := &failingTransport{method: "applyChunk"}
	c, _ := client.New(client.Options{Endpoint: e.http.URL, Protocol: client.V11, HTTPClient: &http.Client{Transport: ft}})
	c.SetAuth(a.c.HostKey(), client.V11)
	_, err := client.Sync(e.ctx, c, a.col, client.SyncOptions{SkipMedia: true})
	if err == nil || !ft.failed {
		t.Fatalf("sync did not fail: %v", err)
	}
	if after, _ := synctest.Dump(e.ctx, a.col); after != before {
		t.Fatal("a failed sync changed the local collection")
	}
	// The server rolled back too: a second device downloads only the first note.
	b := e.device("b", client.V11)
	b.sync(client.SyncOptions{SkipMedia: true})
	if n, _, _ := synctest.Counts(e.ctx, b.col); n != 1 {
		t.Fatalf("server has %d notes after an aborted sync, want 1", n)
	}
	// And the sync then goes through.
	a.sync(client.SyncOptions{})
	b.sync(client.SyncOptions{})
	e.same(a, b)
}

func TestCancelledContext(t *testing.T) {
	e := newEnv(t)
	a := e.device("a", client.V11)
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	_, err := client.Sync(ctx, a.c, a.col, client.SyncOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if msg := client.UserMessage(err); !strings.Contains(msg, "canceled") {
		t.Fatalf("message %q", msg)
	}
}

func TestFullSyncChoices(t *testing.T) {
	e := newEnv(t)
	a := e.device("a", client.V11)
	a.edit(func(tx *collection.Tx) error { _, err := synctest.AddNote(tx, 1, "a", "1"); return err })
	a.sync(client.SyncOptions{})
	// B has its own cards: both directions are possible, so the caller must choose.
	b := e.device("b", client.V11)
	b.edit(func(tx *collection.Tx) error { _, err := synctest.AddNote(tx, 1, "b", "1"); return err })
	_, err := client.Sync(e.ctx, b.c, b.col, client.SyncOptions{})
	if !errors.Is(err, client.ErrFullSyncNeeded) {
		t.Fatalf("err %v", err)
	}
	asked := false
	b.sync(client.SyncOptions{DecideFull: func(d colsync.Decision) client.FullChoice {
		asked = d.UploadOK && d.DownloadOK
		return client.FullDownload
	}})
	if !asked {
		t.Fatal("decision callback not asked")
	}
	e.same(a, b)
	// An empty server must not replace a local collection that has cards.
	e2 := newEnv(t)
	c := e2.device("c", client.V11)
	c.edit(func(tx *collection.Tx) error { _, err := synctest.AddNote(tx, 1, "c", "1"); return err })
	_, err = client.Sync(e2.ctx, c.c, c.col, client.SyncOptions{Full: client.FullDownload})
	if !errors.Is(err, client.ErrClobber) {
		t.Fatalf("clobber: %v", err)
	}
	if n, _, _ := synctest.Counts(e2.ctx, c.col); n != 1 {
		t.Fatal("refused download changed the collection")
	}
}

func post(t *testing.T, url string, h protocol.Header, body string) *http.Response {
	req, err := protocol.NewV11Request(context.Background(), url, h, []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestProtocolErrors(t *testing.T) {
	e := newEnv(t)
	a := e.device("a", client.V11)
	hk := a.c.HostKey()
	u := e.http.URL
	h := func(k, s string) protocol.Header {
		return protocol.Header{Version: 11, HostKey: k, ClientVersion: "t", SessionKey: s}
	}
	cases := []struct {
		name, path string
		hdr        protocol.Header
		body       string
		want       int
	}{
		{"bad password", "/sync/hostKey", h("", ""), `{"u":"alice","p":"wrong"}`, 403},
		{"unknown user", "/sync/hostKey", h("", ""), `{"u":"bob","p":"secret"}`, 403},
		{"unknown host key", "/sync/meta", h("nope", "s1"), `{"v":11,"cv":"t"}`, 403},
		{"meta version", "/sync/meta", h(hk, "s1"), `{"v":7,"cv":"t"}`, 501},
		{"malformed json", "/sync/meta", h(hk, "s1"), `{"v":`, 400},
		{"chunk without start", "/sync/chunk", h(hk, "s1"), `{}`, 409},
		{"missing skey", "/sync/start", h(hk, ""), `{"minUsn":0,"lnewer":false}`, 400},
		{"start", "/sync/start", h(hk, "s1"), `{"minUsn":0,"lnewer":false}`, 200},
		{"other session", "/sync/chunk", h(hk, "s2"), `{}`, 409},
		{"same session", "/sync/chunk", h(hk, "s1"), `{}`, 200},
		{"bad chunk rolls back", "/sync/applyChunk", h(hk, "s1"), `{"chunk":{"done":true,"notes":[[1,"g",999,1,1,"","a","","",0,""]]}}`, 400},
		{"session gone after failure", "/sync/chunk", h(hk, "s1"), `{}`, 409},
		{"media begin needs a version", "/msync/begin", h(hk, ""), `{"v":""}`, 400},
		{"missing media file", "/msync/downloadFiles", h(hk, ""), `{"files":["nope.png"]}`, 409},
		{"unsafe media name", "/msync/downloadFiles", h(hk, ""), `{"files":["../x"]}`, 400},
	}
	for _, c := range cases {
		resp := post(t, u+c.path, c.hdr, c.body)
		if resp.StatusCode != c.want {
			t.Errorf("%s: status %d, want %d", c.name, resp.StatusCode, c.want)
		}
	}
	// A corrupt upload is refused with Anki's text and changes nothing.
	err := a.c.Upload(e.ctx, []byte("SQLite format 3\x00 but not really"))
	var up *client.UploadRefusedError
	if !errors.As(err, &up) || !strings.Contains(up.Message, "corrupt") {
		t.Fatalf("corrupt upload: %v", err)
	}
	// Legacy media begin by GET.
	resp, err := http.Get(u + "/msync/begin?k=" + hk + "&v=anki,2.1.50")
	if err != nil {
		t.Fatal(err)
	}
	var mr struct {
		Data protocol.MediaBeginResponse `json:"data"`
		Err  string                      `json:"err"`
	}
	json.NewDecoder(resp.Body).Decode(&mr)
	resp.Body.Close()
	if resp.StatusCode != 200 || mr.Data.SessionKey != hk {
		t.Fatalf("GET begin: %d %+v", resp.StatusCode, mr)
	}
	if r, _ := http.Get(u + "/health"); r == nil || r.StatusCode != 200 {
		t.Fatal("health")
	}
}

func TestLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	c, _ := client.New(client.Options{Endpoint: e.http.URL, Protocol: client.V11})
	var err error
	for range 12 {
		_, err = c.Login(e.ctx, "alice", "wrong")
	}
	if !errors.Is(err, client.ErrTooManyLogins) {
		t.Fatalf("after 12 attempts: %v", err)
	}
}

func TestPasswordChangeRevokesHostKeys(t *testing.T) {
	e := newEnv(t)
	a := e.device("a", client.V11)
	if err := e.srv.Users.SetPassword("alice", "new"); err != nil {
		t.Fatal(err)
	}
	_, _, err := a.c.Meta(e.ctx)
	if !errors.Is(err, client.ErrAuthFailed) {
		t.Fatalf("old host key after passwd: %v", err)
	}
}

func TestRandomConvergenceHTTP(t *testing.T) {
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(3, 5))
	devs := []*device{e.device("a", client.V11), e.device("b", client.Legacy), e.device("c", client.V11)}
	devs[0].edit(func(tx *collection.Tx) error { _, err := synctest.AddNote(tx, 1, "seed", "x"); return err })
	for _, d := range devs {
		d.sync(client.SyncOptions{SkipMedia: true})
	}
	for round := range 80 {
		i := rng.IntN(len(devs))
		for k := rng.IntN(4); k >= 0; k-- {
			if err := synctest.RandomEdit(e.ctx, devs[i].col, e.clock, rng, string(rune('a'+i))); err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if rng.IntN(3) == 0 {
			name := []string{"x.png", "y.mp3", "z.jpg"}[rng.IntN(3)]
			if rng.IntN(2) == 0 {
				devs[i].col.Media.AddData(e.ctx, name, []byte(name+string(rune('a'+round%26))))
			} else {
				devs[i].col.Media.Remove(e.ctx, name)
			}
		}
		j := rng.IntN(len(devs))
		if r := devs[j].sync(client.SyncOptions{}); r.Action == colsync.ActionFull {
			t.Fatalf("round %d: unexpected full sync", round)
		}
	}
	for range 2 {
		for _, d := range devs {
			d.sync(client.SyncOptions{})
		}
	}
	e.same(devs...)
	var media []string
	for _, d := range devs {
		ents, _ := d.col.Media.Entries(e.ctx)
		var s []string
		for _, en := range ents {
			s = append(s, en.Name+":"+en.SHA1)
			if en.Dirty {
				t.Errorf("media %s still dirty", en.Name)
			}
		}
		media = append(media, strings.Join(s, " "))
	}
	if media[0] != media[1] || media[1] != media[2] {
		t.Fatalf("media differ:\n%s", strings.Join(media, "\n"))
	}
	n, c, r := synctest.Counts(e.ctx, devs[0].col)
	t.Logf("converged over HTTP: %d notes, %d cards, %d reviews, media %q", n, c, r, media[0])
}

func TestUsersFile(t *testing.T) {
	dir := t.TempDir()
	u, err := server.OpenUsers(filepath.Join(dir, "users.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := u.Add("bob", "pw"); err != nil {
		t.Fatal(err)
	}
	if err := u.Add("bob", "pw"); !errors.Is(err, server.ErrUserExists) {
		t.Fatalf("duplicate: %v", err)
	}
	for _, bad := range []string{"", "../x", "a/b", ".hidden", strings.Repeat("x", 65)} {
		if u.Add(bad, "pw") == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	hk, ok := u.Login("bob", "pw")
	if !ok {
		t.Fatal("login")
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "users.json"))
	if bytes.Contains(raw, []byte(hk)) || bytes.Contains(raw, []byte(`"pw"`)) {
		t.Fatal("secrets stored in clear")
	}
	if st, _ := os.Stat(filepath.Join(dir, "users.json")); st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode().Perm())
	}
	u2, _ := server.OpenUsers(filepath.Join(dir, "users.json"))
	if name, ok := u2.UserForKey(hk); !ok || name != "bob" {
		t.Fatal("host key not persisted")
	}
	if _, ok := u2.Login("bob", "nope"); ok {
		t.Fatal("wrong password accepted")
	}
	if err := u2.Delete("bob"); err != nil {
		t.Fatal(err)
	}
	if _, ok := u2.UserForKey(hk); ok {
		t.Fatal("deleted user's key still valid")
	}
}
