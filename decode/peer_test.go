package decode

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// dialTestServer starts a gorilla server running handle on each connection
// and dials it with the given subprotocols.
func dialTestServer(t *testing.T, subprotocols []string, handle func(*websocket.Conn)) (*websocket.Conn, string) {
	t.Helper()
	upgrader := websocket.Upgrader{Subprotocols: subprotocols}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		handle(c)
	}))
	t.Cleanup(srv.Close)
	dialer := websocket.Dialer{Subprotocols: subprotocols, HandshakeTimeout: 5 * time.Second}
	c, _, err := dialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	u, _ := url.Parse(srv.URL)
	return c, u.Host
}

// A GraphQL server that rejects a bad message the way graphql-ws does: an
// error reply, then close 4400. Both are explained with the negotiated
// subprotocol's dialect.
func TestGraphQLServerRejection(t *testing.T) {
	c, host := dialTestServer(t, []string{"graphql-transport-ws"}, func(c *websocket.Conn) {
		if _, _, err := c.ReadMessage(); err != nil {
			return
		}
		c.WriteMessage(websocket.TextMessage, []byte(`{"id":"1","type":"error","payload":[{"message":"Unknown type \"subscribe2\"","extensions":{"code":"BAD_REQUEST"}}]}`))
		c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4400, "Invalid message received"), time.Now().Add(time.Second))
		c.ReadMessage() // wait for the client's close
	})
	if c.Subprotocol() != "graphql-transport-ws" {
		t.Fatalf("negotiated %q", c.Subprotocol())
	}
	if err := c.WriteMessage(websocket.TextMessage, []byte(`{"id":"1","type":"subscribe2"}`)); err != nil {
		t.Fatal(err)
	}
	_, payload, err := c.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	env, ok := DetectEnvelope(payload, EnvelopeContext{Subprotocol: c.Subprotocol(), Host: host})
	if !ok || env.Format != EnvelopeGraphQLWS || env.CodeText() != "BAD_REQUEST" || env.Message != `Unknown type "subscribe2"` {
		t.Fatalf("envelope: %+v %v", env, ok)
	}
	_, _, err = c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("expected a close, got %v", err)
	}
	e := ExplainClose(ce.Code, ce.Text, CloseContext{Subprotocol: c.Subprotocol(), Host: host, Remote: true})
	if e.Code != 4400 || e.Name != "Bad Request" || e.Dialect != "graphql-transport-ws" || e.Reconnect {
		t.Fatalf("close explained as %+v", e)
	}
}

// A server that vanishes without a close frame gives gorilla's 1006.
func TestAbruptServerExitIsAbnormalClosure(t *testing.T) {
	c, host := dialTestServer(t, nil, func(c *websocket.Conn) {
		c.UnderlyingConn().Close()
	})
	_, _, err := c.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseAbnormalClosure {
		t.Fatalf("expected 1006, got %v", err)
	}
	e := ExplainClose(ce.Code, "", CloseContext{Host: host, IdleSeconds: 0.01})
	if e.Name != "Abnormal Closure" || !e.Reconnect || !strings.Contains(e.Explanation, "Traffic was flowing") {
		t.Fatalf("1006 explained as %+v", e)
	}
}
