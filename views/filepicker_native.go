//go:build !ci && ((linux && cgo) || (darwin && cgo) || windows)

package views

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"
	sqdialog "github.com/sqweek/dialog"
)

// nativeMu keeps to one native dialog at a time: GTK is not thread-safe and the dialogs run
// on whichever goroutine asked.
var nativeMu sync.Mutex

// nativePicker is the platform's file dialog (GTK 3 on Linux, Cocoa, Win32) through
// github.com/sqweek/dialog. Its calls block until the user answers, so they run on their own
// goroutine and the answer comes back with fyne.Do. When the native dialog cannot open (no
// display for GTK, ...) the request goes to fallback and later requests go there directly.
type nativePicker struct {
	fallback FilePicker
	prefs    fyne.Preferences
	open     atomic.Bool // a native dialog is up: further requests are dropped
	broken   atomic.Bool // the native dialog failed once: use fallback from now on
}

func newNativePicker(fallback FilePicker, prefs fyne.Preferences) FilePicker {
	return &nativePicker{fallback: fallback, prefs: prefs}
}

func (p *nativePicker) Open(title string, filters []FileFilter, done func(string, error)) {
	p.ask(title, "", filters, done,
		func(b *sqdialog.FileBuilder) (string, error) { return b.Load() },
		func() { p.fallback.Open(title, filters, done) })
}

func (p *nativePicker) Save(title, suggestedName string, filters []FileFilter, done func(string, error)) {
	p.ask(title, suggestedName, filters, done,
		func(b *sqdialog.FileBuilder) (string, error) { return b.Save() },
		func() { p.fallback.Save(title, suggestedName, filters, done) })
}

func (p *nativePicker) ask(title, startFile string, filters []FileFilter, done func(string, error),
	run func(*sqdialog.FileBuilder) (string, error), fallback func()) {
	if p.broken.Load() {
		fallback()
		return
	}
	// the window stays live under a native dialog: a second Ctrl+Shift+I must not stack another
	if !p.open.CompareAndSwap(false, true) {
		return
	}
	b := sqdialog.File().Title(title)
	for _, f := range filters {
		b = b.Filter(f.Name, globs(f.Extensions)...)
	}
	if dir := lastFolder(p.prefs); dir != "" {
		b = b.SetStartDir(dir)
	}
	if startFile != "" {
		b = b.SetStartFile(startFile)
	}
	go func() {
		path, err := runNative(b, run)
		fyne.Do(func() {
			p.open.Store(false)
			switch {
			case errors.Is(err, sqdialog.ErrCancelled):
				done("", nil)
			case err != nil:
				p.broken.Store(true)
				slog.Warn("native file dialog failed; using Fyne's", "err", err)
				fallback()
			default:
				rememberFolder(p.prefs, path)
				done(path, nil)
			}
		})
	}()
}

// runNative runs one dialog. sqweek/dialog panics when GTK could not initialise (no X
// display); that becomes an error so the caller falls back.
func runNative(b *sqdialog.FileBuilder, run func(*sqdialog.FileBuilder) (string, error)) (path string, err error) {
	nativeMu.Lock()
	defer nativeMu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("native file dialog: %v", r)
		}
	}()
	return run(b)
}

// globs turns ".apkg" into the "apkg" sqweek/dialog expects; on Linux in upper case too,
// since GTK's patterns match case-sensitively and FILE.APKG from a FAT stick is common.
func globs(exts []string) []string {
	var out []string
	for _, e := range exts {
		e = strings.ToLower(strings.TrimPrefix(e, "."))
		out = append(out, e)
		if up := strings.ToUpper(e); runtime.GOOS == "linux" && up != e {
			out = append(out, up)
		}
	}
	return out
}
