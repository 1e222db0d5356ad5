// Package decode turns what was seen on a WebSocket connection into words:
// close codes, error envelopes, handshake, transport and protocol failures,
// the dialects that give private codes a meaning, and the escaping that keeps
// untrusted text from reaching a terminal raw. It also holds the one way sizes
// and durations are written for people. Everything here is a pure function of
// its inputs: no I/O, no clocks, no UI. Payload renderings (JSON, CBOR, hex
// and so on) live in internal/render.
package decode

// Explanation is what the debugger tells a person about a close, a failure or
// an error envelope.
type Explanation struct {
	Name        string `json:"name"`              // short name, e.g. "Abnormal Closure", "Upgrade refused: 401 Unauthorized"
	Category    string `json:"category"`          // e.g. "standard", "local-only", "registered", "private", "invalid", or a failure kind
	Explanation string `json:"explanation"`       // what it means and the likely causes, one or two sentences
	Hint        string `json:"hint"`              // what to do about it
	Reconnect   bool   `json:"reconnect"`         // whether reconnecting is the right recovery
	Source      string `json:"source,omitempty"`  // who sends it, where that is meaningful ("either peer", "server", "local only")
	Dialect     string `json:"dialect,omitempty"` // the protocol dialect or convention that gave the meaning, "" for RFC 6455 / generic
	Code        int    `json:"code,omitempty"`    // the close code explained, or the one a failure maps to; 0 where none applies
}

// Failure kinds, as `tail --json` and recordings name them.
const (
	KindDNS       = "dns"
	KindRefused   = "refused"
	KindTimeout   = "timeout"
	KindTLS       = "tls"
	KindProxy     = "proxy"
	KindHandshake = "handshake"
	KindProtocol  = "protocol"
	KindTransport = "transport"
	KindLimit     = "limit"
)

