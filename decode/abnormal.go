package decode

import (
	"fmt"
	"math"
	"strings"
)

// idleTimeout is a proxy or load balancer default that drops connections
// which carry no traffic for a while.
type idleTimeout struct {
	who     string
	seconds float64
	knob    string // how to raise it, or that it cannot be
}

// knownIdleTimeouts are defaults that cut quiet WebSocket connections,
// the usual reason for a 1006 after a fixed quiet period.
var knownIdleTimeouts = []idleTimeout{
	{"the Heroku router", 55, "the Heroku router's limit is fixed"},
	{"nginx (proxy_read_timeout)", 60, "nginx: raise proxy_read_timeout and proxy_send_timeout"},
	{"an AWS Application Load Balancer", 60, "AWS ALB: raise the idle_timeout.timeout_seconds attribute"},
	{"an AWS Classic Load Balancer", 60, "AWS Classic ELB: raise the connection idle timeout"},
	{"Cloudflare", 100, "Cloudflare's limit changes only on Enterprise plans"},
	{"an Azure Load Balancer", 240, "Azure Load Balancer: raise the rule's TCP idle timeout"},
	{"Envoy or Istio (stream_idle_timeout)", 300, "Envoy: raise stream_idle_timeout"},
	{"an AWS Network Load Balancer", 350, "AWS NLB: raise the listener's TCP idle timeout"},
	{"AWS API Gateway", 600, "API Gateway's limit is fixed"},
}

// matchIdleTimeouts returns the known timeouts an idle time lines up with:
// a drop at, or a few seconds after, the timeout (the last frame can
// precede the proxy's last byte, and the drop takes a moment to notice).
func matchIdleTimeouts(idle float64) []idleTimeout {
	var hits []idleTimeout
	for _, t := range knownIdleTimeouts {
		if idle >= t.seconds-1 && idle <= t.seconds+max(3, t.seconds*0.05) {
			hits = append(hits, t)
		}
	}
	return hits
}

// diagnoseAbnormal sharpens a 1006 with what was happening before the
// drop: a quiet period that matches a known proxy timeout points to the
// proxy, busy traffic points elsewhere.
func diagnoseAbnormal(e *Explanation, ctx CloseContext) {
	idle := ctx.IdleSeconds
	if idle <= 0 || math.IsNaN(idle) || math.IsInf(idle, 0) {
		return
	}
	quiet := formatSeconds(idle)
	hits := matchIdleTimeouts(idle)
	switch {
	case len(hits) > 0 && !ctx.PingsOn:
		var whos, knobs []string
		for _, h := range hits {
			whos = append(whos, fmt.Sprintf("%s (%gs)", h.who, h.seconds))
			knobs = append(knobs, h.knob)
		}
		e.Explanation += fmt.Sprintf(" The connection had been quiet for %s with no pings, which matches the idle timeout of %s: a proxy most likely cut it.",
			quiet, strings.Join(whos, ", or "))
		e.Hint = fmt.Sprintf("Turn on pings shorter than that timeout (`--ping 20s`) so the proxy sees traffic, then reconnect. Otherwise %s.",
			strings.Join(knobs, "; "))
	case len(hits) > 0:
		e.Explanation += fmt.Sprintf(" The quiet period (%s) matches the idle timeout of %s, but pings were on, so the proxy should have seen traffic.",
			quiet, hits[0].who)
		e.Hint = "Check that the ping interval is shorter than that timeout and that pongs came back; if they did, look for a server crash or deploy, or a network change. Reconnect with backoff."
	case idle < 5:
		e.Explanation += fmt.Sprintf(" Traffic was flowing until %s before the drop, so an idle timeout is unlikely: think of a server crash or restart, a network failure, or a reset by a firewall.", quiet)
		e.Hint = "Check the server's logs and deploys at that moment. Reconnect with backoff."
	case !ctx.PingsOn && idle >= 30:
		e.Explanation += fmt.Sprintf(" The connection had been quiet for %s with no pings; a proxy, NAT or firewall with an idle timeout of about that length may have dropped it.", quiet)
		e.Hint = "Turn on pings (`--ping 20s`) and see whether the drops stop. Reconnect with backoff."
	}
}

// formatSeconds shows a duration the way people say it: 61s, 4m02s.
func formatSeconds(s float64) string {
	if s < 10 {
		return fmt.Sprintf("%.1fs", s)
	}
	total := int(math.Round(s))
	if total < 120 {
		return fmt.Sprintf("%ds", total)
	}
	if total < 3600 {
		return fmt.Sprintf("%dm%02ds", total/60, total%60)
	}
	return fmt.Sprintf("%dh%02dm", total/3600, total%3600/60)
}
