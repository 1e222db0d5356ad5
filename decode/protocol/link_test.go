package protocol

import "testing"

// linkedConversations are conversations as real servers had them (the
// Socket.IO, graphql-ws and MQTT bytes were captured from socket.io 4,
// graphql-ws 6 and aedes; the others are the frames the protocols' own
// servers write), and which earlier message each one answers.
var linkedConversations = []struct {
	name     string
	protocol string
	msgs     []msg
	answers  []int // per message: the index of the request it answers, or -1
}{
	{"socket.io acks, both ways", SocketIO, []msg{
		in(`0{"sid":"abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`),
		out(`40`),
		in(`40{"sid":"xyz"}`),
		out(`4217["echo","hi"]`),
		out(`42["ask"]`),
		in(`4317["hi"]`),
		in(`420["question","ready?"]`),
		out(`430["yes"]`),
		in(`42["answered","yes"]`),
		out(`42/admin,3["x"]`),
		in(`433["not the /admin ack"]`), // same id, another namespace
		in(`43/admin,3[]`),
		in(`43/admin,3[]`), // answered already
	}, []int{-1, -1, 1, -1, -1, 3, -1, 6, -1, -1, -1, 9, -1}},
	{"socket.io namespaces", SocketIO, []msg{
		in(`0{"sid":"abc","upgrades":[],"pingInterval":1000,"pingTimeout":1000,"maxPayload":1000000}`),
		out(`40`),
		out(`40/admin,`),
		in(`40{"sid":"xyz"}`),
		in(`44/admin,{"message":"not authorized"}`),
		in(`40/chat,{"sid":"unasked"}`), // no CONNECT asked for it
		out(`40/admin,`),
		in(`2`),
		out(`3`),
		in(`44/admin,{"message":"not authorized"}`),
	}, []int{-1, -1, -1, 1, 2, -1, -1, -1, -1, 6}},
	{"graphql-transport-ws", GraphQLTransportWS, []msg{
		out(`{"type":"connection_init"}`),
		in(`{"type":"connection_ack"}`),
		out(`{"type":"ping"}`),
		in(`{"type":"pong"}`),
		out(`{"type":"subscribe","id":"s1","payload":{"query":"subscription { count(to: 2) }"}}`),
		in(`{"id":"s1","type":"next","payload":{"data":{"count":1}}}`),
		in(`{"id":"s1","type":"next","payload":{"data":{"count":2}}}`),
		in(`{"id":"s1","type":"complete"}`),
		in(`{"type":"ping"}`), // the server may ping too
		out(`{"type":"pong"}`),
		out(`{"type":"subscribe","id":"v","payload":{"query":"subscription { nosuch }"}}`),
		in(`{"id":"v","type":"error","payload":[{"message":"Cannot query field \"nosuch\" on type \"Subscription\"."}]}`),
	}, []int{-1, 0, -1, 2, -1, 4, -1, -1, -1, 8, -1, 10}},
	{"legacy graphql-ws", GraphQLWS, []msg{
		out(`{"type":"connection_init","payload":{}}`),
		in(`{"type":"connection_ack"}`),
		in(`{"type":"ka"}`),
		out(`{"id":"1","type":"start","payload":{"query":"subscription { tick }"}}`),
		in(`{"id":"1","type":"data","payload":{"data":{"tick":1}}}`),
		out(`{"id":"1","type":"stop"}`),
		in(`{"id":"1","type":"complete"}`),
	}, []int{-1, 0, -1, -1, 3, -1, -1}},
	{"mqtt, as aedes writes it", MQTT, []msg{
		outBin("\x10\x16\x00\x04MQTT\x04\x02\x00\x3c\x00\x0awsdbg-link"),
		inBin(" "), inBin("\x02"), inBin("\x00"), inBin("\x00"), // CONNACK, a byte at a time
		outBin("\x82\x0f\x00\x05\x00\x0aprices/eur\x01"),
		inBin("\x90"), inBin("\x03"), inBin("\x00\x05"), inBin("\x01"),
		outBin("\x32\x11\x00\x0aprices/eur\x00\x07\x31\x30\x31"),
		inBin("2"), inBin("\x11"), inBin("\x00\n"), inBin("prices/eur"), inBin("\x19\xfb"), inBin("101"), // delivered to us, qos1
		inBin("@"), inBin("\x02"), inBin("\x00\x07"), // PUBACK #7
		outBin("\x40\x02\x19\xfb"), // our PUBACK of the delivery
		outBin("\x34\x11\x00\x0aprices/eur\x00\x08\x31\x30\x31"),
		inBin("P"), inBin("\x02"), inBin("\x00\x08"), // PUBREC #8
		outBin("\x62\x02\x00\x08"),
		inBin("p"), inBin("\x02"), inBin("\x00\x08"), // PUBCOMP #8
		outBin("\xa2\x0e\x00\x09\x00\x0aprices/eur"),
		inBin("\xb0"), inBin("\x02"), inBin("\x00\x09"),
		outBin("\xc0\x00"),
		inBin("\xd0"), inBin("\x00"),
	}, []int{
		-1, -1, -1, -1, 0, // CONNECT, CONNACK
		-1, -1, -1, -1, 5, // SUBSCRIBE, SUBACK
		-1, -1, -1, -1, -1, -1, -1, // PUBLISH #7, the delivery
		-1, -1, 10, // PUBACK #7
		16,             // our PUBACK
		-1, -1, -1, 21, // PUBLISH qos2 #8, PUBREC
		-1, -1, -1, 25, // PUBREL, PUBCOMP
		-1, -1, -1, 29, // UNSUBSCRIBE, UNSUBACK
		-1, -1, 33, // PINGREQ, PINGRESP
	}},
	{"stomp", STOMP, []msg{
		out("CONNECT\naccept-version:1.2\nhost:/\n\n\x00"),
		in("CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\x00"),
		out("SUBSCRIBE\nid:sub-0\ndestination:/topic/prices\nreceipt:r1\n\n\x00"),
		out("SEND\ndestination:/queue/a\nreceipt:77\n\nhello\x00"),
		in("RECEIPT\nreceipt-id:r1\n\n\x00"),
		in("RECEIPT\nreceipt-id:77\n\n\x00"),
		out("SEND\ndestination:/queue/b\nreceipt:78\n\n\x00"),
		in("ERROR\nreceipt-id:78\nmessage:no such queue\n\n\x00"),
		in("ERROR\nmessage:malformed frame\n\n\x00"), // no CONNECT waits for it
	}, []int{-1, 0, -1, -1, 2, 3, -1, 6, -1}},
	{"stomp connection refused", STOMP, []msg{
		out("STOMP\naccept-version:1.2\nhost:/\nlogin:guest\n\n\x00"),
		in("ERROR\nmessage:Bad CONNECT\n\nAccess refused\x00"),
	}, []int{-1, 0}},
	{"phoenix v2", Phoenix, []msg{
		out(`["3","3","room:lobby","phx_join",{}]`),
		out(`[null,"4","phoenix","heartbeat",{}]`),
		in(`[null,"4","phoenix","phx_reply",{"response":{},"status":"ok"}]`),
		in(`["3","3","room:lobby","phx_reply",{"response":{},"status":"ok"}]`),
		out(`["3","5","room:lobby","new_msg",{"body":"hi"}]`),
		in(`["3",null,"room:lobby","new_msg",{"body":"hi"}]`),
		in(`["3","5","room:other","phx_reply",{"response":{},"status":"ok"}]`), // another topic's ref 5
		in(`["3","5","room:lobby","phx_reply",{"response":{},"status":"ok"}]`),
	}, []int{-1, -1, 1, 0, -1, -1, -1, 4}},
	{"phoenix v1", Phoenix, []msg{
		out(`{"topic":"room:lobby","event":"phx_join","payload":{},"ref":"1"}`),
		in(`{"topic":"room:lobby","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"1"}`),
	}, []int{-1, 0}},
	{"actioncable", ActionCable, []msg{
		in(`{"type":"welcome"}`),
		out(`{"command":"subscribe","identifier":"{\"channel\":\"ChatChannel\",\"room\":\"1\"}"}`),
		out(`{"command":"subscribe","identifier":"{\"channel\":\"Secret\"}"}`),
		in(`{"type":"ping","message":1700000000}`),
		in(`{"identifier":"{\"channel\":\"ChatChannel\",\"room\":\"1\"}","type":"confirm_subscription"}`),
		in(`{"identifier":"{\"channel\":\"Secret\"}","type":"reject_subscription"}`),
	}, []int{-1, -1, -1, -1, 1, 2}},
}

// Each reply's Answers is the Asks of the request it answers, in the
// other direction, and no other packet's.
func TestLinkKeys(t *testing.T) {
	for _, tc := range linkedConversations {
		if len(tc.answers) != len(tc.msgs) {
			t.Fatalf("%s: %d answers for %d messages", tc.name, len(tc.answers), len(tc.msgs))
		}
		s := NewSession(tc.protocol)
		asked := [2]map[string]int{{}, {}} // by the request's direction: [0] out, [1] in
		for i, m := range tc.msgs {
			p, _ := s.Decode(m.in, m.binary, []byte(m.payload))
			dir := 0
			if m.in {
				dir = 1
			}
			got := -1
			if p.Answers != "" {
				if req, ok := asked[1-dir][p.Answers]; ok {
					got = req
					delete(asked[1-dir], p.Answers)
				}
			}
			if p.Asks != "" {
				asked[dir][p.Asks] = i
			}
			if got != tc.answers[i] {
				t.Errorf("%s: message %d %q (%s %s) answers %d, want %d", tc.name, i, m.payload, p.Type, p.Summary, got, tc.answers[i])
			}
		}
	}
}
