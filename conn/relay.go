package conn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Relay is the engine of wsdbg proxy: an http.Handler that accepts a
// client's WebSocket upgrade, dials the upstream for it and relays every
// frame both ways unchanged, reporting what each side sent as events, as a
// Client does for a direct connection.
//
// Each accepted connection is numbered from 1 (Event.Conn) and has two
// legs (Event.Leg): the client's, where wsdbg plays the server, and the
// server's, where it plays the client. A frame relayed is one event, on
// the leg it came from, with Dir In; what wsdbg itself sends on a leg (an
// injected close) is Dir Out on that leg.
//
// Frames pass as raw bytes through a bounded buffer, masks and all, as
// soon as their header has been read, so nothing a side sends is rewritten
// and a slow reader on one side slows the reading of the other. The same
// parser that taps a Client's connection judges both sides' frames;
// violations are reported as warnings and relayed, since the receiving
// side is the one to refuse them.
//
// The fault injections (CloseLeg, Drop, Pause, Resume, SetDelay, Swallow)
// act on one connection: the one numbered, or with 0 the newest open one.
//
// A relay runs no goroutine while no frame moves: each connection's two
// pumps wait in Read, and timers exist only while a close is pending.
type Relay struct {
	opts    Options
	tlsCfg  *tls.Config
	emitted *eventQueue
	ctx     context.Context
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu       sync.Mutex
	open     []*relayConn // oldest first
	accepted int
	shutDown bool
	// ended lists the connections over, each with how many events the
	// relay had queued when it ended, for Ended.
	ended []endedConn
}

type endedConn struct{ n, queued int }

// NewRelay returns a relay to the upstream opts.URL, dialled with opts'
// TLS, proxy and timeout; opts.Header, Origin and Subprotocols replace
// what the client sent, MaxMessage bounds what is kept of a message to
// show (messages are relayed whole), and Dialects and Protocol annotate
// events as for a Client.
func NewRelay(opts Options) (*Relay, error) {
	if _, err := ValidateURL(opts.URL); err != nil {
		return nil, err
	}
	tlsCfg, err := TLSConfig(opts)
	if err != nil {
		return nil, err
	}
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.MaxMessage <= 0 {
		opts.MaxMessage = DefaultMaxMessage
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Relay{opts: opts, tlsCfg: tlsCfg, emitted: newEventQueue(nil), ctx: ctx, cancel: cancel}, nil
}

// EventsReady holds a notification whenever TakeEvents has something to
// return.
func (r *Relay) EventsReady() <-chan struct{} { return r.emitted.ready }

// TakeEvents returns every event since the last call, of every connection,
// in order, and whether the relay has shut down: no events follow these.
// It reuses buf's array, as Client.TakeEvents does.
func (r *Relay) TakeEvents(buf []Event) (batch []Event, finished bool) {
	return r.emitted.take(buf)
}

// Open returns the numbers of the connections open now, oldest first.
func (r *Relay) Open() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	ns := make([]int, len(r.open))
	for i, c := range r.open {
		ns[i] = c.n
	}
	return ns
}

// Shutdown closes every connection, each leg with 1001 (going away),
// waits up to a second for the closing handshakes, drops what is left and
// ends the events. New upgrades are refused from its start.
func (r *Relay) Shutdown() {
	r.mu.Lock()
	r.shutDown = true
	open := append([]*relayConn(nil), r.open...)
	r.mu.Unlock()
	for _, c := range open {
		c.closeLeg(c.client, 1001, "wsdbg proxy is shutting down", false)
		c.closeLeg(c.server, 1001, "wsdbg proxy is shutting down", false)
	}
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	t := time.NewTimer(time.Second)
	select {
	case <-done:
		t.Stop()
	case <-t.C:
		r.cancel() // ends dials under way, and emits that would wait
		for _, c := range open {
			c.end()
		}
		<-done
	}
	r.cancel()
	r.emitted.finish()
}

// connEnded notes that connection n is over: every event of it is queued.
func (r *Relay) connEnded(n int) {
	r.emitted.mu.Lock()
	queued := r.emitted.pushed
	r.emitted.mu.Unlock()
	r.mu.Lock()
	r.ended = append(r.ended, endedConn{n, queued})
	r.mu.Unlock()
}

// Ended returns, once each, the numbers of the connections that are over
// and whose events have all been taken: a consumer that has handled what
// TakeEvents returned can let such a connection go (finish its recording,
// grey it out).
func (r *Relay) Ended() []int {
	r.emitted.mu.Lock()
	taken := r.emitted.taken
	r.emitted.mu.Unlock()
	r.mu.Lock()
	defer r.mu.Unlock()
	var over []int
	kept := r.ended[:0]
	for _, e := range r.ended {
		if e.queued <= taken {
			over = append(over, e.n)
		} else {
			kept = append(kept, e)
		}
	}
	r.ended = kept
	return over
}

// ErrNoConnection is returned by a fault injection when the connection it
// names is not open.
var ErrNoConnection = errors.New("no proxied connection is open")

// find returns connection n, or the newest open one for 0.
func (r *Relay) find(n int) (*relayConn, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n == 0 {
		if len(r.open) == 0 {
			return nil, ErrNoConnection
		}
		return r.open[len(r.open)-1], nil
	}
	for _, c := range r.open {
		if c.n == n {
			return c, nil
		}
	}
	return nil, fmt.Errorf("connection #%d is not open", n)
}

