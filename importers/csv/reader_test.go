package csv

import (
	"reflect"
	"testing"
)

// Expectations follow the Rust csv crate as Anki configures it (import.rs build_csv_reader)
// and Anki's own tests in rslib import_export/text/csv/import.rs.
func TestParseRecords(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		delim rune
		want  [][]string
	}{
		{"simple", "a,b\nc,d\n", ',', [][]string{{"a", "b"}, {"c", "d"}}},
		{"no final newline", "a,b", ',', [][]string{{"a", "b"}}},
		{"crlf", "a,b\r\nc,d\r\n", ',', [][]string{{"a", "b"}, {"c", "d"}}},
		{"lone cr", "a,b\rc,d", ',', [][]string{{"a", "b"}, {"c", "d"}}},
		{"bom", "\uFEFFfoo,bar\n", ',', [][]string{{"foo", "bar"}}},
		{"bom before comment", "\uFEFF#foo\n", ',', nil},
		{"comments and blank lines", "#foo\nfront,back\n\n#bar\n", ',', [][]string{{"front", "back"}}},
		{"quoted delimiter", `"a,b",c` + "\n", ',', [][]string{{"a,b", "c"}}},
		{"escaped quote", `"say ""hi""",x` + "\n", ',', [][]string{{`say "hi"`, "x"}}},
		{"embedded newline", "\"line1\nline2\",x\n", ',', [][]string{{"line1\nline2", "x"}}},
		{"embedded crlf", "\"l1\r\nl2\",x\r\n", ',', [][]string{{"l1\r\nl2", "x"}}},
		{"hash inside quoted field is not a comment", "\"a\n#b\",c\n", ',', [][]string{{"a\n#b", "c"}}},
		{"stray quote kept", `ab"c,d` + "\n", ',', [][]string{{`ab"c`, "d"}}},
		{"text after closing quote", `"ab"c,d` + "\n", ',', [][]string{{"abc", "d"}}},
		{"unterminated quote runs to EOF", "\"abc,d\n", ',', [][]string{{"abc,d\n"}}},
		{"flexible widths", "a\nb,c,d\n", ',', [][]string{{"a"}, {"b", "c", "d"}}},
		{"empty fields", ",\n", ',', [][]string{{"", ""}}},
		{"custom delimiter", "fr,ont|ba,ck\n", '|', [][]string{{"fr,ont", "ba,ck"}}},
		{"tab", "a\tb c\n", '\t', [][]string{{"a", "b c"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseRecords(tt.in, tt.delim)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseRecords(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestDetectDelimiter(t *testing.T) {
	// Anki tries tab, pipe, semicolon, colon, comma, space in that order.
	for in, want := range map[string]rune{
		"a\tb,c": '\t', "a|b;c": '|', "a;b,c": ';', "a:b,c": ':', "a,b": ',', "a b": ' ', "ab": ' ',
	} {
		if got := detectDelimiter(in); got != want {
			t.Errorf("detectDelimiter(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTrimValueAndSeparator(t *testing.T) {
	for in, want := range map[string]rune{"Comma": ',', ",": ',', "tab\t\t": '\t', "PIPE,,": '|', ";": ';', "semicolon;;": ';'} {
		got, ok := delimiterFromValue(trimValue(in))
		if !ok || got != want {
			t.Errorf("separator %q = %q %v, want %q", in, got, ok, want)
		}
	}
	if _, ok := delimiterFromValue(trimValue("nonsense")); ok {
		t.Error("nonsense separator accepted")
	}
	if got := trimValue("true,,,"); got != "true" {
		t.Errorf("trimValue = %q", got)
	}
}
