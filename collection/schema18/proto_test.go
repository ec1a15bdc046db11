package schema18

import (
	"bytes"
	"database/sql"
	"testing"
)

// Every config blob Anki wrote in the Latest fixtures must decode and re-encode to the
// same bytes: this pins field numbers, wire types, packing and field order to prost's.
func TestProtoBlobsRoundTrip(t *testing.T) {
	for _, pkg := range []string{"mujing_Alphabet_Word.apkg", "mujing_basic_word_new_version.apkg"} {
		t.Run(pkg, func(t *testing.T) {
			db := openDB(t, extractMember(t, pkg, "collection.anki21b", true))
			checked := 0
			check := func(query string, decode func([]byte) ([]byte, error)) {
				rows, err := db.Query(query)
				if err != nil {
					t.Fatal(err)
				}
				defer rows.Close()
				for rows.Next() {
					var b []byte
					if err := rows.Scan(&b); err != nil {
						t.Fatal(err)
					}
					got, err := decode(b)
					if err != nil {
						t.Fatalf("%s: %v", query, err)
					}
					if !bytes.Equal(got, b) {
						t.Fatalf("%s: re-encoded\n%x\nwant\n%x", query, got, b)
					}
					checked++
				}
			}
			check("SELECT config FROM notetypes", func(b []byte) ([]byte, error) {
				c, err := decodeNotetypeConfig(b)
				return c.encode(), err
			})
			check("SELECT config FROM fields", func(b []byte) ([]byte, error) {
				c, err := decodeFieldConfig(b)
				return c.encode(), err
			})
			check("SELECT config FROM templates", func(b []byte) ([]byte, error) {
				c, err := decodeTemplateConfig(b)
				return c.encode(), err
			})
			check("SELECT common FROM decks", func(b []byte) ([]byte, error) {
				c, err := decodeDeckCommon(b)
				return c.encode(), err
			})
			check("SELECT kind FROM decks", func(b []byte) ([]byte, error) {
				c, err := decodeDeckKind(b)
				return c.encode(), err
			})
			check("SELECT config FROM deck_config", func(b []byte) ([]byte, error) {
				c, err := decodeDeckConfigInner(b)
				return c.encode(), err
			})
			if checked < 6 {
				t.Fatalf("only %d blobs checked", checked)
			}
		})
	}
}

func TestKnownBlobs(t *testing.T) {
	// A normal deck using options 1 is 0a 02 08 01 (package-formats.md §3.3, verified).
	k, err := decodeDeckKind([]byte{0x0a, 0x02, 0x08, 0x01})
	if err != nil || k.Normal == nil || k.Normal.ConfigID != 1 {
		t.Fatalf("decode normal kind: %+v %v", k, err)
	}
	// A filtered deck with a term, negative order must survive as a sign-extended varint.
	fk := deckKind{Filtered: &filteredDeck{Reschedule: true, SearchTerms: []searchTerm{{"is:due", 100, -1}}, Delays: []float32{1.5}}}
	back, err := decodeDeckKind(fk.encode())
	if err != nil || back.Filtered == nil || back.Filtered.SearchTerms[0].Order != -1 ||
		back.Filtered.Delays[0] != 1.5 || back.Normal != nil {
		t.Fatalf("filtered round trip: %+v %v", back.Filtered, err)
	}
	// Unpacked repeated floats (legal proto) decode too.
	c, err := decodeDeckConfigInner([]byte{0x0d, 0, 0, 0x80, 0x3f, 0x0d, 0, 0, 0x20, 0x41})
	if err != nil || len(c.LearnSteps) != 2 || c.LearnSteps[1] != 10 {
		t.Fatalf("unpacked floats: %v %v", c.LearnSteps, err)
	}
	for _, bad := range [][]byte{{0x0a, 0x05, 0x08}, {0x08}, {0xff}} {
		if _, err := decodeDeckConfigInner(bad); err == nil {
			t.Errorf("decodeDeckConfigInner(%x) accepted truncated input", bad)
		}
		if _, err := decodeNotetypeConfig(bad); err == nil {
			t.Errorf("decodeNotetypeConfig(%x) accepted truncated input", bad)
		}
	}
	// A string field sent as a varint is a type error, not a silent zero.
	if _, err := decodeFieldConfig([]byte{0x18, 0x01}); err == nil {
		t.Error("font_name as varint accepted")
	}
	if _, err := decodeDeckKind(nil); err == nil {
		t.Error("empty deck kind accepted")
	}
}

var _ = sql.ErrNoRows
