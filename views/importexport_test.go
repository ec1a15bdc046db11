package views

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/deckhand-app/deckhand/app"
	"github.com/deckhand-app/deckhand/internal/testfix"
)

func TestImportExportFromWindow(t *testing.T) {
	col := newCollection(t)
	addNote(t, col, "Basic", "Mine", "my note", "x")
	m := newWindow(t, col)
	m.ImportFile(testfix.Package(t, "genanki-js_two_decks_cloze_media.apkg"))
	m.Wait()
	if n, _ := m.svc.Collection().Counts(context.Background()); n.Notes != 4 {
		t.Fatalf("notes after .apkg import: %d", n.Notes)
	}
	if !slices.Contains(m.Decks.Labels(), "GenankiJS Cloze 2/0/0") {
		t.Fatalf("deck tree not refreshed: %q", m.Decks.Labels())
	}
	// export the browser's selection as CSV and as a colpkg
	m.Browser.SetQuery(`"my note"`)
	m.Wait()
	m.Browser.SelectAll()
	m.Wait()
	dir := t.TempDir()
	var csvExp, colExp app.Exporter
	for _, e := range app.Exporters() {
		switch e.Extension() {
		case ".csv":
			csvExp = e
		case ".colpkg":
			colExp = e
		}
	}
	m.ExportTo(csvExp, filepath.Join(dir, "sel.csv"), app.ExportOptions{}, true, m.Browser.Mode(), m.Browser.Selected())
	m.ExportTo(colExp, filepath.Join(dir, "all.colpkg"), app.ExportOptions{WithMedia: true}, false, 0, nil)
	m.Wait()
	other := newWindow(t, newCollection(t))
	other.ImportFile(filepath.Join(dir, "sel.csv"))
	other.Wait()
	if n, _ := other.svc.Collection().Counts(context.Background()); n.Notes != 1 {
		t.Fatalf("selected-notes CSV holds %d notes", n.Notes)
	}
	// a colpkg asks before replacing; confirming replaces the collection
	other.ImportFile(filepath.Join(dir, "all.colpkg"))
	other.Wait()
	if _, ok := other.Window.Canvas().Overlays().Top().(interface{ Hide() }); !ok {
		t.Fatal("no confirmation dialog")
	}
	if n, _ := other.svc.Collection().Counts(context.Background()); n.Notes != 1 {
		t.Fatal("the collection changed before confirming")
	}
	other.replaceCollection(filepath.Join(dir, "all.colpkg"))
	other.Wait()
	if n, _ := other.svc.Collection().Counts(context.Background()); n.Notes != 4 {
		t.Fatalf("after replace: %d notes", n.Notes)
	}
	if !slices.Contains(other.Decks.Labels(), "Mine 1/0/0") {
		t.Fatalf("deck tree after replace: %q", other.Decks.Labels())
	}
}
