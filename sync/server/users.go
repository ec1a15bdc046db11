package server

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"
)

// Users is the account file: argon2id password hashes and, per user, the SHA-256 of each host
// key handed out (the keys themselves are never stored). It is rewritten atomically.
//
// The file is shared between the running server and the adduser/passwd/deluser commands, so
// every use first reloads it when it changed on disk: a user added, a password changed (which
// revokes host keys) or a user removed takes effect at once, and a save never writes back
// stale accounts over another process's change.
type Users struct {
	path  string
	mu    sync.Mutex
	data  usersFile
	stamp fileStamp // of the file as last read or written
}

// fileStamp identifies a version of the file on disk: every save renames a new file into
// place, so the file's identity changes with each save even where timestamps are coarse.
type fileStamp struct {
	fi   os.FileInfo
	mod  time.Time
	size int64
}

func stampOf(fi os.FileInfo) fileStamp { return fileStamp{fi: fi, mod: fi.ModTime(), size: fi.Size()} }

func (a fileStamp) same(b fileStamp) bool {
	return a.fi != nil && b.fi != nil && os.SameFile(a.fi, b.fi) && a.mod.Equal(b.mod) && a.size == b.size
}

type usersFile struct {
	Users map[string]*userRecord `json:"users"`
}

type userRecord struct {
	PasswordHash string   `json:"password_hash"`
	HostKeys     []string `json:"host_keys"` // hex SHA-256 of issued keys, newest last
}

// maxHostKeys bounds the keys kept per user (each login adds one; the oldest go first).
const maxHostKeys = 32

// Argon2id parameters (OWASP's minimum recommendation: 19 MiB, 2 passes, 1 lane).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$`)

// ErrNoUser and ErrUserExists are returned for unknown and duplicate names.
var (
	ErrNoUser     = errors.New("no such user")
	ErrUserExists = errors.New("user already exists")
)

// CheckUsername refuses names that cannot be a folder name on every system.
func CheckUsername(name string) error {
	if !validName.MatchString(name) || strings.Contains(name, "..") {
		return fmt.Errorf("user name %q: use 1–64 letters, digits and . _ @ + -", name)
	}
	return nil
}

// OpenUsers loads the account file (a missing file is an empty one).
func OpenUsers(path string) (*Users, error) {
	u := &Users{path: path, data: usersFile{Users: map[string]*userRecord{}}}
	if err := u.refresh(); err != nil {
		return nil, err
	}
	return u, nil
}

// refresh rereads the file if it changed since it was last read or written (caller holds
// u.mu, or u is not shared yet). A missing file is an empty one.
func (u *Users) refresh() error {
	fi, err := os.Stat(u.path)
	if errors.Is(err, os.ErrNotExist) {
		u.data, u.stamp = usersFile{Users: map[string]*userRecord{}}, fileStamp{}
		return nil
	}
	if err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	st := stampOf(fi)
	if st.same(u.stamp) {
		return nil
	}
	b, err := os.ReadFile(u.path)
	if err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	var data usersFile
	if err := json.Unmarshal(b, &data); err != nil {
		return fmt.Errorf("users file %s: %w", u.path, err)
	}
	if data.Users == nil {
		data.Users = map[string]*userRecord{}
	}
	for name, r := range data.Users {
		if r == nil {
			return fmt.Errorf("users file %s: user %q has no record", u.path, name)
		}
	}
	u.data, u.stamp = data, st
	return nil
}

func (u *Users) save() error {
	b, err := json.MarshalIndent(u.data, "", " ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(u.path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(u.path), ".users-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), u.path); err != nil {
		return err
	}
	if fi, err := os.Stat(u.path); err == nil {
		u.stamp = stampOf(fi)
	}
	return nil
}

func hashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

func checkPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	want, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// Add creates a user.
func (u *Users) Add(name, password string) error {
	if err := CheckUsername(name); err != nil {
		return err
	}
	if password == "" {
		return errors.New("empty password")
	}
	h, err := hashPassword(password)
	if err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.refresh(); err != nil {
		return err
	}
	if _, ok := u.data.Users[name]; ok {
		return fmt.Errorf("%w: %s", ErrUserExists, name)
	}
	u.data.Users[name] = &userRecord{PasswordHash: h}
	return u.save()
}

// SetPassword changes a password and revokes every host key of the user.
func (u *Users) SetPassword(name, password string) error {
	if password == "" {
		return errors.New("empty password")
	}
	h, err := hashPassword(password)
	if err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.refresh(); err != nil {
		return err
	}
	r, ok := u.data.Users[name]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoUser, name)
	}
	r.PasswordHash, r.HostKeys = h, nil
	return u.save()
}

// Delete removes a user (not their data).
func (u *Users) Delete(name string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.refresh(); err != nil {
		return err
	}
	if _, ok := u.data.Users[name]; !ok {
		return fmt.Errorf("%w: %s", ErrNoUser, name)
	}
	delete(u.data.Users, name)
	return u.save()
}

// List returns the user names, sorted.
func (u *Users) List() []string {
	u.mu.Lock()
	defer u.mu.Unlock()
	_ = u.refresh() // an unreadable file: list what was last read
	out := make([]string, 0, len(u.data.Users))
	for n := range u.data.Users {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// dummyHash makes a login for an unknown user cost as much as one for a known user.
var dummyHash, _ = hashPassword("deckhand-dummy")

// Login checks a password and issues a new random host key.
func (u *Users) Login(name, password string) (string, bool) {
	u.mu.Lock()
	if err := u.refresh(); err != nil {
		u.mu.Unlock()
		return "", false
	}
	r, ok := u.data.Users[name]
	var h string
	if ok {
		h = r.PasswordHash
	}
	u.mu.Unlock()
	if !ok {
		checkPassword(dummyHash, password)
		return "", false
	}
	if !checkPassword(h, password) {
		return "", false
	}
	key := make([]byte, 20)
	if _, err := rand.Read(key); err != nil {
		return "", false
	}
	hk := hex.EncodeToString(key)
	u.mu.Lock()
	defer u.mu.Unlock()
	// The password check ran unlocked: take the file as it is now, and only if the password
	// still matches (a passwd in between revokes this login too).
	if err := u.refresh(); err != nil {
		return "", false
	}
	r, ok = u.data.Users[name]
	if !ok || r.PasswordHash != h {
		return "", false
	}
	r.HostKeys = append(r.HostKeys, hashKey(hk))
	if len(r.HostKeys) > maxHostKeys {
		r.HostKeys = r.HostKeys[len(r.HostKeys)-maxHostKeys:]
	}
	if err := u.save(); err != nil {
		return "", false
	}
	return hk, true
}

func hashKey(hk string) string {
	s := sha256.Sum256([]byte(hk))
	return hex.EncodeToString(s[:])
}

// UserForKey finds the user a host key was issued to.
func (u *Users) UserForKey(hk string) (string, bool) {
	if hk == "" {
		return "", false
	}
	h := hashKey(hk)
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := u.refresh(); err != nil {
		return "", false // cannot tell whether the key was revoked
	}
	for name, r := range u.data.Users {
		for _, k := range r.HostKeys {
			if subtle.ConstantTimeCompare([]byte(k), []byte(h)) == 1 {
				return name, true
			}
		}
	}
	return "", false
}

// Ensure creates or updates a user with the given password (SYNC_USERn variables), keeping
// host keys when the password is unchanged.
func (u *Users) Ensure(name, password string) error {
	u.mu.Lock()
	if err := u.refresh(); err != nil {
		u.mu.Unlock()
		return err
	}
	r, ok := u.data.Users[name]
	same := ok && checkPassword(r.PasswordHash, password)
	u.mu.Unlock()
	if same {
		return nil
	}
	if ok {
		return u.SetPassword(name, password)
	}
	return u.Add(name, password)
}
