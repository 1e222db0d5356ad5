package decode

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// allCauses lists every Cause constant with its kind, as conn/ reports them.
var allCauses = map[string]string{
	CauseHTTPStatus: KindHandshake, CauseRedirect: KindHandshake, CauseTooManyRedirects: KindHandshake,
	CauseMissingUpgrade: KindHandshake, CauseInvalidUpgrade: KindHandshake, CauseMissingConnection: KindHandshake,
	CauseInvalidConnection: KindHandshake, CauseMissingAccept: KindHandshake, CauseAcceptMismatch: KindHandshake,
	CauseUnofferedSubproto: KindHandshake, CauseUnofferedExtension: KindHandshake, CauseBadCompressionParam: KindHandshake,
	CauseBadResponse: KindHandshake, CauseResponseTooBig: KindHandshake, CauseBadURL: KindHandshake,
	CauseUnsupportedVersion: KindHandshake, CauseRequestTooBig: KindHandshake, CauseH2ConnectDisabled: KindHandshake,
	CauseH2BadConnect: KindHandshake, CauseMalformedHeader: KindHandshake, CauseHTTPAfterUpgrade: KindHandshake,
	CauseSlowUpgrade: KindTimeout,
	CauseDNSNotFound: KindDNS, CauseDNSTemporary: KindDNS,
	CauseConnRefused: KindRefused, CauseHostUnreachable: KindRefused,
	CauseConnectTimeout: KindTimeout, CauseHandshakeTimeout: KindTimeout, CauseIdleTimeout: KindTimeout, CausePongTimeout: KindTimeout,
	CauseProxyRefused: KindProxy, CauseProxyAuth: KindProxy, CauseProxyUnreachable: KindProxy, CauseProxyUnsupported: KindProxy,
	CauseConnReset: KindTransport, CauseEOFWithoutClose: KindTransport, CauseBrokenPipe: KindTransport,
	CauseWriteTimeout: KindTimeout, CauseNotReading: KindTransport, CauseUnsentDropped: KindTransport,
	CauseCloseUnanswered: KindTimeout, CauseStoppedOpening: KindTimeout,
	CauseTLSUnknownAuthority: KindTLS, CauseTLSNameMismatch: KindTLS, CauseTLSExpired: KindTLS,
	CauseTLSNotYetValid: KindTLS, CauseTLSHandshake: KindTLS, CauseTLSClientCert: KindTLS,
	CauseRSVWithoutExtension: KindProtocol, CauseReservedOpcode: KindProtocol, CauseFragmentedControl: KindProtocol,
	CauseOversizedControl: KindProtocol, CauseMaskedServerFrame: KindProtocol, CauseUnmaskedClientFrame: KindProtocol,
	CauseUnexpectedContinue:   KindProtocol,
	CauseDataInsideFragmented: KindProtocol, CauseNonMinimalLength: KindProtocol, CauseInvalidUTF8Text: KindProtocol,
	CauseInvalidUTF8Reason: KindProtocol, CauseOneByteClose: KindProtocol, CauseInvalidCloseCode: KindProtocol,
	CauseDataAfterClose: KindProtocol, CauseBadDeflate: KindProtocol,
	CauseMessageTooBig: KindLimit, CauseInflateTooBig: KindLimit,
}

func TestEveryCauseIsExplained(t *testing.T) {
	listed := map[string]bool{}
	for _, c := range Causes() {
		if listed[c.Cause] {
			t.Errorf("%s listed twice", c.Cause)
		}
		listed[c.Cause] = true
		if allCauses[c.Cause] != c.Kind {
			t.Errorf("%s: listed under %q, want %q", c.Cause, c.Kind, allCauses[c.Cause])
		}
	}
	for cause, kind := range allCauses {
		if !listed[cause] {
			t.Errorf("%s is not listed by Causes", cause)
		}
		e := ExplainFailure(Failure{Kind: kind, Cause: cause})
		if e.Name == "" || e.Explanation == "" || e.Hint == "" || e.Source == "" {
			t.Errorf("%s: incomplete explanation %+v", cause, e)
		}
		if e.Category != kind {
			t.Errorf("%s: category %q, want the kind %q", cause, e.Category, kind)
		}
	}
}

