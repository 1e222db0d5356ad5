package conn

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/decode"
)

// State is where a Client is in its life.
type State int32

const (
	StateConnecting State = iota
	StateOpen
	StateClosing
	StateClosed
	StateReconnecting
)

func (s State) String() string {
	return [...]string{"connecting", "open", "closing", "closed", "reconnecting"}[s]
}

// Timing constants for the closing handshake and writes.
const (
	closeWait     = 3 * time.Second
	writeWait     = 10 * time.Second
	maxRedirects  = 10
	backoffBase   = 500 * time.Millisecond
	backoffCap    = 30 * time.Second
	eventBuffer   = 1024
	violationsCap = 64
)

// Client is a live connection (and its reconnects). All methods are safe for
// concurrent use and never block on the network.
//
//	c := conn.Dial(ctx, opts)          // returns at once; dialing happens in the background
//	for ev := range c.Events() { ... } // closed when the client is finished for good
//	c.Send(conn.OpText, []byte("hi"))  // queued; the writer goroutine sends it
type Client struct {
	opts   Options
	events chan Event
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	state     atomic.Int32
	reconnect chan struct{}

	mu    sync.Mutex
	queue []outgoing
	wake  chan struct{}
	// userClosed is set when the user asked to close: no reconnect follows.
	userClosed bool
}

type outgoing struct {
	op      Opcode
	payload []byte
	code    int // close
}

// ErrClosed is returned by sends after the client has finished.
var ErrClosed = errors.New("connection is closed")

// Dial starts connecting in the background and returns at once. Failures,
// including a bad URL, arrive as events.
func Dial(ctx context.Context, opts Options) *Client {
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.MaxMessage <= 0 {
		opts.MaxMessage = DefaultMaxMessage
	}
	ctx, cancel := context.WithCancel(ctx)
	c := &Client{
		opts:      opts,
		events:    make(chan Event, eventBuffer),
		ctx:       ctx,
		cancel:    cancel,
		done:      make(chan struct{}),
		reconnect: make(chan struct{}, 1),
		wake:      make(chan struct{}, 1),
	}
	go c.run()
	return c
}

// Events delivers everything that happens, in order. It is closed when the
// client is finished for good.
func (c *Client) Events() <-chan Event { return c.events }

// Done is closed when the client has finished and every goroutine is gone.
func (c *Client) Done() <-chan struct{} { return c.done }

// State reports the current state.
func (c *Client) State() State { return State(c.state.Load()) }

// Options returns the options the client was started with.
func (c *Client) Options() Options { return c.opts }

// Send queues a text or binary message (or a ping or pong).
func (c *Client) Send(op Opcode, payload []byte) error {
	switch op {
	case OpText, OpBinary, OpPing, OpPong:
	default:
		return errors.New("send: opcode must be text, binary, ping or pong")
	}
	if op.IsControl() && len(payload) > maxControlPayload {
		return errors.New("send: control frame payload over 125 bytes")
	}
	return c.enqueue(outgoing{op: op, payload: payload})
}

// Ping queues a ping with payload; its pong's round trip is reported.
func (c *Client) Ping(payload []byte) error { return c.Send(OpPing, payload) }

// Close queues a close frame with code and reason and ends the connection
// after the closing handshake. No reconnect follows.
func (c *Client) Close(code int, reason string) error {
	if len(reason) > maxControlPayload-2 {
		return errors.New("close: reason over 123 bytes")
	}
	c.mu.Lock()
	c.userClosed = true
	c.mu.Unlock()
	return c.enqueue(outgoing{op: OpClose, payload: []byte(reason), code: code})
}

// Reconnect drops the current connection (if any) and dials again at once.
func (c *Client) Reconnect() {
	c.mu.Lock()
	c.userClosed = false
	c.mu.Unlock()
	select {
	case c.reconnect <- struct{}{}:
	default:
	}
}

// Shutdown tears everything down without a closing handshake and waits for
// every goroutine to end. It is idempotent.
func (c *Client) Shutdown() {
	c.cancel()
	// The consumer may have stopped reading: drain so emitters unblock.
	for {
		select {
		case <-c.done:
			return
		case _, ok := <-c.events:
			if !ok {
				<-c.done
				return
			}
		}
	}
}

