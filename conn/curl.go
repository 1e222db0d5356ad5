package conn

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// curl options that take a value but mean nothing to a WebSocket client.
var curlIgnoredWithValue = map[string]bool{
	"--data": true, "--data-raw": true, "--data-binary": true, "-d": true,
	"--request": true, "-X": true, "--max-time": true, "-m": true,
	"--output": true, "-o": true, "--retry": true,
	"--write-out": true, "-w": true,
}

// curl options without a value that mean nothing to a WebSocket client.
var curlIgnoredFlags = map[string]bool{
	"--compressed": true, "-s": true, "--silent": true, "-v": true, "--verbose": true,
	"-i": true, "--include": true, "-N": true, "--no-buffer": true,
	"--http1.1": true, "--http2": true, "-S": true, "--show-error": true, "-f": true,
	"--fail": true, "-g": true, "--globoff": true,
}

// ParseCurl reads the arguments of a "Copy as cURL" command (without the
// leading "curl") as browsers produce it for a WebSocket request, and returns
// the options it implies and the curl options it ignored.
func ParseCurl(args []string) (Options, []string, error) {
	var o Options
	var ignored []string
	o.Header = http.Header{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		val := func() (string, error) {
			if i+1 >= len(args) {
				return "", fmt.Errorf("curl option %s needs a value", a)
			}
			i++
			return args[i], nil
		}
		switch {
		case a == "-H" || a == "--header":
			v, err := val()
			if err != nil {
				return o, nil, err
			}
			if err := applyCurlHeader(&o, v); err != nil {
				return o, nil, err
			}
		case a == "-b" || a == "--cookie":
			v, err := val()
			if err != nil {
				return o, nil, err
			}
			o.Header.Add("Cookie", v)
		case a == "-A" || a == "--user-agent":
			v, err := val()
			if err != nil {
				return o, nil, err
			}
			o.Header.Set("User-Agent", v)
		case a == "-e" || a == "--referer":
			v, err := val()
			if err != nil {
				return o, nil, err
			}
			o.Header.Set("Referer", v)
		case a == "-k" || a == "--insecure":
			o.Insecure = true
		case a == "-L" || a == "--location":
			o.FollowRedirects = true
		case a == "-x" || a == "--proxy":
			v, err := val()
			if err != nil {
				return o, nil, err
			}
			o.Proxy = v
		case a == "--url":
			v, err := val()
			if err != nil {
				return o, nil, err
			}
			o.URL = v
		case curlIgnoredWithValue[a]:
			if _, err := val(); err != nil {
				return o, nil, err
			}
			ignored = append(ignored, a)
		case curlIgnoredFlags[a]:
			ignored = append(ignored, a)
		case strings.HasPrefix(a, "-") && a != "-":
			ignored = append(ignored, a)
		default:
			if o.URL != "" {
				return o, nil, fmt.Errorf("curl command has two URLs: %q and %q", o.URL, a)
			}
			o.URL = a
		}
	}
	if o.URL == "" {
		return o, nil, errors.New("curl command has no URL")
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
