package decode

import (
	"fmt"
	"net/url"
	"strings"
	"time"
)

// CauseInfo names one failure cause, for listings such as
// `wsdbg explain --list`.
type CauseInfo struct {
	Kind  string `json:"kind"`
	Cause string `json:"cause"`
	Name  string `json:"name"`
	Code  int    `json:"code,omitempty"` // the close code it maps to, 0 where none applies
}

// failureInfo is the fixed part of a failure's explanation; ExplainFailure
// sharpens it with the Failure's context.
type failureInfo struct {
	kind        string
	cause       string
	name        string
	explanation string
	hint        string
	reconnect   bool
	code        int
	source      string
}

// Sources of failures.
const (
	sourceNetwork = "network"
	sourceProxy   = "proxy"
	sourceURL     = "the URL given"
)

// failureTable holds every cause, in the order listings show them.
var failureTable = []failureInfo{
	// handshake
	{kind: KindHandshake, cause: CauseHTTPStatus, name: "Upgrade refused",
		explanation: "The server answered the upgrade request with an HTTP status other than 101 Switching Protocols.",
		hint:        "Read the status and the response body; they say why.", source: SourceServer},
	{kind: KindHandshake, cause: CauseRedirect, name: "Upgrade redirected",
		explanation: "The server answered the upgrade with a redirect, which is not followed by default.",
		hint:        "Rerun with `-L` to follow it, or connect to the new address directly.", source: SourceServer},
	{kind: KindHandshake, cause: CauseTooManyRedirects, name: "Too many redirects",
		explanation: "Following redirects went on too long, usually a loop: http and https bouncing between each other, or a login page redirecting to itself.",
		hint:        "Connect to the final address directly; if it is a login page, authenticate first and send the cookie or token.", source: SourceServer},
	{kind: KindHandshake, cause: CauseMissingUpgrade, name: "No Upgrade header in the 101",
		explanation: "The server answered 101 without \"Upgrade: websocket\", so it did not agree to speak WebSocket. A proxy that mangles hop-by-hop headers, or a server that is not a WebSocket server, does this.",
		hint:        "Connect to the server directly, bypassing proxies, to see which side is at fault.", source: SourceServer},
	{kind: KindHandshake, cause: CauseInvalidUpgrade, name: "Wrong Upgrade header in the 101",
		explanation: "The server answered 101 with an Upgrade header that is not websocket: it switched to another protocol.",
		hint:        "Check that the URL points at the WebSocket endpoint and not, say, an HTTP/2 (h2c) upgrade.", source: SourceServer},
	{kind: KindHandshake, cause: CauseMissingConnection, name: "No Connection header in the 101",
		explanation: "The server answered 101 without \"Connection: Upgrade\". Proxies that drop hop-by-hop headers cause this.",
		hint:        "If a proxy is in the way, make it pass Connection and Upgrade (nginx: proxy_set_header Connection \"upgrade\").", source: SourceServer},
	{kind: KindHandshake, cause: CauseInvalidConnection, name: "Wrong Connection header in the 101",
		explanation: "The server answered 101 with a Connection header that does not include upgrade.",
		hint:        "If a proxy is in the way, make it pass Connection: upgrade through.", source: SourceServer},
	{kind: KindHandshake, cause: CauseMissingAccept, name: "No Sec-WebSocket-Accept in the 101",
		explanation: "The server answered 101 without Sec-WebSocket-Accept, so there is no proof it read the request's key. Usually a proxy or a server that only pretends to speak WebSocket.",
		hint:        "Connect to the server directly, bypassing proxies, to see which side is at fault.", source: SourceServer},
	{kind: KindHandshake, cause: CauseAcceptMismatch, name: "Sec-WebSocket-Accept mismatch",
		explanation: "The server's Sec-WebSocket-Accept does not match the key that was sent. Usually a proxy or cache replayed another connection's 101, rewrote the key, or the server is not a real WebSocket server; rarely, a server that hashes the key wrongly.",
		hint:        "Connect to the server directly, bypassing proxies and caches; if it still fails, the server's handshake code is broken.", source: SourceServer},
	{kind: KindHandshake, cause: CauseUnofferedSubproto, name: "Server chose a subprotocol that was not offered",
		explanation: "The server selected a subprotocol the client never offered, which RFC 6455 forbids; the client must fail the connection.",
		hint:        "If you meant to use it, offer it with `--subprotocol`; otherwise the server is at fault.", source: SourceServer},
	{kind: KindHandshake, cause: CauseUnofferedExtension, name: "Server chose an extension that was not offered",
		explanation: "The server enabled an extension the client never offered. Frames would arrive in a form the client cannot read (for permessage-deflate, compressed with RSV1 set).",
		hint:        "Offer the extension if you want it (for permessage-deflate, `--compress`); otherwise the server or a proxy is at fault.", source: SourceServer},
	{kind: KindHandshake, cause: CauseBadCompressionParam, name: "Bad permessage-deflate parameters",
		explanation: "The server's permessage-deflate answer cannot be used: it has parameters RFC 7692 does not allow (an unknown or repeated parameter, a window size outside 8–15, client_max_window_bits the client did not offer), or it leaves out server_no_context_takeover or client_no_context_takeover, which wsdbg asks for and needs.",
		hint:        "Connect without `--compress` to get going; the server's deflate setup needs fixing or must accept no_context_takeover.", source: SourceServer},
	{kind: KindHandshake, cause: CauseBadResponse, name: "Not an HTTP response",
		explanation: "What came back is not an HTTP response. The port speaks another protocol, or TLS and plain text are mixed up: ws:// to a TLS port, or a proxy sending garbage.",
		hint:        "Check the scheme and the port: wss:// for TLS (usually 443), ws:// for plain text.", source: SourceServer},
	{kind: KindHandshake, cause: CauseResponseTooBig, name: "Response headers too large",
		explanation: "The server's response headers passed the size limit before they ended (the handshake_response_too_big case). Huge cookies, or a server streaming a body where headers should end, cause this.",
		hint:        "Inspect the response with curl -i; trim cookies or fix the server.", source: SourceServer},
	{kind: KindHandshake, cause: CauseBadURL, name: "Bad URL",
		explanation: "The URL cannot be dialled: it needs a ws:// or wss:// scheme (http:// and https:// are read the same way) and a host.",
		hint:        "Write it as wss://host[:port]/path.", source: sourceURL},
	{kind: KindHandshake, cause: CauseUnsupportedVersion, name: "WebSocket version not supported",
		explanation: "The server does not accept Sec-WebSocket-Version 13 (the unsupported_version case) and answered 426 Upgrade Required, listing the versions it takes in its own Sec-WebSocket-Version header.",
		hint:        "Version 13 is the only standard one; a server refusing it is very old or not a WebSocket server.", source: SourceServer},
	{kind: KindHandshake, cause: CauseRequestTooBig, name: "Request headers too large",
		explanation: "The upgrade request's headers were larger than the server accepts before the upgrade (the handshake_too_big case, 64 KiB by default in some servers; often answered with 431).",
		hint:        "Send fewer or smaller headers: large cookies and long tokens are the usual cause.", source: SourceServer},
	{kind: KindHandshake, cause: CauseH2ConnectDisabled, name: "Extended CONNECT not enabled",
		explanation: "Over HTTP/2 or HTTP/3 a WebSocket needs extended CONNECT (RFC 8441 / RFC 9220), and the peer did not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL = 1 (the peer_does_not_allow_connect_protocol case).",
		hint:        "Use HTTP/1.1 for the upgrade, or enable WebSockets over HTTP/2 on the server.", source: SourceServer},
	{kind: KindHandshake, cause: CauseH2BadConnect, name: "Extended CONNECT rejected",
		explanation: "The server rejected the HTTP/2 or HTTP/3 WebSocket request: :method must be CONNECT (wrong_method), :protocol must be websocket (wrong_protocol), and :scheme, :authority and :path must be present (missing_scheme, missing_authority, missing_path).",
		hint:        "Fix the client's extended CONNECT request, or use HTTP/1.1.", source: SourceServer},
	{kind: KindHandshake, cause: CauseMalformedHeader, name: "Malformed response header",
		explanation: "A header line in the server's answer to the upgrade breaks HTTP's syntax (no colon, a space or another character a header name may not hold, or a control character in the value), so the response cannot be read.",
		hint:        "Fix the header in the server, or in the proxy that adds it; `curl -i` with the same request shows the raw response.", source: SourceServer},
	{kind: KindHandshake, cause: CauseHTTPAfterUpgrade, name: "HTTP response after the upgrade",
		explanation: "The server wrote an HTTP response after the upgrade: it answered 101 Switching Protocols and then, where WebSocket frames belong, sent an HTTP response on the same connection, so it agreed to the upgrade before deciding to refuse it. Engine.IO servers do this for a protocol version they do not support.",
		hint:        "Read the status line and the body for the reason. The server should refuse with that status instead of 101.", code: 1002, source: SourceServer},

	// dns
	{kind: KindDNS, cause: CauseDNSNotFound, name: "No such host",
		explanation: "The host name does not resolve: a typo, a name that only exists inside a VPN or a cluster, or a missing /etc/hosts entry.",
		hint:        "Check the spelling; try the name with dig or nslookup from the same machine.", source: sourceNetwork},
	{kind: KindDNS, cause: CauseDNSTemporary, name: "DNS lookup failed",
		explanation: "The resolver could not answer right now: it timed out, failed (SERVFAIL), or the machine is offline.",
		hint:        "Check the network and the resolver; retrying may succeed.", reconnect: true, source: sourceNetwork},

	// refused
	{kind: KindRefused, cause: CauseConnRefused, name: "Connection refused",
		explanation: "The host answered but nothing listens on that port: the server is down or still starting, the port is wrong, a container does not publish it, or a firewall rejects it.",
		hint:        "Check that the server runs and listens on that port (and on that interface, not only 127.0.0.1). Retry with backoff if it is starting.", reconnect: true, source: sourceNetwork},
	{kind: KindRefused, cause: CauseHostUnreachable, name: "Host unreachable",
		explanation: "There is no route to the host: the network is down, a VPN is off, or the address (often IPv6) is not reachable from here.",
		hint:        "Check the network path with ping or traceroute; retry once the network is back.", reconnect: true, source: sourceNetwork},

	// timeout
	{kind: KindTimeout, cause: CauseConnectTimeout, name: "Connect timed out",
		explanation: "The TCP connection, the TLS handshake or the upgrade did not finish in time. A firewall that silently drops packets, a wrong address, or an overloaded server are the usual causes.",
		hint:        "Check the host and port; try them with nc or curl. Retry with backoff.", reconnect: true, source: sourceNetwork},
	{kind: KindTimeout, cause: CauseHandshakeTimeout, name: "Upgrade timed out",
		explanation: "The connection opened but no answer to the upgrade came in time: the port may expect TLS (ws:// to a TLS port waits forever), the server may not speak HTTP, or a proxy may be buffering the request.",
		hint:        "Check the scheme (wss:// for TLS) and that the port serves HTTP. Retry with backoff.", reconnect: true, source: SourceServer},
	{kind: KindTimeout, cause: CauseSlowUpgrade, name: "Upgrade response too slow",
		explanation: "The server's upgrade response did not complete within --connect-timeout: it began to answer, but the rest of its response head did not arrive in time. A server or proxy that trickles or holds back its response does this.",
		hint:        "If the server is merely slow, raise `--connect-timeout`; otherwise look at what stalls the response (the server's handshake code, or a buffering proxy). Retry with backoff.", reconnect: true, source: SourceServer},
	{kind: KindTimeout, cause: CauseIdleTimeout, name: "Idle timeout",
		explanation: "Nothing arrived for longer than the read timeout allows; the connection may be half-open (the peer vanished without a close).",
		hint:        "Turn on pings (`--ping 20s`) to detect dead connections early. Reconnect.", reconnect: true, code: 1006, source: sourceNetwork},
	{kind: KindTimeout, cause: CausePongTimeout, name: "Pong timeout",
		explanation: "Pings went out but no pong came back in time: the server is stalled, the network path is dead (a half-open connection), or the server does not answer pings as RFC 6455 requires.",
		hint:        "Reconnect. If it keeps happening with a live server, it ignores pings: rely on application-level heartbeats instead.", reconnect: true, code: 1006, source: sourceNetwork},

	// proxy
	{kind: KindTimeout, cause: CauseWriteTimeout, name: "Write timeout: the server stopped reading",
		explanation: "A write made no progress for the write timeout: the server stopped taking data (or the path to it did), the socket's buffers filled up, and the connection was given up. This is a 1006.",
		hint:        "Look at why the server stopped reading: a blocked event loop, overload, or a server that reads only after it has written. Send less or more slowly; reconnect with backoff.", reconnect: true, code: 1006, source: sourceNetwork},
	{kind: KindProxy, cause: CauseProxyRefused, name: "Proxy refused the tunnel",
		explanation: "The proxy answered CONNECT with an error instead of 200: its policy forbids the host or port (many allow only 443), or it could not reach the server.",
		hint:        "Try port 443 with wss://, or ask for the host to be allowed.", source: sourceProxy},
	{kind: KindProxy, cause: CauseProxyAuth, name: "Proxy authentication required",
		explanation: "The proxy answered 407: it wants credentials.",
		hint:        "Put them in the proxy URL: `--proxy http://user:password@proxy:port`.", source: sourceProxy},
	{kind: KindProxy, cause: CauseProxyUnreachable, name: "Proxy unreachable",
		explanation: "The proxy itself could not be reached: wrong host or port, or it is down.",
		hint:        "Check the proxy address; connect without it to compare.", reconnect: true, source: sourceProxy},
	{kind: KindProxy, cause: CauseProxyUnsupported, name: "Unsupported proxy scheme",
		explanation: "The proxy URL's scheme is not one wsdbg can use.",
		hint:        "Use an http://, https:// or socks5:// proxy URL.", source: sourceURL},

	// transport
	{kind: KindTransport, cause: CauseConnReset, name: "Connection reset",
		explanation: "The peer or something in between reset the TCP connection: the server process was killed, a load balancer or firewall cut the flow, or the server hit a limit. No close frame came, so this is a 1006.",
		hint:        "Check the server's logs and any proxy's for that moment. Reconnect with backoff.", reconnect: true, code: 1006, source: sourceNetwork},
	{kind: KindTransport, cause: CauseEOFWithoutClose, name: "Connection closed without a close frame",
		explanation: "The TCP connection ended without a WebSocket close frame (the transport \"closed\" case): the server exited or dropped the socket, or a proxy cut an idle connection. This is a 1006.",
		hint:        "If it happens after a fixed quiet period, turn on pings (`--ping 20s`) or raise the proxy's idle timeout. Reconnect with backoff.", reconnect: true, code: 1006, source: sourceNetwork},
	{kind: KindTransport, cause: CauseBrokenPipe, name: "Broken pipe",
		explanation: "A write failed because the peer had already closed the connection. This is a 1006.",
		hint:        "Reconnect with backoff; look at why the peer went away.", reconnect: true, code: 1006, source: sourceNetwork},
	{kind: KindTransport, cause: CauseNotReading, name: "The server is not reading",
		explanation: "A write has made no progress for a while: the server (or the path to it) is not taking data, so what is sent waits here. Sending waits for room, and the connection fails if nothing moves for the write timeout.",
		hint:        "Check whether the server is stuck or overloaded. Stop sending, or close: closing drops what is waiting and sends the close frame first.", source: sourceNetwork},
	{kind: KindTransport, cause: CauseUnsentDropped, name: "Unsent messages dropped",
		explanation: "The connection was closed while messages were still waiting to go out. The close went ahead of them, so the server never got them.",
		hint:        "If they matter, wait until they have gone out (the server has caught up) before closing.", source: SourceLocal},

	// tls
	{kind: KindTLS, cause: CauseTLSUnknownAuthority, name: "Certificate signed by an unknown authority",
		explanation: "The server's certificate does not chain to a trusted root: it is self-signed, from a private CA, or a corporate proxy is intercepting TLS.",
		hint:        "Trust the CA with `--cacert ca.pem`, or for testing only skip verification with `--insecure`.", code: 1015, source: SourceServer},
	{kind: KindTLS, cause: CauseTLSNameMismatch, name: "Certificate name mismatch",
		explanation: "The server's certificate is valid, but not for the host name that was dialled.",
		hint:        "Connect with a name the certificate covers, or fix the certificate.", code: 1015, source: SourceServer},
	{kind: KindTLS, cause: CauseTLSExpired, name: "Certificate expired",
		explanation: "The server's certificate has expired (or this machine's clock is wrong).",
		hint:        "The server must renew it; check this machine's date too. `--insecure` gets past it for testing only.", code: 1015, source: SourceServer},
	{kind: KindTLS, cause: CauseTLSNotYetValid, name: "Certificate not yet valid",
		explanation: "The server's certificate is not valid yet, which almost always means a clock is wrong, here or on the machine that issued it.",
		hint:        "Check this machine's date and time.", code: 1015, source: SourceServer},
	{kind: KindTLS, cause: CauseTLSHandshake, name: "TLS handshake failed",
		explanation: "The TLS handshake failed (the tls_alert case): no common TLS version or cipher, the server sent an alert, or the port does not speak TLS at all (wss:// to a plain port).",
		hint:        "Check that the port serves TLS (try ws:// if it does not) and the server's TLS versions.", code: 1015, source: SourceServer},
	{kind: KindTLS, cause: CauseTLSClientCert, name: "Client certificate required or refused",
		explanation: "The server wants a client certificate (mutual TLS) and got none, or refused the one sent.",
		hint:        "Pass a client certificate the server trusts with `--cert` and `--key`.", code: 1015, source: SourceServer},

	// protocol: RFC 6455 violations by the server
	{kind: KindProtocol, cause: CauseRSVWithoutExtension, name: "Reserved bits set",
		explanation: "A frame had RSV1, RSV2 or RSV3 set without a negotiated extension that defines them. RSV1 alone usually means compressed data sent without permessage-deflate negotiated.",
		hint:        "Fix the server (or the proxy adding compression), or offer compression if the server expects it.", code: 1002, source: SourceServer},
	{kind: KindProtocol, cause: CauseReservedOpcode, name: "Reserved opcode",
		explanation: "A frame used an opcode RFC 6455 reserves (3–7 for data, 0xB–0xF for control).",
		hint:        "The server's framing is broken, or the bytes are not WebSocket frames at all.", code: 1002, source: SourceServer},
	{kind: KindProtocol, cause: CauseFragmentedControl, name: "Fragmented control frame",
		explanation: "A close, ping or pong frame arrived without FIN; control frames may not be fragmented.",
		hint:        "The server's framing is broken.", code: 1002, source: SourceServer},
	{kind: KindProtocol, cause: CauseOversizedControl, name: "Oversized control frame",
		explanation: "A close, ping or pong frame carried more than 125 bytes, the limit for control frames.",
		hint:        "The server must keep ping payloads and close reasons short.", code: 1002, source: SourceServer},
	{kind: KindProtocol, cause: CauseMaskedServerFrame, name: "Masked frame from the server",
		explanation: "The server masked a frame; only clients mask.",
		hint:        "The server's framing is broken (it may be using client code to send).", code: 1002, source: SourceServer},
	{kind: KindProtocol, cause: CauseUnexpectedContinue, name: "Continuation without a start",
		explanation: "A continuation frame arrived when no fragmented message was open.",
		hint:        "The server's fragmentation is broken, or frames from two writers interleaved.", code: 1002, source: SourceServer},
	{kind: KindProtocol, cause: CauseDataInsideFragmented, name: "New message inside a fragmented one",
		explanation: "A text or binary frame arrived while a fragmented message was still open; only continuation and control frames may come in between.",
		hint:        "The server's fragmentation is broken, often two goroutines or threads writing at once.", code: 1002, source: SourceServer},
	{kind: KindProtocol, cause: CauseNonMinimalLength, name: "Non-minimal length",
		explanation: "A frame encoded its length in more bytes than needed, which RFC 6455 forbids.",
		hint:        "The server's framing is sloppy; many clients accept it, strict ones do not.", code: 1002, source: SourceServer},
	{kind: KindProtocol, cause: CauseInvalidUTF8Text, name: "Invalid UTF-8 in a text message",
		explanation: "A text message is not valid UTF-8.",
		hint:        "The server should send such data as binary, or fix its encoding.", code: 1007, source: SourceServer},
	{kind: KindProtocol, cause: CauseInvalidUTF8Reason, name: "Invalid UTF-8 in a close reason",
		explanation: "The close frame's reason is not valid UTF-8.",
		hint:        "The server's close reason must be UTF-8 text.", code: 1007, source: SourceServer},
	{kind: KindProtocol, cause: CauseOneByteClose, name: "One-byte close payload",
		explanation: "A close frame carried exactly one byte; it must be empty or start with a two-byte code.",
		hint:        "The server's close frame is broken.", code: 1002, source: SourceServer},
	{kind: KindProtocol, cause: CauseInvalidCloseCode, name: "Illegal close code",
		explanation: "A close frame carried a code that may not appear on the wire (the bad_close_code case): below 1000, 1004, 1005, 1006, 1015, 1016–2999, or 5000 and up.",
		hint:        "The server must use a standard code (1000–1003, 1007–1014) or one from 3000–4999.", code: 1002, source: SourceServer},
	{kind: KindProtocol, cause: CauseDataAfterClose, name: "Data after close",
		explanation: "Frames arrived after the server's close frame; nothing may follow a close.",
		hint:        "The server keeps writing after closing: its shutdown order is wrong.", code: 1002, source: SourceServer},
	{kind: KindProtocol, cause: CauseBadDeflate, name: "Invalid compressed data",
		explanation: "A compressed message did not inflate: the permessage-deflate stream is corrupt, or the two sides disagree about context takeover or window size.",
		hint:        "Connect without `--compress` to get going; then check both sides' permessage-deflate parameters.", code: 1007, source: SourceServer},

	// limit
	{kind: KindLimit, cause: CauseMessageTooBig, name: "Message too big",
		explanation: "A message (or one frame, or its fragments together) was larger than the read limit (the message_too_big case).",
		hint:        "Raise the limit with `--max-message` if the size is expected; otherwise the server sends more than it should.", code: 1009, source: SourceServer},
	{kind: KindLimit, cause: CauseInflateTooBig, name: "Decompressed message too big",
		explanation: "A compressed message inflated past the size cap (the inflate_too_big case); small compressed data can expand enormously.",
		hint:        "Raise the limit with `--max-message` if the size is expected; otherwise treat it as a possible compression bomb.", code: 1009, source: SourceServer},
}

