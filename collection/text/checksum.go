package text

import (
	"crypto/sha1"
	"encoding/binary"
)

// SortField is the text Anki stores in notes.sfld for a field: the field with
// media tags reduced to their file names and all other markup stripped.
func SortField(field string) string {
	return StripHTMLPreservingMediaFilenames(field)
}

// FieldChecksum is notes.csum for the note's first field: the first four bytes of
// the SHA-1 of SortField(field0), big-endian.
func FieldChecksum(field0 string) uint32 {
	sum := sha1.Sum([]byte(StripHTMLPreservingMediaFilenames(field0)))
	return binary.BigEndian.Uint32(sum[:4])
}
