package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

// secretSession is the sample session with secrets in every place they go.
func secretSession() []conn.Event {
	events := sampleEvents()
	events[0].URL = "wss://api.example.com/ws?token=SECRET1&room=1"
	events[0].RequestHeader.Set("Authorization", "Bearer SECRET2")
	events[0].ResponseHeader.Set("Set-Cookie", "sid=SECRET3; Path=/")
	events[1].Payload = []byte(`{"type":"connection_init","payload":{"authToken":"SECRET4"}}`)
	events[12].Failure.Message = `GET "wss://api.example.com/ws?token=SECRET5": 401`
	return events
}

func TestExportNDJSON(t *testing.T) {
	events := secretSession()
	rec := openT(t, record(t, events))
	var buf bytes.Buffer
	if err := Write(&buf, rec, "ndjson", history.Redactor{}); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	n := 0
	for ; sc.Scan(); n++ {
		var r history.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		if r.Type != events[n].Type {
			t.Errorf("line %d is %s, want %s", n+1, r.Type, events[n].Type)
		}
		for _, s := range []string{"SECRET1", "SECRET2", "SECRET3", "SECRET5"} {
			if strings.Contains(sc.Text(), s) {
				t.Errorf("line %d leaks %s", n+1, s)
			}
		}
	}
	if n != len(events) {
		t.Errorf("%d lines, want %d", n, len(events))
	}
}

