package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite"
)

// buildCLI builds deckhand-cli once for the crash tests.
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "deckhand-cli")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// colState is what a crash must leave either as it was or as a finished import made it.
type colState struct {
	notes, cards, revlog int
	content              string // hash of note guids and fields, card and review rows
}

func (s colState) String() string {
	return fmt.Sprintf("%d notes, %d cards, %d revlog, %.12s", s.notes, s.cards, s.revlog, s.content)
}

// readState opens the collection file directly (recovering a WAL the killed process left,
// as the next open does), runs PRAGMA integrity_check and reads the counts and a hash.
func readState(t *testing.T, path string) colState {
	t.Helper()
	u := &url.URL{Scheme: "file", Path: path}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity_check: %q %v", ok, err)
	}
	var s colState
	db.QueryRow("SELECT count(*) FROM notes").Scan(&s.notes)
	db.QueryRow("SELECT count(*) FROM cards").Scan(&s.cards)
	db.QueryRow("SELECT count(*) FROM revlog").Scan(&s.revlog)
	h := sha256.New()
	for _, q := range []string{"SELECT guid || flds || tags FROM notes ORDER BY guid",
		"SELECT n.guid || c.ord || c.type || c.queue FROM cards c JOIN notes n ON n.id = c.nid ORDER BY n.guid, c.ord",
		"SELECT id || cid || ease FROM revlog ORDER BY id"} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var v string
			rows.Scan(&v)
			fmt.Fprintln(h, v)
		}
		rows.Close()
	}
	s.content = fmt.Sprintf("%x", h.Sum(nil))
	return s
}

func mediaNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	sort.Strings(out)
	return out
}

func iterations(short, long int) int {
	if os.Getenv("DECKHAND_LONG") != "" {
		return long
	}
	return short
}

// TestCrashDuringImport SIGKILLs `deckhand-cli import` at random moments. After each kill
// the collection must pass integrity_check and be either exactly as before or exactly as
// a finished import leaves it; media files must be the old set or the new one, and the
// next open must work. DECKHAND_LONG=1 runs 100 kills.
func TestCrashDuringImport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI and kills it repeatedly")
	}
	bin := buildCLI(t)
	work := t.TempDir()
	src := filepath.Join(work, "src", "collection.anki2")
	if out, err := exec.Command(bin, "gen", "--notes", "1500", "--media", "40", src).CombinedOutput(); err != nil {
		t.Fatalf("gen: %v %s", err, out)
	}
	pkg := filepath.Join(work, "mid.apkg")
	if out, err := exec.Command(bin, "--col", src, "export", pkg, "--with-scheduling").CombinedOutput(); err != nil {
		t.Fatalf("export: %v %s", err, out)
	}
	base := filepath.Join(work, "base", "collection.anki2")
	if out, err := exec.Command(bin, "init", base).CombinedOutput(); err != nil {
		t.Fatalf("init: %v %s", err, out)
	}
	exec.Command(bin, "--col", base, "add", "--type", "Basic", "--field", "Front=mine", "--field", "Back=x").Run()
	before := readState(t, base)
	beforeMedia := mediaNames(t, filepath.Join(filepath.Dir(base), "collection.media"))

	// One full import gives the state after, and how long an import takes.
	full := copyCollection(t, base)
	start := time.Now()
	if out, err := exec.Command(bin, "--col", full, "import", pkg, "--keep-scheduling").CombinedOutput(); err != nil {
		t.Fatalf("import: %v %s", err, out)
	}
	took := time.Since(start)
	after := readState(t, full)
	afterMedia := mediaNames(t, filepath.Join(filepath.Dir(full), "collection.media"))
	if after == before || len(afterMedia) <= len(beforeMedia) {
		t.Fatalf("the import changed nothing: %v / %d media", after, len(afterMedia))
	}
	t.Logf("one import takes %v: %v -> %v", took, before, after)

	n := iterations(12, 100)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	var sawBefore, sawAfter, strays int
	deadline := time.Now().Add(time.Duration(iterations(60, 300)) * time.Second)
	for i := 0; i < n && time.Now().Before(deadline); i++ {
		col := copyCollection(t, base)
		cmd := exec.Command(bin, "--col", col, "import", pkg, "--keep-scheduling")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(rng.Int64N(int64(took) + int64(took)/5))
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		got := readState(t, col)
		switch got {
		case before:
			sawBefore++
		case after:
			sawAfter++
		default:
			t.Fatalf("kill %d after %v: collection is neither before (%v) nor after (%v): %v", i, delay, before, after, got)
		}
		// The next open (any command) must work and tidy up.
		if out, err := exec.Command(bin, "--col", col, "info").CombinedOutput(); err != nil {
			t.Fatalf("kill %d: next open: %v %s", i, err, out)
		}
		media := mediaNames(t, filepath.Join(filepath.Dir(col), "collection.media"))
		want := beforeMedia
		if got == after {
			want = afterMedia
		}
		if strings.Join(media, "\n") != strings.Join(want, "\n") {
			t.Errorf("kill %d after %v: %d media files, want %d (%v state)", i, delay, len(media), len(want), map[bool]string{true: "after", false: "before"}[got == after])
		}
		// A killed import leaves its staging folder (.import-*) beside the collection:
		// harmless (outside the media folder, never read again) but not yet cleaned up
		// on the next open; see docs/reliability.md. Anything else is a stray.
		for _, e := range mediaNames(t, filepath.Dir(col)) {
			switch {
			case strings.HasPrefix(e, ".import-"):
				strays++
			case strings.HasPrefix(e, "."):
				t.Errorf("kill %d after %v: unexpected %q left beside the collection", i, delay, e)
			}
		}
	}
	t.Logf("%d kills: %d left the collection as before, %d as after, %d left a staging folder", sawBefore+sawAfter, sawBefore, sawAfter, strays)
	_ = context.Background
}
