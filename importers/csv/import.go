package csv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/text"
	"github.com/deckhand-app/deckhand/importers/apkg"
)

// Result is the import summary shared with the package importer (notes new / updated /
// unchanged / skipped, cards added, decks created, warnings).
type Result = apkg.Result

// MaxFileSize bounds the text files read (they are read whole, as Anki does).
const MaxFileSize = 512 << 20

// Options override what the file's header lines say; zero values leave them alone.
type Options struct {
	Delimiter  rune  // 0: "#separator:" or detected
	NotetypeID int64 // 0: "#notetype:"/"#notetype column:" or the current note type
	DeckID     int64 // 0: "#deck:"/"#deck column:" or the current deck
	// FieldColumns maps note fields (by ordinal) to 1-based file columns (0: left out);
	// nil maps by "#columns:" names or by position.
	FieldColumns []int
	TagsColumn   int   // 1-based; 0: "#tags column:" or the first free column after the fields
	HTML         *bool // nil: "#html:" or detected from the first rows
	// Dupe, when set, replaces the file's "#if matches:" (default: update).
	Dupe  *DupeResolution
	Scope *MatchScope
	Tags  []string // added to every imported note
	// UpdatedTags are added to notes that an import updates.
	UpdatedTags []string
}

// ReadMetadata reads what a file's header and first rows say, with the defaults filled
// in, as Anki's import dialog shows it (get_csv_metadata).
func ReadMetadata(ctx context.Context, col *collection.Collection, path string, opt Options) (*Metadata, error) {
	m, _, err := prepare(col, path, opt)
	return m, err
}

func readText(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	// One buffer of the file's size, read once and not copied again: io.ReadAll's growth
	// and a string copy would hold the text three times over during a 100k-note import.
	var sb strings.Builder
	if st, err := f.Stat(); err == nil && st.Size() > 0 && st.Size() <= MaxFileSize {
		sb.Grow(int(st.Size()) + 1)
	}
	if _, err := io.Copy(&sb, io.LimitReader(f, MaxFileSize+1)); err != nil {
		return "", err
	}
	if sb.Len() > MaxFileSize {
		return "", fmt.Errorf("file is larger than %d MiB", MaxFileSize>>20)
	}
	text := sb.String()
	if !utf8.ValidString(text) {
		return "", errors.New("file is not UTF-8 text (save it as UTF-8 and import again)")
	}
	return text, nil
}

func prepare(col *collection.Collection, path string, opt Options) (*Metadata, [][]string, error) {
	data, err := readText(path)
	if err != nil {
		return nil, nil, fmt.Errorf("import %s: %w", filepath.Base(path), err)
	}
	m := &Metadata{}
	body := parseHeader(col, data, m)
	if opt.Delimiter != 0 {
		if DelimiterName(opt.Delimiter) == "" {
			return nil, nil, fmt.Errorf("import %s: unsupported delimiter %q", filepath.Base(path), opt.Delimiter)
		}
		m.Delimiter, m.ForceDelimiter = opt.Delimiter, true
	}
	if opt.HTML != nil {
		m.IsHTML, m.ForceHTML = *opt.HTML, true
	}
	if opt.NotetypeID != 0 {
		if _, ok := col.Notetype(opt.NotetypeID); !ok {
			return nil, nil, fmt.Errorf("import %s: note type %d not found", filepath.Base(path), opt.NotetypeID)
		}
		m.NotetypeID, m.NotetypeColumn = opt.NotetypeID, 0
	}
	if opt.DeckID != 0 {
		if _, ok := col.Deck(opt.DeckID); !ok {
			return nil, nil, fmt.Errorf("import %s: deck %d not found", filepath.Base(path), opt.DeckID)
		}
		m.DeckID, m.DeckName, m.DeckColumn = opt.DeckID, "", 0
	}
	if opt.FieldColumns != nil {
		m.FieldColumns = append([]int(nil), opt.FieldColumns...)
	}
	if opt.TagsColumn > 0 {
		m.TagsColumn = opt.TagsColumn
	}
	if opt.Dupe != nil {
		m.Dupe = *opt.Dupe
	}
	if opt.Scope != nil {
		m.Scope = *opt.Scope
	}
	m.GlobalTags = append(m.GlobalTags, opt.Tags...)
	m.UpdatedTags = append(m.UpdatedTags, opt.UpdatedTags...)
	var curModel collection.FlexInt
	if ok, _ := col.ConfigGet("curModel", &curModel); !ok || curModel == 0 {
		if nts := col.Notetypes(); len(nts) > 0 {
			curModel = collection.FlexInt(nts[0].ID)
		}
	}
	if _, ok := col.Notetype(int64(curModel)); !ok {
		if nts := col.Notetypes(); len(nts) > 0 {
			curModel = collection.FlexInt(nts[0].ID)
		}
	}
	records, err := m.finish(body, int64(curModel), col.CurrentDeckID(), col.Notetype)
	if err != nil {
		return nil, nil, fmt.Errorf("import %s: %w", filepath.Base(path), err)
	}
	if m.FieldColumns != nil && m.NotetypeColumn == 0 {
		nt, _ := col.Notetype(m.NotetypeID)
		if len(m.FieldColumns) != len(nt.Fields) {
			return nil, nil, fmt.Errorf("import %s: %d field columns given, note type %q has %d fields",
				filepath.Base(path), len(m.FieldColumns), nt.Name, len(nt.Fields))
		}
	}
	if len(records) == 0 {
		return nil, nil, fmt.Errorf("import %s: the file has no rows to import", filepath.Base(path))
	}
	return m, records, nil
}

