package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), args, &out)
	return out.String(), err
}

func TestInitInfoAddDecks(t *testing.T) {
	col := filepath.Join(t.TempDir(), "x.anki2")
	if _, err := runCLI(t, "init", col); err != nil {
		t.Fatal(err)
	}
	if _, err := runCLI(t, "init", col); err == nil {
		t.Fatal("init over an existing file must fail")
	}
	out, err := runCLI(t, "--col", col, "info", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var info map[string]int
	if err := json.Unmarshal([]byte(out), &info); err != nil {
		t.Fatalf("%q: %v", out, err)
	}
	want := map[string]int{"notes": 0, "cards": 0, "decks": 1, "notetypes": 5, "revlog": 0, "media": 0}
	for k, v := range want {
		if got, ok := info[k]; !ok || got != v {
			t.Errorf("%s = %d (present %v), want %d", k, got, ok, v)
		}
	}
	out, err = runCLI(t, "--col", col, "add", "--deck", "Lang::JP", "--type", "Basic (and reversed card)",
		"--field", "Front=猫", "--field", "Back=cat", "--tags", "animals jp")
	if err != nil || !strings.Contains(out, "2 card(s)") {
		t.Fatalf("add: %q %v", out, err)
	}
	out, err = runCLI(t, "--col", col, "decks")
	if err != nil || !strings.Contains(out, "  JP") || !strings.Contains(out, "Lang") {
		t.Fatalf("decks: %q %v", out, err)
	}
	out, err = runCLI(t, "--col", col, "search", "tag:animals", "--notes")
	if err != nil || len(strings.Fields(out)) != 1 {
		t.Fatalf("search: %q %v", out, err)
	}
	cid, _ := runCLI(t, "--col", col, "search", "card:2")
	out, err = runCLI(t, "--col", col, "render", strings.TrimSpace(cid))
	if err != nil || !strings.Contains(out, "cat") || !strings.Contains(out, "<hr id=answer>") {
		t.Fatalf("render: %q %v", out, err)
	}
	if out, err := runCLI(t, "--col", col, "check"); err != nil || !strings.Contains(out, "Database rebuilt") {
		t.Fatalf("check: %q %v", out, err)
	}
}

func TestCLIErrors(t *testing.T) {
	col := filepath.Join(t.TempDir(), "x.anki2")
	runCLI(t, "init", col)
	for _, args := range [][]string{
		{"--col", col, "frobnicate"},
		{"--col", col, "add", "--type", "No such type"},
		{"--col", col, "add", "--field", "Nope=1"},
		{"--col", col, "add", "--field", "missing-equals"},
		{"--col", col, "search", "(unclosed"},
		{"--col", col, "render", "abc"},
		{"--col", col, "render", "12345"},
		{"--col", filepath.Join(t.TempDir(), "dir-that-is-not-a-collection", "..")},
		{},
	} {
		if _, err := runCLI(t, args...); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	// A file that is not a collection gives a clear error and is left alone.
	if _, err := runCLI(t, "--col", "/etc/hostname", "info"); err == nil || !strings.Contains(err.Error(), "not") {
		t.Errorf("non-collection: %v", err)
	}
}

func TestGenSmall(t *testing.T) {
	out := filepath.Join(t.TempDir(), "g.anki2")
	msg, err := runCLI(t, "gen", "--notes", "300", "--media", "5", out)
	if err != nil || !strings.Contains(msg, "300 notes") || !strings.Contains(msg, "5 media") {
		t.Fatalf("%q %v", msg, err)
	}
	info, _ := runCLI(t, "--col", out, "info", "--json")
	var m map[string]int
	json.Unmarshal([]byte(info), &m)
	if m["cards"] < 300 || m["revlog"] == 0 || m["decks"] < 20 {
		t.Fatalf("generated %v", m)
	}
}
