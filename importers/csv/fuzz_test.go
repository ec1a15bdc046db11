package csv

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
)

// FuzzParseRecords splits text into records with every delimiter Anki knows.
func FuzzParseRecords(f *testing.F) {
	for _, s := range []string{"a,b\nc,d\n", "\"a\"\"b\",c\r\nd", "#comment\n\n\"open", "a\tb\tc\n1\n1\t2\t3\t4\n",
		"\uFEFFx;y", "\"a\"b,c", "a,\"b\nc\",d"} {
		f.Add(s, uint8(4))
	}
	f.Fuzz(func(t *testing.T, text string, d uint8) {
		delim := delimiters[int(d)%len(delimiters)].r
		for i, rec := range parseRecords(text, delim) {
			if len(rec) == 0 {
				t.Fatalf("record %d has no fields", i)
			}
		}
		_ = detectDelimiter(text)
	})
}

var (
	fuzzColOnce sync.Once
	fuzzCol     *collection.Collection
	fuzzColErr  error
)

// FuzzPrepare runs a whole file through the header parser, delimiter and HTML
// detection, column mapping and note building, against a real collection (which the
// header may name note types and decks of). Only the import's writing is left out.
func FuzzPrepare(f *testing.F) {
	for _, s := range []string{
		"#separator:Comma\n#html:true\n#columns:Front,Back,Tags\n#tags column:3\na,<b>b</b>,t1 t2\n",
		"#notetype column:1\n#deck column:2\nBasic,Default,x,y\nCloze,Nope,{{c1::a}},\n",
		"#separator:tab\n#guid column:1\n#notetype:Basic\n#deck:A::B\ng1\tf\tb\ng1\tf2\n",
		"tags:x y\nfront;back;extra;more\n\"ragged\n",
		"#if matches:keep both\n#match scope:notetype + deck\n#columns:\n,,,\n",
		"#separator:Pipe\n#notetype:999\na|b\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		fuzzColOnce.Do(func() {
			dir, err := os.MkdirTemp("", "csvfuzz")
			if err != nil {
				fuzzColErr = err
				return
			}
			fuzzCol, fuzzColErr = collection.Create(context.Background(), filepath.Join(dir, "c.anki2"))
		})
		if fuzzColErr != nil {
			t.Fatal(fuzzColErr)
		}
		p := filepath.Join(t.TempDir(), "in.csv")
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		m, records, err := prepare(fuzzCol, p, Options{})
		if err != nil {
			if strings.Contains(err.Error(), "panic") {
				t.Fatal(err)
			}
			return
		}
		for i, rec := range records {
			fn := m.noteFromRecord(i+1, rec)
			for _, tag := range fn.tags {
				if tag == "" {
					t.Fatal("empty tag")
				}
			}
		}
	})
}
