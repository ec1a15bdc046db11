package apkg_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/gen"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
	exp "github.com/deckhand-app/deckhand/exporters/apkg"
	imp "github.com/deckhand-app/deckhand/importers/apkg"
)

// The benchmark collection (100k notes, 2k media) is generated once per run, in a
// temporary folder removed by TestMain; packages exported from it are cached there too.
var bench struct {
	once sync.Once
	dir  string
	col  string
	err  error
	mu   sync.Mutex
	pkgs map[pkgfile.Generation]string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

func benchCollection(b *testing.B) string {
	b.Helper()
	bench.once.Do(func() {
		if bench.dir, bench.err = os.MkdirTemp("", "deckhand-apkg-bench-*"); bench.err != nil {
			return
		}
		bench.col = filepath.Join(bench.dir, "source.anki2")
		bench.pkgs = map[pkgfile.Generation]string{}
		_, bench.err = gen.Generate(context.Background(), bench.col, gen.Options{Notes: 100_000, Media: 2000, Seed: 1})
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.col
}

func benchPackage(b *testing.B, g pkgfile.Generation) string {
	b.Helper()
	src := benchCollection(b)
	bench.mu.Lock()
	defer bench.mu.Unlock()
	if p, ok := bench.pkgs[g]; ok {
		return p
	}
	ctx := context.Background()
	col, err := collection.Open(ctx, src)
	if err != nil {
		b.Fatal(err)
	}
	defer col.Close()
	p := filepath.Join(bench.dir, fmt.Sprintf("gen%d.apkg", g))
	if _, err := exp.Export(ctx, col, p, exp.Options{Generation: g, WithScheduling: true, WithMedia: true}); err != nil {
		b.Fatal(err)
	}
	bench.pkgs[g] = p
	return p
}

// resetPeak clears the kernel's peak-RSS mark (Linux ≥ 4.0), so VmHWM afterwards is the
// peak of the measured work only.
func resetPeak() {
	runtime.GC()
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

func reportPeak(b *testing.B) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heapsys-MB")
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")))
			b.ReportMetric(float64(kb)/1024, "peakRSS-MB")
		}
	}
}

var benchGens = []pkgfile.Generation{pkgfile.Latest, pkgfile.Legacy2, pkgfile.Legacy1}

func BenchmarkExport(b *testing.B) {
	src := benchCollection(b)
	ctx := context.Background()
	col, err := collection.Open(ctx, src)
	if err != nil {
		b.Fatal(err)
	}
	defer col.Close()
	for _, g := range benchGens {
		b.Run(fmt.Sprintf("gen%d", g), func(b *testing.B) {
			out := filepath.Join(b.TempDir(), "out.apkg")
			resetPeak()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := exp.Export(ctx, col, out, exp.Options{Generation: g, WithScheduling: true, WithMedia: true}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportPeak(b)
			if st, err := os.Stat(out); err == nil {
				b.ReportMetric(float64(st.Size())/(1<<20), "pkg-MB")
			}
		})
	}
	b.Run("colpkg", func(b *testing.B) {
		out := filepath.Join(b.TempDir(), "out.colpkg")
		resetPeak()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := exp.ExportColpkg(ctx, col, out, exp.ColpkgOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		reportPeak(b)
	})
}

func BenchmarkImport(b *testing.B) {
	ctx := context.Background()
	for _, g := range benchGens {
		pkg := benchPackage(b, g)
		b.Run(fmt.Sprintf("gen%d", g), func(b *testing.B) {
			resetPeak()
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
				if res.NotesNew != 100_000 {
					b.Fatalf("imported %d notes", res.NotesNew)
				}
				col.Close()
				b.StartTimer()
			}
			b.StopTimer()
			reportPeak(b)
		})
	}
	b.Run("colpkg", func(b *testing.B) {
		src := benchCollection(b)
		col, err := collection.Open(ctx, src)
		if err != nil {
			b.Fatal(err)
		}
		pkg := filepath.Join(b.TempDir(), "all.colpkg")
		_, err = exp.ExportColpkg(ctx, col, pkg, exp.ColpkgOptions{})
		col.Close()
		if err != nil {
			b.Fatal(err)
		}
		resetPeak()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if _, err := imp.ImportColpkg(ctx, filepath.Join(b.TempDir(), "c.anki2"), pkg, imp.ColpkgOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		reportPeak(b)
	})
}
