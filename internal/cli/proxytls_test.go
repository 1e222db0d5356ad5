package cli

import (
	"crypto/ecdsa"
	"crypto/x509"
	"slices"
	"testing"
	"time"
)

// The generated certificate covers the loopback names and the --listen
// host, and nothing for a listener on every interface.
func TestSelfSignedCertNames(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		host  string
		extra string // the name added for the host; "" for none
	}{
		{"127.0.0.1", ""},
		{"::1", ""},
		{"localhost", ""},
		{"", ""},
		{"0.0.0.0", ""},
		{"::", ""},
		{"192.168.1.20", "192.168.1.20"},
		{"fd00::7", "fd00::7"},
		{"devbox.local", "devbox.local"},
	} {
		cert, names, err := selfSignedCert(tc.host, now)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"127.0.0.1", "::1", "localhost"}
		if tc.extra != "" {
			want = append(want, tc.extra)
		}
		if !slices.Equal(names, want) {
			t.Errorf("host %q: names %v, want %v", tc.host, names, want)
		}
		leaf := cert.Leaf
		roots := x509.NewCertPool()
		roots.AddCert(leaf)
		for _, name := range want {
			if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: name, CurrentTime: now}); err != nil {
				t.Errorf("host %q: not valid for %s: %v", tc.host, name, err)
			}
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "example.com", CurrentTime: now}); err == nil {
			t.Errorf("host %q: valid for example.com", tc.host)
		}
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: roots, DNSName: "localhost", CurrentTime: now.Add(generatedCertLifetime + time.Minute)}); err == nil {
			t.Errorf("host %q: still valid after its lifetime", tc.host)
		}
		if key, ok := cert.PrivateKey.(*ecdsa.PrivateKey); !ok || key.Curve.Params().Name != "P-256" {
			t.Errorf("host %q: the key is %T, want ECDSA P-256", tc.host, cert.PrivateKey)
		}
	}
}
