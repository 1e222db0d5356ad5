package history

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
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
	Explanation string          `json:"explanation,omitempty"`
	Hint        string          `json:"hint,omitempty"`
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
}

// Context is what explanations need beyond the event itself.
type Context struct {
	Subprotocol string // negotiated subprotocol: picks the dialect of 4000–4999 codes and envelopes
	Host        string // endpoint host: picks host-specific dialects
	PingsOn     bool   // the client sends pings (sharpens the explanation of 1006)
	Dialects    *decode.Dialects
}

// Observe updates the context from an event: an open event sets the
// negotiated subprotocol and the host.
func (c *Context) Observe(ev conn.Event) {
	if ev.Type != conn.EventOpen {
		return
	}
	c.Subprotocol = ev.Subprotocol
	if u, err := url.Parse(ev.URL); err == nil && u.Hostname() != "" {
		c.Host = u.Hostname()
	}
}

// FromEvent turns an event into a record, adding the explanations decode
// gives for closes, failures and error envelopes.
func FromEvent(ev conn.Event, ctx Context) Record {
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
		if len(ev.Frames) > 0 {
			r.FrameInfo = make([]FrameInfo, len(ev.Frames))
			for i, f := range ev.Frames {
				r.FrameInfo[i] = FrameInfo{FIN: f.FIN, RSV: f.RSV, Opcode: opcodeName(f.Opcode),
					Masked: f.Masked, Len: f.Length, LenBytes: f.LenBytes, Time: f.Time}
			}
		}
		if ev.Opcode == conn.OpPong && ev.RTT > 0 {
			r.RTTMillis = millis(ev.RTT)
		}
		if ev.Type == conn.EventMessage && (ev.Opcode == conn.OpText || ev.Opcode == conn.OpBinary) {
			ectx := decode.EnvelopeContext{Subprotocol: ctx.Subprotocol, Host: ctx.Host, Dialects: ctx.Dialects}
			if env, ok := decode.DetectEnvelope(ev.Payload, ectx); ok {
				r.Envelope = &EnvelopeInfo{Code: env.Code, Message: env.Message, Format: env.Format,
					Name: env.Explanation.Name, Explanation: env.Explanation.Explanation, Hint: env.Explanation.Hint}
			}
		}
	case conn.EventClose:
		r.Dir = ev.Dir.String()
		r.Code = ev.Code
		r.Reason = ev.Reason
		r.HasCode = ev.HasCode
		r.Final = ev.Final
		r.IdleMillis = millis(ev.Idle)
		r.PingsOn = ev.PingsOn || ctx.PingsOn
		ex := decode.ExplainClose(ev.Code, ev.Reason, decode.CloseContext{
			Subprotocol: ctx.Subprotocol, Host: ctx.Host, Remote: ev.Dir == conn.In,
			IdleSeconds: ev.Idle.Seconds(), PingsOn: r.PingsOn, Dialects: ctx.Dialects,
		})
		r.Name, r.Explanation, r.Hint, r.Reconnect = ex.Name, ex.Explanation, ex.Hint, ex.Reconnect
	case conn.EventError, conn.EventWarning:
		r.Final = ev.Final
		r.IdleMillis = millis(ev.Idle)
		if f := ev.Failure; f != nil {
			r.Kind, r.Cause, r.Code, r.Status, r.Message = f.Kind, f.Cause, f.Code, f.Status, f.Message
			r.Location, r.RetryAfter = f.Location, f.RetryAfter
			ex := decode.ExplainFailure(*f)
			r.Name, r.Explanation, r.Hint = ex.Name, ex.Explanation, ex.Hint
			r.Detail = failureDetail(f)
		}
	case conn.EventReconnect:
		r.Attempt = ev.Attempt
		r.DelayMillis = millis(ev.Delay)
	}
	return r
}

func failureDetail(f *decode.Failure) *FailureDetail {
	d := FailureDetail{URL: f.URL, Header: f.Header, Body: f.Body, Origin: f.Origin, SentAuth: f.SentAuth,
		Offered: f.Offered, Chosen: f.Chosen, CertSubject: f.CertSubject, CertIssuer: f.CertIssuer,
		CertNotAfter: f.CertNotAfter, CertNotBefore: f.CertNotBefore, CertDNSNames: f.CertDNSNames,
		Opcode: f.Opcode, Length: f.Length, Limit: f.Limit}
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
		for _, fi := range r.FrameInfo {
			op, err := parseOpcode(fi.Opcode)
			if err != nil {
				return conn.Event{}, fmt.Errorf("frame_info: %w", err)
			}
			hdr := 2 + fi.LenBytes
			if fi.Masked {
				hdr += 4
			}
			ev.Frames = append(ev.Frames, conn.Frame{Time: fi.Time, Dir: ev.Dir, FIN: fi.FIN, RSV: fi.RSV,
				Opcode: op, Masked: fi.Masked, Length: fi.Len, LenBytes: fi.LenBytes, HeaderLen: hdr})
		}
		ev.RTT = fromMillis(r.RTTMillis)
	case "close":
		ev.Type = conn.EventClose
		var err error
		if ev.Dir, err = parseDir(r.Dir); err != nil {
			return conn.Event{}, err
		}
		ev.Code, ev.Reason, ev.HasCode, ev.Final = r.Code, r.Reason, r.HasCode, r.Final
		ev.Idle, ev.PingsOn = fromMillis(r.IdleMillis), r.PingsOn
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
		}
		ev.Failure = f
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
		b = appendExplanation(b, r.Name, r.Explanation, r.Hint)
		b = appendKey(b, "reconnect")
		b = strconv.AppendBool(b, r.Reconnect)
		b = appendEnding(b, r)
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
		b = appendExplanation(b, r.Name, r.Explanation, r.Hint)
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

func appendExplanation(b []byte, name, explanation, hint string) []byte {
	b = appendKey(b, "name")
	b = appendString(b, name)
	b = appendKey(b, "explanation")
	b = appendString(b, explanation)
	b = appendKey(b, "hint")
	return appendString(b, hint)
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
	b = appendExplanation(b, e.Name, e.Explanation, e.Hint)
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
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// plainWord reports whether 8 bytes are all plain JSON string bytes:
// ASCII, not a control character, not '"' and not '\\'. It tests all eight at
// once, which makes payload text (the bulk of a recording) cheap to write.
func plainWord(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	control := (x - ones*0x20) & ^x & highs // some byte < 0x20
	quote := x ^ (ones * '"')
	slash := x ^ (ones * '\\')
	hasQuote := (quote - ones) & ^quote & highs
	hasSlash := (slash - ones) & ^slash & highs
	return (x&highs)|control|hasQuote|hasSlash == 0
}

// appendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD,
// as encoding/json does.
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
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			start = i + size
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
