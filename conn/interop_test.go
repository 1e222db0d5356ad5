package conn

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn/internal/peers"
	"github.com/wsdbg/wsdbg/decode"
)

// Interoperability with servers people deploy: what the user sees from
// Socket.IO, graphql-ws, an MQTT broker, Python's websockets and nginx.

func TestMain(m *testing.M) {
	code := m.Run()
	peers.StopAll()
	os.Exit(code)
}

// received returns the next event that is not a message we sent, failing
// when none arrives within wait.
func received(t *testing.T, c *Client, wait time.Duration) Event {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("events closed while waiting for the server")
			}
			if ev.Type == EventMessage && ev.Dir == Out {
				continue
			}
			return ev
		case <-deadline:
			t.Fatalf("nothing from the server within %v", wait)
		}
	}
}

// receivedText returns the next event, which must be an incoming text
// message.
func receivedText(t *testing.T, c *Client) string {
	t.Helper()
	ev := received(t, c, 5*time.Second)
	if ev.Type != EventMessage || ev.Opcode != OpText {
		t.Fatalf("got %v %v (%s), want an incoming text message", ev.Type, ev.Opcode, describe(ev))
	}
	return string(ev.Payload)
}

// describe summarises an event for failure messages.
func describe(ev Event) string {
	s := fmt.Sprintf("%v %v code=%d reason=%q payload=%q", ev.Type, ev.Dir, ev.Code, ev.Reason, ev.Payload)
	if ev.Failure != nil {
		s += fmt.Sprintf(" cause=%q message=%q", ev.Failure.Cause, ev.Failure.Message)
	}
	return s
}

func dialPeer(t *testing.T, opts Options) (*Client, Event) {
	t.Helper()
	c := Dial(context.Background(), opts)
	t.Cleanup(c.Shutdown)
	open := received(t, c, 5*time.Second)
	if open.Type != EventOpen {
		t.Fatalf("dial %s: %s", opts.URL, describe(open))
	}
	return c, open
}

// Socket.IO 4 over its WebSocket transport: Engine.IO packets are text
// messages whose first digit is the packet type (0 open, 2 ping, 3 pong,
// 4 message), and a Socket.IO packet follows the 4.

func socketIOURL(base string) string { return base + "/socket.io/?EIO=4&transport=websocket" }

// engineIOOpen reads the Engine.IO open packet, 0 and a JSON handshake.
func engineIOOpen(t *testing.T, c *Client) (handshake struct {
	SID          string   `json:"sid"`
	Upgrades     []string `json:"upgrades"`
	PingInterval int      `json:"pingInterval"`
	PingTimeout  int      `json:"pingTimeout"`
}) {
	t.Helper()
	msg := receivedText(t, c)
	body, ok := strings.CutPrefix(msg, "0")
	if !ok || json.Unmarshal([]byte(body), &handshake) != nil || handshake.SID == "" {
		t.Fatalf("first message %q, want the Engine.IO open packet 0{\"sid\":...}", msg)
	}
	return handshake
}

// socketIOConnect joins the default namespace and returns its socket id.
func socketIOConnect(t *testing.T, c *Client) string {
	t.Helper()
	c.Send(OpText, []byte("40"))
	msg := receivedText(t, c)
	var ack struct {
		SID string `json:"sid"`
	}
	body, ok := strings.CutPrefix(msg, "40")
	if !ok || json.Unmarshal([]byte(body), &ack) != nil || ack.SID == "" {
		t.Fatalf("answer to 40 = %q, want 40{\"sid\":...}", msg)
	}
	return ack.SID
}

func TestSocketIOConnect(t *testing.T) {
	c, open := dialPeer(t, Options{URL: socketIOURL(peers.SocketIO(t))})
	if open.Status != 101 {
		t.Fatalf("status %d", open.Status)
	}
	hs := engineIOOpen(t, c)
	if hs.PingInterval != 25000 || hs.PingTimeout != 20000 || len(hs.Upgrades) != 0 {
		t.Fatalf("handshake %+v, want Socket.IO 4's defaults and no upgrades", hs)
	}
	if sid := socketIOConnect(t, c); sid == hs.SID {
		t.Fatalf("namespace socket id equals the Engine.IO session id %q", sid)
	}
}

