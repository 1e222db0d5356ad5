package tui

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wsdbg/wsdbg/conn"
)

func TestLookupJSON(t *testing.T) {
	cases := []struct {
		doc  string
		path string
		want string
		ok   bool
	}{
		{`{"id":7}`, "id", `7`, true},
		{` { "a" : {"id":1}, "id" : "x-1" } `, "id", `"x-1"`, true},
		{`{"meta":{"corr":{"deep":-2.5e3}}}`, "meta.corr.deep", `-2.5e3`, true},
		{`{"meta":{"corr":9}}`, "meta.corr.deep", ``, false},
		{`{"id":{"nested":1}}`, "id", ``, false},
		{`{"id":null}`, "id", ``, false},
		{`{"id":true}`, "id", ``, false},
		{`{"i\u0064":5}`, "id", `5`, true},
		{`{"s":"}\"{","id":3}`, "id", `3`, true},
		{`[{"id":1}]`, "id", ``, false},
		{`{"id":1`, "id", `1`, true},
		{`{"x":[1,{"id":2}],"id":4}`, "id", `4`, true},
		{``, "id", ``, false},
		{`{"id"`, "id", ``, false},
	}
	for _, c := range cases {
		got, ok := lookupJSON([]byte(c.doc), parseIDPath(c.path))
		if ok != c.ok || string(got) != c.want {
			t.Errorf("lookupJSON(%s, %s) = %q, %v; want %q, %v", c.doc, c.path, got, ok, c.want, c.ok)
		}
	}
}

// FuzzLookupJSON checks the scanner against encoding/json on valid
// documents, and that it never panics on anything else.
func FuzzLookupJSON(f *testing.F) {
	for _, seed := range []string{`{"id":1}`, `{"a":{"b":"c"},"id":"x"}`, `{"meta":{"corr":9}}`, `{"id":[1,{"id":2}]}`, `{`, `{"\"":1}`} {
		f.Add([]byte(seed), "id")
		f.Add([]byte(seed), "meta.corr")
	}
	f.Fuzz(func(t *testing.T, doc []byte, path string) {
		p := parseIDPath(path)
		got, ok := lookupJSON(doc, p)
		if !json.Valid(doc) || len(p) == 0 {
			return
		}
		want, wantOK := lookupStd(doc, p)
		if ok != wantOK || ok && !bytes.Equal(compact(got), compact(want)) {
			t.Fatalf("lookupJSON(%s, %q) = %s, %v; encoding/json says %s, %v", doc, path, got, ok, want, wantOK)
		}
	})
}

// lookupStd is lookupJSON written with encoding/json. Duplicate keys are
// resolved as the scanner does: the first one wins.
func lookupStd(doc []byte, path []string) ([]byte, bool) {
	cur := json.RawMessage(doc)
	for _, k := range path {
		dec := json.NewDecoder(bytes.NewReader(cur))
		tok, err := dec.Token()
		if err != nil || tok != json.Delim('{') {
			return nil, false
		}
		found := false
		for dec.More() {
			keyTok, err := dec.Token()
			if err != nil {
				return nil, false
			}
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return nil, false
			}
			if keyTok.(string) == k {
				cur, found = v, true
				break
			}
		}
		if !found {
			return nil, false
		}
	}
	c := bytes.TrimSpace(cur)
	if len(c) == 0 || !(c[0] == '"' || c[0] == '-' || c[0] >= '0' && c[0] <= '9') {
		return nil, false
	}
	return c, true
}

func compact(b []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}

func TestParseCommand(t *testing.T) {
	cases := []struct {
		in   string
		mode sendMode
		want action
		err  string
	}{
		{"hello", modeText, action{kind: actSend, op: conn.OpText, payload: []byte("hello")}, ""},
		{"//etc", modeText, action{kind: actSend, op: conn.OpText, payload: []byte("/etc")}, ""},
		{"/text /x", modeText, action{kind: actSend, op: conn.OpText, payload: []byte("/x")}, ""},
		{"/hex 0x01,0x2 ff", modeText, action{kind: actSend, op: conn.OpBinary, payload: []byte{1, 2, 0xff}}, ""},
		{"/hex 0102", modeText, action{kind: actSend, op: conn.OpBinary, payload: []byte{1, 2}}, ""},
		{"/hex 012", modeText, action{}, "not hex"},
		{"/b64 aGk", modeText, action{kind: actSend, op: conn.OpBinary, payload: []byte("hi")}, ""},
		{"/b64 -_8=", modeText, action{kind: actSend, op: conn.OpBinary, payload: []byte{0xfb, 0xff}}, ""},
		{"/b64 !!", modeText, action{}, "not base64"},
		{"aGk=", modeBase64, action{kind: actSend, op: conn.OpBinary, payload: []byte("hi")}, ""},
		{"68 69", modeHex, action{kind: actSend, op: conn.OpBinary, payload: []byte("hi")}, ""},
		{"/ping", modeText, action{kind: actPing, payload: []byte{}}, ""},
		{"/ping " + strings.Repeat("x", 126), modeText, action{}, "at most 125"},
		{"/close", modeText, action{kind: actClose, code: 1000}, ""},
		{"/close 1008 policy", modeText, action{kind: actClose, code: 1008, reason: "policy"}, ""},
		{"/close 1005", modeText, action{}, "may not be sent"},
		{"/close abc", modeText, action{}, "numeric code"},
		{"/close 4000 " + strings.Repeat("r", 124), modeText, action{}, "at most 123"},
		{"/reconnect", modeText, action{kind: actReconnect}, ""},
		{"/snip  login ", modeText, action{kind: actSnippet, name: "login"}, ""},
		{"/snip", modeText, action{}, "needs a snippet name"},
		{"/help", modeText, action{kind: actHelp}, ""},
		{"/nope", modeText, action{}, "unknown command /nope"},
	}
	for _, c := range cases {
		got, err := parseCommand(c.in, c.mode)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("parseCommand(%q) error = %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseCommand(%q): %v", c.in, err)
			continue
		}
		if got.kind != c.want.kind || got.op != c.want.op || !bytes.Equal(got.payload, c.want.payload) ||
			got.code != c.want.code || got.reason != c.want.reason || got.name != c.want.name {
			t.Errorf("parseCommand(%q) = %+v, want %+v", c.in, got, c.want)
		}
	}
}

