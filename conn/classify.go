package conn

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/decode"
)

// maxBodyPreview is how much of an error response body a failure keeps.
const maxBodyPreview = 512

// interestingHeaders are response headers worth showing with a refused upgrade.
var interestingHeaders = []string{
	"Content-Type", "Location", "Retry-After", "Server", "Www-Authenticate",
	"Upgrade", "Connection", "Sec-Websocket-Accept", "Sec-Websocket-Protocol",
	"Sec-Websocket-Extensions", "Sec-Websocket-Version", "Via", "X-Cache", "Cf-Ray",
}

// classifyDialError turns what gorilla's DialContext returned into a
// Failure. resp is the handshake response, if one was read.
func classifyDialError(err error, resp *http.Response, a *attempt, u string) decode.Failure {
	f := decode.Failure{Message: err.Error(), URL: u, Origin: a.opts.Origin}
	var de *dialError
	isDial := errors.As(err, &de)

	switch {
	case resp != nil && errors.Is(err, websocket.ErrBadHandshake):
		classifyHandshake(&f, resp, a)
		return f
	case resp != nil && strings.Contains(err.Error(), "compression negotiation"):
		// gorilla needs both no_context_takeover parameters in the answer.
		f.Kind, f.Cause, f.Status = decode.KindHandshake, decode.CauseBadCompressionParam, resp.StatusCode
		f.Header = map[string]string{"Sec-Websocket-Extensions": strings.Join(resp.Header.Values("Sec-Websocket-Extensions"), ", ")}
		return f
	case a.tap != nil && a.tap.responseHeadTooBig():
		// The error gorilla returns is whatever the cut made of the head.
		f.Kind, f.Cause, f.Limit = decode.KindHandshake, decode.CauseResponseTooBig, maxHandshakeHead
		f.Message = errResponseTooBig.Error()
		return f
	case a.stage == stageUpgrade && a.pastDeadline() && a.tap != nil && a.tap.partialHead() > 0:
		// Go's parser reads a line cut off by the deadline as a whole
		// one, so the error may be anything from a malformed status code
		// to a header without a colon: the clock says what happened.
		n := a.tap.partialHead()
		f.Kind, f.Cause, f.Code = decode.KindTimeout, decode.CauseSlowUpgrade, 1006
		f.Length, f.TimeoutSeconds = int64(n), a.opts.ConnectTimeout.Seconds()
		f.Message = "the server's upgrade response did not complete within " + decode.HumanDuration(a.opts.ConnectTimeout) +
			"; " + strconv.Itoa(n) + " bytes had arrived: " + decode.Sanitize(err.Error())
		return f
	case isDial && de.stage == stageProxy:
		f.Kind, f.Cause = decode.KindProxy, decode.CauseProxyUnreachable
		switch {
		case de.proxyStatus == http.StatusProxyAuthRequired:
			f.Cause, f.Status = decode.CauseProxyAuth, de.proxyStatus
		case de.proxyStatus != 0:
			f.Cause, f.Status = decode.CauseProxyRefused, de.proxyStatus
		case isTimeout(err):
			f.Kind, f.Cause = decode.KindTimeout, decode.CauseConnectTimeout
		}
		return f
	case isDial && de.stage == stageTLS:
		classifyTLS(&f, err)
		return f
	}

	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr):
		f.Kind, f.Cause = decode.KindDNS, decode.CauseDNSNotFound
		if dnsErr.IsTimeout {
			f.Kind, f.Cause = decode.KindTimeout, decode.CauseConnectTimeout
		} else if dnsErr.IsTemporary || !dnsErr.IsNotFound {
			f.Cause = decode.CauseDNSTemporary
		}
	case isTimeout(err):
		f.Kind, f.Cause = decode.KindTimeout, decode.CauseConnectTimeout
		if a.stage == stageUpgrade {
			f.Cause = decode.CauseHandshakeTimeout
		}
		f.Code = 1006
	case errors.Is(err, syscall.ECONNREFUSED):
		f.Kind, f.Cause = decode.KindRefused, decode.CauseConnRefused
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		f.Kind, f.Cause = decode.KindRefused, decode.CauseHostUnreachable
	case isTLSError(err):
		classifyTLS(&f, err)
	case a.stage == stageUpgrade && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)):
		f.Kind, f.Cause, f.Code = decode.KindHandshake, decode.CauseBadResponse, 1006
		f.Message = "the server closed the connection instead of answering the upgrade: " + err.Error()
	case a.stage == stageUpgrade && strings.Contains(err.Error(), "malformed HTTP"):
		f.Kind, f.Cause = decode.KindHandshake, decode.CauseBadResponse
	case a.stage == stageUpgrade && isMalformedHeader(err):
		line, _ := malformedHeaderLine(err)
		f.Kind, f.Cause, f.Raw = decode.KindHandshake, decode.CauseMalformedHeader, decode.Sanitize(line)
		f.Message = decode.Sanitize(err.Error())
	default:
		classifyTransport(&f, err)
	}
	return f
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isTLSError(err error) bool {
	var (
		rh  tls.RecordHeaderError
		al  tls.AlertError
		cv  *tls.CertificateVerificationError
		ua  x509.UnknownAuthorityError
		hn  x509.HostnameError
		inv x509.CertificateInvalidError
	)
	return errors.As(err, &rh) || errors.As(err, &al) || errors.As(err, &cv) ||
		errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &inv) ||
		strings.HasPrefix(err.Error(), "tls: ")
}

