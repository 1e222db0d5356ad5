package conn

import (
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// maxMessageFrames bounds the frames kept for one message: its first ones
// and its last. The queue counts every frame of a longer message, so the
// count stays exact while memory stays bounded however finely a peer
// fragments.
const maxMessageFrames = 4096

// errResponseTooBig ends a dial whose response head passed
// maxHandshakeHead: gorilla would buffer an endless head without limit.
// It reaches gorilla as a read error.
var errResponseTooBig = errors.New("the server's response head passed " + strconv.Itoa(maxHandshakeHead>>20) + " MiB without ending")

// errHTTPAfterUpgrade ends reading once the server wrote an HTTP response
// where frames belong: gorilla would take its bytes for frames and fail
// with a framing error of its own, and answer it with a close frame the
// server would not understand.
var errHTTPAfterUpgrade = errors.New("the server wrote an HTTP response after the upgrade")

// tap wraps the connection on the plaintext side of TLS and parses both
// directions into frames, so frame-level facts that gorilla hides can be
// reported.
type tap struct {
	net.Conn

	inMu  sync.Mutex
	in    *frameParser
	inQ   frameQueue
	outMu sync.Mutex
	out   *frameParser
	outQ  frameQueue

	lastRead time.Time // when bytes last arrived; guarded by inMu
	// cut is set once the server's bytes stopped being frames; reads fail
	// with errHTTPAfterUpgrade from then on. Only the reader uses it.
	cut bool

	// trafficWindow, when not 0, is how long a read may wait for bytes
	// before it fails: every arrival moves the deadline on, so that any
	// traffic, even one slow message, counts as a sign of life.
	trafficWindow atomic.Int64

	violations chan<- protocolViolation
}

func newTap(c net.Conn, violations chan<- protocolViolation) *tap {
	t := &tap{Conn: c, violations: violations}
	t.in = newFrameParser(In)
	t.out = newFrameParser(Out)
	t.in.onFrame = t.inQ.push
	t.out.onFrame = t.outQ.push
	t.in.onViolation = t.violation
	t.in.standInClose = true
	return t
}

// expectTrafficWithin makes reads fail when nothing arrives for d.
func (t *tap) expectTrafficWithin(d time.Duration) {
	t.trafficWindow.Store(int64(d))
	t.Conn.SetReadDeadline(time.Now().Add(d))
}

func (t *tap) violation(v protocolViolation) {
	// Never block the reader on a slow consumer: violations past the
	// buffer are dropped, the parser already caps how many it reports.
	select {
	case t.violations <- v:
	default:
	}
}

func (t *tap) Read(p []byte) (int, error) {
	if t.cut {
		return 0, errHTTPAfterUpgrade
	}
	n, err := t.Conn.Read(p)
	if n > 0 {
		now := time.Now()
		if w := t.trafficWindow.Load(); w > 0 {
			t.Conn.SetReadDeadline(now.Add(time.Duration(w)))
		}
		t.inMu.Lock()
		t.lastRead = now
		t.in.Feed(p[:n], now)
		headTooBig := t.in.headTooBig
		if t.in.state == stateHTTP {
			// Hand gorilla the frames before the response, not the
			// response itself.
			t.cut = true
			n = max(0, n-t.in.httpFed)
		}
		t.inMu.Unlock()
		if headTooBig && err == nil {
			err = errResponseTooBig
		}
		if t.cut && n == 0 {
			err = errHTTPAfterUpgrade
		}
	}
	return n, err
}

func (t *tap) Write(p []byte) (int, error) {
	n, err := t.Conn.Write(p)
	if n > 0 {
		now := time.Now()
		t.outMu.Lock()
		t.out.Feed(p[:n], now)
		t.outMu.Unlock()
	}
	return n, err
}

// takeMessage returns the data frames of the oldest complete message seen in
// direction d, and how many frames it had: more than it returns when it
// had over maxMessageFrames.
func (t *tap) takeMessage(d Direction) ([]Frame, int) {
	mu, q := t.queue(d)
	mu.Lock()
	defer mu.Unlock()
	return q.takeMessage()
}

// takeControl returns the oldest control frame with opcode op seen in
// direction d.
func (t *tap) takeControl(d Direction, op Opcode) (Frame, bool) {
	mu, q := t.queue(d)
	mu.Lock()
	defer mu.Unlock()
	return q.takeControl(op)
}

// drain returns every frame not claimed yet in direction d.
func (t *tap) drain(d Direction) []Frame {
	mu, q := t.queue(d)
	mu.Lock()
	defer mu.Unlock()
	fs := q.pending()
	*q = frameQueue{}
	return fs
}

// readingCompressed reports whether the oldest data message from the server
// not claimed yet is compressed: its first frame has RSV1. That frame is
// either in the queue or, still arriving, the parser's latest.
func (t *tap) readingCompressed() bool {
	t.inMu.Lock()
	defer t.inMu.Unlock()
	for _, f := range t.inQ.pending() {
		if f.Opcode == OpText || f.Opcode == OpBinary {
			return f.RSV&0x4 != 0
		}
	}
	return t.in.compressed
}

// partialFrame returns the server's frame whose payload is still arriving.
func (t *tap) partialFrame() (Frame, bool) {
	t.inMu.Lock()
	defer t.inMu.Unlock()
	return t.in.cur, t.in.state == statePayload
}

// fatalViolation returns the first violation in the server's bytes that
// ends the connection, if any, and whether its frame is complete (and so
// among the frames drain returns).
func (t *tap) fatalViolation() (*protocolViolation, bool) {
	t.inMu.Lock()
	defer t.inMu.Unlock()
	return t.in.fatal, t.in.fatalQueued
}

// partialHead returns how many bytes of the response head have arrived
// while it has not ended yet; 0 once it has, or before any arrived.
func (t *tap) partialHead() int {
	t.inMu.Lock()
	defer t.inMu.Unlock()
	if t.in.state != stateHead {
		return 0
	}
	return len(t.in.head)
}

// httpAfterUpgrade returns the HTTP response the server wrote after the 101,
// reading on for up to wait while it looks incomplete: the server is no
// longer sending frames, so whatever else it sends explains why. It reports
// false when the server's bytes are frames. Only the reader may call it,
// once gorilla has stopped reading.
func (t *tap) httpAfterUpgrade(wait time.Duration) ([]byte, bool) {
	t.inMu.Lock()
	state := t.in.state
	t.inMu.Unlock()
	if state != stateHTTP && state != stateMaybeHTTP {
		return nil, false
	}
	t.Conn.SetReadDeadline(time.Now().Add(wait))
	buf := make([]byte, 4096)
	for {
		t.inMu.Lock()
		state = t.in.state
		resp := t.in.http
		t.inMu.Unlock()
		switch {
		case state != stateHTTP && state != stateMaybeHTTP:
			return nil, false
		case state == stateHTTP && (len(resp) >= maxHTTPAfterUpgrade || httpResponseComplete(resp)):
			return resp, true
		}
		n, err := t.Conn.Read(buf)
		if n > 0 {
			t.inMu.Lock()
			t.in.Feed(buf[:n], time.Now())
			t.inMu.Unlock()
		}
		if err != nil {
			t.inMu.Lock()
			defer t.inMu.Unlock()
			return t.in.http, t.in.state == stateHTTP
		}
	}
}

// responseHeadTooBig reports whether the response head passed
// maxHandshakeHead without ending.
func (t *tap) responseHeadTooBig() bool {
	t.inMu.Lock()
	defer t.inMu.Unlock()
	return t.in.headTooBig
}

func (t *tap) lastReadTime() time.Time {
	t.inMu.Lock()
	defer t.inMu.Unlock()
	return t.lastRead
}

func (t *tap) queue(d Direction) (*sync.Mutex, *frameQueue) {
	if d == Out {
		return &t.outMu, &t.outQ
	}
	return &t.inMu, &t.inQ
}

// frameQueue holds frames in arrival order until a message claims them.
// The tap reads ahead of gorilla, so the queue can hold hundreds of frames;
// the common case, a whole message in one frame at the front, is taken by
// moving head rather than shifting the rest.
//
// Of a message of more than maxMessageFrames frames, the middle ones are
// counted but not kept. Nothing else bounds the queue, nor needs to: every
// complete message and control frame is claimed as gorilla reads it, and
// the tap is never more than gorilla's buffer ahead.
type frameQueue struct {
	frames []Frame
	head   int

	// The data message still arriving: frames kept and frames left out.
	openKept, openLeftOut int
	// leftOut lists, oldest first, the complete messages that had frames
	// left out, by their number among complete messages.
	leftOut            []leftOut
	completed, claimed uint64
}

type leftOut struct {
	message uint64
	frames  int
}

func (q *frameQueue) pending() []Frame { return q.frames[q.head:] }

func (q *frameQueue) push(f Frame) {
	if !f.Opcode.IsControl() {
		if !f.FIN && q.openKept >= maxMessageFrames-1 {
			q.openLeftOut++
			return
		}
		q.openKept++
		if f.FIN {
			q.completed++
			if q.openLeftOut > 0 {
				q.leftOut = append(q.leftOut, leftOut{q.completed, q.openLeftOut})
			}
			q.openKept, q.openLeftOut = 0, 0
		}
	}
	if q.head > 0 && (q.head >= len(q.frames)/2 || len(q.frames) == cap(q.frames)) {
		n := copy(q.frames, q.frames[q.head:])
		clear(q.frames[n:])
		q.frames = q.frames[:n]
		q.head = 0
	}
	q.frames = append(q.frames, f)
}

// takeMessage returns the kept frames of the oldest complete message and
// how many it had.
func (q *frameQueue) takeMessage() ([]Frame, int) {
	msg := q.takeFrames()
	if msg == nil {
		return nil, 0
	}
	q.claimed++
	count := len(msg)
	if len(q.leftOut) > 0 && q.leftOut[0].message == q.claimed {
		count += q.leftOut[0].frames
		q.leftOut = q.leftOut[1:]
	}
	return msg, count
}

func (q *frameQueue) takeFrames() []Frame {
	p := q.pending()
	if len(p) > 0 && p[0].FIN && !p[0].Opcode.IsControl() {
		msg := []Frame{p[0]}
		q.frames[q.head] = Frame{}
		q.head++
		return msg
	}
	end := -1
	for i, f := range p {
		if !f.Opcode.IsControl() && f.FIN {
			end = i
			break
		}
	}
	if end < 0 {
		return nil
	}
	var msg []Frame
	rest := p[:0]
	for i, f := range p {
		if i <= end && !f.Opcode.IsControl() {
			msg = append(msg, f)
		} else {
			rest = append(rest, f)
		}
	}
	clear(p[len(rest):])
	q.frames = q.frames[:q.head+len(rest)]
	return msg
}

func (q *frameQueue) takeControl(op Opcode) (Frame, bool) {
	p := q.pending()
	for i, f := range p {
		if f.Opcode == op {
			if i == 0 {
				q.frames[q.head] = Frame{}
				q.head++
				return f, true
			}
			copy(p[i:], p[i+1:])
			p[len(p)-1] = Frame{}
			q.frames = q.frames[:len(q.frames)-1]
			return f, true
		}
	}
	return Frame{}, false
}
