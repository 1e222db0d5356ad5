package conn

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
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

// A reason is the rest of the line after the code, whatever spaces the
// fields are typed with.
func TestRelayCloseReasonAfterAnySpace(t *testing.T) {
	for _, line := range []string{
		"/close client 4001 token expired",
		"/close\u00a0client 4001 token expired",
		"/close client\u00a04001\ttoken expired",
		"  /close  client  4001  token expired  ",
		`/close client 4001 "token expired"`,
	} {
		cmd, err := parseRelayCommand(line)
		if err != nil || cmd.reason != "token expired" || cmd.code != 4001 || cmd.leg != LegClient {
			t.Errorf("%q: parsed %+v, %v; want client 4001 %q", line, cmd, err, "token expired")
		}
	}
}

// Any line is a command or a one-line error without control characters,
// and a command parsed has arguments a close frame, a delay or a count
// can take; with no connection open, carrying it out says so.
func FuzzRelayCommand(f *testing.F) {
	for _, seed := range []string{
		"", "/close client 4001 token expired", `/close server 1000 "bye\nnow"`, `/close client 1005 "\xff"`,
		"/close client 99999999999999999999", "/close\u00a0client 4001 a b", "/drop server", "/pause", "/resume",
		"/delay 500ms", "/delay 0", "/delay -1s", "/delay 9999999999h", "/swallow 3", "/swallow -1",
		"/conn 2", "/conn", "/frobnicate", "hello\x1b[31m", "/close client 4001 " + strings.Repeat("é", 62),
	} {
		f.Add(seed)
	}
	relay, err := NewRelay(Options{URL: "ws://127.0.0.1:1/"})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(relay.Shutdown)
	oneLine := func(t *testing.T, line string, err error) {
		if err == nil {
			return
		}
		msg := err.Error()
		if msg == "" || strings.IndexFunc(msg, unicode.IsControl) >= 0 || !utf8.ValidString(msg) {
			t.Fatalf("%q: error %q is not one printable line", line, msg)
		}
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmd, err := parseRelayCommand(line)
		oneLine(t, line, err)
		chosen := 0
		cerr := relay.Command(line, &chosen)
		oneLine(t, line, cerr)
		if err != nil {
			if cerr == nil || cerr.Error() != err.Error() && !errors.Is(err, errConnNeedsNumber) {
				t.Fatalf("%q: parsing says %v, carrying out %v", line, err, cerr)
			}
			return
		}
		fields := strings.Fields(line)
		switch cmd.name {
		case "":
			if cerr != nil || len(fields) != 0 {
				t.Fatalf("%q: an empty command gave %v", line, cerr)
			}
			return
		case "/conn":
			if cerr != nil || chosen != cmd.conn || cmd.conn < 0 {
				t.Fatalf("%q: /conn chose %d, %v", line, chosen, cerr)
			}
			return
		case "/close":
			if raw := strings.Fields(afterFields(line, 3)); !slices.Equal(raw, fields[3:]) {
				t.Fatalf("%q: the reason's words %q are not the line's after the code %q", line, raw, fields[3:])
			}
			if cmd.code < 1000 || cmd.code > 4999 || len(cmd.reason) > 123 {
				t.Fatalf("%q: close %d with %d bytes of reason accepted", line, cmd.code, len(cmd.reason))
			}
		case "/delay":
			if cmd.delay < 0 {
				t.Fatalf("%q: negative delay %v accepted", line, cmd.delay)
			}
		case "/swallow":
			if cmd.count < 0 {
				t.Fatalf("%q: negative count %d accepted", line, cmd.count)
			}
		}
		if !errors.Is(cerr, ErrNoConnection) {
			t.Fatalf("%q: with no connection open: %v", line, cerr)
		}
	})
}