// foreignNote is one row as Anki's ForeignNote: nil fields and tags mean "not in the
// file" (an update leaves them as they are).
type foreignNote struct {
	row      int
	fields   []*string
	tags     []string
	hasTags  bool
	guid     string
	notetype string
	deck     string
}

func (m *Metadata) noteFromRecord(row int, rec []string) foreignNote {
	get := func(c int) (string, bool) {
		if c < 1 || c > len(rec) {
			return "", false
		}
		return rec[c-1], true
	}
	fn := foreignNote{row: row}
	field := func(c int) *string {
		v, ok := get(c)
		if !ok {
			return nil
		}
		s := stringify(v, m.IsHTML)
		return &s
	}
	if m.NotetypeColumn > 0 {
		fn.notetype, _ = get(m.NotetypeColumn)
		meta := m.metaColumns()
		for c := 1; c <= len(rec); c++ {
			if !meta[c] {
				fn.fields = append(fn.fields, field(c))
			}
		}
	} else {
		for _, c := range m.FieldColumns {
			if c <= 0 {
				fn.fields = append(fn.fields, nil)
			} else {
				fn.fields = append(fn.fields, field(c))
			}
		}
	}
	if m.TagsColumn > 0 {
		if v, ok := get(m.TagsColumn); ok {
			fn.tags, fn.hasTags = strings.Fields(v), true
		}
	}
	fn.guid, _ = get(m.GUIDColumn)
	if m.DeckColumn > 0 {
		fn.deck, _ = get(m.DeckColumn)
	}
	return fn
}

// Import imports a CSV/TSV file into col in one transaction; on error nothing changed.
func Import(ctx context.Context, col *collection.Collection, path string, opt Options) (*Result, error) {
	m, records, err := prepare(col, path, opt)
	if err != nil {
		return nil, err
	}
	notes := make([]foreignNote, len(records))
	for i, rec := range records {
		notes[i] = m.noteFromRecord(i+1, rec)
		records[i] = nil // the note has what it needs: the record can go while importing
	}
	records = nil
	normalize := true
	var nv bool
	if ok, _ := col.ConfigGet("normalize_note_text", &nv); ok {
		normalize = nv
	}
	res := &Result{Generation: "csv", DecksCreated: []string{}}
	err = col.Transact(ctx, func(tx *collection.Tx) error {
		imp := &importer{tx: tx, m: m, res: res, normalize: normalize}
		return imp.run(ctx, notes)
	})
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", filepath.Base(path), err)
	}
	return res, nil
}

type csumKey struct {
	mid  int64
	csum uint32
	did  int64
}

