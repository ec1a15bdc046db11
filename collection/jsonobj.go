package collection

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
)

// Anki and add-ons keep keys in the col JSON that we do not model. Every JSON object we
// load keeps those keys in Other and writes them back unchanged, so a load+save round trip
// never drops data (the same thing rslib does with its `other` fields).

var knownKeysCache sync.Map // reflect.Type -> map[string]bool

func knownKeys(t reflect.Type) map[string]bool {
	if v, ok := knownKeysCache.Load(t); ok {
		return v.(map[string]bool)
	}
	keys := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name != "" && name != "-" {
			keys[name] = true
		}
	}
	knownKeysCache.Store(t, keys)
	return keys
}

// unmarshalWithOther decodes data into v (a pointer to a struct whose fields carry json tags)
// and returns the keys that v does not model. Integer fields also accept the numeric strings
// and floats older Anki versions and third-party tools wrote (e.g. "id": "1342697561419").
func unmarshalWithOther(data []byte, v any) (map[string]json.RawMessage, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	t := reflect.TypeOf(v).Elem()
	ints := intKeys(t)
	fixed := false
	for k, raw := range all {
		if ints[k] {
			if n, ok := looseInt(raw); ok {
				all[k] = n
				fixed = true
			}
		}
	}
	if fixed {
		b, err := json.Marshal(all)
		if err != nil {
			return nil, err
		}
		data = b
	}
	if err := json.Unmarshal(data, v); err != nil {
		return nil, err
	}
	known := knownKeys(t)
	for k := range all {
		if known[k] {
			delete(all, k)
		}
	}
	if len(all) == 0 {
		return nil, nil
	}
	return all, nil
}

var intKeysCache sync.Map

// intKeys lists the JSON keys of t whose fields are integers (or pointers to integers).
func intKeys(t reflect.Type) map[string]bool {
	if v, ok := intKeysCache.Load(t); ok {
		return v.(map[string]bool)
	}
	keys := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch ft.Kind() {
		case reflect.Int, reflect.Int64, reflect.Int32:
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name != "" && name != "-" {
				keys[name] = true
			}
		}
	}
	intKeysCache.Store(t, keys)
	return keys
}

// looseInt turns "123" and 123.0 into 123; it reports false when raw is already a plain
// integer or is not a number at all.
func looseInt(raw json.RawMessage) (json.RawMessage, bool) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return nil, false
	}
	if s[0] == '"' {
		var str string
		if json.Unmarshal(raw, &str) != nil {
			return nil, false
		}
		s = strings.TrimSpace(str)
	} else if !strings.ContainsAny(s, ".eE") {
		return nil, false
	}
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return json.RawMessage(strconv.FormatInt(i, 10)), true
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= -9.2e18 && f <= 9.2e18 {
		return json.RawMessage(strconv.FormatInt(int64(f), 10)), true
	}
	return nil, false
}

// marshalWithOther encodes v (a struct value) and merges the unmodelled keys back in.
func marshalWithOther(v any, other map[string]json.RawMessage) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(other) == 0 {
		return b, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, raw := range other {
		if _, ok := m[k]; !ok {
			m[k] = raw
		}
	}
	return json.Marshal(m)
}

// FlexBool decodes the JSON bools and 0/1 integers that different Anki versions wrote
// for the same key (e.g. a deck's "dyn"), and encodes as an integer like current Anki.
type FlexBool bool

func (b *FlexBool) UnmarshalJSON(data []byte) error {
	s := strings.TrimSpace(string(data))
	switch s {
	case "true", "1":
		*b = true
	case "false", "0", "null", "":
		*b = false
	default:
		var f float64
		if err := json.Unmarshal(data, &f); err != nil {
			return fmt.Errorf("expected bool or 0/1, got %s", s)
		}
		*b = f != 0
	}
	return nil
}

func (b FlexBool) MarshalJSON() ([]byte, error) {
	if b {
		return []byte("1"), nil
	}
	return []byte("0"), nil
}

// FlexInt decodes integers that some writers stored as floats or strings.
type FlexInt int64

func (n *FlexInt) UnmarshalJSON(data []byte) error {
	s := strings.Trim(strings.TrimSpace(string(data)), `"`)
	if s == "null" || s == "" {
		*n = 0
		return nil
	}
	var f json.Number = json.Number(s)
	if i, err := f.Int64(); err == nil {
		*n = FlexInt(i)
		return nil
	}
	fl, err := f.Float64()
	if err != nil {
		return fmt.Errorf("expected integer, got %s", s)
	}
	*n = FlexInt(int64(fl))
	return nil
}