// Failure causes: the precise thing that went wrong inside a kind. conn/
// classifies raw errors into a Kind and a Cause; decode explains them.
const (
	// handshake
	CauseHTTPStatus          = "http-status"           // upgrade answered with a non-101 status (Status set)
	CauseRedirect            = "redirect"              // 3xx on the upgrade without -L (Location set)
	CauseTooManyRedirects    = "too-many-redirects"    // -L gave up
	CauseMissingUpgrade      = "missing-upgrade"       // 101 without Upgrade: websocket
	CauseInvalidUpgrade      = "invalid-upgrade"       // Upgrade present but not websocket
	CauseMissingConnection   = "missing-connection"    // 101 without Connection: upgrade
	CauseInvalidConnection   = "invalid-connection"    // Connection present but not upgrade
	CauseMissingAccept       = "missing-accept"        // 101 without Sec-WebSocket-Accept
	CauseAcceptMismatch      = "accept-mismatch"       // Sec-WebSocket-Accept wrong
	CauseUnofferedSubproto   = "unoffered-subprotocol" // server chose a subprotocol the client never offered
	CauseUnofferedExtension  = "unoffered-extension"   // server chose an extension the client never offered
	CauseBadCompressionParam = "bad-compression-params"
	CauseBadResponse         = "malformed-response" // not HTTP at all, or garbled
	CauseResponseTooBig      = "response-too-big"   // headers over the limit
	CauseBadURL              = "bad-url"
	CauseUnsupportedVersion  = "unsupported-version" // server wants another Sec-WebSocket-Version (426)
	CauseRequestTooBig       = "request-too-big"     // the upgrade request's headers were over the server's limit
	CauseH2ConnectDisabled   = "h2-connect-disabled" // HTTP/2 or HTTP/3 peer did not enable extended CONNECT
	CauseH2BadConnect        = "h2-bad-connect"      // extended CONNECT rejected: wrong :method or :protocol, missing pseudo-header
	CauseMalformedHeader     = "malformed-header"    // a response header line HTTP does not allow (Raw holds the line)
	CauseHTTPAfterUpgrade    = "http-after-upgrade"  // an HTTP response where frames should follow the 101 (Status, Body, Raw set)

	// dns, refused, timeout, proxy, transport
	CauseDNSNotFound      = "no-such-host"
	CauseDNSTemporary     = "dns-temporary"
	CauseConnRefused      = "connection-refused"
	CauseHostUnreachable  = "host-unreachable"
	CauseConnectTimeout   = "connect-timeout"   // TCP or TLS or upgrade did not finish in time
	CauseHandshakeTimeout = "handshake-timeout" // connected, but no upgrade answer in time
	CauseSlowUpgrade      = "slow-upgrade"      // the upgrade answer began but did not end in time (Length, TimeoutSeconds set)
	CauseIdleTimeout      = "idle-timeout"      // no traffic (or no pong) for too long
	CausePongTimeout      = "pong-timeout"
	CauseProxyRefused     = "proxy-refused" // proxy answered CONNECT with non-200
	CauseProxyAuth        = "proxy-auth"    // 407
	CauseProxyUnreachable = "proxy-unreachable"
	CauseProxyUnsupported = "proxy-unsupported-scheme"
	CauseConnReset        = "connection-reset"
	CauseEOFWithoutClose  = "eof-without-close" // TCP closed, no close frame: 1006
	CauseBrokenPipe       = "broken-pipe"

	// sending: a server that does not take what is sent
	CauseWriteTimeout  = "write-timeout"      // a write made no progress for too long (timeout)
	CauseNotReading    = "server-not-reading" // warning: a write is stuck, messages are waiting (transport)
	CauseUnsentDropped = "unsent-dropped"     // warning: a close went out ahead of messages never sent (transport)

	// stopping: wsdbg ended a session that would not end by itself (timeout)
	CauseCloseUnanswered = "close-unanswered"       // our close frame got no answer in time, or could not go out
	CauseStoppedOpening  = "stopped-before-opening" // stopped while the connection was still opening

	// tls
	CauseTLSUnknownAuthority = "unknown-authority"
	CauseTLSNameMismatch     = "name-mismatch"
	CauseTLSExpired          = "certificate-expired"
	CauseTLSNotYetValid      = "certificate-not-yet-valid"
	CauseTLSHandshake        = "tls-handshake" // alert, version or cipher mismatch, not TLS at all
	CauseTLSClientCert       = "client-certificate"

	// protocol (RFC 6455 violations by the server)
	CauseRSVWithoutExtension  = "rsv-without-extension"
	CauseReservedOpcode       = "reserved-opcode"
	CauseFragmentedControl    = "fragmented-control-frame"
	CauseOversizedControl     = "oversized-control-frame"
	CauseMaskedServerFrame    = "masked-server-frame"
	CauseUnmaskedClientFrame  = "unmasked-client-frame" // seen by wsdbg proxy on its client leg
	CauseUnexpectedContinue   = "continuation-without-start"
	CauseDataInsideFragmented = "data-frame-inside-fragmented-message"
	CauseNonMinimalLength     = "non-minimal-length"
	CauseInvalidUTF8Text      = "invalid-utf8-text"
	CauseInvalidUTF8Reason    = "invalid-utf8-close-reason"
	CauseOneByteClose         = "one-byte-close-payload"
	CauseInvalidCloseCode     = "invalid-close-code"
	CauseDataAfterClose       = "data-after-close"
	CauseBadDeflate           = "invalid-compressed-data"

	// limit
	CauseMessageTooBig = "message-too-big"
	CauseInflateTooBig = "inflate-too-big"
)

