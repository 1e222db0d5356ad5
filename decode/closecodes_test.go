package decode

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// The standard codes as the reference tables give them: name, who sends
// them, whether they are legal on the wire, and whether to reconnect.
func TestStandardCodes(t *testing.T) {
	tests := []struct {
		code      int
		name      string
		category  string
		source    string
		onWire    bool
		reconnect bool
	}{
		{1000, "Normal Closure", CategoryStandard, SourceEither, true, false},
		{1001, "Going Away", CategoryStandard, SourceEither, true, true},
		{1002, "Protocol Error", CategoryStandard, SourceEither, true, false},
		{1003, "Unsupported Data", CategoryStandard, SourceEither, true, false},
		{1004, "Reserved", CategoryReserved, SourceNobody, false, false},
		{1005, "No Status Received", CategoryLocalOnly, SourceLocal, false, true},
		{1006, "Abnormal Closure", CategoryLocalOnly, SourceLocal, false, true},
		{1007, "Invalid Frame Payload Data", CategoryStandard, SourceEither, true, false},
		{1008, "Policy Violation", CategoryStandard, SourceEither, true, false},
		{1009, "Message Too Big", CategoryStandard, SourceEither, true, false},
		{1010, "Mandatory Extension", CategoryStandard, SourceClient, true, false},
		{1011, "Internal Error", CategoryStandard, SourceServer, true, true},
		{1012, "Service Restart", CategoryStandard, SourceServer, true, true},
		{1013, "Try Again Later", CategoryStandard, SourceServer, true, true},
		{1014, "Bad Gateway", CategoryStandard, SourceServer, true, true},
		{1015, "TLS Handshake Failure", CategoryLocalOnly, SourceLocal, false, false},
	}
	for _, tt := range tests {
		e := ExplainClose(tt.code, "", CloseContext{})
		if e.Name != tt.name || e.Category != tt.category || e.Source != tt.source || e.Reconnect != tt.reconnect || e.Code != tt.code {
			t.Errorf("%d: got %q %s %q reconnect=%v", tt.code, e.Name, e.Category, e.Source, e.Reconnect)
		}
		if ValidOnWire(tt.code) != tt.onWire {
			t.Errorf("%d: ValidOnWire = %v", tt.code, !tt.onWire)
		}
		if e.Explanation == "" || e.Hint == "" || e.Dialect != "" {
			t.Errorf("%d: incomplete: %+v", tt.code, e)
		}
		if !tt.reconnect && tt.category == CategoryStandard && !strings.Contains(strings.ToLower(e.Hint), "reconnect") {
			t.Errorf("%d: the hint should say why not to reconnect: %q", tt.code, e.Hint)
		}
	}
}

func TestValidOnWire(t *testing.T) {
	valid := []int{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}
	// The reserved and undefined codes a close frame may not carry.
	invalid := []int{-1, 0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535, 65536}
	for _, c := range valid {
		if !ValidOnWire(c) {
			t.Errorf("ValidOnWire(%d) = false", c)
		}
	}
	for _, c := range invalid {
		if ValidOnWire(c) {
			t.Errorf("ValidOnWire(%d) = true", c)
		}
	}
}

func TestCodeRanges(t *testing.T) {
	tests := []struct {
		code     int
		name     string
		category string
		says     string
	}{
		{0, "Unused (0–999)", CategoryInvalid, "below 1000"},
		{999, "Unused (0–999)", CategoryInvalid, "below 1000"},
		{1016, "Reserved for future use (1016–2999)", CategoryInvalid, "never valid"},
		{2999, "Reserved for future use (1016–2999)", CategoryInvalid, "never valid"},
		{3000, "Unauthorized", CategoryRegistered, "HTTP 401"},
		{3003, "Forbidden", CategoryRegistered, "HTTP 403"},
		{3008, "Timeout", CategoryRegistered, "HTTP 408"},
		{3001, "Registered (3000–3999)", CategoryRegistered, "IANA"},
		{3999, "Registered (3000–3999)", CategoryRegistered, "IANA"},
		{4000, "Application Reserved Start (Service)", CategoryPrivate, "by a common convention (not a standard)"},
		{4004, "Private code 4004", CategoryPrivate, "set by the service"},
		{4999, "Private code 4999", CategoryPrivate, "set by the service"},
		{5000, "Out of range (5000–65535)", CategoryInvalid, "never valid"},
		{65535, "Out of range (5000–65535)", CategoryInvalid, "never valid"},
		{70000, "Not a close code", CategoryInvalid, "16 bits"},
		{-3, "Not a close code", CategoryInvalid, "16 bits"},
	}
	for _, tt := range tests {
		e := ExplainClose(tt.code, "", CloseContext{})
		if e.Name != tt.name || e.Category != tt.category || !strings.Contains(e.Explanation, tt.says) {
			t.Errorf("%d: got %q %s %q", tt.code, e.Name, e.Category, e.Explanation)
		}
	}
}

