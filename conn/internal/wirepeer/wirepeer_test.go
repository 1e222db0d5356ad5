package wirepeer

import (
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// rfcKey and rfcAccept are the handshake example of RFC 6455 §1.3.
const (
	rfcKey    = "dGhlIHNhbXBsZSBub25jZQ=="
	rfcAccept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
)

// rawClient dials url over plain TCP, sends an upgrade request with extra
// header lines, and returns the parsed response and a reader positioned at
// the first byte after it.
func rawClient(t *testing.T, url string, extra ...string) (net.Conn, *http.Response, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	req := "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + rfcKey + "\r\nSec-WebSocket-Version: 13\r\n"
	for _, h := range extra {
		req += h + "\r\n"
	}
	if _, err := io.WriteString(c, req+"\r\n"); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	return c, resp, br
}

func TestAcceptKeyMatchesRFCExample(t *testing.T) {
	if got := AcceptKey(rfcKey); got != rfcAccept {
		t.Fatalf("AcceptKey = %q, want %q", got, rfcAccept)
	}
}

func TestDefaultHandshake(t *testing.T) {
	url := Start(t, func(p *Peer) {})
	_, resp, _ := rawClient(t, url, "Sec-WebSocket-Protocol: chat, superchat")
	if resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("status %d", resp.StatusCode)
	}
	for name, want := range map[string]string{
		"Upgrade":                "websocket",
		"Connection":             "Upgrade",
		"Sec-WebSocket-Accept":   rfcAccept,
		"Sec-WebSocket-Protocol": "",
	} {
		if got := resp.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestEchoSubprotocolPicksFirstOffered(t *testing.T) {
	url := StartWith(t, Options{EchoSubprotocol: true}, func(p *Peer) {})
	_, resp, _ := rawClient(t, url, "Sec-WebSocket-Protocol: chat, superchat", "Sec-WebSocket-Protocol: other")
	if got := resp.Header.Get("Sec-WebSocket-Protocol"); got != "chat" {
		t.Fatalf("subprotocol %q, want chat", got)
	}
}

func TestAcceptOverridesAndRemovesHeaders(t *testing.T) {
	url := StartWith(t, Options{ManualHandshake: true}, func(p *Peer) {
		p.Accept(http.Header{
			"Upgrade":                  nil,
			"sec-websocket-accept":     {"bm90IHRoZSByaWdodCBrZXk="},
			"Sec-WebSocket-Extensions": {"x-never-offered"},
		})
	})
	_, resp, _ := rawClient(t, url)
	if _, ok := resp.Header["Upgrade"]; ok {
		t.Errorf("Upgrade header still present: %q", resp.Header.Get("Upgrade"))
	}
	if got := resp.Header.Get("Sec-WebSocket-Accept"); got != "bm90IHRoZSByaWdodCBrZXk=" {
		t.Errorf("accept %q not overridden", got)
	}
	if got := resp.Header.Get("Sec-WebSocket-Extensions"); got != "x-never-offered" {
		t.Errorf("extension %q not added", got)
	}
	if got := resp.Header.Get("Connection"); got != "Upgrade" {
		t.Errorf("Connection %q, want the default kept", got)
	}
}

func TestWriteStatusWithHeadersAndBody(t *testing.T) {
	url := StartWith(t, Options{ManualHandshake: true}, func(p *Peer) {
		p.WriteStatus(http.StatusTooManyRequests, http.Header{"Retry-After": {"30"}}, "slow down")
	})
	_, resp, _ := rawClient(t, url)
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "30" || string(body) != "slow down" {
		t.Fatalf("got %d Retry-After=%q body=%q", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

func TestEndlessHeaderStopsWhenClientLeaves(t *testing.T) {
	done := make(chan error, 1)
	url := StartWith(t, Options{ManualHandshake: true}, func(p *Peer) { done <- p.WriteEndlessHeader() })
	c, err := net.Dial("tcp", strings.TrimPrefix(strings.TrimSuffix(url, "/"), "ws://"))
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	got := make([]byte, 64<<10)
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("reading 64 KiB of headers: %v", err)
	}
	if bytes.Contains(got, []byte("\r\n\r\n")) {
		t.Fatal("the header ended")
	}
	c.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("WriteEndlessHeader returned nil")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("WriteEndlessHeader kept writing after the client left")
	}
}

func TestEncodeFrameLengths(t *testing.T) {
	payload := []byte("hello")
	for _, tc := range []struct {
		name string
		spec FrameSpec
		want []byte
	}{
		{"minimal", FrameSpec{FIN: true, Opcode: OpText, Payload: payload},
			append([]byte{0x81, 5}, payload...)},
		{"non-minimal 16", FrameSpec{FIN: true, Opcode: OpText, Payload: payload, ForceLenBytes: 2},
			append([]byte{0x81, 126, 0, 5}, payload...)},
		{"non-minimal 64", FrameSpec{FIN: true, Opcode: OpText, Payload: payload, ForceLenBytes: 8},
			append([]byte{0x81, 127, 0, 0, 0, 0, 0, 0, 0, 5}, payload...)},
		{"rsv and reserved opcode", FrameSpec{RSV: RSV1 | RSV3, Opcode: 0xB},
			[]byte{0x5B, 0}},
		// RFC 6455 §5.7: a masked "Hello".
		{"masked", FrameSpec{FIN: true, Opcode: OpText, Masked: true, MaskKey: exampleMaskKey, Payload: []byte("Hello")},
			[]byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}},
	} {
		got, err := EncodeFrame(tc.spec)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !bytes.Equal(got, tc.want) {
			t.Errorf("%s: % x, want % x", tc.name, got, tc.want)
		}
	}
	if b, _ := EncodeFrame(FrameSpec{Payload: make([]byte, 126)}); !bytes.Equal(b[:4], []byte{0, 126, 0, 126}) {
		t.Errorf("126-byte payload header % x, want a 16-bit length", b[:4])
	}
	if b, _ := EncodeFrame(FrameSpec{Payload: make([]byte, 0x10000)}); b[1] != 127 {
		t.Errorf("64 KiB payload length byte %d, want 127", b[1])
	}
	if _, err := EncodeFrame(FrameSpec{ForceLenBytes: 3}); err == nil {
		t.Error("ForceLenBytes 3 accepted")
	}
	if _, err := EncodeFrame(FrameSpec{Payload: make([]byte, 0x10000), ForceLenBytes: 2}); err == nil {
		t.Error("64 KiB payload accepted with a 16-bit length")
	}
}

// TestMisbehavingWriters checks the exact bytes each convenience writer puts
// on the wire.
func TestMisbehavingWriters(t *testing.T) {
	closeFrame := func(code uint16, reason string) []byte {
		return append([]byte{0x88, byte(2 + len(reason)), byte(code >> 8), byte(code)}, reason...)
	}
	cases := []struct {
		name  string
		write func(p *Peer) error
		want  []byte
	}{
		{"rsv2", func(p *Peer) error { return p.WriteRSV(RSV2) },
			append([]byte{0xA1, 17}, "reserved bits set"...)},
		{"reserved opcode", func(p *Peer) error { return p.WriteReservedOpcode(0x3) },
			append([]byte{0x83, 15}, "reserved opcode"...)},
		{"fragmented ping", (*Peer).WriteFragmentedPing,
			append([]byte{0x09, 10}, "fragmented"...)},
		{"long ping", (*Peer).WriteLongPing,
			append([]byte{0x89, 126, 0, 126}, strings.Repeat("p", 126)...)},
		{"masked", func(p *Peer) error { return p.WriteMaskedText("Hello") },
			[]byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}},
		{"orphan continuation", (*Peer).WriteContinuationWithoutStart,
			append([]byte{0x80, 6}, "orphan"...)},
		{"data inside fragment", (*Peer).WriteDataFrameInsideFragment,
			append(append([]byte{0x01, 12}, "first half, "...), append([]byte{0x81, 10}, "interloper"...)...)},
		{"non-minimal 16", func(p *Peer) error { return p.WriteNonMinimal16([]byte("hello")) },
			append([]byte{0x81, 126, 0, 5}, "hello"...)},
		{"non-minimal 64", func(p *Peer) error { return p.WriteNonMinimal64([]byte("hi")) },
			append([]byte{0x81, 127, 0, 0, 0, 0, 0, 0, 0, 2}, "hi"...)},
		{"invalid utf8 text", (*Peer).WriteInvalidUTF8Text,
			append([]byte{0x81, byte(len(invalidUTF8))}, invalidUTF8...)},
		{"invalid utf8 reason", (*Peer).WriteInvalidUTF8CloseReason,
			closeFrame(1000, string(invalidUTF8))},
		{"one-byte close", (*Peer).WriteOneByteClose, []byte{0x88, 1, 0x03}},
	}
	for _, code := range IllegalCloseCodes {
		cases = append(cases, struct {
			name  string
			write func(p *Peer) error
			want  []byte
		}{"close code", func(p *Peer) error { return p.WriteClose(code, "bye") }, closeFrame(code, "bye")})
	}
	for _, tc := range cases {
		url := Start(t, func(p *Peer) {
			if err := tc.write(p); err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			p.Close()
		})
		_, _, br := rawClient(t, url)
		got, err := io.ReadAll(br)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if !bytes.Equal(got, tc.want) {
			t.Errorf("%s: % x\nwant % x", tc.name, got, tc.want)
		}
	}
	if utf8.Valid(invalidUTF8) {
		t.Error("invalidUTF8 is valid UTF-8")
	}
}

// TestGorillaRejectsMisbehaviour shows that the frames really break the
// protocol: a strict client refuses each of them.
func TestGorillaRejectsMisbehaviour(t *testing.T) {
	for name, write := range map[string]func(p *Peer) error{
		"rsv2":                 func(p *Peer) error { return p.WriteRSV(RSV2) },
		"reserved opcode":      func(p *Peer) error { return p.WriteReservedOpcode(0xB) },
		"masked":               func(p *Peer) error { return p.WriteMaskedText("x") },
		"long ping":            (*Peer).WriteLongPing,
		"fragmented ping":      (*Peer).WriteFragmentedPing,
		"orphan continuation":  (*Peer).WriteContinuationWithoutStart,
		"data inside fragment": (*Peer).WriteDataFrameInsideFragment,
		"close 1005":           func(p *Peer) error { return p.WriteClose(1005, "") },
	} {
		checked := make(chan struct{})
		url := Start(t, func(p *Peer) {
			defer close(checked)
			write(p)
			if f, err := p.ReadFrame(); err != nil || f.Opcode != OpClose || !bytes.HasPrefix(f.Payload, []byte{0x03, 0xea}) {
				t.Errorf("%s: client answered %+v, %v; want close 1002", name, f, err)
			}
		})
		c, _, err := websocket.DefaultDialer.Dial(url, nil)
		if err != nil {
			t.Fatalf("%s: dial: %v", name, err)
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		_, _, err = c.ReadMessage()
		// gorilla reports a protocol violation as a plain error, after
		// sending close 1002 itself; a close from the peer would be a
		// *CloseError.
		var closeErr *websocket.CloseError
		if err == nil || errors.As(err, &closeErr) {
			t.Errorf("%s: gorilla read error %v, want a protocol error", name, err)
		}
		<-checked
		c.Close()
	}
}

func TestReadFrameUnmasksClientFrames(t *testing.T) {
	url := Start(t, func(p *Peer) {
		f, err := p.ReadFrame()
		if err != nil {
			t.Errorf("ReadFrame: %v", err)
			return
		}
		if !f.Masked || f.Opcode != OpText || !f.FIN || f.RSV != 0 {
			t.Errorf("frame %+v", f)
		}
		p.WriteText("echo: " + string(f.Payload))
	})
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.WriteMessage(websocket.TextMessage, []byte("hello"))
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, got, err := c.ReadMessage()
	if err != nil || string(got) != "echo: hello" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestReadRawTakesOnlyWhatIsAskedFor(t *testing.T) {
	got := make(chan []byte, 3)
	url := Start(t, func(p *Peer) {
		for _, n := range []int{2, 4} { // an empty masked frame: its head, then its mask key
			b, err := p.ReadRaw(n)
			if err != nil {
				t.Errorf("ReadRaw(%d): %v", n, err)
				return
			}
			got <- b
		}
		f, err := p.ReadFrame()
		if err != nil {
			t.Errorf("ReadFrame: %v", err)
			return
		}
		got <- f.Payload
	})
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.WriteMessage(websocket.TextMessage, nil)
	c.WriteMessage(websocket.TextMessage, []byte("second"))
	timeout := time.After(5 * time.Second)
	var reads [][]byte
	for len(reads) < 3 {
		select {
		case b := <-got:
			reads = append(reads, b)
		case <-timeout:
			t.Fatalf("script read %d of 3 pieces", len(reads))
		}
	}
	if !bytes.Equal(reads[0], []byte{0x81, 0x80}) || len(reads[1]) != 4 || string(reads[2]) != "second" {
		t.Fatalf("reads = % x", reads)
	}
}

func TestReadFrameLongLengths(t *testing.T) {
	for _, n := range []int{126, 0x10000} {
		payload := bytes.Repeat([]byte{'z'}, n)
		wire, _ := EncodeFrame(FrameSpec{FIN: true, Opcode: OpBinary, Masked: true, MaskKey: [4]byte{1, 2, 3, 4}, Payload: payload})
		f, err := readFrame(bufio.NewReader(bytes.NewReader(wire)))
		if err != nil || !bytes.Equal(f.Payload, payload) || f.MaskKey != [4]byte{1, 2, 3, 4} {
			t.Errorf("%d bytes: err %v, payload equal %v", n, err, bytes.Equal(f.Payload, payload))
		}
	}
	over := []byte{0x82, 127, 0, 0, 0, 0, 0x10, 0, 0, 0}
	if _, err := readFrame(bufio.NewReader(bytes.NewReader(over))); err == nil {
		t.Error("a 256 MiB frame was accepted")
	}
	if _, err := readFrame(bufio.NewReader(bytes.NewReader([]byte{0x81, 5, 'h'}))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated frame: %v, want unexpected EOF", err)
	}
}

func TestResetSendsRST(t *testing.T) {
	url := Start(t, func(p *Peer) { p.Reset() })
	_, _, br := rawClient(t, url)
	_, err := br.ReadByte()
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("read after Reset: %v, want connection reset", err)
	}
}

func TestCloseSendsFIN(t *testing.T) {
	url := Start(t, func(p *Peer) { p.Close() })
	_, _, br := rawClient(t, url)
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("read after Close: %v, want EOF", err)
	}
}

func FuzzReadFrame(f *testing.F) {
	for _, spec := range []FrameSpec{
		{FIN: true, Opcode: OpText, Payload: []byte("hello")},
		{Opcode: OpBinary, Masked: true, Payload: make([]byte, 200)},
		{FIN: true, Opcode: OpClose, Payload: []byte{3, 232}, ForceLenBytes: 8},
	} {
		b, _ := EncodeFrame(spec)
		f.Add(b)
	}
	f.Add([]byte{0x82, 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		fr, err := readFrame(bufio.NewReader(bytes.NewReader(data)))
		if err != nil {
			return
		}
		// Whatever parsed must encode back to the bytes it came from.
		again, err := EncodeFrame(FrameSpec{
			FIN: fr.FIN, RSV: fr.RSV, Opcode: fr.Opcode, Masked: fr.Masked,
			MaskKey: fr.MaskKey, Payload: fr.Payload, ForceLenBytes: fr.LenBytes,
		})
		if err != nil {
			t.Fatalf("re-encoding %+v: %v", fr, err)
		}
		if !bytes.HasPrefix(data, again) {
			t.Fatalf("re-encoded % x is not a prefix of % x", again, data)
		}
	})
}

func TestDeflateBombInflatesToItsSize(t *testing.T) {
	const size = 8 << 20
	bomb := DeflateBomb(size)
	if len(bomb) > size/500 {
		t.Fatalf("%d compressed bytes for %d: not a bomb", len(bomb), size)
	}
	// permessage-deflate's receiver appends the removed tail (RFC 7692 §7.2.2).
	r := flate.NewReader(io.MultiReader(bytes.NewReader(bomb), bytes.NewReader([]byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff})))
	n, err := io.Copy(io.Discard, r)
	if err != nil || n != size {
		t.Fatalf("inflated to %d bytes (%v), want %d", n, err, size)
	}
	text := []byte("hello hello hello")
	r = flate.NewReader(io.MultiReader(bytes.NewReader(Deflate(text)), bytes.NewReader([]byte{0, 0, 0xff, 0xff, 1, 0, 0, 0xff, 0xff})))
	if got, err := io.ReadAll(r); err != nil || !bytes.Equal(got, text) {
		t.Fatalf("Deflate round trip: %q, %v", got, err)
	}
}

