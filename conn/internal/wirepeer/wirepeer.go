// Package wirepeer is a WebSocket server written on a raw TCP socket, for
// tests of how a client copes with a peer that breaks the protocol: bad
// handshakes, illegal frames, illegal close codes, abrupt resets.
//
//	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
//		p.WriteRSV(wirepeer.RSV2)
//		p.ReadFrame() // the client's close frame
//	})
//
// Every write goes straight to the socket: nothing is validated, so a script
// can produce exactly the bytes a test needs.
package wirepeer

import (
	"bufio"
	"bytes"
	"compress/flate"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// websocketGUID is the fixed GUID of RFC 6455 §1.3 that the accept key hashes in.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// ReservedOpcodes are the opcodes RFC 6455 leaves undefined.
var ReservedOpcodes = []byte{0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF}

// IllegalCloseCodes are close codes that must never appear in a close frame:
// out of range, reserved, or meant only for local reporting.
var IllegalCloseCodes = []uint16{999, 1004, 1005, 1006, 1015, 1016, 2999, 5000}

// Options change how the peers of one server shake hands.
type Options struct {
	// ManualHandshake leaves the upgrade response to the script, which
	// calls Accept or writes any response it likes with WriteRaw or
	// WriteStatus. Otherwise a correct 101 is sent before the script runs.
	ManualHandshake bool
	// EchoSubprotocol makes the automatic 101 select the first subprotocol
	// the client offered. Otherwise it selects none.
	EchoSubprotocol bool
}

// Start serves on 127.0.0.1 until the test ends, answers each upgrade with a
// correct 101 and then runs script on the connection, and returns the ws://
// URL to dial (any path is accepted).
func Start(t testing.TB, script func(p *Peer)) string {
	t.Helper()
	return StartWith(t, Options{}, script)
}

// StartWith is Start with handshake options.
//
// Each connection runs script in its own goroutine. When the test ends the
// listener and every connection are closed and the scripts are waited for,
// so a script must return once its connection fails.
func StartWith(t testing.TB, opts Options, script func(p *Peer)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("wirepeer: %v", err)
	}
	s := &server{t: t, opts: opts, script: script, ln: ln, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.acceptLoop()
	t.Cleanup(s.close)
	return "ws://" + ln.Addr().String() + "/"
}

type server struct {
	t      testing.TB
	opts   Options
	script func(p *Peer)
	ln     net.Listener
	wg     sync.WaitGroup

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

func (s *server) acceptLoop() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return // listener closed
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(c)
	}
}

func (s *server) serve(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		c.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	p := &Peer{conn: c, br: bufio.NewReader(c)}
	req, err := http.ReadRequest(p.br)
	if err != nil {
		s.t.Logf("wirepeer: reading the upgrade request: %v", err)
		return
	}
	p.Request = req
	if !s.opts.ManualHandshake {
		h := http.Header{}
		if offered := OfferedSubprotocols(req); s.opts.EchoSubprotocol && len(offered) > 0 {
			h.Set("Sec-WebSocket-Protocol", offered[0])
		}
		if err := p.Accept(h); err != nil {
			s.t.Logf("wirepeer: writing the 101: %v", err)
			return
		}
	}
	s.script(p)
}

