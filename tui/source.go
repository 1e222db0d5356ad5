package tui

import (
	"context"
	"errors"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/conn"
)

// Source is where events come from: a live *conn.Client, or a recording
// being replayed. Events is closed when there will be no more.
type Source interface {
	Events() <-chan conn.Event
}

// Live is what the composer needs to talk back. A *conn.Client provides it;
// a Source that does not is shown read-only.
//
// Send and Ping must not block. When the connection cannot take more
// because the server is not reading what was sent, they fail with an error
// that has a QueueFull method reporting true.
type Live interface {
	Send(op conn.Opcode, payload []byte) error
	Ping(payload []byte) error
	Close(code int, reason string) error
	Reconnect()
}

// queueFull reports whether a send failed because the connection's queue
// is full.
func queueFull(err error) bool { return errors.Is(err, conn.ErrQueueFull) }

// maxBatch bounds how many events one hand-over holds, so that a flood is
// spread over several and key presses get their turn in between.
const maxBatch = 1024

// maxBacklog bounds the events the pump holds for the program. When the
// screen falls that far behind, the pump stops taking from the source, and
// the source's own bounded queue holds back the connection, as tail does:
// the server is read no faster than the rows are taken in, and every
// event is still recorded, as it is taken.
const maxBacklog = 64 * maxBatch

// frameInterval is how often a steady stream is handed over: one update,
// and one redraw, for whatever arrived within a frame.
const frameInterval = time.Second / 60

// eventBatchMsg carries events the pump collected since the last batch.
type eventBatchMsg struct {
	events []conn.Event
	done   bool // the source has no more events
}

// batchSource is a Source that hands over everything that piled up at
// once, as *conn.Client does (TakeEvents, EventsReady): the pump prefers
// it, so that a busy connection costs one hand-over per batch rather than
// a channel send per event.
type batchSource interface {
	EventsReady() <-chan struct{}
	TakeEvents(buf []conn.Event) (batch []conn.Event, finished bool)
}

// pump drains a Source on its own goroutine, as fast as the source
// produces, so that recording (onEvent) never waits for the screen. The
// program takes what has piled up in batches.
type pump struct {
	mu sync.Mutex
	// batches wait in the order they came, as they came: a backlog is
	// never copied to make room for more.
	batches [][]conn.Event
	pending int // events in batches
	done    bool
	ready   chan struct{} // holds a token while the queue is non-empty or done
	// room is closed when a take brings the backlog under maxBacklog; the
	// pump makes it and waits on it when the backlog is full.
	room chan struct{}
	// caughtUp is when a take last left nothing behind.
	caughtUp time.Time
	cancel   context.CancelFunc
	ctx      context.Context
	stopped  chan struct{} // closed when the goroutine has returned
}

func startPump(ctx context.Context, src Source, onEvent func(conn.Event)) *pump {
	ctx, cancel := context.WithCancel(ctx)
	p := &pump{ready: make(chan struct{}, 1), cancel: cancel, ctx: ctx, stopped: make(chan struct{})}
	go func() {
		defer close(p.stopped)
		defer p.finish()
		if b, ok := src.(batchSource); ok {
			p.runBatches(b, onEvent)
		} else {
			p.run(src.Events(), onEvent)
		}
	}()
	return p
}

// finish tells the program the source has nothing more.
func (p *pump) finish() {
	p.mu.Lock()
	p.done = true
	p.mu.Unlock()
	p.signal()
}

// runBatches takes the source's events a batch at a time.
func (p *pump) runBatches(src batchSource, onEvent func(conn.Event)) {
	room := 64
	for p.waitForRoom() {
		select {
		case <-p.ctx.Done():
			return
		case <-src.EventsReady():
		}
		// Every batch gets an array of its own: the program holds on to
		// the previous ones until it has taken them in.
		batch, finished := src.TakeEvents(make([]conn.Event, 0, room))
		room = min(max(64, len(batch)), 4096)
		if onEvent != nil {
			for _, ev := range batch {
				onEvent(ev)
			}
		}
		p.add(batch)
		if finished {
			return
		}
	}
}

