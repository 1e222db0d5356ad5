package tui

import (
	"strings"
	"testing"
	"time"
)

// A message row's preview leads with the protocol packet it carried, and
// the heartbeat answer the client sent on its own says so.
func TestRowPreviewShowsProtocolPacket(t *testing.T) {
	m, _ := newTestModel(t, 120, 24, Options{})
	pong := textOut(3*time.Second+time.Millisecond, "3")
	pong.Auto = true
	feed(m,
		textIn(0, `0{"sid":"s","upgrades":[],"pingInterval":3000,"pingTimeout":1000}`),
		textOut(time.Second, "40"),
		textOut(2*time.Second, `4212["chat","hi"]`),
		textIn(3*time.Second, "2"),
		pong,
		textIn(4*time.Second, `44/admin,{"message":"not authorized"}`),
	)
	want := []string{
		"engine.io open, ping every 3000ms, timeout 1000ms · 0{",
		"socket.io CONNECT / · 40",
		`socket.io EVENT "chat" #12 · 4212["chat","hi"]`,
		"engine.io ping · 2",
		"engine.io pong (automatic) · 3",
		"socket.io CONNECT_ERROR /admin: not authorized · 44/admin",
	}
	for i, w := range want {
		if got := m.rowTextOf(i).preview; !strings.HasPrefix(got, w) {
			t.Errorf("row %d preview %q, want it to start %q", i, got, w)
		}
	}
	if !m.store.row(5).has(flagEnvelope) {
		t.Error("the refusal lost its error badge to the packet")
	}
	if out := plainScreen(m); !strings.Contains(out, "pong (automatic)") {
		t.Errorf("screen lacks the automatic pong:\n%s", out)
	}
}

// The inspector names the packet of the selected message, and says
// nothing of wsdbg having made the row up.
func TestInspectorShowsProtocolPacket(t *testing.T) {
	m, _ := newTestModel(t, 100, 30, Options{})
	feed(m, textIn(0, `0{"sid":"s","pingInterval":3000,"pingTimeout":1000}`), textOut(time.Second, "40"), textOut(2*time.Second, `4212["chat","hi"]`))
	press(m, "enter")
	out := plainScreen(m)
	if !strings.Contains(out, "PROTOCOL") || !strings.Contains(out, `socket.io EVENT "chat" #12`) || strings.Contains(out, "wsdbg's own") {
		t.Errorf("inspector:\n%s", out)
	}
}
