// Package protocol holds what Deckhand's sync client and server share: the JSON messages of
// Anki's sync protocol (collection sync under /sync/, media sync under /msync/) and both
// framings, the modern v11 one (an anki-sync header and zstd bodies) and the legacy multipart
// one (form fields c/k/s/v/sk and a gzip'd data part). The shapes follow rslib/src/sync and
// the legacy captures in fixtures/sync-legacy (see /work/shared/spec/sync-protocol.md).
package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/deckhand-app/deckhand/collection"
)

// Sync versions the server accepts, and what the client speaks.
const (
	VersionMin    = 8
	VersionLegacy = 10 // what multipart clients are treated as, and what our legacy client sends
	VersionMax    = 11
)

// Protocol limits (rslib request/mod.rs, media/mod.rs).
const (
	ChunkSize              = 250     // graves and rows per request
	MediaChangesPerBatch   = 1000    // msync/mediaChanges entries per answer
	MediaFilesPerZip       = 25      // files per downloadFiles / uploadChanges zip
	MediaUploadSoftLimit   = 5 << 19 // 2.5 MiB: the client stops adding files to a zip beyond this
	MediaMetaLimit         = 50 << 10
	MaxMediaFileSize       = 100 << 20
	MaxMediaNameServer     = 255
	DefaultMaxPayloadMegs  = 100
	DecompressedMultiplier = 3
	// ClockSkewLimitSecs is the difference between client and server clocks Anki refuses.
	ClockSkewLimitSecs = 300
)

// Header is the v11 anki-sync request header; all four fields are required.
type Header struct {
	Version       int    `json:"v"`
	HostKey       string `json:"k"`
	ClientVersion string `json:"c"`
	SessionKey    string `json:"s"`
}

// HeaderName is the v11 request header, OriginalSizeHeader the v11 response header.
const (
	HeaderName         = "anki-sync"
	OriginalSizeHeader = "anki-original-size"
)

// ParseHeader decodes and checks an anki-sync header value.
func ParseHeader(s string) (Header, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return Header{}, fmt.Errorf("anki-sync header: %w", err)
	}
	for _, k := range []string{"v", "k", "c", "s"} {
		if _, ok := raw[k]; !ok {
			return Header{}, fmt.Errorf("anki-sync header: missing %q", k)
		}
	}
	var h Header
	if err := json.Unmarshal([]byte(s), &h); err != nil {
		return Header{}, fmt.Errorf("anki-sync header: %w", err)
	}
	return h, nil
}

// HostKeyRequest is the body of sync/hostKey.
type HostKeyRequest struct {
	Username string `json:"u"`
	Password string `json:"p"`
}

// HostKeyResponse answers sync/hostKey.
type HostKeyResponse struct {
	Key string `json:"key"`
}

// MetaRequest is the body of sync/meta.
type MetaRequest struct {
	Version       int    `json:"v"`
	ClientVersion string `json:"cv"`
}

// Meta is the meta answer: both sides' view of the collection. The modern key for the media
// usn is media_usn, the legacy (ankisyncd) one musn; a server sends both.
type Meta struct {
	Modified    int64  `json:"mod"`
	SchemaMod   int64  `json:"scm"`
	USN         int    `json:"usn"`
	ServerTime  int64  `json:"ts"`
	Message     string `json:"msg"`
	Continue    bool   `json:"cont"`
	HostNum     int    `json:"hostNum"`
	Empty       bool   `json:"empty"`
	MediaUSN    int    `json:"media_usn"`
	LegacyMUSN  *int   `json:"musn,omitempty"`
	Username    string `json:"uname,omitempty"`
	hasMediaUSN bool
}

type metaJSON Meta

// UnmarshalJSON takes musn when media_usn is absent (ankisyncd), and accepts floats.
func (m *Meta) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	// A refusal (cont:false) from ankisyncd carries only cont and msg, e.g. its answer to a
	// client speaking a newer sync version; the message is what the user needs to see.
	refused := strings.TrimSpace(string(raw["cont"])) == "false"
	if !refused {
		for _, k := range []string{"mod", "scm", "usn", "ts"} {
			if _, ok := raw[k]; !ok {
				return fmt.Errorf("meta: missing %q", k)
			}
		}
	}
	if err := json.Unmarshal(b, (*metaJSON)(m)); err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	_, m.hasMediaUSN = raw["media_usn"]
	if !m.hasMediaUSN && m.LegacyMUSN != nil {
		m.MediaUSN = *m.LegacyMUSN
	}
	return nil
}

