package colsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/protocol"
)

// Peer is the server side of a normal sync as the client sees it: the HTTP client, or a
// ServerSession directly in tests.
type Peer interface {
	Start(ctx context.Context, req protocol.StartRequest) (protocol.Graves, error)
	ApplyGraves(ctx context.Context, g protocol.Graves) error
	ApplyChanges(ctx context.Context, ch protocol.Changes) (protocol.Changes, error)
	Chunk(ctx context.Context) (protocol.Chunk, error)
	ApplyChunk(ctx context.Context, ch protocol.Chunk) error
	SanityCheck(ctx context.Context, counts protocol.SanityCounts) (protocol.SanityCheckResponse, error)
	Finish(ctx context.Context) (int64, error)
	Abort(ctx context.Context) error
}

// dueCountsOnlyDiffer reports a "bad" sanity answer whose server counts differ from ours in
// the due counts alone.
func dueCountsOnlyDiffer(mine protocol.SanityCounts, res protocol.SanityCheckResponse) bool {
	if res.Status == protocol.SanityOK || res.Server == nil {
		return false
	}
	theirs := *res.Server
	if theirs.Due == mine.Due {
		return false
	}
	theirs.Due = mine.Due
	return theirs == mine
}

// DueCountsPeer is a Peer that says whether its sanity check compares the due counts. Modern
// servers ignore them (the client sends zeros, as Anki's does); legacy ones (ankisyncd)
// compare them with what Anki 2.1's scheduler computes on their side, so the client must send
// the same numbers (see legacyDueCounts).
type DueCountsPeer interface {
	SanityNeedsDueCounts() bool
}

// Progress reports a normal sync's counts of objects sent and received.
type Progress struct {
	Stage        string // "start", "changes", "receiving", "sending", "finishing"
	LocalUpdate  int    // objects sent
	LocalRemove  int    // deletions sent
	RemoteUpdate int    // objects received
	RemoteRemove int    // deletions received
}

// SanityCheckError means the two sides disagree after a sync; the client rolled back and
// marked the collection for a full sync.
type SanityCheckError struct {
	Client, Server *protocol.SanityCounts
	Cause          error
}

func (e *SanityCheckError) Error() string {
	if e.Cause != nil {
		return "sync sanity check failed: " + e.Cause.Error() + "; the next sync will be a full sync"
	}
	return fmt.Sprintf("sync sanity check failed (local %v, server %v); the next sync will be a full sync", e.Client, e.Server)
}

// NormalSync runs a normal sync against peer in one local transaction. On any error the
// transaction rolls back and the peer is told to abort; when the sanity check failed the
// collection is marked for a full sync (as Anki does).
func NormalSync(ctx context.Context, col *collection.Collection, peer Peer, d Decision, progress func(Progress)) error {
	if progress == nil {
		progress = func(Progress) {}
	}
	var p Progress
	report := func(stage string) {
		p.Stage = stage
		progress(p)
	}
	var sanity *SanityCheckError
	err := col.Transact(ctx, func(tx *collection.Tx) error {
		server := d.ServerUSN
		report("start")
		remoteGraves, err := peer.Start(ctx, protocol.StartRequest{MinUSN: tx.ColState().USN, LocalNewer: d.LocalIsNewer})
		if err != nil {
			return err
		}
		local, err := pendingGraves(tx, -1)
		if err != nil {
			return err
		}
		if _, err := tx.Q().ExecContext(ctx, "UPDATE graves SET usn=? WHERE usn=-1", server); err != nil {
			return fmt.Errorf("mark graves synced: %w", err)
		}
		if err := applyGraves(tx, remoteGraves, server); err != nil {
			return err
		}
		p.RemoteRemove += remoteGraves.Len()
		for {
			chunk, ok := local.TakeChunk()
			if !ok {
				break
			}
			if err := peer.ApplyGraves(ctx, chunk); err != nil {
				return err
			}
			p.LocalRemove += chunk.Len()
		}

		report("changes")
		mine, err := localChanges(tx, -1, &server, d.LocalIsNewer)
		if err != nil {
			return err
		}
		theirs, err := peer.ApplyChanges(ctx, mine)
		if err != nil {
			return err
		}
		if err := applyChanges(tx, theirs, server); err != nil {
			return err
		}
		p.LocalUpdate += len(mine.Models) + len(mine.Decks.Decks) + len(mine.Decks.Configs) + len(mine.Tags)
		p.RemoteUpdate += len(theirs.Models) + len(theirs.Decks.Decks) + len(theirs.Decks.Configs) + len(theirs.Tags)

		report("receiving")
		for {
			ch, err := peer.Chunk(ctx)
			if err != nil {
				return err
			}
			if err := applyChunk(tx, ch, -1, server); err != nil {
				return err
			}
			p.RemoteUpdate += ch.Len()
			report("receiving")
			if ch.Done {
				break
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}

		report("sending")
		ids, err := chunkableIDs(tx, -1)
		if err != nil {
			return err
		}
		for {
			ch, err := getChunk(tx, ids, &server)
			if err != nil {
				return err
			}
			if err := peer.ApplyChunk(ctx, ch); err != nil {
				return err
			}
			p.LocalUpdate += ch.Len()
			report("sending")
			if ch.Done {
				break
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}

		report("finishing")
		counts, err := sanityCounts(tx)
		if err != nil {
			sanity = &SanityCheckError{Cause: err}
			return sanity
		}
		dp, ok := peer.(DueCountsPeer)
		legacyDue := ok && dp.SanityNeedsDueCounts()
		if legacyDue {
			if counts.Due, err = legacyDueCounts(tx, time.Now()); err != nil {
				return err
			}
		}
		res, err := peer.SanityCheck(ctx, counts)
		if err != nil {
			return err
		}
		if legacyDue && dueCountsOnlyDiffer(counts, res) {
			// ankisyncd's own scheduler can disagree with the one the collection asks for:
			// it keeps the scheduler of the collection as first opened (v1 for the empty
			// collection it creates) across a full upload until it closes the collection,
			// and its day and learning cutoffs follow its own clock and zone. Anki's own
			// server leaves the due counts out of the comparison altogether, so when only
			// they differ, ask once more with the server's numbers: every count of objects
			// must still agree. (The legacy sanity check changes nothing on the server.)
			counts.Due = res.Server.Due
			if res, err = peer.SanityCheck(ctx, counts); err != nil {
				return err
			}
		}
		if res.Status != protocol.SanityOK {
			sanity = &SanityCheckError{Client: &counts, Server: res.Server}
			return sanity
		}
		mtime, err := peer.Finish(ctx)
		if err != nil {
			return err
		}
		tx.SetModified(mtime)
		return tx.SetSyncState(server+1, mtime, 0)
	})
	if err == nil {
		return nil
	}
	// Tell the server to drop its half of the sync; its answer does not matter.
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	_ = peer.Abort(actx)
	cancel()
	if errors.As(err, &sanity) {
		if ferr := col.Transact(context.WithoutCancel(ctx), func(tx *collection.Tx) error {
			tx.SetSchemaModified()
			return nil
		}); ferr != nil {
			return errors.Join(err, ferr)
		}
	}
	return err
}
