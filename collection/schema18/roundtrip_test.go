package schema18

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// Schema-11 fixtures: Upgrade then Downgrade must give back the same JSON, apart from
// what Anki itself normalises on the way. Each allowance names Anki's reason.
var (
	// Keys Anki writes even when the input lacked them (struct fields with defaults).
	addedKeys = map[string]map[string]bool{
		"model": set("latexsvg", "req", "latexPre", "latexPost"),
		"field": set("description", "plainText", "collapsed", "excludeFromSearch", "id", "tag",
			"preventDeletion"),
		"template": set("bqfmt", "bafmt", "bfont", "bsize", "did", "id"),
		// genanki-js omits deck "mod"; Anki defaults it to 0.
		"deck": set("mod", "browserCollapsed", "desc", "extendNew", "extendRev", "reviewLimit", "newLimit",
			"reviewLimitToday", "newLimitToday", "desiredRetention", "separate", "delays",
			"previewDelay", "previewAgainSecs", "previewHardSecs", "previewGoodSecs"),
		"dconf": set("dyn", "replayq", "newMix", "newPerDayMinimum", "interdayLearningMix", "reviewOrder",
			"newSortOrder", "newGatherPriority", "buryInterdayLearning", "fsrsWeights", "fsrsParams5",
			"fsrsParams6", "desiredRetention", "ignoreRevlogsBeforeDate", "easyDaysPercentages",
			"stopTimerOnAnswer", "secondsToShowQuestion", "secondsToShowAnswer", "questionAction",
			"answerAction", "waitForAudio", "sm2Retention", "weightSearch"),
		"dconf.new":   set("bury"),
		"dconf.rev":   set("bury", "hardFactor"),
		"dconf.lapse": set(),
	}
	// Keys whose value Anki rewrites.
	// Keys whose value Anki rewrites wholesale: none in these fixtures; the narrower
	// rewrites are in allowedRewrite.
	changedKeys = map[string]map[string]bool{}
	// Keys Anki drops: "return" (obsolete deck key), "md": false (skipped when false),
	// deck "conf" on filtered decks (reserved, never written for them).
	droppedKeys = map[string]map[string]bool{
		"deck": set("return", "md", "conf"),
	}
)

type diff struct{ kind, path, what string }

func compareObj(kind, path string, in, out map[string]any, diffs *[]diff) {
	for k, iv := range in {
		ov, ok := out[k]
		if !ok {
			if !droppedKeys[kind][k] {
				*diffs = append(*diffs, diff{kind, path + "." + k, "dropped"})
			}
			continue
		}
		switch k {
		case "flds", "tmpls":
			if kind == "model" {
				sub := map[string]string{"flds": "field", "tmpls": "template"}[k]
				ia, oa := iv.([]any), ov.([]any)
				if len(ia) != len(oa) {
					*diffs = append(*diffs, diff{kind, path + "." + k, "length changed"})
					continue
				}
				for i := range ia {
					compareObj(sub, fmt.Sprintf("%s.%s[%d]", path, k, i), ia[i].(map[string]any), oa[i].(map[string]any), diffs)
				}
				continue
			}
		case "new", "rev", "lapse":
			if kind == "dconf" {
				im, ok1 := iv.(map[string]any)
				om, ok2 := ov.(map[string]any)
				if ok1 && ok2 {
					compareObj("dconf."+k, path+"."+k, im, om, diffs)
					continue
				}
			}
		}
		if !jsonEqual(iv, ov) && !changedKeys[kind][k] && !allowedRewrite(kind, k, iv, ov) {
			*diffs = append(*diffs, diff{kind, path + "." + k, fmt.Sprintf("%v -> %v", iv, ov)})
		}
	}
	for k := range out {
		if _, ok := in[k]; !ok && !addedKeys[kind][k] {
			*diffs = append(*diffs, diff{kind, path + "." + k, "added"})
		}
	}
}

// allowedRewrite accepts two value changes Anki makes: ids stored as numeric strings
// by old clients become numbers (deserialize_number_from_string), and a notetype whose
// name clashes case-insensitively with an earlier one gets "_" appended.
func allowedRewrite(kind, key string, in, out any) bool {
	if s, ok := in.(string); ok && (key == "id" || key == "mod" || key == "conf") {
		if n, ok := out.(interface{ String() string }); ok && n.String() == s {
			return true
		}
	}
	// new.ints is [good, easy, unused]; Anki writes the unused slot as 0.
	if kind == "dconf.new" && key == "ints" {
		ia, ok1 := in.([]any)
		oa, ok2 := out.([]any)
		return ok1 && ok2 && len(ia) == 3 && len(oa) == 3 && jsonEqual(ia[:2], oa[:2]) &&
			jsonEqual(oa[2], json.Number("0"))
	}
	if kind == "model" && key == "name" {
		is, ok1 := in.(string)
		os, ok2 := out.(string)
		return ok1 && ok2 && len(os) > len(is) && strings.HasPrefix(os, is) &&
			strings.Trim(os[len(is):], "_") == ""
	}
	return false
}

