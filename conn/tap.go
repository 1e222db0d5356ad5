package conn

import (
	"errors"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// maxPendingFrames bounds the frames waiting to be claimed by a message, so a
// stream of frames nobody claims cannot grow memory without limit.
const maxPendingFrames = 4096

// errResponseTooBig ends a dial whose response head passed
// maxHandshakeHead: gorilla would buffer an endless head without limit.
// It reaches gorilla as a read error.
var errResponseTooBig = errors.New("the server's response head passed " + strconv.Itoa(maxHandshakeHead>>20) + " MiB without ending")

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
		t.inMu.Unlock()
		if headTooBig && err == nil {
			err = errResponseTooBig
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
// direction d.
func (t *tap) takeMessage(d Direction) []Frame {
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
	q.frames, q.head = nil, 0
	return fs
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
type frameQueue struct {
	frames []Frame
	head   int
}

func (q *frameQueue) pending() []Frame { return q.frames[q.head:] }

func (q *frameQueue) push(f Frame) {
	if q.head > 0 && (q.head >= len(q.frames)/2 || len(q.frames) == cap(q.frames)) {
		n := copy(q.frames, q.frames[q.head:])
		clear(q.frames[n:])
		q.frames = q.frames[:n]
		q.head = 0
	}
	if len(q.frames)-q.head >= maxPendingFrames {
		q.frames[q.head] = Frame{}
		q.head++
	}
	q.frames = append(q.frames, f)
}

func (q *frameQueue) takeMessage() []Frame {
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
