package conn_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/conn/internal/peers"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/export"
)

// Requests and replies on real servers: the reply's note names the seq of
// the request it answers, and tail's JSON and text lines say the same.

// linkSession reads a client's events in order.
type linkSession struct {
	t *testing.T
	c *conn.Client
	// unread are the events read while looking for another, in order.
	unread []conn.Event
}

func dialLinks(t *testing.T, opts conn.Options) *linkSession {
	t.Helper()
	c := conn.Dial(context.Background(), opts)
	t.Cleanup(c.Shutdown)
	s := &linkSession{t: t, c: c}
	if ev := s.next(func(conn.Event) bool { return true }); ev.Type != conn.EventOpen {
		t.Fatalf("got %s %q, want the connection open", ev.Type, ev.Payload)
	}
	return s
}

// next returns the first event not returned yet that is matches: the
// replies to two requests may both come before the second request's
// event is looked for.
func (s *linkSession) next(is func(conn.Event) bool) conn.Event {
	s.t.Helper()
	for i, ev := range s.unread {
		if is(ev) {
			s.unread = append(s.unread[:i], s.unread[i+1:]...)
			return ev
		}
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-s.c.Events():
			if !ok {
				s.t.Fatal("events closed")
			}
			if ev.Type == conn.EventError || ev.Type == conn.EventClose {
				s.t.Fatalf("connection ended: %s %d %q", ev.Type, ev.Code, ev.Reason)
			}
			if is(ev) {
				return ev
			}
			s.unread = append(s.unread, ev)
		case <-deadline:
			s.t.Fatal("no such event within 5s")
		}
	}
}

// send sends payload and returns its event.
func (s *linkSession) send(op conn.Opcode, payload string) conn.Event {
	s.t.Helper()
	if err := s.c.Send(op, []byte(payload)); err != nil {
		s.t.Fatal(err)
	}
	return s.next(func(ev conn.Event) bool { return ev.Dir == conn.Out && string(ev.Payload) == payload })
}

// received waits for a message from the server whose packet or payload
// says want.
func (s *linkSession) received(want string) conn.Event {
	s.t.Helper()
	return s.next(func(ev conn.Event) bool {
		if ev.Type != conn.EventMessage || ev.Dir != conn.In {
			return false
		}
		if n := ev.Note; n != nil && n.Protocol != nil {
			return strings.HasPrefix(n.Protocol.Summary, want)
		}
		return string(ev.Payload) == want
	})
}

// answers checks that reply is linked to request in the note, in tail's
// JSON line and in tail's text line.
func answers(t *testing.T, reply, request conn.Event) {
	t.Helper()
	n := reply.Note
	if n == nil || n.Reply == nil || n.Reply.To != request.Seq {
		t.Fatalf("%s %q (seq %d): note %+v, want a reply to seq %d", reply.Dir, reply.Payload, reply.Seq, n, request.Seq)
	}
	// The times as they are recorded and shown: the wall clock's.
	between := reply.Time.Round(0).Sub(request.Time.Round(0))
	if lat := n.Reply.Latency; lat != between || lat < 0 || lat > 5*time.Second {
		t.Errorf("latency %v, want the %v between the two", lat, between)
	}
	var line struct {
		ReplyTo   int      `json:"reply_to"`
		LatencyMS *float64 `json:"latency_ms"`
	}
	r := history.FromEvent(reply)
	if err := json.Unmarshal(r.AppendJSON(nil), &line); err != nil {
		t.Fatal(err)
	}
	if line.ReplyTo != request.Seq || line.LatencyMS == nil ||
		time.Duration(*line.LatencyMS*float64(time.Millisecond)).Round(time.Microsecond) != n.Reply.Latency.Round(time.Microsecond) {
		t.Errorf("tail --json says reply_to %d, latency_ms %v; want %d, %v", line.ReplyTo, line.LatencyMS, request.Seq, n.Reply.Latency)
	}
	if text := export.FormatLine(r, export.LineOptions{}); !strings.Contains(text, "↩ #"+strconv.Itoa(request.Seq)+" ") {
		t.Errorf("tail's line does not name request #%d: %s", request.Seq, text)
	}
}

func unlinked(t *testing.T, ev conn.Event) {
	t.Helper()
	if ev.Note != nil && ev.Note.Reply != nil {
		t.Errorf("%s %q linked to seq %d, want no link", ev.Dir, ev.Payload, ev.Note.Reply.To)
	}
	if line := history.FromEvent(ev).AppendJSON(nil); strings.Contains(string(line), `"reply_to"`) {
		t.Errorf("tail --json links an event that is no reply: %s", line)
	}
}

func TestJSONRepliesLinkedOnNodeEcho(t *testing.T) {
	s := dialLinks(t, conn.Options{URL: peers.NodeWS(t), IDFields: []string{"meta.corr"}})
	byID := s.send(conn.OpText, `{"id":1,"op":"get"}`)
	byPath := s.send(conn.OpText, `{"meta":{"corr":"c-9"},"op":"get"}`)
	s.send(conn.OpText, `hello`)
	answers(t, s.received(`{"id":1,"op":"get"}`), byID)
	answers(t, s.received(`{"meta":{"corr":"c-9"},"op":"get"}`), byPath)
	unlinked(t, s.received(`hello`))
	unlinked(t, byID) // a request is no reply
	// The server echoes what it is sent: a second request with the same
	// id is answered by the second echo.
	again := s.send(conn.OpText, `{"id":1,"op":"again"}`)
	answers(t, s.received(`{"id":1,"op":"again"}`), again)
}

