package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDbgHash(t *testing.T) {
	base := baseCollection(t)
	col := copyCollection(t, base)
	h1 := treeHash(t, col)
	b1, _ := os.ReadFile(col)
	runCLI(t, "--col", col, "info")
	h2 := treeHash(t, col)
	b2, _ := os.ReadFile(col)
	t.Logf("%v %d %d", h1 == h2, len(b1), len(b2))
	for i := range b1 {
		if i < len(b2) && b1[i] != b2[i] {
			t.Logf("first diff at %d (page %d)", i, i/4096)
			break
		}
	}
	es, _ := os.ReadDir(filepath.Dir(col))
	for _, e := range es { t.Log(e.Name()) }
}
