package tui

import (
	"fmt"
	"time"

	"github.com/wsdbg/wsdbg/tui/internal/cells"
)

// humanBytes formats a byte count compactly: 999B, 1.2K, 34K, 5.6M. It
// is the one size formatter of the interface.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	v := float64(n)
	for _, suffix := range []string{"K", "M", "G", "T"} {
		v /= unit
		if v < 10 {
			return fmt.Sprintf("%.1f%s", v, suffix)
		}
		if v < unit || suffix == "T" {
			return fmt.Sprintf("%.0f%s", v, suffix)
		}
	}
	return fmt.Sprintf("%dB", n)
}

// hexBytes writes bytes as hex pairs separated by spaces, perLine to a
// line (0: all on one): the form /hex reads back. It is the one hex writer
// of the interface, for previews and copies alike.
func hexBytes(p []byte, perLine int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 0, len(p)*3)
	for k, c := range p {
		if k > 0 {
			if perLine > 0 && k%perLine == 0 {
				b = append(b, '\n')
			} else {
				b = append(b, ' ')
			}
		}
		b = append(b, digits[c>>4], digits[c&0xf])
	}
	return string(b)
}

// humanDuration formats a latency or interval: 850µs, 12ms, 1.5s, 2m03s.
func humanDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + humanDuration(-d)
	case d < time.Millisecond:
		return fmt.Sprintf("%dµs", d.Microseconds())
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < time.Minute:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}

// uptime formats how long something has lasted, in whole seconds.
func uptime(d time.Duration) string {
	if d < time.Second {
		return "0s"
	}
	return humanDuration(d.Truncate(time.Second))
}

// clockTime formats a wall-clock time for the log's time column. Narrow
// layouts drop the milliseconds.
func clockTime(t time.Time, narrow bool) string {
	if narrow {
		return t.Format("15:04:05")
	}
	return t.Format("15:04:05.000")
}

// sinceStart formats a time relative to the connection's start, right-aligned
// to the same width as clockTime.
func sinceStart(d time.Duration, narrow bool) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	h, m := int(d.Hours()), int(d.Minutes())%60
	s := float64(d%time.Minute) / float64(time.Second)
	var out string
	switch {
	case h > 0:
		out = fmt.Sprintf("%s%d:%02d:%02d", sign, h, m, int(s))
	case narrow:
		out = fmt.Sprintf("%s%d:%02d", sign, m, int(s))
	default:
		out = fmt.Sprintf("%s%d:%06.3f", sign, m, s)
	}
	width := 12
	if narrow {
		width = 8
	}
	return cells.PadLeft(out, width)
}
