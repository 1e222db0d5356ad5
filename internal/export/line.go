package export

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/render"
	"github.com/wsdbg/wsdbg/internal/timefmt"
)

// LineOptions shape FormatLine's output.
type LineOptions struct {
	Location *time.Location // time zone of the clock column; nil means local time

	maxPreview int  // payload preview length in characters; 0 means defaultPreview
	ascii      bool // plain ASCII arrows and dashes, for terminals without Unicode
}

// defaultPreview is the payload preview length FormatLine uses by default.
const defaultPreview = 120

// hintIndent lines continuation lines up under the text after the kind
// column: "15:04:05.000 →  close   ".
const hintIndent = "                        "

type glyphs struct{ out, in, fail, warn, reconnect, open, inject, dash, dot, more, reply string }

var (
	unicodeGlyphs = glyphs{"→", "←", "✕", "!", "↻", "✓", "*", "—", "·", "…", "↩"}
	asciiGlyphs   = glyphs{"->", "<-", "x", "!", "~", "+", "*", "--", "|", "...", "reply to"}
)

// arrow is the glyph of r's column after the time: its direction, or what
// kind of event it is when that says more.
func (g *glyphs) arrow(r history.Record) string {
	switch r.Type {
	case conn.EventOpen:
		return g.open
	case conn.EventError:
		return g.fail
	case conn.EventWarning:
		return g.warn
	case conn.EventReconnect:
		return g.reconnect
	case conn.EventInject:
		return g.inject
	}
	// On a proxied connection the arrow points away from the side that
	// spoke: C→ the app, ←S the server; C← and →S are wsdbg speaking to
	// that side in the other's place.
	arrow := g.in
	if r.Dir == conn.Out {
		arrow = g.out
	}
	switch r.Leg {
	case conn.LegClient:
		if r.Dir == conn.Out {
			return "C" + g.in
		}
		return "C" + g.out
	case conn.LegServer:
		return arrow + "S"
	}
	return arrow
}

// legArrowed reports whether arrow shows r's leg, so the line need not
// name it: a proxied message or close.
func legArrowed(r history.Record) bool {
	switch r.Type {
	case conn.EventMessage, conn.EventFrame, conn.EventClose:
		return r.Conn > 0
	}
	return false
}

// lineWriter writes one line of FormatLine.
type lineWriter struct {
	b       *strings.Builder
	g       *glyphs
	preview int
}

// FormatLine renders a record as the line `wsdbg tail` prints: the time,
// a direction arrow (→ sent, ← received; ✕ error, ! warning, ↻ reconnect,
// ✓ open), the kind, the size and a payload preview. Closes, failures and
// error envelopes add their name and explanation on the same line after
// "—", and the hint on an indented second line. Every byte that comes from
// the peer is escaped with decode.Sanitize, so the result is safe to print.
// The Markdown reports quote the same lines.
func FormatLine(r history.Record, opts LineOptions) string {
	var b strings.Builder
	w := lineWriter{b: &b, g: &unicodeGlyphs, preview: opts.maxPreview}
	if opts.ascii {
		w.g = &asciiGlyphs
	}
	if w.preview <= 0 {
		w.preview = defaultPreview
	}
	loc := opts.Location
	if loc == nil {
		loc = time.Local
	}
	b.WriteString(r.Time.In(loc).Format("15:04:05.000"))
	b.WriteByte(' ')
	b.Write(appendProxied(nil, r))
	fmt.Fprintf(&b, "%-2s ", w.g.arrow(r))
	var hint string
	switch r.Type {
	case conn.EventMessage, conn.EventFrame:
		hint = w.message(r)
	case conn.EventOpen:
		w.open(r)
	case conn.EventClose:
		hint = w.close(r)
	case conn.EventError, conn.EventWarning:
		hint = w.failure(r)
	case conn.EventReconnect:
		fmt.Fprintf(&b, "reconnect attempt %d in %s", r.Attempt, fromMillis(r.DelayMillis).Round(time.Millisecond))
	case conn.EventInject:
		b.WriteString("inject  " + decode.Sanitize(r.Action))
	default:
		b.WriteString(decode.Sanitize(r.Type.String()))
	}
	if hint != "" {
		b.WriteString("\n" + hintIndent + "hint: " + decode.Sanitize(hint))
	}
	return b.String()
}