func (c *Client) enqueue(o outgoing) error {
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	c.mu.Lock()
	c.queue = append(c.queue, o)
	c.mu.Unlock()
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return nil
}

func (c *Client) takeQueue() []outgoing {
	c.mu.Lock()
	defer c.mu.Unlock()
	q := c.queue
	c.queue = nil
	return q
}

func (c *Client) closedByUser() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.userClosed
}

// emit delivers ev unless the client is being shut down.
func (c *Client) emit(ev Event) bool {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	select {
	case c.events <- ev:
		return true
	case <-c.ctx.Done():
		return false
	}
}

func (c *Client) setState(s State) { c.state.Store(int32(s)) }

// run dials, serves and reconnects until done.
func (c *Client) run() {
	defer close(c.done)
	defer close(c.events)
	defer c.setState(StateClosed)

	attempt := 0
	for {
		c.setState(StateConnecting)
		if attempt > 0 {
			c.setState(StateReconnecting)
		}
		outcome := c.connectOnce()
		if c.ctx.Err() != nil {
			return
		}
		if outcome.opened {
			attempt = 0
		}
		if outcome.redial {
			continue
		}
		if !c.opts.Reconnect || !outcome.retryable || c.closedByUser() {
			if !c.opts.RedialOnRequest {
				return
			}
			c.setState(StateClosed)
			select {
			case <-c.reconnect:
				attempt = 0
				continue
			case <-c.ctx.Done():
				return
			}
		}
		attempt++
		delay := backoff(attempt)
		c.setState(StateReconnecting)
		if !c.emit(Event{Type: EventReconnect, Attempt: attempt, Delay: delay, URL: c.opts.URL}) {
			return
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-c.reconnect:
			t.Stop()
		case <-c.ctx.Done():
			t.Stop()
			return
		}
	}
}

// backoff is exponential with full jitter, capped.
func backoff(attempt int) time.Duration {
	d := backoffBase << min(attempt-1, 10)
	if d > backoffCap || d <= 0 {
		d = backoffCap
	}
	return d/2 + rand.N(d/2+1)
}

type outcome struct {
	opened    bool
	retryable bool
	redial    bool // the user asked for a reconnect: dial again without backoff
}

// connectOnce dials (following redirects when asked) and serves one
// connection to its end.
func (c *Client) connectOnce() outcome {
	u, err := ValidateURL(c.opts.URL)
	if err != nil {
		c.emit(Event{Type: EventError, URL: c.opts.URL, Failure: &decode.Failure{
			Kind: decode.KindHandshake, Cause: decode.CauseBadURL, Message: err.Error(), URL: c.opts.URL}})
		return outcome{}
	}
	tlsCfg, err := TLSConfig(c.opts)
	if err != nil {
		c.emit(Event{Type: EventError, URL: c.opts.URL, Failure: &decode.Failure{
			Kind: decode.KindTLS, Cause: decode.CauseTLSClientCert, Message: err.Error(), URL: c.opts.URL}})
		return outcome{}
	}

	var hops []string
	for {
		a := &attempt{opts: c.opts, violations: make(chan Violation, violationsCap)}
		ctx, cancel := context.WithTimeout(c.ctx, c.opts.ConnectTimeout)
		header := c.requestHeader()
		ws, resp, err := a.dialer(tlsCfg).DialContext(ctx, u.String(), header)
		cancel()
		if c.ctx.Err() != nil {
			if ws != nil {
				ws.Close()
			}
			return outcome{}
		}
		if err != nil {
			f := classifyDialError(err, resp, a, u.String())
			if f.Cause == "" && strings.Contains(err.Error(), "compression negotiation") {
				f.Kind, f.Cause = decode.KindHandshake, decode.CauseBadCompressionParam
			}
			if f.Cause == decode.CauseRedirect && c.opts.FollowRedirects {
				next, perr := redirectTarget(u, f.Location)
				if perr == nil && len(hops) < maxRedirects {
					hops = append(hops, strconv.Itoa(f.Status)+" "+u.String()+" → "+next.String())
					u = next
					continue
				}
				f.Cause = decode.CauseTooManyRedirects
			}
			c.emit(Event{Type: EventError, URL: u.String(), Status: f.Status, Hops: hops, Failure: &f,
				ResponseHeader: responseHeader(resp)})
			return outcome{retryable: decode.ExplainFailure(f).Reconnect}
		}
		if f, bad := checkNegotiation(resp, c.opts); bad {
			f.URL = u.String()
			c.emit(Event{Type: EventError, URL: u.String(), Status: resp.StatusCode, Failure: &f,
				ResponseHeader: resp.Header})
			ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseProtocolError, ""), time.Now().Add(time.Second))
			ws.Close()
			return outcome{}
		}
		return c.serve(ws, resp, a, u, hops)
	}
}

