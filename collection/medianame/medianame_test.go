package medianame

import (
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	long := strings.Repeat("x", MaxLength*2)
	tests := []struct {
		name, in, want string
	}{
		{"clean name unchanged", "foo.jpg", "foo.jpg"},
		// Anki's own test: disallowed characters and controls vanish, "con" becomes a device name.
		{"anki disallowed set", "con.jpg[]><:\"/?*^\\|\x00\r\n", "con_.jpg"},
		{"trailing dot", "test.", "test._"},
		{"trailing space", "test ", "test _"},
		{"nbsp to space", "a\u00a0b.mp3", "a b.mp3"},
		{"nbsp at end", "a\u00a0", "a _"},
		{"NFD to NFC", "e\u0301.png", "\u00e9.png"},
		{"device name alone", "CON", "CON_"},
		{"device name lpt", "lpt1.txt", "lpt1_.txt"},
		{"device prefix only", "console.txt", "console.txt"},
		{"com0 is not a device", "com0.txt", "com0.txt"},
		{"DEL removed", "a\x7fb", "ab"},
		{"C1 control kept (Anki removes only ASCII controls)", "a\u0085b", "a\u0085b"},
		{"unassigned removed", "a\u0378b.png", "ab.png"},
		{"noncharacter removed", "a\ufdd0b", "ab"},
		// U+1F970 (smiling face with hearts) was assigned in Unicode 11, after the table Anki uses.
		{"post-Unicode-10 emoji removed", "x\U0001F970.png", "x.png"},
		{"Unicode 10 emoji kept", "x\U0001F923.png", "x\U0001F923.png"},
		{"private use kept", "x\ue000", "x\ue000"},
		// Anki's test: stem cut so that "stem.jpg" plus a possible "_" fits 120 bytes.
		{"long with extension", long + ".jpg", strings.Repeat("x", MaxLength-len(".jpg")-1) + ".jpg"},
		{"exactly 120 kept", strings.Repeat("x", MaxLength), strings.Repeat("x", MaxLength)},
		{"121 without extension", strings.Repeat("x", MaxLength+1), strings.Repeat("x", MaxLength-2)},
		{"spaces cut then suffixed", strings.Repeat(" ", MaxLength+1), strings.Repeat(" ", MaxLength-2) + "_"},
		{"long extension capped at 10", "a." + strings.Repeat("e", 200), "a." + strings.Repeat("e", 10)},
		{"multibyte cut on rune boundary", strings.Repeat("é", 100) + ".png", strings.Repeat("é", 57) + ".png"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Normalize(tc.in)
			if err != nil {
				t.Fatalf("Normalize(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if len(got) > MaxLength {
				t.Fatalf("result is %d bytes", len(got))
			}
			if again, _ := Normalize(got); again != got {
				t.Fatalf("not idempotent: %q -> %q", got, again)
			}
		})
	}
}

func TestNormalizeErrors(t *testing.T) {
	for _, in := range []string{"", "\xff\xfe.png", "[]", "\x00"} {
		if got, err := Normalize(in); err == nil {
			t.Errorf("Normalize(%q) = %q, want error", in, got)
		}
	}
}

func TestIsNormalized(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"foo.jpg", true},
		{"con", false},
		{"e\u0301", false},
		{"a:b", false},
		{"", false},
		{"_static.css", true},
	}
	for _, tc := range tests {
		if got := IsNormalized(tc.in); got != tc.want {
			t.Errorf("IsNormalized(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestIsSafe(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"foo.jpg", true},
		{"..foo", true},
		{"foo..", true},
		{"", false},
		{".", false},
		{"..", false},
		{"a/b", false},
		{"../x", false},
		{"/etc/passwd", false},
		{"a\\b", false},
		{"..\\x", false},
		{"C:evil", false},
		{"c:\\x", false},
		{"a\x00b", false},
		{"dir/", false},
	}
	for _, tc := range tests {
		if got := IsSafe(tc.in); got != tc.want {
			t.Errorf("IsSafe(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestWithHashSuffix(t *testing.T) {
	sum := sha1.Sum([]byte("hello"))
	h := hex.EncodeToString(sum[:])
	tests := []struct {
		name, in, want string
	}{
		// Anki's own test value.
		{"anki example", "test.jpg", "test-aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d.jpg"},
		{"no extension", "README", "README-" + h},
		{"double extension keeps last", "a.tar.gz", "a.tar-" + h + ".gz"},
		{"long stem cut to 79-ext-2", strings.Repeat("s", 200) + ".mp3", strings.Repeat("s", 79-3-2) + "-" + h + ".mp3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := WithHashSuffix(tc.in, h)
			if got != tc.want {
				t.Fatalf("WithHashSuffix(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if len(got) > MaxLength {
				t.Fatalf("result is %d bytes", len(got))
			}
		})
	}
}

func TestCheckSHA1Hex(t *testing.T) {
	if err := CheckSHA1Hex("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "abc", strings.Repeat("g", 40), strings.Repeat("a", 41)} {
		if CheckSHA1Hex(bad) == nil {
			t.Errorf("CheckSHA1Hex(%q) accepted", bad)
		}
	}
}

func TestStaticAndLatex(t *testing.T) {
	tests := []struct {
		in            string
		static, latex bool
	}{
		{"_font.ttf", true, false},
		{"latex-ef30b3f4141c33a5bf7044b0d1961d3399c05d50.png", false, true},
		{"image.png", false, false},
		{"a_b.png", false, false},
		{"Latex-x.png", false, false},
	}
	for _, tc := range tests {
		if IsStatic(tc.in) != tc.static || IsLatex(tc.in) != tc.latex {
			t.Errorf("%q: IsStatic=%v IsLatex=%v, want %v %v", tc.in, IsStatic(tc.in), IsLatex(tc.in), tc.static, tc.latex)
		}
	}
}