func TestSocketIONamespaceRefused(t *testing.T) {
	c, _ := dialPeer(t, Options{URL: socketIOURL(peers.SocketIO(t))})
	engineIOOpen(t, c)
	c.Send(OpText, []byte("40/admin,"))
	ev := received(t, c, 5*time.Second)
	if got, want := string(ev.Payload), `44/admin,{"message":"not authorized"}`; got != want {
		t.Fatalf("answer to 40/admin, = %q, want %q", got, want)
	}
	// The refusal is annotated as an error reply where it leaves the
	// connection, so every view shows it as one.
	if ev.Note == nil || ev.Note.Envelope == nil || ev.Note.Envelope.Message != "not authorized" ||
		!strings.Contains(ev.Note.Envelope.Explanation.Explanation, "/admin") {
		t.Errorf("the refused namespace is not explained: %+v", ev.Note)
	}
}

func TestSocketIOAcknowledgement(t *testing.T) {
	c, _ := dialPeer(t, Options{URL: socketIOURL(peers.SocketIO(t))})
	engineIOOpen(t, c)
	socketIOConnect(t, c)
	c.Send(OpText, []byte(`4217["echo","hi",{"n":1}]`))
	if got, want := receivedText(t, c), `4317["hi",{"n":1}]`; got != want {
		t.Fatalf("acknowledgement %q, want %q", got, want)
	}
}

func TestSocketIOBinaryEvent(t *testing.T) {
	c, _ := dialPeer(t, Options{URL: socketIOURL(peers.SocketIO(t))})
	engineIOOpen(t, c)
	socketIOConnect(t, c)
	// A binary event is a text header counting its attachments, then one
	// binary message per attachment.
	header := `451-["bin",{"_placeholder":true,"num":0}]`
	attachment := []byte{0, 1, 2, 0xfe, 0xff}
	c.Send(OpText, []byte(header))
	c.Send(OpBinary, attachment)
	if got := receivedText(t, c); got != header {
		t.Fatalf("binary event header %q, want %q", got, header)
	}
	ev := received(t, c, 5*time.Second)
	if ev.Type != EventMessage || ev.Opcode != OpBinary || !bytes.Equal(ev.Payload, attachment) {
		t.Fatalf("attachment: %s, want binary %x", describe(ev), attachment)
	}
}

func TestSocketIOHeartbeatUnanswered(t *testing.T) {
	t.Parallel() // it waits seconds for a server-side timer
	const interval, timeout = 3 * time.Second, time.Second
	// Without protocol decoding the client does not answer the heartbeat.
	c, open := dialPeer(t, Options{URL: socketIOURL(peers.SocketIOHeartbeat(t, interval, timeout)), Protocol: ProtocolNone})
	hs := engineIOOpen(t, c)
	if hs.PingInterval != 3000 || hs.PingTimeout != 1000 {
		t.Fatalf("handshake %+v, want pingInterval 3000 and pingTimeout 1000", hs)
	}
	// Engine.IO 4 pings from the server; a client that does not answer
	// with "3" within pingTimeout is dropped.
	if msg := receivedText(t, c); msg != "2" {
		t.Fatalf("got %q, want the Engine.IO ping 2", msg)
	}
	if since := time.Since(open.Time); since < interval-500*time.Millisecond || since > interval+time.Second {
		t.Fatalf("ping came %v after open, want about %v", since, interval)
	}
	pinged := time.Now()
	end := received(t, c, interval)
	if end.Type != EventClose || end.Dir != In || end.Code != 1005 || end.HasCode {
		t.Fatalf("unanswered ping ended with %s, want the server's close without a code", describe(end))
	}
	if since := time.Since(pinged); since < timeout-300*time.Millisecond || since > timeout+time.Second {
		t.Fatalf("closed %v after the ping, want about %v", since, timeout)
	}
}

func TestSocketIORefusesEngineIO3(t *testing.T) {
	// Socket.IO 4 without allowEIO3 completes the WebSocket upgrade, then
	// writes an HTTP 400 response onto the upgraded connection.
	u := peers.SocketIO(t) + "/socket.io/?EIO=3&transport=websocket"
	c := Dial(context.Background(), Options{URL: u})
	t.Cleanup(c.Shutdown)
	ev := received(t, c, 5*time.Second)
	if ev.Type == EventOpen {
		ev = received(t, c, 5*time.Second)
	}
	if ev.Type != EventError || ev.Failure == nil || ev.Failure.Cause != decode.CauseHTTPAfterUpgrade {
		t.Fatalf("got %s, want an error with cause http-after-upgrade", describe(ev))
	}
	if f := ev.Failure; f.Status != 400 || !strings.Contains(f.Body, "Unsupported protocol version") || !strings.HasPrefix(f.Raw, `HTTP/1.1 400`) {
		t.Errorf("the response after the 101 is not quoted: status %d, body %q, raw %q", f.Status, f.Body, f.Raw)
	}
	if ev.Note == nil || !strings.Contains(ev.Note.Hint, "EIO=4") || strings.Contains(ev.Note.Explanation.Explanation, "compression") {
		t.Errorf("explained as %+v", ev.Note)
	}
}

