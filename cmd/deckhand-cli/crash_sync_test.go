package main

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/server"
)

// syncBackend is the in-process deckhand-syncd behind one fixed loopback URL. Each kill gets
// a fresh copy of the server's data folder, but the URL (and so the CLI's saved login) stays.
type syncBackend struct {
	t   *testing.T
	hs  *httptest.Server
	URL string

	mu       sync.Mutex
	srv      *server.Server
	dir      string
	inflight sync.WaitGroup
	log      lockedBuffer // the server's warnings since the last start
}

// lockedBuffer is a log destination the server's handlers write to concurrently.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) take() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.b.String()
	l.b.Reset()
	return s
}

func newSyncBackend(t *testing.T) *syncBackend {
	b := &syncBackend{t: t}
	b.hs = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.mu.Lock()
		srv := b.srv
		if srv != nil {
			b.inflight.Add(1)
			defer b.inflight.Done()
		}
		b.mu.Unlock()
		if srv == nil {
			http.Error(w, "no server", http.StatusServiceUnavailable)
			return
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	b.URL = b.hs.URL + "/"
	t.Cleanup(func() { b.stop(); b.hs.Close() })
	return b
}

// start serves the data folder dir (creating user alice when it is new).
func (b *syncBackend) start(dir string) {
	b.t.Helper()
	b.log.take()
	logger := slog.New(slog.NewTextHandler(&b.log, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := server.New(server.Config{DataDir: dir, Logger: logger, LoginAttempts: 1000})
	if err != nil {
		b.t.Fatal(err)
	}
	if err := srv.Users.Ensure("alice", "secret"); err != nil {
		b.t.Fatal(err)
	}
	b.mu.Lock()
	b.srv, b.dir = srv, dir
	b.mu.Unlock()
}

// stop drops the connections a killed client left, waits for the requests still being
// handled and closes the server (aborting an open sync session, as a restart would).
func (b *syncBackend) stop() {
	b.t.Helper()
	b.mu.Lock()
	srv := b.srv
	b.srv = nil
	b.mu.Unlock()
	if srv == nil {
		return
	}
	b.hs.CloseClientConnections()
	done := make(chan struct{})
	go func() { b.inflight.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		b.t.Fatal("a server request did not end after the client was killed")
	}
	if err := srv.Close(); err != nil {
		b.t.Errorf("server close: %v", err)
	}
}

// syncCLI runs deckhand-cli with its own data folder (the saved login), the password in the
// environment and no keyring (the login falls back to the data folder's file).
type syncCLI struct {
	bin, data, url string
}

func (c syncCLI) cmd(col string, args ...string) *exec.Cmd {
	cmd := exec.Command(c.bin, append([]string{"--col", col, "sync", "--server", c.url, "--user", "alice"}, args...)...)
	cmd.Env = append(os.Environ(), "DECKHAND_DATA="+c.data, "DECKHAND_PASSWORD=secret",
		"DBUS_SESSION_BUS_ADDRESS=disabled:", "XDG_DATA_HOME="+c.data)
	return cmd
}

func (c syncCLI) run(t *testing.T, col string, args ...string) string {
	t.Helper()
	out, err := c.cmd(col, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("sync %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// dbRows opens a collection file directly (recovering a WAL a killed process left), requires
// PRAGMA integrity_check to pass and reads its notes, cards and reviews, one string a row and
// one list a table; withUSN adds the usn columns and the graves, which tell a synced row from
// a pending one (the state before and after a sync differ there). Without them the rows are
// what two converged sides share.
func dbRows(t *testing.T, path string, withUSN bool) [][]string {
	t.Helper()
	u := &url.URL{Scheme: "file", Path: path}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("%s: integrity_check: %q %v", path, ok, err)
	}
	usn := "''"
	if withUSN {
		usn = "usn"
	}
	qs := []string{
		"SELECT guid || char(31) || flds || char(31) || tags || char(31) || " + usn + " FROM notes ORDER BY guid",
		"SELECT n.guid || c.ord || ' ' || c.type || ' ' || c.queue || ' ' || c.ivl || ' ' || c.reps || ' ' || " +
			strings.ReplaceAll(usn, "usn", "c.usn") + " FROM cards c JOIN notes n ON n.id = c.nid ORDER BY n.guid, c.ord",
		"SELECT id || ' ' || cid || ' ' || ease || ' ' || ivl || ' ' || " + usn + " FROM revlog ORDER BY id",
	}
	if withUSN {
		qs = append(qs, "SELECT oid || ' ' || type || ' ' || usn FROM graves ORDER BY oid, type")
	}
	var out [][]string
	for _, q := range qs {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var table []string
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			table = append(table, v)
		}
		rows.Close()
		out = append(out, table)
	}
	return out
}

// dbHash hashes dbRows.
func dbHash(t *testing.T, path string, withUSN bool) string {
	t.Helper()
	h := sha256.New()
	for _, table := range dbRows(t, path, withUSN) {
		for _, r := range table {
			fmt.Fprintln(h, r)
		}
		fmt.Fprintln(h, "--")
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// dbDiff describes how two collection files differ (for failure messages).
func dbDiff(t *testing.T, a, b string) string {
	t.Helper()
	ra, rb := dbRows(t, a, false), dbRows(t, b, false)
	var out []string
	for i, name := range []string{"notes", "cards", "revlog"} {
		in := map[string]int{}
		for _, r := range ra[i] {
			in[r]++
		}
		for _, r := range rb[i] {
			in[r]--
		}
		var d []string
		for r, n := range in {
			if n != 0 && len(d) < 3 {
				d = append(d, fmt.Sprintf("%+d %q", n, r))
			}
		}
		if len(ra[i]) != len(rb[i]) || len(d) > 0 {
			out = append(out, fmt.Sprintf("%s: %d vs %d rows, e.g. %v", name, len(ra[i]), len(rb[i]), d))
		}
	}
	return strings.Join(out, "; ")
}

// folderFiles maps each file in dir to its SHA-1; names starting with "." (temporaries)
// are returned apart.
func folderFiles(t *testing.T, dir string) (files map[string]string, hidden []string) {
	t.Helper()
	files = map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			hidden = append(hidden, e.Name())
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		s := sha1.Sum(b)
		files[e.Name()] = hex.EncodeToString(s[:])
	}
	return files, hidden
}

type mediaRow struct {
	csum  string // empty: a deletion not yet synced
	dirty bool
}

// mediaRows reads a client media database (collection.media.db2).
func mediaRows(t *testing.T, path string) map[string]mediaRow {
	t.Helper()
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: path}).String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("%s: integrity_check: %q %v", path, ok, err)
	}
	rows, err := db.Query("SELECT fname, coalesce(csum, ''), dirty FROM media")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]mediaRow{}
	for rows.Next() {
		var n string
		var r mediaRow
		if err := rows.Scan(&n, &r.csum, &r.dirty); err != nil {
			t.Fatal(err)
		}
		out[n] = r
	}
	return out
}

// serverMedia reads the server's media store: the files present, each checked against its row.
func serverMedia(t *testing.T, userDir string) map[string]string {
	t.Helper()
	files, hidden := folderFiles(t, filepath.Join(userDir, "collection.media"))
	if len(hidden) > 0 {
		t.Errorf("server media folder holds temporaries: %v", hidden)
	}
	dbPath := filepath.Join(userDir, "media.server.db")
	if _, err := os.Stat(dbPath); err != nil {
		if len(files) > 0 {
			t.Errorf("server media files without a media database: %d", len(files))
		}
		return files
	}
	db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: dbPath}).String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT fname, coalesce(csum, '') FROM media WHERE size > 0")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	listed := map[string]bool{}
	for rows.Next() {
		var n, c string
		rows.Scan(&n, &c)
		listed[n] = true
		if files[n] != c {
			t.Errorf("server media %q: listed with %.8s, file has %.8s", n, c, files[n])
		}
	}
	for n := range files {
		if !listed[n] {
			t.Errorf("server media %q is not in the server's media database", n)
		}
	}
	return files
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o600)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// editClient makes unsynced changes of every kind: new notes, edited notes, reviews,
// deleted notes, new media files and a deleted one. Notes are picked by position mod 3 == pick
// so that two devices never edit the same note.
func editClient(t *testing.T, path string, pick int, label string, adds, edits, reviews, deletes, media int) {
	t.Helper()
	ctx := context.Background()
	col, err := collection.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	err = col.Transact(ctx, func(tx *collection.Tx) error {
		var basic *collection.Notetype
		for _, nt := range tx.Notetypes() {
			if strings.HasPrefix(nt.Name, "Basic") && len(nt.Fields) == 2 && len(nt.Templates) == 1 && (basic == nil || nt.ID < basic.ID) {
				basic = nt
			}
		}
		if basic == nil {
			return fmt.Errorf("no Basic note type")
		}
		for i := 0; i < adds; i++ {
			n, err := tx.NewNote(basic.ID)
			if err != nil {
				return err
			}
			n.Fields[0], n.Fields[1] = fmt.Sprintf("%s %d", label, i), fmt.Sprintf(`back <img src="%s_0.png">`, label)
			n.Tags = []string{label}
			if err := tx.AddNote(n, 1); err != nil {
				return err
			}
		}
		rows, err := tx.Q().QueryContext(ctx, "SELECT id FROM notes ORDER BY id")
		if err != nil {
			return err
		}
		var nids []int64
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			nids = append(nids, id)
		}
		rows.Close()
		var mine []int64
		for i, id := range nids {
			if i%3 == pick {
				mine = append(mine, id)
			}
		}
		for i := 0; i < edits && i < len(mine); i++ {
			n, err := tx.GetNote(mine[i])
			if err != nil {
				return err
			}
			n.Fields[0] += " (" + label + ")"
			if err := tx.UpdateNote(n); err != nil {
				return err
			}
		}
		for i := 0; i < reviews && edits+i < len(mine); i++ {
			var cid int64
			if err := tx.Q().QueryRowContext(ctx, "SELECT id FROM cards WHERE nid=? ORDER BY ord LIMIT 1", mine[edits+i]).Scan(&cid); err != nil {
				return err
			}
			if _, err := tx.Q().ExecContext(ctx, "UPDATE cards SET type=2, queue=2, ivl=ivl+3, due=due+3, reps=reps+1, mod=?, usn=-1 WHERE id=?", tx.Now()/1000, cid); err != nil {
				return err
			}
			rid, err := tx.NextID("revlog")
			if err != nil {
				return err
			}
			if err := tx.PutRevlog(collection.RevlogEntry{ID: rid, CardID: cid, USN: -1, Ease: 3, Interval: 3, LastInterval: 1, Factor: 2500, Time: 4000, Type: 1}); err != nil {
				return err
			}
		}
		var del []int64
		for i := 0; i < deletes && edits+reviews+i < len(mine); i++ {
			del = append(del, mine[edits+reviews+i])
		}
		return tx.RemoveNotes(del)
	})
	if err != nil {
		t.Fatalf("edit %s: %v", path, err)
	}
	for i := 0; i < media; i++ {
		data := make([]byte, 4096+i*512)
		for j := range data {
			data[j] = byte(i*31 + j*7 + len(label))
		}
		if _, err := col.Media.AddData(ctx, fmt.Sprintf("%s_%d.png", label, i), data); err != nil {
			t.Fatal(err)
		}
	}
	// Remove one of the generated files: a media deletion to sync.
	if names, _ := folderFiles(t, col.Media.Dir()); len(names) > 0 {
		var gen []string
		for n := range names {
			if strings.HasPrefix(n, "gen_") {
				gen = append(gen, n)
			}
		}
		sort.Strings(gen)
		if len(gen) > pick {
			if err := col.Media.Remove(ctx, gen[pick]); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// waitPastIDs waits until the clock passes every note, card and review id in the
// collections. Ids are millisecond times, allocated past the highest one when a bulk edit
// runs ahead of the clock (as the generator does); two devices allocating at the same moment
// would then pick the same ids, a collision Anki's id scheme leaves to chance too.
func waitPastIDs(t *testing.T, paths ...string) {
	t.Helper()
	var top int64
	for _, p := range paths {
		db, err := sql.Open("sqlite", (&url.URL{Scheme: "file", Path: p}).String())
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"notes", "cards", "revlog"} {
			var v sql.NullInt64
			if err := db.QueryRow("SELECT max(id) FROM " + table).Scan(&v); err != nil {
				t.Fatal(err)
			}
			top = max(top, v.Int64)
		}
		db.Close()
	}
	if wait := time.Until(time.UnixMilli(top + 1)); wait > 0 {
		if wait > time.Minute {
			t.Fatalf("ids run %v ahead of the clock", wait)
		}
		time.Sleep(wait)
	}
}

// syncSide is one state of a client or of the server in a crash scenario.
type syncSide struct {
	col    string            // hash with usns and graves
	same   string            // hash both sides share once converged
	media  map[string]string // media file → SHA-1
	server string            // server collection hash with usns (before/after)
}

type syncScenario struct {
	name      string
	client    string // template folder holding collection.anki2 and its media
	server    string // template server data folder
	args      []string
	kills     int
	before    syncSide
	after     syncSide
	took      time.Duration
	sawBefore int
	sawAfter  int
	srvBefore int
	srvAfter  int
	unlisted  int // complete files written by a killed download and not yet in the media db
	strays    int // work folders left beside the collection (cleaned at open once stale)
	tmpMedia  int // half-written temporaries in the media folder
}

const colName = "collection.anki2"

// TestCrashDuringSync SIGKILLs `deckhand-cli sync` at random moments of a normal sync with
// media in both directions, a full upload and a full download to a fresh client, against an
// in-process deckhand-syncd. After each kill the client collection passes integrity_check and
// is exactly as before or as after the sync, the media folder agrees with its media database,
// the server collection is its old or its new self; then a clean sync succeeds and client and
// server converge. DECKHAND_LONG=1 runs 100 kills.
func TestCrashDuringSync(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI and kills it repeatedly")
	}
	setupStart := time.Now()
	bin := buildCLI(t)
	work := t.TempDir()
	be := newSyncBackend(t)
	cli := syncCLI{bin: bin, data: filepath.Join(work, "data"), url: be.URL}

	// Server template 0: alice, nothing uploaded. Client A: a generated collection, never synced.
	srv0 := filepath.Join(work, "srv0")
	be.start(srv0)
	be.stop()
	a0 := filepath.Join(work, "a0")
	if out, err := exec.Command(bin, "gen", "--notes", "900", "--media", "24", filepath.Join(a0, colName)).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v %s", err, out)
	}

	// Server template 1: A uploaded. Device B downloads it, edits and syncs: server template 2.
	srv1 := filepath.Join(work, "srv1")
	copyTree(t, srv0, srv1)
	a1 := filepath.Join(work, "a1")
	copyTree(t, a0, a1)
	be.start(srv1)
	cli.run(t, filepath.Join(a1, colName), "--full-upload")
	be.stop()
	// That first run logged the CLI in; template 0 must know its host key too.
	copyTree(t, filepath.Join(srv1, "users.json"), filepath.Join(srv0, "users.json"))
	srv2 := filepath.Join(work, "srv2")
	copyTree(t, srv1, srv2)
	be.start(srv2)
	bdir := filepath.Join(work, "b")
	if out, err := exec.Command(bin, "init", filepath.Join(bdir, colName)).CombinedOutput(); err != nil {
		t.Fatalf("init: %v %s", err, out)
	}
	cli.run(t, filepath.Join(bdir, colName), "--full-download")
	waitPastIDs(t, filepath.Join(bdir, colName))
	editClient(t, filepath.Join(bdir, colName), 1, "devb", 100, 100, 100, 10, 6)
	cli.run(t, filepath.Join(bdir, colName))
	be.stop()
	// Client A then makes its own changes: its sync sends them and receives B's.
	waitPastIDs(t, filepath.Join(bdir, colName), filepath.Join(a1, colName))
	editClient(t, filepath.Join(a1, colName), 0, "deva", 300, 200, 200, 20, 16)
	fresh := filepath.Join(work, "fresh")
	if out, err := exec.Command(bin, "init", filepath.Join(fresh, colName)).CombinedOutput(); err != nil {
		t.Fatalf("init: %v %s", err, out)
	}
	t.Logf("set-up took %v", time.Since(setupStart).Round(time.Millisecond))

	scenarios := []*syncScenario{
		{name: "normal+media", client: a1, server: srv2, kills: iterations(4, 34)},
		{name: "full-upload", client: a0, server: srv0, args: []string{"--full-upload"}, kills: iterations(3, 33)},
		{name: "full-download", client: fresh, server: srv2, args: []string{"--full-download"}, kills: iterations(3, 33)},
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))
	// The deadline bounds the whole test on a loaded machine; every scenario still gets one
	// kill past it.
	deadline := setupStart.Add(time.Duration(iterations(40, 900)) * time.Second)
	total := 0
	for _, sc := range scenarios {
		sc.before = readSides(t, filepath.Join(sc.client, colName), filepath.Join(sc.server, "users", "alice"))
		// One uninterrupted sync gives the state after and how long a sync takes.
		iter := filepath.Join(work, "ref-"+sc.name)
		cdir, sdir := filepath.Join(iter, "client"), filepath.Join(iter, "server")
		copyTree(t, sc.client, cdir)
		copyTree(t, sc.server, sdir)
		be.start(sdir)
		start := time.Now()
		out := cli.run(t, filepath.Join(cdir, colName), sc.args...)
		sc.took = time.Since(start)
		be.stop()
		sc.after = readSides(t, filepath.Join(cdir, colName), filepath.Join(sdir, "users", "alice"))
		if sc.after.col == sc.before.col || sc.after.server == sc.before.server && sc.name != "full-download" {
			t.Fatalf("%s: the sync changed nothing (%s)", sc.name, out)
		}
		checkConverged(t, sc.name+" reference", cdir, sdir, sc.after)
		os.RemoveAll(iter)
		t.Logf("%s: one sync takes %v", sc.name, sc.took.Round(time.Millisecond))

		for i := 0; i < sc.kills && (i == 0 || time.Now().Before(deadline)); i++ {
			crashSyncOnce(t, sc, cli, be, filepath.Join(work, fmt.Sprintf("%s-%d", sc.name, i)), rng, i)
			total++
			if t.Failed() {
				return
			}
		}
		srv := fmt.Sprintf("server as before %d, as after %d", sc.srvBefore, sc.srvAfter)
		if sc.before.server == sc.after.server {
			srv = fmt.Sprintf("server unchanged %d", sc.srvBefore) // a download leaves its rows alone
		}
		t.Logf("%s: %d kills; client as before %d, as after %d; %s; "+
			"%d unlisted downloaded files, %d media temporaries, %d work folders left beside the collection",
			sc.name, sc.sawBefore+sc.sawAfter, sc.sawBefore, sc.sawAfter, srv, sc.unlisted, sc.tmpMedia, sc.strays)
	}
	t.Logf("%d kills in all, %v with set-up", total, time.Since(setupStart).Round(time.Millisecond))
}

