//go:build (!ci && cgo && (linux || darwin)) || (!ci && windows)

package views

import (
	"log/slog"
	"sync"
	"time"

	"golang.design/x/clipboard"
)

// clipboardWait bounds a read: on X11 a clipboard owner that never answers would otherwise
// hold the paste (and the library's lock) for good.
const clipboardWait = 2 * time.Second

// nativeClipboard reads pictures with golang.design/x/clipboard (X11 on Linux, NSPasteboard
// on macOS, the Win32 clipboard on Windows).
type nativeClipboard struct{}

// clipboardReady initialises the library once; without a display (or libX11) pasting
// pictures is off and text paste still works.
var clipboardReady = sync.OnceValue(func() bool {
	if err := clipboard.Init(); err != nil {
		slog.Warn("pasting pictures is unavailable", "err", err)
		return false
	}
	return true
})

func systemImageClipboard() imageClipboard { return nativeClipboard{} }

func (nativeClipboard) Image() []byte {
	if !clipboardReady() {
		return nil
	}
	got := make(chan []byte, 1)
	go func() { got <- clipboard.Read(clipboard.FmtImage) }()
	select {
	case data := <-got:
		return data
	case <-time.After(clipboardWait):
		slog.Warn("the clipboard did not answer; pasting as text")
		return nil
	}
}
