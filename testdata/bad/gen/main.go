// Command gen writes the bad-input corpus of testdata/bad: crafted packages, AnkiApp
// files and CSV files that an import must refuse with a clear error (or accept with a
// documented warning) without changing the collection. Run it from the repository root:
//
//	go run ./testdata/bad/gen
//
// It builds what it needs from a fresh collection and Deckhand's own exporter, so the
// corpus holds no third-party data. Files too large to commit (the 50 MB field) are made
// by the tests at run time instead.
package main

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	_ "modernc.org/sqlite"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
	apkgexport "github.com/deckhand-app/deckhand/exporters/apkg"
)

var out = "testdata/bad"

// fixed keeps zip timestamps stable, so that regenerating changes nothing.
var fixed = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

type member struct {
	name   string
	data   []byte
	method uint16
	mode   os.FileMode
}

func zipBytes(members ...member) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, m := range members {
		h := &zip.FileHeader{Name: m.name, Method: m.method, Modified: fixed}
		if m.mode != 0 {
			h.SetMode(m.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			log.Fatal(err)
		}
		w.Write(m.data)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

func zstdBytes(b []byte) []byte {
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression))
	defer enc.Close()
	return enc.EncodeAll(b, nil)
}

func write(name string, data []byte) {
	if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
		log.Fatal(err)
	}
}

// readMember returns one member of a zip.
func readMember(pkg []byte, name string) []byte {
	zr, err := zip.NewReader(bytes.NewReader(pkg), int64(len(pkg)))
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			return b
		}
	}
	log.Fatalf("no member %s", name)
	return nil
}

// sqliteWith runs statements on a copy of a database file and returns the new bytes.
func sqliteWith(tmp string, db []byte, stmts ...string) []byte {
	p := filepath.Join(tmp, fmt.Sprintf("edit-%d.db", time.Now().UnixNano()))
	if err := os.WriteFile(p, db, 0o600); err != nil {
		log.Fatal(err)
	}
	d, err := sql.Open("sqlite", p)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range stmts {
		if _, err := d.Exec(s); err != nil {
			log.Fatalf("%s: %v", s, err)
		}
	}
	d.Exec("PRAGMA journal_mode=DELETE")
	d.Close()
	b, err := os.ReadFile(p)
	if err != nil {
		log.Fatal(err)
	}
	return b
}