// graphql-ws: JSON messages of the graphql-transport-ws subprotocol.

// graphQLMessage is one message of graphql-transport-ws.
type graphQLMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id,omitempty"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func sendGraphQL(t *testing.T, c *Client, m graphQLMessage) {
	t.Helper()
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	c.Send(OpText, b)
}

func receivedGraphQL(t *testing.T, c *Client) graphQLMessage {
	t.Helper()
	msg := receivedText(t, c)
	var m graphQLMessage
	if err := json.Unmarshal([]byte(msg), &m); err != nil {
		t.Fatalf("%q is not a graphql-transport-ws message: %v", msg, err)
	}
	return m
}

func dialGraphQL(t *testing.T) (*Client, Event) {
	t.Helper()
	return dialPeer(t, Options{URL: peers.GraphQLWS(t) + "/graphql", Subprotocols: []string{"graphql-transport-ws"}})
}

func TestGraphQLWSOperations(t *testing.T) {
	c, open := dialGraphQL(t)
	if open.Subprotocol != "graphql-transport-ws" {
		t.Fatalf("subprotocol %q, want graphql-transport-ws", open.Subprotocol)
	}
	sendGraphQL(t, c, graphQLMessage{Type: "connection_init"})
	if m := receivedGraphQL(t, c); m.Type != "connection_ack" {
		t.Fatalf("answer to connection_init: %+v", m)
	}

	sendGraphQL(t, c, graphQLMessage{Type: "subscribe", ID: "q", Payload: json.RawMessage(`{"query":"{ hello }"}`)})
	if m := receivedGraphQL(t, c); m.Type != "next" || m.ID != "q" || string(m.Payload) != `{"data":{"hello":"world"}}` {
		t.Fatalf("query result %+v", m)
	}
	if m := receivedGraphQL(t, c); m.Type != "complete" || m.ID != "q" {
		t.Fatalf("after the query result: %+v", m)
	}

	sendGraphQL(t, c, graphQLMessage{Type: "subscribe", ID: "s", Payload: json.RawMessage(`{"query":"subscription { count(to: 3) }"}`)})
	for i := 1; i <= 3; i++ {
		want := `{"data":{"count":` + strconv.Itoa(i) + `}}`
		if m := receivedGraphQL(t, c); m.Type != "next" || m.ID != "s" || string(m.Payload) != want {
			t.Fatalf("event %d: %+v, want next %s", i, m, want)
		}
	}
	if m := receivedGraphQL(t, c); m.Type != "complete" || m.ID != "s" {
		t.Fatalf("after the subscription's events: %+v", m)
	}
}

func TestGraphQLWSErrors(t *testing.T) {
	c, _ := dialGraphQL(t)
	sendGraphQL(t, c, graphQLMessage{Type: "connection_init"})
	receivedGraphQL(t, c)

	// A resolver that fails yields a result carrying errors, then complete.
	sendGraphQL(t, c, graphQLMessage{Type: "subscribe", ID: "f", Payload: json.RawMessage(`{"query":"subscription { fail }"}`)})
	m := receivedGraphQL(t, c)
	var result struct {
		Errors []struct{ Message string } `json:"errors"`
	}
	if m.Type != "next" || m.ID != "f" || json.Unmarshal(m.Payload, &result) != nil ||
		len(result.Errors) != 1 || result.Errors[0].Message != "feed unavailable" {
		t.Fatalf("failing subscription: %+v, want next with the resolver's error", m)
	}
	if m := receivedGraphQL(t, c); m.Type != "complete" || m.ID != "f" {
		t.Fatalf("after the error: %+v", m)
	}

	// An invalid operation is answered with an error message.
	sendGraphQL(t, c, graphQLMessage{Type: "subscribe", ID: "v", Payload: json.RawMessage(`{"query":"subscription { nosuch }"}`)})
	if m := receivedGraphQL(t, c); m.Type != "error" || m.ID != "v" || !strings.Contains(string(m.Payload), "nosuch") {
		t.Fatalf("invalid subscription: %+v, want an error message", m)
	}

	// The connection outlives failed operations.
	sendGraphQL(t, c, graphQLMessage{Type: "ping"})
	if m := receivedGraphQL(t, c); m.Type != "pong" {
		t.Fatalf("answer to ping: %+v", m)
	}
}

