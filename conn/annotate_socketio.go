package conn

import (
	"fmt"
	"time"

	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/decode/protocol"
)

// socketIOWatch follows the namespaces of a Socket.IO session, because a
// Socket.IO server ends the whole connection when a client sends a packet
// to a namespace it has not joined, and Engine.IO closes the WebSocket
// with an empty close frame whatever the reason: 1005 then says nothing,
// and "usually benign" would be wrong.
type socketIOWatch struct {
	joined map[string]bool // namespaces the server let the client into
	// stray is the last packet the client sent to a namespace it had not
	// joined: its type, namespace and time.
	strayType, strayNS string
	strayAt            time.Time
}

// strayWindow is how soon after a packet to a namespace not joined the
// server's close is put down to it: the server closes at once.
const strayWindow = 2 * time.Second

func (w *socketIOWatch) open() { *w = socketIOWatch{} }

// observe notes what a Socket.IO packet says about the namespaces.
func (w *socketIOWatch) observe(ev *Event, p *protocol.Packet) {
	if p == nil || p.Name != protocol.SocketIO {
		return
	}
	ns := packetField(p, "namespace")
	switch {
	case p.Type == "CONNECT" && ev.FromServer():
		if w.joined == nil {
			w.joined = map[string]bool{}
		}
		w.joined[ns] = true
	case p.Type == "DISCONNECT":
		delete(w.joined, ns)
	case p.Type == "CONNECT" || p.Type == "CONNECT_ERROR" || ev.FromServer():
	case !w.joined[ns]:
		w.strayType, w.strayNS, w.strayAt = p.Type, ns, ev.Time
	}
}

// ending explains a Socket.IO server's close without a status code.
func (w *socketIOWatch) ending(end time.Time) decode.Explanation {
	ex := decode.Explanation{Name: "Socket.IO server closed the connection", Category: "socket.io",
		Source: decode.SourceServer, Dialect: protocol.SocketIO, Code: 1005}
	if !w.strayAt.IsZero() && end.Sub(w.strayAt) >= 0 && end.Sub(w.strayAt) <= strayWindow {
		ex.Name = "Socket.IO: packet to a namespace not joined"
		when := "just before this"
		if d := end.Sub(w.strayAt); d >= time.Millisecond {
			when = decode.HumanDuration(d.Round(time.Millisecond)) + " before this"
		}
		ex.Explanation = fmt.Sprintf("The client sent %s to the namespace %s %s, without the server having "+
			"let it into that namespace (no CONNECT answered with 40). A Socket.IO server ends the whole connection on "+
			"such a packet; Engine.IO then closes the WebSocket with an empty close frame, hence no status code.",
			w.strayType, w.strayNS, when)
		ex.Hint = "Join the namespace first: send 40" + nsPrefix(w.strayNS) + " (or use --connect) and wait for the server's 40 " +
			"before emitting, as Socket.IO clients do."
		return ex
	}
	ex.Explanation = "Engine.IO closes the WebSocket with an empty close frame whatever the reason, so the missing code " +
		"says nothing here: the Socket.IO server ended this session. A server does so when the application disconnects " +
		"the client, on a packet it cannot parse or for a namespace not joined, on a message over maxHttpBufferSize " +
		"(1 MB by default), on a missed heartbeat, or when it shuts down."
	ex.Hint = "Read the packets just before the close (a 41 DISCONNECT names the namespace let go); the server's log " +
		"has the reason (run it with DEBUG=engine,socket.io*)."
	ex.Reconnect = true
	return ex
}

func nsPrefix(ns string) string {
	if ns == "/" || ns == "" {
		return ""
	}
	return ns + ","
}

// packetField is the value of a packet's field by name, "" when absent.
func packetField(p *protocol.Packet, name string) string {
	for _, f := range p.Fields {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}
