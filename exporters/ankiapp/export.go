// Package ankiapp exports notes as AnkiApp deck XML (the typed-element shape AnkiApp has
// written since 2024), or as a .zip with the XML and a blobs/ folder when media are
// referenced. Field types follow the content: rich-text for HTML, text for plain text,
// img/audio/video for fields holding only one media reference. Blobs are named by the
// SHA-256 of their bytes; a <blobs> list records each file's original name so that
// importing the export again (importers/ankiapp) restores every field exactly.
package ankiapp

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/deckhand-app/deckhand/internal/atomicfile"
	"mime"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/beevik/etree"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/medianame"
	"github.com/deckhand-app/deckhand/collection/text"
)

// Options control an export.
type Options struct {
	// DeckName names the AnkiApp deck; empty: the deck of the first note's first card.
	DeckName string
}

// Summary says what an export wrote.
type Summary struct {
	Notes int  `json:"notes"`
	Decks int  `json:"decks"` // one per note type
	Media int  `json:"media"`
	Zip   bool `json:"zip"`
}

type blob struct {
	id, name, raw, mime, kind string
	data                      []byte
}

type exporter struct {
	col     *collection.Collection
	blobs   map[string]*blob // by decoded file name
	order   []*blob
	missing map[string]bool
}

// Export writes the notes to path: a .zip (deck.xml plus blobs/) when path ends in .zip,
// the notes use several note types or refer to media; otherwise a bare .xml file. The
// file is written to a temporary name and renamed at the end.
func Export(ctx context.Context, col *collection.Collection, noteIDs []int64, path string, opt Options) (*Summary, error) {
	if len(noteIDs) == 0 {
		return nil, errors.New("export: no notes to export")
	}
	ex := &exporter{col: col, blobs: map[string]*blob{}, missing: map[string]bool{}}
	var groups []int64
	byType := map[int64][]*collection.Note{}
	for i, id := range noteIDs {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		n, err := col.GetNote(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		if _, ok := byType[n.NotetypeID]; !ok {
			groups = append(groups, n.NotetypeID)
		}
		byType[n.NotetypeID] = append(byType[n.NotetypeID], n)
	}
	name := opt.DeckName
	if name == "" {
		name = firstDeckName(ctx, col, noteIDs[0])
	}
	var docs [][]byte
	for _, mid := range groups {
		nt, ok := col.Notetype(mid)
		if !ok {
			return nil, fmt.Errorf("export: note type %d: %w", mid, collection.ErrNotFound)
		}
		deckName := name
		if len(groups) > 1 {
			deckName = name + " (" + nt.Name + ")"
		}
		doc, err := ex.deck(deckName, nt, byType[mid])
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		docs = append(docs, doc)
	}
	sum := &Summary{Notes: len(noteIDs), Decks: len(docs), Media: len(ex.order)}
	asZip := strings.EqualFold(filepath.Ext(path), ".zip")
	if !asZip && (len(docs) > 1 || len(ex.order) > 0) {
		return nil, fmt.Errorf("export: the notes need %d deck files and %d media files; export to a .zip instead of %s",
			len(docs), len(ex.order), filepath.Base(path))
	}
	var out []byte
	if asZip {
		sum.Zip = true
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for i, doc := range docs {
			member := "deck.xml"
			if len(docs) > 1 {
				member = fmt.Sprintf("deck-%d.xml", i+1)
			}
			w, err := zw.Create(member)
			if err != nil {
				return nil, err
			}
			if _, err := w.Write(doc); err != nil {
				return nil, err
			}
		}
		for _, b := range ex.order {
			w, err := zw.Create("blobs/" + b.id)
			if err != nil {
				return nil, err
			}
			if _, err := w.Write(b.data); err != nil {
				return nil, err
			}
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		out = buf.Bytes()
	} else {
		out = docs[0]
	}
	if err := atomicfile.WriteFile(path, out, 0o644); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return sum, nil
}

func firstDeckName(ctx context.Context, col *collection.Collection, nid int64) string {
	v, err := col.Scalar(ctx, "SELECT CASE WHEN odid != 0 THEN odid ELSE did END FROM cards WHERE nid = ? ORDER BY ord LIMIT 1", nid)
	if id, ok := v.(int64); err == nil && ok {
		if d, ok := col.Deck(id); ok {
			return d.Name
		}
	}
	return "Deckhand export"
}

var videoExt = map[string]bool{"mp4": true, "webm": true, "mov": true, "mkv": true, "avi": true, "ogv": true, "mpg": true, "mpeg": true, "m4v": true}

// media returns the blob for a referenced file, reading it on first use; nil when the
// file is not in the media folder (the reference is then left as it is).
func (ex *exporter) media(decoded, raw string) *blob {
	if b, ok := ex.blobs[decoded]; ok {
		return b
	}
	if ex.missing[decoded] || !medianame.IsSafe(decoded) || ex.col.Media == nil {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(ex.col.Media.Dir(), decoded))
	if err != nil {
		// Missing (or unreadable) files keep their reference as written.
		ex.missing[decoded] = true
		return nil
	}
	sum := sha256.Sum256(data)
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(decoded), "."))
	typ := mime.TypeByExtension("." + ext)
	if i := strings.IndexByte(typ, ';'); i >= 0 {
		typ = typ[:i]
	}
	kind := "img"
	switch {
	case videoExt[ext] || strings.HasPrefix(typ, "video/"):
		kind = "video"
	case strings.HasPrefix(typ, "audio/") || ext == "mp3" || ext == "ogg" || ext == "wav" || ext == "m4a" || ext == "flac":
		kind = "audio"
	}
	b := &blob{id: hex.EncodeToString(sum[:]), name: decoded, raw: raw, mime: typ, kind: kind, data: data}
	for _, other := range ex.order {
		if other.id == b.id {
			// Same bytes under another name: one blob, the first name wins.
			ex.blobs[decoded] = other
			return other
		}
	}
	ex.blobs[decoded] = b
	ex.order = append(ex.order, b)
	return b
}

// mediaOnly reports the single media file a field consists of, if that is all it is,
// in exactly the form the importer writes back.
func (ex *exporter) mediaOnly(v string) *blob {
	refs := text.ExtractMediaRefs(v)
	if len(refs) != 1 || text.IsRemoteFilename(refs[0].Raw) {
		return nil
	}
	r := refs[0]
	b := ex.media(r.Decoded, r.Raw)
	if b == nil {
		return nil
	}
	want := `<img src="` + r.Raw + `">`
	if b.kind != "img" {
		want = "[sound:" + r.Raw + "]"
	}
	if v != want {
		return nil
	}
	return b
}

// withBlobMarkers replaces the file names of local media references with "{{blob ID}}".
func (ex *exporter) withBlobMarkers(v string) string {
	raws := map[string]string{}
	for _, r := range text.ExtractMediaRefs(v) {
		if _, ok := raws[r.Decoded]; !ok {
			raws[r.Decoded] = r.Raw
		}
	}
	return text.ReplaceMediaRefs(v, func(decoded string) (string, bool) {
		if text.IsRemoteFilename(decoded) {
			return "", false
		}
		b := ex.media(decoded, raws[decoded])
		if b == nil {
			return "", false
		}
		return "{{blob " + b.id + "}}", true
	})
}

func isPlain(v string) bool { return !strings.ContainsAny(v, "<>&\r\n") }

func (ex *exporter) deck(name string, nt *collection.Notetype, notes []*collection.Note) ([]byte, error) {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	root := doc.CreateElement("deck")
	root.CreateAttr("name", name)
	fieldsEl := root.CreateElement("fields")
	types := make([]string, len(nt.Fields))
	for i, f := range nt.Fields {
		types[i] = ex.fieldType(i, notes)
		fe := fieldsEl.CreateElement(types[i])
		fe.CreateAttr("name", f.Name)
		fe.CreateAttr("sides", sides(nt, f.Name, i))
	}
	cardsEl := root.CreateElement("cards")
	for _, n := range notes {
		ce := cardsEl.CreateElement("card")
		if len(n.Tags) > 0 {
			ce.CreateAttr("tags", strings.Join(n.Tags, ","))
		}
		for i, f := range nt.Fields {
			v := ""
			if i < len(n.Fields) {
				v = n.Fields[i]
			}
			ve := ce.CreateElement(types[i])
			ve.CreateAttr("name", f.Name)
			switch types[i] {
			case "img", "audio", "video":
				if b := ex.mediaOnly(v); b != nil {
					me := ve.CreateElement(b.kind)
					me.CreateAttr("id", b.id)
					if b.mime != "" {
						me.CreateAttr("type", b.mime)
					}
				}
			case "text":
				ve.SetText(v)
			default:
				ve.SetText(ex.withBlobMarkers(v))
			}
		}
	}
	if len(ex.order) > 0 {
		bl := root.CreateElement("blobs")
		for _, b := range ex.order {
			be := bl.CreateElement("blob")
			be.CreateAttr("id", b.id)
			be.CreateAttr("name", b.raw)
			if b.mime != "" {
				be.CreateAttr("type", b.mime)
			}
		}
	}
	doc.Indent(2)
	// Canonical text writes CR as &#xD; so that it survives parsing (XML turns raw CR
	// into LF).
	doc.WriteSettings.CanonicalText = true
	return doc.WriteToBytes()
}

// fieldType chooses an AnkiApp type from the field's values across the notes.
func (ex *exporter) fieldType(i int, notes []*collection.Note) string {
	plain, media, used := true, "", false
	mediaOK := true
	for _, n := range notes {
		if i >= len(n.Fields) || n.Fields[i] == "" {
			continue
		}
		used = true
		v := n.Fields[i]
		if !isPlain(v) {
			plain = false
		}
		if b := ex.mediaOnly(v); b != nil && (media == "" || media == b.kind) {
			media = b.kind
		} else {
			mediaOK = false
		}
	}
	switch {
	case used && mediaOK && media != "":
		return media
	case !used || plain:
		return "text"
	}
	return "rich-text"
}

// sides says where the note type's first card shows a field: "1" on the front when the
// front template uses it, "1" on the back when the back template does (directly, not
// through {{FrontSide}}); a field neither uses goes on the back.
func sides(nt *collection.Notetype, name string, _ int) string {
	if len(nt.Templates) == 0 {
		return "01"
	}
	re := regexp.MustCompile(`\{\{[#^/]?(?:[^{}:]*:)*` + regexp.QuoteMeta(name) + `\}\}`)
	t := nt.Templates[0]
	front := re.MatchString(t.QFmt)
	back := re.MatchString(t.AFmt)
	if !front && !back {
		back = true
	}
	s := ""
	for _, b := range []bool{front, back} {
		if b {
			s += "1"
		} else {
			s += "0"
		}
	}
	return s
}
