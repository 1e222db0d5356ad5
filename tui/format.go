package tui

import (
	"fmt"
	"time"

	"github.com/wsdbg/wsdbg/decode"

	"github.com/wsdbg/wsdbg/tui/internal/cells"
)

// uptime formats how long something has lasted, in whole seconds.
func uptime(d time.Duration) string {
	if d < time.Second {
		return "0s"
	}
	return decode.HumanDuration(d.Truncate(time.Second))
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
