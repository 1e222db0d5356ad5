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
	plan, expectIn := p.steps, p.replies
	linger := min(max(p.tail, minLinger), maxLinger)

	opts.Reconnect = false
	// Cancelling ctx closes the connection with a handshake, below.
	c := conn.Dial(context.WithoutCancel(ctx), opts)
	defer c.Shutdown()
	var got []history.Record
	received := 0
	note := func(ev conn.Event) history.Record {
		rec := history.FromEvent(ev)
		got = append(got, rec)
		if rec.IsDataMessage() && rec.Dir == conn.In {
			received++
		}
		return rec
	}
	interrupted := func() ([]history.Record, error) {
		c.Close(1001, "")
		grace := time.NewTimer(interruptGrace)
		defer grace.Stop()
		for {
			select {
			case ev, ok := <-c.Events():
				if !ok {
					return got, ctx.Err()
				}
				note(ev)
			case <-grace.C:
				return got, ctx.Err()
			}
		}
	}

	for opened := false; !opened; {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				return got, errors.New("the connection ended before it opened")
			}
			rec := note(ev)
			switch ev.Type {
			case conn.EventOpen:
				opened = true
			case conn.EventError, conn.EventClose:
				return got, fmt.Errorf("could not connect: %s", describe(rec))
			}
		case <-ctx.Done():
			return interrupted()
		}
	}

	sent := 0
	timer := time.NewTimer(linger)
	if len(plan) > 0 {
		timer.Reset(plan[0].Wait)
	}
	defer timer.Stop()
	ended := false
listen:
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				ended = true
				break listen
			}
			note(ev)
			if sent == len(plan) && received >= expectIn {
				break listen // every reply is in
			}
		case <-timer.C:
			if sent == len(plan) {
				break listen
			}
			err := c.Send(plan[sent].Op, plan[sent].Payload)
			if errors.Is(err, conn.ErrQueueFull) {
				// The server is behind: try again once it has read some,
				// reading events meanwhile.
				timer.Reset(queueFullRetry)
				continue
			}
			if err != nil {
				ended = true
				break listen
			}
			sent++
			if sent < len(plan) {
				timer.Reset(plan[sent].Wait)
			} else {
				timer.Reset(linger)
			}
		case <-ctx.Done():
			return interrupted()
		}
	}

	if !ended {
		c.CloseWhenSent(1000, "replay finished")
		grace := time.NewTimer(closeGrace)
		defer grace.Stop()
	drain:
		for {
			select {
			case ev, ok := <-c.Events():
				if !ok {
					break drain
				}
				note(ev)
			case <-grace.C:
				break drain
			case <-ctx.Done():
				return interrupted()
			}
		}
	}
	if sent < len(plan) {
		return got, fmt.Errorf("the connection ended after %d of %d messages were sent", sent, len(plan))
	}
	return got, nil
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
