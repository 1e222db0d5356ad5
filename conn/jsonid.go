package conn

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Request/reply correlation needs one field out of every JSON message, so it
// uses a small scanner that walks only the keys on the way to that field
// instead of decoding the whole document.

// defaultIDFields are the fields that commonly carry a request id, in the
// order they are tried.
var defaultIDFields = []string{"id", "request_id", "requestId", "ref", "nonce"}

// parseIDPath splits a dotted path such as "meta.requestId".
func parseIDPath(p string) []string {
	var out []string
	for _, part := range strings.Split(p, ".") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// messageID returns the id of a JSON message: the value at the first of
// paths that holds a string or a number, as its JSON text, so that "1" and
// 1 stay distinct. It reads the message's members once, whatever the
// number of paths: a message without an id costs one pass.
func messageID(data []byte, paths [][]string) ([]byte, bool) {
	s := scanner{data: data}
	if !s.consume('{') || s.consume('}') {
		return nil, false
	}
	best, found := len(paths), []byte(nil)
	var seen uint64 // the paths whose first key was met: a repeated key counts once, its first time
	for {
		s.skipSpace()
		k, ok := s.str()
		if !ok || !s.consume(':') {
			return nil, false
		}
		s.skipSpace()
		start := s.pos
		if !s.value() {
			return nil, false
		}
		for i := 0; i < best; i++ {
			p := paths[i]
			if i < 64 && seen&(1<<i) != 0 || !keyEquals(k, p[0]) {
				continue
			}
			if i < 64 {
				seen |= 1 << i
			}
			raw := s.data[start:s.pos]
			if len(p) > 1 {
				raw, ok = lookupJSON(raw, p[1:])
			} else {
				ok = isScalar(raw)
			}
			if ok {
				best, found = i, raw
				break
			}
		}
		if s.consume(',') {
			continue
		}
		if !s.consume('}') {
			return nil, false
		}
		return found, found != nil
	}
}

// isScalar reports whether a raw JSON value is a string or a number.
func isScalar(raw []byte) bool {
	return len(raw) > 0 && (raw[0] == '"' || raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9')
}

// lookupJSON finds the scalar (string or number) at path in the JSON object
// data. It returns the value's raw JSON text. Malformed input yields false.
func lookupJSON(data []byte, path []string) ([]byte, bool) {
	if len(path) == 0 {
		return nil, false
	}
	s := scanner{data: data}
	s.skipSpace()
	for depth := 0; ; depth++ {
		if !s.consume('{') {
			return nil, false
		}
		raw, ok := s.findKey(path[depth])
		if !ok {
			return nil, false
		}
		if depth == len(path)-1 {
			if isScalar(raw) {
				return raw, true
			}
			return nil, false
		}
		s = scanner{data: raw}
	}
}

type scanner struct {
	data []byte
	pos  int
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) consume(c byte) bool {
	s.skipSpace()
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

// findKey walks the members of the object whose '{' was just consumed and
// returns the raw value of key.
func (s *scanner) findKey(key string) ([]byte, bool) {
	if s.consume('}') {
		return nil, false
	}
	for {
		s.skipSpace()
		k, ok := s.str()
		if !ok || !s.consume(':') {
			return nil, false
		}
		s.skipSpace()
		start := s.pos
		if !s.value() {
			return nil, false
		}
		if keyEquals(k, key) {
			return s.data[start:s.pos], true
		}
		if s.consume(',') {
			continue
		}
		return nil, false
	}
}

// keyEquals compares a raw JSON string (quotes included) with a plain key.
func keyEquals(raw []byte, key string) bool {
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner) == key
	}
	var decoded string
	return json.Unmarshal(raw, &decoded) == nil && decoded == key
}

// str scans a string and returns it with its quotes.
func (s *scanner) str() ([]byte, bool) {
	if s.pos >= len(s.data) || s.data[s.pos] != '"' {
		return nil, false
	}
	start := s.pos
	for s.pos++; ; {
		q := bytes.IndexByte(s.data[s.pos:], '"')
		if q < 0 {
			return nil, false
		}
		s.pos += q + 1
		// The quote ends the string unless an odd run of backslashes
		// escapes it.
		escapes := 0
		for i := s.pos - 2; i > start && s.data[i] == '\\'; i-- {
			escapes++
		}
		if escapes%2 == 0 {
			return s.data[start:s.pos], true
		}
	}
}

// value skips one JSON value of any kind.
func (s *scanner) value() bool {
	if s.pos >= len(s.data) {
		return false
	}
	switch c := s.data[s.pos]; {
	case c == '"':
		_, ok := s.str()
		return ok
	case c == '{' || c == '[':
		return s.container()
	default:
		start := s.pos
		for s.pos < len(s.data) {
			switch s.data[s.pos] {
			case ',', '}', ']', ' ', '\t', '\n', '\r', ':', '"', '{', '[':
				return s.pos > start
			}
			s.pos++
		}
		return s.pos > start
	}
}

// container skips an object or array, honouring strings.
func (s *scanner) container() bool {
	depth := 0
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '"':
			if _, ok := s.str(); !ok {
				return false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				s.pos++
				return true
			}
		}
		s.pos++
	}
	return false
}
