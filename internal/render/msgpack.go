package render

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vmihailenco/msgpack/v5"
	"github.com/vmihailenco/msgpack/v5/msgpcode"
)

// maxBinaryDepth bounds nesting in the binary decoders, so a hostile
// payload cannot recurse without end.
const maxBinaryDepth = 64

var errTooDeep = errors.New("nesting too deep")

// msgpackRenderer walks MessagePack item by item, so maps keep their order
// and any key type shows as written.
type msgpackRenderer struct {
	src *bytes.Reader
	dec *msgpack.Decoder
	w   treeWriter
	// strict turns on the plausibility checks Guess needs: string
	// keys or integer keys only, valid UTF-8, no extension types.
	strict bool
}

func renderMsgPack(payload []byte, limit int) ([]Line, error) {
	m := newMsgpackRenderer(payload, false)
	m.w.out.limitTo(limit, len(payload))
	if err := m.document(); err != nil {
		return nil, fmt.Errorf("invalid MessagePack: %w", err)
	}
	return m.w.out.finish(), nil
}

// plausibleMsgPack reports whether payload is one whole MessagePack map or
// array of ordinary values: short or odd binary often decodes by accident.
func plausibleMsgPack(payload []byte) bool {
	if len(payload) < 2 {
		return false
	}
	c := payload[0]
	if !msgpcode.IsFixedMap(c) && !msgpcode.IsFixedArray(c) &&
		c != msgpcode.Map16 && c != msgpcode.Map32 && c != msgpcode.Array16 && c != msgpcode.Array32 {
		return false
	}
	return newMsgpackRenderer(payload, true).document() == nil
}

func newMsgpackRenderer(payload []byte, strict bool) *msgpackRenderer {
	src := bytes.NewReader(payload)
	m := &msgpackRenderer{src: src, dec: msgpack.NewDecoder(src), strict: strict}
	m.w.at = func() int { return len(payload) - src.Len() }
	return m
}

func (m *msgpackRenderer) document() error {
	if err := m.value(0, false); err != nil {
		return err
	}
	if m.src.Len() > 0 {
		return fmt.Errorf("%d bytes after the value", m.src.Len())
	}
	return nil
}

func (m *msgpackRenderer) value(depth int, isKey bool) error {
	c, err := m.dec.PeekCode()
	if err != nil {
		return err
	}
	if isKey && m.strict && !msgpcode.IsString(c) && !isMsgpackInt(c) {
		return errors.New("map key is neither a string nor an integer")
	}
	kind := SpanString
	if isKey {
		kind = SpanKey
	}
	switch {
	case msgpcode.IsFixedMap(c) || c == msgpcode.Map16 || c == msgpcode.Map32:
		n, err := m.dec.DecodeMapLen()
		if err != nil {
			return err
		}
		return m.container(depth, n, true)
	case msgpcode.IsFixedArray(c) || c == msgpcode.Array16 || c == msgpcode.Array32:
		n, err := m.dec.DecodeArrayLen()
		if err != nil {
			return err
		}
		return m.container(depth, n, false)
	case c == msgpcode.Nil:
		m.w.out.add(SpanNull, "null")
		return m.dec.DecodeNil()
	case c == msgpcode.True || c == msgpcode.False:
		v, err := m.dec.DecodeBool()
		m.w.out.add(SpanBool, strconv.FormatBool(v))
		return err
	case c == msgpcode.Uint8 || c == msgpcode.Uint16 || c == msgpcode.Uint32 || c == msgpcode.Uint64:
		v, err := m.dec.DecodeUint64()
		m.w.out.add(SpanNumber, strconv.FormatUint(v, 10))
		return err
	case isMsgpackInt(c):
		v, err := m.dec.DecodeInt64()
		m.w.out.add(SpanNumber, strconv.FormatInt(v, 10))
		return err
	case c == msgpcode.Float:
		v, err := m.dec.DecodeFloat32()
		m.w.out.add(SpanNumber, strconv.FormatFloat(float64(v), 'g', -1, 32))
		return err
	case c == msgpcode.Double:
		v, err := m.dec.DecodeFloat64()
		m.w.out.add(SpanNumber, strconv.FormatFloat(v, 'g', -1, 64))
		return err
	case msgpcode.IsString(c):
		b, err := m.readBytes()
		if err != nil {
			return err
		}
		if m.strict && !utf8.Valid(b) {
			return errors.New("string is not UTF-8")
		}
		m.w.out.quoted(kind, string(b))
		return nil
	case msgpcode.IsBin(c):
		b, err := m.readBytes()
		m.w.out.add(SpanString, hexBytesLiteral(b))
		return err
	case msgpcode.IsExt(c) || msgpcode.IsFixedExt(c):
		if m.strict {
			return errors.New("extension type")
		}
		return m.ext()
	}
	return fmt.Errorf("reserved type code 0x%02x", c)
}

