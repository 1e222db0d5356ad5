package conn

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn/internal/peers"
	"github.com/wsdbg/wsdbg/conn/internal/wirepeer"
	"github.com/wsdbg/wsdbg/decode/protocol"
)

// The client half of each protocol against real servers: the opening
// packets Options.Opening asks for, and the heartbeats the client keeps
// on its own, each a sent message marked Auto.

// expectAuto reads the next message, which must be one the client sent
// on its own with the packet want.
func expectAuto(t *testing.T, c *Client, want string) Event {
	t.Helper()
	ev := nextMessage(t, c)
	if ev.Dir != Out || !ev.Auto || packetOf(ev) != want {
		t.Fatalf("%s %q auto=%v packet %q, want the automatic %q", ev.Dir, ev.Payload, ev.Auto, packetOf(ev), want)
	}
	return ev
}

func TestSocketIONamespaceConnectWithAuth(t *testing.T) {
	url := socketIOURL(peers.SocketIO(t))
	for _, tc := range []struct{ token, answer string }{
		{"secret", "socket.io/CONNECT//CONNECT /auth"},
		{"wrong", "socket.io/CONNECT_ERROR//CONNECT_ERROR /auth: bad token"},
	} {
		t.Run(tc.token, func(t *testing.T) {
			c := Dial(context.Background(), Options{URL: url,
				Opening: &Opening{Namespace: "/auth", Payload: json.RawMessage(`{"token":"` + tc.token + `"}`)}})
			t.Cleanup(c.Shutdown)
			// Queued before the connection opens, Engine.IO's noop must
			// still follow the namespace CONNECT and its answer.
			c.Send(OpText, []byte("6"))
			next(t, c, EventOpen)
			expectPackets(t, c, "engine.io/open//open, ping every 25000ms, timeout 20000ms")
			ev := expectAuto(t, c, "socket.io/CONNECT//CONNECT /auth (automatic)")
			if got, want := string(ev.Payload), `40/auth,{"token":"`+tc.token+`"}`; got != want {
				t.Fatalf("sent %q, want %q", got, want)
			}
			expectPackets(t, c, tc.answer, "engine.io/noop//noop")
		})
	}
}

// An event sent at once waits for the server's answer to the namespace
// CONNECT, as socket.io-client's emits do: a Socket.IO server closes a
// connection that sends a packet to a namespace it has not connected yet.
func TestSocketIOEventWaitsForTheNamespace(t *testing.T) {
	c := Dial(context.Background(), Options{URL: socketIOURL(peers.SocketIO(t)), Opening: &Opening{}})
	t.Cleanup(c.Shutdown)
	c.Send(OpText, []byte(`421["echo","hi"]`))
	next(t, c, EventOpen)
	expectPackets(t, c, "engine.io/open//open, ping every 25000ms, timeout 20000ms")
	expectAuto(t, c, "socket.io/CONNECT//CONNECT / (automatic)")
	expectPackets(t, c, "socket.io/CONNECT//CONNECT /", `socket.io/EVENT/1/EVENT "echo" #1`, "socket.io/ACK/1/ACK #1")
}

func TestGraphQLConnectionInitKeepsTheSession(t *testing.T) {
	if testing.Short() {
		t.Skip("waits past the server's 3s connectionInitWaitTimeout")
	}
	t.Parallel()
	c, _ := dialPeer(t, Options{URL: peers.GraphQLWS(t) + "/graphql", Subprotocols: []string{"graphql-transport-ws"},
		Opening: &Opening{Payload: json.RawMessage(`{"authToken":"abc"}`)}})
	ev := expectAuto(t, c, "graphql-transport-ws/connection_init//connection_init (automatic)")
	if got := string(ev.Payload); got != `{"type":"connection_init","payload":{"authToken":"abc"}}` {
		t.Fatalf("sent %q", got)
	}
	expectPackets(t, c, "graphql-transport-ws/connection_ack//connection_ack")
	select {
	case ev := <-c.Events():
		t.Fatalf("within 4s of the ack: %s, want the session to stay quiet and open", describe(ev))
	case <-time.After(4 * time.Second):
	}
	c.Send(OpText, []byte(`{"type":"subscribe","id":"s","payload":{"query":"subscription { count(to: 1) }"}}`))
	expectPackets(t, c, "graphql-transport-ws/subscribe/s/subscribe #s subscription",
		"graphql-transport-ws/next/s/next #s", "graphql-transport-ws/complete/s/complete #s")
}

