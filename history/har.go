package history

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

// The HAR 1.2 subset that carries WebSocket traffic, in the form Chrome
// DevTools writes: an entry with "_resourceType": "websocket" and its
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

// openHAR loads the WebSocket connections of a HAR file (as Chrome DevTools
// exports it) as a recording: per connection an open event, then its
// messages in time order. Connections follow each other by start time.
// Binary messages are base64 in HAR. Problems with the file are reported in
// Problems; an error is returned only when the file cannot be read.
func openHAR(path string) (*Recording, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("open HAR: %w", err)
	}
	r := &Recording{path: path, done: make(chan struct{})}
	close(r.done)
	var har harFile
	if err := json.Unmarshal(data, &har); err != nil {
		r.addProblem(lineAt(data, err), "not a HAR file: "+decode.DescribeJSONError(err))
		return r, nil
	}
	var sockets []harEntry
	for _, e := range har.Log.Entries {
		if e.ResourceType == "websocket" || len(e.Messages) > 0 {
			sockets = append(sockets, e)
		}
	}
	if len(sockets) == 0 {
		r.addProblem(0, "the HAR file has no WebSocket entries (DevTools: filter by WS before exporting)")
		return r, nil
	}
	sort.SliceStable(sockets, func(i, j int) bool {
		return harTime(sockets[i].StartedDateTime).Before(harTime(sockets[j].StartedDateTime))
	})
	first := sockets[0]
	r.header = Header{
		Version:         FormatVersion,
		ToolVersion:     strings.TrimSpace(har.Log.Creator.Name + " " + har.Log.Creator.Version),
		URL:             first.Request.URL,
		RequestHeaders:  harHeader(first.Request.Headers),
		ResponseHeaders: harHeader(first.Response.Headers),
		Start:           harTime(first.StartedDateTime),
	}
	r.header.Subprotocol, r.header.Extensions = negotiated(r.header.ResponseHeaders)

	notes := conn.NewAnnotator(nil, false)
	for n, e := range sockets {
		if refused, ok := harRefusal(e); ok {
			notes.Annotate(&refused)
			r.records = append(r.records, FromEvent(refused))
			continue
		}
		open := conn.Event{
			Type:           conn.EventOpen,
			Time:           harTime(e.StartedDateTime),
			URL:            e.Request.URL,
			Status:         e.Response.Status,
			RequestHeader:  harHeader(e.Request.Headers),
			ResponseHeader: harHeader(e.Response.Headers),
		}
		open.Subprotocol, open.Extensions = negotiated(open.ResponseHeader)
		notes.Annotate(&open)
		r.records = append(r.records, FromEvent(open))
		msgs := append([]harMessage(nil), e.Messages...)
		sort.SliceStable(msgs, func(i, j int) bool { return msgs[i].Time < msgs[j].Time })
		for k, m := range msgs {
			ev, err := harEvent(m)
			if err != nil {
				r.addProblem(0, fmt.Sprintf("entry %d, message %d: %v; skipped", n+1, k+1, err))
				continue
			}
			notes.Annotate(&ev)
			r.records = append(r.records, FromEvent(ev))
		}
	}
	return r, nil
}

// harRefusal reads an entry whose upgrade the server refused (a status
// other than 101, no messages) as the failure it was.
func harRefusal(e harEntry) (conn.Event, bool) {
	status := e.Response.Status
	if status < 200 || len(e.Messages) > 0 {
		return conn.Event{}, false
	}
	f := &decode.Failure{Kind: decode.KindHandshake, Cause: decode.CauseHTTPStatus, Status: status,
		URL: e.Request.URL, Body: decode.Sanitize(e.Response.Content.Text), Header: map[string]string{}}
	for _, p := range e.Response.Headers {
		f.Header[http.CanonicalHeaderKey(p.Name)] = p.Value
	}
	if loc := e.Response.RedirectURL; status >= 300 && status < 400 && loc != "" {
		f.Cause, f.Location = decode.CauseRedirect, loc
	}
	f.RetryAfter = f.Header["Retry-After"]
	return conn.Event{Type: conn.EventError, Time: harTime(e.StartedDateTime), Final: true, Failure: f}, true
}

func harEvent(m harMessage) (conn.Event, error) {
	ev := conn.Event{Type: conn.EventMessage, Time: unixSeconds(m.Time), Opcode: conn.Opcode(m.Opcode)}
	switch m.Type {
	case "send":
		ev.Dir = conn.Out
	case "receive":
		ev.Dir = conn.In
	default:
		return ev, fmt.Errorf("unknown type %q", m.Type)
	}
	switch ev.Opcode {
	case conn.OpText, conn.OpPing, conn.OpPong:
		ev.Payload = []byte(m.Data)
	case conn.OpBinary:
		b, err := base64.StdEncoding.DecodeString(m.Data)
		if err != nil {
			return ev, fmt.Errorf("binary data is not base64: %w", err)
		}
		ev.Payload = b
	default:
		return ev, fmt.Errorf("unexpected opcode %d", m.Opcode)
	}
	return ev, nil
}

