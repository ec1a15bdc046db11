package views

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/zalando/go-keyring"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/client"
	"github.com/deckhand-app/deckhand/sync/server"
)

func TestSyncFromWindow(t *testing.T) {
	keyring.MockInit()
	srv, err := server.New(server.Config{DataDir: filepath.Join(t.TempDir(), "server"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Users.Add("alice", "secret"); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	ctx := context.Background()

	col := newCollection(t)
	addNote(t, col, "Basic", "Synced", "from A", "x")
	m := newWindow(t, col)
	if m.SyncStatusText() != "Not logged in" {
		t.Fatalf("status %q", m.SyncStatusText())
	}
	// first time: the login dialog, then the sync (an upload: the server is empty)
	m.Sync()
	f := m.LastLogin
	if f == nil {
		t.Fatal("no login dialog")
	}
	f.Server.SetSelected(serverCustom)
	if f.URL.Disabled() {
		t.Fatal("the URL is editable for a custom server")
	}
	f.URL.SetText(hs.URL)
	f.User.SetText("alice")
	f.Password.SetText("secret")
	f.Submit()
	m.Wait()
	if !strings.HasPrefix(m.SyncStatusText(), "Last sync") {
		t.Fatalf("after the first sync: %q (status %q)", m.SyncStatusText(), m.status.Text)
	}

	// device B downloads; then both change their note types: a full sync is required
	bAuth := t.TempDir()
	if _, err := app.Login(ctx, bAuth, hs.URL, "alice", "secret", "auto"); err != nil {
		t.Fatal(err)
	}
	b := app.NewService(newCollection(t))
	t.Cleanup(func() { b.Close() })
	if _, err := b.Sync(ctx, bAuth, nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*app.Service{m.svc, b} {
		nt, _ := s.Collection().NotetypeByName("Basic")
		nt = nt.Clone()
		nt.AddField("Extra")
		if err := s.Collection().UpdateNotetype(ctx, nt); err != nil {
			t.Fatal(err)
		}
	}
	addNote(t, b.Collection(), "Basic", "Synced", "from B", "y")
	if _, err := b.Sync(ctx, bAuth, func(app.FullSyncQuestion) client.FullChoice { return client.FullUpload }, nil); err != nil {
		t.Fatal(err)
	}
	m.refreshSync()
	m.Wait()
	if m.syncBtn.Importance != widget.DangerImportance {
		t.Fatalf("the sync button is red when a full sync is due: %v", m.syncBtn.Importance)
	}
	m.Sync()
	var btns []*widget.Button
	deadline := time.Now().Add(10 * time.Second)
	for btns = m.FullSyncButtons(); btns == nil && time.Now().Before(deadline); btns = m.FullSyncButtons() {
		time.Sleep(10 * time.Millisecond)
	}
	if len(btns) != 3 || btns[0].Text != "Upload to Server" || btns[1].Text != "Download from Server" || btns[2].Text != "Cancel" {
		t.Fatalf("full sync question: %v", btns)
	}
	test.Tap(btns[1]) // download B's collection
	m.Wait()
	ids, _ := m.svc.Collection().FindNotes(ctx, `"from B"`, collection.Order{})
	if len(ids) != 1 || m.svc.Collection() == col {
		t.Fatalf("after download: %v (status %q)", ids, m.status.Text)
	}
	if !strings.Contains(strings.Join(m.Decks.Labels(), "|"), "Synced 2/0/0") {
		t.Fatalf("deck tree not reloaded: %q", m.Decks.Labels())
	}
	m.Logout()
	m.Wait()
	if m.SyncStatusText() != "Not logged in" {
		t.Fatalf("after logout: %q", m.SyncStatusText())
	}
}
