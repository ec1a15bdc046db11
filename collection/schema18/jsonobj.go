package schema18

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// object is a parsed JSON object that remembers key order, so that unknown keys are
// written back where a reader of the original file would expect them.
type object struct {
	keys []string
	vals map[string]json.RawMessage
}

func parseObject(raw []byte) (*object, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("not a JSON object")
	}
	o := &object{vals: map[string]json.RawMessage{}}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		k, ok := tok.(string)
		if !ok {
			return nil, errors.New("object key is not a string")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		// A repeated key keeps its first position and last value, like serde_json's Value.
		if _, seen := o.vals[k]; !seen {
			o.keys = append(o.keys, k)
		}
		o.vals[k] = v
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, errors.New("trailing data after JSON object")
	}
	return o, nil
}

func (o *object) has(k string) bool {
	_, ok := o.vals[k]
	return ok
}

func (o *object) del(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	for i, kk := range o.keys {
		if kk == k {
			o.keys = append(o.keys[:i], o.keys[i+1:]...)
			break
		}
	}
}

// rest returns the keys not in known, in their original order: the `other` of Anki's
// schema-11 structs.
func (o *object) rest(known map[string]bool) *object {
	r := &object{vals: map[string]json.RawMessage{}}
	for _, k := range o.keys {
		if !known[k] {
			r.keys = append(r.keys, k)
			r.vals[k] = o.vals[k]
		}
	}
	return r
}

func (o *object) empty() bool { return o == nil || len(o.keys) == 0 }

// bytes serialises the object compactly (nil when empty, as Anki stores no `other`).
func (o *object) bytes() []byte {
	if o.empty() {
		return nil
	}
	var w owriter
	w.begin()
	w.merge(o)
	w.end()
	return w.buf.Bytes()
}

// otherFrom parses a stored `other` blob and drops keys the struct itself writes
// (Anki's parse_other_fields); an unreadable blob counts as empty, as in Anki.
func otherFrom(b []byte, reserved map[string]bool) *object {
	if len(b) == 0 {
		return nil
	}
	o, err := parseObject(b)
	if err != nil {
		return nil
	}
	return o.rest(reserved)
}

func set(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// --- lenient scalar readers. Anki's serde attributes decide per field whether a bad
// value is an error or a default; we always fall back to the default, which only
// differs from Anki for input Anki would refuse outright.

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// asInt accepts integers, integral floats and numeric strings
// (deserialize_number_from_string).
func asInt(raw json.RawMessage) (int64, bool) {
	if isNull(raw) {
		return 0, false
	}
	s := string(raw)
	if s[0] == '"' {
		var str string
		if json.Unmarshal(raw, &str) != nil {
			return 0, false
		}
		s = strings.TrimSpace(str)
	}
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) &&
		f == math.Trunc(f) && math.Abs(f) < 1<<63 {
		return int64(f), true
	}
	return 0, false
}

