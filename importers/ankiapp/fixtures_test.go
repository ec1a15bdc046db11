package ankiapp_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/importers/ankiapp"
	"github.com/deckhand-app/deckhand/internal/testfix"
)

func newCol(t testing.TB) *collection.Collection {
	t.Helper()
	col, err := collection.Create(context.Background(), filepath.Join(t.TempDir(), "collection.anki2"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { col.Close() })
	return col
}

func TestSmoke(t *testing.T) {
	for _, f := range []string{"synthetic_ankiapp_new_shape.xml", "synthetic_ankiapp_old_shape.xml", "synthetic_ankiapp_export.zip", "ankiapp_copycat_simple.db"} {
		col := newCol(t)
		res, err := ankiapp.Import(context.Background(), col, testfix.Package(t, f), ankiapp.Options{})
		if err != nil {
			t.Fatal(f, err)
		}
		t.Logf("%s: %+v", f, *res)
		rows, _ := col.All(context.Background(), "SELECT guid, flds, tags FROM notes")
		for _, r := range rows {
			t.Logf("  %q", r)
		}
		for _, nt := range col.Notetypes() {
			if len(nt.Templates) == 1 && nt.Name[0] == 'A' {
				t.Logf("  %s %v %q %q", nt.Name, nt.FieldNames(), nt.Templates[0].QFmt, nt.Templates[0].AFmt)
			}
		}
		res, err = ankiapp.Import(context.Background(), col, testfix.Package(t, f), ankiapp.Options{})
		t.Logf("again: %+v %v", res, err)
	}
}