// The reference failure catalogue, row by row: each reason maps to a cause
// (and where it applies, the close code and the words that explain it).
func TestReferenceCatalogueRows(t *testing.T) {
	tests := []struct {
		row   string
		f     Failure
		code  int
		words string
	}{
		// parser errors
		{"protocol_error: RSV bits", Failure{Kind: KindProtocol, Cause: CauseRSVWithoutExtension}, 1002, "RSV1"},
		{"protocol_error: bad opcode", Failure{Kind: KindProtocol, Cause: CauseReservedOpcode, Opcode: 0xB}, 1002, "0xB"},
		{"protocol_error: non-minimal length", Failure{Kind: KindProtocol, Cause: CauseNonMinimalLength}, 1002, "more bytes than needed"},
		{"protocol_error: control frame > 125", Failure{Kind: KindProtocol, Cause: CauseOversizedControl, Length: 300}, 1002, "declared 300 bytes"},
		{"protocol_error: fragmented control", Failure{Kind: KindProtocol, Cause: CauseFragmentedControl}, 1002, "without FIN"},
		{"protocol_error: mask bit wrong", Failure{Kind: KindProtocol, Cause: CauseMaskedServerFrame}, 1002, "only clients mask"},
		{"protocol_error: continuation without start", Failure{Kind: KindProtocol, Cause: CauseUnexpectedContinue}, 1002, "no fragmented message"},
		{"protocol_error: data inside fragmented", Failure{Kind: KindProtocol, Cause: CauseDataInsideFragmented}, 1002, "still open"},
		{"protocol_error: one-byte close", Failure{Kind: KindProtocol, Cause: CauseOneByteClose}, 1002, "exactly one byte"},
		{"protocol_error: data after close", Failure{Kind: KindProtocol, Cause: CauseDataAfterClose}, 1002, "after the server's close"},
		{"invalid_utf8 in text", Failure{Kind: KindProtocol, Cause: CauseInvalidUTF8Text}, 1007, "UTF-8"},
		{"invalid_utf8 in close reason", Failure{Kind: KindProtocol, Cause: CauseInvalidUTF8Reason}, 1007, "reason"},
		{"message_too_big", Failure{Kind: KindLimit, Cause: CauseMessageTooBig, Length: 32 << 20, Limit: 16 << 20}, 1009, "It was 32 MiB; the limit is 16 MiB"},
		{"bad_close_code", Failure{Kind: KindProtocol, Cause: CauseInvalidCloseCode}, 1002, "1016–2999"},
		{"invalid compressed data", Failure{Kind: KindProtocol, Cause: CauseBadDeflate}, 1007, "did not inflate"},
		// HTTP/1.1 handshake, request side (seen by a client as a refusal)
		{"missing_upgrade_header (request)", Failure{Kind: KindHandshake, Cause: CauseHTTPStatus, Status: 400}, 0, "Upgrade or Connection headers that a proxy stripped"},
		{"missing_sec_websocket_key", Failure{Kind: KindHandshake, Cause: CauseHTTPStatus, Status: 400}, 0, "Sec-WebSocket-Key"},
		{"bad_sec_websocket_key", Failure{Kind: KindHandshake, Cause: CauseHTTPStatus, Status: 400}, 0, "16 bytes"},
		{"no_acceptable_subprotocol", Failure{Kind: KindHandshake, Cause: CauseHTTPStatus, Status: 400}, 0, "no_acceptable_subprotocol"},
		{"unsupported_version", Failure{Kind: KindHandshake, Cause: CauseUnsupportedVersion}, 0, "426"},
		// HTTP/1.1 handshake, response side
		{"unexpected_status", Failure{Kind: KindHandshake, Cause: CauseHTTPStatus, Status: 404}, 0, "path"},
		{"missing_upgrade_header (response)", Failure{Kind: KindHandshake, Cause: CauseMissingUpgrade}, 0, "Upgrade: websocket"},
		{"invalid_upgrade", Failure{Kind: KindHandshake, Cause: CauseInvalidUpgrade, Header: map[string]string{"Upgrade": "h2c"}}, 0, `Upgrade: "h2c"`},
		{"missing_connection_header", Failure{Kind: KindHandshake, Cause: CauseMissingConnection}, 0, "Connection: Upgrade"},
		{"invalid_connection", Failure{Kind: KindHandshake, Cause: CauseInvalidConnection, Header: map[string]string{"Connection": "close"}}, 0, `Connection: "close"`},
		{"missing_sec_websocket_accept", Failure{Kind: KindHandshake, Cause: CauseMissingAccept}, 0, "Sec-WebSocket-Accept"},
		{"sec_websocket_accept_mismatch", Failure{Kind: KindHandshake, Cause: CauseAcceptMismatch}, 0, "proxy"},
		// HTTP/2 and HTTP/3
		{"wrong_method", Failure{Kind: KindHandshake, Cause: CauseH2BadConnect}, 0, "wrong_method"},
		{"wrong_protocol", Failure{Kind: KindHandshake, Cause: CauseH2BadConnect}, 0, "wrong_protocol"},
		{"missing_scheme/authority/path", Failure{Kind: KindHandshake, Cause: CauseH2BadConnect}, 0, "missing_authority"},
		{"peer_does_not_allow_connect_protocol", Failure{Kind: KindHandshake, Cause: CauseH2ConnectDisabled}, 0, "SETTINGS_ENABLE_CONNECT_PROTOCOL"},
		// transport
		{"closed", Failure{Kind: KindTransport, Cause: CauseEOFWithoutClose}, 1006, "without a WebSocket close frame"},
		{"timeout during the client handshake", Failure{Kind: KindTimeout, Cause: CauseHandshakeTimeout}, 0, "no answer to the upgrade"},
		{"tls_alert", Failure{Kind: KindTLS, Cause: CauseTLSHandshake}, 1015, "alert"},
		// size limits
		{"handshake_too_big", Failure{Kind: KindHandshake, Cause: CauseRequestTooBig}, 0, "handshake_too_big"},
		{"handshake_response_too_big", Failure{Kind: KindHandshake, Cause: CauseResponseTooBig}, 0, "handshake_response_too_big"},
		{"inflate_too_big", Failure{Kind: KindLimit, Cause: CauseInflateTooBig, Limit: 1 << 20}, 1009, "1 MiB"},
	}
	for _, tt := range tests {
		t.Run(tt.row, func(t *testing.T) {
			e := ExplainFailure(tt.f)
			if e.Code != tt.code {
				t.Errorf("code %d, want %d", e.Code, tt.code)
			}
			if !strings.Contains(e.Explanation, tt.words) {
				t.Errorf("explanation lacks %q: %q", tt.words, e.Explanation)
			}
		})
	}
}

