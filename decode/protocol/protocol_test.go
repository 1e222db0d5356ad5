package protocol

import (
	"strings"
	"testing"
)

// msg is one message of a conversation: its direction, whether it is
// binary, and what it carried.
type msg struct {
	in      bool
	binary  bool
	payload string
}

func in(p string) msg     { return msg{in: true, payload: p} }
func out(p string) msg    { return msg{payload: p} }
func inBin(p string) msg  { return msg{in: true, binary: true, payload: p} }
func outBin(p string) msg { return msg{binary: true, payload: p} }

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name     string
		protocol string
		msgs     []msg
		want     []string // name/type/id/summary per message; "" when no packet
	}{
		{"engine.io and socket.io", SocketIO, []msg{
			in(`0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`),
			out(`40`),
			in(`40{"sid":"xyz"}`),
			in(`2`), out(`3`),
			out(`4212["chat","hello"]`),
			out(`42/admin,12["chat","hello"]`),
			in(`43/admin,12["ok"]`),
			out(`40/admin,`),
			in(`44/admin,{"message":"not authorized"}`),
			out(`41/admin,`),
			out(`451-["bin",{"_placeholder":true,"num":0}]`),
			outBin("\x00\x01"),
			inBin("\x00"),
			in(`6`),
			in(`hello`),
		}, []string{
			"engine.io/open//open, ping every 25000ms, timeout 20000ms",
			"socket.io/CONNECT//CONNECT /",
			"socket.io/CONNECT//CONNECT /",
			"engine.io/ping//ping", "engine.io/pong//pong",
			`socket.io/EVENT/12/EVENT "chat" #12`,
			`socket.io/EVENT/12/EVENT "chat" #12 /admin`,
			"socket.io/ACK/12/ACK #12 /admin",
			"socket.io/CONNECT//CONNECT /admin",
			"socket.io/CONNECT_ERROR//CONNECT_ERROR /admin: not authorized",
			"socket.io/DISCONNECT//DISCONNECT /admin",
			`socket.io/BINARY_EVENT//BINARY_EVENT "bin", 1 attachment`,
			`socket.io/attachment//attachment 1 of 1 of BINARY_EVENT "bin"`,
			"engine.io/message//message (binary)",
			"engine.io/noop//noop",
			"",
		}},
		{"engine.io sniffed, socket.io on its first CONNECT", "", []msg{
			in(`0{"sid":"abc","pingInterval":3000,"pingTimeout":1000}`),
			in(`4plain`),
			out(`40`),
			in(`42["tick",1]`),
		}, []string{
			"engine.io/open//open, ping every 3000ms, timeout 1000ms",
			"engine.io/message//message",
			"socket.io/CONNECT//CONNECT /",
			`socket.io/EVENT//EVENT "tick"`,
		}},
		{"untrusted names are escaped", SocketIO, []msg{
			in("42[\"\x1b[31mred\",1]"),
		}, []string{
			`socket.io/EVENT//EVENT "\x1b[31mred"`,
		}},
		{"graphql-transport-ws", GraphQLTransportWS, []msg{
			out(`{"type":"connection_init","payload":{}}`),
			in(`{"type":"connection_ack"}`),
			out(`{"id":"1","type":"subscribe","payload":{"query":"subscription OnPrice {\n price }"}}`),
			out(`{"id":"2","type":"subscribe","payload":{"query":"query Q { a }","operationName":"Named"}}`),
			out(`{"id":"3","type":"subscribe","payload":{"query":"{ hello }"}}`),
			in(`{"id":"1","type":"next","payload":{"data":{"price":1}}}`),
			in(`{"id":"v","type":"error","payload":[{"message":"Cannot query field \"nosuch\""}]}`),
			in(`{"id":"1","type":"complete"}`),
			out(`{"type":"ping"}`),
			in(`{"type":"start","id":"1"}`),
			in(`not json`),
		}, []string{
			"graphql-transport-ws/connection_init//connection_init",
			"graphql-transport-ws/connection_ack//connection_ack",
			"graphql-transport-ws/subscribe/1/subscribe #1 subscription OnPrice",
			"graphql-transport-ws/subscribe/2/subscribe #2 query Named",
			"graphql-transport-ws/subscribe/3/subscribe #3 query",
			"graphql-transport-ws/next/1/next #1",
			`graphql-transport-ws/error/v/error #v: Cannot query field "nosuch"`,
			"graphql-transport-ws/complete/1/complete #1",
			"graphql-transport-ws/ping//ping",
			"", "",
		}},
		{"legacy graphql-ws", GraphQLWS, []msg{
			out(`{"type":"start","id":"1","payload":{"query":"mutation Add { add }"}}`),
			in(`{"type":"ka"}`),
			in(`{"type":"data","id":"1","payload":{"data":{}}}`),
			in(`{"type":"connection_error","payload":{"message":"bad token"}}`),
			out(`{"type":"stop","id":"1"}`),
		}, []string{
			"graphql-ws/start/1/start #1 mutation Add",
			"graphql-ws/ka//ka",
			"graphql-ws/data/1/data #1",
			"graphql-ws/connection_error//connection_error: bad token",
			"graphql-ws/stop/1/stop #1",
		}},
		{"mqtt 3.1.1", MQTT, []msg{
			outBin("\x10\x12\x00\x04MQTT\x04\x02\x00\x3c\x00\x06wsdbg1"),
			// aedes writes each part of a packet as a message of its own.
			inBin("\x20"), inBin("\x02"), inBin("\x00"), inBin("\x04"),
			outBin("\x32\x11\x00\x0aprices/eur\x00\x07\x31\x32\x33"),
			inBin("\x40\x02\x00\x07"),
			outBin("\x82\x0a\x00\x01\x00\x05a/b/c\x01"),
			inBin("\x90\x03\x00\x01\x80"),
			outBin("\xc0\x00\xc0\x00"),
			inBin("\x00\x00"),
			inBin("\xd0\x00"),
			inBin("\x36\x03\x00\x01t"),
		}, []string{
			"mqtt/CONNECT//CONNECT v3.1.1 client wsdbg1",
			"mqtt/part//part of CONNACK, 1 byte so far",
			"mqtt/part//part of CONNACK, 2 of 4 bytes",
			"mqtt/part//part of CONNACK, 3 of 4 bytes",
			"mqtt/CONNACK//CONNACK refused: bad user name or password",
			"mqtt/PUBLISH/7/PUBLISH prices/eur qos1 #7",
			"mqtt/PUBACK/7/PUBACK #7",
			"mqtt/SUBSCRIBE/1/SUBSCRIBE #1 a/b/c",
			"mqtt/SUBACK/1/SUBACK #1 refused 0x80",
			"mqtt/PINGREQ//PINGREQ (+1 more)",
			"mqtt/malformed//not an MQTT packet: reserved packet type 0",
			"mqtt/PINGRESP//PINGRESP",
			"mqtt/malformed//malformed PUBLISH: QoS 3 (both QoS bits set)",
		}},
		{"mqtt 5 names reason codes", "", []msg{
			outBin("\x10\x0e\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x01x"),
			inBin("\x20\x03\x00\x87\x00"),
			inBin("\x30\x05\x00\x01t\x00hi"),
		}, []string{
			"mqtt/CONNECT//CONNECT v5 client x",
			"mqtt/CONNACK//CONNACK refused: not authorized",
			"mqtt/PUBLISH//PUBLISH t qos0",
		}},
		{"stomp", STOMP, []msg{
			out("CONNECT\naccept-version:1.2\nhost:x\n\n\x00"),
			in("CONNECTED\nversion:1.2\n\n\x00"),
			out("SUBSCRIBE\nid:sub-0\ndestination:/topic/prices\n\n\x00"),
			out("SEND\r\ndestination:/queue/a\r\nreceipt:77\r\n\r\nbody\x00"),
			in("RECEIPT\nreceipt-id:77\n\n\x00"),
			in("MESSAGE\ndestination:/topic/prices\nmessage-id:9\nsubscription:sub-0\n\n{}\x00"),
			in("ERROR\nmessage:malformed frame\n\n\x00"),
			in("\n"),
			in("HELLO\n\n"),
		}, []string{
			"stomp/CONNECT//CONNECT",
			"stomp/CONNECTED//CONNECTED version 1.2",
			"stomp/SUBSCRIBE/sub-0/SUBSCRIBE /topic/prices #sub-0",
			"stomp/SEND/77/SEND /queue/a #77",
			"stomp/RECEIPT/77/RECEIPT #77",
			"stomp/MESSAGE//MESSAGE /topic/prices",
			"stomp/ERROR//ERROR: malformed frame",
			"stomp/heartbeat//heart-beat",
			"",
		}},
		{"phoenix v2, sniffed", "", []msg{
			out(`["3","3","room:lobby","phx_join",{}]`),
			in(`["3","3","room:lobby","phx_reply",{"response":{},"status":"ok"}]`),
			in(`[null,null,"room:lobby","new_msg",{"body":"hi"}]`),
			out(`[null,"4","phoenix","heartbeat",{}]`),
			in(`["3","5","room:lobby","phx_reply",{"response":{"reason":"unmatched topic"},"status":"error"}]`),
		}, []string{
			"phoenix/phx_join/3/phx_join room:lobby",
			"phoenix/phx_reply/3/phx_reply room:lobby ok",
			"phoenix/new_msg//new_msg room:lobby",
			"phoenix/heartbeat/4/heartbeat phoenix",
			"phoenix/phx_reply/5/phx_reply room:lobby error",
		}},
		{"phoenix v1", Phoenix, []msg{
			out(`{"topic":"room:lobby","event":"phx_join","payload":{},"ref":"1"}`),
			in(`{"topic":"room:lobby","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"1"}`),
			in(`{"topic":"room:lobby","event":"shout","payload":{},"ref":null}`),
		}, []string{
			"phoenix/phx_join/1/phx_join room:lobby",
			"phoenix/phx_reply/1/phx_reply room:lobby ok",
			"phoenix/shout//shout room:lobby",
		}},
		{"actioncable, sniffed from a subscription", "", []msg{
			in(`{"type":"welcome"}`),
			out(`{"command":"subscribe","identifier":"{\"channel\":\"ChatChannel\",\"room\":\"1\"}"}`),
			in(`{"identifier":"{\"channel\":\"ChatChannel\",\"room\":\"1\"}","type":"confirm_subscription"}`),
			in(`{"type":"ping","message":1700000000}`),
			in(`{"identifier":"{\"channel\":\"ChatChannel\"}","message":{"body":"hi"}}`),
			out(`{"command":"message","identifier":"{\"channel\":\"ChatChannel\"}","data":"{\"action\":\"speak\"}"}`),
			in(`{"identifier":"{\"channel\":\"Secret\"}","type":"reject_subscription"}`),
			in(`{"type":"disconnect","reason":"unauthorized","reconnect":false}`),
		}, []string{
			"", // {"type":"welcome"} alone is too common a message to name ActionCable
			"actioncable/subscribe//subscribe ChatChannel",
			"actioncable/confirm_subscription//confirm_subscription ChatChannel",
			"actioncable/ping//ping",
			"actioncable/message//message ChatChannel",
			"actioncable/message//message ChatChannel",
			"actioncable/reject_subscription//reject_subscription Secret",
			"actioncable/disconnect//disconnect: unauthorized, do not reconnect",
		}},
		{"nothing sniffed from an ordinary JSON app", "", []msg{
			out(`{"type":"ping"}`), in(`{"type":"pong"}`), in(`{"type":"subscribe"}`), in(`{"topic":"a","event":"b"}`),
		}, []string{"", "", "", ""}},
		{"actioncable", ActionCable, []msg{
			in(`{"type":"welcome"}`),
		}, []string{"actioncable/welcome//welcome"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSession(tc.protocol)
			for i, m := range tc.msgs {
				got := ""
				if p, ok := s.Decode(m.in, m.binary, []byte(m.payload)); ok {
					got = p.Name + "/" + p.Type + "/" + p.ID + "/" + p.Summary
				}
				if got != tc.want[i] {
					t.Errorf("message %d %q:\n got %s\nwant %s", i, m.payload, got, tc.want[i])
				}
			}
		})
	}
}