func isMsgpackInt(c byte) bool {
	return msgpcode.IsFixedNum(c) || c == msgpcode.Int8 || c == msgpcode.Int16 ||
		c == msgpcode.Int32 || c == msgpcode.Int64 ||
		c == msgpcode.Uint8 || c == msgpcode.Uint16 || c == msgpcode.Uint32 || c == msgpcode.Uint64
}

// readBytes reads a string or binary value. The declared length is checked
// against what is left first: the decoder would allocate it up front.
func (m *msgpackRenderer) readBytes() ([]byte, error) {
	n, err := m.dec.DecodeBytesLen()
	if err != nil {
		return nil, err
	}
	if n > m.src.Len() {
		return nil, errors.New("length beyond the end of the payload")
	}
	b := make([]byte, max(n, 0))
	return b, m.dec.ReadFull(b)
}

func (m *msgpackRenderer) container(depth, n int, isMap bool) error {
	if n > m.src.Len() {
		return errors.New("more elements than bytes left")
	}
	openP, closeP := "[", "]"
	if isMap {
		openP, closeP = "{", "}"
	}
	if n <= 0 {
		m.w.out.add(SpanPunct, openP+closeP)
		return nil
	}
	if depth >= maxBinaryDepth {
		return errTooDeep
	}
	m.w.open(openP)
	for i := range n {
		m.w.element(i)
		if isMap {
			if err := m.value(depth+1, true); err != nil {
				return err
			}
			m.w.out.add(SpanPunct, ": ")
		}
		if err := m.value(depth+1, false); err != nil {
			return err
		}
	}
	m.w.close(closeP)
	return nil
}

// ext renders an extension value: the timestamp type as a time, anything
// else as its type number and bytes.
func (m *msgpackRenderer) ext() error {
	id, n, err := m.dec.DecodeExtHeader()
	if err != nil {
		return err
	}
	if n < 0 || n > m.src.Len() {
		return errors.New("extension longer than the payload")
	}
	data := make([]byte, n)
	if err := m.dec.ReadFull(data); err != nil {
		return err
	}
	if t, ok := msgpackTimestamp(id, data); ok {
		m.w.out.add(SpanString, "timestamp("+t.Format(time.RFC3339Nano)+")")
		return nil
	}
	m.w.out.add(SpanString, fmt.Sprintf("ext(%d, %s)", id, hexBytesLiteral(data)))
	return nil
}

// msgpackTimestamp decodes extension type -1 in its 32, 64 and 96 bit forms.
func msgpackTimestamp(id int8, b []byte) (time.Time, bool) {
	if id != -1 {
		return time.Time{}, false
	}
	be := func(b []byte) uint64 {
		var v uint64
		for _, c := range b {
			v = v<<8 | uint64(c)
		}
		return v
	}
	switch len(b) {
	case 4:
		return time.Unix(int64(be(b)), 0).UTC(), true
	case 8:
		v := be(b)
		return time.Unix(int64(v&(1<<34-1)), int64(v>>34)).UTC(), true
	case 12:
		return time.Unix(int64(be(b[4:])), int64(be(b[:4]))).UTC(), true
	}
	return time.Time{}, false
}
