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
//
// In the interface, the play key turns it into a playback in time from the
// selected row (see Playback).
func Replay(ctx context.Context, rec Recorded) Source {
	feedCtx, stopFeed := context.WithCancel(ctx)
	return &replay{ctx: ctx, feedCtx: feedCtx, stopFeed: stopFeed, rec: rec}
}

// Playback is a Replay that the interface plays in time from the first
// event, at speed (clamped to 0.5–20) and, with noGaps, with every pause
// shortened to at most a quarter second. The interface gives it controls:
// pause, speed, step and seek. Read as a plain Source, it delivers the
// whole recording at once, as Replay does.
func Playback(ctx context.Context, rec Recorded, speed float64, noGaps bool) Source {
	r := Replay(ctx, rec).(*replay)
	r.timed = &playStart{speed: speed, noGaps: noGaps}
	return r
}

type replay struct {
	ctx      context.Context // the player, if any, lives as long as this
	feedCtx  context.Context // the whole-log delivery of Events
	stopFeed context.CancelFunc
	rec      Recorded
	timed    *playStart // the interface starts it playing in time
}

// playStart is how a playback in time begins.
type playStart struct {
	speed  float64
	noGaps bool
}

// indexPoll is how often a replay looks for more events while the
// recording is still being indexed.
const indexPoll = 20 * time.Millisecond

func (r *replay) Events() <-chan conn.Event {
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
