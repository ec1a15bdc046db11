package schema18

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/deckhand-app/deckhand/internal/testfix"
)

// Blob kinds of the schema-18 tables, as the fuzzers number them.
const (
	blobNotetype = iota
	blobField
	blobTemplate
	blobDeckCommon
	blobDeckKind
	blobDeckConfig
	blobKinds
)

var blobQueries = [blobKinds]string{"SELECT config FROM notetypes", "SELECT config FROM fields",
	"SELECT config FROM templates", "SELECT common FROM decks", "SELECT kind FROM decks", "SELECT config FROM deck_config"}

// decodeEncode decodes one blob of the given kind and re-encodes it.
func decodeEncode(kind uint8, b []byte) ([]byte, error) {
	switch kind % blobKinds {
	case blobNotetype:
		c, err := decodeNotetypeConfig(b)
		return c.encode(), err
	case blobField:
		c, err := decodeFieldConfig(b)
		return c.encode(), err
	case blobTemplate:
		c, err := decodeTemplateConfig(b)
		return c.encode(), err
	case blobDeckCommon:
		c, err := decodeDeckCommon(b)
		return c.encode(), err
	case blobDeckKind:
		c, err := decodeDeckKind(b)
		return c.encode(), err
	default:
		c, err := decodeDeckConfigInner(b)
		return c.encode(), err
	}
}

// FuzzProtoBlobs decodes the protobuf blobs of a schema-18 collection (what a Latest
// package carries). A blob that decodes must re-encode to bytes that decode again to the
// same encoding, and render as valid schema-11 JSON.
func FuzzProtoBlobs(f *testing.F) {
	if _, ok := testfix.OptionalDir(); ok {
		for _, pkg := range []string{"mujing_Alphabet_Word.apkg", "synthetic_anki21b_with_media.apkg"} {
			db := openDB(f, extractMember(f, pkg, "collection.anki21b", true))
			for kind, q := range blobQueries {
				rows, err := db.Query(q)
				if err != nil {
					f.Fatal(err)
				}
				for rows.Next() {
					var b []byte
					if rows.Scan(&b) == nil {
						f.Add(uint8(kind), b)
					}
				}
				rows.Close()
			}
		}
	}
	f.Add(uint8(blobDeckKind), []byte{0x0a, 0x02, 0x08, 0x01})
	fk := deckKind{Filtered: &filteredDeck{Reschedule: true, SearchTerms: []searchTerm{{"is:due", 100, -1}}, Delays: []float32{1.5}}}
	f.Add(uint8(blobDeckKind), fk.encode())
	f.Add(uint8(blobDeckConfig), []byte{0x0d, 0, 0, 0x80, 0x3f, 0x0d, 0, 0, 0x20, 0x41})
	f.Fuzz(func(t *testing.T, kind uint8, b []byte) {
		enc1, err := decodeEncode(kind, b)
		if err != nil {
			return
		}
		enc2, err := decodeEncode(kind, enc1)
		if err != nil {
			t.Fatalf("kind %d: re-encoded blob does not decode: %v\n%x -> %x", kind%blobKinds, err, b, enc1)
		}
		if !bytes.Equal(enc1, enc2) {
			t.Fatalf("kind %d: encoding unstable:\n%x\n%x\n%x", kind%blobKinds, b, enc1, enc2)
		}
		// The downgrade renders what it decoded as schema-11 JSON.
		var js []byte
		switch kind % blobKinds {
		case blobNotetype:
			c, _ := decodeNotetypeConfig(b)
			nt := notetype{ID: 1, Name: "n", Config: c}
			js = nt.schema11JSON()
		case blobDeckCommon, blobDeckKind:
			d := deck{ID: 1, Name: "a\x1fb"}
			if kind%blobKinds == blobDeckCommon {
				d.Common, _ = decodeDeckCommon(b)
				d.Kind = deckKind{Normal: &normalDeck{ConfigID: 1}}
			} else {
				d.Kind, _ = decodeDeckKind(b)
			}
			js = d.schema11JSON()
		case blobDeckConfig:
			c, _ := decodeDeckConfigInner(b)
			c.ensureValid()
			dc := deckConfig{ID: 1, Name: "d", Config: c}
			js = dc.schema11JSON()
		}
		if js != nil && !json.Valid(js) {
			t.Fatalf("kind %d: invalid schema-11 JSON %s", kind%blobKinds, js)
		}
	})
}

