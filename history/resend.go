package history

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

// How long ResendTo keeps listening after its last message, before the
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
func PlanResend(src Source, speed float64, noGaps bool) ([]ResendStep, error) {
	p, err := planResend(src, speed, noGaps)
	return p.steps, err
}

func planResend(src Source, speed float64, noGaps bool) (resendPlan, error) {
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
	eachRecord(src, func(rec Record) {
		last = rec.Time
		switch {
		case rec.Type == conn.EventOpen && prev.IsZero():
			prev = rec.Time
		case isData(rec) && rec.Dir == conn.In:
			p.replies++
		case isData(rec) && rec.Dir == conn.Out:
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

// ResendTo sends the recording's outgoing text and binary messages to a
// live endpoint through conn.Dial, spaced as PlanResend says, listens for
// the replies, closes with 1000, and returns everything that happened as
// records, ready for Diff. Credentials come from opts, never from the
// recording (its headers are redacted). Reconnecting is turned off.
//
// The returned error says why the replay did not run to the end: the
// connection failed or ended early, or ctx was cancelled. Cancelling ctx
// closes the connection with 1001 (going away) and waits at most a second
// for the answer. The records gathered so far are returned with it.
func ResendTo(ctx context.Context, src Source, opts conn.Options, speed float64, noGaps bool) ([]Record, error) {
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
	var got []Record
	received := 0
	note := func(ev conn.Event) Record {
		rec := FromEvent(ev)
		got = append(got, rec)
		if isData(rec) && rec.Dir == conn.In {
			received++
		}
		return rec
	}
	interrupted := func() ([]Record, error) {
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

func isData(r Record) bool {
	return r.Type == conn.EventMessage && (r.Opcode == conn.OpText || r.Opcode == conn.OpBinary)
}

// describe names a close or failure record in a sentence.
func describe(r Record) string {
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

// Difference is where a replayed reply differs from the recorded one.
type Difference struct {
	Index    int     // position among the incoming data messages
	Recorded *Record // nil when the replay got more replies
	Replayed *Record // nil when the replay got fewer
	Paths    []string
	Summary  string // one readable line, safe to print
}

// maxDiffPaths bounds the JSON paths listed per message.
const maxDiffPaths = 20

// Diff pairs the incoming text and binary messages of a recording and a
// replay in order and reports the pairs that differ, and the replies one
// side has and the other lacks.
//
// Payloads that are JSON on both sides are compared by structure: key
// order and spacing do not matter, and values that naturally change from
// run to run are ignored — keys named like a time or an id (ts, time,
// timestamp, date, id, uuid, nonce, and names ending in _id, Id, _at or
// _ts) and strings that are UUIDs or RFC 3339 times. Other payloads must be
// equal byte for byte.
func Diff(recorded, replayed []Record) []Difference {
	a, b := incoming(recorded), incoming(replayed)
	var out []Difference
	for i := 0; i < max(len(a), len(b)); i++ {
		d := Difference{Index: i}
		switch {
		case i >= len(b):
			d.Recorded = &a[i]
			d.Summary = fmt.Sprintf("reply %d: recorded, but missing from the replay", i+1)
		case i >= len(a):
			d.Replayed = &b[i]
			d.Summary = fmt.Sprintf("reply %d: new in the replay", i+1)
		default:
			d.Recorded, d.Replayed = &a[i], &b[i]
			if !compareMessages(&d) {
				continue
			}
		}
		out = append(out, d)
	}
	return out
}

func incoming(recs []Record) []Record {
	var out []Record
	for _, r := range recs {
		if isData(r) && r.Dir == conn.In {
			out = append(out, r)
		}
	}
	return out
}

// compareMessages fills d and reports whether the pair differs.
func compareMessages(d *Difference) bool {
	x, y := *d.Recorded, *d.Replayed
	n := d.Index + 1
	if x.Opcode != y.Opcode {
		d.Summary = fmt.Sprintf("reply %d: %s recorded, %s replayed", n, x.Opcode, y.Opcode)
		return true
	}
	px, errx := x.Payload()
	py, erry := y.Payload()
	if errx != nil || erry != nil {
		d.Summary = fmt.Sprintf("reply %d: a payload could not be read", n)
		return true
	}
	var vx, vy any
	if x.Opcode == conn.OpText && decodeJSON(px, &vx) && decodeJSON(py, &vy) {
		var w diffWalk
		w.walk(vx, vy)
		if len(w.paths) == 0 {
			return false
		}
		d.Paths = w.paths
		changes := w.changes
		shown := changes[:min(3, len(changes))]
		d.Summary = fmt.Sprintf("reply %d: %s", n, strings.Join(shown, "; "))
		if len(changes) > len(shown) {
			d.Summary += fmt.Sprintf(" (and %d more)", len(changes)-len(shown))
		}
		return true
	}
	if bytes.Equal(px, py) {
		return false
	}
	d.Summary = fmt.Sprintf("reply %d: payload differs (%s recorded, %s replayed)", n,
		HumanSize(int64(len(px))), HumanSize(int64(len(py))))
	return true
}

func decodeJSON(data []byte, v *any) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if dec.Decode(v) != nil {
		return false
	}
	_, err := dec.Token()
	return err != nil // nothing after the value
}

// diffWalk collects the paths where two decoded JSON values differ,
// skipping what naturally changes between runs. The current path is kept
// as a stack of segments, so deep nesting costs memory in proportion to
// its depth, not its square.
type diffWalk struct {
	path    []string // ".key" and "[i]" segments below "$"
	paths   []string
	changes []string
}

func (w *diffWalk) walk(x, y any) {
	if len(w.paths) >= maxDiffPaths {
		return
	}
	switch xv := x.(type) {
	case map[string]any:
		yv, ok := y.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(xv)+len(yv))
		for k := range xv {
			keys = append(keys, k)
		}
		for k := range yv {
			if _, dup := xv[k]; !dup {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			if !volatileKey(k) {
				w.descend("."+k, xv[k], yv[k])
			}
		}
		return
	case []any:
		yv, ok := y.([]any)
		if !ok {
			break
		}
		for i := range max(len(xv), len(yv)) {
			var xe, ye any
			if i < len(xv) {
				xe = xv[i]
			}
			if i < len(yv) {
				ye = yv[i]
			}
			w.descend("["+strconv.Itoa(i)+"]", xe, ye)
		}
		return
	case string:
		if ys, ok := y.(string); ok && (xv == ys || volatileValue(xv) && volatileValue(ys)) {
			return
		}
	default:
		// json.Number, bool or nil: comparable, so == cannot panic.
		if x == y {
			return
		}
	}
	path := "$" + strings.Join(w.path, "")
	w.paths = append(w.paths, path)
	w.changes = append(w.changes, fmt.Sprintf("%s: %s → %s", shortPath(path), shortJSON(x), shortJSON(y)))
}

func (w *diffWalk) descend(segment string, x, y any) {
	w.path = append(w.path, segment)
	w.walk(x, y)
	w.path = w.path[:len(w.path)-1]
}

// shortPath keeps the end of a long path, the part that says most.
func shortPath(path string) string {
	const keep = 60
	p := []rune(decode.Sanitize(path))
	if len(p) <= keep {
		return string(p)
	}
	return "…" + string(p[len(p)-keep+1:])
}

func shortJSON(v any) string {
	if v == nil {
		return "(absent)"
	}
	data, _ := json.Marshal(v)
	return clip(decode.Sanitize(string(data)), 40, "…")
}

// volatileKey reports whether a key names something that changes between
// runs: a time or an identifier.
func volatileKey(k string) bool {
	switch strings.ToLower(k) {
	case "ts", "time", "timestamp", "date", "datetime", "created", "updated", "id", "uuid", "guid", "nonce", "requestid", "traceid", "spanid":
		return true
	}
	return strings.HasSuffix(k, "Id") || strings.HasSuffix(k, "ID") ||
		strings.HasSuffix(strings.ToLower(k), "_id") || strings.HasSuffix(strings.ToLower(k), "_at") ||
		strings.HasSuffix(strings.ToLower(k), "_ts")
}

// volatileValue reports whether a string is a UUID or an RFC 3339 time.
func volatileValue(s string) bool {
	if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return true
	}
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
	}
	return true
}
