package conn

import (
	"time"

	"github.com/gorilla/websocket"
)

// run dials, serves and reconnects until done.
func (c *Client) run() {
	defer close(c.done)
	defer c.finishEvents()
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

type outcome struct {
	healthy   bool // the connection stayed open long enough to reset the backoff
	retryable bool
	redial    bool // the user asked for a reconnect: dial again without backoff
	// overloaded is set when the server said it is overloaded or limiting
	// the rate; retryAfter is how long its Retry-After asked for.
	overloaded bool
	retryAfter time.Duration
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