func asFloat(raw json.RawMessage) (float64, bool) {
	if isNull(raw) || raw[0] == '"' {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	return f, err == nil
}

// asBool accepts booleans, numbers and "true"/"false"/"1"/"0" strings
// (deserialize_bool_from_anything).
func asBool(raw json.RawMessage) (bool, bool) {
	switch s := string(raw); s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	if f, ok := asFloat(raw); ok {
		return f != 0, true
	}
	var str string
	if json.Unmarshal(raw, &str) == nil {
		switch strings.ToLower(strings.TrimSpace(str)) {
		case "true", "1":
			return true, true
		case "false", "0", "":
			return false, true
		}
	}
	return false, false
}

func asString(raw json.RawMessage) (string, bool) {
	var s string
	if isNull(raw) || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func (o *object) int(k string, def int64) int64 {
	if v, ok := asInt(o.vals[k]); ok {
		return v
	}
	return def
}

// u32 reads a value that must fit uint32; anything else gives def.
func (o *object) u32(k string, def uint32) uint32 {
	if v, ok := asInt(o.vals[k]); ok && v >= 0 && v <= math.MaxUint32 {
		return uint32(v)
	}
	return def
}

func (o *object) i32(k string, def int32) int32 {
	if v, ok := asInt(o.vals[k]); ok && v >= math.MinInt32 && v <= math.MaxInt32 {
		return int32(v)
	}
	return def
}

func (o *object) optInt(k string) *int64 {
	if v, ok := asInt(o.vals[k]); ok {
		return &v
	}
	return nil
}

func (o *object) optU32(k string) *uint32 {
	if v, ok := asInt(o.vals[k]); ok && v >= 0 && v <= math.MaxUint32 {
		u := uint32(v)
		return &u
	}
	return nil
}

func (o *object) f32(k string, def float32) float32 {
	if v, ok := asFloat(o.vals[k]); ok {
		return float32(v)
	}
	return def
}

func (o *object) boolean(k string, def bool) bool {
	if v, ok := asBool(o.vals[k]); ok {
		return v
	}
	return def
}

func (o *object) str(k string, def string) string {
	if v, ok := asString(o.vals[k]); ok {
		return v
	}
	return def
}

// f32s reads a list of numbers; any bad element makes the whole list invalid.
func (o *object) f32s(k string) ([]float32, bool) {
	var raws []json.RawMessage
	if json.Unmarshal(o.vals[k], &raws) != nil || raws == nil {
		return nil, false
	}
	out := make([]float32, 0, len(raws))
	for _, r := range raws {
		f, ok := asFloat(r)
		if !ok {
			return nil, false
		}
		out = append(out, float32(f))
	}
	return out, true
}

func (o *object) sub(k string) (*object, bool) {
	raw, ok := o.vals[k]
	if !ok || isNull(raw) {
		return nil, false
	}
	s, err := parseObject(raw)
	return s, err == nil
}

// owriter writes a JSON object with keys in a fixed order, formatting values the way
// serde_json does (no HTML escaping, f32 as the shortest round-trip decimal with ".0").
type owriter struct {
	buf  bytes.Buffer
	seen map[string]bool
}

func (w *owriter) begin() { w.buf.WriteByte('{') }
func (w *owriter) end()   { w.buf.WriteByte('}') }

func (w *owriter) key(k string) {
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	if len(w.seen) > 0 {
		w.buf.WriteByte(',')
	}
	w.seen[k] = true
	writeJSONString(&w.buf, k)
	w.buf.WriteByte(':')
}

func (w *owriter) raw(k string, v []byte) {
	w.key(k)
	w.buf.Write(v)
}

func (w *owriter) str(k, v string) {
	w.key(k)
	writeJSONString(&w.buf, v)
}

func (w *owriter) int(k string, v int64) {
	w.key(k)
	w.buf.WriteString(strconv.FormatInt(v, 10))
}

func (w *owriter) boolean(k string, v bool) {
	w.key(k)
	w.buf.WriteString(strconv.FormatBool(v))
}

func (w *owriter) f32(k string, v float32) {
	w.key(k)
	w.buf.WriteString(formatF32(v))
}

func (w *owriter) null(k string) {
	w.key(k)
	w.buf.WriteString("null")
}

func (w *owriter) optInt(k string, v *int64) {
	if v == nil {
		w.null(k)
		return
	}
	w.int(k, *v)
}

func (w *owriter) f32s(k string, vs []float32) {
	w.key(k)
	w.buf.Write(f32List(vs))
}

// merge appends another object's keys (the flattened `other`) after the known ones,
// skipping any key already written.
func (w *owriter) merge(o *object) {
	if o == nil {
		return
	}
	for _, k := range o.keys {
		if !w.seen[k] {
			w.raw(k, compact(o.vals[k]))
		}
	}
}

func compact(raw []byte) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

func f32List(vs []float32) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, v := range vs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(formatF32(v))
	}
	b.WriteByte(']')
	return b.Bytes()
}

// formatF32 mirrors serde_json's f32 output: shortest decimal that round-trips,
// always with a fraction or exponent, and null for NaN/infinity.
func formatF32(v float32) string {
	f := float64(v)
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "null"
	}
	a := math.Abs(f)
	if a != 0 && (a >= 1e16 || a < 1e-5) {
		return strconv.FormatFloat(f, 'e', -1, 32)
	}
	s := strconv.FormatFloat(f, 'f', -1, 32)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // cannot fail for a string
	b.Truncate(b.Len() - 1)
}
