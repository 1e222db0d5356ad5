package render

import (
	"bytes"
	"fmt"

	"github.com/wsdbg/wsdbg/decode"
)

// maxJSONDepth matches encoding/json, so that Guess (which asks
// json.Valid) and Payload agree on what is JSON.
const maxJSONDepth = 10000

// jsonRenderer pretty-prints JSON in one pass over the bytes. Tokens are
// substrings of one copy of the payload, so keys keep their order, numbers
// stay verbatim and nothing is re-marshalled.
type jsonRenderer struct {
	src   string
	pos   int
	depth int
	out   lineBuilder
}

func renderJSON(payload []byte, limit int) ([]Line, error) {
	r := jsonRenderer{src: string(payload)}
	r.out.limitTo(limit, len(payload))
	shown := payload
	if r.out.limit > 0 {
		shown = payload[:r.out.limit]
	}
	spans, lines := estimateJSONLayout(shown)
	r.out.spans, r.out.lines = make([]Span, 0, spans), make([]Line, 0, lines)
	r.skipSpace()
	if err := r.value(); err != nil {
		return nil, err
	}
	r.skipSpace()
	if r.pos < len(r.src) {
		return nil, r.fail("unexpected data after the JSON value")
	}
	return r.out.finish(), nil
}

// estimateJSONLayout bounds the spans and lines a rendering needs from the
// punctuation in the payload, so that the big slices are allocated once:
// regrowing them dominates the cost on large payloads. Punctuation inside
// strings only makes the bound looser.
func estimateJSONLayout(payload []byte) (spans, lines int) {
	commas := bytes.Count(payload, []byte{','})
	colons := bytes.Count(payload, []byte{':'})
	opens := bytes.Count(payload, []byte{'{'}) + bytes.Count(payload, []byte{'['})
	// An object member is indent, key, ": ", value and ","; the last
	// member of a container has no comma; a closing line is indent and
	// bracket.
	return 3*commas + 2*colons + 6*opens + 1, commas + 2*opens + 1
}

func (r *jsonRenderer) newline() {
	r.out.pos = r.pos
	r.out.newline()
}

func (r *jsonRenderer) fail(what string) error {
	return fmt.Errorf("invalid JSON at byte %d: %s", r.pos, what)
}

