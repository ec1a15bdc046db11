package apkg_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection/pkgfile"
	exp "github.com/deckhand-app/deckhand/exporters/apkg"
)

// TestWholeExportMatchesSelected: a whole-collection export (whole tables copied by
// SQLite's transfer optimization, then orphans deleted) holds exactly the rows, indexes
// and integrity of an export of every note by id (the filtered copy), including when the
// collection has cards without a note and reviews of deleted cards.
func TestWholeExportMatchesSelected(t *testing.T) {
	col := sampleCollection(t)
	ctx := context.Background()
	db := col.DB()
	var cids []int64
	rows, err := db.QueryContext(ctx, "SELECT id FROM cards ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		cids = append(cids, id)
	}
	rows.Close()
	stmts := []string{
		// an orphan card and its review, and a review of a deleted card
		"INSERT INTO cards VALUES (1700000000001, 999, 1, 0, 0, 5, 2, 2, 30, 10, 2500, 4, 0, 0, 0, 0, 0, '')",
		"INSERT INTO revlog VALUES (1700000000101, 1700000000001, 5, 3, 10, 4, 2500, 6000, 1)",
		"INSERT INTO revlog VALUES (1700000000102, 1234, 5, 3, 10, 4, 2500, 6000, 1)",
	}
	for i, cid := range cids {
		stmts = append(stmts, fmt.Sprintf("INSERT INTO revlog VALUES (%d, %d, -1, 3, 1, 0, 2500, 5000, 0)", 1700000000200+i, cid))
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	var nids []int64
	rows, err = db.QueryContext(ctx, "SELECT id FROM notes")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		nids = append(nids, id)
	}
	rows.Close()
	const dump = `SELECT 'n', * FROM notes ORDER BY id; SELECT 'c', * FROM cards ORDER BY id;
		SELECT 'r', * FROM revlog ORDER BY id; PRAGMA integrity_check;
		SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name;`
	for _, sched := range []bool{true, false} {
		t.Run(fmt.Sprint("scheduling=", sched), func(t *testing.T) {
			var got [2]string
			for i, ids := range [][]int64{nil, nids} {
				out := filepath.Join(t.TempDir(), "out.apkg")
				res, err := exp.Export(ctx, col, out, exp.Options{Generation: pkgfile.Legacy1, WithScheduling: sched, NoteIDs: ids})
				if err != nil {
					t.Fatal(err)
				}
				want := 0
				if sched {
					want = len(cids)
				}
				if res.Notes != len(nids) || res.Cards != len(cids) || res.Revlog != want {
					t.Errorf("export %d: result %+v", i, res)
				}
				got[i] = sqlite(t, member(t, out, "collection.anki2"), dump)
			}
			if got[0] != got[1] {
				t.Errorf("whole export:\n%s\nexport by note ids:\n%s", got[0], got[1])
			}
		})
	}
}

// TestLargeCollectionPackage: a collection file of several MB is deflated in blocks on
// several goroutines and inflated by pkgfile's reader; unzip and pkgfile must both get
// back the exact file, whose rows are the collection's.
func TestLargeCollectionPackage(t *testing.T) {
	col := sampleCollection(t)
	ctx := context.Background()
	nt, _ := col.NotetypeByName("Basic")
	did, _ := col.AddDeck(ctx, "Large")
	words := strings.Fields("the quick brown fox jumps over a lazy dog while 猫 and chien watch <b>closely</b>")
	for i := range 800 {
		n, _ := col.NewNote(nt.ID)
		var b strings.Builder
		for j := range 300 {
			b.WriteString(words[(i*7+j*j)%len(words)])
			fmt.Fprintf(&b, " %d ", (i*31+j)%997)
		}
		n.Fields[0], n.Fields[1] = fmt.Sprint("front ", i), b.String()
		if err := col.AddNote(ctx, n, did); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "out.apkg")
	if _, err := exp.Export(ctx, col, out, exp.Options{Generation: pkgfile.Legacy1, WithScheduling: true}); err != nil {
		t.Fatal(err)
	}
	viaUnzip := member(t, out, "collection.anki2")
	if len(viaUnzip) < 2<<20 {
		t.Fatalf("collection is only %d bytes: too small to span several deflate blocks", len(viaUnzip))
	}
	r, err := pkgfile.Open(out, pkgfile.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	dst := filepath.Join(t.TempDir(), "c.anki2")
	if _, err := r.ExtractCollection(ctx, dst); err != nil {
		t.Fatal(err)
	}
	viaPkgfile, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(viaUnzip, viaPkgfile) {
		t.Fatalf("unzip and pkgfile extract different files (%d and %d bytes)", len(viaUnzip), len(viaPkgfile))
	}
	var want []string
	rows, err := col.DB().QueryContext(ctx, "SELECT id, flds FROM notes ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id int64
		var flds string
		rows.Scan(&id, &flds)
		want = append(want, fmt.Sprintf("%d|%s", id, flds))
	}
	rows.Close()
	got := sqlite(t, viaUnzip, "SELECT id || '|' || flds FROM notes ORDER BY id")
	if got != strings.TrimSpace(strings.Join(want, "\n")) { // the helper trims its output
		t.Fatalf("exported notes differ from the collection's (%d bytes, want %d)", len(got), len(strings.Join(want, "\n")))
	}
}