func (s *server) close() {
	s.mu.Lock()
	s.closed = true
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Peer is the server side of one connection.
type Peer struct {
	// Request is the client's upgrade request.
	Request *http.Request

	conn    net.Conn
	br      *bufio.Reader // holds whatever the client sent after its request
	writeMu sync.Mutex    // keeps concurrent writes from interleaving
}

// AcceptKey computes Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 §4.2.2).
func AcceptKey(key string) string {
	sum := sha1.Sum([]byte(key + websocketGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// OfferedSubprotocols lists the subprotocols a request offers, in order.
func OfferedSubprotocols(r *http.Request) []string {
	var out []string
	for _, v := range r.Header.Values("Sec-WebSocket-Protocol") {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// Accept writes a 101 response with correct Upgrade, Connection and
// Sec-WebSocket-Accept headers. A header named in override replaces the
// default of that name, or removes it when given with no values; any other
// header in override is added.
func (p *Peer) Accept(override http.Header) error {
	h := http.Header{}
	h.Set("Upgrade", "websocket")
	h.Set("Connection", "Upgrade")
	h.Set("Sec-WebSocket-Accept", AcceptKey(p.Request.Header.Get("Sec-WebSocket-Key")))
	for k, v := range override {
		h[http.CanonicalHeaderKey(k)] = v
	}
	return p.WriteStatus(http.StatusSwitchingProtocols, h, "")
}

// WriteStatus writes an HTTP/1.1 response with the given status, headers and
// body. A non-empty body gets a Content-Length unless header sets one.
func (p *Peer) WriteStatus(code int, header http.Header, body string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", code, http.StatusText(code))
	for k, vs := range header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	if body != "" && header.Get("Content-Length") == "" {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.WriteString(body)
	return p.WriteRaw([]byte(b.String()))
}

// WriteEndlessHeader starts a 101 response and then sends header lines
// forever, for testing a client's response size limit. It returns when a
// write fails, that is when the client gives up.
func (p *Peer) WriteEndlessHeader() error {
	if err := p.WriteRaw([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n")); err != nil {
		return err
	}
	line := []byte("X-Padding: " + strings.Repeat("a", 1000) + "\r\n")
	for {
		if err := p.WriteRaw(line); err != nil {
			return err
		}
	}
}

// WriteRaw writes b to the socket as is.
func (p *Peer) WriteRaw(b []byte) error {
	p.writeMu.Lock()
	defer p.writeMu.Unlock()
	_, err := p.conn.Write(b)
	return err
}

// WriteFrame encodes spec and writes it.
func (p *Peer) WriteFrame(spec FrameSpec) error {
	b, err := EncodeFrame(spec)
	if err != nil {
		return err
	}
	return p.WriteRaw(b)
}

// ReadFrame reads one frame from the client and unmasks it.
func (p *Peer) ReadFrame() (Frame, error) { return readFrame(p.br) }

// ReadRaw reads exactly n bytes from the client as they are, for a script
// that must see a frame start without taking in the rest of it.
func (p *Peer) ReadRaw(n int) ([]byte, error) {
	b := make([]byte, n)
	_, err := io.ReadFull(p.br, b)
	return b, err
}

// Close closes the connection gracefully (a TCP FIN).
func (p *Peer) Close() error { return p.conn.Close() }

// Reset aborts the connection with a TCP RST: no close frame, no FIN.
func (p *Peer) Reset() error {
	if tc, ok := p.conn.(*net.TCPConn); ok {
		if err := tc.SetLinger(0); err != nil {
			return err
		}
	}
	return p.conn.Close()
}

// WriteText writes a legal, unfragmented text frame.
func (p *Peer) WriteText(s string) error {
	return p.WriteFrame(FrameSpec{FIN: true, Opcode: OpText, Payload: []byte(s)})
}

// WriteBinary writes a legal, unfragmented binary frame.
func (p *Peer) WriteBinary(b []byte) error {
	return p.WriteFrame(FrameSpec{FIN: true, Opcode: OpBinary, Payload: b})
}

// WriteClose writes a close frame with any code, legal or not, and reason.
func (p *Peer) WriteClose(code uint16, reason string) error {
	payload := append([]byte{byte(code >> 8), byte(code)}, reason...)
	return p.WriteFrame(FrameSpec{FIN: true, Opcode: OpClose, Payload: payload})
}

// WriteRSV writes a text frame with the given RSV bits set although no
// extension was negotiated.
func (p *Peer) WriteRSV(rsv uint8) error {
	return p.WriteFrame(FrameSpec{FIN: true, RSV: rsv, Opcode: OpText, Payload: []byte("reserved bits set")})
}

// WriteReservedOpcode writes a frame with an undefined opcode (see ReservedOpcodes).
func (p *Peer) WriteReservedOpcode(op byte) error {
	return p.WriteFrame(FrameSpec{FIN: true, Opcode: op, Payload: []byte("reserved opcode")})
}

// WriteFragmentedPing writes a ping without FIN; control frames must not be
// fragmented.
func (p *Peer) WriteFragmentedPing() error {
	return p.WriteFrame(FrameSpec{Opcode: OpPing, Payload: []byte("fragmented")})
}

// WriteLongPing writes a ping with a 126-byte payload, one over the control
// frame limit.
func (p *Peer) WriteLongPing() error {
	return p.WriteFrame(FrameSpec{FIN: true, Opcode: OpPing, Payload: []byte(strings.Repeat("p", 126))})
}

// WriteMaskedText writes a masked text frame; servers must not mask.
func (p *Peer) WriteMaskedText(s string) error {
	return p.WriteFrame(FrameSpec{FIN: true, Opcode: OpText, Masked: true, MaskKey: exampleMaskKey, Payload: []byte(s)})
}

// WriteContinuationWithoutStart writes a final continuation frame when no
// fragmented message is in progress.
func (p *Peer) WriteContinuationWithoutStart() error {
	return p.WriteFrame(FrameSpec{FIN: true, Opcode: OpContinuation, Payload: []byte("orphan")})
}

// WriteDataFrameInsideFragment starts a fragmented text message and then
// writes a new text frame instead of its continuation.
func (p *Peer) WriteDataFrameInsideFragment() error {
	if err := p.WriteFrame(FrameSpec{Opcode: OpText, Payload: []byte("first half, ")}); err != nil {
		return err
	}
	return p.WriteFrame(FrameSpec{FIN: true, Opcode: OpText, Payload: []byte("interloper")})
}

// WriteNonMinimal16 writes a text frame whose short payload length is
// encoded in 16 bits (126 + 2 bytes) instead of 7.
func (p *Peer) WriteNonMinimal16(payload []byte) error {
	return p.WriteFrame(FrameSpec{FIN: true, Opcode: OpText, Payload: payload, ForceLenBytes: 2})
}

// WriteNonMinimal64 writes a text frame whose payload length is encoded in
// 64 bits (127 + 8 bytes) although it fits in 16 or 7.
func (p *Peer) WriteNonMinimal64(payload []byte) error {
	return p.WriteFrame(FrameSpec{FIN: true, Opcode: OpText, Payload: payload, ForceLenBytes: 8})
}

// invalidUTF8 holds a truncated two-byte sequence and two bytes that never
// appear in UTF-8.
var invalidUTF8 = []byte("caf\xc3 \xff\xfe")

// WriteInvalidUTF8Text writes a text frame whose payload is not UTF-8.
func (p *Peer) WriteInvalidUTF8Text() error {
	return p.WriteFrame(FrameSpec{FIN: true, Opcode: OpText, Payload: invalidUTF8})
}

// WriteInvalidUTF8CloseReason writes a 1000 close frame whose reason is not UTF-8.
func (p *Peer) WriteInvalidUTF8CloseReason() error {
	return p.WriteClose(1000, string(invalidUTF8))
}

// WriteOneByteClose writes a close frame with a 1-byte payload: too long to
// be empty, too short to hold a code.
func (p *Peer) WriteOneByteClose() error {
	return p.WriteFrame(FrameSpec{FIN: true, Opcode: OpClose, Payload: []byte{0x03}})
}

// deflateExtension is the permessage-deflate answer a client that insists
// on no context takeover (as gorilla does) accepts.
const deflateExtension = "permessage-deflate; server_no_context_takeover; client_no_context_takeover"

// AcceptDeflate writes a 101 that accepts permessage-deflate without context
// takeover, for a script run with ManualHandshake against a client that
// offered it.
func (p *Peer) AcceptDeflate() error {
	return p.Accept(http.Header{"Sec-Websocket-Extensions": {deflateExtension}})
}

// Deflate compresses payload as one permessage-deflate message (RFC 7692
// §7.2.1: raw DEFLATE, the final empty block's 00 00 ff ff removed).
func Deflate(payload []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(payload)
	w.Flush()
	return bytes.TrimSuffix(b.Bytes(), []byte{0x00, 0x00, 0xff, 0xff})
}

// DeflateBomb returns a permessage-deflate payload that inflates to n zero
// bytes, about a thousand times its own size, without ever holding the n
// bytes in memory.
func DeflateBomb(n int) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	zeros := make([]byte, 64<<10)
	for n > 0 {
		k := min(n, len(zeros))
		w.Write(zeros[:k])
		n -= k
	}
	w.Flush()
	return bytes.TrimSuffix(b.Bytes(), []byte{0x00, 0x00, 0xff, 0xff})
}

// WriteCompressed writes payload, already compressed with Deflate or
// DeflateBomb, as one binary frame with RSV1 set.
func (p *Peer) WriteCompressed(compressed []byte) error {
	return p.WriteFrame(FrameSpec{FIN: true, RSV: RSV1, Opcode: OpBinary, Payload: compressed})
}

// WriteSlowly writes b one byte at a time, every interval, as a server or
// proxy that trickles its answer does. It returns when b is written or a
// write fails.
func (p *Peer) WriteSlowly(b []byte, every time.Duration) error {
	for i := range b {
		if err := p.WriteRaw(b[i : i+1]); err != nil {
			return err
		}
		time.Sleep(every)
	}
	return nil
}

// AcceptText is the 101 Accept writes, as bytes, for scripts that send it
// in their own way (slowly, or with a broken header added).
func (p *Peer) AcceptText(extraLines ...string) []byte {
	var b strings.Builder
	b.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
	b.WriteString("Sec-WebSocket-Accept: " + AcceptKey(p.Request.Header.Get("Sec-WebSocket-Key")) + "\r\n")
	for _, l := range extraLines {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("\r\n")
	return []byte(b.String())
}

// WriteFragments writes text as a message of n frames: a text frame, n-2
// continuations and a final one. Each frame carries one byte of text, or
// none once text runs out.
func (p *Peer) WriteFragments(text string, n int) error {
	var b []byte
	for i := range n {
		op := OpContinuation
		if i == 0 {
			op = OpText
		}
		var payload []byte
		if i < len(text) {
			payload = []byte{text[i]}
		}
		f, err := EncodeFrame(FrameSpec{FIN: i == n-1, Opcode: op, Payload: payload})
		if err != nil {
			return err
		}
		b = append(b, f...)
	}
	return p.WriteRaw(b)
}

// ReadClose reads frames until the client's close frame and returns its
// code, 1005 when it carried none.
func (p *Peer) ReadClose() (int, error) {
	for {
		f, err := p.ReadFrame()
		if err != nil {
			return 0, err
		}
		if f.Opcode != OpClose {
			continue
		}
		if len(f.Payload) < 2 {
			return 1005, nil
		}
		return int(f.Payload[0])<<8 | int(f.Payload[1]), nil
	}
}
