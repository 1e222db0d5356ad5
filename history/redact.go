package history

import (
	"net/http"
	"slices"
	"strings"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

// Redactor hides credentials before anything reaches the terminal, a file,
// an export or a bug report. The zero value redacts:
//
//   - the values of Authorization, Proxy-Authorization, Cookie, Set-Cookie,
//     Sec-WebSocket-Key, Sec-WebSocket-Accept, X-Api-Key and Api-Key, of
//     every header whose name looks like a credential by the rule below
//     (X-Auth-Token, X-Custom-Token, X-Session-Id, ...), and of
//     ExtraHeaders, in requests and responses alike;
//   - URL query and fragment parameters whose names look like credentials
//     (token, access_token, auth, key, apikey, api_key, password, secret,
//     signature, sig, jwt, session, ... in any case);
//   - the password of URL userinfo;
//   - credentials carried as subprotocols, the way Kubernetes takes a token
//     (base64url.bearer.authorization.k8s.io.TOKEN) and others take
//     "access_token, TOKEN", wherever a subprotocol appears: the negotiated
//     one, Sec-WebSocket-Protocol header values and the offered lists;
//   - in message payloads, string values of JSON keys that look like
//     credentials (after a packet prefix such as Socket.IO's
//     40/admin,{"token":...} too), the passcode of a STOMP CONNECT and the
//     password of an MQTT CONNECT.
//
// A redacted value keeps what helps debugging: the credential's scheme
// ("Bearer [redacted:36]"), cookie names, subprotocol prefixes, and the
// value's length.
type Redactor struct {
	Disabled     bool
	ExtraHeaders []string // more header names whose values are secret (any case)
}

// same reports whether r and o redact alike.
func (r Redactor) same(o Redactor) bool {
	return r.Disabled == o.Disabled && slices.EqualFunc(r.ExtraHeaders, o.ExtraHeaders, strings.EqualFold)
}

var secretHeaders = map[string]bool{
	"Authorization":        true,
	"Proxy-Authorization":  true,
	"Cookie":               true,
	"Set-Cookie":           true,
	"Sec-Websocket-Key":    true,
	"Sec-Websocket-Accept": true,
	"X-Api-Key":            true,
	"X-Auth-Token":         true,
	"X-Access-Token":       true,
	"Api-Key":              true,
}

// isSecretHeader reports whether the value of header name is redacted.
// The CORS headers are policy, not credentials, even when they name one
// (Access-Control-Allow-Credentials).
func (r Redactor) isSecretHeader(name string) bool {
	if r.Disabled {
		return false
	}
	if secretHeaders[http.CanonicalHeaderKey(name)] {
		return true
	}
	for _, extra := range r.ExtraHeaders {
		if strings.EqualFold(extra, name) {
			return true
		}
	}
	return isSecretName(name) && !strings.HasPrefix(strings.ToLower(name), "access-control-")
}

// isProtocolHeader reports whether name is the header that lists
// subprotocols, which may carry a credential.
func isProtocolHeader(name string) bool {
	return strings.EqualFold(name, "Sec-WebSocket-Protocol")
}

// headerValue redacts one header value.
func (r Redactor) headerValue(name, value string) string {
	if r.Disabled || value == "" {
		return value
	}
	if isProtocolHeader(name) {
		return r.protocolHeaderValue(value)
	}
	if !r.isSecretHeader(name) {
		return value
	}
	switch http.CanonicalHeaderKey(name) {
	case "Cookie":
		return maskCookies(value)
	case "Set-Cookie":
		pair, attrs, hasAttrs := strings.Cut(value, ";")
		pair = maskCookies(pair)
		if hasAttrs {
			return pair + ";" + attrs
		}
		return pair
	}
	return maskCredential(value)
}

// Header returns a redacted copy of h (h itself is left alone).
func (r Redactor) Header(h http.Header) http.Header {
	if r.Disabled || h == nil {
		return h
	}
	out := make(http.Header, len(h))
	for name, values := range h {
		if !r.isSecretHeader(name) && !isProtocolHeader(name) {
			out[name] = values
			continue
		}
		masked := make([]string, len(values))
		for i, v := range values {
			masked[i] = r.headerValue(name, v)
		}
		out[name] = masked
	}
	return out
}

// URL redacts credential-like query and fragment parameters and the
// userinfo password. It works on the text, so it also copes with URLs that
// do not parse.
func (r Redactor) URL(s string) string {
	if r.Disabled || s == "" {
		return s
	}
	rest, fragment, hasFragment := strings.Cut(s, "#")
	base, query, hasQuery := strings.Cut(rest, "?")
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(maskUserinfo(base))
	if hasQuery {
		b.WriteByte('?')
		b.WriteString(maskParams(query))
	}
	if hasFragment {
		b.WriteByte('#')
		b.WriteString(maskParams(fragment))
	}
	return b.String()
}

// text redacts every URL inside free text such as an error message
// (`dial "wss://host/?token=..." failed`).
func (r Redactor) text(s string) string {
	if r.Disabled {
		return s
	}
	return maskCredentialWords(r.textURLs(s))
}

func (r Redactor) textURLs(s string) string {
	var b strings.Builder
	for {
		start := indexURL(s)
		if start < 0 {
			if b.Len() == 0 {
				return s
			}
			b.WriteString(s)
			return b.String()
		}
		end := start + strings.IndexAny(s[start:]+" ", " \t\r\n\"'<>`")
		b.WriteString(s[:start])
		b.WriteString(r.URL(s[start:end]))
		s = s[end:]
	}
}

func indexURL(s string) int {
	best := -1
	for _, scheme := range []string{"ws://", "wss://", "http://", "https://", "socks5://", "socks5h://"} {
		if i := strings.Index(s, scheme); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	return best
}

// Record returns a redacted copy of rec: the handshake's URL, headers and
// subprotocol, failure texts, and in message payloads the values of JSON
// keys named like credentials, STOMP passcodes and MQTT passwords. Records redactionMayChange rules out are
// returned as they are.
func (r Redactor) Record(rec Record) Record {
	if r.Disabled || !redactionMayChange(rec) {
		return rec
	}
	switch rec.Type {
	case conn.EventMessage:
		rec.Text = r.Payload(rec.Text)
		if masked, ok := binaryPayload(rec.Base64); ok {
			rec.Base64 = masked
		}
	case conn.EventOpen:
		rec.URL = r.URL(rec.URL)
		rec.Subprotocol = r.Subprotocol(rec.Subprotocol)
		rec.Headers = r.Header(rec.Headers)
		rec.RequestHeaders = r.Header(rec.RequestHeaders)
		rec.Hops = r.urls(rec.Hops)
	case conn.EventError, conn.EventWarning:
		rec.Explanation = r.text(rec.Explanation)
		rec.Hint = r.text(rec.Hint)
		rec.Failure = r.failure(rec.Failure)
	}
	return rec
}

// Event returns a redacted copy of ev, hiding what Record hides: the
// handshake's URL, headers and subprotocol, failure texts, and the
// credentials of a message's payload (see MessagePayload). ev itself, its
// payload, headers and failure are left alone.
func (r Redactor) Event(ev conn.Event) conn.Event {
	if r.Disabled {
		return ev
	}
	switch ev.Type {
	case conn.EventMessage:
		ev.Payload = r.MessagePayload(ev.Opcode, ev.Payload)
	case conn.EventOpen:
		ev.URL = r.URL(ev.URL)
		ev.Subprotocol = r.Subprotocol(ev.Subprotocol)
		ev.ResponseHeader = r.Header(ev.ResponseHeader)
		ev.RequestHeader = r.Header(ev.RequestHeader)
		ev.Hops = r.urls(ev.Hops)
	case conn.EventError, conn.EventWarning:
		if n := ev.Note; n != nil {
			c := *n
			c.Explanation.Explanation = r.text(c.Explanation.Explanation)
			c.Explanation.Hint = r.text(c.Explanation.Hint)
			ev.Note = &c
		}
		ev.Failure = r.failure(ev.Failure)
	}
	return ev
}

// failure returns a redacted copy of f.
func (r Redactor) failure(f *decode.Failure) *decode.Failure {
	if f == nil {
		return nil
	}
	c := *f
	c.Message = r.text(c.Message)
	c.Location = r.URL(c.Location)
	c.URL = r.URL(c.URL)
	c.Body = r.text(c.Body)
	c.Offered = r.Subprotocols(c.Offered)
	c.Chosen = r.Subprotocol(c.Chosen)
	if len(c.Header) > 0 {
		c.Header = make(map[string]string, len(f.Header))
		for name, v := range f.Header {
			c.Header[name] = r.headerValue(name, v)
		}
	}
	return &c
}

// urls redacts each URL of a list, into a new one.
func (r Redactor) urls(list []string) []string {
	if len(list) == 0 {
		return list
	}
	out := make([]string, len(list))
	for i, u := range list {
		out[i] = r.URL(u)
	}
	return out
}

// recordingHeader returns a redacted copy of a recording's header.
func (r Redactor) recordingHeader(h Header) Header {
	h.URL = r.URL(h.URL)
	h.RequestHeaders = r.Header(h.RequestHeaders)
	h.ResponseHeaders = r.Header(h.ResponseHeaders)
	h.Subprotocol = r.Subprotocol(h.Subprotocol)
	return h
}

// Subprotocols redacts a list of offered subprotocols: each one that
// carries a credential (see Subprotocol), each one that follows a marker
// such as "access_token" or "bearer" (the token offered as the next
// "subprotocol"), and each one that is a JWT.
func (r Redactor) Subprotocols(list []string) []string {
	if r.Disabled || len(list) == 0 {
		return list
	}
	out := make([]string, len(list))
	afterMarker := false
	for i, p := range list {
		if afterMarker {
			out[i] = maskWhole(p)
			afterMarker = false // a credential announces nothing
			continue
		}
		out[i] = r.Subprotocol(p)
		afterMarker = isCredentialMarker(strings.TrimSpace(p))
	}
	return out
}

// Subprotocol redacts one subprotocol that carries a credential after a
// dotted prefix with a "bearer" (or token-like) label, as in Kubernetes'
// base64url.bearer.authorization.k8s.io.TOKEN: the prefix stays, the token
// goes. A subprotocol that is a JWT is masked whole.
func (r Redactor) Subprotocol(p string) string {
	if r.Disabled || p == "" {
		return p
	}
	return maskDottedCredential(p, func(label string) bool {
		return strings.EqualFold(label, "bearer") || isSecretName(label)
	})
}

// protocolHeaderValue redacts a Sec-WebSocket-Protocol value, a
// comma-separated list of subprotocols.
func (r Redactor) protocolHeaderValue(v string) string {
	parts := strings.Split(v, ",")
	trimmed := make([]string, len(parts))
	for i, p := range parts {
		trimmed[i] = strings.TrimSpace(p)
	}
	masked := r.Subprotocols(trimmed)
	changed := false
	for i, p := range parts {
		if masked[i] != trimmed[i] {
			lead := p[:len(p)-len(strings.TrimLeft(p, " \t"))]
			parts[i] = lead + masked[i]
			changed = true
		}
	}
	if !changed {
		return v
	}
	return strings.Join(parts, ",")
}

// isCredentialMarker reports whether a subprotocol announces that the next
// one is a credential ("access_token", "bearer", "Authorization").
func isCredentialMarker(p string) bool {
	return strings.EqualFold(p, "bearer") || isSecretName(p)
}

// maskWhole masks a value unless it is empty or already masked.
func maskWhole(v string) string {
	t := strings.TrimSpace(v)
	if t == "" || isMasked(t) {
		return v
	}
	return mask(t)
}

// maskDottedCredential masks what follows the first label of p (split at
// dots) for which isMarker holds: from the first label after it that does
// not read as a namespace word ("authorization", "k8s", "io"), or else the
// last label. A JWT (eyJ….….…) is masked whole.
func maskDottedCredential(p string, isMarker func(string) bool) string {
	if looksLikeJWT(p) {
		return mask(p)
	}
	labels := strings.Split(p, ".")
	marker := -1
	for i, l := range labels[:len(labels)-1] {
		if isMarker(l) {
			marker = i
			break
		}
	}
	if marker < 0 {
		return p
	}
	from := len(labels) - 1
	for j := marker + 1; j < len(labels); j++ {
		if !isNamespaceWord(labels[j]) {
			from = j
			break
		}
	}
	secret := strings.Join(labels[from:], ".")
	if secret == "" || isMasked(secret) {
		return p
	}
	return strings.Join(labels[:from], ".") + "." + mask(secret)
}

// isNamespaceWord reports whether a dotted label reads as part of a name
// (short, lower case letters and digits) rather than as a token.
func isNamespaceWord(l string) bool {
	if l == "" || len(l) > 13 {
		return false
	}
	return strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789") == ""
}

// looksLikeJWT reports whether s is a JSON Web Token: three base64url
// parts, the first a JSON object ("eyJ").
func looksLikeJWT(s string) bool {
	if !strings.HasPrefix(s, "eyJ") || strings.Count(s, ".") != 2 {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.=") == ""
}

// maskCredentialWords masks, in free text, the words that are bearer
// subprotocols or JWTs (an explanation naming what was offered, an error
// quoting a header). Only a "bearer" label counts here: host names such as
// auth.example.com must stay readable.
func maskCredentialWords(s string) string {
	if !strings.Contains(s, "eyJ") && !strings.Contains(strings.ToLower(s), "bearer.") {
		return s
	}
	var b strings.Builder
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		word := strings.TrimRight(s[start:end], ".") // a full stop ends the sentence, not the token
		b.WriteString(maskDottedCredential(word, func(l string) bool { return strings.EqualFold(l, "bearer") }))
		b.WriteString(s[start+len(word) : end])
		start = -1
	}
	for i := 0; i < len(s); i++ {
		if isWordByte(s[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
		b.WriteByte(s[i])
	}
	flush(len(s))
	return b.String()
}

// isWordByte reports whether c can be part of a subprotocol or a token
// (base64url, base64 and dotted names).
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-' || c == '~' || c == '+' || c == '/' || c == '='
}
