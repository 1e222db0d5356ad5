package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

// Problem is something wrong with a recording file, with the line it is on
// (0 when it concerns the whole file). Event and Record return one as their
// error when a line cannot be read.
type Problem struct {
	line int
	msg  string
}

func (p Problem) Error() string {
	if p.line > 0 {
		return fmt.Sprintf("line %d: %s", p.line, p.msg)
	}
	return p.msg
}

const (
	indexChunk  = 1 << 20  // bytes read per indexing step
	maxProblems = 100      // problems listed one by one; the rest are counted
	linePeek    = 64 << 10 // first read of a line; longer lines take a second
)

// maxLineBytes bounds one line of a recording (and one string of a HAR
// file): a message of the default maximum size whose text is all control
// bytes, each escaped as \u00XX, fits with room to spare. Longer lines are
// reported and skipped, never loaded.
const maxLineBytes = 6*conn.DefaultMaxMessage + 1<<20

// Recording is a loaded recording: a wsdbg JSON Lines file, `tail --json`
// output, an NDJSON export, or a HAR file.
//
// Opening is fast whatever the size: Open indexes the first megabyte of
// lines before it returns and the rest in a background goroutine, keeping
// 8 bytes per line; events are decoded only when asked for. Len grows until
// Done is closed. All methods are safe for concurrent use, also while the
// index grows. The file is never written to.
type Recording struct {
	path   string
	header Header
	file   *os.File // nil when everything is in records
	spool  string   // a temporary copy of a pipe's contents, removed on Close
	// records holds the events of a HAR import, decoded up front.
	records []Record

	mu      sync.RWMutex
	offsets []int64 // where each event's line starts
	skipped []int   // for each line that is not an event: how many events came before it
	scanned int64   // bytes indexed so far

	problemMu    sync.Mutex
	problems     []Problem
	moreProblems int
	reported     map[int]bool    // lines whose decoding problem is listed
	unknownKeys  map[string]bool // unknown keys already reported

	blocks sync.Pool // *[]byte: read buffers of Lines

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// Open loads a recording. A damaged or truncated line, an unknown key, a
// line too long to be one of ours (over 6 times the default --max-message
// plus 1 MiB), or a file that is not a recording at all is reported in
// Problems with its line, and everything readable stays available; an
// error is returned only when the file cannot be read. HAR files exported
// by browsers are recognised and loaded too. A pipe or other file that
// cannot seek is read to its end into a temporary file first.
func Open(path string) (*Recording, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open recording: %w", err)
	}
	st, err := f.Stat()
	if err == nil && st.IsDir() {
		err = errors.New("is a directory")
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open recording %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		defer f.Close()
		return OpenReader(path, f)
	}
	return open(path, f, st)
}

// OpenReader loads a recording read once from start to end, such as
// standard input: it is copied to a temporary file, removed on Close, so
// that events can be read in any order. name is the recording's Path.
func OpenReader(name string, src io.Reader) (*Recording, error) {
	tmp, err := os.CreateTemp("", "wsdbg-recording-*.jsonl")
	if err != nil {
		return nil, fmt.Errorf("read recording: %w", err)
	}
	discard := func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}
	if _, err := io.Copy(tmp, src); err != nil {
		discard()
		return nil, fmt.Errorf("read recording: %w", err)
	}
	st, err := tmp.Stat()
	if err != nil {
		discard()
		return nil, fmt.Errorf("read recording: %w", err)
	}
	r, err := open(name, tmp, st)
	if err != nil || r.file == nil {
		os.Remove(tmp.Name()) // nothing more to read from it
		return r, err
	}
	r.spool = tmp.Name()
	return r, nil
}

