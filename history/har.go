package history

import (
	"encoding/base64"
	"encoding/json"
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
// Binary messages are base64 in HAR. The file is read as a stream, value by
// value, and a string longer than MaxLineBytes is left out unread, so a
// huge or hostile file costs no more memory than the messages it holds.
// Problems with the file are reported in Problems; what was read before a
// damaged part is kept. An error is returned only when the file cannot be
// read at all.
func openHAR(path string, f *os.File) (*Recording, error) {
	r := &Recording{path: path, done: make(chan struct{})}
	close(r.done)
	capper := newStringCapper(f, MaxLineBytes, 256<<10)
	h := &harReader{dec: json.NewDecoder(capper)}
	var creator harCreator
	var sockets []harEntry
	err := h.object("the file", func(key string) error {
		if key != "log" {
			return h.skip()
		}
		return h.object("log", func(key string) error {
			switch key {
			case "creator":
				return h.dec.Decode(&creator)
			case "entries":
				return h.array("entries", func() error {
					e, err := h.entry()
					if err == nil && (e.ResourceType == "websocket" || len(e.Messages) > 0) {
						sockets = append(sockets, e)
					}
					return err
				})
			}
			return h.skip()
		})
	})
	if err == io.EOF {
		err = io.ErrUnexpectedEOF // the file ends inside the log
	}
	if err != nil {
		line := capper.lineOf(err)
		if len(sockets) == 0 {
			r.addProblem(line, "not a HAR file: "+capper.describe(err))
			return r, nil
		}
		r.addProblem(line, "the HAR file is damaged here: "+capper.describe(err)+"; the entries before it are loaded")
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
		ToolVersion:     strings.TrimSpace(creator.Name + " " + creator.Version),
		URL:             first.Request.URL,
		RequestHeaders:  harHeader(first.Request.Headers),
		ResponseHeaders: harHeader(first.Response.Headers),
		Start:           harTime(first.StartedDateTime),
	}
	r.header.Subprotocol, r.header.Extensions = negotiated(r.header.ResponseHeaders)

	notes := conn.NewAnnotator(conn.Options{})
	tooLong := 0
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
		sort.SliceStable(e.Messages, func(i, j int) bool { return e.Messages[i].Time < e.Messages[j].Time })
		for k, m := range e.Messages {
			if m.Data == oversizedValue {
				tooLong++
			}
			ev, err := harEvent(m)
			if err != nil {
				r.addProblem(0, fmt.Sprintf("entry %d, message %d: %v; skipped", n+1, k+1, err))
				continue
			}
			notes.Annotate(&ev)
			r.records = append(r.records, FromEvent(ev))
		}
	}
	if others := capper.oversized - tooLong; others > 0 {
		r.addProblem(0, fmt.Sprintf("%d other values longer than %s were left out", others, HumanSize(MaxLineBytes)))
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

// harReader walks a HAR file's JSON one value at a time.
type harReader struct {
	dec *json.Decoder
}

// harShapeError is JSON that is valid but not shaped like a HAR file.
type harShapeError struct{ where, want string }

func (e harShapeError) Error() string { return fmt.Sprintf("%q should be %s", e.where, e.want) }

// object reads the object named name, calling field for each key; field reads the value.
func (h *harReader) object(name string, field func(key string) error) error {
	if err := h.delim('{', name, "an object"); err != nil {
		return err
	}
	for h.dec.More() {
		tok, err := h.dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if err := field(key); err != nil {
			return err
		}
	}
	_, err := h.dec.Token()
	return err
}

// array reads the array named name, calling elem to read each element.
func (h *harReader) array(name string, elem func() error) error {
	if err := h.delim('[', name, "an array"); err != nil {
		return err
	}
	for h.dec.More() {
		if err := elem(); err != nil {
			return err
		}
	}
	_, err := h.dec.Token()
	return err
}

func (h *harReader) delim(want json.Delim, where, what string) error {
	tok, err := h.dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return harShapeError{where, what}
	}
	return nil
}

// skip reads past the next value.
func (h *harReader) skip() error {
	depth := 0
	for {
		tok, err := h.dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// entry reads one entry, its WebSocket messages one by one.
func (h *harReader) entry() (harEntry, error) {
	var e harEntry
	err := h.object("entry", func(key string) error {
		switch key {
		case "startedDateTime":
			return h.dec.Decode(&e.StartedDateTime)
		case "request":
			return h.dec.Decode(&e.Request)
		case "response":
			return h.dec.Decode(&e.Response)
		case "_resourceType":
			return h.dec.Decode(&e.ResourceType)
		case "_webSocketMessages":
			return h.array("_webSocketMessages", func() error {
				var m harMessage
				err := h.dec.Decode(&m)
				e.Messages = append(e.Messages, m)
				return err
			})
		}
		return h.skip()
	})
	return e, err
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
	if m.Data == oversizedValue {
		return ev, fmt.Errorf("its data is longer than %s", HumanSize(MaxLineBytes))
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

// writeHAR writes one entry per connection (each open record starts one);
// data messages go into _webSocketMessages. An upgrade the server refused
// is an entry too, with the status, response headers and body it answered
// with and no messages. Closes, other failures and control frames have no
// place in Chrome's form and are left out.
func writeHAR(w io.Writer, src Log, red Redactor) error {
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
	EachRecord(src, func(rec Record) {
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
			startEntry(Record{Type: conn.EventOpen, Time: hdr.Start, URL: hdr.URL, Status: 101,
				RequestHeaders: hdr.RequestHeaders, Headers: hdr.ResponseHeaders})
		}
		m := harMessage{Type: "receive", Time: float64(rec.Time.UnixMicro()) / 1e6, Opcode: 1, Data: rec.Text}
		if rec.Dir == conn.Out {
			m.Type = "send"
		}
		if rec.Opcode == conn.OpBinary || rec.Base64 != "" {
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
	return rec.Type == conn.EventError && rec.Failure != nil && rec.Failure.Kind == decode.KindHandshake && rec.Failure.Status >= 200
}

// harRefusedEntry is the entry of a refused upgrade: the request as the
// recording knows it and the server's answer.
func harRefusedEntry(rec Record, hdr Header, red Redactor) harEntry {
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
	e := harEntryFor(Record{Type: conn.EventOpen, Time: rec.Time, URL: u, Status: f.Status,
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
