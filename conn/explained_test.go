package conn_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/conn/internal/peers"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/export"
)

// Failures that real servers report in their protocol's terms, and endings
// by a missed heartbeat, as tail writes them: its JSON line and its text
// line, both read from the event's one annotation.

// session dials opts and returns the client and its open event.
func session(t *testing.T, opts conn.Options) *conn.Client {
	t.Helper()
	c := conn.Dial(context.Background(), opts)
	t.Cleanup(c.Shutdown)
	if ev := next(t, c, 5*time.Second, func(conn.Event) bool { return true }); ev.Type != conn.EventOpen {
		t.Fatalf("dial %s: %v %+v", opts.URL, ev.Type, ev.Failure)
	}
	return c
}

// next returns the next event that want accepts, skipping the others.
func next(t *testing.T, c *conn.Client, wait time.Duration, want func(conn.Event) bool) conn.Event {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatal("events closed")
			}
			if want(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("no such event within %v", wait)
		}
	}
}

// tailOutput is the error and explanation tail --json writes for ev.
type tailOutput struct {
	Name  string `json:"name"`
	Hint  string `json:"hint"`
	Error *struct {
		Code        json.RawMessage `json:"code"`
		Message     string          `json:"message"`
		Format      string          `json:"format"`
		Name        string          `json:"name"`
		Explanation string          `json:"explanation"`
		Hint        string          `json:"hint"`
	} `json:"error"`
}

func tailLines(t *testing.T, ev conn.Event) (tailOutput, string) {
	t.Helper()
	r := history.FromEvent(ev)
	var j tailOutput
	line := r.AppendJSON(nil)
	if err := json.Unmarshal(line, &j); err != nil {
		t.Fatalf("tail --json line %s: %v", line, err)
	}
	return j, export.FormatLine(r, export.LineOptions{Location: time.UTC})
}

func incomingMessage(ev conn.Event) bool {
	return ev.Type == conn.EventMessage && ev.Dir == conn.In && ev.Opcode == conn.OpText
}

func TestSocketIOHeartbeatMissedIsExplained(t *testing.T) {
	t.Parallel() // it waits for the server's heartbeat
	const interval, timeout = time.Second, 500 * time.Millisecond
	c := session(t, conn.Options{URL: peers.SocketIOHeartbeat(t, interval, timeout) + "/socket.io/?EIO=4&transport=websocket",
		Protocol: conn.ProtocolNone})
	end := next(t, c, 5*time.Second, func(ev conn.Event) bool { return ev.Type == conn.EventClose || ev.Type == conn.EventError })
	if end.Type != conn.EventClose || end.Dir != conn.In || end.Code != 1005 {
		t.Fatalf("ending %v %v %d, want the server's close without a code", end.Type, end.Dir, end.Code)
	}
	j, text := tailLines(t, end)
	if j.Name != "Missed heartbeat: ping timeout" || !strings.Contains(j.Hint, "--protocol none") {
		t.Fatalf("tail --json explains the ending as %q, hint %q", j.Name, j.Hint)
	}
	if !strings.Contains(text, "Missed heartbeat: ping timeout") || strings.Contains(text, "No Status Received") {
		t.Fatalf("tail's text line: %s", text)
	}
	if ex := end.Note.Explanation.Explanation; !strings.Contains(ex, "pingTimeout (500ms") {
		t.Fatalf("explanation %q does not give the server's pingTimeout", ex)
	}
}

// The same server with the pings answered ends only when told to: no
// ending is blamed on the heartbeat.
func TestSocketIOHeartbeatAnsweredIsNotBlamed(t *testing.T) {
	t.Parallel()
	c := session(t, conn.Options{URL: peers.SocketIOHeartbeat(t, time.Second, 500*time.Millisecond) + "/socket.io/?EIO=4&transport=websocket"})
	next(t, c, 3*time.Second, func(ev conn.Event) bool { return ev.Type == conn.EventMessage && ev.Auto })
	c.Close(1000, "done")
	end := next(t, c, 5*time.Second, func(ev conn.Event) bool { return ev.Type == conn.EventClose })
	if end.Note == nil || strings.HasPrefix(end.Note.Name, "Missed heartbeat") {
		t.Fatalf("our own close explained as %+v", end.Note)
	}
}

