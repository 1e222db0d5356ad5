package decode

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// jsonRPCExplanation explains the error codes JSON-RPC 2.0 reserves.
func jsonRPCExplanation(code int) Explanation {
	e := Explanation{Category: "application-level", Source: SourceServer}
	switch {
	case code == -32700:
		e.Name = "Parse error"
		e.Explanation = "The server could not parse the request as JSON."
		e.Hint = "Check the JSON of the request just sent."
	case code == -32600:
		e.Name = "Invalid Request"
		e.Explanation = "The JSON is not a valid JSON-RPC request, for example it lacks \"jsonrpc\": \"2.0\" or a method."
		e.Hint = "Send an object with jsonrpc, method, params and id."
	case code == -32601:
		e.Name = "Method not found"
		e.Explanation = "The method does not exist or is not available to this caller."
		e.Hint = "Check the method's name, its namespace, and whether it must be enabled on the server."
	case code == -32602:
		e.Name = "Invalid params"
		e.Explanation = "The method's parameters are wrong: missing, extra, or of the wrong type."
		e.Hint = "Compare the params with the method's documentation; the message or data usually names the bad one."
	case code == -32603:
		e.Name = "Internal error"
		e.Explanation = "The server failed internally while handling the call."
		e.Hint = "Retry later; if it persists, the server's logs hold the cause."
	case code <= -32000 && code >= -32099:
		e.Name = "Server error"
		e.Explanation = "A code JSON-RPC reserves for errors the server implementation defines; the message and data say which."
		e.Hint = "Look the code up in the server's documentation."
	default:
		return Explanation{}
	}
	return e
}

// graphqlCodes holds the extensions.code values Apollo Server defines,
// which many other GraphQL servers adopted.
var graphqlCodes = &dialect{
	name:  "graphql",
	title: "The GraphQL server",
	errorCodes: map[string]codeEntry{
		"GRAPHQL_PARSE_FAILED": {Name: "Parse failed",
			Meaning: "the operation has a syntax error.",
			Hint:    "Check the query text; the message gives the line and column."},
		"GRAPHQL_VALIDATION_FAILED": {Name: "Validation failed",
			Meaning: "the operation does not match the schema: an unknown field, a wrong argument type, a missing variable.",
			Hint:    "Compare the operation with the server's schema."},
		"BAD_USER_INPUT": {Name: "Bad user input",
			Meaning: "an argument value is not valid.",
			Hint:    "Check the variables sent with the operation."},
		"UNAUTHENTICATED": {Name: "Unauthenticated", Category: "connection-level",
			Meaning: "the request carries no valid authentication.",
			Hint:    "Send credentials; over WebSockets they usually go in the connection_init payload."},
		"FORBIDDEN": {Name: "Forbidden",
			Meaning: "the caller is authenticated but not allowed to do this.",
			Hint:    "Use an account with the needed permission."},
		"PERSISTED_QUERY_NOT_FOUND": {Name: "Persisted query not found",
			Meaning: "the server does not know the persisted query hash that was sent.",
			Hint:    "Send the full query text along with the hash; clients normally retry that way."},
		"PERSISTED_QUERY_NOT_SUPPORTED": {Name: "Persisted queries not supported",
			Meaning: "the server does not support persisted queries.",
			Hint:    "Send the full query text."},
		"OPERATION_RESOLUTION_FAILURE": {Name: "Operation resolution failure",
			Meaning: "the document holds several operations and it is unclear which to run.",
			Hint:    "Set operationName to one of the operations in the document."},
		"BAD_REQUEST": {Name: "Bad request",
			Meaning: "the request was malformed before GraphQL could process it.",
			Hint:    "Check the message's structure."},
		"INTERNAL_SERVER_ERROR": {Name: "Internal server error",
			Meaning: "a resolver or the server failed unexpectedly.",
			Hint:    "The server's logs hold the cause."},
	},
}

