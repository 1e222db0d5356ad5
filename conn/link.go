package conn

import (
	"time"

	"github.com/wsdbg/wsdbg/decode/protocol"
)

// Reply links a message to the earlier message it answers.
type Reply struct {
	To      int           // the Seq of the request
	Latency time.Duration // the reply's time minus the request's
}

// maxPendingRequests bounds the requests waiting for a reply, per kind and
// direction: on an endless stream of requests never answered the oldest
// are forgotten, so memory stays flat.
const maxPendingRequests = 4096

// linker pairs requests with their replies, in the order messages were
// sent and received.
//
// A message carrying a protocol packet links by the packet's keys
// (protocol.Packet.Asks and Answers), in either direction: a Socket.IO
// server's emit with an ack is answered by the client. Any other JSON text
// message links by its id field: a message sent with an id is a request,
// and each message received with that id replies to the latest one sent.
// Only sent messages count as requests there: a bare id does not tell a
// server's request from a notification, and the ids of the two sides'
// requests commonly collide, so linking the client's messages to the
// server's would link wrongly.
type linker struct {
	idPaths [][]string
	packets [2]requestBook // by the direction of the request: [0] in, [1] out
	sent    requestBook    // JSON requests sent, by their id's JSON text
}

// newLinker returns a linker that finds ids at the dotted paths idFields,
// then at the usual fields.
func newLinker(idFields []string) *linker {
	l := &linker{}
	for _, f := range idFields {
		if path := parseIDPath(f); len(path) > 0 {
			l.idPaths = append(l.idPaths, path)
		}
	}
	for _, f := range defaultIDFields {
		l.idPaths = append(l.idPaths, []string{f})
	}
	return l
}

// link takes the text or binary message ev, which carried packet (nil for
// none), and returns the request it answers, if any.
func (l *linker) link(ev *Event, packet *protocol.Packet) *Reply {
	if ev.Seq <= 0 {
		return nil // a reply could not say which event it answers
	}
	d := speakerIndex(ev)
	if packet != nil {
		var reply *Reply
		if packet.Answers != "" {
			if req, ok := l.packets[1-d].take(packet.Answers); ok {
				reply = req.replyAt(ev.Time)
			}
		}
		if packet.Asks != "" {
			l.packets[d].ask(packet.Asks, ev)
		}
		return reply
	}
	if ev.Opcode != OpText || ev.FromServer() && len(l.sent.pending) == 0 {
		return nil // a reply needs a request waiting: no need to look for its id
	}
	id, ok := l.id(ev.Payload)
	if !ok {
		return nil
	}
	if !ev.FromServer() {
		l.sent.ask(string(id), ev)
		return nil
	}
	if req, ok := l.sent.pending[string(id)]; ok {
		return req.replyAt(ev.Time)
	}
	return nil
}

// forget drops the requests waiting: a new connection's replies do not
// answer the requests of the one before.
func (l *linker) forget() {
	l.packets, l.sent = [2]requestBook{}, requestBook{}
}

// id is the JSON text of a message's id: the value at the first id path
// that holds a string or a number.
func (l *linker) id(payload []byte) ([]byte, bool) {
	if !looksLikeJSONObject(payload) {
		return nil, false
	}
	return messageID(payload, l.idPaths)
}

// looksLikeJSONObject is the cheap test that spares the scanner most
// messages that are not JSON objects.
func looksLikeJSONObject(p []byte) bool {
	for _, c := range p {
		switch c {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return c == '{'
	}
	return false
}

// speakerIndex tells the two sides apart: 1 for the client (wsdbg
// itself, or the proxied app), 0 for the server.
func speakerIndex(ev *Event) int {
	if ev.FromServer() {
		return 0
	}
	return 1
}

type pendingRequest struct {
	seq int
	at  time.Time
}

// replyAt is the link of a reply at t. The latency is read on the wall
// clock, as the events' times are recorded and shown, so that it is the
// difference of the two times in every view, live or read back (the
// monotonic clock drifts from it by a few nanoseconds, enough to round
// differently). The two sides' goroutines read the clock before they
// number their events, so a reply may read it a hair before its request
// did: that is no time at all.
func (p pendingRequest) replyAt(t time.Time) *Reply {
	return &Reply{To: p.seq, Latency: max(t.Round(0).Sub(p.at.Round(0)), 0)}
}

// requestBook holds requests waiting for a reply, by key, at most
// maxPendingRequests of them.
type requestBook struct {
	pending map[string]pendingRequest
	// order lists the requests in the order they were asked; an entry
	// whose key was answered or asked again since is stale and skipped.
	order []askedKey
}

type askedKey struct {
	key string
	seq int
}

// ask notes ev as the latest request with key.
func (b *requestBook) ask(key string, ev *Event) {
	if b.pending == nil {
		b.pending = make(map[string]pendingRequest)
	}
	b.pending[key] = pendingRequest{seq: ev.Seq, at: ev.Time}
	b.order = append(b.order, askedKey{key, ev.Seq})
	for len(b.pending) > maxPendingRequests {
		oldest := b.order[0]
		b.order = b.order[1:]
		if b.current(oldest) {
			delete(b.pending, oldest.key)
		}
	}
	if len(b.order) > 2*maxPendingRequests {
		// Mostly answered requests: keep the entries that still count.
		live := make([]askedKey, 0, len(b.pending))
		for _, k := range b.order {
			if b.current(k) {
				live = append(live, k)
			}
		}
		b.order = live
	}
}

func (b *requestBook) current(k askedKey) bool {
	p, ok := b.pending[k.key]
	return ok && p.seq == k.seq
}

// take removes and returns the request with key.
func (b *requestBook) take(key string) (pendingRequest, bool) {
	p, ok := b.pending[key]
	if ok {
		delete(b.pending, key)
	}
	return p, ok
}
