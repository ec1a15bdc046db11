package views

import (
	"context"
	"errors"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/sync/client"
)

// Sync: the toolbar's Sync button (Y), a login dialog the first time, a progress dialog with
// Cancel, Anki's upload/download/cancel question when a full sync is required, and errors
// that say what to do.

const (
	serverAnkiWeb = "AnkiWeb"
	serverCustom  = "Self-hosted server"
)

func (m *MainWindow) makeSyncButton() fyne.CanvasObject {
	m.syncBtn = widget.NewButtonWithIcon("Sync (Y)", theme.ViewRefreshIcon(), m.Sync)
	m.syncStatus = widget.NewLabel("")
	m.syncStatus.Importance = widget.LowImportance
	return container.NewHBox(m.syncStatus, m.syncBtn)
}

// SyncStatusText is the line beside the sync button (tests).
func (m *MainWindow) SyncStatusText() string { return m.syncStatus.Text }

// refreshSync colours the sync button (blue: changes to sync, red: full sync needed) and
// updates the status line.
func (m *MainWindow) refreshSync() {
	dir := m.LoginDir
	m.run.Go(func() func() {
		need := m.svc.NeedsSync(context.Background())
		status := m.svc.SyncStatus(context.Background(), dir)
		_, loggedIn := app.LoadSyncLogin(dir)
		return func() {
			m.syncStatus.SetText(status)
			switch {
			case !loggedIn:
				m.syncBtn.Importance = widget.MediumImportance
			case need == app.SyncFull:
				m.syncBtn.Importance = widget.DangerImportance
			case need == app.SyncChanges:
				m.syncBtn.Importance = widget.HighImportance
			default:
				m.syncBtn.Importance = widget.MediumImportance
			}
			m.syncBtn.Refresh()
		}
	})
}

// Sync syncs, asking for a login first when there is none.
func (m *MainWindow) Sync() {
	if m.syncing {
		return
	}
	if _, ok := app.LoadSyncLogin(m.LoginDir); !ok {
		m.PromptLogin(m.runSync)
		return
	}
	m.runSync()
}

// LoginForm is the login dialog's inputs (tests fill them).
type LoginForm struct {
	Server   *widget.RadioGroup
	URL      *widget.Entry
	User     *widget.Entry
	Password *widget.Entry
	Protocol *widget.Select
	Submit   func()
}

// PromptLogin asks for the server, user and password, logs in, then calls after.
func (m *MainWindow) PromptLogin(after func()) {
	f := &LoginForm{URL: widget.NewEntry(), User: widget.NewEntry(), Password: widget.NewPasswordEntry(),
		Protocol: widget.NewSelect([]string{"auto", "v11", "legacy"}, nil)}
	f.URL.SetPlaceHolder("http://192.168.1.200:8080/")
	f.User.SetPlaceHolder("email or user name")
	f.Protocol.SetSelected("auto")
	f.Server = widget.NewRadioGroup([]string{serverAnkiWeb, serverCustom}, func(s string) {
		if s == serverCustom {
			f.URL.Enable()
		} else {
			f.URL.Disable()
		}
	})
	f.Server.Horizontal = true
	f.Server.Required = true
	f.Server.SetSelected(serverAnkiWeb)
	if l, ok := app.LoadSyncLogin(m.LoginDir); ok || l.User != "" {
		f.User.SetText(l.User)
	}
	note := widget.NewLabel("An account on AnkiWeb (free) or on your own sync server is required to keep your collection in sync.")
	note.Wrapping = fyne.TextWrapWord
	items := []*widget.FormItem{
		widget.NewFormItem("", note),
		widget.NewFormItem("Server", f.Server), widget.NewFormItem("URL", f.URL),
		widget.NewFormItem("User", f.User), widget.NewFormItem("Password", f.Password),
		widget.NewFormItem("Protocol", f.Protocol),
	}
	f.Submit = func() {
		url := ""
		if f.Server.Selected == serverCustom {
			url = f.URL.Text
		}
		user, pw, proto := f.User.Text, f.Password.Text, f.Protocol.Selected
		m.setSyncing(true, "Logging in…")
		m.run.Go(func() func() {
			_, err := app.Login(context.Background(), m.LoginDir, url, user, pw, proto)
			return func() {
				m.setSyncing(false, "")
				if err != nil {
					m.showSyncError(err)
					return
				}
				m.refreshSync()
				if after != nil {
					after()
				}
			}
		})
	}
	m.LastLogin = f
	d := dialog.NewForm("Sync", "Log In", "Cancel", items, func(ok bool) {
		if ok {
			f.Submit()
		}
	}, m.Window)
	d.Resize(fyne.NewSize(520, 380))
	d.Show()
	m.Window.Canvas().Focus(f.User)
}

func (m *MainWindow) setSyncing(on bool, what string) {
	m.syncing = on
	if on {
		m.syncBtn.Disable()
		m.syncStatus.SetText(what)
	} else {
		m.syncBtn.Enable()
	}
}