func TestHTTPStatusOnUpgrade(t *testing.T) {
	tests := []struct {
		name      string
		f         Failure
		title     string
		explains  string
		hint      string
		reconnect bool
	}{
		{"400 with Engine.IO body", Failure{Status: 400, Body: `{"code":5,"message":"Unsupported protocol version"}`},
			"Upgrade refused: 400 Bad Request", "EIO=3", "EIO=4", false},
		{"401 without credentials", Failure{Status: 401}, "Upgrade refused: 401 Unauthorized", "No Authorization header or cookie was sent", "Send the credentials", false},
		{"401 with credentials", Failure{Status: 401, SentAuth: true, Header: map[string]string{"Www-Authenticate": `Bearer error="invalid_token"`}},
			"Upgrade refused: 401 Unauthorized", "probably expired", "fresh token", false},
		{"403 with an Origin", Failure{Status: 403, Origin: "http://localhost:3000"}, "Upgrade refused: 403 Forbidden", `the Origin sent was "http://localhost:3000"`, "Origin the server allows", false},
		{"403 without an Origin", Failure{Status: 403}, "Upgrade refused: 403 Forbidden", "no Origin header was sent", "Origin", false},
		{"404", Failure{Status: 404}, "Upgrade refused: 404 Not Found", "at this path", "path", false},
		{"404 from ActionCable refusing the Origin", Failure{Status: 404, URL: "wss://app.example.com/cable?token=x", Body: "Page not found"},
			"Upgrade refused: 404 Not Found", "no Origin header was sent", "allowed_request_origins", false},
		{"403 from a Phoenix socket", Failure{Status: 403, URL: "wss://app.example.com/socket/websocket?vsn=2.0.0&token=x", Origin: "https://evil.example"},
			"Upgrade refused: 403 Forbidden", `connect/3 refused the connection, most often for a missing or expired token in the query parameters, or when check_origin refused the Origin (the Origin sent was "https://evil.example")`, "connect/3", false},
		{"404 with ActionCable's words elsewhere", Failure{Status: 404, URL: "wss://app.example.com/ws", Body: "Page not found"},
			"Upgrade refused: 404 Not Found", "at this path", "path", false},
		{"405", Failure{Status: 405}, "Upgrade refused: 405 Method Not Allowed", "GET upgrade", "proxy", false},
		{"426", Failure{Status: 426, Header: map[string]string{"Sec-Websocket-Version": "8, 7"}}, "Upgrade refused: 426 Upgrade Required", `Sec-WebSocket-Version: 8, 7`, "Version 13", false},
		{"429 with Retry-After", Failure{Status: 429, RetryAfter: "30"}, "Upgrade refused: 429 Too Many Requests", "rate limiting", "Retry-After: 30", true},
		{"431", Failure{Status: 431}, "Upgrade refused: 431 Request Header Fields Too Large", "cookies", "smaller", false},
		{"500", Failure{Status: 500}, "Upgrade refused: 500 Internal Server Error", "exception", "logs", true},
		{"502", Failure{Status: 502}, "Upgrade refused: 502 Bad Gateway", "proxy_http_version 1.1", "upstream", true},
		{"503 with Retry-After", Failure{Status: 503, RetryAfter: "Wed, 21 Oct 2026 07:28:00 GMT"}, "Upgrade refused: 503 Service Unavailable", "maintenance", "Retry-After: Wed, 21 Oct 2026 07:28:00 GMT", true},
		{"504", Failure{Status: 504}, "Upgrade refused: 504 Gateway Timeout", "in time", "upstream", true},
		{"200", Failure{Status: 200, Body: "<!doctype html><title>App</title>"}, "Upgrade ignored: 200 OK", "not a WebSocket endpoint", "proxy_set_header Upgrade", false},
		{"302 without -L", Failure{Status: 302, Location: "https://example.com/login?next=/ws", URL: "wss://example.com/ws"}, "Upgrade redirected: 302 Found", "https://example.com/login", "-L", false},
		{"418", Failure{Status: 418}, "Upgrade refused: 418 I'm a teapot", "client error", "status", false},
		{"599", Failure{Status: 599}, "Upgrade refused: 599 (non-standard status)", "failed to handle", "logs", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.f.Kind, tt.f.Cause = KindHandshake, CauseHTTPStatus
			e := ExplainFailure(tt.f)
			if e.Name != tt.title {
				t.Errorf("name %q, want %q", e.Name, tt.title)
			}
			if !strings.Contains(e.Explanation, tt.explains) {
				t.Errorf("explanation lacks %q: %q", tt.explains, e.Explanation)
			}
			if !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("hint lacks %q: %q", tt.hint, e.Hint)
			}
			if e.Reconnect != tt.reconnect {
				t.Errorf("reconnect %v", e.Reconnect)
			}
		})
	}
}

