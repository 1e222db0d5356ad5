package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// tlsEchoServer is echoHandler over TLS with httptest's certificate
// (valid for 127.0.0.1), and the PEM files of that certificate and its
// key.
func tlsEchoServer(t *testing.T) (url, certFile, keyFile string) {
	t.Helper()
	srv := httptest.NewTLSServer(echoHandler)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	key, err := x509.MarshalPKCS8PrivateKey(srv.TLS.Certificates[0].PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, certFile, "CERTIFICATE", srv.Certificate().Raw)
	writePEM(t, keyFile, "PRIVATE KEY", key)
	return "wss" + strings.TrimPrefix(srv.URL, "https"), certFile, keyFile
}

func writePEM(t *testing.T, file, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// echoOnce sends a message through the dialled URL and checks the echo.
func echoOnce(t *testing.T, d *websocket.Dialer, url string) {
	t.Helper()
	ws, _, err := d.Dial(url, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", url, err)
	}
	defer ws.Close()
	ws.WriteMessage(websocket.TextMessage, []byte("over tls"))
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, msg, err := ws.ReadMessage(); err != nil || string(msg) != "over tls" {
		t.Fatalf("echo through the proxy: %q %v", msg, err)
	}
}

var (
	printedFingerprint = regexp.MustCompile(`SHA-256 fingerprint ([0-9A-F:]{95})\n`)
	printedSPKI        = regexp.MustCompile(`--ignore-certificate-errors-spki-list=(\S+)\n`)
)

// startProxyWithGeneratedCert starts wsdbg proxy with --listen-tls and extra args
// and returns it, its wss:// URL and the SPKI hash it printed, checking
// that the fingerprints it printed are those of the certificate it
// serves.
func startProxyWithGeneratedCert(t *testing.T, args ...string) (*tailProcess, string, string) {
	t.Helper()
	p, url := startProxy(t, append([]string{"--listen-tls"}, args...)...)
	if !strings.HasPrefix(url, "wss://127.0.0.1:") {
		t.Fatalf("the listening line must say wss://: %q", p.errb.text())
	}
	fp := printedFingerprint.FindStringSubmatch(p.errb.text())
	spki := printedSPKI.FindStringSubmatch(p.errb.text())
	if fp == nil || spki == nil {
		t.Fatalf("no fingerprint or SPKI hash on stderr: %q", p.errb.text())
	}
	// The client pins the printed fingerprint and checks the certificate
	// names the address it dials.
	pinned := &websocket.Dialer{HandshakeTimeout: 5 * time.Second, TLSClientConfig: &tls.Config{
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			cert := cs.PeerCertificates[0]
			sum := sha256.Sum256(cert.Raw)
			if got := strings.ToUpper(fmt.Sprintf("% x", sum[:])); strings.ReplaceAll(got, " ", ":") != fp[1] {
				return fmt.Errorf("served certificate %s, printed %s", got, fp[1])
			}
			spkiSum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
			if got := base64.StdEncoding.EncodeToString(spkiSum[:]); got != spki[1] {
				return fmt.Errorf("served SPKI hash %s, printed %s", got, spki[1])
			}
			if cert.PublicKeyAlgorithm != x509.ECDSA {
				return fmt.Errorf("the key is %v, want ECDSA", cert.PublicKeyAlgorithm)
			}
			if life := cert.NotAfter.Sub(cert.NotBefore); life > 48*time.Hour {
				return fmt.Errorf("the certificate is valid for %v; a generated one should not outlive its use", life)
			}
			roots := x509.NewCertPool()
			roots.AddCert(cert)
			for _, name := range []string{"127.0.0.1", "::1", "localhost"} {
				if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, DNSName: name}); err != nil {
					return fmt.Errorf("for %s: %w", name, err)
				}
			}
			return nil
		},
	}}
	echoOnce(t, pinned, url+"/pinned")
	return p, url, spki[1]
}

