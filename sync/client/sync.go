package client

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/colsync"
	"github.com/deckhand-app/deckhand/sync/media"
)

// FullChoice is the direction of a full sync.
type FullChoice int

const (
	FullAsk      FullChoice = iota // ask DecideFull, or pick the only allowed direction
	FullUpload                     // replace the server's collection with the local one
	FullDownload                   // replace the local collection with the server's
	FullCancel                     // do not sync
)

// Progress is reported during Sync.
type Progress struct {
	Stage  string // "meta", "normal", "upload", "download", "media"
	Normal colsync.Progress
	Media  media.Progress
}

// SyncOptions control Sync.
type SyncOptions struct {
	// Full forces the direction of a full sync, or leaves it to DecideFull (FullAsk).
	Full FullChoice
	// DecideFull is asked when a full sync could go either way (both sides have cards).
	DecideFull func(d colsync.Decision) FullChoice
	// Force allows a download to replace a local collection that has cards with a server
	// collection that has none.
	Force bool
	// BackupDir receives a copy of the local collection before a download replaces it
	// (default: "backups" beside the collection).
	BackupDir string
	SkipMedia bool
	Progress  func(Progress)
}

// Result says what Sync did.
type Result struct {
	Action        colsync.Action
	Full          FullChoice // the direction of a full sync
	ServerMessage string
	NewEndpoint   string                 // save it: the server moved (308 on meta)
	Collection    *collection.Collection // the open collection: a new one after a download
	Backup        string                 // backup file written before a download
	Media         media.Progress
}

// Errors from Sync.
var (
	ErrFullSyncNeeded   = errors.New("a full sync is needed: choose whether to upload your collection or download the server's")
	ErrCanceled         = errors.New("sync canceled")
	ErrClobber          = errors.New("the server's collection is empty and yours is not: refusing to replace yours (upload it instead, or force the download)")
	ErrUploadNotAllowed = errors.New("your collection is empty and the server's is not: uploading would replace it with nothing")
)

// Sync runs a whole sync of col: meta, then nothing, a normal sync or a full sync, then the
// media. After a full download col is closed and Result.Collection is the new one; in every
// other case Result.Collection is col. On error col is unchanged (a failed normal sync rolls
// back; a full sync swaps files only once the new file is complete and validated).
func Sync(ctx context.Context, c *Client, col *collection.Collection, opts SyncOptions) (Result, error) {
	res := Result{Collection: col}
	report := func(p Progress) {
		if opts.Progress != nil {
			opts.Progress(p)
		}
	}
	report(Progress{Stage: "meta"})
	remote, newEP, err := c.Meta(ctx)
	if err != nil {
		return res, err
	}
	res.NewEndpoint = newEP
	local, err := colsync.LocalMeta(ctx, col)
	if err != nil {
		return res, err
	}
	d, err := colsync.Decide(local, remote, time.Now())
	res.Action, res.ServerMessage = d.Action, d.ServerMessage
	if err != nil {
		return res, err
	}
	switch d.Action {
	case colsync.ActionNormal:
		err = colsync.NormalSync(ctx, col, c, d, func(p colsync.Progress) { report(Progress{Stage: "normal", Normal: p}) })
		if err != nil {
			return res, err
		}
	case colsync.ActionFull:
		choice := opts.Full
		if choice == FullAsk {
			switch {
			case d.UploadOK && !d.DownloadOK:
				choice = FullUpload
			case d.DownloadOK && !d.UploadOK:
				choice = FullDownload
			case remote.Empty && local.Empty:
				choice = FullUpload
			case opts.DecideFull != nil:
				choice = opts.DecideFull(d)
			default:
				return res, ErrFullSyncNeeded
			}
		}
		res.Full = choice
		switch choice {
		case FullUpload:
			if !d.UploadOK && !opts.Force {
				return res, ErrUploadNotAllowed
			}
			report(Progress{Stage: "upload"})
			if err := fullUpload(ctx, c, col); err != nil {
				return res, err
			}
		case FullDownload:
			if !d.DownloadOK && !opts.Force {
				return res, ErrClobber
			}
			report(Progress{Stage: "download"})
			// Legacy servers do not say whether their collection is empty, so this is
			// checked again on the downloaded file (Anki 2.1's downloadClobber).
			newCol, backup, err := fullDownload(ctx, c, col, opts.BackupDir, !local.Empty && !opts.Force)
			res.Backup = backup
			if newCol != nil {
				res.Collection = newCol
			}
			if err != nil {
				return res, err
			}
		default:
			return res, ErrCanceled
		}
	}
	if opts.SkipMedia || res.Collection.Media == nil {
		return res, nil
	}
	report(Progress{Stage: "media"})
	err = media.Sync(ctx, res.Collection.Media, c, func(p media.Progress) {
		res.Media = p
		report(Progress{Stage: "media", Media: p})
	})
	if err != nil {
		return res, fmt.Errorf("media sync: %w", err)
	}
	return res, nil
}

