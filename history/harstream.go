package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/wsdbg/wsdbg/decode"
)

// oversizedValue stands in for a JSON string longer than a stringCapper's
// limit. json.Decoder holds a whole string before returning it, so such a
// string must never reach the decoder.
const (
	oversizedValue = "\x00wsdbg: value too long, left out\x00"
	oversizedJSON  = `"\u0000wsdbg: value too long, left out\u0000"`
)

// stringCapper reads JSON from a file and passes it on, replacing every
// string longer than limit by oversizedValue. It holds no string itself: a
// string that spans its reads is passed over, then read again from the
// file once it is known to be short enough.
type stringCapper struct {
	src      io.ReaderAt
	pos      int64 // file offset of the next read
	limit    int64
	buf      []byte
	out      []byte // processed bytes not yet handed on, in outStore
	outStore []byte
	err      error

	replayFrom, replayTo int64 // a range of the file to hand on as it is

	inString bool
	escape   bool  // the next byte inside the string is escaped
	strStart int64 // file offset of the current string's first byte after the quote

	produced  int64   // bytes handed on so far
	shifts    []shift // where replacements made the stream shorter than the file
	oversized int     // strings replaced
}

// shift records that from stream offset at on, the file is delta bytes
// further on than the stream.
type shift struct{ at, delta int64 }

func newStringCapper(src io.ReaderAt, limit int, chunk int) *stringCapper {
	return &stringCapper{src: src, limit: int64(limit), buf: make([]byte, chunk)}
}

func (c *stringCapper) Read(p []byte) (int, error) {
	if c.replayFrom < c.replayTo {
		n, err := c.src.ReadAt(p[:min(int64(len(p)), c.replayTo-c.replayFrom)], c.replayFrom)
		c.replayFrom += int64(n)
		c.produced += int64(n)
		if n > 0 || err == nil {
			return n, nil
		}
		c.replayFrom, c.err = c.replayTo, err
	}
	for len(c.out) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		n, err := c.src.ReadAt(c.buf, c.pos)
		off := c.pos
		c.pos += int64(n)
		c.process(c.buf[:n], off)
		if err != nil && c.replayFrom == c.replayTo {
			if c.inString && c.strStart < c.pos && c.pos-c.strStart <= c.limit {
				// The file ends inside a string: hand it on as it is, for the
				// decoder to report.
				c.replayFrom, c.replayTo = c.strStart, c.pos
			}
			c.inString = false
			c.err = err
		}
		if c.replayFrom < c.replayTo && len(c.out) == 0 {
			return c.Read(p)
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	c.produced += int64(n)
	return n, nil
}

// process scans data, which starts at file offset off, into c.out. It
// stops early when a string that began in an earlier read ends within the
// limit: that string is handed on from the file, and reading goes on after
// it.
func (c *stringCapper) process(data []byte, off int64) {
	c.out = c.outStore[:0]
	defer func() { c.outStore = c.out[:0] }()
	i := 0
	emitted := 0 // data[:emitted] is in c.out or passed over
	for i < len(data) {
		if !c.inString {
			q := bytes.IndexByte(data[i:], '"')
			if q < 0 {
				break
			}
			i += q + 1
			c.inString, c.escape, c.strStart = true, false, off+int64(i)
			continue
		}
		end := c.stringEnd(data[i:])
		if end < 0 {
			break
		}
		end += i // the closing quote
		c.inString = false
		length := off + int64(end) - c.strStart
		switch {
		case length > c.limit:
			if c.strStart >= off {
				c.out = append(c.out, data[emitted:c.strStart-off]...)
			}
			c.out = append(c.out, oversizedJSON[1:]...)
			c.shifts = append(c.shifts, shift{c.produced + int64(len(c.out)), length - int64(len(oversizedJSON)-2)})
			c.oversized++
			emitted = end + 1
		case c.strStart < off:
			c.replayFrom, c.replayTo = c.strStart, off+int64(end)+1
			c.pos = c.replayTo
			return
		}
		i = end + 1
	}
	if c.inString {
		// Whether the string is short enough is not known yet: hand on
		// what comes before it.
		if c.strStart >= off {
			c.out = append(c.out, data[emitted:c.strStart-off]...)
		}
		return
	}
	c.out = append(c.out, data[emitted:]...)
}

// stringEnd finds the quote that ends the current string in data, or -1,
// keeping track of backslash escapes across calls.
func (c *stringCapper) stringEnd(data []byte) int {
	for i := 0; ; {
		q := bytes.IndexByte(data[i:], '"')
		seg := data[i:]
		if q >= 0 {
			seg = data[i : i+q]
		}
		escaped := c.escapedAfter(seg)
		if q < 0 {
			c.escape = escaped
			return -1
		}
		c.escape = false
		if !escaped {
			return i + q
		}
		i += q + 1
	}
}

// escapedAfter reports whether the byte after seg is escaped: it is when
// seg ends in an odd run of backslashes, counting on from an escape
// pending before seg when the run is all of seg.
func (c *stringCapper) escapedAfter(seg []byte) bool {
	run := len(seg) - len(bytes.TrimRight(seg, `\`))
	if run == len(seg) {
		return c.escape != (run%2 == 1)
	}
	return run%2 == 1
}

// fileOffset maps an offset in the stream to the file's.
func (c *stringCapper) fileOffset(off int64) int64 {
	pos := off
	for _, s := range c.shifts {
		if s.at <= off {
			pos += s.delta
		}
	}
	return pos
}

// lineOf is the line of the file a JSON syntax error points at, 0 when the error
// has no position.
func (c *stringCapper) lineOf(err error) int {
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) {
		return 0
	}
	lines := 1
	end := c.fileOffset(syntax.Offset)
	for off := int64(0); off < end; {
		n, err := c.src.ReadAt(c.buf[:min(int64(len(c.buf)), end-off)], off)
		lines += bytes.Count(c.buf[:n], []byte{'\n'})
		off += int64(n)
		if err != nil {
			break
		}
	}
	return lines
}

// describe says what is wrong, with positions in the file's bytes.
func (c *stringCapper) describe(err error) string {
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		return fmt.Sprintf("not valid JSON at byte %d: %s", c.fileOffset(syntax.Offset), decode.Sanitize(syntax.Error()))
	}
	return decode.DescribeJSONError(err)
}