// Graves are deletions: card, note and deck ids. Old AnkiMobile sent the ids as strings.
type Graves struct {
	Cards []int64 `json:"cards"`
	Decks []int64 `json:"decks"`
	Notes []int64 `json:"notes"`
}

type gravesJSON struct {
	Cards []FlexID `json:"cards"`
	Decks []FlexID `json:"decks"`
	Notes []FlexID `json:"notes"`
}

// MarshalJSON always writes the three arrays (never null), as both Anki servers do.
func (g Graves) MarshalJSON() ([]byte, error) {
	nz := func(v []int64) []int64 {
		if v == nil {
			return []int64{}
		}
		return v
	}
	return json.Marshal(struct {
		Cards []int64 `json:"cards"`
		Decks []int64 `json:"decks"`
		Notes []int64 `json:"notes"`
	}{nz(g.Cards), nz(g.Decks), nz(g.Notes)})
}

func (g *Graves) UnmarshalJSON(b []byte) error {
	// Every sender writes all three lists (Anki's serde struct requires them); an object
	// without them is not a graves answer, and reading it as "nothing deleted" would let
	// the two sides silently diverge.
	if err := requireKeys(b, "graves", "cards", "notes", "decks"); err != nil {
		return err
	}
	var j gravesJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return fmt.Errorf("graves: %w", err)
	}
	conv := func(in []FlexID) []int64 {
		out := make([]int64, len(in))
		for i, v := range in {
			out[i] = int64(v)
		}
		return out
	}
	g.Cards, g.Decks, g.Notes = conv(j.Cards), conv(j.Decks), conv(j.Notes)
	return nil
}

// Len is the number of ids.
func (g Graves) Len() int { return len(g.Cards) + len(g.Decks) + len(g.Notes) }

// TakeChunk removes up to ChunkSize ids (cards first, then notes, then decks) and returns
// them; ok is false when nothing was left.
func (g *Graves) TakeChunk() (out Graves, ok bool) {
	limit := ChunkSize
	take := func(src *[]int64, dst *[]int64) {
		for limit > 0 && len(*src) > 0 {
			n := len(*src) - 1
			*dst = append(*dst, (*src)[n])
			*src = (*src)[:n]
			limit--
		}
	}
	take(&g.Cards, &out.Cards)
	take(&g.Notes, &out.Notes)
	take(&g.Decks, &out.Decks)
	return out, limit < ChunkSize
}

// FlexID is an object id sent as a number or as a numeric string.
type FlexID int64

func (f *FlexID) UnmarshalJSON(b []byte) error {
	v, err := flexInt(b)
	*f = FlexID(v)
	return err
}

// StartRequest is the body of sync/start.
type StartRequest struct {
	MinUSN     int     `json:"minUsn"`
	LocalNewer bool    `json:"lnewer"`
	Graves     *Graves `json:"graves,omitempty"` // deprecated inline client graves (AnkiDroid)
}

// ApplyGravesRequest is the body of sync/applyGraves.
type ApplyGravesRequest struct {
	Chunk Graves `json:"chunk"`
}

// DecksAndConfig travels as a two-element array: [decks, deck configs].
type DecksAndConfig struct {
	Decks   []*collection.Deck
	Configs []*collection.DeckConfig
}

func (d DecksAndConfig) MarshalJSON() ([]byte, error) {
	decks, confs := d.Decks, d.Configs
	if decks == nil {
		decks = []*collection.Deck{}
	}
	if confs == nil {
		confs = []*collection.DeckConfig{}
	}
	return json.Marshal([]any{decks, confs})
}

func (d *DecksAndConfig) UnmarshalJSON(b []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("decks: %w", err)
	}
	if len(parts) != 2 {
		return fmt.Errorf("decks: want [decks, configs], got %d elements", len(parts))
	}
	if err := json.Unmarshal(parts[0], &d.Decks); err != nil {
		return fmt.Errorf("decks: %w", err)
	}
	if err := json.Unmarshal(parts[1], &d.Configs); err != nil {
		return fmt.Errorf("deck configs: %w", err)
	}
	for _, x := range d.Decks {
		if x == nil {
			return fmt.Errorf("decks: null deck")
		}
	}
	for _, x := range d.Configs {
		if x == nil {
			return fmt.Errorf("deck configs: null config")
		}
	}
	return nil
}

