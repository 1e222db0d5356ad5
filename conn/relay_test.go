package conn

import (
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/conn/internal/peers"
	"github.com/wsdbg/wsdbg/decode"
)

// relayUnderTest is a Relay serving on a local port, with its events.
type relayUnderTest struct {
	*Relay
	url    string
	events chan Event
	seen   []Event // every event next has read
}

func startRelay(t *testing.T, upstream string) *relayUnderTest {
	t.Helper()
	return startRelayWith(t, Options{URL: upstream})
}

func startRelayWith(t *testing.T, opts Options) *relayUnderTest {
	t.Helper()
	r, err := NewRelay(opts)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: r}
	go srv.Serve(l)
	ru := &relayUnderTest{Relay: r, url: "ws://" + l.Addr().String(), events: make(chan Event, 1024)}
	go func() {
		var batch []Event
		for range r.EventsReady() {
			var finished bool
			batch, finished = r.TakeEvents(batch)
			for _, ev := range batch {
				ru.events <- ev
			}
			if finished {
				close(ru.events)
				return
			}
		}
	}()
	t.Cleanup(func() {
		srv.Close()
		r.Shutdown()
	})
	return ru
}

// next returns the relay's next event that match accepts.
func (ru *relayUnderTest) next(t *testing.T, match func(Event) bool) Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-ru.events:
			if !ok {
				t.Fatal("the relay finished")
			}
			ru.seen = append(ru.seen, ev)
			if match(ev) {
				return ev
			}
		case <-timeout:
			t.Fatal("no matching event from the relay within 5s")
		}
	}
}

func messageOn(leg Leg, text string) func(Event) bool {
	return func(ev Event) bool {
		return ev.Type == EventMessage && ev.Leg == leg && ev.Dir == In && string(ev.Payload) == text
	}
}

// expect reads the client's reports until one has key set to want.
func expect(t *testing.T, c *peers.NodeClient, event string, key string, want any) map[string]any {
	t.Helper()
	for {
		ev := c.Next(5 * time.Second)
		if ev["event"] == event && (key == "" || ev[key] == want) {
			return ev
		}
		if ev["event"] == "close" && event != "close" {
			t.Fatalf("the client's connection closed while waiting for %s %s=%v: %v", event, key, want, ev)
		}
	}
}

func expectReport(t *testing.T, reports <-chan string, prefix string) string {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case line := <-reports:
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timeout:
			t.Fatalf("the server did not report %q within 5s", prefix)
		}
	}
}

func TestRelayMessagesBothWaysUnchanged(t *testing.T) {
	upstream, _ := peers.NodeWSReporting(t)
	ru := startRelay(t, upstream)
	c := peers.StartNodeClient(t, ru.url+"/chat?room=1", nil)
	open := expect(t, c, "open", "", nil)
	if !strings.Contains(open["extensions"].(string), "permessage-deflate") {
		t.Fatalf("deflate was not negotiated through the relay: %v", open)
	}
	opened := ru.next(t, func(ev Event) bool { return ev.Type == EventOpen })
	if opened.Conn != 1 || !strings.HasSuffix(opened.URL, "/chat?room=1") || !strings.HasPrefix(opened.Peer, "127.0.0.1:") {
		t.Fatalf("open event: conn %d url %s peer %q", opened.Conn, opened.URL, opened.Peer)
	}

	c.Send("hello")
	expect(t, c, "message", "text", "hello")
	fromClient := ru.next(t, messageOn(LegClient, "hello"))
	fromServer := ru.next(t, messageOn(LegServer, "hello"))
	if fromClient.Conn != 1 || fromServer.Conn != 1 {
		t.Fatalf("conn numbers: %d %d", fromClient.Conn, fromServer.Conn)
	}
	if !fromClient.Frames[0].Masked || fromServer.Frames[0].Masked {
		t.Fatal("the client's frames must stay masked and the server's unmasked")
	}
	if fromServer.Frames[0].RSV&0x4 == 0 {
		t.Fatal("the server's compressed frame was not relayed as it was")
	}

	// A fragmented message each way, kept in its fragments.
	c.Send("frag 3 in three parts")
	expect(t, c, "message", "text", "in three parts")
	if ev := ru.next(t, messageOn(LegClient, "in three parts")); ev.FrameCount != 3 {
		t.Fatalf("the client's message came in %d frames, want 3", ev.FrameCount)
	}
	c.Send("text frag 2 back in two")
	expect(t, c, "message", "text", "back in two")
	if ev := ru.next(t, messageOn(LegServer, "back in two")); ev.FrameCount != 2 {
		t.Fatalf("the server's message came in %d frames, want 2", ev.FrameCount)
	}

	// Pings both ways, answered by the other side through the relay.
	c.Send("ping from-client")
	expect(t, c, "pong", "text", "from-client")
	c.Send("text ping from-server")
	expect(t, c, "ping", "text", "from-server")
	ru.next(t, func(ev Event) bool {
		return ev.Opcode == OpPong && ev.Leg == LegClient && string(ev.Payload) == "from-server"
	})

	c.Send("binary 00ff10")
	expect(t, c, "message", "base64", "AP8Q")

	c.Send("close 4000 done here")
	got := expect(t, c, "close", "", nil)
	if got["code"] != 4000.0 || got["reason"] != "done here" {
		t.Fatalf("the client got close %v %q, want the server's echo 4000 \"done here\"", got["code"], got["reason"])
	}
	cl := ru.next(t, func(ev Event) bool { return ev.Type == EventClose && ev.Leg == LegClient })
	if cl.Code != 4000 || cl.Reason != "done here" || cl.Dir != In {
		t.Fatalf("close event: %+v", cl)
	}
}

