package colsync

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/internal/synctest"
	"github.com/deckhand-app/deckhand/sync/protocol"
)

// dbHash hashes every row of the tables a sync can touch, usns and sync state included.
func dbHash(ctx context.Context, col *collection.Collection) (string, error) {
	h := sha256.New()
	for _, q := range []string{"SELECT * FROM col", "SELECT * FROM notes ORDER BY id", "SELECT * FROM cards ORDER BY id",
		"SELECT * FROM revlog ORDER BY id", "SELECT * FROM graves ORDER BY oid, type"} {
		rows, err := col.DB().QueryContext(ctx, q)
		if err != nil {
			return "", err
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				rows.Close()
				return "", err
			}
			fmt.Fprintf(h, "%v\n", vals)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}

var (
	fuzzColOnce sync.Once
	fuzzCol     *collection.Collection
	fuzzColErr  error
)

// fuzzCollection is one collection per fuzz process with notes, cards, reviews, decks and
// graves, so that hostile rows meet real ones.
func fuzzCollection() (*collection.Collection, error) {
	fuzzColOnce.Do(func() {
		ctx := context.Background()
		dir, err := os.MkdirTemp("", "colsync-fuzz")
		if err != nil {
			fuzzColErr = err
			return
		}
		fuzzCol, err = collection.Create(ctx, filepath.Join(dir, "collection.anki2"))
		if err != nil {
			fuzzColErr = err
			return
		}
		clock := &synctest.Clock{}
		rng := rand.New(rand.NewPCG(1, 2))
		for i := 0; i < 40 && fuzzColErr == nil; i++ {
			fuzzColErr = synctest.RandomEdit(ctx, fuzzCol, clock, rng, "seed")
		}
	})
	return fuzzCol, fuzzColErr
}

// hostilePeer is a server that answers a normal sync with whatever the fuzzer decoded,
// and then fails at finish: the client must roll everything back.
type hostilePeer struct {
	graves  protocol.Graves
	changes protocol.Changes
	chunk   protocol.Chunk
}

var errFinish = errors.New("connection reset at finish")

func (p *hostilePeer) Start(context.Context, protocol.StartRequest) (protocol.Graves, error) {
	return p.graves, nil
}
func (p *hostilePeer) ApplyGraves(context.Context, protocol.Graves) error { return nil }
func (p *hostilePeer) ApplyChanges(context.Context, protocol.Changes) (protocol.Changes, error) {
	return p.changes, nil
}
func (p *hostilePeer) Chunk(context.Context) (protocol.Chunk, error) {
	ch := p.chunk
	ch.Done = true
	return ch, nil
}
func (p *hostilePeer) ApplyChunk(context.Context, protocol.Chunk) error { return nil }
func (p *hostilePeer) SanityCheck(_ context.Context, c protocol.SanityCounts) (protocol.SanityCheckResponse, error) {
	return protocol.SanityCheckResponse{Status: protocol.SanityOK}, nil
}
func (p *hostilePeer) Finish(context.Context) (int64, error) { return 0, errFinish }
func (p *hostilePeer) Abort(context.Context) error           { return nil }

// FuzzApplyRemote feeds decoded graves, changes and chunks to both halves of a normal
// sync: the client (from a hostile server that then fails) and the server session (from
// a client that then aborts). Either way the collection must come out byte-identical:
// nothing a peer sends survives a sync that did not finish.
func FuzzApplyRemote(f *testing.F) {
	f.Add(false, []byte(`{"cards":[],"notes":[],"decks":[]}`), []byte(`{"models":[],"decks":[[],[]],"tags":["x"]}`),
		[]byte(`{"done":true,"revlog":[[1,2,3,1,1,1,2500,1000,1]],"cards":[],"notes":[[5,"g",1,1,-1,"","a\u001fb","","",0,""]]}`))
	f.Add(true, []byte(`{"cards":[1,2,3],"notes":["4"],"decks":[1]}`), []byte(`{"models":[{"id":1,"name":"x","flds":[],"tmpls":[]}],"decks":[[{"id":1,"name":""}],[]],"tags":[]}`),
		[]byte(`{"done":true,"revlog":[],"cards":[[1,1,1,0,1,-1,0,0,0,0,0,0,0,0,0,0,0,""]],"notes":[]}`))
	f.Add(false, []byte(`{}`), []byte(`{"models":[],"decks":[[],[{"id":1,"name":"Default","new":{"perDay":"x"}}]],"tags":[],"conf":{"curDeck":"1"},"crt":-5}`),
		[]byte(`{}`))
	f.Fuzz(func(t *testing.T, serverSide bool, gravesJSON, changesJSON, chunkJSON []byte) {
		ctx := context.Background()
		col, err := fuzzCollection()
		if err != nil {
			t.Fatal(err)
		}
		var g protocol.Graves
		var ch protocol.Changes
		var ck protocol.Chunk
		// Parts that do not decode are sent empty: the HTTP layers refuse them before this.
		if json.Unmarshal(gravesJSON, &g) != nil {
			g = protocol.Graves{}
		}
		if json.Unmarshal(changesJSON, &ch) != nil {
			ch = protocol.Changes{}
		}
		if json.Unmarshal(chunkJSON, &ck) != nil {
			ck = protocol.Chunk{}
		}
		before, err := dbHash(ctx, col)
		if err != nil {
			t.Fatal(err)
		}
		if serverSide {
			sess, _, err := StartServerSession(col, protocol.StartRequest{MinUSN: 0})
			if err != nil {
				t.Fatal(err)
			}
			_ = sess.ApplyGraves(g)
			_, _ = sess.ApplyChanges(ch)
			_ = sess.ApplyChunk(ck)
			sess.Abort()
		} else {
			l, err := LocalMeta(ctx, col)
			if err != nil {
				t.Fatal(err)
			}
			d := Decision{Action: ActionNormal, ServerUSN: l.USN + 1, LocalUSN: l.USN}
			err = NormalSync(ctx, col, &hostilePeer{graves: g, changes: ch, chunk: ck}, d, nil)
			if err == nil {
				t.Fatal("a sync whose finish failed reported success")
			}
		}
		after, err := dbHash(ctx, col)
		if err != nil {
			t.Fatal(err)
		}
		if after != before {
			t.Fatalf("collection changed by a sync that did not finish (server side %v)", serverSide)
		}
	})
}
