package conn

import (
	"net/url"
	"sync"
	"time"

	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/decode/protocol"
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
	// Message events: the packet of the protocol spoken over the
	// connection (Socket.IO, GraphQL, MQTT, ...) the message carried.
	Protocol *protocol.Packet
	// Message events: the earlier message this one answers, if any.
	Reply *Reply
}

// Annotator explains events in the order they happened. It keeps what an
// explanation needs from earlier events: the negotiated subprotocol and
// host (which pick the dialect of private close codes and error replies),
// the proxy the upgrade response points to, the quiet periods before
// earlier drops, whether pings were on (all of which sharpen a drop), and
// the protocol's heartbeat, whose missing beat can explain an ending.
//
// It is safe for concurrent use: the connection's reader and writer
// goroutines both emit events.
type Annotator struct {
	mu           sync.Mutex
	dialects     *decode.Dialects
	pingsOn      bool
	offeredKnown bool
	offered      []string
	subprotocol  string
	host         string
	proxy        string
	drops        []float64 // idle seconds before each abnormal drop so far
	// protocolOption is Options.Protocol; packets decodes the messages of
	// the current connection by it. With "none" the packets are decoded
	// only to explain a missed heartbeat, and not shown.
	protocolOption string
	packets        *protocol.Session
	heartbeats     heartbeatWatch
	namespaces     namespaceWatch
	links          *linker
	// closeSent is the code of the close frame each side has sent on this
	// connection, 0 while none: by speakerIndex, and a third for closes a
	// proxy injected. A close from one after another's is its answer.
	closeSent [3]int
}

// maxDropsKept bounds the quiet periods remembered for spotting drops that
// repeat: a handful is evidence enough.
const maxDropsKept = 8

// NewAnnotator returns an Annotator for one session dialled with opts
// (Dialects, PingInterval, Subprotocols and Protocol are what it reads). For a
// recording, where the options are not known, pass Options{}: without a
// URL, the subprotocols offered count as unknown rather than as none.
func NewAnnotator(opts Options) *Annotator {
	a := &Annotator{dialects: opts.Dialects, pingsOn: opts.PingInterval > 0,
		offeredKnown: opts.URL != "", offered: opts.Subprotocols, protocolOption: opts.Protocol,
		links: newLinker(opts.IDFields)}
	a.startProtocol("", opts.URL)
	return a
}

// startProtocol begins decoding a connection's messages: by the protocol
// the user named, else by the one the subprotocol or URL announce, else
// by the one the first messages show.
func (a *Annotator) startProtocol(subprotocol, rawURL string) {
	switch a.protocolOption {
	case "", ProtocolNone:
		a.packets = protocol.NewSession(protocol.Detect(subprotocol, rawURL))
	default:
		a.packets = protocol.NewSession(a.protocolOption)
	}
}

// Annotate sets ev.Note. An event that carries nothing to explain (an
// ordinary message, an open, a reconnect) gets no note. A message is
// linked to the request it answers only when events carry their Seq, as
// the client's do: the link names the request by it.
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
		a.proxy = decode.DetectProxy(ev.ResponseHeader)
		a.startProtocol(ev.Subprotocol, ev.URL)
		a.heartbeats.open(ev.Time)
		a.namespaces.open()
		a.links.forget()
		a.closeSent = [3]int{}
	case EventMessage:
		if ev.Opcode != OpText && ev.Opcode != OpBinary {
			return
		}
		var packet *protocol.Packet
		if p, ok := a.packets.Decode(ev.FromServer(), ev.Opcode == OpBinary, ev.Payload); ok {
			if ev.Auto {
				p.Summary += " (automatic)"
			}
			found := p // only a packet found costs an allocation
			packet = &found
		}
		a.heartbeats.observe(ev, packet)
		a.namespaces.observe(ev, packet)
		if a.protocolOption == ProtocolNone {
			packet = nil
		}
		var envelope *decode.Envelope
		if ev.FromServer() {
			if env, ok := decode.DetectEnvelope(ev.Payload, decode.EnvelopeContext{
				Subprotocol: a.subprotocol, Host: a.host, Dialects: a.dialects}); ok {
				found := env
				envelope = &found
			}
		}
		envelope = packetEnvelope(envelope, packet, ev.FromServer())
		reply := a.links.link(ev, packet)
		if packet != nil || envelope != nil || reply != nil {
			ev.Note = &Note{Protocol: packet, Envelope: envelope, Reply: reply}
		}
	case EventClose:
		pings := a.pingsOn || ev.PingsOn
		ev.Note = &Note{Explanation: decode.ExplainClose(ev.Code, ev.Reason, decode.CloseContext{
			Subprotocol: a.subprotocol, Host: a.host, Remote: ev.FromServer(),
			IdleSeconds: ev.Idle.Seconds(), PingsOn: pings, Dialects: a.dialects,
			Proxy: a.proxy, EarlierDrops: a.earlierDrops(), OfferedKnown: a.offeredKnown, Offered: a.offered,
		})}
		a.explainProtocolEnding(ev)
		if ev.Code == 1006 {
			a.noteDrop(ev.Idle.Seconds())
		}
		a.explainAnswer(ev)
	case EventError, EventWarning:
		f := ev.Failure
		if f == nil {
			return
		}
		drop := ev.Type == EventError && isDrop(f.Cause)
		if drop {
			f.Proxy, f.EarlierDrops = a.proxy, a.earlierDrops()
			f.PingsOn = f.PingsOn || a.pingsOn
		}
		ex := decode.ExplainFailure(*f)
		if ev.Leg == LegClient && ev.Dir == In {
			ex = decode.FromProxiedClient(*f, ex)
		}
		ev.Note = &Note{Explanation: ex}
		if drop {
			a.explainMissedHeartbeat(ev.Time, true, &ev.Note.Explanation)
			a.noteDrop(f.IdleSeconds)
		}
	}
}

