package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
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

// The inspector lists the decoded packet: an MQTT PUBLISH's fixed and
// variable header, and a Socket.IO binary event's attachment joined to
// its event and placeholder. Bytes as aedes and Socket.IO send them.
func TestInspectorShowsDecodedPacket(t *testing.T) {
	m, _ := newTestModel(t, 100, 60, Options{})
	mqttOpen := openEvent(0)
	mqttOpen.Subprotocol = "mqtt"
	feed(m, mqttOpen,
		msgEvent(time.Second, conn.In, conn.OpBinary, "\x32\x10\x00\x0aprices/eur\x00\x07hi"),
		msgEvent(2*time.Second, conn.In, conn.OpBinary, "\x20\x02\x00\x05"))
	publish := plainLines(m.inspectorLines(1, 100))
	for _, want := range []string{"PACKET", "packet type: 3 PUBLISH", "flags: DUP 0, QoS 1, RETAIN 0",
		"remaining length: 16 bytes", "topic: prices/eur", "packet id: 7"} {
		if !strings.Contains(publish, want) {
			t.Errorf("PUBLISH inspector lacks %q:\n%s", want, publish)
		}
	}
	connack := plainLines(m.inspectorLines(2, 100))
	for _, want := range []string{"Error reply 5", "Not authorized", "PACKET", "mqtt CONNACK refused: not authorized", "return code: 5 (0x05) Not authorized"} {
		if !strings.Contains(connack, want) {
			t.Errorf("CONNACK inspector lacks %q:\n%s", want, connack)
		}
	}

	m, _ = newTestModel(t, 100, 60, Options{})
	sio := openEvent(0)
	sio.URL = "ws://127.0.0.1:8080/socket.io/?EIO=4&transport=websocket"
	feed(m, sio,
		textOut(time.Second, `451-["upload","name",{"file":{"_placeholder":true,"num":0}}]`),
		msgEvent(2*time.Second, conn.Out, conn.OpBinary, "\x00\x01\x02"))
	event := plainLines(m.inspectorLines(1, 100))
	if !strings.Contains(event, "event: upload") || !strings.Contains(event, "attachments: 1 binary message to follow") {
		t.Errorf("binary event inspector:\n%s", event)
	}
	attachment := plainLines(m.inspectorLines(2, 100))
	for _, want := range []string{`belongs to: BINARY_EVENT "upload"`, "placeholder: num 0", "replaces: argument 2.file",
		"size: 3 bytes", "attachments: all 1 arrived: 3 bytes"} {
		if !strings.Contains(attachment, want) {
			t.Errorf("attachment inspector lacks %q:\n%s", want, attachment)
		}
	}
}

// A Socket.IO server that pinged and got no pong closes without a code
// pingTimeout later, as the real server does; the close row and the
// inspector explain it as the missed heartbeat, not as a close without a
// status.
func TestMissedHeartbeatEndingIsShown(t *testing.T) {
	m, _ := newTestModel(t, 120, 40, Options{})
	open := openEvent(0)
	open.URL = "ws://127.0.0.1:8080/socket.io/?EIO=4&transport=websocket"
	open.Subprotocol, open.Extensions = "", nil
	end := conn.Event{Type: conn.EventClose, Time: t0.Add(1500 * time.Millisecond), Dir: conn.In, Opcode: conn.OpClose, Code: 1005}
	feed(m, open,
		textIn(time.Millisecond, `0{"sid":"Zx1hVnTn8vi0AAAB","upgrades":[],"pingInterval":1000,"pingTimeout":500,"maxPayload":1000000}`),
		textIn(1000*time.Millisecond, "2"),
		end)
	if got := m.closeBadge(3); got != "CLOSE 1005 Missed heartbeat: ping timeout" {
		t.Errorf("close badge %q", got)
	}
	insp := plainLines(m.inspectorLines(3, 100))
	for _, want := range []string{"Missed heartbeat: ping timeout", "pingTimeout (500ms", "Answer every 2 with 3"} {
		if !strings.Contains(flat(insp), want) {
			t.Errorf("inspector lacks %q:\n%s", want, insp)
		}
	}
}
