package history

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
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
//     frames (when more than one), frame_info, rtt_ms (pongs) and error
//     (when the payload is a recognised error envelope).
//   - frame: a frame outside any message; the message keys apply, and a
//     reserved opcode is written as hex ("0xb").
//   - close: dir, code, reason, has_code, name, explanation, hint,
//     reconnect, final, and idle_ms and pings_on when known.
//   - error and warning: kind, cause, code, status, message, name,
//     explanation, hint, final; location, retry_after and detail where set.
//   - reconnect: attempt, delay_ms.
type Record struct {
	Type string    `json:"type"`
	Time time.Time `json:"time"`

	// open
	URL            string      `json:"url,omitempty"`
	Status         int         `json:"status,omitempty"`
	Subprotocol    string      `json:"subprotocol,omitempty"`
	Extensions     []string    `json:"extensions,omitempty"`
	Headers        http.Header `json:"headers,omitempty"`
	RequestHeaders http.Header `json:"request_headers,omitempty"`
	Hops           []string    `json:"hops,omitempty"`

	// message, frame
	Dir       string        `json:"dir,omitempty"`
	Opcode    string        `json:"opcode,omitempty"`
	Len       int           `json:"len,omitempty"`
	Text      string        `json:"text,omitempty"`
	Base64    string        `json:"base64,omitempty"`
	Frames    int           `json:"frames,omitempty"`
	FrameInfo []FrameInfo   `json:"frame_info,omitempty"`
	RTTMillis float64       `json:"rtt_ms,omitempty"`
	Envelope  *EnvelopeInfo `json:"error,omitempty"`

	// close, error, warning
	Code        int     `json:"code,omitempty"`
	Reason      string  `json:"reason,omitempty"`
	HasCode     bool    `json:"has_code,omitempty"`
	Name        string  `json:"name,omitempty"`
	Category    string  `json:"category,omitempty"`
	Dialect     string  `json:"dialect,omitempty"`
	Source      string  `json:"source,omitempty"` // who sends such a close
	Explanation string  `json:"explanation,omitempty"`
	Hint        string  `json:"hint,omitempty"`
	Reconnect   bool    `json:"reconnect,omitempty"`
	Final       bool    `json:"final,omitempty"`
	IdleMillis  float64 `json:"idle_ms,omitempty"`
	PingsOn     bool    `json:"pings_on,omitempty"`

	// error, warning
	Kind       string         `json:"kind,omitempty"`
	Cause      string         `json:"cause,omitempty"`
	Message    string         `json:"message,omitempty"`
	Location   string         `json:"location,omitempty"`
	RetryAfter string         `json:"retry_after,omitempty"`
	Detail     *FailureDetail `json:"detail,omitempty"`

	// reconnect
	Attempt     int     `json:"attempt,omitempty"`
	DelayMillis float64 `json:"delay_ms,omitempty"`
}

// FrameInfo is what the tap saw of one frame of a message.
type FrameInfo struct {
	FIN      bool      `json:"fin"`
	RSV      uint8     `json:"rsv"` // RSV1<<2 | RSV2<<1 | RSV3
	Opcode   string    `json:"opcode"`
	Masked   bool      `json:"masked"`
	Len      int64     `json:"len"`
	LenBytes uint8     `json:"len_bytes"`
	Time     time.Time `json:"time"`
}

// EnvelopeInfo is an application error found in a message payload.
type EnvelopeInfo struct {
	Code        json.RawMessage `json:"code"` // as the payload gave it: a number or a string
	Message     string          `json:"message"`
	Format      string          `json:"format"`
	Name        string          `json:"name,omitempty"`
	Category    string          `json:"category,omitempty"`
	Dialect     string          `json:"dialect,omitempty"`
	Explanation string          `json:"explanation,omitempty"`
	Hint        string          `json:"hint,omitempty"`
	Reconnect   bool            `json:"reconnect,omitempty"`
}

