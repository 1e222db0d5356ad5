package conn

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn/internal/peers"
	"github.com/wsdbg/wsdbg/decode/protocol"
)

// STOMP on RabbitMQ's Web-STOMP, Rails' ActionCable and a Phoenix-shaped
// socket: the protocol is told by the subprotocol or the URL, every
// message leaves the connection with its packet named, and the failures
// the servers report carry their explanation.

// packetIgnoring returns the next message event whose packet is not
// ignore, so that a server's periodic ping cannot break a sequence.
func packetIgnoring(t *testing.T, c *Client, ignore string) Event {
	t.Helper()
	for {
		if ev := nextMessage(t, c); ignore == "" || packetOf(ev) != ignore {
			return ev
		}
	}
}

// expectError reads the next packet, which must be want and report the
// failure named errName, on its note's envelope too.
func expectError(t *testing.T, c *Client, ignore, want, errName string) *protocol.Error {
	t.Helper()
	ev := packetIgnoring(t, c, ignore)
	if got := packetOf(ev); got != want {
		t.Fatalf("%s %q: packet %q, want %q", ev.Dir, ev.Payload, got, want)
	}
	e := ev.Note.Protocol.Error
	if e == nil || e.Name != errName || e.Explanation == "" {
		t.Fatalf("%q reports %+v, want the failure %q explained", ev.Payload, e, errName)
	}
	// The envelope is what tail --json's error object and the inspector
	// show: the packet's explanation, not a reading of the payload alone.
	if env := ev.Note.Envelope; env == nil || env.Explanation.Name != e.Name || env.Explanation.Explanation != e.Explanation ||
		env.Message != e.Message || env.Explanation.Reconnect != e.Reconnect {
		t.Fatalf("%q: envelope %+v, want the packet's failure %+v", ev.Payload, env, *e)
	}
	return e
}

func expectPacketsIgnoring(t *testing.T, c *Client, ignore string, want ...string) {
	t.Helper()
	for _, w := range want {
		ev := packetIgnoring(t, c, ignore)
		if got := packetOf(ev); got != w {
			t.Fatalf("%s %q: packet %q, want %q", ev.Dir, ev.Payload, got, w)
		}
		if ev.Note.Protocol.Error != nil {
			t.Fatalf("%q reports the failure %+v", ev.Payload, *ev.Note.Protocol.Error)
		}
	}
}

const stompConnect = "CONNECT\naccept-version:1.0,1.1,1.2\nhost:/\nlogin:guest\npasscode:guest\nheart-beat:0,0\n\n\x00"

func dialRabbitMQ(t *testing.T, subprotocol string) *Client {
	t.Helper()
	c, open := dialPeer(t, Options{URL: peers.RabbitMQStomp(t), Subprotocols: []string{subprotocol}})
	if open.Subprotocol != subprotocol {
		t.Fatalf("subprotocol %q, want %s", open.Subprotocol, subprotocol)
	}
	return c
}

func TestSTOMPOnRabbitMQ(t *testing.T) {
	// The subprotocol tells the protocol: a SEND opening the session would
	// not be sniffed as STOMP.
	for _, v := range []string{"v10.stomp", "v11.stomp", "v12.stomp"} {
		c := dialRabbitMQ(t, v)
		c.Send(OpText, []byte("SEND\ndestination:/topic/x\n\nearly\x00"))
		expectPackets(t, c, "stomp/SEND//SEND /topic/x")
		expectError(t, c, "", "stomp/ERROR//ERROR: Illegal command", "Not logged in")
	}

	c := dialRabbitMQ(t, "v12.stomp")
	c.Send(OpText, []byte(stompConnect))
	expectPackets(t, c, "stomp/CONNECT//CONNECT", "stomp/CONNECTED//CONNECTED version 1.2")
	c.Send(OpText, []byte("SUBSCRIBE\nid:sub-0\ndestination:/topic/x\nreceipt:r1\n\n\x00"))
	expectPackets(t, c, "stomp/SUBSCRIBE/sub-0/SUBSCRIBE /topic/x #sub-0 receipt r1", "stomp/RECEIPT/r1/RECEIPT #r1")
	c.Send(OpText, []byte("SEND\ndestination:/topic/x\ncontent-type:text/plain\n\nhello\x00"))
	expectPackets(t, c, "stomp/SEND//SEND /topic/x", "stomp/MESSAGE//MESSAGE /topic/x")
	c.Send(OpText, []byte("SEND\ndestination:/bogus/x\n\nhi\x00"))
	expectPackets(t, c, "stomp/SEND//SEND /bogus/x")
	e := expectError(t, c, "", "stomp/ERROR//ERROR: Unknown destination", "Unknown destination")
	if !strings.Contains(e.Message, "'/bogus/x' is not a valid destination") {
		t.Fatalf("message %q, want the broker's body", e.Message)
	}
	// Web-STOMP answers DISCONNECT by closing with 1000 "STOMP died", the
	// reason it gives for any end of a session.
	c.Send(OpText, []byte("DISCONNECT\nreceipt:bye\n\n\x00"))
	expectPackets(t, c, "stomp/DISCONNECT/bye/DISCONNECT #bye")
	for {
		ev := received(t, c, 5*time.Second)
		if ev.Type == EventMessage {
			continue // the RECEIPT, when Web-STOMP delivers it
		}
		if ev.Type != EventClose || ev.Code != 1000 || !strings.Contains(ev.Note.Explanation.Explanation, "after the client's DISCONNECT") {
			t.Fatalf("after DISCONNECT: %s", describe(ev))
		}
		break
	}
}

