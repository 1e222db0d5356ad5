// Package render shows payloads as safe, classified lines for a terminal:
// JSON pretty-printed in input order, MessagePack, CBOR and protobuf as
// JSON-like trees, text with its line structure, and hex dumps. Guess picks a
// format from the bytes; Limited renders what a display can show and says how
// much was left out. Every span is escaped (see decode.Sanitize), so a
// renderer's output may go to the screen as it is.
package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/wsdbg/wsdbg/decode"
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

// minBinaryGuess is the shortest binary payload Guess reads as
// MessagePack, CBOR or protobuf. Almost any couple of bytes decodes as one
// of them (an MQTT PINGRESP, d0 00, is the CBOR value 16(0)), so short
// payloads are no evidence and stay hex.
const minBinaryGuess = 8

// Guess picks the best rendering for a payload. Text is JSON when it
// parses as JSON. Binary is JSON when it is a whole JSON object or array;
// it is MessagePack, CBOR or protobuf only when it is at least
// minBinaryGuess bytes, decodes completely as one document, and holds a
// map, an array, a string or a nested message, not just a lone number.
// Anything else is shown as hex.
func Guess(text bool, payload []byte) Format {
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

// Payload renders payload in format f as safe, classified lines. It fails
// when the payload is not in that format; hex and text never fail.
func Payload(payload []byte, f Format) ([]Line, error) {
	return Limited(payload, f, 0)
}

// Limited is Payload for a display that shows about limit bytes of
// payload at most (0 for no limit). The whole payload is still checked, so
// an error is about the payload and never about the cut; what is shown
// ends at a line boundary, followed by a line "… N more bytes".
func Limited(payload []byte, f Format, limit int) ([]Line, error) {
	if limit >= len(payload) {
		limit = 0
	}
	switch f {
	case FormatText:
		if limit > 0 {
			shown := payload[:textCut(payload, limit)]
			return append(renderText(shown), moreBytesLine(len(payload)-len(shown))), nil
		}
		return renderText(payload), nil
	case FormatJSON:
		return renderJSON(payload, limit)
	case FormatHex:
		if rows := max(limit/hexRowBytes, 1); limit > 0 && rows*hexRowBytes < len(payload) {
			shown := payload[:rows*hexRowBytes]
			return append(renderHex(shown), moreBytesLine(len(payload)-len(shown))), nil
		}
		return renderHex(payload), nil
	case FormatMsgPack:
		return renderMsgPack(payload, limit)
	case FormatCBOR:
		return renderCBOR(payload, limit)
	case FormatProtobuf:
		return renderProtobuf(payload, limit)
	}
	return nil, fmt.Errorf("unknown format %s", `"`+decode.Sanitize(string(f))+`"`)
}

// textCut is where to cut text for a display limit: at the last line break
// before limit when there is one not too far back, else at a character
// boundary.
func textCut(payload []byte, limit int) int {
	if nl := bytes.LastIndexByte(payload[:limit], '\n'); nl >= limit/2 {
		return nl + 1
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(payload[cut]) {
		cut--
	}
	return cut
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
