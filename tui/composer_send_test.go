package tui

import (
	"fmt"
	"strings"
	"testing"

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