func TestSocketIORefusalIsAnErrorReply(t *testing.T) {
	c := session(t, conn.Options{URL: peers.SocketIO(t) + "/socket.io/?EIO=4&transport=websocket"})
	next(t, c, 5*time.Second, incomingMessage) // open
	c.Send(conn.OpText, []byte("40/admin,"))
	ev := next(t, c, 5*time.Second, incomingMessage)
	p := ev.Note.Protocol
	if p == nil || p.Type != "CONNECT_ERROR" || p.Error == nil || p.Error.Message != "not authorized" {
		t.Fatalf("refusal %q decoded as %+v", ev.Payload, p)
	}
	j, text := tailLines(t, ev)
	if j.Error == nil || j.Error.Message != "not authorized" || j.Error.Name != "Connection to namespace refused" ||
		!strings.Contains(j.Error.Explanation, "/admin") || j.Error.Hint == "" {
		t.Fatalf("tail --json error %+v", j.Error)
	}
	if !strings.Contains(text, "not authorized") {
		t.Fatalf("tail's text line: %s", text)
	}

	c.Send(conn.OpText, []byte("40/nowhere,"))
	ev = next(t, c, 5*time.Second, incomingMessage)
	if j, _ := tailLines(t, ev); j.Error == nil || j.Error.Name != "Invalid namespace" {
		t.Fatalf("unknown namespace %q: %+v", ev.Payload, j.Error)
	}
}

// A Socket.IO 4 server closes the connection, without a status, on a
// packet for a namespace it has not connected, and on a second CONNECT
// to one it has: the close says so rather than that nothing is wrong.
func TestSocketIOPacketForANamespaceNotConnectedIsExplained(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sends []string
		what  string
	}{
		{"event before CONNECT", []string{`42["echo","hi"]`}, "EVENT for namespace /"},
		{"CONNECT twice", []string{"40", "40"}, "a second CONNECT for namespace /"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := session(t, conn.Options{URL: peers.SocketIO(t) + "/socket.io/?EIO=4&transport=websocket"})
			next(t, c, 5*time.Second, incomingMessage) // open
			for i, m := range tc.sends {
				c.Send(conn.OpText, []byte(m))
				if i < len(tc.sends)-1 {
					next(t, c, 5*time.Second, incomingMessage) // the server's CONNECT
				}
			}
			ev := next(t, c, 5*time.Second, func(ev conn.Event) bool { return ev.Type == conn.EventClose && ev.Dir == conn.In })
			x := ev.Note.Explanation
			if ev.Code != 1005 || x.Name != "Packet for a namespace not connected" || !strings.Contains(x.Explanation, tc.what) ||
				!strings.Contains(x.Hint, "CONNECT") {
				t.Fatalf("close %d explained as %q: %q / %q", ev.Code, x.Name, x.Explanation, x.Hint)
			}
		})
	}
	// The same packets once the namespace is connected pass.
	c := session(t, conn.Options{URL: peers.SocketIO(t) + "/socket.io/?EIO=4&transport=websocket"})
	next(t, c, 5*time.Second, incomingMessage) // open
	c.Send(conn.OpText, []byte("40"))
	next(t, c, 5*time.Second, incomingMessage) // CONNECT
	c.Send(conn.OpText, []byte(`421["echo","hi"]`))
	if ev := next(t, c, 5*time.Second, incomingMessage); string(ev.Payload) != `431["hi"]` {
		t.Fatalf("got %q, want the ack", ev.Payload)
	}
}

func TestGraphQLErrorIsExplained(t *testing.T) {
	c := session(t, conn.Options{URL: peers.GraphQLWS(t), Subprotocols: []string{"graphql-transport-ws"}})
	c.Send(conn.OpText, []byte(`{"type":"connection_init"}`))
	next(t, c, 5*time.Second, incomingMessage) // connection_ack
	c.Send(conn.OpText, []byte(`{"type":"subscribe","id":"v","payload":{"query":"subscription { nosuch }"}}`))
	ev := next(t, c, 5*time.Second, incomingMessage)
	if p := ev.Note.Protocol; p == nil || p.Type != "error" || p.Error == nil {
		t.Fatalf("%q decoded as %+v", ev.Payload, p)
	}
	j, _ := tailLines(t, ev)
	if j.Error == nil || !strings.Contains(j.Error.Message, "nosuch") ||
		!strings.Contains(j.Error.Explanation, "ends the operation") || j.Error.Hint == "" {
		t.Fatalf("tail --json error %+v", j.Error)
	}

	c.Send(conn.OpText, []byte(`{"type":"subscribe","id":"f","payload":{"query":"subscription { fail }"}}`))
	ev = next(t, c, 5*time.Second, incomingMessage)
	if j, _ := tailLines(t, ev); j.Error == nil || !strings.Contains(j.Error.Message, "feed unavailable") || j.Error.Explanation == "" {
		t.Fatalf("%q: tail --json error %+v", ev.Payload, j.Error)
	}
}

