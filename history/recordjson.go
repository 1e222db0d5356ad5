package history

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/decode/protocol"
	"github.com/wsdbg/wsdbg/internal/timefmt"
)

// MarshalJSON writes the record with exactly the keys its type calls for.
func (r Record) MarshalJSON() ([]byte, error) { return r.AppendJSON(nil), nil }

// AppendJSON appends the record as one line of JSON (without the newline).
// It is the hot path of recording and `tail --json`, so it writes by hand
// rather than through reflection, and allocates nothing for messages.
func (r Record) AppendJSON(b []byte) []byte {
	b = append(b, `{"type":"`...)
	b, _ = r.Type.AppendText(b) // an unknown type is written as ""
	b = append(b, `","time":"`...)
	b = timefmt.AppendRFC3339Nano(b, r.Time)
	b = append(b, '"')
	if r.Seq > 0 {
		b = appendKey(b, "seq")
		b = strconv.AppendInt(b, int64(r.Seq), 10)
	}
	if r.Conn > 0 {
		b = appendKey(b, "conn")
		b = strconv.AppendInt(b, int64(r.Conn), 10)
		b = appendKey(b, "leg")
		b = appendString(b, r.Leg.String())
	}
	if r.Injected {
		b = append(b, `,"injected":true`...)
	}
	if r.Action != "" {
		b = appendKey(b, "action")
		b = appendString(b, r.Action)
	}
	switch r.Type {
	case conn.EventOpen:
		b = r.appendOpen(b)
	case conn.EventMessage, conn.EventFrame:
		b = r.appendData(b)
	case conn.EventClose:
		b = r.appendClose(b)
	case conn.EventError, conn.EventWarning:
		b = r.appendFailure(b)
	case conn.EventReconnect:
		b = appendKey(b, "attempt")
		b = strconv.AppendInt(b, int64(r.Attempt), 10)
		b = appendKey(b, "delay_ms")
		b = strconv.AppendFloat(b, r.DelayMillis, 'f', -1, 64)
	}
	return append(b, '}')
}

func (r Record) appendOpen(b []byte) []byte {
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
	return appendStrings(b, r.Hops)
}

// appendData writes a message or a frame.
func (r Record) appendData(b []byte) []byte {
	b = appendKey(b, "dir")
	b = appendDir(b, r.Dir)
	b = appendKey(b, "opcode")
	b = appendOpcode(b, r.Opcode)
	b = appendKey(b, "len")
	b = strconv.AppendInt(b, int64(r.Len), 10)
	if r.Base64 != "" || r.Opcode == conn.OpBinary {
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
		b = appendFrames(b, r.FrameInfo)
	}
	if r.RTTMillis > 0 {
		b = appendKey(b, "rtt_ms")
		b = strconv.AppendFloat(b, r.RTTMillis, 'f', -1, 64)
	}
	if r.ReplyTo > 0 {
		b = appendKey(b, "reply_to")
		b = strconv.AppendInt(b, int64(r.ReplyTo), 10)
		b = appendKey(b, "latency_ms")
		b = strconv.AppendFloat(b, r.LatencyMillis, 'f', -1, 64)
	}
	if r.Auto {
		b = appendKey(b, "auto")
		b = append(b, "true"...)
	}
	if p := r.Protocol; p != nil {
		b = appendKey(b, "protocol")
		b = appendProtocol(b, p)
	}
	if e := r.Envelope; e != nil {
		b = appendKey(b, "error")
		b = appendEnvelope(b, e)
	}
	return b
}

