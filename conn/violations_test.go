package conn

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/wsdbg/wsdbg/conn/internal/wirepeer"
	"github.com/wsdbg/wsdbg/decode"
)

// failureFor dials url and returns the first warning or error with a
// failure, skipping ordinary events.
func failureFor(t *testing.T, url string, opts Options) (Event, []Event) {
	t.Helper()
	opts.URL = url
	c := Dial(context.Background(), opts)
	defer c.Shutdown()
	var seen []Event
	for {
		ev := next(t, c, EventWarning, EventError, EventMessage, EventClose, EventOpen)
		seen = append(seen, ev)
		if ev.Failure != nil {
			return ev, seen
		}
	}
}

func TestProtocolViolations(t *testing.T) {
	cases := []struct {
		name  string
		write func(p *wirepeer.Peer) error
		cause string
		code  int
		fatal bool // gorilla fails the connection; otherwise a warning
	}{
		{"rsv1 without extension", func(p *wirepeer.Peer) error { return p.WriteRSV(4) }, decode.CauseRSVWithoutExtension, 1002, true},
		{"rsv2", func(p *wirepeer.Peer) error { return p.WriteRSV(2) }, decode.CauseRSVWithoutExtension, 1002, true},
		{"rsv3", func(p *wirepeer.Peer) error { return p.WriteRSV(1) }, decode.CauseRSVWithoutExtension, 1002, true},
		{"reserved opcode 0x3", func(p *wirepeer.Peer) error { return p.WriteReservedOpcode(0x3) }, decode.CauseReservedOpcode, 1002, true},
		{"reserved opcode 0xB", func(p *wirepeer.Peer) error { return p.WriteReservedOpcode(0xB) }, decode.CauseReservedOpcode, 1002, true},
		{"fragmented ping", func(p *wirepeer.Peer) error { return p.WriteFragmentedPing() }, decode.CauseFragmentedControl, 1002, true},
		{"ping over 125 bytes", func(p *wirepeer.Peer) error { return p.WriteLongPing() }, decode.CauseOversizedControl, 1002, true},
		{"masked server frame", func(p *wirepeer.Peer) error { return p.WriteMaskedText("hi") }, decode.CauseMaskedServerFrame, 1002, true},
		{"continuation without start", func(p *wirepeer.Peer) error { return p.WriteContinuationWithoutStart() }, decode.CauseUnexpectedContinue, 1002, true},
		{"data frame inside fragmented message", func(p *wirepeer.Peer) error { return p.WriteDataFrameInsideFragment() }, decode.CauseDataInsideFragmented, 1002, true},
		{"non-minimal 16-bit length", func(p *wirepeer.Peer) error { return p.WriteNonMinimal16([]byte("hello")) }, decode.CauseNonMinimalLength, 1002, false},
		{"non-minimal 64-bit length", func(p *wirepeer.Peer) error { return p.WriteNonMinimal64([]byte("hello")) }, decode.CauseNonMinimalLength, 1002, false},
		{"invalid utf-8 text", func(p *wirepeer.Peer) error { return p.WriteInvalidUTF8Text() }, decode.CauseInvalidUTF8Text, 1007, false},
		{"invalid utf-8 close reason", func(p *wirepeer.Peer) error { return p.WriteInvalidUTF8CloseReason() }, decode.CauseInvalidUTF8Reason, 1007, true},
		{"one-byte close payload", func(p *wirepeer.Peer) error { return p.WriteOneByteClose() }, decode.CauseOneByteClose, 1002, false},
	}
	for _, code := range wirepeer.IllegalCloseCodes {
		cases = append(cases, struct {
			name  string
			write func(p *wirepeer.Peer) error
			cause string
			code  int
			fatal bool
		}{"close code " + strconv.Itoa(int(code)), func(p *wirepeer.Peer) error { return p.WriteClose(code, "") }, decode.CauseInvalidCloseCode, 1002,
			// gorilla accepts 1005 as "no status" only when the payload is empty.
			true})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := wirepeer.Start(t, func(p *wirepeer.Peer) {
				if err := tc.write(p); err != nil {
					return
				}
				p.ReadFrame() // wait for the client to react
			})
			ev, seen := failureFor(t, url, Options{})
			f := ev.Failure
			if f.Kind != decode.KindProtocol || f.Cause != tc.cause || f.Code != tc.code {
				t.Fatalf("failure = %s/%s code %d, want protocol/%s code %d (%s); events %v",
					f.Kind, f.Cause, f.Code, tc.cause, tc.code, f.Message, seen)
			}
			want := EventWarning
			if tc.fatal {
				want = EventError
			}
			if ev.Type != want {
				t.Fatalf("event type %v, want %v", ev.Type, want)
			}
			if len(ev.Frames) == 0 && tc.cause != decode.CauseInvalidUTF8Text {
				t.Fatalf("no frame attached to %v", ev)
			}
		})
	}
}