func TestRelayPassesARefusalOn(t *testing.T) {
	upstream, _ := peers.NodeWSReporting(t)
	ru := startRelay(t, upstream)
	c := peers.StartNodeClient(t, ru.url+"/refuse", nil)
	got := expect(t, c, "refused", "", nil)
	if got["status"] != 401.0 || !strings.Contains(got["body"].(string), "token expired") {
		t.Fatalf("the client got %v, want the upstream's 401 with its body", got)
	}
	ev := ru.next(t, func(ev Event) bool { return ev.Type == EventError })
	if ev.Leg != LegServer || ev.Status != 401 || !strings.Contains(ev.Failure.Body, "token expired") {
		t.Fatalf("error event: leg %v status %d body %q", ev.Leg, ev.Status, ev.Failure.Body)
	}
}

// openThrough connects Node's client to the relay and waits until the
// relay has the connection open.
func openThrough(t *testing.T, ru *relayUnderTest) *peers.NodeClient {
	t.Helper()
	c := peers.StartNodeClient(t, ru.url, nil)
	expect(t, c, "open", "", nil)
	ru.next(t, func(ev Event) bool { return ev.Type == EventOpen })
	return c
}

func TestRelayInjectedCloseToTheClient(t *testing.T) {
	upstream, reports := peers.NodeWSReporting(t)
	ru := startRelay(t, upstream)
	c := openThrough(t, ru)
	if err := ru.CloseLeg(0, LegClient, 4001, "token expired"); err != nil {
		t.Fatal(err)
	}
	got := expect(t, c, "close", "", nil)
	if got["code"] != 4001.0 || got["reason"] != "token expired" {
		t.Fatalf("the client got close %v %q, want 4001 \"token expired\"", got["code"], got["reason"])
	}
	// The client's answer is relayed: the server sees it close with 4001.
	expectReport(t, reports, "CLOSE 4001 token expired")
	ev := ru.next(t, func(ev Event) bool { return ev.Type == EventClose && ev.Injected })
	if ev.Leg != LegClient || ev.Dir != Out || ev.Code != 4001 {
		t.Fatalf("injected close event: %+v", ev)
	}
	if err := ru.CloseLeg(0, LegClient, 4001, ""); err == nil {
		t.Fatal("a close to a connection that is gone must fail")
	}
}

