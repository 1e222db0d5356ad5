package conn

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"golang.org/x/net/proxy"
)

// stage records how far a dial got, so a timeout can be blamed on the right
// step.
type stage uint8

const (
	stageDNS stage = iota
	stageTCP
	stageProxy
	stageTLS
	stageUpgrade
)

// dialError is a failure inside our own dial function, tagged with the step.
type dialError struct {
	stage stage
	err   error
	// proxy CONNECT refusals
	proxyStatus int
}

func (e *dialError) Error() string { return e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// attempt is one dial of one URL: it owns the tap and remembers the stage.
type attempt struct {
	opts       Options
	stage      stage
	tap        *tap
	violations chan protocolViolation
	// unwatch stops closing the connection when the dial is cancelled;
	// nil until there is a connection.
	unwatch func() bool
	// deadline is when the dial must be done; zero for none.
	deadline time.Time
}

// pastDeadline reports whether the dial ran out of time.
func (a *attempt) pastDeadline() bool {
	return !a.deadline.IsZero() && !time.Now().Before(a.deadline)
}

// watch closes c if ctx is cancelled before release: the CONNECT exchange
// and gorilla's upgrade heed only deadlines, and Shutdown must not wait
// for the connect timeout.
func (a *attempt) watch(ctx context.Context, c net.Conn) {
	a.unwatch = context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.Canceled) {
			c.Close()
		}
	})
}

// release ends the watch once the dial has returned.
func (a *attempt) release() {
	if a.unwatch != nil {
		a.unwatch()
	}
}

// ValidateURL checks that raw is a ws:// or wss:// URL with a host. Browsers
// copy WebSocket URLs as http:// and https://; those are read as ws:// and
// wss://.
func ValidateURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("bad URL %q: %s", raw, strings.TrimPrefix(err.Error(), "net/url: "))
	}
	switch u.Scheme {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	case "":
		return nil, fmt.Errorf("bad URL %q: it needs a scheme, ws:// or wss://", raw)
	default:
		return nil, fmt.Errorf("bad URL %q: the scheme must be ws or wss, not %s", raw, u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("bad URL %q: it names no host", raw)
	}
	return u, nil
}

