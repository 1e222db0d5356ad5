package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
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
func (o jsonObject) isTrue(key string) bool  { return string(o[key]) == "true" }

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

func detectJSONRPC(o jsonObject) (Envelope, bool) {
	errObj, ok := o.obj("error")
	if !ok {
		return Envelope{}, false
	}
	code := errObj.code("code")
	n, isInt := codeInt(code)
	version, _ := o.str("jsonrpc")
	_, hasID := o["id"]
	if !isInt || (version != "2.0" && !(hasID && n >= -32768 && n <= -32000)) {
		return Envelope{}, false
	}
	msg := errObj.message("message")
	if data, ok := errObj.str("data"); ok && data != "" {
		msg = joinMessage(msg, Sanitize(data))
	}
	return Envelope{Code: code, Message: msg, Format: EnvelopeJSONRPC, Explanation: jsonRPCExplanation(n)}, true
}

// detectTyped handles messages whose "type" says what they are: the
// error-envelope convention, both GraphQL protocols and Action Cable.
func detectTyped(o jsonObject) (Envelope, bool) {
	t, ok := o.str("type")
	if !ok {
		return Envelope{}, false
	}
	switch t {
	case "error":
		if raw, ok := o["payload"]; ok {
			return graphqlErrorMessage(raw)
		}
		if data, ok := o.obj("data"); ok {
			code, msg := data.code("code"), data.message("message", "msg")
			if code == nil && msg == "" {
				return Envelope{}, false
			}
			return Envelope{Code: code, Message: msg, Format: EnvelopeTyped}, true
		}
		code := o.code("code")
		msg := o.message("message", "msg", "reason", "data", "error")
		if errObj, ok := o.obj("error"); ok {
			if code == nil {
				code = errObj.code("code", "type")
			}
			msg = joinMessage(msg, errObj.message("message", "msg"))
		}
		if code == nil && msg == "" {
			return Envelope{}, false
		}
		return Envelope{Code: code, Message: msg, Format: EnvelopeTypeError}, true
	case "next", "data":
		payload, ok := o.obj("payload")
		if !ok {
			return Envelope{}, false
		}
		env, ok := graphqlErrorList(payload["errors"])
		if !ok {
			return Envelope{}, false
		}
		env.Format = EnvelopeGraphQLWS
		if t == "data" {
			env.Format = EnvelopeGraphQLWSOld
		}
		return env, true
	case "connection_error":
		msg := ""
		if p, ok := o.obj("payload"); ok {
			msg = p.message("message")
		} else {
			msg = o.message("payload")
		}
		return Envelope{Message: msg, Format: EnvelopeGraphQLWSOld, Explanation: Explanation{
			Name:        "Connection refused by the GraphQL server",
			Category:    "connection-level",
			Explanation: "The server refused the connection_init; it usually closes with 1011 right after. Most often its onConnect hook rejected the credentials.",
			Hint:        "Fix the connection_init payload (credentials) and reconnect.",
			Source:      SourceServer,
			Dialect:     subscriptionsTransportWSDialect.name,
		}}, true
	case "reject_subscription":
		channel := "a channel"
		if id, ok := o.str("identifier"); ok {
			var ident jsonObject
			if json.Unmarshal([]byte(id), &ident) == nil {
				if name, ok := ident.str("channel"); ok {
					channel = Sanitize(name)
				}
			}
		}
		return Envelope{Message: "subscription to " + channel + " rejected", Format: EnvelopeActionCable, Explanation: Explanation{
			Name:        "Subscription rejected",
			Category:    "application-level",
			Explanation: "The channel's subscribed callback called reject, most often because the user may not read that stream.",
			Hint:        "Check the channel's authorisation and the parameters in the subscription identifier.",
			Source:      SourceServer,
			Dialect:     actionCableDialect.name,
		}}, true
	case "disconnect":
		code := o.code("reason")
		if code == nil {
			return Envelope{}, false
		}
		env := Envelope{Code: code, Message: o.message("reason"), Format: EnvelopeActionCable}
		if e, ok := actionCableReasons[codeKey(code)]; ok {
			env.Explanation = entryExplanation(e, actionCableDialect)
		}
		if raw, ok := o["reconnect"]; ok {
			env.Explanation.Reconnect = string(raw) == "true"
		}
		return env, true
	}
	return Envelope{}, false
}