// FailureDetail keeps the rest of a decode.Failure so that a loaded
// recording explains a failure as precisely as the live session did.
type FailureDetail struct {
	URL           string            `json:"url,omitempty"`
	Header        map[string]string `json:"header,omitempty"`
	Body          string            `json:"body,omitempty"`
	Origin        string            `json:"origin,omitempty"`
	SentAuth      bool              `json:"sent_auth,omitempty"`
	Offered       []string          `json:"offered,omitempty"`
	Chosen        string            `json:"chosen,omitempty"`
	CertSubject   string            `json:"cert_subject,omitempty"`
	CertIssuer    string            `json:"cert_issuer,omitempty"`
	CertNotAfter  string            `json:"cert_not_after,omitempty"`
	CertNotBefore string            `json:"cert_not_before,omitempty"`
	CertDNSNames  []string          `json:"cert_dns_names,omitempty"`
	Opcode        int               `json:"opcode,omitempty"`
	Length        int64             `json:"length,omitempty"`
	Limit         int64             `json:"limit,omitempty"`
	Raw           string            `json:"raw,omitempty"`
	TimeoutSecs   float64           `json:"timeout_seconds,omitempty"`
	Proxy         string            `json:"proxy,omitempty"`
	EarlierDrops  []float64         `json:"earlier_drops,omitempty"`
}

// FromEvent turns an event into a record. The explanations come from the
// event's annotation (conn.Event.Note), never from explaining it again.
func FromEvent(ev conn.Event) Record {
	r := Record{Type: ev.Type.String(), Time: ev.Time}
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
		r.Dir = ev.Dir.String()
		r.Opcode = opcodeName(ev.Opcode)
		r.Len = len(ev.Payload)
		if ev.Opcode != conn.OpBinary && utf8.Valid(ev.Payload) {
			r.Text = string(ev.Payload)
		} else {
			r.Base64 = base64.StdEncoding.EncodeToString(ev.Payload)
		}
		if n := max(ev.FrameCount, len(ev.Frames)); n > 1 {
			r.Frames = n
		}
		r.FrameInfo = frameInfo(ev.Frames)
		if ev.Opcode == conn.OpPong && ev.RTT > 0 {
			r.RTTMillis = millis(ev.RTT)
		}
		if n := ev.Note; n != nil && n.Envelope != nil {
			r.Envelope = envelopeInfo(n.Envelope)
		}
	case conn.EventClose:
		r.Dir = ev.Dir.String()
		r.Code = ev.Code
		r.Reason = ev.Reason
		r.HasCode = ev.HasCode
		r.Final = ev.Final
		r.IdleMillis = millis(ev.Idle)
		r.PingsOn = ev.PingsOn
		if ev.Opcode == conn.OpClose {
			// A close frame was on the wire, not only a connection that ended.
			r.Opcode = opcodeName(conn.OpClose)
			r.FrameInfo = frameInfo(ev.Frames)
		}
		r.setExplanation(ev.Note)
	case conn.EventError, conn.EventWarning:
		r.Final = ev.Final
		r.IdleMillis = millis(ev.Idle)
		if f := ev.Failure; f != nil {
			r.Kind, r.Cause, r.Code, r.Status, r.Message = f.Kind, f.Cause, f.Code, f.Status, f.Message
			r.Location, r.RetryAfter = f.Location, f.RetryAfter
			r.Detail = failureDetail(f)
		}
		r.setExplanation(ev.Note)
	case conn.EventReconnect:
		r.Attempt = ev.Attempt
		r.DelayMillis = millis(ev.Delay)
	}
	return r
}

func frameInfo(frames []conn.Frame) []FrameInfo {
	if len(frames) == 0 {
		return nil
	}
	info := make([]FrameInfo, len(frames))
	for i, f := range frames {
		info[i] = FrameInfo{FIN: f.FIN, RSV: f.RSV, Opcode: opcodeName(f.Opcode),
			Masked: f.Masked, Len: f.Length, LenBytes: f.LenBytes, Time: f.Time}
	}
	return info
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
	return decode.Explanation{Name: r.Name, Category: r.Category, Dialect: r.Dialect, Source: r.Source,
		Explanation: r.Explanation, Hint: r.Hint, Reconnect: r.Reconnect, Code: r.Code}
}

func envelopeInfo(env *decode.Envelope) *EnvelopeInfo {
	ex := env.Explanation
	return &EnvelopeInfo{Code: env.Code, Message: env.Message, Format: env.Format,
		Name: ex.Name, Category: ex.Category, Dialect: ex.Dialect, Explanation: ex.Explanation,
		Hint: ex.Hint, Reconnect: ex.Reconnect}
}

