package decode

import (
	"fmt"
	"strings"
	"testing"
)

// ordinaryMessage1KiB is a 1 KiB order book update: the kind of message a
// busy connection carries thousands of times a second.
func ordinaryMessage1KiB() []byte {
	var b strings.Builder
	b.WriteString(`{"stream":"btcusdt@depth","data":{"e":"depthUpdate","E":1672515782136,"s":"BTCUSDT","U":157,"u":160,"b":[`)
	for i := 0; b.Len() < 1000; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `["%d.%02d","%d.5"]`, 43000+i, i%100, i)
	}
	b.WriteString(`],"a":[]}}`)
	return []byte(b.String())
}

func BenchmarkDetectEnvelopeOrdinary1KiB(b *testing.B) {
	msg := ordinaryMessage1KiB()
	if len(msg) < 1024 || len(msg) > 1100 {
		b.Fatalf("message is %d bytes", len(msg))
	}
	ctx := EnvelopeContext{Host: "stream.binance.com:9443"}
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, ok := DetectEnvelope(msg, ctx); ok {
			b.Fatal("ordinary message detected as an error")
		}
	}
}

// A message that mentions errors passes the byte check and is parsed.
func BenchmarkDetectEnvelopeChatMentioningErrors1KiB(b *testing.B) {
	msg := []byte(`{"type":"message","user":"ana","text":"` + strings.Repeat("the error is gone ", 55) + `"}`)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, ok := DetectEnvelope(msg, EnvelopeContext{}); ok {
			b.Fatal("chat detected as an error")
		}
	}
}

func BenchmarkDetectEnvelopeJSONRPCError(b *testing.B) {
	msg := []byte(`{"jsonrpc":"2.0","id":7,"error":{"code":-32601,"message":"Method not found"}}`)
	for b.Loop() {
		if _, ok := DetectEnvelope(msg, EnvelopeContext{}); !ok {
			b.Fatal("not detected")
		}
	}
}

func BenchmarkSanitizePlain(b *testing.B) {
	s := strings.Repeat("an ordinary close reason ", 4)
	for b.Loop() {
		_ = Sanitize(s)
	}
}

func BenchmarkSanitizeHostile(b *testing.B) {
	s := strings.Repeat("\x1b[31mred\u202e\xff ", 8)
	for b.Loop() {
		_ = Sanitize(s)
	}
}

// BenchmarkDetectEnvelopeTick100B is the firehose's 100-byte tick, the
// check every message of a busy feed goes through.
func BenchmarkDetectEnvelopeTick100B(b *testing.B) {
	msg := []byte(`{"type":"tick","seq":12345,"symbol":"BTC-USD","price":"64123.55","ts":"2026-11-22T02:10:00Z"}      `)
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		if _, ok := DetectEnvelope(msg, EnvelopeContext{}); ok {
			b.Fatal("ordinary message detected as an error")
		}
	}
}
