package history

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

// exportFormats are the formats Export writes. HAR carries the handshake
// and the data messages in Chrome DevTools' form; Markdown is a readable
// report of the whole session; NDJSON is one Record per line.
var exportFormats = []string{"har", "md", "ndjson"}

// Export writes src in format ("har", "md" or "ndjson"), redacted by red.
// A *Recording still being indexed is waited for; events that cannot be
// read are left out (Markdown says how many).
func Export(w io.Writer, src Log, format string, red Redactor) error {
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
	return fmt.Errorf("unknown export format %q (use %s)", format, strings.Join(exportFormats, ", "))
}

func writeNDJSON(w io.Writer, src Log, red Redactor) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var line []byte
	EachRecord(src, func(rec Record) {
		line = red.Record(rec).AppendJSON(line[:0])
		line = append(line, '\n')
		bw.Write(line)
	})
	return bw.Flush()
}

// headerOf is what is known about the connection: the recording's header,
// completed from the first open record when the header lacks it.
func headerOf(src Log) Header {
	var h Header
	if withHeader, ok := src.(interface{ Header() Header }); ok {
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

func firstOpen(src Log) (Record, bool) {
	for i := 0; i < src.Len() && i < openSearchLimit; i++ {
		if rec, err := src.Record(i); err == nil && rec.Type == conn.EventOpen {
			return rec, true
		}
	}
	return Record{}, false
}

// openBefore finds the open event of the connection event i belongs to.
func openBefore(src Log, i int) (Record, bool) {
	for j := i; j >= 0 && j > i-openSearchLimit; j-- {
		if rec, err := src.Record(j); err == nil && rec.Type == conn.EventOpen {
			return rec, true
		}
	}
	return Record{}, false
}

func writeMarkdown(w io.Writer, src Log, red Redactor) error {
	h := headerOf(src)
	var lines []string
	var endings []Record
	in, out := 0, 0
	lineOpts := LineOptions{Location: time.UTC}
	unreadable := EachRecord(src, func(rec Record) {
		rec = red.Record(rec)
		if rec.Type == conn.EventMessage || rec.Type == conn.EventFrame {
			rec.Text = red.Payload(rec.Text)
		}
		if rec.IsDataMessage() {
			if rec.Dir == conn.In {
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
func writeConnectionFacts(b *strings.Builder, h Header, red Redactor) {
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
func writeExplanation(b *strings.Builder, rec Record) {
	when := rec.Time.UTC().Format("15:04:05.000")
	name, explanation, hint := rec.Name, rec.Explanation, rec.Hint
	switch rec.Type {
	case conn.EventClose:
		who := "server"
		if rec.Dir == conn.Out {
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
func BugReport(src Log, selected, before int, red Redactor) string {
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
		fmt.Fprintf(&b, "\n### Selected payload (%s %s, %s)\n\n", sel.Dir, mdText(opcodeWord(sel.Opcode)), HumanSize(int64(sel.PayloadSize())))
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
func payloadBlock(rec Record, red Redactor) string {
	if rec.Base64 == "" {
		text := red.Payload(rec.Text)
		cut := prefix(text, reportPayloadLimit)
		lines := strings.Split(cut, "\n")
		for i, l := range lines {
			lines[i] = decode.Sanitize(l)
		}
		out := strings.Join(lines, "\n")
		if len(cut) < len(text) {
			out += fmt.Sprintf("\n… (%s more)", HumanSize(int64(len(text)-len(cut))))
		}
		return out
	}
	raw, err := rec.Payload()
	if err != nil {
		return decode.Sanitize(err.Error())
	}
	shown := raw[:min(len(raw), reportPayloadLimit)]
	lines, _ := decode.Render(shown, decode.FormatHex) // a hex dump never fails
	rows := make([]string, len(lines))
	for i, l := range lines {
		rows[i] = l.String()
	}
	out := strings.Join(rows, "\n")
	if len(shown) < len(raw) {
		out += fmt.Sprintf("\n… (%s more)", HumanSize(int64(len(raw)-len(shown))))
	}
	return out
}

// ReproCommands returns commands that open the same connection with wsdbg,
// websocat and wscat. Credentials are redacted unless red is disabled, and
// every argument is quoted for a POSIX shell. Options a tool cannot express
// are listed in a trailing comment.
func ReproCommands(opts conn.Options, red Redactor) (wsdbg, websocat, wscat string) {
	u := red.URL(opts.URL)
	headers := sortedHeaders(opts.Header, red)

	var a, b, c cmdline
	a.add("wsdbg")
	b.add("websocat")
	c.add("wscat", "-c", u)
	for _, hv := range headers {
		a.add("-H", hv)
		b.addRaw("-H=" + shellQuote(hv)) // websocat's -H takes several values; "=" keeps it to one
		c.add("-H", hv)
	}
	subprotocols := red.Subprotocols(opts.Subprotocols)
	for _, p := range subprotocols {
		a.add("--subprotocol", p)
		c.add("-s", p)
	}
	if len(subprotocols) > 0 {
		b.add("--protocol", strings.Join(subprotocols, ", "))
	}
	if opts.Origin != "" {
		a.add("--origin", opts.Origin)
		b.add("--origin", opts.Origin)
		c.add("-o", opts.Origin)
	}
	if opts.Insecure {
		a.add("--insecure")
		b.add("-k")
		c.add("-n")
	}
	if opts.CACertFile != "" {
		a.add("--cacert", opts.CACertFile)
		c.add("--ca", opts.CACertFile)
		b.missing("a CA file (try SSL_CERT_FILE)")
	}
	if opts.CertFile != "" {
		a.add("--cert", opts.CertFile, "--key", opts.KeyFile)
		c.add("--cert", opts.CertFile, "--key", opts.KeyFile)
		b.missing("a client certificate")
	}
	if opts.Proxy != "" {
		p := red.URL(opts.Proxy)
		a.add("--proxy", p)
		if rest, ok := strings.CutPrefix(p, "socks5://"); ok {
			b.add("--socks5", strings.TrimSuffix(rest, "/"))
		} else {
			b.missing("an HTTP proxy")
		}
		if strings.HasPrefix(p, "socks5://") {
			c.missing("a SOCKS proxy")
		} else {
			c.add("--proxy", p)
		}
	}
	if opts.Compress {
		a.add("--compress")
		b.missing("permessage-deflate")
		c.missing("permessage-deflate")
	}
	if opts.PingInterval > 0 {
		a.add("--ping", opts.PingInterval.String())
		b.add("--ping-interval", fmt.Sprint(max(1, int(opts.PingInterval.Round(time.Second)/time.Second))))
		c.missing("pings")
	}
	if opts.FollowRedirects {
		a.add("-L")
		c.add("-L")
		b.missing("following redirects")
	}
	a.add(u)
	b.add(u)
	return a.String(), b.String(), c.String()
}

// SentMessage is a data message sent in a session, to be sent again.
type SentMessage struct {
	Binary  bool
	Payload []byte
}

// ReproScript is what copying the repro commands puts on the clipboard:
// the commands of ReproCommands and, when messages were sent, the text
// messages piped into each tool, one per line (the form all three read
// from their standard input); binary messages are listed in hex in a
// comment, to be sent with wsdbg's /hex. Secrets in JSON payloads are
// redacted like everything else.
//
// Whatever is pasted into a shell must never run a message as a command,
// nor let one upset the terminal it is pasted into. So the messages are
// printed by printf %b from quoted arguments: every character outside the
// printable ones (newlines, control characters, escape sequences, invalid
// UTF-8) is written as an octal escape that printf turns back into the
// same byte, and the quoting reads the same in POSIX shells and in fish.
func ReproScript(opts conn.Options, sent []SentMessage, red Redactor) string {
	wsdbg, websocat, wscat := ReproCommands(opts, red)
	var b strings.Builder
	var texts []string
	for i, m := range sent {
		if m.Binary {
			fmt.Fprintf(&b, "# message %d of %d is binary, not piped below; send it with wsdbg's /hex %s\n",
				i+1, len(sent), hexWords(m.Payload))
			continue
		}
		texts = append(texts, red.Payload(string(m.Payload)))
	}
	if len(texts) == 0 {
		fmt.Fprintf(&b, "# wsdbg\n%s\n# websocat\n%s\n# wscat\n%s\n", wsdbg, websocat, wscat)
		return b.String()
	}
	b.WriteString("# the text messages sent, in order, one per line\n")
	b.WriteString(reproSentFunc + "() {\n  printf '%b\\n'")
	for _, m := range texts {
		b.WriteString(" \\\n    ")
		b.WriteString(portableQuote(printfBEscape(m)))
	}
	b.WriteString("\n}\n")
	fmt.Fprintf(&b, "# wsdbg\n%s | wsdbg tail%s\n", reproSentFunc, strings.TrimPrefix(wsdbg, "wsdbg"))
	fmt.Fprintf(&b, "# websocat\n%s | %s\n# wscat\n%s | %s\n", reproSentFunc, websocat, reproSentFunc, wscat)
	return b.String()
}

// hexWords writes bytes as space-separated hex, the form /hex reads.
func hexWords(p []byte) string {
	var b strings.Builder
	for i, c := range p {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%02x", c)
	}
	return b.String()
}

// reproSentFunc names the shell function that prints the sent messages.
const reproSentFunc = "wsdbg_sent"

// printfBEscape writes s for printf's %b: backslashes doubled, printable
// characters as they are, every other byte as \0ooo.
func printfBEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r != utf8.RuneError && unicode.IsPrint(r):
			b.WriteString(s[i : i+size])
		default:
			for _, c := range []byte(s[i : i+size]) {
				fmt.Fprintf(&b, `\0%03o`, c)
			}
		}
		i += size
	}
	return b.String()
}

// portableQuote quotes s as one word that POSIX shells and fish read
// alike: single quotes around everything but ' and \ (which fish treats
// specially even inside single quotes), and those two in double quotes.
func portableQuote(s string) string {
	if s == "" {
		return "''"
	}
	var b strings.Builder
	for s != "" {
		plain := strings.IndexAny(s, `'\`)
		if plain < 0 {
			plain = len(s)
		}
		if plain > 0 {
			b.WriteString("'" + s[:plain] + "'")
			s = s[plain:]
			continue
		}
		special := len(s) - len(strings.TrimLeft(s, `'\`))
		b.WriteString(`"` + strings.ReplaceAll(s[:special], `\`, `\\`) + `"`)
		s = s[special:]
	}
	return b.String()
}

func sortedHeaders(h http.Header, red Redactor) []string {
	var out []string
	for _, p := range headerPairs(red.Header(h)) {
		out = append(out, p.Name+": "+p.Value)
	}
	return out
}

type cmdline struct {
	args    []string
	lacking []string
}

func (c *cmdline) add(args ...string) {
	for _, a := range args {
		c.args = append(c.args, shellQuote(a))
	}
}

func (c *cmdline) addRaw(arg string) { c.args = append(c.args, arg) }

func (c *cmdline) missing(what string) { c.lacking = append(c.lacking, what) }

func (c *cmdline) String() string {
	s := strings.Join(c.args, " ")
	if len(c.lacking) > 0 {
		s += "  # cannot set: " + strings.Join(c.lacking, ", ")
	}
	return s
}

// shellQuote quotes s for a POSIX shell, leaving plain words bare.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
