package decode

import (
	"fmt"
	"math"
	"net/http"
	"strings"
)

// pathTimeout is a proxy, load balancer or platform on the path that drops
// connections which carry no traffic for a while.
type pathTimeout struct {
	id      string  // DetectProxy's name for it, "" when response headers cannot show it
	who     string  // how sentences name it
	seconds float64 // its default idle timeout; 0 when it has none
	limit   string  // the timeout in words, completing "its …" or "it …"
	knob    string  // how to raise it, or that it cannot be
}

// pathTimeouts are defaults that cut quiet WebSocket connections, the usual
// reason for a 1006 after a fixed quiet period.
var pathTimeouts = []pathTimeout{
	{"heroku", "the Heroku router", 55, "router closes connections that are quiet for 55s", "the Heroku router's limit is fixed"},
	{"nginx", "nginx", 60, "proxy_read_timeout defaults to 60s", "nginx: raise proxy_read_timeout (and proxy_send_timeout) in the location that proxies the WebSocket"},
	{"aws-alb", "an AWS Application Load Balancer", 60, "idle timeout (idle_timeout.timeout_seconds) defaults to 60s", "AWS ALB: raise the idle_timeout.timeout_seconds attribute"},
	{"", "an AWS Classic Load Balancer", 60, "idle timeout defaults to 60s", "AWS Classic ELB: raise the connection idle timeout"},
	{"cloudflare", "Cloudflare", 100, "closes WebSocket connections that are quiet for 100s", "Cloudflare's limit changes only on Enterprise plans"},
	{"", "an Azure Load Balancer", 240, "TCP idle timeout defaults to 4 minutes", "Azure Load Balancer: raise the rule's TCP idle timeout"},
	{"envoy", "Envoy", 300, "stream_idle_timeout defaults to 5 minutes", "Envoy: raise stream_idle_timeout (or the route's idle_timeout); in Istio, the DestinationRule's idleTimeout"},
	{"", "an AWS Network Load Balancer", 350, "TCP idle timeout defaults to 350s", "AWS NLB: raise the listener's TCP idle timeout"},
	{"aws-api-gateway", "AWS API Gateway", 600, "closes WebSocket connections that are quiet for 10 minutes", "API Gateway's limit is fixed"},
	{"haproxy", "HAProxy", 0, "timeout tunnel (timeout client and timeout server where it is unset) ends quiet connections; it has no fixed default", "HAProxy: raise timeout tunnel"},
}

// DetectProxy names the proxy or load balancer that the upgrade response's
// headers point to: "nginx", "envoy", "haproxy", "aws-alb",
// "aws-api-gateway", "cloudflare" or "heroku"; "" when there is no sign of
// one. The outermost proxy usually rewrites Server, so that one wins.
func DetectProxy(h http.Header) string {
	server := strings.ToLower(strings.TrimSpace(h.Get("Server")))
	via := strings.ToLower(strings.Join(h.Values("Via"), ","))
	hasPrefix := func(prefix string) bool {
		for name := range h {
			if strings.HasPrefix(strings.ToLower(name), prefix) {
				return true
			}
		}
		return false
	}
	switch {
	case server == "cloudflare" || h.Get("Cf-Ray") != "":
		return "cloudflare"
	case h.Get("X-Amz-Apigw-Id") != "":
		return "aws-api-gateway"
	case strings.HasPrefix(server, "awselb") || h.Get("X-Amzn-Trace-Id") != "":
		return "aws-alb"
	case server == "envoy" || server == "istio-envoy" || hasPrefix("x-envoy-"):
		return "envoy"
	case strings.Contains(via, "vegur") || strings.Contains(via, "heroku-router"):
		return "heroku"
	case strings.HasPrefix(server, "haproxy"):
		return "haproxy"
	case server == "nginx" || strings.HasPrefix(server, "nginx/") || strings.HasPrefix(server, "openresty"):
		return "nginx"
	}
	return ""
}

func proxyByID(id string) (pathTimeout, bool) {
	for _, t := range pathTimeouts {
		if id != "" && t.id == id {
			return t, true
		}
	}
	return pathTimeout{}, false
}

// matchesTimeout reports whether a drop after idle seconds of quiet lines
// up with a timeout: at, or a few seconds after, it (the last frame can
// precede the proxy's last byte, and the drop takes a moment to notice).
func matchesTimeout(idle, timeout float64) bool {
	return timeout > 0 && idle >= timeout-1 && idle <= timeout+max(3, timeout*0.05)
}

// matchPathTimeouts returns the known timeouts an idle time lines up with.
func matchPathTimeouts(idle float64) []pathTimeout {
	var hits []pathTimeout
	for _, t := range pathTimeouts {
		if matchesTimeout(idle, t.seconds) {
			hits = append(hits, t)
		}
	}
	return hits
}

