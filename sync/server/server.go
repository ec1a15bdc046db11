// Package server is Deckhand's sync server (deckhand-syncd): Anki's collection and media
// sync for Anki desktop, AnkiDroid, AnkiMobile and Deckhand, in both the v11 and the legacy
// multipart framing. Each user has a schema-11 collection, a media folder and a media
// database under DataDir/users/<name>/.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/colsync"
	"github.com/deckhand-app/deckhand/sync/media"
	"github.com/deckhand-app/deckhand/sync/protocol"
)

// Config configures a Server.
type Config struct {
	DataDir string
	Limits  protocol.Limits // zero means protocol.DefaultLimits
	Logger  *slog.Logger    // nil means slog.Default
	// LoginAttempts per LoginWindow per client address and user name before 429.
	LoginAttempts int
	LoginWindow   time.Duration
}

// Server serves /sync/*, /msync/* and /health.
type Server struct {
	cfg   Config
	log   *slog.Logger
	Users *Users

	mu     sync.Mutex
	states map[string]*userState
	login  *rateLimiter
}

type userState struct {
	mu         sync.Mutex
	dir        string
	col        *collection.Collection
	media      *media.Store
	session    *colsync.ServerSession
	sessionKey string
}

// New opens the data folder.
func New(cfg Config) (*Server, error) {
	if cfg.DataDir == "" {
		return nil, errors.New("sync server: no data folder")
	}
	if cfg.Limits == (protocol.Limits{}) {
		cfg.Limits = protocol.DefaultLimits()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.LoginAttempts == 0 {
		cfg.LoginAttempts = 10
	}
	if cfg.LoginWindow == 0 {
		cfg.LoginWindow = time.Minute
	}
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "users"), 0o700); err != nil {
		return nil, fmt.Errorf("sync server: %w", err)
	}
	users, err := OpenUsers(filepath.Join(cfg.DataDir, "users.json"))
	if err != nil {
		return nil, err
	}
	return &Server{cfg: cfg, log: cfg.Logger, Users: users, states: map[string]*userState{},
		login: newRateLimiter(cfg.LoginAttempts, cfg.LoginWindow)}, nil
}

// Close aborts open syncs and closes every collection.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, st := range s.states {
		st.mu.Lock()
		st.abort()
		errs = append(errs, st.close())
		st.mu.Unlock()
	}
	s.states = map[string]*userState{}
	return errors.Join(errs...)
}

func (st *userState) abort() {
	if st.session != nil {
		st.session.Abort()
		st.session, st.sessionKey = nil, ""
	}
}

func (st *userState) close() error {
	var errs []error
	if st.col != nil {
		errs = append(errs, st.col.Close())
		st.col = nil
	}
	if st.media != nil {
		errs = append(errs, st.media.Close())
		st.media = nil
	}
	return errors.Join(errs...)
}

func (st *userState) colPath() string { return filepath.Join(st.dir, "collection.anki2") }

// open makes sure the collection and media store are open, creating them for a new user.
func (st *userState) open(ctx context.Context) error {
	if st.col == nil {
		var err error
		if _, serr := os.Stat(st.colPath()); errors.Is(serr, os.ErrNotExist) {
			st.col, err = createServerCollection(ctx, st.colPath())
		} else {
			// a server holds many users' collections and a sync touches few pages: SQLite's
			// small default cache
			st.col, err = collection.OpenWith(ctx, st.colPath(), collection.OpenOptions{})
		}
		if err != nil {
			return err
		}
	}
	if st.media == nil {
		m, err := media.OpenStore(ctx, filepath.Join(st.dir, "collection.media"), filepath.Join(st.dir, "media.server.db"))
		if err != nil {
			return err
		}
		st.media = m
	}
	return nil
}

// createServerCollection makes a new user's empty collection as Anki's server does
// (rslib SqliteStorage::open_or_create with server = true): no creation offset, because the
// server has no time zone of its own to record. A collection with an offset is refused to
// sync-v9 clients (Anki 2.1.12–2.1.16 cannot handle the v2 time zone code), so with one those
// clients could never make their first upload. Once a client uploads, its own collection
// decides. The file is finished under a temporary name, so a failure leaves nothing behind.
func createServerCollection(ctx context.Context, path string) (*collection.Collection, error) {
	// A directory of its own, so that the media folder the engine makes beside a new
	// collection goes away with it.
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create collection: %w", err)
	}
	dir, err := os.MkdirTemp(filepath.Dir(path), ".new-collection-")
	if err != nil {
		return nil, fmt.Errorf("create collection: %w", err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, filepath.Base(path))
	col, err := collection.Create(ctx, tmp)
	if err != nil {
		return nil, err
	}
	err = col.Transact(ctx, func(tx *collection.Tx) error {
		tx.SetModified(tx.ColState().Mod) // still an untouched collection
		if err := tx.SetConfig("creationOffset", nil); err != nil {
			return err
		}
		conf := tx.Config()
		delete(conf, "localOffset")
		tx.ReplaceConfig(conf)
		return nil
	})
	if cerr := col.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return nil, fmt.Errorf("create collection: %w", err)
	}
	return collection.OpenWith(ctx, path, collection.OpenOptions{})
}