type importer struct {
	tx        *collection.Tx
	m         *Metadata
	res       *Result
	normalize bool

	defaultDeck int64
	csums       map[csumKey][]int64
	guids       map[string]int64
	notetypes   map[string]*collection.Notetype // notetypeFor's cache
}

func (imp *importer) warn(format string, args ...any) {
	const maxWarnings = 200
	if len(imp.res.Warnings) < maxWarnings {
		imp.res.Warnings = append(imp.res.Warnings, fmt.Sprintf(format, args...))
	} else if len(imp.res.Warnings) == maxWarnings {
		imp.res.Warnings = append(imp.res.Warnings, "further warnings left out")
	}
}

func (imp *importer) run(ctx context.Context, notes []foreignNote) error {
	tx := imp.tx
	before := map[int64]bool{}
	for _, d := range tx.Decks() {
		before[d.ID] = true
	}
	switch {
	case imp.m.DeckID != 0:
		imp.defaultDeck = imp.m.DeckID
	case imp.m.DeckName != "":
		id, err := tx.AddDeck(imp.m.DeckName)
		if err != nil {
			return err
		}
		imp.defaultDeck = id
	}
	if err := imp.loadExisting(); err != nil {
		return err
	}
	for i, fn := range notes {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := imp.importNote(fn); err != nil {
			return fmt.Errorf("row %d: %w", fn.row, err)
		}
	}
	for _, d := range tx.Decks() {
		if !before[d.ID] {
			imp.res.DecksCreated = append(imp.res.DecksCreated, d.Name)
		}
	}
	sort.Strings(imp.res.DecksCreated)
	return nil
}