// Failure is a classified failure as conn/ reports it. Fields beyond Kind and
// Cause are filled where they apply.
type Failure struct {
	Kind    string `json:"kind"`              // one of the Kind constants
	Cause   string `json:"cause"`             // one of the Cause constants
	Code    int    `json:"code,omitempty"`    // the RFC 6455 close code the failure maps to, 0 where none applies
	Status  int    `json:"status,omitempty"`  // HTTP status, for handshake failures
	Message string `json:"message,omitempty"` // the raw error text

	// Context that sharpens the explanation.
	URL           string            `json:"url,omitempty"`          // the URL being dialled
	Location      string            `json:"location,omitempty"`     // redirect target
	RetryAfter    string            `json:"retry_after,omitempty"`  // Retry-After header value on 429/503
	Header        map[string]string `json:"header,omitempty"`       // selected response headers (canonical names)
	Body          string            `json:"body,omitempty"`         // the start of an error response body, sanitised by the caller
	Origin        string            `json:"origin,omitempty"`       // the Origin sent, for 403
	SentAuth      bool              `json:"sent_auth,omitempty"`    // whether an Authorization header or cookie was sent
	Offered       []string          `json:"offered,omitempty"`      // subprotocols or extensions the client offered
	Chosen        string            `json:"chosen,omitempty"`       // what the server chose
	CertSubject   string            `json:"cert_subject,omitempty"` // TLS: the leaf certificate's subject
	CertIssuer    string            `json:"cert_issuer,omitempty"`
	CertNotAfter  string            `json:"cert_not_after,omitempty"` // RFC 3339
	CertNotBefore string            `json:"cert_not_before,omitempty"`
	CertDNSNames  []string          `json:"cert_dns_names,omitempty"`
	Opcode        int               `json:"opcode,omitempty"` // protocol: the frame's opcode
	Length        int64             `json:"length,omitempty"` // protocol/limit: the declared length, or the limit's size
	Limit         int64             `json:"limit,omitempty"`  // limit: the configured limit
	// Raw is what the server sent where something else belonged: the
	// header line HTTP rejects, or the bytes that followed the 101.
	// Sanitised by the caller.
	Raw string `json:"raw,omitempty"`
	// TimeoutSeconds is the timeout that ran out, for timeouts.
	TimeoutSeconds float64 `json:"timeout_seconds,omitempty"`

	// Waiting and WaitingBytes count the messages (and their bytes) that
	// had not gone out: write-timeout, server-not-reading, unsent-dropped.
	Waiting      int   `json:"waiting,omitempty"`
	WaitingBytes int64 `json:"waiting_bytes,omitempty"`
	// StalledSeconds is how long the stuck write had made no progress.
	StalledSeconds float64 `json:"stalled_seconds,omitempty"`

	// For connections that dropped (1006: eof-without-close,
	// connection-reset, broken-pipe): seconds since the last frame in
	// either direction, and whether the client was sending pings.
	IdleSeconds float64 `json:"idle_seconds,omitempty"`
	PingsOn     bool    `json:"pings_on,omitempty"`
	// Proxy is the proxy or load balancer the upgrade response's headers
	// point to, as DetectProxy names it; "" when none was recognised.
	Proxy string `json:"proxy,omitempty"`
	// EarlierDrops holds the idle seconds before each earlier abnormal drop
	// of this session, oldest first: drops that repeat after the same quiet
	// period point to a fixed idle timeout on the path.
	EarlierDrops []float64 `json:"earlier_drops,omitempty"`
}

// CloseContext is what is known around a close that can sharpen its
// explanation.
type CloseContext struct {
	Subprotocol string    // negotiated subprotocol, picks the dialect for 4000-4999
	Host        string    // host of the endpoint, picks host-specific dialects (e.g. Discord)
	Remote      bool      // true when the server sent the close
	IdleSeconds float64   // seconds since the last frame in either direction, for 1006
	PingsOn     bool      // whether the client was sending pings
	Dialects    *Dialects // user-supplied code tables, nil for built-ins only

	// Proxy is the proxy or load balancer the upgrade response's headers
	// point to (DetectProxy), "" when none was recognised; it sharpens 1006.
	Proxy string
	// EarlierDrops holds the idle seconds before each earlier abnormal drop
	// (1006) of this session, oldest first.
	EarlierDrops []float64

	// OfferedKnown is true when the subprotocols the client offered are
	// known (a live or recorded connection), false for a lookup out of
	// context; Offered lists them, empty when none were offered.
	OfferedKnown bool
	Offered      []string
}
