package decode

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		term string
		ctx  CloseContext
		name string
		code int
	}{
		{"1006", CloseContext{}, "Abnormal Closure", 1006},
		{" 4401 ", CloseContext{Subprotocol: "graphql-transport-ws"}, "Unauthorized", 4401},
		{"4004", CloseContext{Host: "gateway.discord.gg"}, "Authentication Failed", 4004},
		{"http 403", CloseContext{}, "Upgrade refused: 403 Forbidden", 0},
		{"HTTP:401", CloseContext{}, "Upgrade refused: 401 Unauthorized", 0},
		{"http/502", CloseContext{}, "Upgrade refused: 502 Bad Gateway", 0},
		{"accept-mismatch", CloseContext{}, "Sec-WebSocket-Accept mismatch", 0},
		{"EOF-WITHOUT-CLOSE", CloseContext{}, "Connection closed without a close frame", 1006},
		{`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`, CloseContext{}, "Error reply (json-rpc) -32601: Method not found", 0},
		{`{"error":{"code":"E_X","message":"odd"}}`, CloseContext{}, "Error reply (error-object) E_X", 0},
	}
	for _, tt := range tests {
		e, err := Lookup(tt.term, tt.ctx)
		if err != nil {
			t.Errorf("%q: %v", tt.term, err)
			continue
		}
		if e.Name != tt.name || e.Code != tt.code {
			t.Errorf("%q: got %q (%d), want %q (%d)", tt.term, e.Name, e.Code, tt.name, tt.code)
		}
	}
	e, _ := Lookup(`{"error":{"code":"E_X","message":"odd"}}`, CloseContext{})
	if !strings.Contains(e.Explanation, `Its message: "odd"`) || e.Hint == "" {
		t.Errorf("unknown envelope code: %+v", e)
	}
	for _, bad := range []string{"", "   ", "-32601", "http 999", "no-such-thing", `{"status":"ok"}`, "\x1b[31mred"} {
		_, err := Lookup(bad, CloseContext{})
		if err == nil {
			t.Errorf("%q: no error", bad)
			continue
		}
		checkSafe(t, "error", err.Error())
	}
}

func TestFormatExplanation(t *testing.T) {
	out := FormatExplanation(ExplainClose(4401, "", CloseContext{Subprotocol: "graphql-transport-ws"}))
	for _, want := range []string{
		"4401 Unauthorized\n",
		"  Category:   private\n",
		"  Sent by:    server\n",
		"  Dialect:    graphql-transport-ws\n",
		"  Reconnect:  no\n",
		"  On wire:    yes, legal in a close frame\n",
		"  graphql-transport-ws says: the client sent subscribe",
		"  What to do: Send connection_init first",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	failure := FormatExplanation(ExplainFailure(Failure{Kind: KindTransport, Cause: CauseEOFWithoutClose}))
	if !strings.HasPrefix(failure, "Connection closed without a close frame\n") || !strings.Contains(failure, "  Close code: 1006\n") {
		t.Errorf("failure output:\n%s", failure)
	}
	long := ExplainClose(1006, "", CloseContext{IdleSeconds: 60})
	for _, line := range strings.Split(FormatExplanation(long), "\n") {
		if utf8.RuneCountInString(line) > 78 {
			t.Errorf("line over 78 columns: %q", line)
		}
	}
	if !strings.Contains(FormatExplanation(long), "`--ping 30s`") {
		t.Errorf("a code span was split:\n%s", FormatExplanation(long))
	}
	hostile := FormatExplanation(Explanation{Name: "x\x1b[2J", Explanation: "a\u202eb", Hint: "c\x07", Dialect: "d\u0085", Category: "e\x00"})
	for _, line := range strings.Split(strings.TrimSuffix(hostile, "\n"), "\n") {
		checkSafe(t, "formatted", line)
	}
}

func TestFormatTables(t *testing.T) {
	codes := FormatCodeTable(Codes())
	lines := strings.Split(strings.TrimSuffix(codes, "\n"), "\n")
	if len(lines) != len(Codes())+1 {
		t.Fatalf("%d lines for %d codes", len(lines), len(Codes()))
	}
	col := strings.Index(lines[0], "NAME")
	for _, l := range lines[1:] {
		if r := []rune(l); len(r) <= col || r[col-1] != ' ' || r[col] == ' ' {
			t.Fatalf("misaligned row %q", l)
		}
	}
	if !strings.Contains(codes, "1006        Abnormal Closure") || !strings.Contains(codes, "5000–65535  Out of range") {
		t.Fatalf("table:\n%s", codes)
	}
	for _, row := range []string{
		"4000        Application Reserved Start (Service)  convention  yes      no",
		"4001        Auth Expired                          convention  yes      yes",
		"4002        Rate Limited                          convention  yes      yes",
		"4003        Unauthorized                          convention  yes      no",
	} {
		if !strings.Contains(codes, row+"\n") {
			t.Errorf("table lacks %q:\n%s", row, codes)
		}
	}
	for _, l := range lines {
		if utf8.RuneCountInString(l) > 80 {
			t.Errorf("row over 80 columns: %q", l)
		}
	}
	causes := FormatCauseTable(Causes())
	if !strings.Contains(causes, "protocol    invalid-utf8-text") || !strings.Contains(causes, "1007") {
		t.Fatalf("causes:\n%s", causes)
	}
}
