package decode

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzSanitize(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[31m", "a\u202eb", "\u0085", "\xff\xfe", "\u2066\u2069", "é\u200d", "\U000E0041", "\x00\n\t\r\x7f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		checkSafe(t, "Sanitize", out)
		for i := 0; i < len(out); i++ {
			if out[i] < 0x20 || out[i] == 0x7f {
				t.Fatalf("byte 0x%02x in %q", out[i], out)
			}
		}
		if strings.ContainsAny(out, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c") {
			t.Fatalf("bidi control survived in %q", out)
		}
		if isPlainASCII(s) && out != s {
			t.Fatalf("printable ASCII changed: %q -> %q", s, out)
		}
	})
}

func FuzzRenderJSON(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":null}]}`, `"x\u202e"`, `[]`, `{`, `1e5`, `-0.0`, `[[[[]]]]`, "\"\xff\"", `{"a":1,}`, "[\"\u0085\u202e\"]"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		lines, err := Render(payload, FormatJSON)
		if (err == nil) != json.Valid(payload) {
			t.Fatalf("Render error %v but json.Valid %v for %q", err, json.Valid(payload), payload)
		}
		checkSpansSafe(t, lines)
		// The escapes for raw DEL, invalid UTF-8 and characters beyond
		// U+FFFF are not JSON escapes; every other rendering must mean
		// exactly the input.
		if err != nil || !utf8.Valid(payload) || bytes.IndexByte(payload, 0x7f) >= 0 ||
			strings.Contains(Sanitize(string(payload)), `\U`) { // \U000e0041 is not a JSON escape either
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
			full, fullErr := Render(payload, format)
			lines, err := RenderLimited(payload, format, int(limit))
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
		lines, _ := Render(payload, FormatText)
		checkSpansSafe(t, lines)
		if want := strings.Count(strings.TrimSuffix(string(payload), "\n"), "\n") + 1; len(payload) > 0 && len(lines) != want {
			t.Fatalf("%d lines, want %d", len(lines), want)
		}
	})
}

func FuzzRenderHex(f *testing.F) {
	f.Add([]byte("\x00\x01binary\xff"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		lines, err := Render(payload, FormatHex)
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
			lines, err := Render(payload, format)
			if err == nil {
				checkSpansSafe(t, lines)
			}
		}
		// Whatever GuessFormat picks must render.
		for _, text := range []bool{true, false} {
			format := GuessFormat(text, payload)
			lines, err := Render(payload, format)
			if err != nil {
				t.Fatalf("GuessFormat(%v) = %s, which fails to render: %v", text, format, err)
			}
			checkSpansSafe(t, lines)
		}
	})
}

func FuzzDetectEnvelope(f *testing.F) {
	for _, s := range ordinaryTraffic[:10] {
		f.Add([]byte(s), "")
	}
	for _, s := range []string{
		`{"type":"error","data":{"code":4001,"message":"Room not found"}}`,
		`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"x"}}`,
		`44/a,{"message":"no"}`,
		`["1","1","t","phx_reply",{"status":"error","response":{"reason":"unmatched topic"}}]`,
		"ERROR\nmessage:x\n\nbody\x00",
	} {
		f.Add([]byte(s), "")
	}
	f.Add([]byte("\x20\x02\x00\x05"), "mqtt")
	f.Add([]byte("\xe0\x02\x8e\x00"), "mqtt")
	f.Fuzz(func(t *testing.T, payload []byte, subprotocol string) {
		env, ok := DetectEnvelope(payload, EnvelopeContext{Subprotocol: subprotocol})
		if !ok {
			return
		}
		checkSafe(t, "Message", env.Message)
		checkSafe(t, "CodeText", env.CodeText())
		for _, s := range []string{env.Explanation.Name, env.Explanation.Explanation, env.Explanation.Hint} {
			checkSafe(t, "Explanation", s)
		}
		if env.Code != nil {
			var v any
			if json.Unmarshal(env.Code, &v) != nil {
				t.Fatalf("Code %q is not JSON", env.Code)
			}
			switch v.(type) {
			case string, float64:
			default:
				t.Fatalf("Code %q is neither a number nor a string", env.Code)
			}
		}
	})
}

func FuzzParseDialects(f *testing.F) {
	f.Add([]byte(sampleConfig))
	f.Add([]byte(`{"dialects":[{"name":"x","envelopes":[{"code":"a.0.b","when":{"t":"e"}}]}]}`))
	f.Fuzz(func(t *testing.T, config []byte) {
		d, err := ParseDialects(config)
		if err != nil {
			checkSafe(t, "error", err.Error())
			return
		}
		// A parsed config is usable for every lookup.
		e := ExplainClose(4001, "", CloseContext{Dialects: d, Host: "a.example", Subprotocol: "x"})
		checkSafe(t, "Explanation", e.Explanation)
		DetectEnvelope([]byte(`{"a":{"b":[1,"x"]},"error":"e","code":1}`), EnvelopeContext{Dialects: d})
	})
}

func FuzzExplainClose(f *testing.F) {
	f.Add(1006, "reason", "graphql-ws", "gateway.discord.gg", 60.0, false, true, "nginx", 60.2)
	f.Add(4001, "\x1b[31m", "", "", 0.0, true, false, "", 0.0)
	f.Add(4406, "Subprotocol not acceptable", "", "", 0.0, false, true, "", 0.0)
	f.Fuzz(func(t *testing.T, code int, reason, subprotocol, host string, idle float64, pings, remote bool, proxy string, earlier float64) {
		e := ExplainClose(code, reason, CloseContext{Subprotocol: subprotocol, Host: host, IdleSeconds: idle, PingsOn: pings, Remote: remote,
			Proxy: proxy, EarlierDrops: []float64{earlier}, OfferedKnown: pings, Offered: []string{subprotocol}})
		if e.Name == "" || e.Explanation == "" || e.Hint == "" {
			t.Fatalf("incomplete: %+v", e)
		}
		for _, line := range strings.Split(strings.TrimSuffix(FormatExplanation(e), "\n"), "\n") {
			checkSafe(t, "formatted", line)
		}
	})
}

func FuzzLookup(f *testing.F) {
	for _, s := range []string{"1006", "http 403", "accept-mismatch", `{"error":"x"}`, "-1", "http"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, term string) {
		e, err := Lookup(term, CloseContext{})
		if err != nil {
			checkSafe(t, "error", err.Error())
			return
		}
		if e.Name == "" {
			t.Fatalf("empty explanation for %q", term)
		}
	})
}
