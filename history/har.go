package history

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

// What a HAR import reads of a HAR 1.2 file in the form Chrome DevTools
// writes: entries with "_resourceType": "websocket" and their frames in
// "_webSocketMessages". Other keys are skipped.
type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harEntry struct {
	StartedDateTime string
	Request         harRequest
	Response        harResponse
	ResourceType    string
	Messages        []harMessage
}

type harRequest struct {
	URL     string    `json:"url"`
	Headers []harPair `json:"headers"`
}

type harResponse struct {
	Status  int       `json:"status"`
	Headers []harPair `json:"headers"`
	Content struct {
		Text string `json:"text"`
	} `json:"content"`
	RedirectURL string `json:"redirectURL"`
}

type harPair struct {
	Name  string `json:"name"`
	Value string `json:"value"`
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
// value, and a string longer than maxLineBytes is left out unread, so a
// huge or hostile file costs no more memory than the messages it holds.
// Problems with the file are reported in Problems; what was read before a
// damaged part is kept. An error is returned only when the file cannot be
// read at all.
func openHAR(path string, f *os.File) (*Recording, error) {
	r := &Recording{path: path, done: make(chan struct{})}
	close(r.done)
	capper := newStringCapper(f, maxLineBytes, 256<<10)
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
		Version:         formatVersion,
		ToolVersion:     strings.TrimSpace(creator.Name + " " + creator.Version),
		URL:             first.Request.URL,
		RequestHeaders:  harHeader(first.Request.Headers),
		ResponseHeaders: harHeader(first.Response.Headers),
		Start:           harTime(first.StartedDateTime),
	}
	r.header.Subprotocol, r.header.Extensions = negotiated(r.header.ResponseHeaders)

	tooLong := r.addHAREntries(sockets)
	if others := capper.oversized - tooLong; others > 0 {
		r.addProblem(0, fmt.Sprintf("%d other values longer than %s were left out", others, decode.HumanSize(maxLineBytes)))
	}
	return r, nil
}

// addHAREntries adds the events of each WebSocket entry, annotated as a
// live session would be, and returns how many messages were left out for
// being too long.
func (r *Recording) addHAREntries(sockets []harEntry) (tooLong int) {
	notes := conn.NewAnnotator(conn.Options{})
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
	return tooLong
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
		return ev, fmt.Errorf("its data is longer than %s", decode.HumanSize(maxLineBytes))
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
