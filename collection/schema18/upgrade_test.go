package schema18

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/deckhand-app/deckhand/collection/store"
)

const handModels = `{
 "100": {"id": "100", "name": "Basic", "type": 0, "mod": 5, "usn": 3, "sortf": 0, "did": 1,
  "tmpls": [{"name": "Card 1", "ord": 0, "qfmt": "{{Front}}", "afmt": "{{Back}}", "did": null,
   "bqfmt": "", "bafmt": "", "bfont": "", "bsize": 0, "extraT": 1}],
  "flds": [{"name": "Front", "ord": 0, "sticky": false, "rtl": false, "font": "Arial", "size": 20, "media": [], "extraF": "x"},
   {"name": "front", "ord": 1, "sticky": 1, "rtl": false, "font": "Arial", "size": 20, "media": []}],
  "css": ".card {}", "latexPre": "pre", "latexPost": "post", "latexsvg": false,
  "req": [[0, "any", [0]]], "vers": [], "tags": ["a"]},
 "200": {"id": 200, "name": "basic", "type": 1, "mod": 6, "usn": 0, "sortf": 1, "did": null,
  "tmpls": [{"name": "Cloze", "ord": 0, "qfmt": "{{cloze:Text}}", "afmt": "{{cloze:Text}}", "did": 2}],
  "flds": [{"name": "Text", "ord": 0, "sticky": false, "rtl": false, "font": "Arial", "size": 20},
   {"name": "Extra", "ord": 1, "sticky": false, "rtl": false, "font": "Arial", "size": 20}],
  "css": "", "originalStockKind": 2, "originalId": 42}
}`

const handDecks = `{
 "1": {"id": 1, "name": "Default", "mod": 1, "usn": 0, "dyn": 0, "conf": 1, "collapsed": false,
  "lrnToday": [5, 1], "revToday": [5, 2], "newToday": [6, 3], "timeToday": [6, 4000],
  "desc": "", "extendNew": 10, "extendRev": 50, "custom": "keep", "reviewLimit": 9,
  "newLimitToday": {"limit": 4, "today": 6}, "desiredRetention": 85},
 "2": {"id": 2, "name": " Parent :: Child ", "mod": 2, "usn": 0, "dyn": false, "conf": "5",
  "collapsed": true, "lrnToday": [0, 0], "revToday": [0, 0], "newToday": [0, 0], "timeToday": [0, 0],
  "desc": "d", "md": true, "return": true},
 "3": {"id": 3, "name": "Filtered", "mod": 3, "usn": 0, "dyn": true, "collapsed": false,
  "lrnToday": [0, 0], "revToday": [0, 0], "newToday": [0, 0], "timeToday": [0, 0],
  "resched": true, "terms": [["deck:x", 20, 1]], "delays": [1.5], "previewDelay": 10, "separate": false}
}`

const handDconf = `{
 "1": {"id": 1, "name": "Default", "mod": 0, "usn": 0, "maxTaken": 60, "autoplay": true, "timer": 0,
  "replayq": true, "dyn": false, "custom": 7,
  "new": {"bury": true, "delays": [1, 10], "initialFactor": 2500, "ints": [1, 4], "order": 1, "perDay": 20, "separate": true},
  "rev": {"bury": false, "ease4": 1.3, "ivlFct": 1, "maxIvl": 36500, "perDay": 200, "fuzz": 0.05},
  "lapse": {"delays": [10], "leechAction": 0, "leechFails": 8, "minInt": 1, "mult": 0, "extraL": 1}},
 "5": {"id": 99, "name": "Low", "mod": 0, "usn": 0, "maxTaken": 60, "autoplay": false, "timer": 1,
  "new": {"delays": [1], "initialFactor": 1300, "ints": [2, 5, 0], "order": 0, "perDay": 5},
  "rev": {"ease4": 1.5, "ivlFct": 1, "maxIvl": 100, "perDay": 50},
  "lapse": {"delays": [], "leechAction": 1, "leechFails": 5, "minInt": 2, "mult": 0.5}}
}`

