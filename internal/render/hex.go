package render

const hexDigits = "0123456789abcdef"

// hexLineWidth is the length of a full dump line: offset, two spaces,
// 16 hex bytes in two groups, two spaces and the |ASCII| column.
const hexLineWidth = 8 + 2 + 16*3 + 1 + 1 + 18

// hexRowBytes is how many payload bytes one dump line shows.
const hexRowBytes = 16

// renderHex renders a dump like `hexdump -C`: an offset, 16 bytes in two
// groups of eight, and the printable ASCII with dots for everything else.
//
//	00000000  48 65 6c 6c 6f 0a 00 01  02 03 04 05 06 07 08 09  |Hello...........|
//
// The whole dump is written into one buffer and the spans are cut from it,
// so a large payload costs a few allocations rather than several per line.
func renderHex(payload []byte) []Line {
	rows := (len(payload) + 15) / 16
	buf := make([]byte, 0, rows*(hexLineWidth+8))
	type cut struct {
		kind       SpanKind
		start, end int
	}
	cuts := make([]cut, 0, rows*8)
	lineEnds := make([]int, 0, rows) // index in cuts where each line ends
	mark := func(kind SpanKind, start int) {
		if start < len(buf) {
			cuts = append(cuts, cut{kind, start, len(buf)})
		}
	}
	for off := 0; off < len(payload); off += 16 {
		row := payload[off:min(off+16, len(payload))]

		start := len(buf)
		buf = appendHexOffset(buf, off)
		mark(SpanOffset, start)

		start = len(buf)
		buf = append(buf, ' ')
		for i := range 16 {
			if i == 8 {
				buf = append(buf, ' ')
			}
			if i < len(row) {
				buf = append(buf, ' ', hexDigits[row[i]>>4], hexDigits[row[i]&0xf])
			} else {
				buf = append(buf, ' ', ' ', ' ')
			}
		}
		mark(SpanPlain, start)

		start = len(buf)
		buf = append(buf, ' ', ' ', '|')
		mark(SpanDim, start)

		// Runs of printable ASCII show as themselves, every other byte as
		// a dim dot.
		for i := 0; i < len(row); {
			printable := isPrintableASCII(row[i])
			start = len(buf)
			for ; i < len(row) && isPrintableASCII(row[i]) == printable; i++ {
				if printable {
					buf = append(buf, row[i])
				} else {
					buf = append(buf, '.')
				}
			}
			if printable {
				mark(SpanPlain, start)
			} else {
				mark(SpanDim, start)
			}
		}
		start = len(buf)
		buf = append(buf, '|')
		mark(SpanDim, start)
		lineEnds = append(lineEnds, len(cuts))
	}

	text := string(buf)
	spans := make([]Span, len(cuts))
	for i, c := range cuts {
		spans[i] = Span{Kind: c.kind, Text: text[c.start:c.end]}
	}
	lines := make([]Line, len(lineEnds))
	prev := 0
	for i, end := range lineEnds {
		lines[i] = Line(spans[prev:end:end])
		prev = end
	}
	return lines
}

// appendHexOffset writes an offset as eight hex digits, more if needed.
func appendHexOffset(buf []byte, off int) []byte {
	width := 8
	for off>>(4*width) > 0 {
		width++
	}
	for i := width - 1; i >= 0; i-- {
		buf = append(buf, hexDigits[(off>>(4*i))&0xf])
	}
	return buf
}

func isPrintableASCII(c byte) bool { return c >= 0x20 && c < 0x7f }

// HexPairs writes p as lowercase hex pairs separated by spaces, "1f 8b 08",
// starting a new line after every perLine bytes when perLine is positive:
// the form a composer's /hex reads back.
func HexPairs(p []byte, perLine int) string {
	return string(appendHexPairs(make([]byte, 0, len(p)*3), p, perLine))
}

// HexPreview is the start of a binary payload on one line: at most max bytes
// as hex pairs, then a space and more when p is longer.
func HexPreview(p []byte, max int, more string) string {
	n := min(len(p), max)
	buf := appendHexPairs(make([]byte, 0, n*3+1+len(more)), p[:n], 0)
	if n < len(p) {
		buf = append(buf, ' ')
		buf = append(buf, more...)
	}
	return string(buf)
}

func appendHexPairs(buf, p []byte, perLine int) []byte {
	for i, c := range p {
		switch {
		case i == 0:
		case perLine > 0 && i%perLine == 0:
			buf = append(buf, '\n')
		default:
			buf = append(buf, ' ')
		}
		buf = append(buf, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return buf
}
