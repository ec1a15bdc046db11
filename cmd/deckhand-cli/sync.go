package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"golang.org/x/term"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/app/credstore"
	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/client"
	"github.com/deckhand-app/deckhand/sync/colsync"
)

// syncAuth is a saved login: the host key lives in the OS keyring (credstore), never the password.
type syncAuth = credstore.Login

func loadSyncAuth() (syncAuth, bool) {
	d, err := app.DataDir()
	if err != nil {
		return syncAuth{}, false
	}
	a, ok, err := credstore.Load(d)
	if err != nil {
		slog.Warn("ignoring saved sync login", "err", err)
		return syncAuth{}, false
	}
	return a, ok
}

func saveSyncAuth(a syncAuth) error {
	d, err := app.DataDir()
	if err != nil {
		return err
	}
	return credstore.Save(d, a)
}

func syncPassword(out io.Writer) (string, error) {
	if p := os.Getenv("DECKHAND_PASSWORD"); p != "" {
		return p, nil
	}
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		return "", errors.New("no password: set DECKHAND_PASSWORD or run in a terminal")
	}
	fmt.Fprint(out, "Password: ")
	b, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(out)
	return string(b), err
}

func cmdSync(ctx context.Context, col *collection.Collection, args []string, out io.Writer) error {
	fs := newFlags("sync")
	serverURL := fs.String("server", "", "sync server URL, e.g. http://127.0.0.1:27701/")
	user := fs.String("user", "", "user name")
	proto := fs.String("protocol", "auto", "auto, v11 or legacy")
	up := fs.Bool("full-upload", false, "replace the server's collection with this one")
	down := fs.Bool("full-download", false, "replace this collection with the server's (a backup is kept)")
	force := fs.Bool("force", false, "allow a download to replace a collection that has cards with an empty one")
	noMedia := fs.Bool("no-media", false, "skip media sync")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("sync: %v (%w)", err, errUsage)
	}
	if *up && *down {
		return fmt.Errorf("sync: --full-upload and --full-download exclude each other (%w)", errUsage)
	}
	p, err := client.ParseProtocol(*proto)
	if err != nil {
		return err
	}
	saved, haveAuth := loadSyncAuth()
	if *serverURL == "" {
		*serverURL = saved.Endpoint
	}
	if *user == "" {
		*user = saved.User
	}
	if *serverURL == "" || *user == "" {
		return fmt.Errorf("sync needs --server URL and --user NAME the first time (%w)", errUsage)
	}
	c, err := client.New(client.Options{Endpoint: *serverURL, Protocol: p})
	if err != nil {
		return err
	}
	auth := syncAuth{Endpoint: c.Endpoint(), User: *user}
	if haveAuth && saved.Endpoint == c.Endpoint() && saved.User == *user {
		sp, _ := client.ParseProtocol(saved.Protocol)
		if p != client.Auto {
			sp = p
		}
		c.SetAuth(saved.HostKey, sp)
		auth = saved
	} else {
		pw, err := syncPassword(out)
		if err != nil {
			return err
		}
		hk, err := c.Login(ctx, *user, pw)
		if err != nil {
			return errors.New(client.UserMessage(err))
		}
		auth.HostKey, auth.Protocol = hk, c.Protocol().String()
		if err := saveSyncAuth(auth); err != nil {
			return fmt.Errorf("save login: %w", err)
		}
	}
	opts := client.SyncOptions{Force: *force, SkipMedia: *noMedia}
	switch {
	case *up:
		opts.Full = client.FullUpload
	case *down:
		opts.Full = client.FullDownload
	}
	last := ""
	opts.Progress = func(pr client.Progress) {
		if pr.Stage != last {
			fmt.Fprintf(out, "%s…\n", pr.Stage)
			last = pr.Stage
		}
	}
	res, err := client.Sync(ctx, c, col, opts)
	if res.Collection != nil && res.Collection != col {
		defer res.Collection.Close()
	}
	if res.NewEndpoint != "" {
		auth.Endpoint = res.NewEndpoint
		_ = saveSyncAuth(auth)
	}
	if res.ServerMessage != "" {
		fmt.Fprintf(out, "server: %s\n", res.ServerMessage)
	}
	if err != nil {
		if errors.Is(err, client.ErrFullSyncNeeded) {
			return errors.New(client.UserMessage(err) + " (use --full-upload or --full-download)")
		}
		return errors.New(client.UserMessage(err))
	}
	switch res.Action {
	case colsync.ActionFull:
		fmt.Fprintf(out, "full sync: %s\n", map[client.FullChoice]string{client.FullUpload: "uploaded", client.FullDownload: "downloaded"}[res.Full])
		if res.Backup != "" {
			fmt.Fprintf(out, "previous collection backed up to %s\n", res.Backup)
		}
	default:
		fmt.Fprintf(out, "%s\n", res.Action)
	}
	if !*noMedia {
		m := res.Media
		fmt.Fprintf(out, "media: %d downloaded, %d uploaded, %d removed here, %d removed on the server\n",
			m.Downloaded, m.Uploaded, m.RemovedLocally, m.RemovedRemotely)
	}
	return nil
}

func cmdLogout(_ context.Context, _ *collection.Collection, _ []string, out io.Writer) error {
	d, err := app.DataDir()
	if err != nil {
		return err
	}
	if err := credstore.Delete(d); err != nil {
		return err
	}
	fmt.Fprintln(out, "logged out of the sync server")
	return nil
}
