package server_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/bench/benchdata"
	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/collection/gen"
	"github.com/deckhand-app/deckhand/sync/client"
	"github.com/deckhand-app/deckhand/sync/internal/synctest"
	"github.com/deckhand-app/deckhand/sync/server"
)

// Server-load benchmarks (go test -bench, no timing assertions): many users at once on
// loopback, and a 100k-card collection's full upload and download.

func loadServer(b *testing.B) (*server.Server, *httptest.Server) {
	b.Helper()
	srv, err := server.New(server.Config{DataDir: filepath.Join(b.TempDir(), "server"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), LoginAttempts: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	b.Cleanup(func() { hs.Close(); srv.Close() })
	return srv, hs
}

func loadClient(b *testing.B, srv *server.Server, hs *httptest.Server, name string) *client.Client {
	b.Helper()
	if err := srv.Users.Add(name, "pw"); err != nil {
		b.Fatal(err)
	}
	c, err := client.New(client.Options{Endpoint: hs.URL, Protocol: client.V11})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Login(context.Background(), name, "pw"); err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkConcurrentUsers50: 50 users, each with 100 notes already on the server, edit 100
// notes each and then all sync normally at the same time. Reports syncs/s, the p99 latency
// of one sync and the peak RSS of the process (server and the 50 clients).
func BenchmarkConcurrentUsers50(b *testing.B) {
	const users, changes = 50, 100
	ctx := context.Background()
	srv, hs := loadServer(b)
	clock := &synctest.Clock{}
	cols := make([]*collection.Collection, users)
	clients := make([]*client.Client, users)
	nids := make([][]int64, users)
	for i := range users {
		col, err := collection.Create(ctx, filepath.Join(b.TempDir(), "collection.anki2"))
		if err != nil {
			b.Fatal(err)
		}
		err = synctest.Edit(ctx, col, clock, func(tx *collection.Tx) error {
			for k := range changes {
				n, err := synctest.AddNote(tx, 1, fmt.Sprint("front ", k), "back")
				if err != nil {
					return err
				}
				nids[i] = append(nids[i], n.ID)
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		clients[i] = loadClient(b, srv, hs, fmt.Sprintf("load%02d", i))
		res, err := client.Sync(ctx, clients[i], col, client.SyncOptions{SkipMedia: true})
		if err != nil {
			b.Fatal(err)
		}
		cols[i] = res.Collection
	}
	b.Cleanup(func() {
		for _, c := range cols {
			c.Close()
		}
	})
	var lat []time.Duration
	var elapsed time.Duration
	benchdata.ResetPeak()
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		b.StopTimer()
		for i, col := range cols {
			err := synctest.Edit(ctx, col, clock, func(tx *collection.Tx) error {
				for _, id := range nids[i] {
					n, err := tx.GetNote(id)
					if err != nil {
						return err
					}
					n.Fields[1] = fmt.Sprint("back ", it)
					if err := tx.UpdateNote(n); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		start := time.Now()
		var wg sync.WaitGroup
		var mu sync.Mutex
		errs := make([]error, users)
		for i := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t0 := time.Now()
				res, err := client.Sync(ctx, clients[i], cols[i], client.SyncOptions{SkipMedia: true})
				d := time.Since(t0)
				cols[i], errs[i] = res.Collection, err
				mu.Lock()
				lat = append(lat, d)
				mu.Unlock()
			}()
		}
		wg.Wait()
		elapsed += time.Since(start)
		for _, err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(users*b.N)/elapsed.Seconds(), "syncs/s")
	b.ReportMetric(float64(lat[(len(lat)*99-1)/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	benchdata.ReportPeak(b)
}

var (
	bigOnce sync.Once
	bigPath string
	bigErr  error
	bigStat gen.Stats
)

// TestMain removes the generated collection once every benchmark has run.
func TestMain(m *testing.M) {
	code := m.Run()
	if bigPath != "" {
		os.RemoveAll(filepath.Dir(bigPath))
	}
	os.Exit(code)
}

// bigCollection generates a collection of about 100,000 cards (gen makes ~1.93 per note) once per test binary run, in a
// temporary folder that TestMain removes.
func bigCollection(b *testing.B) (string, gen.Stats) {
	bigOnce.Do(func() {
		dir, err := os.MkdirTemp("", "deckhand-sync-bench-")
		if err != nil {
			bigErr = err
			return
		}
		bigPath = filepath.Join(dir, "collection.anki2")
		bigStat, bigErr = gen.Generate(context.Background(), bigPath, gen.Options{Notes: 51_800, Seed: 1})
	})
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigPath, bigStat
}

func copyBig(b *testing.B, src string) *collection.Collection {
	b.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		b.Fatal(err)
	}
	dst := filepath.Join(b.TempDir(), "collection.anki2")
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		b.Fatal(err)
	}
	col, err := collection.Open(context.Background(), dst)
	if err != nil {
		b.Fatal(err)
	}
	return col
}

// BenchmarkFull100kCards: full upload of a ~100k-card collection to a new account, then
// full download of it to a new empty device; each timed separately.
func BenchmarkFull100kCards(b *testing.B) {
	path, st := bigCollection(b)
	ctx := context.Background()
	fi, _ := os.Stat(path)
	for _, dir := range []string{"upload", "download"} {
		b.Run(dir, func(b *testing.B) {
			srv, hs := loadServer(b)
			n := 0
			var name string
			if dir == "download" {
				col := copyBig(b, path)
				name = "big"
				c := loadClient(b, srv, hs, name)
				res, err := client.Sync(ctx, c, col, client.SyncOptions{Full: client.FullUpload, SkipMedia: true})
				if err != nil {
					b.Fatal(err)
				}
				res.Collection.Close()
			}
			benchdata.ResetPeak()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				var col *collection.Collection
				var c *client.Client
				var opts client.SyncOptions
				if dir == "upload" {
					col = copyBig(b, path)
					n++
					c = loadClient(b, srv, hs, fmt.Sprint("big", n))
					opts = client.SyncOptions{Full: client.FullUpload, SkipMedia: true}
				} else {
					var err error
					if col, err = collection.Create(ctx, filepath.Join(b.TempDir(), "collection.anki2")); err != nil {
						b.Fatal(err)
					}
					c, _ = client.New(client.Options{Endpoint: hs.URL, Protocol: client.V11})
					if _, err := c.Login(ctx, name, "pw"); err != nil {
						b.Fatal(err)
					}
					opts = client.SyncOptions{Full: client.FullDownload, SkipMedia: true}
				}
				b.StartTimer()
				res, err := client.Sync(ctx, c, col, opts)
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
				if dir == "download" {
					if _, cards, _ := synctest.Counts(ctx, res.Collection); cards != st.Cards {
						b.Fatalf("downloaded %d cards, want %d", cards, st.Cards)
					}
				}
				res.Collection.Close()
				b.StartTimer()
			}
			b.StopTimer()
			b.ReportMetric(float64(st.Cards), "cards")
			b.ReportMetric(float64(fi.Size())/(1<<20), "col-MB")
			benchdata.ReportPeak(b)
		})
	}
}
