package history

import (
	"bytes"
	"fmt"
	"github.com/wsdbg/wsdbg/decode"
	"io"
	"sort"
)

// indexer is the state of the line scan between chunks.
type indexer struct {
	pos       int64 // file offset of the next byte to scan
	lineStart int64
	lineNo    int
	filled    bool // the current line has a non-blank byte
	first     byte // its first non-blank byte
	last      byte // its last non-blank byte so far
	skipFirst bool // line 1 is a header (or foreign): not an event
}

func (x *indexer) note(seg []byte) {
	if !x.filled {
		if t := bytes.TrimLeft(seg, " \t\r"); len(t) > 0 {
			x.filled, x.first = true, t[0]
		}
	}
	if t := bytes.TrimRight(seg, " \t\r"); len(t) > 0 {
		x.last = t[len(t)-1]
	}
}

func (r *Recording) indexRest(x *indexer, buf []byte) {
	defer close(r.done)
	if len(buf) < indexChunk { // the file grew since Open looked
		buf = make([]byte, indexChunk)
	}
	for {
		select {
		case <-r.stop:
			return
		default:
		}
		n, err := r.file.ReadAt(buf, x.pos)
		if n > 0 {
			r.scan(x, buf[:n])
		}
		if err == io.EOF || n == 0 {
			r.finish(x)
			r.settleForeign()
			return
		}
		if err != nil {
			r.addProblem(x.lineNo, "reading stopped here: "+err.Error())
			return
		}
	}
}

// scan indexes the lines in data, which starts at x.pos.
func (r *Recording) scan(x *indexer, data []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	base := x.pos
	for i := 0; i < len(data); {
		j := bytes.IndexByte(data[i:], '\n')
		if j < 0 {
			x.note(data[i:])
			break
		}
		x.note(data[i : i+j])
		r.endLine(x, base+int64(i+j), false)
		i += j + 1
		x.lineStart = base + int64(i)
		x.lineNo++
		x.filled = false
	}
	x.pos = base + int64(len(data))
	r.scanned = x.pos
}

// finish deals with a last line that has no newline.
func (r *Recording) finish(x *indexer) {
	if !x.filled {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.endLine(x, x.pos, true)
}

// endLine files the line that ends at end (its newline, or the end of the
// file) as an event or a skipped line.
func (r *Recording) endLine(x *indexer, end int64, atEOF bool) {
	switch {
	case !x.filled || x.lineNo == 1 && x.skipFirst:
		r.skipped = append(r.skipped, len(r.offsets))
	case end-x.lineStart > maxLineBytes:
		r.skipped = append(r.skipped, len(r.offsets))
		r.addProblem(x.lineNo, fmt.Sprintf("the line is %s long, more than the %s a recording line may have; skipped",
			decode.HumanSize(end-x.lineStart), decode.HumanSize(maxLineBytes)))
	case x.first == '{' && x.last == '}':
		r.offsets = append(r.offsets, x.lineStart)
	case atEOF:
		r.skipped = append(r.skipped, len(r.offsets))
		r.addProblem(x.lineNo, "cut off at the end of the file (the recording stopped while writing it); skipped")
	default:
		r.skipped = append(r.skipped, len(r.offsets))
		r.addProblem(x.lineNo, "not a JSON object (a damaged line); skipped")
	}
}

// lineOf is the file line of event i; r.mu must be held.
func (r *Recording) lineOf(i int) int {
	return i + 1 + sort.SearchInts(r.skipped, i+1)
}

// Lines calls fn with the raw JSON line of each event from first on, in
// order, reading the file in blocks of about maxBytes, and returns the
// index of the first event it did not give. It gives at least one event when
// one is indexed at first, however long its line, and stops at the events
// indexed so far. A line is only valid during its call to fn. A HAR import
// has no lines: Lines gives nothing and returns first.
func (r *Recording) Lines(first, maxBytes int, fn func(i int, line []byte)) (int, error) {
	if r.file == nil {
		return first, nil
	}
	r.mu.RLock()
	n := len(r.offsets)
	if first < 0 || first >= n {
		r.mu.RUnlock()
		return first, nil
	}
	start := r.offsets[first]
	last := first + sort.Search(n-first, func(k int) bool { return r.offsets[first+k] >= start+int64(maxBytes) })
	last = max(last, first+1) // one event past the block: the line itself is read below
	end := r.scanned
	if last < n {
		end = r.offsets[last]
	}
	offsets := r.offsets[first:last:last] // appends never change what is indexed
	// Events followed by a line that is not one: their lines end before
	// the next event starts.
	gaps := r.skipped[sort.SearchInts(r.skipped, first+1):]
	gaps = gaps[:sort.SearchInts(gaps, last+1):len(gaps)]
	r.mu.RUnlock()

	if last == first+1 {
		line, err := r.readLine(start, end)
		if err != nil {
			return first, err
		}
		fn(first, line)
		return last, nil
	}
	buf := r.blocks.Get().(*[]byte)
	defer r.blocks.Put(buf)
	if int64(cap(*buf)) < end-start {
		*buf = make([]byte, end-start)
	}
	block := (*buf)[:end-start]
	got, err := r.file.ReadAt(block, start)
	if err != nil && err != io.EOF {
		return first, err
	}
	block = block[:got]
	for k, off := range offsets {
		from := min(off-start, int64(len(block)))
		to := int64(len(block))
		if first+k+1 < last {
			to = offsets[k+1] - start
		}
		line := block[from:min(to, int64(len(block)))]
		if len(gaps) > 0 && gaps[0] == first+k+1 {
			for len(gaps) > 0 && gaps[0] == first+k+1 {
				gaps = gaps[1:]
			}
			if nl := bytes.IndexByte(line, '\n'); nl >= 0 {
				line = line[:nl]
			}
		}
		fn(first+k, bytes.TrimSuffix(line, []byte{'\n'}))
	}
	return last, nil
}
