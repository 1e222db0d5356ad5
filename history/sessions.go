package history

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/wsdbg/wsdbg/conn"
)

// SessionInfo summarises one recording for a list of past sessions.
type SessionInfo struct {
	Path     string
	Start    time.Time
	URL      string
	Duration time.Duration // from the start to the last event
	In, Out  int           // messages received and sent
	Problem  string        // why the file could not be summarised, "" when it could

	closeCode int    // the close that ended the session, 0 if none did
	closeName string // its name
	errorKind string // the failure that ended the session, "" if none did
}

// Ending says how the session ended: "1000 Normal Closure", "error: dns",
// or "unfinished" when the recording stops without a close or an error
// (still running, or the program was killed).
func (s SessionInfo) Ending() string {
	switch {
	case s.errorKind != "":
		return "error: " + s.errorKind
	case s.closeCode != 0:
		return strings.TrimSpace(fmt.Sprintf("%d %s", s.closeCode, s.closeName))
	}
	return "unfinished"
}

// List summarises the recordings (*.wsdbg.jsonl) in dir, newest first. It
// reads each file once without decoding message lines: the writer's fixed
// key order lets it count messages from each line's first bytes. A missing
// dir is an empty list.
func List(dir string) ([]SessionInfo, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list recordings: %w", err)
	}
	var out []SessionInfo
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), FileSuffix) || !isRegular(dir, e) {
			continue
		}
		out = append(out, summarise(filepath.Join(dir, e.Name())))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.After(out[j].Start) })
	return out, nil
}

var (
	messagePrefix = []byte(`{"type":"message",`)
	dirIn         = []byte(`,"dir":"in"`)
	openPrefix    = []byte(`{"type":"open",`)
	closePrefix   = []byte(`{"type":"close",`)
	errorPrefix   = []byte(`{"type":"error",`)
	timeKey       = []byte(`"time":"`)
)

// summarise scans one recording. Lines this package did not write (other
// key orders) are decoded instead, which is slower but gives the same
// answer.
func summarise(path string) SessionInfo {
	info := SessionInfo{Path: path}
	// Without O_NONBLOCK, opening a FIFO waits for a writer that may never
	// come; the file may have been replaced by one since it was listed.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		info.Problem = describeOpenError(err)
		return info
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		info.Problem = "not a regular file"
		return info
	}
	br := bufio.NewReaderSize(f, 1<<20)
	first, err := readHeaderLine(br)
	switch {
	case errors.Is(err, errHeaderTooLong):
		info.Problem = "not a wsdbg recording"
		return info
	case err != nil && len(first) == 0:
		info.Problem = "empty file"
		return info
	}
	var hdr Header
	if json.Unmarshal(first, &hdr) != nil || hdr.Version == 0 {
		info.Problem = "not a wsdbg recording"
		return info
	}
	info.Start, info.URL = hdr.Start, hdr.URL

	var last, ending []byte
	continuation := false // the rest of a line longer than the buffer
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 && !continuation {
			head := line[:min(len(line), 256)]
			t, isEvent := countLine(head, &info)
			switch t {
			case conn.EventClose, conn.EventError:
				ending = append(ending[:0], line...)
				if err == bufio.ErrBufferFull {
					ending = nil // cut short: not one of ours
				}
			case conn.EventOpen:
				ending = nil
			}
			if isEvent {
				last = append(last[:0], head...)
			}
		}
		continuation = err == bufio.ErrBufferFull
		if err != nil && !continuation {
			break
		}
	}
	if t := lineTime(last); !t.IsZero() && !info.Start.IsZero() {
		info.Duration = t.Sub(info.Start)
	}
	var end Record
	if len(ending) > 0 && json.Unmarshal(ending, &end) == nil {
		switch {
		case end.Type == conn.EventClose:
			info.closeCode, info.closeName = end.Code, end.Name
		case end.Type == conn.EventError && end.Failure != nil:
			info.errorKind = end.Failure.Kind
		}
	}
	return info
}

