// Package pkgfile reads and writes the ZIP container of Anki's .apkg and .colpkg files in
// all three generations (rslib/src/import_export/package): the meta member, the
// collection file (zstd-compressed in the Latest format), the "please update" dummy
// collection, the numbered media members and the media list. It knows nothing about
// notes or decks; importers and exporters build on it.
package pkgfile

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// Generation is a package format, numbered like Anki's PackageMetadata.Version.
type Generation int

const (
	// Legacy1: collection.anki2 (schema 11), JSON media map, raw media; Anki 2.0–2.1.49.
	Legacy1 Generation = 1
	// Legacy2: collection.anki21 (schema 11) plus a dummy collection.anki2, JSON media
	// map, raw media; what "Support older Anki versions" writes (meta 08 02).
	Legacy2 Generation = 2
	// Latest: zstd collection.anki21b (schema 18) plus dummy, zstd protobuf media list,
	// zstd media; Anki ≥ 2.1.50 (meta 08 03).
	Latest Generation = 3
)

func (g Generation) String() string {
	switch g {
	case Legacy1:
		return "legacy-1 (anki2)"
	case Legacy2:
		return "legacy-2 (anki21)"
	case Latest:
		return "latest (anki21b)"
	}
	return fmt.Sprintf("unknown generation %d", int(g))
}

func (g Generation) valid() bool { return g >= Legacy1 && g <= Latest }

// CollectionMember is the ZIP member holding the collection for this generation.
func (g Generation) CollectionMember() string {
	switch g {
	case Legacy2:
		return MemberAnki21
	case Latest:
		return MemberAnki21b
	}
	return MemberAnki2
}

// SchemaVersion is the collection schema the generation carries (11 or 18).
func (g Generation) SchemaVersion() int {
	if g == Latest {
		return 18
	}
	return 11
}

// zstd compression and the protobuf media list go together with the Latest format.
func (g Generation) zstd() bool { return g == Latest }

// ZIP member names used by Anki.
const (
	MemberMeta    = "meta"
	MemberMedia   = "media"
	MemberAnki2   = "collection.anki2"
	MemberAnki21  = "collection.anki21"
	MemberAnki21b = "collection.anki21b"
)

var (
	// ErrInvalid wraps every complaint about a malformed, truncated or hostile package.
	ErrInvalid = errors.New("invalid Anki package")
	// ErrTooNew is returned for a meta version this code does not know (Anki's TooNew).
	ErrTooNew = errors.New("package requires a newer version of Anki")
)

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}

// encodeMeta returns PackageMetadata{version}: two bytes, 08 0g.
func encodeMeta(g Generation) []byte {
	b := protowire.AppendTag(nil, 1, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(g))
}

// decodeMeta reads PackageMetadata. Like prost, a missing field means version 0; 0 and
// values outside the enum are "too new".
func decodeMeta(b []byte) (Generation, error) {
	var version uint64
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, invalidf("meta: %v", protowire.ParseError(n))
		}
		b = b[n:]
		if num == 1 && typ == protowire.VarintType {
			version, n = protowire.ConsumeVarint(b)
		} else {
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return 0, invalidf("meta: %v", protowire.ParseError(n))
		}
		b = b[n:]
	}
	g := Generation(int32(version))
	if !g.valid() {
		return 0, fmt.Errorf("meta version %d: %w", int32(version), ErrTooNew)
	}
	return g, nil
}
