package collection_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/gen"
)

// The 100k-note collection is generated once per benchmark run (DECKHAND_BENCH_NOTES
// overrides the size) and shared by the benchmarks below.
var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
	benchDir  string
)

func benchCollection(b *testing.B) string {
	b.Helper()
	benchOnce.Do(func() {
		notes := 100_000
		if v := os.Getenv("DECKHAND_BENCH_NOTES"); v != "" {
			fmt.Sscan(v, &notes)
		}
		benchDir, benchErr = os.MkdirTemp("", "deckhand-bench-")
		if benchErr != nil {
			return
		}
		benchPath = filepath.Join(benchDir, "bench.anki2")
		start := time.Now()
		_, benchErr = gen.Generate(context.Background(), benchPath, gen.Options{Notes: notes, Media: 2000, Seed: 7})
		fmt.Fprintf(os.Stderr, "generated %d notes in %s\n", notes, time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// BenchmarkGenerate100k measures `deckhand-cli gen --notes 100000 --media 2000`.
func BenchmarkGenerate100k(b *testing.B) {
	for i := 0; i < b.N; i++ {
		path := filepath.Join(b.TempDir(), "g.anki2")
		if _, err := gen.Generate(context.Background(), path, gen.Options{Notes: 100_000, Media: 2000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		st, _ := os.Stat(path)
		b.ReportMetric(float64(st.Size())/(1<<20), "MiB")
	}
}

// BenchmarkOpenAndDeckTree is what the app does at start: open the collection and count decks.
func BenchmarkOpenAndDeckTree(b *testing.B) {
	path := benchCollection(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		col, err := collection.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := col.DeckTree(ctx); err != nil {
			b.Fatal(err)
		}
		col.Close()
	}
}

func BenchmarkSearch(b *testing.B) {
	path := benchCollection(b)
	ctx := context.Background()
	col, err := collection.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer col.Close()
	queries := []string{"time", "tag:time*", "deck:Languages", "is:due", "front:*world*",
		"deck:Science -is:new tag:time*", "(water or fire) is:review", "prop:ivl>30", "rated:7"}
	for _, q := range queries {
		for _, sorted := range []bool{false, true} {
			order := collection.Order{}
			name := q + "/unsorted"
			if sorted {
				order.Column = collection.SortSortField
				name = q + "/sortfield"
			}
			b.Run(name, func(b *testing.B) {
				n := 0
				for i := 0; i < b.N; i++ {
					ids, err := col.FindCards(ctx, q, order)
					if err != nil {
						b.Fatal(err)
					}
					n = len(ids)
				}
				b.ReportMetric(float64(n), "hits")
			})
		}
	}
}

// BenchmarkRender10k renders the first 10,000 cards of the collection.
func BenchmarkRender10k(b *testing.B) {
	path := benchCollection(b)
	ctx := context.Background()
	col, err := collection.Open(ctx, path)
	if err != nil {
		b.Fatal(err)
	}
	defer col.Close()
	ids, err := col.FindCards(ctx, "", collection.Order{})
	if err != nil {
		b.Fatal(err)
	}
	ids = ids[:min(10_000, len(ids))]
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, id := range ids {
			if _, err := col.RenderCard(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkAddNote is the cost of adding one Basic (and reversed) note in its own transaction.
func BenchmarkAddNote(b *testing.B) {
	ctx := context.Background()
	col, err := collection.Create(ctx, filepath.Join(b.TempDir(), "a.anki2"))
	if err != nil {
		b.Fatal(err)
	}
	defer col.Close()
	nt, _ := col.NotetypeByName("Basic (and reversed card)")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n, _ := col.NewNote(nt.ID)
		n.Fields[0], n.Fields[1] = fmt.Sprint("front ", i), "back"
		if err := col.AddNote(ctx, n, 1); err != nil {
			b.Fatal(err)
		}
	}
}
