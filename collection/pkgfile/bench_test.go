package pkgfile

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// mediaSource yields ~20 KB of half-random, half-repetitive bytes without keeping the
// files around, so the benchmark measures the package code, not the test data.
type mediaSource struct {
	rng *rand.Rand
	n   int
}

func (m *mediaSource) Read(p []byte) (int, error) {
	if m.n <= 0 {
		return 0, io.EOF
	}
	n := min(len(p), m.n)
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			p[i] = byte(m.rng.Uint32())
		} else {
			p[i] = 'a'
		}
	}
	m.n -= n
	return n, nil
}

// peakHeap samples the in-use heap until stopped and returns the maximum seen.
func peakHeap() (stop func() uint64) {
	var mu sync.Mutex
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			mu.Lock()
			peak = max(peak, ms.HeapInuse)
			mu.Unlock()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		wg.Wait()
		return peak
	}
}

// BenchmarkLatestWriteRead writes and reads back a Latest package of a 100k-note
// collection with 2,000 media files of 20 KB.
func BenchmarkLatestWriteRead(b *testing.B) {
	const notes, files, size = 100_000, 2_000, 20 << 10
	ctx := context.Background()
	dir := b.TempDir()
	src := newCollection(b, dir, notes)
	st, _ := os.Stat(src)
	dummy := dummyCollection(b)
	runtime.GC()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		stop := peakHeap()
		out := filepath.Join(dir, fmt.Sprintf("bench-%d.apkg", i))
		w, err := Create(out, WriterOptions{Generation: Latest, DummyCollection: dummy})
		if err != nil {
			b.Fatal(err)
		}
		if err := w.WriteCollection(ctx, src); err != nil {
			b.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(uint64(i), 7))
		for f := 0; f < files; f++ {
			if err := w.AddMedia(fmt.Sprintf("m%05d.jpg", f), &mediaSource{rng: rng, n: size}); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		pst, _ := os.Stat(out)

		r, err := Open(out, Limits{})
		if err != nil {
			b.Fatal(err)
		}
		ver, err := r.ExtractCollection(ctx, filepath.Join(dir, "extracted"))
		if err != nil || ver != 18 {
			b.Fatalf("extract: %d %v", ver, err)
		}
		var total int64
		for _, e := range r.Media() {
			rc, err := r.OpenMedia(e)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, rc)
			rc.Close()
			if err != nil {
				b.Fatal(err)
			}
			total += n
		}
		r.Close()
		if total != files*size {
			b.Fatalf("read %d media bytes", total)
		}
		peak := stop()
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(pst.Size())/(1<<20), "package-MB")
		b.ReportMetric(float64(st.Size())/(1<<20), "collection-MB")
		os.Remove(out)
	}
}