// Changes are the unchunked changes of sync/applyChanges (both directions). Conf and Crt
// travel only from the newer side.
type Changes struct {
	Models []*collection.Notetype     `json:"models"`
	Decks  DecksAndConfig             `json:"decks"`
	Tags   []string                   `json:"tags"`
	Conf   map[string]json.RawMessage `json:"conf,omitempty"`
	Crt    *int64                     `json:"crt,omitempty"`
}

// MarshalJSON writes empty arrays rather than null, as Anki does.
func (c Changes) MarshalJSON() ([]byte, error) {
	type alias Changes
	a := alias(c)
	if a.Models == nil {
		a.Models = []*collection.Notetype{}
	}
	if a.Tags == nil {
		a.Tags = []string{}
	}
	return json.Marshal(a)
}

func (c *Changes) UnmarshalJSON(b []byte) error {
	if err := requireKeys(b, "changes", "models", "decks", "tags"); err != nil {
		return err
	}
	type alias Changes
	var a alias
	if err := json.Unmarshal(b, &a); err != nil {
		return fmt.Errorf("changes: %w", err)
	}
	for _, m := range a.Models {
		if m == nil {
			return fmt.Errorf("changes: null note type")
		}
	}
	*c = Changes(a)
	return nil
}

// ApplyChangesRequest is the body of sync/applyChanges.
type ApplyChangesRequest struct {
	Changes Changes `json:"changes"`
}

// Chunk is one batch of rows (sync/chunk answer, sync/applyChunk body).
type Chunk struct {
	Done   bool        `json:"done"`
	Revlog []RevlogRow `json:"revlog"`
	Cards  []CardRow   `json:"cards"`
	Notes  []NoteRow   `json:"notes"`
}

// MarshalJSON writes every array (legacy readers index them unconditionally).
func (c Chunk) MarshalJSON() ([]byte, error) {
	type alias Chunk
	a := alias(c)
	if a.Revlog == nil {
		a.Revlog = []RevlogRow{}
	}
	if a.Cards == nil {
		a.Cards = []CardRow{}
	}
	if a.Notes == nil {
		a.Notes = []NoteRow{}
	}
	return json.Marshal(a)
}

// UnmarshalJSON requires "done", which every sender writes (the row lists may be left
// out): without it an unrelated object would read as an empty, unfinished chunk, and the
// rows the peer believes it sent would be lost.
func (c *Chunk) UnmarshalJSON(b []byte) error {
	if err := requireKeys(b, "chunk", "done"); err != nil {
		return err
	}
	type alias Chunk
	var a alias
	if err := json.Unmarshal(b, &a); err != nil {
		return fmt.Errorf("chunk: %w", err)
	}
	*c = Chunk(a)
	return nil
}

// requireKeys checks that b is a JSON object holding every key.
func requireKeys(b []byte, what string, keys ...string) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	for _, k := range keys {
		if _, ok := raw[k]; !ok {
			return fmt.Errorf("%s: missing %q", what, k)
		}
	}
	return nil
}

// Len is the number of rows.
func (c Chunk) Len() int { return len(c.Revlog) + len(c.Cards) + len(c.Notes) }

// ApplyChunkRequest is the body of sync/applyChunk.
type ApplyChunkRequest struct {
	Chunk Chunk `json:"chunk"`
}

// RevlogRow is [id, cid, usn, ease, ivl, lastIvl, factor, time, type].
type RevlogRow struct {
	ID, CardID             int64
	USN                    int
	Ease                   int
	Interval, LastInterval int64
	Factor, Time           int64
	Type                   int
}

func (r RevlogRow) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{r.ID, r.CardID, r.USN, r.Ease, r.Interval, r.LastInterval, r.Factor, r.Time, r.Type})
}