func TestRelayInjectedCloseToTheServer(t *testing.T) {
	upstream, reports := peers.NodeWSReporting(t)
	ru := startRelay(t, upstream)
	c := openThrough(t, ru)
	if err := ru.CloseLeg(0, LegServer, 1012, "restarting"); err != nil {
		t.Fatal(err)
	}
	expectReport(t, reports, "CLOSE 1012 restarting")
	// The server's answer is relayed to the client.
	got := expect(t, c, "close", "", nil)
	if got["code"] != 1012.0 {
		t.Fatalf("the client got close %v, want the server's answer 1012", got["code"])
	}
}

func TestRelayInjectedDrop(t *testing.T) {
	upstream, reports := peers.NodeWSReporting(t)
	ru := startRelay(t, upstream)
	c := openThrough(t, ru)
	if err := ru.Drop(0, LegClient); err != nil {
		t.Fatal(err)
	}
	if got := expect(t, c, "close", "", nil); got["code"] != 1006.0 {
		t.Fatalf("the client got close %v, want 1006 after a drop", got["code"])
	}
	expectReport(t, reports, "CLOSE 1006")
	ev := ru.next(t, func(ev Event) bool { return ev.Injected })
	if ev.Type != EventClose || ev.Action != "drop" || ev.Leg != LegClient {
		t.Fatalf("injected drop event: %+v", ev)
	}
}

func TestRelayPauseDelaySwallow(t *testing.T) {
	upstream, _ := peers.NodeWSReporting(t)
	ru := startRelay(t, upstream)
	c := openThrough(t, ru)

	if err := ru.Pause(0); err != nil {
		t.Fatal(err)
	}
	c.Send("held")
	if !c.Quiet(300 * time.Millisecond) {
		t.Fatal("a message came through while paused")
	}
	ru.Resume(0)
	expect(t, c, "message", "text", "held")

	ru.SetDelay(0, 200*time.Millisecond)
	start := time.Now()
	c.Send("slow")
	expect(t, c, "message", "text", "slow")
	if took := time.Since(start); took < 400*time.Millisecond {
		t.Fatalf("a round trip took %s with 200ms on each frame", took)
	}
	ru.SetDelay(0, 0)

	ru.Swallow(0, 2)
	c.Send("one")
	c.Send("two")
	c.Send("three")
	got := expect(t, c, "message", "", nil)
	if got["text"] != "three" {
		t.Fatalf("the client got %v first, want three: one and two swallowed", got)
	}
	sw := ru.next(t, func(ev Event) bool { return ev.Type == EventMessage && ev.Injected })
	if sw.Action != "swallow" || string(sw.Payload) != "one" {
		t.Fatalf("swallowed message event: %+v", sw)
	}
	var actions []string
	for _, ev := range ru.seen {
		if ev.Type == EventInject {
			actions = append(actions, ev.Action)
		}
	}
	if want := "pause resume delay 200ms delay 0s swallow 2"; strings.Join(actions, " ") != want {
		t.Fatalf("injected actions %q, want %q", actions, want)
	}
}

