package colsync

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/internal/synctest"
	"github.com/deckhand-app/deckhand/sync/protocol"
)

// world is an in-process server collection and its clients, synced through LocalPeer (the
// same ServerSession the HTTP server uses).
type world struct {
	t          *testing.T
	ctx        context.Context
	dir        string
	serverPath string
	server     *collection.Collection
	clock      *synctest.Clock
	schema     int // full-sync file schema: 18 (v11) or 11 (legacy)
}

func newWorld(t *testing.T, schema int) *world {
	w := &world{t: t, ctx: context.Background(), dir: t.TempDir(), clock: &synctest.Clock{}, schema: schema}
	w.serverPath = filepath.Join(w.dir, "server", "collection.anki2")
	var err error
	if w.server, err = collection.Create(w.ctx, w.serverPath); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.server.Close() })
	return w
}

func (w *world) newClient(name string) *collection.Collection {
	col, err := collection.Create(w.ctx, filepath.Join(w.dir, name, "collection.anki2"))
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { col.Close() })
	return col
}

func (w *world) serverMeta() protocol.Meta {
	m, err := LocalMeta(w.ctx, w.server)
	if err != nil {
		w.t.Fatal(err)
	}
	return m
}

func (w *world) decide(col *collection.Collection) Decision {
	local, err := LocalMeta(w.ctx, col)
	if err != nil {
		w.t.Fatal(err)
	}
	d, err := Decide(local, w.serverMeta(), time.Now())
	if err != nil {
		w.t.Fatal(err)
	}
	return d
}

func (w *world) upload(col *collection.Collection) {
	u, err := PrepareUpload(w.ctx, col, w.schema, time.Now().UnixMilli())
	if err != nil {
		w.t.Fatal(err)
	}
	defer u.Close()
	if err := ValidateReceived(w.ctx, u.Path, false); err != nil {
		w.t.Fatal(err)
	}
	w.server.Close()
	if err := os.Rename(u.Path, w.serverPath); err != nil {
		w.t.Fatal(err)
	}
	if w.server, err = collection.Open(w.ctx, w.serverPath); err != nil {
		w.t.Fatal(err)
	}
	if err := u.Commit(w.ctx, col); err != nil {
		w.t.Fatal(err)
	}
}