func (r *RevlogRow) UnmarshalJSON(b []byte) error {
	var ints [9]int64
	if err := decodeRow(b, "revlog", ints[:], nil); err != nil {
		return err
	}
	*r = RevlogRow{ID: ints[0], CardID: ints[1], USN: int(ints[2]), Ease: int(ints[3]), Interval: ints[4],
		LastInterval: ints[5], Factor: ints[6], Time: ints[7], Type: int(ints[8])}
	return nil
}

// CardRow is the 18 card columns in table order.
type CardRow struct {
	ID, NoteID, DeckID int64
	Ord                int
	Mod                int64
	USN                int
	Type, Queue        int
	Due                int64
	Interval           int64
	Factor             int64
	Reps, Lapses, Left int64
	OriginalDue        int64
	OriginalDeckID     int64
	Flags              int
	Data               string
}

func (c CardRow) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{c.ID, c.NoteID, c.DeckID, c.Ord, c.Mod, c.USN, c.Type, c.Queue, c.Due, c.Interval,
		c.Factor, c.Reps, c.Lapses, c.Left, c.OriginalDue, c.OriginalDeckID, c.Flags, c.Data})
}

func (c *CardRow) UnmarshalJSON(b []byte) error {
	var ints [18]int64
	var data string
	if err := decodeRow(b, "card", ints[:], map[int]*string{17: &data}); err != nil {
		return err
	}
	*c = CardRow{ID: ints[0], NoteID: ints[1], DeckID: ints[2], Ord: int(ints[3]), Mod: ints[4], USN: int(ints[5]),
		Type: int(ints[6]), Queue: int(ints[7]), Due: ints[8], Interval: ints[9], Factor: ints[10], Reps: ints[11],
		Lapses: ints[12], Left: ints[13], OriginalDue: ints[14], OriginalDeckID: ints[15], Flags: int(ints[16]), Data: data}
	return nil
}

// NoteRow is [id, guid, mid, mod, usn, tags, flds, sfld, csum, flags, data]; sfld and csum
// travel empty and the receiver recomputes them.
type NoteRow struct {
	ID         int64
	GUID       string
	NotetypeID int64
	Mod        int64
	USN        int
	Tags       string
	Fields     string
	Flags      int
	Data       string
}

func (n NoteRow) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{n.ID, n.GUID, n.NotetypeID, n.Mod, n.USN, n.Tags, n.Fields, "", "", n.Flags, n.Data})
}

func (n *NoteRow) UnmarshalJSON(b []byte) error {
	var ints [11]int64
	var guid, tags, flds, sfld, csum, data string
	strs := map[int]*string{1: &guid, 5: &tags, 6: &flds, 7: &sfld, 8: &csum, 10: &data}
	if err := decodeRow(b, "note", ints[:], strs); err != nil {
		return err
	}
	*n = NoteRow{ID: ints[0], GUID: guid, NotetypeID: ints[2], Mod: ints[3], USN: int(ints[4]), Tags: tags,
		Fields: flds, Flags: int(ints[9]), Data: data}
	return nil
}

// decodeRow reads a positional array: strs names the string columns (sfld/csum may also be
// numbers in old clients, so any scalar is accepted there), the rest are integers, floats
// truncated as Anki's deserialize_int_from_number does.
func decodeRow(b []byte, what string, ints []int64, strs map[int]*string) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("%s row: %w", what, err)
	}
	if len(parts) != len(ints) {
		return fmt.Errorf("%s row: %d columns, want %d", what, len(parts), len(ints))
	}
	for i, p := range parts {
		if sp, ok := strs[i]; ok {
			if len(p) > 0 && p[0] == '"' {
				if err := json.Unmarshal(p, sp); err != nil {
					return fmt.Errorf("%s row column %d: %w", what, i, err)
				}
			} else if string(p) != "null" {
				*sp = string(p)
			}
			continue
		}
		v, err := flexInt(p)
		if err != nil {
			return fmt.Errorf("%s row column %d: %w", what, i, err)
		}
		ints[i] = v
	}
	return nil
}

// flexInt reads an integer given as a JSON number (floats truncated) or numeric string.
func flexInt(b []byte) (int64, error) {
	s := strings.TrimSpace(string(b))
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return 0, err
		}
		s = strings.TrimSpace(str)
	}
	if s == "true" {
		return 1, nil
	}
	if s == "false" {
		return 0, nil
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return i, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f > 9.2e18 || f < -9.2e18 {
		return 0, fmt.Errorf("not an integer: %.40q", s)
	}
	return int64(f), nil
}

