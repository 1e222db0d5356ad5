package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
)

// When the server is not reading and the send queue is full, the message
// stays in the composer and the user is told why it was not sent; once
// the queue drains, enter sends it.
func TestSendToAServerNotReadingKeepsTheText(t *testing.T) {
	m, src := newTestModel(t, 120, 40, Options{})
	feed(m, openEvent(0))
	src.sendErr = fmt.Errorf("send: %w", conn.ErrQueueFull)
	press(m, "i")
	typeText(m, `{"op":"subscribe"}`)
	press(m, "enter")
	if got := m.comp.Value(); got != `{"op":"subscribe"}` {
		t.Errorf("composer holds %q after a refused send", got)
	}
	if want := "the server is not reading; message not sent"; m.notice.text != want || !m.notice.isErr {
		t.Errorf("notice %q (error %v), want %q", m.notice.text, m.notice.isErr, want)
	}
	if !strings.Contains(plainScreen(m), "the server is not reading; message not sent") {
		t.Errorf("screen does not say why:\n%s", plainScreen(m))
	}
	m.comp.SetValue("")
	press(m, "up")
	if got := m.comp.Value(); got != "" {
		t.Errorf("a message not sent went into the history: up brings back %q", got)
	}

	m.comp.SetValue("/ping hb")
	press(m, "enter")
	if m.notice.text != "the server is not reading; ping not sent" || m.comp.Value() != "/ping hb" {
		t.Errorf("ping: notice %q, composer %q", m.notice.text, m.comp.Value())
	}

	src.mu.Lock()
	src.sendErr = nil
	src.mu.Unlock()
	m.comp.SetValue(`{"op":"subscribe"}`)
	press(m, "enter")
	if sent := src.frames(); len(sent) != 1 || sent[0].payload != `{"op":"subscribe"}` {
		t.Errorf("after the queue drained, sent %+v", sent)
	}
	if m.comp.Value() != "" {
		t.Errorf("composer holds %q after sending", m.comp.Value())
	}
}

// Other failures are reported as they are, without guessing at a cause.
func TestSendFailureIsReportedAsIs(t *testing.T) {
	m, src := newTestModel(t, 120, 40, Options{})
	feed(m, openEvent(0))
	src.sendErr = conn.ErrClosed
	press(m, "i")
	typeText(m, "hello")
	press(m, "enter")
	if m.notice.text != "not sent: connection is closed" || m.comp.Value() != "hello" {
		t.Errorf("notice %q, composer %q", m.notice.text, m.comp.Value())
	}
}

func TestTypingIsNotDisturbedByIncomingFrames(t *testing.T) {
	m, src := newTestModel(t, 80, 24, Options{})
	feed(m, openEvent(0))
	press(m, "tab")
	if m.focus != focusComposer {
		t.Fatalf("tab did not focus the composer (focus %d)", m.focus)
	}
	typeText(m, "echo hel")
	for k := range 20 {
		feed(m, textIn(time.Duration(k)*time.Millisecond, "noise"))
	}
	typeText(m, "lo")
	if got := m.comp.Value(); got != "echo hello" {
		t.Fatalf("composer holds %q", got)
	}
	press(m, "enter")
	if f := src.frames(); len(f) != 1 || f[0].payload != "echo hello" || f[0].op != conn.OpText {
		t.Fatalf("sent %+v", f)
	}
	if m.comp.Value() != "" {
		t.Errorf("composer not cleared after sending: %q", m.comp.Value())
	}
}

func TestComposerCommands(t *testing.T) {
	m, src := newTestModel(t, 80, 24, Options{})
	press(m, "i")
	for _, line := range []string{"/hex 01 02 ff", "/b64 AQL/", "/ping hb", "/close 4000 bye now", "/reconnect", "//slash", "plain"} {
		typeText(m, line)
		press(m, "enter")
	}
	want := []sentFrame{
		{op: conn.OpBinary, payload: "\x01\x02\xff"},
		{op: conn.OpBinary, payload: "\x01\x02\xff"},
		{op: conn.OpPing, payload: "hb"},
		{op: conn.OpClose, payload: "bye now", code: 4000},
		{op: conn.OpText, payload: "/slash"},
		{op: conn.OpText, payload: "plain"},
	}
	got := src.frames()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("sent\n%v\nwant\n%v", got, want)
	}
	if src.reconnect != 1 {
		t.Errorf("reconnect called %d times", src.reconnect)
	}

	typeText(m, "/close 1006")
	press(m, "enter")
	if !m.notice.isErr || !strings.Contains(m.notice.text, "1006") {
		t.Errorf("sending close 1006 gave notice %+v", m.notice)
	}
	if m.comp.Value() != "/close 1006" {
		t.Errorf("a rejected command should stay in the composer, got %q", m.comp.Value())
	}
	m.comp.SetValue("/bogus")
	press(m, "enter")
	if !m.notice.isErr || !strings.Contains(m.notice.text, "unknown command /bogus") {
		t.Errorf("unknown command notice: %+v", m.notice)
	}
}

