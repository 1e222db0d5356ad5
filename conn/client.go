package conn

import (
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/decode"
)

const (
	closeWait     = 3 * time.Second  // how long the peer has to answer our close frame
	writeWait     = 10 * time.Second // how long a control frame may wait to go out
	pongWait      = time.Second      // how long answering a ping may wait for the socket
	maxRedirects  = 10
	eventBuffer   = 1024
	violationsCap = 64
	// maxWriterWait bounds how long a read waits for the writer to report
	// a message that went out before the read's frame arrived.
	maxWriterWait = 50 * time.Millisecond
	// writeChunk is how much of a message is handed to the socket at a
	// time, so that progress (and its absence) shows within a message.
	writeChunk = 64 << 10
)

// Client is a live connection (and its reconnects). All methods are safe for
// concurrent use; only SendWait and CloseAndWait wait, and only as long as
// they are told to.
//
//	c := conn.Dial(ctx, opts)          // returns at once; dialing happens in the background
//	for ev := range c.Events() { ... } // closed when the client is finished for good
//	c.Send(conn.OpText, []byte("hi"))  // queued; the writer goroutine sends it
type Client struct {
	opts   Options
	notes  *Annotator
	timing timing
	events chan Event
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}

	// reconnect and closeRequest carry Reconnect and Close to run, which
	// may be waiting between connections; each holds one pending request.
	reconnect    chan struct{}
	closeRequest chan struct{}
	wake         chan struct{} // tells the writer the queue has something

	mu    sync.Mutex
	queue sendQueue
	// room is closed when the writer has made room in the queue; a sender
	// that finds the queue full makes it and waits on it.
	room chan struct{}
	// userClosed is set when the user asked to close: no reconnect follows
	// and nothing more is queued.
	userClosed bool
	// pendingClose is the close asked for and not yet taken by a
	// connection (or by the wait before a reconnect).
	pendingClose    closeRequest
	hasPendingClose bool
	// closing is closed when the connection a Close ends is gone; nil
	// while no Close is under way.
	closing chan struct{}
	// attempting is set while run is dialling, serving or waiting to
	// redial, so that a Close has something to end.
	attempting bool
}

type outgoing struct {
	op      Opcode
	payload []byte
}

// closeRequest is a Close waiting to be carried out, with what it dropped
// from the queue.
type closeRequest struct {
	code         int
	reason       string
	dropped      int
	droppedBytes int64
	// whenSent marks a CloseWhenSent: the frame follows the queue.
	whenSent bool
}

var (
	// ErrClosed is returned by sends after the client has finished or the
	// user has closed the connection.
	ErrClosed = errors.New("connection is closed")
	// ErrQueueFull is returned by Send when earlier messages have not gone
	// out yet and the send queue has no room; SendWait waits instead.
	ErrQueueFull = errors.New("the send queue is full: earlier messages have not gone out yet")
	// ErrCloseTimeout is returned by CloseAndWait when the connection had
	// not ended when its time ran out.
	ErrCloseTimeout = errors.New("the connection did not end in time")
)

// Dial starts connecting in the background and returns at once. Failures,
// including a bad URL, arrive as events.
func Dial(ctx context.Context, opts Options) *Client {
	return dial(ctx, opts, defaultTiming)
}

func dial(ctx context.Context, opts Options, t timing) *Client {
	if opts.ConnectTimeout <= 0 {
		opts.ConnectTimeout = DefaultConnectTimeout
	}
	if opts.MaxMessage <= 0 {
		opts.MaxMessage = DefaultMaxMessage
	}
	if opts.MaxQueueBytes <= 0 {
		opts.MaxQueueBytes = DefaultMaxQueueBytes
	}
	if opts.MaxQueueMessages <= 0 {
		opts.MaxQueueMessages = DefaultMaxQueueMessages
	}
	ctx, cancel := context.WithCancel(ctx)
	c := &Client{
		opts:         opts,
		notes:        NewAnnotator(opts),
		timing:       t,
		events:       make(chan Event, eventBuffer),
		ctx:          ctx,
		cancel:       cancel,
		done:         make(chan struct{}),
		reconnect:    make(chan struct{}, 1),
		closeRequest: make(chan struct{}, 1),
		wake:         make(chan struct{}, 1),
		attempting:   true,
	}
	go c.run()
	return c
}

// Events delivers everything that happens, in order. It is closed when the
// client is finished for good.
func (c *Client) Events() <-chan Event { return c.events }

// Done is closed when the client has finished and every goroutine is gone.
func (c *Client) Done() <-chan struct{} { return c.done }

// Send queues a text or binary message (or a ping or pong) without
// waiting: when the queue is full (Options.MaxQueueBytes or
// MaxQueueMessages) it returns ErrQueueFull, and ErrClosed after Close or
// once the client has finished. The payload must not change afterwards.
func (c *Client) Send(op Opcode, payload []byte) error {
	if err := checkSendable(op, payload); err != nil {
		return err
	}
	c.mu.Lock()
	err := c.enqueueLocked(outgoing{op: op, payload: payload})
	c.mu.Unlock()
	if err == nil {
		signal(c.wake)
	}
	return err
}

