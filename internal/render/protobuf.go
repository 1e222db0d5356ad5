package render

import (
	"fmt"
	"math"
	"strconv"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

// Field numbers 19000–19999 are reserved by protobuf; numbers above a few
// thousand are rare outside extensions, and random bytes produce them often.
const (
	maxPlausibleField  = 20000
	reservedFieldFirst = 19000
	reservedFieldLast  = 19999
)

// renderProtobuf shows a message without its schema, field by field like
// `protoc --decode_raw`: numbers, quoted text, and nested messages where the
// bytes parse as one.
func renderProtobuf(payload []byte, limit int) ([]Line, error) {
	var out lineBuilder
	out.limitTo(limit, len(payload))
	if err := protoMessage(&out, payload, 0, 0); err != nil {
		return nil, fmt.Errorf("invalid protobuf: %w", err)
	}
	return out.finish(), nil
}

// plausibleProtobuf reports whether payload parses completely as a message
// with ordinary wire types and field numbers, and holds text or a nested
// message: a run of numbers alone is what many binary framings (MQTT
// among them) parse as.
func plausibleProtobuf(payload []byte) bool {
	return len(payload) >= 2 && looksLikeMessage(payload) && hasTextOrMessage(payload)
}

// hasTextOrMessage reports whether a well-formed message has a
// length-delimited field holding printable text or a nested message.
func hasTextOrMessage(b []byte) bool {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return false
		}
		b = b[n:]
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return false
		}
		if typ == protowire.BytesType {
			v, _ := protowire.ConsumeBytes(b)
			if len(v) > 0 && (isPrintableText(v) || looksLikeMessage(v)) {
				return true
			}
		}
		b = b[m:]
	}
	return false
}

func looksLikeMessage(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 || num > maxPlausibleField || (num >= reservedFieldFirst && num <= reservedFieldLast) {
			return false
		}
		switch typ {
		case protowire.VarintType, protowire.Fixed32Type, protowire.Fixed64Type, protowire.BytesType:
		default:
			return false
		}
		b = b[n:]
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return false
		}
		b = b[m:]
	}
	return true
}

// protoMessage renders the fields of b, which starts offset bytes into the
// payload.
func protoMessage(out *lineBuilder, b []byte, depth, offset int) error {
	end := offset + len(b)
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		out.indent(depth)
		out.add(SpanKey, strconv.FormatInt(int64(num), 10))
		switch typ {
		case protowire.VarintType:
			v, m := protowire.ConsumeVarint(b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			b = b[m:]
			out.add(SpanPunct, ": ")
			out.add(SpanNumber, strconv.FormatUint(v, 10))
		case protowire.Fixed32Type:
			v, m := protowire.ConsumeFixed32(b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			b = b[m:]
			out.add(SpanPunct, ": ")
			out.add(SpanNumber, fmt.Sprintf("0x%08x", v))
			floatNote(out, "float", float64(math.Float32frombits(v)), 32)
		case protowire.Fixed64Type:
			v, m := protowire.ConsumeFixed64(b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			b = b[m:]
			out.add(SpanPunct, ": ")
			out.add(SpanNumber, fmt.Sprintf("0x%016x", v))
			floatNote(out, "double", math.Float64frombits(v), 64)
		case protowire.BytesType:
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			b = b[m:]
			if err := protoBytes(out, v, depth, end-len(b)-len(v)); err != nil {
				return err
			}
			continue // protoBytes ends its own lines
		case protowire.StartGroupType:
			start := end - len(b)
			v, m := protowire.ConsumeGroup(num, b)
			if m < 0 {
				return protowire.ParseError(m)
			}
			b = b[m:]
			if err := protoNested(out, v, depth, start); err != nil {
				return err
			}
			continue
		default:
			return fmt.Errorf("unexpected wire type %d for field %d", typ, num)
		}
		out.pos = end - len(b)
		out.newline()
	}
	return nil
}

// protoBytes shows a length-delimited field as text when it reads as text,
// as a nested message when it parses as one, and as escaped bytes otherwise.
// v starts offset bytes into the payload.
func protoBytes(out *lineBuilder, v []byte, depth, offset int) error {
	if !isPrintableText(v) && depth+1 < maxBinaryDepth && looksLikeMessage(v) {
		return protoNested(out, v, depth, offset)
	}
	out.add(SpanPunct, ": ")
	out.quoted(SpanString, string(v))
	out.pos = offset + len(v)
	out.newline()
	return nil
}

// protoNested renders a nested message or group v, which starts offset
// bytes into the payload.
func protoNested(out *lineBuilder, v []byte, depth, offset int) error {
	if depth+1 >= maxBinaryDepth {
		return errTooDeep
	}
	out.add(SpanPunct, " {")
	out.pos = offset
	out.newline()
	if err := protoMessage(out, v, depth+1, offset); err != nil {
		return err
	}
	out.indent(depth)
	out.add(SpanPunct, "}")
	out.pos = offset + len(v)
	out.newline()
	return nil
}

// isPrintableText reports whether b is UTF-8 made of printable characters
// and ordinary whitespace.
func isPrintableText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if !unicode.IsPrint(r) && r != '\n' && r != '\t' && r != '\r' {
			return false
		}
	}
	return true
}

// floatNote adds the fixed-width value read as a float when that reading
// looks like a real number, since schemas often put doubles there.
func floatNote(out *lineBuilder, name string, f float64, bits int) {
	a := math.Abs(f)
	if math.IsNaN(f) || math.IsInf(f, 0) || (a != 0 && (a < 1e-6 || a > 1e12)) {
		return
	}
	out.add(SpanDim, "  ("+name+" "+strconv.FormatFloat(f, 'g', -1, bits)+")")
}
