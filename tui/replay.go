package tui

import (
	"context"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

// Recording is a recorded session as a Replay reads it;
// *history.Recording is one. Len may grow until Done is closed, while the
// recording is still being indexed.
type Recording interface {
	Len() int
	Event(i int) (conn.Event, error)
	Done() <-chan struct{}
}

// ReplayOptions say how a Replay starts.
type ReplayOptions struct {
	// InTime plays the recording in time from its first event, at Speed
	// (clamped to 0.5–20) and, with NoGaps, with every pause shortened to
	// at most a quarter second; the interface gives it controls: pause,
	// speed, step and seek. Without it the whole recording is shown at
	// once, and the play key starts playing in time from the selected row.
	InTime bool
	Speed  float64
	NoGaps bool
}

// Replay is a read-only Source that reads a Recording back. An event that
// cannot be read becomes a warning row saying why. Delivery stops when the
// context given to NewReplay is done.
type Replay struct {
	ctx      context.Context // the player, if any, lives as long as this
	feedCtx  context.Context // the whole-log delivery of Events
	stopFeed context.CancelFunc
	rec      Recording
	timed    *playStart // the interface starts it playing in time
}

// NewReplay returns a Replay of rec.
func NewReplay(ctx context.Context, rec Recording, opts ReplayOptions) *Replay {
	feedCtx, stopFeed := context.WithCancel(ctx)
	r := &Replay{ctx: ctx, feedCtx: feedCtx, stopFeed: stopFeed, rec: rec}
	if opts.InTime {
		r.timed = &playStart{speed: opts.Speed, noGaps: opts.NoGaps}
	}
	return r
}

// playStart is how a playback in time begins.
type playStart struct {
	speed  float64
	noGaps bool
}

// indexPoll is how often a replay looks for more events while the
// recording is still being indexed.
const indexPoll = 20 * time.Millisecond

// Events delivers every event of the recording, as fast as the interface
// takes them. Read as a plain Source, a Replay that plays in time delivers
// the whole recording at once too.
func (r *Replay) Events() <-chan conn.Event {
	ch := make(chan conn.Event, 256)
	ctx := r.feedCtx
	go func() {
		defer close(ch)
		for i := 0; ; i++ {
			for i >= r.rec.Len() {
				select {
				case <-r.rec.Done():
					if i >= r.rec.Len() {
						return
					}
				case <-ctx.Done():
					return
				case <-time.After(indexPoll):
				}
			}
			ev, err := r.rec.Event(i)
			if err != nil {
				ev = unreadableEvent(err)
			}
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// unreadableEvent is the warning row that stands for an event the
// recording could not give back.
func unreadableEvent(err error) conn.Event {
	return conn.Event{Type: conn.EventWarning, Failure: &decode.Failure{Message: "recording: " + err.Error()}}
}
