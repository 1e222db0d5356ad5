package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
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
	if err := Export(&buf, rec, "ndjson", Redactor{}); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&buf)
	n := 0
	for ; sc.Scan(); n++ {
		var r Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		if r.Type != events[n].Type.String() {
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
	if err := Export(&buf, rec, "md", Redactor{}); err != nil {
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
	if err := Export(&buf, rec, "pdf", Redactor{}); err == nil || !strings.Contains(err.Error(), "har, md, ndjson") {
		t.Errorf("unknown format: %v", err)
	}
}

func TestBugReport(t *testing.T) {
	var recs Records
	ctx := conn.NewAnnotator(nil, false)
	for _, ev := range secretSession() {
		recs = append(recs, annotated(ctx, ev))
	}
	report := BugReport(recs, 10, 3, Redactor{})
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

	withPayload := BugReport(recs, 1, 1, Redactor{})
	if strings.Contains(withPayload, "SECRET") || !strings.Contains(withPayload, `"authToken":"[redacted:7]"`) {
		t.Errorf("payload secrets not redacted:\n%s", withPayload)
	}
	binary := BugReport(recs, 3, 0, Redactor{})
	if !strings.Contains(binary, "00000000  82 a3 00 ff") {
		t.Errorf("binary payload not dumped:\n%s", binary)
	}
	failure := BugReport(recs, 12, 0, Redactor{})
	if strings.Contains(failure, "SECRET") || !strings.Contains(failure, "Kind: `handshake`") {
		t.Errorf("failure report:\n%s", failure)
	}
	if bad := BugReport(recs, 99, 3, Redactor{}); !strings.Contains(bad, "could not be read") {
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
	wsdbg, websocat, wscat := ReproCommands(opts, Redactor{})
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
	_, websocat, _ = ReproCommands(opts, Redactor{Disabled: true})
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
