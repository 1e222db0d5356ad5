// Package protocol names the packets of the protocols people run over
// WebSocket: Engine.IO and Socket.IO, graphql-transport-ws and the legacy
// graphql-ws, MQTT, STOMP, Phoenix channels and ActionCable. It is pure:
// a Session is fed one connection's messages in order and says, for each,
// which packet it carried, without I/O.
//
// A message the protocol does not explain gets no packet, rather than a
// guess: naming a packet wrongly would mislead more than naming none.
package protocol

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// The protocols, by the names Packet.Name and the --protocol flag use.
const (
	SocketIO           = "socket.io"
	EngineIO           = "engine.io"
	GraphQLTransportWS = "graphql-transport-ws"
	GraphQLWS          = "graphql-ws"
	MQTT               = "mqtt"
	STOMP              = "stomp"
	Phoenix            = "phoenix"
	ActionCable        = "actioncable"
)

// Names lists the protocols a user may name, in the order help shows them.
var Names = []string{SocketIO, EngineIO, GraphQLTransportWS, GraphQLWS, MQTT, STOMP, Phoenix, ActionCable}

// Known reports whether name is one of Names.
func Known(name string) bool { return slices.Contains(Names, name) }

// Packet is one packet of a protocol, as a message carried it.
type Packet struct {
	Name    string // the protocol, one of Names
	Type    string // the packet's type as the protocol names it: "EVENT", "subscribe", "PUBLISH"
	ID      string // the packet's id (ack id, operation id, packet identifier, ref), when it has one
	Summary string // one line for a preview: `EVENT "chat" #12 /admin`; untrusted parts escaped
	// Error is the failure the packet reports, when it reports one.
	Error *Error
	// Fields are the packet's header fields, in wire order, for the
	// inspector: "QoS" "1", "topic" "prices/eur".
	Fields []Field
	// Asks is the key a reply to this packet will carry, and Answers the
	// key of the request this packet replies to; "" when none. A key
	// names the protocol, the kind of exchange and its id (with the
	// namespace or topic the id is scoped to), so that keys of different
	// exchanges never collide. The request and its reply travel in
	// opposite directions.
	Asks, Answers string
}

// Error is a failure a packet reports in the protocol's own terms.
type Error struct {
	Code        string // the protocol's code as text: "4", "0x87", "unauthorized"; "" when none
	Message     string // the failure's own words, sanitised
	Name        string // the code's name from the protocol's table; "" when unknown
	Explanation string // what it means for this connection
	Hint        string // what to do
	Reconnect   bool   // whether reconnecting is the right recovery
}

// Field is one decoded field of a packet. Value is escaped where it comes
// from the payload.
type Field struct {
	Name, Value string
}

// key builds a link key from its parts.
func key(parts ...string) string { return strings.Join(parts, "\x00") }

