package media

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	cmedia "github.com/deckhand-app/deckhand/collection/media"
)

func mediaZip(meta string, files map[string]string) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("_meta")
	w.Write([]byte(meta))
	for k, v := range files {
		w, _ := zw.Create(k)
		w.Write([]byte(v))
	}
	zw.Close()
	return b.Bytes()
}

// FuzzReadUploadZip is the server reading a client's media upload: every name it accepts
// must pass CheckName, files are never empty, and there are at most 25 entries.
func FuzzReadUploadZip(f *testing.F) {
	f.Add(mediaZip(`[["a.jpg","0"],["b.mp3",null],["c",""]]`, map[string]string{"0": "jpeg"}))
	f.Add(mediaZip(`[["../x","0"]]`, map[string]string{"0": "x"}))
	f.Add(mediaZip(`[["a","9"]]`, nil))
	f.Add(mediaZip(`{"0":"a"}`, map[string]string{"0": "x"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ReadUploadZip(data)
		if err != nil {
			return
		}
		if len(entries) > 25 {
			t.Fatalf("%d entries accepted", len(entries))
		}
		for _, e := range entries {
			if err := CheckName(e.Name); err != nil {
				t.Fatalf("accepted bad name: %v", err)
			}
			if !e.Delete && len(e.Data) == 0 {
				t.Fatalf("accepted empty file %q", e.Name)
			}
		}
	})
}

var (
	storeOnce sync.Once
	storeDir  string
	storeFold *cmedia.Folder
	storeErr  error
)

// FuzzStoreZip is the client storing a downloadFiles answer: it may only ever write the
// names it asked for, inside the media folder.
func FuzzStoreZip(f *testing.F) {
	f.Add(mediaZip(`{"0":"a.jpg","1":"b c.mp3"}`, map[string]string{"0": "jpeg", "1": "mp3"}), "a.jpg\nb c.mp3")
	f.Add(mediaZip(`{"0":"../evil"}`, map[string]string{"0": "x"}), "../evil")
	f.Add(mediaZip(`{"0":"a.jpg"}`, nil), "a.jpg")
	f.Fuzz(func(t *testing.T, data []byte, askedList string) {
		storeOnce.Do(func() {
			storeDir, storeErr = os.MkdirTemp("", "mediafuzz")
			if storeErr == nil {
				storeFold, storeErr = cmedia.Open(context.Background(), filepath.Join(storeDir, "media"), filepath.Join(storeDir, "media.db"))
			}
		})
		if storeErr != nil {
			t.Fatal(storeErr)
		}
		var asked []string
		for _, n := range strings.Split(askedList, "\n") {
			// The client asks only for names that passed CheckName (fetchChanges).
			if CheckName(n) == nil {
				asked = append(asked, n)
			}
		}
		storeZip(context.Background(), storeFold, data, asked)
		top, _ := os.ReadDir(storeDir)
		for _, e := range top {
			if n := e.Name(); n != "media" && !strings.HasPrefix(n, "media.db") {
				t.Fatalf("file %q written outside the media folder", n)
			}
		}
		files, _ := os.ReadDir(filepath.Join(storeDir, "media"))
		ok := map[string]bool{}
		for _, n := range asked {
			ok[n] = true
		}
		for _, e := range files {
			if !ok[e.Name()] {
				// Earlier inputs' names are fine; only a name never asked in any input is not.
				if !everAsked(e.Name()) {
					t.Fatalf("stored %q, which was never asked for", e.Name())
				}
			}
		}
		for _, n := range asked {
			rememberAsked(n)
		}
	})
}

var (
	askedMu  sync.Mutex
	askedAll = map[string]bool{}
)

func rememberAsked(n string) { askedMu.Lock(); askedAll[n] = true; askedMu.Unlock() }
func everAsked(n string) bool {
	askedMu.Lock()
	defer askedMu.Unlock()
	return askedAll[n]
}