func TestCodesCoverEveryCodeAndAgreeWithValidOnWire(t *testing.T) {
	codes := Codes()
	for c := 0; c <= 65535; c++ {
		var rows []CodeInfo
		for _, r := range codes {
			if c >= r.First && c <= r.Last {
				rows = append(rows, r)
			}
		}
		if len(rows) == 0 {
			t.Fatalf("code %d is in no row", c)
		}
		for _, r := range rows {
			if r.OnWire != ValidOnWire(c) {
				t.Fatalf("code %d: row %q says OnWire=%v, ValidOnWire says %v", c, r.Name, r.OnWire, ValidOnWire(c))
			}
		}
		// Only the registered codes and the convention's private codes
		// sit inside a range row as well.
		if len(rows) > 1 && !(len(rows) == 2 && (rows[0].Category == CategoryRegistered || rows[1].Dialect == conventionDialect)) {
			t.Fatalf("code %d is in %d rows", c, len(rows))
		}
	}
	for i := 1; i < len(codes); i++ {
		if codes[i].First < codes[i-1].First {
			t.Fatalf("Codes not ordered at %d", codes[i].First)
		}
	}
}

func TestPeerSendingAnIllegalCodeIsCalledOut(t *testing.T) {
	for _, code := range []int{999, 1004, 1015, 1016, 2999, 5000} {
		e := ExplainClose(code, "", CloseContext{Remote: true})
		if !strings.Contains(e.Explanation, "RFC 6455 forbids") || e.Reconnect {
			t.Errorf("%d from the peer: %q", code, e.Explanation)
		}
	}
	// 1005 and 1006 are what a receiver reports; they are not claims
	// about the peer.
	for _, code := range []int{1005, 1006} {
		if e := ExplainClose(code, "", CloseContext{Remote: true}); strings.Contains(e.Explanation, "forbids") {
			t.Errorf("%d: %q", code, e.Explanation)
		}
	}
	if e := ExplainClose(5000, "", CloseContext{}); strings.Contains(e.Explanation, "forbids") {
		t.Errorf("a local lookup is not a peer's violation: %q", e.Explanation)
	}
}

