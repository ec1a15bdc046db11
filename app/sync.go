package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/deckhand-app/deckhand/sync/client"
	"github.com/deckhand-app/deckhand/sync/colsync"
)

// Sync for the desktop app: a login saved in the data folder (the same file the CLI uses,
// never the password), one call that syncs the collection and its media, the full-sync
// question passed to the caller, and errors turned into what the user should do.

// AnkiWebEndpoint is the default sync server.
const AnkiWebEndpoint = "https://sync.ankiweb.net/"

// SyncLogin is a saved login.
type SyncLogin struct {
	Endpoint string    `json:"endpoint"`
	User     string    `json:"user"`
	HostKey  string    `json:"host_key"`
	Protocol string    `json:"protocol"`
	LastSync time.Time `json:"last_sync,omitzero"`
}

// SyncAuthPath is where the login is kept: sync-auth.json in the data folder (mode 0600).
func SyncAuthPath() (string, error) {
	d, err := DataDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "sync-auth.json"), nil
}

// LoadSyncLogin reads the saved login; ok is false when there is none.
func LoadSyncLogin(path string) (SyncLogin, bool) {
	var l SyncLogin
	b, err := os.ReadFile(path)
	if err != nil || json.Unmarshal(b, &l) != nil || l.HostKey == "" || l.Endpoint == "" {
		return SyncLogin{}, false
	}
	return l, true
}

