package conn

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/wsdbg/wsdbg/decode/protocol"
)

// The client's half of the protocol spoken over a connection: the
// heartbeats a protocol cannot live without, on unless Options.Protocol is
// ProtocolNone, and the opening packet the user asks for with
// Options.Opening. Everything goes through the send queue marked Auto, so
// that every view shows it as a sent row the client wrote on its own.

// Opening asks for the protocol's opening packet once connected: Socket.IO's
// namespace CONNECT (after Engine.IO's open), graphql-transport-ws's and
// graphql-ws's connection_init, MQTT's CONNECT or STOMP's CONNECT.
type Opening struct {
	Namespace string          // Socket.IO namespace; "" for the main one
	Payload   json.RawMessage // Socket.IO's auth or graphql's connection_init payload: a JSON object, or nothing
	ClientID  string          // MQTT client id; "" for a random wsdbg-… one
	User      string          // MQTT user name, STOMP login
	Password  string          // MQTT password, STOMP passcode
	// KeepAlive is MQTT's keep-alive (whole seconds) and the STOMP
	// heart-beat the client offers and asks for; 0 turns them off.
	KeepAlive   time.Duration
	MQTTVersion byte   // 4 (3.1.1, the default) or 5
	Host        string // STOMP virtual host; "" for "/"
}

// PhoenixHeartbeatInterval is how often a Phoenix client sends its
// heartbeat, as phoenix.js does; the server drops a socket silent for 60 s.
const PhoenixHeartbeatInterval = 30 * time.Second

// openingWait is how long user messages are held back on a Socket.IO
// connection for Engine.IO's open, so that the namespace CONNECT goes
// first (the server sends it at once, and one that does not is not
// speaking Engine.IO), and then for the server's answer to the CONNECT.
const openingWait = 2 * time.Second

// OpeningProtocol names the protocol whose opening packet an Opening
// sends: the one opts.Protocol names, else the one the negotiated
// subprotocol or the URL announce, else the first an offered subprotocol
// names; "" when none is known. Only the protocols for which HasOpening
// holds have one to send.
func OpeningProtocol(opts Options, negotiated string) string {
	switch opts.Protocol {
	case ProtocolNone:
		return ""
	case "":
	default:
		return opts.Protocol
	}
	if name := protocol.Detect(negotiated, opts.URL); name != "" {
		return name
	}
	for _, sub := range opts.Subprotocols {
		if name := protocol.Detect(sub, ""); name != "" {
			return name
		}
	}
	return ""
}

// HasOpening reports whether wsdbg can send the opening packet of the
// protocol named: Phoenix and ActionCable open nothing before a channel is
// joined, and Engine.IO alone has no namespace to connect to.
func HasOpening(name string) bool {
	switch name {
	case protocol.SocketIO, protocol.GraphQLTransportWS, protocol.GraphQLWS, protocol.MQTT, protocol.STOMP:
		return true
	}
	return false
}

// openingPacket encodes the opening packet of protocol name.
func openingPacket(name string, o *Opening) (outgoing, bool) {
	text := func(b []byte) (outgoing, bool) { return outgoing{op: OpText, payload: b, auto: true}, true }
	switch name {
	case protocol.SocketIO:
		return text(protocol.SocketIOConnect(o.Namespace, o.Payload))
	case protocol.GraphQLTransportWS, protocol.GraphQLWS:
		return text(protocol.GraphQLConnectionInit(o.Payload))
	case protocol.STOMP:
		host := o.Host
		if host == "" {
			host = "/"
		}
		ms := int(o.KeepAlive.Milliseconds())
		return text(protocol.STOMPConnect(protocol.STOMPConnectOptions{
			Host: host, Login: o.User, Passcode: o.Password, HeartBeat: [2]int{ms, ms}}))
	case protocol.MQTT:
		id := o.ClientID
		if id == "" {
			id = randomClientID()
		}
		return outgoing{op: OpBinary, auto: true, payload: protocol.MQTTConnect(protocol.MQTTConnectOptions{
			Version: o.MQTTVersion, ClientID: id, User: o.User, Password: o.Password,
			KeepAlive: MQTTKeepAliveSeconds(o.KeepAlive)})}, true
	}
	return outgoing{}, false
}

// MQTTKeepAliveSeconds is d as MQTT's keep-alive: whole seconds, a
// fraction rounded up (so that a short keep-alive is not turned off), at
// most 65535.
func MQTTKeepAliveSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return min(max(s, 0), 0xffff)
}

func randomClientID() string {
	var b [6]byte
	rand.Read(b[:])
	return "wsdbg-" + hex.EncodeToString(b[:])
}