func TestDetect(t *testing.T) {
	for _, tc := range []struct{ subprotocol, url, want string }{
		{"graphql-transport-ws", "wss://api.example.com/graphql", GraphQLTransportWS},
		{"graphql-ws", "wss://api.example.com/graphql", GraphQLWS},
		{"mqtt", "wss://broker.example.com/mqtt", MQTT},
		{"v12.stomp", "ws://localhost/ws", STOMP},
		{"v10.stomp", "ws://localhost/ws", STOMP},
		{"actioncable-v1-json", "wss://app.example.com/cable", ActionCable},
		{"", "wss://chat.example.com/socket.io/?EIO=4&transport=websocket", SocketIO},
		{"", "wss://chat.example.com/socket.io/?EIO=3&transport=websocket", ""},
		{"", "wss://chat.example.com/engine.io/?EIO=4&transport=websocket", EngineIO},
		{"", "wss://app.example.com/socket/websocket?vsn=2.0.0", Phoenix},
		{"", "wss://app.example.com/socket/websocket?vsn=1.0.0", Phoenix},
		{"", "wss://app.example.com/socket/websocket", ""},
		{"", "wss://echo.example.com/", ""},
		{"chat", "%zz", ""},
	} {
		if got := Detect(tc.subprotocol, tc.url); got != tc.want {
			t.Errorf("Detect(%q, %q) = %q, want %q", tc.subprotocol, tc.url, got, tc.want)
		}
	}
}

