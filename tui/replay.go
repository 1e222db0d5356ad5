package tui

import (
	"context"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

// Recorded is what a replay reads; *history.Recording is one. Len may grow
// until Done is closed, while the recording is still being indexed.
type Recorded interface {
	Len() int
	Event(i int) (conn.Event, error)
	Done() <-chan struct{}
}

// Replay is a read-only Source that delivers every event of a recording, as
// fast as the screen takes them, for reading the session back. An event
// that cannot be read becomes a warning row saying why. Delivery stops when
// ctx is done.
func Replay(ctx context.Context, rec Recorded) Source {
	return replay{ctx: ctx, rec: rec}
}

type replay struct {
	ctx context.Context
	rec Recorded
}

// indexPoll is how often a replay looks for more events while the
// recording is still being indexed.
const indexPoll = 20 * time.Millisecond

func (r replay) Events() <-chan conn.Event {
	ch := make(chan conn.Event, 256)
	go func() {
		defer close(ch)
		for i := 0; ; i++ {
			for i >= r.rec.Len() {
				select {
				case <-r.rec.Done():
					if i >= r.rec.Len() {
						return
					}
				case <-r.ctx.Done():
					return
				case <-time.After(indexPoll):
				}
			}
			ev, err := r.rec.Event(i)
			if err != nil {
				ev = conn.Event{Type: conn.EventWarning, Failure: &decode.Failure{Message: "recording: " + err.Error()}}
			}
			select {
			case ch <- ev:
			case <-r.ctx.Done():
				return
			}
		}
	}()
	return ch
}
