package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/bench/benchdata"
	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
	"github.com/deckhand-app/deckhand/collection/store"
	exp "github.com/deckhand-app/deckhand/exporters/apkg"
	imp "github.com/deckhand-app/deckhand/importers/apkg"
)

// The floors are what the machine can do at best with the same data: the sqlite3 command
// line tool (SQLite's C code, no Go, no checks) inserting the same rows in one transaction,
// and copying the same rows out plus compressing them. The outside tools are the npm
// packages anki-reader and anki-apkg-export under Node (bench/node, installed by
// bench/run.sh). Benchmarks whose tool is missing are skipped with a message.

// run runs a command and returns its peak RSS in bytes.
func run(b *testing.B, stdin string, name string, args ...string) int64 {
	b.Helper()
	cmd, rss := measured(name, args...)
	if stdin != "" {
		f, err := os.Open(stdin)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		cmd.Stdin = f
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		b.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return rss()
}

// measured prepares a command whose peak RSS can be read afterwards. The kernel's figure
// for a child of this process is useless (Go starts children sharing its memory until exec,
// so they report this process's peak), so the command runs under /usr/bin/time, whose own
// children report their own; without it the figure is 0 (not shown).
func measured(name string, args ...string) (*exec.Cmd, func() int64) {
	return measuredContext(context.Background(), name, args...)
}

func measuredContext(ctx context.Context, name string, args ...string) (*exec.Cmd, func() int64) {
	timeBin, err := exec.LookPath("/usr/bin/time")
	if err != nil {
		return exec.CommandContext(ctx, name, args...), func() int64 { return 0 }
	}
	f, err := os.CreateTemp("", "deckhand-bench-rss-")
	if err != nil {
		return exec.CommandContext(ctx, name, args...), func() int64 { return 0 }
	}
	f.Close()
	cmd := exec.CommandContext(ctx, timeBin, append([]string{"-f", "%M", "-o", f.Name(), name}, args...)...)
	return cmd, func() int64 {
		defer os.Remove(f.Name())
		data, _ := os.ReadFile(f.Name())
		fields := strings.Fields(string(data))
		if len(fields) == 0 {
			return 0
		}
		kb, _ := strconv.ParseInt(fields[len(fields)-1], 10, 64)
		return kb << 10
	}
}

func need(b *testing.B, tool string) {
	b.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		b.Skipf("%s not installed", tool)
	}
}

var dumps sync.Map // notes -> string (path of the insert script)

// insertScript writes (once per size) a SQL script that creates an empty schema-11 collection
// and inserts the collection's notes, cards and review log in one transaction.
func insertScript(b *testing.B, notes int) string {
	b.Helper()
	if p, ok := dumps.Load(notes); ok {
		return p.(string)
	}
	src := benchdata.Collection(b, notes)
	path := filepath.Join(benchdata.Dir(), fmt.Sprintf("floor-insert-%d.sql", notes))
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(f, "PRAGMA journal_mode=WAL;\nPRAGMA synchronous=NORMAL;\n%s;\nBEGIN;\n", strings.TrimSpace(store.Schema11))
	f.Close()
	for _, table := range []string{"notes", "cards", "revlog"} {
		cmd := exec.Command("sqlite3", "-readonly", src, ".mode insert "+table, "select * from "+table)
		out, err := os.OpenFile(tmp, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			b.Fatal(err)
		}
		cmd.Stdout = out
		err = cmd.Run()
		out.Close()
		if err != nil {
			b.Fatalf("dump %s: %v", table, err)
		}
	}
	f, _ = os.OpenFile(tmp, os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintln(f, "COMMIT;")
	f.Close()
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
	dumps.Store(notes, path)
	return path
}

// BenchmarkFloorImport: sqlite3 creates the schema and inserts the same rows as an import of
// the collection (notes, cards, review log) in one transaction.
func BenchmarkFloorImport(b *testing.B) {
	need(b, "sqlite3")
	forSizes(b, func(b *testing.B, notes int, _ string) {
		script := insertScript(b, notes)
		dir := b.TempDir()
		var rss int64
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			rss = max(rss, run(b, script, "sqlite3", filepath.Join(dir, fmt.Sprintf("c%d.anki2", i))))
		}
		b.StopTimer()
		b.ReportMetric(float64(rss)/(1<<20), "peakRSS-MB")
	})
}

// BenchmarkFloorExport: sqlite3 copies the same rows into a new file in one transaction,
// then zip (deflate, as the legacy packages) packs that file and the media folder.
func BenchmarkFloorExport(b *testing.B) {
	need(b, "sqlite3")
	need(b, "zip")
	forSizes(b, func(b *testing.B, _ int, path string) {
		dir := b.TempDir()
		var rss int64
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			db := filepath.Join(dir, "collection.anki2")
			os.Remove(db)
			out := filepath.Join(dir, "out.zip")
			os.Remove(out)
			rss = max(rss, run(b, "", "sqlite3", db, "ATTACH '"+path+"' AS src", "BEGIN",
				"CREATE TABLE col AS SELECT * FROM src.col", "CREATE TABLE notes AS SELECT * FROM src.notes",
				"CREATE TABLE cards AS SELECT * FROM src.cards", "CREATE TABLE revlog AS SELECT * FROM src.revlog", "COMMIT"))
			rss = max(rss, run(b, "", "zip", "-q", "-r", "-j", out, db, benchdata.MediaDir(path)))
		}
		b.StopTimer()
		b.ReportMetric(float64(rss)/(1<<20), "peakRSS-MB")
	})
}

