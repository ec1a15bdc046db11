package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/deckhand-app/deckhand/app/credstore"
	"github.com/deckhand-app/deckhand/sync/client"
	"github.com/deckhand-app/deckhand/sync/colsync"
)

// Sync for the desktop app: a login saved with credstore in the data folder (shared with the
// CLI; the host key in the OS keyring, never the password), one call that syncs the collection
// and its media, the full-sync question passed to the caller, and errors turned into what the
// user should do.

// AnkiWebEndpoint is the default sync server.
const AnkiWebEndpoint = "https://sync.ankiweb.net/"

// SyncLogin is a saved login. It is credstore's, so the app and deckhand-cli share one login:
// the host key in the OS keyring (or the 0600 login file where there is none), never the password.
type SyncLogin = credstore.Login

// SyncLoginDir is the folder the login is kept in: the data folder, as for the CLI.
func SyncLoginDir() (string, error) { return DataDir() }

// LoadSyncLogin reads the login saved in dir; ok is false when there is none. A login file
// that cannot be read counts as none (the user is asked to log in again, which rewrites it).
func LoadSyncLogin(dir string) (SyncLogin, bool) {
	l, ok, err := credstore.Load(dir)
	if err != nil {
		slog.Warn("ignoring saved sync login", "err", err)
		return SyncLogin{}, false
	}
	return l, ok
}

// SaveSyncLogin saves the login in dir (host key in the keyring when there is one).
func SaveSyncLogin(dir string, l SyncLogin) error { return credstore.Save(dir, l) }

// Logout forgets the login saved in dir, in the keyring and on disk.
func Logout(dir string) error { return credstore.Delete(dir) }

// SyncError is a sync failure with the sentence to show.
type SyncError struct {
	Err error
	// LoggedOut: the server refused the saved login, which was forgotten (log in again).
	LoggedOut bool
}

func (e *SyncError) Error() string { return client.UserMessage(e.Err) }
func (e *SyncError) Unwrap() error { return e.Err }

// Login asks the server for a host key and saves the login in dir. endpoint "" is
// AnkiWeb; protocol is "auto", "v11" or "legacy".
func Login(ctx context.Context, dir, endpoint, user, password, protocol string) (SyncLogin, error) {
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
	return l, SaveSyncLogin(dir, l)
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

// Sync syncs the collection and its media with the login saved in dir. decide is asked
// (from the sync goroutine) whether to upload or download when a full sync is required and
// both sides have cards; it may block until the user answers. After a download the service
// holds the new collection. A login the server refuses is forgotten.
func (s *Service) Sync(ctx context.Context, dir string, decide func(FullSyncQuestion) client.FullChoice, progress func(SyncProgress)) (SyncReport, error) {
	l, ok := LoadSyncLogin(dir)
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
			se.LoggedOut = Logout(dir) == nil
		} else if res.NewEndpoint != "" {
			_ = SaveSyncLogin(dir, l)
		}
		return SyncReport{}, se
	}
	if res.NewEndpoint != "" {
		// the server moved the account (AnkiWeb shards): sync there next time
		if err := SaveSyncLogin(dir, l); err != nil {
			return SyncReport{}, err
		}
	}
	return SyncReport{Action: res.Action.String(), Full: res.Full, ServerMessage: res.ServerMessage, Backup: res.Backup,
		MediaUp: res.Media.Uploaded, MediaDown: res.Media.Downloaded, Replaced: res.Collection != col}, nil
}

// SyncStatus is the line beside the sync button. The last sync time is the collection's own
// (col.ls, which every completed sync sets), so it is right whichever program synced last.
func (s *Service) SyncStatus(ctx context.Context, dir string) string {
	l, ok := LoadSyncLogin(dir)
	if !ok {
		return "Not logged in"
	}
	var ls int64
	if col, err := s.c(); err == nil {
		if rows, err := col.All(ctx, "SELECT ls FROM col"); err == nil && len(rows) == 1 {
			ls = i64(rows[0][0])
		}
	}
	if ls <= 0 {
		return "Logged in as " + l.User + " · not synced yet"
	}
	return "Last sync " + time.UnixMilli(ls).Format("Jan 2 15:04")
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