func harHeader(pairs []harPair) http.Header {
	h := http.Header{}
	for _, p := range pairs {
		if strings.HasPrefix(p.Name, ":") { // HTTP/2 pseudo-headers
			continue
		}
		h.Add(p.Name, p.Value)
	}
	return h
}

func negotiated(h http.Header) (subprotocol string, extensions []string) {
	for _, v := range h.Values("Sec-WebSocket-Extensions") {
		for _, ext := range strings.Split(v, ",") {
			if ext = strings.TrimSpace(ext); ext != "" {
				extensions = append(extensions, ext)
			}
		}
	}
	return strings.TrimSpace(h.Get("Sec-WebSocket-Protocol")), extensions
}

func harTime(s string) time.Time {
	t, _ := time.Parse(time.RFC3339Nano, s)
	return t
}

// unixSeconds converts HAR's fractional Unix seconds, rounded to the
// microsecond (the precision a float64 keeps at today's dates).
func unixSeconds(s float64) time.Time {
	if math.IsNaN(s) || math.IsInf(s, 0) || math.Abs(s) > 1e12 {
		return time.Time{}
	}
	sec := math.Floor(s)
	return time.Unix(int64(sec), 0).Add(time.Duration(math.Round((s-sec)*1e6)) * time.Microsecond)
}

// lineAt finds the line of a JSON syntax error.
func lineAt(data []byte, err error) int {
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) || syntax.Offset > int64(len(data)) {
		return 0
	}
	return bytes.Count(data[:syntax.Offset], []byte{'\n'}) + 1
}

// writeHAR writes one entry per connection (each open record starts one);
// data messages go into _webSocketMessages. An upgrade the server refused
// is an entry too, with the status, response headers and body it answered
// with and no messages. Closes, other failures and control frames have no
// place in Chrome's form and are left out.
func writeHAR(w io.Writer, src Source, red Redactor) error {
	hdr := headerOf(src)
	creator := harCreator{Name: "wsdbg", Version: hdr.ToolVersion}
	if creator.Version == "" {
		creator.Version = "unknown"
	}
	var entries []harEntry
	var current *harEntry
	startEntry := func(open Record) {
		entries = append(entries, harEntryFor(open, red))
		current = &entries[len(entries)-1]
	}
	eachRecord(src, func(rec Record) {
		if rec.Type == "open" {
			startEntry(rec)
			return
		}
		if isRefusedUpgrade(rec) {
			entries = append(entries, harRefusedEntry(rec, hdr, red))
			current = nil
			return
		}
		if rec.Type != "message" || (rec.Opcode != "text" && rec.Opcode != "binary") {
			return
		}
		if current == nil {
			startEntry(Record{Type: "open", Time: hdr.Start, URL: hdr.URL, Status: 101,
				RequestHeaders: hdr.RequestHeaders, Headers: hdr.ResponseHeaders})
		}
		m := harMessage{Type: "receive", Time: float64(rec.Time.UnixMicro()) / 1e6, Opcode: 1, Data: rec.Text}
		if rec.Dir == "out" {
			m.Type = "send"
		}
		if rec.Opcode == "binary" || rec.Base64 != "" {
			m.Opcode, m.Data = 2, rec.Base64
		}
		current.Messages = append(current.Messages, m)
		if last := rec.Time.Sub(harTime(current.StartedDateTime)); last > 0 {
			current.Time = millis(last)
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

func harEntryFor(open Record, red Redactor) harEntry {
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
func isRefusedUpgrade(rec Record) bool {
	return rec.Type == "error" && rec.Kind == decode.KindHandshake && rec.Status >= 200
}

// harRefusedEntry is the entry of a refused upgrade: the request as the
// recording knows it and the server's answer.
func harRefusedEntry(rec Record, hdr Header, red Redactor) harEntry {
	rec = red.Record(rec)
	u := hdr.URL
	response := http.Header{}
	var body string
	if d := rec.Detail; d != nil {
		if d.URL != "" {
			u = d.URL
		}
		for name, v := range d.Header {
			response.Add(name, v)
		}
		body = d.Body
	}
	e := harEntryFor(Record{Type: "open", Time: rec.Time, URL: u, Status: rec.Status,
		RequestHeaders: hdr.RequestHeaders, Headers: response}, red)
	e.Response.RedirectURL = rec.Location
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