// SanityCounts is [[new, learn, review], cards, notes, revlog, graves, notetypes, decks,
// deckConfigs].
type SanityCounts struct {
	Due                                                         [3]int
	Cards, Notes, Revlog, Graves, Notetypes, Decks, DeckConfigs int
}

func (s SanityCounts) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{s.Due[:], s.Cards, s.Notes, s.Revlog, s.Graves, s.Notetypes, s.Decks, s.DeckConfigs})
}

func (s *SanityCounts) UnmarshalJSON(b []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return fmt.Errorf("sanity counts: %w", err)
	}
	if len(parts) != 8 {
		return fmt.Errorf("sanity counts: %d elements, want 8", len(parts))
	}
	var due []json.RawMessage
	if err := json.Unmarshal(parts[0], &due); err != nil || len(due) != 3 {
		return fmt.Errorf("sanity counts: due counts %s: want [new, learn, review]", parts[0])
	}
	for i := range due {
		v, err := flexInt(due[i])
		if err != nil {
			return fmt.Errorf("sanity counts: %w", err)
		}
		s.Due[i] = int(v)
	}
	dst := []*int{&s.Cards, &s.Notes, &s.Revlog, &s.Graves, &s.Notetypes, &s.Decks, &s.DeckConfigs}
	for i, p := range parts[1:] {
		v, err := flexInt(p)
		if err != nil {
			return fmt.Errorf("sanity counts: %w", err)
		}
		*dst[i] = int(v)
	}
	return nil
}

// SanityCheckRequest is the body of sync/sanityCheck2.
type SanityCheckRequest struct {
	Client SanityCounts `json:"client"`
}

// SanityCheckResponse answers sync/sanityCheck2.
type SanityCheckResponse struct {
	Status string        `json:"status"` // "ok" or "bad"
	Client *SanityCounts `json:"c,omitempty"`
	Server *SanityCounts `json:"s,omitempty"`
}

// Sanity statuses.
const (
	SanityOK  = "ok"
	SanityBad = "bad"
)

// --- media sync ---

// MediaResult wraps every media answer: {"data": …, "err": ""}.
type MediaResult struct {
	Data json.RawMessage `json:"data,omitempty"`
	Err  string          `json:"err"`
}

// MediaBeginRequest is the v11 body of msync/begin.
type MediaBeginRequest struct {
	ClientVersion string `json:"v"`
}

// MediaBeginResponse is the data of msync/begin.
type MediaBeginResponse struct {
	USN        int    `json:"usn"`
	SessionKey string `json:"sk"`
}

// MediaChangesRequest is the body of msync/mediaChanges.
type MediaChangesRequest struct {
	LastUSN int `json:"lastUsn"`
}

// MediaChange is ["name", usn, "sha1 hex" or "" when deleted].
type MediaChange struct {
	Name string
	USN  int
	SHA1 string
}

func (m MediaChange) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{m.Name, m.USN, m.SHA1})
}

func (m *MediaChange) UnmarshalJSON(b []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil || len(parts) != 3 {
		return fmt.Errorf("media change %.60s: want [name, usn, sha1]", b)
	}
	if err := json.Unmarshal(parts[0], &m.Name); err != nil {
		return fmt.Errorf("media change name: %w", err)
	}
	v, err := flexInt(parts[1])
	if err != nil {
		return fmt.Errorf("media change usn: %w", err)
	}
	m.USN = int(v)
	if !bytes.Equal(bytes.TrimSpace(parts[2]), []byte("null")) {
		if err := json.Unmarshal(parts[2], &m.SHA1); err != nil {
			return fmt.Errorf("media change sha1: %w", err)
		}
	}
	return nil
}

// DownloadFilesRequest is the body of msync/downloadFiles.
type DownloadFilesRequest struct {
	Files []string `json:"files"`
}

// MediaSanityRequest is the body of msync/mediaSanity.
type MediaSanityRequest struct {
	Local int `json:"local"`
}

// Media sanity answers; ankisyncd says FAILED where Anki says mediaSanity.
const (
	MediaSanityOK     = "OK"
	MediaSanityFailed = "mediaSanity"
)

// Empty is the body of argument-less methods: exactly {}.
var Empty = []byte("{}")