// appendProtocol writes the "protocol" object: name, type, id (when the
// packet has one), summary and the decoded fields (when there are any).
func appendProtocol(b []byte, p *protocol.Packet) []byte {
	b = append(b, `{"name":`...)
	b = appendString(b, p.Name)
	b = appendKey(b, "type")
	b = appendString(b, p.Type)
	if p.ID != "" {
		b = appendKey(b, "id")
		b = appendString(b, p.ID)
	}
	b = appendKey(b, "summary")
	b = appendString(b, p.Summary)
	if len(p.Fields) > 0 {
		b = appendKey(b, "fields")
		b = append(b, '[')
		for i, f := range p.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"name":`...)
			b = appendString(b, f.Name)
			b = appendKey(b, "value")
			b = appendString(b, f.Value)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func (r Record) appendClose(b []byte) []byte {
	b = appendKey(b, "dir")
	b = appendDir(b, r.Dir)
	b = appendKey(b, "code")
	b = strconv.AppendInt(b, int64(r.Code), 10)
	b = appendKey(b, "reason")
	b = appendString(b, r.Reason)
	b = appendKey(b, "has_code")
	b = strconv.AppendBool(b, r.HasCode)
	if r.Opcode == conn.OpClose {
		b = appendKey(b, "opcode")
		b = appendOpcode(b, r.Opcode)
	}
	b = appendExplanation(b, r.explanation())
	b = appendEnding(b, r)
	if len(r.FrameInfo) > 0 {
		b = appendKey(b, "frame_info")
		b = appendFrames(b, r.FrameInfo)
	}
	return b
}

// appendFailure writes an error or a warning.
func (r Record) appendFailure(b []byte) []byte {
	f := r.Failure
	if f == nil {
		f = &decode.Failure{}
	}
	b = appendKey(b, "kind")
	b = appendString(b, f.Kind)
	b = appendKey(b, "cause")
	b = appendString(b, f.Cause)
	b = appendKey(b, "code")
	b = strconv.AppendInt(b, int64(f.Code), 10)
	b = appendKey(b, "status")
	b = strconv.AppendInt(b, int64(f.Status), 10)
	b = appendKey(b, "message")
	b = appendString(b, f.Message)
	b = appendExplanation(b, r.explanation())
	if f.Location != "" {
		b = appendKey(b, "location")
		b = appendString(b, f.Location)
	}
	if f.RetryAfter != "" {
		b = appendKey(b, "retry_after")
		b = appendString(b, f.RetryAfter)
	}
	b = appendEnding(b, r)
	if detail, err := json.Marshal(failureDetail{Failure: f}); err == nil && string(detail) != "{}" {
		b = appendKey(b, "detail")
		b = append(b, detail...)
	}
	return b
}

// failureDetail is a failure as a record's "detail" holds it: every field
// but those the record writes at its top, which the nil fields below hide.
type failureDetail struct {
	*decode.Failure
	Kind       *struct{} `json:"kind,omitempty"`
	Cause      *struct{} `json:"cause,omitempty"`
	Code       *struct{} `json:"code,omitempty"`
	Status     *struct{} `json:"status,omitempty"`
	Message    *struct{} `json:"message,omitempty"`
	Location   *struct{} `json:"location,omitempty"`
	RetryAfter *struct{} `json:"retry_after,omitempty"`
}

func appendKey(b []byte, key string) []byte {
	b = append(b, ',', '"')
	b = append(b, key...)
	return append(b, '"', ':')
}

// appendDir, appendOpcode: the words are plain ASCII, written unescaped;
// a value without a word is written as "".
func appendDir(b []byte, d conn.Direction) []byte {
	b = append(b, '"')
	b, _ = d.AppendText(b)
	return append(b, '"')
}

func appendOpcode(b []byte, op conn.Opcode) []byte {
	b = append(b, '"')
	b, _ = op.AppendText(b)
	return append(b, '"')
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

func appendFrames(b []byte, frames []conn.Frame) []byte {
	b = append(b, '[')
	for i, f := range frames {
		if i > 0 {
			b = append(b, ',')
		}
		b = f.AppendJSON(b)
	}
	return append(b, ']')
}

// appendEnvelope writes the "error" object: code, message and format, and
// the envelope's explanation without who sends it (always the server).
func appendEnvelope(b []byte, e *decode.Envelope) []byte {
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
	ex := e.Explanation
	ex.Source = ""
	b = appendExplanation(b, ex)
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

// escapeWidth is, for appendString, how many bytes a byte takes beyond
// one: 0 for a plain byte, 1 for a quote or backslash (written after a
// backslash) and 2 for any other, which appendStringRest writes.
var escapeWidth = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c < utf8.RuneSelf && plainJSON[c]:
		case c == '"' || c == '\\':
			t[c] = 1
		default:
			t[c] = 2
		}
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
//
// Payload text is the bulk of a recording and is often JSON itself, dense
// with quotes: printable ASCII, the quotes and backslashes escaped, is
// written straight into room made for it once (an escape at most doubles
// a byte), eight plain bytes at a time where it can. The rest of the
// string, from the first byte that needs more, goes the careful way.
func appendString(b []byte, s string) []byte {
	b = slices.Grow(b, 2*len(s)+2)
	n := len(b)
	b = b[:n+2*len(s)+2]
	b[n] = '"'
	n++
	for i := 0; i < len(s); i++ {
		// Without a branch on quotes, which JSON payloads are full of at
		// places no predictor guesses: a plain byte overwrites the
		// backslash, an escaped one follows it.
		c := s[i]
		extra := escapeWidth[c]
		if extra > 1 {
			return appendStringRest(b[:n], s, i)
		}
		b[n] = '\\'
		b[n+int(extra)] = c
		n += 1 + int(extra)
	}
	b[n] = '"'
	return b[:n+1]
}

// load64 reads the first 8 bytes of s as a little-endian word, in one load
// (the compiler merges the bytes' loads) and without copying s to a slice.
func load64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// appendStringRest writes s from i on, and the closing quote, for
// appendString.
func appendStringRest(b []byte, s string, i int) []byte {
	start := i
	for i < len(s) {
		if i+8 <= len(s) && plainWord(load64(s[i:i+8])) {
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