// graphqlErrorMessage reads the payload of a GraphQL "error" message: a
// list of errors in graphql-transport-ws, one error object in the legacy
// protocol.
func graphqlErrorMessage(raw json.RawMessage) (Envelope, bool) {
	if env, ok := graphqlErrorList(raw); ok {
		env.Format = EnvelopeGraphQLWS
		return env, true
	}
	var single jsonObject
	if json.Unmarshal(raw, &single) != nil {
		return Envelope{}, false
	}
	msg := single.message("message")
	if msg == "" {
		return Envelope{}, false
	}
	return Envelope{Code: graphqlCode(single), Message: msg, Format: EnvelopeGraphQLWSOld}, true
}

// graphqlErrorList reads a non-empty GraphQL "errors" list: the first
// message, how many more there are, and the first extensions.code.
func graphqlErrorList(raw json.RawMessage) (Envelope, bool) {
	if len(raw) == 0 || raw[0] != '[' {
		return Envelope{}, false
	}
	var list []jsonObject
	if json.Unmarshal(raw, &list) != nil || len(list) == 0 {
		return Envelope{}, false
	}
	msg := list[0].message("message")
	if msg == "" {
		return Envelope{}, false
	}
	if len(list) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(list)-1)
	}
	return Envelope{Code: graphqlCode(list[0]), Message: msg}, true
}

func graphqlCode(e jsonObject) json.RawMessage {
	if ext, ok := e.obj("extensions"); ok {
		return ext.code("code")
	}
	return nil
}

func detectGraphQLErrors(o jsonObject) (Envelope, bool) {
	env, ok := graphqlErrorList(o["errors"])
	env.Format = EnvelopeGraphQL
	return env, ok
}

func detectPhoenix(o jsonObject) (Envelope, bool) {
	event, ok := o.str("event")
	if !ok {
		return Envelope{}, false
	}
	topic, _ := o.str("topic")
	payload, _ := o.obj("payload")
	return phoenixEnvelope(event, topic, payload)
}

// detectPhoenixArray reads the Phoenix v2 serializer's
// [join_ref, ref, topic, event, payload] form.
func detectPhoenixArray(payload []byte) (Envelope, bool) {
	var parts []json.RawMessage
	if json.Unmarshal(payload, &parts) != nil || len(parts) != 5 {
		return Envelope{}, false
	}
	var topic, event string
	var body jsonObject
	if json.Unmarshal(parts[2], &topic) != nil || json.Unmarshal(parts[3], &event) != nil {
		return Envelope{}, false
	}
	_ = json.Unmarshal(parts[4], &body) // a non-object payload simply has no status
	return phoenixEnvelope(event, topic, body)
}

func phoenixEnvelope(event, topic string, payload jsonObject) (Envelope, bool) {
	switch event {
	case "phx_reply":
		if status, _ := payload.str("status"); status != "error" {
			return Envelope{}, false
		}
		env := Envelope{Format: EnvelopePhoenix}
		if resp, ok := payload.obj("response"); ok {
			env.Code = resp.code("reason")
			env.Message = resp.message("reason", "message", "error")
		}
		if env.Message == "" {
			env.Message = "reply with status error on " + Sanitize(topic)
		}
		if e, ok := phoenixReasons[codeKey(env.Code)]; ok {
			env.Explanation = entryExplanation(e, phoenixDialect)
		} else {
			env.Explanation = Explanation{
				Name:        "Request refused",
				Category:    "application-level",
				Explanation: "The channel answered a join or a push on " + Sanitize(topic) + " with an error; the response says why.",
				Hint:        "Check the join parameters or the pushed payload against what the channel expects.",
				Source:      SourceServer,
				Dialect:     phoenixDialect.name,
			}
		}
		return env, true
	case "phx_error":
		return Envelope{Message: "channel " + Sanitize(topic) + " crashed", Format: EnvelopePhoenix, Explanation: Explanation{
			Name:        "Channel crashed",
			Category:    "application-level",
			Explanation: "The channel process for this topic crashed on the server; the client rejoins it automatically.",
			Hint:        "Look for the exception in the server's logs.",
			Source:      SourceServer,
			Reconnect:   true,
			Dialect:     phoenixDialect.name,
		}}, true
	}
	return Envelope{}, false
}