// Save writes the login through a temporary file, readable only by the user.
func (l SyncLogin) Save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("save login: %w", err)
	}
	b, err := json.MarshalIndent(l, "", " ")
	if err != nil {
		return fmt.Errorf("save login: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".sync-auth-*")
	if err != nil {
		return fmt.Errorf("save login: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("save login: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("save login: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save login: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save login: %w", err)
	}
	return nil
}

// Logout forgets the saved login.
func Logout(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("log out: %w", err)
	}
	return nil
}

// SyncError is a sync failure with the sentence to show.
type SyncError struct {
	Err error
	// LoggedOut: the server refused the saved login, which was forgotten (log in again).
	LoggedOut bool
}

func (e *SyncError) Error() string { return client.UserMessage(e.Err) }
func (e *SyncError) Unwrap() error { return e.Err }

// Login asks the server for a host key and saves the login at authPath. endpoint "" is
// AnkiWeb; protocol is "auto", "v11" or "legacy".
func Login(ctx context.Context, authPath, endpoint, user, password, protocol string) (SyncLogin, error) {
	endpoint = strings.TrimSpace(endpoint)
	if endpoint == "" {
		endpoint = AnkiWebEndpoint
	}
	if strings.TrimSpace(user) == "" || password == "" {
		return SyncLogin{}, errors.New("enter your user name (email for AnkiWeb) and password")
	}
	p, err := client.ParseProtocol(protocol)
	if err != nil {
		return SyncLogin{}, err
	}
	c, err := client.New(client.Options{Endpoint: endpoint, Protocol: p})
	if err != nil {
		return SyncLogin{}, fmt.Errorf("sync server %q: %w", endpoint, err)
	}
	hk, err := c.Login(ctx, strings.TrimSpace(user), password)
	if err != nil {
		return SyncLogin{}, &SyncError{Err: err}
	}
	l := SyncLogin{Endpoint: c.Endpoint(), User: strings.TrimSpace(user), HostKey: hk, Protocol: c.Protocol().String()}
	return l, l.Save(authPath)
}

// SyncProgress is one step of a sync, as the progress dialog shows it.
type SyncProgress struct {
	Stage              string // "Checking…", "Syncing changes…", "Uploading…", "Downloading…", "Syncing media…"
	Sent, Received     int
	MediaUp, MediaDown int
}

// SyncReport says what a sync did.
type SyncReport struct {
	Action        string // "no changes", "normal sync", "full sync"
	Full          client.FullChoice
	ServerMessage string
	Backup        string
	MediaUp       int
	MediaDown     int
	// Replaced: a full download replaced the collection (screens must reload).
	Replaced bool
}

func (r SyncReport) String() string {
	var s string
	switch {
	case r.Full == client.FullUpload:
		s = "Your collection was uploaded to the server."
	case r.Full == client.FullDownload:
		s = "The server's collection was downloaded."
		if r.Backup != "" {
			s += " Your previous collection was saved as " + r.Backup + "."
		}
	case r.Action == colsync.ActionNone.String():
		s = "Already in sync."
	default:
		s = "Sync complete."
	}
	if r.MediaUp+r.MediaDown > 0 {
		s += fmt.Sprintf(" Media: %d sent, %d received.", r.MediaUp, r.MediaDown)
	}
	if r.ServerMessage != "" {
		s += "\n" + r.ServerMessage
	}
	return s
}

// FullSyncQuestion is what the full-sync dialog needs to know.
type FullSyncQuestion struct {
	LocalIsNewer bool
}

// Sync syncs the collection and its media with the saved login at authPath. decide is asked
// (from the sync goroutine) whether to upload or download when a full sync is required and
// both sides have cards; it may block until the user answers. After a download the service
// holds the new collection. A login the server refuses is forgotten.
func (s *Service) Sync(ctx context.Context, authPath string, decide func(FullSyncQuestion) client.FullChoice, progress func(SyncProgress)) (SyncReport, error) {
	l, ok := LoadSyncLogin(authPath)
	if !ok {
		return SyncReport{}, errors.New("not logged in: log in to a sync server first")
	}
	col, err := s.c()
	if err != nil {
		return SyncReport{}, err
	}
	p, _ := client.ParseProtocol(l.Protocol)
	c, err := client.New(client.Options{Endpoint: l.Endpoint, Protocol: p})
	if err != nil {
		return SyncReport{}, err
	}
	c.SetAuth(l.HostKey, p)
	opts := client.SyncOptions{}
	if decide != nil {
		opts.DecideFull = func(d colsync.Decision) client.FullChoice {
			return decide(FullSyncQuestion{LocalIsNewer: d.LocalIsNewer})
		}
	}
	if progress != nil {
		stages := map[string]string{"meta": "Checking…", "normal": "Syncing changes…", "upload": "Uploading…",
			"download": "Downloading…", "media": "Syncing media…"}
		opts.Progress = func(pr client.Progress) {
			progress(SyncProgress{Stage: stages[pr.Stage], Sent: pr.Normal.LocalUpdate + pr.Normal.LocalRemove,
				Received: pr.Normal.RemoteUpdate + pr.Normal.RemoteRemove, MediaUp: pr.Media.Uploaded, MediaDown: pr.Media.Downloaded})
		}
	}
	res, err := client.Sync(ctx, c, col, opts)
	if res.Collection != nil && res.Collection != col {
		s.SetCollection(res.Collection)
	}
	if res.NewEndpoint != "" {
		l.Endpoint = res.NewEndpoint
	}
	if err != nil {
		se := &SyncError{Err: err}
		if errors.Is(err, client.ErrAuthFailed) {
			// Anki forgets a login the server refuses, so the next sync asks again
			se.LoggedOut = Logout(authPath) == nil
		} else if res.NewEndpoint != "" {
			_ = l.Save(authPath)
		}
		return SyncReport{}, se
	}
	l.LastSync = time.Now()
	if err := l.Save(authPath); err != nil {
		return SyncReport{}, err
	}
	return SyncReport{Action: res.Action.String(), Full: res.Full, ServerMessage: res.ServerMessage, Backup: res.Backup,
		MediaUp: res.Media.Uploaded, MediaDown: res.Media.Downloaded, Replaced: res.Collection != col}, nil
}

// SyncStatus is the line beside the sync button.
func SyncStatus(authPath string) string {
	l, ok := LoadSyncLogin(authPath)
	switch {
	case !ok:
		return "Not logged in"
	case l.LastSync.IsZero():
		return "Logged in as " + l.User + " · not synced yet"
	}
	return "Last sync " + l.LastSync.Format("Jan 2 15:04")
}

// SyncNeed says what the next sync would do, for the sync button's colour (as in Anki:
// plain when nothing changed, blue when there are changes, red when a full sync is needed).
type SyncNeed int

const (
	SyncNothing SyncNeed = iota
	SyncChanges
	SyncFull
)

// NeedsSync compares the collection's modification and schema times with the last sync.
func (s *Service) NeedsSync(ctx context.Context) SyncNeed {
	col, err := s.c()
	if err != nil {
		return SyncNothing
	}
	rows, err := col.All(ctx, "SELECT scm > ls, mod > ls FROM col")
	if err != nil || len(rows) == 0 {
		return SyncNothing
	}
	switch {
	case i64(rows[0][0]) == 1:
		return SyncFull
	case i64(rows[0][1]) == 1:
		return SyncChanges
	}
	return SyncNothing
}
