package replay

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
)

// fakeClock hands out timers that fire only when the test advances time,
// and reports each timer it makes on armed.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Duration
	timers []*fakeTimer
	armed  chan time.Duration
}

type fakeTimer struct {
	clock   *fakeClock
	at      time.Duration
	c       chan time.Time
	stopped bool
}

func newFakeClock() *fakeClock { return &fakeClock{armed: make(chan time.Duration, 100)} }

func (c *fakeClock) NewTimer(d time.Duration) Timer {
	c.mu.Lock()
	t := &fakeTimer{clock: c, at: c.now + d, c: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	c.armed <- d
	return t
}

func (t *fakeTimer) C() <-chan time.Time { return t.c }

func (t *fakeTimer) Stop() bool {
	t.clock.mu.Lock()
	defer t.clock.mu.Unlock()
	was := !t.stopped
	t.stopped = true
	return was
}

// advance moves time on and fires the timers that are due.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now += d
	kept := c.timers[:0]
	for _, t := range c.timers {
		if !t.stopped && t.at <= c.now {
			t.stopped = true
			t.c <- time.Time{}
			continue
		}
		if !t.stopped {
			kept = append(kept, t)
		}
	}
	c.timers = kept
}

// waitArmed returns the duration of the next timer the player makes.
func (c *fakeClock) waitArmed(t *testing.T) time.Duration {
	t.Helper()
	select {
	case d := <-c.armed:
		return d
	case <-time.After(5 * time.Second):
		t.Fatal("the player armed no timer")
		return 0
	}
}

// events is a Recording in memory.
type events []conn.Event

func (e events) Len() int { return len(e) }

func (e events) Done() <-chan struct{} { return indexed }
func (e events) Event(i int) (conn.Event, error) {
	if e[i].Type == 0 {
		return conn.Event{}, errors.New("damaged")
	}
	return e[i], nil
}

// playEvents are messages at 0, 1000, 1500 and 11500 ms.
func playEvents() events {
	return events{msg(0, conn.In), msg(1000, conn.Out), msg(1500, conn.In), msg(11500, conn.In)}
}

func next(t *testing.T, p *Player) Played {
	t.Helper()
	select {
	case pb := <-p.Events():
		return pb
	case <-time.After(5 * time.Second):
		t.Fatal("nothing was delivered")
		return Played{}
	}
}

func nothingDue(t *testing.T, p *Player) {
	t.Helper()
	select {
	case pb := <-p.Events():
		t.Fatalf("event %d delivered early", pb.Index)
	default:
	}
}

func TestPlayerKeepsTheRecordedSpacing(t *testing.T) {
	clock := newFakeClock()
	p := NewPlayer(playEvents(), clock)
	defer p.Close()
	p.Play(1)
	if pb := next(t, p); pb.Index != 0 || pb.Err != nil {
		t.Fatalf("first = %+v", pb)
	}
	for _, step := range []struct {
		index int
		gap   time.Duration
	}{{1, time.Second}, {2, 500 * time.Millisecond}, {3, 10 * time.Second}} {
		if d := clock.waitArmed(t); d != step.gap {
			t.Fatalf("event %d: timer of %v, want %v", step.index, d, step.gap)
		}
		nothingDue(t, p)
		clock.advance(step.gap - time.Millisecond)
		nothingDue(t, p)
		clock.advance(time.Millisecond)
		if pb := next(t, p); pb.Index != step.index {
			t.Fatalf("got event %d, want %d", pb.Index, step.index)
		}
	}
	if pb := next(t, p); !pb.End || pb.Index != 4 {
		t.Fatalf("want the end, got %+v", pb)
	}
}

