package conn

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/wsdbg/wsdbg/decode"
)

// websocketGUID is the key suffix of Sec-WebSocket-Accept (RFC 6455 §4.2.2).
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// maxRefusalRelayed bounds the body of a refused upgrade that is passed on
// to the client.
const maxRefusalRelayed = 64 << 10

// forwardedHeaders are the client's request headers the upstream gets,
// unless the options replace them.
var forwardedHeaders = []string{"Cookie", "Authorization", "Origin", "User-Agent", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions"}

// notUpgrade says why req is not a WebSocket upgrade; "" when it is one.
func notUpgrade(req *http.Request) string {
	switch {
	case req.Method != http.MethodGet:
		return "the request is a " + req.Method + ", not a GET"
	case !headerHasToken(req.Header, "Connection", "upgrade") || !headerHasToken(req.Header, "Upgrade", "websocket"):
		return "the request asks for no WebSocket upgrade"
	case req.Header.Get("Sec-Websocket-Key") == "":
		return "the request has no Sec-WebSocket-Key"
	case req.Header.Get("Sec-Websocket-Version") != "13":
		return "the request's Sec-WebSocket-Version is not 13"
	}
	return ""
}

func acceptKey(key string) string {
	sum := sha1.Sum([]byte(key + websocketGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// upstreamURL is the upstream's URL with the client's path and query
// appended to its own.
func upstreamURL(base *url.URL, client *url.URL) *url.URL {
	u := *base
	if p := client.EscapedPath(); p != "" && p != "/" {
		u.RawPath = ""
		u.Path = strings.TrimSuffix(base.Path, "/") + client.Path
		if client.RawPath != "" {
			u.RawPath = strings.TrimSuffix(base.EscapedPath(), "/") + client.RawPath
		}
	}
	switch {
	case client.RawQuery == "":
	case u.RawQuery == "":
		u.RawQuery = client.RawQuery
	default:
		u.RawQuery += "&" + client.RawQuery
	}
	return &u
}

// upstreamHeader is what the upgrade request to the upstream carries
// besides the handshake's own headers: the client's forwardedHeaders,
// replaced by the options' where they set them.
func (r *Relay) upstreamHeader(client http.Header) http.Header {
	h := http.Header{}
	for _, k := range forwardedHeaders {
		if v := client.Values(k); len(v) > 0 {
			h[k] = append([]string(nil), v...)
		}
	}
	for k, v := range r.opts.Header {
		h[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
	}
	if r.opts.Origin != "" {
		h.Set("Origin", r.opts.Origin)
	}
	if len(r.opts.Subprotocols) > 0 {
		h.Set("Sec-Websocket-Protocol", strings.Join(r.opts.Subprotocols, ", "))
	}
	return h
}

// headCapture keeps what is read through it while on, up to a bound, so
// that a refused upgrade can be passed on byte for byte.
type headCapture struct {
	r   io.Reader
	on  bool
	buf []byte
}

func (h *headCapture) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if h.on && n > 0 {
		if len(h.buf)+n > maxHandshakeHead+maxRefusalRelayed {
			return n, errResponseTooBig
		}
		h.buf = append(h.buf, p[:n]...)
	}
	return n, err
}

// handshake dials the upstream with the client's upgrade and answers the
// client with the upstream's answer. It reports whether both legs are
// open; when not, it has answered the client and emitted why.
func (c *relayConn) handshake(w http.ResponseWriter, req *http.Request) bool {
	r := c.r
	base, _ := ValidateURL(r.opts.URL)
	u := upstreamURL(base, req.URL)
	header := r.upstreamHeader(req.Header)

	a := &attempt{opts: r.opts}
	ctx, cancel := context.WithTimeout(r.ctx, r.opts.ConnectTimeout)
	defer cancel()
	d, err := dialUpstream(ctx, a, r.tlsCfg, u, header)
	a.release()
	if err != nil {
		f := classifyDialError(err, nil, a, u.String())
		f.URL = u.String()
		c.emit(Event{Type: EventError, Leg: LegServer, URL: u.String(), Failure: &f, Final: true})
		http.Error(w, "wsdbg proxy could not open the upstream connection: "+err.Error(), http.StatusBadGateway)
		return false
	}
	server, resp := d.conn, d.resp
	if resp.StatusCode != http.StatusSwitchingProtocols {
		c.refused(w, d, u)
		return false
	}
	d.capture.on, d.capture.buf = false, nil
	key := req.Header.Get("Sec-Websocket-Key")
	if f, bad := checkRelayNegotiation(resp, req.Header, d.key); bad {
		f.URL = u.String()
		c.emit(Event{Type: EventError, Leg: LegServer, URL: u.String(), Status: resp.StatusCode,
			RequestHeader: header, ResponseHeader: resp.Header, Failure: &f, Final: true})
		server.Close()
		http.Error(w, "wsdbg proxy refused the upstream's answer: "+f.Message, http.StatusBadGateway)
		return false
	}
	client, clientReader, err := hijack(w)
	if err != nil {
		server.Close()
		return false
	}
	var answer bytes.Buffer
	answer.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " +
		acceptKey(key) + "\r\n")
	relayed := resp.Header.Clone()
	for _, k := range []string{"Upgrade", "Connection", "Sec-Websocket-Accept"} {
		relayed.Del(k)
	}
	relayed.Write(&answer)
	answer.WriteString("\r\n")
	if _, err := client.Write(answer.Bytes()); err != nil {
		client.Close()
		server.Close()
		return false
	}
	deflate := deflateAnswerOf(resp.Header.Values("Sec-Websocket-Extensions"))
	c.client = newRelayLeg(LegClient, client, clientReader, fromClient, deflate.on, deflate.clientTakeover)
	c.server = newRelayLeg(LegServer, server, d.reader, fromServer, deflate.on, deflate.serverTakeover)
	c.emit(Event{Type: EventOpen, Leg: LegServer, URL: u.String(), Status: resp.StatusCode,
		Subprotocol: resp.Header.Get("Sec-Websocket-Protocol"), Extensions: resp.Header.Values("Sec-Websocket-Extensions"),
		RequestHeader: header, ResponseHeader: resp.Header})
	return true
}

// upstreamDial is an open upgrade exchange with the upstream.
type upstreamDial struct {
	conn    net.Conn
	resp    *http.Response
	capture *headCapture  // what was read, while capture.on
	reader  *bufio.Reader // the connection's bytes after the response head
	key     string        // the Sec-WebSocket-Key sent
}

// dialUpstream dials u as a Client would (proxy, TLS) and writes the
// upgrade request itself: gorilla's Dialer refuses a caller's
// Sec-WebSocket-Extensions, which the client's offer must pass on
// unchanged, and a relay needs the raw connection after the upgrade.
func dialUpstream(ctx context.Context, a *attempt, tlsCfg *tls.Config, u *url.URL, header http.Header) (*upstreamDial, error) {
	port := "80"
	if u.Scheme == "wss" {
		port = "443"
	} else {
		tlsCfg = nil
	}
	c, err := a.dialPlaintext(ctx, "tcp", hostPort(u, port), tlsCfg)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	var nonce [16]byte
	rand.Read(nonce[:])
	d := &upstreamDial{conn: c, key: base64.StdEncoding.EncodeToString(nonce[:])}
	var head bytes.Buffer
	head.WriteString("GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + d.key +
		"\r\nSec-WebSocket-Version: 13\r\n")
	header.Write(&head)
	head.WriteString("\r\n")
	if _, err := c.Write(head.Bytes()); err != nil {
		c.Close()
		return nil, err
	}
	d.capture = &headCapture{r: c, on: true}
	d.reader = bufio.NewReaderSize(d.capture, 32<<10)
	d.resp, err = http.ReadResponse(d.reader, &http.Request{Method: http.MethodGet, URL: u, Header: header})
	if err != nil {
		c.Close()
		return nil, err
	}
	c.SetDeadline(time.Time{})
	return d, nil
}

// refused passes an upstream's refusal of the upgrade on to the client as
// the upstream sent it, and reports it with its status and body.
func (c *relayConn) refused(w http.ResponseWriter, d *upstreamDial, u *url.URL) {
	d.conn.SetReadDeadline(time.Now().Add(c.r.opts.ConnectTimeout))
	body, _ := io.ReadAll(io.LimitReader(d.resp.Body, maxRefusalRelayed))
	d.conn.Close()
	d.resp.Body = io.NopCloser(bytes.NewReader(body))
	f := decode.Failure{Message: "the upstream refused the upgrade: " + d.resp.Status, URL: u.String(), Origin: c.r.opts.Origin}
	classifyHandshake(&f, d.resp, nil)
	c.emit(Event{Type: EventError, Leg: LegServer, URL: u.String(), Status: d.resp.StatusCode, Failure: &f,
		RequestHeader: d.resp.Request.Header, ResponseHeader: d.resp.Header, Final: true})
	client, _, err := hijack(w)
	if err != nil {
		return
	}
	client.SetWriteDeadline(time.Now().Add(writeWait))
	client.Write(d.capture.buf)
	client.Close()
}

// hijack takes the client's connection from net/http, with the bytes it
// read ahead.
func hijack(w http.ResponseWriter) (net.Conn, *bufio.Reader, error) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, nil, errors.New("the connection cannot be taken over")
	}
	nc, brw, err := hj.Hijack()
	if err != nil {
		return nil, nil, err
	}
	nc.SetDeadline(time.Time{})
	var src io.Reader = nc
	if n := brw.Reader.Buffered(); n > 0 {
		ahead, _ := brw.Reader.Peek(n)
		src = io.MultiReader(bytes.NewReader(bytes.Clone(ahead)), nc)
	}
	return nc, bufio.NewReaderSize(src, 32<<10), nil
}

// checkRelayNegotiation finds what the upstream chose that the client
// cannot take: a subprotocol or extension it did not offer, or a wrong
// Sec-WebSocket-Accept. Nothing is rewritten: such an answer is refused.
func checkRelayNegotiation(resp *http.Response, client http.Header, key string) (decode.Failure, bool) {
	f := decode.Failure{Kind: decode.KindHandshake, Code: 1002, Status: resp.StatusCode}
	if !headerHasToken(resp.Header, "Upgrade", "websocket") || !headerHasToken(resp.Header, "Connection", "upgrade") ||
		resp.Header.Get("Sec-Websocket-Accept") != acceptKey(key) {
		classifyHandshake(&f, resp, nil)
		f.Message = "the upstream's 101 is not a valid WebSocket upgrade (" + f.Cause + ")"
		return f, true
	}
	offered := splitTokens(client.Values("Sec-Websocket-Protocol"))
	if p := resp.Header.Get("Sec-Websocket-Protocol"); p != "" && !slices.Contains(offered, p) {
		f.Cause, f.Offered, f.Chosen = decode.CauseUnofferedSubproto, offered, p
		f.Message = "the upstream chose subprotocol " + p + ", which the client did not offer"
		return f, true
	}
	var offeredExt []string
	for _, e := range splitTokens(client.Values("Sec-Websocket-Extensions")) {
		offeredExt = append(offeredExt, extensionName(e))
	}
	for _, e := range splitTokens(resp.Header.Values("Sec-Websocket-Extensions")) {
		if name := extensionName(e); !slices.Contains(offeredExt, name) {
			f.Cause, f.Offered, f.Chosen = decode.CauseUnofferedExtension, offeredExt, e
			f.Message = "the upstream chose extension " + name + ", which the client did not offer"
			return f, true
		}
	}
	return decode.Failure{}, false
}

// splitTokens splits comma-separated header values into trimmed items.
func splitTokens(values []string) []string {
	var out []string
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				out = append(out, t)
			}
		}
	}
	return out
}

