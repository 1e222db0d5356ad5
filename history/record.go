package history

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/decode/protocol"
)

// Record is one event as `tail --json` prints it and as recordings and NDJSON
// exports store it: one JSON object per line. Which fields are present
// depends on Type; the keys below are stable, and readers ignore keys they
// do not know.
//
// Every record has "type" and "time" (RFC 3339 with nanoseconds). Then:
//
//   - open: url, status, subprotocol, extensions, headers (the response
//     headers), request_headers, hops.
//   - message: dir ("in" or "out"), opcode ("text", "binary", "ping",
//     "pong"), len, and either text (valid UTF-8, not binary) or base64;
//     frames (when more than one), frame_info, rtt_ms (pongs), auto (a
//     message the client sent on its own), reply_to and latency_ms (the seq
//     of the message it answers, and how long after it it came), protocol
//     (the packet of the protocol spoken over the connection: name, type,
//     id, summary and the decoded fields, a list of name and value) and
//     error (when the payload is a recognised error envelope).
//   - frame: a frame outside any message; the message keys apply, and a
//     reserved opcode is written as hex ("0xb").
//   - close: dir, code, reason, has_code, name, explanation, hint,
//     reconnect, final, and idle_ms and pings_on when known.
//   - error and warning: kind, cause, code, status, message, name,
//     explanation, hint, final; location, retry_after and detail (the rest
//     of the failure) where set.
//   - reconnect: attempt, delay_ms.
//   - inject (wsdbg proxy): action, the fault the user injected.
//
// Events of a proxied connection add conn (its number, from 1) and leg
// ("client" or "server": the side wsdbg talks to on the event), and
// injected and action on what the user made happen.
//
// Type, Dir and Opcode are written as the words conn's types marshal to.
// Decoding goes through UnmarshalJSON; the struct tags name the keys.
type Record struct {
	Type conn.EventType `json:"type"`
	Time time.Time      `json:"time"`
	Seq  int            `json:"seq,omitempty"` // the event's position in its session; 0 when not known

	// proxied connections (wsdbg proxy): the connection's number and the
	// side the event is about; what the user injected
	Conn     int      `json:"conn"`
	Leg      conn.Leg `json:"leg"`
	Injected bool     `json:"injected"`
	Action   string   `json:"action"`

	// open
	URL            string      `json:"url"`
	Status         int         `json:"status"`
	Subprotocol    string      `json:"subprotocol"`
	Extensions     []string    `json:"extensions"`
	Headers        http.Header `json:"headers"`
	RequestHeaders http.Header `json:"request_headers"`
	Hops           []string    `json:"hops"`

	// message, frame
	Dir       conn.Direction `json:"dir"`
	Opcode    conn.Opcode    `json:"opcode"` // close: OpClose when a close frame was on the wire
	Len       int            `json:"len"`
	Text      string         `json:"text"`
	Base64    string         `json:"base64"`
	Frames    int            `json:"frames"`
	FrameInfo []conn.Frame   `json:"frame_info"` // the frames as the tap saw them
	RTTMillis float64        `json:"rtt_ms"`
	// Envelope is the application error found in the payload, written as
	// the "error" object.
	Envelope *decode.Envelope `json:"-"`
	// Protocol is the protocol packet the message carried, written as the
	// "protocol" object.
	Protocol *protocol.Packet `json:"-"`
	Auto     bool             `json:"auto"`
	// ReplyTo is the seq of the message this one answers, 0 when none;
	// LatencyMillis is how long after that message this one came.
	ReplyTo       int     `json:"reply_to"`
	LatencyMillis float64 `json:"latency_ms"`

	// close (Code also for errors and warnings, in Failure)
	Code        int     `json:"code"`
	Reason      string  `json:"reason"`
	HasCode     bool    `json:"has_code"`
	Name        string  `json:"name"`
	Category    string  `json:"category"`
	Dialect     string  `json:"dialect"`
	Source      string  `json:"source"` // who sends such a close
	Explanation string  `json:"explanation"`
	Hint        string  `json:"hint"`
	Reconnect   bool    `json:"reconnect"`
	Final       bool    `json:"final"`
	IdleMillis  float64 `json:"idle_ms"`
	PingsOn     bool    `json:"pings_on"`

	// Failure is what went wrong, for errors and warnings: its kind, cause,
	// code, status, message, location and retry_after are written at the
	// top of the record, the rest under "detail".
	Failure *decode.Failure `json:"-"`

	// reconnect
	Attempt     int     `json:"attempt"`
	DelayMillis float64 `json:"delay_ms"`
}