func TestPlayerSpeedAndNoGaps(t *testing.T) {
	clock := newFakeClock()
	p := NewPlayer(playEvents(), clock)
	defer p.Close()
	p.Play(4)
	next(t, p)
	if d := clock.waitArmed(t); d != 250*time.Millisecond {
		t.Errorf("at 4x a 1 s gap takes %v", d)
	}
	p.Play(100) // clamped to 20x
	if d := clock.waitArmed(t); d != 50*time.Millisecond {
		t.Errorf("at the top speed a 1 s gap takes %v, want 50ms", d)
	}
	p.SetNoGaps(true)
	if d := clock.waitArmed(t); d != 50*time.Millisecond {
		t.Errorf("no-gaps keeps gaps shorter than %v: %v", NoGapsMax, d)
	}
	p.Play(1)
	if d := clock.waitArmed(t); d != NoGapsMax {
		t.Errorf("no-gaps: a 1 s gap takes %v, want %v", d, NoGapsMax)
	}
	clock.advance(NoGapsMax)
	next(t, p)
	clock.advance(clock.waitArmed(t))
	next(t, p)
	if d := clock.waitArmed(t); d != NoGapsMax {
		t.Errorf("no-gaps: a 10 s gap takes %v", d)
	}
}

func TestPlayerPauseStepSeek(t *testing.T) {
	clock := newFakeClock()
	p := NewPlayer(playEvents(), clock)
	defer p.Close()

	p.Step()
	if pb := next(t, p); pb.Index != 0 {
		t.Fatalf("step delivered %d", pb.Index)
	}
	p.Step()
	if pb := next(t, p); pb.Index != 1 {
		t.Fatalf("step delivered %d", pb.Index)
	}
	p.Play(1)
	clock.waitArmed(t) // 500 ms to event 2
	p.Pause()
	clock.advance(time.Hour)
	nothingDue(t, p)

	p.Seek(3)
	p.Step()
	if pb := next(t, p); pb.Index != 3 {
		t.Fatalf("after Seek(3), step delivered %d", pb.Index)
	}
	p.Step()
	if pb := next(t, p); !pb.End {
		t.Fatalf("stepping past the end: %+v", pb)
	}

	p.Seek(1)
	p.Play(1) // after a seek the first event comes at once
	if pb := next(t, p); pb.Index != 1 {
		t.Fatalf("after Seek(1), play delivered %d", pb.Index)
	}
	p.Seek(-5)
	p.Step()
	if pb := next(t, p); pb.Index != 0 {
		t.Fatalf("Seek clamps to the start: %d", pb.Index)
	}
}

func TestPlayerReportsUnreadableEventsAndGoesOn(t *testing.T) {
	evs := playEvents()
	evs[1] = conn.Event{}
	p := NewPlayer(evs, newFakeClock())
	defer p.Close()
	p.Step()
	next(t, p)
	p.Step()
	if pb := next(t, p); pb.Index != 1 || pb.Err == nil {
		t.Fatalf("damaged event: %+v", pb)
	}
	p.Step()
	if pb := next(t, p); pb.Index != 2 || pb.Err != nil {
		t.Fatalf("after a damaged event: %+v", pb)
	}
}

func TestPlayerPlaysARecordingFile(t *testing.T) {
	rec := openT(t, record(t, fileEvents()))
	clock := newFakeClock()
	p := NewPlayer(rec, clock)
	defer p.Close()
	p.SetNoGaps(true)
	p.Play(MaxSpeed)
	for i := range len(fileEvents()) {
		if i > 0 {
			clock.advance(clock.waitArmed(t))
		}
		if pb := next(t, p); pb.Index != i || pb.Err != nil {
			t.Fatalf("event %d: %+v", i, pb)
		}
	}
	if pb := next(t, p); !pb.End {
		t.Fatalf("want the end: %+v", pb)
	}
	p.Close()
	if _, open := <-p.Events(); open {
		t.Error("Events stays open after Close")
	}
}

func TestPlayerCloseFromManyGoroutines(t *testing.T) {
	for range 200 {
		p := NewPlayer(events{}, newFakeClock())
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				p.Close()
			}()
		}
		close(start)
		wg.Wait()
		for range p.Events() {
		}
	}
}
