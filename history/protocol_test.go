package history

import (
	"reflect"
	"strings"
	"testing"

	"github.com/wsdbg/wsdbg/conn"
)

// A Socket.IO session as the client annotates it: the packets each
// message carried, and the heartbeat answer the client sent on its own,
// are written under "protocol" and "auto" and read back as they were.
func TestRecordKeepsTheProtocolPacket(t *testing.T) {
	const url = "wss://chat.example.com/socket.io/?EIO=4&transport=websocket"
	notes := conn.NewAnnotator(conn.Options{URL: url})
	events := []conn.Event{
		{Type: conn.EventOpen, Time: at(0), URL: url, Status: 101},
		{Type: conn.EventMessage, Time: at(10), Dir: conn.In, Opcode: conn.OpText, Payload: []byte("2")},
		{Type: conn.EventMessage, Time: at(11), Dir: conn.Out, Opcode: conn.OpText, Payload: []byte("3"), Auto: true},
		{Type: conn.EventMessage, Time: at(12), Dir: conn.Out, Opcode: conn.OpText, Payload: []byte(`4212["chat","hi"]`)},
		{Type: conn.EventMessage, Time: at(13), Dir: conn.In, Opcode: conn.OpText, Payload: []byte(`44/admin,{"message":"not authorized"}`)},
		{Type: conn.EventMessage, Time: at(14), Dir: conn.In, Opcode: conn.OpText, Payload: []byte(`4312["ok"]`)},
	}
	for i := range events {
		events[i].Seq = i + 1
		notes.Annotate(&events[i])
	}
	for i, want := range map[int]string{
		1: `"protocol":{"name":"engine.io","type":"ping","summary":"ping","fields":[{"name":"Engine.IO type","value":"2 ping"}]}`,
		2: `"auto":true,"protocol":{"name":"engine.io","type":"pong","summary":"pong (automatic)","fields":[`,
		3: `"protocol":{"name":"socket.io","type":"EVENT","id":"12","summary":"EVENT \"chat\" #12","fields":[{"name":"Engine.IO type","value":"4 message"},` +
			`{"name":"Socket.IO type","value":"2 EVENT"},{"name":"namespace","value":"/"},{"name":"ack id","value":"12"},{"name":"event","value":"chat"}]}`,
		4: `"protocol":{"name":"socket.io","type":"CONNECT_ERROR","summary":"CONNECT_ERROR /admin: not authorized","fields":[`,
		5: `"reply_to":4,"latency_ms":2,"protocol":{"name":"socket.io","type":"ACK","id":"12","summary":"ACK #12","fields":[`,
	} {
		if line := string(FromEvent(events[i]).AppendJSON(nil)); !strings.Contains(line, want) {
			t.Errorf("event %d: %s\nwant it to hold %s", i, line, want)
		}
	}
	if line := string(FromEvent(events[1]).AppendJSON(nil)); strings.Contains(line, `"auto"`) {
		t.Errorf("a message the user's peer sent is marked auto: %s", line)
	}
	rec := openT(t, record(t, events))
	rec.Wait()
	for i, want := range events {
		got, err := rec.Event(i)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if n := want.Note; n != nil && n.Protocol != nil {
			// The keys that link a packet are not recorded: the links are.
			p, note := *n.Protocol, *n
			p.Asks, p.Answers = "", ""
			note.Protocol, want.Note = &p, &note
		}
		if want.Note != nil && want.Note.Envelope != nil {
			// An envelope's source is not recorded (TestRecordKeepsTheErrorEnvelope),
			// nor the packet's failure, which the envelope holds.
			packet := *want.Note.Protocol
			packet.Error = nil
			if !reflect.DeepEqual(*got.Note.Protocol, packet) {
				t.Errorf("event %d: packet %+v, want %+v", i, *got.Note.Protocol, *want.Note.Protocol)
			}
			continue
		}
		assertSameEvent(t, i, want, got)
	}
}
