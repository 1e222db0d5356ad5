package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

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
		return typedError(o)
	case "next", "data":
		return graphqlDataErrors(o, t == "data")
	case "connection_error":
		return graphqlConnectionError(o), true
	case "reject_subscription":
		return actionCableRejection(o), true
	case "disconnect":
		return actionCableDisconnect(o)
	}
	return Envelope{}, false
}

// typedError reads {"type":"error", ...}: a GraphQL error message, or the
// error-envelope convention with its code and message at the top, in "data"
// or in "error".
func typedError(o jsonObject) (Envelope, bool) {
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
}

// graphqlDataErrors reads the errors of a GraphQL result: "next" in
// graphql-transport-ws, "data" in the legacy protocol.
func graphqlDataErrors(o jsonObject, legacy bool) (Envelope, bool) {
	payload, ok := o.obj("payload")
	if !ok {
		return Envelope{}, false
	}
	env, ok := graphqlErrorList(payload["errors"])
	if !ok {
		return Envelope{}, false
	}
	env.Format = EnvelopeGraphQLWS
	if legacy {
		env.Format = EnvelopeGraphQLWSOld
	}
	return env, true
}

// graphqlConnectionError reads the legacy protocol's refusal of a
// connection_init.
func graphqlConnectionError(o jsonObject) Envelope {
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
	}}
}

// actionCableRejection reads Action Cable's reject_subscription, naming the
// channel from the subscription identifier when it can.
func actionCableRejection(o jsonObject) Envelope {
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
	}}
}

// actionCableDisconnect reads Action Cable's disconnect message: its
// reason is the code, and it says whether the client should reconnect.
func actionCableDisconnect(o jsonObject) (Envelope, bool) {
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
		// The error's data (next(err) with err.data set) says more.
		if data := obj["data"]; len(data) > 0 && string(data) != "null" {
			msg = joinMessage(msg, "data "+Sanitize(clipText(string(data), maxDataShown)))
		}
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

// maxDataShown is how much of an error's data its message quotes.
const maxDataShown = 200

// clipText shortens s to at most n bytes, on a character boundary.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
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
		Explanation: "The broker reported an error. STOMP has the broker close the connection after an ERROR frame, though RabbitMQ keeps it open after some, such as an unknown destination.",
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
