package replay

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
)

// How long Resend keeps listening after its last message, before the
// recorded tail is scaled in, and how long it waits for the closing
// handshake.
const (
	minLinger  = 500 * time.Millisecond
	maxLinger  = 5 * time.Second
	closeGrace = 3 * time.Second
	// interruptGrace bounds the closing handshake when the replay is
	// interrupted: someone is waiting for the program to end.
	interruptGrace = time.Second
	// queueFullRetry is how soon a message the send queue had no room for
	// is offered again.
	queueFullRetry = 10 * time.Millisecond
)

// ResendStep is one recorded outgoing message to send again, and how long
// to wait for it after the previous one (or after the open).
type ResendStep struct {
	Wait    time.Duration
	Op      conn.Opcode
	Payload []byte
}

// resendPlan is what sending a recording again needs to know of it.
type resendPlan struct {
	steps   []ResendStep
	replies int           // incoming data messages in the recording
	tail    time.Duration // from the last send to the end of the recording
}

// PlanResend lists the recording's outgoing text and binary messages,
// spaced as they were recorded (divided by speed, and with pauses capped at
// NoGapsMax when noGaps is set).
func PlanResend(src history.Log, speed float64, noGaps bool) ([]ResendStep, error) {
	p, err := planResend(src, speed, noGaps)
	return p.steps, err
}

func planResend(src history.Log, speed float64, noGaps bool) (resendPlan, error) {
	if rec, ok := src.(interface{ Wait() }); ok {
		rec.Wait()
	}
	speed = min(max(speed, MinSpeed), MaxSpeed)
	scale := func(d time.Duration) time.Duration {
		d = max(time.Duration(float64(d)/speed), 0)
		if noGaps {
			d = min(d, NoGapsMax)
		}
		return d
	}
	var (
		p                 resendPlan
		prev, last        time.Time
		unreadablePayload error
	)
	history.EachRecord(src, func(rec history.Record) {
		last = rec.Time
		switch {
		case rec.Type == conn.EventOpen && prev.IsZero():
			prev = rec.Time
		case rec.IsDataMessage() && rec.Dir == conn.In:
			p.replies++
		case rec.IsDataMessage() && rec.Dir == conn.Out:
			payload, err := rec.Payload()
			if err != nil {
				unreadablePayload = err
				return
			}
			op := conn.OpText
			if rec.Opcode == conn.OpBinary {
				op = conn.OpBinary
			}
			if prev.IsZero() {
				prev = rec.Time
			}
			p.steps = append(p.steps, ResendStep{Wait: scale(rec.Time.Sub(prev)), Op: op, Payload: payload})
			prev = rec.Time
		}
	})
	if unreadablePayload != nil {
		return resendPlan{}, fmt.Errorf("the recording has an unreadable outgoing message: %w", unreadablePayload)
	}
	p.tail = scale(last.Sub(prev))
	return p, nil
}

// Resend sends the recording's outgoing text and binary messages to a
// live endpoint through conn.Dial, spaced as PlanResend says, listens for
// the replies, closes with 1000, and returns everything that happened as
// records, ready for Diff. Credentials come from opts, never from the
// recording (its headers are redacted). Reconnecting is turned off.
//
// The returned error says why the replay did not run to the end: the
// connection failed or ended early, or ctx was cancelled. Cancelling ctx
// closes the connection with 1001 (going away) and waits at most a second
// for the answer. The records gathered so far are returned with it.
func Resend(ctx context.Context, src history.Log, opts conn.Options, speed float64, noGaps bool) ([]history.Record, error) {
	p, err := planResend(src, speed, noGaps)
	if err != nil {
		return nil, err
	}
	opts.Reconnect = false
	// Cancelling ctx closes the connection with a handshake (interrupted).
	r := &resender{ctx: ctx, c: conn.Dial(context.WithoutCancel(ctx), opts)}
	defer r.c.Shutdown()
	if err := r.awaitOpen(); err != nil {
		return r.got, err
	}
	sent, ended, err := r.send(p)
	if err != nil {
		return r.got, err
	}
	if !ended {
		if err := r.closeAndDrain(); err != nil {
			return r.got, err
		}
	}
	if sent < len(p.steps) {
		return r.got, fmt.Errorf("the connection ended after %d of %d messages were sent", sent, len(p.steps))
	}
	return r.got, nil
}

