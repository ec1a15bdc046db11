package apkg

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"os"

	"github.com/deckhand-app/deckhand/collection"
)

func TestProbe(t *testing.T) {
	if os.Getenv("PROBE") == "" { t.Skip() }
	files, _ := filepath.Glob("/work/shared/fixtures/packages/*.apkg")
	for _, f := range files {
		for _, keep := range []bool{false, true} {
		ctx := context.Background()
		col, err := collection.Create(ctx, filepath.Join(t.TempDir(), "c.anki2"))
		if err != nil { t.Fatal(err) }
		res, err := Import(ctx, col, f, Options{KeepScheduling: keep})
		b, _ := json.Marshal(res)
		n, _ := col.Counts(ctx)
		t.Logf("%s keep=%v err=%v\n  %s\n  %+v", filepath.Base(f), keep, err, b, n)
		res2, err := Import(ctx, col, f, Options{KeepScheduling: keep})
		b, _ = json.Marshal(res2)
		t.Logf("  again err=%v %s", err, b)
		col.Close()
		}
	}
}