// AppendLine appends FormatLine(r, opts) to b. The common line, a text
// message whose preview is printable ASCII, is written straight into b,
// which is what makes `tail` keep up with a busy connection; any other
// goes through FormatLine.
func AppendLine(b []byte, r history.Record, opts LineOptions) []byte {
	preview := opts.maxPreview
	if preview <= 0 {
		preview = defaultPreview
	}
	shown := r.Text[:min(len(r.Text), preview)]
	if r.Type != conn.EventMessage || r.Opcode != conn.OpText || r.Base64 != "" || r.Envelope != nil ||
		r.Protocol != nil || r.RTTMillis > 0 || r.ReplyTo > 0 || !printableASCII(shown) {
		return append(b, FormatLine(r, opts)...)
	}
	g := &unicodeGlyphs
	if opts.ascii {
		g = &asciiGlyphs
	}
	loc := opts.Location
	if loc == nil {
		loc = time.Local
	}
	b = timefmt.AppendClock(b, r.Time.In(loc))
	b = append(b, ' ')
	b = appendProxied(b, r)
	arrow := g.arrow(r)
	b = append(b, arrow...)
	b = appendSpaces(b, 2-utf8.RuneCountInString(arrow))
	b = append(b, " text    "...)
	size := int64(r.PayloadSize())
	if size < 1<<10 {
		var digits [20]byte
		n := strconv.AppendInt(digits[:0], size, 10)
		b = appendSpaces(b, 9-len(n)-2)
		b = append(append(b, n...), " B"...)
	} else {
		human := decode.HumanSize(size)
		b = append(appendSpaces(b, 9-utf8.RuneCountInString(human)), human...)
	}
	if shown == "" {
		return b
	}
	b = append(append(b, "  "...), shown...)
	if len(r.Text) > preview {
		// More than preview characters follow when Sanitize has had its
		// way with them: every byte makes at least one.
		b = append(b, g.more...)
	}
	return b
}

// appendProxied writes, for an event of wsdbg proxy, the connection's
// number, "#2 ", the side wsdbg talks to where the arrow does not show it
// ("client ", "server "), and "injected " on a frame the user made wsdbg
// send; nothing for a direct connection.
func appendProxied(b []byte, r history.Record) []byte {
	if r.Conn > 0 {
		b = append(b, '#')
		b = strconv.AppendInt(b, int64(r.Conn), 10)
		b = append(b, ' ')
		if !legArrowed(r) && r.Leg != conn.LegNone {
			b = append(append(b, r.Leg.String()...), ' ')
		}
	}
	if r.Injected && r.Type != conn.EventInject {
		b = append(b, "injected "...)
	}
	return b
}

func appendSpaces(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, ' ')
	}
	return b
}

// printableASCII reports whether decode.Sanitize leaves s as it is because
// every byte is printable ASCII.
func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e {
			return false
		}
	}
	return true
}

// message writes a message or frame: kind, size, flags, the protocol
// packet, preview and round trip, and an error envelope on a second line. It returns the envelope's
// hint.
func (w *lineWriter) message(r history.Record) (hint string) {
	b := w.b
	kind := opcodeWord(r.Opcode)
	if r.Type == conn.EventFrame {
		kind = "frame"
	}
	fmt.Fprintf(b, "%-7s %9s", kind, decode.HumanSize(int64(r.PayloadSize())))
	var parts []string
	if r.Type == conn.EventFrame {
		parts = append(parts, frameFlags(r))
	}
	if p := r.Protocol; p != nil {
		// A recording may have been edited: its words are escaped again.
		parts = append(parts, decode.Sanitize(p.Name)+" "+decode.Sanitize(p.Summary))
	}
	if r.ReplyTo > 0 {
		parts = append(parts, fmt.Sprintf("%s #%d %s", w.g.reply, r.ReplyTo, fromMillis(r.LatencyMillis).Round(10*time.Microsecond)))
	}
	if p := payloadPreview(r, w.preview, w.g.more); p != "" {
		parts = append(parts, p)
	}
	if r.RTTMillis > 0 {
		parts = append(parts, fmt.Sprintf("rtt %s", fromMillis(r.RTTMillis).Round(10*time.Microsecond)))
	}
	if len(parts) > 0 {
		b.WriteString("  ")
		b.WriteString(strings.Join(parts, " "+w.g.dot+" "))
	}
	e := r.Envelope
	if e == nil {
		return ""
	}
	b.WriteString("\n" + hintIndent)
	b.WriteString("error envelope")
	if len(e.Code) > 0 && string(e.Code) != "null" {
		b.WriteString(" " + decode.Sanitize(string(e.Code)))
	}
	if e.Message != "" {
		b.WriteString(": " + decode.Clip(decode.Sanitize(e.Message), w.preview, w.g.more))
	}
	w.explained(e.Explanation.Name, e.Explanation.Explanation)
	return e.Explanation.Hint
}

