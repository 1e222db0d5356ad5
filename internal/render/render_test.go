package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
)

func lineTexts(lines []Line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.String()
	}
	return out
}

func checkLines(t *testing.T, got []Line, want ...string) {
	t.Helper()
	texts := lineTexts(got)
	if strings.Join(texts, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rendered:\n%s\nwant:\n%s", strings.Join(texts, "\n"), strings.Join(want, "\n"))
	}
}

// checkSafe fails the test if s could change what a terminal shows beyond
// its own glyphs: control bytes, DEL, C1 codes, bidi and other invisible
// format characters, line separators, invalid UTF-8.
func checkSafe(t testing.TB, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s: invalid UTF-8 in %q", what, s)
	}
	for _, r := range s {
		switch {
		case r < 0x20, r == 0x7f:
			t.Fatalf("%s: control character %U in %q", what, r, s)
		case r >= 0x80 && r <= 0x9f:
			t.Fatalf("%s: C1 control %U in %q", what, r, s)
		case r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Cf, r):
			t.Fatalf("%s: invisible format character %U in %q", what, r, s)
		}
	}
}

// checkSpansSafe fails if any span could carry an unsafe character.
func checkSpansSafe(t testing.TB, lines []Line) {
	t.Helper()
	for i, l := range lines {
		for _, s := range l {
			checkSafe(t, "line "+strconv.Itoa(i), s.Text)
		}
	}
}

// kindOf returns the kind of the first span whose text is text.
func kindOf(lines []Line, text string) (SpanKind, bool) {
	for _, l := range lines {
		for _, s := range l {
			if s.Text == text {
				return s.Kind, true
			}
		}
	}
	return 0, false
}

func TestRenderJSONPrettyPrintsInInputOrder(t *testing.T) {
	in := `{"zeta":1,"alpha":[true,null,"x",{"n":-0.5e+10}],"empty":{},"none":[],"big":12345678901234567890123}`
	lines, err := Payload([]byte(in), FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, lines,
		`{`,
		`  "zeta": 1,`,
		`  "alpha": [`,
		`    true,`,
		`    null,`,
		`    "x",`,
		`    {`,
		`      "n": -0.5e+10`,
		`    }`,
		`  ],`,
		`  "empty": {},`,
		`  "none": [],`,
		`  "big": 12345678901234567890123`,
		`}`,
	)
	for text, want := range map[string]SpanKind{
		`"zeta"`: SpanKey, `1`: SpanNumber, `true`: SpanBool, `null`: SpanNull,
		`"x"`: SpanString, `-0.5e+10`: SpanNumber, `{}`: SpanPunct, `: `: SpanPunct,
		`12345678901234567890123`: SpanNumber,
	} {
		if got, ok := kindOf(lines, text); !ok || got != want {
			t.Errorf("span %s: kind %v (found %v), want %v", text, got, ok, want)
		}
	}
}

func TestRenderJSONScalarsAndWhitespace(t *testing.T) {
	for in, want := range map[string]string{
		` 42 `:            `42`,
		"\t\"s\"\r\n":     `"s"`,
		`false`:           `false`,
		`[ ]`:             `[]`,
		`"a\"b\\c\u00e9"`: `"a\"b\\c\u00e9"`,
	} {
		lines, err := Payload([]byte(in), FormatJSON)
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		checkLines(t, lines, want)
	}
}

func TestRenderJSONRejectsInvalidInput(t *testing.T) {
	for _, in := range []string{
		``, ` `, `{`, `}`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `[1 2]`, `01`, `-`, `1.`, `1e`, `.5`,
		`+1`, `tru`, `nul`, `"abc`, `"\x"`, `"\u12"`, "\"a\x01b\"", `{"a":1}}`, `[1]x`, `NaN`, `'a'`,
	} {
		if _, err := Payload([]byte(in), FormatJSON); err == nil {
			t.Errorf("Payload(%q) succeeded, want an error", in)
		}
		if json.Valid([]byte(in)) {
			t.Errorf("test input %q is valid JSON", in)
		}
	}
}