func TestSocketIOAcksLinkedBothWays(t *testing.T) {
	s := dialLinks(t, conn.Options{URL: peers.SocketIO(t) + "/socket.io/?EIO=4&transport=websocket"})
	s.received("open")
	s.send(conn.OpText, "40")
	s.received("CONNECT")
	emit := s.send(conn.OpText, `4217["echo","hi"]`)
	answers(t, s.received("ACK #17"), emit)

	// The server's emit with an ack, answered by the client.
	s.send(conn.OpText, `42["ask"]`)
	question := s.received(`EVENT "question"`)
	id := question.Note.Protocol.ID
	if id == "" {
		t.Fatalf("the server's question %q asks for no ack", question.Payload)
	}
	ack := s.send(conn.OpText, `43`+id+`["yes"]`)
	answers(t, ack, question)
	if got := s.received(`EVENT "answered"`); !strings.Contains(string(got.Payload), `"yes"`) {
		t.Fatalf("the server took the ack as %q", got.Payload)
	}
}

func TestGraphQLRepliesLinked(t *testing.T) {
	s := dialLinks(t, conn.Options{URL: peers.GraphQLWS(t), Subprotocols: []string{"graphql-transport-ws"}})
	init := s.send(conn.OpText, `{"type":"connection_init"}`)
	answers(t, s.received("connection_ack"), init)
	ping := s.send(conn.OpText, `{"type":"ping"}`)
	answers(t, s.received("pong"), ping)
	sub := s.send(conn.OpText, `{"type":"subscribe","id":"s1","payload":{"query":"subscription { count(to: 2) }"}}`)
	answers(t, s.received("next #s1"), sub)
	unlinked(t, s.received("next #s1")) // the first result answers; the rest follow
	unlinked(t, s.received("complete #s1"))
}

func TestMQTTAcksLinked(t *testing.T) {
	s := dialLinks(t, conn.Options{URL: peers.MQTT(t), Subprotocols: []string{"mqtt"}})
	connect := s.send(conn.OpBinary, "\x10\x16\x00\x04MQTT\x04\x02\x00\x3c\x00\x0awsdbg-link")
	answers(t, s.received("CONNACK accepted"), connect)
	sub := s.send(conn.OpBinary, "\x82\x0f\x00\x05\x00\x0aprices/eur\x01")
	answers(t, s.received("SUBACK #5"), sub)
	pub := s.send(conn.OpBinary, "\x32\x11\x00\x0aprices/eur\x00\x07\x31\x30\x31")
	answers(t, s.received("PUBACK #7"), pub)

	// The broker delivers the message to us at QoS 1: our PUBACK answers it.
	delivered := s.received("PUBLISH prices/eur qos1")
	id, _ := strconv.Atoi(delivered.Note.Protocol.ID)
	puback := s.send(conn.OpBinary, string([]byte{0x40, 0x02, byte(id >> 8), byte(id)}))
	answers(t, puback, delivered)

	ping := s.send(conn.OpBinary, "\xc0\x00")
	answers(t, s.received("PINGRESP"), ping)
}

// What annotating costs with linking: an ordinary message, a JSON request
// and its reply, a Socket.IO emit with an ack and the ack, a graphql
// subscription's first result. Each op is one message.
func BenchmarkAnnotateAndLink(b *testing.B) {
	const quote = `{"price":101.25,"symbol":"EURUSD","ts":1700000000123,"bid":101.24,"ask":101.26}`
	for _, bc := range []struct {
		name, url, protocol string
		request, reply      func(n int) string // "" request: only replies are sent
	}{
		{"json tick", "ws://h/feed", "", nil, func(int) string { return quote }},
		{"json request and reply", "ws://h/rpc", "",
			func(n int) string {
				return `{"id":` + strconv.Itoa(n) + `,"method":"quote","params":{"symbol":"EURUSD"}}`
			},
			func(n int) string { return `{"id":` + strconv.Itoa(n) + `,"result":` + quote + `}` }},
		{"socket.io ack", "ws://h/socket.io/?EIO=4&transport=websocket", "",
			func(n int) string { return `42` + strconv.Itoa(n) + `["quote","EURUSD"]` },
			func(n int) string { return `43` + strconv.Itoa(n) + `[` + quote + `]` }},
		{"graphql subscription", "ws://h/graphql", "graphql-transport-ws",
			func(n int) string {
				return `{"id":"` + strconv.Itoa(n) + `","type":"subscribe","payload":{"query":"subscription { price }"}}`
			},
			func(n int) string {
				return `{"id":"` + strconv.Itoa(n) + `","type":"next","payload":{"data":` + quote + `}}`
			}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			// The payloads are made up front: the loop measures annotating.
			const distinct = 1024
			var events []conn.Event
			for n := range distinct {
				if bc.request != nil {
					events = append(events, conn.Event{Type: conn.EventMessage, Dir: conn.Out, Opcode: conn.OpText, Payload: []byte(bc.request(n))})
				}
				events = append(events, conn.Event{Type: conn.EventMessage, Dir: conn.In, Opcode: conn.OpText, Payload: []byte(bc.reply(n))})
			}
			a := conn.NewAnnotator(conn.Options{URL: bc.url, Protocol: bc.protocol})
			a.Annotate(&conn.Event{Type: conn.EventOpen, URL: bc.url, Seq: 1})
			at, seq, linked := time.Now(), 1, 0
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				ev := &events[i%len(events)]
				seq++
				at = at.Add(time.Millisecond)
				ev.Seq, ev.Time = seq, at
				a.Annotate(ev)
				if ev.Note != nil && ev.Note.Reply != nil {
					linked++
				}
			}
			if bc.request != nil && linked == 0 {
				b.Fatal("no reply was linked")
			}
		})
	}
}
