package conn

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// curlValueOptions are the curl options that take a value and carry
// meaning for a WebSocket client.
var curlValueOptions = map[string]func(o *Options, v string) error{
	"-H": applyCurlHeader, "--header": applyCurlHeader,
	"-b": addCookie, "--cookie": addCookie,
	"-A": setUserAgent, "--user-agent": setUserAgent,
	"-e": setReferer, "--referer": setReferer,
	"-x": setProxy, "--proxy": setProxy,
	"-u": setBasicAuth, "--user": setBasicAuth,
	"--url": setURL,
}

func addCookie(o *Options, v string) error    { o.Header.Add("Cookie", v); return nil }
func setUserAgent(o *Options, v string) error { o.Header.Set("User-Agent", v); return nil }
func setReferer(o *Options, v string) error   { o.Header.Set("Referer", v); return nil }
func setProxy(o *Options, v string) error     { o.Proxy = v; return nil }

// setBasicAuth turns curl's -u user:password into the Authorization header
// curl would send. A header given with -H wins, as it does in curl, so
// this one only fills the gap; curl's password prompt has no equivalent.
func setBasicAuth(o *Options, v string) error {
	if !strings.Contains(v, ":") {
		return errors.New("the curl option -u needs user:password; wsdbg does not ask for the password")
	}
	if o.Header.Get("Authorization") == "" {
		o.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(v)))
	}
	return nil
}

func setURL(o *Options, v string) error {
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

// ErrCurlHelp is returned by ParseCurl when the arguments ask for help
// (-h or --help) instead of naming a request.
var ErrCurlHelp = errors.New("help on the curl command was asked for")

// ParseCurl reads the arguments of a "Copy as cURL" command (without the
// leading "curl") as browsers produce it for a WebSocket request, and returns
// the options it implies and the curl options it ignored.
func ParseCurl(args []string) (Options, []string, error) {
	o := Options{Header: http.Header{}}
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
			return o, nil, ErrCurlHelp
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
func applyCurlHeader(o *Options, h string) error {
	name, value, err := ParseHeader(h)
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

// ParseHeader parses a "Name: value" header argument.
func ParseHeader(h string) (string, string, error) {
	name, value, ok := strings.Cut(h, ":")
	name = strings.TrimSpace(name)
	if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") {
		return "", "", fmt.Errorf("bad header %q: want 'Name: value'", h)
	}
	return name, strings.TrimSpace(value), nil
}
