package protocol

import (
	"strings"
	"testing"
	"time"
)

// The failures packets report, from bytes the real servers sent (Socket.IO
// 4, graphql-ws, aedes) and, for MQTT 5, from the specification's layouts.
func TestPacketErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		protocol string
		msgs     []msg // the last one reports the failure (or none)
		code     string
		message  string // a part of the message
		errName  string
		meaning  string // a part of the explanation
		reconn   bool
	}{
		{"socket.io refused by middleware", SocketIO, []msg{in(`44/admin,{"message":"not authorized"}`)},
			"", "not authorized", "Connection to namespace refused", "middleware", false},
		{"socket.io refusal with data", SocketIO, []msg{in(`44/admin,{"message":"not authorized","data":{"reason":"expired"}}`)},
			"", `not authorized: data {"reason":"expired"}`, "Connection to namespace refused", "/admin", false},
		{"socket.io unknown namespace", SocketIO, []msg{in(`44/nowhere,{"message":"Invalid namespace"}`)},
			"", "Invalid namespace", "Invalid namespace", "no namespace /nowhere", false},
		{"socket.io server disconnect", SocketIO, []msg{in(`41/admin,`)},
			"", "the server disconnected namespace /admin", "Disconnected by the server", "io server disconnect", false},
		{"socket.io client disconnect is no failure", SocketIO, []msg{out(`41/admin,`)}, "", "", "", "", false},
		{"graphql-transport-ws validation error", GraphQLTransportWS, []msg{in(`{"id":"v","type":"error","payload":[{"message":"Cannot query field \"nosuch\" on type \"Subscription\".","locations":[{"line":1,"column":16}]}]}`)},
			"", `Cannot query field "nosuch"`, "Operation failed", "no complete follows", false},
		{"graphql-transport-ws known code", GraphQLTransportWS, []msg{in(`{"id":"1","type":"error","payload":[{"message":"no token","extensions":{"code":"UNAUTHENTICATED"}}]}`)},
			"UNAUTHENTICATED", "no token", "Unauthenticated", "no valid authentication", false},
		{"graphql-transport-ws next with errors", GraphQLTransportWS, []msg{in(`{"id":"f","type":"next","payload":{"errors":[{"message":"feed unavailable","path":["fail"]}],"data":null}}`)},
			"", "feed unavailable", "Errors in the result", "may be partial", false},
		{"graphql-transport-ws next without errors", GraphQLTransportWS, []msg{in(`{"id":"f","type":"next","payload":{"data":{"errors":1}}}`)},
			"", "", "", "", false},
		{"legacy graphql-ws error", GraphQLWS, []msg{in(`{"id":"1","type":"error","payload":{"message":"Unknown field"}}`)},
			"", "Unknown field", "Operation refused", "before execution", false},
		{"legacy graphql-ws connection_error", GraphQLWS, []msg{in(`{"type":"connection_error","payload":{"message":"bad token"}}`)},
			"", "bad token", "Connection refused by the GraphQL server", "connection_init", false},
		{"mqtt 3.1.1 connack from aedes, in parts", MQTT, []msg{outBin("\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00"), inBin("\x20"), inBin("\x02"), inBin("\x00\x04")},
			"4", "CONNACK: Bad user name or password (0x04)", "Bad user name or password", "malformed or wrong", false},
		{"mqtt 3.1.1 connack reserved code", MQTT, []msg{inBin("\x20\x02\x00\x09")},
			"9", "CONNACK reason 0x09", "", "defines no code 0x09", false},
		{"mqtt 3.1.1 suback failure", MQTT, []msg{inBin("\x90\x04\x00\x01\x00\x80")},
			"128", "SUBACK: Failure (0x80), for topic filter 2", "Failure", "carries no reason", false},
		{"mqtt 5 connack with reason string", MQTT, []msg{outBin("\x10\x0d\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x00"),
			inBin("\x20\x0b\x00\x87\x08\x1f\x00\x05nope!")},
			"135", "CONNACK: Not authorized (0x87): nope!", "Not authorized", "not allowed", false},
		{"mqtt 5 disconnect from the broker", MQTT, []msg{outBin("\x10\x0d\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x00"), inBin("\xe0\x02\x8d\x00")},
			"141", "DISCONNECT: Keep Alive timeout (0x8D)", "Keep Alive timeout", "1.5 times", true},
		{"mqtt 5 disconnect from the client", MQTT, []msg{outBin("\x10\x0d\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x00"), outBin("\xe0\x02\x81\x00")},
			"129", "DISCONNECT: Malformed Packet (0x81)", "Malformed Packet", "The client ended the connection", false},
		{"mqtt 5 puback failure", MQTT, []msg{outBin("\x10\x0d\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x00"), inBin("\x40\x04\x00\x07\x87\x00")},
			"135", "PUBACK: Not authorized (0x87)", "Not authorized", "not allowed", false},
		{"mqtt 5 suback failure", MQTT, []msg{outBin("\x10\x0d\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x00"), inBin("\x90\x05\x00\x02\x00\x01\xa2")},
			"162", "SUBACK: Wildcard Subscriptions not supported (0xA2), for topic filter 2", "Wildcard Subscriptions not supported", "wildcard", false},
		{"mqtt 5 unknown reason code", MQTT, []msg{outBin("\x10\x0d\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x00"), inBin("\x20\x03\x00\xff\x00")},
			"255", "CONNACK reason 0xFF", "", "MQTT 5 defines no code 0xFF", false},
		{"mqtt 5 puback no matching subscribers is no failure", MQTT, []msg{outBin("\x10\x0d\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x00"), inBin("\x40\x03\x00\x07\x10")},
			"", "", "", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSession(tc.protocol)
			var p Packet
			for _, m := range tc.msgs {
				p, _ = s.Decode(m.in, m.binary, []byte(m.payload))
			}
			e := p.Error
			if tc.message == "" {
				if e != nil {
					t.Fatalf("%s reports a failure: %+v", p.Summary, e)
				}
				return
			}
			if e == nil {
				t.Fatalf("%+v reports no failure", p)
			}
			if e.Code != tc.code || !strings.Contains(e.Message, tc.message) || e.Name != tc.errName ||
				!strings.Contains(e.Explanation, tc.meaning) || e.Reconnect != tc.reconn {
				t.Fatalf("got %+v\nwant code %q, message with %q, name %q, explanation with %q, reconnect %v",
					*e, tc.code, tc.message, tc.errName, tc.meaning, tc.reconn)
			}
			if e.Hint == "" {
				t.Fatalf("no hint: %+v", *e)
			}
		})
	}
}