func (s *Server) state(user string) *userState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.states[user]
	if !ok {
		st = &userState{dir: filepath.Join(s.cfg.DataDir, "users", user)}
		s.states[user] = st
	}
	return st
}

// Handler returns the HTTP handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /health", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("OK"))
	})
	mux.HandleFunc("/sync/{method}", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, false) })
	mux.HandleFunc("/msync/{method}", func(w http.ResponseWriter, r *http.Request) { s.serve(w, r, true) })
	return mux
}

// httpError carries a status; other errors inside a handler are 500s.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func fail(code int, format string, args ...any) error {
	return &httpError{code: code, msg: fmt.Sprintf(format, args...)}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, isMedia bool) {
	start := time.Now()
	method := r.PathValue("method")
	if r.Method != http.MethodPost && !(isMedia && method == "begin" && r.Method == http.MethodGet) {
		protocol.WriteError(w, http.StatusMethodNotAllowed)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.Limits.MaxCompressed+1<<20)
	req, err := protocol.ReadRequest(r, s.cfg.Limits)
	user := ""
	var body []byte
	if err == nil {
		user, body, err = s.dispatch(r.Context(), req, method, isMedia, clientAddr(r))
	}
	code := http.StatusOK
	if err != nil {
		var se *protocol.StatusError
		var he *httpError
		switch {
		case errors.As(err, &se):
			code = se.Code
		case errors.As(err, &he):
			code = he.code
		default:
			code = http.StatusInternalServerError
		}
		protocol.WriteError(w, code)
	} else if werr := protocol.WriteResponse(w, req.Framing, body); werr != nil {
		err = werr
	}
	attrs := []any{"path", r.URL.Path, "status", code, "user", user, "ms", time.Since(start).Milliseconds()}
	if req != nil {
		attrs = append(attrs, "framing", req.Framing.String())
	}
	if err != nil {
		// Errors name what went wrong, never credentials: bodies and keys are not logged.
		s.log.Warn("sync request failed", append(attrs, "err", err.Error())...)
	} else {
		s.log.Info("sync request", attrs...)
	}
}

func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) dispatch(ctx context.Context, req *protocol.Request, method string, isMedia bool, addr string) (string, []byte, error) {
	if !isMedia && method == "hostKey" {
		body, err := s.hostKey(req, addr)
		return "", body, err
	}
	user, ok := s.Users.UserForKey(req.HostKey)
	if !ok {
		return "", nil, fail(http.StatusForbidden, "unknown host key")
	}
	st := s.state(user)
	st.mu.Lock()
	defer st.mu.Unlock()
	if err := st.open(ctx); err != nil {
		return user, nil, fmt.Errorf("open collection: %w", err)
	}
	var body []byte
	var err error
	if isMedia {
		body, err = s.mediaMethod(ctx, st, req, method)
	} else {
		body, err = s.syncMethod(ctx, st, req, method)
	}
	return user, body, err
}

func (s *Server) hostKey(req *protocol.Request, addr string) ([]byte, error) {
	var in protocol.HostKeyRequest
	if err := json.Unmarshal(req.Body, &in); err != nil {
		return nil, fail(http.StatusBadRequest, "hostKey: %v", err)
	}
	if !s.login.allow(addr + "\x00" + strings.ToLower(in.Username)) {
		return nil, fail(http.StatusTooManyRequests, "too many login attempts for %q", in.Username)
	}
	hk, ok := s.Users.Login(in.Username, in.Password)
	if !ok {
		return nil, fail(http.StatusForbidden, "login failed for %q", in.Username)
	}
	return json.Marshal(protocol.HostKeyResponse{Key: hk})
}

func decode(body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return fail(http.StatusBadRequest, "malformed request: %v", err)
	}
	return nil
}

// stateful are the methods that need the session a start opened.
var stateful = map[string]bool{"applyGraves": true, "applyChanges": true, "chunk": true, "applyChunk": true,
	"sanityCheck2": true, "finish": true}

