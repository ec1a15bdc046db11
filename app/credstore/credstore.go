// Package credstore keeps a sync login between runs: the server, the user name, the protocol
// that worked and the host key the server handed out — never the password. The host key goes
// into the operating system's keyring (Secret Service, macOS Keychain, Windows Credential
// Manager); where none is available it stays in the 0600 login file instead.
package credstore

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/deckhand-app/deckhand/internal/atomicfile"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/zalando/go-keyring"
)

// FileName is the login file in the data folder.
const FileName = "sync-auth.json"

const service = "Deckhand sync"

// Login is a saved sync login.
type Login struct {
	Endpoint string `json:"endpoint"`
	User     string `json:"user"`
	Protocol string `json:"protocol"`
	HostKey  string `json:"host_key,omitempty"` // only when no keyring was available
	// InKeyring says the host key is in the OS keyring rather than in this file.
	InKeyring bool `json:"in_keyring,omitempty"`
}

func account(l Login) string { return l.User + "@" + l.Endpoint }

// Save stores the login, the host key in the keyring when possible.
func Save(dataDir string, l Login) error {
	if l.HostKey == "" {
		return errors.New("save sync login: no host key")
	}
	stored := l
	if err := keyring.Set(service, account(l), l.HostKey); err == nil {
		stored.HostKey, stored.InKeyring = "", true
	} else {
		stored.InKeyring = false
	}
	if err := writeFile(filepath.Join(dataDir, FileName), stored); err != nil {
		return fmt.Errorf("save sync login: %w", err)
	}
	return nil
}

// Load returns the saved login; ok is false when there is none (or its key is gone).
func Load(dataDir string) (l Login, ok bool, err error) {
	b, err := os.ReadFile(filepath.Join(dataDir, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return l, false, nil
	}
	if err != nil {
		return l, false, fmt.Errorf("read sync login: %w", err)
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return Login{}, false, fmt.Errorf("read sync login %s: malformed: %w", FileName, err)
	}
	if l.InKeyring {
		key, err := keyring.Get(service, account(l))
		if err != nil {
			// The keyring entry was removed or the keyring is locked: log in again.
			return l, false, nil
		}
		l.HostKey = key
	}
	return l, l.HostKey != "", nil
}

// Delete forgets the login (logout), in the keyring and on disk.
func Delete(dataDir string) error {
	p := filepath.Join(dataDir, FileName)
	if l, _, err := Load(dataDir); err == nil && l.InKeyring {
		if err := keyring.Delete(service, account(l)); err != nil && !errors.Is(err, keyring.ErrNotFound) {
			return fmt.Errorf("logout: keyring: %w", err)
		}
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

func writeFile(path string, l Login) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(l, "", " ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o600)
}
