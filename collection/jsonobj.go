package collection

import (
	"encoding/json"
	"fmt"
	"reflect"
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
// and returns the keys that v does not model.
func unmarshalWithOther(data []byte, v any) (map[string]json.RawMessage, error) {
	if err := json.Unmarshal(data, v); err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	known := knownKeys(reflect.TypeOf(v).Elem())
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