// A client that breaks the protocol is reported on the client leg, in
// words about the client, and its frame is relayed as it was: the server
// is the one to refuse it.
func TestRelayReportsTheClientsViolations(t *testing.T) {
	upstream, reports := peers.NodeWSReporting(t)
	ru := startRelay(t, upstream)
	c, err := net.Dial("tcp", strings.TrimPrefix(ru.url, "ws://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
	head := make([]byte, 4096)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _ := c.Read(head)
	if !strings.Contains(string(head[:n]), "101 Switching Protocols") ||
		!strings.Contains(string(head[:n]), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") {
		t.Fatalf("the relay's answer: %q", head[:n])
	}
	c.Write([]byte{0x81, 0x02, 'h', 'i'}) // a text frame without a mask
	ev := ru.next(t, func(ev Event) bool { return ev.Type == EventWarning })
	if ev.Leg != LegClient || ev.Failure.Cause != "unmasked-client-frame" || ev.Note == nil ||
		!strings.Contains(ev.Note.Explanation.Explanation, "client") {
		t.Fatalf("violation event: leg %v failure %+v note %+v", ev.Leg, ev.Failure, ev.Note)
	}
	// ws refuses an unmasked frame with 1002.
	expectReport(t, reports, "CLOSE 1006")
	ru.next(t, func(ev Event) bool { return ev.Type == EventClose && ev.Leg == LegServer && ev.Code == 1002 })
}

// --max-message bounds what is kept of a message to show, compressed or
// not; the message itself is relayed whole, and a warning says so.
func TestRelayMaxMessageBoundsWhatIsShown(t *testing.T) {
	upstream, _ := peers.NodeWSReporting(t)
	ru := startRelayWith(t, Options{URL: upstream, MaxMessage: 1000})
	c := openThrough(t, ru)
	var big strings.Builder
	for i := 0; big.Len() < 5000; i++ {
		big.WriteString(strconv.Itoa(i * 7919 % 10007))
	}
	c.Send(big.String())
	got := expect(t, c, "message", "", nil)
	if got["text"] != big.String() {
		t.Fatalf("the echo came back %d bytes long, want %d", len(got["text"].(string)), big.Len())
	}
	for _, leg := range []Leg{LegClient, LegServer} {
		msg := ru.next(t, func(ev Event) bool { return ev.Type == EventMessage && ev.Leg == leg })
		if len(msg.Payload) > 1000 {
			t.Errorf("%s: %d bytes kept, over --max-message", leg, len(msg.Payload))
		}
		if msg.Frames[0].Length <= 1000 {
			t.Fatalf("%s: the message was not over the limit on the wire (%d bytes compressed)", leg, msg.Frames[0].Length)
		}
		w := ru.next(t, func(ev Event) bool { return ev.Type == EventWarning && ev.Leg == leg })
		if w.Failure.Cause != "message-too-big" || !strings.Contains(w.Failure.Message, "relayed whole") {
			t.Errorf("%s: warning %+v", leg, w.Failure)
		}
	}
}

// The relay dials a wss:// upstream as a Client would: through an HTTP or
// HTTPS CONNECT proxy, trusting --cacert; a proxy that refuses is a 502
// to the client and a proxy failure on the server leg.
func TestRelayTLSUpstreamThroughConnectProxy(t *testing.T) {
	upstream, ca := tlsEcho(t)
	for _, secure := range []bool{false, true} {
		var used atomic.Int32
		// An HTTPS proxy's certificate is checked against the system's
		// roots only, as curl's is without --proxy-cacert: its
		// self-signed one needs --insecure.
		ru := startRelayWith(t, Options{URL: upstream, CACertFile: ca, Insecure: secure, Proxy: connectProxy(t, secure, false, &used)})
		ws, _, err := websocket.DefaultDialer.Dial(ru.url+"/via", nil)
		if err != nil {
			t.Fatalf("secure proxy %v: %v", secure, err)
		}
		ws.WriteMessage(websocket.TextMessage, []byte("tunnelled"))
		if _, msg, err := ws.ReadMessage(); err != nil || string(msg) != "tunnelled" {
			t.Fatalf("secure proxy %v: echo %q %v", secure, msg, err)
		}
		ws.Close()
		open := ru.next(t, func(ev Event) bool { return ev.Type == EventOpen })
		if !strings.HasPrefix(open.URL, "wss://") || !strings.HasSuffix(open.URL, "/via") {
			t.Fatalf("open event url %s", open.URL)
		}
		ru.next(t, messageOn(LegServer, "tunnelled"))
		if used.Load() != 1 {
			t.Fatalf("secure proxy %v: %d tunnels opened, want 1", secure, used.Load())
		}
	}

	var used atomic.Int32
	ru := startRelayWith(t, Options{URL: upstream, CACertFile: ca, Proxy: connectProxy(t, false, true, &used)})
	_, resp, err := websocket.DefaultDialer.Dial(ru.url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("a refusing proxy must be a 502 to the client: %v %v", resp, err)
	}
	failed := ru.next(t, func(ev Event) bool { return ev.Type == EventError })
	if failed.Leg != LegServer || failed.Failure.Kind != decode.KindProxy || failed.Failure.Status != 407 {
		t.Fatalf("refusing proxy: leg %v %+v", failed.Leg, failed.Failure)
	}
}
