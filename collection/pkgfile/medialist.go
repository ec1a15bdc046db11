package pkgfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/deckhand-app/deckhand/collection/medianame"
	"google.golang.org/protobuf/encoding/protowire"
)

// loadMedia reads and validates the media list. A package without one has no media
// (older AnkiDroid colpkgs omitted it).
func (r *Reader) loadMedia() error {
	f, ok := r.members[MemberMedia]
	if !ok {
		return nil
	}
	data, err := r.readSmall(f, maxSmallMember, r.gen.zstd())
	if err != nil {
		return fmt.Errorf("media list: %w", err)
	}
	var entries []MediaEntry
	if r.gen.zstd() {
		entries, err = decodeMediaEntries(data)
	} else {
		entries, err = decodeLegacyMap(data)
	}
	if err != nil {
		return err
	}
	seen := map[string]int{}
	var total uint64
	for i := range entries {
		e := &entries[i]
		m, ok := r.members[memberName(e.Index)]
		if !ok {
			return invalidf("media list refers to member %q (%s), which is missing", memberName(e.Index), e.OriginalName)
		}
		if prev, dup := seen[e.Name]; dup {
			return invalidf("media members %q and %q are both named %q", memberName(prev), memberName(e.Index), e.Name)
		}
		seen[e.Name] = e.Index
		if r.gen.zstd() {
			// Declared and compressed sizes: a zstd member may be smaller, never absurdly so.
			if r.lim.ratioExceeded(uint64(e.Size), m.UncompressedSize64) {
				return invalidf("media %q declares %d bytes from %d compressed", e.Name, e.Size, m.UncompressedSize64)
			}
		} else {
			e.Size = int64(m.UncompressedSize64)
		}
		if e.Size > r.lim.MaxMediaFileBytes {
			return invalidf("media %q is %d bytes, above the %d-byte limit", e.Name, e.Size, r.lim.MaxMediaFileBytes)
		}
		total += uint64(e.Size)
		if total > uint64(r.lim.MaxTotalBytes) {
			return invalidf("media declares more than %d bytes in total", r.lim.MaxTotalBytes)
		}
	}
	r.media = entries
	return nil
}