func TestRedirectSuggestsFollowingIt(t *testing.T) {
	e := ExplainFailure(Failure{Kind: KindHandshake, Cause: CauseRedirect, Status: 301, Location: "https://new.example.com/socket"})
	if e.Name != "Upgrade redirected: 301 Moved Permanently" || !strings.Contains(e.Explanation, "https://new.example.com/socket") {
		t.Fatalf("redirect: %+v", e)
	}
	if !strings.Contains(e.Hint, "`-L`") || !strings.Contains(e.Hint, "wss://new.example.com/socket") {
		t.Fatalf("hint: %q", e.Hint)
	}
	e = ExplainFailure(Failure{Kind: KindHandshake, Cause: CauseRedirect, Status: 308, Location: "/v2/socket", URL: "wss://api.example.com/socket"})
	if !strings.Contains(e.Hint, "wss://api.example.com/v2/socket") {
		t.Fatalf("relative Location not resolved: %q", e.Hint)
	}
	e = ExplainFailure(Failure{Kind: KindHandshake, Cause: CauseRedirect, Status: 302, Location: "http://example.com/signin"})
	if !strings.Contains(e.Hint, "ws://example.com/signin") || !strings.Contains(e.Hint, "login page") {
		t.Fatalf("hint: %q", e.Hint)
	}
}

