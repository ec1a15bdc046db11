package schema18

import (
	"errors"
	"fmt"
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// The schema-18 config blobs are proto3 messages from Anki's .proto files. We decode and
// encode them by hand with protowire; unknown fields are dropped, as prost does.

// wfield is one decoded wire field.
type wfield struct {
	num protowire.Number
	typ protowire.Type
	v   uint64 // varint, fixed32 or fixed64 payload
	b   []byte // bytes payload
}

func parseWire(buf []byte) ([]wfield, error) {
	var out []wfield
	for len(buf) > 0 {
		num, typ, n := protowire.ConsumeTag(buf)
		if n < 0 {
			return nil, fmt.Errorf("protobuf tag: %w", protowire.ParseError(n))
		}
		buf = buf[n:]
		f := wfield{num: num, typ: typ}
		switch typ {
		case protowire.VarintType:
			f.v, n = protowire.ConsumeVarint(buf)
		case protowire.Fixed32Type:
			var v uint32
			v, n = protowire.ConsumeFixed32(buf)
			f.v = uint64(v)
		case protowire.Fixed64Type:
			f.v, n = protowire.ConsumeFixed64(buf)
		case protowire.BytesType:
			f.b, n = protowire.ConsumeBytes(buf)
		default:
			n = protowire.ConsumeFieldValue(num, typ, buf)
		}
		if n < 0 {
			return nil, fmt.Errorf("protobuf field %d: %w", num, protowire.ParseError(n))
		}
		buf = buf[n:]
		out = append(out, f)
	}
	return out, nil
}

var errWireType = errors.New("unexpected wire type")

func (f wfield) varint() (uint64, error) {
	if f.typ != protowire.VarintType {
		return 0, fmt.Errorf("field %d: %w", f.num, errWireType)
	}
	return f.v, nil
}

func (f wfield) boolean() (bool, error) {
	v, err := f.varint()
	return v != 0, err
}

func (f wfield) i64() (int64, error) {
	v, err := f.varint()
	return int64(v), err
}

// i32 decodes int32/enum fields; negative values are sign-extended 64-bit varints.
func (f wfield) i32() (int32, error) {
	v, err := f.varint()
	return int32(int64(v)), err
}

func (f wfield) u32() (uint32, error) {
	v, err := f.varint()
	return uint32(v), err
}

func (f wfield) f32() (float32, error) {
	if f.typ != protowire.Fixed32Type {
		return 0, fmt.Errorf("field %d: %w", f.num, errWireType)
	}
	return math.Float32frombits(uint32(f.v)), nil
}

func (f wfield) bytes() ([]byte, error) {
	if f.typ != protowire.BytesType {
		return nil, fmt.Errorf("field %d: %w", f.num, errWireType)
	}
	return f.b, nil
}

func (f wfield) str() (string, error) {
	b, err := f.bytes()
	return string(b), err
}

// appendF32s accepts both packed and unpacked encodings of repeated float.
func (f wfield) appendF32s(dst []float32) ([]float32, error) {
	switch f.typ {
	case protowire.Fixed32Type:
		return append(dst, math.Float32frombits(uint32(f.v))), nil
	case protowire.BytesType:
		b := f.b
		for len(b) > 0 {
			v, n := protowire.ConsumeFixed32(b)
			if n < 0 {
				return nil, fmt.Errorf("field %d: packed floats: %w", f.num, protowire.ParseError(n))
			}
			dst = append(dst, math.Float32frombits(v))
			b = b[n:]
		}
		return dst, nil
	}
	return nil, fmt.Errorf("field %d: %w", f.num, errWireType)
}

// appendU32s accepts both packed and unpacked encodings of repeated uint32.
func (f wfield) appendU32s(dst []uint32) ([]uint32, error) {
	switch f.typ {
	case protowire.VarintType:
		return append(dst, uint32(f.v)), nil
	case protowire.BytesType:
		b := f.b
		for len(b) > 0 {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return nil, fmt.Errorf("field %d: packed varints: %w", f.num, protowire.ParseError(n))
			}
			dst = append(dst, uint32(v))
			b = b[n:]
		}
		return dst, nil
	}
	return nil, fmt.Errorf("field %d: %w", f.num, errWireType)
}

// wenc builds a proto3 message. Scalars equal to their default are omitted, as prost does;
// the opt* methods write proto3 `optional` fields whenever they are set.
type wenc struct{ b []byte }

func (e *wenc) tag(n protowire.Number, t protowire.Type) {
	e.b = protowire.AppendTag(e.b, n, t)
}

func (e *wenc) uvarint(n protowire.Number, v uint64) {
	if v != 0 {
		e.tag(n, protowire.VarintType)
		e.b = protowire.AppendVarint(e.b, v)
	}
}

func (e *wenc) i64(n protowire.Number, v int64)  { e.uvarint(n, uint64(v)) }
func (e *wenc) i32(n protowire.Number, v int32)  { e.uvarint(n, uint64(int64(v))) }
func (e *wenc) u32(n protowire.Number, v uint32) { e.uvarint(n, uint64(v)) }

func (e *wenc) boolean(n protowire.Number, v bool) {
	if v {
		e.uvarint(n, 1)
	}
}

func (e *wenc) f32(n protowire.Number, v float32) {
	if v != 0 {
		e.tag(n, protowire.Fixed32Type)
		e.b = protowire.AppendFixed32(e.b, math.Float32bits(v))
	}
}

func (e *wenc) str(n protowire.Number, s string) {
	if s != "" {
		e.tag(n, protowire.BytesType)
		e.b = protowire.AppendString(e.b, s)
	}
}

func (e *wenc) bytes(n protowire.Number, b []byte) {
	if len(b) != 0 {
		e.tag(n, protowire.BytesType)
		e.b = protowire.AppendBytes(e.b, b)
	}
}

// msg always writes the field: a present sub-message is encoded even when empty.
func (e *wenc) msg(n protowire.Number, b []byte) {
	e.tag(n, protowire.BytesType)
	e.b = protowire.AppendBytes(e.b, b)
}

func (e *wenc) optI64(n protowire.Number, v *int64) {
	if v != nil {
		e.tag(n, protowire.VarintType)
		e.b = protowire.AppendVarint(e.b, uint64(*v))
	}
}

func (e *wenc) optU32(n protowire.Number, v *uint32) {
	if v != nil {
		e.tag(n, protowire.VarintType)
		e.b = protowire.AppendVarint(e.b, uint64(*v))
	}
}

func (e *wenc) optF32(n protowire.Number, v *float32) {
	if v != nil {
		e.tag(n, protowire.Fixed32Type)
		e.b = protowire.AppendFixed32(e.b, math.Float32bits(*v))
	}
}

func (e *wenc) packedF32s(n protowire.Number, vs []float32) {
	if len(vs) == 0 {
		return
	}
	var p []byte
	for _, v := range vs {
		p = protowire.AppendFixed32(p, math.Float32bits(v))
	}
	e.msg(n, p)
}

func (e *wenc) packedU32s(n protowire.Number, vs []uint32) {
	if len(vs) == 0 {
		return
	}
	var p []byte
	for _, v := range vs {
		p = protowire.AppendVarint(p, uint64(v))
	}
	e.msg(n, p)
}