// FuzzParseCommand: any composer text parses or fails cleanly, control
// payloads stay within RFC 6455's limits, and errors are printable.
func FuzzParseCommand(f *testing.F) {
	for _, seed := range []string{"hi", "/hex 01 02", "/b64 AQ==", "/close 4000 bye", "/ping x", "/snip a", "//x", "/\x1b[31m"} {
		f.Add(seed, uint8(0))
	}
	f.Fuzz(func(t *testing.T, text string, mode uint8) {
		act, err := parseCommand(text, sendMode(mode%uint8(sendModeCount)))
		if err != nil {
			if strings.ContainsFunc(err.Error(), unsafeRune) {
				t.Fatalf("error message carries unsafe characters: %q", err.Error())
			}
			return
		}
		switch act.kind {
		case actPing:
			if len(act.payload) > maxControlPayload {
				t.Fatalf("ping payload of %d bytes", len(act.payload))
			}
		case actClose:
			if len(act.reason) > maxCloseReason || act.code < 1000 || act.code > 4999 {
				t.Fatalf("close %d with a %d-byte reason", act.code, len(act.reason))
			}
		case actSend:
			if act.op != conn.OpText && act.op != conn.OpBinary {
				t.Fatalf("send with opcode %v", act.op)
			}
		}
	})
}

func TestParseSnippets(t *testing.T) {
	js := `{"login": {"op":"login", "token": "t"}, "hi": "hello\nthere", "n": 42}`
	got, err := parseSnippets([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	want := []snippet{{"hi", "hello\nthere"}, {"login", `{"op":"login","token":"t"}`}, {"n", "42"}}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k := range want {
		if got[k] != want[k] {
			t.Errorf("snippet %d = %+v, want %+v", k, got[k], want[k])
		}
	}

	sections := "# comment\n\n[a]\nline one\nline two\n\n[b]\r\n{\"x\":1}\r\n"
	got, err = parseSnippets([]byte(sections))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != (snippet{"a", "line one\nline two"}) || got[1] != (snippet{"b", `{"x":1}`}) {
		t.Errorf("sections parsed as %+v", got)
	}
	if _, err := parseSnippets([]byte("stray text\n[a]\nx")); err == nil {
		t.Error("text before the first section accepted")
	}
	if _, err := parseSnippets([]byte(`{"a":`)); err == nil {
		t.Error("broken JSON accepted")
	}
}

// FuzzParseSnippets: any file parses or fails without panicking, and every
// snippet has a name.
func FuzzParseSnippets(f *testing.F) {
	f.Add([]byte(`{"a":"b","c":{"d":1}}`))
	f.Add([]byte("[a]\nbody\n[b]\n"))
	f.Add([]byte("# x\n[]\n[ ]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		snippets, err := parseSnippets(data)
		if err != nil {
			return
		}
		for _, s := range snippets {
			if s.name == "" {
				t.Fatalf("snippet without a name in %q", data)
			}
		}
	})
}

func TestParseHistory(t *testing.T) {
	data := "\"one\"\nnot json\n\"two\\nlines\"\n\"two\\nlines\"\n\"\"\n42\n\"three\""
	got := parseHistory([]byte(data))
	want := []string{"one", "two\nlines", "three"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("parseHistory = %q, want %q", got, want)
	}
	var many bytes.Buffer
	for k := range maxHistory + 10 {
		b, _ := json.Marshal(strings.Repeat("x", k%7) + string(rune('a'+k%26)) + strings.Repeat("y", k))
		many.Write(b)
		many.WriteByte('\n')
	}
	if n := len(parseHistory(many.Bytes())); n != maxHistory {
		t.Errorf("kept %d lines, want %d", n, maxHistory)
	}
}

// FuzzParseHistory: any file yields valid, non-empty, bounded lines.
func FuzzParseHistory(f *testing.F) {
	f.Add([]byte("\"a\"\n\"b\\nc\"\n"))
	f.Add([]byte("\xff\n\"\\ud800\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := parseHistory(data)
		if len(lines) > maxHistory {
			t.Fatalf("%d lines", len(lines))
		}
		for _, l := range lines {
			if l == "" || !utf8.ValidString(l) {
				t.Fatalf("bad line %q", l)
			}
		}
	})
}

func TestFormatting(t *testing.T) {
	for in, want := range map[int64]string{0: "0B", 999: "999B", 1024: "1.0K", 1536: "1.5K", 10 << 10: "10K", 5 << 20: "5.0M", 3 << 30: "3.0G"} {
		if got := humanBytes(in); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", in, got, want)
		}
	}
	if got := cutUTF8([]byte("aé"), 2); string(got) != "a" {
		t.Errorf("cutUTF8 split a character: %q", got)
	}
	if got := sinceStart(61*1e9+5e8, false); got != "  +1:01.500" && strings.TrimSpace(got) != "+1:01.500" {
		t.Errorf("sinceStart = %q", got)
	}
	if !containsFold([]byte("Hello WORLD"), []byte("world")) || containsFold([]byte("hello"), []byte("hellox")) {
		t.Error("containsFold is wrong")
	}
}
