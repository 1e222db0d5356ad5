// Package sessiontest holds the sample session the recording and export
// tests share: one event of every kind and shape a recording must keep.
package sessiontest

import (
	"net/http"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

// T0 is when the sample session starts.
var T0 = time.Date(2026, 11, 22, 2, 10, 0, 123456789, time.UTC)

// At is ms milliseconds into the sample session.
func At(ms int) time.Time { return T0.Add(time.Duration(ms) * time.Millisecond) }

// Frame is a frame as the tap reports it, at ms.
func Frame(ms int, dir conn.Direction, fin bool, op conn.Opcode, n int64) conn.Frame {
	f := conn.Frame{Time: At(ms), Dir: dir, FIN: fin, Opcode: op, Masked: dir == conn.Out, Length: n, HeaderLen: 2}
	if f.Masked {
		f.HeaderLen += 4
	}
	if n > 125 {
		f.LenBytes = 2
		f.HeaderLen += 2
	}
	return f
}

// SampleEvents has one event of every kind and shape a recording must keep.
func SampleEvents() []conn.Event {
	evs := []conn.Event{
		{Type: conn.EventOpen, Time: At(0), URL: "wss://api.example.com/ws?room=1", Status: 101,
			Subprotocol: "graphql-ws", Extensions: []string{"permessage-deflate"},
			RequestHeader:  http.Header{"Origin": {"https://app.example.com"}, "Sec-Websocket-Version": {"13"}},
			ResponseHeader: http.Header{"Upgrade": {"websocket"}, "Sec-Websocket-Protocol": {"graphql-ws"}},
			Hops:           []string{"wss://old.example.com/ws"}},
		{Type: conn.EventMessage, Time: At(10), Dir: conn.Out, Opcode: conn.OpText,
			Payload: []byte(`{"type":"subscribe","id":"1"}`),
			Frames:  []conn.Frame{Frame(10, conn.Out, true, conn.OpText, 29)}},
		{Type: conn.EventMessage, Time: At(30), Dir: conn.In, Opcode: conn.OpText,
			Payload: []byte("héllo, wörld\n\ttab \"quoted\" \\ back"),
			Frames: []conn.Frame{Frame(20, conn.In, false, conn.OpText, 10), Frame(25, conn.In, false, conn.OpContinuation, 10),
				Frame(30, conn.In, true, conn.OpContinuation, 17)}},
		{Type: conn.EventMessage, Time: At(40), Dir: conn.In, Opcode: conn.OpBinary, Payload: []byte{0x82, 0xa3, 0x00, 0xff}},
		{Type: conn.EventMessage, Time: At(45), Dir: conn.In, Opcode: conn.OpText, Payload: []byte("bad \xff\xfe utf8")},
		{Type: conn.EventMessage, Time: At(50), Dir: conn.Out, Opcode: conn.OpPing, Payload: []byte("hb")},
		{Type: conn.EventMessage, Time: At(62), Dir: conn.In, Opcode: conn.OpPong, Payload: []byte("hb"), RTT: 12500 * time.Microsecond},
		{Type: conn.EventMessage, Time: At(63), Dir: conn.In, Opcode: conn.OpText},
		{Type: conn.EventFrame, Time: At(70), Dir: conn.In, Opcode: 0xB, Payload: []byte{1, 2},
			Frames: []conn.Frame{{Time: At(70), Dir: conn.In, FIN: true, RSV: 4, Opcode: 0xB, Length: 2, HeaderLen: 2}}},
		{Type: conn.EventWarning, Time: At(80), Failure: &decode.Failure{Kind: decode.KindProtocol,
			Cause: decode.CauseNonMinimalLength, Code: 1002, Message: "length 5 encoded in 2 bytes", Opcode: 1, Length: 5}},
		{Type: conn.EventClose, Time: At(90), Dir: conn.In, Opcode: conn.OpClose, Code: 1008, Reason: "token expired",
			HasCode: true, Payload: append([]byte{0x03, 0xf0}, "token expired"...), Final: false,
			Idle: 1500 * time.Millisecond, PingsOn: true,
			Frames: []conn.Frame{Frame(90, conn.In, true, conn.OpClose, 15)}},
		{Type: conn.EventReconnect, Time: At(100), Attempt: 2, Delay: 1500 * time.Millisecond},
		{Type: conn.EventError, Time: At(110), Final: true, Failure: &decode.Failure{Kind: decode.KindHandshake,
			Cause: decode.CauseHTTPStatus, Status: 401, Message: "websocket: bad handshake",
			URL: "wss://api.example.com/ws?room=1", Header: map[string]string{"Www-Authenticate": "Bearer"},
			Body: "token expired", SentAuth: true, RetryAfter: "30"}},
		{Type: conn.EventClose, Time: At(120), Dir: conn.Out, Code: 1005, Final: true},
	}
	// As a live session hands them over: annotated, messages with their
	// frame count.
	notes := conn.NewAnnotator(conn.Options{})
	for i := range evs {
		if evs[i].Type == conn.EventMessage || evs[i].Type == conn.EventFrame {
			evs[i].FrameCount = len(evs[i].Frames)
		}
		notes.Annotate(&evs[i])
	}
	return evs
}