func TestFailureContextSharpensTheExplanation(t *testing.T) {
	tests := []struct {
		f     Failure
		words []string
	}{
		{Failure{Kind: KindTLS, Cause: CauseTLSUnknownAuthority, CertIssuer: "CN=Corp Proxy CA"}, []string{`"CN=Corp Proxy CA"`, "`--cacert ca.pem`", "`--insecure`"}},
		{Failure{Kind: KindTLS, Cause: CauseTLSNameMismatch, CertDNSNames: []string{"api.example.com", "*.example.net"}}, []string{"It covers: api.example.com, *.example.net."}},
		{Failure{Kind: KindTLS, Cause: CauseTLSNameMismatch, CertSubject: "CN=localhost"}, []string{`"CN=localhost"`, "no DNS names"}},
		{Failure{Kind: KindTLS, Cause: CauseTLSExpired, CertNotAfter: "2024-01-31T23:59:59Z"}, []string{"It expired at 2024-01-31T23:59:59Z."}},
		{Failure{Kind: KindTLS, Cause: CauseTLSNotYetValid, CertNotBefore: "2030-01-01T00:00:00Z"}, []string{"valid from 2030-01-01T00:00:00Z"}},
		{Failure{Kind: KindHandshake, Cause: CauseUnofferedSubproto, Chosen: "graphql-ws", Offered: []string{"graphql-transport-ws"}}, []string{`It chose "graphql-ws"; the client offered "graphql-transport-ws".`}},
		{Failure{Kind: KindHandshake, Cause: CauseUnofferedExtension, Chosen: "permessage-deflate"}, []string{`"permessage-deflate"; the client offered none`, "RSV1"}},
		{Failure{Kind: KindHandshake, Cause: CauseBadCompressionParam, Header: map[string]string{"Sec-Websocket-Extensions": "permessage-deflate; server_max_window_bits=20"}}, []string{"server_max_window_bits=20"}},
		{Failure{Kind: KindHandshake, Cause: CauseBadCompressionParam, Header: map[string]string{"Sec-Websocket-Extensions": "permessage-deflate"}}, []string{"no_context_takeover", `"permessage-deflate"`}},
		{Failure{Kind: KindHandshake, Cause: CauseResponseTooBig, Limit: 1 << 20}, []string{"The limit is 1 MiB."}},
		{Failure{Kind: KindHandshake, Cause: CauseBadURL, URL: "ftp://x"}, []string{`"ftp://x"`}},
		{Failure{Kind: KindProxy, Cause: CauseProxyRefused, Status: 403}, []string{"It answered 403 Forbidden."}},
	}
	for _, tt := range tests {
		e := ExplainFailure(tt.f)
		for _, w := range tt.words {
			if !strings.Contains(e.Explanation+" "+e.Hint, w) {
				t.Errorf("%s: lacks %q: %q / %q", tt.f.Cause, w, e.Explanation, e.Hint)
			}
		}
	}
}