// detectAPIGateway matches the replies AWS API Gateway WebSocket APIs send
// themselves, which have exactly these three fields.
func detectAPIGateway(o jsonObject) (Envelope, bool) {
	if len(o) != 3 || o["connectionId"] == nil || o["requestId"] == nil {
		return Envelope{}, false
	}
	msg := o.message("message")
	if msg == "" {
		return Envelope{}, false
	}
	env := Envelope{Message: msg, Format: EnvelopeAPIGateway}
	if e, ok := apiGatewayMessages[msg]; ok {
		env.Explanation = entryExplanation(e, nil)
	} else {
		env.Explanation = Explanation{
			Name:        "API Gateway reply",
			Category:    "application-level",
			Explanation: "AWS API Gateway answered this message itself instead of passing on a reply from the backend.",
			Hint:        "Look up the requestId in the API's CloudWatch logs.",
			Source:      "gateway",
		}
	}
	return env, true
}

func detectEventError(o jsonObject) (Envelope, bool) {
	if event, _ := o.str("event"); event != "error" {
		return Envelope{}, false
	}
	return Envelope{
		Code:    o.code("code", "errorCode"),
		Message: o.message("msg", "message", "errorMessage", "error"),
		Format:  EnvelopeEventError,
	}, true
}

func detectStatusError(o jsonObject) (Envelope, bool) {
	if status, _ := o.str("status"); status != "error" {
		return Envelope{}, false
	}
	code := o.code("code", "err-code", "errorCode")
	msg := o.message("message", "msg", "errorMessage", "err-msg", "error")
	if code == nil && msg == "" {
		return Envelope{}, false
	}
	return Envelope{Code: code, Message: msg, Format: EnvelopeStatusError}, true
}

func detectErrorField(o jsonObject) (Envelope, bool) {
	raw, ok := o["error"]
	if !ok || len(raw) == 0 {
		return Envelope{}, false
	}
	switch raw[0] {
	case '{':
		errObj, _ := o.obj("error")
		code := errObj.code("code", "status", "type")
		msg := errObj.message("message", "msg", "description", "detail", "reason")
		if code == nil && msg == "" {
			return Envelope{}, false
		}
		return Envelope{Code: code, Message: msg, Format: EnvelopeErrorObject}, true
	case '"':
		s, _ := o.str("error")
		if strings.TrimSpace(s) == "" {
			return Envelope{}, false
		}
		// OAuth-style replies put a code in "error" and the words beside it.
		if desc := o.message("error_description", "message", "msg", "description"); desc != "" && isCodeToken(s) {
			return Envelope{Code: raw, Message: desc, Format: EnvelopeErrorString}, true
		}
		return Envelope{Code: o.code("code"), Message: Sanitize(s), Format: EnvelopeErrorString}, true
	case 't':
		if msg := o.message("message", "msg", "reason"); o.isTrue("error") && msg != "" {
			return Envelope{Code: o.code("code"), Message: msg, Format: EnvelopeErrorString}, true
		}
	}
	return Envelope{}, false
}

// isCodeToken reports whether s looks like a machine code (invalid_token,
// E_QUOTA) rather than a sentence.
func isCodeToken(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c == '_' || c == '-' || c == '.' || isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')) {
			return false
		}
	}
	return true
}

func detectSuccessFalse(o jsonObject) (Envelope, bool) {
	if !o.isFalse("success") {
		return Envelope{}, false
	}
	msg := o.message("message", "msg", "ret_msg", "error", "errorMessage")
	if msg == "" {
		return Envelope{}, false
	}
	return Envelope{Code: o.code("code", "ret_code", "error_code"), Message: msg, Format: EnvelopeSuccessFalse}, true
}

