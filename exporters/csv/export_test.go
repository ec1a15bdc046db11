package csv

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
)

func TestWriterQuoting(t *testing.T) {
	// Quoted only when the Rust csv writer (with '#' as comment) would quote.
	for _, tt := range []struct {
		fields []string
		want   string
	}{
		{[]string{"a", "b"}, "a\tb\n"},
		{[]string{"a\tb", `say "x"`}, "\"a\tb\"\t\"say \"\"x\"\"\"\n"},
		{[]string{"#hash", "x\ny"}, "\"#hash\"\t\"x\ny\"\n"},
		{[]string{""}, "\"\"\n"},
		{[]string{"", ""}, "\t\n"},
	} {
		var b strings.Builder
		(&writer{delim: '\t', b: &b}).record(tt.fields)
		if b.String() != tt.want {
			t.Errorf("record(%q) = %q, want %q", tt.fields, b.String(), tt.want)
		}
	}
}

func TestExportHeaderAndPlainText(t *testing.T) {
	ctx := context.Background()
	col, err := collection.Create(ctx, filepath.Join(t.TempDir(), "c.anki2"))
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	basic, _ := col.NotetypeByName("Basic")
	n, _ := col.NewNote(basic.ID)
	n.Fields = []string{"<b>a</b><style>x</style>", "b [[type:Front]]"}
	n.Tags = []string{"t1", "t2"}
	if err := col.AddNote(ctx, n, 1); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "o.csv")
	opt := Options{Delimiter: ',', PlainText: true, WithTags: true}
	if _, err := Export(ctx, col, []int64{n.ID}, out, opt); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	want := "#separator:comma\n#html:false\n#tags column:3\n#notetype:Basic\na,b,t1 t2\n"
	if string(b) != want {
		t.Errorf("got %q, want %q", b, want)
	}
}
