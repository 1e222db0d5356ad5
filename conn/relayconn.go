package conn

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/wsdbg/wsdbg/decode"
)

// relayChunk is how much of a frame's payload is read and written at a
// time: the relay's buffer, per direction, however large the frame.
const relayChunk = 32 << 10

// relayConn is one proxied connection: its two legs and what is injected.
type relayConn struct {
	r     *Relay
	n     int
	peer  string // the application's address
	notes *Annotator
	// emitMu orders the events of both pumps: numbered, annotated and
	// queued as one step. emitted counts them.
	emitMu  sync.Mutex
	emitted int
	client  *relayLeg
	server  *relayLeg
	faults  faults

	endOnce sync.Once
	done    chan struct{} // closed when the connection is being torn down
	ending  atomic.Bool   // read errors from now on are our own doing

	closeTimerMu sync.Mutex
	closeTimer   *time.Timer // drops both legs when a close is not answered
}

// relayLeg is one side of a proxied connection: the socket to it and the
// parsing of what it sends.
type relayLeg struct {
	side   Leg
	conn   net.Conn
	reader *bufio.Reader

	// writeMu is held while a whole frame is written to the side, so that
	// an injected frame never lands inside a relayed one.
	writeMu sync.Mutex
	// closeSent is set once a close frame went to the side: nothing more
	// is relayed to it. Guarded by writeMu.
	closeSent bool
	// out buffers what goes to the side, so that a burst of small frames
	// costs one write; it is flushed whenever the pump relaying to the
	// side is about to wait. Guarded by writeMu.
	out *bufio.Writer

	parser     *frameParser
	frames     frameQueue
	warnings   []protocolViolation
	fatalShown bool
	inflate    *inflater // nil without permessage-deflate
	lastFrame  atomic.Int64
}

func newRelayLeg(side Leg, c net.Conn, r *bufio.Reader, from peerRole, deflate, contextTakeover bool) *relayLeg {
	l := &relayLeg{side: side, conn: c, reader: r, parser: newRelayParser(from, deflate), out: bufio.NewWriterSize(c, relayChunk)}
	l.parser.onFrame = l.frames.push
	l.parser.onViolation = func(v protocolViolation) { l.warnings = append(l.warnings, v) }
	if deflate {
		l.inflate = &inflater{contextTakeover: contextTakeover}
	}
	l.lastFrame.Store(time.Now().UnixNano())
	return l
}

func (c *relayConn) leg(side Leg) *relayLeg {
	if side == LegClient {
		return c.client
	}
	return c.server
}

func (c *relayConn) other(l *relayLeg) *relayLeg {
	if l == c.client {
		return c.server
	}
	return c.client
}

// emit numbers ev within its connection, annotates it and queues it,
// waiting while the queue is full: the pumps then stop reading, which the
// sides feel as TCP flow control. Each connection is a session of its
// own, so its events are numbered from 1, in the order they are queued.
func (c *relayConn) emit(ev Event) {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	ev.Conn = c.n
	if ev.Type == EventOpen || ev.Type == EventError && ev.Final {
		ev.Peer = c.peer
	}
	c.emitMu.Lock()
	defer c.emitMu.Unlock()
	c.emitted++
	ev.Seq = c.emitted
	c.notes.Annotate(&ev)
	c.r.emitted.push(&ev, c.r.ctx.Done())
}

// relay runs both pumps until both sides are done.
func (c *relayConn) relay() {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); c.pump(c.server, c.client) }()
	c.pump(c.client, c.server)
	wg.Wait()
	c.closeTimerMu.Lock()
	if c.closeTimer != nil {
		c.closeTimer.Stop()
	}
	c.closeTimerMu.Unlock()
}

// end tears the connection down: both sockets are closed, and what the
// pumps read from then on is not reported.
func (c *relayConn) end() {
	c.endOnce.Do(func() {
		c.ending.Store(true)
		close(c.done)
		c.client.conn.Close()
		c.server.conn.Close()
	})
}

