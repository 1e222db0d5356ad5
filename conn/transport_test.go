package conn

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/conn/internal/wirepeer"
	"github.com/wsdbg/wsdbg/decode"
)

func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ev, _ := failureFor(t, "ws://"+addr+"/", Options{})
	if ev.Failure.Kind != decode.KindRefused || ev.Failure.Cause != decode.CauseConnRefused {
		t.Fatalf("got %+v", ev.Failure)
	}
}

func TestDNSFailure(t *testing.T) {
	ev, _ := failureFor(t, "ws://no-such-host.invalid/", Options{})
	if ev.Failure.Kind != decode.KindDNS {
		t.Fatalf("got %+v", ev.Failure)
	}
}

func TestHandshakeTimeout(t *testing.T) {
	url := wirepeer.StartWith(t, wirepeer.Options{ManualHandshake: true}, func(p *wirepeer.Peer) {
		p.ReadFrame() // never answers the upgrade
	})
	ev, _ := failureFor(t, url, Options{ConnectTimeout: 300 * time.Millisecond})
	if ev.Failure.Kind != decode.KindTimeout || ev.Failure.Cause != decode.CauseHandshakeTimeout {
		t.Fatalf("got %+v", ev.Failure)
	}
}

func TestEOFWithoutCloseFrame(t *testing.T) {
	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
		p.WriteText("bye")
		p.Close()
	})
	ev, _ := failureFor(t, url, Options{})
	if ev.Type != EventError || ev.Failure.Cause != decode.CauseEOFWithoutClose || ev.Failure.Code != 1006 {
		t.Fatalf("got %v %+v", ev.Type, ev.Failure)
	}
}

func TestConnectionReset(t *testing.T) {
	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
		p.WriteText("bye")
		p.Reset()
	})
	ev, _ := failureFor(t, url, Options{})
	if ev.Type != EventError || ev.Failure.Code != 1006 ||
		(ev.Failure.Cause != decode.CauseConnReset && ev.Failure.Cause != decode.CauseEOFWithoutClose) {
		t.Fatalf("got %v %+v", ev.Type, ev.Failure)
	}
}

func TestMessageTooBig(t *testing.T) {
	u := echoServer(t, func(ws *websocket.Conn) {
		ws.WriteMessage(websocket.BinaryMessage, make([]byte, 4096))
		ws.ReadMessage()
	})
	ev, _ := failureFor(t, u, Options{MaxMessage: 1024})
	if ev.Failure.Kind != decode.KindLimit || ev.Failure.Code != 1009 || ev.Failure.Limit != 1024 {
		t.Fatalf("got %+v", ev.Failure)
	}
}

func TestServerCloseIsReportedAndAnswered(t *testing.T) {
	answered := make(chan int, 1)
	u := echoServer(t, func(ws *websocket.Conn) {
		ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4401, "token expired"))
		_, _, err := ws.ReadMessage()
		if ce, ok := err.(*websocket.CloseError); ok {
			answered <- ce.Code
		}
	})
	c := Dial(context.Background(), Options{URL: u})
	defer c.Shutdown()
	in := next(t, c, EventClose)
	if in.Dir != In || in.Code != 4401 || in.Reason != "token expired" || !in.HasCode {
		t.Fatalf("in close = %+v", in)
	}
	out := next(t, c, EventClose)
	if out.Dir != Out || out.Code != 4401 {
		t.Fatalf("out close = %+v", out)
	}
	if code := <-answered; code != 4401 {
		t.Fatalf("server saw close %d", code)
	}
	for ev := range c.Events() {
		if ev.Type == EventError {
			t.Fatalf("unexpected error after a clean close: %+v", ev.Failure)
		}
	}
}

