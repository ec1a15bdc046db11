package testfix

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// OptionalDir returns the fixtures folder and true, or "" and false when it is absent.
// Fuzz targets use it to add seeds: a missing fixture must not skip the whole target,
// whose crafted seeds and corpus still run.
func OptionalDir() (string, bool) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", false
	}
	root := filepath.Dir(filepath.Dir(filepath.Dir(file)))
	d := filepath.Join(filepath.Dir(root), "shared", "fixtures")
	if st, err := os.Stat(d); err == nil && st.IsDir() {
		return d, true
	}
	return "", false
}

// SeedFiles returns the contents of the fixture packages whose names end in one of the
// suffixes (".apkg", ".xml", …), in name order; nil when the fixtures are absent. Files
// above maxBytes are left out: the fuzzer mutates seeds byte by byte, and huge seeds
// only slow it down.
func SeedFiles(maxBytes int64, suffixes ...string) map[string][]byte {
	dir, ok := OptionalDir()
	if !ok {
		return nil
	}
	entries, err := os.ReadDir(filepath.Join(dir, "packages"))
	if err != nil {
		return nil
	}
	out := map[string][]byte{}
	for _, e := range entries {
		name := e.Name()
		match := false
		for _, s := range suffixes {
			if strings.HasSuffix(name, s) {
				match = true
			}
		}
		info, err := e.Info()
		if !match || err != nil || info.Size() > maxBytes {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, "packages", name))
		if err == nil {
			out[name] = b
		}
	}
	return out
}

// SeedMembers returns the named member of every fixture package (zip) that has it,
// keyed by package name; nil when the fixtures are absent.
func SeedMembers(member string, maxBytes int64) map[string][]byte {
	out := map[string][]byte{}
	for name, data := range SeedFiles(1<<30, ".apkg", ".colpkg", ".zip") {
		zr, err := zip.NewReader(strings.NewReader(string(data)), int64(len(data)))
		if err != nil {
			continue
		}
		for _, f := range zr.File {
			if f.Name != member || f.UncompressedSize64 > uint64(maxBytes) {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				continue
			}
			b, err := io.ReadAll(io.LimitReader(rc, maxBytes))
			rc.Close()
			if err == nil {
				out[name] = b
			}
		}
	}
	return out
}

// SortedKeys lists a seed map's keys in order, so that seeds are added deterministically.
func SortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