func TestRenderJSONNestingLimitMatchesEncodingJSON(t *testing.T) {
	ok := strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth)
	tooDeep := "[" + ok + "]"
	if _, err := Payload([]byte(ok), FormatJSON); err != nil || !json.Valid([]byte(ok)) {
		t.Fatalf("depth %d: render error %v, json.Valid %v", maxJSONDepth, err, json.Valid([]byte(ok)))
	}
	if _, err := Payload([]byte(tooDeep), FormatJSON); err == nil || json.Valid([]byte(tooDeep)) {
		t.Fatalf("depth %d: render error %v, json.Valid %v", maxJSONDepth+1, err, json.Valid([]byte(tooDeep)))
	}
}

func TestRenderJSONEscapesUnsafeCharactersInStrings(t *testing.T) {
	in := "{\"n\u202eame\":\"bad\u202e\x7f\u0085 text\xff\",\"ok\":\"\\u001b\"}"
	lines, err := Payload([]byte(in), FormatJSON)
	if err != nil {
		t.Fatal(err)
	}
	checkSpansSafe(t, lines)
	checkLines(t, lines,
		`{`,
		`  "n\u202eame": "bad\u202e\x7f\u0085 text\xff",`,
		`  "ok": "\u001b"`,
		`}`,
	)
	if k, _ := kindOf(lines, `\u202e`); k != SpanEscape {
		t.Fatalf(`raw U+202E rendered as kind %v, want SpanEscape`, k)
	}
	if k, _ := kindOf(lines, `"\u001b"`); k != SpanString {
		t.Fatalf(`a JSON \u escape must stay as written, got kind %v`, k)
	}
}

func TestRenderText(t *testing.T) {
	lines, err := Payload([]byte("first\r\nsecond\twith tab\n\x1b[2Jthird\n"), FormatText)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, lines, `first\r`, `second\twith tab`, `\x1b[2Jthird`)
	checkSpansSafe(t, lines)
	if k, _ := kindOf(lines, `\x1b`); k != SpanEscape {
		t.Fatalf("ESC rendered as %v", k)
	}
	if lines, _ := Payload(nil, FormatText); len(lines) != 0 {
		t.Fatalf("empty payload gave %d lines", len(lines))
	}
}

func TestRenderHex(t *testing.T) {
	payload := append([]byte("Hello, WebSocket"), 0x00, 0x1b, 0x7f, 0xff, 'A')
	lines, err := Payload(payload, FormatHex)
	if err != nil {
		t.Fatal(err)
	}
	checkLines(t, lines,
		`00000000  48 65 6c 6c 6f 2c 20 57  65 62 53 6f 63 6b 65 74  |Hello, WebSocket|`,
		`00000010  00 1b 7f ff 41                                    |....A|`,
	)
	if k, _ := kindOf(lines, "00000010"); k != SpanOffset {
		t.Fatalf("offset kind %v", k)
	}
	if k, _ := kindOf(lines, "...."); k != SpanDim {
		t.Fatalf("non-printable dots kind %v", k)
	}
	if lines, _ := Payload(nil, FormatHex); len(lines) != 0 {
		t.Fatalf("empty payload gave %d lines", len(lines))
	}
}

type orderedSample struct {
	Name  string   `msgpack:"name" cbor:"name"`
	Count int      `msgpack:"count" cbor:"count"`
	Tags  []string `msgpack:"tags" cbor:"tags"`
	Ratio float64  `msgpack:"ratio" cbor:"ratio"`
	Blob  []byte   `msgpack:"blob" cbor:"blob"`
	Gone  *int     `msgpack:"gone" cbor:"gone"`
	Empty []int    `msgpack:"empty" cbor:"empty"`
}

var sample = orderedSample{Name: "ws\u202e", Count: -3, Tags: []string{"a", `q"b`}, Ratio: 1.5, Blob: []byte{0xde, 0xad}, Empty: []int{}}