func TestUserCloseHandshake(t *testing.T) {
	u := echoServer(t, nil)
	c := Dial(context.Background(), Options{URL: u})
	defer c.Shutdown()
	next(t, c, EventOpen)
	c.Close(1000, "done")
	out := next(t, c, EventClose)
	in := next(t, c, EventClose)
	if out.Dir != Out || out.Code != 1000 || out.Reason != "done" || in.Dir != In || in.Code != 1000 {
		t.Fatalf("out %+v in %+v", out, in)
	}
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("client did not finish after the closing handshake")
	}
}

func TestFragmentsAndInterleavedPing(t *testing.T) {
	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
		p.WriteFrame(wirepeer.FrameSpec{Opcode: 0x1, Payload: []byte("hel")})
		p.WriteFrame(wirepeer.FrameSpec{FIN: true, Opcode: 0x9, Payload: []byte("p")})
		p.WriteFrame(wirepeer.FrameSpec{Opcode: 0x0, Payload: []byte("lo ")})
		p.WriteFrame(wirepeer.FrameSpec{FIN: true, Opcode: 0x0, Payload: []byte("world")})
		p.ReadFrame()
		p.ReadFrame()
	})
	c := Dial(context.Background(), Options{URL: url})
	defer c.Shutdown()
	ping := next(t, c, EventMessage)
	if ping.Opcode != OpPing || string(ping.Payload) != "p" {
		t.Fatalf("ping = %+v", ping)
	}
	pong := next(t, c, EventMessage)
	if pong.Opcode != OpPong || pong.Dir != Out || len(pong.Frames) != 1 || !pong.Frames[0].Masked {
		t.Fatalf("pong = %+v", pong)
	}
	msg := next(t, c, EventMessage)
	if string(msg.Payload) != "hello world" || len(msg.Frames) != 3 {
		t.Fatalf("message = %q frames %d", msg.Payload, len(msg.Frames))
	}
	if msg.Frames[0].Opcode != OpText || msg.Frames[0].FIN || msg.Frames[2].Opcode != OpContinuation || !msg.Frames[2].FIN {
		t.Fatalf("frames = %+v", msg.Frames)
	}
}

func TestPingRoundTrip(t *testing.T) {
	u := echoServer(t, nil)
	c := Dial(context.Background(), Options{URL: u, PingInterval: 50 * time.Millisecond})
	defer c.Shutdown()
	for {
		ev := next(t, c, EventMessage)
		if ev.Opcode == OpPong && ev.Dir == In {
			if ev.RTT <= 0 || ev.RTT > time.Second {
				t.Fatalf("rtt = %v", ev.RTT)
			}
			return
		}
	}
}

func TestCompressionNegotiated(t *testing.T) {
	u := echoServer(t, nil)
	c := Dial(context.Background(), Options{URL: u, Compress: true})
	defer c.Shutdown()
	open := next(t, c, EventOpen)
	if len(open.Extensions) == 0 || !strings.Contains(open.Extensions[0], "permessage-deflate") {
		t.Fatalf("extensions = %v", open.Extensions)
	}
	msg := strings.Repeat("compress me ", 50)
	c.Send(OpText, []byte(msg))
	next(t, c, EventMessage) // out
	in := next(t, c, EventMessage)
	if string(in.Payload) != msg || in.Frames[0].RSV&0x4 == 0 || in.Frames[0].Length >= int64(len(msg)) {
		t.Fatalf("in = %d bytes, frame %+v", len(in.Payload), in.Frames[0])
	}
}

func TestReconnectAfterDrop(t *testing.T) {
	var n atomic.Int32
	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
		if n.Add(1) == 1 {
			p.Close() // no close frame: 1006, retryable
			return
		}
		p.WriteText("second")
		p.ReadFrame()
	})
	c := Dial(context.Background(), Options{URL: url, Reconnect: true})
	defer c.Shutdown()
	next(t, c, EventOpen)
	rc := next(t, c, EventReconnect)
	if rc.Attempt != 1 || rc.Delay <= 0 || rc.Delay > defaultTiming.backoffCap {
		t.Fatalf("reconnect = %+v", rc)
	}
	next(t, c, EventOpen)
	if msg := next(t, c, EventMessage); string(msg.Payload) != "second" {
		t.Fatalf("message = %q", msg.Payload)
	}
}

