package conn

import (
	"strings"
	"testing"
)

// Every malformed fault command is refused with a one-line message that
// says what was wrong, and a well-formed one with no connection open says
// so.
func TestRelayCommandErrors(t *testing.T) {
	relay, err := NewRelay(Options{URL: "ws://127.0.0.1:1/"})
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Shutdown()
	for _, tc := range []struct{ line, want string }{
		{"/close", "needs a side and a code"},
		{"/close both 1000", `"both" is not a side`},
		{"/close client abc", `"abc" is not a close code`},
		{"/close client 999", "out of range"},
		{"/close client 4001 " + strings.Repeat("x", 124), "at most 123 bytes"},
		{"/drop", "needs a side"},
		{"/delay soon", `"soon" is not a duration`},
		{"/swallow many", `"many" is not a number`},
		{"/conn x", `"x" is not a connection number`},
		{"/frobnicate", `unknown command "/frobnicate"`},
		{"hello", `unknown command "hello"`},
		{"/close client 4001 token expired", "no proxied connection is open"},
		{"/pause", "no proxied connection is open"},
	} {
		chosen := 0
		err := relay.Command(tc.line, &chosen)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: got %v, want one line with %q", tc.line, err, tc.want)
		}
	}
	chosen := 0
	if err := relay.Command("/conn 3", &chosen); err != nil || chosen != 3 {
		t.Errorf("/conn 3: %v, chosen %d", err, chosen)
	}
	if err := relay.Command("/pause", &chosen); err == nil || !strings.Contains(err.Error(), "#3 is not open") {
		t.Errorf("/pause on connection 3: %v", err)
	}
}