// Causes lists every failure cause ExplainFailure knows, grouped by kind.
func Causes() []CauseInfo {
	out := make([]CauseInfo, len(failureTable))
	for i, f := range failureTable {
		out[i] = CauseInfo{Kind: f.kind, Cause: f.cause, Name: f.name, Code: f.code}
	}
	return out
}

func lookupFailure(cause string) (failureInfo, bool) {
	for _, f := range failureTable {
		if f.cause == cause {
			return f, true
		}
	}
	return failureInfo{}, false
}

// ExplainFailure explains a handshake, transport, TLS, protocol or limit
// failure, sharpened with whatever context the Failure carries.
func ExplainFailure(f Failure) Explanation {
	info, ok := lookupFailure(f.Cause)
	if !ok {
		return explainUnknownFailure(f)
	}
	e := Explanation{
		Name:        info.name,
		Category:    info.kind,
		Explanation: info.explanation,
		Hint:        info.hint,
		Reconnect:   info.reconnect,
		Source:      info.source,
		Code:        info.code,
	}
	if f.Kind != "" {
		e.Category = f.Kind
	}
	if f.Code != 0 {
		e.Code = f.Code
	}
	switch f.Cause {
	case CauseHTTPStatus:
		if f.Status != 0 {
			explainHTTPStatus(&e, f)
		}
	case CauseRedirect:
		explainRedirect(&e, f)
	case CauseInvalidUpgrade:
		addHeader(&e, f, "Upgrade")
	case CauseInvalidConnection:
		addHeader(&e, f, "Connection")
	case CauseUnofferedSubproto, CauseUnofferedExtension:
		if f.Chosen != "" {
			e.Explanation += fmt.Sprintf(" It chose %s; the client offered %s.", quote(f.Chosen), listOrNone(f.Offered))
		}
	case CauseBadCompressionParam:
		addHeader(&e, f, "Sec-Websocket-Extensions")
	case CauseBadURL:
		if f.URL != "" {
			e.Explanation += fmt.Sprintf(" The URL was %s.", quote(f.URL))
		}
	case CauseProxyRefused:
		if f.Status != 0 {
			e.Explanation += fmt.Sprintf(" It answered %d %s.", f.Status, statusText(f.Status))
		}
	case CauseTLSUnknownAuthority, CauseTLSNameMismatch, CauseTLSExpired, CauseTLSNotYetValid:
		explainCertificate(&e, f)
	case CauseReservedOpcode:
		if f.Opcode != 0 {
			e.Explanation += fmt.Sprintf(" The opcode was 0x%X.", f.Opcode)
		}
	case CauseOversizedControl:
		if f.Length > 0 {
			e.Explanation += fmt.Sprintf(" This one declared %d bytes.", f.Length)
		}
	case CauseMessageTooBig, CauseInflateTooBig, CauseResponseTooBig:
		explainLimit(&e, f)
	case CauseMalformedHeader:
		if f.Raw != "" {
			e.Explanation += " The offending line is " + quote(f.Raw) + "."
		}
	case CauseHTTPAfterUpgrade:
		explainHTTPAfterUpgrade(&e, f)
	case CauseSlowUpgrade:
		explainSlowUpgrade(&e, f)
	case CauseEOFWithoutClose, CauseConnReset, CauseBrokenPipe:
		// These are 1006 seen from the transport: the same diagnosis
		// applies as to a 1006 close.
		diagnoseAbnormal(&e, CloseContext{IdleSeconds: f.IdleSeconds, PingsOn: f.PingsOn, Proxy: f.Proxy, EarlierDrops: f.EarlierDrops})
	case CauseWriteTimeout, CauseNotReading, CauseUnsentDropped:
		explainWaiting(&e, f)
	}
	return e
}

