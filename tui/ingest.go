package tui

import (
	"encoding/json"
	"math"
	"net/url"
	"strconv"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/decode/protocol"
)

// connState is what the header says about the connection.
type connState uint8

const (
	stateConnecting connState = iota
	stateOpen
	stateClosing
	stateClosed
	stateReconnecting
)

// session is the running summary the header shows.
type session struct {
	state       connState
	url         string
	host        string
	subprotocol string
	extensions  []string
	protocol    string // the protocol the messages speak, as decoding named it

	openedAt    time.Time // the latest open
	firstOpen   time.Time // the first open: "relative to connect" counts from here
	firstEvent  time.Time // until the first open
	attempt     int
	retryAt     time.Time
	closeCode   int
	rtt         time.Duration
	msgs        [2]int64 // by direction: [0] in, [1] out
	bytes       [2]int64
	rate        [2]float64 // messages per second, refreshed every tick
	countAtTick [2]int64
	lastTick    time.Time
	pingsOn     bool
	ended       bool // the source has no more events
}

// noteProtocol keeps the protocol a packet was decoded as. Socket.IO runs
// over Engine.IO, whose heartbeats go on after Socket.IO showed itself:
// they do not make the session Engine.IO again.
func (s *session) noteProtocol(name string) {
	if name == protocol.EngineIO && s.protocol == protocol.SocketIO {
		return
	}
	s.protocol = name
}

func dirIndex(d conn.Direction) int {
	if d == conn.Out {
		return 1
	}
	return 0
}

// origin is the time relative timestamps count from.
func (s *session) origin() time.Time {
	if !s.firstOpen.IsZero() {
		return s.firstOpen
	}
	return s.firstEvent
}

// seqIndex finds the row of an event by its Seq, which is how the
// annotation names the request a reply answers. Rows follow events in
// order, so it keeps runs of consecutive seqs on consecutive rows: a run
// ends only where a row of wsdbg's own comes between, or where a new
// connection's numbering starts over.
type seqIndex struct{ runs []seqRun }

// seqRun: rows row … row+n-1 hold the events numbered seq … seq+n-1.
type seqRun struct{ seq, row, n int32 }

func (x *seqIndex) add(seq int, row int32) {
	if seq <= 0 || seq > math.MaxInt32 {
		return
	}
	if k := len(x.runs) - 1; k >= 0 {
		if r := &x.runs[k]; int32(seq) == r.seq+r.n && row == r.row+r.n {
			r.n++
			return
		}
	}
	x.runs = append(x.runs, seqRun{seq: int32(seq), row: row, n: 1})
}

// row is the latest row that holds the event numbered seq.
func (x *seqIndex) row(seq int) (int32, bool) {
	for k := len(x.runs) - 1; k >= 0; k-- {
		if r := x.runs[k]; int64(seq) >= int64(r.seq) && int64(seq) < int64(r.seq+r.n) {
			return r.row + int32(seq) - r.seq, true
		}
	}
	return 0, false
}

// ingest appends one event to the log and updates the session summary.
func (m *model) ingest(ev conn.Event) {
	s := &m.sess
	if s.firstEvent.IsZero() {
		s.firstEvent = ev.Time
	}
	r := row{at: ev.Time.UnixNano(), typ: ev.Type, dir: ev.Dir, op: ev.Opcode, extra: -1, link: -1,
		leg: ev.Leg, injected: ev.Injected}
	idx := int32(m.store.len())
	m.seqs.add(ev.Seq, idx)

	keepEvent := func() {
		slim := ev
		slim.Payload, slim.Frames = nil, nil
		r.extra = m.store.addExtra(rowExtra{event: &slim})
	}

	switch ev.Type {
	case conn.EventOpen:
		keepEvent()
		s.state, s.url, s.subprotocol, s.extensions = stateOpen, ev.URL, ev.Subprotocol, ev.Extensions
		s.host = hostOf(ev.URL)
		s.openedAt, s.attempt = ev.Time, 0
		if s.firstOpen.IsZero() {
			s.firstOpen = ev.Time
		}
	case conn.EventMessage, conn.EventFrame:
		if ev.Note != nil && ev.Note.Protocol != nil {
			s.noteProtocol(ev.Note.Protocol.Name)
		}
		r.payload = m.store.bytes.add(ev.Payload)
		m.classifyMessage(&r, idx, ev)
		if m.cmp != nil && isReplyEvent(ev) && m.cmp.observe(idx, ev) {
			r.flags |= flagDiff
		}
	case conn.EventClose:
		keepEvent()
		m.ingestClose(&r, ev)
	case conn.EventError:
		keepEvent()
		if ev.Final {
			r.flags |= flagFinal
		}
		if ev.Failure != nil {
			r.code = int32(ev.Failure.Code)
			if ev.Failure.Kind == decode.KindProtocol {
				r.flags |= flagViolation
			}
		}
		s.state = stateClosed
	case conn.EventWarning:
		keepEvent()
		if ev.Failure != nil && ev.Failure.Kind == decode.KindProtocol {
			r.flags |= flagViolation
		}
	case conn.EventReconnect:
		keepEvent()
		s.state, s.attempt, s.retryAt = stateReconnecting, ev.Attempt, ev.Time.Add(ev.Delay)
	default:
		keepEvent()
	}
	if ev.PingsOn {
		s.pingsOn = true
	}

	if n := len(ev.Frames); n > 0 {
		r.frame = uint32(m.store.frames.len())
		r.nframes = uint32(n)
		for _, f := range ev.Frames {
			m.store.frames.push(packFrame(f, ev.Time))
		}
	}
	m.store.rows.push(r)
}

