package conn

import (
	"encoding/json"
	"strconv"

	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/decode/protocol"
)

// packetEnvelope is the error envelope a message's note carries, given the
// one found in its payload (nil when none) and the packet it carried. The
// envelope found in the payload stays, completed with the packet's
// explanation when its own code is not one wsdbg knows; a packet whose
// failure no payload shape shows (an MQTT SUBACK, a Socket.IO DISCONNECT)
// gets an envelope made from that failure. in is true for a message the
// server sent.
func packetEnvelope(found *decode.Envelope, p *protocol.Packet, in bool) *decode.Envelope {
	if p == nil || p.Error == nil {
		return found
	}
	e := p.Error
	ex := decode.Explanation{Name: e.Name, Category: packetErrorCategory(p), Explanation: e.Explanation,
		Hint: e.Hint, Reconnect: e.Reconnect, Source: decode.SourceServer, Dialect: p.Name}
	if !in {
		ex.Source = decode.SourceClient
	}
	if found != nil && !sessionKnowsBetter(found, p) {
		if found.Explanation.Name != "" || found.Explanation.Explanation != "" {
			return found
		}
		completed := *found
		completed.Explanation = ex
		return &completed
	}
	return &decode.Envelope{Code: codeJSON(e.Code), Message: e.Message, Format: p.Name, Explanation: ex}
}

// sessionKnowsBetter reports whether a packet's failure replaces the
// envelope read from its payload: the payload readers of STOMP, Phoenix
// and ActionCable see one message alone, while the packet decoder knows
// the direction, the join a reply answers and the broker's own failures.
func sessionKnowsBetter(found *decode.Envelope, p *protocol.Packet) bool {
	switch found.Format {
	case decode.EnvelopeSTOMP, decode.EnvelopePhoenix, decode.EnvelopeActionCable:
		return found.Format == p.Name
	}
	return false
}

// packetErrorCategory says whether a packet's failure ends the connection
// (or a namespace of it) or only one operation.
func packetErrorCategory(p *protocol.Packet) string {
	switch p.Type {
	case "CONNACK", "DISCONNECT", "CONNECT_ERROR", "connection_error", "disconnect":
		return "connection-level"
	}
	return "application-level"
}

// codeJSON writes a packet's code as an envelope holds it: a number as a
// number, any other code as a string, none as nil.
func codeJSON(code string) json.RawMessage {
	if code == "" {
		return nil
	}
	if _, err := strconv.Atoi(code); err == nil {
		return json.RawMessage(code)
	}
	quoted, _ := json.Marshal(code) // a string always marshals
	return quoted
}
