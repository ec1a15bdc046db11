// Package testfix finds the shared test fixtures (../shared/fixtures next to the checkout)
// for tests, and skips a test with a clear message when they are absent.
package testfix

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Dir returns the fixtures folder, or skips t when it is not there (a fresh clone has none).
func Dir(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if ok {
		root := filepath.Dir(filepath.Dir(filepath.Dir(file))) // repo root
		d := filepath.Join(filepath.Dir(root), "shared", "fixtures")
		if st, err := os.Stat(d); err == nil && st.IsDir() {
			return d
		}
	}
	t.Skip("shared fixtures not present: ../shared/fixtures next to the checkout is needed for this test")
	return ""
}

// Package returns the path of a fixture package in fixtures/packages.
func Package(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(Dir(t), "packages", name)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("fixture %s: %v", name, err)
	}
	return p
}

// ExtractMember copies one member of a fixture package (a zip) to a temp file and returns its path.
func ExtractMember(t testing.TB, pkgName, member string) string {
	t.Helper()
	zr, err := zip.OpenReader(Package(t, pkgName))
	if err != nil {
		t.Fatalf("open %s: %v", pkgName, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name != member {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("open %s/%s: %v", pkgName, member, err)
		}
		defer rc.Close()
		dst := filepath.Join(t.TempDir(), filepath.Base(member))
		out, err := os.Create(dst)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, rc); err != nil {
			t.Fatal(err)
		}
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	t.Fatalf("%s has no member %s", pkgName, member)
	return ""
}
