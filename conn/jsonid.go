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
// paths that holds a string or a number. The id is returned as its JSON text,
// so "1" and 1 stay distinct.
func messageID(data []byte, paths [][]string) (string, bool) {
	for _, p := range paths {
		if raw, ok := lookupJSON(data, p); ok {
			return string(raw), true
		}
	}
	return "", false
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
			if len(raw) > 0 && (raw[0] == '"' || raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9') {
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
	for s.pos++; s.pos < len(s.data); s.pos++ {
		switch s.data[s.pos] {
		case '\\':
			s.pos++
		case '"':
			s.pos++
			return s.data[start:s.pos], true
		}
	}
	return nil, false
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
