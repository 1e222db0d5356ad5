package conn

import (
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn/internal/wirepeer"
)

// FuzzFrameParser feeds arbitrary bytes, split at an arbitrary point, after
// a valid handshake head: the parser must never panic and must report the
// same frames however the stream is split.
func FuzzFrameParser(f *testing.F) {
	for _, spec := range []wirepeer.FrameSpec{
		{FIN: true, Opcode: 1, Payload: []byte("hello")},
		{FIN: true, Opcode: 8, Payload: []byte{0x03, 0xe8, 'o', 'k'}},
		{Opcode: 2, Payload: make([]byte, 300), ForceLenBytes: 8},
		{FIN: true, RSV: 7, Opcode: 0xB, Masked: true, Payload: []byte("x")},
	} {
		b, _ := wirepeer.EncodeFrame(spec)
		f.Add(b, uint(len(b)/2))
	}
	head := []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	f.Fuzz(func(t *testing.T, stream []byte, split uint) {
		collect := func(chunks ...[]byte) ([]Frame, int) {
			p := newFrameParser(In)
			var frames []Frame
			violations := 0
			p.onFrame = func(fr Frame) { frames = append(frames, fr) }
			p.onViolation = func(protocolViolation) { violations++ }
			now := time.Unix(0, 0)
			p.Feed(head, now)
			for _, c := range chunks {
				p.Feed(c, now)
			}
			return frames, violations
		}
		whole, v1 := collect(stream)
		at := int(split % uint(len(stream)+1))
		parts, v2 := collect(stream[:at], stream[at:])
		if len(whole) != len(parts) || v1 != v2 {
			t.Fatalf("split at %d: %d frames/%d violations vs %d/%d", at, len(whole), v1, len(parts), v2)
		}
		for i := range whole {
			a, b := whole[i], parts[i]
			if a.Opcode != b.Opcode || a.Length != b.Length || a.FIN != b.FIN || string(a.Payload) != string(b.Payload) {
				t.Fatalf("frame %d differs: %+v vs %+v", i, a, b)
			}
		}
	})
}

func TestParserSplitsHeadFromFirstFrame(t *testing.T) {
	p := newFrameParser(In)
	var frames []Frame
	p.onFrame = func(f Frame) { frames = append(frames, f) }
	fr, _ := wirepeer.EncodeFrame(wirepeer.FrameSpec{FIN: true, Opcode: 1, Payload: []byte("hi")})
	stream := append([]byte("HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n"), fr...)
	for i := range stream { // one byte at a time
		p.Feed(stream[i:i+1], time.Now())
	}
	if len(frames) != 1 || frames[0].Length != 2 || !p.deflate {
		t.Fatalf("frames = %+v deflate=%v", frames, p.deflate)
	}
}
