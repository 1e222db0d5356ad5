package protocol

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// A small scanner for the top level of JSON objects and arrays: the packet
// of a JSON protocol is named by a key or two, and finding them this way
// costs a pass over the message and no allocation, where decoding the
// whole message would cost its every value.

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(p []byte, i int) int {
	for i < len(p) && isSpace(p[i]) {
		i++
	}
	return i
}

// skipString returns the index after the string starting at p[i] (a quote).
func skipString(p []byte, i int) (int, bool) {
	for i++; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '"':
			return i + 1, true
		}
	}
	return 0, false
}

// skipValue returns the index after the value starting at p[i].
func skipValue(p []byte, i int) (int, bool) {
	if i >= len(p) {
		return 0, false
	}
	switch p[i] {
	case '"':
		return skipString(p, i)
	case '{', '[':
		depth := 0
		for ; i < len(p); i++ {
			switch p[i] {
			case '"':
				end, ok := skipString(p, i)
				if !ok {
					return 0, false
				}
				i = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1, true
				}
			}
		}
		return 0, false
	case ',', '}', ']', ':':
		return 0, false
	}
	start := i
	for i < len(p) && !isSpace(p[i]) && p[i] != ',' && p[i] != '}' && p[i] != ']' {
		i++
	}
	return i, i > start
}

// eachMember calls fn with each key (quoted, as written) and raw value of
// the object p holds, until fn returns false. It reports whether p is an
// object as far as it was read.
func eachMember(p []byte, fn func(key, val []byte) bool) bool {
	i := skipSpace(p, 0)
	if i >= len(p) || p[i] != '{' {
		return false
	}
	i = skipSpace(p, i+1)
	if i < len(p) && p[i] == '}' {
		return true
	}
	for {
		if i >= len(p) || p[i] != '"' {
			return false
		}
		kend, ok := skipString(p, i)
		if !ok {
			return false
		}
		key := p[i:kend]
		i = skipSpace(p, kend)
		if i >= len(p) || p[i] != ':' {
			return false
		}
		i = skipSpace(p, i+1)
		vend, ok := skipValue(p, i)
		if !ok {
			return false
		}
		if !fn(key, p[i:vend]) {
			return true
		}
		i = skipSpace(p, vend)
		if i >= len(p) {
			return false
		}
		if p[i] == '}' {
			return true
		}
		if p[i] != ',' {
			return false
		}
		i = skipSpace(p, i+1)
	}
}

// arrayElems appends to elems the raw elements of the array p holds, as
// many as elems has room for (the rest are not looked at); ok is false
// when p is not an array as far as it was read.
func arrayElems(p []byte, elems [][]byte) (_ [][]byte, ok bool) {
	max := cap(elems)
	i := skipSpace(p, 0)
	if i >= len(p) || p[i] != '[' {
		return nil, false
	}
	i = skipSpace(p, i+1)
	if i < len(p) && p[i] == ']' {
		return nil, true
	}
	for len(elems) < max {
		end, ok := skipValue(p, i)
		if !ok {
			return nil, false
		}
		elems = append(elems, p[i:end])
		i = skipSpace(p, end)
		if i >= len(p) {
			return nil, false
		}
		if p[i] == ']' {
			return elems, true
		}
		if p[i] != ',' {
			return nil, false
		}
		i = skipSpace(p, i+1)
	}
	return elems, true
}

func keyIs(raw []byte, key string) bool {
	return len(raw) == len(key)+2 && string(raw[1:len(raw)-1]) == key
}

// objectRaw returns the raw value of key in the object p holds.
func objectRaw(p []byte, key string) (val []byte, ok bool) {
	eachMember(p, func(k, v []byte) bool {
		if keyIs(k, key) {
			val, ok = v, true
			return false
		}
		return true
	})
	return val, ok
}

// objectString returns the value of key in the object p holds when it is
// a string.
func objectString(p []byte, key string) (string, bool) {
	raw, ok := objectRaw(p, key)
	if !ok {
		return "", false
	}
	return unquote(raw)
}

func hasKey(p []byte, key string) bool {
	_, ok := objectRaw(p, key)
	return ok
}

// unquote returns the string a raw JSON string holds.
func unquote(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	// Quotes and backslashes, the escapes of JSON inside JSON (an
	// ActionCable identifier), are undone here; the rest by encoding/json.
	out := make([]byte, 0, len(inner))
	for i := 0; i < len(inner); i++ {
		c := inner[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		if i+1 == len(inner) {
			return "", false
		}
		switch inner[i+1] {
		case '"', '\\', '/':
			out = append(out, inner[i+1])
			i++
		default:
			var s string
			if json.Unmarshal(raw, &s) != nil {
				return "", false
			}
			return s, true
		}
	}
	return string(out), true
}

// idText returns a raw JSON id, a string or a number, as text; "" for
// null or anything else.
func idText(raw []byte) string {
	if s, ok := unquote(raw); ok {
		return s
	}
	if _, err := strconv.ParseFloat(string(raw), 64); err == nil {
		return string(raw)
	}
	return ""
}