// SendWait is Send that waits for room in the queue instead of failing,
// so that a fast producer goes at the pace the server reads. It returns
// ctx's error when ctx ends first, and ErrClosed after Close or once the
// client has finished.
func (c *Client) SendWait(ctx context.Context, op Opcode, payload []byte) error {
	if err := checkSendable(op, payload); err != nil {
		return err
	}
	for {
		c.mu.Lock()
		err := c.enqueueLocked(outgoing{op: op, payload: payload})
		if err != ErrQueueFull {
			c.mu.Unlock()
			if err == nil {
				signal(c.wake)
			}
			return err
		}
		if c.room == nil {
			c.room = make(chan struct{})
		}
		room := c.room
		c.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			return ctx.Err()
		case <-c.ctx.Done():
			return ErrClosed
		case <-c.done:
			return ErrClosed
		}
	}
}

func checkSendable(op Opcode, payload []byte) error {
	switch op {
	case OpText, OpBinary, OpPing, OpPong:
	default:
		return errors.New("only text, binary, ping and pong messages can be sent")
	}
	if op.IsControl() && len(payload) > maxControlPayload {
		return errors.New("a ping or pong carries at most 125 bytes")
	}
	return nil
}

// Ping queues a ping with payload; its pong's round trip is reported.
func (c *Client) Ping(payload []byte) error { return c.Send(OpPing, payload) }

// Close ends the connection with a close frame carrying code and reason,
// ahead of anything still queued: queued messages are dropped (a warning
// says how many), the frame goes out as soon as the socket takes it, and
// if it does not within a second (a server that stopped reading) the
// connection is dropped without it. The server then has a few seconds to
// answer. Close returns at once; no reconnect follows, and called while
// waiting to reconnect it ends the wait with a final close event instead.
func (c *Client) Close(code int, reason string) error {
	_, err := c.close(code, reason, false)
	return err
}

// CloseWhenSent ends the connection once everything queued has gone out:
// the close frame follows the last queued message, then the server has a
// few seconds to answer. It returns at once and nothing more can be
// queued. For the end of the input, when what was sent must arrive; a
// Close afterwards still goes ahead of the queue and drops it. Called while
// waiting to reconnect it acts as Close.
func (c *Client) CloseWhenSent(code int, reason string) error {
	_, err := c.close(code, reason, true)
	return err
}

// CloseAndWait is Close followed by a wait of at most timeout for the
// connection to end: the server answered the close, or the close was given
// up. It returns ErrCloseTimeout when time ran out first. Events keep
// coming meanwhile and must be read by another goroutine (or be few), or
// the wait lasts until timeout. Shutdown remains the way to stop at once.
func (c *Client) CloseAndWait(code int, reason string, timeout time.Duration) error {
	ended, err := c.close(code, reason, false)
	if err != nil {
		return err
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ended:
		return nil
	case <-c.done:
		return nil
	case <-t.C:
		return ErrCloseTimeout
	}
}

// close asks for a close, after the queue when whenSent, and returns a
// channel closed once the connection it ends is gone.
func (c *Client) close(code int, reason string, whenSent bool) (<-chan struct{}, error) {
	if len(reason) > maxControlPayload-2 {
		return nil, errors.New("a close reason carries at most 123 bytes")
	}
	select {
	case <-c.done:
		return nil, ErrClosed
	default:
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.userClosed = true
	if c.closing == nil {
		c.closing = make(chan struct{})
	}
	ended := c.closing
	c.wakeSendersLocked() // they get ErrClosed
	if !c.attempting {
		// No connection and none coming: there is nothing to end.
		c.settleCloseLocked()
		return ended, nil
	}
	if whenSent && c.hasPendingClose && !c.pendingClose.whenSent {
		return ended, nil // a Close is under way already
	}
	req := closeRequest{code: code, reason: reason, whenSent: whenSent}
	if !whenSent {
		req.dropped, req.droppedBytes = c.queue.dropWaiting()
	}
	if c.hasPendingClose {
		req.dropped += c.pendingClose.dropped
		req.droppedBytes += c.pendingClose.droppedBytes
	}
	c.pendingClose, c.hasPendingClose = req, true
	signal(c.closeRequest)
	signal(c.wake)
	return ended, nil
}

// Reconnect drops the current connection (if any) and dials again at once.
// A close asked for earlier and not sent yet is forgotten.
func (c *Client) Reconnect() {
	c.mu.Lock()
	c.userClosed = false
	c.pendingClose, c.hasPendingClose = closeRequest{}, false
	if c.closing != nil {
		close(c.closing) // the close is superseded: nothing to wait for
		c.closing = nil
	}
	select {
	case <-c.closeRequest:
	default:
	}
	c.mu.Unlock()
	signal(c.reconnect)
}

// signal leaves a notification on ch, a channel of capacity one, unless
// one is pending already.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// Shutdown tears everything down at once, without a closing handshake,
// even while a write is stuck on a server that does not read, and waits
// for every goroutine to end; events not read by then are dropped and
// waiting senders get ErrClosed. It is idempotent.
func (c *Client) Shutdown() {
	c.cancel()
	// The consumer may have stopped reading: drain so emitters unblock.
	for range c.events {
	}
	<-c.done
}

// enqueueLocked queues o if there is room; c.mu must be held.
func (c *Client) enqueueLocked(o outgoing) error {
	select {
	case <-c.done:
		return ErrClosed
	default:
	}
	if c.userClosed {
		return ErrClosed
	}
	if !c.queue.fits(len(o.payload), c.opts.MaxQueueMessages, c.opts.MaxQueueBytes) {
		return ErrQueueFull
	}
	c.queue.push(o)
	return nil
}

// nextToSend takes the oldest queued message for the writer.
func (c *Client) nextToSend() (outgoing, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queue.pop()
}

// sendDone frees the room o took in the queue once the writer is done
// with it, sent or not. Waiting senders are woken once the queue is down
// to half, so that a steady stream wakes them in batches, not for every
// message.
func (c *Client) sendDone(o outgoing) {
	c.mu.Lock()
	c.queue.release(o)
	if c.queue.count <= c.opts.MaxQueueMessages/2 && c.queue.bytes <= c.opts.MaxQueueBytes/2 {
		c.wakeSendersLocked()
	}
	c.mu.Unlock()
}

// wakeSendersLocked lets senders waiting for room look again; c.mu must be
// held.
func (c *Client) wakeSendersLocked() {
	if c.room != nil {
		close(c.room)
		c.room = nil
	}
}

// waiting counts the messages not yet gone out and their bytes, less sent
// bytes of the message being written.
func (c *Client) waiting(sent int64) (int, int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.queue.count, c.queue.bytes - sent
}

// takeClose hands the pending close to whoever will carry it out: a Close
// to the connection, any close to the wait before a reconnect, which has
// no connection to send the queue on and drops it.
func (c *Client) takeClose(whenSentToo bool) (closeRequest, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	req, ok := c.pendingClose, c.hasPendingClose
	if !ok || (req.whenSent && !whenSentToo) {
		return closeRequest{}, false
	}
	if req.whenSent {
		n, bytes := c.queue.dropWaiting()
		req.dropped += n
		req.droppedBytes += bytes
	}
	c.pendingClose, c.hasPendingClose = closeRequest{}, false
	return req, true
}

// takeCloseWhenSent hands the writer a CloseWhenSent once the queue is
// empty.
func (c *Client) takeCloseWhenSent() (closeRequest, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	req, ok := c.pendingClose, c.hasPendingClose
	if !ok || !req.whenSent || c.queue.count > 0 {
		return closeRequest{}, false
	}
	c.pendingClose, c.hasPendingClose = closeRequest{}, false
	return req, true
}

// settleClose notes that run is between connections with nothing under
// way: a Close waiting for the end is answered.
func (c *Client) settleClose() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.settleCloseLocked()
}