func TestSTOMPLoginRefusedByRabbitMQ(t *testing.T) {
	c := dialRabbitMQ(t, "v12.stomp")
	c.Send(OpText, []byte(strings.Replace(stompConnect, "passcode:guest", "passcode:wrong", 1)))
	expectPackets(t, c, "stomp/CONNECT//CONNECT")
	e := expectError(t, c, "", "stomp/ERROR//ERROR: Bad CONNECT", "Login refused")
	if e.Message != "Bad CONNECT: Access refused for user 'guest'" || e.Reconnect {
		t.Fatalf("message %q reconnect %v", e.Message, e.Reconnect)
	}
}

func TestSTOMPHeartBeatFromRabbitMQ(t *testing.T) {
	c := dialRabbitMQ(t, "v12.stomp")
	c.Send(OpText, []byte(strings.Replace(stompConnect, "heart-beat:0,0", "heart-beat:0,500", 1)))
	expectPackets(t, c, "stomp/CONNECT//CONNECT", "stomp/CONNECTED//CONNECTED version 1.2", "stomp/heartbeat//heart-beat")
}

// Web-STOMP 3.10 ends the session on an AMQP channel error such as
// not_found with close 1000 "STOMP died", and may lose the ERROR frame on
// the way; when the frame does arrive, it is named, and the close is not
// taken for a normal end.
func TestSTOMPNotFoundOnRabbitMQ(t *testing.T) {
	c := dialRabbitMQ(t, "v12.stomp")
	c.Send(OpText, []byte(stompConnect))
	c.Send(OpText, []byte("SUBSCRIBE\nid:s\ndestination:/amq/queue/nosuch\n\n\x00"))
	deadline := time.After(10 * time.Second)
	for {
		select {
		case ev := <-c.Events():
			switch {
			case ev.Type == EventMessage && ev.Dir == In && strings.HasPrefix(string(ev.Payload), "ERROR"):
				if e := ev.Note.Protocol.Error; e == nil || e.Name != "Not found" || e.Code != "not_found" {
					t.Fatalf("%q reports %+v", ev.Payload, e)
				}
			case ev.Type == EventClose && ev.Dir == In:
				if ev.Code != 1000 || ev.Reason != "STOMP died" {
					t.Fatalf("closed %d %q, want 1000 \"STOMP died\"", ev.Code, ev.Reason)
				}
				if x := ev.Note.Explanation; !strings.Contains(x.Explanation, "not_found") || strings.Contains(x.Hint, "Nothing is wrong") {
					t.Fatalf("the broker's end explained as %q, hint %q", x.Explanation, x.Hint)
				}
				return
			case ev.Type == EventError:
				t.Fatalf("got %s", describe(ev))
			}
		case <-deadline:
			t.Fatal("the broker did not end the session")
		}
	}
}

func dialPhoenix(t *testing.T, url string) *Client {
	t.Helper()
	c, _ := dialPeer(t, Options{URL: url})
	return c
}

