package client

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/colsync"
	"github.com/deckhand-app/deckhand/sync/media"
	"github.com/deckhand-app/deckhand/sync/protocol"
)

// fakeAnkisyncd answers the way ankisyncd 2.2.0 (Anki 2.1.12's sync code) did in runs
// against the real server, where that differs from Anki's own server:
//   - meta accepts sync version 9 at most and refuses 10 with cont:false and only a message;
//   - its meta has musn and no empty;
//   - msync/begin hands out a media session key of its own, and later media calls must send
//     it as sk (a host key there gets 403);
//   - uploadChanges counts only [name, ""] as a deletion and fails (500) on a zip that mixes
//     deletions with additions.
type fakeAnkisyncd struct {
	t        *testing.T
	mu       sync.Mutex
	versions []int  // meta versions asked for
	download []byte // the collection download answers with
	refusal  string // a cont:false message meta answers every version with
	uploads  [][][2]any
	files    map[string][]byte
	usn      int
}

const (
	fakeHostKey  = "0123456789abcdef0123456789abcdef"
	fakeMediaKey = "5e55a0c1"
)

func (f *fakeAnkisyncd) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	req, err := protocol.ReadRequest(r, protocol.DefaultLimits())
	if err != nil || req.Framing != protocol.FramingLegacy {
		http.Error(w, "not a legacy request", http.StatusForbidden) // what ankisyncd does with v11
		return
	}
	reply := func(v any) {
		b, _ := json.Marshal(v)
		w.Write(b)
	}
	media := func(v any) { reply(map[string]any{"data": v, "err": ""}) }
	path := strings.TrimPrefix(r.URL.Path, "/")
	if strings.HasPrefix(path, "msync/") && path != "msync/begin" && req.MediaSession != fakeMediaKey {
		http.Error(w, "bad media session", http.StatusForbidden)
		return
	}
	if path != "sync/hostKey" && path != "msync/begin" && !strings.HasPrefix(path, "msync/") && req.HostKey != fakeHostKey {
		http.Error(w, "bad host key", http.StatusForbidden)
		return
	}
	switch path {
	case "sync/hostKey":
		reply(map[string]string{"key": fakeHostKey})
	case "sync/meta":
		var in protocol.MetaRequest
		json.Unmarshal(req.Body, &in)
		f.versions = append(f.versions, in.Version)
		switch {
		case f.refusal != "":
			reply(map[string]any{"cont": false, "msg": f.refusal})
		case in.Version > 9:
			reply(map[string]any{"cont": false, "msg": "Your client is using unsupported sync protocol (10, supported version: 9)"})
		default:
			reply(map[string]any{"scm": 1, "ts": time.Now().Unix(), "mod": 1, "usn": 0, "musn": f.usn, "msg": "", "cont": true})
		}
	case "sync/download":
		w.Write(f.download)
	case "msync/begin":
		if req.HostKey != fakeHostKey {
			http.Error(w, "bad host key", http.StatusForbidden)
			return
		}
		media(map[string]any{"sk": fakeMediaKey, "usn": f.usn})
	case "msync/mediaChanges":
		media([]any{})
	case "msync/uploadChanges":
		zr, err := zip.NewReader(bytes.NewReader(req.Body), int64(len(req.Body)))
		if err != nil {
			http.Error(w, "bad zip", http.StatusInternalServerError)
			return
		}
		var meta [][2]any
		for _, zf := range zr.File {
			if zf.Name == "_meta" {
				rc, _ := zf.Open()
				json.NewDecoder(rc).Decode(&meta)
				rc.Close()
			}
		}
		dels, adds := 0, 0
		for _, m := range meta {
			if m[1] == "" {
				dels++
				delete(f.files, m[0].(string))
			} else if m[1] != nil {
				adds++
				f.files[m[0].(string)] = nil
			}
		}
		f.uploads = append(f.uploads, meta)
		if dels+adds != len(meta) || (dels > 0 && adds > 0) {
			http.Error(w, "A server error occurred.", http.StatusInternalServerError)
			return
		}
		f.usn += len(meta)
		media([]int{len(meta), f.usn})
	case "msync/mediaSanity":
		var in protocol.MediaSanityRequest
		json.Unmarshal(req.Body, &in)
		if in.Local == len(f.files) {
			media("OK")
		} else {
			media("FAILED")
		}
	default:
		http.NotFound(w, r)
	}
}

