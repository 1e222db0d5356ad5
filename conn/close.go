package conn

import (
	"encoding/binary"
	"errors"
	"strconv"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/decode"
)

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

// closeAndWait is Close followed by a wait of at most timeout for the
// connection to end: the server answered the close, or the close was given
// up. It returns errCloseTimeout when time ran out first. Events keep
// coming meanwhile and must be read by another goroutine (or be few), or
// the wait lasts until timeout. Shutdown remains the way to stop at once.
func (c *Client) closeAndWait(code int, reason string, timeout time.Duration) error {
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
		return errCloseTimeout
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

// onClose reports the server's close frame as the tap saw it: gorilla is
// shown a stand-in (see standInClosePayload), so its arguments are ignored.
// A legal close is answered with the same code; an illegal one fails the
// connection with 1002, or 1007 for a reason that is not UTF-8.
func (s *session) onClose(int, string) error {
	f, _ := s.tap.takeControl(In, OpClose)
	s.awaitWriter(f.Time)
	code, reason := websocket.CloseNoStatusReceived, ""
	if len(f.payload) >= 2 {
		code, reason = int(binary.BigEndian.Uint16(f.payload)), string(f.payload[2:])
	}
	s.remoteClose.Store(true)
	s.remoteCode.Store(int32(code))
	if v, bad := closeViolation(f.payload); bad {
		v.URL = s.c.opts.URL
		s.failRead(v, []Frame{f})
		return nil
	}
	answer := s.localClose.Load() // the peer answers our close
	if answer {
		// Our close may still be on its way to the log; the answer follows it.
		select {
		case <-s.closeReported:
		case <-time.After(maxWriterWait):
		}
	}
	s.c.emit(Event{Type: EventClose, Dir: In, Opcode: OpClose, Code: code, Reason: reason,
		HasCode: len(f.payload) >= 2, Frames: []Frame{f}, Payload: f.payload,
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
	defer close(s.closeReported)
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