// runSync syncs with a progress dialog; the collection may be replaced by a download.
func (m *MainWindow) runSync() {
	m.Editor.Flush()
	ctx, cancel := context.WithCancel(context.Background())
	what := widget.NewLabel("Checking…")
	counts := widget.NewLabel("")
	bar := widget.NewProgressBarInfinite()
	cancelBtn := widget.NewButton("Cancel", func() {
		cancel()
		what.SetText("Cancelling…")
	})
	dlg := dialog.NewCustomWithoutButtons("Sync", container.NewVBox(what, bar, counts), m.Window)
	dlg.SetButtons([]fyne.CanvasObject{cancelBtn})
	dlg.Resize(fyne.NewSize(420, 180))
	dlg.Show()
	m.setSyncing(true, "Syncing…")
	progress := func(p app.SyncProgress) {
		m.run.post(func() {
			if p.Stage != "" {
				what.SetText(p.Stage)
			}
			if p.Sent+p.Received+p.MediaUp+p.MediaDown > 0 {
				counts.SetText(formatSyncCounts(p))
			}
		})
	}
	m.run.Go(func() func() {
		rep, err := m.svc.Sync(ctx, m.LoginDir, func(q app.FullSyncQuestion) client.FullChoice {
			return m.askFullSync(ctx, q)
		}, progress)
		return func() {
			cancel()
			bar.Stop()
			dlg.Hide()
			m.setSyncing(false, "")
			if rep.Replaced {
				m.ShowDecks()
				m.Editor.Clear()
				m.Preview.Clear()
			}
			if err != nil {
				m.showSyncError(err)
			} else {
				m.status.SetText(rep.String())
				if rep.Full != 0 || rep.ServerMessage != "" {
					dialog.ShowInformation("Sync", rep.String(), m.Window)
				}
			}
			m.Decks.Refresh()
			m.Browser.Refresh()
			m.refreshStatus()
			m.refreshSync()
		}
	})
}

func formatSyncCounts(p app.SyncProgress) string {
	s := ""
	if p.Sent+p.Received > 0 {
		s = "changes: " + strconv.Itoa(p.Sent) + " sent, " + strconv.Itoa(p.Received) + " received"
	}
	if p.MediaUp+p.MediaDown > 0 {
		if s != "" {
			s += " · "
		}
		s += "media: " + strconv.Itoa(p.MediaUp) + " sent, " + strconv.Itoa(p.MediaDown) + " received"
	}
	return s
}

// FullSyncButtons are the full-sync question's Upload, Download and Cancel buttons while the
// question is shown (tests tap them).
func (m *MainWindow) FullSyncButtons() []*widget.Button {
	m.fullMu.Lock()
	defer m.fullMu.Unlock()
	return m.fullBtns
}

// askFullSync asks Anki's question from the sync goroutine and waits for the answer.
func (m *MainWindow) askFullSync(ctx context.Context, q app.FullSyncQuestion) client.FullChoice {
	answer := make(chan client.FullChoice, 1)
	m.run.post(func() {
		msg := widget.NewLabel("Your collection here and the one on the server differ in such a way that they can't be " +
			"merged together, so it's necessary to overwrite one side with the other.\n\n" +
			"If you choose Download, Deckhand will download the collection from the server, and any changes you have " +
			"made on this computer since the last sync will be lost.\n\n" +
			"If you choose Upload, Deckhand will upload your collection to the server, and any changes you have made " +
			"on the server or your other devices since the last sync to this device will be lost.\n\n" +
			"After all devices are in sync, future reviews and added cards can be merged automatically. " +
			"Media are merged either way.")
		msg.Wrapping = fyne.TextWrapWord
		var d *dialog.CustomDialog
		pick := func(c client.FullChoice) func() {
			return func() {
				m.fullMu.Lock()
				m.fullBtns = nil
				m.fullMu.Unlock()
				d.Hide()
				answer <- c
			}
		}
		up := widget.NewButton("Upload to Server", pick(client.FullUpload))
		down := widget.NewButton("Download from Server", pick(client.FullDownload))
		cancel := widget.NewButton("Cancel", pick(client.FullCancel))
		cancel.Importance = widget.HighImportance // Anki's default
		d = dialog.NewCustomWithoutButtons("Full Sync Required", msg, m.Window)
		d.SetButtons([]fyne.CanvasObject{up, down, cancel})
		d.Resize(fyne.NewSize(560, 380))
		d.Show()
		m.fullMu.Lock()
		m.fullBtns = []*widget.Button{up, down, cancel}
		m.fullMu.Unlock()
	})
	select {
	case c := <-answer:
		return c
	case <-ctx.Done():
		return client.FullCancel
	}
}

// showSyncError says what went wrong and what to do; a refused login offers to log in again.
func (m *MainWindow) showSyncError(err error) {
	m.syncStatus.SetText("Sync failed")
	var se *app.SyncError
	msg := err.Error()
	if errors.As(err, &se) && se.LoggedOut {
		dialog.ShowConfirm("Sync", msg+"\n\nLog in again?", func(ok bool) {
			if ok {
				m.PromptLogin(m.runSync)
			}
		}, m.Window)
		return
	}
	m.status.SetText("Sync: " + msg)
	dialog.ShowError(errors.New(msg), m.Window)
}

// Logout forgets the sync login (Tools > Log Out of Sync).
func (m *MainWindow) Logout() {
	if err := app.Logout(m.LoginDir); err != nil {
		dialog.ShowError(err, m.Window)
		return
	}
	m.status.SetText("Logged out of the sync server.")
	m.refreshSync()
}
