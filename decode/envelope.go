package decode

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Envelope is an application error found in a message payload.
type Envelope struct {
	Code        json.RawMessage // as the payload gave it: a number or a string; nil when the shape has none
	Message     string          // the error's own words, sanitised
	Format      string          // which shape matched, e.g. "envelope", "json-rpc", "graphql-ws"
	Explanation Explanation     // zero when the code is not known
}

// CodeText is the code for display: a string code without its quotes, a
// number as written, sanitised.
func (e Envelope) CodeText() string {
	return Sanitize(codeKey(e.Code))
}

// EnvelopeContext picks dialect-specific shapes and code tables.
type EnvelopeContext struct {
	Subprotocol string
	Host        string
	Dialects    *Dialects
}

// Envelope formats: which shape an error message had.
const (
	EnvelopeTyped        = "envelope"                   // {"type":"error","data":{"code","message"},"meta":{...}}
	EnvelopeJSONRPC      = "json-rpc"                   // {"jsonrpc":"2.0","error":{"code","message"}}
	EnvelopeGraphQLWS    = "graphql-ws"                 // graphql-transport-ws error, or next with errors
	EnvelopeGraphQLWSOld = "subscriptions-transport-ws" // legacy error, connection_error, data with errors
	EnvelopeGraphQL      = "graphql"                    // {"errors":[...]}
	EnvelopePhoenix      = "phoenix"                    // phx_reply with status error, phx_error
	EnvelopeActionCable  = "actioncable"                // reject_subscription, disconnect
	EnvelopeSocketIO     = "socket.io"                  // 44{"message":...}
	EnvelopeAPIGateway   = "aws-apigateway"             // {"message","connectionId","requestId"}
	EnvelopeTypeError    = "type-error"                 // {"type":"error","message":...}
	EnvelopeEventError   = "event-error"                // {"event":"error",...} (Bitfinex, Kraken, OKX)
	EnvelopeStatusError  = "status-error"               // {"status":"error",...}
	EnvelopeErrorObject  = "error-object"               // {"error":{...}}
	EnvelopeErrorString  = "error-string"               // {"error":"..."}
	EnvelopeSuccessFalse = "success-false"              // {"success":false,"message":...}
	EnvelopeCodeMsg      = "code-msg"                   // {"code":-1121,"msg":...} (Binance)
	EnvelopeSTOMP        = "stomp"                      // ERROR frame
	EnvelopeMQTT         = "mqtt"                       // CONNACK refusal, DISCONNECT with a reason
)

// preCheckNeedles: every built-in JSON shape contains at least one of
// these, so a message with none of them is not parsed at all. A needle
// that starts with a quote would make the search stop at every quote in
// the message, so keys are matched by their end.
var preCheckNeedles = [][]byte{
	[]byte("rror"), // error, errors, Error, errorMessage, phx_error, connection_error
	[]byte("reject_sub"),
	[]byte(`disconnect"`),
	[]byte("connectionId"),
	[]byte(`msg"`),
	[]byte(`success"`),
}

// DetectEnvelope reports whether payload is an error reply and pulls it
// apart. Ordinary traffic, including JSON that merely mentions errors,
// does not match.
func DetectEnvelope(payload []byte, ctx EnvelopeContext) (Envelope, bool) {
	if len(payload) == 0 {
		return Envelope{}, false
	}
	d, host := connectionDialect(ctx.Subprotocol, ctx.Host, ctx.Dialects)
	switch {
	case d.is(mqttDialect):
		return detectMQTT(payload)
	case bytes.HasPrefix(payload, []byte("ERROR\n")) || bytes.HasPrefix(payload, []byte("ERROR\r\n")):
		return detectSTOMP(payload, d.is(stompDialect))
	case bytes.HasPrefix(payload, []byte("44")):
		return detectSocketIO(payload[2:])
	}
	first := firstNonSpace(payload)
	if first != '{' && first != '[' {
		return Envelope{}, false
	}
	shapes := d.allEnvelopes()
	if !mayBeError(payload, shapes) {
		return Envelope{}, false
	}
	if first == '[' {
		return detectPhoenixArray(payload)
	}
	var obj jsonObject
	if json.Unmarshal(payload, &obj) != nil {
		return Envelope{}, false
	}
	for _, s := range shapes {
		if env, ok := s.match(obj); ok {
			env.Explanation = explainErrorCode(d, env.Code, nil, host)
			return env, true
		}
	}
	for _, detect := range objectDetectors {
		if env, ok := detect(obj); ok {
			if e := explainErrorCode(d, env.Code, fallbackTable(env.Format, env.Code), host); e.Name != "" {
				env.Explanation = e
			}
			return env, true
		}
	}
	return Envelope{}, false
}

// mayBeError is the cheap byte check that keeps ordinary traffic away from
// the JSON parser.
func mayBeError(payload []byte, shapes []envelopeShape) bool {
	for _, n := range preCheckNeedles {
		if bytes.Contains(payload, n) {
			return true
		}
	}
	for _, s := range shapes {
		if s.needle == nil || bytes.Contains(payload, s.needle) {
			return true
		}
	}
	return false
}

