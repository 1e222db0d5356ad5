package cli

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/wsdbg/wsdbg/conn"
)

// curlValueOptions are the curl options that take a value and carry
// meaning for a WebSocket client.
var curlValueOptions = map[string]func(o *conn.Options, v string) error{
	"-H": applyCurlHeader, "--header": applyCurlHeader,
	"-b": addCookie, "--cookie": addCookie,
	"-A": setUserAgent, "--user-agent": setUserAgent,
	"-e": setReferer, "--referer": setReferer,
	"-x": setProxy, "--proxy": setProxy,
	"-u": setBasicAuth, "--user": setBasicAuth,
	"--url": setURL,
}

func addCookie(o *conn.Options, v string) error    { o.Header.Add("Cookie", v); return nil }
func setUserAgent(o *conn.Options, v string) error { o.Header.Set("User-Agent", v); return nil }
func setReferer(o *conn.Options, v string) error   { o.Header.Set("Referer", v); return nil }
func setProxy(o *conn.Options, v string) error     { o.Proxy = v; return nil }

// setBasicAuth turns curl's -u user:password into the Authorization header
// curl would send. A header given with -H wins, as it does in curl, so
// this one only fills the gap; curl's password prompt has no equivalent.
func setBasicAuth(o *conn.Options, v string) error {
	if !strings.Contains(v, ":") {
		return errors.New("the curl option -u needs user:password; wsdbg does not ask for the password")
	}
	if o.Header.Get("Authorization") == "" {
		o.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(v)))
	}
	return nil
}

func setURL(o *conn.Options, v string) error {
	if o.URL != "" {
		return fmt.Errorf("the curl command has two URLs: %q and %q", o.URL, v)
	}
	o.URL = v
	return nil
}

// curl options that take a value but mean nothing to a WebSocket client.
var curlIgnoredWithValue = map[string]bool{
	"--data": true, "--data-raw": true, "--data-binary": true, "-d": true,
	"--request": true, "-X": true, "--max-time": true, "-m": true,
	"--output": true, "-o": true, "--retry": true,
	"--write-out": true, "-w": true,
}

// errCurlHelp is returned by parseCurl when the arguments ask for help
// (-h or --help) instead of naming a request.
var errCurlHelp = errors.New("help on the curl command was asked for")

// parseCurl reads the arguments of a "Copy as cURL" command (without the
// leading "curl") as browsers produce it for a WebSocket request, and returns
// the options it implies and the curl options it ignored.
func parseCurl(args []string) (conn.Options, []string, error) {
	o := conn.Options{Header: http.Header{}}
	var ignored []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		apply, takesValue := curlValueOptions[a]
		if takesValue || curlIgnoredWithValue[a] {
			if i+1 >= len(args) {
				return o, nil, fmt.Errorf("the curl option %s needs a value", a)
			}
			i++
			if !takesValue {
				ignored = append(ignored, a)
			} else if err := apply(&o, args[i]); err != nil {
				return o, nil, err
			}
			continue
		}
		switch {
		case a == "-h" || a == "--help":
			return o, nil, errCurlHelp
		case a == "-k" || a == "--insecure":
			o.Insecure = true
		case a == "-L" || a == "--location":
			o.FollowRedirects = true
		case strings.HasPrefix(a, "-") && a != "-":
			ignored = append(ignored, a)
		default:
			if err := setURL(&o, a); err != nil {
				return o, nil, err
			}
		}
	}
	if o.URL == "" {
		return o, nil, errors.New("the curl command has no URL")
	}
	// Browsers copy the URL with http(s) for a WebSocket request.
	switch {
	case strings.HasPrefix(o.URL, "https://"):
		o.URL = "wss://" + strings.TrimPrefix(o.URL, "https://")
	case strings.HasPrefix(o.URL, "http://"):
		o.URL = "ws://" + strings.TrimPrefix(o.URL, "http://")
	}
	return o, ignored, nil
}

// applyCurlHeader keeps the headers that carry meaning and turns the
// WebSocket handshake headers into options, since the dialer makes its own.
func applyCurlHeader(o *conn.Options, h string) error {
	name, value, err := parseHeader(h)
	if err != nil {
		return err
	}
	switch strings.ToLower(name) {
	case "origin":
		o.Origin = value
	case "sec-websocket-protocol":
		for _, p := range strings.Split(value, ",") {
			if p = strings.TrimSpace(p); p != "" {
				o.Subprotocols = append(o.Subprotocols, p)
			}
		}
	case "sec-websocket-extensions":
		if strings.Contains(value, "permessage-deflate") {
			o.Compress = true
		}
	case "authorization":
		// Replaces what -u made, as curl lets an explicit header win.
		o.Header.Set(name, value)
	case "sec-websocket-key", "sec-websocket-version", "upgrade", "connection", "host",
		"content-length", "accept-encoding":
		// The dialer writes these itself.
	default:
		o.Header.Add(name, value)
	}
	return nil
}

// parseHeader parses a "Name: value" header argument.
func parseHeader(h string) (string, string, error) {
	name, value, ok := strings.Cut(h, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
		return "", "", fmt.Errorf("bad header %q: want 'Name: value'", h)
	}
	return name, strings.TrimSpace(value), nil
}

// newCurlCmd is "curl 'URL' [curl options]" after the debugger or tail: a
// request copied from a browser's developer tools. Its arguments are
// curl's, so cobra parses none of them; run gets them after "curl".
func newCurlCmd(run func(positional []string) error) *cobra.Command {
	return &cobra.Command{
		Use:   "curl 'URL' [curl options]",
		Short: `the debugger, from a browser's "Copy as cURL"`,
		Long: `Connects with a request copied from a browser's developer tools ("Copy as
cURL"), in the debugger or, after tail, headless. http:// and https:// URLs
become ws:// and wss://. The handshake headers the dialer writes itself
(Sec-WebSocket-Key, Upgrade, ...) are dropped; Origin,
Sec-WebSocket-Protocol and permessage-deflate become the matching options.

curl options used: -H/--header, -b/--cookie, -A/--user-agent, -e/--referer,
-u/--user USER:PASSWORD (sent as Basic authorization; a -H Authorization
wins), -x/--proxy, -k/--insecure, -L/--location, --url. Any other option
(--compressed, -X, -d, ...) is named on stderr and ignored. wsdbg's own
flags go before "curl".`,
		Example: `  wsdbg curl 'wss://api.example.com/ws' -H 'Origin: https://app.example.com' --compressed
  wsdbg tail --json curl 'https://api.example.com/ws' -u alice:secret`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if help, _ := cmd.Parent().Flags().GetBool("help"); help {
				return cmd.Parent().Help()
			}
			if _, _, err := parseCurl(args); errors.Is(err, errCurlHelp) {
				return cmd.Help()
			}
			return run(append([]string{"curl"}, args...))
		},
	}
}
