package decode

import (
	"encoding/json"
	"strings"
	"testing"
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
