//go:build !((!ci && cgo && (linux || darwin)) || (!ci && windows))

package views

// systemImageClipboard has no picture reader in this build (tests with the ci tag, or no
// cgo where the clipboard library needs it): Ctrl+V pastes text only.
func systemImageClipboard() imageClipboard { return nil }