// is reports whether d is, or extends, the built-in b.
func (d *dialect) is(b *dialect) bool {
	for x := d; x != nil; x = x.base {
		if x == b {
			return true
		}
	}
	return false
}

// allEnvelopes gathers the user's shapes of d and its bases, d's first.
func (d *dialect) allEnvelopes() []envelopeShape {
	var shapes []envelopeShape
	for x := d; x != nil; x = x.base {
		shapes = append(shapes, x.envelopes...)
	}
	return shapes
}

// objectDetectors are tried in order; the first match wins. Specific
// protocols come before the generic shapes they would also match.
var objectDetectors = []func(jsonObject) (Envelope, bool){
	detectJSONRPC,
	detectTyped,
	detectPhoenix,
	detectAPIGateway,
	detectEventError,
	detectStatusError,
	detectErrorField,
	detectSuccessFalse,
	detectCodeMsg,
	detectGraphQLErrors,
}

// jsonObject is one level of a JSON object; values stay raw until needed.
type jsonObject map[string]json.RawMessage

func (o jsonObject) str(key string) (string, bool) {
	raw, ok := o[key]
	if !ok || len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func (o jsonObject) obj(key string) (jsonObject, bool) {
	raw, ok := o[key]
	if !ok || len(raw) == 0 || raw[0] != '{' {
		return nil, false
	}
	var sub jsonObject
	if json.Unmarshal(raw, &sub) != nil {
		return nil, false
	}
	return sub, true
}

func (o jsonObject) isFalse(key string) bool { return string(o[key]) == "false" }

func (o jsonObject) isTrue(key string) bool { return string(o[key]) == "true" }

// code returns the first of keys whose value is a number or a non-empty
// string, exactly as written.
func (o jsonObject) code(keys ...string) json.RawMessage {
	for _, k := range keys {
		raw := o[k]
		if len(raw) == 0 {
			continue
		}
		// 0 means "no error" wherever it appears beside one.
		if c := raw[0]; (c == '-' || isDigit(c)) && string(raw) != "0" || (c == '"' && len(raw) > 2) {
			return raw
		}
	}
	return nil
}

// message returns the first of keys holding a non-empty string, sanitised.
func (o jsonObject) message(keys ...string) string {
	for _, k := range keys {
		if s, ok := o.str(k); ok && strings.TrimSpace(s) != "" {
			return Sanitize(s)
		}
	}
	return ""
}

// codeKey is the text tables are keyed by: a string code unquoted, a
// number as written.
func codeKey(raw json.RawMessage) string {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw)
}

func codeInt(raw json.RawMessage) (int, bool) {
	n, err := strconv.Atoi(string(raw))
	return n, err == nil
}

// explainErrorCode explains an envelope's code: the connection's dialect
// first (so user tables win), then the shape's own table.
func explainErrorCode(d *dialect, code json.RawMessage, fallback *dialect, host string) Explanation {
	if len(code) == 0 {
		return Explanation{}
	}
	key := codeKey(code)
	if d != nil {
		if e, owner, ok := d.errorCode(key); ok {
			return entryExplanation(e, owner)
		}
	}
	// Shape-implied tables apply anywhere; tables of host-specific
	// services (exchanges) only when the host is unknown or theirs.
	if fallback != nil && (len(fallback.hosts) == 0 || host == "" || d.is(fallback)) {
		if e, ok := fallback.errorCodes[key]; ok {
			return entryExplanation(e, fallback)
		}
	}
	return Explanation{}
}

// fallbackTable is the code table a shape implies even without a dialect.
// Exchange tables apply only when the host is unknown or theirs, checked by
// explainErrorCode.
func fallbackTable(format string, code json.RawMessage) *dialect {
	switch format {
	case EnvelopeTyped:
		return errorEnvelopeDialect
	case EnvelopeCodeMsg, EnvelopeErrorObject:
		return binanceDialect
	case EnvelopeEventError:
		if len(code) > 0 && code[0] != '"' {
			return bitfinexDialect
		}
	case EnvelopeGraphQLWS, EnvelopeGraphQLWSOld, EnvelopeGraphQL:
		return graphqlCodes
	}
	return nil
}

// entryExplanation turns a table entry into an Explanation; owner names the
// dialect, nil for formats that are not a dialect.
func entryExplanation(e codeEntry, owner *dialect) Explanation {
	x := Explanation{
		Name:        e.Name,
		Category:    e.Category,
		Explanation: upperFirst(e.Meaning),
		Hint:        e.Hint,
		Reconnect:   e.Reconnect,
		Source:      e.Source,
	}
	if x.Category == "" {
		x.Category = "application-level"
	}
	if x.Source == "" {
		x.Source = SourceServer
	}
	if owner != nil {
		x.Dialect = owner.name
		x.Explanation = owner.title + " says: " + e.Meaning
	}
	return x
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// firstNonSpace is the first byte of b that is not JSON whitespace, or 0.
func firstNonSpace(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
