package tui

import (
	"context"
	"errors"
	"sync"

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

// maxBatch bounds how many events one update takes in, so that a flood is
// spread over several updates and key presses get their turn in between.
const maxBatch = 1024

// eventBatchMsg carries events the pump collected since the last batch.
type eventBatchMsg struct {
	events []conn.Event
	done   bool // the source has no more events
}

// pump drains a Source on its own goroutine, as fast as the source
// produces, so that recording (onEvent) never waits for the screen. The
// program takes what has piled up in batches.
type pump struct {
	mu     sync.Mutex
	queue  []conn.Event
	done   bool
	ready  chan struct{} // holds a token while the queue is non-empty or done
	cancel context.CancelFunc
	ctx    context.Context
}

func startPump(ctx context.Context, src Source, onEvent func(conn.Event)) *pump {
	ctx, cancel := context.WithCancel(ctx)
	p := &pump{ready: make(chan struct{}, 1), cancel: cancel, ctx: ctx}
	go p.run(src.Events(), onEvent)
	return p
}

func (p *pump) run(events <-chan conn.Event, onEvent func(conn.Event)) {
	defer func() {
		p.mu.Lock()
		p.done = true
		p.mu.Unlock()
		p.signal()
	}()
	for {
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
			p.mu.Lock()
			p.queue = append(p.queue, ev)
			p.mu.Unlock()
			p.signal()
		}
	}
}

func (p *pump) signal() {
	select {
	case p.ready <- struct{}{}:
	default:
	}
}

// stop ends the pump's goroutine; the source itself is left alone.
func (p *pump) stop() { p.cancel() }

// next is a command that waits for events and returns them as a batch.
func (p *pump) next() tea.Cmd {
	return func() tea.Msg {
		select {
		case <-p.ready:
		case <-p.ctx.Done():
			return nil
		}
		return p.take()
	}
}

// take returns what has piled up, at most maxBatch events, without waiting.
func (p *pump) take() eventBatchMsg {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := min(len(p.queue), maxBatch)
	batch := eventBatchMsg{events: p.queue[:n:n]}
	if n == len(p.queue) {
		p.queue = nil
	} else {
		p.queue = p.queue[n:]
		p.signal()
	}
	batch.done = p.done && len(p.queue) == 0
	if p.done {
		// Whoever asks next must not wait for a source that is gone.
		p.signal()
	}
	return batch
}
