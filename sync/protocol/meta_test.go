package protocol

import (
	"encoding/json"
	"testing"
)

// TestMetaDecoding: ankisyncd refuses with only cont and msg (seen from ankisyncd 2.2.0 when
// asked with sync version 10); that is a refusal to show, not a broken answer. An answer that
// goes on must carry the collection's numbers.
func TestMetaDecoding(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		ok         bool
		cont       bool
		msg        string
		musn       int
	}{
		{"ankisyncd refusal", `{"cont": false, "msg": "Your client is using unsupported sync protocol (10, supported version: 9)"}`,
			true, false, "Your client is using unsupported sync protocol (10, supported version: 9)", 0},
		{"ankisyncd answer", `{"scm": 1795263925276, "ts": 1795263933, "mod": 1795263925277, "usn": 0, "musn": 4, "msg": "", "cont": true}`,
			true, true, "", 4},
		{"modern answer", `{"mod":5,"scm":4,"usn":2,"ts":3,"msg":"","cont":true,"hostNum":0,"empty":false,"media_usn":7}`,
			true, true, "", 7},
		{"going on without numbers", `{"cont": true, "msg": ""}`, false, false, "", 0},
		{"no cont and no numbers", `{"msg": "x"}`, false, false, "", 0},
		{"not an object", `"OK"`, false, false, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var m Meta
			err := json.Unmarshal([]byte(tc.body), &m)
			if (err == nil) != tc.ok {
				t.Fatalf("error %v, want ok=%v", err, tc.ok)
			}
			if err != nil {
				return
			}
			if m.Continue != tc.cont || m.Message != tc.msg || m.MediaUSN != tc.musn {
				t.Errorf("got cont=%v msg=%q media usn %d", m.Continue, m.Message, m.MediaUSN)
			}
		})
	}
}
