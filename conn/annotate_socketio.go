package conn

import (
	"fmt"
	"time"

	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/decode/protocol"
)

// namespaceWatch follows the Socket.IO namespaces the server has
// connected, to explain the close that follows a packet the server could
// not take: a Socket.IO 4 server closes the whole connection, without a
// status code, on a packet for a namespace it has not connected (and on a
// second CONNECT to one it has).
type namespaceWatch struct {
	connected map[string]bool
	strayAt   time.Time // when the client last sent such a packet
	stray     string    // what it was: `EVENT for namespace /`
}

// strayWindow is how soon after such a packet the server's close comes:
// it closes as it reads the packet.
const strayWindow = time.Second

func (w *namespaceWatch) open() { *w = namespaceWatch{} }

// observe notes a Socket.IO packet of a data message.
func (w *namespaceWatch) observe(ev *Event, p *protocol.Packet) {
	if p == nil || p.Name != protocol.SocketIO {
		return
	}
	nsp := ""
	for _, f := range p.Fields {
		if f.Name == "namespace" {
			nsp = f.Value
			break
		}
	}
	if ev.FromServer() {
		switch p.Type {
		case "CONNECT":
			if w.connected == nil {
				w.connected = map[string]bool{}
			}
			w.connected[nsp] = true
		case "CONNECT_ERROR", "DISCONNECT":
			delete(w.connected, nsp)
		}
		return
	}
	switch {
	case p.Type == "CONNECT" && w.connected[nsp]:
		w.strayAt, w.stray = ev.Time, "a second CONNECT for namespace "+nsp
	case p.Type != "CONNECT" && !w.connected[nsp]:
		w.strayAt, w.stray = ev.Time, p.Type+" for namespace "+nsp
	}
}

// ending explains a server's close or a drop at end by the packet the
// server could not take; ok is false when none came just before.
func (w *namespaceWatch) ending(end time.Time) (decode.Explanation, bool) {
	if w.strayAt.IsZero() || end.Before(w.strayAt) || end.Sub(w.strayAt) > strayWindow {
		return decode.Explanation{}, false
	}
	return decode.Explanation{Category: "protocol", Source: decode.SourceServer, Dialect: protocol.SocketIO,
		Name: "Packet for a namespace not connected",
		Explanation: fmt.Sprintf("The server closed the connection right after the client sent %s, which the server had not connected "+
			"(no CONNECT from it answered the client's). A Socket.IO 4 server closes the whole connection on a packet for a "+
			"namespace that is not connected, and on a second CONNECT to one that is.", w.stray),
		Hint: "Send the namespace's CONNECT (40 for /, 40/admin, for /admin) and wait for the server's CONNECT before anything else; " +
			"wsdbg --connect does both.",
	}, true
}

// socketIOEnding explains a Socket.IO server's close without a status
// code when nothing more specific (a missed heartbeat, a packet for a
// namespace not connected) does: Engine.IO closes the WebSocket with an
// empty close frame whatever the reason, so "1005, usually benign" would
// say what is not known.
func socketIOEnding() decode.Explanation {
	return decode.Explanation{Name: "Socket.IO server closed the connection", Category: "protocol",
		Source: decode.SourceServer, Dialect: protocol.SocketIO, Code: 1005, Reconnect: true,
		Explanation: "Engine.IO closes the WebSocket with an empty close frame whatever the reason, so the missing code " +
			"says nothing here: the Socket.IO server ended this session. A server does so when the application disconnects " +
			"the client, on a packet it cannot parse or for a namespace not connected, on a message over maxHttpBufferSize " +
			"(1 MB by default), on a missed heartbeat, or when it shuts down.",
		Hint: "Read the packets just before the close (a 41 DISCONNECT names the namespace let go); the server's log " +
			"has the reason (run it with DEBUG=engine,socket.io*).",
	}
}
