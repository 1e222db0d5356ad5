package decode

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

func statusText(status int) string {
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "(non-standard status)"
}

// explainHTTPStatus explains an upgrade answered with a status other than
// 101, using the request's context: whether credentials and which Origin
// were sent, Retry-After, and the body.
func explainHTTPStatus(e *Explanation, f Failure) {
	s := f.Status
	e.Name = fmt.Sprintf("Upgrade refused: %d %s", s, statusText(s))
	e.Reconnect = false
	if s == http.StatusNotFound && isActionCableRefusal(f) {
		explainActionCableRefusal(e, f)
		return
	}
	if s == http.StatusForbidden && isPhoenixSocket(f.URL) {
		explainPhoenixRefusal(e, f)
		return
	}
	if m, ok := httpStatusMeanings[s]; ok {
		e.Explanation, e.Hint, e.Reconnect = m.explanation, m.hint, m.reconnect
	} else {
		explainStatusInContext(e, f)
	}
	if body := strings.TrimSpace(f.Body); body != "" {
		e.Explanation += ` The response body begins: "` + Sanitize(truncate(body, 200)) + `".`
	}
}

// explainStatusInContext explains the statuses whose meaning depends on
// what was sent and what came back, and the ranges no status names.
func explainStatusInContext(e *Explanation, f Failure) {
	s := f.Status
	switch {
	case s == 400:
		e.Explanation = "The server found the upgrade request malformed. For a WebSocket that means a missing or bad Sec-WebSocket-Key (it must be 16 bytes, base64-encoded), a missing or wrong Sec-WebSocket-Version, Upgrade or Connection headers that a proxy stripped, no subprotocol the server requires (no_acceptable_subprotocol), or query parameters the application expects."
		e.Hint = "Read the body for the reason; if a proxy is in front, make it pass Upgrade and Connection; if the service needs a subprotocol, offer it with `--subprotocol`."
		if eio, ok := engineIOError(f.Body); ok {
			e.Explanation += " The body is an Engine.IO error: " + eio
			e.Hint = "Use the Socket.IO path with ?EIO=4&transport=websocket (EIO=3 for Socket.IO 2), and do not reuse an old sid."
		}
	case s == 401:
		e.Explanation = "The server wants authentication before it upgrades."
		if f.SentAuth {
			e.Explanation += " An Authorization header or cookie was sent, so it was refused: probably expired, for the wrong audience or environment, or in the wrong scheme."
			e.Hint = "Get a fresh token and check its scheme (Bearer, Basic) and audience."
		} else {
			e.Explanation += " No Authorization header or cookie was sent."
			e.Hint = "Send the credentials the service expects: a header (`-H 'Authorization: Bearer …'`), a cookie (`-H 'Cookie: …'`), or a token in the query string, where many services take it because browsers cannot set headers."
		}
		if v, ok := f.Header["Www-Authenticate"]; ok {
			e.Explanation += fmt.Sprintf(" The server asks for: %s.", Sanitize(v))
		}
	case s == 403:
		e.Explanation = "The server understood the request and refused it. For WebSockets this is most often the Origin check"
		if f.Origin != "" {
			e.Explanation += fmt.Sprintf(" (the Origin sent was %s)", quote(f.Origin))
		} else {
			e.Explanation += " (no Origin header was sent, and some servers require one)"
		}
		e.Explanation += ", otherwise missing permissions for the account, an IP allow-list, or a WAF rule."
		e.Hint = "Send an Origin the server allows, usually the site's own (`--origin https://app.example.com`); if the Origin is right, check the account's permissions."
	case s == 426:
		e.Explanation = "The server wants another protocol version: it does not take Sec-WebSocket-Version 13, or it is a plain HTTP server asking for an upgrade the request did not carry (a proxy stripped the Upgrade header)."
		if v, ok := f.Header["Sec-Websocket-Version"]; ok {
			e.Explanation += fmt.Sprintf(" It supports Sec-WebSocket-Version: %s.", Sanitize(v))
		}
		e.Hint = "Version 13 is the only standard one; if a proxy is in front, make it pass Upgrade and Connection."
	case s == 429:
		e.Explanation = "The server is rate limiting: too many connections or requests from this client."
		e.Hint = "Wait before reconnecting" + retryAfter(f) + ", and connect less often."
		e.Reconnect = true
	case s == 503:
		e.Explanation = "The service is unavailable: overloaded, in maintenance, or with no healthy instance behind the load balancer."
		e.Hint = "Reconnect later" + retryAfter(f) + " with backoff."
		e.Reconnect = true
	case s >= 200 && s < 300:
		e.Name = fmt.Sprintf("Upgrade ignored: %d %s", s, statusText(s))
		e.Explanation = "The server answered as plain HTTP instead of switching protocols: this URL is not a WebSocket endpoint (a web page, an API, a single-page app's catch-all), or a proxy or CDN removed the Upgrade header on the way."
		e.Hint = "Check the path; if a proxy is in front, make it pass Upgrade and Connection (nginx: proxy_set_header Upgrade $http_upgrade; proxy_set_header Connection \"upgrade\")."
	case s >= 300 && s < 400:
		explainRedirect(e, f)
	case s >= 400 && s < 500:
		e.Explanation = "The server refused the upgrade request as a client error."
	case s >= 500 && s < 600:
		e.Explanation = "The server failed to handle the upgrade."
		e.Hint = "Check the server's logs. Reconnect with backoff."
		e.Reconnect = true
	default:
		e.Explanation = "The server answered with a status that is not a valid reply to an upgrade."
	}
}

