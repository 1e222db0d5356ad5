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

// document1MiB is about 1 MiB of JSON with objects, arrays, strings,
// numbers and literals, some strings needing escapes.
func document1MiB() []byte {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	for i := 0; b.Len() < 1<<20; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"item %d caf\u00e9","price":%d.%02d,"tags":["a","b\u202e"],"ok":true,"next":null,"nested":{"depth":[1,[2,[3]]]}}`,
			i, i, i, i%100)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func BenchmarkRenderJSON1MiB(b *testing.B) {
	doc := document1MiB()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if _, err := Render(doc, FormatJSON); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGuessFormat1MiBJSON(b *testing.B) {
	doc := document1MiB()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if GuessFormat(true, doc) != FormatJSON {
			b.Fatal("not JSON")
		}
	}
}

func BenchmarkRenderHex64KiB(b *testing.B) {
	payload := make([]byte, 64<<10)
	for i := range payload {
		payload[i] = byte(i)
	}
	b.SetBytes(int64(len(payload)))
	for b.Loop() {
		if _, err := Render(payload, FormatHex); err != nil {
			b.Fatal(err)
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