// explainUnknownFailure covers causes this version does not know, from the
// kind alone, so that nothing is ever left unexplained.
func explainUnknownFailure(f Failure) Explanation {
	e := Explanation{Name: "Connection failed", Category: f.Kind, Code: f.Code,
		Explanation: "The connection failed.", Hint: "Read the error text for details."}
	for _, info := range failureTable {
		if info.kind == f.Kind {
			e.Source = info.source
			e.Reconnect = info.reconnect
			break
		}
	}
	if f.Kind != "" {
		e.Explanation = fmt.Sprintf("The connection failed at the %s stage.", Sanitize(f.Kind))
	}
	if f.Message != "" {
		e.Explanation += " The error was: " + Sanitize(f.Message)
	}
	return e
}

func addHeader(e *Explanation, f Failure, name string) {
	if v, ok := f.Header[name]; ok {
		e.Explanation += fmt.Sprintf(" The server sent %s: %s.", name, quote(v))
	}
}

func listOrNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = quote(s)
	}
	return strings.Join(quoted, ", ")
}

func explainRedirect(e *Explanation, f Failure) {
	if f.Status != 0 {
		e.Name = fmt.Sprintf("Upgrade redirected: %d %s", f.Status, statusText(f.Status))
	}
	if f.Location == "" {
		return
	}
	loc := f.Location
	// A relative Location is resolved against the URL that was dialled.
	if base, err := url.Parse(f.URL); err == nil && f.URL != "" {
		if ref, err := url.Parse(loc); err == nil {
			loc = base.ResolveReference(ref).String()
		}
	}
	loc = Sanitize(loc)
	e.Explanation += fmt.Sprintf(" It points to %s.", loc)
	target := loc
	if rest, ok := strings.CutPrefix(loc, "https://"); ok {
		target = "wss://" + rest
	} else if rest, ok := strings.CutPrefix(loc, "http://"); ok {
		target = "ws://" + rest
	}
	e.Hint = fmt.Sprintf("Rerun with `-L` to follow it, or connect to %s directly.", target)
	if strings.Contains(strings.ToLower(loc), "login") || strings.Contains(strings.ToLower(loc), "signin") {
		e.Hint += " It looks like a login page: the request was probably not authenticated."
	}
}