func (r *jsonRenderer) skipSpace() {
	for r.pos < len(r.src) {
		switch r.src[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

func (r *jsonRenderer) value() error {
	if r.pos >= len(r.src) {
		return r.fail("unexpected end of input")
	}
	switch c := r.src[r.pos]; {
	case c == '{':
		return r.container('}')
	case c == '[':
		return r.container(']')
	case c == '"':
		return r.str(SpanString)
	case c == 't':
		return r.literal("true", SpanBool)
	case c == 'f':
		return r.literal("false", SpanBool)
	case c == 'n':
		return r.literal("null", SpanNull)
	case c == '-' || isDigit(c):
		return r.number()
	}
	return r.fail(fmt.Sprintf("unexpected character %s", decode.Sanitize(string(r.src[r.pos]))))
}

// container renders an object (closer '}') or an array (closer ']').
func (r *jsonRenderer) container(closer byte) error {
	if r.depth >= maxJSONDepth {
		return r.fail("nesting too deep")
	}
	open, closeText, empty := "[", "]", "[]"
	if closer == '}' {
		open, closeText, empty = "{", "}", "{}"
	}
	r.pos++
	r.skipSpace()
	if r.pos < len(r.src) && r.src[r.pos] == closer {
		r.pos++
		r.out.add(SpanPunct, empty)
		return nil
	}
	r.depth++
	r.out.add(SpanPunct, open)
	r.newline()
	for {
		r.skipSpace()
		r.out.indent(r.depth)
		if closer == '}' {
			if r.pos >= len(r.src) || r.src[r.pos] != '"' {
				return r.fail("expected a string key")
			}
			if err := r.str(SpanKey); err != nil {
				return err
			}
			r.skipSpace()
			if r.pos >= len(r.src) || r.src[r.pos] != ':' {
				return r.fail("expected ':' after a key")
			}
			r.pos++
			r.out.add(SpanPunct, ": ")
			r.skipSpace()
		}
		if err := r.value(); err != nil {
			return err
		}
		r.skipSpace()
		if r.pos >= len(r.src) {
			return r.fail("unexpected end of input")
		}
		switch r.src[r.pos] {
		case ',':
			r.pos++
			r.out.add(SpanPunct, ",")
			r.newline()
		case closer:
			r.pos++
			r.newline()
			r.depth--
			r.out.indent(r.depth)
			r.out.add(SpanPunct, closeText)
			return nil
		default:
			return r.fail(fmt.Sprintf("expected ',' or '%c'", closer))
		}
	}
}

// str renders a string token verbatim, quotes and escapes included.
func (r *jsonRenderer) str(kind SpanKind) error {
	start := r.pos
	r.pos++ // opening quote
	needsSanitizing := false
	for r.pos < len(r.src) {
		c := r.src[r.pos]
		switch {
		case c == '"':
			r.pos++
			tok := r.src[start:r.pos]
			if needsSanitizing {
				r.out.addText(kind, tok)
			} else {
				r.out.add(kind, tok)
			}
			return nil
		case c == '\\':
			if err := r.escape(); err != nil {
				return err
			}
		case c < 0x20:
			return r.fail("control character in a string")
		default:
			if c >= 0x7f {
				needsSanitizing = true
			}
			r.pos++
		}
	}
	return r.fail("unterminated string")
}

func (r *jsonRenderer) escape() error {
	if r.pos+1 >= len(r.src) {
		return r.fail("unterminated escape")
	}
	switch r.src[r.pos+1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		r.pos += 2
		return nil
	case 'u':
		if r.pos+6 > len(r.src) {
			return r.fail("short \\u escape")
		}
		for i := r.pos + 2; i < r.pos+6; i++ {
			if !isHexDigit(r.src[i]) {
				return r.fail("bad \\u escape")
			}
		}
		r.pos += 6
		return nil
	}
	return r.fail("bad escape")
}

func (r *jsonRenderer) literal(word string, kind SpanKind) error {
	if len(r.src)-r.pos < len(word) || r.src[r.pos:r.pos+len(word)] != word {
		return r.fail("bad literal")
	}
	r.out.add(kind, word)
	r.pos += len(word)
	return nil
}

// number checks the JSON number grammar and renders the token as written.
func (r *jsonRenderer) number() error {
	start := r.pos
	if r.src[r.pos] == '-' {
		r.pos++
	}
	switch {
	case r.pos < len(r.src) && r.src[r.pos] == '0':
		r.pos++
	case r.pos < len(r.src) && isDigit(r.src[r.pos]):
		r.digits()
	default:
		return r.fail("bad number")
	}
	if r.pos < len(r.src) && r.src[r.pos] == '.' {
		r.pos++
		if !r.digits() {
			return r.fail("bad number: no digits after '.'")
		}
	}
	if r.pos < len(r.src) && (r.src[r.pos] == 'e' || r.src[r.pos] == 'E') {
		r.pos++
		if r.pos < len(r.src) && (r.src[r.pos] == '+' || r.src[r.pos] == '-') {
			r.pos++
		}
		if !r.digits() {
			return r.fail("bad number: no digits in the exponent")
		}
	}
	r.out.add(SpanNumber, r.src[start:r.pos])
	return nil
}

// digits consumes a run of digits and reports whether there was one.
func (r *jsonRenderer) digits() bool {
	start := r.pos
	for r.pos < len(r.src) && isDigit(r.src[r.pos]) {
		r.pos++
	}
	return r.pos > start
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexDigit(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
