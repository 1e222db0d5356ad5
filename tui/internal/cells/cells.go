// Package cells lays text out in terminal cells: padding, cutting and
// joining, so that every line of the interface is exactly as wide as the
// screen whatever its content.
package cells

import (
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Fit truncates styled or plain s to width cells and pads it to exactly
// width, so columns and panes line up whatever the content.
func Fit(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := ansi.StringWidth(s)
	if w > width {
		s = ansi.Truncate(s, width, "…")
		w = ansi.StringWidth(s)
	}
	if w < width {
		s += strings.Repeat(" ", width-w)
	}
	return s
}

// PadRight pads s with spaces to width cells, truncating with an ellipsis
// when it is wider. s must not contain styling.
func PadRight(s string, width int) string {
	if width <= 0 {
		return ""
	}
	w := Width(s)
	if w > width {
		if printableASCII(s) {
			// One byte per cell.
			return s[:width-1] + "…"
		}
		s = ansi.Truncate(s, width, "…")
		w = ansi.StringWidth(s)
	}
	return s + strings.Repeat(" ", width-w)
}

// PadLeft right-aligns s in width cells.
func PadLeft(s string, width int) string {
	w := Width(s)
	if w >= width {
		return s
	}
	return strings.Repeat(" ", width-w) + s
}

// JoinEnds puts left at the start and right at the end of a width-cell
// line.
func JoinEnds(left, right string, width int) string {
	rw := ansi.StringWidth(right)
	if rw >= width {
		return Fit(right, width)
	}
	return Fit(left, width-rw) + right
}

// SplitExact splits s into exactly h lines of exactly w cells.
func SplitExact(s string, h, w int) []string {
	lines := strings.Split(s, "\n")
	out := make([]string, h)
	for k := range out {
		if k < len(lines) {
			out[k] = Fit(lines[k], w)
		} else {
			out[k] = strings.Repeat(" ", w)
		}
	}
	return out
}

// bidiControls reorder what the terminal shows.
const bidiControls = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"

// StripBidi removes bidirectional control characters from what a text
// input draws; they have no width, so its cursor stays right.
func StripBidi(s string) string {
	if !strings.ContainsAny(s, bidiControls) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune(bidiControls, r) {
			return -1
		}
		return r
	}, s)
}

// Width is ansi.StringWidth with a fast path for printable ASCII.
func Width(s string) int {
	if printableASCII(s) {
		return len(s)
	}
	return ansi.StringWidth(s)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return false
		}
	}
	return true
}