// message is a data message being relayed from one side.
type message struct {
	op         Opcode
	compressed bool
	swallowed  bool
	payload    []byte
	tooBig     bool // more arrived than MaxMessage: payload holds the start
}

// pump relays src's frames to dst until src's connection ends.
func (c *relayConn) pump(src, dst *relayLeg) {
	buf := make([]byte, relayChunk)
	var hdr [14]byte
	var msg message
	limit := c.r.opts.MaxMessage
	var writeErr error
	for {
		if src.reader.Buffered() == 0 {
			dst.writeMu.Lock()
			writeErr = flush(dst, writeErr)
			dst.writeMu.Unlock()
		}
		n, err := readFrameHeader(src.reader, hdr[:])
		if err != nil {
			c.readEnded(src, err)
			return
		}
		now := time.Now()
		src.lastFrame.Store(now.UnixNano())
		src.parser.Feed(hdr[:n], now)
		f := src.parser.cur
		c.reportViolations(src)
		if f.Opcode == OpText || f.Opcode == OpBinary {
			msg = message{op: f.Opcode, compressed: f.RSV&0x4 != 0 && src.inflate != nil, payload: msg.payload[:0],
				swallowed: c.faults.takeSwallow()}
		}
		data := !f.Opcode.IsControl()
		forward := !(data && msg.swallowed)
		if forward && c.faults.holding() {
			dst.writeMu.Lock()
			writeErr = flush(dst, writeErr)
			dst.writeMu.Unlock()
			c.faults.hold(c.done)
		}
		dst.writeMu.Lock()
		forward = forward && !dst.closeSent
		if forward && writeErr == nil {
			_, writeErr = dst.out.Write(hdr[:n])
		}
		maskAt := 0
		for remain := f.Length; remain > 0; {
			if src.reader.Buffered() == 0 {
				writeErr = flush(dst, writeErr)
			}
			k, err := src.reader.Read(buf[:min(remain, int64(len(buf)))])
			if k > 0 {
				chunk := buf[:k]
				src.parser.Feed(chunk, now)
				if data && !msg.tooBig {
					keep := min(int64(k), limit-int64(len(msg.payload)))
					start := len(msg.payload)
					msg.payload = append(msg.payload, chunk[:keep]...)
					if f.Masked {
						unmask(msg.payload[start:], f.MaskKey, maskAt)
					}
					msg.tooBig = keep < int64(k)
				}
				maskAt += k
				remain -= int64(k)
				if forward && writeErr == nil {
					_, writeErr = dst.out.Write(chunk)
				}
			}
			if err != nil && remain > 0 {
				dst.writeMu.Unlock()
				c.readEnded(src, err)
				return
			}
		}
		if f.Opcode == OpClose && forward && writeErr == nil {
			dst.closeSent = true
		}
		dst.writeMu.Unlock()
		c.reportViolations(src)
		switch {
		case f.Opcode == OpClose:
			c.closeReceived(src)
		case f.Opcode.IsControl():
			if cf, ok := src.frames.takeControl(f.Opcode); ok {
				c.emit(Event{Type: EventMessage, Leg: src.side, Dir: In, Opcode: f.Opcode, Payload: cf.payload,
					Frames: []Frame{cf}, FrameCount: 1})
			}
		case f.FIN:
			c.messageReceived(src, &msg)
		}
		if writeErr != nil && !c.ending.Load() {
			// dst is gone; its own pump reports how.
			dst.conn.Close()
		}
	}
}

// flush writes out what waits for l, unless writing to l failed already.
// The caller holds l.writeMu.
func flush(l *relayLeg, failed error) error {
	if failed != nil || l.out.Buffered() == 0 {
		return failed
	}
	return l.out.Flush()
}

