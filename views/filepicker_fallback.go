//go:build ci || !((linux && cgo) || (darwin && cgo) || windows)

package views

import "fyne.io/fyne/v2"

// newNativePicker has no native dialog to offer in this build (the ci test build, or no cgo
// for GTK/Cocoa): Fyne's dialog does the work.
func newNativePicker(fallback FilePicker, _ fyne.Preferences) FilePicker { return fallback }
