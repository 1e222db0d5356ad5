package conn

import (
	"strconv"
	"testing"
	"time"
)

// An endless stream of requests that are never answered keeps memory flat:
// the oldest are forgotten, the latest still link.
func TestPendingRequestsAreBounded(t *testing.T) {
	a := NewAnnotator(Options{URL: "ws://h/rpc"})
	at := time.Unix(1700000000, 0)
	seq := 0
	message := func(dir Direction, payload string) Event {
		seq++
		at = at.Add(time.Millisecond)
		ev := Event{Type: EventMessage, Time: at, Seq: seq, Dir: dir, Opcode: OpText, Payload: []byte(payload)}
		a.Annotate(&ev)
		return ev
	}
	const sent = 3 * maxPendingRequests
	for n := range sent {
		message(Out, `{"id":`+strconv.Itoa(n)+`}`)
		// Answered requests come and go without piling up.
		message(Out, `{"op":"x","ref":"r`+strconv.Itoa(n)+`"}`)
		message(In, `{"ref":"r`+strconv.Itoa(n)+`"}`)
	}
	book := &a.links.sent
	if len(book.pending) > maxPendingRequests || len(book.order) > 2*maxPendingRequests+1 {
		t.Fatalf("%d requests pending, %d remembered in order; want at most %d", len(book.pending), len(book.order), maxPendingRequests)
	}
	if ev := message(In, `{"id":0}`); ev.Note != nil && ev.Note.Reply != nil {
		t.Errorf("the oldest request is still linked: %+v", ev.Note.Reply)
	}
	last := message(In, `{"id":`+strconv.Itoa(sent-1)+`}`)
	if last.Note == nil || last.Note.Reply == nil || last.Note.Reply.To != seq-1-3 {
		t.Fatalf("the latest request is not linked: %+v", last.Note)
	}
}

// A new connection's replies do not answer the requests of the one before.
func TestRequestsForgottenOnReconnect(t *testing.T) {
	a := NewAnnotator(Options{URL: "ws://h/rpc"})
	req := Event{Type: EventMessage, Seq: 2, Dir: Out, Opcode: OpText, Payload: []byte(`{"id":1}`)}
	a.Annotate(&req)
	a.Annotate(&Event{Type: EventOpen, Seq: 3, URL: "ws://h/rpc"})
	reply := Event{Type: EventMessage, Seq: 4, Dir: In, Opcode: OpText, Payload: []byte(`{"id":1}`)}
	a.Annotate(&reply)
	if reply.Note != nil && reply.Note.Reply != nil {
		t.Fatalf("linked across a reconnect: %+v", reply.Note.Reply)
	}
}

// What linking alone costs per message: a JSON message without an id,
// and a JSON request followed by its reply.
func BenchmarkLink(b *testing.B) {
	const quote = `{"price":101.25,"symbol":"EURUSD","ts":1700000000123,"bid":101.24,"ask":101.26}`
	tick := Event{Type: EventMessage, Dir: In, Opcode: OpText, Payload: []byte(quote)}
	request := Event{Type: EventMessage, Dir: Out, Opcode: OpText, Payload: []byte(`{"id":12345,"method":"quote"}`)}
	reply := Event{Type: EventMessage, Dir: In, Opcode: OpText, Payload: []byte(`{"id":12345,"result":` + quote + `}`)}
	for _, bc := range []struct {
		name   string
		events []*Event
	}{{"no id", []*Event{&tick}}, {"request and reply", []*Event{&request, &reply}}} {
		b.Run(bc.name, func(b *testing.B) {
			l := newLinker(nil)
			at := time.Now()
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				ev := bc.events[i%len(bc.events)]
				ev.Seq, ev.Time = i+1, at.Add(time.Duration(i))
				l.link(ev, nil)
			}
		})
	}
}
