package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

// firehose serves n 100-byte text messages, then a normal closure.
func firehose(b *testing.B, n int) string {
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
	b.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// BenchmarkFirehoseBareGorilla is the baseline for BenchmarkFirehoseTailJSON:
// a plain gorilla read loop that does nothing with the messages.
func BenchmarkFirehoseBareGorilla(b *testing.B) {
	u := firehose(b, b.N)
	b.ResetTimer()
	// The same read buffer as the client's, so only the work differs.
	d := websocket.Dialer{ReadBufferSize: 32 << 10}
	ws, _, err := d.Dial(u, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer ws.Close()
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			break
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkFirehoseTailJSON runs tail --json, tap and explanations
// included, over the same firehose.
func BenchmarkFirehoseTailJSON(b *testing.B) {
	u := firehose(b, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	opts := conn.Options{URL: u, ConnectTimeout: 5 * time.Second}
	if code := tailLive(opts, nil, true, true, nil, strings.NewReader(""), io.Discard); code != exitOK {
		b.Fatalf("tail exited %d", code)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkFirehoseTailJSONRecorded is BenchmarkFirehoseTailJSON with the
// session recorded, as tail does by default.
func BenchmarkFirehoseTailJSONRecorded(b *testing.B) {
	u := firehose(b, b.N)
	opts := conn.Options{URL: u, ConnectTimeout: 5 * time.Second}
	rec, err := history.Create(filepath.Join(b.TempDir(), "bench.wsdbg.jsonl"), history.Header{URL: u}, history.RecordOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer rec.Close()
	b.ReportAllocs()
	b.ResetTimer()
	if code := tailLive(opts, nil, true, true, rec, strings.NewReader(""), io.Discard); code != exitOK {
		b.Fatalf("tail exited %d", code)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