// readFrameHeader reads one frame header into hdr and returns its length.
func readFrameHeader(r *bufio.Reader, hdr []byte) (int, error) {
	if _, err := io.ReadFull(r, hdr[:2]); err != nil {
		return 0, err
	}
	n := headerSize(hdr[0], hdr[1])
	if _, err := io.ReadFull(r, hdr[2:n]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, err
	}
	return n, nil
}

// unmask unmasks b, which starts at offset at of its frame's payload.
func unmask(b []byte, key [4]byte, at int) {
	for i := range b {
		b[i] ^= key[(at+i)&3]
	}
}

// reportViolations emits what the parser found wrong in src's frames.
func (c *relayConn) reportViolations(src *relayLeg) {
	p := src.parser
	var found []protocolViolation
	found, src.warnings = src.warnings, src.warnings[:0]
	if p.fatal != nil && !src.fatalShown {
		// The relay does not end the connection for it: the side it is
		// relayed to is the one to refuse it, and its answer shows.
		src.fatalShown = true
		found = append(found, *p.fatal)
	}
	for _, v := range found {
		f := v.Failure
		c.emit(Event{Type: EventWarning, Leg: src.side, Dir: In, Failure: &f, Frames: []Frame{v.Frame}, Code: f.Code})
	}
}

// messageReceived emits the data message src finished.
func (c *relayConn) messageReceived(src *relayLeg, msg *message) {
	frames, count := src.frames.takeMessage()
	payload := msg.payload
	limit := c.r.opts.MaxMessage
	var cut string
	switch {
	case msg.compressed && msg.tooBig:
		src.inflate.lost = true
		payload = nil
		cut = "a compressed message larger than --max-message (" + strconv.FormatInt(limit, 10) +
			" bytes) was relayed whole but is not shown"
	case msg.compressed:
		lostBefore := src.inflate.lost && src.inflate.contextTakeover
		payload = src.inflate.inflate(payload, limit)
		switch {
		case payload == nil && !lostBefore:
			cut = "a compressed message could not be inflated to show; it was relayed as it was"
		case int64(len(payload)) == limit:
			cut = "a message inflated to --max-message (" + strconv.FormatInt(limit, 10) +
				" bytes) or more: shown cut to that, relayed whole"
		}
	case msg.tooBig:
		cut = "a message larger than --max-message (" + strconv.FormatInt(limit, 10) +
			" bytes) is shown cut to that; it was relayed whole"
	}
	ev := Event{Type: EventMessage, Leg: src.side, Dir: In, Opcode: msg.op, Payload: bytesClone(payload),
		Frames: frames, FrameCount: count}
	if msg.swallowed {
		ev.Injected, ev.Action = true, "swallow"
	}
	c.emit(ev)
	if cut != "" {
		if msg.compressed && src.inflate.lost && src.inflate.contextTakeover {
			cut += "; with context takeover, this side's later compressed messages cannot be shown either"
		}
		c.emit(Event{Type: EventWarning, Leg: src.side, Dir: In, Failure: &decode.Failure{
			Kind: decode.KindLimit, Cause: decode.CauseMessageTooBig, Limit: limit, Message: cut}})
		return
	}
	if msg.op == OpText && !msg.tooBig && payload != nil && !utf8.Valid(payload) {
		c.emit(Event{Type: EventWarning, Leg: src.side, Dir: In, Code: 1007, Failure: &decode.Failure{
			Kind: decode.KindProtocol, Cause: decode.CauseInvalidUTF8Text, Code: 1007, Opcode: int(OpText),
			Length: int64(len(payload)), Message: "text message is not valid UTF-8"}})
	}
}

func bytesClone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}

// closeReceived emits the close frame src sent.
func (c *relayConn) closeReceived(src *relayLeg) {
	cf, ok := src.frames.takeControl(OpClose)
	if !ok {
		return
	}
	ev := Event{Type: EventClose, Leg: src.side, Dir: In, Opcode: OpClose, Frames: []Frame{cf}, Code: 1005}
	if len(cf.payload) >= 2 {
		ev.Code, ev.Reason, ev.HasCode = int(binary.BigEndian.Uint16(cf.payload)), string(cf.payload[2:]), true
	}
	c.emit(ev)
	c.closing()
}

