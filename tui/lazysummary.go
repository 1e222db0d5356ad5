package tui

import (
	"bytes"
	"context"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/wsdbg/wsdbg/conn"
)

// summaryPass reads every line of a recording once to sum up the session
// as the header shows it, and to note the few rows that copying a bug
// report or a repro looks for. A text or binary message, nearly every
// line, is counted from the first keys of its line; any other event is
// decoded and taken in as a live log takes it.
type summaryPass struct {
	mu      sync.Mutex
	sess    session
	covered int   // rows the summary covers, from the first
	opens   []int // the open events among them
	sent    []int // the last reproSent text or binary messages sent among them
	done    bool

	// Links between requests and replies, as a live log makes them, among
	// the rows the summary covers.
	replyTo    map[int32]int32 // reply → its request
	firstReply map[int32]int32 // request → its first reply
}

// startSummary starts the pass from the session as the model starts it.
func startSummary(ctx context.Context, rec Recording, lines lineSource, start session) *summaryPass {
	s := &summaryPass{sess: start, replyTo: map[int32]int32{}, firstReply: map[int32]int32{}}
	go s.run(ctx, rec, lines, start)
	return s
}

// current is the summary so far, and whether it covers the whole recording.
func (s *summaryPass) current() (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sess, s.done
}

// rows are the open events and the last messages sent among the rows the
// summary covers.
func (s *summaryPass) rows() (opens, sent []int, covered int, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opens, s.sent, s.covered, s.done
}

func (s *summaryPass) publish(sess *session, covered int, opens, sent []int, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sess = *sess
	s.sess.extensions = append([]string(nil), sess.extensions...)
	s.covered, s.done = covered, done
	s.opens, s.sent = slices.Clone(opens), slices.Clone(sent)
}

// linked applies the links the summary knows to the rows of pg, which
// start at row from, and reports whether it covers them all.
func (s *summaryPass) linked(pg *store, from int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.covered < from+pg.len() {
		return false
	}
	for k := range pg.len() {
		r := pg.row(k)
		r.link, r.flags = -1, r.flags&^(flagReply|flagRequest)
		if req, ok := s.replyTo[int32(from+k)]; ok {
			r.link, r.flags = req, r.flags|flagReply
		} else if reply, ok := s.firstReply[int32(from+k)]; ok {
			r.link, r.flags = reply, r.flags|flagRequest
		}
	}
	return true
}

func (s *summaryPass) addLink(reply, req int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replyTo[reply] = req
	if _, ok := s.firstReply[req]; !ok {
		s.firstReply[req] = reply
	}
}

func (s *summaryPass) run(ctx context.Context, rec Recording, lines lineSource, start session) {
	d := &model{store: newPageStore(), sess: start}
	var opens, sent []int
	var seqs seqIndex
	link := func(i, seq, replyTo int) {
		seqs.add(seq, int32(i))
		if replyTo <= 0 {
			return
		}
		if req, ok := seqs.row(replyTo); ok && int(req) < i {
			s.addLink(int32(i), req)
		}
	}
	noteSent := func(i int) {
		if len(sent) == reproSent {
			sent = sent[1:]
		}
		sent = append(sent, i)
	}
	take := func(i int) {
		ev, err := rec.Event(i)
		if err != nil {
			ev = unreadableEvent(err)
		}
		switch {
		case ev.Type == conn.EventOpen:
			opens = append(opens, i)
		case ev.Type == conn.EventMessage && !ev.FromServer() && !ev.Injected && !ev.Opcode.IsControl():
			noteSent(i) // what the client sent: wsdbg itself, or a proxied application
		}
		replyTo := 0
		if ev.Note != nil && ev.Note.Reply != nil {
			replyTo = ev.Note.Reply.To
		}
		link(i, ev.Seq, replyTo)
		d.ingest(ev)
		if d.store.len() >= lazyPageSize { // only the session is wanted
			d.store, d.seqs = newPageStore(), seqIndex{}
		}
	}
	published := 0
	for i := 0; ; {
		for i >= rec.Len() {
			if isDone(rec.Done()) && i >= rec.Len() {
				s.publish(&d.sess, i, opens, sent, true)
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(indexPoll):
			}
		}
		if ctx.Err() != nil {
			return
		}
		next, err := lines.Lines(i, lineBlock, func(k int, line []byte) {
			if data, ok := dataMessageOf(line); ok && k > 0 {
				if replyTo, ok := replyToOf(data); ok {
					d.sess.msgs[dirIndex(data.dir)]++
					d.sess.bytes[dirIndex(data.dir)] += data.size
					if data.dir == conn.Out {
						noteSent(k)
					}
					link(k, data.seq, replyTo)
					return
				}
			}
			take(k)
		})
		if err != nil || next == i { // no raw line to read: decode the event
			take(i)
			next = i + 1
		}
		i = next
		if i-published >= summaryEvery {
			s.publish(&d.sess, i, opens, sent, false)
			published = i
		}
	}
}

