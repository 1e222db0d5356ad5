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
	f.Add([]byte("HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\nno"), uint(3))
	f.Add([]byte{0x48, 0x00, 0x81, 0x02, 'h', 'i'}, uint(1)) // 'H' that is not HTTP
	head := []byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
	f.Fuzz(func(t *testing.T, stream []byte, split uint) {
		collect := func(chunks ...[]byte) ([]Frame, int, *frameParser) {
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
			return frames, violations, p
		}
		whole, v1, p1 := collect(stream)
		at := int(split % uint(len(stream)+1))
		parts, v2, p2 := collect(stream[:at], stream[at:])
		if len(whole) != len(parts) || v1 != v2 {
			t.Fatalf("split at %d: %d frames/%d violations vs %d/%d", at, len(whole), v1, len(parts), v2)
		}
		if (p1.fatal == nil) != (p2.fatal == nil) || p1.fatal != nil && p1.fatal.Failure.Cause != p2.fatal.Failure.Cause {
			t.Fatalf("split at %d: fatal violation %+v vs %+v", at, p1.fatal, p2.fatal)
		}
		if p1.state != p2.state || string(p1.http) != string(p2.http) {
			t.Fatalf("split at %d: state %d with %q vs %d with %q", at, p1.state, p1.http, p2.state, p2.http)
		}
		for i := range whole {
			a, b := whole[i], parts[i]
			if a.Opcode != b.Opcode || a.Length != b.Length || a.FIN != b.FIN || string(a.payload) != string(b.payload) {
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

// The server's close frame reaches gorilla as a stand-in whatever the read
// boundaries, while the frame keeps the real payload.
func TestCloseFrameIsHandedToGorillaAsAStandIn(t *testing.T) {
	head := "HTTP/1.1 101 Switching Protocols\r\n\r\n"
	closeFrame, _ := wirepeer.EncodeFrame(wirepeer.FrameSpec{FIN: true, Opcode: 8, Payload: []byte{0x03, 0xf6, 'b', 'y', 'e'}})
	text, _ := wirepeer.EncodeFrame(wirepeer.FrameSpec{FIN: true, Opcode: 1, Payload: []byte("keep")})
	stream := append(append([]byte(head), text...), closeFrame...)
	for _, chunk := range []int{len(stream), 1, 3} {
		p := newFrameParser(In)
		p.standInClose = true
		var frames []Frame
		p.onFrame = func(f Frame) { frames = append(frames, f) }
		seen := append([]byte(nil), stream...)
		for i := 0; i < len(seen); i += chunk {
			p.Feed(seen[i:min(i+chunk, len(seen))], time.Now())
		}
		want := append(append([]byte(head), text...), 0x88, 5, 0x03, 0xe8, 'x', 'x', 'x')
		if string(seen) != string(want) {
			t.Fatalf("chunks of %d: gorilla is shown % x, want % x", chunk, seen, want)
		}
		if len(frames) != 2 || string(frames[1].payload) != "\x03\xf6bye" {
			t.Fatalf("chunks of %d: frames %+v", chunk, frames)
		}
	}
}