func (e *EnvelopeInfo) envelope() *decode.Envelope {
	code := 0
	if n, err := strconv.Atoi(strings.Trim(string(e.Code), `"`)); err == nil {
		code = n
	}
	return &decode.Envelope{Code: e.Code, Message: e.Message, Format: e.Format,
		Explanation: decode.Explanation{Name: e.Name, Category: e.Category, Dialect: e.Dialect,
			Explanation: e.Explanation, Hint: e.Hint, Reconnect: e.Reconnect, Code: code}}
}

func failureDetail(f *decode.Failure) *FailureDetail {
	d := FailureDetail{URL: f.URL, Header: f.Header, Body: f.Body, Origin: f.Origin, SentAuth: f.SentAuth,
		Offered: f.Offered, Chosen: f.Chosen, CertSubject: f.CertSubject, CertIssuer: f.CertIssuer,
		CertNotAfter: f.CertNotAfter, CertNotBefore: f.CertNotBefore, CertDNSNames: f.CertDNSNames,
		Opcode: f.Opcode, Length: f.Length, Limit: f.Limit, Raw: f.Raw, TimeoutSecs: f.TimeoutSeconds,
		Proxy: f.Proxy, EarlierDrops: f.EarlierDrops}
	if reflect.ValueOf(d).IsZero() {
		return nil
	}
	return &d
}

// Event turns a record back into the event it was made from, so that a
// loaded recording can be shown like a live session. Explanations are not
// carried over: they are recomputed from the event.
func (r Record) Event() (conn.Event, error) {
	ev := conn.Event{Time: r.Time}
	switch r.Type {
	case "open":
		ev.Type = conn.EventOpen
		ev.URL, ev.Status, ev.Subprotocol = r.URL, r.Status, r.Subprotocol
		ev.Extensions, ev.ResponseHeader, ev.RequestHeader, ev.Hops = r.Extensions, r.Headers, r.RequestHeaders, r.Hops
	case "message", "frame":
		ev.Type = conn.EventMessage
		if r.Type == "frame" {
			ev.Type = conn.EventFrame
		}
		var err error
		if ev.Dir, err = parseDir(r.Dir); err != nil {
			return conn.Event{}, err
		}
		if ev.Opcode, err = parseOpcode(r.Opcode); err != nil {
			return conn.Event{}, err
		}
		if ev.Payload, err = r.Payload(); err != nil {
			return conn.Event{}, err
		}
		if ev.Frames, err = r.frames(ev.Dir); err != nil {
			return conn.Event{}, err
		}
		ev.FrameCount = max(r.Frames, len(ev.Frames))
		ev.RTT = fromMillis(r.RTTMillis)
		if r.Envelope != nil {
			ev.Note = &conn.Note{Envelope: r.Envelope.envelope()}
		}
	case "close":
		ev.Type = conn.EventClose
		var err error
		if ev.Dir, err = parseDir(r.Dir); err != nil {
			return conn.Event{}, err
		}
		ev.Code, ev.Reason, ev.HasCode, ev.Final = r.Code, r.Reason, r.HasCode, r.Final
		ev.Idle, ev.PingsOn = fromMillis(r.IdleMillis), r.PingsOn
		// Recordings before "opcode" was written on closes: a code or a
		// reason can only have come in a close frame.
		if r.Opcode == "close" || r.HasCode || r.Reason != "" {
			ev.Opcode = conn.OpClose
			if ev.Frames, err = r.frames(ev.Dir); err != nil {
				return conn.Event{}, err
			}
			if r.HasCode {
				ev.Payload = append(binary.BigEndian.AppendUint16(nil, uint16(r.Code)), r.Reason...)
			}
		}
		ev.Note = r.note()
	case "error", "warning":
		ev.Type = conn.EventError
		if r.Type == "warning" {
			ev.Type = conn.EventWarning
		}
		ev.Final, ev.Idle = r.Final, fromMillis(r.IdleMillis)
		f := &decode.Failure{Kind: r.Kind, Cause: r.Cause, Code: r.Code, Status: r.Status, Message: r.Message,
			Location: r.Location, RetryAfter: r.RetryAfter}
		if d := r.Detail; d != nil {
			f.URL, f.Header, f.Body, f.Origin, f.SentAuth = d.URL, d.Header, d.Body, d.Origin, d.SentAuth
			f.Offered, f.Chosen, f.CertSubject, f.CertIssuer = d.Offered, d.Chosen, d.CertSubject, d.CertIssuer
			f.CertNotAfter, f.CertNotBefore, f.CertDNSNames = d.CertNotAfter, d.CertNotBefore, d.CertDNSNames
			f.Opcode, f.Length, f.Limit = d.Opcode, d.Length, d.Limit
			f.Raw, f.TimeoutSeconds, f.Proxy, f.EarlierDrops = d.Raw, d.TimeoutSecs, d.Proxy, d.EarlierDrops
		}
		ev.Failure = f
		ev.Note = r.note()
	case "reconnect":
		ev.Type = conn.EventReconnect
		ev.Attempt, ev.Delay = r.Attempt, fromMillis(r.DelayMillis)
	case "":
		return conn.Event{}, fmt.Errorf(`no "type"`)
	default:
		return conn.Event{}, fmt.Errorf("unknown event type %q (written by a newer wsdbg?)", r.Type)
	}
	return ev, nil
}

