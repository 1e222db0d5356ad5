// Package timefmt writes the times wsdbg prints for every event, fast:
// time.Time.AppendFormat works the calendar out for each call, while a
// busy connection's events share their second. The part of a time that
// only changes with the second is formatted once and kept.
package timefmt

import (
	"sync/atomic"
	"time"
)

// second is one second's formatted text in one location.
type second struct {
	unix int64
	loc  *time.Location
	// date is "2006-01-02T15:04:05", zone "Z" or "-07:00" as RFC 3339
	// writes them, and clock "15:04:05".
	date  [19]byte
	zone  string
	clock [8]byte
}

// last is the second most recently formatted. Events come in time order,
// so one entry serves nearly every call; it is replaced, never changed, so
// any goroutine may use it.
var last atomic.Pointer[second]

// lookup returns t's second, formatted; false when t's year has other
// than four digits, which RFC 3339 has no fixed-width form for.
func lookup(t time.Time) (*second, bool) {
	unix, loc := t.Unix(), t.Location()
	if s := last.Load(); s != nil && s.unix == unix && s.loc == loc {
		return s, true
	}
	if y := t.Year(); y < 0 || y > 9999 {
		return nil, false
	}
	s := &second{unix: unix, loc: loc}
	text := t.AppendFormat(make([]byte, 0, 32), "2006-01-02T15:04:05Z07:00")
	copy(s.date[:], text)
	s.zone = string(text[len(s.date):])
	copy(s.clock[:], text[11:19])
	last.Store(s)
	return s, true
}

// AppendRFC3339Nano appends t as t.AppendFormat(b, time.RFC3339Nano) does.
func AppendRFC3339Nano(b []byte, t time.Time) []byte {
	s, ok := lookup(t)
	if !ok {
		return t.AppendFormat(b, time.RFC3339Nano)
	}
	b = append(b, s.date[:]...)
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i > 0; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		end := len(frac)
		for frac[end-1] == '0' {
			end--
		}
		b = append(b, frac[:end]...)
	}
	return append(b, s.zone...)
}

// AppendClock appends t as t.AppendFormat(b, "15:04:05.000") does.
func AppendClock(b []byte, t time.Time) []byte {
	s, ok := lookup(t)
	if !ok {
		return t.AppendFormat(b, "15:04:05.000")
	}
	ms := t.Nanosecond() / int(time.Millisecond)
	b = append(b, s.clock[:]...)
	return append(b, '.', byte('0'+ms/100), byte('0'+ms/10%10), byte('0'+ms%10))
}
