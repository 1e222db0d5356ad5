package history

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"time"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/wsdbg/wsdbg/conn"
)

// linesBlock is how much of the file WriteJSONLines reads at a time.
const linesBlock = 4 << 20

// WriteJSONLines writes every event to w as `tail --json` prints it: the
// record, redacted by red, as one JSON line. It waits for the index and
// returns how many events it wrote. A line that cannot be read is skipped
// and listed in Problems, as Record does.
//
// The file is read in large blocks, in order. A message or frame line that
// is already exactly what decoding, redacting and encoding it again would
// give (canonicalLine decides, conservatively) is copied as it is; every
// other line takes that slow way. A write error stops it.
func (r *Recording) WriteJSONLines(w io.Writer, red Redactor) (int, error) {
	r.Wait()
	if r.file == nil {
		return writeRecords(w, r.records, red)
	}
	out := make([]byte, 0, 256<<10)
	var scratch canonScratch
	printed, err := r.eachLine(func(i int, line []byte) error {
		if canonicalLine(line, red, &scratch) {
			out = append(append(out, line...), '\n')
		} else {
			rec, err := r.decodeLine(r.line(i), line)
			if err != nil {
				return errSkip
			}
			out = append(red.Record(rec).AppendJSON(out), '\n')
		}
		if len(out) >= cap(out)-cap(out)/4 {
			if _, err := w.Write(out); err != nil {
				return err
			}
			out = out[:0]
		}
		return nil
	})
	if err != nil {
		return printed, err
	}
	_, err = w.Write(out)
	return printed, err
}

// EachRecord calls fn with every event's record, redacted by red, in
// order, reading the file as WriteJSONLines does: a message or frame line
// as the encoder writes it is decoded by hand, every other line the slow
// way. It waits for the index and returns how many records it gave fn; a
// line that cannot be read is skipped and listed in Problems. An error
// from fn stops it and is returned. The record is fn's to keep.
func (r *Recording) EachRecord(red Redactor, fn func(Record) error) (int, error) {
	r.Wait()
	if r.file == nil {
		for i, rec := range r.records {
			if err := fn(red.Record(rec)); err != nil {
				return i, err
			}
		}
		return len(r.records), nil
	}
	var scratch canonScratch
	var rec Record
	return r.eachLine(func(i int, line []byte) error {
		if !decodeCanonical(line, red, &scratch, &rec) {
			var err error
			if rec, err = r.decodeLine(r.line(i), line); err != nil {
				return errSkip
			}
			rec = red.Record(rec)
		}
		return fn(rec)
	})
}

// errSkip tells eachLine that a line was not taken.
var errSkip = errors.New("line skipped")

// eachLine calls fn with every event's line, in order, reading the file in
// large blocks, and returns how many lines fn took. A line that cannot be
// read is skipped; fn skips one by returning errSkip, and stops the walk
// with any other error.
func (r *Recording) eachLine(fn func(i int, line []byte) error) (int, error) {
	r.mu.RLock()
	offsets, scanned := r.offsets, r.scanned // complete: the index no longer grows
	r.mu.RUnlock()

	blk := lineBlock{r: r, buf: make([]byte, linesBlock), scanned: scanned}
	taken := 0
	for i, start := range offsets {
		end := scanned
		if i+1 < len(offsets) {
			end = offsets[i+1]
		}
		line, err := blk.line(start, end)
		if err != nil {
			continue
		}
		switch err := fn(i, line); err {
		case nil:
			taken++
		case errSkip:
		default:
			return taken, err
		}
	}
	return taken, nil
}

func writeRecords(w io.Writer, records []Record, red Redactor) (int, error) {
	var out []byte
	for _, rec := range records {
		out = append(red.Record(rec).AppendJSON(out), '\n')
	}
	_, err := w.Write(out)
	return len(records), err
}

// lineBlock holds a block of the file for reading its lines in order.
type lineBlock struct {
	r          *Recording
	buf        []byte
	start, end int64 // the part of the file in buf
	scanned    int64 // where the indexed part of the file ends
}

// line returns the line that starts at start; end bounds it as it does
// for readLine. The result is valid until the next call.
func (b *lineBlock) line(start, end int64) ([]byte, error) {
	if line, ok := b.cut(start); ok {
		return line, nil
	}
	n, err := b.r.file.ReadAt(b.buf, start)
	if err != nil && err != io.EOF {
		return nil, err
	}
	b.start, b.end = start, start+int64(n)
	if line, ok := b.cut(start); ok {
		return line, nil
	}
	return b.r.readLine(start, end) // longer than a block
}