func explainCertificate(e *Explanation, f Failure) {
	switch f.Cause {
	case CauseTLSUnknownAuthority:
		if f.CertIssuer != "" {
			e.Explanation += fmt.Sprintf(" It was issued by %s.", quote(f.CertIssuer))
		}
	case CauseTLSNameMismatch:
		if len(f.CertDNSNames) > 0 {
			e.Explanation += " It covers: " + strings.Join(sanitizeAll(f.CertDNSNames), ", ") + "."
		} else if f.CertSubject != "" {
			e.Explanation += fmt.Sprintf(" Its subject is %s and it lists no DNS names.", quote(f.CertSubject))
		}
	case CauseTLSExpired:
		if f.CertNotAfter != "" {
			e.Explanation += " It expired at " + Sanitize(f.CertNotAfter) + "."
		}
	case CauseTLSNotYetValid:
		if f.CertNotBefore != "" {
			e.Explanation += " It is valid from " + Sanitize(f.CertNotBefore) + "."
		}
	}
}

func sanitizeAll(items []string) []string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = Sanitize(s)
	}
	return out
}

func explainLimit(e *Explanation, f Failure) {
	switch {
	case f.Length > 0 && f.Limit > 0:
		e.Explanation += fmt.Sprintf(" It was %s; the limit is %s.", exactSize(f.Length), exactSize(f.Limit))
	case f.Limit > 0:
		e.Explanation += fmt.Sprintf(" The limit is %s.", exactSize(f.Limit))
	}
}