// FromEvent turns an event into a record. The explanations come from the
// event's annotation (conn.Event.Note), never from explaining it again.
// The record shares the event's frames, failure and envelope.
func FromEvent(ev conn.Event) Record { return fromEvent(&ev, false) }

// FromEventSharing is FromEvent for a record used and dropped while the
// event's payload stays as it is, as printing one does: the record's
// text is the payload's bytes, not a copy of them.
func FromEventSharing(ev *conn.Event) Record { return fromEvent(ev, true) }

func fromEvent(ev *conn.Event, share bool) Record {
	r := Record{Type: ev.Type, Time: ev.Time, Seq: ev.Seq, Conn: ev.Conn, Leg: ev.Leg, Injected: ev.Injected, Action: ev.Action}
	switch ev.Type {
	case conn.EventOpen:
		r.URL = ev.URL
		r.Status = ev.Status
		r.Subprotocol = ev.Subprotocol
		r.Extensions = ev.Extensions
		r.Headers = ev.ResponseHeader
		r.RequestHeaders = ev.RequestHeader
		r.Hops = ev.Hops
	case conn.EventMessage, conn.EventFrame:
		r.Dir = ev.Dir
		r.Opcode = ev.Opcode
		r.Len = len(ev.Payload)
		switch {
		case ev.Opcode == conn.OpBinary || !utf8.Valid(ev.Payload):
			r.Base64 = base64.StdEncoding.EncodeToString(ev.Payload)
		case share:
			r.Text = unsafe.String(unsafe.SliceData(ev.Payload), len(ev.Payload))
		default:
			r.Text = string(ev.Payload)
		}
		if n := max(ev.FrameCount, len(ev.Frames)); n > 1 {
			r.Frames = n
		}
		r.FrameInfo = ev.Frames
		if ev.Opcode == conn.OpPong && ev.RTT > 0 {
			r.RTTMillis = millis(ev.RTT)
		}
		r.Auto = ev.Auto
		if n := ev.Note; n != nil {
			r.Envelope, r.Protocol = n.Envelope, n.Protocol
			if n.Reply != nil {
				r.ReplyTo, r.LatencyMillis = n.Reply.To, millis(n.Reply.Latency)
			}
		}
	case conn.EventClose:
		r.Dir = ev.Dir
		r.Code = ev.Code
		r.Reason = ev.Reason
		r.HasCode = ev.HasCode
		r.Final = ev.Final
		r.IdleMillis = millis(ev.Idle)
		r.PingsOn = ev.PingsOn
		if ev.Opcode == conn.OpClose {
			// A close frame was on the wire, not only a connection that ended.
			r.Opcode = conn.OpClose
			r.FrameInfo = ev.Frames
		}
		r.setExplanation(ev.Note)
	case conn.EventError, conn.EventWarning:
		r.Final = ev.Final
		r.IdleMillis = millis(ev.Idle)
		r.Failure = ev.Failure
		r.setExplanation(ev.Note)
	case conn.EventReconnect:
		r.Attempt = ev.Attempt
		r.DelayMillis = millis(ev.Delay)
	}
	return r
}

// setExplanation copies a close's or failure's annotation into the record.
func (r *Record) setExplanation(n *conn.Note) {
	if n == nil {
		return
	}
	ex := n.Explanation
	r.Name, r.Category, r.Dialect, r.Source = ex.Name, ex.Category, ex.Dialect, ex.Source
	r.Explanation, r.Hint, r.Reconnect = ex.Explanation, ex.Hint, ex.Reconnect
}

// explanation is the annotation a record carries, as decode describes it.
func (r Record) explanation() decode.Explanation {
	code := r.Code
	if r.Failure != nil {
		code = r.Failure.Code
	}
	return decode.Explanation{Name: r.Name, Category: r.Category, Dialect: r.Dialect, Source: r.Source,
		Explanation: r.Explanation, Hint: r.Hint, Reconnect: r.Reconnect, Code: code}
}

// IsDataMessage reports whether the record is a text or binary message,
// the kind a session's message counts and replies are about (pings and
// pongs are not).
func (r Record) IsDataMessage() bool {
	return r.Type == conn.EventMessage && (r.Opcode == conn.OpText || r.Opcode == conn.OpBinary)
}