// httpStatusMeanings explains the refusals that need nothing but their status.
var httpStatusMeanings = map[int]struct {
	explanation, hint string
	reconnect         bool
}{
	404: {"Nothing serves WebSockets at this path; the endpoint lives elsewhere (for example /ws, /graphql, or /socket.io/?EIO=4&transport=websocket).", "Check the path and query against the service's documentation or a working client's network log.", false},
	405: {"The server does not accept a GET upgrade at this path: it is an ordinary HTTP endpoint, or a proxy in front does not support WebSockets.", "Check the path; if a proxy is in front, enable WebSocket support on it.", false},
	407: {"A proxy wants credentials.", "Put them in the proxy URL: `--proxy http://user:password@proxy:port`.", false},
	408: {"The server gave up waiting for the request to arrive.", "Retry; if it persists, something between here and the server is slow.", true},
	410: {"The endpoint is gone for good, usually an API version that was retired.", "Find the current endpoint in the service's documentation.", false},
	413: {"The upgrade request was too large for the server, almost always its headers (the handshake_too_big case): big cookies or long tokens.", "Send fewer or smaller headers and cookies.", false},
	431: {"The upgrade request was too large for the server, almost always its headers (the handshake_too_big case): big cookies or long tokens.", "Send fewer or smaller headers and cookies.", false},
	500: {"The server failed while handling the upgrade: an exception in the handshake handler or its authentication code.", "Check the server's logs. Reconnect with backoff.", true},
	501: {"The server does not implement what the request asked for: it cannot upgrade to WebSocket.", "Check that this is the WebSocket endpoint.", false},
	502: {"A proxy or gateway got a bad answer from the server behind it: that server is down or restarting, does not speak WebSocket, or the proxy is not set up for upgrades (nginx needs proxy_http_version 1.1 and the Upgrade and Connection headers passed on).", "Check the upstream service's health and the proxy's WebSocket configuration. Reconnect with backoff.", true},
	504: {"A proxy or gateway did not get the server's answer to the upgrade in time.", "Check the upstream service's health. Reconnect with backoff.", true},
}

func retryAfter(f Failure) string {
	if f.RetryAfter == "" {
		return ""
	}
	return " (the server asks for Retry-After: " + Sanitize(f.RetryAfter) + ")"
}

// engineIOErrors are the errors an Engine.IO server answers a bad
// handshake with, as {"code": n, "message": "..."}.
var engineIOErrors = map[int]string{
	0: "Transport unknown",
	1: "Session ID unknown",
	2: "Bad handshake method",
	3: "Bad request",
	4: "Forbidden",
	5: "Unsupported protocol version",
}

