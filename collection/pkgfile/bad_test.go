package pkgfile

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// sqliteStub passes the magic check but is not a usable database.
var sqliteStub = append([]byte("SQLite format 3\x00"), make([]byte, 100)...)

func mediaList(t testing.TB, entries ...MediaEntry) []byte {
	return zstdBytes(t, encodeMediaEntries(entries))
}

func sha(b string) []byte {
	h := make([]byte, 20)
	copy(h, b)
	return h
}

func TestOpenRejectsBadPackages(t *testing.T) {
	z := func(b []byte) []byte { return b }
	legacy := func(extra ...member) []member {
		return append([]member{{name: "collection.anki2", data: sqliteStub, method: zip.Deflate}}, extra...)
	}
	latest := func(extra ...member) []member {
		return append([]member{{name: "meta", data: []byte{8, 3}}, {name: "collection.anki21b", data: zstdBytes(t, sqliteStub)},
			{name: "collection.anki2", data: sqliteStub}}, extra...)
	}
	tests := []struct {
		name    string
		members []member
		raw     []byte // used instead of members when set
		lim     Limits
		want    string
		tooNew  bool
	}{
		{name: "not a zip", raw: []byte("this is not a zip file at all"), want: "not a ZIP"},
		{name: "empty file", raw: []byte{}, want: "not a ZIP"},
		{name: "zip slip", members: legacy(member{name: "../evil", data: z([]byte("x"))}), want: "escapes"},
		{name: "nested slip", members: legacy(member{name: "a/../../evil", data: []byte("x")}), want: "escapes"},
		{name: "absolute", members: legacy(member{name: "/etc/passwd", data: []byte("x")}), want: "absolute"},
		{name: "backslash", members: legacy(member{name: "..\\evil", data: []byte("x")}), want: "absolute or Windows"},
		{name: "drive letter", members: legacy(member{name: "C:evil", data: []byte("x")}), want: "absolute or Windows"},
		{name: "symlink", members: legacy(member{name: "0", data: []byte("/etc/passwd"), mode: os.ModeSymlink | 0o777}), want: "symbolic link"},
		{name: "duplicate member", members: legacy(member{name: "media", data: []byte("{}")}, member{name: "media", data: []byte("{}")}), want: "twice"},
		{name: "invalid UTF-8 member", members: legacy(member{name: "\xff\xfe", data: []byte("x")}), want: "UTF-8"},
		{name: "declared collection too big", members: legacy(), lim: Limits{MaxCollectionBytes: 10}, want: "limit"},
		{name: "declared total too big", members: legacy(member{name: "0", data: make([]byte, 200)}), lim: Limits{MaxTotalBytes: 150}, want: "in total"},
		{name: "deflate bomb ratio", members: legacy(member{name: "0", data: make([]byte, 3<<20), method: zip.Deflate}, member{name: "media", data: []byte(`{"0":"a.bin"}`)}),
			lim: Limits{MaxRatio: 50}, want: "ratio"},
		{name: "media over limit", members: legacy(member{name: "0", data: make([]byte, 100)}, member{name: "media", data: []byte(`{"0":"a.bin"}`)}),
			lim: Limits{MaxMediaFileBytes: 99}, want: "above the 99-byte limit"},
		{name: "meta too new", members: []member{{name: "meta", data: []byte{8, 4}}, {name: "collection.anki21b", data: []byte("x")}}, tooNew: true},
		{name: "meta unknown 0", members: []member{{name: "meta", data: []byte{8, 0}}}, tooNew: true},
		{name: "meta empty", members: []member{{name: "meta", data: nil}}, tooNew: true},
		{name: "meta garbage", members: []member{{name: "meta", data: []byte{0x0a, 0xff}}}, want: "meta"},
		{name: "missing collection legacy1", members: []member{{name: "media", data: []byte("{}")}}, want: "no collection.anki2"},
		{name: "missing collection latest", members: []member{{name: "meta", data: []byte{8, 3}}, {name: "collection.anki2", data: sqliteStub}}, want: "no collection.anki21b"},
		{name: "latest collection not zstd", members: []member{{name: "meta", data: []byte{8, 3}}, {name: "collection.anki21b", data: sqliteStub}}, want: "not a zstd frame"},
		{name: "zstd declares huge collection", members: []member{{name: "meta", data: []byte{8, 3}},
			{name: "collection.anki21b", data: zstdWithSize(t, bytes.Repeat(sqliteStub, 100))}}, lim: Limits{MaxCollectionBytes: 5000}, want: "declares 11600"},
		{name: "broken JSON map", members: legacy(member{name: "media", data: []byte(`{"0": "a.png"`)}), want: "media list"},
		{name: "JSON map not object", members: legacy(member{name: "media", data: []byte(`["a.png"]`)}), want: "not a JSON object"},
		{name: "JSON map bad key", members: legacy(member{name: "0", data: []byte("x")}, member{name: "media", data: []byte(`{"zero": "a.png"}`)}), want: "not a member number"},
		{name: "JSON map negative key", members: legacy(member{name: "media", data: []byte(`{"-1": "a.png"}`)}), want: "not a member number"},
		{name: "JSON map value not string", members: legacy(member{name: "0", data: []byte("x")}, member{name: "media", data: []byte(`{"0": 5}`)}), want: "not a string"},
		{name: "JSON map trailing junk", members: legacy(member{name: "media", data: []byte(`{} {}`)}), want: "trailing"},
		{name: "JSON map unsafe name", members: legacy(member{name: "0", data: []byte("x")}, member{name: "media", data: []byte(`{"0": "../../evil.sh"}`)}), want: "unsafe file name"},
		{name: "JSON map path name", members: legacy(member{name: "0", data: []byte("x")}, member{name: "media", data: []byte(`{"0": "dir/a.png"}`)}), want: "unsafe file name"},
		{name: "JSON map invalid UTF-8 name", members: legacy(member{name: "0", data: []byte("x")}, member{name: "media", data: []byte("{\"0\": \"\xff.png\"}")}), want: "UTF-8"},
		{name: "JSON map missing member", members: legacy(member{name: "media", data: []byte(`{"0": "a.png"}`)}), want: "missing"},
		{name: "JSON map duplicate names", members: legacy(member{name: "0", data: []byte("x")}, member{name: "1", data: []byte("y")},
			member{name: "media", data: []byte(`{"0": "a.png", "1": "a.png"}`)}), want: "both named"},
		{name: "protobuf list not zstd", members: latest(member{name: "media", data: []byte{0x0a, 0x00}}), want: "media list"},
		{name: "protobuf list broken", members: latest(member{name: "media", data: zstdBytes(t, []byte{0x0a, 0xff, 0x01})}), want: "media list"},
		{name: "protobuf unsafe name", members: latest(member{name: "0", data: zstdBytes(t, []byte("x"))},
			member{name: "media", data: mediaList(t, MediaEntry{Name: "../x.png", Size: 1, SHA1: sha("x")})}), want: "unsafe"},
		{name: "protobuf not normalised", members: latest(member{name: "0", data: zstdBytes(t, []byte("x"))},
			member{name: "media", data: mediaList(t, MediaEntry{Name: "con", Size: 1, SHA1: sha("x")})}), want: "not normalised"},
		{name: "protobuf invalid UTF-8", members: latest(member{name: "0", data: zstdBytes(t, []byte("x"))},
			member{name: "media", data: mediaList(t, MediaEntry{Name: "\xff", Size: 1, SHA1: sha("x")})}), want: "UTF-8"},
		{name: "protobuf short sha1", members: latest(member{name: "0", data: zstdBytes(t, []byte("x"))},
			member{name: "media", data: mediaList(t, MediaEntry{Name: "a.png", Size: 1, SHA1: []byte{1, 2}})}), want: "sha1 is 2 bytes"},
		{name: "protobuf missing member", members: latest(member{name: "media", data: mediaList(t, MediaEntry{Name: "a.png", Size: 1, SHA1: sha("x")})}), want: "missing"},
		{name: "protobuf declared size over limit", members: latest(member{name: "0", data: zstdBytes(t, []byte("x"))},
			member{name: "media", data: mediaList(t, MediaEntry{Name: "a.png", Size: 1 << 30, SHA1: sha("x")})}), want: "declares"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p string
			if tc.raw != nil {
				p = filepath.Join(t.TempDir(), "raw.apkg")
				os.WriteFile(p, tc.raw, 0o644)
			} else {
				p = writeZip(t, tc.members)
			}
			r, err := Open(p, tc.lim)
			if err == nil {
				r.Close()
				t.Fatal("accepted")
			}
			if tc.tooNew {
				if !errors.Is(err, ErrTooNew) {
					t.Fatalf("error %v, want ErrTooNew", err)
				}
				return
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error is not ErrInvalid: %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestTruncatedPackage(t *testing.T) {
	dir := fixturesDir(t)
	b, err := os.ReadFile(filepath.Join(dir, "mujing_Alphabet_Word.apkg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, cut := range []int{len(b) / 2, len(b) - 10, 30} {
		p := filepath.Join(t.TempDir(), "cut.apkg")
		os.WriteFile(p, b[:cut], 0o644)
		if r, err := Open(p, Limits{}); err == nil || !errors.Is(err, ErrInvalid) {
			if r != nil {
				r.Close()
			}
			t.Errorf("cut at %d: %v", cut, err)
		}
	}
}

// Failures only visible while decompressing: each must end the read with an error.
func TestReadTimeChecks(t *testing.T) {
	ctx := context.Background()
	zeros := make([]byte, 3<<20)
	latestWith := func(col []byte, extra ...member) string {
		return writeZip(t, append([]member{{name: "meta", data: []byte{8, 3}}, {name: "collection.anki21b", data: col},
			{name: "collection.anki2", data: sqliteStub}}, extra...))
	}
	readAll := func(r *Reader, e MediaEntry) error {
		rc, err := r.OpenMedia(e)
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.Copy(io.Discard, rc)
		return err
	}

	t.Run("zstd collection bomb", func(t *testing.T) {
		r, err := Open(latestWith(streamZstd(t, zeros)), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		dst := filepath.Join(t.TempDir(), "c")
		if _, err := r.ExtractCollection(ctx, dst); err == nil || !strings.Contains(err.Error(), "ratio") {
			t.Fatalf("extract: %v", err)
		}
		if _, err := os.Stat(dst); err == nil {
			t.Fatal("destination written despite failure")
		}
		if left, _ := filepath.Glob(filepath.Join(filepath.Dir(dst), ".extract-*")); len(left) != 0 {
			t.Fatalf("temp files left: %v", left)
		}
	})
	t.Run("zstd collection over cap without declared size", func(t *testing.T) {
		frame := streamZstd(t, bytes.Repeat([]byte("SQLite format 3\x00abc"), 20000))
		var h zstd.Header
		if err := h.Decode(frame); err != nil || h.HasFCS {
			t.Fatalf("test frame should not declare its size: %+v %v", h, err)
		}
		r, err := Open(latestWith(frame), Limits{MaxCollectionBytes: 5000})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if _, err := r.ExtractCollection(ctx, filepath.Join(t.TempDir(), "c")); err == nil || !strings.Contains(err.Error(), "more than 5000") {
			t.Fatalf("extract: %v", err)
		}
	})
	t.Run("collection not sqlite", func(t *testing.T) {
		r, err := Open(latestWith(zstdBytes(t, []byte("definitely not sqlite"))), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if _, err := r.ExtractCollection(ctx, filepath.Join(t.TempDir(), "c")); err == nil || !errors.Is(err, ErrInvalid) {
			t.Fatalf("extract: %v", err)
		}
	})
	t.Run("corrupt zstd collection", func(t *testing.T) {
		frame := zstdBytes(t, bytes.Repeat([]byte("abcdefgh"), 10000))
		frame[len(frame)/2] ^= 0xff
		r, err := Open(latestWith(frame), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if _, err := r.ExtractCollection(ctx, filepath.Join(t.TempDir(), "c")); err == nil || !errors.Is(err, ErrInvalid) {
			t.Fatalf("extract: %v", err)
		}
	})
	t.Run("zstd media bomb", func(t *testing.T) {
		p := latestWith(zstdBytes(t, sqliteStub), member{name: "0", data: streamZstd(t, zeros)},
			member{name: "media", data: mediaList(t, MediaEntry{Name: "a.wav", Size: 10, SHA1: sha("x")})})
		r, err := Open(p, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if err := readAll(r, r.Media()[0]); err == nil || !strings.Contains(err.Error(), "more than 10 bytes") {
			t.Fatalf("read: %v", err)
		}
	})
	t.Run("media SHA-1 and size mismatch", func(t *testing.T) {
		p := latestWith(zstdBytes(t, sqliteStub),
			member{name: "0", data: zstdBytes(t, []byte("hello"))},
			member{name: "1", data: zstdBytes(t, []byte("hi"))},
			member{name: "media", data: mediaList(t,
				MediaEntry{Name: "a.txt", Size: 5, SHA1: sha("wrong")},
				MediaEntry{Name: "b.txt", Size: 5, SHA1: sha("x")})})
		r, err := Open(p, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if err := readAll(r, r.Media()[0]); err == nil || !strings.Contains(err.Error(), "SHA-1") {
			t.Fatalf("sha mismatch: %v", err)
		}
		if err := readAll(r, r.Media()[1]); err == nil || !strings.Contains(err.Error(), "media list says 5") {
			t.Fatalf("size mismatch: %v", err)
		}
	})
	t.Run("legacy member lies about its size", func(t *testing.T) {
		p := writeZip(t, []member{{name: "collection.anki2", data: sqliteStub, method: zip.Deflate},
			{name: "0", data: bytes.Repeat([]byte("x"), 5000), method: zip.Deflate},
			{name: "media", data: []byte(`{"0":"a.txt"}`)}})
		patchCentralSize(t, p, "0", 100)
		r, err := Open(p, Limits{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if err := readAll(r, r.Media()[0]); err == nil || !errors.Is(err, ErrInvalid) {
			t.Fatalf("read: %v", err)
		}
	})
	t.Run("cancelled extract", func(t *testing.T) {
		r, err := Open(filepath.Join(fixturesDir(t), "mujing_basic_word.apkg"), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := r.ExtractCollection(cctx, filepath.Join(t.TempDir(), "c")); !errors.Is(err, context.Canceled) {
			t.Fatalf("extract: %v", err)
		}
	})
}

// streamZstd compresses like Anki's streaming encoder: input beyond one block is
// written before its total is known, so the frame does not declare its size.
func streamZstd(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc, err := zstd.NewWriter(&buf, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	for len(b) > 0 {
		n := min(len(b), 64<<10)
		enc.Write(b[:n])
		b = b[n:]
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zstdWithSize writes a frame that declares its content size.
func zstdWithSize(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1))
	if err != nil {
		t.Fatal(err)
	}
	enc.ResetContentSize(&buf, int64(len(b)))
	enc.Write(b)
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	var h zstd.Header
	if err := h.Decode(buf.Bytes()); err != nil || !h.HasFCS {
		t.Fatalf("frame does not declare its size: %+v %v", h, err)
	}
	return buf.Bytes()
}

// patchCentralSize rewrites the uncompressed size a member declares in the central
// directory, producing a zip that lies about its contents.
func patchCentralSize(t *testing.T, path, name string, size uint32) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sig := []byte{0x50, 0x4b, 0x01, 0x02}
	for i := 0; i+46 < len(b); i++ {
		if !bytes.Equal(b[i:i+4], sig) {
			continue
		}
		nameLen := int(binary.LittleEndian.Uint16(b[i+28:]))
		if string(b[i+46:i+46+nameLen]) == name {
			binary.LittleEndian.PutUint32(b[i+24:], size)
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("member %s not found", name)
}