// phoenixReasons are the reasons Phoenix itself gives, plus the one
// applications most often return from join.
var phoenixReasons = map[string]codeEntry{
	"unmatched topic": {Name: "Unmatched topic",
		Meaning: "no channel on the socket handles this topic: the socket module has no matching channel route.",
		Hint:    "Check the topic's spelling against the socket's channel routes (channel \"room:*\", ...)."},
	"join crashed": {Name: "Join crashed",
		Meaning: "the channel's join callback raised an exception.",
		Hint:    "Look for the exception in the server's logs."},
	"unauthorized": {Name: "Unauthorized", Category: "connection-level",
		Meaning: "the channel's join callback refused the join.",
		Hint:    "Send the credentials or parameters the channel's join expects."},
}

// actionCableReasons are the reasons in Action Cable's disconnect message.
var actionCableReasons = map[string]codeEntry{
	"unauthorized": {Name: "Unauthorized", Category: "connection-level",
		Meaning: "the connection's connect method rejected the user (reject_unauthorized_connection).",
		Hint:    "Send the cookie or token the application authenticates with."},
	"invalid_request": {Name: "Invalid request", Category: "connection-level",
		Meaning: "the server did not accept this as an Action Cable connection, for example because the Origin is not in allowed_request_origins.",
		Hint:    "Send an Origin the application allows, and connect to the cable's mount path."},
	"server_restart": {Name: "Server restart", Category: "connection-level", Reconnect: true,
		Meaning: "the server is restarting.",
		Hint:    "Reconnect after a short delay."},
	"remote": {Name: "Disconnected remotely", Category: "connection-level",
		Meaning: "server-side code disconnected this connection (remote_connections...disconnect), often on logout or a ban.",
		Hint:    "Reconnect only if the application expects it; the message's reconnect field says."},
}

// apiGatewayMessages are replies AWS API Gateway WebSocket APIs send on
// their own.
var apiGatewayMessages = map[string]codeEntry{
	"Forbidden": {Name: "No route or not allowed", Source: "gateway",
		Meaning: "API Gateway answered itself: no route matched the message's route key and there is no $default route, or the route's authorisation refused it.",
		Hint:    "Check the API's route selection expression (often $request.body.action) against the message, or add a $default route."},
	"Internal server error": {Name: "Integration failed", Source: "gateway",
		Meaning: "API Gateway got no usable answer from the route's integration: the Lambda function threw, timed out, or returned something malformed.",
		Hint:    "Look up the requestId in the API's CloudWatch execution logs and the function's own logs."},
}

// MQTT 3.1 and 3.1.1 CONNACK return codes.
var mqtt3Connack = map[int]codeEntry{
	1: {Name: "Unacceptable protocol version", Meaning: "the broker does not support the MQTT version the client asked for.", Hint: "Connect with a protocol level the broker supports."},
	2: {Name: "Identifier rejected", Meaning: "the client identifier is not allowed.", Hint: "Use a valid client id (some brokers limit length or characters, or forbid empty ids)."},
	3: {Name: "Server unavailable", Meaning: "the MQTT service is unavailable.", Hint: "Retry later.", Reconnect: true},
	4: {Name: "Bad user name or password", Meaning: "the user name or password is malformed or wrong.", Hint: "Fix the credentials in CONNECT."},
	5: {Name: "Not authorized", Meaning: "the client is not allowed to connect.", Hint: "Check the broker's access rules for this client."},
}

