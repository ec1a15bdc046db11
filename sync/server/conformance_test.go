package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/deckhand-app/deckhand/collection"
	"github.com/deckhand-app/deckhand/internal/testfix"
	"github.com/deckhand-app/deckhand/sync/colsync"
	"github.com/deckhand-app/deckhand/sync/internal/synctest"
	"github.com/deckhand-app/deckhand/sync/protocol"
	"github.com/deckhand-app/deckhand/sync/server"
)

// The conformance replay drives our server with the exact request sequence a real Anki
// 2.1.12 / 2.1.16 client sent to ankisyncd 2.2.0 (fixtures/sync-legacy), and compares each
// answer with the captured one: its shape (status, keys, value types) and its meaning (usn
// progression, cont, media usn, graves, chunk rows, sanity "ok", finish = next meta's mod).
// What cannot be replayed verbatim is adapted: the host key and media session key we hand
// out, the uploaded collection (only its size was captured: we build an equivalent one with
// the same note and card ids), and the id of its Basic note type.

// replayCapture is one captured exchange.
type replayCapture struct {
	name          string
	Form          map[string]*string `json:"form"`
	RequestJSON   json.RawMessage    `json:"request_json"`
	ResponseJSON  json.RawMessage    `json:"response_json"`
	ResponseHead  string             `json:"response_head"`
	Status        int                `json:"status"`
	URL           string             `json:"url"`
	parsedRequest any
}

func (c *replayCapture) form(k string) string {
	if v := c.Form[k]; v != nil {
		return *v
	}
	return ""
}

// method returns "sync/meta" from ".../sync/meta".
func (c *replayCapture) method() string {
	parts := strings.Split(c.URL, "/")
	return parts[len(parts)-2] + "/" + parts[len(parts)-1]
}

func loadRun(t *testing.T, run string) []*replayCapture {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(testfix.Dir(t), "sync-legacy", run, "*.json"))
	if err != nil || len(files) == 0 {
		t.Skipf("no captures for %s: %v", run, err)
	}
	sort.Strings(files)
	var out []*replayCapture
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := &replayCapture{name: filepath.Base(f)}
		if err := json.Unmarshal(b, c); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if c.RequestJSON != nil {
			c.parsedRequest = decodeNumbers(t, c.RequestJSON)
		}
		out = append(out, c)
	}
	return out
}

func decodeNumbers(t *testing.T, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// replaceMid puts our Basic note type's id where a message names the captured one: column 2
// of note rows and the config's curModel (positions, as ids of different kinds may coincide).
func replaceMid(v any, from, to string) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for _, key := range []string{"chunk", "changes"} {
		if inner, ok := m[key]; ok {
			replaceMid(inner, from, to)
		}
	}
	if rows, ok := m["notes"].([]any); ok {
		for _, r := range rows {
			if row, ok := r.([]any); ok && len(row) > 2 && fmt.Sprint(row[2]) == from {
				row[2] = json.Number(to)
			}
		}
	}
	if conf, ok := m["conf"].(map[string]any); ok && conf["curModel"] == from {
		conf["curModel"] = to
	}
	return v
}

// compareJSON checks got against the captured want: the same JSON types everywhere, the same
// keys at the top level (objects nested deeper, such as deck and config objects, may carry
// keys newer Anki versions added), equal list lengths, and equal values unless skip says the
// path holds a value that differs by nature (keys, times).
func compareJSON(path string, want, got any, skip func(path string) bool, errs *[]string) {
	if skip(path) {
		if reflect.TypeOf(want) != reflect.TypeOf(got) {
			*errs = append(*errs, fmt.Sprintf("%s: type %T, captured %T", path, got, want))
		}
		return
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %T, captured an object", path, got))
			return
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				*errs = append(*errs, fmt.Sprintf("%s: missing key %q", path, k))
				continue
			}
			compareJSON(path+"."+k, wv, gv, skip, errs)
		}
		if path == "" {
			for k := range g {
				if _, ok := w[k]; !ok {
					*errs = append(*errs, fmt.Sprintf("top level: key %q not in the captured answer", k))
				}
			}
		}
	case []any:
		g, ok := got.([]any)
		if !ok {
			*errs = append(*errs, fmt.Sprintf("%s: %T, captured a list", path, got))
			return
		}
		if len(g) != len(w) {
			*errs = append(*errs, fmt.Sprintf("%s: %d elements, captured %d", path, len(g), len(w)))
			return
		}
		for i := range w {
			compareJSON(fmt.Sprintf("%s[%d]", path, i), w[i], g[i], skip, errs)
		}
	default:
		if reflect.TypeOf(want) != reflect.TypeOf(got) {
			*errs = append(*errs, fmt.Sprintf("%s: %T %v, captured %T %v", path, got, got, want, want))
		} else if !reflect.DeepEqual(want, got) {
			*errs = append(*errs, fmt.Sprintf("%s: %v, captured %v", path, got, want))
		}
	}
}