// cut finds the line at start within the block.
func (b *lineBlock) cut(start int64) ([]byte, bool) {
	if start < b.start || start >= b.end {
		return nil, false
	}
	rest := b.buf[start-b.start : b.end-b.start]
	if nl := bytes.IndexByte(rest, '\n'); nl >= 0 {
		return rest[:nl], true
	}
	if b.end >= b.scanned { // the last line, without a newline
		return rest, true
	}
	return nil, false
}

// canonScratch is reused memory for canonicalLine.
type canonScratch struct {
	minute   []byte    // the date, hour and minute of the last UTC time parsed
	minuteAt time.Time // that minute
	text     []byte    // the last string's text: in the line, or in decoded
	decoded  []byte
	again    []byte
	opcode   []byte
}

// canonicalLine reports whether line is a message or frame record exactly
// as Record.AppendJSON writes it after decoding the line and redacting it
// with red: the keys in their order and nothing else, every number, time,
// word and string in the form the encoder writes it, and no text a
// redaction could change. It answers false for anything else (handshakes,
// closes and failures, error replies, other writers' lines), which then
// take the slow way; false is always safe.
func canonicalLine(line []byte, red Redactor, s *canonScratch) bool {
	return walkCanonical(line, red, s, nil)
}

// decodeCanonical decodes a line canonicalLine accepts into rec, as
// decoding it and redacting it with red would, without reflection. It
// reports false, leaving rec in any state, for every other line.
func decodeCanonical(line []byte, red Redactor, s *canonScratch, rec *Record) bool {
	*rec = Record{}
	return walkCanonical(line, red, s, rec)
}

// A LineDecoder decodes the message and frame lines of a recording that
// are exactly as the encoder writes them, by hand and reusing its memory:
// what a pass over many raw lines (a filter) needs to be fast. Its zero
// value is ready to use.
type LineDecoder struct {
	scratch canonScratch
}

// Decode decodes line into rec, unredacted, as Record would; it reports
// false, leaving rec in any state, for a line it does not take, which
// must be decoded the ordinary way.
func (d *LineDecoder) Decode(line []byte, rec *Record) bool {
	return decodeCanonical(line, Redactor{Disabled: true}, &d.scratch, rec)
}

// walkCanonical is canonicalLine, filling rec when it is not nil.
func walkCanonical(line []byte, red Redactor, s *canonScratch, rec *Record) bool {
	c := cursor{b: line}
	if !c.lit(`{"type":"`) {
		return false
	}
	switch {
	case c.lit(`message"`), c.lit(`frame"`):
	default:
		return false
	}
	isMessage := line[len(`{"type":"`)] == 'm'
	var at *time.Time
	if rec != nil {
		rec.Type, at = conn.EventFrame, &rec.Time
		if isMessage {
			rec.Type = conn.EventMessage
		}
	}
	if !c.lit(`,"time":`) || !c.time(s, at) {
		return false
	}
	if c.lit(`,"seq":`) {
		if !c.positive() {
			return false
		}
		if rec != nil {
			rec.Seq = int(c.n)
		}
	}
	if !c.lit(`,"dir":"`) {
		return false
	}
	switch {
	case c.lit(`in"`):
		if rec != nil {
			rec.Dir = conn.In
		}
	case c.lit(`out"`):
		if rec != nil {
			rec.Dir = conn.Out
		}
	default:
		return false
	}
	if !c.lit(`,"opcode":"`) {
		return false
	}
	var op conn.Opcode
	if !c.word(&op, s) || !c.lit(`,"len":`) || !c.int(64, false) {
		return false
	}
	if rec != nil {
		rec.Opcode, rec.Len = op, int(c.n)
		if int64(rec.Len) != c.n {
			return false
		}
	}
	switch {
	case c.lit(`,"text":`):
		if op == conn.OpBinary || !c.str(s) {
			return false
		}
		// The text is looked at, not kept: no copy for it.
		if isMessage && !red.Disabled && len(s.text) > 0 && mayHoldSecretKey(unsafe.String(unsafe.SliceData(s.text), len(s.text))) {
			return false
		}
		if rec != nil {
			rec.Text = string(s.text)
		}
	case c.lit(`,"base64":`):
		if !c.str(s) || len(s.text) == 0 && op != conn.OpBinary {
			return false
		}
		if rec != nil {
			rec.Base64 = string(s.text)
		}
	default:
		return false
	}
	if c.lit(`,"frames":`) {
		if !c.int(64, true) {
			return false
		}
		if rec != nil {
			rec.Frames = int(c.n)
			if int64(rec.Frames) != c.n {
				return false
			}
		}
	}
	if c.lit(`,"frame_info":[`) {
		var frames *[]conn.Frame
		if rec != nil {
			frames = &rec.FrameInfo
		}
		if !c.frames(s, frames) {
			return false
		}
	}
	if c.lit(`,"rtt_ms":`) {
		if !c.float() {
			return false
		}
		if rec != nil {
			rec.RTTMillis = c.f
		}
	}
	if c.lit(`,"reply_to":`) && !(c.positive() && c.lit(`,"latency_ms":`) && c.float()) {
		return false
	}
	return c.lit(`}`) && c.i == len(c.b)
}

