package conn

import (
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/conn/internal/wirepeer"
	"github.com/wsdbg/wsdbg/decode"
)

// refusedURL is a ws:// URL on a port nothing listens on.
func refusedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "ws://" + addr + "/"
}

// expectQuiet fails when an event of one of the types arrives within d.
func expectQuiet(t *testing.T, c *Client, d time.Duration, types ...EventType) {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				return
			}
			for _, ty := range types {
				if ev.Type == ty {
					t.Fatalf("unexpected %v event: %+v", ev.Type, ev)
				}
			}
		case <-deadline:
			return
		}
	}
}

func TestFinalMarksTheEventThatEndsTheClient(t *testing.T) {
	t.Run("server close, answered", func(t *testing.T) {
		u := echoServer(t, func(ws *websocket.Conn) {
			ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, "done"))
			ws.ReadMessage()
		})
		c := Dial(context.Background(), Options{URL: u})
		defer c.Shutdown()
		in, out := next(t, c, EventClose), next(t, c, EventClose)
		if in.Dir != In || in.Final || out.Dir != Out || !out.Final {
			t.Fatalf("in close final=%v, echo final=%v; want only the echo final", in.Final, out.Final)
		}
	})
	t.Run("server close, reconnect follows", func(t *testing.T) {
		u := echoServer(t, func(ws *websocket.Conn) {
			ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1001, "restarting"))
			ws.ReadMessage()
		})
		c := Dial(context.Background(), Options{URL: u, Reconnect: true})
		defer c.Shutdown()
		next(t, c, EventClose)
		if out := next(t, c, EventClose); out.Final {
			t.Fatalf("echo of a 1001 is final although a reconnect follows: %+v", out)
		}
		next(t, c, EventReconnect)
	})
	t.Run("user close", func(t *testing.T) {
		c := Dial(context.Background(), Options{URL: echoServer(t, nil), Reconnect: true})
		defer c.Shutdown()
		next(t, c, EventOpen)
		c.Close(1000, "bye")
		if out := next(t, c, EventClose); out.Dir != Out || out.Final {
			t.Fatalf("our close = %+v, want not final", out)
		}
		if in := next(t, c, EventClose); in.Dir != In || !in.Final {
			t.Fatalf("the answer = %+v, want final", in)
		}
	})
	t.Run("refused", func(t *testing.T) {
		for _, reconnect := range []bool{false, true} {
			ev, _ := failureFor(t, refusedURL(t), Options{Reconnect: reconnect})
			if ev.Final == reconnect {
				t.Errorf("reconnect %v: refused dial has final=%v", reconnect, ev.Final)
			}
		}
	})
	t.Run("dropped", func(t *testing.T) {
		url := wirepeer.Start(t, func(p *wirepeer.Peer) { p.Close() })
		ev, _ := failureFor(t, url, Options{})
		if ev.Type != EventError || !ev.Final {
			t.Fatalf("drop without reconnect: %v final=%v", ev.Type, ev.Final)
		}
	})
}

func TestReconnectRequestsDuringBackoffDialOnce(t *testing.T) {
	var conns atomic.Int32
	// The second upgrade is held until both requests are in, so the test
	// does not depend on how fast the redial runs.
	release := make(chan struct{})
	url := wirepeer.StartWith(t, wirepeer.Options{ManualHandshake: true}, func(p *wirepeer.Peer) {
		if conns.Add(1) == 1 {
			p.Accept(nil)
			p.Close()
			return
		}
		<-release
		p.Accept(nil)
		for {
			if _, err := p.ReadFrame(); err != nil {
				return
			}
		}
	})
	c := Dial(context.Background(), Options{URL: url, Reconnect: true})
	defer c.Shutdown()
	next(t, c, EventReconnect)
	c.Reconnect()
	c.Reconnect()
	close(release)
	next(t, c, EventOpen)
	expectQuiet(t, c, 300*time.Millisecond, EventClose, EventOpen)
	if n := conns.Load(); n != 2 {
		t.Fatalf("the server saw %d connections, want 2", n)
	}
}

func TestCloseDuringBackoffEndsTheClient(t *testing.T) {
	var conns atomic.Int32
	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
		conns.Add(1)
		p.Close()
	})
	c := Dial(context.Background(), Options{URL: url, Reconnect: true})
	defer c.Shutdown()
	next(t, c, EventReconnect)
	c.Close(4000, "stop")
	ev := next(t, c, EventClose)
	if ev.Dir != Out || ev.Code != 4000 || ev.Reason != "stop" || !ev.Final || len(ev.Frames) != 0 {
		t.Fatalf("close = %+v, want a final local close with no frame", ev)
	}
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("the client kept going after Close")
	}
	if n := conns.Load(); n != 1 {
		t.Fatalf("the server saw %d connections, want 1", n)
	}
}

