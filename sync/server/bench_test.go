package server_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/deckhand-app/deckhand/bench/benchdata"
	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/sync/client"
	"github.com/deckhand-app/deckhand/sync/internal/synctest"
	"github.com/deckhand-app/deckhand/sync/media"
	"github.com/deckhand-app/deckhand/sync/server"
)

// The sync benchmarks run deckhand-syncd's handler in process on 127.0.0.1 (httptest) and a
// client on a copy of the generated benchmark collection (bench/benchdata), so all bytes go
// through the loopback interface and the real HTTP stack. BenchmarkSyncFloor is the floor:
// the same bytes copied raw over a loopback TCP connection into a file.

type benchEnv struct {
	srv  *server.Server
	http *httptest.Server
	n    int
}

func newBenchEnv(b *testing.B) *benchEnv {
	b.Helper()
	srv, err := server.New(server.Config{DataDir: filepath.Join(b.TempDir(), "server"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), LoginAttempts: 1 << 20})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	b.Cleanup(func() { hs.Close(); srv.Close() })
	return &benchEnv{srv: srv, http: hs}
}

// user adds a new account and returns a client logged in to it.
func (e *benchEnv) user(b *testing.B) *client.Client {
	b.Helper()
	e.n++
	name := fmt.Sprintf("user%d", e.n)
	if err := e.srv.Users.Add(name, "secret"); err != nil {
		b.Fatal(err)
	}
	return e.login(b, name)
}

func (e *benchEnv) login(b *testing.B, name string) *client.Client {
	b.Helper()
	c, err := client.New(client.Options{Endpoint: e.http.URL, Protocol: client.V11})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := c.Login(context.Background(), name, "secret"); err != nil {
		b.Fatal(err)
	}
	return c
}

func openCopy(b *testing.B, notes int) *collection.Collection {
	b.Helper()
	col, err := collection.Open(context.Background(), benchdata.Copy(b, notes, b.TempDir()))
	if err != nil {
		b.Fatal(err)
	}
	return col
}

func syncOnce(b *testing.B, c *client.Client, col *collection.Collection, opts client.SyncOptions) *collection.Collection {
	b.Helper()
	res, err := client.Sync(context.Background(), c, col, opts)
	if err != nil {
		b.Fatalf("sync: %v", err)
	}
	return res.Collection
}

func forSizes(b *testing.B, fn func(b *testing.B, notes int)) {
	for _, n := range benchdata.Sizes() {
		b.Run(benchdata.Name(n), func(b *testing.B) { fn(b, n) })
	}
}

// BenchmarkSyncFullUpload: a full upload of the collection (no media) to a new account.
func BenchmarkSyncFullUpload(b *testing.B) {
	forSizes(b, func(b *testing.B, notes int) {
		e := newBenchEnv(b)
		col := openCopy(b, notes)
		defer func() { col.Close() }()
		benchdata.ResetPeak()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			c := e.user(b)
			b.StartTimer()
			col = syncOnce(b, c, col, client.SyncOptions{Full: client.FullUpload, SkipMedia: true})
		}
		b.StopTimer()
		benchdata.ReportPeak(b)
		st, _ := os.Stat(benchdata.Collection(b, notes))
		b.ReportMetric(float64(st.Size())/(1<<20), "col-MB")
	})
}

// BenchmarkSyncFullDownload: a new, empty device downloads the account's collection.
func BenchmarkSyncFullDownload(b *testing.B) {
	forSizes(b, func(b *testing.B, notes int) {
		e := newBenchEnv(b)
		src := openCopy(b, notes)
		c := e.user(b)
		src = syncOnce(b, c, src, client.SyncOptions{Full: client.FullUpload, SkipMedia: true})
		src.Close()
		name := fmt.Sprintf("user%d", e.n)
		ctx := context.Background()
		benchdata.ResetPeak()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			col, err := collection.Create(ctx, filepath.Join(b.TempDir(), "collection.anki2"))
			if err != nil {
				b.Fatal(err)
			}
			dc := e.login(b, name)
			b.StartTimer()
			col = syncOnce(b, dc, col, client.SyncOptions{Full: client.FullDownload, SkipMedia: true})
			b.StopTimer()
			col.Close()
			b.StartTimer()
		}
		b.StopTimer()
		benchdata.ReportPeak(b)
	})
}

