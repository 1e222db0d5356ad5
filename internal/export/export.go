// Package export turns a recorded session into files for people and other
// tools: HAR (Chrome DevTools' form), NDJSON (one history.Record per line)
// and a Markdown report with Write, a Markdown bug report about one event
// with BugReport, and shell commands that open the same connection with
// ReproScript. Secrets are redacted by a history.Redactor in all of them.
// FormatLine is the one-line text view of a record that `wsdbg tail`
// prints and the Markdown reports quote.
package export

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

// formats are the formats Write writes. HAR carries the handshake
// and the data messages in Chrome DevTools' form; Markdown is a readable
// report of the whole session; NDJSON is one history.Record per line.
var formats = []string{"har", "md", "ndjson"}

// Write writes src in format ("har", "md" or "ndjson"), redacted by red.
// A *history.Recording still being indexed is waited for; events that
// cannot be read are left out (Markdown says how many).
func Write(w io.Writer, src history.Log, format string, red history.Redactor) error {
	if rec, ok := src.(interface{ Wait() }); ok {
		rec.Wait()
	}
	switch format {
	case "har":
		return writeHAR(w, src, red)
	case "md", "markdown":
		return writeMarkdown(w, src, red)
	case "ndjson", "jsonl":
		return writeNDJSON(w, src, red)
	}
	return fmt.Errorf("unknown export format %q (use %s)", format, strings.Join(formats, ", "))
}

func writeNDJSON(w io.Writer, src history.Log, red history.Redactor) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	history.EachRecord(src, func(rec history.Record) {
		line = red.Record(rec).AppendJSON(line[:0])
		line = append(line, '\n')
		bw.Write(line)
	})
	return bw.Flush()
}

// headerOf is what is known about the connection: the recording's header,
// completed from the first open record when the header lacks it.
func headerOf(src history.Log) history.Header {
	var h history.Header
	if withHeader, ok := src.(interface{ Header() history.Header }); ok {
		h = withHeader.Header()
	}
	if open, ok := firstOpen(src); ok {
		if h.URL == "" {
			h.URL = open.URL
		}
		if h.Start.IsZero() {
			h.Start = open.Time
		}
		if h.RequestHeaders == nil {
			h.RequestHeaders = open.RequestHeaders
		}
		if h.ResponseHeaders == nil {
			h.ResponseHeaders = open.Headers
		}
		if h.Subprotocol == "" {
			h.Subprotocol = open.Subprotocol
		}
		if h.Extensions == nil {
			h.Extensions = open.Extensions
		}
	}
	if h.Start.IsZero() && src.Len() > 0 {
		if rec, err := src.Record(0); err == nil {
			h.Start = rec.Time
		}
	}
	return h
}

// openSearchLimit bounds how far back or forward reports look for the open
// event that describes a connection.
const openSearchLimit = 10000

func firstOpen(src history.Log) (history.Record, bool) {
	for i := 0; i < src.Len() && i < openSearchLimit; i++ {
		if rec, err := src.Record(i); err == nil && rec.Type == conn.EventOpen {
			return rec, true
		}
	}
	return history.Record{}, false
}

// openBefore finds the open event of the connection event i belongs to.
func openBefore(src history.Log, i int) (history.Record, bool) {
	for j := i; j >= 0 && j > i-openSearchLimit; j-- {
		if rec, err := src.Record(j); err == nil && rec.Type == conn.EventOpen {
			return rec, true
		}
	}
	return history.Record{}, false
}
