package decode

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// checkSafe fails the test if s could change what a terminal shows beyond
// its own glyphs: control bytes, DEL, C1 codes, bidi and other invisible
// format characters, line separators, invalid UTF-8.
func checkSafe(t testing.TB, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s: invalid UTF-8 in %q", what, s)
	}
	for _, r := range s {
		switch {
		case r < 0x20, r == 0x7f:
			t.Fatalf("%s: control character %U in %q", what, r, s)
		case r >= 0x80 && r <= 0x9f:
			t.Fatalf("%s: C1 control %U in %q", what, r, s)
		case r == 0x2028 || r == 0x2029 || unicode.Is(unicode.Cf, r):
			t.Fatalf("%s: invisible format character %U in %q", what, r, s)
		}
	}
}

func TestSanitize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain ASCII is untouched", "hello, world", "hello, world"},
		{"accented and CJK text is untouched", "café 東京", "café 東京"},
		{"emoji are untouched", "ok 👍", "ok 👍"},
		{"escape sequence", "\x1b[31mred", `\x1b[31mred`},
		{"newline, tab and carriage return", "a\nb\tc\rd", `a\nb\tc\rd`},
		{"NUL and BEL", "\x00\x07", `\x00\x07`},
		{"DEL", "a\x7fb", `a\x7fb`},
		{"C1 next line", "a\u0085b", `a\u0085b`},
		{"C1 CSI", "\u009b31m", `\u009b31m`},
		{"right-to-left override", "abc\u202edef", `abc\u202edef`},
		{"left-to-right embedding", "\u202a", `\u202a`},
		{"bidi isolates", "\u2066x\u2069", `\u2066x\u2069`},
		{"left-to-right and right-to-left marks", "\u200e\u200f", `\u200e\u200f`},
		{"Arabic letter mark", "\u061c", `\u061c`},
		{"zero-width space and joiner", "a\u200bb\u200dc", `a\u200bb\u200dc`},
		{"byte order mark", "\ufeffx", `\ufeffx`},
		{"soft hyphen", "co\u00adop", `co\u00adop`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"tag character", "\U000E0041", `\U000e0041`},
		{"invalid byte", "a\xffb", `a\xffb`},
		{"truncated sequence", "a\xe2\x82", `a\xe2\x82`},
		{"lone continuation byte", "\x80", `\x80`},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Sanitize(tt.in)
			if got != tt.want {
				t.Fatalf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			checkSafe(t, "Sanitize", got)
		})
	}
}

func TestSanitizeDoesNotAllocateForPlainText(t *testing.T) {
	s := strings.Repeat("plain text ", 20)
	if n := testing.AllocsPerRun(100, func() { _ = Sanitize(s) }); n != 0 {
		t.Fatalf("Sanitize allocated %v times for printable ASCII", n)
	}
}

func TestTruncateKeepsRunesWhole(t *testing.T) {
	if got := truncate("ééé", 3); got != "é…" {
		t.Fatalf("truncate = %q, want %q", got, "é…")
	}
	if got := truncate("short", 10); got != "short" {
		t.Fatalf("truncate = %q", got)
	}
}