// CloseLeg sends a close frame with code and reason to one side of
// connection n. The side's answer is relayed to the other side as any
// close is, so both see a closing handshake end: the side closed gets
// code, the other that side's answer (usually code echoed). When the
// handshakes have not ended a few seconds later, both are dropped.
func (r *Relay) CloseLeg(n int, leg Leg, code int, reason string) error {
	if leg != LegClient && leg != LegServer {
		return errors.New("close which side: client or server")
	}
	if err := checkCloseCode(code, reason); err != nil {
		return err
	}
	c, err := r.find(n)
	if err != nil {
		return err
	}
	if !c.closeLeg(c.leg(leg), code, reason, true) {
		return fmt.Errorf("the %s of connection #%d has been sent a close already", leg, c.n)
	}
	return nil
}

// checkCloseCode refuses what no close frame may carry: a code outside
// 1000–4999 (those RFC 6455 reserves included, such as 1005 and 1006, are
// let through for testing a peer's judgement) or a reason over 123 bytes.
func checkCloseCode(code int, reason string) error {
	if code < 1000 || code > 4999 {
		return errors.New("close code " + strconv.Itoa(code) + " is out of range: use 1000–4999")
	}
	if len(reason) > maxControlPayload-2 {
		return errors.New("a close reason carries at most 123 bytes")
	}
	return nil
}

// Drop resets one side of connection n without a close frame (a TCP RST),
// and then closes the other side's connection without one too, as a proxy
// does when a side vanishes.
func (r *Relay) Drop(n int, leg Leg) error {
	if leg != LegClient && leg != LegServer {
		return errors.New("drop which side: client or server")
	}
	c, err := r.find(n)
	if err != nil {
		return err
	}
	c.drop(c.leg(leg))
	return nil
}

// Pause stops relaying frames on connection n, both ways, until Resume;
// each side's frames wait, then its socket's buffers fill.
func (r *Relay) Pause(n int) error {
	return r.inject(n, "pause", func(f *faults) { f.pause() })
}

// Resume relays again what Pause held.
func (r *Relay) Resume(n int) error {
	return r.inject(n, "resume", func(f *faults) { f.resume() })
}

// SetDelay holds every frame of connection n for d before relaying it; 0
// turns the delay off.
func (r *Relay) SetDelay(n int, d time.Duration) error {
	if d < 0 {
		return errors.New("a delay cannot be negative")
	}
	return r.inject(n, "delay "+d.String(), func(f *faults) { f.setDelay(d) })
}

// Swallow drops the next count data messages of connection n, whichever
// side sends them: they are reported, marked injected, and not relayed.
func (r *Relay) Swallow(n, count int) error {
	if count < 0 {
		return errors.New("swallow a number of messages, 0 or more")
	}
	return r.inject(n, "swallow "+strconv.Itoa(count), func(f *faults) { f.setSwallow(count) })
}

func (r *Relay) inject(n int, action string, apply func(*faults)) error {
	c, err := r.find(n)
	if err != nil {
		return err
	}
	apply(&c.faults)
	c.emit(Event{Type: EventInject, Injected: true, Action: action})
	return nil
}

// faults are the injections in force on one connection.
type faults struct {
	mu      sync.Mutex
	resumed chan struct{} // not nil while paused; closed by resume
	delay   time.Duration
	swallow int
}

func (f *faults) pause() {
	f.mu.Lock()
	if f.resumed == nil {
		f.resumed = make(chan struct{})
	}
	f.mu.Unlock()
}

func (f *faults) resume() {
	f.mu.Lock()
	if f.resumed != nil {
		close(f.resumed)
		f.resumed = nil
	}
	f.mu.Unlock()
}

func (f *faults) setDelay(d time.Duration) {
	f.mu.Lock()
	f.delay = d
	f.mu.Unlock()
}

func (f *faults) setSwallow(n int) {
	f.mu.Lock()
	f.swallow = n
	f.mu.Unlock()
}

// takeSwallow reports whether the message starting now is swallowed.
func (f *faults) takeSwallow() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.swallow > 0 {
		f.swallow--
		return true
	}
	return false
}

// holding reports whether hold would wait.
func (f *faults) holding() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.resumed != nil || f.delay > 0
}

// hold waits while relaying is paused and then for the delay; it returns
// early when done is closed.
func (f *faults) hold(done <-chan struct{}) {
	f.mu.Lock()
	resumed, delay := f.resumed, f.delay
	f.mu.Unlock()
	if resumed != nil {
		select {
		case <-resumed:
		case <-done:
			return
		}
	}
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-done:
			t.Stop()
		}
	}
}

// ServeHTTP accepts one client's upgrade and relays it until both sides
// are done.
func (r *Relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if why := notUpgrade(req); why != "" {
		http.Error(w, "wsdbg proxy relays WebSocket connections only: "+why, http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	if r.shutDown {
		r.mu.Unlock()
		http.Error(w, "wsdbg proxy is shutting down", http.StatusServiceUnavailable)
		return
	}
	r.accepted++
	c := &relayConn{r: r, n: r.accepted, peer: req.RemoteAddr, done: make(chan struct{})}
	r.wg.Add(1)
	r.mu.Unlock()
	defer r.wg.Done()
	defer r.connEnded(c.n)
	c.notes = NewAnnotator(Options{URL: r.opts.URL, Dialects: r.opts.Dialects, Protocol: r.opts.Protocol})
	if !c.handshake(w, req) {
		return
	}
	r.mu.Lock()
	r.open = append(r.open, c)
	r.mu.Unlock()
	c.relay()
	r.mu.Lock()
	for i, o := range r.open {
		if o == c {
			r.open = append(r.open[:i], r.open[i+1:]...)
			break
		}
	}
	r.mu.Unlock()
}
