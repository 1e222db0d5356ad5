package replay

import (
	"fmt"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

// How long to keep listening after the last message is sent: the time the
// recording went on after it, but at least a moment and not forever.
const (
	minLinger = 500 * time.Millisecond
	maxLinger = 5 * time.Second
)

// ResendStep is one recorded outgoing message to send again, and how long
// to wait for it after the previous one (or after the open).
type ResendStep struct {
	Wait    time.Duration
	Op      conn.Opcode
	Payload []byte
}

// ResendPlan is what sending a recording again needs to know of it.
type ResendPlan struct {
	Steps   []ResendStep
	Replies int           // incoming data messages in the recording
	tail    time.Duration // from the last send to the end of the recording, scaled
}

// Linger is how long to listen after the last message for replies still
// missing: the recording's scaled tail, within half a second and five.
func (p ResendPlan) Linger() time.Duration { return min(max(p.tail, minLinger), maxLinger) }

// PlanResend lists the recording's outgoing text and binary messages,
// but for those the client sent on its own (heartbeat answers, which the
// new connection's client sends again when asked), spaced as they were recorded (divided by speed, and with pauses capped at
// NoGapsMax when noGaps is set). A *history.Recording still being indexed
// is waited for.
func PlanResend(src history.Log, speed float64, noGaps bool) (ResendPlan, error) {
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
		p                 ResendPlan
		prev, last        time.Time
		unreadablePayload error
	)
	history.EachRecord(src, func(rec history.Record) {
		last = rec.Time
		switch {
		case rec.Type == conn.EventOpen && prev.IsZero():
			prev = rec.Time
		case rec.IsDataMessage() && rec.FromServer():
			p.Replies++
		case rec.IsDataMessage() && !rec.FromServer() && !rec.Auto:
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
			p.Steps = append(p.Steps, ResendStep{Wait: scale(rec.Time.Sub(prev)), Op: op, Payload: payload})
			prev = rec.Time
		}
	})
	if unreadablePayload != nil {
		return ResendPlan{}, fmt.Errorf("the recording has an unreadable outgoing message: %w", unreadablePayload)
	}
	p.tail = scale(last.Sub(prev))
	return p, nil
}
