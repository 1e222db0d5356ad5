package decode

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// HumanSize writes a byte count for a person, the one way every output
// writes sizes: "0 B", "512 B", "1 KiB", "1.2 KiB", "34 KiB", "5.6 MiB".
// Below 10 units it keeps one decimal unless the value is whole.
func HumanSize(n int64) string {
	if n < 0 {
		return "-" + HumanSize(-n)
	}
	if n < 1<<10 {
		return strconv.FormatInt(n, 10) + " B"
	}
	v, unit := sizeUnit(n)
	return roundedUnits(v) + " " + sizeUnits[unit:unit+1] + "iB"
}

const sizeUnits = "KMGTPE"

// sizeUnit is n in the largest binary unit (0 for KiB) in which it rounds to
// less than 1024. n is at least 1 KiB.
func sizeUnit(n int64) (v float64, unit int) {
	v = float64(n) / (1 << 10)
	for math.Round(v) >= 1<<10 && unit < len(sizeUnits)-1 {
		v /= 1 << 10
		unit++
	}
	return v, unit
}

// roundedUnits writes v with one decimal below 10 and none above, without
// a trailing ".0".
func roundedUnits(v float64) string {
	if r := math.Round(v*10) / 10; r < 10 {
		return strconv.FormatFloat(r, 'f', -1, 64)
	}
	return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
}

// exactSize is HumanSize with the byte count added when the rounded size
// hides it: for limits, where 65535 and 65536 bytes must not both read
// "64 KiB".
func exactSize(n int64) string {
	if n < 1<<10 {
		return HumanSize(n)
	}
	if _, unit := sizeUnit(n); n%(1<<(10*(unit+1))) == 0 {
		return HumanSize(n)
	}
	return HumanSize(n) + " (" + strconv.FormatInt(n, 10) + " bytes)"
}

// HumanDuration writes a latency, interval or timeout for a person, the one
// way every output writes durations: "850µs", "2.5ms", "12ms", "1.5s", "3s",
// "45s", "119s", "4m02s", "1h05m". Up to two minutes it counts seconds, the
// unit proxy and server timeouts are configured in.
func HumanDuration(d time.Duration) string {
	switch {
	case d < 0:
		return "-" + HumanDuration(-d)
	case d < time.Millisecond:
		return strconv.FormatInt(d.Microseconds(), 10) + "µs"
	case d < 10*time.Millisecond:
		return roundedUnits(float64(d)/float64(time.Millisecond)) + "ms"
	case d < time.Second:
		return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
	case d < 10*time.Second:
		return roundedUnits(d.Seconds()) + "s"
	}
	total := int64(math.Round(d.Seconds()))
	switch {
	case total < 120:
		return strconv.FormatInt(total, 10) + "s"
	case total < 3600:
		return strconv.FormatInt(total/60, 10) + "m" + twoDigits(total%60) + "s"
	}
	return strconv.FormatInt(total/3600, 10) + "h" + twoDigits(total%3600/60) + "m"
}

// humanSeconds is HumanDuration for the float seconds failures and close
// contexts carry.
func humanSeconds(s float64) string {
	return HumanDuration(time.Duration(s * float64(time.Second)))
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// Clip cuts text to max characters, ending a cut with more (such as "…").
// It counts runes, so escaped text (see Sanitize) keeps whole escapes
// only as far as they fit.
func Clip(s string, max int, more string) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	i, n := 0, 0
	for i = range s {
		if n == max {
			break
		}
		n++
	}
	return s[:i] + more
}