func (c *Client) settleCloseLocked() {
	c.attempting = false
	c.pendingClose, c.hasPendingClose = closeRequest{}, false
	if c.closing != nil {
		close(c.closing)
		c.closing = nil
	}
}

// beginAttempt notes that run is about to dial again; false when a Close
// came after the Reconnect that asked for it.
func (c *Client) beginAttempt() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.userClosed {
		return false
	}
	c.attempting = true
	return true
}

func (c *Client) closedByUser() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.userClosed
}

// willReconnect reports whether the client dials again by itself after a
// connection that ended retryable (or not).
func (c *Client) willReconnect(retryable bool) bool {
	return c.opts.Reconnect && retryable && !c.closedByUser()
}

// emit delivers ev unless the client is being shut down.
func (c *Client) emit(ev Event) bool {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	c.notes.Annotate(&ev)
	select {
	case c.events <- ev:
		return true
	case <-c.ctx.Done():
		return false
	}
}

// run dials, serves and reconnects until done.
func (c *Client) run() {
	defer close(c.done)
	defer close(c.events)
	defer c.settleClose()

	attempt := 0
	for {
		o := c.connectOnce()
		if c.ctx.Err() != nil {
			return
		}
		if o.healthy {
			attempt = 0
		}
		if o.redial && !c.closedByUser() {
			attempt = 0
			continue
		}
		if c.willReconnect(o.retryable) {
			attempt++
			if c.waitToRedial(attempt, c.timing.redialDelay(attempt, o)) {
				continue
			}
			if c.ctx.Err() != nil {
				return
			}
			// Close came during the wait: finished, as after any close.
		}
		c.settleClose()
		if !c.opts.RedialOnRequest {
			return
		}
		if !c.awaitReconnect() {
			return
		}
		attempt = 0
	}
}

// awaitReconnect waits for a Reconnect that is still wanted when it
// arrives; false when Shutdown came instead.
func (c *Client) awaitReconnect() bool {
	for {
		select {
		case <-c.reconnect:
			if c.beginAttempt() {
				return true
			}
		case <-c.ctx.Done():
			return false
		}
	}
}

// waitToRedial announces reconnect attempt number attempt and waits out
// delay, which Reconnect cuts short. It reports false when Close or
// Shutdown ended the wait instead.
func (c *Client) waitToRedial(attempt int, delay time.Duration) bool {
	if !c.emit(Event{Type: EventReconnect, Attempt: attempt, Delay: delay, URL: c.opts.URL}) {
		return false
	}
	t := time.NewTimer(delay)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			return true
		case <-c.reconnect:
			return true
		case <-c.closeRequest:
			req, ok := c.takeClose(true)
			if !ok {
				continue // a Reconnect came after the Close
			}
			c.reportDropped(req)
			// No frame goes out: there is no connection to carry it.
			ev := Event{Type: EventClose, Dir: Out, Code: websocket.CloseNoStatusReceived, Final: true, URL: c.opts.URL}
			if req.code != websocket.CloseNoStatusReceived {
				ev.Code, ev.Reason, ev.HasCode = req.code, req.reason, true
			}
			c.emit(ev)
			return false
		case <-c.ctx.Done():
			return false
		}
	}
}