// halves is the client half of one connection's protocol: what the
// heartbeat is and when it is next due, and whether user messages wait
// for the opening packet.
type halves struct {
	c *Client
	s *session

	// gate, when not nil, holds the writer back until the opening packet
	// is queued or known not to come; gateOnce closes it.
	gate     chan struct{}
	gateOnce sync.Once
	opening  outgoing // Socket.IO's CONNECT, sent once Engine.IO's open arrives
	// connectQueued is set, before the gate closes, when the CONNECT went
	// into the queue; answered is closed once the server answered it.
	connectQueued bool
	answered      chan struct{}
	answeredOnce  sync.Once

	changed chan struct{} // the heartbeat's schedule changed

	mu sync.Mutex
	// beat is the protocol whose heartbeat runs ("" for none), every
	// interval after last: the last packet the client sent (MQTT, STOMP)
	// or the last heartbeat (Phoenix).
	beat     string
	interval time.Duration
	last     time.Time
	stopped  bool
	// phoenixV1 picks the object form of the Phoenix heartbeat; ref
	// numbers the heartbeats.
	phoenixV1 bool
	ref       int
	// stompSend is the client's heart-beat offer from its CONNECT, in
	// milliseconds, waiting for the server's CONNECTED.
	stompSend int
}

// startHalves begins the client half of a new connection, before its
// reader and writer run: it queues the opening packet ahead of anything
// the user queued, or, over Socket.IO, holds the user's messages until
// Engine.IO's open has let the namespace CONNECT go first.
func (c *Client) startHalves(s *session, rawURL string) *halves {
	h := &halves{c: c, s: s, changed: make(chan struct{}, 1)}
	if c.opts.Protocol == ProtocolNone {
		return h
	}
	name := OpeningProtocol(c.opts, s.sub)
	if c.opts.Opening != nil {
		if o, ok := openingPacket(name, c.opts.Opening); ok {
			if name == protocol.SocketIO {
				h.opening, h.gate, h.answered = o, make(chan struct{}), make(chan struct{})
				time.AfterFunc(openingWait, h.openGate)
			} else {
				c.enqueueAuto(o, true)
			}
		}
	}
	if name == protocol.Phoenix {
		vsn := ""
		if u, err := url.Parse(rawURL); err == nil {
			vsn = u.Query().Get("vsn")
		}
		h.startPhoenix(protocol.PhoenixV1(vsn))
	}
	return h
}

func (h *halves) openGate() { h.gateOnce.Do(func() { close(h.gate) }) }

func (h *halves) connectAnswered() { h.answeredOnce.Do(func() { close(h.answered) }) }

// awaitGate holds the writer until the user's messages may go; false means
// the connection ended first. Over Socket.IO with an opening, they wait
// for Engine.IO's open, which lets the namespace CONNECT go first, and
// then for the server's answer to it, as socket.io-client holds emits
// until the namespace is connected: a Socket.IO server closes a
// connection that sends a packet to a namespace not connected yet. write
// sends the CONNECT.
func (h *halves) awaitGate(write func(outgoing) bool) bool {
	if h.gate == nil {
		return true
	}
	if !h.await(h.gate) {
		return false
	}
	if !h.connectQueued {
		return true
	}
	if o, ok := h.c.nextToSend(); ok { // the CONNECT, queued first
		sent := write(o)
		h.c.sendDone(o)
		if !sent {
			return false
		}
	}
	time.AfterFunc(openingWait, h.connectAnswered)
	return h.await(h.answered)
}

// await waits for gate to close; false means the connection ended first.
func (h *halves) await(gate chan struct{}) bool {
	select {
	case <-gate:
		return true
	case <-h.s.ended:
	case <-h.s.readerDone:
	}
	return false
}

func (h *halves) startPhoenix(v1 bool) {
	h.mu.Lock()
	h.beat, h.interval, h.last, h.phoenixV1 = protocol.Phoenix, h.c.timing.phoenixHeartbeat, time.Now(), v1
	h.mu.Unlock()
	signal(h.changed)
}