var legacyPkgs sync.Map // notes -> path of a Legacy1 package of the collection with media

// legacyPackage exports (once per size) the collection as a legacy (collection.anki2)
// package with scheduling and media: the format anki-reader reads.
func legacyPackage(b *testing.B, notes int) string {
	b.Helper()
	if p, ok := legacyPkgs.Load(notes); ok {
		return p.(string)
	}
	path := filepath.Join(benchdata.Dir(), fmt.Sprintf("legacy1-%d.apkg", notes))
	ctx := context.Background()
	col, err := collection.Open(ctx, benchdata.Collection(b, notes))
	if err != nil {
		b.Fatal(err)
	}
	defer col.Close()
	if _, err := exp.Export(ctx, col, path, exp.Options{Generation: pkgfile.Legacy1, WithScheduling: true, WithMedia: true}); err != nil {
		b.Fatal(err)
	}
	legacyPkgs.Store(notes, path)
	return path
}

// nodeTool runs one of the bench/node scripts and reports its own timing and peak RSS.
func nodeTool(b *testing.B, script string, args ...string) {
	b.Helper()
	need(b, "node")
	if _, err := os.Stat(filepath.Join("node", "node_modules")); err != nil {
		b.Skip("bench/node/node_modules missing: run bench/run.sh (npm install) first")
	}
	timeout := 15 * time.Minute
	if v := os.Getenv("DECKHAND_BENCH_NODE_TIMEOUT"); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			timeout = d
		}
	}
	var ms float64
	var rss int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		cmd, rssOf := measuredContext(ctx, "node", append([]string{"--max-old-space-size=8192", filepath.Join("node", script)}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		timedOut := ctx.Err() != nil
		cancel()
		if timedOut {
			b.Skipf("did-not-finish: %s took longer than %s", script, timeout)
		}
		if err != nil {
			msg := errb.String()
			if len(msg) > 600 {
				msg = msg[:300] + " … " + msg[len(msg)-300:]
			}
			b.Fatalf("node %s: %v\n%s", script, err, msg)
		}
		var res struct {
			MS float64 `json:"ms"`
		}
		if err := json.Unmarshal(lastLine(out.Bytes()), &res); err != nil {
			b.Fatalf("node %s printed %q: %v", script, out.String(), err)
		}
		ms += res.MS
		rss = max(rss, rssOf())
	}
	b.StopTimer()
	b.ReportMetric(ms/float64(b.N), "tool-ms")
	b.ReportMetric(float64(rss)/(1<<20), "peakRSS-MB")
}

// BenchmarkOutsideAnkiReader: anki-reader reads the legacy package of the collection (all
// cards of all decks, all media).
func BenchmarkOutsideAnkiReader(b *testing.B) {
	forSizes(b, func(b *testing.B, notes int, _ string) {
		nodeTool(b, "reader.mjs", legacyPackage(b, notes))
	})
}

// BenchmarkDeckhandReadLegacy is Deckhand's side of that comparison: open the same package,
// extract its collection, read every card with its note, and read every media file.
func BenchmarkDeckhandReadLegacy(b *testing.B) {
	forSizes(b, func(b *testing.B, notes int, _ string) {
		pkg := legacyPackage(b, notes)
		ctx := context.Background()
		dir := b.TempDir()
		measure(b, func() {
			// the package holds the media the notes refer to, not the whole folder
			cards, media := readLegacy(b, ctx, pkg, dir)
			if cards < notes || media == 0 {
				b.Fatalf("read %d cards, %d media files", cards, media)
			}
		})
	})
}

