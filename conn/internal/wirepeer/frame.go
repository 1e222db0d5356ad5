package wirepeer

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Opcodes (RFC 6455 §5.2), including reserved ones for misbehaving on purpose.
const (
	OpContinuation byte = 0x0
	OpText         byte = 0x1
	OpBinary       byte = 0x2
	OpClose        byte = 0x8
	OpPing         byte = 0x9
	OpPong         byte = 0xA
)

// RSV bits as FrameSpec.RSV and Frame.RSV hold them.
const (
	RSV1 uint8 = 4
	RSV2 uint8 = 2
	RSV3 uint8 = 1
)

// maxReadPayload bounds what ReadFrame will allocate, so a broken client
// cannot make a test allocate gigabytes.
const maxReadPayload = 64 << 20

// exampleMaskKey is the key from the masking example of RFC 6455 §5.7.
var exampleMaskKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// FrameSpec describes a frame to write, legal or not.
type FrameSpec struct {
	FIN     bool
	RSV     uint8 // RSV1<<2 | RSV2<<1 | RSV3; only the low three bits are used
	Opcode  byte  // only the low four bits are used
	Masked  bool  // servers must not mask; set it to break that rule
	MaskKey [4]byte
	Payload []byte
	// ForceLenBytes picks the extended length encoding: 0 for the shortest
	// one (legal), 2 for a 16-bit length, 8 for a 64-bit length, even when a
	// shorter encoding would fit (illegal, RFC 6455 §5.2 "minimal number of
	// bytes").
	ForceLenBytes int
}

// Frame is a frame read from the client, unmasked.
type Frame struct {
	FIN      bool
	RSV      uint8
	Opcode   byte
	Masked   bool
	MaskKey  [4]byte
	LenBytes int // 0, 2 or 8: how the length was encoded
	Payload  []byte
}

// EncodeFrame returns the wire bytes of spec.
func EncodeFrame(spec FrameSpec) ([]byte, error) {
	n := len(spec.Payload)
	lenBytes := spec.ForceLenBytes
	switch lenBytes {
	case 0:
		switch {
		case n > 0xFFFF:
			lenBytes = 8
		case n > 125:
			lenBytes = 2
		}
	case 2:
		if n > 0xFFFF {
			return nil, fmt.Errorf("wirepeer: %d-byte payload does not fit a 16-bit length", n)
		}
	case 8:
	default:
		return nil, fmt.Errorf("wirepeer: ForceLenBytes must be 0, 2 or 8, not %d", lenBytes)
	}

	b := make([]byte, 0, 14+n)
	b0 := spec.RSV&7<<4 | spec.Opcode&0xF
	if spec.FIN {
		b0 |= 0x80
	}
	var maskBit byte
	if spec.Masked {
		maskBit = 0x80
	}
	switch lenBytes {
	case 0:
		b = append(b, b0, maskBit|byte(n))
	case 2:
		b = append(b, b0, maskBit|126)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
	case 8:
		b = append(b, b0, maskBit|127)
		b = binary.BigEndian.AppendUint64(b, uint64(n))
	}
	if !spec.Masked {
		return append(b, spec.Payload...), nil
	}
	b = append(b, spec.MaskKey[:]...)
	start := len(b)
	b = append(b, spec.Payload...)
	applyMask(b[start:], spec.MaskKey)
	return b, nil
}

// readFrame reads one frame from r and unmasks its payload.
func readFrame(r *bufio.Reader) (Frame, error) {
	var head [2]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return Frame{}, err
	}
	f := Frame{
		FIN:    head[0]&0x80 != 0,
		RSV:    head[0] >> 4 & 7,
		Opcode: head[0] & 0xF,
		Masked: head[1]&0x80 != 0,
	}
	n := uint64(head[1] & 0x7F)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return f, unexpectedEOF(err)
		}
		n, f.LenBytes = uint64(binary.BigEndian.Uint16(ext[:])), 2
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(r, ext[:]); err != nil {
			return f, unexpectedEOF(err)
		}
		n, f.LenBytes = binary.BigEndian.Uint64(ext[:]), 8
	}
	if n > maxReadPayload {
		return f, fmt.Errorf("wirepeer: client frame of %d bytes is over the %d-byte limit", n, maxReadPayload)
	}
	if f.Masked {
		if _, err := io.ReadFull(r, f.MaskKey[:]); err != nil {
			return f, unexpectedEOF(err)
		}
	}
	f.Payload = make([]byte, n)
	if _, err := io.ReadFull(r, f.Payload); err != nil {
		return f, unexpectedEOF(err)
	}
	if f.Masked {
		applyMask(f.Payload, f.MaskKey)
	}
	return f, nil
}

func applyMask(b []byte, key [4]byte) {
	for i := range b {
		b[i] ^= key[i&3]
	}
}

// unexpectedEOF reports a frame cut short as such rather than as a clean EOF.
func unexpectedEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
