// Package replay plays recordings back: in time on the screen (Player),
// plans sending the recorded outgoing messages to a live endpoint again
// (PlanResend), and compares the replies of such a resend with the
// recorded ones (Diff).
package replay

import (
	"sync"
	"time"

	"github.com/wsdbg/wsdbg/conn"
)

// Clock makes timers. Player takes one so that tests can drive time.
type Clock interface {
	NewTimer(d time.Duration) Timer
}

// Timer is the part of *time.Timer a Player uses.
type Timer interface {
	C() <-chan time.Time
	Stop() bool
}

// systemClock is the real clock.
type systemClock struct{}

func (systemClock) NewTimer(d time.Duration) Timer { return systemTimer{time.NewTimer(d)} }

type systemTimer struct{ t *time.Timer }

func (t systemTimer) C() <-chan time.Time { return t.t.C }
func (t systemTimer) Stop() bool          { return t.t.Stop() }

// Recording is what a Player plays: events by index, and a channel closed
// once Len stops growing (while a file is being indexed, it grows).
// *history.Recording is one.
type Recording interface {
	Len() int
	Event(i int) (conn.Event, error)
	Done() <-chan struct{}
}

// Played is what a Player delivers: the event at Index, or the error
// reading it, or the end of the recording.
type Played struct {
	Index int
	Event conn.Event
	Err   error
	End   bool // the recording is over; Index is its length
}

// Speed limits and the longest pause in no-gaps mode.
const (
	MinSpeed  = 0.5
	MaxSpeed  = 20
	NoGapsMax = 250 * time.Millisecond
)

// Player plays a recording in time, delivering events on Events. It starts
// paused at the first event. Its methods never block on the consumer: a
// step that is due waits in the player until Events is read, and Pause,
// Seek and Step take effect at once. The player stops when Close is called
// (Events is closed then).
type Player struct {
	src       Recording
	clock     Clock
	out       chan Played
	cmds      chan func(*playerState)
	closed    chan struct{}
	closeOnce sync.Once
}

type playerState struct {
	next     int // index of the next event to deliver
	playing  bool
	speed    float64
	noGaps   bool
	prev     time.Time // time of the last delivered event; zero after a seek
	upcoming *Played   // the next event, read ahead while its timer runs
	due      *Played   // delivered as soon as the consumer reads
	timer    Timer     // runs while playing and nothing is due
	indexing <-chan struct{}
}

// NewPlayer makes a paused player over src; a nil clock is the system clock.
func NewPlayer(src Recording, clock Clock) *Player {
	if clock == nil {
		clock = systemClock{}
	}
	p := &Player{src: src, clock: clock, out: make(chan Played),
		cmds: make(chan func(*playerState)), closed: make(chan struct{})}
	go p.run()
	return p
}

// Events delivers what is played.
func (p *Player) Events() <-chan Played { return p.out }

// Play starts or resumes playback at speed (clamped to 0.5–20). From the
// end, it starts over.
func (p *Player) Play(speed float64) {
	p.do(func(s *playerState) {
		s.speed = min(max(speed, MinSpeed), MaxSpeed)
		if s.next >= p.src.Len() && s.indexing == nil {
			s.next, s.prev = 0, time.Time{}
		}
		s.playing = true
		s.upcoming = nil
	})
}

// SetNoGaps shortens every pause between events to at most NoGapsMax.
func (p *Player) SetNoGaps(on bool) {
	p.do(func(s *playerState) {
		s.noGaps = on
		s.upcoming = nil
	})
}

// Pause stops playback; an event that was due but not yet read is taken
// back.
func (p *Player) Pause() {
	p.do(func(s *playerState) {
		s.playing = false
		s.due, s.upcoming = nil, nil
	})
}

// Step pauses and delivers the next event at once.
func (p *Player) Step() {
	p.do(func(s *playerState) {
		s.playing = false
		s.upcoming = nil
		if s.due == nil {
			s.due = p.read(s.next)
		}
	})
}

// Seek moves to event i (clamped to the recording). Playing or paused
// stays as it was; event i comes without a wait before it.
func (p *Player) Seek(i int) {
	p.do(func(s *playerState) {
		s.next = min(max(i, 0), p.src.Len())
		s.prev = time.Time{}
		s.due, s.upcoming = nil, nil
	})
}

// Close stops the player and closes Events. It may be called more than
// once, from any goroutine.
func (p *Player) Close() { p.closeOnce.Do(func() { close(p.closed) }) }

func (p *Player) do(cmd func(*playerState)) {
	select {
	case p.cmds <- cmd:
	case <-p.closed:
	}
}

func (p *Player) read(i int) *Played {
	if i >= p.src.Len() {
		return &Played{Index: i, End: true}
	}
	ev, err := p.src.Event(i)
	return &Played{Index: i, Event: ev, Err: err}
}

func (p *Player) run() {
	defer close(p.out)
	s := &playerState{speed: 1, indexing: p.src.Done()}
	for {
		p.arm(s)
		var out chan Played
		var due Played
		if s.due != nil {
			out, due = p.out, *s.due
		}
		var fire <-chan time.Time
		if s.timer != nil {
			fire = s.timer.C()
		}
		select {
		case cmd := <-p.cmds:
			p.disarm(s)
			cmd(s)
		case <-fire:
			s.timer = nil
			s.due, s.upcoming = s.upcoming, nil
		case out <- due:
			s.due = nil
			if due.End {
				s.playing = false
				continue
			}
			s.next = due.Index + 1
			if due.Err == nil {
				s.prev = due.Event.Time
			}
		case <-s.indexing:
			s.indexing = nil // the recording is complete: a wait for more ends
		case <-p.closed:
			p.disarm(s)
			return
		}
	}
}

// arm makes sure that, while playing with nothing due, a timer runs for the
// next event (or the end, once the recording is fully indexed).
func (p *Player) arm(s *playerState) {
	if !s.playing || s.due != nil || s.timer != nil {
		return
	}
	if s.next >= p.src.Len() && s.indexing != nil {
		return // more events may come; the indexing case wakes us
	}
	if s.upcoming == nil {
		s.upcoming = p.read(s.next)
	}
	wait := time.Duration(0)
	if !s.upcoming.End && s.upcoming.Err == nil && !s.prev.IsZero() {
		wait = time.Duration(float64(s.upcoming.Event.Time.Sub(s.prev)) / s.speed)
		wait = max(wait, 0)
		if s.noGaps {
			wait = min(wait, NoGapsMax)
		}
	}
	if wait == 0 {
		s.due, s.upcoming = s.upcoming, nil
		return
	}
	s.timer = p.clock.NewTimer(wait)
}

func (p *Player) disarm(s *playerState) {
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
}
