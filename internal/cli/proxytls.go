package cli

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"time"

	"github.com/wsdbg/wsdbg/decode"
)

// generatedCertLifetime is how long a certificate made by --listen-tls is
// valid: a fresh one is made at every start.
const generatedCertLifetime = 24 * time.Hour

// listenerTLS is the TLS configuration of proxy's listener: nil for ws://,
// the --listen-cert and --listen-key pair, or with --listen-tls a
// self-signed certificate whose fingerprints it writes to stderr.
func (p *proxyCmd) listenerTLS(stderr io.Writer) (*tls.Config, error) {
	switch {
	case p.listenTLS && (p.listenCert != "" || p.listenKey != ""):
		return nil, usagef("--listen-tls makes its own certificate: give it or --listen-cert and --listen-key, not both")
	case (p.listenCert == "") != (p.listenKey == ""):
		return nil, usagef("--listen-cert and --listen-key go together")
	case p.listenCert != "":
		cert, err := tls.LoadX509KeyPair(p.listenCert, p.listenKey)
		if err != nil {
			return nil, usagef("cannot serve wss:// with --listen-cert %s and --listen-key %s: %s",
				decode.Sanitize(p.listenCert), decode.Sanitize(p.listenKey), decode.Sanitize(err.Error()))
		}
		return listenerConfig(cert), nil
	case p.listenTLS:
		host, _, err := net.SplitHostPort(p.listen)
		if err != nil {
			return nil, usagef("--listen %s is not HOST:PORT", decode.Sanitize(p.listen))
		}
		cert, names, err := selfSignedCert(host, time.Now())
		if err != nil {
			return nil, fmt.Errorf("cannot make a certificate for --listen-tls: %w", err)
		}
		describeCert(stderr, cert.Leaf, names)
		return listenerConfig(cert), nil
	}
	return nil, nil
}

// listenerConfig serves cert over HTTP/1.1 only: a WebSocket upgrade is an
// HTTP/1.1 request, and a browser offered h2 would take it.
func listenerConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"http/1.1"}, MinVersion: tls.VersionTLS12}
}

// selfSignedCert makes an ECDSA P-256 certificate for the loopback
// addresses, localhost and host, valid from a minute before now for
// generatedCertLifetime. It returns the names it covers.
func selfSignedCert(host string, now time.Time) (tls.Certificate, []string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "wsdbg proxy", Organization: []string{"wsdbg"}},
		NotBefore:    now.Add(-time.Minute),
		NotAfter:     now.Add(generatedCertLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	names := []string{"127.0.0.1", "::1", "localhost"}
	// An unspecified address (all interfaces) names no host to add.
	if ip := net.ParseIP(host); ip != nil && !ip.IsLoopback() && !ip.IsUnspecified() {
		tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		names = append(names, ip.String())
	} else if ip == nil && host != "" && host != "localhost" {
		tmpl.DNSNames = append(tmpl.DNSNames, host)
		names = append(names, host)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, names, nil
}

// certFingerprint is the SHA-256 of the certificate, as browsers and
// openssl show it: hex pairs joined by colons.
func certFingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	pairs := make([]string, len(sum))
	for i, b := range sum {
		pairs[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(pairs, ":")
}

// spkiHash is the base64 SHA-256 of the certificate's public key, what
// Chromium's --ignore-certificate-errors-spki-list and HPKP pins take.
func spkiHash(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// describeCert says what a generated certificate covers and how a client
// can trust it.
func describeCert(w io.Writer, cert *x509.Certificate, names []string) {
	spki := spkiHash(cert)
	fmt.Fprintf(w, "wsdbg: serving wss:// with a self-signed certificate for %s, valid until %s\n",
		decode.Sanitize(strings.Join(names, ", ")), cert.NotAfter.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "wsdbg:   SHA-256 fingerprint %s\n", certFingerprint(cert))
	fmt.Fprintf(w, "wsdbg:   public key (SPKI) SHA-256, base64: %s\n", spki)
	fmt.Fprintf(w, "wsdbg:   Chromium and Chrome trust it when started with --user-data-dir=DIR --ignore-certificate-errors-spki-list=%s\n", spki)
}

// sanitizedLines writes a logger's lines with their untrusted parts (a
// peer's address, a TLS alert) escaped.
type sanitizedLines struct{ w io.Writer }

func (s sanitizedLines) Write(p []byte) (int, error) {
	line := strings.TrimSuffix(string(p), "\n")
	if _, err := io.WriteString(s.w, decode.Sanitize(line)+"\n"); err != nil {
		return 0, err
	}
	return len(p), nil
}