// frames rebuilds the frames the tap saw from frame_info.
func (r Record) frames(dir conn.Direction) ([]conn.Frame, error) {
	var frames []conn.Frame
	for _, fi := range r.FrameInfo {
		op, err := parseOpcode(fi.Opcode)
		if err != nil {
			return nil, fmt.Errorf("frame_info: %w", err)
		}
		hdr := 2 + fi.LenBytes
		if fi.Masked {
			hdr += 4
		}
		frames = append(frames, conn.Frame{Time: fi.Time, Dir: dir, FIN: fi.FIN, RSV: fi.RSV,
			Opcode: op, Masked: fi.Masked, Length: fi.Len, LenBytes: fi.LenBytes, HeaderLen: hdr})
	}
	return frames, nil
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

// payloadSize is the payload length of a message or frame record, also for
// records written by hand without "len".
func (r Record) payloadSize() int {
	if r.Len > 0 {
		return r.Len
	}
	if r.Base64 != "" {
		return base64.StdEncoding.DecodedLen(len(r.Base64))
	}
	return len(r.Text)
}

func parseDir(s string) (conn.Direction, error) {
	switch s {
	case "in":
		return conn.In, nil
	case "out":
		return conn.Out, nil
	}
	return 0, fmt.Errorf(`"dir" must be "in" or "out", not %q`, s)
}

// opcodeName names known opcodes and writes reserved ones as hex, so that
// the number survives a round trip.
func opcodeName(op conn.Opcode) string {
	if s := op.String(); s != "reserved" {
		return s
	}
	return "0x" + strconv.FormatUint(uint64(op), 16)
}

func parseOpcode(s string) (conn.Opcode, error) {
	for op := conn.Opcode(0); op <= 0xF; op++ {
		if opcodeName(op) == s {
			return op, nil
		}
	}
	if hex, ok := strings.CutPrefix(strings.ToLower(s), "0x"); ok {
		if n, err := strconv.ParseUint(hex, 16, 4); err == nil {
			return conn.Opcode(n), nil
		}
	}
	return 0, fmt.Errorf("unknown opcode %q", s)
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func fromMillis(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

// MarshalJSON writes the record with exactly the keys its type calls for.
func (r Record) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil), nil }

// AppendJSON appends the record as one line of JSON (without the newline).
// It is the hot path of recording and `tail --json`, so it writes by hand
// rather than through reflection.
func (r Record) AppendJSON(b []byte) []byte {
	b = append(b, `{"type":`...)
	b = appendString(b, r.Type)
	b = append(b, `,"time":"`...)
	b = r.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	switch r.Type {
	case "open":
		b = appendKey(b, "url")
		b = appendString(b, r.URL)
		b = appendKey(b, "status")
		b = strconv.AppendInt(b, int64(r.Status), 10)
		b = appendKey(b, "subprotocol")
		b = appendString(b, r.Subprotocol)
		b = appendKey(b, "extensions")
		b = appendStrings(b, r.Extensions)
		b = appendKey(b, "headers")
		b = appendHeader(b, r.Headers)
		b = appendKey(b, "request_headers")
		b = appendHeader(b, r.RequestHeaders)
		b = appendKey(b, "hops")
		b = appendStrings(b, r.Hops)
	case "message", "frame":
		b = appendKey(b, "dir")
		b = appendString(b, r.Dir)
		b = appendKey(b, "opcode")
		b = appendString(b, r.Opcode)
		b = appendKey(b, "len")
		b = strconv.AppendInt(b, int64(r.Len), 10)
		if r.Base64 != "" || r.Opcode == "binary" {
			b = appendKey(b, "base64")
			b = appendString(b, r.Base64)
		} else {
			b = appendKey(b, "text")
			b = appendString(b, r.Text)
		}
		if r.Frames > 1 {
			b = appendKey(b, "frames")
			b = strconv.AppendInt(b, int64(r.Frames), 10)
		}
		if len(r.FrameInfo) > 0 {
			b = appendKey(b, "frame_info")
			b = appendFrameInfo(b, r.FrameInfo)
		}
		if r.RTTMillis > 0 {
			b = appendKey(b, "rtt_ms")
			b = strconv.AppendFloat(b, r.RTTMillis, 'f', -1, 64)
		}
		if e := r.Envelope; e != nil {
			b = appendKey(b, "error")
			b = appendEnvelope(b, e)
		}
	case "close":
		b = appendKey(b, "dir")
		b = appendString(b, r.Dir)
		b = appendKey(b, "code")
		b = strconv.AppendInt(b, int64(r.Code), 10)
		b = appendKey(b, "reason")
		b = appendString(b, r.Reason)
		b = appendKey(b, "has_code")
		b = strconv.AppendBool(b, r.HasCode)
		if r.Opcode != "" {
			b = appendKey(b, "opcode")
			b = appendString(b, r.Opcode)
		}
		b = appendExplanation(b, r.explanation())
		b = appendEnding(b, r)
		if len(r.FrameInfo) > 0 {
			b = appendKey(b, "frame_info")
			b = appendFrameInfo(b, r.FrameInfo)
		}
	case "error", "warning":
		b = appendKey(b, "kind")
		b = appendString(b, r.Kind)
		b = appendKey(b, "cause")
		b = appendString(b, r.Cause)
		b = appendKey(b, "code")
		b = strconv.AppendInt(b, int64(r.Code), 10)
		b = appendKey(b, "status")
		b = strconv.AppendInt(b, int64(r.Status), 10)
		b = appendKey(b, "message")
		b = appendString(b, r.Message)
		b = appendExplanation(b, r.explanation())
		if r.Location != "" {
			b = appendKey(b, "location")
			b = appendString(b, r.Location)
		}
		if r.RetryAfter != "" {
			b = appendKey(b, "retry_after")
			b = appendString(b, r.RetryAfter)
		}
		b = appendEnding(b, r)
		if r.Detail != nil {
			b = appendKey(b, "detail")
			b = appendMarshal(b, r.Detail)
		}
	case "reconnect":
		b = appendKey(b, "attempt")
		b = strconv.AppendInt(b, int64(r.Attempt), 10)
		b = appendKey(b, "delay_ms")
		b = strconv.AppendFloat(b, r.DelayMillis, 'f', -1, 64)
	}
	return append(b, '}')
}

func appendKey(b []byte, key string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// appendExplanation writes an annotation: name, explanation, hint and
// reconnect always, the rest when known.
func appendExplanation(b []byte, ex decode.Explanation) []byte {
	b = appendKey(b, "name")
	b = appendString(b, ex.Name)
	for _, kv := range [...]struct{ key, value string }{
		{"category", ex.Category}, {"dialect", ex.Dialect}, {"source", ex.Source},
	} {
		if kv.value != "" {
			b = appendKey(b, kv.key)
			b = appendString(b, kv.value)
		}
	}
	b = appendKey(b, "explanation")
	b = appendString(b, ex.Explanation)
	b = appendKey(b, "hint")
	b = appendString(b, ex.Hint)
	b = appendKey(b, "reconnect")
	return strconv.AppendBool(b, ex.Reconnect)
}

// appendEnding writes the keys closes and failures share.
func appendEnding(b []byte, r Record) []byte {
	b = appendKey(b, "final")
	b = strconv.AppendBool(b, r.Final)
	if r.IdleMillis > 0 {
		b = appendKey(b, "idle_ms")
		b = strconv.AppendFloat(b, r.IdleMillis, 'f', -1, 64)
	}
	if r.PingsOn {
		b = appendKey(b, "pings_on")
		b = append(b, "true"...)
	}
	return b
}

func appendFrameInfo(b []byte, frames []FrameInfo) []byte {
	b = append(b, '[')
	for i, f := range frames {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"fin":`...)
		b = strconv.AppendBool(b, f.FIN)
		b = appendKey(b, "rsv")
		b = strconv.AppendUint(b, uint64(f.RSV), 10)
		b = appendKey(b, "opcode")
		b = appendString(b, f.Opcode)
		b = appendKey(b, "masked")
		b = strconv.AppendBool(b, f.Masked)
		b = appendKey(b, "len")
		b = strconv.AppendInt(b, f.Len, 10)
		b = appendKey(b, "len_bytes")
		b = strconv.AppendUint(b, uint64(f.LenBytes), 10)
		b = append(b, `,"time":"`...)
		b = f.Time.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"', '}')
	}
	return append(b, ']')
}

func appendEnvelope(b []byte, e *EnvelopeInfo) []byte {
	b = append(b, `{"code":`...)
	if json.Valid(e.Code) {
		b = append(b, e.Code...)
	} else {
		b = append(b, "null"...)
	}
	b = appendKey(b, "message")
	b = appendString(b, e.Message)
	b = appendKey(b, "format")
	b = appendString(b, e.Format)
	b = appendExplanation(b, e.envelope().Explanation)
	return append(b, '}')
}

func appendStrings(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

func appendHeader(b []byte, h http.Header) []byte {
	if h == nil {
		return append(b, '{', '}')
	}
	return appendMarshal(b, h)
}

// appendMarshal covers the rare, nested parts of a record (headers, failure
// details) where reflection costs nothing that matters.
func appendMarshal(b []byte, v any) []byte {
	data, err := json.Marshal(v)
	if err != nil {
		return append(b, "null"...)
	}
	return append(b, data...)
}

const hexDigits = "0123456789abcdef"

// plainJSON marks the ASCII bytes a JSON string holds as they are.
var plainJSON = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainWord reports whether 8 bytes are all plain JSON string bytes:
// ASCII, not a control character or DEL, not '"' and not '\\'. It tests all
// eight at once, which makes payload text (the bulk of a recording) cheap
// to write.
func plainWord(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	control := (x - ones*0x20) & ^x & highs // some byte < 0x20
	quote := x ^ (ones * '"')
	slash := x ^ (ones * '\\')
	del := x ^ (ones * 0x7f)
	hasQuote := (quote - ones) & ^quote & highs
	hasSlash := (slash - ones) & ^slash & highs
	hasDel := (del - ones) & ^del & highs
	return (x&highs)|control|hasQuote|hasSlash|hasDel == 0
}

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does. Runes a terminal would act on (C1 controls such
// as CSI, DEL, bidi and zero-width characters) are written as \u escapes,
// so that `tail --json` piped to a terminal is as safe as the debugger.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if i+8 <= len(s) && plainWord(binary.LittleEndian.Uint64([]byte(s[i:i+8]))) {
			i += 8
			continue
		}
		for i < len(s) && s[i] < utf8.RuneSelf && plainJSON[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = appendRuneEscape(b, rune(c))
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			start = i + size
		case decode.IsUnsafeRune(r):
			b = append(b, s[start:i]...)
			b = appendRuneEscape(b, r)
			start = i + size
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// appendRuneEscape writes r as a JSON \u escape, as a surrogate pair above
// the Basic Multilingual Plane.
func appendRuneEscape(b []byte, r rune) []byte {
	if r > 0xffff {
		hi, lo := utf16.EncodeRune(r)
		return appendRuneEscape(appendRuneEscape(b, hi), lo)
	}
	return append(b, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}