// BenchmarkSyncMedia: the media sync after a full upload sends all 2,000 files of the
// collection's media folder to a new account.
func BenchmarkSyncMedia(b *testing.B) {
	forSizes(b, func(b *testing.B, notes int) {
		e := newBenchEnv(b)
		ctx := context.Background()
		var prog media.Progress
		benchdata.ResetPeak()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			col := openCopy(b, notes)
			c := e.user(b)
			col = syncOnce(b, c, col, client.SyncOptions{Full: client.FullUpload, SkipMedia: true})
			benchdata.ResetPeak() // the peak of the media sync, not of the upload before it
			b.StartTimer()
			if err := media.Sync(ctx, col.Media, c, func(p media.Progress) { prog = p }); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			col.Close()
			if prog.Uploaded != benchdata.Media {
				b.Fatalf("uploaded %d files", prog.Uploaded)
			}
			b.StartTimer()
		}
		b.StopTimer()
		benchdata.ReportPeak(b)
	})
}

// BenchmarkSyncNormal1k: a normal sync sending 1,000 changes: 500 edited notes and 500
// answered cards.
func BenchmarkSyncNormal1k(b *testing.B) {
	forSizes(b, func(b *testing.B, notes int) {
		e := newBenchEnv(b)
		ctx := context.Background()
		col := openCopy(b, notes)
		defer func() { col.Close() }()
		c := e.user(b)
		col = syncOnce(b, c, col, client.SyncOptions{Full: client.FullUpload, SkipMedia: true})
		nids, err := col.FindNotes(ctx, "", collection.Order{})
		if err != nil {
			b.Fatal(err)
		}
		cids, err := col.FindCards(ctx, "is:review", collection.Order{})
		if err != nil || len(cids) < 500 || len(nids) < 500 {
			b.Fatalf("%d notes, %d review cards: %v", len(nids), len(cids), err)
		}
		clock := &synctest.Clock{}
		benchdata.ResetPeak()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			b.StopTimer()
			err := synctest.Edit(ctx, col, clock, func(tx *collection.Tx) error {
				for k := 0; k < 500; k++ {
					n, err := tx.GetNote(nids[(i*500+k)%len(nids)])
					if err != nil {
						return err
					}
					n.Fields[len(n.Fields)-1] += fmt.Sprint(" edit", i)
					if err := tx.UpdateNote(n); err != nil {
						return err
					}
					if err := synctest.Review(tx, cids[(i*500+k)%len(cids)], 3); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			col = syncOnce(b, c, col, client.SyncOptions{SkipMedia: true})
		}
		b.StopTimer()
		benchdata.ReportPeak(b)
	})
}

// BenchmarkSyncFloor copies the collection file (as a full upload sends it) and then the
// media folder's files raw over a loopback TCP connection into files: what the transfer
// costs without HTTP, sync protocol, checks or SQLite.
func BenchmarkSyncFloor(b *testing.B) {
	forSizes(b, func(b *testing.B, notes int) {
		path := benchdata.Collection(b, notes)
		entries, err := os.ReadDir(benchdata.MediaDir(path))
		if err != nil {
			b.Fatal(err)
		}
		var mediaFiles []string
		for _, en := range entries {
			mediaFiles = append(mediaFiles, filepath.Join(benchdata.MediaDir(path), en.Name()))
		}
		for _, part := range []struct {
			name  string
			files []string
		}{{"collection", []string{path}}, {"media", mediaFiles}} {
			b.Run(part.name, func(b *testing.B) {
				dir := b.TempDir()
				benchdata.ResetPeak()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := rawCopy(part.files, dir); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				benchdata.ReportPeak(b)
			})
		}
	})
}

// rawCopy sends the files, each preceded by its length, over one loopback TCP connection;
// the receiver writes each into its own file in dir.
func rawCopy(files []string, dir string) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	done := make(chan error, 1)
	go func() {
		done <- func() error {
			conn, err := ln.Accept()
			if err != nil {
				return err
			}
			defer conn.Close()
			r := bufio.NewReaderSize(conn, 1<<16)
			for i := range files {
				var size int64
				if err := binary.Read(r, binary.LittleEndian, &size); err != nil {
					return err
				}
				f, err := os.Create(filepath.Join(dir, fmt.Sprint(i)))
				if err != nil {
					return err
				}
				_, err = io.CopyN(f, r, size)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					return err
				}
			}
			return nil
		}()
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return err
	}
	defer conn.Close()
	w := bufio.NewWriterSize(conn, 1<<16)
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		st, err := f.Stat()
		if err == nil {
			err = binary.Write(w, binary.LittleEndian, st.Size())
		}
		if err == nil {
			_, err = io.Copy(w, f)
		}
		f.Close()
		if err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return <-done
}
