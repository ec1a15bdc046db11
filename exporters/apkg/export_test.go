package apkg_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
	exp "github.com/deckhand-app/deckhand/exporters/apkg"
)

func sampleCollection(t *testing.T) *collection.Collection {
	t.Helper()
	ctx := context.Background()
	col, err := collection.Create(ctx, filepath.Join(t.TempDir(), "collection.anki2"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { col.Close() })
	if _, err := col.Media.AddData(ctx, "cat.png", []byte("a cat picture")); err != nil {
		t.Fatal(err)
	}
	nt, _ := col.NotetypeByName("Basic")
	did, _ := col.AddDeck(ctx, "Animals::Cats")
	for _, f := range [][2]string{{"猫", `<img src="cat.png">`}, {"dog", "chien"}, {"bird", "oiseau"}} {
		n, _ := col.NewNote(nt.ID)
		n.Fields[0], n.Fields[1] = f[0], f[1]
		if err := col.AddNote(ctx, n, did); err != nil {
			t.Fatal(err)
		}
	}
	return col
}

// tool runs an independent command-line reader, skipping the test when it is missing.
func tool(t *testing.T, stdin []byte, name string, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Skipf("%s not installed: the independent-reader check needs it", name)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %q: %v: %s", name, args, err, stderr.String())
	}
	return out
}

func member(t *testing.T, pkg, name string) []byte {
	return tool(t, nil, "unzip", "-p", pkg, name)
}

func sqlite(t *testing.T, db []byte, query string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db")
	if err := os.WriteFile(path, db, 0o644); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(tool(t, nil, "sqlite3", path, query)))
}

// TestIndependentReaders reads our packages with unzip, zstd and sqlite3 only.
func TestIndependentReaders(t *testing.T) {
	col := sampleCollection(t)
	ctx := context.Background()
	for _, g := range []pkgfile.Generation{pkgfile.Legacy1, pkgfile.Legacy2, pkgfile.Latest} {
		t.Run(g.String(), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out.apkg")
			res, err := exp.Export(ctx, col, out, exp.Options{Generation: g, WithMedia: true, WithScheduling: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.Notes != 3 || res.Cards != 3 || res.Media != 1 {
				t.Errorf("result %+v", res)
			}
			list := string(tool(t, nil, "unzip", "-Z1", out))
			var colBytes []byte
			switch g {
			case pkgfile.Legacy1:
				if strings.Contains(list, "meta") || strings.Contains(list, "anki21") {
					t.Errorf("legacy-1 members: %q", list)
				}
				colBytes = member(t, out, "collection.anki2")
			case pkgfile.Legacy2:
				if m := member(t, out, "meta"); !bytes.Equal(m, []byte{8, 2}) {
					t.Errorf("meta % x", m)
				}
				colBytes = member(t, out, "collection.anki21")
			case pkgfile.Latest:
				if m := member(t, out, "meta"); !bytes.Equal(m, []byte{8, 3}) {
					t.Errorf("meta % x", m)
				}
				colBytes = tool(t, member(t, out, "collection.anki21b"), "zstd", "-d", "-c")
			}
			check := "PRAGMA integrity_check"
			if g == pkgfile.Latest {
				// Plain sqlite3 lacks Anki's unicase collation, which the name indexes of
				// schema 18 use (spec §1.5); check the tables that do not need it.
				check = "PRAGMA integrity_check(notes); PRAGMA integrity_check(cards); PRAGMA integrity_check(revlog)"
			}
			if got := strings.ReplaceAll(sqlite(t, colBytes, check), "ok\n", ""); got != "ok" {
				t.Errorf("integrity: %s", got)
			}
			wantVer := "11"
			if g == pkgfile.Latest {
				wantVer = "18"
			}
			if got := sqlite(t, colBytes, "SELECT ver FROM col"); got != wantVer {
				t.Errorf("ver %s, want %s", got, wantVer)
			}
			if got := sqlite(t, colBytes, "SELECT count(*) FROM notes; SELECT count(*) FROM cards"); got != "3\n3" {
				t.Errorf("counts %q", got)
			}
			if got := sqlite(t, colBytes, "SELECT sfld FROM notes ORDER BY sfld"); got != "bird\ndog\n猫" {
				t.Errorf("sfld %q", got)
			}
			var deckQuery = "SELECT decks FROM col"
			if g == pkgfile.Latest {
				deckQuery = "SELECT replace(CAST(name AS BLOB), char(31), '::') FROM decks"
			}
			if got := sqlite(t, colBytes, deckQuery); !strings.Contains(got, "Animals::Cats") || !strings.Contains(got, "Animals") {
				t.Errorf("decks %q", got)
			}
			mediaList := member(t, out, "media")
			if g == pkgfile.Latest {
				raw := tool(t, mediaList, "zstd", "-d", "-c")
				// MediaEntries{entries: [{name: "cat.png", size: 13, sha1: …}]}
				if !bytes.Contains(raw, []byte("cat.png")) {
					t.Errorf("media list % x", raw)
				}
				if got := tool(t, member(t, out, "0"), "zstd", "-d", "-c"); string(got) != "a cat picture" {
					t.Errorf("media 0: %q", got)
				}
			} else {
				var m map[string]string
				if err := json.Unmarshal(mediaList, &m); err != nil || m["0"] != "cat.png" {
					t.Errorf("media list %s: %v", mediaList, err)
				}
				if got := member(t, out, "0"); string(got) != "a cat picture" {
					t.Errorf("media 0: %q", got)
				}
			}
			if g != pkgfile.Legacy1 {
				dummy := member(t, out, "collection.anki2")
				if got := sqlite(t, dummy, "PRAGMA page_size; PRAGMA journal_mode; SELECT count(*) FROM notes; SELECT ver FROM col"); got != "512\ndelete\n1\n11" {
					t.Errorf("dummy collection: %q", got)
				}
				if got := sqlite(t, dummy, "SELECT sfld FROM notes"); got != exp.DummyText {
					t.Errorf("dummy note %q", got)
				}
			}
		})
	}
}

func TestColpkgIndependent(t *testing.T) {
	col := sampleCollection(t)
	out := filepath.Join(t.TempDir(), "all.colpkg")
	res, err := exp.ExportColpkg(context.Background(), col, out, exp.ColpkgOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Notes != 3 || res.Media != 1 {
		t.Errorf("result %+v", res)
	}
	db := tool(t, member(t, out, "collection.anki21b"), "zstd", "-d", "-c")
	if got := sqlite(t, db, "SELECT ver FROM col; SELECT count(*) FROM notes; SELECT count(*) FROM notetypes"); got != "18\n3\n5" {
		t.Errorf("colpkg collection: %q", got)
	}
	if _, err := exp.ExportColpkg(context.Background(), col, out, exp.ColpkgOptions{Generation: pkgfile.Legacy1}); err == nil {
		t.Errorf("legacy-1 colpkg accepted")
	}
}

func TestExportRefusesFutureIDs(t *testing.T) {
	col := sampleCollection(t)
	ctx := context.Background()
	err := col.Transact(ctx, func(tx *collection.Tx) error {
		_, err := tx.Q().Exec("UPDATE notes SET id = 99999999999999 WHERE id = (SELECT min(id) FROM notes)")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "x.apkg")
	if _, err := exp.Export(ctx, col, out, exp.Options{}); err == nil || !strings.Contains(err.Error(), "future") {
		t.Fatalf("error %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("partial package left: %v", err)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
}
