package timefmt

import (
	"testing"
	"time"
)

// The formatted times must be exactly what the time package writes, for
// every zone, across seconds, and for years RFC 3339 has no room for.
func TestMatchesTimePackage(t *testing.T) {
	var zones []*time.Location
	for _, name := range []string{"UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Logf("no zone data for %s: %v", name, err)
			continue
		}
		zones = append(zones, loc)
	}
	zones = append(zones, time.Local, time.FixedZone("odd", -(3*3600+25*60+7)))
	base := time.Date(2026, 3, 29, 0, 59, 58, 0, time.UTC) // a change to summer time in Europe
	var times []time.Time
	for _, ns := range []int{0, 1, 10, 100_000, 123_456_789, 999_999_999, 500_000_000} {
		for s := range 4 {
			times = append(times, base.Add(time.Duration(s)*time.Second+time.Duration(ns)))
		}
	}
	times = append(times, time.Time{}, time.Date(-5, 1, 1, 0, 0, 0, 1, time.UTC), time.Date(12345, 1, 1, 0, 0, 0, 7, time.UTC), time.Now())
	for _, loc := range zones {
		for _, tm := range times {
			tm = tm.In(loc)
			if got, want := string(AppendRFC3339Nano([]byte("x"), tm)), "x"+tm.Format(time.RFC3339Nano); got != want {
				t.Errorf("AppendRFC3339Nano(%v) = %q, want %q", tm, got, want)
			}
			if got, want := string(AppendClock(nil, tm)), tm.Format("15:04:05.000"); got != want {
				t.Errorf("AppendClock(%v) = %q, want %q", tm, got, want)
			}
		}
	}
}

func BenchmarkAppendRFC3339Nano(b *testing.B) {
	tm, buf := time.Now(), make([]byte, 0, 64)
	for b.Loop() {
		buf = AppendRFC3339Nano(buf[:0], tm)
	}
}