func TestSendModeToggleSendsBinaryFromHex(t *testing.T) {
	m, src := newTestModel(t, 80, 24, Options{})
	press(m, "i", "ctrl+t")
	if !strings.Contains(plainScreen(m), "send as hex") {
		t.Fatalf("mode not shown:\n%s", plainScreen(m))
	}
	typeText(m, "de ad be ef")
	press(m, "enter")
	if f := src.frames(); len(f) != 1 || f[0].op != conn.OpBinary || f[0].payload != "\xde\xad\xbe\xef" {
		t.Fatalf("sent %+v", f)
	}
}

func TestMultiLineComposer(t *testing.T) {
	m, src := newTestModel(t, 80, 24, Options{})
	press(m, "i")
	typeText(m, `{"a":1,`)
	press(m, "alt+enter")
	typeText(m, `"b":2}`)
	press(m, "ctrl+j")
	typeText(m, "x")
	if got := m.comp.Value(); got != "{\"a\":1,\n\"b\":2}\nx" {
		t.Fatalf("composer holds %q", got)
	}
	if m.comp.Height() != 3 {
		t.Errorf("composer is %d lines tall, want 3", m.comp.Height())
	}
	if n := strings.Count(plainScreen(m), "\n") + 1; n != 24 {
		t.Errorf("screen is %d lines, want 24", n)
	}
	press(m, "enter")
	if f := src.frames(); len(f) != 1 || f[0].payload != "{\"a\":1,\n\"b\":2}\nx" {
		t.Fatalf("sent %+v", f)
	}
}

func TestHistoryPersistsAndIsSearchable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state", "history")
	m, _ := newTestModel(t, 80, 24, Options{HistoryFile: file})
	press(m, "i")
	for _, line := range []string{"echo one", "close 4403 forbidden", "echo three\nsecond line"} {
		m.comp.SetValue(line)
		press(m, "enter")
	}

	if data, err := os.ReadFile(file); err != nil || strings.Count(string(data), "\n") != 3 {
		t.Fatalf("history file holds %q (%v), want 3 lines", data, err)
	}
	m2, _ := newTestModel(t, 80, 24, Options{HistoryFile: file})
	press(m2, "i")
	typeText(m2, "draft")
	press(m2, "up")
	if got := m2.comp.Value(); got != "echo three\nsecond line" {
		t.Fatalf("up recalled %q", got)
	}
	// On the second line of a multi-line entry, up moves within it first.
	press(m2, "up")
	if got := m2.comp.Value(); got != "echo three\nsecond line" {
		t.Fatalf("up from the last line should move the cursor, recalled %q", got)
	}
	press(m2, "up")
	if got := m2.comp.Value(); got != "close 4403 forbidden" {
		t.Fatalf("second up recalled %q", got)
	}
	press(m2, "down", "down")
	if got := m2.comp.Value(); got != "draft" {
		t.Fatalf("down past the newest restored %q, want the draft", got)
	}

	m2.comp.SetValue("")
	press(m2, "ctrl+r")
	typeText(m2, "one")
	if !strings.Contains(plainScreen(m2), "(history search) one: echo one") {
		t.Fatalf("search line missing:\n%s", plainScreen(m2))
	}
	press(m2, "enter")
	if got := m2.comp.Value(); got != "echo one" {
		t.Fatalf("search chose %q", got)
	}
	press(m2, "ctrl+r")
	typeText(m2, "zzz")
	press(m2, "esc")
	if got := m2.comp.Value(); got != "echo one" {
		t.Fatalf("cancelled search left %q", got)
	}
}

func TestSnippetsByCommandAndPicker(t *testing.T) {
	file := filepath.Join(t.TempDir(), "snippets")
	content := "# test snippets\n[subscribe]\n{\"op\":\"subscribe\",\n \"channel\":\"ticker\"}\n\n[bye]\nclose 1000 done\n"
	if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	m, src := newTestModel(t, 80, 24, Options{SnippetsFile: file})
	press(m, "i")
	typeText(m, "/snip bye")
	press(m, "enter")
	if got := m.comp.Value(); got != "close 1000 done" {
		t.Fatalf("/snip put %q in the composer", got)
	}
	m.comp.SetValue("")
	press(m, "ctrl+o")
	typeText(m, "sub")
	if !strings.Contains(plainScreen(m), "snippet: sub") {
		t.Fatalf("picker not shown:\n%s", plainScreen(m))
	}
	press(m, "enter", "enter")
	if f := src.frames(); len(f) != 1 || f[0].payload != "{\"op\":\"subscribe\",\n \"channel\":\"ticker\"}" {
		t.Fatalf("sent %+v", f)
	}
}