// open loads the recording in f, a regular file, which it takes over.
func open(path string, f *os.File, st os.FileInfo) (*Recording, error) {
	// One byte more than the file holds tells a small file's end at once.
	buf := make([]byte, min(indexChunk, st.Size()+1))
	n, err := f.ReadAt(buf, 0)
	if err != nil && err != io.EOF {
		f.Close()
		return nil, fmt.Errorf("read recording: %w", err)
	}
	if looksLikeHAR(buf[:n]) {
		defer f.Close()
		return openHAR(path, f)
	}
	r := &Recording{path: path, file: f, stop: make(chan struct{}), done: make(chan struct{}),
		reported: map[int]bool{}, unknownKeys: map[string]bool{},
		blocks: sync.Pool{New: func() any { return new([]byte) }}}
	if n == 0 {
		r.addProblem(0, "the file is empty: not a wsdbg recording")
		close(r.done)
		return r, nil
	}

	x := &indexer{lineNo: 1}
	firstLine, _, complete := bytes.Cut(buf[:n], []byte{'\n'})
	switch r.readHeader(firstLine, complete || n < len(buf)) {
	case headerLine:
		x.skipFirst = true
	case recordLine:
	case foreignLine:
		x.skipFirst = true
		r.addProblem(1, `not a wsdbg recording: the first line should be a {"wsdbg_recording":1,...} header or an event`)
	}

	r.scan(x, buf[:n])
	if n < len(buf) {
		r.finish(x)
		r.settleForeign()
		close(r.done)
		return r, nil
	}
	if r.header.Version == 0 && len(r.offsets) == 0 && r.hasProblemOnLine(1) {
		r.settleForeign() // a megabyte without one event: not a recording
		close(r.done)
		return r, nil
	}
	go r.indexRest(x, buf)
	return r, nil
}

type firstLineKind int

const (
	headerLine firstLineKind = iota
	recordLine
	foreignLine
)

func (r *Recording) readHeader(line []byte, complete bool) firstLineKind {
	if !complete {
		return foreignLine
	}
	var probe struct {
		Version int    `json:"wsdbg_recording"`
		Type    string `json:"type"`
	}
	if json.Unmarshal(line, &probe) != nil {
		return foreignLine
	}
	switch {
	case probe.Version > 0:
		if err := json.Unmarshal(line, &r.header); err != nil {
			r.addProblem(1, "damaged header: "+decode.DescribeJSONError(err))
		}
		if probe.Version > formatVersion {
			r.addProblem(1, fmt.Sprintf("recording format %d is newer than this wsdbg reads (%d); reading what it can",
				probe.Version, formatVersion))
		}
		return headerLine
	case probe.Type != "":
		return recordLine
	}
	return foreignLine
}

// settleForeign leaves a single, clear problem when the file turned out to
// hold no events at all after a first line that was not ours.
func (r *Recording) settleForeign() {
	if r.header.Version != 0 || len(r.offsets) > 0 || !r.hasProblemOnLine(1) {
		return
	}
	r.problemMu.Lock()
	r.problems = []Problem{{line: 1, msg: "not a wsdbg recording: no line in it is a wsdbg event"}}
	r.moreProblems = 0
	r.problemMu.Unlock()
}

func looksLikeHAR(data []byte) bool {
	rest, ok := bytes.CutPrefix(bytes.TrimLeft(data, " \t\r\n\ufeff"), []byte{'{'})
	return ok && bytes.HasPrefix(bytes.TrimLeft(rest, " \t\r\n"), []byte(`"log"`))
}

// Path is the file the recording was loaded from.
func (r *Recording) Path() string { return r.path }

// Header is the recording's first line. Files without one (NDJSON exports,
// `tail --json` output) give a zero Header; HAR files give one built from
// their first WebSocket entry.
func (r *Recording) Header() Header { return r.header }

// Len is the number of events indexed so far.
func (r *Recording) Len() int {
	if r.file == nil {
		return len(r.records)
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.offsets)
}

// Done is closed when the whole file is indexed.
func (r *Recording) Done() <-chan struct{} { return r.done }

// Wait blocks until the whole file is indexed.
func (r *Recording) Wait() { <-r.done }

