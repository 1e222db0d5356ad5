package conn

import (
	"context"
	"encoding/binary"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/decode"
)

// connectProxy is an HTTP CONNECT proxy, over TLS when secure is set; with
// refuse set it answers 407. used counts the tunnels it opened.
func connectProxy(t *testing.T, secure, refuse bool, used *atomic.Int32) string {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect {
			http.Error(w, "CONNECT only", http.StatusMethodNotAllowed)
			return
		}
		if refuse {
			w.Header().Set("Proxy-Authenticate", `Basic realm="proxy"`)
			w.WriteHeader(http.StatusProxyAuthRequired)
			return
		}
		up, err := net.Dial("tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		used.Add(1)
		down, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			up.Close()
			return
		}
		io.WriteString(down, "HTTP/1.1 200 Connection established\r\n\r\n")
		go func() { io.Copy(up, down); up.Close() }()
		io.Copy(down, up)
		down.Close()
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	if secure {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	return srv.URL
}

// echoThrough dials u through proxy and checks that a message makes the
// round trip.
func echoThrough(t *testing.T, u string, opts Options) {
	t.Helper()
	opts.URL = u
	c := Dial(context.Background(), opts)
	defer c.Shutdown()
	next(t, c, EventOpen)
	c.Send(OpText, []byte("via proxy"))
	next(t, c, EventMessage)
	if in := next(t, c, EventMessage); string(in.Payload) != "via proxy" {
		t.Fatalf("echo = %q", in.Payload)
	}
}

func TestHTTPProxy(t *testing.T) {
	var used atomic.Int32
	u := echoServer(t, nil)
	echoThrough(t, u, Options{Proxy: connectProxy(t, false, false, &used)})
	if used.Load() != 1 {
		t.Fatalf("proxy opened %d tunnels", used.Load())
	}
	ev, _ := failureFor(t, u, Options{Proxy: connectProxy(t, false, true, &used)})
	if ev.Failure.Kind != decode.KindProxy || ev.Failure.Cause != decode.CauseProxyAuth || ev.Failure.Status != 407 {
		t.Fatalf("refusing proxy: %+v", ev.Failure)
	}
}

func TestHTTPSProxy(t *testing.T) {
	var used atomic.Int32
	u := echoServer(t, nil)
	proxyURL := connectProxy(t, true, false, &used)
	if !strings.HasPrefix(proxyURL, "https://") {
		t.Fatalf("proxy URL %s", proxyURL)
	}
	echoThrough(t, u, Options{Proxy: proxyURL, Insecure: true})
	if used.Load() != 1 {
		t.Fatalf("proxy opened %d tunnels", used.Load())
	}
	// The proxy's certificate is self-signed: without --insecure the
	// proxy's TLS handshake fails, and it is the proxy that is blamed.
	ev, _ := failureFor(t, u, Options{Proxy: proxyURL})
	if ev.Failure.Kind != decode.KindProxy || !strings.Contains(ev.Failure.Message, "certificate") {
		t.Fatalf("untrusted proxy: %+v", ev.Failure)
	}
}

// socks5Proxy is a SOCKS5 server (RFC 1928) that offers no authentication
// and serves CONNECT to IPv4 addresses and domain names. Each request's
// address type is sent on atyps.
func socks5Proxy(t *testing.T, atyps chan<- byte) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveSOCKS5(c, atyps)
		}
	}()
	return "socks5://" + ln.Addr().String()
}

func serveSOCKS5(c net.Conn, atyps chan<- byte) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	reply := func(status byte) { c.Write([]byte{5, status, 0, 1, 0, 0, 0, 0, 0, 0}) }
	// Greeting: version, method count, methods; we pick "no authentication".
	head := make([]byte, 2)
	if _, err := io.ReadFull(c, head); err != nil || head[0] != 5 {
		return
	}
	if _, err := io.ReadFull(c, make([]byte, head[1])); err != nil {
		return
	}
	c.Write([]byte{5, 0})
	// Request: version, CONNECT, reserved, address type, address, port.
	req := make([]byte, 4)
	if _, err := io.ReadFull(c, req); err != nil || req[1] != 1 {
		reply(7) // command not supported
		return
	}
	var host string
	switch req[3] {
	case 1:
		ip := make([]byte, 4)
		if _, err := io.ReadFull(c, ip); err != nil {
			return
		}
		host = net.IP(ip).String()
	case 3:
		n := make([]byte, 1)
		if _, err := io.ReadFull(c, n); err != nil {
			return
		}
		name := make([]byte, n[0])
		if _, err := io.ReadFull(c, name); err != nil {
			return
		}
		host = string(name)
	default:
		reply(8) // address type not supported
		return
	}
	port := make([]byte, 2)
	if _, err := io.ReadFull(c, port); err != nil {
		return
	}
	atyps <- req[3]
	up, err := net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(int(binary.BigEndian.Uint16(port)))))
	if err != nil {
		reply(5) // connection refused
		return
	}
	defer up.Close()
	reply(0)
	c.SetDeadline(time.Time{})
	go func() { io.Copy(up, c); up.Close() }()
	io.Copy(c, up)
}

func TestSOCKS5Proxy(t *testing.T) {
	atyps := make(chan byte, 4)
	proxyURL := socks5Proxy(t, atyps)
	u := echoServer(t, nil)
	echoThrough(t, u, Options{Proxy: proxyURL})
	if a := <-atyps; a != 1 {
		t.Fatalf("address type %d for an IPv4 target, want 1", a)
	}
	echoThrough(t, strings.Replace(u, "127.0.0.1", "localhost", 1), Options{Proxy: proxyURL})
	if a := <-atyps; a != 3 {
		t.Fatalf("address type %d for a host name, want 3 (the proxy resolves it)", a)
	}
	ev, _ := failureFor(t, refusedURL(t), Options{Proxy: proxyURL})
	if ev.Failure.Kind != decode.KindProxy {
		t.Fatalf("target refused behind the proxy: %+v", ev.Failure)
	}
}

func TestProxyPortDefaultsToTheSchemes(t *testing.T) {
	for raw, want := range map[string]string{
		"socks5://proxy.example":      "proxy.example:1080",
		"socks5://[::1]":              "[::1]:1080",
		"socks5://proxy.example:9050": "proxy.example:9050",
	} {
		u, err := ValidateProxy(raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := hostPort(u, "1080"); got != want {
			t.Errorf("hostPort(%s) = %s, want %s", raw, got, want)
		}
	}
}
