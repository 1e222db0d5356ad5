package conn

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/conn/conntest"
)

// BenchmarkTapParse measures what the tap costs per 100-byte frame.
func BenchmarkTapParse(b *testing.B) {
	p := newFrameParser(In)
	p.Feed([]byte("HTTP/1.1 101 Switching Protocols\r\n\r\n"), time.Now())
	frame := append([]byte{0x81, 100}, make([]byte, 100)...)
	chunk := make([]byte, 0, 4096)
	for len(chunk)+len(frame) <= cap(chunk) {
		chunk = append(chunk, frame...)
	}
	perChunk := len(chunk) / len(frame)
	var q frameQueue
	p.onFrame = q.push
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	b.ResetTimer()
	for i := 0; i < b.N; i += perChunk {
		p.Feed(chunk, time.Now())
		for range perChunk {
			q.takeMessage()
		}
	}
}

// TestMemoryFlatOverLongRun reads 1,000,000 messages and checks the heap
// does not grow with them.
func TestMemoryFlatOverLongRun(t *testing.T) {
	if testing.Short() {
		t.Skip("long run")
	}
	const total = 1_000_000
	u := conntest.Firehose(t, total)
	c := Dial(context.Background(), Options{URL: u})
	defer c.Shutdown()
	var ms runtime.MemStats
	var at100k uint64
	n := 0
	for ev := range c.Events() {
		if ev.Type != EventMessage {
			continue
		}
		n++
		if n == 100_000 || n == total {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			if n == 100_000 {
				at100k = ms.HeapAlloc
			}
		}
	}
	if n != total {
		t.Fatalf("got %d messages", n)
	}
	if ms.HeapAlloc > at100k+8<<20 {
		t.Fatalf("heap grew from %d to %d bytes between 100k and 1M messages", at100k, ms.HeapAlloc)
	}
}

// BenchmarkClientSend sends 100-byte messages through the client, at the
// pace SendWait allows, to a server that reads them.
func BenchmarkClientSend(b *testing.B) {
	u := echoServer(b, func(ws *websocket.Conn) {
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	})
	c := Dial(context.Background(), Options{URL: u})
	defer c.Shutdown()
	next(b, c, EventOpen)
	payload := make([]byte, 100)
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for range b.N {
			if c.SendWait(context.Background(), OpText, payload) != nil {
				return
			}
		}
	}()
	for n := 0; n < b.N; {
		ev, ok := <-c.Events()
		if !ok {
			b.Fatalf("the client ended after %d of %d messages", n, b.N)
		}
		if ev.Type == EventMessage && ev.Dir == Out {
			n++
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