// The server pings after the ack and again for each pong it receives,
// counting them: its third ping proves two pongs arrived.
func TestGraphQLPingAnswered(t *testing.T) {
	c, _ := dialPeer(t, Options{URL: peers.GraphQLWSPinging(t) + "/graphql", Subprotocols: []string{"graphql-transport-ws"},
		Opening: &Opening{}})
	expectAuto(t, c, "graphql-transport-ws/connection_init//connection_init (automatic)")
	expectPackets(t, c, "graphql-transport-ws/connection_ack//connection_ack")
	for pongs := 0; pongs <= 3; pongs++ {
		ev := nextMessage(t, c)
		want := `{"type":"ping"}`
		if pongs > 0 {
			want = `{"type":"ping","payload":{"pongs":` + strconv.Itoa(pongs) + `}}`
		}
		if ev.Dir != In || string(ev.Payload) != want {
			t.Fatalf("%s %q, want the server's %s", ev.Dir, ev.Payload, want)
		}
		pong := expectAuto(t, c, "graphql-transport-ws/pong//pong (automatic)")
		if string(pong.Payload) != `{"type":"pong"}` {
			t.Fatalf("answered %q", pong.Payload)
		}
	}
}

func TestMQTTConnectFromOptions(t *testing.T) {
	url := peers.MQTT(t)
	for _, tc := range []struct{ password, connack string }{
		{"secret", "mqtt/CONNACK//CONNACK accepted"},
		{"guess", "mqtt/CONNACK//CONNACK refused: bad user name or password"},
	} {
		t.Run(tc.password, func(t *testing.T) {
			c, _ := dialPeer(t, Options{URL: url, Subprotocols: []string{"mqtt"},
				Opening: &Opening{ClientID: "wsdbg-opening", User: "wsdbg", Password: tc.password, KeepAlive: time.Minute}})
			ev := expectAuto(t, c, "mqtt/CONNECT//CONNECT v3.1.1 client wsdbg-opening (automatic)")
			if want := mqttConnect("wsdbg-opening", "wsdbg", tc.password); string(ev.Payload) != string(want) {
				t.Fatalf("sent % x, want % x", ev.Payload, want)
			}
			awaitPacket(t, c, tc.connack)
		})
	}
}

// awaitPacket reads messages until one carries the packet want; aedes
// writes a packet in several messages.
func awaitPacket(t *testing.T, c *Client, want string) Event {
	t.Helper()
	for range 20 {
		if ev := nextMessage(t, c); packetOf(ev) == want {
			return ev
		}
	}
	t.Fatalf("no %q", want)
	return Event{}
}

// PINGREQ goes out at the keep-alive the CONNECT asked for, the user's
// own CONNECT as well, and only once nothing else went out for that long.
func TestMQTTPingReqAtKeepAlive(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for keep-alives")
	}
	t.Parallel()
	c, _ := dialPeer(t, Options{URL: peers.MQTT(t), Subprotocols: []string{"mqtt"}})
	connect := mqttConnect("wsdbg-keepalive", "", "")
	connect[11] = 1 // keep-alive: 1 s
	c.Send(OpBinary, connect)
	expectPackets(t, c, "mqtt/CONNECT//CONNECT v3.1.1 client wsdbg-keepalive")
	awaitPacket(t, c, "mqtt/CONNACK//CONNACK accepted")

	// A PUBLISH every 400ms keeps the connection alive without pings.
	publish := []byte("\x30\x07\x00\x01t\x68\x65\x6c\x6f")
	stopPublishing := time.Now().Add(2 * time.Second)
	for time.Now().Before(stopPublishing) {
		c.Send(OpBinary, publish)
		ev := nextMessage(t, c)
		if ev.Auto {
			t.Fatalf("sent %q on its own while PUBLISHes went out", packetOf(ev))
		}
		time.Sleep(400 * time.Millisecond)
	}
	quietSince := time.Now()
	ev := expectAuto(t, c, "mqtt/PINGREQ//PINGREQ (automatic)")
	if string(ev.Payload) != "\xc0\x00" {
		t.Fatalf("PINGREQ % x", ev.Payload)
	}
	if after := ev.Time.Sub(quietSince); after < 500*time.Millisecond || after > 1500*time.Millisecond {
		t.Fatalf("PINGREQ %v after the last PUBLISH, want about the 1s keep-alive", after)
	}
	awaitPacket(t, c, "mqtt/PINGRESP//PINGRESP")
	ev = expectAuto(t, c, "mqtt/PINGREQ//PINGREQ (automatic)")
	awaitPacket(t, c, "mqtt/PINGRESP//PINGRESP")

	// None once the connection is closed.
	c.Close(1000, "")
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				return
			}
			if ev.Auto {
				t.Fatalf("sent %q on its own after the close", packetOf(ev))
			}
		case <-time.After(3 * time.Second):
			return
		}
	}
}