// jsonEqual compares parsed JSON, treating 1 and 1.0 as the same number.
func jsonEqual(a, b any) bool {
	if na, ok := a.(interface{ Float64() (float64, error) }); ok {
		if nb, ok := b.(interface{ Float64() (float64, error) }); ok {
			fa, _ := na.Float64()
			fb, _ := nb.Float64()
			return fa == fb || float32(fa) == float32(fb)
		}
	}
	aa, ok1 := a.([]any)
	ba, ok2 := b.([]any)
	if ok1 && ok2 {
		if len(aa) != len(ba) {
			return false
		}
		for i := range aa {
			if !jsonEqual(aa[i], ba[i]) {
				return false
			}
		}
		return true
	}
	am, ok1 := a.(map[string]any)
	bm, ok2 := b.(map[string]any)
	if ok1 && ok2 {
		if len(am) != len(bm) {
			return false
		}
		for k := range am {
			if !jsonEqual(am[k], bm[k]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

func legacyFixtures() []struct{ pkg, member string } {
	return []struct{ pkg, member string }{
		{"anki_media.apkg", "collection.anki2"},
		{"anki_update1.apkg", "collection.anki2"},
		{"anki_diffmodeltemplates-1.apkg", "collection.anki2"},
		{"ankidroid_templates.apkg", "collection.anki2"},
		{"ankidroid_update3.apkg", "collection.anki2"},
		{"genanki-js_two_decks_cloze_media.apkg", "collection.anki2"},
		{"anki-apkg-export_nested_media.apkg", "collection.anki2"},
		{"mujing_basic_word.apkg", "collection.anki21"},
		{"srsconv_mixed-legacy-2.apkg", "collection.anki21"},
		{"srsconv_empty-legacy-2.colpkg", "collection.anki21"},
		{"taaltuig_spanish-small.apkg", "collection.anki21"},
	}
}

func TestUpgradeDowngradeRoundTrip(t *testing.T) {
	ctx := context.Background()
	for _, fx := range legacyFixtures() {
		t.Run(fx.pkg, func(t *testing.T) {
			db := openDB(t, extractMember(t, fx.pkg, fx.member, false))
			before := colJSON(t, db)
			n0 := notes(t, db)
			if err := Upgrade(ctx, db); err != nil {
				t.Fatal(err)
			}
			if v, _ := Version(ctx, db); v != 18 {
				t.Fatalf("after upgrade: version %d", v)
			}
			if err := Downgrade(ctx, db); err != nil {
				t.Fatal(err)
			}
			if v, _ := Version(ctx, db); v != 11 {
				t.Fatalf("after downgrade: version %d", v)
			}
			after := colJSON(t, db)
			var diffs []diff
			for _, col := range []string{"models", "decks", "dconf"} {
				kind := map[string]string{"models": "model", "decks": "deck", "dconf": "dconf"}[col]
				bm, am := before[col].(map[string]any), after[col].(map[string]any)
				if len(bm) != len(am) {
					t.Fatalf("col.%s: %d objects before, %d after", col, len(bm), len(am))
				}
				for id, v := range bm {
					ov, ok := am[id]
					if !ok {
						t.Fatalf("col.%s: %s missing after round trip", col, id)
					}
					compareObj(kind, col+"["+id+"]", v.(map[string]any), ov.(map[string]any), &diffs)
				}
			}
			for _, col := range []string{"conf", "tags"} {
				if !jsonEqual(before[col], after[col]) {
					t.Errorf("col.%s changed:\n%v\n%v", col, before[col], after[col])
				}
			}
			sort.Slice(diffs, func(i, j int) bool { return diffs[i].path < diffs[j].path })
			var msgs []string
			for _, d := range diffs {
				msgs = append(msgs, d.path+": "+d.what)
			}
			if len(msgs) > 0 {
				t.Errorf("%d unexpected differences:\n%s", len(msgs), strings.Join(msgs, "\n"))
			}
			if !reflect.DeepEqual(n0, notes(t, db)) {
				t.Error("notes changed")
			}
		})
	}
}