func TestMQTTRefusalIsExplained(t *testing.T) {
	// aedes writes the CONNACK in parts, each a message of its own: the
	// refusal is read from the packet the messages make up.
	c := session(t, conn.Options{URL: peers.MQTT(t), Subprotocols: []string{"mqtt"}})
	str := func(s string) []byte { return append([]byte{0, byte(len(s))}, s...) }
	body := append(str("MQTT"), 4, 0xc2, 0, 60)
	body = append(append(append(body, str("wsdbg-refused")...), str("bad")...), str("secret")...)
	c.Send(conn.OpBinary, append([]byte{0x10, byte(len(body))}, body...))
	ev := next(t, c, 5*time.Second, func(ev conn.Event) bool {
		return ev.Type == conn.EventMessage && ev.Dir == conn.In && ev.Note != nil && ev.Note.Envelope != nil
	})
	if p := ev.Note.Protocol; p == nil || p.Type != "CONNACK" || p.Error == nil || p.Error.Code != "4" {
		t.Fatalf("CONNACK decoded as %+v", p)
	}
	j, _ := tailLines(t, ev)
	if j.Error == nil || string(j.Error.Code) != "4" || j.Error.Name != "Bad user name or password" || j.Error.Hint == "" {
		t.Fatalf("tail --json error %+v", j.Error)
	}
}

func TestMQTTKeepAliveMissedIsExplained(t *testing.T) {
	t.Parallel() // it waits for the broker's keep-alive timer
	// With --protocol none wsdbg sends no PINGREQ of its own. Keep-alive
	// 1 s, and then silence: aedes drops the client after one and a half
	// times it.
	c := session(t, conn.Options{URL: peers.MQTT(t), Subprotocols: []string{"mqtt"}, Protocol: "none"})
	str := func(s string) []byte { return append([]byte{0, byte(len(s))}, s...) }
	body := append(str("MQTT"), 4, 0x02, 0, 1)
	body = append(body, str("wsdbg-keepalive")...)
	c.Send(conn.OpBinary, append([]byte{0x10, byte(len(body))}, body...))
	end := next(t, c, 5*time.Second, func(ev conn.Event) bool {
		return ev.Type == conn.EventClose && ev.Dir == conn.In || ev.Type == conn.EventError
	})
	j, text := tailLines(t, end)
	if j.Name != "Missed heartbeat: keep-alive timeout" || !strings.Contains(j.Hint, "PINGREQ") || !strings.Contains(j.Hint, "--protocol none") {
		t.Fatalf("ending (%v %d) explained as %q, hint %q", end.Type, end.Code, j.Name, j.Hint)
	}
	if !strings.Contains(text, "Missed heartbeat: keep-alive timeout") {
		t.Fatalf("tail's text line: %s", text)
	}
}

// A Socket.IO server's close carries no code whatever its reason, so a
// 1005 from one is not called benign: the session was ended by the server.
func TestSocketIOServerCloseIsNotCalledBenign(t *testing.T) {
	c := session(t, conn.Options{URL: peers.SocketIO(t) + "/socket.io/?EIO=4&transport=websocket", Protocol: "none"})
	next(t, c, 5*time.Second, incomingMessage) // Engine.IO's open
	c.Send(conn.OpText, []byte("40"))
	next(t, c, 5*time.Second, incomingMessage) // the namespace CONNECT's answer
	c.Send(conn.OpText, []byte(`42["bye"]`))
	end := next(t, c, 5*time.Second, func(ev conn.Event) bool { return ev.Type == conn.EventClose && ev.Dir == conn.In })
	j, text := tailLines(t, end)
	if end.Code != 1005 || j.Name != "Socket.IO server closed the connection" || strings.Contains(text, "benign") {
		t.Fatalf("ending %d explained as %q: %s", end.Code, j.Name, text)
	}
}
