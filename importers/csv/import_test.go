package csv_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection"
	csvexport "github.com/deckhand-app/deckhand/exporters/csv"
	csvimport "github.com/deckhand-app/deckhand/importers/csv"
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

func write(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// notes lists notes as "notetype|deck|fields joined by ' / '|tags", sorted.
func notes(t testing.TB, col *collection.Collection) []string {
	t.Helper()
	ctx := context.Background()
	rows, err := col.All(ctx, `SELECT n.mid, n.flds, n.tags, (SELECT did FROM cards WHERE nid = n.id ORDER BY ord LIMIT 1) FROM notes n`)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		nt, _ := col.Notetype(r[0].(int64))
		d, _ := col.Deck(r[3].(int64))
		out = append(out, nt.Name+"|"+d.Name+"|"+strings.ReplaceAll(r[1].(string), "\x1f", " / ")+"|"+strings.TrimSpace(r[2].(string)))
	}
	sort.Strings(out)
	return out
}

func TestImportCases(t *testing.T) {
	tests := []struct {
		name string
		file string
		opt  csvimport.Options
		want []string
	}{
		{"comma with tags column detected", "front,back,tag1 tag2\n", csvimport.Options{},
			[]string{"Basic|Default|front / back|tag1 tag2"}},
		{"missing columns", "only\n", csvimport.Options{}, []string{"Basic|Default|only / |"}},
		{"plain text escaped", "#html:false\n<b>x</b>,a & b\n", csvimport.Options{},
			[]string{"Basic|Default|&lt;b&gt;x&lt;/b&gt; / a &amp; b|"}},
		{"html detected", "<b>x</b>,y\n", csvimport.Options{}, []string{"Basic|Default|<b>x</b> / y|"}},
		{"embedded newline plain", "#separator:comma\n#html:false\n\"l1\nl2\",b\n", csvimport.Options{},
			[]string{"Basic|Default|l1<br>l2 / b|"}},
		{"bom crlf semicolon", "\uFEFF#separator:Semicolon\r\na;b\r\n", csvimport.Options{}, []string{"Basic|Default|a / b|"}},
		{"headers", "#separator:tab\n#html:true\n#notetype:Basic (and reversed card)\n#deck:New::Deck\n#tags:g1\n#columns:Back\tFront\nB\tF\n",
			csvimport.Options{}, []string{"Basic (and reversed card)|New::Deck|F / B|g1"}},
		{"notetype and deck columns", "#separator:tab\n#notetype column:1\n#deck column:2\n#tags column:5\nBasic\tD1\tf\tb\tt1\nCloze\tD2\t{{c1::x}}\textra\tt2\n",
			csvimport.Options{}, []string{"Basic|D1|f / b|t1", "Cloze|D2|{{c1::x}} / extra|t2"}},
		{"padding columns dropped", "#separator:tab\n#notetype column:1\nBasic\tf\tb\t\t\n", csvimport.Options{},
			[]string{"Basic|Default|f / b|"}},
		{"extra text joined into last field", "#separator:tab\n#notetype column:1\nBasic\tf\tb\tc\n", csvimport.Options{},
			[]string{"Basic|Default|f / bc|"}},
		{"empty first field skipped", "#separator:comma\n,b\na,b\n", csvimport.Options{}, []string{"Basic|Default|a / b|"}},
		{"legacy tags line", "tags:old\nf,b\n", csvimport.Options{}, []string{"Basic|Default|f / b|old"}},
		{"column remapping", "front,foo,back\n", csvimport.Options{FieldColumns: []int{3, 1}, TagsColumn: 2},
			[]string{"Basic|Default|back / front|foo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			col := newCol(t)
			res, err := csvimport.Import(context.Background(), col, write(t, "in.csv", tt.file), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got := notes(t, col); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("notes = %q, want %q (warnings %q)", got, tt.want, res.Warnings)
			}
			if res.NotesNew != len(tt.want) {
				t.Errorf("NotesNew = %d, want %d", res.NotesNew, len(tt.want))
			}
		})
	}
}