// decodeLegacyMap reads {"0": "name.jpg", …}. Like Anki, listed names that are merely
// not normalised are normalised; names with path components are refused.
func decodeLegacyMap(data []byte) ([]MediaEntry, error) {
	// encoding/json would silently turn invalid UTF-8 into U+FFFD; Anki refuses it.
	if !utf8.Valid(data) {
		return nil, invalidf("media list is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, invalidf("media list is not JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, invalidf("media list is not a JSON object")
	}
	var out []MediaEntry
	keys := map[int]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, invalidf("media list: %v", err)
		}
		key, _ := tok.(string)
		var name string
		if err := dec.Decode(&name); err != nil {
			return nil, invalidf("media list entry %q: value is not a string: %v", key, err)
		}
		idx, err := strconv.ParseUint(key, 10, 31)
		if err != nil {
			return nil, invalidf("media list key %q is not a member number", key)
		}
		if keys[int(idx)] {
			return nil, invalidf("media list has key %q twice", key)
		}
		keys[int(idx)] = true
		e, err := legacyEntry(int(idx), name)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if _, err := dec.Token(); err != nil {
		return nil, invalidf("media list: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, invalidf("media list: trailing data after the JSON object")
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, nil
}

func legacyEntry(idx int, name string) (MediaEntry, error) {
	if !utf8.ValidString(name) {
		return MediaEntry{}, invalidf("media member %q: name is not valid UTF-8", memberName(idx))
	}
	if !medianame.IsSafe(name) {
		return MediaEntry{}, invalidf("media member %q: unsafe file name %q", memberName(idx), name)
	}
	norm, err := medianame.Normalize(name)
	if err != nil {
		return MediaEntry{}, invalidf("media member %q: %v", memberName(idx), err)
	}
	return MediaEntry{Index: idx, Name: norm, OriginalName: name}, nil
}

// decodeMediaEntries reads MediaEntries{repeated MediaEntry entries = 1} with
// MediaEntry{string name = 1; uint32 size = 2; bytes sha1 = 3; optional uint32
// legacy_zip_filename = 255}. The entry's position is its member number. As in Anki,
// names must already be normalised and sha1 must be 20 bytes.
func decodeMediaEntries(data []byte) ([]MediaEntry, error) {
	var out []MediaEntry
	for len(data) > 0 {
		num, typ, n := protowire.ConsumeTag(data)
		if n < 0 {
			return nil, invalidf("media list: %v", protowire.ParseError(n))
		}
		data = data[n:]
		if num != 1 || typ != protowire.BytesType {
			n = protowire.ConsumeFieldValue(num, typ, data)
			if n < 0 {
				return nil, invalidf("media list: %v", protowire.ParseError(n))
			}
			data = data[n:]
			continue
		}
		msg, n := protowire.ConsumeBytes(data)
		if n < 0 {
			return nil, invalidf("media list: %v", protowire.ParseError(n))
		}
		data = data[n:]
		e, err := decodeMediaEntry(len(out), msg)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func decodeMediaEntry(idx int, msg []byte) (MediaEntry, error) {
	e := MediaEntry{Index: idx}
	where := fmt.Sprintf("media entry %d", idx)
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return e, invalidf("%s: %v", where, protowire.ParseError(n))
		}
		msg = msg[n:]
		switch {
		case num == 1 && typ == protowire.BytesType:
			var b []byte
			b, n = protowire.ConsumeBytes(msg)
			e.Name = string(b)
		case num == 2 && typ == protowire.VarintType:
			var v uint64
			v, n = protowire.ConsumeVarint(msg)
			e.Size = int64(uint32(v))
		case num == 3 && typ == protowire.BytesType:
			var b []byte
			b, n = protowire.ConsumeBytes(msg)
			e.SHA1 = append([]byte(nil), b...)
		default:
			n = protowire.ConsumeFieldValue(num, typ, msg)
		}
		if n < 0 {
			return e, invalidf("%s: %v", where, protowire.ParseError(n))
		}
		msg = msg[n:]
	}
	e.OriginalName = e.Name
	switch {
	case !utf8.ValidString(e.Name):
		return e, invalidf("%s: name is not valid UTF-8", where)
	case !medianame.IsSafe(e.Name):
		return e, invalidf("%s: unsafe file name %q", where, e.Name)
	case !medianame.IsNormalized(e.Name):
		n, _ := medianame.Normalize(e.Name)
		return e, invalidf("%s: file name %q is not normalised (Anki would store %q)", where, e.Name, n)
	case len(e.SHA1) != 20:
		return e, invalidf("%s (%s): sha1 is %d bytes, want 20", where, e.Name, len(e.SHA1))
	}
	return e, nil
}

// encodeMediaEntries is the inverse of decodeMediaEntries for the writer.
func encodeMediaEntries(entries []MediaEntry) []byte {
	var out []byte
	for _, e := range entries {
		var m []byte
		if e.Name != "" {
			m = protowire.AppendTag(m, 1, protowire.BytesType)
			m = protowire.AppendString(m, e.Name)
		}
		if e.Size != 0 {
			m = protowire.AppendTag(m, 2, protowire.VarintType)
			m = protowire.AppendVarint(m, uint64(min(e.Size, math.MaxUint32)))
		}
		if len(e.SHA1) != 0 {
			m = protowire.AppendTag(m, 3, protowire.BytesType)
			m = protowire.AppendBytes(m, e.SHA1)
		}
		out = protowire.AppendTag(out, 1, protowire.BytesType)
		out = protowire.AppendBytes(out, m)
	}
	return out
}

// encodeLegacyMap writes {"0":"name",…} in index order.
func encodeLegacyMap(entries []MediaEntry) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for i, e := range entries {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:", strconv.Itoa(e.Index))
		_ = enc.Encode(e.Name) // a string always encodes
		b.Truncate(b.Len() - 1)
	}
	b.WriteByte('}')
	return b.Bytes()
}
