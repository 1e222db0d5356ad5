package decode

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Format is a payload format the renderer knows.
type Format string

const (
	FormatText     Format = "text"
	FormatJSON     Format = "json"
	FormatHex      Format = "hex"
	FormatMsgPack  Format = "msgpack"
	FormatCBOR     Format = "cbor"
	FormatProtobuf Format = "protobuf"
)

// Formats lists every format, in the order a view switcher should cycle.
func Formats() []Format {
	return []Format{FormatText, FormatJSON, FormatHex, FormatMsgPack, FormatCBOR, FormatProtobuf}
}

// minBinaryGuess is the shortest binary payload GuessFormat reads as
// MessagePack, CBOR or protobuf. Almost any couple of bytes decodes as one
// of them (an MQTT PINGRESP, d0 00, is the CBOR value 16(0)), so short
// payloads are no evidence and stay hex.
const minBinaryGuess = 8

// GuessFormat picks the best rendering for a payload. Text is JSON when it
// parses as JSON. Binary is JSON when it is a whole JSON object or array;
// it is MessagePack, CBOR or protobuf only when it is at least
// minBinaryGuess bytes, decodes completely as one document, and holds a
// map, an array, a string or a nested message, not just a lone number.
// Anything else is shown as hex.
func GuessFormat(text bool, payload []byte) Format {
	if text {
		if json.Valid(payload) {
			return FormatJSON
		}
		return FormatText
	}
	if first := firstNonSpace(payload); (first == '{' || first == '[') && json.Valid(payload) {
		return FormatJSON
	}
	if len(payload) < minBinaryGuess {
		return FormatHex
	}
	switch {
	case plausibleMsgPack(payload):
		return FormatMsgPack
	case plausibleCBOR(payload):
		return FormatCBOR
	case plausibleProtobuf(payload):
		return FormatProtobuf
	}
	return FormatHex
}

func firstNonSpace(b []byte) byte {
	for _, c := range b {
		switch c {
		case ' ', '\t', '\n', '\r':
		default:
			return c
		}
	}
	return 0
}

// Render renders payload in format f as safe, classified lines. It fails
// when the payload is not in that format; hex and text never fail.
func Render(payload []byte, f Format) ([]Line, error) {
	switch f {
	case FormatText:
		return renderText(payload), nil
	case FormatJSON:
		return renderJSON(payload)
	case FormatHex:
		return renderHex(payload), nil
	case FormatMsgPack:
		return renderMsgPack(payload)
	case FormatCBOR:
		return renderCBOR(payload)
	case FormatProtobuf:
		return renderProtobuf(payload)
	}
	return nil, fmt.Errorf("unknown format %s", quote(string(f)))
}

// renderText keeps the payload's line structure and escapes everything
// else that is unsafe, including carriage returns and tabs.
func renderText(payload []byte) []Line {
	var out lineBuilder
	s := string(payload)
	for s != "" {
		line, rest, found := strings.Cut(s, "\n")
		out.addText(SpanPlain, line)
		out.newline()
		if !found {
			break
		}
		s = rest
	}
	return out.lines
}
