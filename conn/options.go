package conn

import (
	"net/http"
	"time"

	"github.com/wsdbg/wsdbg/decode"
)

// Defaults for Options fields left zero.
const (
	DefaultConnectTimeout = 10 * time.Second
	DefaultMaxMessage     = 16 << 20
)

// Defaults for the send queue's bounds.
const (
	defaultMaxQueueBytes    = 8 << 20
	defaultMaxQueueMessages = 4096
)

// Options configure a connection. The zero value of every field but URL is a
// sensible default.
type Options struct {
	URL             string
	Header          http.Header // extra request headers (Authorization, Cookie, ...)
	Subprotocols    []string
	Origin          string
	Insecure        bool   // skip TLS verification
	CACertFile      string // extra trusted roots, PEM
	CertFile        string // client certificate, PEM
	KeyFile         string
	Proxy           string // http://, https:// or socks5:// proxy URL; "" uses none
	Compress        bool   // offer permessage-deflate
	ConnectTimeout  time.Duration
	PingInterval    time.Duration // 0: no pings
	MaxMessage      int64         // read limit in bytes
	Reconnect       bool          // reconnect with backoff on abnormal or retryable closes
	FollowRedirects bool          // follow 301/302/307/308 on the upgrade
	// RedialOnRequest keeps the client alive after its connection ends for
	// good, waiting for Reconnect (or Shutdown): for interactive use, where
	// the user decides when to dial again.
	RedialOnRequest bool
	// Dialects are the user's close-code and error-reply tables, used to
	// annotate events; nil uses the built-in ones.
	Dialects *decode.Dialects
	// MaxQueueBytes and MaxQueueMessages bound the messages waiting to go
	// out: past them Send fails with ErrQueueFull and SendWait waits. One
	// message larger than MaxQueueBytes is taken when nothing waits.
	MaxQueueBytes    int64
	MaxQueueMessages int
	// Protocol names the protocol spoken over the connection (one of
	// protocol.Names), whose packets annotate its messages; "" detects it
	// from the subprotocol, the URL or the first messages, and
	// ProtocolNone decodes none. Unless it is ProtocolNone, the client
	// keeps the protocol's heartbeat: it answers Engine.IO's and
	// graphql-transport-ws's pings, sends Phoenix's heartbeat, MQTT's
	// PINGREQ at the keep-alive a CONNECT asked for and STOMP's heart-beat
	// as CONNECT and CONNECTED negotiated it.
	Protocol string
	// Opening, when not nil, sends the protocol's opening packet once
	// connected (see OpeningProtocol for which protocol's).
	Opening *Opening
	// IDFields are dotted paths (such as "meta.requestId") to the id that
	// links a JSON request with its replies, tried before the usual
	// fields: id, request_id, requestId, ref and nonce.
	IDFields []string
}

// ProtocolNone, as Options.Protocol, turns protocol decoding, the
// heartbeats and the opening packet off.
const ProtocolNone = "none"
