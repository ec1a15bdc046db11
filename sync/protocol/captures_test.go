package protocol

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/internal/testfix"
)

// capture is one exchange recorded between a real Anki 2.1.12/2.1.16 client and ankisyncd.
type capture struct {
	Form         map[string]*string `json:"form"`
	RequestJSON  json.RawMessage    `json:"request_json"`
	ResponseJSON json.RawMessage    `json:"response_json"`
	Status       int                `json:"status"`
	URL          string             `json:"url"`
}

func loadCaptures(t *testing.T) map[string]capture {
	dir := filepath.Join(testfix.Dir(t), "sync-legacy")
	files, err := filepath.Glob(filepath.Join(dir, "run-*", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no captures in %s: %v", dir, err)
	}
	out := map[string]capture{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var c capture
		if err := json.Unmarshal(b, &c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f)] = c
	}
	return out
}

// method returns "sync/meta" from ".../sync/meta".
func (c capture) method() string {
	parts := strings.Split(c.URL, "/")
	return parts[len(parts)-2] + "/" + parts[len(parts)-1]
}

// TestLegacyCaptureFraming rebuilds each captured request with our legacy encoder, from the
// captured form fields and JSON, and checks that the server-side decoder reads back every
// field and the body.
func TestLegacyCaptureFraming(t *testing.T) {
	caps := loadCaptures(t)
	if len(caps) != 62 {
		t.Errorf("%d captures, want 62 (2 runs × 31)", len(caps))
	}
	for name, c := range caps {
		t.Run(name, func(t *testing.T) {
			get := func(k string) string {
				if v := c.Form[k]; v != nil {
					return *v
				}
				return ""
			}
			f := LegacyFields{HostKey: get("k"), SessionKey: get("s"), ClientVersion: get("v"), MediaSession: get("sk")}
			var body []byte
			if c.RequestJSON != nil {
				body = c.RequestJSON
			} else if c.method() == "sync/upload" || c.method() == "msync/uploadChanges" {
				body = bytes.Repeat([]byte{0x5a}, 100) // raw bytes; only sizes were captured
			}
			req, err := NewLegacyRequest(context.Background(), c.URL, f, body, get("c") == "1")
			if err != nil {
				t.Fatal(err)
			}
			got, err := ReadRequest(req, DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			if got.Framing != FramingLegacy || got.Version != VersionLegacy {
				t.Errorf("framing %v version %d", got.Framing, got.Version)
			}
			wantKey := f.HostKey
			if wantKey == "" {
				wantKey = f.MediaSession // media calls after begin authenticate with sk
			}
			if got.HostKey != wantKey || got.SessionKey != f.SessionKey || got.ClientVersion != f.ClientVersion ||
				got.MediaSession != f.MediaSession {
				t.Errorf("fields: got k=%q s=%q v=%q sk=%q, want %+v", got.HostKey, got.SessionKey, got.ClientVersion, got.MediaSession, f)
			}
			want := body
			if want == nil {
				want = []byte("{}") // a request without data reads as {}
			}
			if !bytes.Equal(got.Body, want) {
				t.Errorf("body %q, want %q", got.Body, want)
			}
		})
	}
}

// TestLegacyCaptureMessages decodes every captured request and response JSON into our typed
// messages and encodes it back: every captured key must come back with the same value.
func TestLegacyCaptureMessages(t *testing.T) {
	caps := loadCaptures(t)
	names := make([]string, 0, len(caps))
	for n := range caps {
		names = append(names, n)
	}
	sort.Strings(names)
	checked := 0
	for _, name := range names {
		c := caps[name]
		var req, resp any
		switch c.method() {
		case "sync/hostKey":
			req, resp = &HostKeyRequest{}, &HostKeyResponse{}
		case "sync/meta":
			req, resp = &MetaRequest{}, &Meta{}
		case "sync/start":
			req, resp = &StartRequest{}, &Graves{}
		case "sync/applyGraves":
			req = &ApplyGravesRequest{}
		case "sync/applyChanges":
			req, resp = &ApplyChangesRequest{}, &Changes{}
		case "sync/chunk":
			resp = &Chunk{}
		case "sync/applyChunk":
			req = &ApplyChunkRequest{}
		case "sync/sanityCheck2":
			req, resp = &SanityCheckRequest{}, &SanityCheckResponse{}
		case "sync/finish":
			var n int64
			resp = &n
		case "msync/begin":
			resp = &struct {
				Data MediaBeginResponse `json:"data"`
				Err  string             `json:"err"`
			}{}
		case "msync/mediaChanges":
			req = &MediaChangesRequest{}
			resp = &struct {
				Data []MediaChange `json:"data"`
				Err  string        `json:"err"`
			}{}
		case "msync/uploadChanges":
			resp = &struct {
				Data [2]int `json:"data"`
				Err  string `json:"err"`
			}{}
		case "msync/downloadFiles":
			req = &DownloadFilesRequest{}
		case "msync/mediaSanity":
			req = &MediaSanityRequest{}
			resp = &struct {
				Data string `json:"data"`
				Err  string `json:"err"`
			}{}
		case "sync/upload", "sync/download":
			continue
		default:
			t.Errorf("%s: unexpected method %s", name, c.method())
			continue
		}
		for _, x := range []struct {
			what string
			raw  json.RawMessage
			v    any
		}{{"request", c.RequestJSON, req}, {"response", c.ResponseJSON, resp}} {
			if x.v == nil || x.raw == nil || string(x.raw) == "null" {
				continue
			}
			if err := json.Unmarshal(x.raw, x.v); err != nil {
				t.Errorf("%s %s: decode: %v", name, x.what, err)
				continue
			}
			back, err := json.Marshal(x.v)
			if err != nil {
				t.Errorf("%s %s: encode: %v", name, x.what, err)
				continue
			}
			var orig, again any
			json.Unmarshal(x.raw, &orig)
			json.Unmarshal(back, &again)
			if diff := subset(orig, again, ""); diff != "" {
				t.Errorf("%s %s: %s\n got %s", name, x.what, diff, back)
			}
			checked++
		}
	}
	if checked < 80 {
		t.Errorf("only %d messages checked", checked)
	}
}

// subset reports the first place where want is not contained in got (objects may gain keys,
// e.g. the deck key browserCollapsed that Anki ≥2.1.28 writes; arrays must match exactly).
func subset(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return path + ": not an object"
		}
		for k, v := range w {
			gv, ok := g[k]
			if !ok {
				return path + "." + k + ": missing"
			}
			if d := subset(v, gv, path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return path + ": array differs"
		}
		for i := range w {
			if d := subset(w[i], g[i], path+"["+string(rune('0'+i%10))+"]"); d != "" {
				return d
			}
		}
		return ""
	default:
		if !reflect.DeepEqual(want, got) {
			b1, _ := json.Marshal(want)
			b2, _ := json.Marshal(got)
			return path + ": " + string(b1) + " != " + string(b2)
		}
		return ""
	}
}