func classifyTLS(f *decode.Failure, err error) {
	f.Kind, f.Cause, f.Code = decode.KindTLS, decode.CauseTLSHandshake, 1015
	if isTimeout(err) {
		f.Kind, f.Cause, f.Code = decode.KindTimeout, decode.CauseConnectTimeout, 0
		return
	}
	var cv *tls.CertificateVerificationError
	if errors.As(err, &cv) && len(cv.UnverifiedCertificates) > 0 {
		leaf := cv.UnverifiedCertificates[0]
		f.CertSubject = leaf.Subject.String()
		f.CertIssuer = leaf.Issuer.String()
		f.CertNotBefore = leaf.NotBefore.UTC().Format(time.RFC3339)
		f.CertNotAfter = leaf.NotAfter.UTC().Format(time.RFC3339)
		f.CertDNSNames = leaf.DNSNames
	}
	var (
		ua  x509.UnknownAuthorityError
		hn  x509.HostnameError
		inv x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &ua):
		f.Cause = decode.CauseTLSUnknownAuthority
	case errors.As(err, &hn):
		f.Cause = decode.CauseTLSNameMismatch
		if hn.Certificate != nil && len(f.CertDNSNames) == 0 {
			f.CertDNSNames = hn.Certificate.DNSNames
		}
	case errors.As(err, &inv) && inv.Reason == x509.Expired:
		f.Cause = decode.CauseTLSExpired
		if inv.Cert != nil && inv.Cert.NotBefore.After(time.Now()) {
			f.Cause = decode.CauseTLSNotYetValid
		}
	case strings.Contains(err.Error(), "certificate required") || strings.Contains(err.Error(), "bad certificate"):
		f.Cause = decode.CauseTLSClientCert
	}
}

// classifyTransport names an I/O failure on an established connection.
func classifyTransport(f *decode.Failure, err error) {
	f.Kind, f.Code = decode.KindTransport, 1006
	switch {
	case errors.Is(err, syscall.ECONNRESET):
		f.Cause = decode.CauseConnReset
	case errors.Is(err, syscall.EPIPE):
		f.Cause = decode.CauseBrokenPipe
	case isTimeout(err):
		f.Kind, f.Cause = decode.KindTimeout, decode.CauseIdleTimeout
	default:
		f.Cause = decode.CauseEOFWithoutClose
	}
}

