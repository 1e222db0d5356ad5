package conn

import "github.com/wsdbg/wsdbg/decode/protocol"

// engineIOPong is Engine.IO 4's answer to the server's ping "2".
var engineIOPong = []byte("3")

// answerHeartbeat answers an Engine.IO ping, which a Socket.IO server
// sends every pingInterval and drops the client for leaving unanswered
// for pingTimeout: a debugger that let the session die would show a
// failure the application does not have. It runs after the ping's event
// is out, so that the answer follows it in every view. The answer goes
// through the send queue like any message, marked Auto; one byte, it is
// taken even when the queue is at its bounds. The other protocols'
// heartbeats are in protocolclient.go.
func (c *Client) answerHeartbeat(ev *Event) {
	if ev.Type != EventMessage || ev.Dir != In || ev.Opcode != OpText || ev.Note == nil || ev.Note.Protocol == nil {
		return
	}
	if p := ev.Note.Protocol; p.Name != protocol.EngineIO || p.Type != "ping" || string(ev.Payload) != "2" {
		return
	}
	c.enqueueAuto(outgoing{op: OpText, payload: engineIOPong, auto: true}, false)
}