func fieldsText(p Packet) string {
	var b strings.Builder
	for _, f := range p.Fields {
		b.WriteString(f.Name + ": " + f.Value + "\n")
	}
	return b.String()
}

func TestPacketFields(t *testing.T) {
	for _, tc := range []struct {
		name     string
		protocol string
		msgs     []msg
		want     []string // lines of the last packet's fields
	}{
		{"engine.io open from socket.io 4", "", []msg{in(`0{"sid":"Zx1hVnTn8vi0AAAB","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`)},
			[]string{"Engine.IO type: 0 open", "sid: Zx1hVnTn8vi0AAAB", "pingInterval: 25000", "pingTimeout: 20000", "maxPayload: 1000000"}},
		{"socket.io event with ack", SocketIO, []msg{out(`42/admin,17["echo","hi"]`)},
			[]string{"Engine.IO type: 4 message", "Socket.IO type: 2 EVENT", "namespace: /admin", "ack id: 17", "event: echo"}},
		{"socket.io binary event and its attachments", SocketIO, []msg{
			out(`452-["upload",{"_placeholder":true,"num":0},{"thumb":{"_placeholder":true,"num":1}}]`), outBin("abc"), outBin("defgh")},
			[]string{`belongs to: BINARY_EVENT "upload"`, "placeholder: num 1", "size: 5 bytes", "replaces: argument 2.thumb",
				"attachments: all 2 arrived: 3 bytes, 5 bytes"}},
		{"socket.io binary ack", SocketIO, []msg{in(`461-/admin,3[{"_placeholder":true,"num":0}]`), inBin("z")},
			[]string{`belongs to: BINARY_ACK #3`, "placeholder: num 0", "replaces: argument 1"}},
		{"socket.io connect error", SocketIO, []msg{in(`44/admin,{"message":"not authorized","data":{"k":1}}`)},
			[]string{"Socket.IO type: 4 CONNECT_ERROR", "namespace: /admin", "message: not authorized", `data: {"k":1}`}},
		{"mqtt 3.1.1 connect", MQTT, []msg{outBin("\x10\x1f\x00\x04MQTT\x04\xc2\x00\x3c\x00\x07wsdbg-1\x00\x05alice\x00\x06secret")},
			[]string{"packet type: 1 CONNECT", "flags: 0x0", "remaining length: 31 bytes", "protocol: MQTT v3.1.1",
				"connect flags: clean session, password, user name", "keep alive: 60 s", "client id: wsdbg-1"}},
		{"mqtt publish qos1 retained", MQTT, []msg{inBin("\x33\x0e\x00\x0aprices/eur\x00\x07")},
			[]string{"packet type: 3 PUBLISH", "flags: DUP 0, QoS 1, RETAIN 1", "remaining length: 14 bytes", "topic: prices/eur", "packet id: 7"}},
		{"mqtt 5 connack properties", MQTT, []msg{outBin("\x10\x0d\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x00"),
			inBin("\x20\x15\x01\x00\x12\x13\x00\x1e\x26\x00\x03env\x00\x04prod\x22\x00\x0a")},
			[]string{"session present: true", "Server Keep Alive: 30", "User Property: env = prod", "Topic Alias Maximum: 10", "return code: 0 accepted"}},
		{"mqtt 5 auth data by its length only", MQTT, []msg{outBin("\x10\x20\x00\x04MQTT\x05\x02\x00\x3c\x13\x15\x00\x05TOKEN\x16\x00\x08s3cr3t!!\x00\x00")},
			[]string{"Authentication Method: TOKEN", "Authentication Data: 8 bytes"}},
		{"graphql subscribe", GraphQLTransportWS, []msg{out(`{"id":"1","type":"subscribe","payload":{"query":"subscription OnPrice { price }"}}`)},
			[]string{"type: subscribe", "id: 1", "operation: subscription OnPrice"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := NewSession(tc.protocol)
			var p Packet
			for _, m := range tc.msgs {
				p, _ = s.Decode(m.in, m.binary, []byte(m.payload))
			}
			got := fieldsText(p)
			for _, w := range tc.want {
				if !strings.Contains(got, w+"\n") {
					t.Errorf("fields lack %q:\n%s", w, got)
				}
			}
			if strings.Contains(got, "s3cr3t") || strings.Contains(got, "secret") {
				t.Errorf("a credential is shown:\n%s", got)
			}
		})
	}
}

func TestHeartbeatFromPackets(t *testing.T) {
	s := NewSession("")
	s.Decode(true, false, []byte(`0{"sid":"a","upgrades":[],"pingInterval":1000,"pingTimeout":500,"maxPayload":1000000}`))
	if hb := s.Heartbeat(); hb.PingInterval != time.Second || hb.PingTimeout != 500*time.Millisecond {
		t.Fatalf("engine.io heartbeat %+v", hb)
	}
	m := NewSession(MQTT)
	m.Decode(false, true, []byte("\x10\x0d\x00\x04MQTT\x05\x02\x00\x3c\x00\x00\x00"))
	if hb := m.Heartbeat(); hb.KeepAlive != 60*time.Second {
		t.Fatalf("mqtt keep-alive %+v", hb)
	}
	m.Decode(true, true, []byte("\x20\x06\x00\x00\x03\x13\x00\x1e"))
	if hb := m.Heartbeat(); hb.KeepAlive != 30*time.Second {
		t.Fatalf("the broker's Server Keep Alive was not taken: %+v", hb)
	}
}
