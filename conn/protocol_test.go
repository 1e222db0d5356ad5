package conn

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn/internal/peers"
	"github.com/wsdbg/wsdbg/conn/internal/wirepeer"
	"github.com/wsdbg/wsdbg/decode/protocol"
)

// Protocol packets on real servers: every message event leaves the
// connection with the packet it carried named on its note.

// packetOf returns the packet an event's note names, as
// "name/type/id/summary", or "" when there is none.
func packetOf(ev Event) string {
	if ev.Note == nil || ev.Note.Protocol == nil {
		return ""
	}
	p := ev.Note.Protocol
	return p.Name + "/" + p.Type + "/" + p.ID + "/" + p.Summary
}

// nextMessage returns the next message event in either direction.
func nextMessage(t *testing.T, c *Client) Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatal("events closed while waiting for a message")
			}
			if ev.Type == EventMessage {
				return ev
			}
			if ev.Type != EventWarning {
				t.Fatalf("got %s, want a message", describe(ev))
			}
		case <-deadline:
			t.Fatal("no message within 5s")
		}
	}
}

func expectPackets(t *testing.T, c *Client, want ...string) {
	t.Helper()
	for _, w := range want {
		ev := nextMessage(t, c)
		if got := packetOf(ev); got != w {
			t.Fatalf("%s %q: packet %q, want %q", ev.Dir, ev.Payload, got, w)
		}
	}
}

func TestSocketIOPackets(t *testing.T) {
	c, _ := dialPeer(t, Options{URL: socketIOURL(peers.SocketIO(t))})
	expectPackets(t, c, "engine.io/open//open, ping every 25000ms, timeout 20000ms")
	c.Send(OpText, []byte("40"))
	expectPackets(t, c, "socket.io/CONNECT//CONNECT /", "socket.io/CONNECT//CONNECT /")
	c.Send(OpText, []byte(`4217["echo","hi",{"n":1}]`))
	expectPackets(t, c, `socket.io/EVENT/17/EVENT "echo" #17`, "socket.io/ACK/17/ACK #17")
	c.Send(OpText, []byte("40/admin,"))
	expectPackets(t, c, "socket.io/CONNECT//CONNECT /admin",
		"socket.io/CONNECT_ERROR//CONNECT_ERROR /admin: not authorized")
	c.Send(OpText, []byte(`451-["bin",{"_placeholder":true,"num":0}]`))
	c.Send(OpBinary, []byte{0, 1, 2})
	expectPackets(t, c, `socket.io/BINARY_EVENT//BINARY_EVENT "bin", 1 attachment`, `socket.io/attachment//attachment 1 of 1 of BINARY_EVENT "bin"`,
		`socket.io/BINARY_EVENT//BINARY_EVENT "bin", 1 attachment`, `socket.io/attachment//attachment 1 of 1 of BINARY_EVENT "bin"`)
}

// The server pings every second and drops a client that has not answered
// within half a second; the client answers on its own, so the session
// outlives ten pings.
func TestSocketIOHeartbeatAnswered(t *testing.T) {
	if testing.Short() {
		t.Skip("waits 10s for the server's heartbeat")
	}
	t.Parallel()
	const interval, timeout, stay = time.Second, 500 * time.Millisecond, 10 * time.Second
	c, _ := dialPeer(t, Options{URL: socketIOURL(peers.SocketIOHeartbeat(t, interval, timeout))})
	pings, pongs := 0, 0
	deadline := time.After(stay)
	for done := false; !done; {
		select {
		case ev := <-c.Events():
			switch {
			case ev.Type != EventMessage:
				t.Fatalf("after %d pings: %s, want the session to stay open", pings, describe(ev))
			case ev.Dir == In && string(ev.Payload) == "2":
				if got := packetOf(ev); got != "engine.io/ping//ping" {
					t.Fatalf("ping annotated %q", got)
				}
				pings++
			case ev.Dir == Out:
				if string(ev.Payload) != "3" || !ev.Auto || packetOf(ev) != "engine.io/pong//pong (automatic)" {
					t.Fatalf("sent %q auto=%v packet %q, want the automatic pong 3", ev.Payload, ev.Auto, packetOf(ev))
				}
				if pongs++; pongs > pings {
					t.Fatalf("%d pongs for %d pings", pongs, pings)
				}
			}
		case <-deadline:
			done = true
		}
	}
	if pings < 8 || pongs < pings-1 {
		t.Fatalf("%d pings and %d pongs in %v, want about %d of each", pings, pongs, stay, int(stay/interval))
	}
}

