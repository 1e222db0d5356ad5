// Package conntest holds WebSocket peers for the benchmarks of wsdbg's
// packages, so that the client's figures and the baseline they are
// compared with come from the same server.
package conntest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

// readBufferSize is the client's read buffer (conn's dialer), which
// BareRead uses too so that only the work done per message differs.
const readBufferSize = 32 << 10

// Firehose serves n 100-byte text messages to every client as fast as it
// can, then a normal closure, and returns its ws:// URL.
func Firehose(tb testing.TB, n int) string {
	tb.Helper()
	msg := []byte(`{"type":"tick","seq":12345,"symbol":"BTC-USD","price":"64123.55","ts":"2026-11-22T02:10:00Z"}`)
	msg = append(msg, strings.Repeat(" ", 100-len(msg))...)
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		pm, _ := websocket.NewPreparedMessage(websocket.TextMessage, msg)
		for range n {
			if ws.WritePreparedMessage(pm) != nil {
				return
			}
		}
		ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""))
		ws.ReadMessage()
	}))
	tb.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// BareRead is the baseline: a plain gorilla read loop that does nothing
// with the messages. It returns how many it read.
func BareRead(tb testing.TB, url string) int {
	tb.Helper()
	d := websocket.Dialer{ReadBufferSize: readBufferSize}
	ws, _, err := d.Dial(url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer ws.Close()
	n := 0
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			return n
		}
		n++
	}
}