const handConf = `{"curModel": "100", "nested": {"a": [1, 2.5]}, "activeDecks": [1]}`
const handTags = `{"Tag1": 0, "tag1": 5, "b": -1}`

func handCollection(t *testing.T) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(t.TempDir(), "c.anki2"), store.Options{Create: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := store.CreateSchema11(ctx, db); err != nil {
		t.Fatal(err)
	}
	mustExec(t, db, "UPDATE col SET models=?, decks=?, dconf=?, conf=?, tags=?", handModels, handDecks, handDconf, handConf, handTags)
	// Cards: deck 2 uses config 5, whose 130 % ease Anki treats as the schema-15 bug.
	for _, c := range [][4]int64{{10, 2, 1300, 0}, {11, 1, 1300, 0}, {12, 2, 0, 0}, {13, 1, 1900, 2}} {
		mustExec(t, db, `INSERT INTO cards VALUES (?, 1, ?, 0, 0, 7, 2, 2, 0, 1, ?, 0, 0, 0, 0, ?, 0, '')`, c[0], c[1], c[2], c[3])
	}
	mustExec(t, db, "INSERT INTO graves (usn, oid, type) VALUES (4, 77, 1), (4, 77, 1)")
	return db
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func TestUpgradeDetails(t *testing.T) {
	ctx := context.Background()
	db := handCollection(t)
	if err := Upgrade(ctx, db); err != nil {
		t.Fatal(err)
	}
	if v, _ := Version(ctx, db); v != 18 {
		t.Fatalf("version %d", v)
	}
	var cols string
	db.QueryRow("SELECT conf||models||decks||dconf||tags FROM col").Scan(&cols)
	if cols != "" {
		t.Fatalf("col JSON not cleared: %q", cols)
	}

	// Notetypes: case-insensitive name clash renamed with "_", field clash with "+".
	nts, err := readNotetypes(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(nts) != 2 || nts[0].Name != "Basic" || nts[1].Name != "basic_" {
		t.Fatalf("notetypes %q %q", nts[0].Name, nts[1].Name)
	}
	if nts[0].Fields[1].Name != "front+" || !nts[0].Fields[1].Config.Sticky {
		t.Fatalf("field 1 = %+v", nts[0].Fields[1])
	}
	if o := string(nts[0].Config.Other); o != `{"vers":[],"tags":["a"]}` {
		t.Fatalf("notetype other = %s", o)
	}
	if o := string(nts[0].Fields[0].Config.Other); o != `{"media":[],"extraF":"x"}` {
		t.Fatalf("field other = %s", o)
	}
	if o := string(nts[0].Templates[0].Config.Other); o != `{"extraT":1}` {
		t.Fatalf("template other = %s", o)
	}
	c1 := nts[1].Config
	if c1.Kind != 1 || c1.SortFieldIdx != 1 || c1.OriginalStockKind != 2 || c1.OriginalID == nil || *c1.OriginalID != 42 ||
		nts[1].Templates[0].Config.TargetDeckID != 2 {
		t.Fatalf("cloze notetype config %+v", c1)
	}
	if r := nts[0].Config.Reqs; len(r) != 1 || r[0].Kind != 1 || !reflect.DeepEqual(r[0].FieldOrds, []uint32{0}) {
		t.Fatalf("reqs %+v", r)
	}

	decks, err := readDecks(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	d1, d2, d3 := decks[0], decks[1], decks[2]
	// Days folded: lrn/rev counters were from day 5 < 6 and are reset; time is kept.
	if c := d1.Common; c.LastDayStudied != 6 || c.NewStudied != 3 || c.ReviewStudied != 0 ||
		c.LearningStudied != 0 || c.MillisecondsStudied != 4000 || string(c.Other) != `{"custom":"keep"}` {
		t.Fatalf("deck 1 common %+v other %s", c, c.Other)
	}
	n1 := d1.Kind.Normal
	if n1 == nil || n1.ExtendNew != 10 || *n1.ReviewLimit != 9 || n1.NewLimitToday.Today != 6 ||
		n1.DesiredRetention == nil || *n1.DesiredRetention != 0.85 {
		t.Fatalf("deck 1 normal %+v", n1)
	}
	if d2.Name != "Parent\x1fChild" || d2.Usn != clientUsn || d2.Mtime < 1_600_000_000 ||
		d2.Kind.Normal.ConfigID != 5 || !d2.Kind.Normal.MarkdownDescription || len(d2.Common.Other) != 0 {
		t.Fatalf("deck 2 %+v other %s", d2, d2.Common.Other)
	}
	if f := d3.Kind.Filtered; f == nil || !f.Reschedule || f.PreviewDelay != 10 ||
		!reflect.DeepEqual(f.SearchTerms, []searchTerm{{"deck:x", 20, 1}}) || !reflect.DeepEqual(f.Delays, []float32{1.5}) {
		t.Fatalf("deck 3 %+v", d3.Kind)
	}

	confs, err := readDeckConfigs(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	// Map key wins over the inner id (99); 1.3 ease is reset to 2.5.
	if len(confs) != 2 || confs[1].ID != 5 || confs[1].Config.InitialEase != 2.5 ||
		confs[0].Config.InitialEase != 2.5 || confs[1].Config.NewCardInsertOrder != 1 || !confs[1].Config.DisableAutoplay ||
		!confs[1].Config.ShowTimer || confs[1].Config.GraduatingIntervalGood != 2 {
		t.Fatalf("deck configs %+v", confs)
	}
	var other map[string]any
	if err := json.Unmarshal(confs[0].Config.Other, &other); err != nil {
		t.Fatal(err)
	}
	if len(other) != 4 || other["custom"] == nil || other["new"].(map[string]any)["separate"] != true ||
		other["rev"].(map[string]any)["fuzz"] == nil || other["lapse"].(map[string]any)["extraL"] == nil {
		t.Fatalf("deck config other %s", confs[0].Config.Other)
	}
	// Only cards in decks using the reset config, with 0 < factor <= 2000, are repaired.
	factors := map[int64][2]int64{}
	rows, _ := db.Query("SELECT id, factor, usn FROM cards")
	for rows.Next() {
		var id, f, u int64
		rows.Scan(&id, &f, &u)
		factors[id] = [2]int64{f, u}
	}
	rows.Close()
	want := map[int64][2]int64{10: {2500, -1}, 11: {1300, 7}, 12: {0, 7}, 13: {2500, -1}}
	if !reflect.DeepEqual(factors, want) {
		t.Fatalf("card factors %v, want %v", factors, want)
	}

	var tags []string
	rows, _ = db.Query("SELECT tag || ':' || usn || ':' || collapsed FROM tags ORDER BY tag")
	for rows.Next() {
		var s string
		rows.Scan(&s)
		tags = append(tags, s)
	}
	rows.Close()
	if !reflect.DeepEqual(tags, []string{"b:-1:1", "Tag1:0:1"}) {
		t.Fatalf("tags %v", tags)
	}
	var val string
	db.QueryRow("SELECT CAST(val AS TEXT) FROM config WHERE KEY='nested'").Scan(&val)
	if val != `{"a":[1,2.5]}` {
		t.Fatalf("config nested = %s", val)
	}
	if cols := columnNames(t, db, "graves"); !reflect.DeepEqual(cols, []string{"oid", "type", "usn"}) {
		t.Fatalf("graves columns %v", cols)
	}
	var graves int
	db.QueryRow("SELECT count(*) FROM graves").Scan(&graves)
	if graves != 1 {
		t.Fatalf("%d graves, want the duplicate collapsed to 1", graves)
	}

	// And back: everything unknown reappears where it was.
	if err := Downgrade(ctx, db); err != nil {
		t.Fatal(err)
	}
	col := colJSON(t, db)
	m := col["models"].(map[string]any)["100"].(map[string]any)
	f0 := m["flds"].([]any)[0].(map[string]any)
	t0 := m["tmpls"].([]any)[0].(map[string]any)
	if m["vers"] == nil || m["tags"] == nil || f0["media"] == nil || f0["extraF"] != "x" || t0["extraT"] == nil {
		t.Fatalf("unknown notetype keys lost: %v", m)
	}
	decks11 := col["decks"].(map[string]any)
	if d := decks11["2"].(map[string]any); d["name"] != "Parent::Child" || d["md"] != true || d["conf"] != json.Number("5") {
		t.Fatalf("deck 2 = %v", d)
	}
	if d := decks11["1"].(map[string]any); d["custom"] != "keep" || d["desiredRetention"] != json.Number("85") {
		t.Fatalf("deck 1 = %v", d)
	}
	if d := decks11["3"].(map[string]any); d["dyn"] != json.Number("1") || d["separate"] != true || d["resched"] != true {
		t.Fatalf("deck 3 = %v", d)
	}
	dc := col["dconf"].(map[string]any)["1"].(map[string]any)
	if dc["custom"] == nil || dc["new"].(map[string]any)["separate"] != true ||
		dc["rev"].(map[string]any)["fuzz"] == nil || dc["lapse"].(map[string]any)["extraL"] == nil {
		t.Fatalf("dconf 1 = %v", dc)
	}
	if n := dc["new"].(map[string]any); !jsonEqual(n["ints"], []any{json.Number("1"), json.Number("4"), json.Number("0")}) {
		t.Fatalf("ints %v", n["ints"])
	}
	var conf any
	jsonUnmarshalNumber([]byte(handConf), &conf)
	if !jsonEqual(conf, col["conf"]) {
		t.Fatalf("conf %v", col["conf"])
	}
	if !jsonEqual(col["tags"], map[string]any{"Tag1": json.Number("0"), "b": json.Number("-1")}) {
		t.Fatalf("tags %v", col["tags"])
	}
}

// Files at an intermediate schema (14–17) are upgraded first, as Anki does on open.
func TestDowngradeFromIntermediateVersions(t *testing.T) {
	ctx := context.Background()
	for _, target := range []int{14, 15, 16, 17} {
		db := handCollection(t)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := upgradeSteps(ctx, tx, 11, target); err != nil {
			t.Fatalf("to %d: %v", target, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if v, _ := Version(ctx, db); v != target {
			t.Fatalf("version %d, want %d", v, target)
		}
		if err := Downgrade(ctx, db); err != nil {
			t.Fatalf("from %d: %v", target, err)
		}
		col := colJSON(t, db)
		dc := col["dconf"].(map[string]any)["1"].(map[string]any)
		if f := dc["new"].(map[string]any)["initialFactor"]; f != json.Number("2500") {
			t.Fatalf("from %d: initialFactor %v", target, f)
		}
		if n := len(col["models"].(map[string]any)); n != 2 {
			t.Fatalf("from %d: %d models", target, n)
		}
	}
}

func TestVersionChecks(t *testing.T) {
	ctx := context.Background()
	db := handCollection(t)
	// A schema-11 file is left alone by Downgrade.
	before := colJSON(t, db)
	if err := Downgrade(ctx, db); err != nil {
		t.Fatal(err)
	}
	if !jsonEqual(before["models"], colJSON(t, db)["models"]) {
		t.Fatal("Downgrade changed a schema-11 file")
	}
	for _, v := range []int{10, 12, 13, 19} {
		mustExec(t, db, "UPDATE col SET ver = ?", v)
		if err := Upgrade(ctx, db); err == nil || !strings.Contains(err.Error(), "unsupported") {
			t.Errorf("Upgrade at ver %d: %v", v, err)
		}
		if err := Downgrade(ctx, db); err == nil {
			t.Errorf("Downgrade at ver %d accepted", v)
		}
	}
	// Broken JSON fails the whole upgrade and leaves the file untouched (one transaction).
	mustExec(t, db, "UPDATE col SET ver = 11, models = '{broken'")
	if err := Upgrade(ctx, db); err == nil || !strings.Contains(err.Error(), "models") {
		t.Fatalf("broken models: %v", err)
	}
	if v, _ := Version(ctx, db); v != 11 {
		t.Fatalf("failed upgrade left version %d", v)
	}
	var n int
	db.QueryRow("SELECT count(*) FROM sqlite_master WHERE name='deck_config'").Scan(&n)
	if n != 0 {
		t.Fatal("failed upgrade left tables behind")
	}
}
