package conn

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn/internal/peers"
)

// Interoperability with the ws library, the most deployed Node server.

func TestNodeEchoWithDeflate(t *testing.T) {
	u := peers.NodeWS(t)
	c := Dial(context.Background(), Options{URL: u, Compress: true})
	defer c.Shutdown()
	open := next(t, c, EventOpen)
	if len(open.Extensions) == 0 || !strings.Contains(open.Extensions[0], "permessage-deflate") {
		t.Fatalf("no deflate: %v", open.Extensions)
	}
	text := strings.Repeat("interop ", 1000)
	bin := bytes.Repeat([]byte{0, 1, 2, 3, 0xff}, 30000)
	c.Send(OpText, []byte(text))
	c.Send(OpBinary, bin)
	var got [][]byte
	for len(got) < 2 {
		ev := next(t, c, EventMessage)
		if ev.Dir != In {
			if ev.Frames[0].RSV&0x4 == 0 {
				t.Fatalf("outgoing message not compressed: %+v", ev.Frames[0])
			}
			continue
		}
		if ev.Frames[0].RSV&0x4 == 0 {
			t.Fatalf("incoming message not compressed: %+v", ev.Frames[0])
		}
		got = append(got, ev.Payload)
	}
	if string(got[0]) != text || !bytes.Equal(got[1], bin) {
		t.Fatalf("echo mismatch: %d and %d bytes", len(got[0]), len(got[1]))
	}
}

func TestNodeFragments(t *testing.T) {
	u := peers.NodeWS(t)
	c := Dial(context.Background(), Options{URL: u})
	defer c.Shutdown()
	next(t, c, EventOpen)
	c.Send(OpText, []byte("frag 4 one two three four"))
	next(t, c, EventMessage) // our command
	in := next(t, c, EventMessage)
	if string(in.Payload) != "one two three four" || len(in.Frames) != 4 {
		t.Fatalf("got %q in %d frames", in.Payload, len(in.Frames))
	}
	for i, f := range in.Frames {
		wantOp, wantFIN := OpContinuation, i == 3
		if i == 0 {
			wantOp = OpText
		}
		if f.Opcode != wantOp || f.FIN != wantFIN {
			t.Fatalf("frame %d = %+v", i, f)
		}
	}
}

func TestNodePingPong(t *testing.T) {
	u := peers.NodeWS(t)
	c := Dial(context.Background(), Options{URL: u})
	defer c.Shutdown()
	next(t, c, EventOpen)
	c.Ping([]byte("are you there"))
	c.Send(OpText, []byte("ping from-node"))
	var sawPong, sawPing, answered bool
	for !(sawPong && sawPing && answered) {
		ev := next(t, c, EventMessage)
		switch {
		case ev.Dir == In && ev.Opcode == OpPong && string(ev.Payload) == "are you there":
			sawPong = true
		case ev.Dir == In && ev.Opcode == OpPing && string(ev.Payload) == "from-node":
			sawPing = true
		case ev.Dir == Out && ev.Opcode == OpPong && string(ev.Payload) == "from-node":
			answered = true
		}
	}
}

func TestNodeCloseCodes(t *testing.T) {
	u := peers.NodeWS(t)
	for _, code := range []int{1000, 1001, 1008, 1011, 3000, 4001, 4999} {
		c := Dial(context.Background(), Options{URL: u})
		next(t, c, EventOpen)
		c.Send(OpText, []byte("close "+strconv.Itoa(code)+" because"))
		in := next(t, c, EventClose)
		if in.Dir != In || in.Code != code || in.Reason != "because" {
			t.Fatalf("close %d: got %+v", code, in)
		}
		if out := next(t, c, EventClose); out.Dir != Out || out.Code != code {
			t.Fatalf("close %d: echo %+v", code, out)
		}
		c.Shutdown()
	}
}

func TestNodeGetsOurCloseWhileMessagesAreQueued(t *testing.T) {
	u, reports := peers.NodeWSReporting(t)
	c := Dial(context.Background(), Options{URL: u})
	defer c.Shutdown()
	next(t, c, EventOpen)
	payload := bytes.Repeat([]byte("queued "), 10000)
	for range 100 {
		if err := c.Send(OpBinary, payload); err != nil {
			t.Fatal(err)
		}
	}
	closes := make(chan Event, 2)
	go func() {
		for ev := range c.Events() {
			if ev.Type == EventClose {
				closes <- ev
			}
		}
	}()
	if err := c.closeAndWait(1001, "going away", 3*time.Second); err != nil {
		t.Fatalf("closeAndWait: %v", err)
	}
	select {
	case line := <-reports:
		if line != "CLOSE 1001 going away" {
			t.Fatalf("the server reports %q", line)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server reported no close")
	}
	if out := <-closes; out.Dir != Out || out.Code != 1001 || len(out.Frames) != 1 {
		t.Fatalf("our close = %+v", out)
	}
	if in := <-closes; in.Dir != In || in.Code != 1001 || !in.Final {
		t.Fatalf("the answer = %+v", in)
	}
}
