package app

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"html"
	"path/filepath"
	"strings"
)

// The extensions Anki's editor attaches: pictures become <img>, audio and video [sound:].
var (
	pictureExts = []string{".jpg", ".jpeg", ".png", ".gif", ".svg", ".webp", ".ico", ".avif", ".bmp", ".tif", ".tiff"}
	soundExts   = []string{".3gp", ".aac", ".avi", ".flac", ".flv", ".m4a", ".mkv", ".mov", ".mp3", ".mp4",
		".mpeg", ".mpg", ".oga", ".ogg", ".ogv", ".ogx", ".opus", ".spx", ".swf", ".wav", ".webm"}
)

// MediaExtensions lists the file extensions the editor can attach (for the file dialog).
func MediaExtensions() []string {
	return append(append([]string(nil), pictureExts...), soundExts...)
}

func hasExt(path string, exts []string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	for _, e := range exts {
		if e == ext {
			return true
		}
	}
	return false
}

// IsAttachable reports whether a file is a picture or a sound/video the editor attaches
// (rather than a package to import).
func IsAttachable(path string) bool {
	return hasExt(path, pictureExts) || hasExt(path, soundExts)
}

// MediaReference is what a field holds to show a media file: <img src> for pictures (the
// name URL-quoted, as Anki writes it) and [sound:name] for the rest.
func MediaReference(name string) string {
	if hasExt(name, pictureExts) {
		return `<img src="` + html.EscapeString(quoteMediaName(name)) + `">`
	}
	return "[sound:" + html.EscapeString(name) + "]"
}

// quoteMediaName percent-escapes every byte except letters, digits and _.-~ (Python's
// urllib.parse.quote, which Anki uses for image names).
func quoteMediaName(name string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.', c == '-', c == '~', c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// AttachMedia copies a file into the collection's media folder and returns the reference
// to insert into a field. The name is normalised, and a file with the same name but other
// content gets the content's hash appended, as Anki does; the same file added twice is
// stored once.
func (s *Service) AttachMedia(ctx context.Context, path string) (string, error) {
	col, err := s.c()
	if err != nil {
		return "", err
	}
	if col.Media == nil {
		return "", fmt.Errorf("attach %s: the collection has no media folder", filepath.Base(path))
	}
	if !IsAttachable(path) {
		return "", fmt.Errorf("attach %s: not a picture, sound or video file", filepath.Base(path))
	}
	name, err := col.Media.AddFile(ctx, path)
	if err != nil {
		return "", fmt.Errorf("attach %s: %w", filepath.Base(path), err)
	}
	return MediaReference(name), nil
}

// PastedImageName is the name Anki gives a picture pasted into a field: "paste-" and the
// hex SHA-1 of its bytes, so pasting the same picture twice stores one file.
func PastedImageName(png []byte) string {
	sum := sha1.Sum(png)
	return "paste-" + hex.EncodeToString(sum[:]) + ".png"
}

// AttachMediaBytes stores data (a pasted picture) in the media folder under name, with the
// same naming rules as AttachMedia, and returns the reference to insert into a field.
func (s *Service) AttachMediaBytes(ctx context.Context, name string, data []byte) (string, error) {
	col, err := s.c()
	if err != nil {
		return "", err
	}
	if col.Media == nil {
		return "", fmt.Errorf("attach %s: the collection has no media folder", name)
	}
	if !IsAttachable(name) {
		return "", fmt.Errorf("attach %s: not a picture, sound or video file", name)
	}
	stored, err := col.Media.AddData(ctx, name, data)
	if err != nil {
		return "", fmt.Errorf("attach %s: %w", name, err)
	}
	return MediaReference(stored), nil
}
