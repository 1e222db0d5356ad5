package render

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wsdbg/wsdbg/decode"
)

func FuzzRenderJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"x\u202e"`, `[]`, `{`, `1e5`, `-0.0`, `[[[[]]]]`, "\"\xff\"", `{"a":1,}`, "[\"\u0085\u202e\"]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		lines, err := Payload(payload, FormatJSON)
		if (err == nil) != json.Valid(payload) {
			t.Fatalf("Payload error %v but json.Valid %v for %q", err, json.Valid(payload), payload)
		}
		checkSpansSafe(t, lines)
		// The escapes for raw DEL, invalid UTF-8 and characters beyond
		// U+FFFF are not JSON escapes; every other rendering must mean
		// exactly the input.
		if err != nil || !utf8.Valid(payload) || bytes.IndexByte(payload, 0x7f) >= 0 ||
			strings.Contains(decode.Sanitize(string(payload)), `\U`) { // \U000e0041 is not a JSON escape either
			return
		}
		var in, out any
		joined := strings.Join(lineTexts(lines), "\n")
		dec := json.NewDecoder(strings.NewReader(joined))
		dec.UseNumber()
		if err := dec.Decode(&out); err != nil {
			t.Fatalf("rendering is not JSON (%v):\n%s", err, joined)
		}
		dec = json.NewDecoder(bytes.NewReader(payload))
		dec.UseNumber()
		if err := dec.Decode(&in); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(in, out) {
			t.Fatalf("rendering changed the value:\n%s\nfrom %s", joined, payload)
		}
	})
}

// FuzzRenderLimited checks that a display limit never changes whether a
// payload renders, and shows a prefix of the full rendering.
func FuzzRenderLimited(f *testing.F) {
	f.Add([]byte(`{"a":[1,2,{"b":null}],"c":"dd"}`), uint16(5))
	f.Add([]byte{0x82, 0xa1, 'a', 0x01, 0xa1, 'b', 0x92, 0xc3, 0xc0}, uint16(3))
	f.Add(protoSample(), uint16(4))
	f.Add([]byte("one\ntwo\nthree\xff"), uint16(6))
	f.Fuzz(func(t *testing.T, payload []byte, limit uint16) {
		for _, format := range Formats() {
			full, fullErr := Payload(payload, format)
			lines, err := Limited(payload, format, int(limit))
			if (err == nil) != (fullErr == nil) {
				t.Fatalf("%s: limited error %v, full error %v", format, err, fullErr)
			}
			if err != nil {
				continue
			}
			checkSpansSafe(t, lines)
			shown := lines
			if int(limit) > 0 && int(limit) < len(payload) && len(lines) > 0 && strings.HasPrefix(lines[len(lines)-1].String(), "… ") {
				shown = lines[:len(lines)-1]
			}
			if len(shown) > len(full) {
				t.Fatalf("%s: %d lines shown, %d in full", format, len(shown), len(full))
			}
			for i := range shown {
				// Text may be cut inside a line.
				if format == FormatText && i == len(shown)-1 && strings.HasPrefix(full[i].String(), shown[i].String()) {
					continue
				}
				if shown[i].String() != full[i].String() {
					t.Fatalf("%s: line %d is %q, in full %q", format, i, shown[i].String(), full[i].String())
				}
			}
		}
	})
}

func FuzzRenderText(f *testing.F) {
	f.Add([]byte("line one\r\nline\ttwo\x1b[0m\n"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		lines, _ := Payload(payload, FormatText)
		checkSpansSafe(t, lines)
		if want := strings.Count(strings.TrimSuffix(string(payload), "\n"), "\n") + 1; len(payload) > 0 && len(lines) != want {
			t.Fatalf("%d lines, want %d", len(lines), want)
		}
	})
}

func FuzzRenderHex(f *testing.F) {
	f.Add([]byte("\x00\x01binary\xff"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		lines, err := Payload(payload, FormatHex)
		if err != nil {
			t.Fatal(err)
		}
		checkSpansSafe(t, lines)
		if len(lines) != (len(payload)+15)/16 {
			t.Fatalf("%d lines for %d bytes", len(lines), len(payload))
		}
	})
}

func FuzzRenderBinary(f *testing.F) {
	f.Add([]byte{0x82, 0xa1, 'a', 0x01, 0xa1, 'b', 0x92, 0xc3, 0xc0})
	f.Add([]byte{0xa2, 0x61, 'a', 0x01, 0x61, 'b', 0x9f, 0xf5, 0xf6, 0xff})
	f.Add(protoSample())
	f.Add([]byte{0xc6, 0x1a, 0x51, 0x4b, 0x67, 0xb0})
	f.Fuzz(func(t *testing.T, payload []byte) {
		for _, format := range []Format{FormatMsgPack, FormatCBOR, FormatProtobuf} {
			lines, err := Payload(payload, format)
			if err == nil {
				checkSpansSafe(t, lines)
			}
		}
		// Whatever Guess picks must render.
		for _, text := range []bool{true, false} {
			format := Guess(text, payload)
			lines, err := Payload(payload, format)
			if err != nil {
				t.Fatalf("Guess(%v) = %s, which fails to render: %v", text, format, err)
			}
			checkSpansSafe(t, lines)
		}
	})
}