// reportDropped warns about the messages a close dropped from the queue.
func (c *Client) reportDropped(req closeRequest) {
	if req.dropped == 0 {
		return
	}
	c.emit(Event{Type: EventWarning, Dir: Out, Failure: &decode.Failure{
		Kind: decode.KindTransport, Cause: decode.CauseUnsentDropped, URL: c.opts.URL,
		Waiting: req.dropped, WaitingBytes: req.droppedBytes,
		Message: "the close went ahead of " + countBytes(req.dropped, req.droppedBytes) + " never sent",
	}})
}

// countBytes writes "N messages / X KiB".
func countBytes(n int, bytes int64) string {
	return strconv.Itoa(n) + " messages / " + decode.HumanSize(bytes)
}

type outcome struct {
	healthy   bool // the connection stayed open long enough to reset the backoff
	retryable bool
	redial    bool // the user asked for a reconnect: dial again without backoff
	// overloaded is set when the server said it is overloaded or limiting
	// the rate; retryAfter is how long its Retry-After asked for.
	overloaded bool
	retryAfter time.Duration
}

// connectOnce dials (following redirects when asked) and serves one
// connection to its end.
func (c *Client) connectOnce() outcome {
	u, err := ValidateURL(c.opts.URL)
	if err != nil {
		c.emit(Event{Type: EventError, URL: c.opts.URL, Final: true, Failure: &decode.Failure{
			Kind: decode.KindHandshake, Cause: decode.CauseBadURL, Message: err.Error(), URL: c.opts.URL}})
		return outcome{}
	}
	tlsCfg, err := TLSConfig(c.opts)
	if err != nil {
		c.emit(Event{Type: EventError, URL: c.opts.URL, Final: true, Failure: &decode.Failure{
			Kind: decode.KindTLS, Cause: decode.CauseTLSClientCert, Message: err.Error(), URL: c.opts.URL}})
		return outcome{}
	}

	var hops []string
	for {
		a := &attempt{opts: c.opts, violations: make(chan protocolViolation, violationsCap)}
		ctx, cancel := context.WithTimeout(c.ctx, c.opts.ConnectTimeout)
		ws, resp, err := a.dialer(tlsCfg).DialContext(ctx, u.String(), c.requestHeader())
		a.release()
		cancel()
		if c.ctx.Err() != nil {
			if ws != nil {
				ws.Close()
			}
			return outcome{}
		}
		if err != nil {
			f := classifyDialError(err, resp, a, u.String())
			if f.Cause == decode.CauseRedirect && c.opts.FollowRedirects {
				next, perr := redirectTarget(u, f.Location)
				switch {
				case perr != nil:
					f.Message = perr.Error()
				case len(hops) >= maxRedirects:
					f.Cause = decode.CauseTooManyRedirects
				default:
					hops = append(hops, strconv.Itoa(f.Status)+" "+u.String()+" → "+next.String())
					u = next
					continue
				}
			}
			retryable := decode.ExplainFailure(f).Reconnect
			c.emit(Event{Type: EventError, URL: u.String(), Status: f.Status, Hops: hops, Failure: &f,
				ResponseHeader: responseHeader(resp), Final: !c.willReconnect(retryable)})
			return outcome{retryable: retryable,
				overloaded: f.Status == http.StatusTooManyRequests || f.Status == http.StatusServiceUnavailable,
				retryAfter: parseRetryAfter(f.RetryAfter, time.Now())}
		}
		if f, bad := checkNegotiation(resp, c.opts); bad {
			f.URL = u.String()
			c.emit(Event{Type: EventError, URL: u.String(), Status: resp.StatusCode, Failure: &f,
				ResponseHeader: resp.Header, Final: true})
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
	redialing   atomic.Bool // Reconnect is ending this connection to dial again
	localClose  atomic.Bool // we sent a close frame
	remoteClose atomic.Bool // we received a close frame
	remoteCode  atomic.Int32
	failed      atomic.Bool // an error event was emitted

	pings   pingLog
	lastOut atomic.Int64 // UnixNano of the last frame sent
	// writeStarted is when the writer began a write it has not reported
	// yet, as UnixNano; 0 when there is none.
	writeStarted atomic.Int64
	// writeAwaited is the write the reader last waited for in vain, so
	// that a write stuck on a slow peer delays one read, not all of them.
	// Only the reader goroutine uses it.
	writeAwaited int64
	// progressAt is when the write under way last handed bytes to the
	// socket (or began), as UnixNano; sentOfCurrent is how many bytes of
	// its message have gone.
	progressAt    atomic.Int64
	sentOfCurrent atomic.Int64
	// stallReported is set once a stall has been reported: a server that
	// reads in fits and starts must not bring a warning every few seconds.
	// Only serve's goroutine uses it.
	stallReported bool
}

func (c *Client) serve(ws *websocket.Conn, resp *http.Response, a *attempt, u *url.URL, hops []string) outcome {
	s := &session{
		c: c, ws: ws, tap: a.tap, host: u.Hostname(), sub: ws.Subprotocol(),
		ended: make(chan struct{}), readerDone: make(chan struct{}),
	}
	// A Reconnect asked for before this connection opened is answered by it.
	select {
	case <-c.reconnect:
	default:
	}
	ws.SetReadLimit(c.opts.MaxMessage)
	if p := c.opts.PingInterval; p > 0 {
		s.tap.expectTrafficWithin(livenessWindow(p))
	}
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

	opened := time.Now()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); s.readLoop(a.violations) }()
	go func() { defer wg.Done(); s.writeLoop() }()
	// closeIn carries a close out of this goroutine, which must keep
	// watching for Shutdown while the socket takes its time.
	closeIn := func(code int, reason string, dropped closeRequest) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.reportDropped(dropped)
			s.sendClose(code, reason)
		}()
	}
	stallCheck := time.NewTicker(max(c.timing.stallWarning/4, time.Millisecond))
	defer stallCheck.Stop()