func TestGraphQLWSInitTimeout(t *testing.T) {
	t.Parallel() // it waits seconds for a server-side timer
	c, open := dialGraphQL(t)
	ev := received(t, c, 4*time.Second)
	if ev.Type != EventClose || ev.Dir != In || ev.Code != 4408 {
		t.Fatalf("without connection_init: %s, want the server's close 4408", describe(ev))
	}
	if took := ev.Time.Sub(open.Time); took < 2500*time.Millisecond || took > 3500*time.Millisecond {
		t.Fatalf("closed %v after open, want about 3s (connectionInitWaitTimeout)", took)
	}
	if out := received(t, c, 5*time.Second); out.Type != EventClose || out.Dir != Out || out.Code != 4408 {
		t.Fatalf("reply: %s, want our close 4408", describe(out))
	}
}

// MQTT 3.1.1 over WebSocket: binary messages carrying MQTT packets.

// mqttConnect builds a CONNECT packet for clientID, with a user name and
// password when user is not empty.
func mqttConnect(clientID, user, password string) []byte {
	str := func(s string) []byte { return append([]byte{byte(len(s) >> 8), byte(len(s))}, s...) }
	flags := byte(0x02) // clean session
	body := append(str("MQTT"), 4, 0, 0, 60)
	payload := str(clientID)
	if user != "" {
		flags |= 0x80 | 0x40
		payload = append(payload, str(user)...)
		payload = append(payload, str(password)...)
	}
	body[7] = flags
	body = append(body, payload...)
	return append([]byte{0x10, byte(len(body))}, body...)
}

// receivedBytes collects incoming binary messages until n bytes arrived:
// MQTT over WebSocket lets a packet span messages, and aedes, wired to ws
// as its documentation shows, sends every write as a message of its own.
func receivedBytes(t *testing.T, c *Client, n int) []byte {
	t.Helper()
	var got []byte
	for len(got) < n {
		ev := received(t, c, 5*time.Second)
		if ev.Type != EventMessage || ev.Opcode != OpBinary {
			t.Fatalf("after % x: %s, want binary messages", got, describe(ev))
		}
		got = append(got, ev.Payload...)
	}
	return got
}

func TestMQTTConnect(t *testing.T) {
	for _, tc := range []struct {
		name, user string
		connack    []byte
	}{
		{"anonymous", "", []byte{0x20, 0x02, 0x00, 0x00}},
		{"accepted user", "alice", []byte{0x20, 0x02, 0x00, 0x00}},
		// Return code 4: bad user name or password.
		{"refused user", "bad", []byte{0x20, 0x02, 0x00, 0x04}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, open := dialPeer(t, Options{URL: peers.MQTT(t), Subprotocols: []string{"mqtt"}})
			if open.Subprotocol != "mqtt" {
				t.Fatalf("subprotocol %q, want mqtt", open.Subprotocol)
			}
			c.Send(OpBinary, mqttConnect("wsdbg-"+strings.ReplaceAll(tc.name, " ", "-"), tc.user, "secret"))
			if got := receivedBytes(t, c, len(tc.connack)); !bytes.Equal(got, tc.connack) {
				t.Fatalf("got % x, want CONNACK % x", got, tc.connack)
			}
			if tc.connack[3] == 0 {
				return
			}
			// A broker that refused the CONNECT drops the connection
			// without a WebSocket close.
			ev := received(t, c, 5*time.Second)
			if ev.Type != EventError || ev.Failure == nil || ev.Failure.Cause != decode.CauseEOFWithoutClose {
				t.Fatalf("after the refusal: %s, want the connection dropped", describe(ev))
			}
		})
	}
}

// Python's websockets library.