// MQTT 5 reason codes that mean failure (0x80 and up), as CONNACK and
// DISCONNECT use them.
var mqtt5Reasons = map[int]codeEntry{
	0x80: {Name: "Unspecified error", Meaning: "the broker failed and gives no specific reason.", Hint: "Check the broker's logs."},
	0x81: {Name: "Malformed Packet", Meaning: "a packet could not be parsed.", Hint: "Check the client library: it sent a packet the broker could not parse."},
	0x82: {Name: "Protocol Error", Meaning: "a packet broke the protocol's rules.", Hint: "Check the client library: it broke the MQTT rules."},
	0x83: {Name: "Implementation specific error", Meaning: "the broker refused for a reason of its own.", Hint: "Check the broker's logs or documentation."},
	0x84: {Name: "Unsupported Protocol Version", Meaning: "the broker does not support the MQTT version requested.", Hint: "Connect with an MQTT version the broker supports."},
	0x85: {Name: "Client Identifier not valid", Meaning: "the client identifier is not allowed.", Hint: "Use a client id the broker accepts."},
	0x86: {Name: "Bad User Name or Password", Meaning: "the credentials were refused.", Hint: "Fix the user name and password in CONNECT."},
	0x87: {Name: "Not authorized", Meaning: "the client is not allowed to do this.", Hint: "Check the broker's access rules."},
	0x88: {Name: "Server unavailable", Meaning: "the broker is not available.", Hint: "Retry later.", Reconnect: true},
	0x89: {Name: "Server busy", Meaning: "the broker is busy.", Hint: "Retry later.", Reconnect: true},
	0x8A: {Name: "Banned", Meaning: "the client is banned by administrative action.", Hint: "Ask the broker's administrator."},
	0x8B: {Name: "Server shutting down", Meaning: "the broker is shutting down.", Hint: "Reconnect after a delay.", Reconnect: true},
	0x8C: {Name: "Bad authentication method", Meaning: "the authentication method is not supported or does not match.", Hint: "Use an authentication method the broker supports."},
	0x8D: {Name: "Keep Alive timeout", Meaning: "nothing arrived from the client within 1.5 times the keep-alive interval.", Hint: "Send PINGREQ in time.", Reconnect: true},
	0x8E: {Name: "Session taken over", Meaning: "another connection with the same client id took over the session.", Hint: "Give each client a unique client id."},
	0x8F: {Name: "Topic Filter invalid", Meaning: "a topic filter is malformed or not accepted.", Hint: "Check the topic filter's syntax and the broker's limits."},
	0x90: {Name: "Topic Name invalid", Meaning: "a topic name is malformed or not accepted.", Hint: "Check the topic name's syntax and the broker's limits."},
	0x91: {Name: "Packet Identifier in use", Meaning: "the packet identifier is already in use by another exchange in flight.", Hint: "Check the client library: it reused a packet identifier before its exchange ended."},
	0x92: {Name: "Packet Identifier not found", Meaning: "the packet identifier belongs to no exchange in flight.", Hint: "Check the client library: it answered an exchange the broker does not know, often after a session was lost."},
	0x93: {Name: "Receive Maximum exceeded", Meaning: "more QoS 1 or 2 messages were in flight than the broker allows.", Hint: "Keep fewer QoS 1 and 2 messages in flight."},
	0x94: {Name: "Topic Alias invalid", Meaning: "a topic alias is out of range.", Hint: "Use topic aliases within the broker's Topic Alias Maximum."},
	0x95: {Name: "Packet too large", Meaning: "a packet was larger than the maximum packet size.", Hint: "Send smaller packets."},
	0x96: {Name: "Message rate too high", Meaning: "messages came faster than the broker allows.", Hint: "Publish less often."},
	0x97: {Name: "Quota exceeded", Meaning: "an administrative quota was exceeded.", Hint: "Ask the broker's administrator about the quota."},
	0x98: {Name: "Administrative action", Meaning: "an administrator disconnected the client.", Hint: "Ask the broker's administrator."},
	0x99: {Name: "Payload format invalid", Meaning: "the payload does not match its declared format.", Hint: "Make the payload match its payload format indicator."},
	0x9A: {Name: "Retain not supported", Meaning: "the broker does not support retained messages.", Hint: "Publish without the retain flag."},
	0x9B: {Name: "QoS not supported", Meaning: "the broker does not support the QoS requested.", Hint: "Use a QoS the broker supports."},
	0x9C: {Name: "Use another server", Meaning: "the client should use another broker, temporarily.", Hint: "Connect to the server the broker names.", Reconnect: true},
	0x9D: {Name: "Server moved", Meaning: "the client should use another broker from now on.", Hint: "Connect to the server the broker names from now on."},
	0x9E: {Name: "Shared Subscriptions not supported", Meaning: "the broker does not support shared subscriptions.", Hint: "Subscribe without $share."},
	0x9F: {Name: "Connection rate exceeded", Meaning: "the client connected too often.", Hint: "Back off before reconnecting.", Reconnect: true},
	0xA0: {Name: "Maximum connect time", Meaning: "the connection reached the longest time the broker allows.", Hint: "Reconnect.", Reconnect: true},
	0xA1: {Name: "Subscription Identifiers not supported", Meaning: "the broker does not support subscription identifiers.", Hint: "Subscribe without subscription identifiers."},
	0xA2: {Name: "Wildcard Subscriptions not supported", Meaning: "the broker does not support wildcard subscriptions.", Hint: "Subscribe to exact topics instead of wildcards."},
}

