package peers

import (
	"bytes"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

func dial(t *testing.T) *websocket.Conn {
	t.Helper()
	d := websocket.Dialer{EnableCompression: true, HandshakeTimeout: 5 * time.Second}
	c, resp, err := d.Dial(NodeWS(t), nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if got := resp.Header.Get("Sec-WebSocket-Extensions"); got == "" {
		t.Fatalf("node peer did not negotiate permessage-deflate")
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	return c
}

func TestEchoRoundTripCompressed(t *testing.T) {
	c := dial(t)
	for _, m := range []struct {
		kind int
		data []byte
	}{
		{websocket.TextMessage, []byte("hello from gorilla")},
		{websocket.BinaryMessage, []byte{0, 1, 2, 0xff, 0xfe}},
		{websocket.TextMessage, bytes.Repeat([]byte("compressible "), 10000)},
	} {
		if err := c.WriteMessage(m.kind, m.data); err != nil {
			t.Fatalf("write: %v", err)
		}
		kind, got, err := c.ReadMessage()
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if kind != m.kind || !bytes.Equal(got, m.data) {
			t.Fatalf("echo = (%d, %d bytes), want (%d, %d bytes)", kind, len(got), m.kind, len(m.data))
		}
	}
}

func TestFragmentsReassemble(t *testing.T) {
	c := dial(t)
	if err := c.WriteMessage(websocket.TextMessage, []byte("frag 3 abcdefghi")); err != nil {
		t.Fatal(err)
	}
	_, got, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "abcdefghi" {
		t.Fatalf("got %q, want abcdefghi", got)
	}
}

func TestCloseWithCode(t *testing.T) {
	c := dial(t)
	if err := c.WriteMessage(websocket.TextMessage, []byte("close 4001 room gone")); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.ReadMessage()
	if !websocket.IsCloseError(err, 4001) || err.(*websocket.CloseError).Text != "room gone" {
		t.Fatalf("err = %v, want close 4001 \"room gone\"", err)
	}
}

func TestServerPing(t *testing.T) {
	c := dial(t)
	pinged := make(chan string, 1)
	c.SetPingHandler(func(data string) error {
		pinged <- data
		return nil
	})
	if err := c.WriteMessage(websocket.TextMessage, []byte("ping are-you-there")); err != nil {
		t.Fatal(err)
	}
	// Reading drives the ping handler; the echo that follows ends the read.
	if err := c.WriteMessage(websocket.TextMessage, []byte("after")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.ReadMessage(); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-pinged:
		if got != "are-you-there" {
			t.Fatalf("ping payload %q", got)
		}
	default:
		t.Fatal("no ping arrived before the echo")
	}
}

func TestReportsTheCloseItGot(t *testing.T) {
	url, reports := NodeWSReporting(t)
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4001, "bye\nnow"), time.Now().Add(time.Second))
	// ws reports once the connection is gone: take its answer, then hang up.
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	c.ReadMessage()
	c.Close()
	select {
	case line := <-reports:
		if line != "CLOSE 4001 bye now" {
			t.Fatalf("report %q", line)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no report of the close")
	}
}
