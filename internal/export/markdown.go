package export

import (
	"fmt"
	"github.com/wsdbg/wsdbg/internal/render"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
)

func writeMarkdown(w io.Writer, src history.Log, red history.Redactor) error {
	h := headerOf(src)
	var lines []string
	var endings []history.Record
	in, out := 0, 0
	lineOpts := LineOptions{Location: time.UTC}
	unreadable := history.EachRecord(src, func(rec history.Record) {
		rec = red.Record(rec)
		if rec.Type == conn.EventMessage || rec.Type == conn.EventFrame {
			rec.Text = red.Payload(rec.Text)
		}
		if rec.IsDataMessage() {
			if rec.FromServer() {
				in++
			} else {
				out++
			}
		}
		lines = append(lines, FormatLine(rec, lineOpts))
		switch rec.Type {
		case conn.EventClose, conn.EventError, conn.EventWarning:
			endings = append(endings, rec)
		case conn.EventMessage:
			if rec.Envelope != nil {
				endings = append(endings, rec)
			}
		}
	})

	var b strings.Builder
	b.WriteString("# WebSocket session\n\n")
	writeConnectionFacts(&b, h, red)
	fmt.Fprintf(&b, "- **Messages:** %d sent, %d received\n", out, in)
	if unreadable > 0 {
		fmt.Fprintf(&b, "- **Unreadable events left out:** %d\n", unreadable)
	}
	b.WriteString("\n## Events\n\n")
	writeFenced(&b, strings.Join(lines, "\n"))
	if len(endings) > 0 {
		b.WriteString("\n## Closes, failures and error replies\n")
		for _, rec := range endings {
			b.WriteString("\n")
			writeExplanation(&b, rec)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeConnectionFacts writes the endpoint, time and what was negotiated.
func writeConnectionFacts(b *strings.Builder, h history.Header, red history.Redactor) {
	fmt.Fprintf(b, "- **Endpoint:** %s\n", inlineCode(red.URL(h.URL)))
	if !h.Start.IsZero() {
		fmt.Fprintf(b, "- **Started:** %s\n", h.Start.UTC().Format("2006-01-02 15:04:05.000 UTC"))
	}
	sub := "none"
	if h.Subprotocol != "" {
		sub = inlineCode(red.Subprotocol(h.Subprotocol))
	}
	ext := "none"
	if len(h.Extensions) > 0 {
		ext = inlineCode(strings.Join(h.Extensions, ", "))
	}
	fmt.Fprintf(b, "- **Subprotocol:** %s\n- **Extensions:** %s\n", sub, ext)
	if len(h.RequestHeaders) > 0 {
		fmt.Fprintf(b, "- **Request headers:** %s\n", headerList(red.Header(h.RequestHeaders)))
	}
	if len(h.ResponseHeaders) > 0 {
		fmt.Fprintf(b, "- **Response headers:** %s\n", headerList(red.Header(h.ResponseHeaders)))
	}
}

func headerList(h http.Header) string {
	var parts []string
	for _, p := range headerPairs(h) {
		parts = append(parts, inlineCode(p.Name+": "+p.Value))
	}
	return strings.Join(parts, ", ")
}

// writeExplanation writes what a close, failure or error envelope means.
func writeExplanation(b *strings.Builder, rec history.Record) {
	when := rec.Time.UTC().Format("15:04:05.000")
	name, explanation, hint := rec.Name, rec.Explanation, rec.Hint
	switch rec.Type {
	case conn.EventClose:
		who := "server"
		if !rec.FromServer() {
			who = "client"
		}
		fmt.Fprintf(b, "### %s close %d %s (sent by the %s)\n\n", when, rec.Code, mdText(name), who)
		if rec.Reason != "" {
			fmt.Fprintf(b, "Reason: %s\n\n", inlineCode(rec.Reason))
		}
	case conn.EventMessage:
		e := rec.Envelope
		title := []string{when, "error reply"}
		if hasEnvelopeCode(e) {
			title = append(title, inlineCode(string(e.Code)))
		}
		if e.Explanation.Name != "" {
			title = append(title, mdText(e.Explanation.Name))
		}
		fmt.Fprintf(b, "### %s\n\n", strings.Join(title, " "))
		if e.Message != "" {
			fmt.Fprintf(b, "Message: %s (%s)\n\n", inlineCode(e.Message), mdText(e.Format))
		}
		explanation, hint = e.Explanation.Explanation, e.Explanation.Hint
	default:
		fmt.Fprintf(b, "### %s %s: %s\n\n", when, rec.Type, mdText(name))
		if f := rec.Failure; f != nil && f.Kind != "" {
			fmt.Fprintf(b, "Kind: %s, cause: %s\n\n", inlineCode(f.Kind), inlineCode(f.Cause))
		}
		if f := rec.Failure; f != nil && f.Message != "" {
			fmt.Fprintf(b, "Error: %s\n\n", inlineCode(f.Message))
		}
	}
	if explanation != "" {
		b.WriteString(mdText(explanation) + "\n\n")
	}
	if hint != "" {
		b.WriteString("**Hint:** " + mdText(hint) + "\n")
	}
}

// hasEnvelopeCode reports whether an error reply gave a code: envelopes
// without one record it as null.
func hasEnvelopeCode(e *decode.Envelope) bool {
	return len(e.Code) > 0 && string(e.Code) != "null"
}

// mdText makes text safe for a Markdown line: escaped for the terminal,
// and without characters that would start Markdown or HTML markup.
func mdText(s string) string {
	s = decode.Sanitize(s)
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "`", "\\`", "*", "\\*", "_", "\\_", "[", "\\[").Replace(s)
}

// inlineCode quotes s as Markdown inline code, with a fence longer than any
// backtick run inside it.
func inlineCode(s string) string {
	s = decode.Sanitize(s)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// writeFenced writes a code block whose fence no line inside can close.
func writeFenced(b *strings.Builder, text string) {
	fence := "```"
	for strings.Contains(text, fence) {
		fence += "`"
	}
	b.WriteString(fence + "text\n" + text + "\n" + fence + "\n")
}

// BugReport is a Markdown report about one event: the endpoint, the time,
// what was negotiated, the selected event with up to before events leading
// to it, its payload, and for a close, failure or error reply what it means
// and what to do. Secrets are redacted by red.
func BugReport(src history.Log, selected, before int, red history.Redactor) string {
	var b strings.Builder
	b.WriteString("## WebSocket bug report\n\n")
	sel, err := src.Record(selected)
	if err != nil {
		fmt.Fprintf(&b, "The selected event could not be read: %s\n", mdText(err.Error()))
		return b.String()
	}
	h := headerOf(src)
	if open, ok := openBefore(src, selected); ok {
		h.URL, h.Start, h.Subprotocol, h.Extensions = open.URL, open.Time, open.Subprotocol, open.Extensions
		h.RequestHeaders, h.ResponseHeaders = open.RequestHeaders, open.Headers
	}
	writeConnectionFacts(&b, h, red)
	if !sel.Time.IsZero() {
		fmt.Fprintf(&b, "- **Event time:** %s\n", sel.Time.UTC().Format("2006-01-02 15:04:05.000 UTC"))
	}

	first := max(0, selected-max(0, before))
	fmt.Fprintf(&b, "\n### Events (the selected one last)\n\n")
	var lines []string
	lineOpts := LineOptions{Location: time.UTC}
	for i := first; i <= selected; i++ {
		rec, err := src.Record(i)
		if err != nil {
			lines = append(lines, "(unreadable event: "+decode.Sanitize(err.Error())+")")
			continue
		}
		rec = red.Record(rec)
		rec.Text = red.Payload(rec.Text)
		lines = append(lines, FormatLine(rec, lineOpts))
	}
	writeFenced(&b, strings.Join(lines, "\n"))

	sel = red.Record(sel)
	if sel.Type == conn.EventMessage || sel.Type == conn.EventFrame {
		fmt.Fprintf(&b, "\n### Selected payload (%s %s, %s)\n\n", sel.Dir, mdText(opcodeWord(sel.Opcode)), decode.HumanSize(int64(sel.PayloadSize())))
		writeFenced(&b, payloadBlock(sel, red))
	}
	if sel.Type == conn.EventClose || sel.Type == conn.EventError || sel.Type == conn.EventWarning || sel.Envelope != nil {
		b.WriteString("\n")
		writeExplanation(&b, sel)
	}
	return b.String()
}

// reportPayloadLimit bounds the payload shown in a bug report.
const reportPayloadLimit = 4 << 10

// payloadBlock shows a payload for a report: text line by line (each line
// escaped), binary as a hex dump.
func payloadBlock(rec history.Record, red history.Redactor) string {
	if rec.Base64 == "" {
		text := red.Payload(rec.Text)
		cut := prefix(text, reportPayloadLimit)
		lines := strings.Split(cut, "\n")
		for i, l := range lines {
			lines[i] = decode.Sanitize(l)
		}
		out := strings.Join(lines, "\n")
		if len(cut) < len(text) {
			out += fmt.Sprintf("\n… (%s more)", decode.HumanSize(int64(len(text)-len(cut))))
		}
		return out
	}
	raw, err := rec.Payload()
	if err != nil {
		return decode.Sanitize(err.Error())
	}
	shown := raw[:min(len(raw), reportPayloadLimit)]
	lines, _ := render.Payload(shown, render.FormatHex) // a hex dump never fails
	rows := make([]string, len(lines))
	for i, l := range lines {
		rows[i] = l.String()
	}
	out := strings.Join(rows, "\n")
	if len(shown) < len(raw) {
		out += fmt.Sprintf("\n… (%s more)", decode.HumanSize(int64(len(raw)-len(shown))))
	}
	return out
}

// opcodeWord is an opcode as records write it.
func opcodeWord(op conn.Opcode) string {
	word, _ := op.MarshalText()
	return string(word)
}

// prefix cuts s to at most n bytes on a character boundary, so that a long
// payload is not escaped in full just to show its start.
func prefix(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