// Detect names the protocol that the negotiated subprotocol or the URL
// announce, or "" when neither does. The subprotocol wins: it is what the
// server agreed to.
func Detect(subprotocol, rawURL string) string {
	switch strings.ToLower(subprotocol) {
	case "graphql-transport-ws":
		return GraphQLTransportWS
	case "graphql-ws":
		return GraphQLWS
	case "mqtt", "mqttv3.1":
		return MQTT
	case "v10.stomp", "v11.stomp", "v12.stomp", "stomp":
		return STOMP
	case "actioncable-v1-json", "actioncable-unsupported":
		return ActionCable
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	q := u.Query()
	switch {
	case strings.HasSuffix(u.Path, "/socket.io/") || strings.HasSuffix(u.Path, "/socket.io"):
		if q.Get("EIO") == "4" || q.Get("EIO") == "" {
			return SocketIO
		}
	case strings.HasSuffix(u.Path, "/engine.io/") || strings.HasSuffix(u.Path, "/engine.io"):
		if q.Get("EIO") == "4" || q.Get("EIO") == "" {
			return EngineIO
		}
	case strings.HasSuffix(u.Path, "/websocket") && strings.HasPrefix(q.Get("vsn"), "2."):
		return Phoenix
	case strings.HasSuffix(u.Path, "/websocket") && strings.HasPrefix(q.Get("vsn"), "1."):
		return Phoenix
	}
	return ""
}

// sniffLimit is how many messages a Session without a protocol looks at
// before it stops guessing: a protocol shows itself in its first packets.
const sniffLimit = 4

// Session decodes the messages of one connection, in the order they were
// sent and received. It keeps what a packet needs from earlier ones: the
// MQTT packet a message continues, the MQTT version the CONNECT asked
// for, the Socket.IO attachments a binary event announced.
type Session struct {
	name   string
	sniffs int
	// socketIO is set on an Engine.IO session once a Socket.IO packet
	// shows that Socket.IO runs over it.
	socketIO    bool
	attachments [2]attachmentCount // Socket.IO binary attachments still to come, by direction
	mqtt        [2]mqttStream
	mqttVersion byte
	heartbeat   Heartbeat
}

// Heartbeat is what a protocol's packets so far ask of the client to stay
// connected; zero fields are not set (or off).
type Heartbeat struct {
	// Engine.IO: the server pings every PingInterval and drops a client
	// that has not answered with a pong within PingTimeout.
	PingInterval, PingTimeout time.Duration
	// MQTT: the CONNECT's keep-alive (or the CONNACK's Server Keep Alive);
	// the broker drops a client silent for one and a half times it.
	KeepAlive time.Duration
}

// Heartbeat is the heartbeat the session's packets set so far.
func (s *Session) Heartbeat() Heartbeat { return s.heartbeat }

// NewSession returns a Session for a connection that speaks name; with
// name "" it looks for a protocol in the first messages.
func NewSession(name string) *Session {
	s := &Session{name: name, mqttVersion: 4}
	if name == SocketIO {
		s.name, s.socketIO = EngineIO, true
	}
	return s
}

// Protocol is the protocol the session decodes: the one it was given or
// the one its first messages showed; "" while none.
func (s *Session) Protocol() string {
	if s.name == EngineIO && s.socketIO {
		return SocketIO
	}
	return s.name
}

// Decode names the packet a message carried: in is true for a message the
// server sent, binary for a binary message. ok is false when the message
// is not a packet of the session's protocol (or no protocol is known).
func (s *Session) Decode(in, binary bool, payload []byte) (p Packet, ok bool) {
	if s.name == "" {
		if s.sniffs >= sniffLimit {
			return Packet{}, false
		}
		s.sniffs++
		if s.name = sniff(binary, payload); s.name == "" {
			return Packet{}, false
		}
	}
	dir := 0
	if in {
		dir = 1
	}
	switch s.name {
	case EngineIO:
		return s.engineIO(dir, binary, payload)
	case GraphQLTransportWS, GraphQLWS:
		if binary {
			return Packet{}, false
		}
		return graphQL(s.name, payload)
	case MQTT:
		if !binary {
			return Packet{}, false
		}
		return s.mqttMessage(dir, payload)
	case STOMP:
		return stomp(in, payload)
	case Phoenix:
		if binary {
			return Packet{}, false
		}
		return phoenix(in, payload)
	case ActionCable:
		if binary {
			return Packet{}, false
		}
		return actionCable(in, payload)
	}
	return Packet{}, false
}

// sniff names the protocol a connection's message shows beyond doubt, or
// "". Messages several protocols share (graphql's connection_init) name
// none.
func sniff(binary bool, p []byte) string {
	if binary {
		if isMQTTConnect(p) {
			return MQTT
		}
		return ""
	}
	switch {
	case len(p) > 1 && p[0] == '0' && p[1] == '{' && hasKey(p[1:], "sid"):
		return EngineIO
	case isSTOMPOpening(p):
		return STOMP
	case len(p) > 0 && p[0] == '[':
		// Phoenix's own events, phx_join and phx_reply, open a channel.
		if pk, ok := phoenix(false, p); ok && strings.HasPrefix(pk.Type, "phx_") {
			return Phoenix
		}
	case len(p) > 0 && p[0] == '{':
		obj := p
		if pk, ok := phoenix(false, p); ok && strings.HasPrefix(pk.Type, "phx_") {
			return Phoenix
		}
		typ, _ := objectString(obj, "type")
		_, hasID := objectRaw(obj, "id")
		_, hasPayload := objectRaw(obj, "payload")
		switch typ {
		case "confirm_subscription", "reject_subscription":
			if hasKey(obj, "identifier") {
				return ActionCable
			}
		case "subscribe", "next":
			if hasID && hasPayload {
				return GraphQLTransportWS
			}
		case "start", "data":
			if hasID && hasPayload {
				return GraphQLWS
			}
		case "ka", "connection_keep_alive", "connection_terminate":
			return GraphQLWS
		}
		if cmd, _ := objectString(obj, "command"); cmd == "subscribe" {
			if _, ok := objectString(obj, "identifier"); ok {
				return ActionCable
			}
		}
	}
	return ""
}