// sameQuietPeriod counts earlier drops that came after about the same
// quiet period. Periods under shortest seconds are left out: a busy
// connection dropping is no sign of a timeout.
func sameQuietPeriod(idle float64, earlier []float64, shortest float64) int {
	if idle < shortest {
		return 0 // gaps that short are just traffic
	}
	// A timer fires within a few percent of its period, plus the time the
	// drop takes to notice; short periods need a tight match to count.
	tolerance := max(0.2, min(idle*0.15, max(2, idle*0.05)))
	n := 0
	for _, d := range earlier {
		if math.Abs(d-idle) <= tolerance {
			n++
		}
	}
	return n
}

// pingBelow suggests a ping interval comfortably below a timeout.
func pingBelow(seconds float64) string {
	best := 1
	for _, s := range []int{2, 5, 10, 15, 20, 30} {
		if float64(s) <= seconds/2 {
			best = s
		}
	}
	return fmt.Sprintf("`--ping %ds`", best)
}

func knownDuration(s float64) bool {
	return s > 0 && !math.IsNaN(s) && !math.IsInf(s, 0)
}

// diagnoseAbnormal sharpens a 1006, however it was seen (no close frame,
// a reset, a broken pipe), with what was happening before the drop: a
// quiet period that matches the timeout of the proxy in front, or of a
// known default, or of the drops before it points to an idle timeout;
// busy traffic points elsewhere. A proxy without a matching quiet period
// is named, never blamed.
func diagnoseAbnormal(e *Explanation, ctx CloseContext) {
	proxy, hasProxy := proxyByID(ctx.Proxy)
	idle := ctx.IdleSeconds
	if !knownDuration(idle) {
		if hasProxy {
			nameProxyOnly(e, proxy)
		}
		return
	}
	quiet := humanSeconds(idle)
	// Gaps of a few seconds between frames are ordinary traffic, unless a
	// proxy whose timeout can be set that short sits in front.
	shortest := 5.0
	if hasProxy && !ctx.PingsOn {
		shortest = 1
	}
	repeats := sameQuietPeriod(idle, ctx.EarlierDrops, shortest)

	if hasProxy && matchesTimeout(idle, proxy.seconds) {
		blameProxy(e, proxy, ctx.PingsOn, quiet, repeats)
		return
	}
	// A proxy whose default does not match may still have been set
	// shorter; only pings rule its idle timeout out.
	mayBeConfigured := hasProxy && !ctx.PingsOn
	if hasProxy {
		switch {
		case proxy.seconds > 0 && ctx.PingsOn:
			e.Explanation += fmt.Sprintf(" %s is in front; its %s, and pings were on, so it is probably not that.",
				capitalise(proxy.who), proxy.limit)
		case proxy.seconds > 0:
			e.Explanation += fmt.Sprintf(" %s is in front; its %s, but it can be set shorter, and this drop came after %s of quiet with no pings.",
				capitalise(proxy.who), proxy.limit, quiet)
		default:
			e.Explanation += fmt.Sprintf(" %s is in front; its %s.", capitalise(proxy.who), proxy.limit)
		}
	}
	if repeats > 0 && !ctx.PingsOn {
		if !hasProxy || proxy.seconds == 0 { // otherwise the proxy's sentence said it
			e.Explanation += fmt.Sprintf(" The connection had been quiet for %s with no pings.", quiet)
		}
		e.Explanation += repeatSentence(repeats, quiet) +
			" A fixed idle timeout on the path (a proxy, load balancer, NAT or firewall) is the likely cause."
		e.Hint = fmt.Sprintf("Turn on pings below that period (%s) so the path sees traffic, then reconnect.", pingBelow(idle))
		if hasProxy {
			e.Hint += " Otherwise " + proxy.knob + "."
		}
		return
	}
	if mayBeConfigured && idle < 30 && len(matchPathTimeouts(idle)) == 0 {
		e.Explanation += fmt.Sprintf(" A timeout set that short on %s, a server crash or restart, or a network failure can each end a connection like this; a second drop after the same quiet period would point to the timeout.", proxy.who)
		e.Hint = fmt.Sprintf("Turn on pings below %s (%s) and see whether the drops stop; if they do, %s. Otherwise check the server's logs. Reconnect with backoff.",
			quiet, pingBelow(idle), proxy.knob)
		return
	}

	diagnoseQuietPeriod(e, ctx, quiet, hasProxy)
}