func TestAbnormalClosureDiagnosis(t *testing.T) {
	tests := []struct {
		name      string
		ctx       CloseContext
		explains  []string
		hint      []string
		avoid     []string // words that would blame something without grounds
		unchanged bool
	}{
		{"nginx or ALB timeout", CloseContext{IdleSeconds: 60.4},
			[]string{"quiet for 60s", "nginx (60s)", "AWS Application Load Balancer (60s)", "a proxy most likely cut it"},
			[]string{"`--ping 30s`", "proxy_read_timeout", "idle_timeout.timeout_seconds"}, nil, false},
		{"Heroku", CloseContext{IdleSeconds: 55.7}, []string{"Heroku router (55s)"}, []string{"`--ping 20s`"}, nil, false},
		{"Cloudflare", CloseContext{IdleSeconds: 101}, []string{"Cloudflare (100s)"}, []string{"`--ping 30s`"}, nil, false},
		{"Azure", CloseContext{IdleSeconds: 241}, []string{"Azure Load Balancer (240s)", "4m01s"}, []string{"TCP idle timeout"}, nil, false},
		{"API Gateway", CloseContext{IdleSeconds: 600}, []string{"AWS API Gateway (600s)"}, []string{"`--ping 30s`"}, nil, false},
		{"pings were on", CloseContext{IdleSeconds: 60, PingsOn: true},
			[]string{"but pings were on"}, []string{"ping interval is shorter"}, nil, false},
		{"busy connection", CloseContext{IdleSeconds: 0.8}, []string{"Traffic was flowing until 800ms", "crash"}, []string{"logs"}, nil, false},
		{"long quiet period no match", CloseContext{IdleSeconds: 45}, []string{"quiet for 45s with no pings"}, []string{"`--ping 20s`"}, nil, false},
		{"unknown idle time", CloseContext{}, nil, nil, nil, true},
		{"quiet but pinging, no match", CloseContext{IdleSeconds: 45, PingsOn: true}, nil, nil, nil, true},

		// The proxy in front, from the upgrade response's headers.
		{"nginx in front at its default", CloseContext{IdleSeconds: 60.059, Proxy: "nginx"},
			[]string{"quiet for 60s with no pings, and nginx is in front", "proxy_read_timeout defaults to 60s", "most likely cut the connection"},
			[]string{"`--ping 30s`", "raise proxy_read_timeout"}, []string{"Application Load Balancer", "Heroku"}, false},
		{"nginx in front, short quiet", CloseContext{IdleSeconds: 12, Proxy: "nginx"},
			[]string{"nginx is in front; its proxy_read_timeout defaults to 60s, but it can be set shorter, and this drop came after 12s of quiet with no pings.",
				"A timeout set that short on nginx, a server crash or restart"},
			[]string{"`--ping 5s`", "raise proxy_read_timeout", "logs"}, []string{"most likely", "probably not", "unlikely"}, false},
		{"nginx set to 2s, first drop", CloseContext{IdleSeconds: 2.05, Proxy: "nginx"},
			[]string{"can be set shorter", "after 2s of quiet with no pings", "a second drop after the same quiet period"},
			[]string{"`--ping 1s`", "proxy_read_timeout"}, []string{"most likely", "probably not", "unlikely", "Traffic was flowing"}, false},
		{"nginx set to 2s, drops repeat", CloseContext{IdleSeconds: 2.02, Proxy: "nginx", EarlierDrops: []float64{2.01, 2.03}},
			[]string{"fixed idle timeout on the path", "is the likely cause"},
			[]string{"`--ping 1s`", "raise proxy_read_timeout"}, []string{"probably not", "unlikely"}, false},
		{"nginx in front, busy, pings on", CloseContext{IdleSeconds: 0.5, Proxy: "nginx", PingsOn: true},
			[]string{"pings were on, so it is probably not that", "Traffic was flowing until 500ms"}, []string{"logs"}, []string{"most likely"}, false},
		{"nginx in front, Cloudflare-like quiet", CloseContext{IdleSeconds: 100.5, Proxy: "nginx"},
			[]string{"can be set shorter", "Cloudflare (100s): something further along the path may have cut it"}, nil, []string{"most likely"}, false},
		{"nginx in front, pings on", CloseContext{IdleSeconds: 60.2, Proxy: "nginx", PingsOn: true},
			[]string{"nginx is in front", "but pings were on"}, []string{"pongs came back"}, []string{"most likely"}, false},
		{"Envoy at its default", CloseContext{IdleSeconds: 301, Proxy: "envoy"},
			[]string{"Envoy is in front", "stream_idle_timeout defaults to 5 minutes"}, []string{"`--ping 30s`", "raise stream_idle_timeout"}, nil, false},
		{"ALB at its default", CloseContext{IdleSeconds: 61, Proxy: "aws-alb"},
			[]string{"an AWS Application Load Balancer is in front"}, []string{"idle_timeout.timeout_seconds"}, []string{"nginx"}, false},
		{"Cloudflare at its limit", CloseContext{IdleSeconds: 100.3, Proxy: "cloudflare"},
			[]string{"Cloudflare is in front", "100s"}, []string{"`--ping 30s`", "Enterprise"}, nil, false},
		{"proxy known, quiet unknown", CloseContext{Proxy: "nginx"},
			[]string{"nginx is in front", "is not known"}, []string{"after 60s of quiet", "`--ping 30s`", "proxy_read_timeout"}, []string{"most likely"}, false},
		{"unknown proxy name", CloseContext{Proxy: "\x1b[31mnope"}, nil, nil, nil, true},

		// Drops that repeat after the same quiet period.
		{"drops repeat", CloseContext{IdleSeconds: 42, EarlierDrops: []float64{41.8, 42.3}},
			[]string{"2 earlier drops in this session also came after about 42s of quiet", "fixed idle timeout"}, []string{"`--ping 20s`"}, nil, false},
		{"drop repeats behind HAProxy", CloseContext{IdleSeconds: 50, Proxy: "haproxy", EarlierDrops: []float64{50.4}},
			[]string{"HAProxy is in front", "The drop before it in this session also came after about 50s"}, []string{"`--ping 20s`", "timeout tunnel"}, nil, false},
		{"drops at other periods", CloseContext{IdleSeconds: 42, EarlierDrops: []float64{10, 90}},
			[]string{"quiet for 42s with no pings;"}, []string{"`--ping 20s`"}, []string{"earlier drops", "drop before it"}, false},
		{"busy drops repeat", CloseContext{IdleSeconds: 1, EarlierDrops: []float64{1}},
			[]string{"Traffic was flowing"}, nil, []string{"drop before it"}, false},
		{"nginx default and repeating", CloseContext{IdleSeconds: 60.1, Proxy: "nginx", EarlierDrops: []float64{59.9, 60.3, 60}},
			[]string{"nginx is in front", "3 earlier drops"}, []string{"proxy_read_timeout"}, nil, false},
	}
	base := ExplainClose(1006, "", CloseContext{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ExplainClose(1006, "", tt.ctx)
			if tt.unchanged {
				if e != base {
					t.Fatalf("diagnosis added without grounds: %q", e.Explanation)
				}
				return
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
			if !e.Reconnect {
				t.Error("1006 should still reconnect")
			}
		})
	}
}