func (s *Server) syncMethod(ctx context.Context, st *userState, req *protocol.Request, method string) ([]byte, error) {
	if stateful[method] {
		if req.SessionKey == "" {
			return nil, fail(http.StatusBadRequest, "missing skey")
		}
		if st.session == nil || !st.session.Active() || st.sessionKey != req.SessionKey {
			return nil, fail(http.StatusConflict, "no sync in progress for this session")
		}
		body, err := s.statefulMethod(st, req, method)
		if err != nil {
			// Any failure inside a sync drops it (rollback) and is a 400, as in Anki.
			st.abort()
			var he *httpError
			if errors.As(err, &he) {
				return nil, err
			}
			return nil, fail(http.StatusBadRequest, "%s: %v", method, err)
		}
		return body, nil
	}
	switch method {
	case "meta":
		st.abort()
		var in protocol.MetaRequest
		if err := decode(req.Body, &in); err != nil {
			return nil, err
		}
		if in.Version < protocol.VersionMin || in.Version > protocol.VersionMax {
			return nil, fail(http.StatusNotImplemented, "unsupported sync version %d", in.Version)
		}
		m, err := s.meta(ctx, st, in.Version)
		if err != nil {
			return nil, err
		}
		return json.Marshal(m)
	case "start":
		if req.SessionKey == "" {
			return nil, fail(http.StatusBadRequest, "missing skey")
		}
		st.abort()
		var in protocol.StartRequest
		if err := decode(req.Body, &in); err != nil {
			return nil, err
		}
		sess, graves, err := colsync.StartServerSession(st.col, in)
		if err != nil {
			return nil, fail(http.StatusBadRequest, "start: %v", err)
		}
		st.session, st.sessionKey = sess, req.SessionKey
		return json.Marshal(graves)
	case "abort":
		st.abort()
		return []byte("null"), nil
	case "upload":
		st.abort()
		return s.upload(ctx, st, req.Body)
	case "download":
		st.abort()
		schema := 11
		if req.Version >= 11 {
			schema = 18
		}
		path, dir, err := colsync.PrepareDownload(ctx, st.col, schema)
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		return os.ReadFile(path)
	}
	return nil, fail(http.StatusNotFound, "unknown method %q", method)
}

func (s *Server) meta(ctx context.Context, st *userState, version int) (protocol.Meta, error) {
	m, err := colsync.LocalMeta(ctx, st.col)
	if err != nil {
		return m, err
	}
	m.ServerTime = time.Now().Unix()
	m.Continue = true
	musn, err := st.media.LastUSN(ctx)
	if err != nil {
		return m, err
	}
	m.MediaUSN = musn
	m.LegacyMUSN = &musn
	if fi, err := os.Stat(st.colPath()); err == nil && fi.Size() > s.cfg.Limits.MaxDecompressed {
		// Too big to move as one file: every client must do a one-way full sync.
		m.SchemaMod = time.Now().UnixMilli()
	}
	var schedVer int
	st.col.ConfigGet("schedVer", &schedVer)
	var offset *int
	hasOffset, _ := st.col.ConfigGet("creationOffset", &offset)
	switch {
	case schedVer >= 2 && version < 9:
		m.Continue, m.Message = false, "Your client does not support the v2 scheduler"
	case hasOffset && offset != nil && version < 10:
		m.Continue, m.Message = false, "Your client does not support the new timezone handling."
	}
	return m, nil
}

func (s *Server) statefulMethod(st *userState, req *protocol.Request, method string) ([]byte, error) {
	sess := st.session
	switch method {
	case "applyGraves":
		var in protocol.ApplyGravesRequest
		if err := decode(req.Body, &in); err != nil {
			return nil, err
		}
		return []byte("null"), sess.ApplyGraves(in.Chunk)
	case "applyChanges":
		var in protocol.ApplyChangesRequest
		if err := decode(req.Body, &in); err != nil {
			return nil, err
		}
		out, err := sess.ApplyChanges(in.Changes)
		if err != nil {
			return nil, err
		}
		return json.Marshal(out)
	case "chunk":
		ch, err := sess.Chunk()
		if err != nil {
			return nil, err
		}
		return json.Marshal(ch)
	case "applyChunk":
		var in protocol.ApplyChunkRequest
		if err := decode(req.Body, &in); err != nil {
			return nil, err
		}
		return []byte("null"), sess.ApplyChunk(in.Chunk)
	case "sanityCheck2":
		var in protocol.SanityCheckRequest
		if err := decode(req.Body, &in); err != nil {
			return nil, err
		}
		res, err := sess.SanityCheck(in.Client)
		if err != nil {
			return nil, err
		}
		if res.Status != protocol.SanityOK {
			st.session, st.sessionKey = nil, ""
		}
		return json.Marshal(res)
	case "finish":
		now, err := sess.Finish()
		st.session, st.sessionKey = nil, ""
		if err != nil {
			return nil, err
		}
		return json.Marshal(now)
	}
	return nil, fail(http.StatusNotFound, "unknown method %q", method)
}

