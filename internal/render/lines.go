package render

import (
	"fmt"
	"strings"

	"github.com/wsdbg/wsdbg/decode"
)

// SpanKind classifies a piece of rendered payload for colouring.
type SpanKind uint8

const (
	SpanPlain SpanKind = iota
	SpanKey
	SpanString
	SpanNumber
	SpanBool
	SpanNull
	SpanPunct
	SpanEscape // a visible escape standing for an unsafe byte
	SpanOffset // hex dump offsets
	SpanDim    // hex dump ASCII column dots, secondary text
)

// Span is a run of text of one kind. Text is always safe to print.
type Span struct {
	Kind SpanKind
	Text string
}

// Line is one rendered line.
type Line []Span

// String joins the line's text, for tests and plain-text output.
func (l Line) String() string {
	var b strings.Builder
	for _, s := range l {
		b.WriteString(s.Text)
	}
	return b.String()
}

// lineBuilder collects spans into lines. All lines share one backing array,
// so rendering a large payload costs a handful of allocations, not one per
// line.
type lineBuilder struct {
	spans []Span
	lines []Line
	start int    // index in spans where the current line begins
	pad   string // spaces that indentation strings are cut from

	// A display limit: once a line ends at or past limit bytes of input,
	// the rest is still parsed (so that errors are about the payload, not
	// the cut) but no longer kept, and finish says how much was left out.
	limit   int // 0 for none
	total   int // the payload's length
	pos     int // the input read so far, kept current by the renderer before each newline
	full    bool
	cutAt   int  // the input read when the limit was reached
	dropped bool // whether anything was left out after that
}

// limitTo makes the builder keep lines only until about limit of the
// total bytes of input have been shown.
func (b *lineBuilder) limitTo(limit, total int) {
	if limit > 0 && limit < total {
		b.limit, b.total = limit, total
	}
}

// add appends text that is known to be safe.
func (b *lineBuilder) add(kind SpanKind, text string) {
	if b.full {
		b.dropped = true
		return
	}
	b.spans = append(b.spans, Span{Kind: kind, Text: text})
}

// addText appends text that may hold unsafe characters.
func (b *lineBuilder) addText(kind SpanKind, text string) {
	switch {
	case text == "":
	case b.full:
		b.dropped = true
	default:
		b.spans = appendSafe(b.spans, kind, text)
	}
}

// newline ends the current line.
func (b *lineBuilder) newline() {
	if b.full {
		return
	}
	n := len(b.spans)
	b.lines = append(b.lines, Line(b.spans[b.start:n:n]))
	b.start = n
	if b.limit > 0 && b.pos >= b.limit && b.pos < b.total {
		b.full, b.cutAt = true, b.pos
	}
}

// indent starts the current line with two spaces per level.
func (b *lineBuilder) indent(depth int) {
	if depth <= 0 {
		return
	}
	if len(b.pad) < 2*depth {
		// Grow geometrically and slice: every line shares the same few
		// strings, so deep nesting cannot multiply memory.
		b.pad = strings.Repeat(" ", max(4*depth, 128))
	}
	b.add(SpanPlain, b.pad[:2*depth])
}

// finish ends a non-empty last line and returns all lines, with a last one
// saying how much input the limit left out.
func (b *lineBuilder) finish() []Line {
	if b.start < len(b.spans) && !b.full {
		b.newline()
	}
	if b.dropped {
		b.lines = append(b.lines, moreBytesLine(b.total-b.cutAt))
	}
	return b.lines
}

// moreBytesLine says how many bytes of the payload a display limit left out.
func moreBytesLine(n int) Line {
	return Line{{Kind: SpanDim, Text: fmt.Sprintf("… %d more bytes", n)}}
}

// treeWriter lays out nested values the way the JSON renderer does, for the
// binary formats: one element per line, two spaces per level.
type treeWriter struct {
	out   lineBuilder
	depth int
	at    func() int // the input read so far, for a display limit
}

func (w *treeWriter) newline() {
	w.out.pos = w.at()
	w.out.newline()
}

// open starts a non-empty container.
func (w *treeWriter) open(punct string) {
	w.out.add(SpanPunct, punct)
	w.newline()
	w.depth++
}

// element starts the i-th element of the innermost container.
func (w *treeWriter) element(i int) {
	if i > 0 {
		w.out.add(SpanPunct, ",")
		w.newline()
	}
	w.out.indent(w.depth)
}

// close ends a container opened with open.
func (w *treeWriter) close(punct string) {
	w.newline()
	w.depth--
	w.out.indent(w.depth)
	w.out.add(SpanPunct, punct)
}

// quoted adds s as a double-quoted string. Quotes and backslashes are
// escaped as in JSON; unsafe characters become escape spans.
func (b *lineBuilder) quoted(kind SpanKind, s string) {
	b.add(kind, `"`)
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b.addText(kind, s[start:i])
			b.add(kind, `\`+string(c))
			start = i + 1
		}
	}
	b.addText(kind, s[start:])
	b.add(kind, `"`)
}

// hexBytesLiteral renders bytes as h'0a1b', the CBOR diagnostic notation.
func hexBytesLiteral(b []byte) string {
	out := make([]byte, 0, 3+2*len(b))
	out = append(out, 'h', '\'')
	for _, c := range b {
		out = append(out, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return string(append(out, '\''))
}

// appendSafe appends s to spans as kind, with every unsafe piece split out as
// a SpanEscape.
func appendSafe(spans []Span, kind SpanKind, s string) []Span {
	decode.SanitizePieces(s, func(text string, escaped bool) {
		if escaped {
			spans = append(spans, Span{Kind: SpanEscape, Text: text})
		} else {
			spans = append(spans, Span{Kind: kind, Text: text})
		}
	})
	return spans
}