func TestFollowRedirects(t *testing.T) {
	target := echoServer(t, nil)
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http"+strings.TrimPrefix(target, "ws"), http.StatusMovedPermanently)
	}))
	defer redirector.Close()
	u := "ws" + strings.TrimPrefix(redirector.URL, "http")
	c := Dial(context.Background(), Options{URL: u, FollowRedirects: true})
	defer c.Shutdown()
	open := next(t, c, EventOpen)
	if len(open.Hops) != 1 || !strings.Contains(open.Hops[0], "301") {
		t.Fatalf("hops = %v", open.Hops)
	}
	ev, _ := failureFor(t, u, Options{})
	if ev.Failure.Cause != decode.CauseRedirect || !strings.HasPrefix(ev.Failure.Location, "http://") {
		t.Fatalf("without -L: %+v", ev.Failure)
	}
}

// tlsEcho starts a TLS echo server and writes its certificate to a file.
func tlsEcho(t *testing.T) (url, certFile string) {
	up := websocket.Upgrader{}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			op, data, err := ws.ReadMessage()
			if err != nil || ws.WriteMessage(op, data) != nil {
				return
			}
		}
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // failed handshakes are the point
	srv.StartTLS()
	t.Cleanup(srv.Close)
	certFile = filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(certFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return "wss" + strings.TrimPrefix(srv.URL, "https"), certFile
}

func TestTLS(t *testing.T) {
	url, ca := tlsEcho(t)
	ev, _ := failureFor(t, url, Options{})
	if ev.Failure.Kind != decode.KindTLS || ev.Failure.Cause != decode.CauseTLSUnknownAuthority || ev.Failure.CertSubject == "" {
		t.Fatalf("untrusted: %+v", ev.Failure)
	}
	for _, o := range []Options{{Insecure: true}, {CACertFile: ca}} {
		o.URL = url
		c := Dial(context.Background(), o)
		next(t, c, EventOpen)
		c.Send(OpText, []byte("over tls"))
		next(t, c, EventMessage)
		if in := next(t, c, EventMessage); string(in.Payload) != "over tls" || in.Frames[0].Length != 8 {
			t.Fatalf("tls echo: %+v", in)
		}
		c.Shutdown()
	}
	mismatch := strings.Replace(url, "127.0.0.1", "localhost", 1)
	ev, _ = failureFor(t, mismatch, Options{CACertFile: ca})
	if ev.Failure.Cause != decode.CauseTLSNameMismatch || len(ev.Failure.CertDNSNames) == 0 {
		t.Fatalf("name mismatch: %+v", ev.Failure)
	}
}

func TestPongTimeout(t *testing.T) {
	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
		for { // reads pings, never answers
			if _, err := p.ReadFrame(); err != nil {
				return
			}
		}
	})
	ev, _ := failureFor(t, url, Options{PingInterval: 50 * time.Millisecond})
	f := ev.Failure
	if ev.Type != EventError || f.Kind != decode.KindTimeout || f.Cause != decode.CausePongTimeout || f.Code != 1006 || !f.PingsOn || f.IdleSeconds <= 0 {
		t.Fatalf("got %v %+v", ev.Type, f)
	}
}

func TestRedirectToANonWebSocketURLIsNotCalledALoop(t *testing.T) {
	url := wirepeer.StartWith(t, wirepeer.Options{ManualHandshake: true}, func(p *wirepeer.Peer) {
		p.WriteStatus(302, http.Header{"Location": {"ftp://files.example.com/"}}, "")
	})
	ev, _ := failureFor(t, url, Options{FollowRedirects: true})
	f := ev.Failure
	if f.Cause != decode.CauseRedirect || f.Location != "ftp://files.example.com/" || !strings.Contains(f.Message, "ftp") {
		t.Fatalf("got %s (%s)", f.Cause, f.Message)
	}
}
