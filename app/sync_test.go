package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"

	"github.com/deckhand-app/deckhand/app/credstore"
	"github.com/deckhand-app/deckhand/sync/client"
	"github.com/deckhand-app/deckhand/sync/server"
)

// syncServer runs deckhand-syncd in-process on loopback with user alice.
func syncServer(t *testing.T) string {
	t.Helper()
	srv, err := server.New(server.Config{DataDir: filepath.Join(t.TempDir(), "server"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Users.Add("alice", "secret"); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	return hs.URL
}

func TestSyncTwoDevices(t *testing.T) {
	keyring.MockInit() // an in-memory OS keyring
	url := syncServer(t)
	ctx := context.Background()
	authA := filepath.Join(t.TempDir(), "a")
	authB := filepath.Join(t.TempDir(), "b")

	if _, err := Login(ctx, authA, url, "alice", "wrong", "auto"); err == nil || !errors.Is(err, client.ErrAuthFailed) {
		t.Fatalf("bad password: %v", err)
	}
	if _, ok := LoadSyncLogin(authA); ok {
		t.Fatal("a failed login saved something")
	}
	a := newTestService(t)
	if st := a.SyncStatus(ctx, authA); st != "Not logged in" {
		t.Fatal(st)
	}
	l, err := Login(ctx, authA, url, "alice", "secret", "auto")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(authA, credstore.FileName)
	b, _ := os.ReadFile(file)
	if strings.Contains(string(b), "secret") || l.HostKey == "" || strings.Contains(string(b), l.HostKey) {
		t.Fatalf("the login file holds neither the password nor (with a keyring) the host key: %s", b)
	}
	if fi, _ := os.Stat(file); fi.Mode().Perm() != 0o600 {
		t.Fatalf("login file mode %v", fi.Mode().Perm())
	}
	// the CLI reads the same login (credstore in the data folder)
	if cl, ok, err := credstore.Load(authA); err != nil || !ok || cl.HostKey != l.HostKey || cl.User != "alice" {
		t.Fatalf("credstore sees %+v %v %v", cl, ok, err)
	}
	if st := a.SyncStatus(ctx, authA); st != "Logged in as alice · not synced yet" {
		t.Fatal(st)
	}

	// device A has cards, the server none: the first sync uploads without asking
	addBasic(t, a, "Synced", "from A", "x")
	if _, err := a.Collection().Media.AddData(ctx, "a.png", []byte("png bytes")); err != nil {
		t.Fatal(err)
	}
	asked := 0
	decide := func(FullSyncQuestion) client.FullChoice { asked++; return client.FullCancel }
	var stages []string
	rep, err := a.Sync(ctx, authA, decide, func(p SyncProgress) { stages = append(stages, p.Stage) })
	if err != nil {
		t.Fatal(err)
	}
	if rep.Full != client.FullUpload || asked != 0 || rep.MediaUp != 1 || !strings.Contains(strings.Join(stages, " "), "Checking…") {
		t.Fatalf("first sync: %+v asked %d stages %q", rep, asked, stages)
	}
	if a.NeedsSync(ctx) != SyncNothing {
		t.Fatal("nothing to sync after a sync")
	}
	addBasic(t, a, "Synced", "pending", "x")
	if a.NeedsSync(ctx) != SyncChanges {
		t.Fatal("a new note is a change to sync")
	}
	if _, err := a.Sync(ctx, authA, decide, nil); err != nil {
		t.Fatal(err)
	}
	if st := a.SyncStatus(ctx, authA); !strings.HasPrefix(st, "Last sync ") {
		t.Fatalf("status %q", st)
	}

	// device B is empty: its first sync downloads, and the service holds the new collection
	if _, err := Login(ctx, authB, url, "alice", "secret", "v11"); err != nil {
		t.Fatal(err)
	}
	bs := newTestService(t)
	old := bs.Collection()
	rep, err = bs.Sync(ctx, authB, decide, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Full != client.FullDownload || !rep.Replaced || bs.Collection() == old || noteCount(t, bs) != 2 || rep.MediaDown != 1 {
		t.Fatalf("download: %+v notes %d", rep, noteCount(t, bs))
	}
	// a normal sync carries a new note from B to A
	addBasic(t, bs, "Synced", "from B", "y")
	if rep, err = bs.Sync(ctx, authB, decide, nil); err != nil || rep.Action != "normal sync" {
		t.Fatalf("normal sync B: %+v %v", rep, err)
	}
	if rep, err = a.Sync(ctx, authA, decide, nil); err != nil || noteCount(t, a) != 3 {
		t.Fatalf("normal sync A: %+v %v, %d notes", rep, err, noteCount(t, a))
	}

	// a schema change on both sides needs a full sync: the user is asked, Cancel changes nothing
	for _, s := range []*Service{a, bs} {
		nt, _ := s.Collection().NotetypeByName("Basic")
		nt = nt.Clone()
		nt.AddField("Extra " + s.Path())
		if err := s.Collection().UpdateNotetype(ctx, nt); err != nil {
			t.Fatal(err)
		}
	}
	if a.NeedsSync(ctx) != SyncFull {
		t.Fatal("a schema change makes the next sync a full one")
	}
	_, err = a.Sync(ctx, authA, decide, nil)
	if asked != 1 || err == nil {
		t.Fatalf("full sync question: asked %d, err %v", asked, err)
	}
	if noteCount(t, a) != 3 {
		t.Fatal("cancel changed the collection")
	}
	// upload from A, then B downloads it when asked
	rep, err = a.Sync(ctx, authA, func(FullSyncQuestion) client.FullChoice { return client.FullUpload }, nil)
	if err != nil || rep.Full != client.FullUpload {
		t.Fatalf("upload: %+v %v", rep, err)
	}
	rep, err = bs.Sync(ctx, authB, func(FullSyncQuestion) client.FullChoice { return client.FullDownload }, nil)
	if err != nil || rep.Full != client.FullDownload || rep.Backup == "" {
		t.Fatalf("download: %+v %v", rep, err)
	}
	nt, _ := bs.Collection().NotetypeByName("Basic")
	if !strings.HasPrefix(nt.Fields[len(nt.Fields)-1].Name, "Extra "+a.Path()) {
		t.Fatalf("B has A's note type after the download: %v", nt.FieldNames())
	}
}

// A refused login is forgotten and the error says to log in again; a server that is not
// one gives a clear error and leaves the collection alone.
func TestSyncErrors(t *testing.T) {
	keyring.MockInit()
	ctx := context.Background()
	auth := t.TempDir()
	s := newTestService(t)
	addBasic(t, s, "D", "kept", "x")
	if _, err := s.Sync(ctx, auth, nil, nil); err == nil || !strings.Contains(err.Error(), "not logged in") {
		t.Fatalf("no login: %v", err)
	}
	url := syncServer(t)
	l := SyncLogin{Endpoint: url + "/", User: "alice", HostKey: "forged", Protocol: "v11"}
	if err := SaveSyncLogin(auth, l); err != nil {
		t.Fatal(err)
	}
	_, err := s.Sync(ctx, auth, nil, nil)
	var se *SyncError
	if !errors.As(err, &se) || !se.LoggedOut || !errors.Is(err, client.ErrAuthFailed) {
		t.Fatalf("refused key: %v", err)
	}
	if _, ok := LoadSyncLogin(auth); ok {
		t.Fatal("the refused login was kept")
	}
	garbage := httptest.NewServer(nil) // answers 404 to everything
	t.Cleanup(garbage.Close)
	l.Endpoint = garbage.URL + "/"
	_ = SaveSyncLogin(auth, l)
	if _, err := s.Sync(ctx, auth, nil, nil); err == nil {
		t.Fatal("a non-server must fail")
	}
	if noteCount(t, s) != 1 {
		t.Fatal("collection changed")
	}
	if _, err := Login(ctx, auth, "", "", "", "auto"); err == nil {
		t.Fatal("empty user")
	}
}

// Without an OS keyring the host key stays in the 0600 login file, and the app still syncs
// with it; Logout removes it.
func TestSyncLoginWithoutKeyring(t *testing.T) {
	keyring.MockInitWithError(errors.New("no secret service"))
	t.Cleanup(keyring.MockInit)
	ctx := context.Background()
	dir := t.TempDir()
	url := syncServer(t)
	l, err := Login(ctx, dir, url, "alice", "secret", "auto")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, credstore.FileName))
	if !strings.Contains(string(b), l.HostKey) || strings.Contains(string(b), "secret") {
		t.Fatalf("fallback file: %s", b)
	}
	s := newTestService(t)
	addBasic(t, s, "D", "one", "x")
	if _, err := s.Sync(ctx, dir, nil, nil); err != nil {
		t.Fatal(err)
	}
	if err := Logout(dir); err != nil {
		t.Fatal(err)
	}
	if _, ok := LoadSyncLogin(dir); ok {
		t.Fatal("logged in after logout")
	}
	if _, err := os.Stat(filepath.Join(dir, credstore.FileName)); !os.IsNotExist(err) {
		t.Fatalf("login file left behind: %v", err)
	}
}