// Texts the official server answers uploads with (shown to the user by clients).
const (
	uploadTooLarge = "collection exceeds size limit"
	uploadCorrupt  = "Your upload was corrupt. Please use Check Database, or restore from backup."
)

// upload validates the file (integrity check, schema, engine load) on a temporary copy and
// only then swaps it in atomically.
func (s *Server) upload(ctx context.Context, st *userState, data []byte) ([]byte, error) {
	if int64(len(data)) >= s.cfg.Limits.MaxDecompressed {
		return []byte(uploadTooLarge), nil
	}
	tmp, err := os.CreateTemp(st.dir, ".upload-*.anki2")
	if err != nil {
		return nil, err
	}
	tmpPath := tmp.Name()
	defer os.Remove(tmpPath)
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := colsync.ValidateReceived(ctx, tmpPath, false); err != nil {
		s.log.Warn("upload refused", "err", err.Error())
		return []byte(uploadCorrupt), nil
	}
	if err := st.col.Close(); err != nil {
		return nil, err
	}
	st.col = nil
	// The engine's side files belong to the old file.
	os.Remove(st.colPath() + "-wal")
	os.Remove(st.colPath() + "-shm")
	if err := os.Rename(tmpPath, st.colPath()); err != nil {
		return nil, err
	}
	if err := st.open(ctx); err != nil {
		return nil, err
	}
	return []byte("OK"), nil
}

func mediaResult(data any) ([]byte, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	return json.Marshal(protocol.MediaResult{Data: b, Err: ""})
}

func (s *Server) mediaMethod(ctx context.Context, st *userState, req *protocol.Request, method string) ([]byte, error) {
	switch method {
	case "begin":
		v := req.ClientVersion
		if req.Framing == protocol.FramingV11 {
			var in protocol.MediaBeginRequest
			if err := decode(req.Body, &in); err != nil {
				return nil, err
			}
			v = in.ClientVersion
		}
		if v == "" {
			return nil, fail(http.StatusBadRequest, "media begin: missing client version")
		}
		usn, err := st.media.LastUSN(ctx)
		if err != nil {
			return nil, err
		}
		// The session key is the host key, as in Anki's server; legacy clients send it back as sk.
		return mediaResult(protocol.MediaBeginResponse{USN: usn, SessionKey: req.HostKey})
	case "mediaChanges":
		var in protocol.MediaChangesRequest
		if err := decode(req.Body, &in); err != nil {
			return nil, err
		}
		ch, err := st.media.Changes(ctx, in.LastUSN, protocol.MediaChangesPerBatch)
		if err != nil {
			return nil, err
		}
		return mediaResult(ch)
	case "downloadFiles":
		var in protocol.DownloadFilesRequest
		if err := decode(req.Body, &in); err != nil {
			return nil, err
		}
		z, err := st.media.ZipFiles(ctx, in.Files)
		if errors.Is(err, media.ErrMissingFile) {
			return nil, fail(http.StatusConflict, "%v", err)
		}
		if err != nil {
			return nil, fail(http.StatusBadRequest, "%v", err)
		}
		return z, nil
	case "uploadChanges":
		processed, usn, err := st.media.ApplyUpload(ctx, req.Body)
		if err != nil {
			return nil, fail(http.StatusBadRequest, "%v", err)
		}
		return mediaResult([2]int{processed, usn})
	case "mediaSanity":
		var in protocol.MediaSanityRequest
		if err := decode(req.Body, &in); err != nil {
			return nil, err
		}
		n, err := st.media.Count(ctx)
		if err != nil {
			return nil, err
		}
		res := protocol.MediaSanityOK
		if n != in.Local {
			res = protocol.MediaSanityFailed
		}
		return mediaResult(res)
	}
	return nil, fail(http.StatusNotFound, "unknown media method %q", method)
}

// rateLimiter allows n attempts per window per key.
type rateLimiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	hits   map[string][]time.Time
}

func newRateLimiter(n int, window time.Duration) *rateLimiter {
	return &rateLimiter{n: n, window: window, hits: map[string][]time.Time{}}
}

func (l *rateLimiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	recent := l.hits[key][:0]
	for _, t := range l.hits[key] {
		if now.Sub(t) < l.window {
			recent = append(recent, t)
		}
	}
	if len(recent) >= l.n {
		l.hits[key] = recent
		return false
	}
	l.hits[key] = append(recent, now)
	if len(l.hits) > 10000 { // forget idle keys so the map cannot grow without bound
		for k, v := range l.hits {
			if len(v) == 0 || now.Sub(v[len(v)-1]) >= l.window {
				delete(l.hits, k)
			}
		}
	}
	return true
}