var engineIOMeanings = map[int]string{
	0: "the transport query parameter is missing or names no transport the server enables.",
	1: "the sid does not name a live session, often a reconnect with a stale sid or sticky sessions missing behind a load balancer.",
	2: "the handshake was not a GET.",
	3: "the request is malformed for Engine.IO.",
	4: "the server's allowRequest hook refused the connection.",
	5: "the EIO query parameter names a protocol version the server does not support (Socket.IO 2 clients use EIO=3, later ones EIO=4).",
}

// engineIOError recognises an Engine.IO error body and says what it means.
// Engine.IO writes the JSON form on its HTTP transports; on the WebSocket
// transport (a refusal after the 101) it writes the bare message.
func engineIOError(body string) (string, bool) {
	var v struct {
		Code    *int   `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal([]byte(body), &v) != nil || v.Code == nil {
		for code, msg := range engineIOErrors {
			if body == msg && code != 3 && code != 4 { // "Bad request" and "Forbidden" are no evidence of Engine.IO
				return fmt.Sprintf("%s (%d): %s", msg, code, engineIOMeanings[code]), true
			}
		}
		return "", false
	}
	if name, ok := engineIOErrors[*v.Code]; !ok || name != v.Message {
		return "", false
	}
	return fmt.Sprintf("%s (%d): %s", v.Message, *v.Code, engineIOMeanings[*v.Code]), true
}

// actionCableNotFound is the body ActionCable's respond_to_invalid_request
// answers with, and /cable its default mount path.
const actionCableNotFound = "Page not found"

// isActionCableRefusal reports whether a 404 is ActionCable refusing the
// upgrade rather than a wrong path: its own body, on its mount path.
func isActionCableRefusal(f Failure) bool {
	u, err := url.Parse(f.URL)
	return err == nil && strings.HasSuffix(u.Path, "/cable") && strings.TrimSpace(f.Body) == actionCableNotFound
}

func explainActionCableRefusal(e *Explanation, f Failure) {
	e.Explanation = `This is Rails' ActionCable on its /cable path: it answers 404 "Page not found" when it refuses an upgrade, most often because its request forgery protection does not allow the Origin`
	if f.Origin != "" {
		e.Explanation += fmt.Sprintf(" (the Origin sent was %s)", quote(f.Origin))
	} else {
		e.Explanation += " (no Origin header was sent)"
	}
	e.Explanation += `; the server's log then says "Request origin not allowed".`
	e.Hint = "Send the application's own Origin (`--origin https://app.example.com`), or add yours to config.action_cable.allowed_request_origins."
}

// isPhoenixSocket reports whether a URL is a Phoenix socket's: a path
// ending in /websocket with the serializer's vsn parameter.
func isPhoenixSocket(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && strings.HasSuffix(u.Path, "/websocket") && u.Query().Get("vsn") != ""
}

// explainPhoenixRefusal explains a Phoenix socket's 403: Phoenix answers
// so both when the socket's connect/3 refuses and when check_origin does.
func explainPhoenixRefusal(e *Explanation, f Failure) {
	e.Explanation = "This is a Phoenix socket (/websocket?vsn=…): Phoenix answers 403 when the socket's connect/3 refused the connection, most often for a missing or expired token in the query parameters, or when check_origin refused the Origin"
	if f.Origin != "" {
		e.Explanation += fmt.Sprintf(" (the Origin sent was %s)", quote(f.Origin))
	} else {
		e.Explanation += " (no Origin header was sent)"
	}
	e.Explanation += "."
	if body := strings.TrimSpace(f.Body); body != "" {
		e.Explanation += ` The response body begins: "` + Sanitize(truncate(body, 200)) + `".`
	}
	e.Hint = "Pass the parameters the socket's connect/3 expects (such as ?token=… next to vsn), and an Origin the endpoint's check_origin allows (`--origin`)."
}
