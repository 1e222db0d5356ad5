package protocol

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
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

// Any opening packet the flags accept decodes back as that packet with
// the same fields: MQTT strings of at most MQTTStringMax bytes, STOMP
// header values without a line break or NUL (a colon is the value's: the
// name ends at the first), a Socket.IO namespace without a comma or line
// break and a JSON object for auth and connection_init.
func FuzzOpeningPackets(f *testing.F) {
	f.Add("wsdbg-0a1b2c", "guest", "s3cret", "/", "/admin", []byte(`{"token":"x"}`), uint16(30), false)
	f.Add("", "", "", "vhost:with:colons", "", []byte(nil), uint16(0), true)
	f.Add("é\x00id", "user name", "pass:word\\n", " spaced ", "chat", []byte(` {"a":[1,{"b":null}]} `), uint16(65535), true)
	f.Fuzz(func(t *testing.T, clientID, user, password, host, ns string, payload []byte, keepAlive uint16, v5 bool) {
		if len(clientID) <= MQTTStringMax && len(user) <= MQTTStringMax && len(password) <= MQTTStringMax {
			checkMQTTConnect(t, MQTTConnectOptions{Version: map[bool]byte{false: 4, true: 5}[v5],
				ClientID: clientID, User: user, Password: password, KeepAlive: int(keepAlive)})
		}
		if !strings.ContainsAny(host+user+password, "\r\n\x00") && host != "" {
			checkSTOMPConnect(t, STOMPConnectOptions{Host: host, Login: user, Passcode: password,
				HeartBeat: [2]int{int(keepAlive) * 1000, int(keepAlive) * 1000}})
		}
		payload = bytes.TrimSpace(payload)
		if len(payload) > 0 && (!json.Valid(payload) || payload[0] != '{') {
			return
		}
		if !strings.ContainsAny(ns, ",\n\x00") {
			checkSocketIOConnect(t, ns, payload)
		}
		for _, name := range []string{GraphQLTransportWS, GraphQLWS} {
			p := GraphQLConnectionInit(payload)
			var init struct {
				Type    string          `json:"type"`
				Payload json.RawMessage `json:"payload"`
			}
			if err := json.Unmarshal(p, &init); err != nil || init.Type != "connection_init" || !bytes.Equal(init.Payload, payload) {
				t.Fatalf("%s: %s reads as %+v (%v)", name, p, init, err)
			}
			if pk, ok := NewSession(name).Decode(false, false, p); !ok || pk.Type != "connection_init" {
				t.Fatalf("%s: %s decodes as %+v", name, p, pk)
			}
		}
	})
}

func checkMQTTConnect(t *testing.T, o MQTTConnectOptions) {
	t.Helper()
	p := MQTTConnect(o)
	s := NewSession(MQTT)
	pk, ok := s.Decode(false, true, p)
	if !ok || pk.Type != "CONNECT" || fieldValue(pk, "client id") != clip(o.ClientID) ||
		s.Heartbeat().KeepAlive != time.Duration(o.KeepAlive)*time.Second {
		t.Fatalf("%+v: %q decodes as %+v", o, p, pk)
	}
	l, ok := readMQTTConnect(p)
	if !ok || l.end != len(p) || l.level != o.Version || l.keepAlive != o.KeepAlive {
		t.Fatalf("%+v: %q reads as %+v", o, p, l)
	}
	r := reader{b: p[l.headLen:l.end]}
	r.str()
	r.skip(4) // level, flags, keep-alive
	if o.Version == 5 {
		r.skipProperties()
	}
	id, _ := r.str()
	var user, password string
	if l.flags&0x80 != 0 {
		user, _ = r.str()
	}
	if l.flags&0x40 != 0 {
		password, _ = r.str()
	}
	if id != o.ClientID || user != o.User || password != o.Password || len(r.b) != 0 {
		t.Fatalf("%+v: %q carries id %q, user %q, password %q and %d bytes more", o, p, id, user, password, len(r.b))
	}
}

func checkSTOMPConnect(t *testing.T, o STOMPConnectOptions) {
	t.Helper()
	p := STOMPConnect(o)
	if pk, ok := NewSession(STOMP).Decode(false, false, p); !ok || pk.Type != "CONNECT" {
		t.Fatalf("%+v: %q decodes as %+v", o, p, pk)
	}
	head, body, found := strings.Cut(string(p), "\n\n")
	if !found || body != "\x00" {
		t.Fatalf("%+v: %q has no blank line then NUL", o, p)
	}
	headers := map[string]string{}
	for _, line := range strings.Split(head, "\n")[1:] {
		k, v, _ := strings.Cut(line, ":")
		if _, seen := headers[k]; !seen {
			headers[k] = v
		}
	}
	if headers["host"] != o.Host || headers["login"] != o.Login || headers["passcode"] != o.Passcode {
		t.Fatalf("%+v: %q carries headers %q", o, p, headers)
	}
	if send, receive, ok := STOMPHeartBeat(p); !ok || send != o.HeartBeat[0] || receive != o.HeartBeat[1] {
		t.Fatalf("%+v: %q beats %d, %d", o, p, send, receive)
	}
	masked, changed := MaskSTOMPPasscode(string(p), func(string) string { return "***" })
	if changed != (o.Passcode != "") || changed && !strings.Contains(masked, "\npasscode:***\n") {
		t.Fatalf("%+v: %q masked as %q", o, p, masked)
	}
}

func checkSocketIOConnect(t *testing.T, ns string, auth []byte) {
	t.Helper()
	p := SocketIOConnect(ns, auth)
	s := NewSession(SocketIO)
	s.Decode(true, false, []byte(`0{"sid":"x","upgrades":[],"pingInterval":25000,"pingTimeout":20000}`))
	pk, ok := s.Decode(false, false, p)
	want := ns
	if !strings.HasPrefix(want, "/") {
		want = "/" + want
	}
	if !ok || pk.Type != "CONNECT" || fieldValue(pk, "namespace") != clip(want) || pk.ID != "" {
		t.Fatalf("%q %s: %q decodes as %+v", ns, auth, p, pk)
	}
}

func fieldValue(pk Packet, name string) string {
	for _, f := range pk.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}
