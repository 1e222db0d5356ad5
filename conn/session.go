package conn

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/decode"
)

// session is the state of one open connection shared by its goroutines.
type session struct {
	c    *Client
	ws   *websocket.Conn
	tap  *tap
	host string
	sub  string
	// halves is the client half of the connection's protocol.
	halves *halves
	// readBuf is where the reader reads a message before copying it out
	// at its size; only the reader uses it.
	readBuf []byte

	closeOnce  sync.Once
	ended      chan struct{} // closed when the connection must stop
	readerDone chan struct{}
	redialing  atomic.Bool // Reconnect is ending this connection to dial again
	localClose atomic.Bool // we sent a close frame
	// closeReported is closed once our close frame's event is emitted (or
	// the frame failed), so that the answer is never reported before it.
	closeReported chan struct{}
	remoteClose   atomic.Bool // we received a close frame
	remoteCode    atomic.Int32
	failed        atomic.Bool // an error event was emitted

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
		ended: make(chan struct{}), readerDone: make(chan struct{}), closeReported: make(chan struct{}),
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

	s.halves = c.startHalves(s, u.String())
	c.halves.Store(s.halves)
	defer c.halves.Store(nil)

	opened := time.Now()
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); s.readLoop(a.violations) }()
	go func() { defer wg.Done(); s.writeLoop() }()
	go func() { defer wg.Done(); s.halves.run() }()
	s.watch(&wg)
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

func (s *session) stop() { s.closeOnce.Do(func() { close(s.ended) }) }

// ending reports whether an event that ends the connection is its last
// word: nothing will dial again by itself.
func (s *session) ending(retryable bool) bool {
	return !s.redialing.Load() && !s.c.willReconnect(retryable)
}

// closeRetryable reports whether a close with this code from the peer calls
// for a reconnect.
func (s *session) closeRetryable(code int) bool {
	return decode.ExplainClose(code, "", decode.CloseContext{Subprotocol: s.sub, Host: s.host, Remote: true, Dialects: s.c.opts.Dialects}).Reconnect
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

// watch runs until the connection ends: it carries Reconnect and Close
// requests to the connection and checks for a stalled writer. A close
// goes out on a goroutine of its own (counted in wg), since this one must
// keep watching for Shutdown while the socket takes its time.
func (s *session) watch(wg *sync.WaitGroup) {
	c := s.c
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
	for {
		select {
		case <-s.readerDone:
			return
		case <-c.ctx.Done():
			return
		case <-c.reconnect:
			s.redialing.Store(true)
			if s.failed.Load() || s.remoteClose.Load() {
				// Already ending: the reader is about to finish, and a close
				// frame now would be reported after the connection's end.
				continue
			}
			closeIn(websocket.CloseGoingAway, "reconnecting", closeRequest{})
		case <-c.closeRequest:
			if req, ok := c.takeClose(false); ok {
				closeIn(req.code, req.reason, req)
			}
		case now := <-stallCheck.C:
			s.checkStall(now)
		}
	}
}