// run takes the source's events one at a time from its channel.
func (p *pump) run(events <-chan conn.Event, onEvent func(conn.Event)) {
	for p.waitForRoom() {
		select {
		case <-p.ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			if onEvent != nil {
				onEvent(ev)
			}
			p.addOne(ev)
		}
	}
}

// waitForRoom waits while the backlog is full; it reports false when the
// pump is stopped first.
func (p *pump) waitForRoom() bool {
	p.mu.Lock()
	for p.pending >= maxBacklog {
		if p.room == nil {
			p.room = make(chan struct{})
		}
		room := p.room
		p.mu.Unlock()
		select {
		case <-room:
		case <-p.ctx.Done():
			return false
		}
		p.mu.Lock()
	}
	p.mu.Unlock()
	return true
}

// add queues events for the program.
func (p *pump) add(events []conn.Event) {
	if len(events) == 0 {
		return
	}
	p.mu.Lock()
	p.batches = append(p.batches, events)
	p.pending += len(events)
	p.mu.Unlock()
	p.signal()
}

// addOne queues one event for the program, in the last batch while that
// is small.
func (p *pump) addOne(ev conn.Event) {
	p.mu.Lock()
	if last := len(p.batches) - 1; last >= 0 && len(p.batches[last]) < maxBatch {
		p.batches[last] = append(p.batches[last], ev)
	} else {
		p.batches = append(p.batches, append(make([]conn.Event, 0, 64), ev))
	}
	p.pending++
	p.mu.Unlock()
	p.signal()
}

func (p *pump) signal() {
	select {
	case p.ready <- struct{}{}:
	default:
	}
}

// stop ends the pump's goroutine and waits for it to return, so that
// whoever drains the source next gets every event the pump did not; the
// source itself is left alone.
func (p *pump) stop() {
	p.cancel()
	<-p.stopped
}

// next is a command that waits for events and returns them as a batch.
// Once the program has caught up, it waits out the rest of a frame before
// it hands over more, so that a steady stream costs an update and a
// redraw per frame rather than per event that happened to arrive alone.
func (p *pump) next() tea.Cmd {
	return func() tea.Msg {
		select {
		case <-p.ready:
		case <-p.ctx.Done():
			return nil
		}
		p.mu.Lock()
		wait := frameInterval - time.Since(p.caughtUp)
		p.mu.Unlock()
		if wait > 0 {
			frame := time.NewTimer(wait)
			defer frame.Stop()
			select {
			case <-frame.C:
			case <-p.ctx.Done():
				return nil
			}
		}
		return p.take()
	}
}

// take returns what has piled up, at most maxBatch events, without waiting.
// A batch as large as that is handed over as it is; smaller ones are
// gathered into one.
func (p *pump) take() eventBatchMsg {
	p.mu.Lock()
	defer p.mu.Unlock()
	var events []conn.Event
	if len(p.batches) > 0 {
		if first := p.batches[0]; len(first) >= maxBatch || len(p.batches) == 1 {
			n := min(len(first), maxBatch)
			events = first[:n:n]
			p.drop(n)
		} else {
			events = make([]conn.Event, 0, maxBatch)
			for len(p.batches) > 0 && len(events) < maxBatch {
				b := p.batches[0]
				n := min(len(b), maxBatch-len(events))
				events = append(events, b[:n]...)
				p.drop(n)
			}
		}
	}
	if len(p.batches) > 0 {
		p.signal()
	} else if len(events) > 0 {
		p.caughtUp = time.Now()
	}
	if p.room != nil && p.pending < maxBacklog {
		close(p.room)
		p.room = nil
	}
	batch := eventBatchMsg{events: events, done: p.done && len(p.batches) == 0}
	if p.done {
		// Whoever asks next must not wait for a source that is gone.
		p.signal()
	}
	return batch
}

// drop removes the first n events of the first batch.
func (p *pump) drop(n int) {
	p.pending -= n
	if n < len(p.batches[0]) {
		p.batches[0] = p.batches[0][n:]
		return
	}
	p.batches[0] = nil
	p.batches = p.batches[1:]
	if len(p.batches) == 0 {
		p.batches = nil // the array's start is not kept forever
	}
}
