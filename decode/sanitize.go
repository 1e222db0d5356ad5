package decode

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// Sanitize makes s safe to print on one line: control characters, C1 codes,
// bidi overrides and isolates, other invisible format characters and invalid
// UTF-8 become visible escapes such as \n, \x1b, \u202e and \xff.
func Sanitize(s string) string {
	if isPlainASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	forEachPiece(s, func(text string, _ bool) {
		b.WriteString(text)
	})
	return b.String()
}

// isPlainASCII reports whether every byte of s is printable ASCII, the common
// case that needs no work.
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// forEachPiece splits s into runs of safe text and single visible escapes, in
// order. Safe runs are substrings of s, so the common case allocates nothing.
func forEachPiece(s string, emit func(text string, escaped bool)) {
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		esc := escapeRune(r, size, c)
		if esc == "" {
			i += size
			continue
		}
		if start < i {
			emit(s[start:i], false)
		}
		emit(esc, true)
		i += size
		start = i
	}
	if start < len(s) {
		emit(s[start:], false)
	}
}

// escapeRune returns the visible escape for an unsafe rune, or "" when the
// rune is safe to print. first is the rune's first byte, which is what an
// invalid UTF-8 sequence escapes as.
func escapeRune(r rune, size int, first byte) string {
	switch {
	case r == utf8.RuneError && size == 1:
		return byteEscape(first)
	case r == '\n':
		return `\n`
	case r == '\t':
		return `\t`
	case r == '\r':
		return `\r`
	case r < 0x20 || r == 0x7f:
		return byteEscape(byte(r))
	case r < 0xa0 && r >= 0x80:
		return runeEscape(r)
	case r < 0xa0:
		return ""
	case r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Cf, r):
		// Cf holds the bidi controls (U+061C, U+200E/F, U+202A–E, U+2066–9),
		// zero-width characters, soft hyphen, tag characters and the BOM:
		// all invisible, some able to reorder what the terminal shows.
		return runeEscape(r)
	}
	return ""
}

// IsUnsafeRune reports whether r must not reach a terminal as it is: a C0
// or C1 control (but newline and tab), DEL, a line or paragraph separator,
// or a format character such as a bidi control or a zero-width space.
// Writers of other escaped forms (JSON) use it to escape the same runes
// Sanitize does.
func IsUnsafeRune(r rune) bool {
	if r == '\n' || r == '\t' {
		return false
	}
	return r != utf8.RuneError && escapeRune(r, utf8.RuneLen(r), 0) != ""
}

func byteEscape(c byte) string {
	return string([]byte{'\\', 'x', hexDigits[c>>4], hexDigits[c&0xf]})
}

func runeEscape(r rune) string {
	if r > 0xffff {
		b := []byte{'\\', 'U', 0, 0, 0, 0, 0, 0, 0, 0}
		for i := 9; i >= 2; i-- {
			b[i] = hexDigits[r&0xf]
			r >>= 4
		}
		return string(b)
	}
	b := []byte{'\\', 'u', 0, 0, 0, 0}
	for i := 5; i >= 2; i-- {
		b[i] = hexDigits[r&0xf]
		r >>= 4
	}
	return string(b)
}

// SanitizePieces calls emit for each run of safe text in s and for each
// visible escape that stands for an unsafe piece, in order; concatenated they
// are Sanitize(s). Safe runs are substrings of s, so writers that keep the two
// apart (to colour escapes) allocate nothing for ordinary text.
func SanitizePieces(s string, emit func(text string, escaped bool)) {
	if isPlainASCII(s) {
		if s != "" {
			emit(s, false)
		}
		return
	}
	forEachPiece(s, emit)
}

// truncate shortens s to at most n bytes without splitting a UTF-8
// sequence, marking the cut with an ellipsis.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