// download replaces *col with the server's collection.
func (w *world) download(col **collection.Collection) {
	path, dir, err := PrepareDownload(w.ctx, w.server, w.schema)
	if err != nil {
		w.t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := ValidateReceived(w.ctx, path, true); err != nil {
		w.t.Fatal(err)
	}
	dst := (*col).Path()
	(*col).Close()
	if err := os.Rename(path, dst); err != nil {
		w.t.Fatal(err)
	}
	if *col, err = collection.Open(w.ctx, dst); err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(func() { (*col).Close() })
}

// sync does what the decision says; full syncs upload unless only a download is allowed.
func (w *world) sync(col **collection.Collection) Action {
	d := w.decide(*col)
	switch d.Action {
	case ActionNormal:
		if err := NormalSync(w.ctx, *col, &LocalPeer{Col: w.server}, d, nil); err != nil {
			w.t.Fatalf("normal sync: %v", err)
		}
	case ActionFull:
		if d.UploadOK && !(d.DownloadOK && !d.Remote.Empty) {
			w.upload(*col)
		} else {
			w.download(col)
		}
	}
	if after := w.decide(*col); after.Action != ActionNone {
		w.t.Fatalf("after %v the next sync would still be a %v", d.Action, after.Action)
	}
	return d.Action
}

func (w *world) same(cols ...*collection.Collection) {
	w.t.Helper()
	want, err := synctest.Dump(w.ctx, w.server)
	if err != nil {
		w.t.Fatal(err)
	}
	for i, c := range cols {
		got, err := synctest.Dump(w.ctx, c)
		if err != nil {
			w.t.Fatal(err)
		}
		if got != want {
			w.t.Fatalf("client %d differs from the server:\n%s", i, firstDiff(got, want))
		}
	}
}

func firstDiff(a, b string) string {
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(la) || i < len(lb); i++ {
		var x, y string
		if i < len(la) {
			x = la[i]
		}
		if i < len(lb) {
			y = lb[i]
		}
		if x != y {
			return "client: " + x + "\nserver: " + y
		}
	}
	return ""
}

func (w *world) edit(col *collection.Collection, fn func(tx *collection.Tx) error) {
	w.t.Helper()
	if err := synctest.Edit(w.ctx, col, w.clock, fn); err != nil {
		w.t.Fatal(err)
	}
}

func TestDecide(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	base := protocol.Meta{Modified: 100, SchemaMod: 50, USN: 3, ServerTime: now.Unix(), Continue: true}
	cases := []struct {
		name          string
		local, remote func(*protocol.Meta)
		want          Action
		up, down      bool
		err           error
	}{
		{"same mod", nil, nil, ActionNone, false, false, nil},
		{"mod differs", func(m *protocol.Meta) { m.Modified = 200 }, nil, ActionNormal, false, false, nil},
		{"schema differs, both have cards", func(m *protocol.Meta) { m.Modified, m.SchemaMod = 200, 60 }, nil, ActionFull, true, true, nil},
		{"schema differs, remote empty", func(m *protocol.Meta) { m.Modified, m.SchemaMod = 200, 60 },
			func(m *protocol.Meta) { m.Empty = true }, ActionFull, true, false, nil},
		{"schema differs, local empty", func(m *protocol.Meta) { m.Modified, m.SchemaMod, m.Empty = 200, 60, true },
			nil, ActionFull, false, true, nil},
		{"clock ahead", nil, func(m *protocol.Meta) { m.ServerTime += 301 }, 0, false, false, ErrClockIncorrect},
		{"clock behind", nil, func(m *protocol.Meta) { m.ServerTime -= 301 }, 0, false, false, ErrClockIncorrect},
		{"clock within 300s", func(m *protocol.Meta) { m.Modified = 1 }, func(m *protocol.Meta) { m.ServerTime -= 300 }, ActionNormal, false, false, nil},
		{"refused", nil, func(m *protocol.Meta) { m.Continue, m.Message = false, "nope" }, 0, false, false, ErrServerRefused},
	}
	for _, c := range cases {
		l, r := base, base
		if c.local != nil {
			c.local(&l)
		}
		if c.remote != nil {
			c.remote(&r)
		}
		d, err := Decide(l, r, now)
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("%s: err %v, want %v", c.name, err, c.err)
			}
			continue
		}
		if err != nil || d.Action != c.want || d.UploadOK != c.up || d.DownloadOK != c.down {
			t.Errorf("%s: %+v %v", c.name, d, err)
		}
		if d.LocalIsNewer != (l.Modified > r.Modified) || d.ServerUSN != r.USN || d.LocalUSN != l.USN {
			t.Errorf("%s: newer/usn %+v", c.name, d)
		}
	}
}

