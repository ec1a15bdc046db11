package media

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// A client that hangs up mid-request cancels the request's context. An upload must then be
// recorded whole or not at all: files in the folder and rows in the database agree, and a
// deleted file goes only with its row.
func TestApplyUploadWithCanceledContext(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStore(context.Background(), filepath.Join(dir, "media"), filepath.Join(dir, "media.server.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, _, err := s.ApplyUpload(context.Background(), mediaZip(`[["old.jpg","0"]]`, map[string]string{"0": "old"})); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, err = s.ApplyUpload(ctx, mediaZip(`[["a.jpg","0"],["b.jpg","1"]]`, map[string]string{"0": "aaa", "1": "bbb"}))
	if err == nil {
		_, _, err = s.ApplyUpload(ctx, mediaZip(`[["old.jpg",""]]`, nil))
	}
	rows := map[string]string{}
	r, qerr := s.db.Query("SELECT fname, coalesce(csum, '') FROM media")
	if qerr != nil {
		t.Fatal(qerr)
	}
	for r.Next() {
		var n, c string
		r.Scan(&n, &c)
		rows[n] = c
	}
	r.Close()
	for _, n := range []string{"a.jpg", "b.jpg", "old.jpg"} {
		_, statErr := os.Stat(filepath.Join(dir, "media", n))
		if listed := rows[n] != ""; listed != (statErr == nil) {
			t.Errorf("%s: file present %v, listed %v (upload error: %v)", n, statErr == nil, listed, err)
		}
	}
}
