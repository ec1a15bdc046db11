package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/client"
	"github.com/deckhand-app/deckhand/sync/internal/synctest"
	"github.com/deckhand-app/deckhand/sync/protocol"
	"github.com/deckhand-app/deckhand/sync/server"
)

// lockedBuffer collects log output from concurrent handlers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type hardEnv struct {
	dir  string
	srv  *server.Server
	http *httptest.Server
	logs *lockedBuffer
}

func newHardEnv(t *testing.T, lim protocol.Limits) *hardEnv {
	dir := t.TempDir()
	logs := &lockedBuffer{}
	srv, err := server.New(server.Config{DataDir: filepath.Join(dir, "server"), Limits: lim,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range [][2]string{{"alice", "alice-Pa55word"}, {"bob", "bob-Pa55word"}} {
		if err := srv.Users.Add(u[0], u[1]); err != nil {
			t.Fatal(err)
		}
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return &hardEnv{dir: dir, srv: srv, http: hs, logs: logs}
}

func (e *hardEnv) login(t *testing.T, user, pw string, p client.Protocol) *client.Client {
	c, err := client.New(client.Options{Endpoint: e.http.URL, Protocol: p})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Login(context.Background(), user, pw); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestUserIsolation: what alice uploads (collection and media) is invisible to bob, and
// nothing bob sends reaches alice's files.
func TestUserIsolation(t *testing.T) {
	ctx := context.Background()
	e := newHardEnv(t, protocol.Limits{})
	ca := e.login(t, "alice", "alice-Pa55word", client.V11)
	cb := e.login(t, "bob", "bob-Pa55word", client.Legacy)

	colA, err := collection.Create(ctx, filepath.Join(e.dir, "a", "collection.anki2"))
	if err != nil {
		t.Fatal(err)
	}
	defer colA.Close()
	clock := &synctest.Clock{}
	synctest.Edit(ctx, colA, clock, func(tx *collection.Tx) error {
		_, err := synctest.AddNote(tx, 1, "alice's secret note", "x")
		return err
	})
	colA.Media.AddData(ctx, "alice-only.png", []byte("alice's picture"))
	res, err := client.Sync(ctx, ca, colA, client.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	colA = res.Collection

	// Bob sees an empty collection and no media, and cannot fetch alice's file by name.
	m, _, err := cb.Meta(ctx)
	if err != nil || !m.Empty || m.MediaUSN != 0 {
		t.Fatalf("bob's meta after alice's upload: %+v %v", m, err)
	}
	data, err := cb.Download(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("alice's secret note")) {
		t.Fatal("bob's download holds alice's note")
	}
	if _, err := cb.MediaBegin(ctx); err != nil {
		t.Fatal(err)
	}
	if z, err := cb.DownloadFiles(ctx, []string{"alice-only.png"}); err == nil && bytes.Contains(z, []byte("alice's picture")) {
		t.Fatal("bob downloaded alice's media")
	}
	if ch, err := cb.MediaChanges(ctx, 0); err != nil || len(ch) != 0 {
		t.Fatalf("bob's media changes: %v %v", ch, err)
	}
	// Bob's uploads land in bob's folder only.
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("_meta")
	w.Write([]byte(`[["alice-only.png","0"]]`))
	w, _ = zw.Create("0")
	w.Write([]byte("bob overwrites"))
	zw.Close()
	if _, _, err := cb.UploadChanges(ctx, zb.Bytes()); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(e.dir, "server", "users", "alice", "collection.media", "alice-only.png"))
	if err != nil || string(got) != "alice's picture" {
		t.Fatalf("alice's media after bob's upload: %q %v", got, err)
	}
	// A user name cannot name another folder.
	for _, bad := range []string{"../alice", "alice/../bob", "..", ""} {
		if err := e.srv.Users.Add(bad, "x"); err == nil {
			t.Errorf("user name %q accepted", bad)
		}
	}
}

// TestBodyAndDecompressionCaps: an oversized body is 413, a zstd or gzip bomb is refused
// after at most the limit, and the server keeps serving.
func TestBodyAndDecompressionCaps(t *testing.T) {
	lim := protocol.Limits{MaxCompressed: 64 << 10, MaxDecompressed: 256 << 10}
	e := newHardEnv(t, lim)
	c := e.login(t, "alice", "alice-Pa55word", client.V11)
	hk := c.HostKey()
	hdr := protocol.Header{Version: 11, HostKey: hk, ClientVersion: "t", SessionKey: "s"}

	big := bytes.Repeat([]byte{'x'}, 1<<20)
	noise := make([]byte, 128<<10) // incompressible: stays above the 64 KiB cap on the wire
	x := uint64(88172645463325252)
	for i := range noise {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		noise[i] = byte(x)
	}
	cases := []struct {
		name string
		req  func() *http.Request
		want []int
	}{
		{"raw body over the compressed cap", func() *http.Request {
			r, _ := http.NewRequest(http.MethodPost, e.http.URL+"/sync/meta", bytes.NewReader(protocol.Compress(noise)))
			r.Header.Set(protocol.HeaderName, `{"v":11,"k":"`+hk+`","c":"t","s":"s"}`)
			return r
		}, []int{413}},
		{"zstd bomb", func() *http.Request {
			r, _ := protocol.NewV11Request(context.Background(), e.http.URL+"/sync/meta", hdr, append([]byte(`{"v":11,"cv":"`), big...))
			return r
		}, []int{400, 413}},
		{"gzip bomb (legacy)", func() *http.Request {
			r, _ := protocol.NewLegacyRequest(context.Background(), e.http.URL+"/sync/meta", protocol.LegacyFields{HostKey: hk}, big, true)
			return r
		}, []int{400, 413}},
	}
	for _, tc := range cases {
		resp, err := http.DefaultClient.Do(tc.req())
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		ok := false
		for _, w := range tc.want {
			ok = ok || resp.StatusCode == w
		}
		if !ok {
			t.Errorf("%s: status %d, want %v", tc.name, resp.StatusCode, tc.want)
		}
	}
	if _, _, err := c.Meta(context.Background()); err != nil {
		t.Fatalf("server unusable after the bombs: %v", err)
	}
}

// TestMediaNameChecks: uploads naming paths outside the media folder are refused and
// write nothing.
func TestMediaNameChecks(t *testing.T) {
	ctx := context.Background()
	e := newHardEnv(t, protocol.Limits{})
	c := e.login(t, "alice", "alice-Pa55word", client.V11)
	if _, err := c.MediaBegin(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"../escape.png", "/abs.png", `..\win.png`, "a/b.png", ".", "..", "nul\x00.png",
		"caf\u0065\u0301.png", strings.Repeat("x", 300), ".tmp-staging"} {
		var zb bytes.Buffer
		zw := zip.NewWriter(&zb)
		w, _ := zw.Create("_meta")
		w.Write([]byte(`[[` + jsonString(name) + `,"0"]]`))
		w, _ = zw.Create("0")
		w.Write([]byte("data"))
		zw.Close()
		if _, _, err := c.UploadChanges(ctx, zb.Bytes()); err == nil {
			t.Errorf("upload of %q accepted", name)
		}
	}
	err := filepath.Walk(filepath.Join(e.dir, "server"), func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() && strings.Contains(p, "escape") || strings.Contains(p, "abs.png") {
			t.Errorf("file written: %s", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "escape.png")); err == nil {
		t.Error("escaped the data folder")
	}
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// TestNoSecretsInLogs runs logins (good and bad), a full and a normal sync and media sync
// with the server logging at debug level: neither passwords nor host keys nor session keys
// may appear in the log.
func TestNoSecretsInLogs(t *testing.T) {
	ctx := context.Background()
	e := newHardEnv(t, protocol.Limits{})
	bad, _ := client.New(client.Options{Endpoint: e.http.URL, Protocol: client.V11})
	bad.Login(ctx, "alice", "wrong-Secret-Guess")
	c := e.login(t, "alice", "alice-Pa55word", client.V11)
	col, err := collection.Create(ctx, filepath.Join(e.dir, "a", "collection.anki2"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { col.Close() }()
	col.Media.AddData(ctx, "p.png", []byte("png"))
	res, err := client.Sync(ctx, c, col, client.SyncOptions{})
	if err != nil {
		t.Fatal(err)
	}
	col = res.Collection
	synctest.Edit(ctx, col, &synctest.Clock{}, func(tx *collection.Tx) error {
		_, err := synctest.AddNote(tx, 1, "n", "m")
		return err
	})
	if res, err = client.Sync(ctx, c, col, client.SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	col = res.Collection
	logs := e.logs.String()
	if !strings.Contains(logs, "sync request") {
		t.Fatalf("nothing logged: %q", logs)
	}
	for _, secret := range []string{"alice-Pa55word", "wrong-Secret-Guess", c.HostKey()} {
		if strings.Contains(logs, secret) {
			t.Errorf("log contains a secret (%.6s…)", secret)
		}
	}
}