func TestGuessFormat(t *testing.T) {
	tests := []struct {
		name    string
		text    bool
		payload []byte
		want    Format
	}{
		{"JSON text", true, []byte(` {"a": [1, 2]} `), FormatJSON},
		{"JSON scalar text", true, []byte(`"hi"`), FormatJSON},
		{"plain text", true, []byte("hello there"), FormatText},
		{"broken JSON text", true, []byte(`{"a":`), FormatText},
		{"JSON sent as binary", false, []byte(`{"a":1}`), FormatJSON},
		{"single byte", false, []byte{0x05}, FormatHex},
		{"empty binary", false, nil, FormatHex},
		{"random bytes", false, []byte{0xc1, 0x00, 0xff, 0xfe, 0x13, 0x37}, FormatHex},
		{"text bytes as binary", false, []byte("hello there"), FormatHex},
		{"msgpack with trailing garbage", false, append(mustMsgpack(t, map[string]int{"a": 1}), 0xc1), FormatHex},
		{"cbor with trailing garbage", false, append(mustCBOR(t, map[string]int{"a": 1}), 0xff), FormatHex},
		{"msgpack map", false, mustMsgpack(t, map[string]any{"op": "sub", "ch": []int{1, 2}}), FormatMsgPack},
		{"cbor map", false, mustCBOR(t, map[string]any{"op": "sub", "ch": []int{1, 2}}), FormatCBOR},
		{"protobuf", false, protoSample(), FormatProtobuf},

		// Short or number-only binary is no evidence of a format: MQTT's
		// packets decode as CBOR tags or protobuf varints by accident.
		{"MQTT CONNACK", false, []byte{0x20, 0x02, 0x00, 0x00}, FormatHex},
		{"MQTT PINGRESP", false, []byte{0xd0, 0x00}, FormatHex},
		{"MQTT PINGREQ", false, []byte{0xc0, 0x00}, FormatHex},
		{"MQTT DISCONNECT", false, []byte{0xe0, 0x00}, FormatHex},
		{"MQTT PUBACK", false, []byte{0x40, 0x02, 0x00, 0x01}, FormatHex},
		{"MQTT SUBACK", false, []byte{0x90, 0x03, 0x00, 0x01, 0x00}, FormatHex},
		{"MQTT 5 SUBACK", false, []byte{0x90, 0x04, 0x00, 0x01, 0x00, 0x00}, FormatHex},
		{"MQTT UNSUBACK", false, []byte{0xb0, 0x02, 0x00, 0x01}, FormatHex},
		{"MQTT CONNECT", false, []byte{0x10, 0x10, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3c, 0x00, 0x04, 't', 'e', 's', 't'}, FormatHex},
		{"MQTT PUBLISH QoS 1", false, []byte{0x32, 0x0e, 0x00, 0x05, 't', 'o', 'p', 'i', 'c', 0x00, 0x01, 'h', 'e', 'l', 'l', 'o'}, FormatHex},
		{"short tagged CBOR number", false, []byte{0xc1, 0x1a, 0x51, 0x4b, 0x67, 0xb0}, FormatHex},
		{"long tagged CBOR number", false, []byte{0xc1, 0xfb, 0x41, 0xd4, 0x52, 0xd9, 0xec, 0x00, 0x00, 0x00}, FormatHex},
		{"short msgpack array", false, []byte{0x93, 0x01, 0x02, 0x03}, FormatHex},
		{"short protobuf", false, []byte{0x08, 0x96, 0x01}, FormatHex},
		{"protobuf numbers only", false, []byte{0x08, 0x96, 0x01, 0x10, 0x01, 0x18, 0x02, 0x20, 0x03}, FormatHex},
		{"self-described CBOR map", false, append([]byte{0xd9, 0xd9, 0xf7}, mustCBOR(t, map[string]int{"id": 7})...), FormatCBOR},
		{"protobuf with a string", false, []byte{0x08, 0x01, 0x12, 0x05, 'h', 'e', 'l', 'l', 'o'}, FormatProtobuf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Guess(tt.text, tt.payload)
			if got != tt.want {
				t.Fatalf("Guess = %s, want %s", got, tt.want)
			}
			if _, err := Payload(tt.payload, got); err != nil {
				t.Fatalf("the guessed format does not render: %v", err)
			}
		})
	}
}

func TestRenderRejectsWrongFormats(t *testing.T) {
	for _, f := range []Format{FormatJSON, FormatMsgPack, FormatCBOR, FormatProtobuf, Format("yaml")} {
		if _, err := Payload([]byte{0xc1, 0xff, 0x00}, f); err == nil {
			t.Errorf("%s: rendering garbage succeeded", f)
		}
	}
}

