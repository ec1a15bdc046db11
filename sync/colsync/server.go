package colsync

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/protocol"
)

// ServerSession is the server half of one normal sync. It keeps a single transaction on the
// server collection open from start to finish (a goroutine runs collection.Transact and
// executes each request's work inside it), so that an abort, a failed request, a failed
// sanity check or an idle timeout roll everything back.
type ServerSession struct {
	ops   chan sessionOp
	ended chan struct{}

	mu     sync.Mutex
	err    error // why the session ended (nil after a commit)
	closed bool

	// Fixed at start (rslib ServerSyncState).
	serverUSN   int
	clientUSN   int
	clientNewer bool
	ids         *chunkIDs
}

type sessionOp struct {
	fn     func(tx *collection.Tx) error
	commit bool // end the transaction with a commit after fn
	abort  bool // end it with a rollback
	reply  chan error
}

// ErrSessionEnded means the sync was aborted, failed or timed out.
var ErrSessionEnded = errors.New("sync session has ended")

var errAborted = errors.New("sync aborted")

// SessionIdleTimeout ends (rolls back) a sync whose client went quiet.
var SessionIdleTimeout = 5 * time.Minute

// StartServerSession begins a normal sync: it records the server usn and the client's, opens
// the transaction, applies inline client graves (AnkiDroid), and returns the server's graves
// that the client has not seen.
func StartServerSession(col *collection.Collection, req protocol.StartRequest) (*ServerSession, protocol.Graves, error) {
	s := &ServerSession{ops: make(chan sessionOp), ended: make(chan struct{}), clientUSN: req.MinUSN, clientNewer: req.LocalNewer}
	var final chan error
	go func() {
		err := col.Transact(context.Background(), func(tx *collection.Tx) error {
			idle := time.NewTimer(SessionIdleTimeout)
			defer idle.Stop()
			for {
				select {
				case op := <-s.ops:
					if op.abort {
						final = op.reply
						return errAborted
					}
					if err := op.fn(tx); err != nil {
						op.reply <- err
						return err
					}
					if op.commit {
						final = op.reply
						return nil
					}
					op.reply <- nil
					idle.Reset(SessionIdleTimeout)
				case <-idle.C:
					return errors.New("sync session idle for too long")
				}
			}
		})
		s.mu.Lock()
		s.closed = true
		s.err = err
		s.mu.Unlock()
		close(s.ended)
		if final != nil {
			if errors.Is(err, errAborted) {
				err = nil
			}
			final <- err
		}
	}()
	var graves protocol.Graves
	err := s.do(func(tx *collection.Tx) error {
		s.serverUSN = tx.ColState().USN
		var err error
		if graves, err = pendingGraves(tx, s.clientUSN); err != nil {
			return err
		}
		if req.Graves != nil {
			return applyGraves(tx, *req.Graves, s.serverUSN)
		}
		return nil
	}, false)
	if err != nil {
		return nil, graves, err
	}
	return s, graves, nil
}

func (s *ServerSession) do(fn func(tx *collection.Tx) error, commit bool) error {
	op := sessionOp{fn: fn, commit: commit, reply: make(chan error, 1)}
	select {
	case s.ops <- op:
	case <-s.ended:
		return ErrSessionEnded
	}
	return <-op.reply
}

// Active reports whether the session's transaction is still open.
func (s *ServerSession) Active() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.closed
}

// Abort rolls the sync back; it is idempotent.
func (s *ServerSession) Abort() {
	op := sessionOp{abort: true, reply: make(chan error, 1)}
	select {
	case s.ops <- op:
		<-op.reply
	case <-s.ended:
	}
}

// ApplyGraves applies a chunk of the client's deletions.
func (s *ServerSession) ApplyGraves(g protocol.Graves) error {
	return s.do(func(tx *collection.Tx) error { return applyGraves(tx, g, s.serverUSN) }, false)
}

// ApplyChanges returns the server's pending unchunked changes (config and crt only when the
// client is not newer), then merges the client's.
func (s *ServerSession) ApplyChanges(ch protocol.Changes) (protocol.Changes, error) {
	var mine protocol.Changes
	err := s.do(func(tx *collection.Tx) error {
		var err error
		if mine, err = localChanges(tx, s.clientUSN, nil, !s.clientNewer); err != nil {
			return err
		}
		return applyChanges(tx, ch, s.serverUSN)
	}, false)
	return mine, err
}