// extensionName is an extension offer's or answer's name, without its
// parameters.
func extensionName(ext string) string {
	return strings.ToLower(strings.TrimSpace(strings.SplitN(ext, ";", 2)[0]))
}

// deflateAnswer is what an upstream's answer says of permessage-deflate.
type deflateAnswer struct {
	on bool
	// clientTakeover, serverTakeover: each side's messages may refer to
	// the ones it sent before, unless the answer says otherwise.
	clientTakeover, serverTakeover bool
}

// deflateAnswerOf reads an upgrade answer's Sec-WebSocket-Extensions:
// whether it chose permessage-deflate, and with which context takeover.
// Only that extension's own parameters count, by name, whatever their
// case and spacing.
func deflateAnswerOf(values []string) deflateAnswer {
	for _, ext := range splitTokens(values) {
		if extensionName(ext) != "permessage-deflate" {
			continue
		}
		a := deflateAnswer{on: true, clientTakeover: true, serverTakeover: true}
		params := strings.Split(ext, ";")[1:]
		for _, p := range params {
			name, _, _ := strings.Cut(p, "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "client_no_context_takeover":
				a.clientTakeover = false
			case "server_no_context_takeover":
				a.serverTakeover = false
			}
		}
		return a
	}
	return deflateAnswer{}
}