func TestSniffingStops(t *testing.T) {
	s := NewSession("")
	for range sniffLimit {
		s.Decode(true, false, []byte("hello"))
	}
	if _, ok := s.Decode(true, false, []byte(`{"type":"welcome"}`)); ok || s.Protocol() != "" {
		t.Fatalf("a protocol was guessed from message %d: %q", sniffLimit+1, s.Protocol())
	}
}

func TestMQTTLargePacketAcrossMessages(t *testing.T) {
	s := NewSession(MQTT)
	body := strings.Repeat("x", 300000)
	topic := "big/topic"
	rem := 2 + len(topic) + len(body)
	pkt := []byte{0x30}
	for n := rem; ; {
		c := byte(n & 0x7f)
		if n >>= 7; n > 0 {
			pkt = append(pkt, c|0x80)
			continue
		}
		pkt = append(pkt, c)
		break
	}
	pkt = append(pkt, 0, byte(len(topic)))
	pkt = append(pkt, topic...)
	pkt = append(pkt, body...)
	var last Packet
	for len(pkt) > 0 {
		n := min(len(pkt), 65536)
		last, _ = s.Decode(true, true, pkt[:n])
		pkt = pkt[n:]
	}
	if last.Summary != "PUBLISH big/topic qos0" {
		t.Fatalf("last part decoded as %+v", last)
	}
	if cap(s.mqtt[1].head) > maxMQTTHead*2 {
		t.Fatalf("kept %d bytes of a packet", cap(s.mqtt[1].head))
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{`42/admin,12["chat","x"]`, `451-["bin"]`, "\x20\x02\x00\x04", `{"type":"subscribe","id":"1","payload":{"query":"`,
		`["1","1","t","phx_reply",{"status":"ok"}]`, "SEND\ndestination:/a\n\n\x00", `{"type":"confirm_subscription","identifier":"{\"channel\":1}"}`,
		`452-["upload",{"_placeholder":true,"num":0},{"t":{"_placeholder":true,"num":1}}]`, `44/admin,{"message":"no","data":{"k":1}}`,
		"\x20\x15\x01\x00\x12\x13\x00\x1e\x26\x00\x03env\x00\x04prod\x22\x00\x0a", "\x90\x04\x00\x01\x00\x80",
		`{"id":"v","type":"error","payload":[{"message":"x"}]}`, `{"id":"f","type":"next","payload":{"errors":[{"message":"y"}]}}`} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, payload string, binary bool) {
		for _, name := range append([]string{""}, Names...) {
			s := NewSession(name)
			for range 2 {
				p, ok := s.Decode(true, binary, []byte(payload))
				if !ok {
					continue
				}
				if p.Name == "" || p.Type == "" || p.Summary == "" {
					t.Fatalf("%s: incomplete packet %+v", name, p)
				}
				shown := []string{p.Summary}
				for _, f := range p.Fields {
					shown = append(shown, f.Name, f.Value)
				}
				if e := p.Error; e != nil {
					shown = append(shown, e.Code, e.Message, e.Name, e.Explanation, e.Hint)
				}
				for _, text := range shown {
					for _, r := range text {
						if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
							t.Fatalf("%s: control character in %q of %+v", name, text, p)
						}
					}
				}
			}
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	for _, bc := range []struct {
		name, protocol string
		binary         bool
		payload        string
	}{
		{"none", "", false, `{"price":101.25,"symbol":"EURUSD","ts":1700000000123}`},
		{"socket.io", SocketIO, false, `42["price",{"price":101.25,"symbol":"EURUSD","ts":1700000000123}]`},
		{"graphql", GraphQLTransportWS, false, `{"id":"1","type":"next","payload":{"data":{"price":{"value":101.25,"symbol":"EURUSD","ts":1700000000123}}}}`},
		{"mqtt", MQTT, true, "\x30\x40\x00\x0aprices/eur{\"price\":101.25,\"symbol\":\"EURUSD\",\"ts\":1700000000123}"},
		{"phoenix", Phoenix, false, `[null,null,"prices:eur","tick",{"price":101.25,"symbol":"EURUSD","ts":1700000000123}]`},
		{"stomp", STOMP, false, "MESSAGE\ndestination:/topic/prices\nsubscription:sub-0\nmessage-id:1\n\n{\"price\":101.25,\"symbol\":\"EURUSD\"}\x00"},
		{"actioncable", ActionCable, false, `{"identifier":"{\"channel\":\"PriceChannel\"}","message":{"price":101.25}}`},
		{"graphql 1KiB", GraphQLTransportWS, false, `{"id":"1","type":"next","payload":{"data":{"book":[` +
			strings.Repeat(`["43000.10","1.5"],`, 55) + `["0","0"]]}}}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := NewSession(bc.protocol)
			p := []byte(bc.payload)
			b.ReportAllocs()
			for b.Loop() {
				s.Decode(true, bc.binary, p)
			}
		})
	}
}
