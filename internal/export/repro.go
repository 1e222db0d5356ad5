package export

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

// reproCommands returns commands that open the same connection with wsdbg,
// websocat and wscat. Credentials are redacted unless red is disabled, and
// every argument is quoted for a POSIX shell. Options a tool cannot express
// are listed in a trailing comment.
func reproCommands(opts conn.Options, red history.Redactor) (wsdbg, websocat, wscat string) {
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
// the commands of reproCommands and, when messages were sent, the text
// messages piped into each tool, one per line (the form all three read
// from their standard input); binary messages are listed in hex in a
// comment, to be sent with wsdbg's /hex. Secrets in payloads (JSON keys,
// STOMP passcodes, MQTT passwords) are redacted like everything else.
//
// Whatever is pasted into a shell must never run a message as a command,
// nor let one upset the terminal it is pasted into. So the messages are
// printed by printf %b from quoted arguments: every character outside the
// printable ones (newlines, control characters, escape sequences, invalid
// UTF-8) is written as an octal escape that printf turns back into the
// same byte, and the quoting reads the same in POSIX shells and in fish.
func ReproScript(opts conn.Options, sent []SentMessage, red history.Redactor) string {
	wsdbg, websocat, wscat := reproCommands(opts, red)
	var b strings.Builder
	var texts []string
	for i, m := range sent {
		if m.Binary {
			fmt.Fprintf(&b, "# message %d of %d is binary, not piped below; send it with wsdbg's /hex %s\n",
				i+1, len(sent), hexWords(red.BinaryPayload(m.Payload)))
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

func sortedHeaders(h http.Header, red history.Redactor) []string {
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
