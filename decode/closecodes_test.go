package decode

import (
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
		{4000, "Private code 4000", CategoryPrivate, "set by the service"},
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
		// Only the registered codes sit inside a range row as well.
		if len(rows) > 1 && !(len(rows) == 2 && rows[0].Category == CategoryRegistered) {
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
		unchanged bool
	}{
		{"nginx or ALB timeout", CloseContext{IdleSeconds: 60.4},
			[]string{"quiet for 60s", "nginx (proxy_read_timeout) (60s)", "AWS Application Load Balancer (60s)"},
			[]string{"`--ping 20s`", "proxy_read_timeout", "idle_timeout.timeout_seconds"}, false},
		{"Heroku", CloseContext{IdleSeconds: 55.7}, []string{"Heroku router (55s)"}, []string{"`--ping 20s`"}, false},
		{"Cloudflare", CloseContext{IdleSeconds: 101}, []string{"Cloudflare (100s)"}, []string{"`--ping 20s`"}, false},
		{"Azure", CloseContext{IdleSeconds: 241}, []string{"Azure Load Balancer (240s)", "4m01s"}, []string{"TCP idle timeout"}, false},
		{"API Gateway", CloseContext{IdleSeconds: 600}, []string{"AWS API Gateway (600s)"}, []string{"`--ping 20s`"}, false},
		{"pings were on", CloseContext{IdleSeconds: 60, PingsOn: true},
			[]string{"but pings were on"}, []string{"ping interval is shorter"}, false},
		{"busy connection", CloseContext{IdleSeconds: 0.8}, []string{"Traffic was flowing until 0.8s", "crash"}, []string{"logs"}, false},
		{"long quiet period no match", CloseContext{IdleSeconds: 45}, []string{"quiet for 45s with no pings"}, []string{"`--ping 20s`"}, false},
		{"unknown idle time", CloseContext{}, nil, nil, true},
		{"quiet but pinging, no match", CloseContext{IdleSeconds: 45, PingsOn: true}, nil, nil, true},
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
			if !e.Reconnect {
				t.Error("1006 should still reconnect")
			}
		})
	}
}