// resender is one run of Resend: the connection and what it brought.
type resender struct {
	ctx      context.Context
	c        *conn.Client
	got      []history.Record
	received int // incoming data messages
}

func (r *resender) note(ev conn.Event) history.Record {
	rec := history.FromEvent(ev)
	r.got = append(r.got, rec)
	if rec.IsDataMessage() && rec.Dir == conn.In {
		r.received++
	}
	return rec
}

// interrupted closes the connection with 1001 when ctx is cancelled,
// waits a moment for the answer, and returns ctx's error.
func (r *resender) interrupted() error {
	r.c.Close(1001, "")
	grace := time.NewTimer(interruptGrace)
	defer grace.Stop()
	for {
		select {
		case ev, ok := <-r.c.Events():
			if !ok {
				return r.ctx.Err()
			}
			r.note(ev)
		case <-grace.C:
			return r.ctx.Err()
		}
	}
}

// awaitOpen waits for the connection to open.
func (r *resender) awaitOpen() error {
	for {
		select {
		case ev, ok := <-r.c.Events():
			if !ok {
				return errors.New("the connection ended before it opened")
			}
			rec := r.note(ev)
			switch ev.Type {
			case conn.EventOpen:
				return nil
			case conn.EventError, conn.EventClose:
				return fmt.Errorf("could not connect: %s", describe(rec))
			}
		case <-r.ctx.Done():
			return r.interrupted()
		}
	}
}

// send sends the plan's messages on time while noting what comes in, then
// listens until every reply is in or the recorded tail has passed. It
// reports how many messages went out and whether the connection ended;
// its error is ctx's, when ctx was cancelled.
func (r *resender) send(p resendPlan) (sent int, ended bool, err error) {
	plan := p.steps
	linger := min(max(p.tail, minLinger), maxLinger)
	timer := time.NewTimer(linger)
	if len(plan) > 0 {
		timer.Reset(plan[0].Wait)
	}
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-r.c.Events():
			if !ok {
				return sent, true, nil
			}
			r.note(ev)
			if sent == len(plan) && r.received >= p.replies {
				return sent, false, nil // every reply is in
			}
		case <-timer.C:
			if sent == len(plan) {
				return sent, false, nil
			}
			err := r.c.Send(plan[sent].Op, plan[sent].Payload)
			if errors.Is(err, conn.ErrQueueFull) {
				// The server is behind: try again once it has read some,
				// reading events meanwhile.
				timer.Reset(queueFullRetry)
				continue
			}
			if err != nil {
				return sent, true, nil
			}
			sent++
			if sent < len(plan) {
				timer.Reset(plan[sent].Wait)
			} else {
				timer.Reset(linger)
			}
		case <-r.ctx.Done():
			return sent, false, r.interrupted()
		}
	}
}

// closeAndDrain closes with 1000 once everything is sent and notes what
// comes until the connection ends or closeGrace has passed.
func (r *resender) closeAndDrain() error {
	r.c.CloseWhenSent(1000, "replay finished")
	grace := time.NewTimer(closeGrace)
	defer grace.Stop()
	for {
		select {
		case ev, ok := <-r.c.Events():
			if !ok {
				return nil
			}
			r.note(ev)
		case <-grace.C:
			return nil
		case <-r.ctx.Done():
			return r.interrupted()
		}
	}
}

// describe names a close or failure record in a sentence.
func describe(r history.Record) string {
	var f decode.Failure
	if r.Failure != nil {
		f = *r.Failure
	}
	var parts []string
	switch r.Type {
	case conn.EventClose:
		parts = append(parts, fmt.Sprintf("closed with %d", r.Code))
	default:
		parts = append(parts, f.Kind)
	}
	for _, s := range []string{r.Name, f.Message} {
		if s != "" {
			parts = append(parts, decode.Sanitize(s))
		}
	}
	return strings.Join(parts, ": ")
}
