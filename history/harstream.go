package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/wsdbg/wsdbg/decode"
)

// oversizedValue stands in for a JSON string longer than a stringCapper's
// limit. json.Decoder holds a whole string before returning it, so such a
// string must never reach the decoder.
const (
	oversizedValue = "\x00wsdbg: value too long, left out\x00"
	oversizedJSON  = `"\u0000wsdbg: value too long, left out\u0000"`
)

// stringCapper passes JSON through, replacing every string longer than
// limit by oversizedValue as it streams past. It holds at most one string
// of up to limit bytes.
type stringCapper struct {
	src      io.Reader
	limit    int
	buf      []byte
	out      []byte // processed bytes not yet read, in outStore
	outStore []byte
	err      error

	inString bool
	escape   bool   // the next byte inside the string is escaped
	str      []byte // the current string so far, while within the limit
	tooLong  bool   // the current string passed the limit: its bytes are dropped
	strLen   int64  // the current string's length so far

	produced  int64   // bytes handed on so far
	shifts    []shift // where replacements made the stream shorter than the file
	oversized int     // strings replaced
}

// shift records that from stream offset at on, the file is delta bytes
// further on than the stream.
type shift struct{ at, delta int64 }

func newStringCapper(src io.Reader, limit int) *stringCapper {
	return &stringCapper{src: src, limit: limit, buf: make([]byte, 256<<10)}
}

func (c *stringCapper) Read(p []byte) (int, error) {
	for len(c.out) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		n, err := c.src.Read(c.buf)
		c.out = c.outStore[:0]
		c.process(c.buf[:n])
		c.outStore = c.out[:0]
		if err != nil {
			if c.inString && !c.tooLong {
				c.emit(c.str) // the decoder reports the string cut short
			}
			c.err = err
		}
	}
	n := copy(p, c.out)
	c.out = c.out[n:]
	return n, nil
}

func (c *stringCapper) emit(b []byte) {
	c.out = append(c.out, b...)
	c.produced += int64(len(b))
}

func (c *stringCapper) process(data []byte) {
	for len(data) > 0 {
		if !c.inString {
			q := bytes.IndexByte(data, '"')
			if q < 0 {
				c.emit(data)
				return
			}
			c.emit(data[:q+1])
			data = data[q+1:]
			c.inString, c.escape, c.tooLong, c.strLen = true, false, false, 0
			c.str = c.str[:0]
			continue
		}
		end := c.stringEnd(data)
		seg := data
		if end >= 0 {
			seg = data[:end]
		}
		c.strLen += int64(len(seg))
		if !c.tooLong && c.strLen > int64(c.limit) {
			c.tooLong, c.str = true, nil
		}
		if !c.tooLong {
			c.str = append(c.str, seg...)
		}
		if end < 0 {
			return
		}
		if c.tooLong {
			c.emit([]byte(oversizedJSON[1:]))
			c.shifts = append(c.shifts, shift{c.produced, c.strLen - int64(len(oversizedJSON)-2)})
			c.oversized++
		} else {
			c.emit(c.str)
			c.emit(data[end : end+1])
		}
		if cap(c.str) > 1<<20 {
			c.str = nil // let a long string's buffer go
		}
		c.inString = false
		data = data[end+1:]
	}
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

// lineOf is the line of f a JSON syntax error points at, 0 when the error
// has no position.
func (c *stringCapper) lineOf(f *os.File, err error) int {
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) {
		return 0
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0
	}
	lines := 1
	buf := make([]byte, 256<<10)
	for left := c.fileOffset(syntax.Offset); left > 0; {
		n, err := f.Read(buf[:min(int64(len(buf)), left)])
		lines += bytes.Count(buf[:n], []byte{'\n'})
		left -= int64(n)
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
