package conn

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfterHeader caps a Retry-After value before it becomes a
// duration, so that absurd values cannot overflow.
const maxRetryAfterHeader = 24 * time.Hour

// timing holds the waits and the backoff of a client. Tests shorten them.
type timing struct {
	// writeTimeout is how long a write may make no progress before the
	// connection is given up.
	writeTimeout time.Duration
	// stallWarning is how long a write may make no progress before the
	// server is reported as not reading.
	stallWarning time.Duration
	// closeSend is how long Close's frame may wait for the socket to take
	// it before the connection is dropped without it.
	closeSend time.Duration

	backoffBase time.Duration
	backoffCap  time.Duration
	// healthyAfter is how long a connection must stay open for the
	// backoff to start over: a server that accepts and drops at once must
	// not be redialled at full speed.
	healthyAfter time.Duration
	// busyFloor is the least delay after the server said it is overloaded
	// (1013, a rate-limit close code, 429 or 503).
	busyFloor time.Duration
	// maxRetryAfter caps how long a Retry-After header can make us wait.
	maxRetryAfter time.Duration
	// phoenixHeartbeat is how often a Phoenix client sends its heartbeat.
	phoenixHeartbeat time.Duration
}

var defaultTiming = timing{
	writeTimeout:  writeWait,
	stallWarning:  3 * time.Second,
	closeSend:     time.Second,
	backoffBase:   500 * time.Millisecond,
	backoffCap:    30 * time.Second,
	healthyAfter:  10 * time.Second,
	busyFloor:     5 * time.Second,
	maxRetryAfter: 10 * time.Minute,

	phoenixHeartbeat: PhoenixHeartbeatInterval,
}

// redialDelay is how long to wait before reconnect attempt number attempt
// after a connection that ended as o says. It doubles with each attempt up
// to backoffCap, and half of it is random, so that clients dropped together
// do not return together. A server that said it is overloaded gets at
// least busyFloor, and a Retry-After is honoured (up to maxRetryAfter).
func (t timing) redialDelay(attempt int, o outcome) time.Duration {
	d := t.backoffBase << min(attempt-1, 16)
	if d > t.backoffCap || d <= 0 {
		d = t.backoffCap
	}
	d = d/2 + rand.N(d/2+1)
	if o.overloaded && d < t.busyFloor {
		d = t.busyFloor + rand.N(t.busyFloor/4+1)
	}
	if ra := min(o.retryAfter, t.maxRetryAfter); d < ra {
		d = ra + rand.N(ra/10+1)
	}
	return d
}

// parseRetryAfter reads a Retry-After header: seconds, or an HTTP date.
// It returns 0 when there is none or it cannot be read.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(maxRetryAfterHeader/time.Second))) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil && at.After(now) {
		return min(at.Sub(now), maxRetryAfterHeader)
	}
	return 0
}
