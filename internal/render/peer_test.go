package render

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/vmihailenco/msgpack/v5"
)

// dialTestServer starts a gorilla server running handle on each connection
// and dials it.
func dialTestServer(t *testing.T, handle func(*websocket.Conn)) *websocket.Conn {
	t.Helper()
	var upgrader websocket.Upgrader
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		handle(c)
	}))
	t.Cleanup(srv.Close)
	dialer := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
	c, _, err := dialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	return c
}

// A binary MessagePack message from a real peer is guessed and rendered.
func TestBinaryMessageFromPeerIsDecoded(t *testing.T) {
	payload, err := msgpack.Marshal(map[string]any{"op": "tick", "px": 101.5})
	if err != nil {
		t.Fatal(err)
	}
	c := dialTestServer(t, func(c *websocket.Conn) {
		c.WriteMessage(websocket.BinaryMessage, payload)
		c.ReadMessage()
	})
	typ, got, err := c.ReadMessage()
	if err != nil || typ != websocket.BinaryMessage {
		t.Fatalf("read: %v %v", typ, err)
	}
	f := Guess(false, got)
	if f != FormatMsgPack {
		t.Fatalf("guessed %s", f)
	}
	lines, err := Payload(got, f)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(lineTexts(lines), "\n")
	if !strings.Contains(text, `"op": "tick"`) || !strings.Contains(text, `"px": 101.5`) {
		t.Fatalf("rendered:\n%s", text)
	}
}
