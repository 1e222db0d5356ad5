package decode

import (
	"strings"
	"testing"
)

func TestDetectEnvelope(t *testing.T) {
	tests := []struct {
		name     string
		ctx      EnvelopeContext
		payload  string
		format   string
		code     string // raw JSON, "" for none
		message  string
		explName string // "" when no explanation is expected
		dialect  string
	}{
		// The error-envelope convention and its codes.
		{"envelope bad request", EnvelopeContext{}, `{"type":"error","data":{"code":4000,"message":"Malformed JSON"},"meta":{"request_id":"abc-123","timestamp":"2025-08-04T12:00:00Z"}}`,
			EnvelopeTyped, `4000`, "Malformed JSON", "Bad Request", "error-envelope"},
		{"envelope not found", EnvelopeContext{}, `{"type":"error","data":{"code":4001,"message":"Room not found"}}`,
			EnvelopeTyped, `4001`, "Room not found", "Not Found", "error-envelope"},
		{"envelope invalid action", EnvelopeContext{}, `{"type":"error","data":{"code":4002,"message":"Room is closed"}}`,
			EnvelopeTyped, `4002`, "Room is closed", "Invalid Action", "error-envelope"},
		{"envelope unauthorized", EnvelopeContext{}, `{"type":"error","data":{"code":4003,"message":"Token expired"}}`,
			EnvelopeTyped, `4003`, "Token expired", "Unauthorized", "error-envelope"},
		{"envelope forbidden", EnvelopeContext{}, `{"type":"error","data":{"code":4004,"message":"Not a member"}}`,
			EnvelopeTyped, `4004`, "Not a member", "Forbidden", "error-envelope"},
		{"envelope rate limited", EnvelopeContext{}, `{"type":"error","data":{"code":4005,"message":"Slow down"}}`,
			EnvelopeTyped, `4005`, "Slow down", "Rate Limited", "error-envelope"},
		{"envelope internal error", EnvelopeContext{}, `{"type":"error","data":{"code":5000,"message":"Oops"}}`,
			EnvelopeTyped, `5000`, "Oops", "Internal Server Error", "error-envelope"},
		{"envelope unknown code", EnvelopeContext{}, `{"type":"error","data":{"code":4999,"message":"Odd"}}`,
			EnvelopeTyped, `4999`, "Odd", "", ""},

		// JSON-RPC 2.0.
		{"json-rpc parse error", EnvelopeContext{}, `{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null}`,
			EnvelopeJSONRPC, `-32700`, "Parse error", "Parse error", ""},
		{"json-rpc invalid request", EnvelopeContext{}, `{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"},"id":null}`,
			EnvelopeJSONRPC, `-32600`, "Invalid Request", "Invalid Request", ""},
		{"json-rpc method not found", EnvelopeContext{}, `{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"Method not found"}}`,
			EnvelopeJSONRPC, `-32601`, "Method not found", "Method not found", ""},
		{"json-rpc invalid params with data", EnvelopeContext{}, `{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"Invalid params","data":"missing 'to'"}}`,
			EnvelopeJSONRPC, `-32602`, "Invalid params: missing 'to'", "Invalid params", ""},
		{"json-rpc internal error", EnvelopeContext{}, `{"jsonrpc":"2.0","id":7,"error":{"code":-32603,"message":"Internal error"}}`,
			EnvelopeJSONRPC, `-32603`, "Internal error", "Internal error", ""},
		{"json-rpc server error low", EnvelopeContext{}, `{"jsonrpc":"2.0","id":7,"error":{"code":-32000,"message":"execution reverted"}}`,
			EnvelopeJSONRPC, `-32000`, "execution reverted", "Server error", ""},
		{"json-rpc server error high", EnvelopeContext{}, `{"jsonrpc":"2.0","id":7,"error":{"code":-32099,"message":"busy"}}`,
			EnvelopeJSONRPC, `-32099`, "busy", "Server error", ""},
		{"json-rpc application code", EnvelopeContext{}, `{"jsonrpc":"2.0","id":7,"error":{"code":42,"message":"no funds"}}`,
			EnvelopeJSONRPC, `42`, "no funds", "", ""},
		{"json-rpc without version", EnvelopeContext{}, `{"id":3,"result":null,"error":{"code":-32601,"message":"no such method"}}`,
			EnvelopeJSONRPC, `-32601`, "no such method", "Method not found", ""},

		// GraphQL over WebSocket, both protocols.
		{"graphql-transport-ws error", EnvelopeContext{Subprotocol: "graphql-transport-ws"}, `{"id":"1","type":"error","payload":[{"message":"Cannot query field \"x\"","extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}},{"message":"second"}]}`,
			EnvelopeGraphQLWS, `"GRAPHQL_VALIDATION_FAILED"`, `Cannot query field "x" (and 1 more)`, "Validation failed", "graphql"},
		{"graphql-transport-ws next with errors", EnvelopeContext{}, `{"id":"1","type":"next","payload":{"data":null,"errors":[{"message":"Not logged in","extensions":{"code":"UNAUTHENTICATED"}}]}}`,
			EnvelopeGraphQLWS, `"UNAUTHENTICATED"`, "Not logged in", "Unauthenticated", "graphql"},
		{"legacy error", EnvelopeContext{Subprotocol: "graphql-ws"}, `{"id":"1","type":"error","payload":{"message":"Subscription field must return Async Iterable"}}`,
			EnvelopeGraphQLWSOld, ``, "Subscription field must return Async Iterable", "", ""},
		{"legacy data with errors", EnvelopeContext{}, `{"id":"2","type":"data","payload":{"data":null,"errors":[{"message":"boom"}]}}`,
			EnvelopeGraphQLWSOld, ``, "boom", "", ""},
		{"legacy connection_error", EnvelopeContext{}, `{"type":"connection_error","payload":{"message":"Prohibited connection!"}}`,
			EnvelopeGraphQLWSOld, ``, "Prohibited connection!", "Connection refused by the GraphQL server", "subscriptions-transport-ws"},
		{"plain graphql response", EnvelopeContext{}, `{"data":{"me":null},"errors":[{"message":"Forbidden","extensions":{"code":"FORBIDDEN"}}]}`,
			EnvelopeGraphQL, `"FORBIDDEN"`, "Forbidden", "Forbidden", "graphql"},

		// Phoenix channels.
		{"phoenix object reply", EnvelopeContext{}, `{"topic":"room:lobby","event":"phx_reply","payload":{"status":"error","response":{"reason":"unmatched topic"}},"ref":"1"}`,
			EnvelopePhoenix, `"unmatched topic"`, "unmatched topic", "Unmatched topic", "phoenix"},
		{"phoenix v2 array reply", EnvelopeContext{}, `["3","3","room:secret","phx_reply",{"status":"error","response":{"reason":"unauthorized"}}]`,
			EnvelopePhoenix, `"unauthorized"`, "unauthorized", "Unauthorized", "phoenix"},
		{"phoenix join crashed", EnvelopeContext{}, `["1","1","room:1","phx_reply",{"status":"error","response":{"reason":"join crashed"}}]`,
			EnvelopePhoenix, `"join crashed"`, "join crashed", "Join crashed", "phoenix"},
		{"phoenix custom error", EnvelopeContext{}, `{"topic":"room:1","event":"phx_reply","payload":{"status":"error","response":{"message":"too long"}},"ref":"4"}`,
			EnvelopePhoenix, ``, "too long", "Request refused", "phoenix"},
		{"phoenix channel crash", EnvelopeContext{}, `["1",null,"room:1","phx_error",{}]`,
			EnvelopePhoenix, ``, "channel room:1 crashed", "Channel crashed", "phoenix"},

		// Action Cable.
		{"actioncable reject", EnvelopeContext{Subprotocol: "actioncable-v1-json"}, `{"identifier":"{\"channel\":\"ChatChannel\",\"room\":\"1\"}","type":"reject_subscription"}`,
			EnvelopeActionCable, ``, "subscription to ChatChannel rejected", "Subscription rejected", "actioncable"},
		{"actioncable unauthorized", EnvelopeContext{}, `{"type":"disconnect","reason":"unauthorized","reconnect":false}`,
			EnvelopeActionCable, `"unauthorized"`, "unauthorized", "Unauthorized", "actioncable"},
		{"actioncable invalid request", EnvelopeContext{}, `{"type":"disconnect","reason":"invalid_request","reconnect":false}`,
			EnvelopeActionCable, `"invalid_request"`, "invalid_request", "Invalid request", "actioncable"},
		{"actioncable server restart", EnvelopeContext{}, `{"type":"disconnect","reason":"server_restart","reconnect":true}`,
			EnvelopeActionCable, `"server_restart"`, "server_restart", "Server restart", "actioncable"},
		{"actioncable remote", EnvelopeContext{}, `{"type":"disconnect","reason":"remote","reconnect":false}`,
			EnvelopeActionCable, `"remote"`, "remote", "Disconnected remotely", "actioncable"},

		// Socket.IO over Engine.IO.
		{"socket.io connect_error", EnvelopeContext{}, `44{"message":"not authorized"}`,
			EnvelopeSocketIO, ``, "not authorized", "Connection to namespace refused", "socket.io"},
		{"socket.io connect_error with data", EnvelopeContext{}, `44/admin,{"message":"forbidden","data":{"content":"admins only"}}`,
			EnvelopeSocketIO, ``, `forbidden: data {"content":"admins only"}`, "Connection to namespace refused", "socket.io"},
		{"socket.io invalid namespace", EnvelopeContext{}, `44/nope,{"message":"Invalid namespace"}`,
			EnvelopeSocketIO, ``, "Invalid namespace", "Invalid namespace", "socket.io"},
		{"socket.io v2 error packet", EnvelopeContext{}, `44"Authentication error"`,
			EnvelopeSocketIO, ``, "Authentication error", "Connection to namespace refused", "socket.io"},

		// AWS API Gateway's own replies.
		{"api gateway forbidden", EnvelopeContext{}, `{"message": "Forbidden", "connectionId":"L0SM9cOFvHcCIhw=", "requestId":"L0SNGHpZvHcFbNw="}`,
			EnvelopeAPIGateway, ``, "Forbidden", "No route or not allowed", ""},
		{"api gateway internal error", EnvelopeContext{}, `{"message": "Internal server error", "connectionId":"L0SM9cOFvHcCIhw=", "requestId":"L0SNGHpZvHcFbNw="}`,
			EnvelopeAPIGateway, ``, "Internal server error", "Integration failed", ""},
		{"api gateway other", EnvelopeContext{}, `{"message": "Endpoint request timed out", "connectionId":"a", "requestId":"b"}`,
			EnvelopeAPIGateway, ``, "Endpoint request timed out", "API Gateway reply", ""},

		// Exchanges.
		{"binance code msg", EnvelopeContext{}, `{"code": -1121, "msg": "Invalid symbol."}`,
			EnvelopeCodeMsg, `-1121`, "Invalid symbol.", "Invalid Symbol", "binance"},
		{"binance on its host", EnvelopeContext{Host: "stream.binance.com:9443"}, `{"code": -1003, "msg": "Too many requests."}`,
			EnvelopeCodeMsg, `-1003`, "Too many requests.", "Too Many Requests", "binance"},
		{"binance code elsewhere is not named", EnvelopeContext{Host: "api.example.com"}, `{"code": -1121, "msg": "Invalid symbol."}`,
			EnvelopeCodeMsg, `-1121`, "Invalid symbol.", "", ""},
		{"binance websocket api", EnvelopeContext{Host: "ws-api.binance.com"}, `{"id":"e2a8","status":400,"error":{"code":-1102,"msg":"Mandatory parameter 'symbol' was not sent."}}`,
			EnvelopeErrorObject, `-1102`, "Mandatory parameter 'symbol' was not sent.", "Mandatory Parameter Missing", "binance"},
		{"http-like code msg", EnvelopeContext{}, `{"code":429,"msg":"too many requests"}`,
			EnvelopeCodeMsg, `429`, "too many requests", "", ""},
		{"bitfinex event error", EnvelopeContext{Host: "api-pub.bitfinex.com"}, `{"event":"error","msg":"symbol: invalid","code":10300}`,
			EnvelopeEventError, `10300`, "symbol: invalid", "Subscription Failed", "bitfinex"},
		{"kraken event error", EnvelopeContext{}, `{"errorMessage":"Malformed request","event":"error"}`,
			EnvelopeEventError, ``, "Malformed request", "", ""},
		{"okx string code", EnvelopeContext{}, `{"event":"error","code":"60012","msg":"Invalid request: {\"op\": \"subscribe\"}"}`,
			EnvelopeEventError, `"60012"`, `Invalid request: {"op": "subscribe"}`, "", ""},
		{"kraken subscription status", EnvelopeContext{}, `{"errorMessage":"Currency pair not supported XBT/EUX","event":"subscriptionStatus","pair":"XBT/EUX","status":"error"}`,
			EnvelopeStatusError, ``, "Currency pair not supported XBT/EUX", "", ""},
		{"huobi status error", EnvelopeContext{}, `{"status":"error","err-code":"bad-request","err-msg":"invalid topic"}`,
			EnvelopeStatusError, `"bad-request"`, "invalid topic", "", ""},

		// Generic shapes.
		{"type error with message", EnvelopeContext{}, `{"type":"error","message":"Failed to subscribe","reason":"product not found"}`,
			EnvelopeTypeError, ``, "Failed to subscribe", "", ""},
		{"type error with error object", EnvelopeContext{}, `{"type":"error","event_id":"e1","error":{"type":"invalid_request_error","code":"invalid_value","message":"Bad voice"}}`,
			EnvelopeTypeError, `"invalid_value"`, "Bad voice", "", ""},
		{"error object", EnvelopeContext{}, `{"error":{"code":"E_QUOTA","message":"Quota exceeded"}}`,
			EnvelopeErrorObject, `"E_QUOTA"`, "Quota exceeded", "", ""},
		{"error string", EnvelopeContext{}, `{"error":"unknown channel"}`,
			EnvelopeErrorString, ``, "unknown channel", "", ""},
		{"oauth style error", EnvelopeContext{}, `{"error":"invalid_token","error_description":"The access token expired"}`,
			EnvelopeErrorString, `"invalid_token"`, "The access token expired", "", ""},
		{"error flag", EnvelopeContext{}, `{"error":true,"message":"not subscribed","code":12}`,
			EnvelopeErrorString, `12`, "not subscribed", "", ""},
		{"success false", EnvelopeContext{}, `{"success":false,"ret_msg":"error:already subscribed,topic:orderbook.1.BTCUSDT","op":"subscribe"}`,
			EnvelopeSuccessFalse, ``, "error:already subscribed,topic:orderbook.1.BTCUSDT", "", ""},
		{"code kept as written", EnvelopeContext{}, `{"error":{"code":4001.0,"message":"x"}}`,
			EnvelopeErrorObject, `4001.0`, "x", "", ""},

		// STOMP and MQTT.
		{"stomp error frame", EnvelopeContext{Subprotocol: "v12.stomp"}, "ERROR\nmessage:Bad CONNECT\ncontent-type:text/plain\n\nAccess refused for user 'guest'\x00",
			EnvelopeSTOMP, ``, "Bad CONNECT", "STOMP ERROR frame", "stomp"},
		{"stomp error frame without subprotocol", EnvelopeContext{}, "ERROR\r\nreceipt-id:7\r\n\r\nNo such destination\x00\n",
			EnvelopeSTOMP, ``, "No such destination", "STOMP ERROR frame", "stomp"},
		{"mqtt 3.1.1 connack refused", EnvelopeContext{Subprotocol: "mqtt"}, "\x20\x02\x00\x05",
			EnvelopeMQTT, `5`, "CONNACK: Not authorized (0x05)", "Not authorized", "mqtt"},
		{"mqtt 3.1 connack bad credentials", EnvelopeContext{Subprotocol: "mqttv3.1"}, "\x20\x02\x00\x04",
			EnvelopeMQTT, `4`, "CONNACK: Bad user name or password (0x04)", "Bad user name or password", "mqtt"},
		{"mqtt 5 connack refused", EnvelopeContext{Subprotocol: "mqtt"}, "\x20\x03\x00\x86\x00",
			EnvelopeMQTT, `134`, "CONNACK: Bad User Name or Password (0x86)", "Bad User Name or Password", "mqtt"},
		{"mqtt 5 disconnect", EnvelopeContext{Subprotocol: "mqtt"}, "\xe0\x02\x8e\x00",
			EnvelopeMQTT, `142`, "DISCONNECT: Session taken over (0x8E)", "Session taken over", "mqtt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, ok := DetectEnvelope([]byte(tt.payload), tt.ctx)
			if !ok {
				t.Fatalf("not detected: %s", tt.payload)
			}
			if env.Format != tt.format || string(env.Code) != tt.code || env.Message != tt.message {
				t.Fatalf("got format %q code %q message %q\nwant format %q code %q message %q",
					env.Format, env.Code, env.Message, tt.format, tt.code, tt.message)
			}
			if env.Explanation.Name != tt.explName || env.Explanation.Dialect != tt.dialect {
				t.Fatalf("explanation %q (dialect %q), want %q (dialect %q)",
					env.Explanation.Name, env.Explanation.Dialect, tt.explName, tt.dialect)
			}
			if tt.explName != "" && (env.Explanation.Explanation == "" || env.Explanation.Hint == "") {
				t.Fatalf("explanation lacks text or hint: %+v", env.Explanation)
			}
		})
	}
}