func TestFailureCodeFromConnWins(t *testing.T) {
	if e := ExplainFailure(Failure{Kind: KindProtocol, Cause: CauseBadDeflate, Code: 1002}); e.Code != 1002 {
		t.Fatalf("Code = %d, want the 1002 conn reported", e.Code)
	}
}

func TestUnknownCauseFallsBackToTheKind(t *testing.T) {
	e := ExplainFailure(Failure{Kind: KindTransport, Cause: "something-new", Message: "read: \x1b[31mboom"})
	if e.Category != KindTransport || !e.Reconnect || !strings.Contains(e.Explanation, "transport") {
		t.Fatalf("fallback: %+v", e)
	}
	checkSafe(t, "fallback", e.Explanation)
}

func TestFailureTextIsSanitised(t *testing.T) {
	e := ExplainFailure(Failure{Kind: KindHandshake, Cause: CauseHTTPStatus, Status: 403,
		Origin: "x\u202e", Body: "denied\x1b[2J\nnext line", Header: map[string]string{"Www-Authenticate": "\u0085"}})
	checkSafe(t, "explanation", e.Explanation)
	e = ExplainFailure(Failure{Kind: KindTLS, Cause: CauseTLSNameMismatch, CertDNSNames: []string{"a\x00b"}})
	checkSafe(t, "explanation", e.Explanation)
}

func TestFailureAndExplanationJSONKeys(t *testing.T) {
	f := Failure{Kind: KindTLS, Cause: CauseTLSExpired, Code: 1015, Status: 1, Message: "m", URL: "u", Location: "l",
		RetryAfter: "r", Header: map[string]string{"A": "b"}, Body: "b", Origin: "o", SentAuth: true, Offered: []string{"x"},
		Chosen: "c", CertSubject: "s", CertIssuer: "i", CertNotAfter: "a", CertNotBefore: "b", CertDNSNames: []string{"d"},
		Opcode: 1, Length: 1, Limit: 1, IdleSeconds: 1, PingsOn: true, Proxy: "nginx", EarlierDrops: []float64{60}}
	tests := []struct {
		value any
		keys  string
	}{
		{f, "body cause cert_dns_names cert_issuer cert_not_after cert_not_before cert_subject chosen code earlier_drops header idle_seconds kind length limit location message offered opcode origin pings_on proxy retry_after sent_auth status url"},
		{ExplainFailure(f), "category code explanation hint name reconnect source"},
		{ExplainClose(4401, "", CloseContext{Subprotocol: "graphql-transport-ws"}), "category code dialect explanation hint name reconnect source"},
		{Codes()[0], "category causes first hint last meaning name on_wire reconnect source"},
		{Causes()[0], "cause kind name"},
	}
	for _, tt := range tests {
		data, err := json.Marshal(tt.value)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatal(err)
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if got := strings.Join(keys, " "); got != tt.keys {
			t.Errorf("%T keys:\n got %s\nwant %s", tt.value, got, tt.keys)
		}
	}
}

