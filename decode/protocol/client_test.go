package protocol

import (
	"bytes"
	"strings"
	"testing"
)

// The client's packets, byte for byte as the protocols' specifications
// write them, and read back by this package's own decoder.

func TestOpeningPackets(t *testing.T) {
	for _, tc := range []struct {
		name string
		got  []byte
		want string
	}{
		// Socket.IO protocol v5, "CONNECT": 0 + namespace + "," + payload.
		{"socket.io main", SocketIOConnect("", nil), "40"},
		{"socket.io main auth", SocketIOConnect("/", []byte(`{"token":"123"}`)), `40{"token":"123"}`},
		{"socket.io admin auth", SocketIOConnect("/admin", []byte(`{"token":"123"}`)), `40/admin,{"token":"123"}`},
		{"socket.io admin", SocketIOConnect("admin", nil), `40/admin,`},
		// graphql-ws PROTOCOL.md, ConnectionInit.
		{"connection_init", GraphQLConnectionInit(nil), `{"type":"connection_init"}`},
		{"connection_init payload", GraphQLConnectionInit([]byte(`{"token":"x"}`)), `{"type":"connection_init","payload":{"token":"x"}}`},
		{"pong", GraphQLPong(), `{"type":"pong"}`},
		// Phoenix's serializers: V2 [join_ref, ref, topic, event, payload].
		{"phoenix v2", PhoenixHeartbeat(false, "7"), `[null,"7","phoenix","heartbeat",{}]`},
		{"phoenix v1", PhoenixHeartbeat(true, "7"), `{"topic":"phoenix","event":"heartbeat","payload":{},"ref":"7"}`},
		// STOMP 1.2, CONNECT and Heart-beating.
		{"stomp", STOMPConnect(STOMPConnectOptions{Host: "/", Login: "guest", Passcode: "guest", HeartBeat: [2]int{10000, 10000}}),
			"CONNECT\naccept-version:1.0,1.1,1.2\nhost:/\nlogin:guest\npasscode:guest\nheart-beat:10000,10000\n\n\x00"},
		{"stomp bare", STOMPConnect(STOMPConnectOptions{Host: "/"}), "CONNECT\naccept-version:1.0,1.1,1.2\nhost:/\n\n\x00"},
		{"stomp heart-beat", STOMPHeartbeat(), "\n"},
		// MQTT 3.1.1 §3.1 (CONNECT) and §3.12 (PINGREQ); MQTT 5 §3.1.2.11
		// (properties, here none).
		{"mqtt 3.1.1", MQTTConnect(MQTTConnectOptions{ClientID: "c", User: "u", Password: "p", KeepAlive: 60}),
			"\x10\x13\x00\x04MQTT\x04\xc2\x00\x3c\x00\x01c\x00\x01u\x00\x01p"},
		{"mqtt anonymous", MQTTConnect(MQTTConnectOptions{ClientID: "c", KeepAlive: 1}),
			"\x10\x0d\x00\x04MQTT\x04\x02\x00\x01\x00\x01c"},
		{"mqtt 5", MQTTConnect(MQTTConnectOptions{Version: 5, ClientID: "c", KeepAlive: 60}),
			"\x10\x0e\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x01c"},
		{"pingreq", MQTTPingReq(), "\xc0\x00"},
	} {
		if string(tc.got) != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

// A CONNECT whose remaining length takes two bytes.
func TestMQTTConnectLongRemainingLength(t *testing.T) {
	p := MQTTConnect(MQTTConnectOptions{ClientID: strings.Repeat("c", 200), KeepAlive: 30})
	if p[1]&0x80 == 0 || remainingLength(p[1:3]) != len(p)-3 {
		t.Fatalf("remaining length % x for %d bytes", p[1:3], len(p))
	}
	if s, ok := MQTTKeepAlive(p); !ok || s != 30 {
		t.Fatalf("keep-alive %d %v", s, ok)
	}
}

func TestClientPacketsDecode(t *testing.T) {
	s := NewSession(MQTT)
	if pk, _ := s.Decode(false, true, MQTTConnect(MQTTConnectOptions{ClientID: "wsdbg-1", KeepAlive: 5})); pk.Summary != "CONNECT v3.1.1 client wsdbg-1" {
		t.Errorf("CONNECT decoded as %q", pk.Summary)
	}
	if pk, _ := s.Decode(false, true, MQTTPingReq()); pk.Type != "PINGREQ" {
		t.Errorf("PINGREQ decoded as %q", pk.Summary)
	}
	if pk, _ := NewSession(STOMP).Decode(false, false, STOMPConnect(STOMPConnectOptions{Host: "/"})); pk.Type != "CONNECT" {
		t.Errorf("STOMP CONNECT decoded as %+v", pk)
	}
	for _, v1 := range []bool{false, true} {
		if pk, _ := NewSession(Phoenix).Decode(false, false, PhoenixHeartbeat(v1, "3")); pk.Summary != "heartbeat phoenix" || pk.ID != "3" {
			t.Errorf("heartbeat (v1 %v) decoded as %+v", v1, pk)
		}
	}
}

func TestMQTTKeepAlive(t *testing.T) {
	will := []byte("\x10\x1c\x00\x04MQTT\x04\x06\x00\x0a\x00\x01c\x00\x01t\x00\x03bye\x00\x00\x00\x00")
	will[1] = byte(len(will) - 2)
	for _, tc := range []struct {
		name string
		p    []byte
		want int
		ok   bool
	}{
		{"3.1.1", MQTTConnect(MQTTConnectOptions{ClientID: "c", KeepAlive: 45}), 45, true},
		{"5", MQTTConnect(MQTTConnectOptions{Version: 5, ClientID: "c", KeepAlive: 7}), 7, true},
		{"off", MQTTConnect(MQTTConnectOptions{ClientID: "c"}), 0, true},
		{"with a will", will, 10, true},
		{"cut short", MQTTConnect(MQTTConnectOptions{ClientID: "c", KeepAlive: 45})[:8], 0, false},
		{"not a CONNECT", MQTTPingReq(), 0, false},
	} {
		got, ok := MQTTKeepAlive(tc.p)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%s: %d %v, want %d %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

func TestMaskMQTTPassword(t *testing.T) {
	mask := func(p string) string { return "[redacted:" + string(rune('0'+len(p))) + "]" }
	p := MQTTConnect(MQTTConnectOptions{ClientID: "c", User: "u", Password: "secret", KeepAlive: 60})
	after := append(append([]byte{}, p...), MQTTPingReq()...)
	got, ok := MaskMQTTPassword(after, mask)
	want := append(MQTTConnect(MQTTConnectOptions{ClientID: "c", User: "u", Password: "[redacted:6]", KeepAlive: 60}), MQTTPingReq()...)
	if !ok || !bytes.Equal(got, want) {
		t.Fatalf("masked % x, want % x", got, want)
	}
	if bytes.Contains(got, []byte("secret")) {
		t.Fatal("the password is still there")
	}
	for _, p := range [][]byte{
		MQTTConnect(MQTTConnectOptions{ClientID: "c", User: "u", KeepAlive: 60}),
		MQTTPingReq(),
		p[:len(p)-1],
	} {
		if got, ok := MaskMQTTPassword(p, mask); ok || !bytes.Equal(got, p) {
			t.Errorf("% x changed to % x", p, got)
		}
	}
}

func TestSTOMPHeartBeat(t *testing.T) {
	for _, tc := range []struct {
		frame     string
		sx, sy    int
		isOpening bool
	}{
		{"CONNECTED\nversion:1.2\nheart-beat:5000,10000\n\n\x00", 5000, 10000, true},
		{"CONNECT\r\nheart-beat:0,0\r\n\r\n\x00", 0, 0, true},
		{"CONNECTED\nversion:1.2\n\n\x00", 0, 0, true},
		{"CONNECTED\nheart-beat:x,1\n\n\x00", 0, 0, true},
		{"MESSAGE\nheart-beat:1,1\n\n\x00", 0, 0, false},
	} {
		sx, sy, ok := STOMPHeartBeat([]byte(tc.frame))
		if sx != tc.sx || sy != tc.sy || ok != tc.isOpening {
			t.Errorf("%q: %d,%d %v", tc.frame, sx, sy, ok)
		}
	}
	// STOMP 1.2: the client sends every MAX(cx, sy) unless either is 0.
	if got := STOMPClientHeartBeat(10000, 5000); got != 10000 {
		t.Errorf("10000 and 5000: %d", got)
	}
	if got := STOMPClientHeartBeat(10000, 0); got != 0 {
		t.Errorf("10000 and 0: %d", got)
	}
}

func TestMaskSTOMPPasscode(t *testing.T) {
	mask := func(string) string { return "[redacted:5]" }
	for _, tc := range []struct{ frame, want string }{
		{"CONNECT\nlogin:guest\npasscode:guest\n\n\x00", "CONNECT\nlogin:guest\npasscode:[redacted:5]\n\n\x00"},
		{"STOMP\r\npasscode:guest\r\n\r\npasscode:body\x00", "STOMP\r\npasscode:[redacted:5]\r\n\r\npasscode:body\x00"},
		{"SEND\npasscode:guest\n\n\x00", "SEND\npasscode:guest\n\n\x00"},
		{"CONNECT\nlogin:guest\n\n\x00", "CONNECT\nlogin:guest\n\n\x00"},
	} {
		if got, _ := MaskSTOMPPasscode(tc.frame, mask); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.frame, got, tc.want)
		}
	}
}