// An idle session that speaks no protocol gets nothing on its own, nor a
// Phoenix socket with --protocol none.
func TestNoHeartbeatWithoutTheProtocol(t *testing.T) {
	t.Parallel()
	for _, opts := range []Options{
		{URL: peers.NodeWS(t) + "/socket/websocket?vsn=2.0.0", Protocol: ProtocolNone},
		{URL: peers.NodeWS(t) + "/plain", Opening: &Opening{}},
	} {
		tm := defaultTiming
		tm.phoenixHeartbeat = 100 * time.Millisecond
		c := dial(context.Background(), opts, tm)
		defer c.Shutdown()
		next(t, c, EventOpen)
		select {
		case ev := <-c.Events():
			t.Fatalf("%s: %s, want nothing", opts.URL, describe(ev))
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// The Phoenix heartbeat keeps a socket that the server closes after
// 1.5 s of silence open, each answered with phx_reply ok; with
// --protocol none the server closes it.
func TestPhoenixHeartbeatKeepsTheSession(t *testing.T) {
	if testing.Short() {
		t.Skip("waits past the server's transport timeout")
	}
	t.Parallel()
	url := peers.PhoenixTimeout(t, 1500*time.Millisecond) + "/socket/websocket?vsn=2.0.0"
	tm := defaultTiming
	tm.phoenixHeartbeat = 500 * time.Millisecond
	c := dial(context.Background(), Options{URL: url}, tm)
	defer c.Shutdown()
	open := next(t, c, EventOpen)
	for ref := 1; ref <= 6; ref++ {
		id := "hb-" + strconv.Itoa(ref)
		ev := expectAuto(t, c, "phoenix/heartbeat/"+id+"/heartbeat phoenix (automatic)")
		if want := `[null,"` + id + `","phoenix","heartbeat",{}]`; string(ev.Payload) != want {
			t.Fatalf("sent %q, want %q", ev.Payload, want)
		}
		if got := packetOf(nextMessage(t, c)); got != "phoenix/phx_reply/"+id+"/phx_reply phoenix ok" {
			t.Fatalf("answer %q", got)
		}
	}
	if lived := time.Since(open.Time); lived < 2500*time.Millisecond {
		t.Fatalf("six heartbeats in %v, want one every 500ms", lived)
	}

	silent := dial(context.Background(), Options{URL: url, Protocol: ProtocolNone}, tm)
	defer silent.Shutdown()
	next(t, silent, EventOpen)
	if ev := received(t, silent, 3*time.Second); ev.Type != EventClose || ev.Code != 1000 {
		t.Fatalf("without heartbeats: %s, want the server's close after 1.5s", describe(ev))
	}
}

// Serializer 1.x, which Phoenix uses when the URL names no vsn, takes the
// heartbeat as an object; Node's ws server echoes it.
func TestPhoenixHeartbeatV1(t *testing.T) {
	tm := defaultTiming
	tm.phoenixHeartbeat = 200 * time.Millisecond
	c := dial(context.Background(), Options{URL: peers.NodeWS(t) + "/socket/websocket", Protocol: protocol.Phoenix}, tm)
	defer c.Shutdown()
	open := next(t, c, EventOpen)
	ev := expectAuto(t, c, "phoenix/heartbeat/hb-1/heartbeat phoenix (automatic)")
	if want := `{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"hb-1"}`; string(ev.Payload) != want {
		t.Fatalf("sent %q, want %q", ev.Payload, want)
	}
	if after := ev.Time.Sub(open.Time); after < 150*time.Millisecond {
		t.Fatalf("first heartbeat %v after the open, want the interval", after)
	}
}

func TestOpeningProtocol(t *testing.T) {
	for _, tc := range []struct {
		opts       Options
		negotiated string
		want       string
	}{
		{Options{URL: "ws://h/socket.io/?EIO=4&transport=websocket"}, "", protocol.SocketIO},
		{Options{URL: "ws://h/graphql", Subprotocols: []string{"graphql-ws", "graphql-transport-ws"}}, "graphql-transport-ws", protocol.GraphQLTransportWS},
		{Options{URL: "ws://h/graphql", Subprotocols: []string{"graphql-ws", "graphql-transport-ws"}}, "", protocol.GraphQLWS},
		{Options{URL: "ws://h/mqtt", Protocol: protocol.MQTT}, "", protocol.MQTT},
		{Options{URL: "ws://h/mqtt", Protocol: ProtocolNone, Subprotocols: []string{"mqtt"}}, "mqtt", ""},
		{Options{URL: "ws://h/ws"}, "", ""},
	} {
		if got := OpeningProtocol(tc.opts, tc.negotiated); got != tc.want {
			t.Errorf("%+v negotiating %q: %q, want %q", tc.opts, tc.negotiated, got, tc.want)
		}
	}
}

// stompServer answers the client's CONNECT with CONNECTED carrying
// heartBeat, then reads what the client sends; each text frame it gets
// is passed on.
func stompServer(t *testing.T, heartBeat string) (string, <-chan string) {
	got := make(chan string, 64)
	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
		for {
			f, err := p.ReadFrame()
			if err != nil {
				return
			}
			if f.Opcode != byte(OpText) {
				continue
			}
			select {
			case got <- string(f.Payload):
			default:
			}
			if strings.HasPrefix(string(f.Payload), "CONNECT\n") {
				p.WriteText("CONNECTED\nversion:1.2\nheart-beat:" + heartBeat + "\n\n\x00")
			}
		}
	})
	return url, got
}

// The client sends STOMP's CONNECT from the options and then heart-beats
// at the interval CONNECT and CONNECTED agree on: the larger of the
// client's 200 ms and the server's wish for one every 300 ms.
func TestSTOMPConnectAndHeartBeat(t *testing.T) {
	url, got := stompServer(t, "0,300")
	c, _ := dialPeer(t, Options{URL: url, Protocol: protocol.STOMP,
		Opening: &Opening{User: "guest", Password: "guest", KeepAlive: 200 * time.Millisecond}})
	connect := expectAuto(t, c, "stomp/CONNECT//CONNECT (automatic)")
	want := "CONNECT\naccept-version:1.0,1.1,1.2\nhost:/\nlogin:guest\npasscode:guest\nheart-beat:200,200\n\n\x00"
	if string(connect.Payload) != want {
		t.Fatalf("sent %q, want %q", connect.Payload, want)
	}
	if s := <-got; s != want {
		t.Fatalf("the server got %q", s)
	}
	connected := nextMessage(t, c)
	if packetOf(connected) != "stomp/CONNECTED//CONNECTED version 1.2" {
		t.Fatalf("got %q", packetOf(connected))
	}
	last := connect.Time
	for range 3 {
		beat := expectAuto(t, c, "stomp/heartbeat//heart-beat (automatic)")
		if gap := beat.Time.Sub(last); gap < 250*time.Millisecond || gap > 600*time.Millisecond {
			t.Fatalf("heart-beat %v after the last frame, want about 300ms", gap)
		}
		if s := <-got; s != "\n" {
			t.Fatalf("the server got %q, want the heart-beat", s)
		}
		last = beat.Time
	}
}

// A server that wants no heart-beats gets none.
func TestSTOMPNoHeartBeatWhenTheServerWantsNone(t *testing.T) {
	url, _ := stompServer(t, "5000,0")
	c, _ := dialPeer(t, Options{URL: url, Protocol: protocol.STOMP, Opening: &Opening{KeepAlive: 100 * time.Millisecond}})
	expectAuto(t, c, "stomp/CONNECT//CONNECT (automatic)")
	nextMessage(t, c) // CONNECTED
	select {
	case ev := <-c.Events():
		t.Fatalf("%s, want nothing", describe(ev))
	case <-time.After(500 * time.Millisecond):
	}
}

// RabbitMQ's Web-STOMP accepts the CONNECT --connect sends, and the
// heart-beat it negotiates keeps the session.
func TestSTOMPConnectToRabbitMQ(t *testing.T) {
	if testing.Short() {
		t.Skip("starts RabbitMQ")
	}
	url := peers.RabbitMQStomp(t)
	for _, tc := range []struct{ passcode, answer string }{
		{"guest", "stomp/CONNECTED//CONNECTED version 1.2"},
		{"wrong", "stomp/ERROR//ERROR: Bad CONNECT"},
	} {
		t.Run(tc.passcode, func(t *testing.T) {
			c, _ := dialPeer(t, Options{URL: url, Subprotocols: []string{"v12.stomp"},
				Opening: &Opening{User: "guest", Password: tc.passcode, KeepAlive: time.Second}})
			expectAuto(t, c, "stomp/CONNECT//CONNECT (automatic)")
			ev := nextMessage(t, c)
			if got := packetOf(ev); got != tc.answer {
				t.Fatalf("answer %q %q, want %q", got, ev.Payload, tc.answer)
			}
			if tc.passcode != "guest" {
				if !strings.Contains(string(ev.Payload), "Access refused for user 'guest'") {
					t.Fatalf("refusal %q, want access refused", ev.Payload)
				}
				return
			}
			if !strings.Contains(string(ev.Payload), "heart-beat:") {
				t.Fatalf("CONNECTED without heart-beat: %q", ev.Payload)
			}
			// Both sides heart-beat about every second; two from the client
			// prove the session goes on.
			var beats int
			for deadline := time.Now().Add(5 * time.Second); beats < 2 && time.Now().Before(deadline); {
				ev := nextMessage(t, c)
				switch {
				case ev.Dir == Out && ev.Auto && packetOf(ev) == "stomp/heartbeat//heart-beat (automatic)":
					beats++
				case ev.Dir == Out:
					t.Fatalf("sent %q", ev.Payload)
				}
			}
			if beats < 2 {
				t.Fatalf("%d client heart-beats in 5s, want one a second", beats)
			}
		})
	}
}
