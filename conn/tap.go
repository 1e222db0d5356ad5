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
	fs := q.pending()
	q.frames, q.head = nil, 0
	return fs
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