wait:
	for {
		select {
		case <-s.readerDone:
			break wait
		case <-c.ctx.Done():
			break wait
		case <-c.reconnect:
			s.redialing.Store(true)
			closeIn(websocket.CloseGoingAway, "reconnecting", closeRequest{})
		case <-c.closeRequest:
			if req, ok := c.takeClose(false); ok {
				closeIn(req.code, req.reason, req)
			}
		case now := <-stallCheck.C:
			s.checkStall(now)
		}
	}
	s.stop()
	ws.Close()
	wg.Wait()

	o := outcome{healthy: time.Since(opened) >= c.timing.healthyAfter, redial: s.redialing.Load()}
	switch {
	case s.failed.Load():
		o.retryable = true
	case s.remoteClose.Load():
		code := int(s.remoteCode.Load())
		o.retryable = s.closeRetryable(code)
		o.overloaded = s.closeSaysOverloaded(code)
	}
	return o
}

// closeSaysOverloaded reports whether the peer's close code asks clients
// to stay away for a while: 1013 Try Again Later, or a code the dialect in
// use names a rate limit.
func (s *session) closeSaysOverloaded(code int) bool {
	if code == websocket.CloseTryAgainLater {
		return true
	}
	name := decode.ExplainClose(code, "", decode.CloseContext{Subprotocol: s.sub, Host: s.host, Remote: true}).Name
	return strings.Contains(strings.ToLower(name), "rate limit")
}

// checkStall warns, once per connection, when the write under way has
// handed nothing to the socket for stallWarning: the server is not reading.
func (s *session) checkStall(now time.Time) {
	if s.stallReported || s.writeStarted.Load() == 0 {
		return
	}
	stalled := now.Sub(time.Unix(0, s.progressAt.Load()))
	if stalled < s.c.timing.stallWarning {
		return
	}
	s.stallReported = true
	n, bytes := s.c.waiting(s.sentOfCurrent.Load())
	s.c.emit(Event{Type: EventWarning, Dir: Out, Failure: &decode.Failure{
		Kind: decode.KindTransport, Cause: decode.CauseNotReading, URL: s.c.opts.URL,
		Waiting: n, WaitingBytes: bytes, StalledSeconds: stalled.Seconds(),
		Message: "the server is not reading: " + countBytes(n, bytes) + " waiting",
	}})
}

// livenessWindow is how long the reader waits for any traffic when pings
// go out every p: two missed pongs and a margin mean the peer or the path
// is gone.
func livenessWindow(p time.Duration) time.Duration {
	return 2*p + min(p, 5*time.Second)
}

func (s *session) stop() { s.closeOnce.Do(func() { close(s.ended) }) }

// closeRetryable reports whether a close with this code from the peer calls
// for a reconnect.
func (s *session) closeRetryable(code int) bool {
	return decode.ExplainClose(code, "", decode.CloseContext{Subprotocol: s.sub, Host: s.host, Remote: true, Dialects: s.c.opts.Dialects}).Reconnect
}

// ending reports whether an event that ends the connection is its last
// word: nothing will dial again by itself.
func (s *session) ending(retryable bool) bool {
	return !s.redialing.Load() && !s.c.willReconnect(retryable)
}

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