// replayUpload is the collection the captured client uploaded, rebuilt: the notes and cards
// that later requests name with their captured ids, in a collection made the way the
// pure-Python 2.1.x client makes one (scheduler v1, no creationOffset).
type replayUpload struct {
	file       []byte // the upload body
	mid        int64  // our Basic note type's id
	notetypes  int
	notes      int
	pic        []byte // the media file uploaded as pic.txt
	capturedMT string // the captured client's Basic note type id
}

func buildReplayUpload(t *testing.T, caps []*replayCapture, schema int) replayUpload {
	t.Helper()
	ctx := context.Background()
	// Which notes and cards were uploaded: those the first normal sync deletes (graves) or
	// sends with ids older than the upload (the scm the meta after it reports).
	var scm int64
	var graves struct {
		Chunk protocol.Graves `json:"chunk"`
	}
	var chunk protocol.ApplyChunkRequest
	metas := 0
	for _, c := range caps {
		switch c.method() {
		case "sync/meta":
			metas++
			if metas == 2 {
				var m protocol.Meta
				if err := json.Unmarshal(c.ResponseJSON, &m); err != nil {
					t.Fatal(err)
				}
				scm = m.SchemaMod
			}
		case "sync/applyGraves":
			if len(graves.Chunk.Notes) == 0 {
				json.Unmarshal(c.RequestJSON, &graves)
			}
		case "sync/applyChunk":
			if len(chunk.Chunk.Notes) == 0 {
				json.Unmarshal(c.RequestJSON, &chunk)
			}
		}
	}
	type up struct {
		nid, cid int64
		tags     string
	}
	var ups []up
	var mt string
	for _, n := range chunk.Chunk.Notes {
		mt = fmt.Sprint(n.NotetypeID)
		if n.ID >= scm {
			continue
		}
		u := up{nid: n.ID, tags: strings.TrimSpace(n.Tags)}
		for _, c := range chunk.Chunk.Cards {
			if c.NoteID == n.ID {
				u.cid = c.ID
			}
		}
		ups = append(ups, u)
	}
	for i, nid := range graves.Chunk.Notes {
		ups = append(ups, up{nid: int64(nid), cid: int64(graves.Chunk.Cards[i])})
	}
	if len(ups) == 0 || mt == "" || scm == 0 {
		t.Fatalf("cannot tell the uploaded notes from the captures (scm %d, %d notes)", scm, len(ups))
	}
	dir := t.TempDir()
	col, err := collection.Create(ctx, filepath.Join(dir, "collection.anki2"))
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	out := replayUpload{pic: []byte("a picture, as text\n"), capturedMT: mt, notes: len(ups)}
	err = col.Transact(ctx, func(tx *collection.Tx) error {
		conf := tx.Config()
		delete(conf, "creationOffset")
		delete(conf, "localOffset")
		conf["schedVer"] = []byte("1")
		tx.ReplaceConfig(conf)
		for i, u := range ups {
			var tags []string
			if u.tags != "" {
				tags = strings.Fields(u.tags)
			}
			n, err := synctest.AddNote(tx, 1, fmt.Sprint("front ", i), "back", tags...)
			if err != nil {
				return err
			}
			out.mid = n.NotetypeID
			q := tx.Q()
			if _, err := q.ExecContext(ctx, "UPDATE cards SET id=?, nid=? WHERE nid=?", u.cid, u.nid, n.ID); err != nil {
				return err
			}
			if _, err := q.ExecContext(ctx, "UPDATE notes SET id=? WHERE id=?", u.nid, n.ID); err != nil {
				return err
			}
		}
		out.notetypes = len(tx.Notetypes())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := colsync.PrepareUpload(ctx, col, schema, time.Now().UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	defer u.Close()
	if out.file, err = os.ReadFile(u.Path); err != nil {
		t.Fatal(err)
	}
	return out
}

// mediaUploadZip is a client's msync/uploadChanges body adding name.
func mediaUploadZip(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("0")
	w.Write(data)
	w, _ = zw.Create("_meta")
	meta, _ := json.Marshal([][2]string{{name, "0"}})
	w.Write(meta)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestConformanceReplay(t *testing.T) {
	for _, run := range []string{"run-2.1.12", "run-2.1.16"} {
		for _, framing := range []protocol.Framing{protocol.FramingLegacy, protocol.FramingV11} {
			t.Run(run+"/"+framing.String(), func(t *testing.T) { replayRun(t, run, framing) })
		}
	}
}

func replayRun(t *testing.T, run string, framing protocol.Framing) {
	caps := loadRun(t, run)
	if len(caps) != 31 {
		t.Fatalf("%d exchanges, want 31", len(caps))
	}
	ctx := context.Background()
	srv, err := server.New(server.Config{DataDir: filepath.Join(t.TempDir(), "server"),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { hs.Close(); srv.Close() })
	// The captured login creates the account.
	var login protocol.HostKeyRequest
	if err := json.Unmarshal(caps[0].RequestJSON, &login); err != nil {
		t.Fatal(err)
	}
	if err := srv.Users.Add(login.Username, login.Password); err != nil {
		t.Fatal(err)
	}
	schema := 11
	if framing == protocol.FramingV11 {
		schema = 18
	}
	upload := buildReplayUpload(t, caps, schema)
	mid := fmt.Sprint(upload.mid)
	lim := protocol.DefaultLimits()

	var hostKey, mediaKey string
	var lastFinish, uploadSCM json.Number
	afterUpload := false
	// usn bookkeeping: the captured client stamps its changes with the usn the last meta
	// reported, and starts from the usn it last synced at; ours differ from ankisyncd's after
	// a full download, which (like rslib's server_download) bumps the server usn.
	var capMetaUSN, ourMetaUSN json.Number
	var downloads int64
	var clientUSN []json.Number // per client, in the order of the scenario: A uploads, B downloads
	starts := 0
	for _, c := range caps {
		method := c.method()
		// The request: the captured one with our keys, our note type id and, where only a
		// size was captured, our bytes.
		var body []byte
		if c.parsedRequest != nil {
			req := replaceMid(c.parsedRequest, upload.capturedMT, mid)
			if method == "sync/sanityCheck2" {
				// The note type count is a property of the collection we built (our stock
				// note types), the rest comes from the replayed changes.
				cl := req.(map[string]any)["client"].([]any)
				cl[5] = json.Number(fmt.Sprint(upload.notetypes))
			}
			switch method {
			case "sync/start":
				req.(map[string]any)["minUsn"] = clientUSN[starts]
				starts++
			case "sync/applyChunk", "sync/applyChanges":
				restamp(req, capMetaUSN, ourMetaUSN)
			}
			if method == "sync/meta" && framing == protocol.FramingV11 {
				req.(map[string]any)["v"] = json.Number("11")
			}
			if method == "msync/begin" && framing == protocol.FramingV11 {
				req = map[string]any{"v": c.form("v")}
			}
			if body, err = json.Marshal(req); err != nil {
				t.Fatal(err)
			}
		}
		switch method {
		case "sync/upload":
			body = upload.file
		case "msync/uploadChanges":
			body = mediaUploadZip(t, "pic.txt", upload.pic)
		}
		k, sk := hostKey, ""
		if c.form("k") == "" && c.form("sk") != "" {
			k, sk = "", mediaKey
		}
		if method == "sync/hostKey" {
			k = ""
		}
		var req *http.Request
		if framing == protocol.FramingLegacy {
			req, err = protocol.NewLegacyRequest(ctx, hs.URL+"/"+method,
				protocol.LegacyFields{HostKey: k, SessionKey: c.form("s"), ClientVersion: c.form("v"), MediaSession: sk},
				body, c.form("c") == "1")
		} else {
			if sk != "" {
				k = sk
			}
			if body == nil {
				body = []byte("{}")
			}
			req, err = protocol.NewV11Request(ctx, hs.URL+"/"+method,
				protocol.Header{Version: 11, HostKey: k, ClientVersion: c.form("v") + "x", SessionKey: c.form("s")}, body)
		}
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if resp.StatusCode != c.Status {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			t.Fatalf("%s: status %d (%s), captured %d", c.name, resp.StatusCode, b, c.Status)
		}
		got, err := protocol.ReadResponseBody(resp, framing, lim)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}

		// Binary answers.
		switch method {
		case "sync/upload":
			head, _ := hex.DecodeString(c.ResponseHead)
			if !bytes.Equal(got, head) {
				t.Fatalf("%s: answer %q, captured %q", c.name, got, head)
			}
			afterUpload = true
			continue
		case "sync/download":
			head, _ := hex.DecodeString(c.ResponseHead)
			if !bytes.HasPrefix(got, head) {
				t.Fatalf("%s: answer starts %q, captured %q", c.name, got[:min(len(got), 16)], head)
			}
			clientUSN = append(clientUSN, json.Number(fmt.Sprint(checkDownloaded(t, got, upload.notes))))
			downloads++
			continue
		case "msync/downloadFiles":
			checkMediaZip(t, c.name, got, c.parsedRequest, upload.pic)
			continue
		}

		gotV := decodeNumbers(t, got)
		wantV := replaceMid(decodeNumbers(t, c.ResponseJSON), upload.capturedMT, mid)
		skip := func(string) bool { return false }
		switch method {
		case "sync/hostKey":
			skip = func(p string) bool { return p == ".key" }
			hostKey, _ = gotV.(map[string]any)["key"].(string)
		case "sync/meta":
			// Checked below: usn is ankisyncd's plus one per full download so far.
			skip = func(p string) bool { return p == ".mod" || p == ".scm" || p == ".ts" || p == ".usn" }
			m := gotV.(map[string]any)
			// rslib's meta answer also carries hostNum, empty and media_usn (newer clients
			// read them; old ones ignore unknown keys).
			wm := wantV.(map[string]any)
			for _, k := range []string{"hostNum", "empty", "media_usn"} {
				if _, ok := m[k]; ok {
					wm[k] = m[k]
				}
			}
			capMetaUSN, ourMetaUSN = wm["usn"].(json.Number), m["usn"].(json.Number)
			cu, _ := capMetaUSN.Int64()
			if ou, _ := ourMetaUSN.Int64(); ou != cu+downloads {
				t.Errorf("%s: usn %d, want %d (captured %d + %d full downloads)", c.name, ou, cu+downloads, cu, downloads)
			}
			if afterUpload && len(clientUSN) == 0 {
				clientUSN = append(clientUSN, ourMetaUSN) // A's collection after its upload
			}
			ts, _ := m["ts"].(json.Number).Int64()
			if d := time.Now().Unix() - ts; d < -5 || d > 5 {
				t.Errorf("%s: ts %d is not now", c.name, ts)
			}
			if afterUpload {
				if uploadSCM == "" {
					uploadSCM = m["scm"].(json.Number)
				} else if m["scm"] != uploadSCM {
					t.Errorf("%s: scm %v changed since the upload (%v)", c.name, m["scm"], uploadSCM)
				}
			}
			if lastFinish != "" && m["mod"] != lastFinish {
				t.Errorf("%s: mod %v, want the last finish's time %v", c.name, m["mod"], lastFinish)
			}
		case "msync/begin":
			skip = func(p string) bool { return p == ".data.sk" }
			mediaKey, _ = gotV.(map[string]any)["data"].(map[string]any)["sk"].(string)
		case "msync/mediaChanges":
			sum := sha1.Sum(upload.pic)
			want := hex.EncodeToString(sum[:])
			skip = func(p string) bool { return strings.HasSuffix(p, "[2]") }
			for _, row := range gotV.(map[string]any)["data"].([]any) {
				if r := row.([]any); len(r) == 3 && r[2] != want {
					t.Errorf("%s: sha1 %v, want %s", c.name, r[2], want)
				}
			}
		case "sync/chunk":
			// Rows keep the usn their client stamped (as in rslib's apply_chunk), so ours
			// carry the usn our server reported to A; card data "" reads back as "{}", which
			// is what rslib writes for a card without custom data.
			skip = func(p string) bool {
				return rowField(p, ".cards", 5) || rowField(p, ".notes", 4) || rowField(p, ".revlog", 2) || rowField(p, ".cards", 17)
			}
			ch := gotV.(map[string]any)
			for _, tbl := range []struct {
				name string
				col  int
			}{{"cards", 5}, {"notes", 4}, {"revlog", 2}} {
				for _, row := range ch[tbl.name].([]any) {
					if u := row.([]any)[tbl.col]; u != clientUSNStamp(clientUSN) {
						t.Errorf("%s: %s row usn %v, want %v", c.name, tbl.name, u, clientUSNStamp(clientUSN))
					}
				}
			}
			for _, row := range ch["cards"].([]any) {
				if d := row.([]any)[17]; d != "" && d != "{}" {
					t.Errorf("%s: card data %q", c.name, d)
				}
			}
		case "sync/applyChanges":
			// Decks keep the usn A stamped, as chunk rows do.
			skip = func(p string) bool { return strings.HasPrefix(p, ".decks[") && strings.HasSuffix(p, "].usn") }
			if d, ok := gotV.(map[string]any)["decks"].([]any); ok {
				for _, part := range d {
					l, _ := part.([]any)
					for _, o := range l {
						if u := o.(map[string]any)["usn"]; u != clientUSNStamp(clientUSN) {
							t.Errorf("%s: deck usn %v, want %v", c.name, u, clientUSNStamp(clientUSN))
						}
					}
				}
			}
		case "sync/finish":
			skip = func(p string) bool { return p == "" }
			n, ok := gotV.(json.Number)
			if v, _ := n.Int64(); !ok || time.Now().UnixMilli()-v > 5000 {
				t.Errorf("%s: finish answered %v, want the time now in ms", c.name, gotV)
			}
			lastFinish = n
		}
		var errs []string
		compareJSON("", wantV, gotV, skip, &errs)
		if len(errs) > 0 {
			t.Errorf("%s: answer differs from the capture:\n  %s\n  ours: %s", c.name, strings.Join(errs, "\n  "), got)
		}
	}
}

// restamp replaces the usn the captured client stamped on its changes (from, the captured
// meta's usn) with the one our server reported (to).
func restamp(req any, from, to json.Number) {
	set := func(row []any, i int) {
		if i < len(row) && row[i] == from {
			row[i] = to
		}
	}
	m := req.(map[string]any)
	if ch, ok := m["chunk"].(map[string]any); ok {
		for _, tbl := range []struct {
			name string
			col  int
		}{{"cards", 5}, {"notes", 4}, {"revlog", 2}} {
			rows, _ := ch[tbl.name].([]any)
			for _, r := range rows {
				set(r.([]any), tbl.col)
			}
		}
	}
	if ch, ok := m["changes"].(map[string]any); ok {
		var objs []any
		if d, ok := ch["decks"].([]any); ok {
			for _, part := range d {
				l, _ := part.([]any)
				objs = append(objs, l...)
			}
		}
		l, _ := ch["models"].([]any)
		objs = append(objs, l...)
		for _, o := range objs {
			if om, ok := o.(map[string]any); ok && om["usn"] == from {
				om["usn"] = to
			}
		}
	}
}

// rowField reports whether path is column col of a row of table (".cards[3][5]").
func rowField(path, table string, col int) bool {
	return strings.HasPrefix(path, table+"[") && strings.HasSuffix(path, fmt.Sprintf("][%d]", col))
}

// clientUSNStamp is the usn A's changes carry on our server: the usn of A's sync (the meta
// after the download), which is B's starting usn as well.
func clientUSNStamp(clientUSN []json.Number) json.Number {
	return clientUSN[len(clientUSN)-1]
}

// checkDownloaded opens a downloaded collection, counts its notes and returns its usn.
func checkDownloaded(t *testing.T, data []byte, notes int) int {
	t.Helper()
	path := filepath.Join(t.TempDir(), "collection.anki2")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := colsync.ValidateReceived(context.Background(), path, true); err != nil {
		t.Fatalf("downloaded collection: %v", err)
	}
	col, err := collection.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer col.Close()
	if n, _, _ := synctest.Counts(context.Background(), col); n != notes {
		t.Fatalf("downloaded collection has %d notes, uploaded %d", n, notes)
	}
	var usn int
	if err := col.DB().QueryRow("SELECT usn FROM col").Scan(&usn); err != nil {
		t.Fatal(err)
	}
	return usn
}

// checkMediaZip checks a downloadFiles answer: the asked files, indexed by _meta.
func checkMediaZip(t *testing.T, name string, data []byte, req any, want []byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("%s: not a zip: %v", name, err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(r)
		r.Close()
	}
	var meta map[string]string
	if err := json.Unmarshal(files["_meta"], &meta); err != nil {
		t.Fatalf("%s: _meta %q: %v", name, files["_meta"], err)
	}
	asked := req.(map[string]any)["files"].([]any)
	if len(meta) != len(asked) {
		t.Fatalf("%s: %d files for %d asked", name, len(meta), len(asked))
	}
	for idx, fname := range meta {
		if fname != asked[0] || !bytes.Equal(files[idx], want) {
			t.Errorf("%s: entry %s = %s %q", name, idx, fname, files[idx])
		}
	}
}