func TestHandshakeFailures(t *testing.T) {
	cases := []struct {
		name   string
		script func(p *wirepeer.Peer)
		opts   Options
		cause  string
		status int
	}{
		{"401", func(p *wirepeer.Peer) {
			p.WriteStatus(401, http.Header{"Www-Authenticate": {"Bearer"}}, `{"error":"token expired"}`)
		}, Options{}, decode.CauseHTTPStatus, 401},
		{"redirect without -L", func(p *wirepeer.Peer) {
			p.WriteStatus(301, http.Header{"Location": {"/v2/ws"}}, "")
		}, Options{}, decode.CauseRedirect, 301},
		{"missing upgrade", func(p *wirepeer.Peer) { p.Accept(http.Header{"Upgrade": nil}) }, Options{}, decode.CauseMissingUpgrade, 101},
		{"invalid upgrade", func(p *wirepeer.Peer) { p.Accept(http.Header{"Upgrade": {"h2c"}}) }, Options{}, decode.CauseInvalidUpgrade, 101},
		{"missing connection", func(p *wirepeer.Peer) { p.Accept(http.Header{"Connection": nil}) }, Options{}, decode.CauseMissingConnection, 101},
		{"invalid connection", func(p *wirepeer.Peer) { p.Accept(http.Header{"Connection": {"keep-alive"}}) }, Options{}, decode.CauseInvalidConnection, 101},
		{"missing accept", func(p *wirepeer.Peer) { p.Accept(http.Header{"Sec-Websocket-Accept": nil}) }, Options{}, decode.CauseMissingAccept, 101},
		{"accept mismatch", func(p *wirepeer.Peer) { p.Accept(http.Header{"Sec-Websocket-Accept": {"bm90IHRoZSByaWdodCBrZXk="}}) }, Options{}, decode.CauseAcceptMismatch, 101},
		{"unoffered subprotocol", func(p *wirepeer.Peer) { p.Accept(http.Header{"Sec-Websocket-Protocol": {"mqtt"}}); p.ReadFrame() }, Options{Subprotocols: []string{"chat"}}, decode.CauseUnofferedSubproto, 101},
		{"unoffered extension", func(p *wirepeer.Peer) {
			p.Accept(http.Header{"Sec-Websocket-Extensions": {"x-webkit-deflate-frame"}})
			p.ReadFrame()
		}, Options{}, decode.CauseUnofferedExtension, 101},
		{"not http", func(p *wirepeer.Peer) { p.WriteRaw([]byte("SSH-2.0-OpenSSH_9.6\r\n\r\n")) }, Options{}, decode.CauseBadResponse, 0},
		{"endless response head", func(p *wirepeer.Peer) { p.WriteEndlessHeader() }, Options{}, decode.CauseResponseTooBig, 0},
		{"deflate without no_context_takeover", func(p *wirepeer.Peer) {
			p.Accept(http.Header{"Sec-Websocket-Extensions": {"permessage-deflate"}})
			p.ReadFrame()
		}, Options{Compress: true}, decode.CauseBadCompressionParam, 101},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			url := wirepeer.StartWith(t, wirepeer.Options{ManualHandshake: true}, tc.script)
			ev, _ := failureFor(t, url, tc.opts)
			f := ev.Failure
			if ev.Type != EventError || f.Kind != decode.KindHandshake || f.Cause != tc.cause || f.Status != tc.status {
				t.Fatalf("got %v %s/%s status %d (%s), want handshake/%s status %d", ev.Type, f.Kind, f.Cause, f.Status, f.Message, tc.cause, tc.status)
			}
		})
	}
}