// observe follows the protocol in an event that has left the connection:
// it answers graphql-transport-ws's ping, sends Socket.IO's CONNECT once
// Engine.IO's open arrives, and learns the heartbeat from what the
// packets negotiate.
func (h *halves) observe(ev *Event) {
	if ev.Type != EventMessage || ev.Note == nil || ev.Note.Protocol == nil {
		if h.gate != nil && ev.Type == EventMessage && ev.Dir == In && !ev.Opcode.IsControl() {
			h.openGate() // the server speaks no protocol wsdbg knows: nothing to wait for
		}
		return
	}
	p := ev.Note.Protocol
	in := ev.Dir == In
	if h.gate != nil && in {
		if p.Name == protocol.EngineIO && p.Type == "open" {
			h.gateOnce.Do(func() {
				h.c.enqueueAuto(h.opening, true)
				h.connectQueued = true
				close(h.gate)
			})
		}
		h.openGate()
	}
	switch p.Name {
	case protocol.SocketIO:
		if in && h.answered != nil && (p.Type == "CONNECT" || p.Type == "CONNECT_ERROR") {
			h.connectAnswered()
		}
	case protocol.GraphQLTransportWS:
		if in && p.Type == "ping" {
			h.c.enqueueAuto(outgoing{op: OpText, payload: protocol.GraphQLPong(), auto: true}, false)
		}
	case protocol.Phoenix:
		h.mu.Lock()
		started := h.beat == protocol.Phoenix
		h.mu.Unlock()
		if !started && len(ev.Payload) > 0 {
			h.startPhoenix(ev.Payload[0] == '{')
		}
	case protocol.MQTT:
		if in {
			return
		}
		h.mu.Lock()
		h.last = ev.Time
		switch p.Type {
		case "CONNECT":
			if seconds, ok := protocol.MQTTKeepAlive(ev.Payload); ok {
				h.beat, h.interval = protocol.MQTT, time.Duration(seconds)*time.Second
			}
		case "DISCONNECT":
			h.stopped = true
		}
		h.mu.Unlock()
		signal(h.changed)
	case protocol.STOMP:
		h.mu.Lock()
		switch {
		case in && p.Type == "CONNECTED":
			if _, sy, ok := protocol.STOMPHeartBeat(ev.Payload); ok {
				h.beat = protocol.STOMP
				h.interval = time.Duration(protocol.STOMPClientHeartBeat(h.stompSend, sy)) * time.Millisecond
			}
		case in:
		case p.Type == "CONNECT" || p.Type == "STOMP":
			h.stompSend, _, _ = protocol.STOMPHeartBeat(ev.Payload)
		case p.Type == "DISCONNECT":
			h.stopped = true
		}
		if !in {
			h.last = ev.Time
		}
		h.mu.Unlock()
		signal(h.changed)
	}
}

// due says when the next heartbeat is due; ok is false while none runs.
func (h *halves) due() (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.beat == "" || h.interval <= 0 || h.stopped {
		return time.Time{}, false
	}
	return h.last.Add(h.interval), true
}

// heartbeat returns the heartbeat to send now, if one is due.
func (h *halves) heartbeat(now time.Time) (outgoing, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.beat == "" || h.interval <= 0 || h.stopped || now.Before(h.last.Add(h.interval)) {
		return outgoing{}, false
	}
	h.last = now
	switch h.beat {
	case protocol.Phoenix:
		h.ref++
		return outgoing{op: OpText, payload: protocol.PhoenixHeartbeat(h.phoenixV1, "hb-"+strconv.Itoa(h.ref)), auto: true}, true
	case protocol.MQTT:
		return outgoing{op: OpBinary, payload: protocol.MQTTPingReq(), auto: true}, true
	case protocol.STOMP:
		return outgoing{op: OpText, payload: protocol.STOMPHeartbeat(), auto: true}, true
	}
	return outgoing{}, false
}

// run sends the heartbeats as they fall due, until the connection ends or
// either side sends a close frame.
func (h *halves) run() {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		if at, ok := h.due(); ok {
			timer.Reset(time.Until(at))
		}
		select {
		case <-h.s.ended:
			return
		case <-h.s.readerDone:
			return
		case <-h.changed:
			timer.Stop()
		case now := <-timer.C:
			if h.s.localClose.Load() || h.s.remoteClose.Load() {
				return
			}
			if o, ok := h.heartbeat(now); ok {
				h.c.enqueueAuto(o, false)
			}
		}
	}
}

// enqueueAuto queues a packet the client sends on its own, first in line
// when first is set. Heartbeats and openings are small and few: they are
// taken even when the queue is at its bounds, since a client busy sending
// must not be dropped for a missed heartbeat.
func (c *Client) enqueueAuto(o outgoing, first bool) {
	c.mu.Lock()
	err := c.enqueueLocked(o)
	if err == ErrQueueFull {
		c.queue.push(o)
		err = nil
	}
	if err == nil && first {
		c.queue.moveLastToFront()
	}
	c.mu.Unlock()
	if err == nil {
		signal(c.wake)
	}
}