func TestPhoenixPackets(t *testing.T) {
	c := dialPhoenix(t, peers.Phoenix(t)+peers.PhoenixPath)
	send := func(m string) { c.Send(OpText, []byte(m)) }
	// The URL tells the protocol: a heartbeat first would not be sniffed.
	send(`[null,"1","phoenix","heartbeat",{}]`)
	expectPackets(t, c, "phoenix/heartbeat/1/heartbeat phoenix", "phoenix/phx_reply/1/phx_reply phoenix ok")
	send(`["2","2","room:lobby","phx_join",{}]`)
	expectPackets(t, c, "phoenix/phx_join/2/phx_join room:lobby", "phoenix/phx_reply/2/phx_reply room:lobby ok")
	send(`["2","3","room:lobby","new_msg",{"body":"hi"}]`)
	expectPackets(t, c, "phoenix/new_msg/3/new_msg room:lobby", "phoenix/new_msg//new_msg room:lobby",
		"phoenix/phx_reply/3/phx_reply room:lobby ok")

	send(`["4","4","room:secret","phx_join",{}]`)
	expectPackets(t, c, "phoenix/phx_join/4/phx_join room:secret")
	e := expectError(t, c, "", "phoenix/phx_reply/4/phx_reply room:secret error", "Join refused")
	if e.Code != "unauthorized" || e.Reconnect {
		t.Fatalf("code %q reconnect %v, want unauthorized, false", e.Code, e.Reconnect)
	}
	send(`["6","6","nowhere","phx_join",{}]`)
	expectPackets(t, c, "phoenix/phx_join/6/phx_join nowhere")
	expectError(t, c, "", "phoenix/phx_reply/6/phx_reply nowhere error", "Unmatched topic")

	send(`["2","7","room:lobby","crash",{}]`)
	expectPackets(t, c, "phoenix/crash/7/crash room:lobby")
	if e := expectError(t, c, "", "phoenix/phx_error/2/phx_error room:lobby", "Channel crashed"); !e.Reconnect {
		t.Fatal("a crashed channel is rejoined: Reconnect false")
	}
	send(`["2","8","room:lobby","new_msg",{}]`)
	expectPackets(t, c, "phoenix/new_msg/8/new_msg room:lobby")
	expectError(t, c, "", "phoenix/phx_reply/8/phx_reply room:lobby error", "Unmatched topic")

	send(`["9","9","room:lobby","phx_join",{}]`)
	send(`["9","10","room:lobby","phx_leave",{}]`)
	expectPackets(t, c, "phoenix/phx_join/9/phx_join room:lobby", "phoenix/phx_leave/10/phx_leave room:lobby",
		"phoenix/phx_reply/9/phx_reply room:lobby ok", "phoenix/phx_reply/10/phx_reply room:lobby ok",
		"phoenix/phx_close/9/phx_close room:lobby")
}

// A socket whose connect/3 refuses answers 403, which for a Phoenix URL is
// explained as such rather than as an Origin check alone.
func TestPhoenixRefusedConnection(t *testing.T) {
	c := Dial(context.Background(), Options{URL: peers.Phoenix(t) + peers.PhoenixPath + "&token=bad"})
	defer c.Shutdown()
	ev := received(t, c, 5*time.Second)
	if ev.Type != EventError || ev.Failure == nil || ev.Failure.Status != 403 || ev.Note == nil {
		t.Fatalf("got %s, want the upgrade refused with 403", describe(ev))
	}
	if x := ev.Note.Explanation.Explanation; !strings.Contains(x, "connect/3") {
		t.Fatalf("explained as %q", x)
	}
}

// A client that stops heart-beating is closed by the server's transport
// timeout.
func TestPhoenixTimeoutClosesSilentClient(t *testing.T) {
	const timeout = 300 * time.Millisecond
	url := peers.PhoenixTimeout(t, timeout) + peers.PhoenixPath
	began := time.Now() // before the dial: the server's clock starts with the connection
	c := dialPhoenix(t, url)
	ev := received(t, c, 5*time.Second)
	if ev.Type != EventClose || ev.Dir != In || ev.Code != 1000 {
		t.Fatalf("got %s, want the server's close 1000", describe(ev))
	}
	if d := time.Since(began); d < timeout {
		t.Fatalf("closed after %v, before the %v timeout", d, timeout)
	}
}

const actionCablePing = "actioncable/ping//ping"

func dialActionCable(t *testing.T, query string) *Client {
	t.Helper()
	return dialActionCableAt(t, peers.ActionCable(t)+query)
}

func dialActionCableAt(t *testing.T, url string) *Client {
	t.Helper()
	c, open := dialPeer(t, Options{URL: url, Origin: "http://localhost",
		Subprotocols: []string{"actioncable-v1-json", "actioncable-unsupported"}})
	if open.Subprotocol != "actioncable-v1-json" {
		t.Fatalf("subprotocol %q, want actioncable-v1-json", open.Subprotocol)
	}
	return c
}

