package media

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	cmedia "github.com/deckhand-app/deckhand/collection/media"
	"github.com/deckhand-app/deckhand/sync/protocol"
)

// storeRemote is a server (a real Store) behind the Remote interface, recording the
// upload zips.
type storeRemote struct {
	s    *Store
	zips [][]byte
}

func (r *storeRemote) MediaBegin(ctx context.Context) (int, error) { return r.s.LastUSN(ctx) }
func (r *storeRemote) MediaChanges(ctx context.Context, last int) ([]protocol.MediaChange, error) {
	return nil, nil
}
func (r *storeRemote) DownloadFiles(ctx context.Context, names []string) ([]byte, error) {
	return nil, nil
}
func (r *storeRemote) UploadChanges(ctx context.Context, z []byte) (int, int, error) {
	r.zips = append(r.zips, bytes.Clone(z))
	return r.s.ApplyUpload(ctx, z)
}
func (r *storeRemote) MediaSanity(ctx context.Context, n int) (string, error) { return "OK", nil }

type storedRemote struct{ *storeRemote }

func (r storedRemote) StoredZips() bool { return true }

// Under v11 (a transport that compresses) the upload zip stores files as they are, as
// Anki's client does; otherwise they are deflated, as Anki 2.1's client did for ankisyncd.
// Either way the server ends up with the same bytes.
func TestUploadZipMethod(t *testing.T) {
	for _, stored := range []bool{false, true} {
		ctx := context.Background()
		dir := t.TempDir()
		f, err := cmedia.Open(ctx, filepath.Join(dir, "col.media"), filepath.Join(dir, "col.media.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		want := map[string][]byte{"a.txt": bytes.Repeat([]byte("abc "), 500), "b.svg": []byte("<svg/>")}
		for name, data := range want {
			if _, err := f.AddData(ctx, name, data); err != nil {
				t.Fatal(err)
			}
		}
		s, err := OpenStore(ctx, filepath.Join(dir, "server"), filepath.Join(dir, "server.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		sr := &storeRemote{s: s}
		var r Remote = sr
		if stored {
			r = storedRemote{sr}
		}
		if err := Sync(ctx, f, r, nil); err != nil {
			t.Fatalf("stored=%v: %v", stored, err)
		}
		if len(sr.zips) != 1 {
			t.Fatalf("stored=%v: %d uploads", stored, len(sr.zips))
		}
		zr, err := zip.NewReader(bytes.NewReader(sr.zips[0]), int64(len(sr.zips[0])))
		if err != nil {
			t.Fatal(err)
		}
		wantMethod := zip.Deflate
		if stored {
			wantMethod = zip.Store
		}
		for _, e := range zr.File {
			if e.Method != wantMethod {
				t.Errorf("stored=%v: entry %s has method %d, want %d", stored, e.Name, e.Method, wantMethod)
			}
		}
		for name, data := range want {
			got, err := os.ReadFile(filepath.Join(dir, "server", name))
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("stored=%v: server has %s = %d bytes (%v), want %d", stored, name, len(got), err, len(data))
			}
		}
	}
}
