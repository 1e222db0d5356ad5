package inspector

import (
	"sort"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/wsdbg/wsdbg/internal/render"
)

// pager is the inspector's scrolling window. Its content may hold a payload
// line hundreds of kilobytes long, so it measures each line once, when the
// content is set, and draws only what is on screen: a key press costs the
// same whatever the payload's size.
type pager struct {
	lines  []Line
	width  int
	height int
	wrap   bool
	y      int // first row shown
	x      int // first column shown, when not wrapping

	rowsBefore []int // wrap on: the rows taken by the lines before each line
	total      int   // rows in all
	longest    int   // the widest line, in cells
}

// Line is a line of the inspector's content: styled when it was built, or
// a payload line kept as spans and styled only where it is drawn.
type Line struct {
	styled string
	spans  render.Line
	width  int
	// rows says where each row after the first starts, for span lines wider
	// than the pager: where it wraps, and where drawing a scrolled line
	// starts looking.
	rows []spanPos
}

// spanPos is a place in a span line: a byte in one of its spans, and the
// column it is drawn at.
type spanPos struct {
	span, off, cell int
}

// Styled is a line styled already.
func Styled(s string) Line { return Line{styled: s} }

// Spans is a rendered payload line, styled by span kind where it is drawn.
func Spans(l render.Line) Line { return Line{spans: l} }

// setContent replaces what the pager shows, laid out for width.
func (pg *pager) setContent(lines []Line, width int, wrap bool) {
	pg.lines, pg.width, pg.wrap = lines, max(1, width), wrap
	pg.longest, pg.total = 0, 0
	pg.rowsBefore = pg.rowsBefore[:0]
	for k := range pg.lines {
		l := &pg.lines[k]
		if l.spans != nil {
			l.width, l.rows = measureSpans(l.spans, pg.width)
		} else {
			l.width = ansi.StringWidth(l.styled)
		}
		pg.longest = max(pg.longest, l.width)
		pg.rowsBefore = append(pg.rowsBefore, pg.total)
		pg.total += pg.rowsOf(l)
	}
	if !wrap {
		pg.total = len(pg.lines)
	} else {
		pg.x = 0
	}
	pg.clamp()
}

// rowsOf is how many rows line l takes when wrapped.
func (pg *pager) rowsOf(l *Line) int {
	if l.spans != nil {
		return 1 + len(l.rows)
	}
	return max(1, (l.width+pg.width-1)/pg.width)
}

func (pg *pager) setHeight(h int) {
	pg.height = max(1, h)
	pg.clamp()
}

func (pg *pager) clamp() {
	pg.y = max(0, min(pg.y, pg.total-pg.height))
	pg.x = max(0, min(pg.x, pg.longest-pg.width))
}

func (pg *pager) scrollDown(n int) { pg.y += n; pg.clamp() }
func (pg *pager) scrollUp(n int)   { pg.y -= n; pg.clamp() }
func (pg *pager) pageDown()        { pg.scrollDown(pg.height) }
func (pg *pager) pageUp()          { pg.scrollUp(pg.height) }
func (pg *pager) gotoTop()         { pg.y = 0 }
func (pg *pager) gotoBottom()      { pg.y = pg.total; pg.clamp() }

func (pg *pager) scrollLeft(n int) {
	if !pg.wrap {
		pg.x -= n
		pg.clamp()
	}
}

func (pg *pager) scrollRight(n int) {
	if !pg.wrap {
		pg.x += n
		pg.clamp()
	}
}

// view draws the rows on screen, each at most width cells; style colours
// payload spans.
func (pg *pager) view(style func(render.SpanKind) lipgloss.Style) []string {
	out := make([]string, 0, pg.height)
	if !pg.wrap {
		for k := pg.y; k < len(pg.lines) && len(out) < pg.height; k++ {
			out = append(out, pg.cut(&pg.lines[k], pg.x, style))
		}
		return out
	}
	// The line holding the first row shown, and which of its rows that is.
	k := sort.Search(len(pg.rowsBefore), func(i int) bool { return pg.rowsBefore[i] > pg.y }) - 1
	if k < 0 {
		return out
	}
	for row := pg.y - pg.rowsBefore[k]; k < len(pg.lines) && len(out) < pg.height; k, row = k+1, 0 {
		l := &pg.lines[k]
		for n := pg.rowsOf(l); row < n && len(out) < pg.height; row++ {
			out = append(out, pg.wrappedRow(l, row, style))
		}
	}
	return out
}

// wrappedRow draws row number row of line l.
func (pg *pager) wrappedRow(l *Line, row int, style func(render.SpanKind) lipgloss.Style) string {
	if l.spans == nil {
		if l.width <= pg.width {
			return l.styled
		}
		return ansi.Cut(l.styled, row*pg.width, (row+1)*pg.width)
	}
	start := spanPos{}
	if row > 0 {
		start = l.rows[row-1]
	}
	return drawSpans(l.spans, start, start.cell, start.cell+pg.width, style)
}

// cut draws the columns of l from x on.
func (pg *pager) cut(l *Line, x int, style func(render.SpanKind) lipgloss.Style) string {
	if l.spans == nil {
		if x == 0 && l.width <= pg.width {
			return l.styled
		}
		return ansi.Cut(l.styled, x, x+pg.width)
	}
	// Start from the last row break at or before x, not from the beginning.
	i := sort.Search(len(l.rows), func(i int) bool { return l.rows[i].cell > x })
	start := spanPos{}
	if i > 0 {
		start = l.rows[i-1]
	}
	return drawSpans(l.spans, start, x, x+pg.width, style)
}

// drawSpans styles the columns [from, to) of a span line, walking it from
// start, which is at or before from. A wide character cut by from is shown
// as a space; one that would cross to is left out.
func drawSpans(spans render.Line, start spanPos, from, to int, style func(render.SpanKind) lipgloss.Style) string {
	var b strings.Builder
	cell := start.cell
	for si := start.span; si < len(spans) && cell < to; si++ {
		text := spans[si].Text
		off := 0
		if si == start.span {
			off = start.off
		}
		lo, hi := -1, -1
		for off < len(text) {
			g, gw := nextGrapheme(text[off:])
			if cell+gw > to {
				cell = to
				break
			}
			switch {
			case cell >= from:
				if lo < 0 {
					lo = off
				}
				hi = off + g
			case cell+gw > from:
				b.WriteString(strings.Repeat(" ", cell+gw-from))
			}
			cell += gw
			off += g
		}
		if lo >= 0 {
			b.WriteString(style(spans[si].Kind).Render(text[lo:hi]))
		}
	}
	return b.String()
}

// measureSpans returns the width of a span line and, when it is wider than
// width, where each of its rows after the first starts.
func measureSpans(spans render.Line, width int) (int, []spanPos) {
	var rows []spanPos
	cell, rowStart := 0, 0
	for si, sp := range spans {
		for off := 0; off < len(sp.Text); {
			g, gw := nextGrapheme(sp.Text[off:])
			if cell+gw-rowStart > width && cell > rowStart {
				rows = append(rows, spanPos{span: si, off: off, cell: cell})
				rowStart = cell
			}
			cell += gw
			off += g
		}
	}
	return cell, rows
}

// nextGrapheme returns the length in bytes and the width in cells of the
// first character of s, as the terminal draws it.
func nextGrapheme(s string) (int, int) {
	// Printable ASCII not followed by a combining character: one cell.
	if c := s[0]; c >= 0x20 && c < 0x7f && (len(s) == 1 || s[1] < 0x80) {
		return 1, 1
	}
	g, w := ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth)
	return max(1, len(g)), w
}