// A drop seen by the transport is a 1006 like a close without a frame, and
// gets the same diagnosis from the quiet period, the proxy in front and the
// drops before it.
func TestTransportDropsAreDiagnosed(t *testing.T) {
	tests := []struct {
		name     string
		f        Failure
		explains []string
		hint     []string
		avoid    []string
	}{
		{"nginx default timeout, eof", Failure{Kind: KindTransport, Cause: CauseEOFWithoutClose, IdleSeconds: 60.059, Proxy: "nginx"},
			[]string{"without a WebSocket close frame", "quiet for 60s with no pings, and nginx is in front", "proxy_read_timeout defaults to 60s"},
			[]string{"`--ping 30s`", "raise proxy_read_timeout"}, nil},
		{"nginx, reset after a short quiet", Failure{Kind: KindTransport, Cause: CauseConnReset, IdleSeconds: 12, Proxy: "nginx"},
			[]string{"reset the TCP connection", "can be set shorter, and this drop came after 12s of quiet with no pings"},
			[]string{"logs", "proxy_read_timeout"}, []string{"most likely", "probably not"}},
		{"Cloudflare limit, broken pipe", Failure{Kind: KindTransport, Cause: CauseBrokenPipe, IdleSeconds: 100.4, Proxy: "cloudflare"},
			[]string{"Cloudflare is in front"}, []string{"Enterprise"}, nil},
		{"repeating drops without a proxy", Failure{Kind: KindTransport, Cause: CauseEOFWithoutClose, IdleSeconds: 75, EarlierDrops: []float64{74.6}},
			[]string{"The drop before it in this session also came after about 75s", "fixed idle timeout"}, []string{"`--ping 30s`"}, nil},
		{"ALB signs, no quiet period known", Failure{Kind: KindTransport, Cause: CauseEOFWithoutClose, Proxy: "aws-alb"},
			[]string{"An AWS Application Load Balancer is in front", "is not known"}, []string{"idle_timeout.timeout_seconds"}, []string{"most likely"}},
		{"pinging and busy", Failure{Kind: KindTransport, Cause: CauseConnReset, IdleSeconds: 0.3, PingsOn: true},
			[]string{"Traffic was flowing until 300ms"}, []string{"logs"}, []string{"idle timeout of"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ExplainFailure(tt.f)
			if e.Code != 1006 || !e.Reconnect {
				t.Errorf("code %d reconnect %v, want 1006 and a reconnect", e.Code, e.Reconnect)
			}
			for _, w := range tt.explains {
				if !strings.Contains(e.Explanation, w) {
					t.Errorf("explanation lacks %q: %q", w, e.Explanation)
				}
			}
			for _, w := range tt.hint {
				if !strings.Contains(e.Hint, w) {
					t.Errorf("hint lacks %q: %q", w, e.Hint)
				}
			}
			for _, w := range tt.avoid {
				if strings.Contains(e.Explanation, w) {
					t.Errorf("explanation says %q without grounds: %q", w, e.Explanation)
				}
			}
		})
	}
}

func TestNewConnectionFailuresAreNamedAndQuoted(t *testing.T) {
	tests := []struct {
		name      string
		f         Failure
		title     string
		words     []string
		hint      string
		reconnect bool
	}{
		{"engine.io answering 400 after its 101", Failure{Kind: KindHandshake, Cause: CauseHTTPAfterUpgrade, Status: 400,
			Raw:  `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n\r\n{"code":5,"message":"Unsupported protocol version"}`,
			Body: `{"code":5,"message":"Unsupported protocol version"}`},
			"HTTP response after the upgrade: 400 Bad Request",
			[]string{"wrote an HTTP response after the upgrade", `status line is "HTTP/1.1 400 Bad Request"`, `"{"code":5,"message":"Unsupported protocol version"}"`, "EIO=3"},
			"EIO=4", false},
		{"socket.io 4 refusing EIO=3 on its WebSocket transport", Failure{Kind: KindHandshake, Cause: CauseHTTPAfterUpgrade, Status: 400,
			Raw:  `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-type: text/html\r\nContent-Length: 28\r\n\r\nUnsupported protocol version`,
			Body: `Unsupported protocol version`},
			"HTTP response after the upgrade: 400 Bad Request",
			[]string{"It is an Engine.IO error: Unsupported protocol version (5)", "EIO=3"}, "EIO=4", false},
		{"503 after the 101 is worth a retry", Failure{Kind: KindHandshake, Cause: CauseHTTPAfterUpgrade, Status: 503, Raw: `HTTP/1.0 503 Busy\n\n`},
			"HTTP response after the upgrade: 503 Service Unavailable", []string{`status line is "HTTP/1.0 503 Busy"`}, "status line and the body", true},
		{"malformed header", Failure{Kind: KindHandshake, Cause: CauseMalformedHeader, Raw: `X-Bad Header: 1`},
			"Malformed response header", []string{`The offending line is "X-Bad Header: 1".`}, "curl -i", false},
		{"slow upgrade", Failure{Kind: KindTimeout, Cause: CauseSlowUpgrade, TimeoutSeconds: 10, Length: 37},
			"Upgrade response too slow", []string{"did not complete within --connect-timeout", "The timeout was 10s; 37 B of the response had arrived."}, "--connect-timeout", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ExplainFailure(tt.f)
			if e.Name != tt.title {
				t.Errorf("name %q, want %q", e.Name, tt.title)
			}
			for _, w := range tt.words {
				if !strings.Contains(e.Explanation, w) {
					t.Errorf("explanation lacks %q: %q", w, e.Explanation)
				}
			}
			if !strings.Contains(e.Hint, tt.hint) {
				t.Errorf("hint lacks %q: %q", tt.hint, e.Hint)
			}
			if e.Reconnect != tt.reconnect {
				t.Errorf("reconnect %v, want %v", e.Reconnect, tt.reconnect)
			}
			checkSafe(t, tt.name, e.Explanation)
		})
	}
}