// classifyHandshake explains a response that was not a valid 101.
func classifyHandshake(f *decode.Failure, resp *http.Response, a *attempt) {
	f.Kind = decode.KindHandshake
	f.Status = resp.StatusCode
	f.Header = map[string]string{}
	for _, h := range interestingHeaders {
		if v := resp.Header.Get(h); v != "" {
			f.Header[h] = v
		}
	}
	f.RetryAfter = resp.Header.Get("Retry-After")
	if resp.Body != nil {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyPreview))
		f.Body = decode.Sanitize(string(b))
	}
	req := resp.Request
	if req != nil {
		f.SentAuth = sentAuth(req.Header, req.URL)
	}
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400 && resp.Header.Get("Location") != "":
		f.Cause = decode.CauseRedirect
		f.Location = resp.Header.Get("Location")
	case resp.StatusCode != http.StatusSwitchingProtocols:
		f.Cause = decode.CauseHTTPStatus
	case resp.Header.Get("Upgrade") == "":
		f.Cause = decode.CauseMissingUpgrade
	case !headerHasToken(resp.Header, "Upgrade", "websocket"):
		f.Cause, f.Chosen = decode.CauseInvalidUpgrade, resp.Header.Get("Upgrade")
	case resp.Header.Get("Connection") == "":
		f.Cause = decode.CauseMissingConnection
	case !headerHasToken(resp.Header, "Connection", "upgrade"):
		f.Cause, f.Chosen = decode.CauseInvalidConnection, resp.Header.Get("Connection")
	case resp.Header.Get("Sec-Websocket-Accept") == "":
		f.Cause = decode.CauseMissingAccept
	default:
		f.Cause = decode.CauseAcceptMismatch
		f.Chosen = resp.Header.Get("Sec-Websocket-Accept")
	}
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// checkNegotiation finds a subprotocol or extension the server chose but the
// client never offered; gorilla accepts both silently.
func checkNegotiation(resp *http.Response, o Options) (decode.Failure, bool) {
	if p := resp.Header.Get("Sec-Websocket-Protocol"); p != "" && !slices.Contains(o.Subprotocols, p) {
		return decode.Failure{
			Kind: decode.KindHandshake, Cause: decode.CauseUnofferedSubproto, Code: 1002, Status: resp.StatusCode,
			Message: "server chose subprotocol " + p + " which was not offered",
			Offered: o.Subprotocols, Chosen: p,
		}, true
	}
	for _, v := range resp.Header.Values("Sec-Websocket-Extensions") {
		for _, ext := range strings.Split(v, ",") {
			name := strings.TrimSpace(strings.SplitN(ext, ";", 2)[0])
			if name == "" {
				continue
			}
			if name != "permessage-deflate" || !o.Compress {
				var offered []string
				if o.Compress {
					offered = []string{"permessage-deflate"}
				}
				return decode.Failure{
					Kind: decode.KindHandshake, Cause: decode.CauseUnofferedExtension, Code: 1002, Status: resp.StatusCode,
					Message: "server chose extension " + name + " which was not offered",
					Offered: offered, Chosen: strings.TrimSpace(ext),
				}, true
			}
		}
	}
	return decode.Failure{}, false
}

// maxRawPreview is how much of the bytes a server sent out of place a
// failure quotes.
const maxRawPreview = 1024

// classifyHTTPAfterUpgrade describes the HTTP response raw that a server
// wrote after its 101: the bytes, escaped, and its status and body where
// they can be read.
func classifyHTTPAfterUpgrade(f *decode.Failure, raw []byte) {
	f.Kind, f.Cause, f.Code = decode.KindHandshake, decode.CauseHTTPAfterUpgrade, 1002
	f.Raw = decode.Sanitize(string(raw[:min(len(raw), maxRawPreview)]))
	f.Message = errHTTPAfterUpgrade.Error() + ": " + f.Raw
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(raw)), nil)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	f.Status = resp.StatusCode
	// A body cut short still says something: keep what arrived.
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxBodyPreview))
	f.Body = decode.Sanitize(string(b))
}

// httpResponseComplete reports whether b holds a whole HTTP response: the
// head, and the body Content-Length or chunked encoding calls for. A body
// that runs to the end of the connection is never complete.
func httpResponseComplete(b []byte) bool {
	if !bytes.Contains(b, []byte("\r\n\r\n")) && !bytes.Contains(b, []byte("\n\n")) {
		return false
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(b)), nil)
	if err != nil {
		return true // a broken head: more bytes will not mend it
	}
	defer resp.Body.Close()
	if resp.ContentLength < 0 && len(resp.TransferEncoding) == 0 {
		return false
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err == nil
}

func isMalformedHeader(err error) bool {
	_, ok := malformedHeaderLine(err)
	return ok
}

// malformedHeaderLine returns the response header line Go's HTTP parser
// rejected, from its error, and whether err is such a rejection.
func malformedHeaderLine(err error) (string, bool) {
	var pe textproto.ProtocolError
	if !errors.As(err, &pe) || !strings.HasPrefix(string(pe), "malformed MIME header") {
		return "", false
	}
	// The parser quotes the line with %q after a colon.
	msg := string(pe)
	if i := strings.Index(msg, `: "`); i >= 0 {
		if line, err := strconv.Unquote(msg[i+2:]); err == nil {
			return line, true
		}
	}
	return msg, true
}