// explainWaiting says how long the stuck write had made no progress and
// what had not gone out.
func explainWaiting(e *Explanation, f Failure) {
	if f.StalledSeconds > 0 {
		e.Explanation += fmt.Sprintf(" Nothing went out for %s.", humanSeconds(f.StalledSeconds))
	}
	if f.Waiting <= 0 {
		return
	}
	what, plural := fmt.Sprintf("%d messages (%s)", f.Waiting, HumanSize(f.WaitingBytes)), true
	if f.Waiting == 1 {
		what, plural = "1 message ("+HumanSize(f.WaitingBytes)+")", false
	}
	switch {
	case f.Cause == CauseWriteTimeout:
		e.Explanation += " " + what + " had not gone out."
	case f.Cause == CauseNotReading && plural:
		e.Explanation += " " + what + " are waiting."
	case f.Cause == CauseNotReading:
		e.Explanation += " " + what + " is waiting."
	case plural:
		e.Explanation += " " + what + " were dropped."
	default:
		e.Explanation += " " + what + " was dropped."
	}
}

// explainHTTPAfterUpgrade quotes the response a server wrote after its 101:
// its status line and body say why it refused after all.
func explainHTTPAfterUpgrade(e *Explanation, f Failure) {
	if f.Status != 0 {
		e.Name = fmt.Sprintf("HTTP response after the upgrade: %d %s", f.Status, statusText(f.Status))
		// Whether retrying helps depends on the status as it would for a
		// refused upgrade; the rest of that explanation does not apply,
		// since this server accepted the request.
		var refused Explanation
		explainHTTPStatus(&refused, f)
		e.Reconnect = refused.Reconnect
	}
	if line := firstLine(f.Raw); line != "" {
		e.Explanation += " Its status line is " + quote(line) + "."
	}
	if body := strings.TrimSpace(f.Body); body != "" {
		e.Explanation += " The body is " + quote(truncate(body, 200)) + "."
	}
	if eio, ok := engineIOError(strings.TrimSpace(f.Body)); ok {
		e.Explanation += " It is an Engine.IO error: " + eio
		e.Hint = "Connect with the EIO version the server supports: ?EIO=4&transport=websocket for Socket.IO 3 and later, EIO=3 for Socket.IO 2."
	}
}

// firstLine is raw up to its first line break; raw is sanitised, so the
// break is the escape text \r\n or \n.
func firstLine(raw string) string {
	for _, end := range []string{`\r\n`, `\n`} {
		if i := strings.Index(raw, end); i >= 0 {
			raw = raw[:i]
		}
	}
	return raw
}

func explainSlowUpgrade(e *Explanation, f Failure) {
	if f.TimeoutSeconds > 0 {
		e.Explanation += fmt.Sprintf(" The timeout was %s", time.Duration(f.TimeoutSeconds*float64(time.Second)))
		if f.Length > 0 {
			e.Explanation += fmt.Sprintf("; %s of the response had arrived", exactSize(f.Length))
		}
		e.Explanation += "."
	} else if f.Length > 0 {
		e.Explanation += fmt.Sprintf(" %s of the response had arrived.", exactSize(f.Length))
	}
}