// emptyHash is dbHash(…, true) of a collection with no notes, cards, reviews or graves.
var emptyHash = func() string {
	h := sha256.New()
	for range 4 {
		fmt.Fprintln(h, "--")
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}()

func readSides(t *testing.T, col, userDir string) syncSide {
	t.Helper()
	s := syncSide{col: dbHash(t, col, true), same: dbHash(t, col, false)}
	s.media, _ = folderFiles(t, collection.MediaDirFor(col))
	if _, err := os.Stat(filepath.Join(userDir, colName)); err == nil {
		s.server = dbHash(t, filepath.Join(userDir, colName), true)
	}
	return s
}

// crashSyncOnce runs one sync on fresh copies of the scenario's client and server, kills it
// after a random delay, checks what is left, then syncs cleanly and checks convergence.
func crashSyncOnce(t *testing.T, sc *syncScenario, cli syncCLI, be *syncBackend, iter string, rng *rand.Rand, i int) {
	t.Helper()
	defer os.RemoveAll(iter)
	cdir, sdir := filepath.Join(iter, "client"), filepath.Join(iter, "server")
	copyTree(t, sc.client, cdir)
	copyTree(t, sc.server, sdir)
	col := filepath.Join(cdir, colName)
	userDir := filepath.Join(sdir, "users", "alice")
	be.start(sdir)
	cmd := cli.cmd(col, sc.args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	delay := time.Duration(rng.Int64N(int64(sc.took) + int64(sc.took)/5))
	time.Sleep(delay)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	be.stop()
	killLog := be.log.take()
	what := fmt.Sprintf("%s kill %d after %v", sc.name, i, delay.Round(time.Millisecond))

	// The client: exactly before or after, and its media folder agreeing with its database.
	got := dbHash(t, col, true)
	switch got {
	case sc.before.col:
		sc.sawBefore++
	case sc.after.col:
		sc.sawAfter++
	default:
		t.Fatalf("%s: client collection is neither as before nor as after the sync", what)
	}
	checkClientMedia(t, what, col, sc)

	// The server: its old or its new collection, never a mix.
	if _, err := os.Stat(filepath.Join(userDir, colName)); err == nil {
		h := dbHash(t, filepath.Join(userDir, colName), true)
		if sc.before.server == "" && h == emptyHash {
			h = "" // the empty collection the server makes for a new user
		}
		switch h {
		case sc.before.server:
			sc.srvBefore++
		case sc.after.server:
			sc.srvAfter++
		default:
			t.Fatalf("%s: server collection is neither as before nor as after the sync", what)
		}
	} else if sc.before.server != "" {
		t.Fatalf("%s: server collection gone: %v", what, err)
	}
	serverMedia(t, userDir)

	// Work folders beside the collection and media temporaries are removed at open once
	// stale (an hour old: younger ones may belong to another process); age them so that the
	// clean sync's open must remove them.
	old := time.Now().Add(-2 * time.Hour)
	entries, _ := os.ReadDir(cdir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			sc.strays++
			os.Chtimes(filepath.Join(cdir, e.Name()), old, old)
		}
	}
	_, hidden := folderFiles(t, collection.MediaDirFor(col))
	for _, h := range hidden {
		os.Chtimes(filepath.Join(collection.MediaDirFor(col), h), old, old)
	}

	// A clean sync completes and both sides converge on the state after.
	be.start(sdir)
	defer func() {
		if t.Failed() {
			t.Logf("server warnings during the killed sync:\n%s", killLog)
		}
	}()
	if out, err := cli.cmd(col, sc.args...).CombinedOutput(); err != nil {
		t.Fatalf("%s: clean sync: %v\n%s\nserver: %s", what, err, out, be.log.take())
	}
	be.stop()
	checkConverged(t, what, cdir, sdir, sc.after)
	entries, _ = os.ReadDir(cdir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("%s: %q still beside the collection after the clean sync", what, e.Name())
		}
	}
}

