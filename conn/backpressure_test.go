package conn

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn/internal/wirepeer"
	"github.com/wsdbg/wsdbg/decode"
)

// quickTiming is the default timing with the waits a test can afford.
func quickTiming() timing {
	t := defaultTiming
	t.stallWarning = 300 * time.Millisecond
	t.closeSend = 500 * time.Millisecond
	return t
}

// deafServer accepts connections and never reads from them after the
// handshake, until the test ends.
func deafServer(t *testing.T) string {
	release := make(chan struct{})
	url := wirepeer.Start(t, func(p *wirepeer.Peer) { <-release })
	t.Cleanup(func() { close(release) })
	return url
}

// produce sends chunk with SendWait, as fast as the queue takes it, until
// a send fails; the failure arrives on the channel.
func produce(c *Client, chunk []byte) <-chan error {
	failed := make(chan error, 1)
	go func() {
		for {
			if err := c.SendWait(context.Background(), OpBinary, chunk); err != nil {
				failed <- err
				return
			}
		}
	}()
	return failed
}

// nextWarning returns the next warning with the given cause.
func nextWarning(t *testing.T, c *Client, cause string) Event {
	t.Helper()
	for {
		ev := next(t, c, EventWarning, EventError)
		if ev.Type == EventError {
			t.Fatalf("error while waiting for a %s warning: %+v", cause, ev.Failure)
		}
		if ev.Failure != nil && ev.Failure.Cause == cause {
			return ev
		}
	}
}

func TestSendQueueIsBoundedAgainstAServerThatDoesNotRead(t *testing.T) {
	const maxBytes = 1 << 20
	c := dial(context.Background(), Options{URL: deafServer(t), MaxQueueBytes: maxBytes, MaxQueueMessages: 64}, quickTiming())
	defer c.Shutdown()
	next(t, c, EventOpen)

	// The socket's buffers take some megabytes before the writer sticks.
	chunk := make([]byte, 200<<10)
	producer := produce(c, chunk)
	w := nextWarning(t, c, decode.CauseNotReading)
	if f := w.Failure; f.Waiting < 1 || f.WaitingBytes <= 0 || f.StalledSeconds < 0.3 ||
		!strings.Contains(f.Message, "the server is not reading") {
		t.Fatalf("stall warning = %+v", f)
	}
	// The waiting producer is woken only once the queue is down to half,
	// so there may be room for a few more.
	for sent := 0; ; sent++ {
		err := c.Send(OpBinary, chunk)
		if errors.Is(err, ErrQueueFull) {
			break
		}
		if err != nil || sent == 5 {
			t.Fatalf("send %d on a queue that should be full: %v", sent, err)
		}
	}
	if n, bytes := c.waiting(0); n > 64 || bytes > maxBytes {
		t.Fatalf("%d messages / %d bytes held, want at most 64 / %d", n, bytes, maxBytes)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := c.SendWait(ctx, OpBinary, chunk); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SendWait on a full queue = %v, want the context's deadline", err)
	}
	expectQuiet(t, c, 500*time.Millisecond, EventWarning) // reported once per stall

	closed := time.Now()
	if err := c.Close(1001, "going away"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-producer:
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("a sender waiting when Close came got %v, want ErrClosed", err)
		}
	case <-time.After(time.Second):
		t.Fatal("a sender waiting for room was not released by Close")
	}
	if err := c.Send(OpText, []byte("late")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after Close = %v, want ErrClosed", err)
	}

	dropped := nextWarning(t, c, decode.CauseUnsentDropped)
	if dropped.Failure.Waiting < 1 {
		t.Fatalf("dropped warning = %+v", dropped.Failure)
	}
	// The socket is full: the frame cannot go out, and the connection is
	// dropped without it.
	nextWarning(t, c, decode.CauseNotReading)
	ev := next(t, c, EventClose)
	if ev.Dir != Out || ev.Code != 1001 || ev.Reason != "going away" || len(ev.Frames) != 0 || !ev.Final {
		t.Fatalf("close = %+v, want our final close with no frame", ev)
	}
	select {
	case <-c.done:
	case <-time.After(3 * time.Second):
		t.Fatal("the client did not finish after Close")
	}
	if took := time.Since(closed); took > 2*time.Second {
		t.Fatalf("Close took %v to end the client", took)
	}
}

