package cli

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

// The debugger's feed hands over every event of every connection, records
// each connection to its own file while the screen asks about it, and
// finishes a recording once the relay is done with its connection.
func TestRelayFeedRecordsEachConnection(t *testing.T) {
	up := websocket.Upgrader{}
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		for {
			op, msg, err := ws.ReadMessage()
			if err != nil {
				return
			}
			ws.WriteMessage(op, msg)
		}
	}))
	defer echo.Close()
	upstream := "ws" + strings.TrimPrefix(echo.URL, "http")
	relay, err := conn.NewRelay(conn.Options{URL: upstream})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: relay}
	go srv.Serve(l)
	defer srv.Close()

	dir := t.TempDir()
	p := &proxyCmd{record: recordFlags{file: filepath.Join(dir, "p.wsdbg.jsonl")}}
	recs := &proxyRecordings{p: p, upstream: conn.Options{URL: upstream}, writers: map[int]*history.Writer{},
		stderr: io.Discard, quiet: true}
	feed := &relayFeed{relay: relay, recs: recs, events: make(chan conn.Event), stop: make(chan struct{})}
	events := feed.Events()

	for k, text := range []string{"first", "second"} {
		ws, _, err := websocket.DefaultDialer.Dial("ws://"+l.Addr().String()+"/c", nil)
		if err != nil {
			t.Fatal(err)
		}
		ws.WriteMessage(websocket.TextMessage, []byte(text))
		if _, got, err := ws.ReadMessage(); err != nil || string(got) != text {
			t.Fatalf("echo: %q %v", got, err)
		}
		ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, "done"))
		ws.ReadMessage() // the close's answer
		ws.Close()
		var fromServer bool
		deadline := time.After(5 * time.Second)
		for !fromServer {
			select {
			case ev := <-events:
				if ev.Conn != k+1 {
					t.Fatalf("event of connection %d while connection %d talks", ev.Conn, k+1)
				}
				fromServer = ev.Type == conn.EventClose && ev.Leg == conn.LegServer
				// The screen asks while the feed records.
				if path, failed := recs.state(ev.Conn); path == "" || failed {
					t.Fatalf("connection %d: recording %q failed %v", ev.Conn, path, failed)
				}
			case <-deadline:
				t.Fatalf("connection %d: the server's close never came", k+1)
			}
		}
	}
	relay.Shutdown()
	for range events { // the feed ends with the relay
	}
	feed.wg.Wait()
	for n, text := range map[int]string{1: "first", 2: "second"} {
		path, failed := recs.state(n)
		if want := filepath.Join(dir, "p-"+string(rune('0'+n))+".wsdbg.jsonl"); path != want || failed {
			t.Errorf("connection %d: recorded to %q (failed %v), want %s", n, path, failed, want)
		}
		data, err := os.ReadFile(path)
		if err != nil || !strings.Contains(string(data), text) || !strings.Contains(string(data), `"leg":"server"`) {
			t.Errorf("connection %d's recording: %v\n%s", n, err, data)
		}
	}
	if len(recs.notes) != 2 || !strings.Contains(recs.notes[0], "session recorded to") {
		t.Errorf("what the user is told once the screen is gone: %q", recs.notes)
	}
}