// checkClientMedia checks the media folder against its database right after a kill. A file
// the database lists as present must be there with that content (else the next scan would
// send its deletion to the server); the exceptions are a deletion the server made, whose file
// went before its row. A file the database does not list yet must be a complete copy of a
// server file (written by a download killed before its row was stored; the next scan
// records it). Half-written temporaries are counted; they must be gone after the next sync.
func checkClientMedia(t *testing.T, what, col string, sc *syncScenario) {
	t.Helper()
	files, hidden := folderFiles(t, collection.MediaDirFor(col))
	for _, h := range hidden {
		if strings.HasPrefix(h, ".tmp-media-") {
			sc.tmpMedia++
		} else {
			t.Errorf("%s: unexpected %q in the media folder", what, h)
		}
	}
	rows := mediaRows(t, collection.MediaDBFor(col))
	for name, r := range rows {
		if r.csum == "" {
			continue
		}
		sum, ok := files[name]
		switch {
		case ok && sum != r.csum:
			// Only a download overwriting a changed file can get here (file first, row
			// second); its content must be the server's.
			if sc.after.media[name] != sum {
				t.Errorf("%s: media %q differs from its database row and from the server", what, name)
			}
		case !ok && (sc.before.media[name] == "" || sc.after.media[name] != ""):
			t.Errorf("%s: media %q is listed but missing", what, name)
		}
	}
	for name, sum := range files {
		if _, ok := rows[name]; ok {
			continue
		}
		if sc.after.media[name] != sum {
			t.Errorf("%s: media %q is neither in the media database nor a complete server file", what, name)
		}
		sc.unlisted++
	}
}