func TestReconnectForgetsACloseNotSent(t *testing.T) {
	var conns atomic.Int32
	firstFrame := make(chan wirepeer.Frame, 1)
	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
		if conns.Add(1) == 1 {
			p.Close()
			return
		}
		if f, err := p.ReadFrame(); err == nil {
			firstFrame <- f
		}
		p.ReadFrame()
	})
	c := Dial(context.Background(), Options{URL: url, Reconnect: true, RedialOnRequest: true})
	defer c.Shutdown()
	next(t, c, EventReconnect)
	c.Close(1000, "")
	next(t, c, EventClose)
	c.Reconnect()
	next(t, c, EventOpen)
	c.Send(OpText, []byte("still here"))
	select {
	case f := <-firstFrame:
		if f.Opcode != wirepeer.OpText || string(f.Payload) != "still here" {
			t.Fatalf("first frame on the new connection: opcode %d %q, want the text", f.Opcode, f.Payload)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no frame reached the server")
	}
}

// hangingListener accepts connections and reads from them without ever
// answering; accepted receives a value as each one arrives.
func hangingListener(t *testing.T) (addr string, accepted <-chan struct{}) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	ch := make(chan struct{}, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			ch <- struct{}{}
			go io.Copy(io.Discard, c)
		}
	}()
	return ln.Addr().String(), ch
}

func TestShutdownDuringDialIsPrompt(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T) (Options, <-chan struct{})
	}{
		{"upgrade never answered", func(t *testing.T) (Options, <-chan struct{}) {
			reached := make(chan struct{}, 1)
			url := wirepeer.StartWith(t, wirepeer.Options{ManualHandshake: true}, func(p *wirepeer.Peer) {
				reached <- struct{}{}
				p.ReadFrame()
			})
			return Options{URL: url}, reached
		}},
		{"TLS handshake never answered", func(t *testing.T) (Options, <-chan struct{}) {
			addr, accepted := hangingListener(t)
			return Options{URL: "wss://" + addr + "/"}, accepted
		}},
		{"proxy CONNECT never answered", func(t *testing.T) (Options, <-chan struct{}) {
			addr, accepted := hangingListener(t)
			return Options{URL: "ws://example.invalid/", Proxy: "http://" + addr}, accepted
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts, reached := tc.setup(t)
			opts.ConnectTimeout = time.Minute
			c := Dial(context.Background(), opts)
			select {
			case <-reached:
			case <-time.After(5 * time.Second):
				t.Fatal("the dial never reached the peer")
			}
			time.Sleep(50 * time.Millisecond) // let the dial settle into its wait
			returned := make(chan struct{})
			go func() { c.Shutdown(); close(returned) }()
			select {
			case <-returned:
			case <-time.After(2 * time.Second):
				t.Fatal("Shutdown waited for the connect timeout")
			}
		})
	}
}

func TestRepliesAreNotHeldUpByAStuckWrite(t *testing.T) {
	const replies = 300
	release := make(chan struct{})
	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
		// Wait for the big message to start, answer while it is still
		// being written, and never read the rest, so the write stays stuck.
		if _, err := p.ReadRaw(2); err != nil {
			return
		}
		for i := range replies {
			p.WriteText("reply " + strings.Repeat("x", i%7))
		}
		<-release
	})
	t.Cleanup(func() { close(release) })
	c := Dial(context.Background(), Options{URL: url})
	defer c.Shutdown()
	next(t, c, EventOpen)
	c.Send(OpBinary, make([]byte, 32<<20))
	deadline := time.After(3 * time.Second)
	for got := 0; got < replies; {
		select {
		case ev := <-c.Events():
			if ev.Type == EventMessage && ev.Dir == In {
				got++
			}
			if ev.Type == EventError {
				t.Fatalf("error after %d replies: %+v", got, ev.Failure)
			}
		case <-deadline:
			t.Fatalf("only %d of %d replies in 3s while a write was stuck", got, replies)
		}
	}
}

