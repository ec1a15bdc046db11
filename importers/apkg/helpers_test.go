package apkg_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/text"
)

func newCol(t testing.TB) *collection.Collection {
	t.Helper()
	col, err := collection.Create(context.Background(), filepath.Join(t.TempDir(), "collection.anki2"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { col.Close() })
	return col
}

// state is a collection reduced to what an export/import round trip must preserve,
// keyed by what survives it (guids, names), not by ids.
type state struct {
	Notes     map[string]string // guid → note type layout | fields | tags
	Cards     map[string]string // guid/ord → deck, scheduling
	Revlog    map[int64]string  // id → guid/ord and review
	Decks     map[string]bool   // name → filtered
	Media     map[string]string // name → sha1 of referenced files
	NewCards  int
	Reviewed  int
	MaxNewDue int64
}

func snapshot(t testing.TB, col *collection.Collection, withSched bool) state {
	t.Helper()
	ctx := context.Background()
	db := col.DB()
	s := state{Notes: map[string]string{}, Cards: map[string]string{}, Revlog: map[int64]string{},
		Decks: map[string]bool{}, Media: map[string]string{}}
	deckName := func(id int64) string {
		if id == 0 {
			return ""
		}
		d, ok := col.Deck(id)
		if !ok {
			return fmt.Sprintf("missing deck %d", id)
		}
		return d.Name
	}
	guidOf := map[int64]string{}
	refs := map[string]bool{}
	rows, err := db.QueryContext(ctx, "SELECT id, guid, mid, flds, tags FROM notes")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, mid int64
		var guid, flds, tags string
		if err := rows.Scan(&id, &guid, &mid, &flds, &tags); err != nil {
			t.Fatal(err)
		}
		guidOf[id] = guid
		nt, ok := col.Notetype(mid)
		if !ok {
			t.Fatalf("note %d: note type %d missing", id, mid)
		}
		var layout []string
		for _, tm := range nt.Templates {
			layout = append(layout, tm.Name+"="+tm.QFmt)
		}
		var kept []string
		for _, tag := range strings.Fields(tags) {
			// Without scheduling the system tags do not travel (Anki's gather).
			if withSched || !strings.EqualFold(tag, "marked") && !strings.EqualFold(tag, "leech") {
				kept = append(kept, tag)
			}
		}
		s.Notes[guid] = fmt.Sprintf("%d %q %q | %q | %q", nt.Kind, nt.FieldNames(), layout, flds, kept)
		for _, f := range strings.Split(flds, "\x1f") {
			for _, r := range text.MediaRefs(f) {
				refs[r] = true
			}
		}
	}
	rows.Close()
	today := int64(col.Timing().Today)
	rows, err = db.QueryContext(ctx, "SELECT id, nid, did, ord, type, queue, due, ivl, factor, reps, lapses, left, odue, odid, flags FROM cards")
	if err != nil {
		t.Fatal(err)
	}
	cardKey := map[int64]string{}
	for rows.Next() {
		var id, nid, did, due, odue, odid int64
		var ord, typ, queue, ivl, factor, reps, lapses, left, flags int
		if err := rows.Scan(&id, &nid, &did, &ord, &typ, &queue, &due, &ivl, &factor, &reps, &lapses, &left, &odue, &odid, &flags); err != nil {
			t.Fatal(err)
		}
		key := fmt.Sprintf("%s/%d", guidOf[nid], ord)
		cardKey[id] = key
		if typ == 0 {
			s.NewCards++
			s.MaxNewDue = max(s.MaxNewDue, due)
		} else {
			s.Reviewed++
		}
		if !withSched {
			s.Cards[key] = deckName(did)
			continue
		}
		// Day-based dues are compared relative to each collection's today.
		if queue == 2 || queue == 3 || typ == 2 {
			due -= today
		}
		if typ == 2 && odue != 0 {
			odue -= today
		}
		s.Cards[key] = fmt.Sprintf("%s t%d q%d due%d ivl%d f%d r%d l%d left%d odue%d od%q fl%d",
			deckName(did), typ, queue, due, ivl, factor, reps, lapses, left, odue, deckName(odid), flags)
	}
	rows.Close()
	rows, err = db.QueryContext(ctx, "SELECT id, cid, ease, ivl, lastIvl, factor, time, type FROM revlog")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, cid int64
		var ease, ivl, last, factor, tm, typ int
		if err := rows.Scan(&id, &cid, &ease, &ivl, &last, &factor, &tm, &typ); err != nil {
			t.Fatal(err)
		}
		s.Revlog[id] = fmt.Sprintf("%s e%d %d %d %d %d %d", cardKey[cid], ease, ivl, last, factor, tm, typ)
	}
	rows.Close()
	// Only decks holding cards (and their parents) travel in a package.
	used := map[string]bool{}
	for _, v := range s.Cards {
		used[strings.SplitN(v, " t", 2)[0]] = true
	}
	for _, d := range col.Decks() {
		for name := range used {
			if strings.EqualFold(name, d.Name) || strings.HasPrefix(strings.ToLower(name), strings.ToLower(d.Name)+"::") {
				s.Decks[d.Name] = d.Filtered()
			}
		}
	}
	for r := range refs {
		if sum, err := fileSHA1(filepath.Join(col.Media.Dir(), r)); err == nil {
			s.Media[r] = sum
		}
	}
	return s
}

func fileSHA1(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	sum := sha1.Sum(b)
	return hex.EncodeToString(sum[:]), nil
}

// dirFingerprint hashes every file below dir (names and bytes). A collection that lives
// alone in dir, closed (so no -wal holds pages), is fingerprinted with its media folder
// and media database; leftover temporary files change the fingerprint too.
func dirFingerprint(t testing.TB, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			lines = append(lines, rel+"/")
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		// Opening and closing a collection (WAL on, back to DELETE) bumps SQLite's file
		// change counter and version-valid-for number (header offsets 24 and 92) even when
		// nothing was written; every other byte must be identical.
		if len(b) >= 100 && bytes.HasPrefix(b, []byte("SQLite format 3\x00")) {
			copy(b[24:28], []byte{0, 0, 0, 0})
			copy(b[92:96], []byte{0, 0, 0, 0})
		}
		sum := sha1.Sum(b)
		lines = append(lines, rel+"="+hex.EncodeToString(sum[:]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