func TestActionCablePackets(t *testing.T) {
	c := dialActionCable(t, "?token=alice")
	// The subprotocol tells the protocol: welcome alone is not sniffed.
	expectPackets(t, c, "actioncable/welcome//welcome")
	chat := `{"command":"subscribe","identifier":"{\"channel\":\"ChatChannel\",\"room\":\"1\"}"}`
	c.Send(OpText, []byte(chat))
	expectPacketsIgnoring(t, c, actionCablePing, "actioncable/subscribe//subscribe ChatChannel",
		"actioncable/confirm_subscription//confirm_subscription ChatChannel")
	c.Send(OpText, []byte(`{"command":"message","identifier":"{\"channel\":\"ChatChannel\",\"room\":\"1\"}","data":"{\"action\":\"speak\",\"text\":\"hi\"}"}`))
	expectPacketsIgnoring(t, c, actionCablePing, "actioncable/message//message ChatChannel", "actioncable/message//message ChatChannel")

	c.Send(OpText, []byte(`{"command":"subscribe","identifier":"{\"channel\":\"SecretChannel\"}"}`))
	expectPacketsIgnoring(t, c, actionCablePing, "actioncable/subscribe//subscribe SecretChannel")
	e := expectError(t, c, actionCablePing, "actioncable/reject_subscription//reject_subscription SecretChannel", "Subscription rejected")
	if !strings.Contains(e.Message, "SecretChannel") {
		t.Fatalf("message %q does not name the channel", e.Message)
	}

	// ActionCable pings every 3 s.
	deadline := time.Now().Add(5 * time.Second)
	for packetOf(nextMessage(t, c)) != actionCablePing {
		if time.Now().After(deadline) {
			t.Fatal("no ping named within 5s")
		}
	}
}

func TestActionCableUnauthorized(t *testing.T) {
	for _, query := range []string{"", "?token=bad"} {
		c := dialActionCable(t, query)
		e := expectError(t, c, actionCablePing, "actioncable/disconnect//disconnect: unauthorized, do not reconnect", "Unauthorized")
		if e.Code != "unauthorized" || e.Reconnect {
			t.Fatalf("code %q reconnect %v, want unauthorized, false", e.Code, e.Reconnect)
		}
	}
}

// ActionCable answers an Origin its request forgery protection refuses
// with a 404 before the upgrade: no wrong path, and wsdbg says so.
func TestActionCableRefusedOrigin(t *testing.T) {
	for _, origin := range []string{"", "http://evil.example"} {
		c := Dial(context.Background(), Options{URL: peers.ActionCable(t) + "?token=alice", Origin: origin,
			Subprotocols: []string{"actioncable-v1-json"}})
		ev := received(t, c, 5*time.Second)
		c.Shutdown()
		if ev.Type != EventError || ev.Failure == nil || ev.Failure.Status != 404 || ev.Note == nil {
			t.Fatalf("Origin %q: got %s, want the upgrade refused with 404", origin, describe(ev))
		}
		x := ev.Note.Explanation
		if !strings.Contains(x.Explanation, "ActionCable") || !strings.Contains(x.Explanation, "Origin") ||
			strings.Contains(x.Explanation, "Nothing serves WebSockets at this path") {
			t.Fatalf("Origin %q explained as %q", origin, x.Explanation)
		}
		if origin != "" && !strings.Contains(x.Explanation, origin) {
			t.Fatalf("the explanation does not name the Origin sent: %q", x.Explanation)
		}
	}
}

// A restart sends every connection server_restart with the reconnect flag
// set, and the failure says reconnecting is right.
func TestActionCableServerRestart(t *testing.T) {
	c := dialActionCableAt(t, peers.ActionCableRestartable(t)+"?token=alice")
	expectPackets(t, c, "actioncable/welcome//welcome")
	c.Send(OpText, []byte(`{"command":"subscribe","identifier":"{\"channel\":\"RestartChannel\"}"}`))
	expectPacketsIgnoring(t, c, actionCablePing, "actioncable/subscribe//subscribe RestartChannel")
	for {
		ev := packetIgnoring(t, c, actionCablePing)
		if packetOf(ev) == "actioncable/confirm_subscription//confirm_subscription RestartChannel" {
			continue // the restart may come before or after the confirmation
		}
		if got, want := packetOf(ev), "actioncable/disconnect//disconnect: server_restart, may reconnect"; got != want {
			t.Fatalf("%q: packet %q, want %q", ev.Payload, got, want)
		}
		if e := ev.Note.Protocol.Error; e == nil || e.Name != "Server restart" || e.Code != "server_restart" || !e.Reconnect {
			t.Fatalf("%q reports %+v", ev.Payload, e)
		}
		return
	}
}
