package credstore

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

func TestKeyringHoldsTheHostKey(t *testing.T) {
	keyring.MockInit()
	dir := t.TempDir()
	l := Login{Endpoint: "http://127.0.0.1:27701/", User: "alice", Protocol: "v11", HostKey: "secret-key"}
	if err := Save(dir, l); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, FileName))
	if strings.Contains(string(b), "secret-key") {
		t.Fatalf("host key written to the file although a keyring exists: %s", b)
	}
	st, _ := os.Stat(filepath.Join(dir, FileName))
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", st.Mode())
	}
	got, ok, err := Load(dir)
	if err != nil || !ok || got.HostKey != "secret-key" || got.User != "alice" || got.Protocol != "v11" {
		t.Fatalf("load %+v %v %v", got, ok, err)
	}
	if err := Delete(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.Get(service, account(l)); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("keyring entry left after logout: %v", err)
	}
	if _, ok, _ := Load(dir); ok {
		t.Fatal("login still there after Delete")
	}
}

func TestFileFallbackWithoutKeyring(t *testing.T) {
	keyring.MockInitWithError(errors.New("no secret service"))
	dir := t.TempDir()
	if err := Save(dir, Login{Endpoint: "https://sync.example/", User: "bob", HostKey: "k2"}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := Load(dir)
	if err != nil || !ok || got.HostKey != "k2" || got.InKeyring {
		t.Fatalf("load %+v %v %v", got, ok, err)
	}
	if err := Delete(dir); err != nil {
		t.Fatal(err)
	}
}

func TestBadFile(t *testing.T) {
	keyring.MockInit()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, FileName), []byte("{not json"), 0o600)
	if _, _, err := Load(dir); err == nil {
		t.Fatal("malformed login file accepted")
	}
	if _, ok, err := Load(t.TempDir()); ok || err != nil {
		t.Fatalf("missing file: %v %v", ok, err)
	}
	if err := Save(dir, Login{User: "x"}); err == nil {
		t.Fatal("login without host key saved")
	}
}
