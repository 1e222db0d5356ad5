package conn

import (
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/decode"
)

// Endings a missed heartbeat accounts for, and endings it does not, as
// the annotator explains them from the events before them.
func TestMissedHeartbeatEndings(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	text := func(d time.Duration, dir Direction, p string) Event {
		return Event{Type: EventMessage, Time: at(d), Dir: dir, Opcode: OpText, Payload: []byte(p)}
	}
	bin := func(d time.Duration, dir Direction, p string) Event {
		return Event{Type: EventMessage, Time: at(d), Dir: dir, Opcode: OpBinary, Payload: []byte(p)}
	}
	closeIn := func(d time.Duration, code int) Event {
		return Event{Type: EventClose, Time: at(d), Dir: In, Opcode: OpClose, Code: code, HasCode: code != 1005}
	}
	drop := func(d time.Duration) Event {
		return Event{Type: EventError, Time: at(d), Dir: In, Final: true,
			Failure: &decode.Failure{Kind: decode.KindTransport, Cause: decode.CauseEOFWithoutClose, Code: 1006, Message: "unexpected EOF"}}
	}
	const sio = "ws://h/socket.io/?EIO=4&transport=websocket"
	const eioOpen = `0{"sid":"a","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1000000}`
	mqttConnect := "\x10\x0c\x00\x04MQTT\x04\x02\x00\x3c\x00\x00" // keep-alive 60 s
	for _, tc := range []struct {
		name, url, subprotocol string
		events                 []Event // the last one ends the connection
		want                   string  // the ending's name; "" when the heartbeat is not blamed
	}{
		{"engine.io ping unanswered", sio, "", []Event{text(0, In, eioOpen), text(25*time.Second, In, "2"), closeIn(45*time.Second, 1005)},
			"Missed heartbeat: ping timeout"},
		{"engine.io ping answered", sio, "", []Event{text(0, In, eioOpen), text(25*time.Second, In, "2"), text(25*time.Second, Out, "3"), closeIn(45*time.Second, 1005)},
			""},
		{"engine.io close long before pingTimeout", sio, "", []Event{text(0, In, eioOpen), text(25*time.Second, In, "2"), closeIn(26*time.Second, 1000)},
			""},
		{"engine.io server stopped pinging", sio, "", []Event{text(0, In, eioOpen), text(25*time.Second, In, "2"), text(25*time.Second, Out, "3"), drop(80 * time.Second)},
			"Missed heartbeat: the server stopped pinging"},
		{"engine.io ping unanswered, no close, a drop much later", sio, "", []Event{text(0, In, eioOpen), text(25*time.Second, In, "2"), drop(120 * time.Second)},
			""},
		{"engine.io drop while pings come", sio, "", []Event{text(0, In, eioOpen), text(25*time.Second, In, "2"), text(25*time.Second, Out, "3"), drop(30 * time.Second)},
			""},
		{"engine.io private close code", sio, "", []Event{text(0, In, eioOpen), text(25*time.Second, In, "2"), closeIn(45*time.Second, 4001)},
			""},
		{"mqtt keep-alive missed", "ws://h/mqtt", "mqtt", []Event{bin(0, Out, mqttConnect), bin(100*time.Millisecond, In, "\x20\x02\x00\x00"), drop(90 * time.Second)},
			"Missed heartbeat: keep-alive timeout"},
		{"mqtt pings sent", "ws://h/mqtt", "mqtt", []Event{bin(0, Out, mqttConnect), bin(60*time.Second, Out, "\xc0\x00"), drop(90 * time.Second)},
			""},
		{"graphql ping unanswered", "ws://h/graphql", "graphql-transport-ws", []Event{text(0, Out, `{"type":"connection_init"}`),
			text(0, In, `{"type":"connection_ack"}`), text(10*time.Second, In, `{"type":"ping"}`), closeIn(20*time.Second, 1000)},
			"Missed heartbeat: ping not answered"},
		{"graphql ping answered", "ws://h/graphql", "graphql-transport-ws", []Event{text(0, Out, `{"type":"connection_init"}`),
			text(10*time.Second, In, `{"type":"ping"}`), text(10*time.Second, Out, `{"type":"pong"}`), closeIn(20*time.Second, 1000)},
			""},
		{"phoenix silent client", "ws://h/socket/websocket?vsn=2.0.0", "", []Event{text(0, Out, `["1","1","room:lobby","phx_join",{}]`),
			text(0, In, `["1","1","room:lobby","phx_reply",{"status":"ok","response":{}}]`), closeIn(60*time.Second, 1000)},
			"Missed heartbeat: no heartbeat from the client"},
		{"phoenix heartbeats sent", "ws://h/socket/websocket?vsn=2.0.0", "", []Event{text(0, Out, `["1","1","room:lobby","phx_join",{}]`),
			text(30*time.Second, Out, `[null,"2","phoenix","heartbeat",{}]`), closeIn(60*time.Second, 1000)},
			""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := NewAnnotator(Options{URL: tc.url})
			open := Event{Type: EventOpen, Time: t0, URL: tc.url, Status: 101, Subprotocol: tc.subprotocol}
			a.Annotate(&open)
			for i := range tc.events {
				a.Annotate(&tc.events[i])
			}
			end := tc.events[len(tc.events)-1]
			got := end.Note.Name
			if tc.want == "" {
				if strings.HasPrefix(got, "Missed heartbeat") {
					t.Fatalf("blamed on the heartbeat: %+v", end.Note.Explanation)
				}
				return
			}
			if got != tc.want || end.Note.Hint == "" || end.Note.Explanation.Explanation == "" {
				t.Fatalf("ending explained as %+v, want %q", end.Note.Explanation, tc.want)
			}
		})
	}
}