// TLSConfig builds the client TLS configuration from the options.
func TLSConfig(o Options) (*tls.Config, error) {
	cfg := &tls.Config{InsecureSkipVerify: o.Insecure, NextProtos: []string{"http/1.1"}}
	if o.CACertFile != "" {
		pem, err := os.ReadFile(o.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("--cacert: %v", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--cacert: no PEM certificate in %s", o.CACertFile)
		}
		cfg.RootCAs = pool
	}
	if o.CertFile != "" || o.KeyFile != "" {
		if o.CertFile == "" || o.KeyFile == "" {
			return nil, errors.New("--cert and --key go together")
		}
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("--cert/--key: %v", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// ValidateProxy checks a --proxy URL.
func ValidateProxy(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("bad proxy URL %q: write it as scheme://host:port, e.g. http://proxy:3128", raw)
	}
	switch u.Scheme {
	case "http", "https", "socks5", "socks5h":
		return u, nil
	}
	return nil, fmt.Errorf("bad proxy URL %q: the scheme must be http, https or socks5", raw)
}

// dialer returns a gorilla dialer whose network dial goes through a, so
// that proxying, TLS and the tap are ours: the tap must sit below TLS's
// plaintext side, which gorilla's own TLS and proxy code would not allow.
func (a *attempt) dialer(tlsCfg *tls.Config) *websocket.Dialer {
	d := &websocket.Dialer{
		Subprotocols:      a.opts.Subprotocols,
		EnableCompression: a.opts.Compress,
		ReadBufferSize:    32 << 10,
		WriteBufferSize:   32 << 10,
	}
	d.NetDialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return a.dial(ctx, network, addr, nil)
	}
	d.NetDialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		return a.dial(ctx, network, addr, tlsCfg)
	}
	return d
}

func (a *attempt) dial(ctx context.Context, network, addr string, tlsCfg *tls.Config) (net.Conn, error) {
	c, err := a.dialPlaintext(ctx, network, addr, tlsCfg)
	if err != nil {
		return nil, err
	}
	a.tap = newTap(c, a.violations)
	return a.tap, nil
}

// dialPlaintext dials addr through the proxy, if any, and TLS, when
// tlsCfg is not nil, and returns the connection's plaintext side, ready
// for the upgrade request.
func (a *attempt) dialPlaintext(ctx context.Context, network, addr string, tlsCfg *tls.Config) (net.Conn, error) {
	a.deadline, _ = ctx.Deadline()
	raw, err := a.dialTransport(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	c := raw
	if tlsCfg != nil {
		a.stage = stageTLS
		cfg := tlsCfg.Clone()
		if cfg.ServerName == "" {
			host, _, _ := net.SplitHostPort(addr)
			cfg.ServerName = host
		}
		tc := tls.Client(raw, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, &dialError{stage: stageTLS, err: err}
		}
		c = tc
	}
	a.stage = stageUpgrade
	return c, nil
}

func (a *attempt) dialTransport(ctx context.Context, network, addr string) (net.Conn, error) {
	nd := &net.Dialer{KeepAlive: 30 * time.Second}
	if a.opts.Proxy == "" {
		return a.dialDirect(ctx, nd, network, addr)
	}
	pu, err := ValidateProxy(a.opts.Proxy)
	if err != nil {
		return nil, &dialError{stage: stageProxy, err: err}
	}
	switch pu.Scheme {
	case "socks5", "socks5h":
		var auth *proxy.Auth
		if pu.User != nil {
			pw, _ := pu.User.Password()
			auth = &proxy.Auth{User: pu.User.Username(), Password: pw}
		}
		sd, err := proxy.SOCKS5("tcp", hostPort(pu, "1080"), auth, nd)
		if err != nil {
			return nil, &dialError{stage: stageProxy, err: err}
		}
		a.stage = stageProxy
		c, err := sd.(proxy.ContextDialer).DialContext(ctx, network, addr)
		if err != nil {
			return nil, &dialError{stage: stageProxy, err: err}
		}
		a.watch(ctx, c)
		return c, nil
	default:
		return a.dialHTTPProxy(ctx, nd, pu, addr)
	}
}

// hostPort is u's host with its port, or with defaultPort when it has none.
func hostPort(u *url.URL, defaultPort string) string {
	if u.Port() != "" {
		return u.Host
	}
	return net.JoinHostPort(u.Hostname(), defaultPort)
}

func (a *attempt) dialDirect(ctx context.Context, nd *net.Dialer, network, addr string) (net.Conn, error) {
	a.stage = stageDNS
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, &dialError{stage: stageDNS, err: err}
	}
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil {
		return nil, &dialError{stage: stageDNS, err: err}
	}
	a.stage = stageTCP
	last := error(&net.DNSError{Err: "no address", Name: host, IsNotFound: true})
	for _, ip := range ips {
		c, err := nd.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			a.watch(ctx, c)
			return c, nil
		}
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, &dialError{stage: stageTCP, err: last}
}

// dialHTTPProxy opens a tunnel with CONNECT through an http:// or https://
// proxy.
func (a *attempt) dialHTTPProxy(ctx context.Context, nd *net.Dialer, pu *url.URL, addr string) (net.Conn, error) {
	defaultPort := "80"
	if pu.Scheme == "https" {
		defaultPort = "443"
	}
	c, err := nd.DialContext(ctx, "tcp", hostPort(pu, defaultPort))
	if err != nil {
		return nil, &dialError{stage: stageProxy, err: err}
	}
	a.watch(ctx, c)
	a.stage = stageProxy
	if pu.Scheme == "https" {
		tc := tls.Client(c, &tls.Config{ServerName: pu.Hostname(), InsecureSkipVerify: a.opts.Insecure})
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, &dialError{stage: stageProxy, err: err}
		}
		c = tc
	}
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	req := &http.Request{
		Method: http.MethodConnect,
		URL:    &url.URL{Opaque: addr},
		Host:   addr,
		Header: http.Header{},
	}
	if pu.User != nil {
		pw, _ := pu.User.Password()
		cred := pu.User.Username() + ":" + pw
		req.Header.Set("Proxy-Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(cred)))
	}
	if err := req.Write(c); err != nil {
		c.Close()
		return nil, &dialError{stage: stageProxy, err: err}
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, req)
	if err != nil {
		c.Close()
		return nil, &dialError{stage: stageProxy, err: fmt.Errorf("proxy CONNECT: %w", err)}
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.Close()
		return nil, &dialError{stage: stageProxy, proxyStatus: resp.StatusCode,
			err: fmt.Errorf("proxy refused CONNECT %s: %s", addr, resp.Status)}
	}
	if br.Buffered() > 0 {
		c.Close()
		return nil, &dialError{stage: stageProxy, err: errors.New("proxy sent data before the tunnel was open")}
	}
	c.SetDeadline(time.Time{})
	return c, nil
}

// redirectTarget resolves a redirect Location onto ws/wss.
func redirectTarget(base *url.URL, loc string) (*url.URL, error) {
	u, err := base.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("the redirect's Location %q is not a URL", loc)
	}
	return ValidateURL(u.String())
}

// sentAuth reports whether the request carried credentials.
func sentAuth(h http.Header, u *url.URL) bool {
	if h.Get("Authorization") != "" || h.Get("Cookie") != "" || u.User != nil {
		return true
	}
	for k := range u.Query() {
		switch strings.ToLower(k) {
		case "token", "access_token", "auth", "key", "apikey", "api_key", "jwt":
			return true
		}
	}
	return false
}
