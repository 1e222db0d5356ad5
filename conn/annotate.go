package conn

import (
	"net/url"
	"sync"

	"github.com/wsdbg/wsdbg/decode"
)

// Note is what wsdbg has to say about one event. It is computed once, by an
// Annotator, where the event leaves the connection or a recording; the
// terminal UI, tail, the recording and every export read it instead of
// explaining the event again, so that no two views disagree.
type Note struct {
	// Close, error and warning events: what happened and what to do.
	decode.Explanation
	// Message events: the application error the payload carries, if any.
	Envelope *decode.Envelope
}

// Annotator explains events in the order they happened. It keeps what an
// explanation needs from earlier events: the negotiated subprotocol and
// host (which pick the dialect of private close codes and error replies)
// and whether pings were on (which sharpens a drop).
//
// It is safe for concurrent use: the connection's reader and writer
// goroutines both emit events.
type Annotator struct {
	mu          sync.Mutex
	dialects    *decode.Dialects
	pingsOn     bool
	subprotocol string
	host        string
}

// NewAnnotator returns an Annotator for one session. dialects may be nil
// (built-in tables only); pingsOn says whether the client sends pings.
func NewAnnotator(dialects *decode.Dialects, pingsOn bool) *Annotator {
	return &Annotator{dialects: dialects, pingsOn: pingsOn}
}

// Annotate sets ev.Note. An event that carries nothing to explain (an
// ordinary message, an open, a reconnect) gets no note.
func (a *Annotator) Annotate(ev *Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	ev.Note = nil
	switch ev.Type {
	case EventOpen:
		a.subprotocol = ev.Subprotocol
		if u, err := url.Parse(ev.URL); err == nil && u.Hostname() != "" {
			a.host = u.Hostname()
		}
		if ev.PingsOn {
			a.pingsOn = true
		}
	case EventMessage:
		if ev.Dir != In || (ev.Opcode != OpText && ev.Opcode != OpBinary) {
			return
		}
		env, ok := decode.DetectEnvelope(ev.Payload, decode.EnvelopeContext{
			Subprotocol: a.subprotocol, Host: a.host, Dialects: a.dialects})
		if ok {
			ev.Note = &Note{Envelope: &env}
		}
	case EventClose:
		pings := a.pingsOn || ev.PingsOn
		ev.Note = &Note{Explanation: decode.ExplainClose(ev.Code, ev.Reason, decode.CloseContext{
			Subprotocol: a.subprotocol, Host: a.host, Remote: ev.Dir == In,
			IdleSeconds: ev.Idle.Seconds(), PingsOn: pings, Dialects: a.dialects,
		})}
	case EventError, EventWarning:
		if ev.Failure != nil {
			ev.Note = &Note{Explanation: decode.ExplainFailure(*ev.Failure)}
		}
	}
}