func TestWaitingMessagesAreCounted(t *testing.T) {
	tests := []struct {
		f     Failure
		name  string
		words []string
	}{
		{Failure{Kind: KindTimeout, Cause: CauseWriteTimeout, Waiting: 12, WaitingBytes: 3565158, StalledSeconds: 10},
			"Write timeout", []string{"stopped taking data", "Nothing went out for 10s.", "12 messages (3.4 MiB) had not gone out."}},
		{Failure{Kind: KindTransport, Cause: CauseNotReading, Waiting: 1, WaitingBytes: 512, StalledSeconds: 3.04},
			"not reading", []string{"Nothing went out for 3s.", "1 message (512 B) is waiting."}},
		{Failure{Kind: KindTransport, Cause: CauseNotReading, Waiting: 300, WaitingBytes: 20 << 20},
			"not reading", []string{"300 messages (20 MiB) are waiting."}},
		{Failure{Kind: KindTransport, Cause: CauseUnsentDropped, Waiting: 2, WaitingBytes: 2048},
			"dropped", []string{"2 messages (2 KiB) were dropped."}},
	}
	for _, tt := range tests {
		e := ExplainFailure(tt.f)
		if !strings.Contains(e.Name, tt.name) {
			t.Errorf("%s: name %q, want it to mention %q", tt.f.Cause, e.Name, tt.name)
		}
		for _, w := range tt.words {
			if !strings.Contains(e.Explanation, w) {
				t.Errorf("%s: %q does not say %q", tt.f.Cause, e.Explanation, w)
			}
		}
	}
	if e := ExplainFailure(Failure{Kind: KindTimeout, Cause: CauseWriteTimeout}); strings.Contains(e.Name, "Idle") || !e.Reconnect || e.Code != 1006 {
		t.Errorf("write timeout explained as %+v", e)
	}
}

// A proxied application's violation is told as the client's, with a hint
// for whoever wrote the application, not advice about servers.
func TestFromProxiedClient(t *testing.T) {
	f := Failure{Kind: KindProtocol, Cause: CauseMaskedServerFrame}
	ex := FromProxiedClient(f, ExplainFailure(f))
	if ex.Source != SourceClient || strings.Contains(ex.Explanation, "server's") || !strings.Contains(ex.Hint, "application") {
		t.Errorf("%+v", ex)
	}
	drop := Failure{Kind: KindTransport, Cause: CauseEOFWithoutClose}
	if got, want := FromProxiedClient(drop, ExplainFailure(drop)), ExplainFailure(drop); got != want {
		t.Errorf("a drop changed: %+v", got)
	}
}