func TestEnvelopeCategoriesFollowTheConvention(t *testing.T) {
	want := map[string]string{
		"4000": "application-level", "4001": "application-level", "4002": "application-level",
		"4003": "connection-level", "4004": "application-level", "4005": "application-level", "5000": "application-level",
	}
	for code, category := range want {
		env, ok := DetectEnvelope([]byte(`{"type":"error","data":{"code":`+code+`,"message":"m"}}`), EnvelopeContext{})
		if !ok || env.Explanation.Category != category {
			t.Errorf("code %s: category %q, want %q", code, env.Explanation.Category, category)
		}
	}
}

func TestActionCableReconnectFlagIsRespected(t *testing.T) {
	env, _ := DetectEnvelope([]byte(`{"type":"disconnect","reason":"remote","reconnect":true}`), EnvelopeContext{})
	if !env.Explanation.Reconnect {
		t.Fatal(`"reconnect": true in the message was ignored`)
	}
	env, _ = DetectEnvelope([]byte(`{"type":"disconnect","reason":"server_restart","reconnect":false}`), EnvelopeContext{})
	if env.Explanation.Reconnect {
		t.Fatal(`"reconnect": false in the message was ignored`)
	}
}

func TestEnvelopeTextIsSanitised(t *testing.T) {
	env, ok := DetectEnvelope([]byte(`{"error":{"code":"\u001b[2J\u202e","message":"evil\u001b]0;title\u0007 \u202ereversed"}}`), EnvelopeContext{})
	if !ok {
		t.Fatal("not detected")
	}
	checkSafe(t, "Message", env.Message)
	checkSafe(t, "CodeText", env.CodeText())
	if !strings.Contains(env.Message, `\x1b]0;title\x07`) {
		t.Fatalf("escapes not visible: %q", env.Message)
	}
}

