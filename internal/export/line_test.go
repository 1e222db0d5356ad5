package export

import (
	"encoding/base64"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/decode/protocol"
	"github.com/wsdbg/wsdbg/history"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// lineRecords are records as FormatLine sees them, explanations included,
// so the golden output does not depend on decode's wording.
func lineRecords() []history.Record {
	return []history.Record{
		{Type: conn.EventOpen, Time: at(0), URL: "wss://api.example.com/graphql", Status: 101, Subprotocol: "graphql-transport-ws",
			Extensions: []string{"permessage-deflate; client_max_window_bits"}, Headers: http.Header{"Upgrade": {"websocket"}}},
		{Type: conn.EventMessage, Time: at(12), Dir: conn.Out, Opcode: conn.OpText, Len: 29, Text: `{"type":"subscribe","id":"1"}`},
		{Type: conn.EventMessage, Time: at(40), Dir: conn.In, Opcode: conn.OpText, Len: 2200, Text: `{"data":` + strings.Repeat(`"long",`, 300) + `}`},
		{Type: conn.EventMessage, Time: at(41), Dir: conn.In, Opcode: conn.OpText, Len: 31, Text: "evil \x1b]0;pwned\a title \u202e reversed\nnext"},
		{Type: conn.EventMessage, Time: at(42), Dir: conn.In, Opcode: conn.OpBinary, Len: 20, Base64: base64.StdEncoding.EncodeToString([]byte("\x82\xa3op\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"))},
		{Type: conn.EventMessage, Time: at(50), Dir: conn.Out, Opcode: conn.OpPing, Len: 0},
		{Type: conn.EventMessage, Time: at(62), Dir: conn.In, Opcode: conn.OpPong, Len: 0, RTTMillis: 12.345},
		{Type: conn.EventMessage, Time: at(70), Dir: conn.In, Opcode: conn.OpText, Len: 63, Text: `{"type":"error","data":{"code":4003,"message":"Forbidden: scope"}}`,
			Envelope: &decode.Envelope{Code: json.RawMessage("4003"), Message: "Forbidden: scope", Format: "envelope",
				Explanation: decode.Explanation{Name: "Forbidden", Explanation: "The token lacks a permission the request needs.",
					Hint: "Ask for a token with the missing scope."}}},
		{Type: conn.EventFrame, Time: at(80), Dir: conn.In, Opcode: 0xB, Len: 2, Base64: "AQI=",
			FrameInfo: []conn.Frame{{FIN: true, RSV: 4, Opcode: 0xB, Length: 2}}},
		{Type: conn.EventWarning, Time: at(85), Failure: &decode.Failure{Kind: "protocol", Cause: "non-minimal-length", Message: "length 5 in 2 bytes"},
			Name: "Non-minimal length", Explanation: "The server encoded a frame length in more bytes than needed.", Hint: "Report it to the server's authors."},
		{Type: conn.EventClose, Time: at(90), Dir: conn.In, Code: 1008, Reason: "token expired\x07", HasCode: true, Name: "Policy Violation",
			Explanation: "The server refused something this connection did.", Hint: "Refresh the token and reconnect."},
		{Type: conn.EventReconnect, Time: at(100), Attempt: 2, DelayMillis: 1500},
		{Type: conn.EventError, Time: at(110), Failure: &decode.Failure{Kind: "handshake", Cause: "http-status", Status: 401, Message: "websocket: bad handshake"},
			Name: "Upgrade refused: 401 Unauthorized", Explanation: "The server wants credentials it did not get.", Hint: "Send an Authorization header (-H)."},
		{Type: conn.EventError, Time: at(120), Failure: &decode.Failure{Kind: "dns", Message: "lookup nowhere.invalid: no such host"}},
		{Type: conn.EventClose, Time: at(130), Dir: conn.Out, Code: 1000, HasCode: true, Name: "Normal Closure"},
	}
}

func TestFormatLineGolden(t *testing.T) {
	var unicode, ascii []string
	for _, r := range lineRecords() {
		unicode = append(unicode, FormatLine(r, LineOptions{Location: time.UTC, maxPreview: 60}))
		ascii = append(ascii, FormatLine(r, LineOptions{Location: time.UTC, maxPreview: 60, ascii: true}))
	}
	golden(t, "lines.golden", strings.Join(unicode, "\n")+"\n")
	golden(t, "lines-ascii.golden", strings.Join(ascii, "\n")+"\n")
}

func TestFormatLineNeverPrintsControlBytes(t *testing.T) {
	hostile := "\x1b[2J\x1b]52;c;AAAA\a\x9b31m\u202e\u2066\x00\xff"
	records := []history.Record{
		{Type: conn.EventMessage, Dir: conn.In, Opcode: conn.OpText, Text: hostile},
		{Type: conn.EventClose, Dir: conn.In, Code: 4000, Reason: hostile, Name: hostile, Explanation: hostile, Hint: hostile},
		{Type: conn.EventError, Failure: &decode.Failure{Kind: hostile, Message: hostile}},
		{Type: conn.EventError, Name: hostile, Failure: &decode.Failure{Message: hostile}, Hint: hostile},
		{Type: conn.EventOpen, URL: hostile, Subprotocol: hostile, Extensions: []string{hostile}},
		{Type: conn.EventMessage, Dir: conn.In, Opcode: conn.OpText, Envelope: &decode.Envelope{Code: json.RawMessage(`"` + hostile + `"`), Message: hostile,
			Explanation: decode.Explanation{Name: hostile, Hint: hostile}}},
		{Type: conn.EventMessage, Dir: conn.In, Opcode: conn.OpText, Protocol: &protocol.Packet{Name: hostile, Type: hostile, Summary: hostile}},
	}
	for _, r := range records {
		line := FormatLine(r, LineOptions{})
		for _, c := range line {
			if c < 0x20 && c != '\n' || c == 0x7f || c >= 0x80 && c < 0xa0 || c == '\u202e' || c == '\u2066' || c == '\ufffd' {
				t.Fatalf("%s record printed %U raw: %q", r.Type, c, line)
			}
		}
	}
}

// The packet a message carried leads its preview; the heartbeat answer the
// client sent on its own says so.
func TestFormatLineShowsProtocolPacket(t *testing.T) {
	for _, tc := range []struct {
		r    history.Record
		want string
	}{
		{history.Record{Type: conn.EventMessage, Time: time.Unix(0, 0), Dir: conn.Out, Opcode: conn.OpText, Len: 18, Text: `4212["chat","hi"]`,
			Protocol: &protocol.Packet{Name: "socket.io", Type: "EVENT", ID: "12", Summary: `EVENT "chat" #12`}},
			`00:00:00.000 →  text         18 B  socket.io EVENT "chat" #12 · 4212["chat","hi"]`},
		{history.Record{Type: conn.EventMessage, Time: time.Unix(0, 0), Dir: conn.Out, Opcode: conn.OpText, Len: 1, Text: "3", Auto: true,
			Protocol: &protocol.Packet{Name: "engine.io", Type: "pong", Summary: "pong (automatic)"}},
			`00:00:00.000 →  text          1 B  engine.io pong (automatic) · 3`},
	} {
		if got := FormatLine(tc.r, LineOptions{Location: time.UTC}); got != tc.want {
			t.Errorf("line\n got %q\nwant %q", got, tc.want)
		}
	}
}

func TestFormatLineShowsRedirectsAndKeepsOwnClosesShort(t *testing.T) {
	open := history.Record{Type: conn.EventOpen, Time: time.Unix(0, 0), URL: "ws://h/ws", Status: 101, Hops: []string{"301 ws://h/old → ws://h/ws"}}
	if got := FormatLine(open, LineOptions{Location: time.UTC}); !strings.Contains(got, "redirected 301 ws://h/old → ws://h/ws") {
		t.Errorf("open line lacks the hop: %q", got)
	}
	ours := history.Record{Type: conn.EventClose, Time: time.Unix(0, 0), Dir: conn.Out, Code: 1000, Name: "Normal Closure", Explanation: "The peer closed on purpose.", Hint: "Nothing is wrong."}
	if got := FormatLine(ours, LineOptions{Location: time.UTC}); strings.Contains(got, "on purpose") || strings.Contains(got, "hint") {
		t.Errorf("own close explained: %q", got)
	}
}

// A text message that is not valid UTF-8 is recorded in base64 but shown
// as text, only its bad bytes escaped; a long one is cut like any text.
func TestFormatLineShowsInvalidUTF8TextWithEscapes(t *testing.T) {
	bad := []byte("caf\xc3( \xff\xfe is not UTF-8")
	r := history.Record{Type: conn.EventMessage, Time: time.Unix(0, 0), Dir: conn.In, Opcode: conn.OpText, Len: len(bad),
		Base64: base64.StdEncoding.EncodeToString(bad)}
	got := FormatLine(r, LineOptions{Location: time.UTC})
	if !strings.HasSuffix(got, `caf\xc3( \xff\xfe is not UTF-8`) {
		t.Fatalf("line = %q", got)
	}
	long := append([]byte("\xff"), strings.Repeat("é", 500)...)
	r.Len, r.Base64 = len(long), base64.StdEncoding.EncodeToString(long)
	got = FormatLine(r, LineOptions{Location: time.UTC, maxPreview: 20})
	if want := `\xff` + strings.Repeat("é", 16) + "…"; !strings.HasSuffix(got, want) {
		t.Fatalf("line = %q, want it to end %q", got, want)
	}
	// Binary stays hex.
	r.Opcode = conn.OpBinary
	if got = FormatLine(r, LineOptions{Location: time.UTC}); !strings.Contains(got, "ff c3 a9") {
		t.Fatalf("binary line = %q", got)
	}
}

// BenchmarkTailLine is what `tail` does per message without recording
// (make the record, format the line), for comparison with the history
// package's BenchmarkWriterAppendFromEvent.
func BenchmarkTailLine(b *testing.B) {
	payload := []byte(`{"type":"tick","symbol":"BTC-USD","price":"97012.55","size":"0.0042","seq":123456789,"side":"buy"}`)
	payload = append(payload[:len(payload)-1], strings.Repeat(" ", 100-len(payload))...)
	payload = append(payload, '}')
	ev := conn.Event{Type: conn.EventMessage, Time: time.Now(), Dir: conn.In, Opcode: conn.OpText, Payload: payload,
		Frames: []conn.Frame{{Time: time.Now(), Dir: conn.In, FIN: true, Opcode: conn.OpText, Length: 100, HeaderLen: 2}}}
	b.ReportAllocs()
	for b.Loop() {
		FormatLine(annotated(conn.NewAnnotator(conn.Options{}), ev), LineOptions{})
	}
}

// AppendLine writes what FormatLine does, on its quick path and off it.
func TestAppendLineMatchesFormatLine(t *testing.T) {
	at := time.Date(2026, 11, 22, 2, 10, 0, 123456789, time.UTC)
	var records []history.Record
	for _, text := range []string{"", "hi", `{"type":"tick","seq":1}`, strings.Repeat("x", 119), strings.Repeat("y", 120),
		strings.Repeat("z", 121), strings.Repeat("a", 120) + "é", strings.Repeat("b", 2000), "tab\there", "caf\u00e9",
		"\x1b[31mred", strings.Repeat("q", 119) + "\x1b", `{"error":{"code":-32600,"message":"Invalid Request"},"id":1,"jsonrpc":"2.0"}`} {
		for _, dir := range []conn.Direction{conn.In, conn.Out} {
			ev := conn.Event{Type: conn.EventMessage, Time: at, Dir: dir, Opcode: conn.OpText, Payload: []byte(text)}
			records = append(records, annotated(conn.NewAnnotator(conn.Options{}), ev))
		}
	}
	records = append(records,
		annotated(conn.NewAnnotator(conn.Options{}), conn.Event{Type: conn.EventMessage, Time: at, Dir: conn.In, Opcode: conn.OpBinary, Payload: []byte{0xff, 1}}),
		annotated(conn.NewAnnotator(conn.Options{}), conn.Event{Type: conn.EventMessage, Time: at, Dir: conn.In, Opcode: conn.OpText, Payload: []byte{'a', 0xff}}),
		annotated(conn.NewAnnotator(conn.Options{}), conn.Event{Type: conn.EventMessage, Time: at, Dir: conn.In, Opcode: conn.OpPong, Payload: []byte("p"), RTT: 1500 * time.Microsecond}),
		annotated(conn.NewAnnotator(conn.Options{}), conn.Event{Type: conn.EventClose, Time: at, Dir: conn.In, Code: 1000, HasCode: true}),
	)
	for _, opts := range []LineOptions{{Location: time.UTC}, {Location: time.FixedZone("x", 5*3600+1800), ascii: true}, {maxPreview: 10, Location: time.UTC}, {}} {
		for _, r := range records {
			want := FormatLine(r, opts)
			if got := string(AppendLine([]byte("> "), r, opts)); got != "> "+want {
				t.Errorf("AppendLine = %q\nFormatLine = %q", got, "> "+want)
			}
		}
	}
}