func (c *Client) requestHeader() http.Header {
	h := http.Header{}
	for k, v := range c.opts.Header {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	if c.opts.Origin != "" {
		h.Set("Origin", c.opts.Origin)
	}
	return h
}

func responseHeader(resp *http.Response) http.Header {
	if resp == nil {
		return nil
	}
	return resp.Header
}

// session is the state of one open connection shared by its goroutines.
type session struct {
	c    *Client
	ws   *websocket.Conn
	tap  *tap
	host string
	sub  string

	closeOnce   sync.Once
	ended       chan struct{} // closed when the connection must stop
	readerDone  chan struct{}
	localClose  atomic.Bool // we sent a close frame
	remoteClose atomic.Bool // we received a close frame
	remoteCode  atomic.Int32
	failed      atomic.Bool // an error event was emitted

	pingMu   sync.Mutex
	pingSent map[string]time.Time
	pingSeq  int
	lastOut  atomic.Int64 // UnixNano of the last frame sent
	// writeStarted is when the writer began a write it has not reported
	// yet, as UnixNano; 0 when there is none.
	writeStarted atomic.Int64
}

func (c *Client) serve(ws *websocket.Conn, resp *http.Response, a *attempt, u *url.URL, hops []string) outcome {
	s := &session{
		c: c, ws: ws, tap: a.tap, host: u.Hostname(), sub: ws.Subprotocol(),
		ended: make(chan struct{}), readerDone: make(chan struct{}),
		pingSent: map[string]time.Time{},
	}
	ws.SetReadLimit(c.opts.MaxMessage)
	c.setState(StateOpen)
	reqHeader := http.Header{}
	if resp.Request != nil {
		reqHeader = resp.Request.Header.Clone()
	}
	c.emit(Event{
		Type: EventOpen, URL: u.String(), Status: resp.StatusCode, Subprotocol: ws.Subprotocol(),
		Extensions: resp.Header.Values("Sec-Websocket-Extensions"), RequestHeader: reqHeader,
		ResponseHeader: resp.Header, Hops: hops, PingsOn: c.opts.PingInterval > 0,
	})

	ws.SetPingHandler(s.onPing)
	ws.SetPongHandler(s.onPong)
	ws.SetCloseHandler(s.onClose)

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.readLoop(a.violations) }()
	go func() { defer wg.Done(); s.writeLoop() }()

	redial := false
	select {
	case <-s.readerDone:
	case <-c.ctx.Done():
	case <-c.reconnect:
		redial = true
		s.sendClose(websocket.CloseGoingAway, "reconnecting")
		select {
		case <-s.readerDone:
		case <-time.After(closeWait):
		}
	}
	s.stop()
	ws.Close()
	wg.Wait()
	c.setState(StateClosed)

	o := outcome{opened: true, redial: redial}
	switch {
	case s.failed.Load():
		o.retryable = true
	case s.remoteClose.Load():
		code := int(s.remoteCode.Load())
		o.retryable = decode.ExplainClose(code, "", decode.CloseContext{Subprotocol: s.sub, Host: s.host, Remote: true}).Reconnect
	}
	return o
}

func (s *session) stop() { s.closeOnce.Do(func() { close(s.ended) }) }

