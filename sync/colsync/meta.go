package colsync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/protocol"
)

// LocalMeta reads a collection's sync bookkeeping the way Anki's sync_meta does: mod, scm,
// the real col.usn, the clock, and whether it has no cards.
func LocalMeta(ctx context.Context, col *collection.Collection) (protocol.Meta, error) {
	m := protocol.Meta{Continue: true, ServerTime: time.Now().Unix()}
	db := col.DB()
	if err := db.QueryRowContext(ctx, "SELECT mod, scm, usn FROM col WHERE id=1").Scan(&m.Modified, &m.SchemaMod, &m.USN); err != nil {
		return m, fmt.Errorf("read sync state: %w", err)
	}
	var one int
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT 1 FROM cards LIMIT 1)").Scan(&one)
	if err != nil {
		return m, fmt.Errorf("read sync state: %w", err)
	}
	m.Empty = one == 0
	return m, nil
}

// Action is what a sync has to do.
type Action int

const (
	ActionNone Action = iota
	ActionNormal
	ActionFull
)

func (a Action) String() string {
	return [...]string{"no changes", "normal sync", "full sync"}[a]
}

// Decision is the outcome of comparing local and remote meta (rslib compared_to_remote).
type Decision struct {
	Action Action
	// UploadOK and DownloadOK say which directions a full sync may take: uploading when the
	// local side has cards or the remote has none, downloading when the remote has cards or the
	// local side has none.
	UploadOK, DownloadOK bool
	LocalIsNewer         bool
	LocalUSN             int // usn at last sync: the client's minUsn
	ServerUSN            int // stamped on everything this sync sends
	ServerMessage        string
	MediaUSN             int
	Remote               protocol.Meta
}

// Errors from Decide.
var (
	ErrClockIncorrect = errors.New("your computer's clock differs from the server's by more than 5 minutes; fix the date and time and try again")
	ErrServerRefused  = errors.New("the server refused to sync")
)

// ServerMessageError carries the message a server sent with cont:false.
type ServerMessageError struct{ Message string }

func (e *ServerMessageError) Error() string { return "the server refused to sync: " + e.Message }
func (e *ServerMessageError) Unwrap() error { return ErrServerRefused }

// Decide compares local and remote meta at time now.
func Decide(local, remote protocol.Meta, now time.Time) (Decision, error) {
	d := Decision{ServerMessage: remote.Message, MediaUSN: remote.MediaUSN, Remote: remote,
		LocalUSN: local.USN, ServerUSN: remote.USN, LocalIsNewer: local.Modified > remote.Modified}
	if !remote.Continue {
		return d, &ServerMessageError{Message: remote.Message}
	}
	if skew := remote.ServerTime - now.Unix(); skew > protocol.ClockSkewLimitSecs || skew < -protocol.ClockSkewLimitSecs {
		return d, ErrClockIncorrect
	}
	switch {
	case remote.Modified == local.Modified:
		d.Action = ActionNone
	case remote.SchemaMod != local.SchemaMod:
		d.Action = ActionFull
		d.UploadOK = !local.Empty || remote.Empty
		d.DownloadOK = !remote.Empty || local.Empty
	default:
		d.Action = ActionNormal
	}
	return d, nil
}