func (s *session) readLoop(warnings <-chan protocolViolation) {
	defer close(s.readerDone)
	flushWarnings := func() {
		for {
			select {
			case v := <-warnings:
				f := v.Failure
				s.c.emit(Event{Type: EventWarning, Dir: In, Opcode: v.Frame.Opcode, Frames: []Frame{v.Frame}, Failure: &f})
			default:
				return
			}
		}
	}
	for {
		op, data, tooBig, err := s.nextMessage()
		flushWarnings()
		if tooBig {
			s.messageTooBig()
			return
		}
		if err != nil {
			s.readFailed(err)
			return
		}
		frames, count := s.tap.takeMessage(In)
		ev := Event{Type: EventMessage, Dir: In, Opcode: Opcode(op), Payload: data, Frames: frames, FrameCount: count}
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

// nextMessage reads the next data message, reporting tooBig rather than
// reading past MaxMessage bytes of it. gorilla's own read limit counts the
// bytes on the wire, which for a compressed message can be a thousandth of
// what they inflate to, so the limit is applied to what the reader yields:
// the decompressed bytes of every fragment together.
func (s *session) nextMessage() (op int, data []byte, tooBig bool, err error) {
	op, r, err := s.ws.NextReader()
	if err != nil {
		return op, nil, false, err
	}
	data, tooBig, err = readAtMost(r, s.c.opts.MaxMessage)
	return op, data, tooBig, err
}

// readAtMost reads r to its end, or stops once it has read more than limit
// bytes and reports tooBig. Its buffer doubles as it fills but never grows
// past limit+1, so reading costs at most about twice the message, or twice
// the limit, in allocations.
func readAtMost(r io.Reader, limit int64) (data []byte, tooBig bool, err error) {
	b := make([]byte, 0, min(512, limit+1))
	for {
		if len(b) == cap(b) {
			if int64(len(b)) > limit {
				return b, true, nil
			}
			grown := make([]byte, len(b), min(2*int64(cap(b)), limit+1))
			copy(grown, b)
			b = grown
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, false, nil
		}
		if err != nil {
			return b, false, err
		}
	}
}

// messageTooBig fails the connection with 1009 for a message that passed
// MaxMessage while it was read.
func (s *session) messageTooBig() {
	limit := strconv.FormatInt(s.c.opts.MaxMessage, 10)
	f := decode.Failure{Kind: decode.KindLimit, Cause: decode.CauseMessageTooBig, Code: websocket.CloseMessageTooBig,
		Limit: s.c.opts.MaxMessage, URL: s.c.opts.URL, Message: "the message passed the " + limit + "-byte limit"}
	if s.tap.readingCompressed() {
		f.Cause, f.Message = decode.CauseInflateTooBig, "the compressed message inflated past the "+limit+"-byte limit"
	}
	frames := s.tap.drain(In)
	if fr, ok := s.tap.partialFrame(); ok {
		frames = append(frames, fr)
	}
	s.failRead(f, frames)
}

// failRead ends the connection for a failure found while reading: it sends
// a close frame with the failure's code and message, unless one went out
// already, and reports the failure with the frames it concerns and the
// close sent.
func (s *session) failRead(f decode.Failure, frames []Frame) {
	s.failed.Store(true)
	if !s.localClose.Swap(true) {
		// The messages are ASCII, so cutting them keeps them UTF-8.
		payload := websocket.FormatCloseMessage(f.Code, f.Message[:min(len(f.Message), maxControlPayload-2)])
		if s.ws.WriteControl(websocket.CloseMessage, payload, time.Now().Add(writeWait)) == nil {
			s.lastOut.Store(time.Now().UnixNano())
			if cf, ok := s.tap.takeControl(Out, OpClose); ok {
				frames = append(frames, cf)
			}
		}
	}
	idle := s.idle()
	f.IdleSeconds, f.PingsOn = idle.Seconds(), s.c.opts.PingInterval > 0
	s.c.emit(Event{Type: EventError, Dir: In, Failure: &f, Frames: frames, Code: f.Code, Idle: idle, PingsOn: f.PingsOn,
		Final: s.ending(true)})
}

// awaitWriter keeps the log in wire order: a reply can arrive before the
// writer has reported the message it answers. When a write began before
// the reply arrived and is not reported yet, give the writer a moment,
// once per write.
func (s *session) awaitWriter(arrived time.Time) {
	started := s.writeStarted.Load()
	if started == 0 || started > arrived.UnixNano() || started == s.writeAwaited {
		return
	}
	deadline := time.Now().Add(maxWriterWait)
	for time.Now().Before(deadline) {
		time.Sleep(20 * time.Microsecond)
		if s.writeStarted.Load() != started {
			return
		}
	}
	s.writeAwaited = started
}

// httpAfterUpgradeWait is how long a failed reader waits for the rest of an
// HTTP response the server wrote after its 101.
const httpAfterUpgradeWait = 250 * time.Millisecond

// readFailed reports why reading failed. The tap's view of the bytes
// decides: gorilla's error only tells what gorilla stumbled on.
func (s *session) readFailed(err error) {
	select {
	case <-s.ended:
		return // we are tearing down; the error is our own doing
	default:
	}
	var ce *websocket.CloseError
	if errors.As(err, &ce) && s.remoteClose.Load() {
		return // a close, already reported by onClose
	}
	idle := s.idle()
	f := decode.Failure{Message: err.Error(), URL: s.c.opts.URL, IdleSeconds: idle.Seconds(), PingsOn: s.c.opts.PingInterval > 0}
	var frames []Frame
	if raw, ok := s.tap.httpAfterUpgrade(httpAfterUpgradeWait); ok {
		classifyHTTPAfterUpgrade(&f, raw)
	} else if fatal, queued := s.tap.fatalViolation(); fatal != nil && !errors.Is(err, websocket.ErrReadLimit) {
		vf := fatal.Failure
		vf.URL, vf.IdleSeconds, vf.PingsOn = f.URL, f.IdleSeconds, f.PingsOn
		f = vf
		if !queued {
			frames = []Frame{fatal.Frame}
		}
	} else {
		classifyReadError(&f, err, s.localClose.Load(), s.c.opts)
	}
	s.failed.Store(true)
	frames = append(frames, s.tap.drain(In)...)
	s.c.emit(Event{Type: EventError, Dir: In, Failure: &f, Frames: frames, Code: f.Code, Idle: idle, PingsOn: f.PingsOn,
		Final: s.ending(true)})
}

// classifyReadError names a read error the tap saw no cause for in the
// bytes; closeSent tells whether the client was waiting for the answer to
// its close frame.
func classifyReadError(f *decode.Failure, err error, closeSent bool, o Options) {
	var (
		corrupt  flate.CorruptInputError
		internal flate.InternalError
	)
	switch {
	case errors.Is(err, websocket.ErrReadLimit):
		f.Kind, f.Cause, f.Code, f.Limit = decode.KindLimit, decode.CauseMessageTooBig, 1009, o.MaxMessage
	case errors.As(err, &corrupt), errors.As(err, &internal):
		f.Kind, f.Cause, f.Code = decode.KindProtocol, decode.CauseBadDeflate, 1007
	case isTimeout(err):
		f.Kind, f.Cause, f.Code = decode.KindTimeout, decode.CauseIdleTimeout, 1006
		if o.PingInterval > 0 {
			f.Cause = decode.CausePongTimeout
		}
	case closeSent:
		classifyTransport(f, unwrapClose(err))
		f.Message = "the server did not answer the close frame within " + decode.HumanDuration(closeWait) + ": " + err.Error()
	case !isTransportError(err):
		// gorilla refused something the tap found legal: say no more
		// than that.
		f.Kind, f.Code = decode.KindProtocol, 1002
	default:
		classifyTransport(f, unwrapClose(err))
	}
}

// isTransportError reports whether err came from the connection rather than
// from gorilla's judgement of the bytes.
func isTransportError(err error) bool {
	var (
		ce *websocket.CloseError
		ne net.Error
		en syscall.Errno
	)
	return errors.As(err, &ce) || errors.As(err, &ne) || errors.As(err, &en) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || isTLSError(err)
}

// unwrapClose maps gorilla's synthetic 1006 CloseError (for an EOF) back to
// the EOF it stands for.
func unwrapClose(err error) error {
	var ce *websocket.CloseError
	if errors.As(err, &ce) && ce.Code == websocket.CloseAbnormalClosure {
		return io.ErrUnexpectedEOF
	}
	return err
}

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

// onClose reports the server's close frame as the tap saw it: gorilla is
// shown a stand-in (see standInClosePayload), so its arguments are ignored.
// A legal close is answered with the same code; an illegal one fails the
// connection with 1002, or 1007 for a reason that is not UTF-8.
func (s *session) onClose(int, string) error {
	f, _ := s.tap.takeControl(In, OpClose)
	s.awaitWriter(f.Time)
	code, reason := websocket.CloseNoStatusReceived, ""
	if len(f.Payload) >= 2 {
		code, reason = int(binary.BigEndian.Uint16(f.Payload)), string(f.Payload[2:])
	}
	s.remoteClose.Store(true)
	s.remoteCode.Store(int32(code))
	if v, bad := closeViolation(f.Payload); bad {
		v.URL = s.c.opts.URL
		s.failRead(v, []Frame{f})
		return nil
	}
	answer := s.localClose.Load() // the peer answers our close
	s.c.emit(Event{Type: EventClose, Dir: In, Opcode: OpClose, Code: code, Reason: reason,
		HasCode: len(f.Payload) >= 2, Frames: []Frame{f}, Payload: f.Payload,
		Idle: s.idle(), PingsOn: s.c.opts.PingInterval > 0, Final: answer && s.ending(s.closeRetryable(code))})
	if answer {
		return nil
	}
	// Echo the code, as RFC 6455 §5.5.1 asks; 1005 means there was none.
	reply := websocket.FormatCloseMessage(code, "")
	if code == websocket.CloseNoStatusReceived {
		reply = []byte{}
	}
	s.writeClose(reply, s.ending(s.closeRetryable(code)))
	return nil
}

// writeClose sends a close frame once and reports it; final marks the
// report as the connection's last word.
func (s *session) writeClose(payload []byte, final bool) {
	s.writeCloseWithin(payload, final, writeWait)
}

// writeCloseWithin is writeClose giving the socket wait to take the frame.
// It returns why the frame could not go out; nil when it went, or a close
// had gone before.
func (s *session) writeCloseWithin(payload []byte, final bool, wait time.Duration) error {
	if s.localClose.Swap(true) {
		return nil
	}
	writing := s.writeStarted.Load()
	if err := s.ws.WriteControl(websocket.CloseMessage, payload, time.Now().Add(wait)); err != nil {
		return err
	}
	s.lastOut.Store(time.Now().UnixNano())
	// A message under way when the frame went out either ended before it
	// or is cut short now: let the writer report it first, for wire order.
	for deadline := time.Now().Add(maxWriterWait); writing != 0 && s.writeStarted.Load() == writing && time.Now().Before(deadline); {
		time.Sleep(20 * time.Microsecond)
	}
	f, _ := s.tap.takeControl(Out, OpClose)
	ev := Event{Type: EventClose, Dir: Out, Opcode: OpClose, Code: websocket.CloseNoStatusReceived, Frames: []Frame{f},
		Payload: payload, Final: final}
	if len(payload) >= 2 {
		ev.Code, ev.Reason, ev.HasCode = int(payload[0])<<8|int(payload[1]), string(payload[2:]), true
	}
	s.c.emit(ev)
	return nil
}

// sendClose starts the closing handshake and bounds how long the server
// has to answer. When the socket does not take the frame within closeSend
// (a write is stuck on a server that does not read), the connection is
// dropped without it.
func (s *session) sendClose(code int, reason string) {
	var payload []byte
	if code != websocket.CloseNoStatusReceived {
		payload = websocket.FormatCloseMessage(code, reason)
	}
	if err := s.writeCloseWithin(payload, false, s.c.timing.closeSend); err != nil {
		if isTimeout(err) {
			s.abandonClose(code, reason)
		}
		return // otherwise the connection is broken, and the reader says how
	}
	go func() {
		t := time.NewTimer(closeWait)
		defer t.Stop()
		select {
		case <-s.readerDone:
		case <-t.C:
			s.ws.NetConn().Close()
		}
	}()
}

// abandonClose drops the connection when the close frame could not go
// out, and says so: a close with no frame, and why.
func (s *session) abandonClose(code int, reason string) {
	select {
	case <-s.ended:
		return // torn down already; the error is our own doing
	default:
	}
	s.stop()
	defer s.ws.NetConn().Close()
	if s.failed.Load() {
		return // the writer failed and said so
	}
	n, bytes := s.c.waiting(s.sentOfCurrent.Load())
	s.c.emit(Event{Type: EventWarning, Dir: Out, Failure: &decode.Failure{
		Kind: decode.KindTransport, Cause: decode.CauseNotReading, URL: s.c.opts.URL,
		Waiting: n, WaitingBytes: bytes,
		Message: "the close frame could not go out within " + decode.HumanDuration(s.c.timing.closeSend) +
			": the connection was dropped without it",
	}})
	ev := Event{Type: EventClose, Dir: Out, Code: websocket.CloseNoStatusReceived, Final: s.ending(false), URL: s.c.opts.URL}
	if code != websocket.CloseNoStatusReceived {
		ev.Code, ev.Reason, ev.HasCode = code, reason, true
	}
	s.c.emit(ev)
}

func (s *session) writeLoop() {
	var tick <-chan time.Time
	p := s.c.opts.PingInterval
	if p > 0 {
		ticker := time.NewTicker(p)
		defer ticker.Stop()
		tick = ticker.C
	}
	for {
		for {
			o, ok := s.c.nextToSend()
			if !ok {
				break
			}
			ok = s.write(o)
			s.c.sendDone(o)
			if !ok {
				return
			}
		}
		if req, ok := s.c.takeCloseWhenSent(); ok {
			s.sendClose(req.code, req.reason)
		}
		select {
		case <-s.ended:
			return
		case <-s.readerDone:
			return
		case <-s.c.wake:
		case <-tick:
			if !s.write(outgoing{op: OpPing, payload: []byte(s.pings.newPayload())}) {
				return
			}
		}
	}
}

// write sends one item; false means the connection is unusable.
func (s *session) write(o outgoing) bool {
	now := time.Now()
	s.progressAt.Store(now.UnixNano())
	s.sentOfCurrent.Store(0)
	s.writeStarted.Store(now.UnixNano())
	defer s.writeStarted.Store(0)
	if s.localClose.Load() {
		return true // nothing may follow a close frame; drop silently
	}
	if o.op == OpPing {
		s.pings.sent(string(o.payload), now, s.pingMemory())
	}
	var err error
	if o.op.IsControl() {
		err = s.ws.WriteControl(int(o.op), o.payload, now.Add(s.c.timing.writeTimeout))
	} else {
		err = s.writeData(o)
	}
	if err != nil {
		s.writeFailed(o, err)
		s.tap.drain(Out)
		return false
	}
	s.lastOut.Store(time.Now().UnixNano())
	var frames []Frame
	count := 1
	if o.op.IsControl() {
		if f, ok := s.tap.takeControl(Out, o.op); ok {
			frames = []Frame{f}
		}
	} else {
		frames, count = s.tap.takeMessage(Out)
	}
	s.c.emit(Event{Type: EventMessage, Dir: Out, Opcode: o.op, Payload: o.payload, Frames: frames, FrameCount: count})
	return true
}

// writeData writes a data message a chunk at a time, noting progress, so
// that only a write that moves nothing for writeTimeout fails, however
// large the message.
func (s *session) writeData(o outgoing) error {
	w, err := s.ws.NextWriter(int(o.op))
	if err != nil {
		return err
	}
	for rest := o.payload; ; {
		n := min(len(rest), writeChunk)
		s.ws.SetWriteDeadline(time.Now().Add(s.c.timing.writeTimeout))
		if _, err := w.Write(rest[:n]); err != nil {
			return err
		}
		if rest = rest[n:]; len(rest) == 0 {
			break
		}
		s.sentOfCurrent.Add(int64(n))
		s.progressAt.Store(time.Now().UnixNano())
	}
	return w.Close()
}

// writeFailed reports a write that failed, unless the connection is being
// torn down anyway, and ends the connection.
func (s *session) writeFailed(o outgoing, err error) {
	select {
	case <-s.ended:
		return
	default:
	}
	if s.localClose.Load() {
		// Our close frame went out before all of this message had.
		sent := s.sentOfCurrent.Load()
		s.c.emit(Event{Type: EventWarning, Dir: Out, Failure: &decode.Failure{
			Kind: decode.KindTransport, Cause: decode.CauseUnsentDropped, URL: s.c.opts.URL,
			Waiting: 1, WaitingBytes: int64(len(o.payload)) - sent,
			Message: "the close went out before all of a " + o.op.String() + " message had: " +
				strconv.FormatInt(sent, 10) + " of its " + strconv.Itoa(len(o.payload)) + " bytes had gone",
		}})
		return
	}
	f := decode.Failure{Message: err.Error(), URL: s.c.opts.URL}
	if isTimeout(err) {
		n, bytes := s.c.waiting(s.sentOfCurrent.Load())
		f.Kind, f.Cause, f.Code = decode.KindTimeout, decode.CauseWriteTimeout, 1006
		f.Waiting, f.WaitingBytes = n, bytes
		f.StalledSeconds = time.Since(time.Unix(0, s.progressAt.Load())).Seconds()
		f.Message = "the server stopped reading; " + strconv.FormatInt(bytes, 10) + " bytes were waiting (" + err.Error() + ")"
	} else {
		classifyTransport(&f, err)
	}
	if !s.failed.Swap(true) {
		s.c.emit(Event{Type: EventError, Dir: Out, Failure: &f, Code: f.Code, Idle: s.idle(), Final: s.ending(true)})
	}
	// Stop first, so that the read this breaks is not reported as well.
	s.stop()
	s.ws.NetConn().Close()
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
