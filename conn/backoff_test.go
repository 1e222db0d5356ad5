package conn

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn/internal/wirepeer"
)

// closingServer accepts each connection, closes it at once with code, and
// counts the connections.
func closingServer(t *testing.T, code uint16, after time.Duration) (string, *atomic.Int32) {
	var conns atomic.Int32
	url := wirepeer.Start(t, func(p *wirepeer.Peer) {
		conns.Add(1)
		time.Sleep(after)
		p.WriteClose(code, "")
		p.ReadFrame() // the echo
	})
	return url, &conns
}

func TestReconnectBacksOffWhenEachConnectionClosesAtOnce(t *testing.T) {
	url, conns := closingServer(t, 1013, 0)
	tm := defaultTiming
	tm.backoffBase, tm.busyFloor = 100*time.Millisecond, 200*time.Millisecond
	c := dial(context.Background(), Options{URL: url, Reconnect: true}, tm)
	defer c.Shutdown()

	var delays []time.Duration
	deadline := time.After(3 * time.Second)
collect:
	for {
		select {
		case ev := <-c.Events():
			if ev.Type != EventReconnect {
				continue
			}
			if ev.Attempt != len(delays)+1 {
				t.Fatalf("reconnect %d is numbered attempt %d", len(delays)+1, ev.Attempt)
			}
			if ev.Delay < tm.busyFloor {
				t.Fatalf("attempt %d after a 1013 waits %v, less than %v", ev.Attempt, ev.Delay, tm.busyFloor)
			}
			delays = append(delays, ev.Delay)
		case <-deadline:
			break collect
		}
	}
	if len(delays) < 4 || len(delays) > 8 {
		t.Fatalf("%d reconnects in 3s (%v), want a handful", len(delays), delays)
	}
	if last := delays[len(delays)-1]; last <= delays[0] {
		t.Fatalf("delays do not grow: %v", delays)
	}
	if n := int(conns.Load()); n > len(delays)+1 {
		t.Fatalf("the server saw %d connections for %d reconnects", n, len(delays))
	}
}

func TestTryAgainLaterWaitsSecondsByDefault(t *testing.T) {
	url, _ := closingServer(t, 1013, 0)
	c := Dial(context.Background(), Options{URL: url, Reconnect: true})
	defer c.Shutdown()
	if ev := next(t, c, EventReconnect); ev.Delay < defaultTiming.busyFloor {
		t.Fatalf("first reconnect after a 1013 in %v, want at least %v", ev.Delay, defaultTiming.busyFloor)
	}
}

func TestBackoffStartsOverAfterAHealthyConnection(t *testing.T) {
	url, _ := closingServer(t, 1001, 300*time.Millisecond)
	tm := defaultTiming
	tm.backoffBase, tm.healthyAfter = 50*time.Millisecond, 200*time.Millisecond
	c := dial(context.Background(), Options{URL: url, Reconnect: true}, tm)
	defer c.Shutdown()
	for range 3 {
		if ev := next(t, c, EventReconnect); ev.Attempt != 1 {
			t.Fatalf("after a connection that lasted past healthyAfter: attempt %d, want 1", ev.Attempt)
		}
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	url := wirepeer.StartWith(t, wirepeer.Options{ManualHandshake: true}, func(p *wirepeer.Peer) {
		p.WriteStatus(http.StatusServiceUnavailable, http.Header{"Retry-After": {"2"}}, "busy")
	})
	tm := defaultTiming
	tm.busyFloor = 0 // only the header may make the wait long
	c := dial(context.Background(), Options{URL: url, Reconnect: true}, tm)
	defer c.Shutdown()
	ev := next(t, c, EventReconnect)
	if ev.Delay < 2*time.Second || ev.Delay > 3*time.Second {
		t.Fatalf("reconnect after Retry-After: 2 in %v", ev.Delay)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"2", 2 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"99999999999999999", maxRetryAfterHeader},
		{"Sat, 01 Mar 2025 12:00:30 GMT", 30 * time.Second},
		{"Sat, 01 Mar 2025 11:00:00 GMT", 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestRedialDelay(t *testing.T) {
	tm := defaultTiming
	for attempt := 1; attempt <= 40; attempt++ {
		d := tm.redialDelay(attempt, outcome{})
		full := min(tm.backoffBase<<min(attempt-1, 16), tm.backoffCap)
		if d < full/2 || d > full {
			t.Fatalf("attempt %d: %v, want between %v and %v", attempt, d, full/2, full)
		}
	}
	if d := tm.redialDelay(1, outcome{overloaded: true}); d < tm.busyFloor {
		t.Fatalf("overloaded: %v", d)
	}
	if d := tm.redialDelay(1, outcome{retryAfter: time.Hour}); d < tm.maxRetryAfter || d > tm.maxRetryAfter*11/10 {
		t.Fatalf("a Retry-After of an hour waits %v, want about %v", d, tm.maxRetryAfter)
	}
}

func TestCloseCodesThatAskForALongerWait(t *testing.T) {
	tests := []struct {
		host string
		code int
		want bool
	}{
		{"example.com", 1013, true},
		{"gateway.discord.gg", 4008, true}, // Rate Limited in the Discord gateway
		{"example.com", 4008, false},
		{"example.com", 1011, false},
		{"example.com", 1001, false},
	}
	for _, tt := range tests {
		s := &session{host: tt.host}
		if got := s.closeSaysOverloaded(tt.code); got != tt.want {
			t.Errorf("%s closing with %d: overloaded = %v, want %v", tt.host, tt.code, got, tt.want)
		}
	}
}