func TestGraphQLWSPackets(t *testing.T) {
	c, _ := dialGraphQL(t)
	send := func(m string) { c.Send(OpText, []byte(m)) }
	send(`{"type":"connection_init"}`)
	expectPackets(t, c, "graphql-transport-ws/connection_init//connection_init",
		"graphql-transport-ws/connection_ack//connection_ack")
	send(`{"type":"subscribe","id":"s","payload":{"query":"subscription Count { count(to: 1) }"}}`)
	expectPackets(t, c, "graphql-transport-ws/subscribe/s/subscribe #s subscription Count",
		"graphql-transport-ws/next/s/next #s", "graphql-transport-ws/complete/s/complete #s")
	send(`{"type":"subscribe","id":"v","payload":{"query":"subscription { nosuch }"}}`)
	ev := nextMessage(t, c)
	ev = nextMessage(t, c)
	if got := packetOf(ev); !strings.HasPrefix(got, "graphql-transport-ws/error/v/error #v: ") || !strings.Contains(got, "nosuch") {
		t.Fatalf("validation error annotated %q", got)
	}
}

func TestMQTTPacketsAcrossMessages(t *testing.T) {
	c, _ := dialPeer(t, Options{URL: peers.MQTT(t), Subprotocols: []string{"mqtt"}})
	c.Send(OpBinary, mqttConnect("wsdbg-packets", "bad", "secret"))
	expectPackets(t, c, "mqtt/CONNECT//CONNECT v3.1.1 client wsdbg-packets")
	// aedes writes the CONNACK a byte at a time; the message that
	// completes it carries its name.
	var last string
	for got := 0; got < 4; got++ {
		ev := nextMessage(t, c)
		if ev.Dir != In || len(ev.Payload) == 0 {
			t.Fatalf("got %s", describe(ev))
		}
		last = packetOf(ev)
		if got += len(ev.Payload) - 1; got < 3 && !strings.HasPrefix(last, "mqtt/part//part of CONNACK") {
			t.Fatalf("partial CONNACK annotated %q", last)
		}
	}
	if last != "mqtt/CONNACK//CONNACK refused: bad user name or password" {
		t.Fatalf("CONNACK annotated %q", last)
	}
}

func TestMQTTPublishAndSubscribe(t *testing.T) {
	c, _ := dialPeer(t, Options{URL: peers.MQTT(t), Subprotocols: []string{"mqtt"}})
	c.Send(OpBinary, mqttConnect("wsdbg-pubsub", "", ""))
	expectPackets(t, c, "mqtt/CONNECT//CONNECT v3.1.1 client wsdbg-pubsub")
	waitFor := func(want string) {
		t.Helper()
		for range 20 {
			if packetOf(nextMessage(t, c)) == want {
				return
			}
		}
		t.Fatalf("no %q", want)
	}
	waitFor("mqtt/CONNACK//CONNACK accepted")
	c.Send(OpBinary, []byte("\x82\x0f\x00\x05\x00\x0aprices/eur\x01"))
	expectPackets(t, c, "mqtt/SUBSCRIBE/5/SUBSCRIBE #5 prices/eur")
	waitFor("mqtt/SUBACK/5/SUBACK #5 qos1")
	c.Send(OpBinary, []byte("\x32\x11\x00\x0aprices/eur\x00\x07\x31\x30\x31"))
	expectPackets(t, c, "mqtt/PUBLISH/7/PUBLISH prices/eur qos1 #7")
	waitFor("mqtt/PUBACK/7/PUBACK #7")
}

func TestProtocolNoneDecodesNothing(t *testing.T) {
	c, _ := dialPeer(t, Options{URL: socketIOURL(peers.SocketIO(t)), Protocol: ProtocolNone})
	if ev := nextMessage(t, c); ev.Note != nil && ev.Note.Protocol != nil {
		t.Fatalf("decoded %q with --protocol none", packetOf(ev))
	}
}

// The protocol named in the options wins over what the URL says.
func TestProtocolOption(t *testing.T) {
	a := NewAnnotator(Options{URL: "ws://h/socket.io/?EIO=4", Protocol: protocol.Phoenix})
	a.Annotate(&Event{Type: EventOpen, URL: "ws://h/socket.io/?EIO=4"})
	ev := Event{Type: EventMessage, Dir: In, Opcode: OpText, Payload: []byte(`["1","1","t","phx_reply",{"status":"ok"}]`)}
	a.Annotate(&ev)
	if got := packetOf(ev); got != "phoenix/phx_reply/1/phx_reply t ok" {
		t.Fatalf("annotated %q", got)
	}
}