// line is the file line event i was read from (0 for HAR imports).
func (r *Recording) line(i int) int {
	if r.file == nil {
		return 0
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.lineOf(i)
}

// Record decodes event i as a record.
func (r *Recording) Record(i int) (Record, error) {
	if r.file == nil {
		if i < 0 || i >= len(r.records) {
			return Record{}, fmt.Errorf("no event %d (the recording has %d)", i, len(r.records))
		}
		return r.records[i], nil
	}
	r.mu.RLock()
	if i < 0 || i >= len(r.offsets) {
		n := len(r.offsets)
		r.mu.RUnlock()
		return Record{}, fmt.Errorf("no event %d (%d indexed)", i, n)
	}
	start, end := r.offsets[i], r.scanned
	if i+1 < len(r.offsets) {
		end = r.offsets[i+1]
	}
	line := r.lineOf(i)
	r.mu.RUnlock()

	data, err := r.readLine(start, end)
	if err != nil {
		return Record{}, Problem{line: line, msg: err.Error()}
	}
	return r.decodeLine(line, data)
}

// Event decodes event i.
func (r *Recording) Event(i int) (conn.Event, error) {
	rec, err := r.Record(i)
	if err != nil {
		return conn.Event{}, err
	}
	ev, err := rec.event()
	if err != nil {
		line := r.line(i)
		r.reportLine(line, err.Error())
		return conn.Event{}, Problem{line: line, msg: err.Error()}
	}
	return ev, nil
}

// readLine reads the line starting at start; end bounds it (the next
// event's start, which may lie past skipped lines). It reads in growing
// chunks, so that skipped lines after a long event are not read with it,
// and never more than maxLineBytes.
func (r *Recording) readLine(start, end int64) ([]byte, error) {
	var line []byte
	off, size := start, int64(linePeek)
	end = min(end, start+maxLineBytes+1)
	for off < end {
		chunk := make([]byte, min(end-off, size))
		n, err := r.file.ReadAt(chunk, off)
		if err != nil && err != io.EOF {
			return nil, err
		}
		if nl := bytes.IndexByte(chunk[:n], '\n'); nl >= 0 {
			return append(line, chunk[:nl]...), nil
		}
		line = append(line, chunk[:n]...)
		if len(line) > maxLineBytes {
			return nil, fmt.Errorf("the line is longer than the %s a recording line may have", decode.HumanSize(maxLineBytes))
		}
		if n < len(chunk) {
			break
		}
		off += int64(n)
		size *= 2
	}
	return line, nil
}

// decodeLine decodes one line, noting keys this version does not know
// (a newer wsdbg wrote them) once per key.
func (r *Recording) decodeLine(line int, data []byte) (Record, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	rec, err := decodeRecord(dec)
	if err != nil {
		if key, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			r.noteUnknownKey(line, key)
			rec = Record{}
			err = json.Unmarshal(data, &rec)
		}
	}
	if err != nil {
		msg := decode.DescribeJSONError(err)
		r.reportLine(line, msg)
		return Record{}, Problem{line: line, msg: msg}
	}
	return rec, nil
}

func (r *Recording) noteUnknownKey(line int, key string) {
	if firstTime(&r.problemMu, r.unknownKeys, key) {
		r.addProblem(line, "unknown key "+decode.Sanitize(key)+" (written by a newer wsdbg?); ignored")
	}
}

// reportLine lists a decoding problem once per line.
func (r *Recording) reportLine(line int, msg string) {
	if firstTime(&r.problemMu, r.reported, line) {
		r.addProblem(line, msg)
	}
}

// firstTime marks key as seen and reports whether it was not before.
func firstTime[K comparable](mu *sync.Mutex, seen map[K]bool, key K) bool {
	mu.Lock()
	defer mu.Unlock()
	if seen[key] {
		return false
	}
	seen[key] = true
	return true
}

func (r *Recording) addProblem(line int, msg string) {
	r.problemMu.Lock()
	defer r.problemMu.Unlock()
	if len(r.problems) < maxProblems {
		r.problems = append(r.problems, Problem{line: line, msg: msg})
	} else {
		r.moreProblems++
	}
}

func (r *Recording) hasProblemOnLine(line int) bool {
	r.problemMu.Lock()
	defer r.problemMu.Unlock()
	for _, p := range r.problems {
		if p.line == line {
			return true
		}
	}
	return false
}

// Problems lists what is wrong with the file, by line: what indexing found
// so far, and what decoding the events asked for so far found.
func (r *Recording) Problems() []Problem {
	r.problemMu.Lock()
	defer r.problemMu.Unlock()
	out := append([]Problem(nil), r.problems...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].line < out[j].line })
	if r.moreProblems > 0 {
		out = append(out, Problem{msg: fmt.Sprintf("%d more problems not listed", r.moreProblems)})
	}
	return out
}

// Close stops indexing and closes the file.
func (r *Recording) Close() error {
	if r.file == nil {
		return nil
	}
	var err error
	r.closeOnce.Do(func() {
		close(r.stop)
		<-r.done
		err = r.file.Close()
		if r.spool != "" {
			os.Remove(r.spool)
		}
	})
	return err
}