// cursor walks a line, accepting only what the encoder writes.
type cursor struct {
	b []byte
	i int
	n int64   // the last integer accepted
	f float64 // the last float accepted
}

func (c *cursor) lit(s string) bool {
	if len(c.b)-c.i < len(s) || string(c.b[c.i:c.i+len(s)]) != s {
		return false
	}
	c.i += len(s)
	return true
}

// digits advances over a run of ASCII digits and returns it.
func (c *cursor) digits() []byte {
	start := c.i
	for c.i < len(c.b) && c.b[c.i] >= '0' && c.b[c.i] <= '9' {
		c.i++
	}
	return c.b[start:c.i]
}

// int accepts an integer as strconv.AppendInt writes it that fits in bits
// (and is over 1 when overOne).
func (c *cursor) int(bits int, overOne bool) bool {
	start := c.i
	c.lit("-")
	c.digits()
	num := c.b[start:c.i]
	n, err := strconv.ParseInt(string(num), 10, bits)
	if err != nil || overOne && n <= 1 {
		return false
	}
	c.n = n
	var again [24]byte
	return bytes.Equal(strconv.AppendInt(again[:0], n, 10), num)
}

// positive accepts a number above zero as the encoder writes it (it
// leaves zero out).
func (c *cursor) positive() bool {
	if c.i < len(c.b) && c.b[c.i] == '-' {
		return false
	}
	start := c.i
	return c.int(64, false) && !(c.i == start+1 && c.b[start] == '0')
}

// uint8 accepts a small unsigned number as the frame encoder writes it.
func (c *cursor) uint8() bool {
	num := c.digits()
	n, err := strconv.ParseUint(string(num), 10, 8)
	c.n = int64(n)
	var again [4]byte
	return err == nil && bytes.Equal(strconv.AppendUint(again[:0], n, 10), num)
}

// float accepts a positive number as AppendFloat(..., 'f', -1, 64) writes it.
func (c *cursor) float() bool {
	start := c.i
	c.digits()
	if c.lit(".") {
		c.digits()
	}
	num := c.b[start:c.i]
	f, err := strconv.ParseFloat(string(num), 64)
	if err != nil || !(f > 0) {
		return false
	}
	c.f = f
	var again [32]byte
	return bytes.Equal(strconv.AppendFloat(again[:0], f, 'f', -1, 64), num)
}

// bool accepts true or false and stores it in v when v is not nil.
func (c *cursor) bool(v *bool) bool {
	switch {
	case c.lit("true"):
		if v != nil {
			*v = true
		}
	case c.lit("false"):
		if v != nil {
			*v = false
		}
	default:
		return false
	}
	return true
}