func newFakeAnkisyncd(t *testing.T) (*fakeAnkisyncd, *Client) {
	f := &fakeAnkisyncd{t: t, files: map[string][]byte{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(Options{Endpoint: srv.URL, Protocol: Auto})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Login(context.Background(), "user", "pass"); err != nil {
		t.Fatal(err)
	}
	if c.Protocol() != Legacy {
		t.Fatalf("protocol %v after login, want legacy (the v11 login gets 403)", c.Protocol())
	}
	return f, c
}

func newCollection(t *testing.T, notes int) *collection.Collection {
	ctx := context.Background()
	col, err := collection.Create(ctx, filepath.Join(t.TempDir(), "collection.anki2"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { col.Close() })
	nt, ok := col.NotetypeByName("Basic")
	if !ok {
		t.Fatal("no Basic note type")
	}
	for i := range notes {
		n, err := col.NewNote(nt.ID)
		if err != nil {
			t.Fatal(err)
		}
		n.Fields[0] = "front " + string(rune('a'+i))
		if err := col.AddNote(ctx, n, collection.DefaultDeckID); err != nil {
			t.Fatal(err)
		}
	}
	return col
}

func TestLegacySupportedVersion(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want int
		ok   bool
	}{
		{"Your client is using unsupported sync protocol (10, supported version: 9)", 9, true},
		{"Your client is using unsupported sync protocol (11, supported version: 10)", 10, true},
		{"Your client doesn't support the v2 scheduler.", 0, false},
		{"supported version: 7", 0, false},  // below what any server accepts
		{"supported version: 12", 0, false}, // above what we speak
		{"supported version: x", 0, false},
		{"", 0, false},
	} {
		got, ok := legacySupportedVersion(tc.msg)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q: %d %v, want %d %v", tc.msg, got, ok, tc.want, tc.ok)
		}
	}
}

func TestLegacyMetaFallsBackToServerVersion(t *testing.T) {
	f, c := newFakeAnkisyncd(t)
	m, _, err := c.Meta(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !m.Continue || m.Modified != 1 || m.SchemaMod != 1 {
		t.Errorf("meta %+v, want the server's answer to version 9", m)
	}
	if len(f.versions) != 2 || f.versions[0] != 10 || f.versions[1] != 9 {
		t.Errorf("meta asked with versions %v, want [10 9]", f.versions)
	}
}

func TestLegacyMetaRefusalShowsMessage(t *testing.T) {
	f, c := newFakeAnkisyncd(t)
	f.refusal = "Your client doesn't support the v2 scheduler."
	col := newCollection(t, 0)
	_, err := Sync(context.Background(), c, col, SyncOptions{})
	var sm *colsync.ServerMessageError
	if !errors.As(err, &sm) || sm.Message != f.refusal {
		t.Fatalf("sync error %v, want the server's message %q", err, f.refusal)
	}
	if len(f.versions) != 1 {
		t.Errorf("meta asked %d times, want once (the refusal names no version)", len(f.versions))
	}
}

func TestLegacyDownloadOfEmptyCollectionRefused(t *testing.T) {
	f, c := newFakeAnkisyncd(t)
	ctx := context.Background()
	empty := newCollection(t, 0)
	snap := filepath.Join(t.TempDir(), "empty.anki2")
	if err := colsync.Snapshot(ctx, empty, snap); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.download, err = os.ReadFile(snap); err != nil {
		t.Fatal(err)
	}
	col := newCollection(t, 3)
	res, err := Sync(ctx, c, col, SyncOptions{Full: FullDownload, SkipMedia: true})
	if !errors.Is(err, ErrClobber) {
		t.Fatalf("download of an empty collection over 3 notes: %v, want ErrClobber", err)
	}
	if res.Collection != col {
		t.Fatal("the local collection was replaced")
	}
	if n, err := col.FindNotes(ctx, "", collection.Order{}); err != nil || len(n) != 3 {
		t.Fatalf("local collection has %d notes (%v), want 3", len(n), err)
	}
	res, err = Sync(ctx, c, col, SyncOptions{Full: FullDownload, SkipMedia: true, Force: true})
	if err != nil {
		t.Fatalf("forced download: %v", err)
	}
	defer res.Collection.Close()
	if n, err := res.Collection.FindNotes(ctx, "", collection.Order{}); err != nil || len(n) != 0 {
		t.Fatalf("after a forced download %d notes (%v), want 0", len(n), err)
	}
}

func TestLegacyMediaSessionAndUploads(t *testing.T) {
	f, c := newFakeAnkisyncd(t)
	ctx := context.Background()
	col := newCollection(t, 0)
	for _, name := range []string{"a.png", "b.png"} {
		if err := os.WriteFile(filepath.Join(col.Media.Dir(), name), []byte(name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := media.Sync(ctx, col.Media, c, nil); err != nil {
		t.Fatalf("first media sync: %v", err)
	}
	// A deletion and an addition pending together: ankisyncd needs them in separate zips.
	if err := os.Remove(filepath.Join(col.Media.Dir(), "a.png")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(col.Media.Dir(), "c.png"), []byte("c"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := media.Sync(ctx, col.Media, c, nil); err != nil {
		t.Fatalf("second media sync: %v", err)
	}
	got, _ := json.Marshal(f.uploads)
	want := `[[["a.png","0"],["b.png","1"]],[["a.png",""]],[["c.png","0"]]]`
	if string(got) != want {
		t.Errorf("uploads %s, want %s", got, want)
	}
}