// event turns a record back into the event it was made from, so that a
// loaded recording can be shown like a live session. The annotation is the
// one the record was written with.
func (r Record) event() (conn.Event, error) {
	ev := conn.Event{Type: r.Type, Time: r.Time, Seq: r.Seq, Conn: r.Conn, Leg: r.Leg, Injected: r.Injected, Action: r.Action}
	switch r.Type {
	case conn.EventOpen:
		ev.URL, ev.Status, ev.Subprotocol = r.URL, r.Status, r.Subprotocol
		ev.Extensions, ev.ResponseHeader, ev.RequestHeader, ev.Hops = r.Extensions, r.Headers, r.RequestHeaders, r.Hops
	case conn.EventMessage, conn.EventFrame:
		if err := r.checkDir(); err != nil {
			return conn.Event{}, err
		}
		if r.Type == conn.EventMessage && r.Opcode == conn.OpContinuation {
			return conn.Event{}, fmt.Errorf(`a message needs an "opcode" such as "text" or "binary"`)
		}
		var err error
		if ev.Payload, err = r.Payload(); err != nil {
			return conn.Event{}, err
		}
		ev.Dir, ev.Opcode, ev.Frames = r.Dir, r.Opcode, r.frames()
		ev.FrameCount = max(r.Frames, len(ev.Frames))
		ev.RTT = fromMillis(r.RTTMillis)
		ev.Auto = r.Auto
		var reply *conn.Reply
		if r.ReplyTo > 0 {
			reply = &conn.Reply{To: r.ReplyTo, Latency: fromMillis(r.LatencyMillis)}
		}
		if r.Envelope != nil || r.Protocol != nil || reply != nil {
			ev.Note = &conn.Note{Envelope: r.Envelope, Protocol: r.Protocol, Reply: reply}
		}
	case conn.EventClose:
		if err := r.checkDir(); err != nil {
			return conn.Event{}, err
		}
		ev.Dir, ev.Code, ev.Reason, ev.HasCode, ev.Final = r.Dir, r.Code, r.Reason, r.HasCode, r.Final
		ev.Idle, ev.PingsOn = fromMillis(r.IdleMillis), r.PingsOn
		// Recordings before "opcode" was written on closes: a code or a
		// reason can only have come in a close frame.
		if r.Opcode == conn.OpClose || r.HasCode || r.Reason != "" {
			ev.Opcode = conn.OpClose
			ev.Frames = r.frames()
			if r.HasCode {
				ev.Payload = append(binary.BigEndian.AppendUint16(nil, uint16(r.Code)), r.Reason...)
			}
		}
		ev.Note = r.note()
	case conn.EventError, conn.EventWarning:
		ev.Final, ev.Idle = r.Final, fromMillis(r.IdleMillis)
		f := decode.Failure{}
		if r.Failure != nil {
			f = *r.Failure // the event's consumers may annotate it further
		}
		ev.Failure = &f
		ev.Note = r.note()
	case conn.EventReconnect:
		ev.Attempt, ev.Delay = r.Attempt, fromMillis(r.DelayMillis)
	case conn.EventInject:
	case 0:
		return conn.Event{}, fmt.Errorf(`no "type"`)
	default:
		return conn.Event{}, fmt.Errorf("unknown event type %d", r.Type)
	}
	return ev, nil
}

func (r Record) checkDir() error {
	if r.Dir != conn.In && r.Dir != conn.Out {
		return fmt.Errorf(`"dir" must be "in" or "out"`)
	}
	return nil
}

// frames are the frames the tap saw, completed with what frame_info does
// not hold: the direction and the header size.
func (r Record) frames() []conn.Frame {
	if len(r.FrameInfo) == 0 {
		return nil
	}
	frames := slices.Clone(r.FrameInfo)
	for i := range frames {
		f := &frames[i]
		f.Dir = r.Dir
		f.HeaderLen = 2 + f.LenBytes
		if f.Masked {
			f.HeaderLen += 4
		}
	}
	return frames
}

// note is the annotation the record was written with; nil for records
// without one (written by hand), which are then shown unexplained rather
// than explained with a context the recording does not hold.
func (r Record) note() *conn.Note {
	if r.Name == "" && r.Explanation == "" {
		return nil
	}
	return &conn.Note{Explanation: r.explanation()}
}

