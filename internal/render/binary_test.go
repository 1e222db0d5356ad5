package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fxamacker/cbor/v2"
	"github.com/vmihailenco/msgpack/v5"
	"google.golang.org/protobuf/encoding/protowire"
)

func TestRenderMsgPack(t *testing.T) {
	payload, err := msgpack.Marshal(sample)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := Payload(payload, FormatMsgPack)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, lines,
		`{`,
		`  "name": "ws\u202e",`,
		`  "count": -3,`,
		`  "tags": [`,
		`    "a",`,
		`    "q\"b"`,
		`  ],`,
		`  "ratio": 1.5,`,
		`  "blob": h'dead',`,
		`  "gone": null,`,
		`  "empty": []`,
		`}`,
	)
	checkSpansSafe(t, lines)
	if Guess(false, payload) != FormatMsgPack {
		t.Fatalf("Guess = %s, want msgpack", Guess(false, payload))
	}
}

func TestRenderMsgPackIntegerKeysAndTimestamp(t *testing.T) {
	// {1: timestamp(1700000000), 2: uint64 max}
	payload := []byte{0x82, 0x01, 0xd6, 0xff, 0x65, 0x53, 0xf1, 0x00, 0x02, 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	lines, err := Payload(payload, FormatMsgPack)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, lines, `{`, `  1: timestamp(2023-11-14T22:13:20Z),`, `  2: 18446744073709551615`, `}`)
}

func TestRenderCBOR(t *testing.T) {
	payload, err := cbor.Marshal(sample)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := Payload(payload, FormatCBOR)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, lines,
		`{`,
		`  "name": "ws\u202e",`,
		`  "count": -3,`,
		`  "tags": [`,
		`    "a",`,
		`    "q\"b"`,
		`  ],`,
		`  "ratio": 1.5,`,
		`  "blob": h'dead',`,
		`  "gone": null,`,
		`  "empty": []`,
		`}`,
	)
	checkSpansSafe(t, lines)
	if Guess(false, payload) != FormatCBOR {
		t.Fatalf("Guess = %s, want cbor", Guess(false, payload))
	}
}

func TestRenderCBORTagsAndStreamingForms(t *testing.T) {
	// [1(1363896240), undefined, (_ h'01', h'02'), [_ 1, -2], simple(16), -18446744073709551616]
	payload := []byte{0x86,
		0xc1, 0x1a, 0x51, 0x4b, 0x67, 0xb0,
		0xf7,
		0x5f, 0x41, 0x01, 0x41, 0x02, 0xff,
		0x9f, 0x01, 0x21, 0xff,
		0xf0,
		0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	}
	lines, err := Payload(payload, FormatCBOR)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, lines,
		`[`,
		`  1(1363896240),`,
		`  undefined,`,
		`  h'0102',`,
		`  [`,
		`    1,`,
		`    -2`,
		`  ],`,
		`  simple(16),`,
		`  -18446744073709551616`,
		`]`,
	)
}

func protoSample() []byte {
	var nested []byte
	nested = protowire.AppendTag(nested, 1, protowire.VarintType)
	nested = protowire.AppendVarint(nested, 1)
	var b []byte
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 150)
	b = protowire.AppendTag(b, 2, protowire.BytesType)
	b = protowire.AppendString(b, "testing")
	b = protowire.AppendTag(b, 3, protowire.BytesType)
	b = protowire.AppendBytes(b, nested)
	b = protowire.AppendTag(b, 4, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, 0x400921fb54442d18)
	b = protowire.AppendTag(b, 5, protowire.Fixed32Type)
	b = protowire.AppendFixed32(b, 0x3fc00000)
	b = protowire.AppendTag(b, 6, protowire.BytesType)
	b = protowire.AppendBytes(b, []byte{0xff, 0x00, 0x1b})
	return b
}

func TestRenderProtobuf(t *testing.T) {
	payload := protoSample()
	lines, err := Payload(payload, FormatProtobuf)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, lines,
		`1: 150`,
		`2: "testing"`,
		`3 {`,
		`  1: 1`,
		`}`,
		`4: 0x400921fb54442d18  (double 3.141592653589793)`,
		`5: 0x3fc00000  (float 1.5)`,
		`6: "\xff\x00\x1b"`,
	)
	checkSpansSafe(t, lines)
	if Guess(false, payload) != FormatProtobuf {
		t.Fatalf("Guess = %s, want protobuf", Guess(false, payload))
	}
	if _, err := Payload(payload[:len(payload)-1], FormatProtobuf); err == nil {
		t.Fatal("a truncated message rendered without error")
	}
}

func TestRenderProtobufGroups(t *testing.T) {
	var b []byte
	b = protowire.AppendTag(b, 7, protowire.StartGroupType)
	b = protowire.AppendTag(b, 1, protowire.VarintType)
	b = protowire.AppendVarint(b, 9)
	b = protowire.AppendTag(b, 7, protowire.EndGroupType)
	lines, err := Payload(b, FormatProtobuf)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, lines, `7 {`, `  1: 9`, `}`)
}

func mustMsgpack(t *testing.T, v any) []byte {
	t.Helper()
	b, err := msgpack.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustCBOR(t *testing.T, v any) []byte {
	t.Helper()
	b, err := cbor.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRenderBinaryDepthIsBounded(t *testing.T) {
	deepMsgpack := append(bytes.Repeat([]byte{0x91}, 100000), 0x01)
	if _, err := Payload(deepMsgpack, FormatMsgPack); err == nil {
		t.Error("100000 nested msgpack arrays rendered without error")
	}
	deepCBOR := append(bytes.Repeat([]byte{0x81}, 100000), 0x01)
	if _, err := Payload(deepCBOR, FormatCBOR); err == nil {
		t.Error("100000 nested CBOR arrays rendered without error")
	}
	var msg []byte
	for range 200 {
		var outer []byte
		outer = protowire.AppendTag(outer, 1, protowire.BytesType)
		msg = protowire.AppendBytes(outer, append([]byte{0x08, 0x01}, msg...))
	}
	if _, err := Payload(msg, FormatProtobuf); err != nil {
		t.Errorf("deep protobuf should fall back to bytes, got %v", err)
	}
}

func TestRenderHugeDeclaredLengthsFailFast(t *testing.T) {
	for name, payload := range map[string][]byte{
		"msgpack str32":   {0xdb, 0xff, 0xff, 0xff, 0xff, 'a'},
		"msgpack map32":   {0xdf, 0xff, 0xff, 0xff, 0xff, 0x01},
		"msgpack ext32":   {0xc9, 0xff, 0xff, 0xff, 0xff, 0x01},
		"cbor array":      {0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"cbor bytes":      {0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"protobuf length": {0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f},
	} {
		f := FormatMsgPack
		switch {
		case strings.HasPrefix(name, "cbor"):
			f = FormatCBOR
		case strings.HasPrefix(name, "protobuf"):
			f = FormatProtobuf
		}
		if _, err := Payload(payload, f); err == nil {
			t.Errorf("%s: rendered without error", name)
		}
	}
}
