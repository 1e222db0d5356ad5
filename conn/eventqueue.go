package conn

import "sync"

// eventQueue holds the events emitted and not yet taken, at most
// eventBuffer of them: an emitter waits for room, so the connection is
// read no faster than its events are consumed and memory stays bounded.
//
// A consumer takes everything queued at once (TakeEvents), so a busy
// connection costs one hand-over per batch rather than one per event.
// Events(), for consumers that want a channel, is fed from the queue by a
// goroutine started on its first call.
type eventQueue struct {
	// notes annotates each event as it is numbered, under mu, so that an
	// event's reply link names the Seq its request was delivered with,
	// whichever goroutine emitted it. A Relay, whose connections are
	// numbered and annotated each on its own, queues with none.
	notes    *Annotator
	mu       sync.Mutex
	events   []Event
	finished bool // the client will emit nothing more
	pushed   int  // events pushed so far: the next one's Seq is pushed+1
	taken    int  // events handed to the consumer so far
	// room is closed when a take made room; an emitter that finds the
	// queue full makes it and waits on it.
	room chan struct{}
	// ready holds a notification while events are queued or the queue
	// has finished and its consumer has not been told.
	ready chan struct{}
}

func newEventQueue(notes *Annotator) *eventQueue {
	return &eventQueue{notes: notes, events: make([]Event, 0, 64), ready: make(chan struct{}, 1)}
}

// push numbers, annotates and queues ev, waiting while the queue is full;
// it reports false when done ended first. The annotated event is left in
// *ev.
func (q *eventQueue) push(ev *Event, done <-chan struct{}) bool {
	q.mu.Lock()
	for len(q.events) >= eventBuffer {
		if q.room == nil {
			q.room = make(chan struct{})
		}
		room := q.room
		q.mu.Unlock()
		select {
		case <-room:
		case <-done:
			return false
		}
		q.mu.Lock()
	}
	q.pushed++
	if q.notes != nil {
		ev.Seq = q.pushed
		q.notes.Annotate(ev)
	}
	q.events = append(q.events, *ev)
	first := len(q.events) == 1
	q.mu.Unlock()
	if first {
		signal(q.ready)
	}
	return true
}

// finish marks the end: takes return finished once the queue is empty.
func (q *eventQueue) finish() {
	q.mu.Lock()
	q.finished = true
	q.mu.Unlock()
	signal(q.ready)
}

// take returns every queued event, reusing buf's array for the queue, and
// whether the client has finished: no events follow these.
func (q *eventQueue) take(buf []Event) ([]Event, bool) {
	clear(buf) // the batch handed out last time: its payloads can go
	q.mu.Lock()
	defer q.mu.Unlock()
	taken := q.events
	q.taken += len(taken)
	q.events = buf[:0]
	if q.room != nil {
		close(q.room)
		q.room = nil
	}
	return taken, q.finished
}

// pump feeds ch from the queue until the queue has finished, then closes
// ch.
func (q *eventQueue) pump(ch chan<- Event) {
	defer close(ch)
	var batch []Event
	for {
		<-q.ready
		var finished bool
		batch, finished = q.take(batch)
		for _, ev := range batch {
			ch <- ev
		}
		if finished {
			return
		}
	}
}
