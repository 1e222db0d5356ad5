// Package conntest holds WebSocket peers for the tests of wsdbg's
// packages. Throughput against a bare gorilla client is measured out of
// process, by internal/cmd/wsbench, so that neither shares its CPU with
// the server.
package conntest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
)

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
