package export

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
)

// The HAR 1.2 subset that carries WebSocket traffic, in the form Chrome
// DevTools writes (and history reads back): an entry with "_resourceType": "websocket" and its
// frames in "_webSocketMessages".
type harFile struct {
	Log harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Entries []harEntry `json:"entries"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string       `json:"startedDateTime"`
	Time            float64      `json:"time"`
	Request         harRequest   `json:"request"`
	Response        harResponse  `json:"response"`
	Cache           struct{}     `json:"cache"`
	Timings         harTimings   `json:"timings"`
	ResourceType    string       `json:"_resourceType"`
	Messages        []harMessage `json:"_webSocketMessages"`
}

type harRequest struct {
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []harCookie `json:"cookies"`
	Headers     []harPair   `json:"headers"`
	QueryString []harPair   `json:"queryString"`
	HeadersSize int         `json:"headersSize"`
	BodySize    int         `json:"bodySize"`
}

type harResponse struct {
	Status      int         `json:"status"`
	StatusText  string      `json:"statusText"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []harCookie `json:"cookies"`
	Headers     []harPair   `json:"headers"`
	Content     harContent  `json:"content"`
	RedirectURL string      `json:"redirectURL"`
	HeadersSize int         `json:"headersSize"`
	BodySize    int         `json:"bodySize"`
}

type harPair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harCookie struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harContent struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
}

type harTimings struct {
	Blocked float64 `json:"blocked"`
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
	SSL     float64 `json:"ssl"`
}

type harMessage struct {
	Type   string  `json:"type"` // "send" or "receive"
	Time   float64 `json:"time"` // Unix seconds
	Opcode int     `json:"opcode"`
	Data   string  `json:"data"` // text, or base64 for binary
}

// writeHAR writes one entry per connection (each open record starts one);
// data messages go into _webSocketMessages. An upgrade the server refused
// is an entry too, with the status, response headers and body it answered
// with and no messages. Closes, other failures and control frames have no
// place in Chrome's form and are left out.
func writeHAR(w io.Writer, src history.Log, red history.Redactor) error {
	hdr := headerOf(src)
	creator := harCreator{Name: "wsdbg", Version: hdr.ToolVersion}
	if creator.Version == "" {
		creator.Version = "unknown"
	}
	var entries []harEntry
	var current *harEntry
	startEntry := func(open history.Record) {
		entries = append(entries, harEntryFor(open, red))
		current = &entries[len(entries)-1]
	}
	history.EachRecord(src, func(rec history.Record) {
		if rec.Type == conn.EventOpen {
			startEntry(rec)
			return
		}
		if isRefusedUpgrade(rec) {
			entries = append(entries, harRefusedEntry(rec, hdr, red))
			current = nil
			return
		}
		if rec.Type != conn.EventMessage || (rec.Opcode != conn.OpText && rec.Opcode != conn.OpBinary) {
			return
		}
		if current == nil {
			startEntry(history.Record{Type: conn.EventOpen, Time: hdr.Start, URL: hdr.URL, Status: 101,
				RequestHeaders: hdr.RequestHeaders, Headers: hdr.ResponseHeaders})
		}
		m := harMessage{Type: "receive", Time: float64(rec.Time.UnixMicro()) / 1e6, Opcode: 1, Data: rec.Text}
		if !rec.FromServer() {
			m.Type = "send"
		}
		if rec.Opcode == conn.OpBinary || rec.Base64 != "" {
			m.Opcode, m.Data = 2, rec.Base64
		}
		current.Messages = append(current.Messages, m)
		started, _ := time.Parse(time.RFC3339Nano, current.StartedDateTime)
		if last := rec.Time.Sub(started); last > 0 {
			current.Time = float64(last) / float64(time.Millisecond)
		}
	})
	if entries == nil {
		entries = []harEntry{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(harFile{Log: harLog{Version: "1.2", Creator: creator, Entries: entries}})
}

func harEntryFor(open history.Record, red history.Redactor) harEntry {
	u := red.URL(open.URL)
	return harEntry{
		StartedDateTime: open.Time.UTC().Format(time.RFC3339Nano),
		ResourceType:    "websocket",
		Messages:        []harMessage{},
		Request: harRequest{Method: "GET", URL: u, HTTPVersion: "HTTP/1.1", Cookies: []harCookie{},
			Headers: headerPairs(red.Header(open.RequestHeaders)), QueryString: harQuery(u),
			HeadersSize: -1, BodySize: 0},
		Response: harResponse{Status: open.Status, StatusText: http.StatusText(open.Status), HTTPVersion: "HTTP/1.1",
			Cookies: []harCookie{}, Headers: headerPairs(red.Header(open.Headers)),
			Content: harContent{Size: 0, MimeType: "x-unknown"}, HeadersSize: -1, BodySize: 0},
		Timings: harTimings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1},
	}
}

// isRefusedUpgrade reports whether rec is a handshake the server answered
// with a final HTTP status instead of 101 (a 101 that negotiated wrongly
// is a failed connection, not a refused request).
func isRefusedUpgrade(rec history.Record) bool {
	return rec.Type == conn.EventError && rec.Failure != nil && rec.Failure.Kind == decode.KindHandshake && rec.Failure.Status >= 200
}

// harRefusedEntry is the entry of a refused upgrade: the request as the
// recording knows it and the server's answer.
func harRefusedEntry(rec history.Record, hdr history.Header, red history.Redactor) harEntry {
	rec = red.Record(rec)
	f := rec.Failure // a refused upgrade has one
	u := hdr.URL
	if f.URL != "" {
		u = f.URL
	}
	response := http.Header{}
	for name, v := range f.Header {
		response.Add(name, v)
	}
	body := f.Body
	e := harEntryFor(history.Record{Type: conn.EventOpen, Time: rec.Time, URL: u, Status: f.Status,
		RequestHeaders: hdr.RequestHeaders, Headers: response}, red)
	e.Response.RedirectURL = f.Location
	e.Response.BodySize = len(body)
	e.Response.Content = harContent{Size: len(body), MimeType: response.Get("Content-Type"), Text: body}
	if e.Response.Content.MimeType == "" {
		e.Response.Content.MimeType = "x-unknown"
	}
	return e
}

// headerPairs lists h's fields sorted by name, one pair per value.
func headerPairs(h http.Header) []harPair {
	pairs := []harPair{}
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		for _, v := range h[name] {
			pairs = append(pairs, harPair{Name: name, Value: v})
		}
	}
	return pairs
}

func harQuery(rawURL string) []harPair {
	pairs := []harPair{}
	_, query, ok := strings.Cut(rawURL, "?")
	if !ok {
		return pairs
	}
	query, _, _ = strings.Cut(query, "#")
	for _, p := range strings.Split(query, "&") {
		if p == "" {
			continue
		}
		name, value, _ := strings.Cut(p, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		if v, err := url.QueryUnescape(value); err == nil {
			value = v
		}
		pairs = append(pairs, harPair{Name: name, Value: value})
	}
	return pairs
}