func (s *session) idle() time.Duration {
	last := s.tap.lastReadTime()
	if out := s.lastOut.Load(); out > last.UnixNano() {
		last = time.Unix(0, out)
	}
	if last.IsZero() {
		return 0
	}
	return time.Since(last)
}

// readDeadline is how long the reader waits for any frame when pings are on:
// two missed pongs and a margin mean the peer or the path is gone.
func (s *session) readDeadline() time.Time {
	if s.c.opts.PingInterval <= 0 {
		return time.Time{}
	}
	p := s.c.opts.PingInterval
	return time.Now().Add(2*p + min(p, 5*time.Second))
}

func (s *session) readLoop(violations <-chan Violation) {
	defer close(s.readerDone)
	var fatal *Violation
	flushViolations := func() {
		for {
			select {
			case v := <-violations:
				if gorillaRejects(v.Failure.Cause) {
					if fatal == nil {
						vv := v
						fatal = &vv
					}
					continue
				}
				f := v.Failure
				s.c.emit(Event{Type: EventWarning, Dir: In, Opcode: v.Frame.Opcode, Frames: []Frame{v.Frame}, Failure: &f})
			default:
				return
			}
		}
	}
	for {
		s.ws.SetReadDeadline(s.readDeadline())
		op, data, err := s.ws.ReadMessage()
		flushViolations()
		if err != nil {
			s.readFailed(err, fatal)
			return
		}
		ev := Event{Type: EventMessage, Dir: In, Opcode: Opcode(op), Payload: data, Frames: s.tap.takeMessage(In)}
		if n := len(ev.Frames); n > 0 {
			s.awaitWriter(ev.Frames[n-1].Time)
		}
		s.c.emit(ev)
		if op == websocket.TextMessage && !utf8.Valid(data) {
			s.c.emit(Event{Type: EventWarning, Dir: In, Opcode: OpText, Failure: &decode.Failure{
				Kind: decode.KindProtocol, Cause: decode.CauseInvalidUTF8Text, Code: 1007,
				Message: "text message is not valid UTF-8", Opcode: int(OpText), Length: int64(len(data)),
			}})
		}
	}
}

// awaitWriter keeps the log in wire order: a reply can arrive before the
// writer has reported the message it answers. When a write began before
// the reply arrived and is not reported yet, give the writer a moment.
func (s *session) awaitWriter(arrived time.Time) {
	deadline := time.Now().Add(50 * time.Millisecond)
	for {
		started := s.writeStarted.Load()
		if started == 0 || started > arrived.UnixNano() || time.Now().After(deadline) {
			return
		}
		time.Sleep(20 * time.Microsecond)
	}
}

// gorillaRejects reports whether gorilla itself fails the connection on a
// violation; those end as an error, the others are warnings.
func gorillaRejects(cause string) bool {
	switch cause {
	case decode.CauseNonMinimalLength, decode.CauseOneByteClose, decode.CauseDataAfterClose:
		return false
	}
	return true
}

func (s *session) readFailed(err error, fatal *Violation) {
	select {
	case <-s.ended:
		return // we are tearing down; the error is our own doing
	default:
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) && s.remoteClose.Load() {
		return // a clean close, already reported by onClose
	}
	idle := s.idle()
	f := decode.Failure{Message: err.Error(), URL: s.c.opts.URL, IdleSeconds: idle.Seconds(), PingsOn: s.c.opts.PingInterval > 0}
	var frames []Frame
	switch {
	case fatal != nil:
		vf := fatal.Failure
		vf.URL, vf.Message = f.URL, vf.Message+" ("+err.Error()+")"
		f = vf
		frames = []Frame{fatal.Frame}
	case errors.Is(err, websocket.ErrReadLimit):
		f.Kind, f.Cause, f.Code, f.Limit = decode.KindLimit, decode.CauseMessageTooBig, 1009, s.c.opts.MaxMessage
	case strings.Contains(err.Error(), "flate"):
		f.Kind, f.Cause, f.Code = decode.KindProtocol, decode.CauseBadDeflate, 1007
	case isTimeout(err):
		f.Kind, f.Cause, f.Code = decode.KindTimeout, decode.CauseIdleTimeout, 1006
		if s.c.opts.PingInterval > 0 {
			f.Cause = decode.CausePongTimeout
		}
	case strings.HasPrefix(err.Error(), "websocket: ") && !errors.As(err, &ce):
		f.Kind, f.Code = decode.KindProtocol, 1002
		f.Cause = causeFromGorilla(err.Error())
		if f.Cause == decode.CauseInvalidUTF8Reason {
			f.Code = 1007
		}
	case s.localClose.Load():
		classifyTransport(&f, unwrapClose(err))
		f.Message = "the server did not answer the close frame within " + closeWait.String() + ": " + err.Error()
	default:
		classifyTransport(&f, unwrapClose(err))
		f.Message = err.Error()
	}
	s.failed.Store(true)
	frames = append(frames, s.tap.drain(In)...)
	s.c.emit(Event{Type: EventError, Dir: In, Failure: &f, Frames: frames, Code: f.Code, Idle: idle, PingsOn: f.PingsOn})
}