// openAtOrBefore is the last open event at or before row i, or -1.
func (m *model) openAtOrBefore(i int) int {
	if m.browse != nil && m.store.lazy != nil {
		if opens, _, covered, _ := m.browse.summary.rows(); covered > i {
			k := sort.SearchInts(opens, i+1)
			if k == 0 {
				return -1
			}
			return opens[k-1]
		}
	}
	for ; i >= 0; i-- {
		if m.store.row(i).typ == conn.EventOpen {
			return i
		}
	}
	return -1
}

// lastSent lists the rows of the last reproSent text or binary messages
// sent, oldest first.
func (m *model) lastSent() []int {
	if m.browse != nil && m.store.lazy != nil {
		if _, sent, _, done := m.browse.summary.rows(); done {
			return sent
		}
	}
	var rows []int
	for i := m.store.len() - 1; i >= 0 && len(rows) < reproSent; i-- {
		r := m.store.row(i)
		if r.typ == conn.EventMessage && !rowFromServer(r) && !r.injected && !r.op.IsControl() {
			rows = append(rows, i)
		}
	}
	slices.Reverse(rows)
	return rows
}

// dataLine is what the keys of a text or binary message's line say.
type dataLine struct {
	seq  int
	dir  conn.Direction
	op   conn.Opcode
	size int64
	rest []byte // the line after its "len" key
}

// dataMessageOf reads a text or binary message's first keys, in the order
// a wsdbg recording writes them (replyToOf reads its reply_to); ok is false for any
// other line.
func dataMessageOf(line []byte) (d dataLine, ok bool) {
	rest, ok := bytes.CutPrefix(line, []byte(`{"type":"message","time":"`))
	if !ok {
		return d, false
	}
	q := bytes.IndexByte(rest, '"')
	if q < 0 {
		return d, false
	}
	rest = rest[q+1:]
	if r, ok := bytes.CutPrefix(rest, []byte(`,"seq":`)); ok {
		if d.seq, rest, ok = leadingInt(r); !ok {
			return d, false
		}
	}
	switch {
	case bytes.HasPrefix(rest, []byte(`,"dir":"in"`)):
		d.dir, rest = conn.In, rest[len(`,"dir":"in"`):]
	case bytes.HasPrefix(rest, []byte(`,"dir":"out"`)):
		d.dir, rest = conn.Out, rest[len(`,"dir":"out"`):]
	default:
		return d, false
	}
	switch {
	case bytes.HasPrefix(rest, []byte(`,"opcode":"text"`)):
		d.op, rest = conn.OpText, rest[len(`,"opcode":"text"`):]
	case bytes.HasPrefix(rest, []byte(`,"opcode":"binary"`)):
		d.op, rest = conn.OpBinary, rest[len(`,"opcode":"binary"`):]
	default:
		return d, false
	}
	rest, ok = bytes.CutPrefix(rest, []byte(`,"len":`))
	if !ok {
		return d, false
	}
	end := bytes.IndexByte(rest, ',')
	if end < 0 {
		return d, false
	}
	n, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	if err != nil || n < 0 {
		return d, false
	}
	d.size, d.rest = n, rest[end:]
	return d, true
}

// replyToOf is the seq a data line's message replies to, 0 for none; ok
// is false when the key is there but not a number. It is apart from
// dataMessageOf because it reads the whole line, which filters need not.
func replyToOf(d dataLine) (replyTo int, ok bool) {
	// Inside the text a quote is escaped, so the key is found only where
	// the record wrote it.
	at := bytes.Index(d.rest, []byte(`,"reply_to":`))
	if at < 0 {
		return 0, true
	}
	replyTo, _, ok = leadingInt(d.rest[at+len(`,"reply_to":`):])
	return replyTo, ok
}

// leadingInt reads the positive integer p starts with, which must end
// at a comma or a brace.
func leadingInt(p []byte) (int, []byte, bool) {
	end := 0
	for end < len(p) && p[end] >= '0' && p[end] <= '9' {
		end++
	}
	if end == 0 || end > 18 || end == len(p) || p[end] != ',' && p[end] != '}' {
		return 0, p, false
	}
	n, _ := strconv.Atoi(string(p[:end]))
	return n, p[end:], n > 0
}