// detectCodeMsg matches {"code": -1121, "msg": "..."}. Many services send
// code 0 or 200 with "msg" on success, so only negative and HTTP error
// codes count.
func detectCodeMsg(o jsonObject) (Envelope, bool) {
	code := o.code("code")
	n, isInt := codeInt(code)
	msg := o.message("msg")
	if !isInt || msg == "" || !(n < 0 || (n >= 400 && n <= 599)) {
		return Envelope{}, false
	}
	return Envelope{Code: code, Message: msg, Format: EnvelopeCodeMsg}, true
}

// detectSocketIO reads the packet after an Engine.IO message prefix "4"
// and a Socket.IO CONNECT_ERROR (ERROR in older versions) type "4": an
// optional "/namespace," and then an object with a message, or a string.
func detectSocketIO(packet []byte) (Envelope, bool) {
	namespace := "/"
	if len(packet) > 0 && packet[0] == '/' {
		i := bytes.IndexByte(packet, ',')
		if i < 0 {
			return Envelope{}, false
		}
		namespace, packet = string(packet[:i]), packet[i+1:]
	}
	var msg string
	var obj jsonObject
	switch {
	case json.Unmarshal(packet, &obj) == nil:
		msg = obj.message("message")
	case json.Unmarshal(packet, &msg) == nil:
		msg = Sanitize(msg)
	}
	if strings.TrimSpace(msg) == "" {
		return Envelope{}, false
	}
	e := Explanation{
		Name:        "Connection to namespace refused",
		Category:    "connection-level",
		Explanation: "The server refused to connect the Socket.IO namespace " + Sanitize(namespace) + ": a middleware (io.use or of(...).use) called next with an error, usually failed authentication.",
		Hint:        "Fix what the middleware checks, typically the auth payload or token sent with the connection.",
		Source:      SourceServer,
		Dialect:     socketIODialect.name,
	}
	if msg == "Invalid namespace" {
		e.Name = "Invalid namespace"
		e.Explanation = "The server has no namespace " + Sanitize(namespace) + "."
		e.Hint = "Connect to a namespace the server defines (check the path after the host in the client's URL)."
	}
	return Envelope{Message: msg, Format: EnvelopeSocketIO, Explanation: e}, true
}

// detectSTOMP reads an ERROR frame: the command line, headers, a blank
// line and a body ended by NUL. Without the STOMP subprotocol it needs
// the NUL too, so that a chat line starting with ERROR does not match.
func detectSTOMP(frame []byte, negotiated bool) (Envelope, bool) {
	if !negotiated && !bytes.HasSuffix(bytes.TrimRight(frame, "\r\n"), []byte{0}) {
		return Envelope{}, false
	}
	head, body, found := bytes.Cut(frame, []byte("\n\n"))
	if !found {
		head, body, found = bytes.Cut(frame, []byte("\r\n\r\n"))
	}
	if !found {
		return Envelope{}, false
	}
	var msg string
	for _, line := range strings.Split(string(head), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimRight(line, "\r"), "message:"); ok {
			msg = v
		}
	}
	if detail := strings.TrimSpace(string(bytes.TrimRight(body, "\x00\r\n"))); detail != "" {
		if first, _, _ := strings.Cut(detail, "\n"); msg == "" {
			msg = first
		}
	}
	return Envelope{Message: Sanitize(msg), Format: EnvelopeSTOMP, Explanation: Explanation{
		Name:        "STOMP ERROR frame",
		Category:    "application-level",
		Explanation: "The broker reported an error; after an ERROR frame it closes the connection.",
		Hint:        "Read the message header and the body; typical causes are bad credentials in CONNECT, a destination the user may not use, or a malformed frame.",
		Source:      SourceServer,
		Dialect:     stompDialect.name,
	}}, true
}

// joinMessage joins two parts of an error message, skipping empty ones.
func joinMessage(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "" || a == b:
		return a
	}
	return a + ": " + b
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