func main() {
	ctx := context.Background()
	tmp, err := os.MkdirTemp("", "badgen")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)

	// A small source collection: one note referring to one media file.
	col, err := collection.Create(ctx, filepath.Join(tmp, "src", "collection.anki2"))
	if err != nil {
		log.Fatal(err)
	}
	nt, _ := col.NotetypeByName("Basic")
	n, err := col.NewNote(nt.ID)
	if err != nil {
		log.Fatal(err)
	}
	n.Fields[0], n.Fields[1] = "bad corpus", `<img src="pic.png">`
	if err := col.AddNote(ctx, n, collection.DefaultDeckID); err != nil {
		log.Fatal(err)
	}
	if _, err := col.Media.AddData(ctx, "pic.png", []byte("\x89PNG not really")); err != nil {
		log.Fatal(err)
	}
	export := func(g pkgfile.Generation) []byte {
		p := filepath.Join(tmp, fmt.Sprintf("g%d.apkg", g))
		if _, err := apkgexport.Export(ctx, col, p, apkgexport.Options{WithMedia: true, Generation: g}); err != nil {
			log.Fatal(err)
		}
		b, _ := os.ReadFile(p)
		return b
	}
	legacy1, latest := export(pkgfile.Legacy1), export(pkgfile.Latest)
	col.Close()
	col11 := readMember(legacy1, "collection.anki2")
	col18z := readMember(latest, "collection.anki21b")
	dec, _ := zstd.NewReader(nil)
	col18, err := dec.DecodeAll(col18z, nil)
	if err != nil {
		log.Fatal(err)
	}
	media := []byte(`{"0":"pic.png"}`)
	pic := []byte("\x89PNG not really")
	meta3 := []byte{0x08, 0x03}

	// --- ZIP container ---
	write("zip-slip.apkg", zipBytes(member{name: "collection.anki2", data: col11, method: zip.Deflate},
		member{name: "../../evil.txt", data: []byte("escaped")}))
	write("zip-absolute.apkg", zipBytes(member{name: "collection.anki2", data: col11, method: zip.Deflate},
		member{name: "/tmp/evil.txt", data: []byte("absolute")}))
	write("zip-windows-path.apkg", zipBytes(member{name: "collection.anki2", data: col11, method: zip.Deflate},
		member{name: `C:\evil.txt`, data: []byte("drive")}))
	write("zip-symlink.apkg", zipBytes(member{name: "collection.anki2", data: col11, method: zip.Deflate},
		member{name: "media", data: []byte(`{"0":"link.png"}`)}, member{name: "0", data: []byte("/etc/passwd"), mode: os.ModeSymlink | 0o777}))
	write("zip-duplicate-member.apkg", zipBytes(member{name: "collection.anki2", data: col11, method: zip.Deflate},
		member{name: "collection.anki2", data: []byte("second copy")}))
	write("zip-media-slip.apkg", zipBytes(member{name: "collection.anki2", data: col11, method: zip.Deflate},
		member{name: "media", data: []byte(`{"0":"../../evil.png"}`)}, member{name: "0", data: pic}))
	write("zip-media-missing-member.apkg", zipBytes(member{name: "collection.anki2", data: col11, method: zip.Deflate},
		member{name: "media", data: []byte(`{"0":"pic.png","1":"gone.png"}`)}, member{name: "0", data: pic}))
	write("zip-media-nul-name.apkg", zipBytes(member{name: "collection.anki2", data: col11, method: zip.Deflate},
		member{name: "media", data: []byte(`{"0":"a\u0000b.png"}`)}, member{name: "0", data: pic}))
	write("zip-media-invalid-utf8.apkg", zipBytes(member{name: "collection.anki2", data: col11, method: zip.Deflate},
		member{name: "media", data: []byte("{\"0\":\"a\xff.png\"}")}, member{name: "0", data: pic}))
	write("zip-media-wrong-types.apkg", zipBytes(member{name: "collection.anki2", data: col11, method: zip.Deflate},
		member{name: "media", data: []byte(`{"0":5,"1":["x"]}`)}, member{name: "0", data: pic}))
	write("zip-member-invalid-utf8.apkg", zipBytes(member{name: "collection.anki2", data: col11, method: zip.Deflate},
		member{name: "bad\xff\xfe", data: []byte("x")}))
	// A zip bomb: 120 MiB of zeros as one media file (Anki's limit is 100 MiB).
	zeros := make([]byte, 120<<20)
	write("zip-bomb-media.apkg", zipBytes(member{name: "collection.anki2", data: col11, method: zip.Deflate},
		member{name: "media", data: media}, member{name: "0", data: zeros, method: zip.Deflate}))
	// A member whose central directory declares 5 GiB (patched after writing).
	decl := zipBytes(member{name: "collection.anki2", data: col11, method: zip.Deflate})
	write("zip-declares-5gib.apkg", patchDeclaredSize(decl, "collection.anki2", 5<<30))
	write("zip-nested-archive.apkg", zipBytes(member{name: "collection.anki2", data: legacy1, method: zip.Deflate}))
	write("zip-truncated.apkg", legacy1[:len(legacy1)/2])
	write("zip-truncated-tail.colpkg", legacy1[:len(legacy1)-30])
	write("zip-empty.apkg", nil)
	write("zip-not-a-zip.apkg", []byte("this is a text file, not an Anki package\n"))
	write("zip-encrypted-flag.apkg", setEncryptedFlag(zipBytes(member{name: "collection.anki2", data: col11, method: zip.Deflate})))

	// --- meta and zstd (Latest) ---
	write("meta-too-new.apkg", zipBytes(member{name: "meta", data: []byte{0x08, 0x09}}, member{name: "collection.anki21b", data: col18z}))
	write("meta-wrong-wire-type.apkg", zipBytes(member{name: "meta", data: []byte{0x0a, 0x05, 'h', 'e'}}, member{name: "collection.anki21b", data: col18z}))
	write("zstd-bomb.apkg", zipBytes(member{name: "meta", data: meta3}, member{name: "collection.anki21b", data: zstdBytes(make([]byte, 256<<20))},
		member{name: "media", data: zstdBytes(nil)}))
	write("zstd-declares-8gib.apkg", zipBytes(member{name: "meta", data: meta3}, member{name: "collection.anki21b", data: zstdFrameDeclaring(8 << 30)}))
	write("zstd-truncated.apkg", zipBytes(member{name: "meta", data: meta3}, member{name: "collection.anki21b", data: col18z[:len(col18z)/2]},
		member{name: "media", data: zstdBytes(nil)}))
	write("zstd-media-list-garbage.apkg", zipBytes(member{name: "meta", data: meta3}, member{name: "collection.anki21b", data: col18z},
		member{name: "media", data: zstdBytes([]byte{0x0a, 0x7f, 0x0a, 0x03})}))
	// Schema 18 with a deck config blob of the wrong wire types (protobuf with wrong types).
	badProto := sqliteWith(tmp, col18, "UPDATE deck_config SET config = x'0a0b0c0d0e0f'", "UPDATE decks SET kind = x'ffff'")
	write("schema18-bad-protobuf.apkg", zipBytes(member{name: "meta", data: meta3}, member{name: "collection.anki21b", data: zstdBytes(badProto)},
		member{name: "media", data: zstdBytes(nil)}))

	// --- SQLite inside packages ---
	hdr := append([]byte("SQLite format 3\x00"), bytes.Repeat([]byte{0xee}, 4096)...)
	write("sqlite-corrupt-header.apkg", zipBytes(member{name: "collection.anki2", data: hdr, method: zip.Deflate}))
	pages := append([]byte(nil), col11...)
	for i := 4096; i+4096 <= len(pages) && i < 8*4096; i += 4096 {
		copy(pages[i:i+512], bytes.Repeat([]byte{0xa5}, 512))
	}
	write("sqlite-corrupt-pages.apkg", zipBytes(member{name: "collection.anki2", data: pages, method: zip.Deflate}))
	write("sqlite-corrupt-pages.colpkg", zipBytes(member{name: "collection.anki2", data: pages, method: zip.Deflate}))
	foreign := sqliteWith(tmp, nil, "CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)", "INSERT INTO photos VALUES (1, '/x')")
	write("sqlite-foreign-schema.apkg", zipBytes(member{name: "collection.anki2", data: foreign, method: zip.Deflate}))
	write("sqlite-foreign-schema.colpkg", zipBytes(member{name: "collection.anki2", data: foreign, method: zip.Deflate}))
	wrongJSON := sqliteWith(tmp, col11, `UPDATE col SET models = '["not","an","object"]', decks = '{"1": 5}'`)
	write("json-wrong-types.apkg", zipBytes(member{name: "collection.anki2", data: wrongJSON, method: zip.Deflate}))
	badUTF8 := sqliteWith(tmp, col11, "UPDATE notes SET flds = CAST(x'61ff1f62' AS TEXT)")
	write("sqlite-invalid-utf8-field.apkg", zipBytes(member{name: "collection.anki2", data: badUTF8, method: zip.Deflate}))

	// --- AnkiApp ---
	write("ankiapp-billion-laughs.xml", []byte(`<?xml version="1.0"?>
<!DOCTYPE deck [
 <!ENTITY a "aaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<deck name="laughs"><fields><text name="Front"/></fields><cards><card><text name="Front">&i;</text></card></cards></deck>
`))
	write("ankiapp-external-entity.xml", []byte(`<?xml version="1.0"?>
<!DOCTYPE deck [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<deck name="xxe"><fields><text name="Front"/></fields><cards><card><text name="Front">&xxe;</text></card></cards></deck>
`))
	write("ankiapp-undeclared-entity.xml", []byte(`<deck name="u"><fields><text name="Front"/></fields><cards><card><text name="Front">&secret;</text></card></cards></deck>`))
	write("ankiapp-deep-nesting.xml", []byte(`<deck name="deep"><fields><rich-text name="Front"/></fields><cards><card><rich-text name="Front">`+
		strings.Repeat("<b>", 10000)+"x"+strings.Repeat("</b>", 10000)+`</rich-text></card></cards></deck>`))
	write("ankiapp-invalid-utf8.xml", []byte("<deck name=\"u\xff\xfe\"><fields><text name=\"Front\"/></fields></deck>"))
	write("ankiapp-nul-bytes.xml", []byte("<deck name=\"n\x00ul\"><fields><text name=\"Front\"/></fields><cards><card><text name=\"Front\">a\x00b</text></card></cards></deck>"))
	write("ankiapp-not-a-deck.xml", []byte(`<html><body>not a deck</body></html>`))
	write("ankiapp-truncated.xml", []byte(`<deck name="t"><fields><text name="Front"/></fields><cards><card><text name="Fro`))
	okXML := []byte(`<deck name="z"><fields><text name="Front"/></fields><cards><card><text name="Front">x</text></card></cards></deck>`)
	write("ankiapp-zip-slip.zip", zipBytes(member{name: "deck.xml", data: okXML}, member{name: "blobs/../../../evil", data: []byte("x")}))
	write("ankiapp-nested.zip", zipBytes(member{name: "inner.zip", data: zipBytes(member{name: "deck.xml", data: okXML})}))
	write("ankiapp-zip-bomb.zip", zipBytes(member{name: "deck.xml", data: append([]byte("<deck name=\"b\">"), zeros[:100<<20]...), method: zip.Deflate}))
	write("ankiapp-foreign.db", foreign)
	write("ankiapp-corrupt.db", hdr)

	// --- CSV ---
	write("csv-invalid-utf8.csv", []byte("front,back\nna\xefve,caf\xe9\n"))
	write("csv-only-headers-bad-columns.csv", []byte("#separator:comma\n#notetype column:9\nfront,back\n"))
	write("csv-binary.csv", append([]byte("\x00\x01\x02PK\x03\x04"), pic...))
	log.Printf("wrote the corpus to %s", out)
}