// What annotating an ordinary message costs with protocol decoding off
// and on, for each protocol; the difference is what decoding its packet
// (and looking for the request it answers) adds.
func BenchmarkAnnotateMessage(b *testing.B) {
	const quote = `{"price":101.25,"symbol":"EURUSD","ts":1700000000123,"bid":101.24,"ask":101.26}`
	for _, bc := range []struct {
		name, url, payload string
		op                 Opcode
	}{
		{protocol.SocketIO, "ws://h/socket.io/?EIO=4&transport=websocket", `42["price",` + quote + `]`, OpText},
		{protocol.GraphQLTransportWS, "ws://h/graphql", `{"id":"1","type":"next","payload":{"data":` + quote + `}}`, OpText},
		{protocol.MQTT, "ws://h/mqtt", "\x30\x5b\x00\x0aprices/eur" + quote, OpBinary},
		{protocol.STOMP, "ws://h/ws", "MESSAGE\ndestination:/topic/prices\nmessage-id:T_sub-0@@session-1@@1\nsubscription:sub-0\n" +
			"content-type:application/json\ncontent-length:79\n\n" + quote + "\x00", OpText},
		{protocol.Phoenix, "ws://h/socket/websocket?vsn=2.0.0", `[null,null,"prices:eur","tick",` + quote + `]`, OpText},
		{protocol.ActionCable, "ws://h/cable", `{"identifier":"{\"channel\":\"PriceChannel\"}","message":` + quote + `}`, OpText},
	} {
		for _, name := range []string{ProtocolNone, bc.name} {
			label := bc.name + " on"
			if name == ProtocolNone {
				label = bc.name + " off"
			}
			b.Run(label, func(b *testing.B) {
				a := NewAnnotator(Options{URL: bc.url, Protocol: name})
				a.Annotate(&Event{Type: EventOpen, URL: bc.url})
				ev := Event{Type: EventMessage, Dir: In, Opcode: bc.op, Payload: []byte(bc.payload)}
				a.Annotate(&ev)
				if name != ProtocolNone && (ev.Note == nil || ev.Note.Protocol == nil || ev.Note.Protocol.Name != bc.name) {
					b.Fatalf("%q is not decoded as %s: %+v", bc.payload, bc.name, ev.Note)
				}
				b.ReportAllocs()
				for b.Loop() {
					a.Annotate(&ev)
				}
			})
		}
	}
}

// The answer to an Engine.IO ping is one byte, taken even when the send
// queue is at its bounds: a client busy sending must not be dropped for
// an unanswered heartbeat.
func TestEngineIOPongTakenWhenQueueIsFull(t *testing.T) {
	pingNow, readNow := make(chan struct{}), make(chan struct{})
	pong := make(chan struct{})
	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
		<-pingNow
		p.WriteText("2")
		<-readNow
		for {
			f, err := p.ReadFrame()
			if err != nil {
				return
			}
			if f.Opcode == byte(OpText) && string(f.Payload) == "3" {
				close(pong)
				return
			}
		}
	})
	c := Dial(context.Background(), Options{URL: url + "/engine.io/?EIO=4&transport=websocket", MaxQueueMessages: 2})
	defer c.Shutdown()
	release := sync.OnceFunc(func() { close(readNow) })
	defer release() // a failing test must not leave the server waiting
	next(t, c, EventOpen)
	// The server reads nothing until told: once the socket's buffers are
	// full the writer is stuck and the queue stays full.
	chunk := make([]byte, 4<<20)
	for deadline := time.Now().Add(10 * time.Second); ; {
		err := c.Send(OpBinary, chunk)
		if errors.Is(err, ErrQueueFull) {
			break
		}
		if err != nil || time.Now().After(deadline) {
			t.Fatalf("the send queue never filled: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	close(pingNow)
	for {
		if ev := next(t, c, EventMessage); ev.Dir == In && string(ev.Payload) == "2" {
			break
		}
	}
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if n, _ := c.waiting(0); n == 3 {
			break
		}
		if time.Now().After(deadline) {
			n, _ := c.waiting(0)
			t.Fatalf("%d messages queued after the ping, want the 2 that filled the queue and the pong", n)
		}
	}
	release()
	select {
	case <-pong:
	case <-time.After(10 * time.Second):
		t.Fatal("the pong never reached the server")
	}
}
