package demo

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
	"github.com/vmihailenco/msgpack/v5"
)

// quietPace keeps the feed out of the way of command tests.
var quietPace = pacing{tickMin: time.Hour, tickMax: time.Hour, ping: time.Hour, silence: time.Second, closeGrace: 500 * time.Millisecond}

// busyPace makes ticks, binary frames and pings arrive quickly.
var busyPace = pacing{tickMin: 5 * time.Millisecond, tickMax: 15 * time.Millisecond, ping: 30 * time.Millisecond, silence: time.Second, closeGrace: 500 * time.Millisecond}

func startDemo(t testing.TB, pace pacing) *Server {
	t.Helper()
	s, err := start("", pace)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// dial connects a gorilla client to path and reads the welcome message.
func dial(t testing.TB, s *Server, path string, d *websocket.Dialer, header http.Header) *websocket.Conn {
	t.Helper()
	if d == nil {
		d = &websocket.Dialer{}
	}
	c, _, err := d.Dial(s.urlFor(path), header)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var welcome struct {
		Type     string   `json:"type"`
		Commands []string `json:"commands"`
	}
	if _, msg, err := c.ReadMessage(); err != nil || json.Unmarshal(msg, &welcome) != nil || welcome.Type != "welcome" {
		t.Fatalf("welcome: %q, %v", msg, err)
	}
	if len(welcome.Commands) != len(commandNames) {
		t.Fatalf("welcome lists %d commands, want %d", len(welcome.Commands), len(commandNames))
	}
	return c
}

func send(t testing.TB, c *websocket.Conn, text string) {
	t.Helper()
	if err := c.WriteMessage(websocket.TextMessage, []byte(text)); err != nil {
		t.Fatalf("send %q: %v", text, err)
	}
}

func readText(t testing.TB, c *websocket.Conn) string {
	t.Helper()
	kind, msg, err := c.ReadMessage()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if kind != websocket.TextMessage {
		t.Fatalf("got message type %d, want text", kind)
	}
	return string(msg)
}

// ask sends a command and returns the text reply.
func ask(t testing.TB, c *websocket.Conn, text string) string {
	t.Helper()
	send(t, c, text)
	return readText(t, c)
}

type envelope struct {
	Type string `json:"type"`
	Data struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"data"`
	Meta struct {
		RequestID string `json:"request_id"`
		Timestamp string `json:"timestamp"`
	} `json:"meta"`
}

func parseEnvelope(t *testing.T, msg string) envelope {
	t.Helper()
	var e envelope
	if err := json.Unmarshal([]byte(msg), &e); err != nil {
		t.Fatalf("not JSON: %q", msg)
	}
	if e.Type != "error" || e.Meta.RequestID == "" {
		t.Fatalf("not an error envelope: %s", msg)
	}
	if _, err := time.Parse(time.RFC3339, e.Meta.Timestamp); err != nil {
		t.Fatalf("timestamp %q: %v", e.Meta.Timestamp, err)
	}
	return e
}

// rawClient speaks WebSocket by hand, to see frames exactly as sent.
type rawClient struct {
	conn net.Conn
	br   *bufio.Reader
}

type rawFrame struct {
	b0      byte
	payload []byte
}

func dialRaw(t *testing.T, s *Server, extraHeaders string) (*rawClient, *http.Response) {
	t.Helper()
	conn, err := net.Dial("tcp", s.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: demo\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"+extraHeaders+"\r\n")
	r := &rawClient{conn: conn, br: bufio.NewReader(conn)}
	resp, err := http.ReadResponse(r.br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	return r, resp
}

// send writes a masked text frame, as a client must.
func (r *rawClient) send(t *testing.T, opcode byte, payload []byte) {
	t.Helper()
	key := [4]byte{0xa1, 0xb2, 0xc3, 0xd4}
	b := []byte{0x80 | opcode}
	if len(payload) <= 125 {
		b = append(b, 0x80|byte(len(payload)))
	} else {
		b = binary.BigEndian.AppendUint16(append(b, 0x80|126), uint16(len(payload)))
	}
	b = append(b, key[:]...)
	for i, c := range payload {
		b = append(b, c^key[i%4])
	}
	if _, err := r.conn.Write(b); err != nil {
		t.Fatalf("raw send: %v", err)
	}
}

func (r *rawClient) read() (rawFrame, error) {
	var head [2]byte
	if _, err := io.ReadFull(r.br, head[:]); err != nil {
		return rawFrame{}, err
	}
	n := uint64(head[1] & 0x7f)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(r.br, ext[:]); err != nil {
			return rawFrame{}, err
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(r.br, ext[:]); err != nil {
			return rawFrame{}, err
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	if head[1]&0x80 != 0 {
		return rawFrame{}, errors.New("server frame is masked")
	}
	f := rawFrame{b0: head[0], payload: make([]byte, n)}
	_, err := io.ReadFull(r.br, f.payload)
	return f, err
}

func (r *rawClient) mustRead(t *testing.T) rawFrame {
	t.Helper()
	f, err := r.read()
	if err != nil {
		t.Fatalf("raw read: %v", err)
	}
	return f
}

func TestWelcomeHelpAndEcho(t *testing.T) {
	s := startDemo(t, quietPace)
	c := dial(t, s, "/ws", nil, nil)
	help := ask(t, c, "help")
	for _, name := range []string{"help", "echo", "close", "error", "rpcerror", "drop", "flood", "big", "badutf8", "rsv", "fragment", "slow", "escape"} {
		if !strings.Contains(help, "\n  "+name+" ") {
			t.Errorf("help does not list %s", name)
		}
	}
	if got := ask(t, c, "  EcHo   Mixed Case words \t"); got != "Mixed Case words" {
		t.Errorf("echo = %q", got)
	}
	blob := []byte{0, 0xff, 0x80, 'x'}
	if err := c.WriteMessage(websocket.BinaryMessage, blob); err != nil {
		t.Fatal(err)
	}
	if kind, got, err := c.ReadMessage(); err != nil || kind != websocket.BinaryMessage || !bytes.Equal(got, blob) {
		t.Errorf("binary echo = %d %x %v", kind, got, err)
	}
}

func TestErrorEnvelopes(t *testing.T) {
	s := startDemo(t, quietPace)
	c := dial(t, s, "/ws", nil, nil)
	for _, tc := range []struct {
		send, message string
		code          int
	}{
		{"error 4003 token expired", "token expired", 4003},
		{"ERROR 4005", "Rate limited", 4005},
		{"error 5000 database   unavailable", "database   unavailable", 5000},
		{"subscribe BTC-USD", "unknown command", 4000},
		{"", "unknown command", 4000},
		{"flood -3", "usage: flood [N]", 4000},
		{"big lots", "usage: big [BYTES]", 4000},
		{"error oops", "usage: error CODE [MESSAGE]", 4000},
		{"close 70000", "usage: close [CODE [REASON]] with CODE from 0 to 65535", 4000},
	} {
		e := parseEnvelope(t, ask(t, c, tc.send))
		if e.Data.Code != tc.code || e.Data.Message != tc.message {
			t.Errorf("%q: got %d %q, want %d %q", tc.send, e.Data.Code, e.Data.Message, tc.code, tc.message)
		}
	}
}

func TestRPCErrorAndEscape(t *testing.T) {
	s := startDemo(t, quietPace)
	c := dial(t, s, "/ws", nil, nil)
	if got := ask(t, c, "rpcerror"); got != `{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}` {
		t.Errorf("rpcerror = %s", got)
	}
	esc := ask(t, c, "escape")
	if !utf8.ValidString(esc) || !strings.Contains(esc, "\x1b[2J") || !strings.Contains(esc, "\x1b]52;") || !strings.Contains(esc, "\u202e") || !strings.Contains(esc, "\x07") {
		t.Errorf("escape = %q", esc)
	}
}

func TestCloseWithCodeAndReason(t *testing.T) {
	s := startDemo(t, quietPace)
	c := dial(t, s, "/ws", nil, nil)
	send(t, c, "close 4001 room gone")
	_, _, err := c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4001 || ce.Text != "room gone" {
		t.Fatalf("got %v, want close 4001 \"room gone\"", err)
	}
}

// TestCloseFramesOnTheWire covers codes that no library would send and a
// reason too long for a control frame, and checks the server ends the TCP
// connection once the client answers.
func TestCloseFramesOnTheWire(t *testing.T) {
	s := startDemo(t, quietPace)
	long := strings.Repeat("r", 200)
	for _, tc := range []struct {
		send    string
		payload []byte
	}{
		{"close", []byte{0x03, 0xe8}},
		{"close 1005", []byte{0x03, 0xed}},
		{"close 1006 gone", append([]byte{0x03, 0xee}, "gone"...)},
		{"close 999", []byte{0x03, 0xe7}},
		{"close 5000", []byte{0x13, 0x88}},
		{"close 0", []byte{0, 0}},
		{"close 65535 max", append([]byte{0xff, 0xff}, "max"...)},
		{"close 1000 " + long, append([]byte{0x03, 0xe8}, long...)}, // over the 125-byte control limit
	} {
		r, _ := dialRaw(t, s, "")
		r.mustRead(t) // welcome
		r.send(t, 0x1, []byte(tc.send))
		if f := r.mustRead(t); f.b0 != 0x88 || !bytes.Equal(f.payload, tc.payload) {
			t.Errorf("%q: got frame %x with % x", tc.send, f.b0, f.payload)
		}
		r.send(t, 0x8, []byte{0x03, 0xe8})
		start := time.Now()
		if _, err := r.read(); err != io.EOF {
			t.Errorf("%q: after the close handshake got %v, want EOF", tc.send, err)
		}
		if d := time.Since(start); d > quietPace.closeGrace/2 {
			t.Errorf("%q: server took %v to end the connection after the handshake", tc.send, d)
		}
	}
}

func TestCloseWithoutReplyTimesOut(t *testing.T) {
	s := startDemo(t, quietPace)
	r, _ := dialRaw(t, s, "")
	r.mustRead(t)
	r.send(t, 0x1, []byte("close 4000 bye"))
	if f := r.mustRead(t); f.b0 != 0x88 {
		t.Fatalf("got frame %x, want close", f.b0)
	}
	start := time.Now()
	if _, err := r.read(); err != io.EOF {
		t.Fatalf("got %v, want EOF", err)
	}
	if d := time.Since(start); d < quietPace.closeGrace/2 {
		t.Errorf("server hung up after %v without waiting for the close reply", d)
	}
}

func TestClientInitiatedClose(t *testing.T) {
	s := startDemo(t, quietPace)
	c := dial(t, s, "/ws", nil, nil)
	if err := c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1001, "leaving"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.ReadMessage()
	if !websocket.IsCloseError(err, 1001) {
		t.Fatalf("got %v, want the 1001 echoed", err)
	}
}

func TestDropResetsTCP(t *testing.T) {
	s := startDemo(t, quietPace)
	r, _ := dialRaw(t, s, "")
	r.mustRead(t)
	r.send(t, 0x1, []byte("drop"))
	f, err := r.read()
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("got frame %x %q, err %v; want connection reset", f.b0, f.payload, err)
	}
}

func TestBadUTF8RSVAndFragments(t *testing.T) {
	s := startDemo(t, quietPace)
	r, _ := dialRaw(t, s, "")
	r.mustRead(t)

	r.send(t, 0x1, []byte("badutf8"))
	if f := r.mustRead(t); f.b0 != 0x81 || utf8.Valid(f.payload) {
		t.Errorf("badutf8: frame %x %q", f.b0, f.payload)
	}

	r.send(t, 0x1, []byte("rsv"))
	if f := r.mustRead(t); f.b0 != 0xA1 {
		t.Errorf("rsv: first byte %x, want a1 (FIN, RSV2, text)", f.b0)
	}

	r.send(t, 0x1, []byte("fragment"))
	var got []rawFrame
	for range 4 {
		got = append(got, r.mustRead(t))
	}
	want := []rawFrame{
		{0x01, []byte("this message came ")},
		{0x89, []byte("between fragments")},
		{0x00, []byte("in three ")},
		{0x80, []byte("fragments")},
	}
	for i := range want {
		if got[i].b0 != want[i].b0 || !bytes.Equal(got[i].payload, want[i].payload) {
			t.Errorf("fragment frame %d: %x %q, want %x %q", i, got[i].b0, got[i].payload, want[i].b0, want[i].payload)
		}
	}
}

func TestFlood(t *testing.T) {
	s := startDemo(t, quietPace)
	c := dial(t, s, "/ws", nil, nil)
	send(t, c, "flood 500")
	for i := 1; i <= 500; i++ {
		var m struct {
			Type    string `json:"type"`
			Seq, Of int
		}
		if err := json.Unmarshal([]byte(readText(t, c)), &m); err != nil || m.Type != "flood" || m.Seq != i || m.Of != 500 {
			t.Fatalf("message %d: %+v %v", i, m, err)
		}
	}
	if got := ask(t, c, "echo after"); got != "after" {
		t.Fatalf("after the flood: %q", got)
	}

	send(t, c, "flood 99999999999999999999999")
	if got := readText(t, c); got != `{"type":"flood","seq":1,"of":1000000}` {
		t.Fatalf("capped flood starts with %s", got)
	}
}

func TestBigMessages(t *testing.T) {
	s := startDemo(t, quietPace)
	c := dial(t, s, "/ws", nil, nil)
	got := ask(t, c, "big 100000")
	if len(got) != 100000 || !json.Valid([]byte(got)) || !strings.HasPrefix(got, `{"type":"big","bytes":100000,"data":"0123`) {
		t.Errorf("big 100000: %d bytes, starts %.40q", len(got), got)
	}
	if got := ask(t, c, "big 10"); got != "0123456789" {
		t.Errorf("big 10 = %q", got)
	}
	send(t, c, "big 1000000000")
	_, rd, err := c.NextReader()
	if err != nil {
		t.Fatal(err)
	}
	n, err := io.Copy(io.Discard, rd)
	if err != nil || n != maxBig {
		t.Errorf("capped big: %d bytes, %v; want %d", n, err, maxBig)
	}
}

func TestSlowGoesSilent(t *testing.T) {
	s := startDemo(t, busyPace)
	r, _ := dialRaw(t, s, "")
	r.send(t, 0x1, []byte("slow"))
	for {
		f := r.mustRead(t)
		if f.b0 == 0x81 && bytes.Contains(f.payload, []byte("going silent")) {
			break
		}
	}
	silenceStarted := time.Now()
	r.send(t, 0x9, []byte("anyone there?"))
	r.send(t, 0x1, []byte("echo during silence"))
	r.conn.SetReadDeadline(silenceStarted.Add(busyPace.silence / 2))
	if f, err := r.read(); !isTimeout(err) {
		t.Fatalf("during silence got frame %x %q (err %v)", f.b0, f.payload, err)
	}
	time.Sleep(time.Until(silenceStarted.Add(busyPace.silence)))
	r.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	r.send(t, 0x1, []byte("echo awake"))
	for {
		f := r.mustRead(t)
		if string(f.payload) == "during silence" {
			t.Fatal("a command sent during the silence was answered")
		}
		if string(f.payload) == "awake" {
			break
		}
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func TestFeedTicksBinaryAndPings(t *testing.T) {
	s := startDemo(t, busyPace)
	r, _ := dialRaw(t, s, "")
	var ticks, msgpacks, blobs, pings int
	symbols := map[string]bool{}
	lastSeq := 0
	for ticks < 40 || msgpacks == 0 || blobs == 0 || pings == 0 {
		f := r.mustRead(t)
		switch f.b0 {
		case 0x81:
			var tk tick
			if json.Unmarshal(f.payload, &tk) != nil || tk.Type != "tick" {
				continue // the welcome
			}
			if tk.Seq != lastSeq+1 || tk.Price <= 0 || tk.Symbol == "" {
				t.Fatalf("tick %s after seq %d", f.payload, lastSeq)
			}
			if _, err := time.Parse(time.RFC3339, tk.TS); err != nil {
				t.Fatalf("tick ts: %v", err)
			}
			lastSeq = tk.Seq
			symbols[tk.Symbol] = true
			ticks++
		case 0x82:
			var tr trade
			switch {
			case bytes.HasPrefix(f.payload, blobMagic):
				blobs++
			case msgpack.Unmarshal(f.payload, &tr) == nil && tr.Type == "trade":
				msgpacks++
			default:
				t.Fatalf("binary frame % x", f.payload)
			}
		case 0x89:
			if !bytes.HasPrefix(f.payload, []byte("keepalive ")) {
				t.Fatalf("ping payload %q", f.payload)
			}
			pings++
		default:
			t.Fatalf("unexpected frame %x", f.b0)
		}
	}
	if len(symbols) < 2 {
		t.Errorf("40 ticks covered only %v", symbols)
	}
}

func TestCompressionAndSubprotocols(t *testing.T) {
	s := startDemo(t, quietPace)
	d := &websocket.Dialer{EnableCompression: true, Subprotocols: []string{"other", "graphql-transport-ws"}}
	c := dial(t, s, "/ws", d, nil)
	if got := c.Subprotocol(); got != "graphql-transport-ws" {
		t.Errorf("subprotocol %q", got)
	}
	if got := ask(t, c, "big 50000"); len(got) != 50000 {
		t.Errorf("compressed big: %d bytes", len(got))
	}

	c2 := dial(t, s, "/ws", &websocket.Dialer{Subprotocols: []string{"mqtt"}}, nil)
	if got := c2.Subprotocol(); got != "" {
		t.Errorf("unoffered subprotocol %q selected", got)
	}

	r, resp := dialRaw(t, s, "Sec-WebSocket-Extensions: permessage-deflate\r\n")
	if !strings.HasPrefix(resp.Header.Get("Sec-WebSocket-Extensions"), "permessage-deflate") {
		t.Fatalf("extensions %q", resp.Header.Get("Sec-WebSocket-Extensions"))
	}
	if f := r.mustRead(t); f.b0 != 0xC1 {
		t.Errorf("welcome first byte %x, want c1 (FIN, RSV1 for compressed, text)", f.b0)
	}
}

func TestHandshakeFailures(t *testing.T) {
	s := startDemo(t, quietPace)
	for _, tc := range []struct {
		path   string
		status int
		header string
		value  string
		body   string
	}{
		{"/auth", 401, "Content-Type", "application/json", `{"error":"token expired"}`},
		{"/forbidden", 403, "", "", ""},
		{"/old", 301, "Location", "/ws", ""},
		{"/busy", 429, "Retry-After", "30", ""},
		{"/notws", 200, "Content-Type", "text/html; charset=utf-8", "<html>"},
		{"/nowhere", 404, "", "", ""},
	} {
		_, resp, err := websocket.DefaultDialer.Dial(s.urlFor(tc.path), nil)
		if !errors.Is(err, websocket.ErrBadHandshake) || resp == nil {
			t.Errorf("%s: err %v, want a bad handshake", tc.path, err)
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s: status %d, want %d", tc.path, resp.StatusCode, tc.status)
		}
		if tc.header != "" && resp.Header.Get(tc.header) != tc.value {
			t.Errorf("%s: %s = %q, want %q", tc.path, tc.header, resp.Header.Get(tc.header), tc.value)
		}
		if !strings.Contains(string(body), tc.body) {
			t.Errorf("%s: body %q lacks %q", tc.path, body, tc.body)
		}
	}
	c := dial(t, s, "/auth", nil, http.Header{"Authorization": {"Bearer demo"}})
	if got := ask(t, c, "echo in"); got != "in" {
		t.Errorf("authorized echo = %q", got)
	}
}

func TestEndpointsAndURL(t *testing.T) {
	s := startDemo(t, quietPace)
	if !strings.HasPrefix(s.URL(), "ws://127.0.0.1:") || !strings.HasSuffix(s.URL(), "/ws") {
		t.Errorf("URL %q", s.URL())
	}
	eps := s.Endpoints()
	if len(eps) != 6 || eps[0].URL != s.URL() {
		t.Errorf("endpoints %v", eps)
	}
}

func TestCloseEndsEverythingAndLeaksNoGoroutine(t *testing.T) {
	before := runtime.NumGoroutine()
	s, err := Start("")
	if err != nil {
		t.Fatal(err)
	}
	var clients []*websocket.Conn
	for _, cmd := range []string{"echo hi", "flood 1000000", "slow", "big 60000000"} {
		c := dial(t, s, "/ws", &websocket.Dialer{EnableCompression: true}, nil)
		send(t, c, cmd)
		clients = append(clients, c)
	}
	raw, err := net.Dial("tcp", s.ln.Addr().String()) // connected, never upgraded
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	time.Sleep(50 * time.Millisecond)

	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	for i, c := range clients {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			if _, _, err := c.ReadMessage(); err != nil {
				if isTimeout(err) {
					t.Errorf("client %d still open after Close", i)
				}
				break
			}
		}
		c.Close()
	}
	if _, err := net.DialTimeout("tcp", s.ln.Addr().String(), time.Second); err == nil {
		t.Error("still accepting connections after Close")
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after Close:\n%s", before, runtime.NumGoroutine(), buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, seed := range []string{"help", "echo hi", "close 4001 room gone", "close 99999", "error 4003 token expired",
		"error x", "flood 10", "flood 99999999999999999999", "big -1", "BIG 0", "  slow  ", "escape", "", "\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, msg string) {
		cmd := parseCommand(msg)
		switch cmd.kind {
		case cmdFlood:
			if cmd.n < 1 || cmd.n > maxFlood {
				t.Fatalf("%q: flood %d", msg, cmd.n)
			}
		case cmdBig:
			if cmd.n < 1 || cmd.n > maxBig {
				t.Fatalf("%q: big %d", msg, cmd.n)
			}
		case cmdClose:
			if cmd.code < 0 || cmd.code > 0xFFFF {
				t.Fatalf("%q: close %d", msg, cmd.code)
			}
		case cmdUsage:
			if !strings.HasPrefix(cmd.text, "usage: ") {
				t.Fatalf("%q: usage %q", msg, cmd.text)
			}
		case cmdEcho:
			if strings.TrimSpace(cmd.text) != cmd.text {
				t.Fatalf("%q: echo text %q not trimmed", msg, cmd.text)
			}
		}
	})
}

func BenchmarkFlood(b *testing.B) {
	s := startDemo(b, quietPace)
	c := dial(b, s, "/ws", nil, nil)
	c.SetReadDeadline(time.Time{})
	const batch = 10000
	b.ResetTimer()
	for range b.N {
		send(b, c, "flood 10000")
		for range batch {
			if _, _, err := c.ReadMessage(); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "msgs/s")
}
