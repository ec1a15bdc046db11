package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/internal/testfix"
)

func TestTextFormatsCLI(t *testing.T) {
	dir := t.TempDir()
	col := filepath.Join(dir, "c.anki2")
	if _, err := runCLI(t, "init", col); err != nil {
		t.Fatal(err)
	}
	out, err := runCLI(t, "--col", col, "import-text", testfix.Package(t, "synthetic_ankiapp_export.zip"))
	if err != nil || !strings.Contains(out, "notes: 2 new") || !strings.Contains(out, "media added 1") {
		t.Fatalf("import zip: %v\n%s", err, out)
	}
	tsv := filepath.Join(dir, "out.tsv")
	if out, err = runCLI(t, "--col", col, "export-text", tsv); err != nil || !strings.Contains(out, "notes 2") {
		t.Fatalf("export tsv: %v\n%s", err, out)
	}
	b, _ := os.ReadFile(tsv)
	if !strings.HasPrefix(string(b), "#separator:tab\n#html:true\n#guid column:1\n") {
		t.Errorf("tsv header:\n%s", b)
	}
	if out, err = runCLI(t, "--col", col, "import-text", tsv); err != nil || !strings.Contains(out, "2 unchanged") {
		t.Fatalf("re-import tsv: %v\n%s", err, out)
	}
	zip := filepath.Join(dir, "out.zip")
	if out, err = runCLI(t, "--col", col, "export-text", zip, "--format", "ankiapp"); err != nil || !strings.Contains(out, "media 1") {
		t.Fatalf("export ankiapp: %v\n%s", err, out)
	}
	if _, err = runCLI(t, "--col", col, "import-text", filepath.Join(dir, "x.pdf")); err == nil {
		t.Error("unknown extension accepted")
	}
}