func TestFragmentsSlowWritesAndReadClose(t *testing.T) {
	url := Start(t, func(p *Peer) {
		p.WriteFragments("abc", 4)
		p.WriteSlowly([]byte{0x88, 2, 0x03, 0xf6}, time.Millisecond)
	})
	_, _, br := rawClient(t, url)
	var ops []byte
	var text []byte
	for {
		f, err := readFrame(br)
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, f.Opcode)
		text = append(text, f.Payload...)
		if f.Opcode == OpClose {
			break
		}
	}
	if !bytes.Equal(ops, []byte{OpText, OpContinuation, OpContinuation, OpContinuation, OpClose}) || string(text) != "abc\x03\xf6" {
		t.Fatalf("opcodes % x, payloads %q", ops, text)
	}

	codes := make(chan int, 1)
	url = Start(t, func(p *Peer) {
		code, _ := p.ReadClose()
		codes <- code
	})
	c, _, _ := rawClient(t, url)
	ping, _ := EncodeFrame(FrameSpec{FIN: true, Opcode: OpPing, Masked: true, Payload: []byte("p")})
	closing, _ := EncodeFrame(FrameSpec{FIN: true, Opcode: OpClose, Masked: true, Payload: []byte{0x0f, 0xa0}})
	c.Write(append(ping, closing...))
	if code := <-codes; code != 4000 {
		t.Fatalf("ReadClose = %d, want 4000", code)
	}
}