// TestCapturedRowValues checks row decoding column by column on the note, card and revlog
// rows that the real 2.1.12 client sent in 020_sync_applyChunk.json.
func TestCapturedRowValues(t *testing.T) {
	c := loadCaptures(t)["run-2.1.12/020_sync_applyChunk.json"]
	var req ApplyChunkRequest
	if err := json.Unmarshal(c.RequestJSON, &req); err != nil {
		t.Fatal(err)
	}
	ch := req.Chunk
	if !ch.Done || len(ch.Notes) != 2 || len(ch.Cards) != 2 || len(ch.Revlog) != 1 {
		t.Fatalf("chunk %+v", ch)
	}
	wantNote := NoteRow{ID: 1795258484815, GUID: "GXs<aq@cmp", NotetypeID: 1795258484814, Mod: 1795258485, USN: 1,
		Tags: " t1 ", Fields: "hello\x1fworld (edited on A)"}
	if ch.Notes[0] != wantNote {
		t.Errorf("note %+v\nwant %+v", ch.Notes[0], wantNote)
	}
	wantCard := CardRow{ID: 1795258484815, NoteID: 1795258484815, DeckID: 1, Ord: 0, Mod: 1795258485, USN: 1, Type: 2,
		Queue: 2, Due: 5, Interval: 5, Factor: 2500, Reps: 1, Lapses: 0, Left: 2002}
	if ch.Cards[0] != wantCard {
		t.Errorf("card %+v\nwant %+v", ch.Cards[0], wantCard)
	}
	wantRev := RevlogRow{ID: 1795258485970, CardID: 1795258484815, USN: 1, Ease: 3, Interval: 5, LastInterval: -60,
		Factor: 2500, Time: 0, Type: 0}
	if ch.Revlog[0] != wantRev {
		t.Errorf("revlog %+v\nwant %+v", ch.Revlog[0], wantRev)
	}
	var sc SanityCheckRequest
	if err := json.Unmarshal(loadCaptures(t)["run-2.1.12/021_sync_sanityCheck2.json"].RequestJSON, &sc); err != nil {
		t.Fatal(err)
	}
	want := SanityCounts{Due: [3]int{1, 0, 0}, Cards: 2, Notes: 2, Revlog: 1, Graves: 2, Notetypes: 5, Decks: 1, DeckConfigs: 1}
	if sc.Client != want {
		t.Errorf("sanity %+v want %+v", sc.Client, want)
	}
	var meta Meta
	if err := json.Unmarshal(loadCaptures(t)["run-2.1.12/002_sync_meta.json"].ResponseJSON, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.Modified != 1795258484885 || meta.SchemaMod != 1795258484884 || meta.USN != 0 || meta.ServerTime != 1795258484 ||
		!meta.Continue || meta.MediaUSN != 0 || meta.LegacyMUSN == nil {
		t.Errorf("meta %+v", meta)
	}
	var m2 Meta
	json.Unmarshal(loadCaptures(t)["run-2.1.12/008_sync_meta.json"].ResponseJSON, &m2)
	if m2.MediaUSN != 1 || m2.USN != 1 {
		t.Errorf("musn not taken as the media usn: %+v", m2)
	}
}

func TestV11RoundTrip(t *testing.T) {
	h := Header{Version: 11, HostKey: "hk", ClientVersion: "deckhand,0.1,linux", SessionKey: "abc"}
	body := []byte(`{"v":11,"cv":"x"}`)
	req, err := NewV11Request(context.Background(), "http://127.0.0.1/sync/meta", h, body)
	if err != nil {
		t.Fatal(err)
	}
	var hdr map[string]any
	if err := json.Unmarshal([]byte(req.Header.Get(HeaderName)), &hdr); err != nil || len(hdr) != 4 {
		t.Fatalf("header %q: want exactly v,k,c,s", req.Header.Get(HeaderName))
	}
	got, err := ReadRequest(req, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	if got.Framing != FramingV11 || got.Version != 11 || got.HostKey != "hk" || got.SessionKey != "abc" ||
		got.ClientVersion != h.ClientVersion || string(got.Body) != string(body) {
		t.Errorf("got %+v", got)
	}
	rec := httptest.NewRecorder()
	if err := WriteResponse(rec, FramingV11, []byte(`{"key":"x"}`)); err != nil {
		t.Fatal(err)
	}
	res := rec.Result()
	if res.Header.Get(OriginalSizeHeader) != "11" {
		t.Errorf("original size %q", res.Header.Get(OriginalSizeHeader))
	}
	out, err := ReadResponseBody(res, FramingV11, DefaultLimits())
	if err != nil || string(out) != `{"key":"x"}` {
		t.Errorf("response %q %v", out, err)
	}
}

func TestBadRequests(t *testing.T) {
	lim := Limits{MaxCompressed: 1 << 10, MaxDecompressed: 4 << 10}
	mk := func(hdr string, body []byte) error {
		req := httptest.NewRequest("POST", "/sync/meta", bytes.NewReader(body))
		if hdr != "" {
			req.Header.Set(HeaderName, hdr)
		}
		_, err := ReadRequest(req, lim)
		return err
	}
	big := Compress(bytes.Repeat([]byte("a"), 10<<10))
	cases := []struct {
		name string
		hdr  string
		body []byte
		code int
	}{
		{"missing field", `{"v":11,"k":"","c":"x"}`, Compress([]byte("{}")), 400},
		{"bad version", `{"v":12,"k":"","c":"x","s":""}`, Compress([]byte("{}")), 400},
		{"old version", `{"v":7,"k":"","c":"x","s":""}`, Compress([]byte("{}")), 400},
		{"not json header", `v=11`, Compress([]byte("{}")), 400},
		{"not zstd", `{"v":11,"k":"","c":"x","s":""}`, []byte("{}"), 400},
		{"bomb", `{"v":11,"k":"","c":"x","s":""}`, big, 400},
		{"too large", `{"v":11,"k":"","c":"x","s":""}`, bytes.Repeat([]byte{1}, 2<<10), 413},
		{"no framing", "", []byte("{}"), 400},
	}
	for _, c := range cases {
		err := mk(c.hdr, c.body)
		se, ok := err.(*StatusError)
		if !ok || se.Code != c.code {
			t.Errorf("%s: %v, want status %d", c.name, err, c.code)
		}
	}
	// A 200 without anki-original-size is refused, as Anki's client does.
	rec := httptest.NewRecorder()
	rec.WriteHeader(200)
	rec.Write(Compress([]byte("{}")))
	if _, err := ReadResponseBody(rec.Result(), FramingV11, lim); err != ErrMissingOriginalSize {
		t.Errorf("missing size: %v", err)
	}
}

func TestGravesStringIDsAndChunking(t *testing.T) {
	var g Graves
	if err := json.Unmarshal([]byte(`{"cards":["12",13],"notes":[1.0],"decks":[]}`), &g); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g.Cards, []int64{12, 13}) || !reflect.DeepEqual(g.Notes, []int64{1}) {
		t.Errorf("graves %+v", g)
	}
	var big Graves
	for i := 0; i < 300; i++ {
		big.Cards = append(big.Cards, int64(i))
	}
	big.Notes = []int64{1000}
	c1, ok1 := big.TakeChunk()
	c2, ok2 := big.TakeChunk()
	_, ok3 := big.TakeChunk()
	if !ok1 || !ok2 || ok3 || c1.Len() != 250 || c2.Len() != 51 || len(c2.Notes) != 1 {
		t.Errorf("chunks %d %d %v %v %v", c1.Len(), c2.Len(), ok1, ok2, ok3)
	}
}