// Payload returns the message or frame payload the record carries.
func (r Record) Payload() ([]byte, error) {
	if r.Base64 != "" {
		b, err := base64.StdEncoding.DecodeString(r.Base64)
		if err != nil {
			return nil, fmt.Errorf("base64 payload: %w", err)
		}
		return b, nil
	}
	return []byte(r.Text), nil
}

// PayloadSize is the payload length of a message or frame record, also for
// records written by hand without "len".
func (r Record) PayloadSize() int {
	if r.Len > 0 {
		return r.Len
	}
	if r.Base64 != "" {
		return base64.StdEncoding.DecodedLen(len(r.Base64))
	}
	return len(r.Text)
}

// opcodeWord is an opcode as records write it, for text meant to be read.
func opcodeWord(op conn.Opcode) string {
	word, _ := op.MarshalText()
	return string(word)
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fromMillis(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// recordFields is Record without its methods, to decode into.
type recordFields Record

// recordJSON is a record as a line holds it: the failure's kind, cause,
// message, location and retry_after at the top next to the record's own
// keys (its code and status share the record's), the rest of the failure
// under "detail", and an error envelope under "error".
type recordJSON struct {
	recordFields
	Envelope   *envelopeJSON   `json:"error"`
	Protocol   *protocolJSON   `json:"protocol"`
	Kind       string          `json:"kind"`
	Cause      string          `json:"cause"`
	Message    string          `json:"message"`
	Location   string          `json:"location"`
	RetryAfter string          `json:"retry_after"`
	Detail     *decode.Failure `json:"detail"`
}

// protocolJSON is the "protocol" object of a message record.
type protocolJSON struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	ID      string `json:"id"`
	Summary string `json:"summary"`
	Fields  []struct {
		Name  string `json:"name"`
		Value string `json:"value"`
	} `json:"fields"`
}

// envelopeJSON is the "error" object of a message record.
type envelopeJSON struct {
	Code    json.RawMessage `json:"code"` // as the payload gave it: a number or a string
	Message string          `json:"message"`
	Format  string          `json:"format"`
	decode.Explanation
}

// UnmarshalJSON reads a record line. Keys it does not know are ignored;
// a Type, Dir or Opcode that is not one of conn's words is an error.
func (r *Record) UnmarshalJSON(data []byte) error {
	var j recordJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return keyError(err)
	}
	*r = j.record()
	return nil
}

// decodeRecord reads a record line with dec, which may disallow unknown
// keys.
func decodeRecord(dec *json.Decoder) (Record, error) {
	var j recordJSON
	if err := dec.Decode(&j); err != nil {
		return Record{}, keyError(err)
	}
	return j.record(), nil
}

// keyError names a value of the wrong type by its key alone, as the line
// has it, not by the Go struct that holds it while decoding.
func keyError(err error) error {
	var wrongType *json.UnmarshalTypeError
	if errors.As(err, &wrongType) {
		wrongType.Field = strings.TrimPrefix(wrongType.Field, "recordFields.")
	}
	return err
}

func (j *recordJSON) record() Record {
	r := Record(j.recordFields)
	if e := j.Envelope; e != nil {
		ex := e.Explanation
		ex.Code = 0
		if n, err := strconv.Atoi(strings.Trim(string(e.Code), `"`)); err == nil {
			ex.Code = n
		}
		r.Envelope = &decode.Envelope{Code: e.Code, Message: e.Message, Format: e.Format, Explanation: ex}
	}
	if p := j.Protocol; p != nil {
		r.Protocol = &protocol.Packet{Name: p.Name, Type: p.Type, ID: p.ID, Summary: p.Summary}
		for _, f := range p.Fields {
			r.Protocol.Fields = append(r.Protocol.Fields, protocol.Field{Name: f.Name, Value: f.Value})
		}
	}
	if r.Type == conn.EventError || r.Type == conn.EventWarning {
		f := j.Detail
		if f == nil {
			f = &decode.Failure{}
		}
		f.Kind, f.Cause, f.Message, f.Location, f.RetryAfter = j.Kind, j.Cause, j.Message, j.Location, j.RetryAfter
		f.Code, f.Status = r.Code, r.Status
		r.Code, r.Status = 0, 0
		r.Failure = f
	}
	return r
}

// FromServer reports whether the record's frame came from the server's
// side, as conn.Event.FromServer does.
func (r Record) FromServer() bool {
	if r.Leg == conn.LegClient {
		return r.Dir == conn.Out
	}
	return r.Dir == conn.In
}