func TestSlowMessageIsNotAPongTimeout(t *testing.T) {
	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
		clientGone := make(chan struct{})
		go func() { // take the pings in, never answer them
			defer close(clientGone)
			for {
				if _, err := p.ReadFrame(); err != nil {
					return
				}
			}
		}()
		defer func() { <-clientGone }()
		parts := []string{"one ", "two ", "three ", "four ", "five"}
		for i, part := range parts {
			op := wirepeer.OpContinuation
			if i == 0 {
				op = wirepeer.OpText
			}
			if p.WriteFrame(wirepeer.FrameSpec{FIN: i == len(parts)-1, Opcode: op, Payload: []byte(part)}) != nil {
				return
			}
			time.Sleep(150 * time.Millisecond)
		}
	})
	// Pings every 100ms give a 300ms window; the message takes 750ms.
	c := Dial(context.Background(), Options{URL: url, PingInterval: 100 * time.Millisecond})
	defer c.Shutdown()
	for {
		ev := next(t, c, EventMessage, EventError)
		if ev.Type == EventError {
			t.Fatalf("failed before the slow message was in: %s (%s)", ev.Failure.Cause, ev.Failure.Message)
		}
		if ev.Dir == In && ev.Opcode == OpText {
			if string(ev.Payload) != "one two three four five" {
				t.Fatalf("message = %q", ev.Payload)
			}
			break
		}
	}
	// Silence after it: now the missing pongs count.
	if ev := next(t, c, EventError); ev.Failure.Cause != decode.CausePongTimeout {
		t.Fatalf("after the silence: %+v", ev.Failure)
	}
}

func TestPingLogForgetsUnansweredPings(t *testing.T) {
	var l pingLog
	start := time.Now()
	for i := range 1000 {
		l.sent(l.newPayload(), start.Add(time.Duration(i)*time.Second), 3*time.Second)
	}
	if n := len(l.when); n > 4 {
		t.Fatalf("%d pings remembered after 1000 unanswered ones, want at most 4", n)
	}
	p := l.newPayload()
	l.sent(p, start.Add(time.Hour), time.Second)
	if at, ok := l.answered(p); !ok || !at.Equal(start.Add(time.Hour)) {
		t.Fatalf("answered(%q) = %v, %v", p, at, ok)
	}
	if _, ok := l.answered(p); ok {
		t.Fatal("a pong was matched twice")
	}
}

func TestManualPingReportsItsRoundTrip(t *testing.T) {
	c := Dial(context.Background(), Options{URL: echoServer(t, nil)})
	defer c.Shutdown()
	next(t, c, EventOpen)
	c.Ping([]byte("are you there"))
	for {
		ev := next(t, c, EventMessage)
		if ev.Dir == In && ev.Opcode == OpPong {
			if string(ev.Payload) != "are you there" || ev.RTT <= 0 {
				t.Fatalf("pong %q with rtt %v", ev.Payload, ev.RTT)
			}
			return
		}
	}
}

func TestShutdownWhileEverythingIsBusy(t *testing.T) {
	u := echoServer(t, func(ws *websocket.Conn) {
		go func() { // take in what the client sends
			for {
				if _, _, err := ws.ReadMessage(); err != nil {
					return
				}
			}
		}()
		for i := 0; ; i++ {
			if ws.WriteMessage(websocket.TextMessage, []byte(strconv.Itoa(i))) != nil {
				return
			}
		}
	})
	for range 20 {
		c := Dial(context.Background(), Options{URL: u, Reconnect: true, RedialOnRequest: true, PingInterval: time.Millisecond})
		next(t, c, EventOpen)
		var wg sync.WaitGroup
		for _, poke := range []func(){
			func() { c.Send(OpText, []byte("x")) },
			func() { c.Reconnect() },
			func() { c.Close(1000, "") },
			func() { c.Ping(nil) },
		} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 50 {
					poke()
				}
			}()
		}
		c.Shutdown()
		wg.Wait()
		select {
		case <-c.done:
		default:
			t.Fatal("Shutdown returned before the client was done")
		}
		if _, ok := <-c.Events(); ok {
			t.Fatal("an event came after Shutdown returned")
		}
	}
}

func TestUnansweredCloseEndsAfterCloseWait(t *testing.T) {
	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
		for { // reads our close frame and says nothing
			if _, err := p.ReadFrame(); err != nil {
				return
			}
		}
	})
	c := Dial(context.Background(), Options{URL: url})
	defer c.Shutdown()
	next(t, c, EventOpen)
	c.Close(1000, "bye")
	sent := next(t, c, EventClose)
	ev := next(t, c, EventError, EventClose)
	waited := ev.Time.Sub(sent.Time)
	if ev.Type != EventError || !ev.Final || !strings.Contains(ev.Failure.Message, "did not answer the close frame") {
		t.Fatalf("got %v final=%v %+v", ev.Type, ev.Final, ev.Failure)
	}
	if waited < closeWait-100*time.Millisecond || waited > closeWait+time.Second {
		t.Fatalf("gave up after %v, want about %v", waited, closeWait)
	}
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
		t.Fatal("the client did not finish")
	}
}
