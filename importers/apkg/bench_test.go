package apkg_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/deckhand-app/deckhand/bench/benchdata"
	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/pkgfile"
	exp "github.com/deckhand-app/deckhand/exporters/apkg"
	imp "github.com/deckhand-app/deckhand/importers/apkg"
)

// The benchmark collections (10k and 100k notes with 2k media, bench/benchdata) are shared
// with the other benchmarks; packages exported from them are cached for the run.
var bench struct {
	mu   sync.Mutex
	dir  string
	pkgs map[string]string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

func forSizes(b *testing.B, fn func(b *testing.B, notes int, src string)) {
	for _, n := range benchdata.Sizes() {
		b.Run(benchdata.Name(n), func(b *testing.B) { fn(b, n, benchdata.Collection(b, n)) })
	}
}

func benchPackage(b *testing.B, notes int, g pkgfile.Generation) string {
	b.Helper()
	src := benchdata.Collection(b, notes)
	bench.mu.Lock()
	defer bench.mu.Unlock()
	key := fmt.Sprint(notes, "-", g)
	if p, ok := bench.pkgs[key]; ok {
		return p
	}
	if bench.dir == "" {
		var err error
		if bench.dir, err = os.MkdirTemp("", "deckhand-apkg-bench-*"); err != nil {
			b.Fatal(err)
		}
		bench.pkgs = map[string]string{}
	}
	ctx := context.Background()
	col, err := collection.Open(ctx, src)
	if err != nil {
		b.Fatal(err)
	}
	defer col.Close()
	p := filepath.Join(bench.dir, fmt.Sprintf("n%d-gen%d.apkg", notes, g))
	if _, err := exp.Export(ctx, col, p, exp.Options{Generation: g, WithScheduling: true, WithMedia: true}); err != nil {
		b.Fatal(err)
	}
	bench.pkgs[key] = p
	return p
}

func resetPeak() { benchdata.ResetPeak() }

func reportPeak(b *testing.B) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapSys)/(1<<20), "heapsys-MB")
	benchdata.ReportPeak(b)
}

var benchGens = []pkgfile.Generation{pkgfile.Latest, pkgfile.Legacy2, pkgfile.Legacy1}

func BenchmarkExport(b *testing.B) {
	forSizes(b, benchmarkExport)
}

func benchmarkExport(b *testing.B, _ int, src string) {
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
	forSizes(b, benchmarkImport)
}

func benchmarkImport(b *testing.B, notes int, src string) {
	ctx := context.Background()
	for _, g := range benchGens {
		pkg := benchPackage(b, notes, g)
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
				if res.NotesNew != notes {
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