func (imp *importer) loadExisting() error {
	q := imp.tx.Q()
	ctx := imp.tx.Context()
	imp.csums = map[csumKey][]int64{}
	imp.guids = map[string]int64{}
	query := "SELECT id, mid, csum, 0 FROM notes"
	if imp.m.Scope == MatchNotetypeAndDeck {
		query = `SELECT DISTINCT n.id, n.mid, n.csum, CASE WHEN c.odid != 0 THEN c.odid ELSE c.did END
			FROM notes n JOIN cards c ON c.nid = n.id`
	}
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return fmt.Errorf("read notes: %w", err)
	}
	for rows.Next() {
		var id, mid, csum, did int64
		if err := rows.Scan(&id, &mid, &csum, &did); err != nil {
			rows.Close()
			return fmt.Errorf("read notes: %w", err)
		}
		k := csumKey{mid, uint32(csum), did}
		imp.csums[k] = append(imp.csums[k], id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read notes: %w", err)
	}
	rows, err = q.QueryContext(ctx, "SELECT guid, id FROM notes")
	if err != nil {
		return fmt.Errorf("read notes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var g string
		var id int64
		if err := rows.Scan(&g, &id); err != nil {
			return fmt.Errorf("read notes: %w", err)
		}
		imp.guids[g] = id
	}
	return rows.Err()
}

// notetypeFor resolves a row's note type. Results are cached by the row's note type value:
// the transaction's note types are copies made on each call, and making them for every row
// was three quarters of the time of a large import (docs/benchmarks.md). The import never
// changes note types, so the cache stays valid for the whole transaction.
func (imp *importer) notetypeFor(fn *foreignNote) *collection.Notetype {
	key := fn.notetype
	if imp.m.NotetypeColumn == 0 {
		key = ""
	}
	if nt, ok := imp.notetypes[key]; ok {
		return nt
	}
	nt := imp.resolveNotetype(fn)
	if imp.notetypes == nil {
		imp.notetypes = map[string]*collection.Notetype{}
	}
	imp.notetypes[key] = nt
	return nt
}

func (imp *importer) resolveNotetype(fn *foreignNote) *collection.Notetype {
	if imp.m.NotetypeColumn == 0 {
		nt, _ := imp.tx.Notetype(imp.m.NotetypeID)
		return nt
	}
	if id, err := strconv.ParseInt(fn.notetype, 10, 64); err == nil {
		if nt, ok := imp.tx.Notetype(id); ok {
			return nt
		}
	}
	for _, nt := range imp.tx.Notetypes() {
		if strings.EqualFold(nt.Name, fn.notetype) {
			return nt
		}
	}
	return nil
}

func (imp *importer) deckFor(fn *foreignNote) (int64, error) {
	if imp.m.DeckColumn == 0 || fn.deck == "" {
		if imp.defaultDeck == 0 {
			return collection.DefaultDeckID, nil
		}
		return imp.defaultDeck, nil
	}
	if id, err := strconv.ParseInt(fn.deck, 10, 64); err == nil {
		if _, ok := imp.tx.Deck(id); ok {
			return id, nil
		}
	}
	if d, ok := imp.tx.DeckByName(fn.deck); ok {
		return d.ID, nil
	}
	return imp.tx.AddDeck(fn.deck)
}

// normalizeField drops control characters other than tab and newline and, unless the
// collection turned it off, puts text in NFC (Anki's normalize_field).
func (imp *importer) normalizeField(s string) string {
	if strings.IndexFunc(s, badControl) >= 0 {
		s = strings.Map(func(r rune) rune {
			if badControl(r) {
				return -1
			}
			return r
		}, s)
	}
	if imp.normalize && !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	return s
}

func badControl(r rune) bool { return r < 0x80 && (r < 0x20 || r == 0x7f) && r != '\n' && r != '\t' }

func (imp *importer) importNote(fn foreignNote) error {
	if len(fn.fields) > 0 && fn.fields[0] != nil && *fn.fields[0] == "" {
		imp.res.NotesSkipped++
		imp.warn("row %d: empty first field, skipped", fn.row)
		return nil
	}
	nt := imp.notetypeFor(&fn)
	if nt == nil {
		imp.res.NotesSkipped++
		imp.warn("row %d: note type %q not found, skipped", fn.row, fn.notetype)
		return nil
	}
	did, err := imp.deckFor(&fn)
	if err != nil {
		return err
	}
	for _, f := range fn.fields {
		if f != nil {
			*f = imp.normalizeField(*f)
		}
	}
	if len(fn.fields) > len(nt.Fields) {
		// More columns than fields (note type column mode, where an export pads every row
		// to the widest note type): empty padding is dropped; text is kept in the last
		// field rather than lost, like Anki's fix_field_count.
		vals := make([]string, len(fn.fields))
		extra := false
		for i, f := range fn.fields {
			if f != nil {
				vals[i] = *f
				extra = extra || (i >= len(nt.Fields) && *f != "")
			}
		}
		fn.fields = fn.fields[:len(nt.Fields)]
		if extra {
			joined := collection.FixFieldCount(vals, len(nt.Fields))
			last := joined[len(joined)-1]
			fn.fields[len(nt.Fields)-1] = &last
			imp.warn("row %d: %d columns for note type %q with %d fields; the rest joined into the last field", fn.row, len(vals), nt.Name, len(nt.Fields))
		}
	}
	dupes, byGUID, err := imp.findDupes(nt, &fn, did)
	if err != nil {
		return err
	}
	switch {
	case len(dupes) == 0:
		return imp.add(nt, &fn, did)
	case imp.m.Dupe == DupeKeepBoth && byGUID:
		imp.res.NotesSkipped++
		imp.warn("row %d: a note with guid %q exists; kept it", fn.row, fn.guid)
		return nil
	case imp.m.Dupe == DupeKeepBoth:
		return imp.add(nt, &fn, did)
	case imp.m.Dupe == DupeSkip:
		imp.res.NotesSkipped++
		return nil
	}
	return imp.update(nt, &fn, did, dupes)
}

func firstFieldStripped(f string) string { return text.StripHTMLPreservingMediaFilenames(f) }

func (imp *importer) findDupes(nt *collection.Notetype, fn *foreignNote, did int64) ([]*collection.Note, bool, error) {
	if fn.guid != "" {
		id, ok := imp.guids[fn.guid]
		if !ok {
			return nil, true, nil
		}
		n, err := imp.tx.GetNote(id)
		if err != nil {
			return nil, true, err
		}
		return []*collection.Note{n}, true, nil
	}
	if len(fn.fields) == 0 || fn.fields[0] == nil {
		return nil, false, nil
	}
	first := firstFieldStripped(*fn.fields[0])
	k := csumKey{mid: nt.ID, csum: text.FieldChecksum(*fn.fields[0])}
	if imp.m.Scope == MatchNotetypeAndDeck {
		k.did = did
	}
	var out []*collection.Note
	for _, id := range imp.csums[k] {
		n, err := imp.tx.GetNote(id)
		if errors.Is(err, collection.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		if len(n.Fields) > 0 && firstFieldStripped(n.Fields[0]) == first {
			out = append(out, n)
		}
	}
	return out, false, nil
}

func (imp *importer) add(nt *collection.Notetype, fn *foreignNote, did int64) error {
	tx := imp.tx
	n, err := tx.NewNote(nt.ID)
	if err != nil {
		return err
	}
	for i := range n.Fields {
		if i < len(fn.fields) && fn.fields[i] != nil {
			n.Fields[i] = *fn.fields[i]
		}
	}
	n.GUID = fn.guid
	n.Tags = append(append([]string(nil), fn.tags...), imp.m.GlobalTags...)
	if err := tx.AddNote(n, did); err != nil {
		return err
	}
	imp.guids[n.GUID] = n.ID
	cards, err := tx.CountCardsOfNote(n.ID)
	if err != nil {
		return err
	}
	imp.res.NotesNew++
	imp.res.CardsAdded += cards
	return nil
}

func (imp *importer) update(nt *collection.Notetype, fn *foreignNote, did int64, dupes []*collection.Note) error {
	tx := imp.tx
	const (
		none = iota
		conflicting
		identical
		updated
	)
	outcome := none
	for _, old := range dupes {
		if old.NotetypeID != nt.ID {
			outcome = max(outcome, conflicting)
			continue
		}
		n := *old
		n.Fields = append([]string(nil), old.Fields...)
		for i := range n.Fields {
			if i < len(fn.fields) && fn.fields[i] != nil {
				n.Fields[i] = *fn.fields[i]
			}
		}
		tags := old.Tags
		if fn.hasTags {
			tags = fn.tags
		}
		n.Tags = append(append(append([]string(nil), tags...), imp.m.GlobalTags...), imp.m.UpdatedTags...)
		before, err := tx.CountCardsOfNote(n.ID)
		if err != nil {
			return err
		}
		if err := tx.UpdateNote(&n); err != nil {
			return err
		}
		if sameStrings(n.Fields, old.Fields) && sameStrings(n.Tags, old.Tags) {
			outcome = max(outcome, identical)
		} else {
			outcome = max(outcome, updated)
		}
		if _, err := tx.GenerateCards(n.ID, did); err != nil {
			return err
		}
		after, err := tx.CountCardsOfNote(n.ID)
		if err != nil {
			return err
		}
		imp.res.CardsAdded += after - before
	}
	switch outcome {
	case conflicting:
		imp.res.NotesConflicting++
		imp.warn("row %d: the matching note has another note type; left it alone", fn.row)
	case identical:
		imp.res.NotesUnchanged++
	case updated:
		imp.res.NotesUpdated++
	}
	return nil
}

func sameStrings(a, b []string) bool {
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

func init() {
	collection.RegisterTextImporter(importText)
}

// importText adapts collection.ImportText requests to Import.
func importText(ctx context.Context, col *collection.Collection, req collection.TextImportRequest) (collection.TextImportResult, error) {
	opt := Options{
		Delimiter:    req.Delimiter,
		NotetypeID:   req.NotetypeID,
		DeckID:       req.DeckID,
		FieldColumns: req.FieldColumns,
		TagsColumn:   req.TagsColumn,
		Tags:         req.Tags,
	}
	if req.HTML {
		html := true
		opt.HTML = &html
	}
	if req.DupeMode != "" {
		d, err := ParseDupeResolution(req.DupeMode)
		if err != nil {
			return collection.TextImportResult{}, err
		}
		opt.Dupe = &d
	}
	res, err := Import(ctx, col, req.Path, opt)
	if err != nil {
		return collection.TextImportResult{}, err
	}
	return collection.TextImportResult{
		Added:    res.NotesNew,
		Updated:  res.NotesUpdated,
		Skipped:  res.NotesSkipped + res.NotesUnchanged + res.NotesConflicting,
		Warnings: res.Warnings,
	}, nil
}