// ordinaryTraffic must never be taken for errors.
var ordinaryTraffic = []string{
	`{"e":"trade","E":1672515782136,"s":"BNBBTC","t":12345,"p":"0.001","q":"100","T":1672515782136,"m":true,"M":true}`,
	`{"stream":"btcusdt@ticker","data":{"e":"24hrTicker","s":"BTCUSDT","c":"43210.10","o":"42000.00"}}`,
	`[0,"tu",[401,1574694478808,0.005,7245.3]]`,
	`{"event":"subscribed","channel":"ticker","chanId":224555,"symbol":"tBTCUSD","pair":"BTCUSD"}`,
	`{"event":"info","version":2,"serverId":"6a4f","platform":{"status":1}}`,
	`{"event":"heartbeat"}`,
	`{"channelID":10001,"event":"subscriptionStatus","pair":"XBT/EUR","status":"subscribed","subscription":{"name":"ticker"}}`,
	`{"type":"ticker","product_id":"BTC-USD","price":"43210.10","side":"buy"}`,
	`{"type":"message","user":"ana","text":"I got an error on my build, any idea?"}`,
	`{"type":"chat","from":"bob","body":"the errors are gone now"}`,
	`{"type":"presence","user":"ana","status":"online"}`,
	`{"type":"typing","user":"bob"}`,
	`{"type":"errorCount","value":3}`,
	`{"type":"connection_ack"}`,
	`{"type":"ka"}`,
	`{"id":"1","type":"next","payload":{"data":{"messageAdded":{"id":"9","text":"hi"}}}}`,
	`{"id":"1","type":"complete"}`,
	`{"type":"data","id":"2","payload":{"data":{"counter":5}}}`,
	`{"data":{"user":{"id":"1"}},"errors":[]}`,
	`{"errors": []}`,
	`{"jsonrpc":"2.0","result":"0x1b4","id":1}`,
	`{"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x9ce5","result":{"number":"0x1b4"}}}`,
	`{"jsonrpc":"2.0","result":null,"error":null,"id":2}`,
	`{"error": null}`,
	`{"error": ""}`,
	`{"error": false, "data": [1, 2, 3]}`,
	`{"error": {}}`,
	`{"error":{"code":0,"message":""}}`,
	`{"status":"ok","error":null,"result":{"id":5}}`,
	`{"status":"error_rate_ok","rate":0.01}`,
	`{"success":true,"message":"subscribed"}`,
	`{"success":false}`,
	`{"code":0,"msg":"success","data":{"balance":"10.5"}}`,
	`{"code":200,"msg":"ok"}`,
	`{"code":"ok","msg":"fine"}`,
	`{"topic":"room:lobby","event":"phx_reply","payload":{"status":"ok","response":{}},"ref":"1"}`,
	`["1","1","room:lobby","phx_reply",{"status":"ok","response":{}}]`,
	`[null,null,"phoenix","heartbeat",{}]`,
	`{"topic":"room:lobby","event":"new_msg","payload":{"body":"phx_error is a Phoenix event"},"ref":null}`,
	`{"type":"welcome"}`,
	`{"type":"ping","message":1700000000}`,
	`{"identifier":"{\"channel\":\"ChatChannel\"}","type":"confirm_subscription"}`,
	`{"identifier":"{\"channel\":\"ChatChannel\"}","message":{"text":"disconnect me later"}}`,
	`{"message":"hello","connectionId":"abc=","requestId":"def=","extra":1}`,
	`{"action":"sendmessage","data":"hi"}`,
	`42["chat message","hello"]`,
	`40{"sid":"wZX3oN0bSVIhsaknAAAI"}`,
	`2`,
	`3probe`,
	`44 apples`,
	`hello world`,
	`ERROR: this is just a log line`,
	`{"log":"level=error msg=\"disk full\""}`,
	`{"errorMessages":[],"warnings":[]}`,
	`{"metrics":{"errors":5,"requests":100}}`,
	`[{"error":"nested in an array"}]`,
	`{"type":"error"}`,
	`{"type":"error","data":{}}`,
	`{"event":"disconnect","reason":"bye"}`,
	`{"a":"` + strings.Repeat("x", 2000) + `"}`,
	`not json {"error":"x"}`,
	`{"error":"x"`,
}