// closing starts the wait for the closing handshakes to end; past it both
// legs are dropped.
func (c *relayConn) closing() {
	c.closeTimerMu.Lock()
	defer c.closeTimerMu.Unlock()
	if c.closeTimer == nil {
		c.closeTimer = time.AfterFunc(closeWait, c.end)
	}
}

// readEnded handles the end of src's bytes: after a closing handshake,
// the normal end; otherwise src dropped the connection, which is reported
// and passed on to the other side as a drop too.
func (c *relayConn) readEnded(src *relayLeg, err error) {
	if c.ending.Load() {
		return
	}
	closed := src.parser.closeSeen
	if !closed || (!errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed)) {
		idle := time.Duration(time.Now().UnixNano() - max(src.lastFrame.Load(), c.other(src).lastFrame.Load()))
		f := decode.Failure{Message: err.Error(), IdleSeconds: idle.Seconds()}
		classifyTransport(&f, err)
		c.emit(Event{Type: EventError, Leg: src.side, Dir: In, Failure: &f, Code: f.Code, Idle: idle, Final: true})
	}
	c.end()
}

// closeLeg sends a close frame to side l, unless one went already. With
// injected, it is reported as the user's doing.
func (c *relayConn) closeLeg(l *relayLeg, code int, reason string, injected bool) bool {
	payload := binary.BigEndian.AppendUint16(nil, uint16(code))
	payload = append(payload, reason...)
	frame := controlFrame(OpClose, payload, l.side == LegServer)
	l.writeMu.Lock()
	if l.closeSent {
		l.writeMu.Unlock()
		return false
	}
	l.closeSent = true
	l.conn.SetWriteDeadline(time.Now().Add(writeWait))
	_, err := l.out.Write(frame)
	if err == nil {
		err = l.out.Flush()
	}
	l.conn.SetWriteDeadline(time.Time{})
	l.writeMu.Unlock()
	ev := Event{Type: EventClose, Leg: l.side, Dir: Out, Code: code, Reason: reason, HasCode: true}
	if err == nil {
		ev.Opcode = OpClose
		ev.Frames = []Frame{{Time: time.Now(), Dir: Out, FIN: true, Opcode: OpClose, Masked: l.side == LegServer,
			Length: int64(len(payload)), HeaderLen: uint8(len(frame) - len(payload))}}
	}
	if injected {
		ev.Injected, ev.Action = true, "close"
	}
	c.emit(ev)
	c.closing()
	return true
}

// controlFrame encodes a control frame, masked with a random key when it
// goes to the server.
func controlFrame(op Opcode, payload []byte, masked bool) []byte {
	b := []byte{0x80 | byte(op), byte(len(payload))}
	if !masked {
		return append(b, payload...)
	}
	var key [4]byte
	rand.Read(key[:])
	b[1] |= 0x80
	b = append(b, key[:]...)
	start := len(b)
	b = append(b, payload...)
	unmask(b[start:], key, 0)
	return b
}

// drop resets side l's TCP connection without a close frame, then closes
// the other side's without one.
func (c *relayConn) drop(l *relayLeg) {
	c.emit(Event{Type: EventClose, Leg: l.side, Dir: Out, Code: 1006, Injected: true, Action: "drop"})
	c.ending.Store(true)
	if tc, ok := tcpConn(l.conn); ok {
		tc.SetLinger(0)
	}
	c.end()
}

// tcpConn finds the TCP connection under c, under TLS too.
func tcpConn(c net.Conn) (*net.TCPConn, bool) {
	for {
		switch v := c.(type) {
		case *net.TCPConn:
			return v, true
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		default:
			return nil, false
		}
	}
}