// nameProxyOnly names the proxy in front of a drop whose quiet period is
// not known, without blaming it.
func nameProxyOnly(e *Explanation, proxy pathTimeout) {
	e.Explanation += fmt.Sprintf(" %s is in front (the upgrade response's headers show it); its %s. How long the connection had been quiet is not known, so whether that cut it is not either.",
		capitalise(proxy.who), proxy.limit)
	if proxy.seconds > 0 {
		e.Hint = fmt.Sprintf("If drops come after %s of quiet, turn on pings (%s) or, for good, %s. Reconnect with backoff.",
			humanSeconds(proxy.seconds), pingBelow(proxy.seconds), proxy.knob)
	}
}

// blameProxy explains a drop whose quiet period matches the timeout of the
// proxy in front: most likely its doing, unless pings were on.
func blameProxy(e *Explanation, proxy pathTimeout, pingsOn bool, quiet string, repeats int) {
	if pingsOn {
		e.Explanation += fmt.Sprintf(" %s is in front and its %s, which matches the quiet period (%s), but pings were on, so it should have seen traffic.",
			capitalise(proxy.who), proxy.limit, quiet)
		e.Hint = "Check that the ping interval is shorter than that timeout and that pongs came back; if they did, look for a server crash or deploy, or a network change. Reconnect with backoff."
		return
	}
	e.Explanation += fmt.Sprintf(" The connection had been quiet for %s with no pings, and %s is in front (the upgrade response's headers show it): its %s, so it most likely cut the connection.",
		quiet, proxy.who, proxy.limit)
	e.Explanation += repeatSentence(repeats, quiet)
	e.Hint = fmt.Sprintf("Turn on pings below %s (%s) so %s sees traffic, then reconnect. Otherwise %s.",
		humanSeconds(proxy.seconds), pingBelow(proxy.seconds), proxy.who, proxy.knob)
}

// diagnoseQuietPeriod weighs the quiet period against the idle timeouts of
// well-known proxies and load balancers, when neither the proxy in front
// nor repeated drops settled the question.
func diagnoseQuietPeriod(e *Explanation, ctx CloseContext, quiet string, hasProxy bool) {
	idle := ctx.IdleSeconds
	hits := matchPathTimeouts(idle)
	switch {
	case len(hits) > 0 && !ctx.PingsOn:
		var whos, knobs []string
		for _, h := range hits {
			whos = append(whos, fmt.Sprintf("%s (%gs)", h.who, h.seconds))
			knobs = append(knobs, h.knob)
		}
		verdict := "a proxy most likely cut it"
		if hasProxy {
			// The headers showed another proxy, so this one is only a
			// possibility further along the path.
			verdict = "something further along the path may have cut it"
		}
		e.Explanation += fmt.Sprintf(" The connection had been quiet for %s with no pings, which matches the idle timeout of %s: %s.",
			quiet, strings.Join(whos, ", or "), verdict)
		e.Hint = fmt.Sprintf("Turn on pings shorter than that timeout (%s) so the proxy sees traffic, then reconnect. Otherwise %s.",
			pingBelow(hits[0].seconds), strings.Join(knobs, "; "))
	case len(hits) > 0:
		e.Explanation += fmt.Sprintf(" The quiet period (%s) matches the idle timeout of %s, but pings were on, so the proxy should have seen traffic.",
			quiet, hits[0].who)
		e.Hint = "Check that the ping interval is shorter than that timeout and that pongs came back; if they did, look for a server crash or deploy, or a network change. Reconnect with backoff."
	case idle < 5:
		e.Explanation += fmt.Sprintf(" Traffic was flowing until %s before the drop, so an idle timeout is unlikely: think of a server crash or restart, a network failure, or a reset by a firewall.", quiet)
		e.Hint = "Check the server's logs and deploys at that moment. Reconnect with backoff."
	case !ctx.PingsOn && idle >= 30:
		e.Explanation += fmt.Sprintf(" The connection had been quiet for %s with no pings; a proxy, NAT or firewall with an idle timeout of about that length may have dropped it.", quiet)
		e.Hint = fmt.Sprintf("Turn on pings (%s) and see whether the drops stop. Reconnect with backoff.", pingBelow(idle))
	case hasProxy:
		e.Hint = "Check the server's logs and deploys at that moment, and the proxy's. Reconnect with backoff."
	}
}

// repeatSentence says how many earlier drops came after the same quiet
// period, "" for none.
func repeatSentence(repeats int, quiet string) string {
	switch repeats {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf(" The drop before it in this session also came after about %s of quiet.", quiet)
	}
	return fmt.Sprintf(" %d earlier drops in this session also came after about %s of quiet.", repeats, quiet)
}

// capitalise starts a sentence with a name: "an AWS …" becomes "An AWS …",
// while brand names keep their own spelling ("nginx").
func capitalise(who string) string {
	for _, article := range []string{"an ", "the "} {
		if rest, ok := strings.CutPrefix(who, article); ok {
			return strings.ToUpper(article[:1]) + article[1:] + rest
		}
	}
	return who
}