func TestOrdinaryTrafficIsNotAnError(t *testing.T) {
	if len(ordinaryTraffic) < 40 {
		t.Fatalf("corpus has %d messages, want at least 40", len(ordinaryTraffic))
	}
	for _, ctx := range []EnvelopeContext{{}, {Subprotocol: "graphql-transport-ws"}, {Host: "stream.binance.com"}} {
		for _, msg := range ordinaryTraffic {
			if env, ok := DetectEnvelope([]byte(msg), ctx); ok {
				t.Errorf("ctx %+v: ordinary message taken for an error (%s %q): %s", ctx, env.Format, env.Message, truncate(msg, 120))
			}
		}
	}
}

func TestBinaryMQTTTrafficIsNotAnError(t *testing.T) {
	ctx := EnvelopeContext{Subprotocol: "mqtt"}
	for _, p := range []string{
		"\x20\x02\x00\x00",       // CONNACK accepted
		"\x20\x03\x00\x00\x00",   // MQTT 5 CONNACK success
		"\xe0\x00",               // DISCONNECT, normal
		"\xe0\x01\x04",           // DISCONNECT with will message
		"\x30\x05\x00\x01a\x00x", // PUBLISH
		"\xd0\x00",               // PINGRESP
		"\x20\x02\x00",           // truncated
		"\x20",
	} {
		if env, ok := DetectEnvelope([]byte(p), ctx); ok {
			t.Errorf("% x taken for an error: %+v", p, env)
		}
	}
}

func TestEnvelopeConventionAppliesOnAnyHost(t *testing.T) {
	p := []byte(`{"type":"error","data":{"code":4001,"message":"token expired"},"meta":{"request_id":"r"}}`)
	for _, ctx := range []EnvelopeContext{{}, {Host: "127.0.0.1:8080"}, {Subprotocol: "chat", Host: "api.example.com"}} {
		env, ok := DetectEnvelope(p, ctx)
		if !ok || env.Explanation.Name == "" {
			t.Errorf("%+v: detected %v, explanation %q", ctx, ok, env.Explanation.Name)
		}
	}
}