func TestDetectProxy(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		want   string
	}{
		{"nginx", http.Header{"Server": {"nginx"}}, "nginx"},
		{"nginx with version", http.Header{"Server": {"nginx/1.25.3"}}, "nginx"},
		{"OpenResty", http.Header{"Server": {"openresty/1.21.4.1"}}, "nginx"},
		{"Envoy", http.Header{"Server": {"envoy"}}, "envoy"},
		{"Envoy by its upstream time", http.Header{"X-Envoy-Upstream-Service-Time": {"3"}}, "envoy"},
		{"Istio", http.Header{"Server": {"istio-envoy"}}, "envoy"},
		{"HAProxy", http.Header{"Server": {"HAProxy"}}, "haproxy"},
		{"AWS ALB", http.Header{"Server": {"awselb/2.0"}}, "aws-alb"},
		{"AWS ALB by trace id", http.Header{"X-Amzn-Trace-Id": {"Root=1-67891233-abcdef012345678912345678"}}, "aws-alb"},
		{"API Gateway", http.Header{"X-Amz-Apigw-Id": {"abc="}, "X-Amzn-Trace-Id": {"Root=1-2"}}, "aws-api-gateway"},
		{"Cloudflare", http.Header{"Server": {"cloudflare"}}, "cloudflare"},
		{"Cloudflare by ray, nginx behind", http.Header{"Cf-Ray": {"8a1b2c3d4e5f6789-AMS"}, "Server": {"nginx"}}, "cloudflare"},
		{"Heroku", http.Header{"Via": {"1.1 vegur"}}, "heroku"},
		{"plain server", http.Header{"Server": {"Kestrel"}}, ""},
		{"nginx-like name", http.Header{"Server": {"nginxish"}}, ""},
		{"nothing", nil, ""},
	}
	for _, tt := range tests {
		if got := DetectProxy(tt.header); got != tt.want {
			t.Errorf("%s: DetectProxy = %q, want %q", tt.name, got, tt.want)
		}
		if tt.want != "" {
			if _, ok := proxyByID(tt.want); !ok {
				t.Errorf("%s: %q has no timeout entry", tt.name, tt.want)
			}
		}
	}
}

