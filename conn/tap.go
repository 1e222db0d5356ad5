package conn

import (
	"net"
	"sync"
	"time"
)

// maxPendingFrames bounds the frames waiting to be claimed by a message, so a
// stream of frames nobody claims cannot grow memory without limit.
const maxPendingFrames = 4096

// tap wraps the raw connection (below TLS) and parses both directions into
// frames, so frame-level facts that gorilla hides can be reported.
type tap struct {
	net.Conn

	inMu  sync.Mutex
	in    *frameParser
	inQ   frameQueue
	outMu sync.Mutex
	out   *frameParser
	outQ  frameQueue

	// lastRead is the time of the last bytes read, as UnixNano, guarded by inMu.
	lastRead time.Time

	violations                chan<- Violation
	requestHead, responseHead []byte
}

func newTap(c net.Conn, violations chan<- Violation) *tap {
	t := &tap{Conn: c, violations: violations}
	t.in = newFrameParser(In)
	t.out = newFrameParser(Out)
	t.in.onFrame = t.inQ.push
	t.out.onFrame = t.outQ.push
	t.in.onViolation = t.violation
	t.in.onHead = func(h []byte) { t.responseHead = append([]byte(nil), h...) }
	t.out.onHead = func(h []byte) { t.requestHead = append([]byte(nil), h...) }
	return t
}

func (t *tap) violation(v Violation) {
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
		t.inMu.Lock()
		t.lastRead = now
		t.in.Feed(p[:n], now)
		t.inMu.Unlock()
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
	fs := q.frames
	q.frames = nil
	return fs
}

// outPendingBefore reports whether frames went out before when that the
// writer has not reported yet.
func (t *tap) outPendingBefore(when time.Time) bool {
	t.outMu.Lock()
	defer t.outMu.Unlock()
	return len(t.outQ.frames) > 0 && t.outQ.frames[0].Time.Before(when)
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
type frameQueue struct {
	frames []Frame
}

func (q *frameQueue) push(f Frame) {
	if len(q.frames) >= maxPendingFrames {
		q.frames = append(q.frames[:0], q.frames[1:]...)
	}
	q.frames = append(q.frames, f)
}

func (q *frameQueue) takeMessage() []Frame {
	end := -1
	for i, f := range q.frames {
		if !f.Opcode.IsControl() && f.FIN {
			end = i
			break
		}
	}
	if end < 0 {
		return nil
	}
	var msg []Frame
	rest := q.frames[:0]
	for i, f := range q.frames {
		if i <= end && !f.Opcode.IsControl() {
			msg = append(msg, f)
		} else {
			rest = append(rest, f)
		}
	}
	clear(q.frames[len(rest):])
	q.frames = rest
	return msg
}

func (q *frameQueue) takeControl(op Opcode) (Frame, bool) {
	for i, f := range q.frames {
		if f.Opcode == op {
			copy(q.frames[i:], q.frames[i+1:])
			q.frames[len(q.frames)-1] = Frame{}
			q.frames = q.frames[:len(q.frames)-1]
			return f, true
		}
	}
	return Frame{}, false
}