// Chunk returns the next chunk of server rows changed since the client's last sync.
func (s *ServerSession) Chunk() (protocol.Chunk, error) {
	var ch protocol.Chunk
	err := s.do(func(tx *collection.Tx) error {
		if s.ids == nil {
			ids, err := chunkableIDs(tx, s.clientUSN)
			if err != nil {
				return err
			}
			s.ids = ids
		}
		var err error
		ch, err = getChunk(tx, s.ids, nil)
		return err
	}, false)
	return ch, err
}

// ApplyChunk merges a chunk of client rows.
func (s *ServerSession) ApplyChunk(ch protocol.Chunk) error {
	return s.do(func(tx *collection.Tx) error { return applyChunk(tx, ch, s.clientUSN, s.serverUSN) }, false)
}

// SanityCheck compares counts. On a mismatch the answer is "bad" and the session is rolled
// back, as Anki's server drops the collection.
func (s *ServerSession) SanityCheck(client protocol.SanityCounts) (protocol.SanityCheckResponse, error) {
	var res protocol.SanityCheckResponse
	err := s.do(func(tx *collection.Tx) error {
		server, err := sanityCounts(tx)
		if err != nil {
			res = protocol.SanityCheckResponse{Status: protocol.SanityBad, Client: &client}
			return nil
		}
		if !sanityMatches(client, server) {
			res = protocol.SanityCheckResponse{Status: protocol.SanityBad, Client: &client, Server: &server}
			return nil
		}
		res = protocol.SanityCheckResponse{Status: protocol.SanityOK}
		return nil
	}, false)
	if err != nil {
		return res, err
	}
	if res.Status != protocol.SanityOK {
		s.Abort()
	}
	return res, nil
}

// Finish commits: ls = mod = now, usn + 1. It returns now in ms.
func (s *ServerSession) Finish() (int64, error) {
	now := time.Now().UnixMilli()
	err := s.do(func(tx *collection.Tx) error {
		tx.SetModified(now)
		return tx.SetSyncState(s.serverUSN+1, now, 0)
	}, true)
	if err != nil {
		return 0, fmt.Errorf("finish sync: %w", err)
	}
	return now, nil
}

// LocalPeer adapts a server collection to the Peer interface in-process, for tests and for
// syncing two local collections: Start opens a ServerSession.
type LocalPeer struct {
	Col     *collection.Collection
	session *ServerSession
}

func (p *LocalPeer) Start(_ context.Context, req protocol.StartRequest) (protocol.Graves, error) {
	if p.session != nil {
		p.session.Abort()
	}
	s, g, err := StartServerSession(p.Col, req)
	p.session = s
	return g, err
}

func (p *LocalPeer) sess() (*ServerSession, error) {
	if p.session == nil {
		return nil, ErrSessionEnded
	}
	return p.session, nil
}

func (p *LocalPeer) ApplyGraves(_ context.Context, g protocol.Graves) error {
	s, err := p.sess()
	if err != nil {
		return err
	}
	return s.ApplyGraves(g)
}

func (p *LocalPeer) ApplyChanges(_ context.Context, ch protocol.Changes) (protocol.Changes, error) {
	s, err := p.sess()
	if err != nil {
		return protocol.Changes{}, err
	}
	return s.ApplyChanges(ch)
}

func (p *LocalPeer) Chunk(context.Context) (protocol.Chunk, error) {
	s, err := p.sess()
	if err != nil {
		return protocol.Chunk{}, err
	}
	return s.Chunk()
}

func (p *LocalPeer) ApplyChunk(_ context.Context, ch protocol.Chunk) error {
	s, err := p.sess()
	if err != nil {
		return err
	}
	return s.ApplyChunk(ch)
}

func (p *LocalPeer) SanityCheck(_ context.Context, c protocol.SanityCounts) (protocol.SanityCheckResponse, error) {
	s, err := p.sess()
	if err != nil {
		return protocol.SanityCheckResponse{}, err
	}
	return s.SanityCheck(c)
}

func (p *LocalPeer) Finish(context.Context) (int64, error) {
	s, err := p.sess()
	if err != nil {
		return 0, err
	}
	return s.Finish()
}

func (p *LocalPeer) Abort(context.Context) error {
	if p.session != nil {
		p.session.Abort()
	}
	return nil
}
