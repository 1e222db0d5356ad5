package conn

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
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
// concurrent use; only SendWait waits, and only as long as its context
// lets it.
//
//	c := conn.Dial(ctx, opts)          // returns at once; dialing happens in the background
//	for ev := range c.Events() { ... } // closed when the client is finished for good
//	c.Send(conn.OpText, []byte("hi"))  // queued; the writer goroutine sends it
type Client struct {
	opts    Options
	timing  timing
	emitted *eventQueue
	// events is Events' channel, fed by a goroutine from emitted;
	// pumpDone is closed when that goroutine has ended. Both are nil until
	// Events is first called; eventsMu guards them.
	eventsMu sync.Mutex
	events   chan Event
	pumpDone chan struct{}
	ctx      context.Context
	cancel   context.CancelFunc
	done     chan struct{}

	// reconnect and closeRequest carry Reconnect and Close to run, which
	// may be waiting between connections; each holds one pending request.
	reconnect    chan struct{}
	closeRequest chan struct{}
	wake         chan struct{} // tells the writer the queue has something
	// halves is the open connection's client half of its protocol; nil
	// between connections.
	halves atomic.Pointer[halves]

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
	auto    bool // sent by the client on its own (Event.Auto)
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
	// errCloseTimeout is returned by closeAndWait when the connection had
	// not ended when its time ran out.
	errCloseTimeout = errors.New("the connection did not end in time")
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
		opts.MaxQueueBytes = defaultMaxQueueBytes
	}
	if opts.MaxQueueMessages <= 0 {
		opts.MaxQueueMessages = defaultMaxQueueMessages
	}
	ctx, cancel := context.WithCancel(ctx)
	c := &Client{
		opts:         opts,
		timing:       t,
		emitted:      newEventQueue(NewAnnotator(opts)),
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
// client is finished for good. A client's events go either to Events or to
// TakeEvents: use one of them.
func (c *Client) Events() <-chan Event {
	c.eventsMu.Lock()
	defer c.eventsMu.Unlock()
	if c.events == nil {
		c.events, c.pumpDone = make(chan Event, eventBuffer), make(chan struct{})
		go func() {
			defer close(c.pumpDone)
			c.emitted.pump(c.events)
		}()
	}
	return c.events
}

// EventsReady holds a notification whenever TakeEvents has something to
// return: events, or the news that the client has finished.
func (c *Client) EventsReady() <-chan struct{} { return c.emitted.ready }

// TakeEvents returns every event that happened since the last call, in
// order, and whether the client has finished for good: no events follow
// these. It never waits; wait on EventsReady between calls. It reuses buf's
// array (pass the previous batch): the batch is valid until the next call.
// Handing events over in batches costs a busy connection far less than
// one channel send each.
func (c *Client) TakeEvents(buf []Event) (batch []Event, finished bool) {
	return c.emitted.take(buf)
}

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
	c.eventsMu.Lock()
	events := c.events
	c.eventsMu.Unlock()
	if events != nil {
		// The consumer may have stopped reading: drain so the pump ends.
		for range events {
		}
	}
	<-c.done
}

// emit delivers ev unless the client is being shut down.
func (c *Client) emit(ev Event) bool {
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	if !c.emitted.push(&ev, c.ctx.Done()) {
		return false
	}
	c.answerHeartbeat(&ev)
	if h := c.halves.Load(); h != nil {
		h.observe(&ev)
	}
	return true
}

// finishEvents tells the consumer that no event follows, and waits until
// Events' channel, if it is in use, has delivered the rest and is closed.
func (c *Client) finishEvents() {
	c.emitted.finish()
	c.eventsMu.Lock()
	pumpDone := c.pumpDone
	c.eventsMu.Unlock()
	if pumpDone != nil {
		<-pumpDone
	}
}