// causeFromGorilla names a violation from gorilla's message, for the rare
// case where the tap did not see it first.
func causeFromGorilla(msg string) string {
	for _, m := range []struct{ text, cause string }{
		{"RSV", decode.CauseRSVWithoutExtension},
		{"bad opcode", decode.CauseReservedOpcode},
		{"len > 125", decode.CauseOversizedControl},
		{"FIN not set on control", decode.CauseFragmentedControl},
		{"data before FIN", decode.CauseDataInsideFragmented},
		{"continuation after FIN", decode.CauseUnexpectedContinue},
		{"bad MASK", decode.CauseMaskedServerFrame},
		{"bad close code", decode.CauseInvalidCloseCode},
		{"invalid utf8", decode.CauseInvalidUTF8Reason},
	} {
		if strings.Contains(msg, m.text) {
			return m.cause
		}
	}
	return decode.CauseReservedOpcode
}

// unwrapClose maps gorilla's synthetic 1006 CloseError (for an EOF) back to
// the EOF it stands for.
func unwrapClose(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) && ce.Code == websocket.CloseAbnormalClosure {
		return errors.New("unexpected EOF")
	}
	return err
}

func (s *session) onPing(payload string) error {
	f, _ := s.tap.takeControl(In, OpPing)
	s.c.emit(Event{Type: EventMessage, Dir: In, Opcode: OpPing, Payload: []byte(payload), Frames: []Frame{f}})
	err := s.ws.WriteControl(websocket.PongMessage, []byte(payload), time.Now().Add(writeWait))
	if err == nil {
		s.lastOut.Store(time.Now().UnixNano())
		of, _ := s.tap.takeControl(Out, OpPong)
		s.c.emit(Event{Type: EventMessage, Dir: Out, Opcode: OpPong, Payload: []byte(payload), Frames: []Frame{of}})
	}
	s.ws.SetReadDeadline(s.readDeadline())
	return nil
}

func (s *session) onPong(payload string) error {
	f, _ := s.tap.takeControl(In, OpPong)
	ev := Event{Type: EventMessage, Dir: In, Opcode: OpPong, Payload: []byte(payload), Frames: []Frame{f}}
	s.pingMu.Lock()
	if sent, ok := s.pingSent[payload]; ok {
		ev.RTT = f.Time.Sub(sent)
		if f.Time.IsZero() {
			ev.RTT = time.Since(sent)
		}
		delete(s.pingSent, payload)
	}
	s.pingMu.Unlock()
	s.c.emit(ev)
	s.ws.SetReadDeadline(s.readDeadline())
	return nil
}

func (s *session) onClose(code int, text string) error {
	f, _ := s.tap.takeControl(In, OpClose)
	s.awaitWriter(f.Time)
	s.remoteClose.Store(true)
	s.remoteCode.Store(int32(code))
	s.c.emit(Event{Type: EventClose, Dir: In, Opcode: OpClose, Code: code, Reason: text,
		HasCode: len(f.Payload) >= 2 || f.Time.IsZero(), Frames: []Frame{f}, Payload: f.Payload,
		Idle: s.idle(), PingsOn: s.c.opts.PingInterval > 0})
	if s.localClose.Load() {
		return nil // this is the answer to our close
	}
	s.c.setState(StateClosing)
	// Echo the code, as RFC 6455 §5.5.1 asks; 1005 means there was none.
	reply := websocket.FormatCloseMessage(code, "")
	if code == websocket.CloseNoStatusReceived {
		reply = []byte{}
	}
	s.writeClose(reply)
	return nil
}