func TestNormalSyncBothWays(t *testing.T) {
	for _, schema := range []int{18, 11} {
		t.Run(map[int]string{18: "schema18", 11: "schema11"}[schema], func(t *testing.T) {
			w := newWorld(t, schema)
			a := w.newClient("a")
			var first *collection.Note
			w.edit(a, func(tx *collection.Tx) error {
				var err error
				first, err = synctest.AddNote(tx, 1, "hello", "world", "t1")
				if err != nil {
					return err
				}
				_, err = synctest.AddNote(tx, 1, "second", "note")
				return err
			})
			if got := w.sync(&a); got != ActionFull {
				t.Fatalf("first sync: %v, want full (upload)", got)
			}
			b := w.newClient("b")
			if got := w.sync(&b); got != ActionFull {
				t.Fatalf("second device: %v, want full (download)", got)
			}
			w.same(a, b)
			if n, c, _ := synctest.Counts(w.ctx, b); n != 2 || c != 2 {
				t.Fatalf("downloaded %d notes %d cards", n, c)
			}

			// A: add, edit, delete, review, new deck, renamed note type, new tag.
			var third *collection.Note
			var deckID int64
			w.edit(a, func(tx *collection.Tx) error {
				n, err := tx.GetNote(first.ID)
				if err != nil {
					return err
				}
				n.Fields[1] = "world (edited on A)"
				if err := tx.UpdateNote(n); err != nil {
					return err
				}
				if deckID, err = tx.AddDeck("Lang::French"); err != nil {
					return err
				}
				if third, err = synctest.AddNote(tx, deckID, "third", "note", "t2", "lvl::one"); err != nil {
					return err
				}
				cids := idsOf(t, tx, "SELECT id FROM cards WHERE nid=?", first.ID)
				if err := synctest.Review(tx, cids[0], 3); err != nil {
					return err
				}
				second := idsOf(t, tx, "SELECT id FROM notes WHERE id NOT IN (?, ?)", first.ID, third.ID)
				if err := tx.RemoveNotes(second); err != nil {
					return err
				}
				nt, _ := tx.Notetype(n.NotetypeID)
				nt.Name = "Basic renamed"
				return tx.UpdateNotetype(nt)
			})
			if got := w.sync(&a); got != ActionNormal {
				t.Fatalf("A: %v, want normal", got)
			}
			if got := w.sync(&b); got != ActionNormal {
				t.Fatalf("B: %v, want normal", got)
			}
			w.same(a, b)
			nb, _, rb := synctest.Counts(w.ctx, b)
			if nb != 2 || rb != 1 {
				t.Fatalf("B has %d notes %d reviews", nb, rb)
			}
			if _, ok := b.DeckByName("Lang::French"); !ok {
				t.Fatal("deck did not arrive")
			}
			if _, ok := b.NotetypeByName("Basic renamed"); !ok {
				t.Fatal("note type rename did not arrive")
			}
			if tags := strings.Join(b.AllTags(), " "); !strings.Contains(tags, "lvl::one") || !strings.Contains(tags, "t2") {
				t.Fatalf("tags on B: %s", tags)
			}
			// Nothing is pending on B afterwards: received objects are not local changes.
			if n := pendingCount(t, b); n != 0 {
				t.Fatalf("%d objects pending on B after receiving", n)
			}

			// B the other way: delete the note A added, edit the first.
			w.edit(b, func(tx *collection.Tx) error {
				if err := tx.RemoveNotes([]int64{third.ID}); err != nil {
					return err
				}
				n, _ := tx.GetNote(first.ID)
				n.Fields[0] = "hello from B"
				return tx.UpdateNote(n)
			})
			w.sync(&b)
			w.sync(&a)
			w.same(a, b)
			if n, _ := a.GetNote(w.ctx, first.ID); n == nil || n.Fields[0] != "hello from B" {
				t.Fatalf("edit from B missing on A: %+v", n)
			}
			if _, err := a.GetNote(w.ctx, third.ID); !errors.Is(err, collection.ErrNotFound) {
				t.Fatalf("deleted note still on A: %v", err)
			}
		})
	}
}

