// Package medianame implements Anki's rules for media file names (rslib/src/media/files.rs):
// which names are normalised, which are safe to join to the media folder, and how a
// conflicting file gets a hash suffix.
package medianame

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
	"golang.org/x/text/unicode/rangetable"
)

// MaxLength is Anki's limit on a media file name in bytes (MAX_MEDIA_FILENAME_LENGTH).
const MaxLength = 120

// MaxFileSize is the largest media file Anki syncs or checks (MAX_INDIVIDUAL_MEDIA_FILE_SIZE).
const MaxFileSize = 100 * 1024 * 1024

// Anki decides "unassigned" with the unic-ucd-category crate, which is frozen at
// Unicode 10.0. Using the same table matters: Anki rejects a Latest package whose media
// list holds a name it would normalise, so a name we consider clean must be clean for it.
var assigned10 = rangetable.Assigned("10.0.0")

// Device names are matched case-insensitively when they are the whole name or are
// followed by a dot (so "con.jpg" is a device name on Windows, "console.jpg" is not).
var windowsDevice = regexp.MustCompile(`(?i)^(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\.|$)`)

func disallowed(r rune) bool {
	switch r {
	case '[', ']', '<', '>', ':', '"', '/', '?', '*', '^', '\\', '|':
		return true
	}
	if r < 0x20 || r == 0x7f {
		return true
	}
	return assigned10 != nil && !unicode.Is(assigned10, r)
}

// Normalize returns the name Anki would store the file under: NFC, problem characters
// removed, NBSP turned into a space, Windows device names and trailing space/dot suffixed
// with "_", and the whole name cut to 120 bytes keeping (up to 10 bytes of) the extension.
// It fails on invalid UTF-8 and when nothing usable is left.
func Normalize(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", fmt.Errorf("media name %q: not valid UTF-8", name)
	}
	s := norm.NFC.String(name)
	s = strings.Map(func(r rune) rune {
		if disallowed(r) {
			return -1
		}
		if r == '\u00a0' {
			return ' '
		}
		return r
	}, s)
	s = windowsDevice.ReplaceAllString(s, "${1}_${2}")
	if hasTrailingSpaceOrDot(s) {
		s += "_"
	}
	s = truncate(s, MaxLength)
	if s == "" {
		return "", fmt.Errorf("media name %q: nothing left after normalisation", name)
	}
	return s, nil
}

// IsNormalized reports whether Normalize leaves name unchanged, i.e. Anki would accept it
// verbatim in a Latest package.
func IsNormalized(name string) bool {
	n, err := Normalize(name)
	return err == nil && n == name
}

func hasTrailingSpaceOrDot(s string) bool {
	return strings.HasSuffix(s, " ") || strings.HasSuffix(s, ".")
}

// truncate shortens a name longer than maxBytes, as Anki's truncate_filename does.
func truncate(name string, maxBytes int) string {
	if len(name) <= maxBytes {
		return name
	}
	stem, ext := splitAndTruncate(name, maxBytes)
	out := stem
	if ext != "" {
		out = stem + "." + ext
	}
	// Cutting may expose a trailing space or dot, which Windows cannot store.
	if hasTrailingSpaceOrDot(out) {
		out += "_"
	}
	return out
}

// splitAndTruncate splits at the last dot and trims the extension to 10 bytes and the
// stem so that "stem.ext_" fits in maxBytes, always on rune boundaries.
func splitAndTruncate(name string, maxBytes int) (stem, ext string) {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		stem, ext = name[:i], name[i+1:]
	} else {
		stem = name
	}
	ext = cutToBoundary(ext, 10)
	stem = cutToBoundary(stem, maxBytes-len(ext)-2)
	return stem, ext
}

func cutToBoundary(s string, max int) string {
	if max < 0 {
		max = 0
	}
	if max >= len(s) {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

// IsSafe reports whether name is a single plain file name that cannot escape the media
// folder: not empty, no NUL, no "/" or "\" separators, not "." or "..", and no Windows
// drive prefix. Anki's filename_is_safe rejects the same path shapes on its platform;
// we apply the union of the Unix and Windows rules because packages cross platforms.
func IsSafe(name string) bool {
	if name == "" || name == "." || name == ".." {
		return false
	}
	if strings.ContainsAny(name, "/\\\x00") {
		return false
	}
	if len(name) >= 2 && name[1] == ':' && isASCIILetter(name[0]) {
		return false
	}
	return true
}

func isASCIILetter(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// ErrBadHash is returned by CheckSHA1Hex for a digest that is not 40 hex digits.
var ErrBadHash = errors.New("sha1 must be 40 hexadecimal digits")

// WithHashSuffix renames "stem.ext" to "stem-<sha1hex>.ext", first cutting the name so
// the result stays within 120 bytes (Anki's add_hash_suffix_to_file_stem). Anki writes
// "stem-<sha1>." for a name without extension, a trailing dot that Windows cannot store;
// we leave the dot out in that case.
func WithHashSuffix(name string, sha1hex string) string {
	stem, ext := splitAndTruncate(name, MaxLength-40-1)
	if ext == "" {
		return stem + "-" + sha1hex
	}
	return stem + "-" + sha1hex + "." + ext
}

// CheckSHA1Hex validates a hex SHA-1 digest before it is used in a file name.
func CheckSHA1Hex(s string) error {
	if len(s) != 40 {
		return ErrBadHash
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return ErrBadHash
		}
	}
	return nil
}

// IsStatic reports whether the file is static media ("_" prefix): referenced from
// templates or CSS, so never reported as unused and never overwritten on import.
func IsStatic(name string) bool {
	return strings.HasPrefix(name, "_")
}

// IsLatex reports whether the file is a generated LaTeX image ("latex-<sha1>.png|svg");
// Anki treats these like static files on import (copied only when absent).
func IsLatex(name string) bool {
	return strings.HasPrefix(name, "latex-")
}