// ingestClose fills in a close row and what the close means for the
// connection.
func (m *model) ingestClose(r *row, ev conn.Event) {
	s := &m.sess
	r.payload = m.store.bytes.add(ev.Payload)
	r.code = int32(ev.Code)
	if ev.HasCode {
		r.flags |= flagHasCode
	}
	s.closeCode = ev.Code
	switch {
	case ev.Final:
		r.flags |= flagFinal
		s.state = stateClosed
	case ev.Opcode == conn.OpClose:
		s.state = stateClosing
	default:
		s.state = stateClosed
	}
}

// addNote adds a warning row of wsdbg's own, one no connection reported;
// text must be sanitised.
func (m *model) addNote(at time.Time, text string) {
	if m.sess.firstEvent.IsZero() {
		m.sess.firstEvent = at
	}
	m.store.rows.push(row{at: at.UnixNano(), typ: conn.EventWarning, extra: m.store.addExtra(rowExtra{note: text}), link: -1})
}

// classifyMessage sets a message row's badges and error envelope, and links
// a reply with its request as the annotation says.
func (m *model) classifyMessage(r *row, idx int32, ev conn.Event) {
	s := &m.sess
	if ev.Type == conn.EventMessage {
		switch ev.Opcode {
		case conn.OpText, conn.OpBinary:
			d := dirIndex(ev.Dir)
			s.msgs[d]++
			s.bytes[d] += int64(len(ev.Payload))
		case conn.OpPong:
			if ev.RTT > 0 {
				s.rtt = ev.RTT
				r.extra = m.store.addExtra(rowExtra{event: &conn.Event{RTT: ev.RTT}})
			}
		}
	}
	if n := ev.Note; n != nil && (n.Envelope != nil || n.Protocol != nil) {
		var x rowExtra
		if n.Envelope != nil {
			r.flags |= flagEnvelope
			r.code = envelopeCode(n.Envelope.Code)
			x.envelope = n.Envelope
		}
		if p := n.Protocol; p != nil {
			x.packet = decode.Sanitize(p.Name + " " + p.Summary)
			x.fields = p.Fields
		}
		r.extra = m.store.addExtra(x)
	}
	if ev.Note == nil || ev.Note.Reply == nil {
		return
	}
	req, ok := m.seqs.row(ev.Note.Reply.To)
	if !ok || req >= idx {
		return
	}
	m.linkRows(r, idx, req)
}

// linkRows links the reply r on row idx with its request on row req.
func (m *model) linkRows(r *row, idx, req int32) {
	r.link = req
	r.flags |= flagReply
	if q := m.store.row(int(req)); q.link < 0 {
		q.link = idx
		q.flags |= flagRequest
		m.rowCache.forget(req) // its badges change
	}
}

// payloadIsJSON reports whether row i is a message or frame whose text
// payload is valid JSON. It is asked when a row is drawn or copied, not
// when it is taken in: a firehose's rows are mostly never drawn.
func (m *model) payloadIsJSON(i int) bool {
	r := m.store.row(i)
	if r.op != conn.OpText || r.typ != conn.EventMessage && r.typ != conn.EventFrame {
		return false
	}
	p := m.store.payload(i)
	return looksLikeJSON(p) && json.Valid(p)
}

// looksLikeJSON is a cheap test before the full validation: JSON documents
// worth badging are objects or arrays.
func looksLikeJSON(p []byte) bool {
	for _, c := range p {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		case '{', '[':
			return true
		}
		return false
	}
	return false
}

// envelopeCode turns an envelope's code into a number when it is one.
func envelopeCode(raw json.RawMessage) int32 {
	var n json.Number
	if json.Unmarshal(raw, &n) != nil {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return 0
		}
		n = json.Number(s)
	}
	v, err := strconv.ParseInt(n.String(), 10, 32)
	if err != nil {
		return 0
	}
	return int32(v)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