func idsOf(t *testing.T, tx *collection.Tx, q string, args ...any) []int64 {
	rows, err := tx.Q().QueryContext(tx.Context(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var v int64
		rows.Scan(&v)
		out = append(out, v)
	}
	return out
}

func pendingCount(t *testing.T, col *collection.Collection) int {
	n := 0
	for _, tb := range []string{"notes", "cards", "revlog", "graves"} {
		var k int
		col.DB().QueryRow("SELECT count(*) FROM " + tb + " WHERE usn=-1").Scan(&k)
		n += k
	}
	var tags string
	col.DB().QueryRow("SELECT tags FROM col").Scan(&tags)
	n += strings.Count(tags, ":-1")
	return n
}

func TestConflictNewerWins(t *testing.T) {
	w := newWorld(t, 18)
	a := w.newClient("a")
	var n *collection.Note
	w.edit(a, func(tx *collection.Tx) error {
		var err error
		n, err = synctest.AddNote(tx, 1, "q", "a")
		return err
	})
	w.sync(&a)
	b := w.newClient("b")
	w.sync(&b)
	// A edits first, B later (a newer mtime); A syncs first, B second: B's version must win on
	// both, though the server already had A's.
	setField := func(col *collection.Collection, v string) {
		w.edit(col, func(tx *collection.Tx) error {
			x, _ := tx.GetNote(n.ID)
			x.Fields[1] = v
			return tx.UpdateNote(x)
		})
	}
	setField(a, "older from A")
	setField(b, "newer from B")
	w.sync(&a)
	w.sync(&b)
	w.sync(&a)
	w.same(a, b)
	got, _ := a.GetNote(w.ctx, n.ID)
	if got.Fields[1] != "newer from B" {
		t.Fatalf("A has %q", got.Fields[1])
	}
	// The other order: B edits first (older), A later; B syncs first.
	setField(b, "older from B")
	setField(a, "newer from A")
	w.sync(&b)
	w.sync(&a)
	w.sync(&b)
	w.same(a, b)
	got, _ = b.GetNote(w.ctx, n.ID)
	if got.Fields[1] != "newer from A" {
		t.Fatalf("B has %q", got.Fields[1])
	}
}

// failingPeer fails one method, to check that an aborted sync leaves both sides as they were.
type failingPeer struct {
	*LocalPeer
	failAt string
}

var errInjected = errors.New("injected failure")

func (p *failingPeer) ApplyChunk(ctx context.Context, ch protocol.Chunk) error {
	if p.failAt == "applyChunk" {
		return errInjected
	}
	return p.LocalPeer.ApplyChunk(ctx, ch)
}

func (p *failingPeer) SanityCheck(ctx context.Context, c protocol.SanityCounts) (protocol.SanityCheckResponse, error) {
	if p.failAt == "sanity" {
		c.Notes++ // the server then sees different counts
	}
	return p.LocalPeer.SanityCheck(ctx, c)
}

func TestAbortedSyncChangesNothing(t *testing.T) {
	for _, failAt := range []string{"applyChunk", "sanity"} {
		t.Run(failAt, func(t *testing.T) {
			w := newWorld(t, 18)
			a := w.newClient("a")
			w.edit(a, func(tx *collection.Tx) error { _, err := synctest.AddNote(tx, 1, "x", "y"); return err })
			w.sync(&a)
			b := w.newClient("b")
			w.sync(&b)
			w.edit(a, func(tx *collection.Tx) error { _, err := synctest.AddNote(tx, 1, "from a", "y", "new"); return err })
			w.sync(&a)
			w.edit(b, func(tx *collection.Tx) error { _, err := synctest.AddNote(tx, 1, "from b", "y"); return err })
			beforeB, _ := synctest.Dump(w.ctx, b)
			beforeS, _ := synctest.Dump(w.ctx, w.server)
			metaB, _ := LocalMeta(w.ctx, b)
			metaS := w.serverMeta()
			d := w.decide(b)
			err := NormalSync(w.ctx, b, &failingPeer{LocalPeer: &LocalPeer{Col: w.server}, failAt: failAt}, d, nil)
			if err == nil {
				t.Fatal("sync succeeded")
			}
			afterB, _ := synctest.Dump(w.ctx, b)
			afterS, _ := synctest.Dump(w.ctx, w.server)
			if afterB != beforeB {
				t.Fatalf("an aborted sync changed the client:\n%s", firstDiff(afterB, beforeB))
			}
			// ts is the clock, not the collection: it may tick during the sync.
			metaS2 := w.serverMeta()
			metaS.ServerTime, metaS2.ServerTime = 0, 0
			if afterS != beforeS || metaS2 != metaS {
				t.Fatalf("an aborted sync changed the server:\n%s\n%+v\n%+v", firstDiff(afterS, beforeS), metaS2, metaS)
			}
			metaB2, _ := LocalMeta(w.ctx, b)
			var sce *SanityCheckError
			if failAt == "sanity" {
				if !errors.As(err, &sce) || metaB2.SchemaMod == metaB.SchemaMod {
					t.Fatalf("sanity failure: %v; scm %d → %d (must change to force a full sync)", err, metaB.SchemaMod, metaB2.SchemaMod)
				}
				return
			}
			if !errors.Is(err, errInjected) || metaB2 != metaB || pendingCount(t, b) == 0 {
				t.Fatalf("err %v; meta %+v → %+v", err, metaB, metaB2)
			}
			// The same sync then works.
			w.sync(&b)
			w.sync(&a)
			w.same(a, b)
		})
	}
}

func TestNotetypeSchemaDriftNeedsFullSync(t *testing.T) {
	w := newWorld(t, 11)
	a := w.newClient("a")
	w.edit(a, func(tx *collection.Tx) error { _, err := synctest.AddNote(tx, 1, "x", "y"); return err })
	w.sync(&a)
	b := w.newClient("b")
	w.sync(&b)
	// A note type arriving with another field count without a schema change is refused.
	w.edit(a, func(tx *collection.Tx) error {
		for _, nt := range tx.Notetypes() {
			if strings.HasPrefix(nt.Name, "Basic") && len(nt.Fields) == 2 {
				nt.Fields = append(nt.Fields, &collection.Field{Name: "Extra"})
				nt.USN = -1
				nt.Mod = tx.Now() / 1000
				return tx.PutNotetype(nt)
			}
		}
		return errors.New("no Basic")
	})
	d := w.decide(a)
	err := NormalSync(w.ctx, a, &LocalPeer{Col: w.server}, d, nil)
	if !errors.Is(err, ErrResyncRequired) {
		t.Fatalf("err %v, want ResyncRequired", err)
	}
}

func TestRandomConvergenceInProcess(t *testing.T) {
	w := newWorld(t, 18)
	rng := rand.New(rand.NewPCG(seedFromEnv(), 11))
	clients := []*collection.Collection{w.newClient("a"), w.newClient("b"), w.newClient("c")}
	w.edit(clients[0], func(tx *collection.Tx) error { _, err := synctest.AddNote(tx, 1, "seed", "x"); return err })
	for i := range clients {
		w.sync(&clients[i])
	}
	for round := 0; round < 200; round++ {
		i := rng.IntN(len(clients))
		for k := rng.IntN(4); k >= 0; k-- {
			if err := synctest.RandomEdit(w.ctx, clients[i], w.clock, rng, string(rune('a'+i))); err != nil {
				t.Fatalf("round %d: edit: %v", round, err)
			}
		}
		j := rng.IntN(len(clients))
		if got := w.sync(&clients[j]); got == ActionFull {
			t.Fatalf("round %d: unexpected full sync", round)
		}
	}
	for pass := 0; pass < 2; pass++ {
		for i := range clients {
			w.sync(&clients[i])
		}
	}
	w.same(clients...)
	n, c, r := synctest.Counts(w.ctx, w.server)
	t.Logf("converged: %d notes, %d cards, %d reviews", n, c, r)
}

// seedFromEnv lets a failing convergence run be replayed: DECKHAND_SYNC_SEED=n.
func seedFromEnv() uint64 {
	if s := os.Getenv("DECKHAND_SYNC_SEED"); s != "" {
		var n uint64
		for _, r := range s {
			n = n*10 + uint64(r-'0')
		}
		return n
	}
	return 7
}