func TestShutdownIsPromptWhileAWriteIsStuck(t *testing.T) {
	c := dial(context.Background(), Options{URL: deafServer(t), MaxQueueBytes: 1 << 20}, quickTiming())
	next(t, c, EventOpen)
	producer := produce(c, make([]byte, 256<<10))
	nextWarning(t, c, decode.CauseNotReading)

	start := time.Now()
	c.Shutdown()
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Fatalf("Shutdown took %v with a write stuck", took)
	}
	if err := <-producer; !errors.Is(err, ErrClosed) {
		t.Fatalf("the waiting sender got %v, want ErrClosed", err)
	}
}

func TestCloseGoesAheadOfTheQueueToASlowReader(t *testing.T) {
	type seen struct {
		dataBytes int
		code      int
	}
	result := make(chan seen, 1)
	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
		var s seen
		defer func() { result <- s }()
		for {
			f, err := p.ReadFrame()
			if err != nil {
				return
			}
			if f.Opcode == wirepeer.OpClose {
				if len(f.Payload) >= 2 {
					s.code = int(f.Payload[0])<<8 | int(f.Payload[1])
				}
				p.WriteClose(uint16(s.code), "")
				return
			}
			s.dataBytes += len(f.Payload)
			time.Sleep(8 * time.Millisecond) // about 4 MiB/s in 32 KiB frames
		}
	})
	c := dial(context.Background(), Options{URL: url, MaxQueueBytes: 4 << 20}, quickTiming())
	defer c.Shutdown()
	next(t, c, EventOpen)
	chunk := make([]byte, 64<<10)
	producer := produce(c, chunk)
	time.Sleep(1500 * time.Millisecond) // the socket's buffers fill, the queue stays full
	if n, _ := c.waiting(0); n < 2 {
		t.Fatalf("only %d messages waiting after 1.5s of sending as fast as the queue takes them", n)
	}

	closed := time.Now()
	c.Close(1000, "bye")
	var sent int
	var dropped *decode.Failure
	var out Event
	for out.Type != EventClose {
		switch ev := next(t, c, EventMessage, EventWarning, EventClose); {
		case ev.Type == EventMessage && ev.Dir == Out:
			sent++
		case ev.Type == EventWarning && ev.Failure.Cause == decode.CauseUnsentDropped && dropped == nil:
			dropped = ev.Failure
		case ev.Type == EventClose:
			out = ev
		}
	}
	if dropped == nil || dropped.Waiting < 1 || dropped.WaitingBytes != int64(dropped.Waiting)*int64(len(chunk)) {
		t.Fatalf("dropped = %+v", dropped)
	}
	if out.Dir != Out || out.Code != 1000 || len(out.Frames) != 1 {
		t.Fatalf("our close = %+v, want it sent", out)
	}
	if took := out.Time.Sub(closed); took > time.Second {
		t.Fatalf("the close frame went out %v after Close, behind the queue", took)
	}
	var s seen
	select {
	case s = <-result:
	case <-time.After(10 * time.Second):
		t.Fatal("the server never got to the close frame")
	}
	if s.code != 1000 {
		t.Fatalf("the server got close code %d, want 1000", s.code)
	}
	if err := <-producer; !errors.Is(err, ErrClosed) {
		t.Fatalf("the sender got %v after Close, want ErrClosed", err)
	}
	// At most the message under way when the close went out is cut short.
	if s.dataBytes >= (sent+1)*len(chunk) {
		t.Fatalf("the server read %d bytes before the close, more than the %d messages reported sent: the close did not go first",
			s.dataBytes, sent)
	}
	if in := next(t, c, EventClose); in.Dir != In || !in.Final {
		t.Fatalf("the answer = %+v", in)
	}
}

func TestWriteTimeoutIsNamedForWhatItIs(t *testing.T) {
	tm := quickTiming()
	tm.writeTimeout = 800 * time.Millisecond
	c := dial(context.Background(), Options{URL: deafServer(t)}, tm)
	defer c.Shutdown()
	next(t, c, EventOpen)
	if err := c.Send(OpBinary, make([]byte, 32<<20)); err != nil {
		t.Fatal(err)
	}
	nextWarning(t, c, decode.CauseNotReading)
	ev := next(t, c, EventError)
	f := ev.Failure
	if f.Kind != decode.KindTimeout || f.Cause != decode.CauseWriteTimeout || f.Code != 1006 ||
		f.Waiting != 1 || f.WaitingBytes <= 0 || f.WaitingBytes > 32<<20 || !ev.Final {
		t.Fatalf("error = %+v final=%v", f, ev.Final)
	}
	if !strings.Contains(f.Message, "the server stopped reading") {
		t.Fatalf("message %q", f.Message)
	}
	e := decode.ExplainFailure(*f)
	if strings.Contains(e.Name, "Idle") || !strings.Contains(e.Explanation, "had not gone out") {
		t.Fatalf("explained as %q: %s", e.Name, e.Explanation)
	}
	// The read the teardown breaks is not reported as a second failure.
	for ev := range c.Events() {
		if ev.Type == EventError {
			t.Fatalf("a second error: %+v", ev.Failure)
		}
	}
}