// open writes the URL, status, subprotocol, extensions and redirects.
func (w *lineWriter) open(r history.Record) {
	b, g := w.b, w.g
	fmt.Fprintf(b, "%-7s %s", "open", decode.Sanitize(r.URL))
	if r.Status != 0 {
		fmt.Fprintf(b, " %d", r.Status)
	}
	if r.Subprotocol != "" {
		fmt.Fprintf(b, " %s subprotocol %s", g.dot, decode.Sanitize(r.Subprotocol))
	}
	if len(r.Extensions) > 0 {
		fmt.Fprintf(b, " %s %s", g.dot, decode.Sanitize(strings.Join(r.Extensions, ", ")))
	}
	for _, hop := range r.Hops {
		fmt.Fprintf(b, " %s redirected %s", g.dot, decode.Sanitize(hop))
	}
}

// close writes the code, its name and the reason, and explains a close
// the server sent; it returns the hint for that.
func (w *lineWriter) close(r history.Record) (hint string) {
	b := w.b
	fmt.Fprintf(b, "%-7s %d", "close", r.Code)
	if r.Name != "" {
		b.WriteString(" " + decode.Sanitize(r.Name))
	}
	if r.Reason != "" {
		b.WriteString(` "` + decode.Clip(decode.Sanitize(r.Reason), w.preview, w.g.more) + `"`)
	}
	// A close we send needs no explaining; the server's does.
	if r.Dir == conn.Out {
		return ""
	}
	w.explained("", r.Explanation)
	return r.Hint
}

// failure writes an error or warning: its name and explanation when it has
// them, else its kind, with the message. It returns the hint.
func (w *lineWriter) failure(r history.Record) (hint string) {
	b := w.b
	fmt.Fprintf(b, "%-7s ", r.Type)
	var f decode.Failure
	if r.Failure != nil {
		f = *r.Failure
	}
	msg := decode.Clip(decode.Sanitize(f.Message), w.preview, w.g.more)
	switch {
	case r.Name != "":
		b.WriteString(decode.Sanitize(r.Name))
		w.explained("", r.Explanation)
		if msg != "" {
			b.WriteString(" (" + msg + ")")
		}
	case f.Kind != "":
		b.WriteString(decode.Sanitize(f.Kind) + ": " + msg)
	default:
		b.WriteString(msg)
	}
	return r.Hint
}

// explained adds " — name: explanation". Explanations come from decode's
// tables but may also come from a loaded file, so they are escaped like
// everything else.
func (w *lineWriter) explained(name, explanation string) {
	b, dash := w.b, w.g.dash
	name, explanation = decode.Sanitize(name), decode.Sanitize(explanation)
	switch {
	case name != "" && explanation != "":
		b.WriteString(" " + dash + " " + name + ": " + explanation)
	case name != "":
		b.WriteString(" " + dash + " " + name)
	case explanation != "":
		b.WriteString(" " + dash + " " + explanation)
	}
}

func frameFlags(r history.Record) string {
	flags := []string{"opcode " + opcodeWord(r.Opcode)}
	if len(r.FrameInfo) == 1 {
		f := r.FrameInfo[0]
		if f.FIN {
			flags = append(flags, "fin")
		}
		for bit, name := range []string{"rsv1", "rsv2", "rsv3"} {
			if f.RSV&(4>>bit) != 0 {
				flags = append(flags, name)
			}
		}
		if f.Masked {
			flags = append(flags, "masked")
		}
	}
	return strings.Join(flags, " ")
}

// payloadPreview is the start of a payload on one line: text escaped,
// binary as hex bytes. A text message that is not valid UTF-8 (recorded in
// base64) is still text: only its bad bytes become escapes such as \xff.
func payloadPreview(r history.Record, max int, more string) string {
	// At most 4 bytes make one character, so this many bytes fill the
	// preview; a character cut at the end falls beyond what is shown.
	textBytes := max*4 + 16
	if r.Base64 == "" {
		return decode.Clip(decode.Sanitize(prefix(r.Text, textBytes)), max, more)
	}
	if r.Opcode == conn.OpText {
		raw, _ := base64.StdEncoding.DecodeString(prefix(r.Base64, (textBytes+2)/3*4))
		return decode.Clip(decode.Sanitize(string(raw)), max, more)
	}
	n := min(max/3, 16)
	raw, _ := base64.StdEncoding.DecodeString(prefix(r.Base64, (n/3+2)*4))
	if len(raw) == 0 {
		return ""
	}
	// The prefix decoded holds more than n bytes exactly when the payload
	// does, so HexPreview knows whether to add more.
	return render.HexPreview(raw, n, more)
}

func fromMillis(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }
