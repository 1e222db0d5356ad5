package render

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"

	"github.com/fxamacker/cbor/v2"
)

// cborMode checks well-formedness and decodes scalars; containers and tags
// are walked here so that maps keep their order.
var cborMode = func() cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels:  maxBinaryDepth,
		MaxArrayElements: math.MaxInt32,
		MaxMapPairs:      math.MaxInt32,
		IntDec:           cbor.IntDecConvertNone,
		BigIntDec:        cbor.BigIntDecodePointer,
		UTF8:             cbor.UTF8DecodeInvalid, // shown escaped rather than refused
	}.DecMode()
	if err != nil {
		panic("decode: CBOR options: " + err.Error())
	}
	return dm
}()

const (
	cborUnsigned = 0
	cborNegative = 1
	cborText     = 3
	cborArray    = 4
	cborMap      = 5
	cborTag      = 6
	cborBreak    = 0xff
	cborUndef    = 0xf7
)

type cborRenderer struct {
	data   []byte
	pos    int
	w      treeWriter
	strict bool // Guess's plausibility checks: text or integer keys, UTF-8 text
}

func renderCBOR(payload []byte, limit int) ([]Line, error) {
	c := &cborRenderer{data: payload}
	c.w.at = func() int { return c.pos }
	c.w.out.limitTo(limit, len(payload))
	if err := c.document(); err != nil {
		return nil, fmt.Errorf("invalid CBOR: %w", err)
	}
	return c.w.out.finish(), nil
}

// plausibleCBOR reports whether payload is one whole, well-formed CBOR map
// or array (possibly tagged) of ordinary values. A tag must wrap a map or an
// array too: a tagged number is what two random bytes often decode to.
func plausibleCBOR(payload []byte) bool {
	if len(payload) < 2 {
		return false
	}
	c := &cborRenderer{data: payload, strict: true}
	c.w.at = func() int { return c.pos }
	for c.pos < len(payload) && payload[c.pos]>>5 == cborTag {
		if _, _, _, err := c.head(); err != nil {
			return false
		}
	}
	if c.pos >= len(payload) {
		return false
	}
	if major := payload[c.pos] >> 5; major != cborArray && major != cborMap {
		return false
	}
	c.pos = 0
	return c.document() == nil
}

func (c *cborRenderer) document() error {
	if err := cborMode.Wellformed(c.data); err != nil {
		return err
	}
	return c.item(0, false)
}

// head reads an item's initial byte and argument. indefinite is true for
// the streaming forms of strings, arrays and maps.
func (c *cborRenderer) head() (major byte, arg uint64, indefinite bool, err error) {
	if c.pos >= len(c.data) {
		return 0, 0, false, errors.New("unexpected end of data")
	}
	b := c.data[c.pos]
	c.pos++
	major, info := b>>5, b&0x1f
	switch {
	case info < 24:
		return major, uint64(info), false, nil
	case info == 31:
		return major, 0, true, nil
	case info > 27:
		return 0, 0, false, fmt.Errorf("reserved additional information %d", info)
	}
	size := 1 << (info - 24)
	if c.pos+size > len(c.data) {
		return 0, 0, false, errors.New("unexpected end of data")
	}
	for _, x := range c.data[c.pos : c.pos+size] {
		arg = arg<<8 | uint64(x)
	}
	c.pos += size
	return major, arg, false, nil
}

func (c *cborRenderer) item(depth int, isKey bool) error {
	if c.pos >= len(c.data) {
		return errors.New("unexpected end of data")
	}
	major := c.data[c.pos] >> 5
	if isKey && c.strict && major != cborText && major != cborUnsigned && major != cborNegative {
		return errors.New("map key is neither text nor an integer")
	}
	switch major {
	case cborArray, cborMap:
		return c.container(depth)
	case cborTag:
		if depth >= maxBinaryDepth {
			return errTooDeep
		}
		_, tag, _, err := c.head()
		if err != nil {
			return err
		}
		c.w.out.add(SpanPunct, strconv.FormatUint(tag, 10)+"(")
		if err := c.item(depth+1, false); err != nil {
			return err
		}
		c.w.out.add(SpanPunct, ")")
		return nil
	}
	if c.data[c.pos] == cborUndef {
		c.pos++
		c.w.out.add(SpanNull, "undefined")
		return nil
	}
	var v any
	rest, err := cborMode.UnmarshalFirst(c.data[c.pos:], &v)
	if err != nil {
		return err
	}
	c.pos = len(c.data) - len(rest)
	return c.scalar(v, isKey)
}

func (c *cborRenderer) scalar(v any, isKey bool) error {
	out := &c.w.out
	switch v := v.(type) {
	case nil:
		out.add(SpanNull, "null")
	case bool:
		out.add(SpanBool, strconv.FormatBool(v))
	case uint64:
		out.add(SpanNumber, strconv.FormatUint(v, 10))
	case int64:
		out.add(SpanNumber, strconv.FormatInt(v, 10))
	case *big.Int:
		out.add(SpanNumber, v.String())
	case float64:
		out.add(SpanNumber, formatCBORFloat(v))
	case string:
		if c.strict && !utf8.ValidString(v) {
			return errors.New("text is not UTF-8")
		}
		kind := SpanString
		if isKey {
			kind = SpanKey
		}
		c.w.out.quoted(kind, v)
	case []byte:
		out.add(SpanString, hexBytesLiteral(v))
	case cbor.SimpleValue:
		out.add(SpanNull, fmt.Sprintf("simple(%d)", v))
	default:
		return fmt.Errorf("unexpected value %T", v)
	}
	return nil
}

func formatCBORFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func (c *cborRenderer) container(depth int) error {
	major, n, indefinite, err := c.head()
	if err != nil {
		return err
	}
	isMap := major == cborMap
	openP, closeP := "[", "]"
	if isMap {
		openP, closeP = "{", "}"
	}
	more := func(i uint64) bool {
		if indefinite {
			return c.pos < len(c.data) && c.data[c.pos] != cborBreak
		}
		return i < n
	}
	if !more(0) {
		if indefinite {
			c.pos++ // the break
		}
		c.w.out.add(SpanPunct, openP+closeP)
		return nil
	}
	if depth >= maxBinaryDepth {
		return errTooDeep
	}
	c.w.open(openP)
	for i := uint64(0); more(i); i++ {
		if c.pos >= len(c.data) {
			return errors.New("unexpected end of data")
		}
		c.w.element(int(i))
		if isMap {
			if err := c.item(depth+1, true); err != nil {
				return err
			}
			c.w.out.add(SpanPunct, ": ")
		}
		if err := c.item(depth+1, false); err != nil {
			return err
		}
	}
	if indefinite {
		if c.pos >= len(c.data) {
			return errors.New("missing break")
		}
		c.pos++
	}
	c.w.close(closeP)
	return nil
}