// checkConverged compares the client with the server after a clean sync, and both with the
// reference state after.
func checkConverged(t *testing.T, what, cdir, sdir string, after syncSide) {
	t.Helper()
	col := filepath.Join(cdir, colName)
	userDir := filepath.Join(sdir, "users", "alice")
	client, server := dbHash(t, col, false), dbHash(t, filepath.Join(userDir, colName), false)
	if client != server || client != after.same {
		t.Errorf("%s: not converged: client %s, server %s, expected %s (client vs server: %s)", what, client, server, after.same,
			dbDiff(t, col, filepath.Join(userDir, colName)))
	}
	files, hidden := folderFiles(t, collection.MediaDirFor(col))
	if len(hidden) > 0 {
		t.Errorf("%s: media folder holds %v after a clean sync", what, hidden)
	}
	srvFiles := serverMedia(t, userDir)
	if fmt.Sprint(files) != fmt.Sprint(srvFiles) || fmt.Sprint(files) != fmt.Sprint(after.media) {
		t.Errorf("%s: media differ: client %d files, server %d, expected %d", what, len(files), len(srvFiles), len(after.media))
	}
	rows := mediaRows(t, collection.MediaDBFor(col))
	for name, r := range rows {
		if r.dirty || (r.csum != "" && files[name] != r.csum) || (r.csum == "" && files[name] != "") {
			t.Errorf("%s: media db row %q %+v disagrees with the folder after a clean sync", what, name, r)
		}
	}
	for name := range files {
		if _, ok := rows[name]; !ok {
			t.Errorf("%s: media %q not in the media database after a clean sync", what, name)
		}
	}
}