// explainMissedHeartbeat replaces the explanation of an ending that the
// protocol's missed heartbeat accounts for: what a close code or a drop
// says in general is less than what the protocol shows.
func (a *Annotator) explainMissedHeartbeat(end time.Time, drop bool, ex *decode.Explanation) {
	proto := a.packets.Protocol()
	if proto == "" || end.IsZero() {
		return
	}
	if hb, ok := a.heartbeats.ending(end, proto, a.packets.Heartbeat(), drop, a.protocolOption != ProtocolNone); ok {
		hb.Code = ex.Code
		*ex = hb
	}
}

// explainProtocolEnding tells a close or a drop by what the protocol
// spoken over the connection shows, most specific first: a Socket.IO
// packet the server could not take, a missed heartbeat, or Socket.IO's
// close that carries no code whatever the reason.
func (a *Annotator) explainProtocolEnding(ev *Event) {
	ex := &ev.Note.Explanation
	fromServer := ev.FromServer()
	// A Socket.IO server refusing a packet closes without a code.
	if fromServer && ev.Code == 1005 || ev.Code == 1006 {
		if stray, ok := a.namespaces.ending(ev.Time); ok {
			stray.Code = ex.Code
			*ex = stray
			return
		}
	}
	// A server that drops a client for a missed heartbeat closes without
	// a code, with 1000, or not at all.
	if fromServer && (ev.Code == 1000 || ev.Code == 1005) || ev.Code == 1006 {
		a.explainMissedHeartbeat(ev.Time, ev.Code == 1006, ex)
		if ex.Category == "heartbeat" {
			return
		}
	}
	if fromServer && !ev.HasCode && ev.Opcode == OpClose {
		if proto := a.packets.Protocol(); proto == protocol.SocketIO || proto == protocol.EngineIO {
			*ex = socketIOEnding()
		}
	}
}

// isDrop reports whether a failure is a connection that ended without a
// close frame, which the quiet period before it and the proxy explain.
func isDrop(cause string) bool {
	switch cause {
	case decode.CauseEOFWithoutClose, decode.CauseConnReset, decode.CauseBrokenPipe:
		return true
	}
	return false
}

func (a *Annotator) earlierDrops() []float64 {
	return append([]float64(nil), a.drops...)
}

func (a *Annotator) noteDrop(idleSeconds float64) {
	if idleSeconds <= 0 {
		return
	}
	if len(a.drops) == maxDropsKept {
		a.drops = append(a.drops[:0], a.drops[1:]...)
	}
	a.drops = append(a.drops, idleSeconds)
}

// explainAnswer tells a close frame that answers the other side's close
// with the same code (or none) as the answer it is, not as the sender's
// own reason: after `/close client 4001` the server's echoed 4001 is no
// sign that the server expired a token.
func (a *Annotator) explainAnswer(ev *Event) {
	if ev.Opcode != OpClose {
		return
	}
	me := speakerIndex(ev)
	if ev.Injected {
		me = 2
	}
	if a.closeSent[me] != 0 {
		return
	}
	a.closeSent[me] = ev.Code
	sender, answered := "client", "the server's close"
	if ev.FromServer() {
		sender, answered = "server", "the client's close"
	}
	for other, code := range a.closeSent {
		if other != me && code != 0 && (code == ev.Code || !ev.HasCode) {
			if other == 2 {
				answered = "the close wsdbg proxy sent in the " + map[string]string{"client": "server", "server": "client"}[sender] + "'s place"
			}
			ev.Note.Explanation = decode.AnswerToClose(ev.Note.Explanation, sender, answered)
			return
		}
	}
}