// Advice that depends on who sent the close, and on what the client offered.
func TestCloseAdviceDependsOnTheConnection(t *testing.T) {
	none := CloseContext{Remote: true, OfferedKnown: true}
	offered := CloseContext{Remote: true, OfferedKnown: true, Offered: []string{"chat.v1"}}
	tests := []struct {
		name     string
		code     int
		reason   string
		ctx      CloseContext
		explains []string
		hint     []string
		avoid    []string // in the hint
	}{
		{"1009 from the server", 1009, "", CloseContext{Remote: true},
			[]string{"The server sent it", "over the server's limit"}, []string{"Send smaller messages", "does not help here"}, []string{"raise the limit with"}},
		{"1009 from the client", 1009, "", CloseContext{},
			[]string{"larger than the endpoint will process"}, []string{"`--max-message`"}, []string{"does not help here"}},
		{"4406 with no subprotocol offered", 4406, "Subprotocol not acceptable", none,
			[]string{"the client offered none: the server requires one"}, []string{"`--subprotocol graphql-transport-ws`"}, nil},
		{"4406 without a reason, none offered", 4406, "", none,
			[]string{"The client offered no subprotocol", "as graphql-ws servers do"}, []string{"`--subprotocol`"}, nil},
		{"4406 refusing the offered one", 4406, "Subprotocol not acceptable", offered,
			[]string{`speaks none of those offered ("chat.v1")`}, []string{"`--subprotocol`"}, nil},
		{"4406 looked up out of context", 4406, "", CloseContext{},
			[]string{"Not Acceptable"}, []string{"If the server closed over the subprotocol", "`--subprotocol`"}, nil},
		{"4406 unrelated to subprotocols, offered", 4406, "format not acceptable", offered,
			[]string{"Not Acceptable"}, nil, []string{"--subprotocol"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := ExplainClose(tt.code, tt.reason, tt.ctx)
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
				if strings.Contains(e.Hint, w) {
					t.Errorf("hint says %q: %q", w, e.Hint)
				}
			}
		})
	}
	// A dialect that defines 4406 keeps its own advice.
	e := ExplainClose(4406, "", CloseContext{Subprotocol: "graphql-transport-ws", OfferedKnown: true, Offered: []string{"graphql-transport-ws"}})
	if e.Dialect != "graphql-transport-ws" || !strings.Contains(e.Hint, "Offer the subprotocol the server supports") {
		t.Errorf("graphql 4406: %+v", e)
	}
}

// Every close code the reference documents list is recognised, with their
// names and their reconnect advice.
func TestReferenceCloseCodes(t *testing.T) {
	tests := []struct {
		code      int
		name      string
		reconnect bool
	}{
		{1000, "Normal Closure", false}, {1001, "Going Away", true}, {1002, "Protocol Error", false},
		{1003, "Unsupported Data", false}, {1004, "Reserved", false}, {1005, "No Status Received", true},
		{1006, "Abnormal Closure", true}, {1007, "Invalid Frame Payload Data", false}, {1008, "Policy Violation", false},
		{1009, "Message Too Big", false}, {1010, "Mandatory Extension", false}, {1011, "Internal Error", true},
		{1012, "Service Restart", true}, {1013, "Try Again Later", true}, {1014, "Bad Gateway", true},
		{1015, "TLS Handshake Failure", false}, {3000, "Unauthorized", false},
		{4000, "Application Reserved Start (Service)", false}, {4001, "Auth Expired", true},
		{4002, "Rate Limited", true}, {4003, "Unauthorized", false},
	}
	listed := map[int]CodeInfo{}
	for _, c := range Codes() {
		if c.First == c.Last {
			listed[c.First] = c
		}
	}
	for _, tt := range tests {
		e, err := Lookup(strconv.Itoa(tt.code), CloseContext{})
		if err != nil || e.Name != tt.name || e.Reconnect != tt.reconnect {
			t.Errorf("explain %d: %q reconnect %v (%v), want %q reconnect %v", tt.code, e.Name, e.Reconnect, err, tt.name, tt.reconnect)
		}
		if c, ok := listed[tt.code]; !ok || c.Name != tt.name || c.Reconnect != tt.reconnect {
			t.Errorf("explain --list: %d is %+v", tt.code, c)
		}
	}
}

// RabbitMQ's Web-STOMP ends every STOMP session with 1000 "STOMP died",
// failed or not: the explanation says both, and never that nothing is
// wrong.
func TestRabbitMQSTOMPDied(t *testing.T) {
	e := ExplainClose(1000, "STOMP died", CloseContext{Subprotocol: "v12.stomp", Remote: true})
	if !strings.Contains(e.Explanation, "DISCONNECT") || !strings.Contains(e.Explanation, "not_found") ||
		strings.Contains(e.Hint, "Nothing is wrong") {
		t.Fatalf("explained as %q, hint %q", e.Explanation, e.Hint)
	}
	if e := ExplainClose(1000, "bye", CloseContext{Subprotocol: "v12.stomp", Remote: true}); strings.Contains(e.Explanation, "RabbitMQ") {
		t.Fatalf("another reason explained as RabbitMQ's: %q", e.Explanation)
	}
}