// --listen-tls serves wss:// with a certificate made at start, whose
// printed fingerprint and SPKI hash a client can pin.
func TestProxyListenTLSGeneratesACertificate(t *testing.T) {
	p, url, _ := startProxyWithGeneratedCert(t, "--tail", "--no-record", startEcho(t))
	// A client that does not trust the certificate refuses it, and the
	// proxy says so.
	if _, _, err := websocket.DefaultDialer.Dial(url, nil); err == nil {
		t.Fatal("a client trusting only the system's roots accepted the generated certificate")
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(p.errb.text(), "wsdbg: http: TLS handshake error from 127.0.0.1:") {
		if time.Now().After(deadline) {
			t.Fatalf("the refused handshake is not on stderr: %q", p.errb.text())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// --listen-cert and --listen-key serve that certificate; a bad key, a
// missing file or half of the pair is refused in one line before
// anything listens.
func TestProxyListenCertFiles(t *testing.T) {
	_, certFile, keyFile := tlsEchoServer(t)
	_, url := startProxy(t, "--tail", "--no-record", "--listen-cert", certFile, "--listen-key", keyFile, startEcho(t))
	if !strings.HasPrefix(url, "wss://") {
		t.Fatalf("listening on %s, want wss://", url)
	}
	roots := x509.NewCertPool()
	pemBytes, _ := os.ReadFile(certFile)
	roots.AppendCertsFromPEM(pemBytes)
	echoOnce(t, &websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: roots}}, url)

	badKey := filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(badKey, []byte("not a key\n"), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--listen-cert", certFile, "--listen-key", badKey}, "cannot serve wss:// with --listen-cert " + certFile + " and --listen-key " + badKey + ": tls: failed to find any PEM data in key input"},
		{[]string{"--listen-cert", certFile, "--listen-key", filepath.Join(t.TempDir(), "absent.pem")}, "no such file or directory"},
		{[]string{"--listen-cert", keyFile, "--listen-key", keyFile}, "cannot serve wss://"},
		{[]string{"--listen-cert", certFile}, "--listen-cert and --listen-key go together"},
		{[]string{"--listen-tls", "--listen-cert", certFile, "--listen-key", keyFile}, "not both"},
	} {
		cmd := exec.Command(wsdbgBinary(t), append(append([]string{"proxy", "--tail", "--no-record", "--listen", "127.0.0.1:0"}, tc.args...), "ws://127.0.0.1:1")...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("%v: still running, want a refusal", tc.args)
		}
		msg := stderr.String()
		if cmd.ProcessState.ExitCode() != 2 || !strings.Contains(msg, tc.want) || strings.Count(strings.TrimSpace(msg), "\n") > 1 {
			t.Errorf("%v: exit %d, stderr %q; want status 2 and %q", tc.args, cmd.ProcessState.ExitCode(), msg, tc.want)
		}
		if strings.Contains(msg, "relaying") {
			t.Errorf("%v: it listened anyway: %q", tc.args, msg)
		}
	}
}

// The relay dials a wss:// upstream with --cacert trusting its
// certificate, or with --insecure; without either it refuses it.
func TestProxyTLSUpstream(t *testing.T) {
	upstream, certFile, _ := tlsEchoServer(t)
	_, url := startProxy(t, "--tail", "--no-record", "--cacert", certFile, upstream)
	echoOnce(t, websocket.DefaultDialer, url+"/cacert")
	_, url = startProxy(t, "--tail", "--no-record", "--insecure", upstream)
	echoOnce(t, websocket.DefaultDialer, url+"/insecure")

	p, url := startProxy(t, "--tail", "--json", "--no-record", upstream)
	_, resp, err := websocket.DefaultDialer.Dial(url+"/untrusted", nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("an untrusted upstream must be a 502 to the client: %v %v", resp, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(p.out.text(), `"type":"error"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no error event for the untrusted upstream: %q", p.out.text())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(p.out.text(), "certificate") {
		t.Errorf("the error must blame the certificate: %q", p.out.text())
	}
}