func TestPythonCloseCodes(t *testing.T) {
	base := peers.PythonWebsockets(t)
	for _, code := range []int{1013, 1014, 4001} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			c, _ := dialPeer(t, Options{URL: base + "/close/" + strconv.Itoa(code)})
			in := received(t, c, 5*time.Second)
			reason := "closing with " + strconv.Itoa(code)
			if in.Type != EventClose || in.Dir != In || in.Code != code || in.Reason != reason {
				t.Fatalf("got %s, want the server's close %d %q", describe(in), code, reason)
			}
			if out := received(t, c, 5*time.Second); out.Type != EventClose || out.Dir != Out || out.Code != code {
				t.Fatalf("reply: %s, want our close echoing %d", describe(out), code)
			}
		})
	}
}

func TestPythonEcho(t *testing.T) {
	c, _ := dialPeer(t, Options{URL: peers.PythonWebsockets(t) + "/echo", Compress: true})
	text := strings.Repeat("python ", 500)
	c.Send(OpText, []byte(text))
	if got := receivedText(t, c); got != text {
		t.Fatalf("echo of %d bytes came back as %d", len(text), len(got))
	}
}

func TestPythonIdleAnswersPings(t *testing.T) {
	c, _ := dialPeer(t, Options{URL: peers.PythonWebsockets(t) + "/idle", PingInterval: 200 * time.Millisecond})
	for range 3 {
		ev := received(t, c, 2*time.Second)
		if ev.Type != EventMessage || ev.Opcode != OpPong || !strings.HasPrefix(string(ev.Payload), "wsdbg-") || ev.RTT <= 0 {
			t.Fatalf("got %s, want the pong to one of our pings with its round trip", describe(ev))
		}
	}
}

// nginx in front of Node's ws, with proxy_read_timeout 2s.

func TestNginxDropsIdleConnection(t *testing.T) {
	t.Parallel() // it waits seconds for a server-side timer
	c, open := dialPeer(t, Options{URL: peers.Nginx(t) + "/", RedialOnRequest: true})
	if server := open.ResponseHeader.Get("Server"); !strings.HasPrefix(server, "nginx") {
		t.Fatalf("Server header %q, want nginx", server)
	}
	c.Send(OpText, []byte("through the proxy"))
	if got := receivedText(t, c); got != "through the proxy" {
		t.Fatalf("echo %q", got)
	}
	drop := func() Event {
		t.Helper()
		ev := received(t, c, 4*time.Second)
		switch {
		case ev.Type == EventError && ev.Failure != nil && ev.Failure.Cause == decode.CauseEOFWithoutClose:
		case ev.Type == EventClose && ev.Code == 1006:
		default:
			t.Fatalf("after 2 s of silence: %s, want a drop without a close frame", describe(ev))
		}
		if ev.Idle < 1500*time.Millisecond || ev.Idle > 3*time.Second {
			t.Fatalf("idle %v at the drop, want about 2s (proxy_read_timeout)", ev.Idle)
		}
		if ev.Note == nil {
			t.Fatal("the drop is not explained")
		}
		// nginx's default is 60 s; this one is set to 2 s. The first drop
		// names nginx and its setting without ruling it out, and never
		// blames a crash with confidence.
		for _, want := range []string{"nginx is in front", "can be set shorter", "after 2s of quiet with no pings"} {
			if !strings.Contains(ev.Note.Explanation.Explanation, want) {
				t.Errorf("explanation lacks %q: %s", want, ev.Note.Explanation.Explanation)
			}
		}
		for _, wrong := range []string{"probably not", "unlikely"} {
			if strings.Contains(ev.Note.Explanation.Explanation, wrong) {
				t.Errorf("explanation rules the proxy out (%q): %s", wrong, ev.Note.Explanation.Explanation)
			}
		}
		for _, want := range []string{"`--ping 1s`", "proxy_read_timeout"} {
			if !strings.Contains(ev.Note.Hint, want) {
				t.Errorf("hint lacks %q: %s", want, ev.Note.Hint)
			}
		}
		return ev
	}
	drop()

	// The same quiet period before a second drop points to the timeout.
	c.Reconnect()
	if ev := received(t, c, 5*time.Second); ev.Type != EventOpen {
		t.Fatalf("reconnect: %s", describe(ev))
	}
	second := drop()
	if !strings.Contains(second.Note.Explanation.Explanation, "fixed idle timeout on the path") {
		t.Errorf("a drop repeating after the same quiet period is not called a timeout: %s", second.Note.Explanation.Explanation)
	}
}
