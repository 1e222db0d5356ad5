package conn

import (
	"strconv"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Ping queues a ping with payload; its pong's round trip is reported.
func (c *Client) Ping(payload []byte) error { return c.Send(OpPing, payload) }

func (s *session) onPing(payload string) error {
	f, _ := s.tap.takeControl(In, OpPing)
	s.awaitWriter(f.Time)
	s.c.emit(Event{Type: EventMessage, Dir: In, Opcode: OpPing, Payload: []byte(payload), Frames: []Frame{f}, FrameCount: 1})
	// A short deadline: while a stuck write holds the socket, the reader
	// must not wait behind it, and a pong that late is no use anyway.
	err := s.ws.WriteControl(websocket.PongMessage, []byte(payload), time.Now().Add(pongWait))
	if err == nil {
		s.lastOut.Store(time.Now().UnixNano())
		of, _ := s.tap.takeControl(Out, OpPong)
		s.c.emit(Event{Type: EventMessage, Dir: Out, Opcode: OpPong, Payload: []byte(payload), Frames: []Frame{of}, FrameCount: 1})
	}
	return nil
}

// onPong reports a pong after the ping it answers: the writer may not have
// reported that ping yet when the pong is read, so it is waited for.
func (s *session) onPong(payload string) error {
	f, _ := s.tap.takeControl(In, OpPong)
	s.awaitWriter(f.Time)
	ev := Event{Type: EventMessage, Dir: In, Opcode: OpPong, Payload: []byte(payload), Frames: []Frame{f}, FrameCount: 1}
	if sent, ok := s.pings.answered(payload); ok {
		at := f.Time
		if at.IsZero() {
			at = time.Now()
		}
		ev.RTT = at.Sub(sent)
	}
	s.c.emit(ev)
	return nil
}

// pingMemory is how long a ping waits for its pong before it is forgotten:
// the liveness window when pings are on, since a connection silent for that
// long fails anyway.
func (s *session) pingMemory() time.Duration {
	if p := s.c.opts.PingInterval; p > 0 {
		return livenessWindow(p)
	}
	return time.Minute
}

// pingLog remembers when each of our pings went out, so that its pong's
// round trip can be measured. Old pings are forgotten: a peer that never
// answers must not make the log grow.
type pingLog struct {
	mu   sync.Mutex
	seq  int
	when map[string]time.Time // by payload
}

// newPayload names a ping of our own.
func (l *pingLog) newPayload() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seq++
	return "wsdbg-" + strconv.Itoa(l.seq)
}

// sent notes a ping going out at now and forgets those older than keep.
func (l *pingLog) sent(payload string, now time.Time, keep time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for p, at := range l.when {
		if now.Sub(at) > keep {
			delete(l.when, p)
		}
	}
	if l.when == nil {
		l.when = map[string]time.Time{}
	}
	l.when[payload] = now
}

// answered returns when the ping with this payload went out, if it is one
// of ours, and forgets it.
func (l *pingLog) answered(payload string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	at, ok := l.when[payload]
	delete(l.when, payload)
	return at, ok
}
