package cli

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseCurlFromChrome(t *testing.T) {
	// As Chrome's "Copy as cURL (bash)" writes a WebSocket request.
	args := []string{"wss://api.example.com/socket?v=2",
		"-H", "Upgrade: websocket",
		"-H", "Origin: https://app.example.com",
		"-H", "Cache-Control: no-cache",
		"-H", "Accept-Language: en-GB,en;q=0.9",
		"-H", "Pragma: no-cache",
		"-H", "Cookie: session=abc123; theme=dark",
		"-H", "Connection: Upgrade",
		"-H", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
		"-H", "User-Agent: Mozilla/5.0",
		"-H", "Sec-WebSocket-Version: 13",
		"-H", "Sec-WebSocket-Protocol: graphql-transport-ws, graphql-ws",
		"-H", "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits",
		"--compressed",
	}
	o, ignored, err := parseCurl(args)
	if err != nil {
		t.Fatal(err)
	}
	if o.URL != "wss://api.example.com/socket?v=2" || o.Origin != "https://app.example.com" || !o.Compress {
		t.Fatalf("options = %+v", o)
	}
	if !slices.Equal(o.Subprotocols, []string{"graphql-transport-ws", "graphql-ws"}) {
		t.Fatalf("subprotocols = %v", o.Subprotocols)
	}
	if o.Header.Get("Cookie") != "session=abc123; theme=dark" || o.Header.Get("Sec-Websocket-Key") != "" || o.Header.Get("Upgrade") != "" {
		t.Fatalf("header = %v", o.Header)
	}
	if !slices.Equal(ignored, []string{"--compressed"}) {
		t.Fatalf("ignored = %v", ignored)
	}
}

func TestParseCurlFirefoxHTTPScheme(t *testing.T) {
	o, _, err := parseCurl([]string{"https://example.com/ws", "-X", "GET", "-b", "a=1", "-k", "-L"})
	if err != nil {
		t.Fatal(err)
	}
	if o.URL != "wss://example.com/ws" || o.Header.Get("Cookie") != "a=1" || !o.Insecure || !o.FollowRedirects {
		t.Fatalf("options = %+v", o)
	}
}

func TestParseCurlErrors(t *testing.T) {
	for _, args := range [][]string{{}, {"-H"}, {"-H", "no colon", "ws://x"}, {"ws://a", "ws://b"}} {
		if _, _, err := parseCurl(args); err == nil {
			t.Errorf("parseCurl(%q) succeeded", args)
		}
	}
}

// FuzzParseCurl feeds arbitrary argument lists: parseCurl must never panic,
// and what it accepts has a URL and a header map.
func FuzzParseCurl(f *testing.F) {
	f.Add("wss://h/x\x00-H\x00Origin: https://a\x00--compressed")
	f.Add("-H\x00Sec-WebSocket-Protocol: a, b\x00https://h\x00-x\x00socks5://p")
	f.Add("--url\x00ws://a\x00ws://b")
	f.Fuzz(func(t *testing.T, joined string) {
		o, _, err := parseCurl(strings.Split(joined, "\x00"))
		if err == nil && (o.URL == "" || o.Header == nil) {
			t.Fatalf("accepted without a URL or header map: %+v", o)
		}
	})
}

func TestParseCurlUserBecomesBasicAuth(t *testing.T) {
	o, ignored, err := parseCurl([]string{"https://example.com/ws", "-u", "alice:s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	// base64("alice:s3cret")
	if got := o.Header.Get("Authorization"); got != "Basic YWxpY2U6czNjcmV0" {
		t.Fatalf("Authorization = %q", got)
	}
	if o.URL != "wss://example.com/ws" || len(ignored) != 0 {
		t.Fatalf("options = %+v, ignored %v", o, ignored)
	}
	// An explicit header wins over -u, whichever comes first.
	for _, args := range [][]string{
		{"ws://x", "--user", "a:b", "-H", "Authorization: Bearer T"},
		{"ws://x", "-H", "Authorization: Bearer T", "--user", "a:b"},
	} {
		o, _, err := parseCurl(args)
		if err != nil {
			t.Fatal(err)
		}
		if got := o.Header.Values("Authorization"); len(got) != 1 || got[0] != "Bearer T" {
			t.Errorf("%q: Authorization = %q", args, got)
		}
	}
	_, _, err = parseCurl([]string{"ws://x", "-u", "alice"})
	if err == nil || !strings.Contains(err.Error(), "user:password") {
		t.Fatalf("-u without a password: %v", err)
	}
}

func TestParseCurlHelp(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"ws://x", "--help"}} {
		if _, _, err := parseCurl(args); !errors.Is(err, errCurlHelp) {
			t.Errorf("parseCurl(%q) = %v, want errCurlHelp", args, err)
		}
	}
	// A header value that looks like an option is still a value.
	if _, _, err := parseCurl([]string{"ws://x", "-A", "--help"}); err != nil {
		t.Errorf("-A --help: %v", err)
	}
}
