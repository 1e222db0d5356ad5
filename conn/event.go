package conn

import (
	"net/http"
	"time"

	"github.com/wsdbg/wsdbg/decode"
)

// EventType says what an Event reports.
type EventType uint8

const (
	EventOpen      EventType = iota + 1 // the upgrade succeeded
	EventMessage                        // a whole data message, or a ping or pong, in either direction
	EventFrame                          // a frame outside any message; from recordings only, as Client attaches such frames to the warning or error they cause
	EventClose                          // a close frame, sent or received; with no Frames when none went out: Close came while no connection was open, or the socket did not take the frame
	EventError                          // a failure that ended (or prevented) the connection
	EventWarning                        // something wrong that did not end the connection
	EventReconnect                      // a reconnect is scheduled (Attempt, Delay)
	EventInject                         // proxy: a fault the user injected that sends no frame (Action: pause, resume, delay, swallow)
)

func (t EventType) String() string {
	switch t {
	case EventOpen:
		return "open"
	case EventMessage:
		return "message"
	case EventFrame:
		return "frame"
	case EventClose:
		return "close"
	case EventError:
		return "error"
	case EventWarning:
		return "warning"
	case EventReconnect:
		return "reconnect"
	case EventInject:
		return "inject"
	}
	return "unknown"
}

// Direction of a message or frame, seen from wsdbg: In is what it
// received, Out what it sent. On a direct connection In is from the server;
// on a proxied one, the Leg says from (or to) which side.
type Direction uint8

const (
	In  Direction = iota + 1 // received: from the server, or from Leg's side through the proxy
	Out                      // sent: to the server, or to Leg's side through the proxy
)

// Leg is the side of a proxied connection wsdbg talks to on an event:
// LegClient is the application connected to wsdbg proxy, LegServer the
// upstream server. Events of a direct connection have no leg.
type Leg uint8

const (
	LegNone Leg = iota
	LegClient
	LegServer
)

func (l Leg) String() string {
	switch l {
	case LegClient:
		return "client"
	case LegServer:
		return "server"
	}
	return ""
}

func (d Direction) String() string {
	if d == Out {
		return "out"
	}
	return "in"
}

// Opcode is a WebSocket frame opcode (RFC 6455 §5.2).
type Opcode uint8

const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xA
)

func (o Opcode) String() string {
	switch o {
	case OpContinuation:
		return "continuation"
	case OpText:
		return "text"
	case OpBinary:
		return "binary"
	case OpClose:
		return "close"
	case OpPing:
		return "ping"
	case OpPong:
		return "pong"
	}
	return "reserved"
}

// IsControl reports whether the opcode is a control opcode (0x8–0xF).
func (o Opcode) IsControl() bool { return o&0x8 != 0 }

// Frame is one frame as the tap saw it on the wire.
// Recordings keep the tagged fields (see AppendJSON for the order).
type Frame struct {
	Time      time.Time `json:"time"`
	Dir       Direction `json:"-"`
	FIN       bool      `json:"fin"`
	RSV       uint8     `json:"rsv"` // RSV1<<2 | RSV2<<1 | RSV3
	Opcode    Opcode    `json:"opcode"`
	Masked    bool      `json:"masked"`
	MaskKey   [4]byte   `json:"-"`
	Length    int64     `json:"len"`       // declared payload length
	LenBytes  uint8     `json:"len_bytes"` // how the length was encoded: 0 (7-bit), 2 (16-bit) or 8 (64-bit)
	HeaderLen uint8     `json:"-"`         // bytes of header on the wire
	// payload holds the unmasked payload of control frames only (≤125 bytes
	// when legal); data payloads come from the message.
	payload []byte
}

// Event is a plain value describing one thing that happened on a connection.
// Which fields are set depends on Type.
type Event struct {
	Type EventType
	Time time.Time // wall clock with a monotonic reading
	// Seq is the event's 1-based position among the events of its Client,
	// reconnects included: the order Events and TakeEvents deliver them in.
	Seq int

	// Proxied connections only: Conn is the connection's 1-based number
	// among those the proxy accepted, Leg the side the event is about.
	Conn int
	Leg  Leg
	// Injected marks what the user made happen on a proxied connection:
	// a close or drop wsdbg sent, a message it swallowed, and every
	// EventInject. Action names it ("close", "drop", "swallow", "pause",
	// "resume", "delay 500ms").
	Injected bool
	Action   string
	// Peer is the address of the application a proxied connection came
	// from, on its open event and on a failure that ended it.
	Peer string

	// message, frame, close
	Dir     Direction
	Opcode  Opcode
	Payload []byte
	// Frames are the frames a message was made of, as the tap saw them.
	// Of a message of more than 4096 frames only the first 4095 and the
	// last are kept; FrameCount counts them all.
	Frames     []Frame
	FrameCount int           // message: how many frames it was made of
	RTT        time.Duration // pong: round-trip time of the ping it answers
	// Auto marks a message the client sent on its own, not asked to: the
	// answer to an Engine.IO heartbeat ping.
	Auto bool

	// open
	URL            string
	Status         int
	Subprotocol    string
	Extensions     []string
	RequestHeader  http.Header
	ResponseHeader http.Header
	Hops           []string // redirects followed before the upgrade, in order

	// close
	Code    int           // close code; 1005 when the close frame had none
	Reason  string        // close reason
	HasCode bool          // false when the close frame carried no payload
	Final   bool          // close/error: it ends the connection and no automatic reconnect follows
	Idle    time.Duration // close/error: time since the last frame, either direction
	PingsOn bool

	// error, warning
	Failure *decode.Failure

	// reconnect
	Attempt int
	Delay   time.Duration

	// Note is the event's annotation (see Annotator); nil when there is
	// nothing to explain.
	Note *Note
}

// FromServer reports whether the event's frame came from the server's
// side: received on a direct connection or on a proxy's server leg, or
// sent by wsdbg to a proxy's client in the server's place. Explanations
// and protocol decoding depend on which side spoke, not on the arrow.
func (ev *Event) FromServer() bool {
	if ev.Leg == LegClient {
		return ev.Dir == Out
	}
	return ev.Dir == In
}
