package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/colsync"
	"github.com/deckhand-app/deckhand/sync/protocol"
	"github.com/deckhand-app/deckhand/sync/server"
)

// legacyPost sends one multipart request the way the pure-Python Anki 2.1.x client does.
func legacyPost(t *testing.T, url string, f protocol.LegacyFields, body []byte) (int, []byte) {
	t.Helper()
	req, err := protocol.NewLegacyRequest(context.Background(), url, f, body, true)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// collectionFile makes a collection file to upload. withOffset false is a collection as the
// pure-Python Anki 2.1.12–2.1.16 create them: without the v2 time zone's creationOffset.
func collectionFile(t *testing.T, withOffset bool) []byte {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	col, err := collection.Create(ctx, filepath.Join(dir, "collection.anki2"))
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	if !withOffset {
		err := col.Transact(ctx, func(tx *collection.Tx) error {
			conf := tx.Config()
			delete(conf, "creationOffset")
			delete(conf, "localOffset")
			conf["schedVer"] = []byte("1")
			tx.ReplaceConfig(conf)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	snap := filepath.Join(dir, "upload.anki2")
	if err := colsync.Snapshot(ctx, col, snap); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSyncVersion9Clients: Anki 2.1.12–2.1.16 speak sync version 9. Like Anki's own server
// (rslib collection/meta.rs), the server refuses them only when its collection uses the v2
// time zone code (a creationOffset), which those clients cannot handle. A new account's empty
// collection has none (rslib creates server collections without it), so such a client can
// make its first upload, and keeps syncing the collection it uploaded.
func TestSyncVersion9Clients(t *testing.T) {
	e := newEnv(t)
	u := e.http.URL + "/"
	code, body := legacyPost(t, u+"sync/hostKey", protocol.LegacyFields{}, []byte(`{"u":"alice","p":"secret"}`))
	if code != http.StatusOK {
		t.Fatalf("hostKey: %d %s", code, body)
	}
	var hk protocol.HostKeyResponse
	if err := json.Unmarshal(body, &hk); err != nil || hk.Key == "" {
		t.Fatalf("hostKey answer %s: %v", body, err)
	}
	meta := func(v int) protocol.Meta {
		t.Helper()
		code, body := legacyPost(t, u+"sync/meta", protocol.LegacyFields{HostKey: hk.Key, SessionKey: "ce20052b"},
			[]byte(`{"v":`+strconv.Itoa(v)+`,"cv":"ankidesktop,2.1.12 (dev),lin:debian:12"}`))
		if code != http.StatusOK {
			t.Fatalf("meta v%d: %d %s", v, code, body)
		}
		var m protocol.Meta
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("meta v%d answer %s: %v", v, body, err)
		}
		return m
	}
	upload := func(file []byte) {
		t.Helper()
		code, body := legacyPost(t, u+"sync/upload", protocol.LegacyFields{HostKey: hk.Key, ClientVersion: "ankidesktop,2.1.12,lin:debian:12"}, file)
		if code != http.StatusOK || string(body) != "OK" {
			t.Fatalf("upload: %d %s", code, body)
		}
	}

	if m := meta(9); !m.Continue {
		t.Fatalf("new account refused a version-9 client: %q", m.Message)
	}
	userDir := filepath.Join(e.dir, "server", "users", "alice")
	names, err := os.ReadDir(userDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		// Temporary folders, or the media folder of a temporary collection name.
		if strings.HasPrefix(n.Name(), ".") || strings.HasPrefix(n.Name(), "collection.anki2.") {
			t.Errorf("creating the account's collection left %s behind", n.Name())
		}
	}

	upload(collectionFile(t, false))
	if m := meta(9); !m.Continue {
		t.Fatalf("a version-9 client's own collection refused: %q", m.Message)
	}

	upload(collectionFile(t, true))
	m := meta(9)
	if m.Continue || !strings.Contains(m.Message, "timezone") {
		t.Fatalf("collection with a creation offset: version 9 answered cont=%v %q, want a refusal naming the time zone handling",
			m.Continue, m.Message)
	}
	if m := meta(10); !m.Continue {
		t.Fatalf("version 10 refused: %q", m.Message)
	}
}

// TestUsersFileSharedWithCommands: the running server and the adduser/passwd/deluser
// commands each hold the account file open; each sees the other's changes at once.
func TestUsersFileSharedWithCommands(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users.json")
	srv, err := server.OpenUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Add("alice", "one"); err != nil {
		t.Fatal(err)
	}
	cmd, err := server.OpenUsers(path) // what `deckhand-syncd adduser` opens
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Add("bob", "two"); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Login("bob", "two"); !ok {
		t.Fatal("a user added while the server runs cannot log in")
	}
	hk, ok := srv.Login("alice", "one")
	if !ok {
		t.Fatal("login")
	}
	if err := cmd.SetPassword("alice", "three"); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.UserForKey(hk); ok {
		t.Fatal("host key still valid after passwd")
	}
	if _, ok := srv.Login("alice", "one"); ok {
		t.Fatal("old password still accepted after passwd")
	}
	if _, ok := srv.Login("alice", "three"); !ok {
		t.Fatal("new password refused")
	}
	// The server's saves (a login adds a host key) must not undo the command's changes.
	again, err := server.OpenUsers(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := again.List(); !slices.Equal(got, []string{"alice", "bob"}) {
		t.Fatalf("users on disk %v, want [alice bob]", got)
	}
	if err := cmd.Delete("bob"); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.Login("bob", "two"); ok {
		t.Fatal("a deleted user can still log in")
	}
	// A file the server cannot read is never overwritten.
	if err := os.WriteFile(path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := srv.Add("carol", "four"); err == nil {
		t.Fatal("adding a user over an unreadable account file succeeded")
	}
	if b, _ := os.ReadFile(path); string(b) != "{not json" {
		t.Fatalf("unreadable account file overwritten: %s", b)
	}
}