// writeClose sends a close frame once and reports it.
func (s *session) writeClose(payload []byte) {
	if s.localClose.Swap(true) {
		return
	}
	if err := s.ws.WriteControl(websocket.CloseMessage, payload, time.Now().Add(writeWait)); err != nil {
		return
	}
	s.lastOut.Store(time.Now().UnixNano())
	f, _ := s.tap.takeControl(Out, OpClose)
	ev := Event{Type: EventClose, Dir: Out, Opcode: OpClose, Code: websocket.CloseNoStatusReceived, Frames: []Frame{f}, Payload: payload}
	if len(payload) >= 2 {
		ev.Code, ev.Reason, ev.HasCode = int(payload[0])<<8|int(payload[1]), string(payload[2:]), true
	}
	s.c.emit(ev)
}

// sendClose starts the closing handshake and bounds how long the server
// has to answer.
func (s *session) sendClose(code int, reason string) {
	s.c.setState(StateClosing)
	var payload []byte
	if code != websocket.CloseNoStatusReceived {
		payload = websocket.FormatCloseMessage(code, reason)
	}
	s.writeClose(payload)
	go func() {
		select {
		case <-s.readerDone:
		case <-time.After(closeWait):
			s.ws.NetConn().Close()
		}
	}()
}

func (s *session) writeLoop() {
	var ticker *time.Ticker
	var tick <-chan time.Time
	if p := s.c.opts.PingInterval; p > 0 {
		ticker = time.NewTicker(p)
		defer ticker.Stop()
		tick = ticker.C
	}
	for {
		for _, o := range s.c.takeQueue() {
			if !s.write(o) {
				return
			}
		}
		select {
		case <-s.ended:
			return
		case <-s.readerDone:
			return
		case <-s.c.wake:
		case <-tick:
			s.pingMu.Lock()
			s.pingSeq++
			p := "wsdbg-" + strconv.Itoa(s.pingSeq)
			s.pingSent[p] = time.Now()
			s.pingMu.Unlock()
			if !s.write(outgoing{op: OpPing, payload: []byte(p)}) {
				return
			}
		}
	}
}

// write sends one queued item; false means the connection is unusable.
func (s *session) write(o outgoing) bool {
	s.writeStarted.Store(time.Now().UnixNano())
	defer s.writeStarted.Store(0)
	if s.localClose.Load() {
		return true // nothing may follow a close frame; drop silently
	}
	if o.op == OpClose {
		s.sendClose(o.code, string(o.payload))
		return true
	}
	var err error
	if o.op.IsControl() {
		err = s.ws.WriteControl(int(o.op), o.payload, time.Now().Add(writeWait))
	} else {
		s.ws.SetWriteDeadline(time.Now().Add(writeWait))
		err = s.ws.WriteMessage(int(o.op), o.payload)
	}
	if err != nil {
		select {
		case <-s.ended:
		default:
			f := decode.Failure{Message: err.Error(), URL: s.c.opts.URL}
			classifyTransport(&f, err)
			if !s.failed.Swap(true) {
				s.c.emit(Event{Type: EventError, Dir: Out, Failure: &f, Code: f.Code, Idle: s.idle()})
			}
			s.ws.NetConn().Close()
		}
		s.tap.drain(Out)
		return false
	}
	s.lastOut.Store(time.Now().UnixNano())
	var frames []Frame
	if o.op.IsControl() {
		if f, ok := s.tap.takeControl(Out, o.op); ok {
			frames = []Frame{f}
		}
	} else {
		frames = s.tap.takeMessage(Out)
	}
	s.c.emit(Event{Type: EventMessage, Dir: Out, Opcode: o.op, Payload: o.payload, Frames: frames})
	return true
}
