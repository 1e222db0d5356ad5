package conn

// sendQueue holds the messages waiting for the writer, oldest first, and
// counts them together with the one being written.
type sendQueue struct {
	items []outgoing // items[head:] are waiting
	head  int
	count int   // waiting, plus the one being written
	bytes int64 // their payload bytes
}

// fits reports whether a message of size bytes may join the queue. The
// queue always takes one message, however large, when it is empty.
func (q *sendQueue) fits(size, maxMessages int, maxBytes int64) bool {
	return q.count == 0 || (q.count < maxMessages && q.bytes+int64(size) <= maxBytes)
}

func (q *sendQueue) push(o outgoing) {
	if q.head > 0 && len(q.items) == cap(q.items) {
		// Reuse the room the writer has freed at the front.
		n := copy(q.items, q.items[q.head:])
		clear(q.items[n:])
		q.items, q.head = q.items[:n], 0
	}
	q.items = append(q.items, o)
	q.count++
	q.bytes += int64(len(o.payload))
}

// moveLastToFront puts the message pushed last ahead of the others
// waiting, for a packet that must go before what the user queued.
func (q *sendQueue) moveLastToFront() {
	n := len(q.items)
	if n-q.head < 2 {
		return
	}
	last := q.items[n-1]
	copy(q.items[q.head+1:], q.items[q.head:n-1])
	q.items[q.head] = last
}

// pop hands the oldest message to the writer; it still counts until
// release.
func (q *sendQueue) pop() (outgoing, bool) {
	if q.head == len(q.items) {
		return outgoing{}, false
	}
	o := q.items[q.head]
	q.items[q.head] = outgoing{}
	q.head++
	if q.head == len(q.items) {
		q.items, q.head = q.items[:0], 0
	}
	return o, true
}

func (q *sendQueue) release(o outgoing) {
	q.count--
	q.bytes -= int64(len(o.payload))
}

// dropWaiting empties the queue, except the message being written, and
// says what it dropped.
func (q *sendQueue) dropWaiting() (int, int64) {
	var n int
	var bytes int64
	for _, o := range q.items[q.head:] {
		n++
		bytes += int64(len(o.payload))
	}
	clear(q.items)
	q.items, q.head = q.items[:0], 0
	q.count -= n
	q.bytes -= bytes
	return n, bytes
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