// patchDeclaredSize rewrites the uncompressed size of name in the central directory
// (zip64 is not involved: the value fits 32 bits only up to 4 GiB, so 0xFFFFFFFF plus an
// extra field would be needed; instead the 32-bit field is set to its maximum, which
// readers take as "declared above 4 GiB" when no zip64 record follows).
func patchDeclaredSize(b []byte, name string, size uint64) []byte {
	b = append([]byte(nil), b...)
	sig := []byte{'P', 'K', 1, 2}
	for i := bytes.Index(b, sig); i >= 0; {
		nameLen := int(binary.LittleEndian.Uint16(b[i+28:]))
		if string(b[i+46:i+46+nameLen]) == name {
			v := uint32(size)
			if size > 0xFFFFFFFE {
				v = 0xFFFFFFFE
			}
			binary.LittleEndian.PutUint32(b[i+24:], v)
		}
		j := bytes.Index(b[i+4:], sig)
		if j < 0 {
			break
		}
		i += 4 + j
	}
	return b
}

// setEncryptedFlag sets bit 0 of every general-purpose flag field.
func setEncryptedFlag(b []byte) []byte {
	b = append([]byte(nil), b...)
	for _, sig := range [][]byte{{'P', 'K', 3, 4}, {'P', 'K', 1, 2}} {
		off := 6
		if sig[2] == 1 {
			off = 8
		}
		for i := 0; ; {
			j := bytes.Index(b[i:], sig)
			if j < 0 {
				break
			}
			i += j
			b[i+off] |= 1
			i += 4
		}
	}
	return b
}

// zstdFrameDeclaring writes a zstd frame header whose content size says n bytes, followed
// by one small block: the reader must refuse it from the header alone.
func zstdFrameDeclaring(n uint64) []byte {
	b := []byte{0x28, 0xb5, 0x2f, 0xfd}
	// Frame header descriptor: FCS field 8 bytes (flag 3), single segment.
	b = append(b, 0xE0)
	var fcs [8]byte
	binary.LittleEndian.PutUint64(fcs[:], n)
	b = append(b, fcs[:]...)
	// One raw last block of 4 bytes.
	b = append(b, 0x21, 0x00, 0x00, 'j', 'u', 'n', 'k')
	return b
}