// time accepts a quoted time as time.Time decodes it and AppendFormat
// with RFC3339Nano writes it back, and stores it in at when at is not nil.
func (c *cursor) time(s *canonScratch, at *time.Time) bool {
	if !c.lit(`"`) {
		return false
	}
	end := bytes.IndexByte(c.b[c.i:], '"')
	if end < 0 || end > 40 {
		return false
	}
	quoted := c.b[c.i-1 : c.i+end+1]
	if sameMinuteUTC(quoted[1:len(quoted)-1], s.minute) {
		if at != nil {
			*at = s.minuteAt.Add(withinMinute(quoted[1+len(minutePrefix) : len(quoted)-2]))
		}
		c.i += end + 1
		return true
	}
	var t time.Time
	if t.UnmarshalJSON(quoted) != nil {
		return false
	}
	var again [40]byte
	if !bytes.Equal(t.AppendFormat(again[:0], time.RFC3339Nano), quoted[1:len(quoted)-1]) {
		return false
	}
	if t.Location() == time.UTC {
		s.minute = append(s.minute[:0], quoted[1:len(minutePrefix)+1]...)
		s.minuteAt = t.Truncate(time.Minute)
	}
	if at != nil {
		*at = t
	}
	c.i += end + 1
	return true
}

// withinMinute reads the ":05.123" part sameMinuteUTC accepted.
func withinMinute(sec []byte) time.Duration {
	d := time.Duration(sec[1]-'0')*10*time.Second + time.Duration(sec[2]-'0')*time.Second
	if len(sec) > 3 {
		var ns time.Duration
		digits := sec[4:]
		for _, ch := range digits {
			ns = ns*10 + time.Duration(ch-'0')
		}
		for range 9 - len(digits) {
			ns *= 10
		}
		d += ns
	}
	return d
}

// minutePrefix is the part of an RFC 3339 time up to its minute.
const minutePrefix = "2006-01-02T15:04"

// sameMinuteUTC reports whether t is a UTC time in the minute a time
// parsed before gave, with seconds and a fraction written as AppendFormat
// with RFC3339Nano writes them: two digits under 60, then nothing or a
// point and up to nine digits without a trailing zero, then Z. Such a time
// parses and formats back to itself without being parsed again.
func sameMinuteUTC(t, minute []byte) bool {
	n := len(minutePrefix)
	if len(minute) != n || len(t) < n+4 || !bytes.Equal(t[:n], minute) || t[len(t)-1] != 'Z' {
		return false
	}
	sec := t[n : len(t)-1]
	if sec[0] != ':' || sec[1] < '0' || sec[1] > '5' || sec[2] < '0' || sec[2] > '9' {
		return false
	}
	frac := sec[3:]
	if len(frac) == 0 {
		return true
	}
	if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 || frac[len(frac)-1] == '0' {
		return false
	}
	for _, d := range frac[1:] {
		if d < '0' || d > '9' {
			return false
		}
	}
	return true
}

// word accepts an opcode word and its closing quote.
func (c *cursor) word(op *conn.Opcode, s *canonScratch) bool {
	end := bytes.IndexByte(c.b[c.i:], '"')
	if end < 0 || end > 12 {
		return false
	}
	word := c.b[c.i : c.i+end]
	if op.UnmarshalText(word) != nil {
		return false
	}
	s.opcode, _ = op.AppendText(s.opcode[:0])
	c.i += end + 1
	return bytes.Equal(s.opcode, word)
}

// frames accepts the rest of a frame_info array, each frame as
// conn.Frame.AppendJSON writes it, and appends them to out when out is not
// nil.
func (c *cursor) frames(s *canonScratch, out *[]conn.Frame) bool {
	var f conn.Frame
	for first := true; ; first = false {
		if c.lit("]") {
			return !first // an empty list is not written
		}
		if !first && !c.lit(",") {
			return false
		}
		f = conn.Frame{}
		if !c.lit(`{"fin":`) || !c.bool(&f.FIN) || !c.lit(`,"rsv":`) || !c.uint8() {
			return false
		}
		f.RSV = uint8(c.n)
		if !c.lit(`,"opcode":"`) || !c.word(&f.Opcode, s) || !c.lit(`,"masked":`) || !c.bool(&f.Masked) ||
			!c.lit(`,"len":`) || !c.int(64, false) {
			return false
		}
		f.Length = c.n
		if !c.lit(`,"len_bytes":`) || !c.uint8() {
			return false
		}
		f.LenBytes = uint8(c.n)
		if !c.lit(`,"time":`) || !c.time(s, &f.Time) || !c.lit(`}`) {
			return false
		}
		if out != nil {
			*out = append(*out, f)
		}
	}
}