// Object kinds of the schema-11 JSON the upgrade converts.
const (
	objNotetype = iota
	objDeck
	objDeckConfig
	objKinds
)

// FuzzSchema11Objects converts schema-11 JSON objects (notetype, deck, deck config) as
// the upgrade does, then back: the protobufs written must decode, and the JSON written
// back must be valid.
func FuzzSchema11Objects(f *testing.F) {
	if _, ok := testfix.OptionalDir(); ok {
		for _, pkg := range []string{"ankidroid_templates.apkg", "srsconv_mixed-legacy-2.apkg"} {
			member := "collection.anki2"
			if pkg == "srsconv_mixed-legacy-2.apkg" {
				member = "collection.anki21"
			}
			db := openDB(f, extractMember(f, pkg, member, false))
			for kind, col := range []string{"models", "decks", "dconf"} {
				var s string
				if err := db.QueryRow("SELECT " + col + " FROM col").Scan(&s); err != nil {
					f.Fatal(err)
				}
				var m map[string]json.RawMessage
				if err := json.Unmarshal([]byte(s), &m); err != nil {
					f.Fatal(err)
				}
				for _, k := range sortedKeys(m) {
					f.Add(uint8(kind), []byte(m[k]))
				}
			}
		}
	}
	f.Add(uint8(objDeck), []byte(`{"id":1,"name":"a::b","dyn":1,"terms":[["is:due",100,0]],"delays":[1.5]}`))
	f.Add(uint8(objNotetype), []byte(`{"id":1,"name":"x","type":1,"flds":[{"name":"F","ord":0}],"tmpls":[{"name":"t","qfmt":"{{F}}","ord":null}],"req":[[0,"any",[0]]]}`))
	f.Add(uint8(objDeckConfig), []byte(`{"id":1,"new":{"delays":[1,"x"]},"lapse":{"leechAction":7},"rev":{"ease4":"1e40"}}`))
	f.Fuzz(func(t *testing.T, kind uint8, raw []byte) {
		o, err := parseObject(raw)
		if err != nil {
			return
		}
		var js [][]byte
		switch kind % objKinds {
		case objNotetype:
			nt, err := notetypeFromSchema11(o)
			if err != nil {
				return
			}
			if _, err := decodeNotetypeConfig(nt.Config.encode()); err != nil {
				t.Fatalf("notetype config does not decode: %v", err)
			}
			for _, fl := range nt.Fields {
				if _, err := decodeFieldConfig(fl.Config.encode()); err != nil {
					t.Fatalf("field config does not decode: %v", err)
				}
			}
			for _, tm := range nt.Templates {
				if _, err := decodeTemplateConfig(tm.Config.encode()); err != nil {
					t.Fatalf("template config does not decode: %v", err)
				}
			}
			js = append(js, nt.schema11JSON())
		case objDeck:
			d, err := deckFromSchema11(o)
			if err != nil {
				return
			}
			if _, err := decodeDeckCommon(d.Common.encode()); err != nil {
				t.Fatalf("deck common does not decode: %v", err)
			}
			if _, err := decodeDeckKind(d.Kind.encode()); err != nil {
				t.Fatalf("deck kind does not decode: %v", err)
			}
			js = append(js, d.schema11JSON())
		default:
			dc := deckConfigFromSchema11(1, o)
			if _, err := decodeDeckConfigInner(dc.Config.encode()); err != nil {
				t.Fatalf("deck config does not decode: %v", err)
			}
			js = append(js, dc.schema11JSON())
		}
		for _, b := range js {
			if !json.Valid(b) {
				t.Fatalf("invalid schema-11 JSON written back: %s", b)
			}
		}
	})
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