func TestDuplicates(t *testing.T) {
	ctx := context.Background()
	base := "#separator:comma\nhello,world,t\n"
	again := "#separator:comma\n<i>hello</i>,changed,t\n"
	for _, tt := range []struct {
		dupe                        csvimport.DupeResolution
		wantNotes                   []string
		wantNew, wantUpd, wantSkipd int
	}{
		// The first field matches after stripping HTML, as in Anki's get_full_duplicates.
		{csvimport.DupeUpdate, []string{"Basic|Default|<i>hello</i> / changed|t"}, 0, 1, 0},
		{csvimport.DupeSkip, []string{"Basic|Default|hello / world|t"}, 0, 0, 1},
		{csvimport.DupeKeepBoth, []string{"Basic|Default|<i>hello</i> / changed|t", "Basic|Default|hello / world|t"}, 1, 0, 0},
	} {
		t.Run(tt.dupe.String(), func(t *testing.T) {
			col := newCol(t)
			if _, err := csvimport.Import(ctx, col, write(t, "a.csv", base), csvimport.Options{}); err != nil {
				t.Fatal(err)
			}
			d := tt.dupe
			res, err := csvimport.Import(ctx, col, write(t, "b.csv", again), csvimport.Options{Dupe: &d})
			if err != nil {
				t.Fatal(err)
			}
			if got := notes(t, col); !reflect.DeepEqual(got, tt.wantNotes) {
				t.Errorf("notes = %q, want %q", got, tt.wantNotes)
			}
			if res.NotesNew != tt.wantNew || res.NotesUpdated != tt.wantUpd || res.NotesSkipped != tt.wantSkipd {
				t.Errorf("result %+v", res)
			}
		})
	}
	t.Run("identical is unchanged", func(t *testing.T) {
		col := newCol(t)
		p := write(t, "a.csv", base)
		for i := 0; i < 2; i++ {
			res, err := csvimport.Import(ctx, col, p, csvimport.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if i == 1 && (res.NotesUnchanged != 1 || res.NotesNew != 0) {
				t.Errorf("second import %+v", res)
			}
		}
	})
	t.Run("guid column", func(t *testing.T) {
		col := newCol(t)
		if _, err := csvimport.Import(ctx, col, write(t, "a.csv", "#guid column:1\ng1,a,b\n"), csvimport.Options{}); err != nil {
			t.Fatal(err)
		}
		res, err := csvimport.Import(ctx, col, write(t, "b.csv", "#guid column:1\ng1,other,b2\n"), csvimport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.NotesUpdated != 1 {
			t.Errorf("result %+v", res)
		}
		if got := notes(t, col); !reflect.DeepEqual(got, []string{"Basic|Default|other / b2|"}) {
			t.Errorf("notes %q", got)
		}
	})
}

// fileState is the collection file and media folder, byte for byte.
func fileState(t testing.TB, col *collection.Collection) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range []string{col.Path(), collection.MediaDirFor(col.Path())} {
		filepath.Walk(p, func(path string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				b, _ := os.ReadFile(path)
				out[path] = string(b)
			}
			return nil
		})
	}
	return out
}

func TestBadInputChangesNothing(t *testing.T) {
	ctx := context.Background()
	for name, content := range map[string]string{
		"invalid utf8": "a,b\n\xff\xfe,c\n",
		"empty":        "#separator:comma\n",
	} {
		t.Run(name, func(t *testing.T) {
			col := newCol(t)
			before := fileState(t, col)
			if _, err := csvimport.Import(ctx, col, write(t, "bad.csv", content), csvimport.Options{}); err == nil {
				t.Fatal("import succeeded")
			}
			if !reflect.DeepEqual(before, fileState(t, col)) {
				t.Error("collection files changed")
			}
		})
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	src := newCol(t)
	basic, _ := src.NotetypeByName("Basic")
	cloze, _ := src.NotetypeByName("Cloze")
	did, err := src.AddDeck(ctx, "Lang::日本語")
	if err != nil {
		t.Fatal(err)
	}
	values := [][]string{
		{"a, \"quoted\"\ttab", "line1\nline2<br>x"},
		{"#starts with hash", ""},
		{"<b>bold</b> &amp; more", "[sound:x.mp3]"},
	}
	for i, v := range values {
		n, _ := src.NewNote(basic.ID)
		copy(n.Fields, v)
		n.Tags = []string{"t" + string(rune('a'+i)), "shared::child"}
		if err := src.AddNote(ctx, n, did); err != nil {
			t.Fatal(err)
		}
	}
	n, _ := src.NewNote(cloze.ID)
	n.Fields[0] = "{{c1::Paris}} is the capital"
	if err := src.AddNote(ctx, n, 1); err != nil {
		t.Fatal(err)
	}
	for _, delim := range []rune{'\t', ',', ';', '|'} {
		ids, err := csvexport.NoteIDs(ctx, src, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "out.txt")
		if _, err := csvexport.Export(ctx, src, ids, out, csvexport.AllColumns(delim)); err != nil {
			t.Fatal(err)
		}
		dst := newCol(t)
		res, err := csvimport.Import(ctx, dst, out, csvimport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.NotesNew != 4 {
			t.Errorf("delim %q: %+v", delim, res)
		}
		if got, want := notes(t, dst), notes(t, src); !reflect.DeepEqual(got, want) {
			t.Errorf("delim %q: round trip\n got %q\nwant %q", delim, got, want)
		}
		// Same guids: importing into the source updates nothing and adds nothing.
		res, err = csvimport.Import(ctx, src, out, csvimport.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.NotesNew != 0 || res.NotesUnchanged != 4 {
			t.Errorf("re-import into source: %+v", res)
		}
	}
}

func TestEngineEntryPoint(t *testing.T) {
	col := newCol(t)
	res, err := col.ImportText(context.Background(), collection.TextImportRequest{Path: write(t, "x.csv", "a,b\n"), DupeMode: "skip"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Added != 1 {
		t.Errorf("%+v", res)
	}
}
