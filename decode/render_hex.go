package decode

// renderHex renders a dump like `hexdump -C`: an offset, 16 bytes in two
// groups of eight, and the printable ASCII with dots for everything else.
//
//	00000000  48 65 6c 6c 6f 0a 00 01  02 03 04 05 06 07 08 09  |Hello...........|
func renderHex(payload []byte) []Line {
	var out lineBuilder
	out.spans = make([]Span, 0, (len(payload)/16+1)*8)
	for off := 0; off < len(payload); off += 16 {
		row := payload[off:min(off+16, len(payload))]
		out.add(SpanOffset, hexOffset(off))
		out.add(SpanPlain, "  "+hexBytes(row))
		out.add(SpanDim, "  |")
		asciiColumn(&out, row)
		out.add(SpanDim, "|")
		out.newline()
	}
	return out.finish()
}

func hexOffset(off int) string {
	width := 8
	for off>>(4*width) > 0 {
		width++
	}
	b := make([]byte, width)
	for i := width - 1; i >= 0; i-- {
		b[i] = hexDigits[off&0xf]
		off >>= 4
	}
	return string(b)
}

// hexBytes formats up to 16 bytes, padded so the ASCII column lines up.
func hexBytes(row []byte) string {
	b := make([]byte, 0, 16*3+1)
	for i := range 16 {
		if i == 8 {
			b = append(b, ' ')
		}
		if i < len(row) {
			b = append(b, hexDigits[row[i]>>4], hexDigits[row[i]&0xf], ' ')
		} else {
			b = append(b, ' ', ' ', ' ')
		}
	}
	return string(b[:len(b)-1])
}

// asciiColumn shows printable ASCII as itself and every other byte as a dim
// dot, grouping runs so a row is a few spans.
func asciiColumn(out *lineBuilder, row []byte) {
	start := 0
	for start < len(row) {
		printable := isPrintableASCII(row[start])
		end := start + 1
		for end < len(row) && isPrintableASCII(row[end]) == printable {
			end++
		}
		if printable {
			out.add(SpanPlain, string(row[start:end]))
		} else {
			out.add(SpanDim, dots[:end-start])
		}
		start = end
	}
}

const dots = "................"

func isPrintableASCII(c byte) bool { return c >= 0x20 && c < 0x7f }