func readLegacy(b *testing.B, ctx context.Context, pkg, dir string) (cards, media int) {
	r, err := pkgfile.Open(pkg, pkgfile.Limits{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	// The media are read beside the collection, as an application would.
	type mediaResult struct {
		n   int
		err error
	}
	mediaDone := make(chan mediaResult, 1)
	go func() {
		n := 0
		for _, e := range r.Media() {
			rc, err := r.OpenMedia(e)
			if err == nil {
				_, err = io.Copy(io.Discard, rc)
				rc.Close()
			}
			if err != nil {
				mediaDone <- mediaResult{n, err}
				return
			}
			n++
		}
		mediaDone <- mediaResult{n, nil}
	}()
	waited := false
	waitMedia := func() int {
		waited = true
		res := <-mediaDone
		if res.err != nil {
			b.Fatal(res.err)
		}
		return res.n
	}
	defer func() {
		if !waited {
			<-mediaDone // a Fatal above: let the goroutine finish before Close
		}
	}()
	dst := filepath.Join(dir, "extracted.anki2")
	os.Remove(dst)
	if _, err := r.ExtractCollection(ctx, dst); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(ctx, dst, store.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, `SELECT c.id, c.nid, c.did, c.ord, c.type, c.queue, c.due, c.ivl, c.factor,
		c.reps, c.lapses, n.flds, n.tags, n.mid FROM cards c JOIN notes n ON n.id = c.nid`)
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var v [11]int64
		var flds, tags string
		var mid int64
		if err := rows.Scan(&v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &flds, &tags, &mid); err != nil {
			b.Fatal(err)
		}
		cards++
	}
	rows.Close()
	db.Close()
	return cards, waitMedia()
}

// BenchmarkDeckhandImportLegacy is a full import of that package (with scheduling and
// media) into a new collection: more than anki-reader does, shown beside it.
func BenchmarkDeckhandImportLegacy(b *testing.B) {
	forSizes(b, func(b *testing.B, notes int, _ string) {
		pkg := legacyPackage(b, notes)
		ctx := context.Background()
		benchdata.ResetPeak()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			col, err := collection.Create(ctx, filepath.Join(b.TempDir(), "c.anki2"))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			res, err := imp.Import(ctx, col, pkg, imp.Options{KeepScheduling: true})
			if err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			if res.NotesNew != notes {
				b.Fatalf("imported %d notes", res.NotesNew)
			}
			col.Close()
			b.StartTimer()
		}
		b.StopTimer()
		benchdata.ReportPeak(b)
	})
}

// apkgExportNotes is how many notes the anki-apkg-export comparison writes: the tool keeps
// its collection in sql.js 0.5's fixed 16 MB of memory and aborts ("Cannot enlarge memory
// arrays") between 300 and 1,000 notes (300 take ~20 s), so both sides write the first 200
// notes of the collection, without media (which would not fit either).
const apkgExportNotes = 200

// basicTSV writes the first two fields and the tags of the first apkgExportNotes notes, the
// input of anki-apkg-export (which makes Basic notes only), and returns their ids.
func basicTSV(b *testing.B, path, out string) []int64 {
	b.Helper()
	ctx := context.Background()
	col, err := collection.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer col.Close()
	var buf bytes.Buffer
	var ids []int64
	err = col.Iterate(ctx, "SELECT id, flds, tags FROM notes ORDER BY id LIMIT ?", []any{apkgExportNotes}, func(row []any) error {
		ids = append(ids, row[0].(int64))
		row = row[1:]
		f := strings.Split(fmt.Sprint(row[0]), "\x1f")
		f = append(f, "")
		clean := func(s string) string { return strings.NewReplacer("\t", " ", "\n", " ").Replace(s) }
		fmt.Fprintf(&buf, "%s\t%s\t%s\n", clean(f[0]), clean(f[1]), strings.TrimSpace(fmt.Sprint(row[1])))
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return ids
}

// BenchmarkOutsideApkgExport: anki-apkg-export writes a legacy package of the first
// apkgExportNotes notes (as Basic notes: its only note type).
func BenchmarkOutsideApkgExport(b *testing.B) {
	// One size only: both sides write the same apkgExportNotes notes whatever the size.
	n := benchdata.Sizes()[0]
	b.Run(fmt.Sprintf("%dnotes", apkgExportNotes), func(b *testing.B) {
		path := benchdata.Collection(b, n)
		dir := b.TempDir()
		tsv := filepath.Join(dir, "notes.tsv")
		basicTSV(b, path, tsv)
		empty := filepath.Join(dir, "media")
		os.Mkdir(empty, 0o755)
		nodeTool(b, "writer.cjs", tsv, empty, filepath.Join(dir, "out.apkg"))
	})
}

// BenchmarkDeckhandExportLegacy is Deckhand's side: a legacy (collection.anki2) package of
// the same notes, without scheduling (anki-apkg-export has none) and without media.
func BenchmarkDeckhandExportLegacy(b *testing.B) {
	// One size only: both sides write the same apkgExportNotes notes whatever the size.
	n := benchdata.Sizes()[0]
	b.Run(fmt.Sprintf("%dnotes", apkgExportNotes), func(b *testing.B) {
		path := benchdata.Collection(b, n)
		dir := b.TempDir()
		ids := basicTSV(b, path, filepath.Join(dir, "notes.tsv"))
		col := open(b, path)
		out := filepath.Join(dir, "out.apkg")
		ctx := context.Background()
		measure(b, func() {
			if _, err := exp.Export(ctx, col, out, exp.Options{Generation: pkgfile.Legacy1, NoteIDs: ids}); err != nil {
				b.Fatal(err)
			}
		})
	})
}

// lastLine is the last non-empty line of a tool's output (its JSON result).
func lastLine(out []byte) []byte {
	lines := bytes.Split(bytes.TrimSpace(out), []byte("\n"))
	return lines[len(lines)-1]
}
