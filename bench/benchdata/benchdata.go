// Package benchdata provides the generated collections and the memory measurements that the
// benchmarks of every package share (see docs/benchmarks.md and bench/run.sh).
//
// Collections are made by collection/gen once per size and kept in a cache folder
// (DECKHAND_BENCH_DIR, default <tmp>/deckhand-bench-cache), so a benchmark run does not spend
// minutes generating them again; the cache key includes the size, media count and seed, and
// a collection is written to a temporary name and renamed, so an interrupted run never
// leaves a half-made file behind. Benchmarks that change a collection work on a Copy.
package benchdata

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/collection/gen"
)

// Media files and seed of every benchmark collection.
const (
	Media = 2000
	Seed  = 7
)

// Sizes are the collection sizes (notes) to benchmark: DECKHAND_BENCH_NOTES, a comma list,
// or 10,000 and 100,000.
func Sizes() []int {
	v := os.Getenv("DECKHAND_BENCH_NOTES")
	if v == "" {
		return []int{10_000, 100_000}
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
			out = append(out, n)
		}
	}
	return out
}

// Name is the sub-benchmark name for a size: "10k", "100k".
func Name(notes int) string {
	if notes%1000 == 0 {
		return fmt.Sprintf("%dk", notes/1000)
	}
	return strconv.Itoa(notes)
}

// Dir is the cache folder.
func Dir() string {
	if d := os.Getenv("DECKHAND_BENCH_DIR"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "deckhand-bench-cache")
}

var (
	mu   sync.Mutex
	made = map[int]error{}
)

// Collection returns the path of the cached generated collection with this many notes
// (its media folder is beside it, as Anki keeps it), generating it on first use. Do not
// change it: use Copy.
func Collection(tb testing.TB, notes int) string {
	tb.Helper()
	mu.Lock()
	defer mu.Unlock()
	dir := filepath.Join(Dir(), fmt.Sprintf("gen-v1-n%d-m%d-s%d", notes, Media, Seed))
	path := filepath.Join(dir, "collection.anki2")
	if err, ok := made[notes]; ok {
		if err != nil {
			tb.Fatal(err)
		}
		return path
	}
	err := func() error {
		if _, err := os.Stat(filepath.Join(dir, "complete")); err == nil {
			return nil
		}
		os.RemoveAll(dir)
		tmp := dir + ".tmp"
		os.RemoveAll(tmp)
		if err := os.MkdirAll(tmp, 0o755); err != nil {
			return err
		}
		start := time.Now()
		st, err := gen.Generate(context.Background(), filepath.Join(tmp, "collection.anki2"), gen.Options{Notes: notes, Media: Media, Seed: Seed})
		if err != nil {
			return fmt.Errorf("generate %d notes: %w", notes, err)
		}
		fmt.Fprintf(os.Stderr, "benchdata: generated %d notes, %d cards, %d reviews, %d media in %s\n",
			st.Notes, st.Cards, st.Revlog, st.Media, time.Since(start).Round(time.Millisecond))
		if err := os.WriteFile(filepath.Join(tmp, "complete"), nil, 0o644); err != nil {
			return err
		}
		return os.Rename(tmp, dir)
	}()
	made[notes] = err
	if err != nil {
		tb.Fatal(err)
	}
	return path
}

// Copy copies the collection with this many notes, its media folder and media database into
// a new folder under dst and returns the new collection's path.
func Copy(tb testing.TB, notes int, dst string) string {
	tb.Helper()
	src := Collection(tb, notes)
	srcDir := filepath.Dir(src)
	err := filepath.Walk(srcDir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(srcDir, p)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if rel == "complete" {
			return nil
		}
		return copyFile(p, target)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return filepath.Join(dst, filepath.Base(src))
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// MediaDir is the media folder of a collection path.
func MediaDir(colPath string) string {
	return strings.TrimSuffix(colPath, ".anki2") + ".media"
}

// ResetPeak returns freed memory to the system and resets the kernel's peak-RSS mark
// (Linux ≥ 4.0), so that ReportPeak afterwards tells the peak of the measured work, not of
// whatever ran before it in the same process.
func ResetPeak() {
	runtime.GC()
	debug.FreeOSMemory()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// PeakRSS is the process's peak resident set size in bytes since the last ResetPeak (0 when
// the system does not tell).
func PeakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// ReportPeak adds the peak RSS in MB as the benchmark metric "peakRSS-MB".
func ReportPeak(b *testing.B) {
	if p := PeakRSS(); p > 0 {
		b.ReportMetric(float64(p)/(1<<20), "peakRSS-MB")
	}
}