func TestExportMarkdown(t *testing.T) {
	rec := openT(t, record(t, secretSession()))
	var buf bytes.Buffer
	if err := Write(&buf, rec, "md", history.Redactor{}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	for _, want := range []string{
		"# WebSocket session",
		"- **Endpoint:** `wss://api.example.com/ws?room=1`",
		"- **Started:** 2026-11-22 02:10:00.123 UTC",
		"- **Subprotocol:** `graphql-ws`",
		"- **Extensions:** `permessage-deflate`",
		"- **Messages:**",
		"```text\n02:10:00.123 ✓  open",
		"## Closes, failures and error replies",
		"close 1008",
		"Reason: `token expired`",
		"**Hint:**",
		"error: ",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "SECRET") {
		t.Errorf("markdown leaks a secret:\n%s", md)
	}
	if err := Write(&buf, rec, "pdf", history.Redactor{}); err == nil || !strings.Contains(err.Error(), "har, md, ndjson") {
		t.Errorf("unknown format: %v", err)
	}
}

func TestBugReport(t *testing.T) {
	var recs history.Records
	ctx := conn.NewAnnotator(conn.Options{})
	for _, ev := range secretSession() {
		recs = append(recs, annotated(ctx, ev))
	}
	report := BugReport(recs, 10, 3, history.Redactor{})
	for _, want := range []string{
		"## WebSocket bug report",
		"`wss://api.example.com/ws?token=[redacted:7]&room=1`",
		"- **Subprotocol:** `graphql-ws`",
		"- **Event time:** 2026-11-22 02:10:00.213 UTC",
		"### Events (the selected one last)",
		"close   1008",
		"Reason: `token expired`",
		"**Hint:**",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if got := strings.Count(report, "\n02:10:00."); got != 4 {
		t.Errorf("%d event lines, want the selected one and 3 before it:\n%s", got, report)
	}

	withPayload := BugReport(recs, 1, 1, history.Redactor{})
	if strings.Contains(withPayload, "SECRET") || !strings.Contains(withPayload, `"authToken":"[redacted:7]"`) {
		t.Errorf("payload secrets not redacted:\n%s", withPayload)
	}
	binary := BugReport(recs, 3, 0, history.Redactor{})
	if !strings.Contains(binary, "00000000  82 a3 00 ff") {
		t.Errorf("binary payload not dumped:\n%s", binary)
	}
	failure := BugReport(recs, 12, 0, history.Redactor{})
	if strings.Contains(failure, "SECRET") || !strings.Contains(failure, "Kind: `handshake`") {
		t.Errorf("failure report:\n%s", failure)
	}
	if bad := BugReport(recs, 99, 3, history.Redactor{}); !strings.Contains(bad, "could not be read") {
		t.Errorf("out of range: %s", bad)
	}
}

func TestReproCommands(t *testing.T) {
	opts := conn.Options{
		URL:          "wss://api.example.com/ws?token=abc&room=it's",
		Header:       http.Header{"Authorization": {"Bearer abc"}, "X-Trace": {"1"}},
		Subprotocols: []string{"graphql-ws"},
		Origin:       "https://app.example.com",
		Insecure:     true,
		PingInterval: 30 * time.Second,
	}
	wsdbg, websocat, wscat := reproCommands(opts, history.Redactor{})
	want := []string{
		`wsdbg -H 'Authorization: Bearer [redacted:3]' -H 'X-Trace: 1' --subprotocol graphql-ws --origin https://app.example.com --insecure --ping 30s 'wss://api.example.com/ws?token=[redacted:3]&room=it'\''s'`,
		`websocat -H='Authorization: Bearer [redacted:3]' -H='X-Trace: 1' --protocol graphql-ws --origin https://app.example.com -k --ping-interval 30 'wss://api.example.com/ws?token=[redacted:3]&room=it'\''s'`,
		`wscat -c 'wss://api.example.com/ws?token=[redacted:3]&room=it'\''s' -H 'Authorization: Bearer [redacted:3]' -H 'X-Trace: 1' -s graphql-ws -o https://app.example.com -n  # cannot set: pings`,
	}
	for i, got := range []string{wsdbg, websocat, wscat} {
		if got != want[i] {
			t.Errorf("got  %s\nwant %s", got, want[i])
		}
	}
	_, websocat, _ = reproCommands(opts, history.Redactor{Disabled: true})
	if !strings.Contains(websocat, "Bearer abc") || !strings.Contains(websocat, "token=abc") {
		t.Errorf("unredacted: %s", websocat)
	}
}

// TestShellQuoteSurvivesAShell runs quoted words through sh and checks
// they come back unchanged.
func TestShellQuoteSurvivesAShell(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	words := []string{"plain", "", "it's", `"double" $HOME $(id) ` + "`id`", "semi;colon&amp|pipe", "new\nline", "*?[glob]", "-H=x: y"}
	var script strings.Builder
	script.WriteString("printf '%s\\0'")
	for _, w := range words {
		script.WriteString(" " + shellQuote(w))
	}
	out, err := exec.Command(sh, "-c", script.String()).Output()
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if strings.Join(got, "|") != strings.Join(words, "|") {
		t.Errorf("sh saw %q, want %q", got, words)
	}
}

// An error reply without a code has none in the report, and pings and
// pongs are not counted as messages.
func TestExportMarkdownCountsDataMessagesAndCodelessReplies(t *testing.T) {
	events := sampleEvents()
	events = append(events[:12:12], conn.Event{Type: conn.EventMessage, Time: at(115), Dir: conn.In, Opcode: conn.OpText,
		Payload: []byte(`{"type":"error","message":"boom"}`)})
	conn.NewAnnotator(conn.Options{}).Annotate(&events[len(events)-1])
	rec := openT(t, record(t, events))
	var buf bytes.Buffer
	if err := Write(&buf, rec, "md", history.Redactor{}); err != nil {
		t.Fatal(err)
	}
	md := buf.String()
	// Sent: one text message (the ping is not one). Received: three text,
	// one binary and the error reply (the pong is not one).
	if !strings.Contains(md, "- **Messages:** 1 sent, 5 received\n") {
		t.Errorf("message counts wrong:\n%s", md)
	}
	if strings.Contains(md, "null") || !strings.Contains(md, "### 02:10:00.238 error reply") {
		t.Errorf("codeless error reply:\n%s", md)
	}
}

// reproMessages are sent messages that try to run commands, end quotes,
// heredocs and functions, or upset the terminal when pasted.
var reproMessages = []string{
	`$(touch pwned1)`,
	"`touch pwned2`",
	`'; touch pwned3; '`,
	"first line\ntouch pwned4",
	`"; touch pwned5; "`,
	`\'; touch pwned6; '`, // breaks out of POSIX single quotes in fish
	"}\ntouch pwned7\nwsdbg_sent() {",
	"EOF",
	"WSDBG_SENT",
	"\x1b[201~touch pwned8\r\x03\x04",
	`back\slash \0101 \c \n %s %b %%`,
	"bad utf8 \xff\xfe and 日本語 🎉 \u202e",
	"",
	"  spaced  ",
	`{"op":"subscribe","channel":"!!$HOME"}`,
}

// writeToolStubs puts scripts named like the repro tools in a new
// directory; each saves its standard input to out/NAME.stdin.
func writeToolStubs(t *testing.T, out string) string {
	t.Helper()
	bin := t.TempDir()
	for _, name := range []string{"wsdbg", "websocat", "wscat"} {
		script := "#!/bin/sh\ncat > '" + out + "/" + name + ".stdin'\n"
		if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return bin
}

// pasteInto runs script with shell reading it from standard input, in a
// fresh directory, with the tool stubs first on PATH; it returns the
// directory.
func pasteInto(t *testing.T, shell, script, bin string) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command(shell)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(script)
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "HOME="+dir)
	out, _ := cmd.CombinedOutput()
	t.Logf("%s said: %s", shell, out)
	return dir
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	list, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range list {
		names = append(names, e.Name())
	}
	return names
}

// TestReproScriptIsInertInAShell pastes the repro block into real shells:
// no message runs as a command, and each tool receives the messages on
// its standard input byte for byte.
func TestReproScriptIsInertInAShell(t *testing.T) {
	var sent []SentMessage
	var want strings.Builder
	for _, m := range reproMessages {
		sent = append(sent, SentMessage{Payload: []byte(m)})
		want.WriteString(m + "\n")
	}
	sent = append(sent[:3:3], append([]SentMessage{{Binary: true, Payload: []byte{0x24, 0x28, 0x0a}}}, sent[3:]...)...)
	script := ReproScript(conn.Options{URL: "ws://127.0.0.1:1/ws"}, sent, history.Redactor{})
	for _, r := range script {
		if r < ' ' && r != '\n' || r == 0x7f {
			t.Fatalf("the block holds control character %q:\n%s", r, script)
		}
	}
	if !strings.Contains(script, "# message 4 of 16 is binary, not piped below; send it with wsdbg's /hex 24 28 0a\n") {
		t.Errorf("binary message not listed:\n%s", script)
	}

	shells := []string{"bash"}
	for _, other := range []string{"dash", "zsh", "sh"} {
		if _, err := exec.LookPath(other); err == nil {
			shells = append(shells, other)
		}
	}
	for _, shell := range shells {
		path, err := exec.LookPath(shell)
		if err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("CI needs %s on PATH", shell)
			}
			t.Skipf("needs %s on PATH", shell)
		}
		out := t.TempDir()
		bin := writeToolStubs(t, out)
		if ran := entries(t, pasteInto(t, path, script, bin)); len(ran) > 0 {
			t.Errorf("%s: pasting the block created %v", shell, ran)
		}
		for _, tool := range []string{"wsdbg", "websocat", "wscat"} {
			got, err := os.ReadFile(filepath.Join(out, tool+".stdin"))
			if err != nil {
				t.Errorf("%s: %s never ran: %v", shell, tool, err)
				continue
			}
			if string(got) != want.String() {
				t.Errorf("%s: %s read\n%q\nwant\n%q", shell, tool, got, want.String())
			}
		}
	}

	// The harness catches what it looks for: the same messages pasted as
	// plain lines, as the block once listed them, do run.
	bash, _ := exec.LookPath("bash")
	naive := "# then send, in order:\n" + strings.Join(reproMessages, "\n") + "\n"
	if ran := entries(t, pasteInto(t, bash, naive, writeToolStubs(t, t.TempDir()))); !slices.Contains(ran, "pwned1") {
		t.Errorf("raw lines should have run $(touch pwned1); created %v", ran)
	}
}

func TestReproScriptWithoutMessages(t *testing.T) {
	script := ReproScript(conn.Options{URL: "wss://h/ws?token=abc"}, nil, history.Redactor{})
	want := "# wsdbg\nwsdbg 'wss://h/ws?token=[redacted:3]'\n# websocat\nwebsocat 'wss://h/ws?token=[redacted:3]'\n# wscat\nwscat -c 'wss://h/ws?token=[redacted:3]'\n"
	if script != want {
		t.Errorf("got\n%s\nwant\n%s", script, want)
	}
	secret := ReproScript(conn.Options{URL: "wss://h/ws", Subprotocols: []string{"base64url.bearer.authorization.k8s.io.S3CRET"}},
		[]SentMessage{{Payload: []byte(`{"token":"S3CRET"}`)}}, history.Redactor{})
	if strings.Contains(secret, "S3CRET") {
		t.Errorf("secret in the repro block:\n%s", secret)
	}
}
