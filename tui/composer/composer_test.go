package composer

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/themes"
)

func TestParseCommand(t *testing.T) {
	cases := []struct {
		in   string
		mode Mode
		want Action
		err  string
	}{
		{"hello", ModeText, Action{Kind: Send, Op: conn.OpText, Payload: []byte("hello")}, ""},
		{"//etc", ModeText, Action{Kind: Send, Op: conn.OpText, Payload: []byte("/etc")}, ""},
		{"/text /x", ModeText, Action{Kind: Send, Op: conn.OpText, Payload: []byte("/x")}, ""},
		{"/hex 0x01,0x2 ff", ModeText, Action{Kind: Send, Op: conn.OpBinary, Payload: []byte{1, 2, 0xff}}, ""},
		{"/hex 0102", ModeText, Action{Kind: Send, Op: conn.OpBinary, Payload: []byte{1, 2}}, ""},
		{"/hex 012", ModeText, Action{}, "not hex"},
		{"/b64 aGk", ModeText, Action{Kind: Send, Op: conn.OpBinary, Payload: []byte("hi")}, ""},
		{"/b64 -_8=", ModeText, Action{Kind: Send, Op: conn.OpBinary, Payload: []byte{0xfb, 0xff}}, ""},
		{"/b64 !!", ModeText, Action{}, "not base64"},
		{"aGk=", ModeBase64, Action{Kind: Send, Op: conn.OpBinary, Payload: []byte("hi")}, ""},
		{"68 69", ModeHex, Action{Kind: Send, Op: conn.OpBinary, Payload: []byte("hi")}, ""},
		{"/ping", ModeText, Action{Kind: Ping, Payload: []byte{}}, ""},
		{"/ping " + strings.Repeat("x", 126), ModeText, Action{}, "at most 125"},
		{"/close", ModeText, Action{Kind: Close, Code: 1000}, ""},
		{"/close 1008 policy", ModeText, Action{Kind: Close, Code: 1008, Reason: "policy"}, ""},
		{"/close 1005", ModeText, Action{}, "may not be sent"},
		{"/close abc", ModeText, Action{}, "numeric code"},
		{"/close 4000 " + strings.Repeat("r", 124), ModeText, Action{}, "at most 123"},
		{"/reconnect", ModeText, Action{Kind: Reconnect}, ""},
		{"/snip  login ", ModeText, Action{Kind: Snippet, Name: "login"}, ""},
		{"/snip", ModeText, Action{}, "needs a snippet name"},
		{"/help", ModeText, Action{Kind: Help}, ""},
		{"/nope", ModeText, Action{}, "unknown command /nope"},
	}
	for _, c := range cases {
		got, err := Parse(c.in, c.mode)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("Parse(%q) error = %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if got.Kind != c.want.Kind || got.Op != c.want.Op || !bytes.Equal(got.Payload, c.want.Payload) ||
			got.Code != c.want.Code || got.Reason != c.want.Reason || got.Name != c.want.Name {
			t.Errorf("Parse(%q) = %+v, want %+v", c.in, got, c.want)
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
		act, err := Parse(text, Mode(mode%uint8(modeCount)))
		if err != nil {
			if strings.ContainsFunc(err.Error(), unsafeRune) {
				t.Fatalf("error message carries unsafe characters: %q", err.Error())
			}
			return
		}
		switch act.Kind {
		case Ping:
			if len(act.Payload) > maxControlPayload {
				t.Fatalf("ping payload of %d bytes", len(act.Payload))
			}
		case Close:
			if len(act.Reason) > maxCloseReason || act.Code < 1000 || act.Code > 4999 {
				t.Fatalf("close %d with a %d-byte reason", act.Code, len(act.Reason))
			}
		case Send:
			if act.Op != conn.OpText && act.Op != conn.OpBinary {
				t.Fatalf("send with opcode %v", act.Op)
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

// unsafeRune reports characters that must never be written raw: ESC and
// other C0 controls (newline aside), DEL, C1 controls and bidi overrides.
func unsafeRune(r rune) bool {
	switch {
	case r == '\n':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// The composer's keys follow its state: the picker's keys only while a
// picker is open, the editing keys only while it is not.
func TestKeysFollowState(t *testing.T) {
	th := themes.Choice{}.Theme(true)
	m, err := New(&th, Config{})
	if err != nil {
		t.Fatal(err)
	}
	m.Focus()
	enabled := func() (names []string) {
		for _, b := range m.ShortHelp() {
			if b.Enabled() {
				names = append(names, b.Help().Desc)
			}
		}
		return names
	}
	if got := strings.Join(enabled(), ", "); got != "send, new line, previous sent, search sent, snippets, send as text/hex/base64, back to log" {
		t.Errorf("typing: %s", got)
	}
	m, _ = m.Update(tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl})
	if got := strings.Join(enabled(), ", "); got != "older match, choose, cancel" {
		t.Errorf("history search: %s", got)
	}
	m, _ = m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	m, _ = m.Update(tea.KeyPressMsg{Code: 'o', Mod: tea.ModCtrl})
	if got := strings.Join(enabled(), ", "); got != "previous, next, choose, cancel" {
		t.Errorf("snippet picker: %s", got)
	}
}