func schemaFor(c *Client) int {
	if c.Protocol() == Legacy {
		return 11
	}
	return 18
}

func fullUpload(ctx context.Context, c *Client, col *collection.Collection) error {
	u, err := colsync.PrepareUpload(ctx, col, schemaFor(c), time.Now().UnixMilli())
	if err != nil {
		return err
	}
	defer u.Close()
	if err := c.UploadFile(ctx, u.Path); err != nil {
		return err
	}
	return u.Commit(ctx, col)
}

// fullDownload fetches and validates the server's file next to the collection, backs up the
// local collection, then swaps the files and reopens. If anything fails before the swap, col
// stays open and untouched (the returned collection is nil). With refuseEmpty a file without
// cards is refused with ErrClobber.
func fullDownload(ctx context.Context, c *Client, col *collection.Collection, backupDir string, refuseEmpty bool) (*collection.Collection, string, error) {
	data, err := c.Download(ctx)
	if err != nil {
		return nil, "", err
	}
	path := col.Path()
	dir, err := os.MkdirTemp(filepath.Dir(path), ".sync-download-")
	if err != nil {
		return nil, "", err
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "collection.anki2")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return nil, "", err
	}
	if err := colsync.ValidateReceived(ctx, tmp, true); err != nil {
		return nil, "", fmt.Errorf("downloaded collection: %w", err)
	}
	if refuseEmpty {
		has, err := colsync.HasCards(ctx, tmp)
		if err != nil {
			return nil, "", fmt.Errorf("downloaded collection: %w", err)
		}
		if !has {
			return nil, "", ErrClobber
		}
	}
	if backupDir == "" {
		backupDir = filepath.Join(filepath.Dir(path), "backups")
	}
	if err := os.MkdirAll(backupDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("backup before download: %w", err)
	}
	backup := filepath.Join(backupDir, fmt.Sprintf("%s-before-download-%s.anki2",
		trimExt(filepath.Base(path)), time.Now().Format("20060102-150405.000")))
	if err := colsync.Snapshot(ctx, col, backup); err != nil {
		return nil, "", fmt.Errorf("backup before download: %w", err)
	}
	if err := col.Close(); err != nil {
		return nil, backup, err
	}
	os.Remove(path + "-wal")
	os.Remove(path + "-shm")
	if err := os.Rename(tmp, path); err != nil {
		// The old file is still in place: reopen it.
		old, oerr := collection.Open(ctx, path)
		return old, backup, errors.Join(fmt.Errorf("replace collection: %w", err), oerr)
	}
	newCol, err := collection.Open(ctx, path)
	if err != nil {
		return nil, backup, fmt.Errorf("open downloaded collection (backup in %s): %w", backup, err)
	}
	return newCol, backup, nil
}

func trimExt(s string) string { return s[:len(s)-len(filepath.Ext(s))] }

// UserMessage turns a sync error into one sentence for the user.
func UserMessage(err error) string {
	var up *UploadRefusedError
	var sm *colsync.ServerMessageError
	var sce *colsync.SanityCheckError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &up):
		return up.Error()
	case errors.As(err, &sm):
		return sm.Error()
	case errors.As(err, &sce):
		msg := "The sync check failed, so nothing was changed; the next sync will be a full sync."
		if sce.Client != nil && sce.Server != nil {
			// The two lists tell a bug report which counts disagreed.
			c, _ := sce.Client.MarshalJSON()
			s, _ := sce.Server.MarshalJSON()
			msg += fmt.Sprintf(" (here %s, server %s)", c, s)
		}
		return msg
	case errors.Is(err, context.Canceled):
		return "Sync canceled; nothing was changed."
	case errors.Is(err, colsync.ErrResyncRequired):
		return "A note type changed in a way that needs a full sync; sync again and choose upload or download."
	}
	for _, e := range []error{ErrAuthFailed, ErrConflict, ErrServerError, ErrClientTooOld, ErrCheckDatabase,
		ErrTooManyLogins, ErrBadServerReply, ErrFullSyncNeeded, ErrClobber, ErrUploadNotAllowed, ErrCanceled,
		colsync.ErrClockIncorrect, media.ErrMediaSanity} {
		if errors.Is(err, e) {
			return e.Error()
		}
	}
	return err.Error()
}
