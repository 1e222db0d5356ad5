package render

import (
	"fmt"
	"strings"
	"testing"
)

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
		if _, err := Payload(doc, FormatJSON); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGuessFormat1MiBJSON(b *testing.B) {
	doc := document1MiB()
	b.SetBytes(int64(len(doc)))
	for b.Loop() {
		if Guess(true, doc) != FormatJSON {
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
		if _, err := Payload(payload, FormatHex); err != nil {
			b.Fatal(err)
		}
	}
}