const (
	mqttConnack    = 0x20
	mqttDisconnect = 0xE0
)

// mqtt3SubackFailure is the only failure MQTT 3.1.1's SUBACK has.
var mqtt3SubackFailure = codeEntry{Name: "Failure",
	Meaning: "the broker refused the subscription to the topic filter at this position. MQTT 3.1.1 carries no reason; brokers refuse filters the client may not subscribe to and filters they do not accept.",
	Hint:    "Check the broker's access rules for this client and the topic filter's syntax."}

// detectMQTT reads the first MQTT packet in a binary message and reports a
// refused CONNACK or a DISCONNECT that carries a failure reason.
func detectMQTT(p []byte) (Envelope, bool) {
	if len(p) < 2 {
		return Envelope{}, false
	}
	remaining, n := mqttRemainingLength(p[1:])
	if n == 0 || len(p)-1-n < remaining {
		return Envelope{}, false
	}
	body := p[1+n : 1+n+remaining]
	switch p[0] {
	case mqttConnack:
		if len(body) < 2 || body[1] == 0 {
			return Envelope{}, false
		}
		code := int(body[1])
		return MQTTFailure("CONNACK", code, remaining == 2 && code <= 5), true
	case mqttDisconnect:
		if len(body) < 1 || body[0] < 0x80 {
			return Envelope{}, false
		}
		return MQTTFailure("DISCONNECT", int(body[0]), false), true
	}
	return Envelope{}, false
}

// MQTTFailure is the error envelope of an MQTT packet (CONNACK, SUBACK,
// DISCONNECT, PUBACK, ...) that reports failure code: a return code of
// MQTT 3.1 and 3.1.1 when legacy is true, else an MQTT 5 reason code. A
// code the version does not define is said to be unknown.
func MQTTFailure(packet string, code int, legacy bool) Envelope {
	var entry codeEntry
	var known bool
	switch {
	case legacy && packet == "SUBACK":
		entry, known = mqtt3SubackFailure, code == 0x80
	case legacy:
		entry, known = mqtt3Connack[code]
	default:
		entry, known = mqtt5Reasons[code]
	}
	env := Envelope{
		Code:    json.RawMessage(strconv.Itoa(code)),
		Message: fmt.Sprintf("%s reason 0x%02X", packet, code),
		Format:  EnvelopeMQTT,
	}
	if !known {
		version, defines := "MQTT 5", "its reason codes from 0x80 up mean failure"
		if legacy {
			version, defines = "MQTT 3.1.1", "any code but 0 means refusal"
		}
		env.Explanation = Explanation{Category: "connection-level", Source: SourceServer, Dialect: mqttDialect.name,
			Explanation: fmt.Sprintf("%s defines no code 0x%02X for %s; %s, so the broker reported a failure of its own.", version, code, packet, defines),
			Hint:        "Look the code up in the broker's documentation or logs."}
		return env
	}
	env.Message = fmt.Sprintf("%s: %s (0x%02X)", packet, entry.Name, code)
	entry.Category = "connection-level"
	env.Explanation = entryExplanation(entry, mqttDialect)
	return env
}

// mqttRemainingLength decodes MQTT's variable byte integer; n is 0 when it
// is malformed.
func mqttRemainingLength(b []byte) (value, n int) {
	mult := 1
	for i := 0; i < 4 && i < len(b); i++ {
		value += int(b[i]&0x7f) * mult
		if b[i]&0x80 == 0 {
			return value, i + 1
		}
		mult *= 128
	}
	return 0, 0
}