// str accepts a JSON string that appendString writes back byte for byte,
// and leaves its text in s.text. Escapes are decoded only in the forms
// encoding/json and appendString agree on; anything else is refused.
func (c *cursor) str(s *canonScratch) bool {
	if !c.lit(`"`) {
		return false
	}
	// The common cases in one pass: printable ASCII, then the same with
	// short escapes, decoded on the way.
	b, start, i := c.b, c.i, c.i
	for i < len(b) && plainByte[b[i]] {
		i++
	}
	if i < len(b) && b[i] == '"' {
		s.text, c.i = b[start:i], i+1
		return true
	}
	dec := append(s.decoded[:0], b[start:i]...)
	for i < len(b) {
		run := i
		for i < len(b) && plainByte[b[i]] {
			i++
		}
		dec = append(dec, b[run:i]...)
		if i+1 >= len(b) || b[i] != '\\' || !isShortEscape(b[i+1]) {
			break
		}
		dec = append(dec, shortEscaped(b[i+1]))
		i += 2
	}
	s.decoded = dec
	if i < len(b) && b[i] == '"' {
		s.text, c.i = dec, i+1
		return true
	}

	// Anything else: find the end, decode in full and check that the
	// encoder writes the text back the same way.
	for i = start; i < len(b) && b[i] != '"'; i++ {
		if b[i] == '\\' {
			i++ // the escaped byte, which may be a quote
		}
	}
	if i >= len(b) {
		return false
	}
	lit := b[start:i]
	c.i = i + 1
	text, ok := unescape(s.decoded[:0], lit)
	if !ok {
		return false
	}
	s.decoded, s.text = text, text
	s.again = appendString(s.again[:0], string(text))
	return bytes.Equal(s.again[1:len(s.again)-1], lit)
}

// plainByte marks the bytes appendString writes as they are: printable
// ASCII other than the quote and the backslash.
var plainByte = func() (t [256]bool) {
	for ch := 0x20; ch < 0x7f; ch++ {
		t[ch] = ch != '"' && ch != '\\'
	}
	return t
}()

// shortEscaped is the byte a short escape's letter stands for.
func shortEscaped(letter byte) byte {
	switch letter {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return letter
}

func isShortEscape(ch byte) bool {
	return ch == '"' || ch == '\\' || ch == 'n' || ch == 'r' || ch == 't'
}

// unescape decodes the body of a JSON string, refusing what might decode
// differently elsewhere: invalid UTF-8, raw control bytes, lone
// surrogates and unusual escapes. The caller's dst must not alias lit.
func unescape(dst, lit []byte) ([]byte, bool) {
	for i := 0; i < len(lit); {
		ch := lit[i]
		switch {
		case ch < 0x20:
			return nil, false
		case ch >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(lit[i:])
			if r == utf8.RuneError && size == 1 {
				return nil, false
			}
			dst = append(dst, lit[i:i+size]...)
			i += size
		case ch != '\\':
			dst = append(dst, ch)
			i++
		case i+1 >= len(lit):
			return nil, false
		default:
			switch lit[i+1] {
			case '"', '\\':
				dst = append(dst, lit[i+1])
			case 'n':
				dst = append(dst, '\n')
			case 'r':
				dst = append(dst, '\r')
			case 't':
				dst = append(dst, '\t')
			case 'u':
				r, n, ok := unicodeEscape(lit[i:])
				if !ok {
					return nil, false
				}
				dst = utf8.AppendRune(dst, r)
				i += n
				continue
			default:
				return nil, false
			}
			i += 2
		}
	}
	return dst, true
}

// unicodeEscape reads a \uXXXX escape, or a surrogate pair of two, at the
// start of lit, and returns the rune and the bytes it took.
func unicodeEscape(lit []byte) (rune, int, bool) {
	r, ok := hex4(lit)
	switch {
	case !ok:
		return 0, 0, false
	case utf16.IsSurrogate(r):
		lo, ok := hex4(lit[6:])
		pair := utf16.DecodeRune(r, lo)
		if !ok || pair == utf8.RuneError {
			return 0, 0, false
		}
		return pair, 12, true
	}
	return r, 6, true
}

// hex4 reads \uXXXX with lowercase hex digits, as appendRuneEscape writes.
func hex4(lit []byte) (rune, bool) {
	if len(lit) < 6 || lit[0] != '\\' || lit[1] != 'u' {
		return 0, false
	}
	var r rune
	for _, d := range lit[2:6] {
		switch {
		case d >= '0' && d <= '9':
			r = r<<4 | rune(d-'0')
		case d >= 'a' && d <= 'f':
			r = r<<4 | rune(d-'a'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