// A display limit shortens what is shown, never what is checked: valid
// payloads over the limit render without error and say how much is left,
// and broken ones fail even when the fault lies past the limit.
func TestRenderLimited(t *testing.T) {
	var numbers []int
	for i := range 400 {
		numbers = append(numbers, 1000+i)
	}
	bigJSON, _ := json.Marshal(map[string]any{"items": numbers})
	var pages strings.Builder
	for i := 0; pages.Len() < 300<<10; i++ {
		fmt.Fprintf(&pages, `{"id":%d,"text":"row %d"},`, i, i)
	}
	huge := []byte(`{"rows":[` + strings.TrimSuffix(pages.String(), ",") + `]}`)
	var proto []byte
	for i := range 200 {
		proto = protowire.AppendTag(proto, 1, protowire.BytesType)
		proto = protowire.AppendString(proto, fmt.Sprintf("entry %03d", i))
	}
	tests := []struct {
		name    string
		payload []byte
		format  Format
		limit   int
		first   string // the first line shown
		shows   int    // at most this many lines before the note
	}{
		{"JSON over 256 KiB", huge, FormatJSON, 256 << 10, "{", 40000},
		{"JSON", bigJSON, FormatJSON, 100, "{", 30},
		{"MessagePack", mustMsgpack(t, numbers), FormatMsgPack, 100, "[", 60},
		{"CBOR", mustCBOR(t, numbers), FormatCBOR, 100, "[", 60},
		{"protobuf", proto, FormatProtobuf, 100, `1: "entry 000"`, 10},
		{"text", []byte(strings.Repeat("a line of text\n", 100)), FormatText, 100, "a line of text", 7},
		{"hex", bytes.Repeat([]byte{0xc1}, 1000), FormatHex, 100, "00000000  c1 c1 c1 c1 c1 c1 c1 c1  c1 c1 c1 c1 c1 c1 c1 c1  |................|", 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lines, err := Limited(tt.payload, tt.format, tt.limit)
			if err != nil {
				t.Fatalf("a valid payload over the limit failed: %v", err)
			}
			checkSpansSafe(t, lines)
			if len(lines) < 2 || lines[0].String() != tt.first {
				t.Fatalf("first line %q", lines[0].String())
			}
			note := lines[len(lines)-1].String()
			var more int
			if _, err := fmt.Sscanf(note, "… %d more bytes", &more); err != nil || more <= 0 || more >= len(tt.payload) {
				t.Fatalf("last line %q does not say how many of the %d bytes are left", note, len(tt.payload))
			}
			if len(lines)-1 > tt.shows {
				t.Errorf("%d lines shown for a %d-byte limit", len(lines)-1, tt.limit)
			}
			full, err := Payload(tt.payload, tt.format)
			if err != nil {
				t.Fatal(err)
			}
			for i, l := range lines[:len(lines)-1] {
				if l.String() != full[i].String() {
					t.Fatalf("line %d: %q, the full rendering has %q", i, l.String(), full[i].String())
				}
			}
			// Under the limit, nothing is cut.
			whole, err := Limited(tt.payload, tt.format, len(tt.payload))
			if err != nil || len(whole) != len(full) {
				t.Errorf("at the payload's size: %d lines (%v), want %d", len(whole), err, len(full))
			}
		})
	}
	for _, tt := range []struct {
		name    string
		payload []byte
		format  Format
	}{
		{"JSON", append(bigJSON[:len(bigJSON)-1:len(bigJSON)-1], ','), FormatJSON},
		{"MessagePack", mustMsgpack(t, numbers)[:500], FormatMsgPack},
		{"CBOR", append(mustCBOR(t, numbers), 0xff), FormatCBOR},
		{"protobuf", proto[:len(proto)-1], FormatProtobuf},
	} {
		if _, err := Limited(tt.payload, tt.format, 100); err == nil {
			t.Errorf("%s: a fault past the limit went unnoticed", tt.name)
		}
	}
}

func TestHexPairsAndPreview(t *testing.T) {
	p := []byte{0x1f, 0x8b, 0x08, 0x00, 0xff}
	if got := HexPairs(p, 0); got != "1f 8b 08 00 ff" {
		t.Errorf("HexPairs(p, 0) = %q", got)
	}
	if got := HexPairs(p, 2); got != "1f 8b\n08 00\nff" {
		t.Errorf("HexPairs(p, 2) = %q", got)
	}
	if got := HexPairs(nil, 16); got != "" {
		t.Errorf("HexPairs(nil) = %q", got)
	}
	for _, tt := range []struct {
		max  int
		want string
	}{{5, "1f 8b 08 00 ff"}, {9, "1f 8b 08 00 ff"}, {3, "1f 8b 08 …"}} {
		if got := HexPreview(p, tt.max, "…"); got != tt.want {
			t.Errorf("HexPreview(p, %d) = %q, want %q", tt.max, got, tt.want)
		}
	}
}