// isRegular reports whether the directory entry is a regular file, or a
// symbolic link to one.
func isRegular(dir string, e fs.DirEntry) bool {
	if e.Type().IsRegular() {
		return true
	}
	if e.Type()&fs.ModeSymlink == 0 {
		return false
	}
	st, err := os.Stat(filepath.Join(dir, e.Name()))
	return err == nil && st.Mode().IsRegular()
}

// describeOpenError is why a file could not be opened, without its path.
func describeOpenError(err error) string {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		return pathErr.Err.Error()
	}
	return err.Error()
}

// countLine counts a message line and returns the line's type and whether
// it is an event at all (of a type this version may not know); head is the
// start of the line.
func countLine(head []byte, info *SessionInfo) (conn.EventType, bool) {
	switch {
	case bytes.HasPrefix(head, messagePrefix):
		if bytes.Contains(head, dirIn) {
			info.In++
		} else {
			info.Out++
		}
		return conn.EventMessage, true
	case bytes.HasPrefix(head, openPrefix):
		return conn.EventOpen, true
	case bytes.HasPrefix(head, closePrefix):
		return conn.EventClose, true
	case bytes.HasPrefix(head, errorPrefix):
		return conn.EventError, true
	case !bytes.HasPrefix(bytes.TrimSpace(head), []byte{'{'}):
		return 0, false
	}
	var probe struct {
		Type string `json:"type"`
		Dir  string `json:"dir"`
		Leg  string `json:"leg"`
	}
	if json.Unmarshal(head, &probe) != nil || probe.Type == "" {
		return 0, false
	}
	var t conn.EventType
	if t.UnmarshalText([]byte(probe.Type)) != nil {
		return 0, true
	}
	if t == conn.EventMessage {
		var dir conn.Direction
		var leg conn.Leg
		dir.UnmarshalText([]byte(probe.Dir))
		leg.UnmarshalText([]byte(probe.Leg))
		if (Record{Dir: dir, Leg: leg}).FromServer() {
			info.In++
		} else {
			info.Out++
		}
	}
	return t, true
}

func lineTime(head []byte) time.Time {
	_, rest, ok := bytes.Cut(head, timeKey)
	if !ok {
		return time.Time{}
	}
	value, _, ok := bytes.Cut(rest, []byte{'"'})
	if !ok {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339Nano, string(value))
	return t
}

// errHeaderTooLong: a first line longer than Open reads of one is no
// recording header.
var errHeaderTooLong = errors.New("the first line is too long for a recording header")

// readHeaderLine reads the first line, up to indexChunk bytes.
func readHeaderLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > indexChunk {
			return nil, errHeaderTooLong
		}
		line = append(line, chunk...)
		if err != bufio.ErrBufferFull {
			if err == io.EOF && len(line) > 0 {
				err = nil
			}
			return bytes.TrimSpace(line), err
		}
	}
}

// activeWindow protects recordings that another wsdbg may still be writing
// from Prune.
const activeWindow = time.Minute

// Prune deletes recordings in dir older than maxAge, then the oldest ones
// until the rest take at most maxTotalBytes. Zero disables either limit.
// Recordings modified within the last minute are kept: another wsdbg may be
// writing them. Only *.wsdbg.jsonl files are touched.
func Prune(dir string, maxAge time.Duration, maxTotalBytes int64) (removed []string, err error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("prune recordings: %w", err)
	}
	type file struct {
		path string
		mod  time.Time
		size int64
	}
	var files []file
	var total int64
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), FileSuffix) {
			continue
		}
		st, err := e.Info()
		if err != nil {
			continue
		}
		files = append(files, file{filepath.Join(dir, e.Name()), st.ModTime(), st.Size()})
		total += st.Size()
	}
	sort.Slice(files, func(i, j int) bool { return files[i].mod.Before(files[j].mod) })
	now := time.Now()
	var errs []error
	for _, f := range files {
		if now.Sub(f.mod) < activeWindow {
			break // sorted by age: the rest are newer still
		}
		tooOld := maxAge > 0 && now.Sub(f.mod) > maxAge
		tooBig := maxTotalBytes > 0 && total > maxTotalBytes
		if !tooOld && !tooBig {
			continue
		}
		if err := os.Remove(f.path); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, f.path)
		total -= f.size
	}
	return removed, errors.Join(errs...)
}
