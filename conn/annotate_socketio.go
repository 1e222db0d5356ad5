package conn

import (
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/decode/protocol"
)

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