func TestSendWaitGoesAtTheServersPace(t *testing.T) {
	c := dial(context.Background(), Options{URL: echoServer(t, nil), MaxQueueMessages: 2}, quickTiming())
	defer c.Shutdown()
	next(t, c, EventOpen)
	const total = 200
	sent := make(chan error, 1)
	go func() {
		for i := range total {
			if err := c.SendWait(context.Background(), OpText, []byte(strings.Repeat("x", i))); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	for got := 0; got < total; {
		if ev := next(t, c, EventMessage); ev.Dir == In {
			if len(ev.Payload) != got {
				t.Fatalf("echo %d has %d bytes: out of order or lost", got, len(ev.Payload))
			}
			got++
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}

func TestSendQueueKeepsOrderAndReusesItsRoom(t *testing.T) {
	var q sendQueue
	next, most := 0, 0
	for round := range 50 {
		for range round % 7 {
			q.push(outgoing{payload: make([]byte, next)})
			next++
		}
		most = max(most, q.count)
		for range round % 5 {
			o, ok := q.pop()
			if !ok {
				break
			}
			q.release(o)
		}
	}
	want := next - q.count
	for {
		o, ok := q.pop()
		if !ok {
			break
		}
		if len(o.payload) != want {
			t.Fatalf("popped the message of size %d, want %d", len(o.payload), want)
		}
		want++
		q.release(o)
	}
	if q.count != 0 || q.bytes != 0 || cap(q.items) > 2*most {
		t.Fatalf("count %d, bytes %d, capacity %d after draining", q.count, q.bytes, cap(q.items))
	}
	if !q.fits(1<<30, 1, 1) {
		t.Fatal("an empty queue refused one large message")
	}
}

func TestCloseWhenSentFollowsTheQueue(t *testing.T) {
	got := make(chan int, 1)
	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
		n := 0
		for {
			f, err := p.ReadFrame()
			if err != nil {
				return
			}
			if f.Opcode == wirepeer.OpClose {
				got <- n
				p.WriteClose(1000, "")
				return
			}
			n++
		}
	})
	c := Dial(context.Background(), Options{URL: url})
	defer c.Shutdown()
	next(t, c, EventOpen)
	const total = 300
	for i := range total {
		if err := c.Send(OpText, []byte(strings.Repeat("m", i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.CloseWhenSent(1000, "done"); err != nil {
		t.Fatal(err)
	}
	if err := c.Send(OpText, []byte("late")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after CloseWhenSent = %v, want ErrClosed", err)
	}
	sent := 0
	for {
		ev := next(t, c, EventMessage, EventClose, EventWarning)
		if ev.Type == EventWarning {
			t.Fatalf("warning: %+v", ev.Failure)
		}
		if ev.Type == EventClose {
			if ev.Dir != Out || ev.Code != 1000 || ev.Reason != "done" || sent != total {
				t.Fatalf("close %+v after %d of %d messages", ev, sent, total)
			}
			break
		}
		sent++
	}
	if n := <-got; n != total {
		t.Fatalf("the server got %d messages before the close, want %d", n, total)
	}
}

func TestCloseOvertakesCloseWhenSent(t *testing.T) {
	c := dial(context.Background(), Options{URL: deafServer(t), MaxQueueBytes: 1 << 20}, quickTiming())
	defer c.Shutdown()
	next(t, c, EventOpen)
	produce(c, make([]byte, 256<<10))
	nextWarning(t, c, decode.CauseNotReading)
	if err := c.CloseWhenSent(1000, ""); err != nil {
		t.Fatal(err)
	}
	expectQuiet(t, c, 300*time.Millisecond, EventClose) // waits behind the queue
	if err := c.closeAndWait(1001, "now", 2*time.Second); err != nil {
		t.Fatalf("Close after CloseWhenSent: %v", err)
	}
	nextWarning(t, c, decode.CauseUnsentDropped)
	if ev := next(t, c, EventClose); ev.Code != 1001 || ev.Reason != "now" || !ev.Final {
		t.Fatalf("close = %+v", ev)
	}
}
