package history

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/internal/render"
)

// LineOptions shape FormatLine's output.
type LineOptions struct {
	MaxPreview int            // payload preview length in characters; 0 means DefaultPreview
	ASCII      bool           // plain ASCII arrows and dashes, for terminals without Unicode
	Location   *time.Location // time zone of the clock column; nil means local time
}

// DefaultPreview is the payload preview length FormatLine uses by default.
const DefaultPreview = 120

// hintIndent lines continuation lines up under the text after the kind
// column: "15:04:05.000 →  close   ".
const hintIndent = "                        "

type glyphs struct{ out, in, fail, warn, reconnect, open, dash, dot, more string }

var (
	unicodeGlyphs = glyphs{"→", "←", "✕", "!", "↻", "✓", "—", "·", "…"}
	asciiGlyphs   = glyphs{"->", "<-", "x", "!", "~", "+", "--", "|", "..."}
)

// FormatLine renders a record as the line `wsdbg tail` prints: the time,
// a direction arrow (→ sent, ← received; ✕ error, ! warning, ↻ reconnect,
// ✓ open), the kind, the size and a payload preview. Closes, failures and
// error envelopes add their name and explanation on the same line after
// "—", and the hint on an indented second line. Every byte that comes from
// the peer is escaped with decode.Sanitize, so the result is safe to print.
func FormatLine(r Record, opts LineOptions) string {
	g := unicodeGlyphs
	if opts.ASCII {
		g = asciiGlyphs
	}
	loc := opts.Location
	if loc == nil {
		loc = time.Local
	}
	preview := opts.MaxPreview
	if preview <= 0 {
		preview = DefaultPreview
	}
	var b strings.Builder
	b.WriteString(r.Time.In(loc).Format("15:04:05.000"))
	b.WriteByte(' ')
	arrow := g.in
	if r.Dir == conn.Out {
		arrow = g.out
	}
	switch r.Type {
	case conn.EventOpen:
		arrow = g.open
	case conn.EventError:
		arrow = g.fail
	case conn.EventWarning:
		arrow = g.warn
	case conn.EventReconnect:
		arrow = g.reconnect
	}
	fmt.Fprintf(&b, "%-2s ", arrow)

	var hint string
	switch r.Type {
	case conn.EventMessage, conn.EventFrame:
		kind := opcodeWord(r.Opcode)
		if r.Type == conn.EventFrame {
			kind = "frame"
		}
		fmt.Fprintf(&b, "%-7s %9s", kind, decode.HumanSize(int64(r.PayloadSize())))
		var parts []string
		if r.Type == conn.EventFrame {
			parts = append(parts, frameFlags(r))
		}
		if p := payloadPreview(r, preview, g.more); p != "" {
			parts = append(parts, p)
		}
		if r.RTTMillis > 0 {
			parts = append(parts, fmt.Sprintf("rtt %s", fromMillis(r.RTTMillis).Round(10*time.Microsecond)))
		}
		if len(parts) > 0 {
			b.WriteString("  ")
			b.WriteString(strings.Join(parts, " "+g.dot+" "))
		}
		if e := r.Envelope; e != nil {
			b.WriteString("\n" + hintIndent)
			b.WriteString("error envelope")
			if len(e.Code) > 0 && string(e.Code) != "null" {
				b.WriteString(" " + decode.Sanitize(string(e.Code)))
			}
			if e.Message != "" {
				b.WriteString(": " + clip(decode.Sanitize(e.Message), preview, g.more))
			}
			writeExplained(&b, e.Explanation.Name, e.Explanation.Explanation, g)
			hint = e.Explanation.Hint
		}
	case conn.EventOpen:
		fmt.Fprintf(&b, "%-7s %s", "open", decode.Sanitize(r.URL))
		if r.Status != 0 {
			fmt.Fprintf(&b, " %d", r.Status)
		}
		if r.Subprotocol != "" {
			fmt.Fprintf(&b, " %s subprotocol %s", g.dot, decode.Sanitize(r.Subprotocol))
		}
		if len(r.Extensions) > 0 {
			fmt.Fprintf(&b, " %s %s", g.dot, decode.Sanitize(strings.Join(r.Extensions, ", ")))
		}
		for _, hop := range r.Hops {
			fmt.Fprintf(&b, " %s redirected %s", g.dot, decode.Sanitize(hop))
		}
	case conn.EventClose:
		fmt.Fprintf(&b, "%-7s %d", "close", r.Code)
		if r.Name != "" {
			b.WriteString(" " + decode.Sanitize(r.Name))
		}
		if r.Reason != "" {
			b.WriteString(` "` + clip(decode.Sanitize(r.Reason), preview, g.more) + `"`)
		}
		// A close we send needs no explaining; the server's does.
		if r.Dir != conn.Out {
			writeExplained(&b, "", r.Explanation, g)
			hint = r.Hint
		}
	case conn.EventError, conn.EventWarning:
		fmt.Fprintf(&b, "%-7s ", r.Type)
		var f decode.Failure
		if r.Failure != nil {
			f = *r.Failure
		}
		msg := clip(decode.Sanitize(f.Message), preview, g.more)
		switch {
		case r.Name != "":
			b.WriteString(decode.Sanitize(r.Name))
			writeExplained(&b, "", r.Explanation, g)
			if msg != "" {
				b.WriteString(" (" + msg + ")")
			}
		case f.Kind != "":
			b.WriteString(decode.Sanitize(f.Kind) + ": " + msg)
		default:
			b.WriteString(msg)
		}
		hint = r.Hint
	case conn.EventReconnect:
		fmt.Fprintf(&b, "reconnect attempt %d in %s", r.Attempt, fromMillis(r.DelayMillis).Round(time.Millisecond))
	default:
		b.WriteString(decode.Sanitize(r.Type.String()))
	}
	if hint != "" {
		b.WriteString("\n" + hintIndent + "hint: " + decode.Sanitize(hint))
	}
	return b.String()
}

// writeExplained adds " — name: explanation". Explanations come from
// decode's tables but may also come from a loaded file, so they are escaped
// like everything else.
func writeExplained(b *strings.Builder, name, explanation string, g glyphs) {
	name, explanation = decode.Sanitize(name), decode.Sanitize(explanation)
	switch {
	case name != "" && explanation != "":
		b.WriteString(" " + g.dash + " " + name + ": " + explanation)
	case name != "":
		b.WriteString(" " + g.dash + " " + name)
	case explanation != "":
		b.WriteString(" " + g.dash + " " + explanation)
	}
}

func frameFlags(r Record) string {
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
func payloadPreview(r Record, max int, more string) string {
	// At most 4 bytes make one character, so this many bytes fill the
	// preview; a character cut at the end falls beyond what is shown.
	textBytes := max*4 + 16
	if r.Base64 == "" {
		return clip(decode.Sanitize(prefix(r.Text, textBytes)), max, more)
	}
	if r.Opcode == conn.OpText {
		raw, _ := base64.StdEncoding.DecodeString(prefix(r.Base64, (textBytes+2)/3*4))
		return clip(decode.Sanitize(string(raw)), max, more)
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

// clip cuts already-escaped text to max characters, marking the cut.
func clip(s string, max int, more string) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	i, n := 0, 0
	for i = range s {
		if n == max {
			break
		}
		n++
	}
	return s[:i] + more
}
