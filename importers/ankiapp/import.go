// Package ankiapp imports AnkiApp (AlgoApp) decks: a deck XML file, a .zip holding deck
// XML files and a blobs/ folder of media, or AnkiApp's local SQLite database. Each deck
// layout becomes a note type "AnkiApp: <deck>", cards become notes with stable guids so
// that importing again updates them, and blobs become media files named by content.
// See /work/shared/spec/package-formats.md §7.
package ankiapp

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/importers/apkg"
)

// Result is the import summary shared with the package importer.
type Result = apkg.Result

// Options control an AnkiApp import.
type Options struct {
	// TargetDeck, when set, receives the new cards of every deck instead of a deck named
	// like the AnkiApp deck.
	TargetDeck string
	// Progress, when set, is called as notes are imported.
	Progress func(done, total int)
}

const (
	maxZipEntries = 100_000
	maxZipXML     = 64
)

// Import imports an AnkiApp file: deck XML, deck zip or AnkiApp database (told apart by
// their first bytes, not their names). Everything happens in one transaction; on error
// the collection and its media folder are unchanged.
func Import(ctx context.Context, col *collection.Collection, p string, opt Options) (*Result, error) {
	base := filepath.Base(p)
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", base, err)
	}
	head := make([]byte, 16)
	n, _ := io.ReadFull(f, head)
	f.Close()
	head = head[:n]
	var res *Result
	switch {
	case bytes.HasPrefix(head, []byte("SQLite format 3\x00")):
		res, err = importDB(ctx, col, p, opt)
	case bytes.HasPrefix(head, []byte("PK")):
		res, err = importZip(ctx, col, p, opt)
	default:
		res, err = importXMLFile(ctx, col, p, opt)
	}
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", base, err)
	}
	return res, nil
}

func importXMLFile(ctx context.Context, col *collection.Collection, p string, opt Options) (*Result, error) {
	st, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if st.Size() > MaxXMLSize {
		return nil, badXML("file is larger than %d MiB", MaxXMLSize>>20)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	d, warnings, err := ParseXML(data)
	if err != nil {
		return nil, err
	}
	var src blobSource = noBlobs{}
	if dir := filepath.Join(filepath.Dir(p), "blobs"); isDir(dir) {
		src = dirBlobs(dir)
	}
	return ImportDecks(ctx, col, []*Deck{d}, src, warnings, "ankiapp-xml", opt)
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

func importZip(ctx context.Context, col *collection.Collection, p string, opt Options) (*Result, error) {
	zr, err := zip.OpenReader(p)
	if err != nil {
		return nil, fmt.Errorf("not a readable zip file: %w", err)
	}
	defer zr.Close()
	if len(zr.File) > maxZipEntries {
		return nil, fmt.Errorf("zip has more than %d entries", maxZipEntries)
	}
	var decks []*Deck
	var warnings []string
	var xmlFiles []*zip.File
	for _, f := range zr.File {
		name := strings.ReplaceAll(f.Name, `\`, "/")
		// Member names never become paths here (blobs are stored under content-derived
		// names), but an archive that tries to escape is hostile, not an AnkiApp export:
		// refuse it as the package reader does, rather than import part of it.
		if strings.HasPrefix(name, "/") || len(name) >= 2 && name[1] == ':' || slices.Contains(strings.Split(name, "/"), "..") {
			return nil, fmt.Errorf("zip member %q escapes the archive (absolute path or ..)", f.Name)
		}
		if strings.HasPrefix(name, "__MACOSX/") || f.FileInfo().IsDir() {
			continue
		}
		if strings.EqualFold(path.Ext(name), ".xml") {
			xmlFiles = append(xmlFiles, f)
		}
	}
	if len(xmlFiles) == 0 {
		return nil, fmt.Errorf("zip holds no deck .xml file")
	}
	if len(xmlFiles) > maxZipXML {
		return nil, fmt.Errorf("zip holds more than %d deck files", maxZipXML)
	}
	sort.Slice(xmlFiles, func(i, j int) bool { return xmlFiles[i].Name < xmlFiles[j].Name })
	for _, f := range xmlFiles {
		if f.UncompressedSize64 > MaxXMLSize {
			return nil, fmt.Errorf("%s: %w", f.Name, badXML("file is larger than %d MiB", MaxXMLSize>>20))
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		data, err := io.ReadAll(io.LimitReader(rc, MaxXMLSize+1))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		d, w, err := ParseXML(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Name, err)
		}
		decks = append(decks, d)
		for _, s := range w {
			warnings = append(warnings, f.Name+": "+s)
		}
	}
	return ImportDecks(ctx, col, decks, zipBlobIndex(&zr.Reader), warnings, "ankiapp-zip", opt)
}

// prepared is a deck converted to Anki field HTML (blob markers still in place).
type prepared struct {
	deck   *Deck
	names  []string // note type field names
	values [][]string
	tags   [][]string
	guids  []string
}

// ImportDecks imports parsed decks with their media source in one transaction.
func ImportDecks(ctx context.Context, col *collection.Collection, decks []*Deck, src blobSource, warnings []string, generation string, opt Options) (*Result, error) {
	if col.Media == nil {
		return nil, fmt.Errorf("collection has no media folder")
	}
	res := &Result{Generation: generation, DecksCreated: []string{}}
	warn := func(format string, args ...any) {
		const maxWarnings = 200
		if len(res.Warnings) < maxWarnings {
			res.Warnings = append(res.Warnings, fmt.Sprintf(format, args...))
		} else if len(res.Warnings) == maxWarnings {
			res.Warnings = append(res.Warnings, "further warnings left out")
		}
	}
	for _, w := range warnings {
		warn("%s", w)
	}
	h := hints{names: map[string]string{}, kinds: map[string]string{}, types: map[string]string{}}
	var ids []string
	var preps []*prepared
	total := 0
	for _, d := range decks {
		pr := prepare(d)
		preps = append(preps, pr)
		total += len(pr.values)
		for id, v := range d.BlobNames {
			h.names[id] = v
		}
		for id, v := range d.BlobKinds {
			h.kinds[id] = v
		}
		for id, v := range d.BlobTypes {
			h.types[id] = v
		}
		for _, vals := range pr.values {
			for _, v := range vals {
				ids = append(ids, blobRefs(v)...)
			}
		}
	}
	files, err := stageMedia(ctx, ids, src, h, col.Media.Dir(), warn)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(col.Path()), ".import-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	stageDir := filepath.Join(tmp, "media")
	if err := writeStaged(files, stageDir); err != nil {
		return nil, err
	}
	err = col.Transact(ctx, func(tx *collection.Tx) error {
		before := map[int64]bool{}
		for _, d := range tx.Decks() {
			before[d.ID] = true
		}
		done := 0
		for _, pr := range preps {
			if err := importDeck(ctx, tx, pr, files, opt, res, warn, &done, total); err != nil {
				return fmt.Errorf("deck %q: %w", pr.deck.Name, err)
			}
		}
		for _, d := range tx.Decks() {
			if !before[d.ID] {
				res.DecksCreated = append(res.DecksCreated, d.Name)
			}
		}
		sort.Strings(res.DecksCreated)
		// the move into the media folder follows the commit; recorded here, it is finished
		// by the next open if this process dies in between
		return tx.SetPendingMedia(stageDir, pendingFiles(files))
	})
	if err != nil {
		return nil, err
	}
	moved, mw, err := col.FinishPendingMedia(ctx)
	res.MediaAdded = moved
	for _, w := range mw {
		warn("%s", w)
	}
	if err != nil {
		warn("%v", err) // committed, files in: only the record lingers until the next open
	}
	return res, nil
}

// fieldNames makes the deck's field names valid and distinct as Anki field names.
func fieldNames(fs []FieldDef) []string {
	out := make([]string, len(fs))
	seen := map[string]bool{}
	for i, f := range fs {
		n := strings.Map(func(r rune) rune {
			switch r {
			case ':', '{', '}', '"':
				return -1
			}
			return r
		}, f.Name)
		n = strings.TrimLeft(strings.TrimSpace(n), "#/^")
		if n == "" {
			n = fmt.Sprintf("Field %d", i+1)
		}
		for seen[strings.ToLower(n)] {
			n += "+"
		}
		seen[strings.ToLower(n)] = true
		out[i] = n
	}
	return out
}

func prepare(d *Deck) *prepared {
	pr := &prepared{deck: d, names: fieldNames(d.Fields)}
	occurrences := map[string]int{}
	for ci, c := range d.Cards {
		vals := make([]string, len(d.Fields))
		for i, f := range d.Fields {
			v, ok := c.Values[f.Name]
			if !ok {
				continue
			}
			typ := f.Type
			if v.Type != "" && knownTypes[v.Type] && !knownTypes[typ] {
				typ = v.Type
			}
			h := toHTML(typ, f.Lang, v.Content)
			if typ == "rich-text" || !knownTypes[typ] {
				d.noteHTMLBlobTags(h)
			}
			vals[i] = h
		}
		pr.values = append(pr.values, vals)
		pr.tags = append(pr.tags, append(append([]string(nil), d.Tags...), c.Tags...))
		if ci < len(d.GUIDs) && d.GUIDs[ci] != "" {
			pr.guids = append(pr.guids, guidFor(d.GUIDs[ci]))
			continue
		}
		// Stable across imports of the same deck: deck name, first field as written, and
		// which occurrence of that first field this card is.
		key := c.Values[d.Fields[0].Name].Content
		n := occurrences[key]
		occurrences[key] = n + 1
		pr.guids = append(pr.guids, guidFor(fmt.Sprintf("%s\x00%s\x00%d", d.Name, key, n)))
	}
	return pr
}

func guidFor(s string) string {
	sum := sha256.Sum256([]byte("ankiapp\x00" + s))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:10]
}

const cardCSS = ".card {\n    font-family: arial;\n    font-size: 20px;\n    text-align: center;\n    color: black;\n    background-color: white;\n}\n"

// templates builds the card template: the front shows the fields whose first side digit
// is 1; the back shows {{FrontSide}} and then the fields whose second digit is 1 and
// that the front does not already show (FrontSide repeats those).
func templates(d *Deck, names []string) (string, string) {
	ref := func(i int) string {
		f := d.Fields[i]
		switch {
		case f.Type == "tts":
			s := "{{" + names[i] + "}}"
			if lang := ttsLang(f.Lang); lang != "" {
				s += "{{tts " + lang + ":" + names[i] + "}}"
			}
			return s
		case f.Reading:
			return "{{furigana:" + names[i] + "}}"
		}
		return "{{" + names[i] + "}}"
	}
	var front, back []string
	for i, f := range d.Fields {
		if f.Front {
			front = append(front, "<div>"+ref(i)+"</div>")
		} else if f.Back {
			back = append(back, "<div>"+ref(i)+"</div>")
		}
	}
	if len(front) == 0 {
		// A card with an empty front would never be generated.
		front = append(front, "<div>"+ref(0)+"</div>")
	}
	return strings.Join(front, "\n"), "{{FrontSide}}\n\n<hr id=answer>\n\n" + strings.Join(back, "\n")
}

// notetypeFor returns the deck's note type, reusing one from an earlier import when its
// fields and template are the same.
func notetypeFor(tx *collection.Tx, pr *prepared, added *int) (*collection.Notetype, error) {
	qfmt, afmt := templates(pr.deck, pr.names)
	name := "AnkiApp: " + pr.deck.Name
	for _, nt := range tx.Notetypes() {
		if !strings.HasPrefix(strings.ToLower(nt.Name), strings.ToLower(name)) ||
			strings.Trim(nt.Name[len(name):], "+") != "" {
			continue
		}
		if len(nt.Templates) != 1 || nt.Templates[0].QFmt != qfmt || nt.Templates[0].AFmt != afmt {
			continue
		}
		if strings.Join(nt.FieldNames(), "\x1f") == strings.Join(pr.names, "\x1f") {
			return nt, nil
		}
	}
	nt := &collection.Notetype{Name: name, CSS: cardCSS, LatexPre: collection.DefaultLatexPre,
		LatexPost: collection.DefaultLatexPost}
	for i, n := range pr.names {
		f := nt.AddField(n)
		if src := pr.deck.Fields[i].Source; src != "" {
			f.Description = "AnkiApp " + pr.deck.Fields[i].Type + " of " + src
		}
	}
	nt.AddTemplate("Card 1", qfmt, afmt)
	if err := tx.AddNotetype(nt); err != nil {
		return nil, err
	}
	*added++
	got, _ := tx.Notetype(nt.ID)
	return got, nil
}

func importDeck(ctx context.Context, tx *collection.Tx, pr *prepared, files map[string]mediaFile, opt Options, res *Result, warn func(string, ...any), done *int, total int) error {
	nt, err := notetypeFor(tx, pr, &res.NotetypesAdded)
	if err != nil {
		return err
	}
	deckName := pr.deck.Name
	if opt.TargetDeck != "" {
		deckName = opt.TargetDeck
	}
	did, err := tx.AddDeck(deckName)
	if err != nil {
		return err
	}
	for i, vals := range pr.values {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		fields := make([]string, len(vals))
		for j, v := range vals {
			fields[j] = resolveBlobs(v, files)
		}
		if err := importCard(tx, nt, did, pr.guids[i], fields, pr.tags[i], res, warn); err != nil {
			return fmt.Errorf("card %d: %w", i+1, err)
		}
		*done++
		if opt.Progress != nil && (*done%256 == 0 || *done == total) {
			opt.Progress(*done, total)
		}
	}
	return nil
}

func importCard(tx *collection.Tx, nt *collection.Notetype, did int64, guid string, fields, tags []string, res *Result, warn func(string, ...any)) error {
	var nid, mid int64
	err := tx.Q().QueryRowContext(tx.Context(), "SELECT id, mid FROM notes WHERE guid = ?", guid).Scan(&nid, &mid)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("look up note %s: %w", guid, err)
	}
	if err == nil {
		if mid != nt.ID {
			res.NotesConflicting++
			res.ConflictingGUIDs = append(res.ConflictingGUIDs, guid)
			warn("note %s already exists with another note type; left it alone", guid)
			return nil
		}
		old, err := tx.GetNote(nid)
		if err != nil {
			return err
		}
		n := *old
		n.Fields = fields
		n.Tags = tags
		before, err := tx.CountCardsOfNote(nid)
		if err != nil {
			return err
		}
		if err := tx.UpdateNote(&n); err != nil {
			return err
		}
		if equal(n.Fields, old.Fields) && equal(n.Tags, old.Tags) {
			res.NotesUnchanged++
		} else {
			res.NotesUpdated++
		}
		after, err := tx.CountCardsOfNote(nid)
		if err != nil {
			return err
		}
		res.CardsAdded += after - before
		return nil
	}
	n, err := tx.NewNote(nt.ID)
	if err != nil {
		return err
	}
	copy(n.Fields, fields)
	n.GUID = guid
	n.Tags = tags
	if err := tx.AddNote(n, did); err != nil {
		return err
	}
	cards, err := tx.CountCardsOfNote(n.ID)
	if err != nil {
		return err
	}
	res.NotesNew++
	res.CardsAdded += cards
	return nil
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
