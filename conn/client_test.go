package conn

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// echoServer starts an in-process gorilla echo server and returns its ws:// URL.
func echoServer(t testing.TB, handle func(*websocket.Conn)) string {
	t.Helper()
	up := websocket.Upgrader{EnableCompression: true, Subprotocols: []string{"chat"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		if handle != nil {
			handle(ws)
			return
		}
		for {
			op, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if err := ws.WriteMessage(op, data); err != nil {
				return
			}
		}
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// next returns the next event of one of the wanted types, failing after a timeout.
func next(t testing.TB, c *Client, types ...EventType) Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev, ok := <-c.Events():
			if !ok {
				t.Fatalf("events closed while waiting for %v", types)
			}
			for _, ty := range types {
				if ev.Type == ty {
					return ev
				}
			}
		case <-deadline:
			t.Fatalf("timed out waiting for %v", types)
		}
	}
}

func TestEchoRoundTrip(t *testing.T) {
	u := echoServer(t, nil)
	c := Dial(context.Background(), Options{URL: u, Subprotocols: []string{"chat"}})
	defer c.Shutdown()
	open := next(t, c, EventOpen)
	if open.Subprotocol != "chat" || open.Status != 101 {
		t.Fatalf("open = %+v", open)
	}
	c.Send(OpText, []byte("hello"))
	out := next(t, c, EventMessage)
	if out.Dir != Out || string(out.Payload) != "hello" || len(out.Frames) != 1 || !out.Frames[0].Masked {
		t.Fatalf("out = %+v", out)
	}
	in := next(t, c, EventMessage)
	if in.Dir != In || string(in.Payload) != "hello" || len(in.Frames) != 1 || in.Frames[0].Masked || !in.Frames[0].FIN {
		t.Fatalf("in = %+v", in)
	}
	if in.Frames[0].Length != 5 || in.Frames[0].LenBytes != 0 {
		t.Fatalf("frame = %+v", in.Frames[0])
	}
}

func TestShutdownLeaksNoGoroutine(t *testing.T) {
	u := echoServer(t, nil)
	before := runtime.NumGoroutine()
	for range 5 {
		c := Dial(context.Background(), Options{URL: u})
		next(t, c, EventOpen)
		c.Send(OpText, []byte("x"))
		c.Shutdown()
		c.Shutdown() // idempotent
		if err := c.Send(OpText, []byte("late")); err != ErrClosed {
			t.Fatalf("send after shutdown: %v", err)
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines: before %d, after %d\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestRedialOnRequestAfterTheEnd(t *testing.T) {
	u := echoServer(t, func(ws *websocket.Conn) {
		ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(4403, "go away"))
		ws.ReadMessage()
	})
	c := Dial(context.Background(), Options{URL: u, RedialOnRequest: true})
	defer c.Shutdown()
	next(t, c, EventOpen)
	next(t, c, EventClose)
	c.Reconnect()
	next(t, c, EventOpen)
	next(t, c, EventClose)
	c.Shutdown()
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Fatal("client still running after Shutdown")
	}
}

func TestHTTPURLsAreReadAsWebSocketURLs(t *testing.T) {
	u := echoServer(t, nil)
	c := Dial(context.Background(), Options{URL: "http" + strings.TrimPrefix(u, "ws")})
	defer c.Shutdown()
	if open := next(t, c, EventOpen); !strings.HasPrefix(open.URL, "ws://") {
		t.Fatalf("opened %s", open.URL)
	}
	if got, err := ValidateURL("https://example.com/socket"); err != nil || got.String() != "wss://example.com/socket" {
		t.Fatalf("ValidateURL(https) = %v, %v", got, err)
	}
}

func TestValidateURLSaysWhatIsWrongInPlainWords(t *testing.T) {
	for raw, want := range map[string]string{
		"ws://exa\x7fmple.com/": "invalid control character in URL",
		"example.com/ws":        "it needs a scheme",
		"ftp://example.com/":    "must be ws or wss, not ftp",
		"ws:///path":            "names no host",
	} {
		_, err := ValidateURL(raw)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "net/url") {
			t.Errorf("ValidateURL(%q) = %v, want it to say %q", raw, err, want)
		}
	}
}

// Every event carries its 1-based position in the session, in the order
// the events are delivered, across a reconnect, whether they are taken
// from Events or in batches.
func TestEventsAreNumberedInTheOrderDelivered(t *testing.T) {
	u := echoServer(t, nil)
	for _, batched := range []bool{false, true} {
		c := Dial(context.Background(), Options{URL: u, RedialOnRequest: true})
		var seqs []int
		take := func(want int) {
			t.Helper()
			deadline := time.After(5 * time.Second)
			var buf []Event
			for len(seqs) < want {
				if batched {
					select {
					case <-c.EventsReady():
						buf, _ = c.TakeEvents(buf)
						for _, ev := range buf {
							seqs = append(seqs, ev.Seq)
						}
					case <-deadline:
						t.Fatalf("batched: %d events, want %d", len(seqs), want)
					}
					continue
				}
				select {
				case ev := <-c.Events():
					seqs = append(seqs, ev.Seq)
				case <-deadline:
					t.Fatalf("%d events, want %d", len(seqs), want)
				}
			}
		}
		take(1) // open
		for _, m := range []string{"a", "b", "c"} {
			c.Send(OpText, []byte(m))
		}
		take(7) // three sent, three echoed
		c.Reconnect()
		take(10) // our close, the server's answer, the new open
		c.Shutdown()
		for i, s := range seqs {
			if s != i+1 {
				t.Fatalf("batched %v: seqs %v, want 1…%d in order", batched, seqs, len(seqs))
			}
		}
	}
}
