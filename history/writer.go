package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

// formatVersion is the recording format this package writes
// (the header's "wsdbg_recording").
const formatVersion = 1

// FileSuffix ends the name of every recording.
const FileSuffix = ".wsdbg.jsonl"

// Header is the first line of a recording. It holds what is known before
// connecting; the negotiated side (response headers, subprotocol,
// extensions) lives in each open record, because a reconnect may negotiate
// differently. The response fields are written only when the caller already
// knows them, e.g. when converting an existing session.
type Header struct {
	Version         int         `json:"wsdbg_recording"`
	ToolVersion     string      `json:"tool_version"`
	URL             string      `json:"url"`
	RequestHeaders  http.Header `json:"request_headers,omitempty"`
	ResponseHeaders http.Header `json:"response_headers,omitempty"`
	Subprotocol     string      `json:"subprotocol,omitempty"`
	Extensions      []string    `json:"extensions,omitempty"`
	Start           time.Time   `json:"start"`
}

// Defaults for WriterOptions fields left zero.
const (
	defaultFlushInterval = 100 * time.Millisecond
	defaultFlushBytes    = 64 << 10
)

// WriterOptions configure a Writer.
type WriterOptions struct {
	Redactor      Redactor
	flushInterval time.Duration // longest time an event waits in memory; 0 means 100 ms
	flushBytes    int           // buffer size that forces a write; 0 means 64 KiB
}

// errClosed is what appends return after Close.
var errClosed = errors.New("recording is closed")

// Writer appends events to a recording file. Writes are buffered and
// flushed at least every 100 ms or 64 KiB, always as whole lines,
// so a crash or kill -9 loses at most the last moment and never damages
// what was written before. All methods are safe for concurrent use.
//
// When a write fails (a full disk, a file size limit), recording stops at
// once: the file is cut back to its last whole line, Failed is closed, Err
// says why, and every later Append returns that error. The session itself
// can go on; the recording is incomplete and Summary says so.
type Writer struct {
	path       string
	flushBytes int
	redactor   Redactor

	mu      sync.Mutex
	f       *os.File
	buf     []byte
	err     error // why appends are refused: the write failure, or errClosed
	failure error // the write failure that stopped the recording
	failed  chan struct{}
	written int64 // bytes of whole lines in the file
	pending int   // events in buf
	saved   int   // events in the file
	closing bool
	stop    chan struct{}
	done    chan struct{}
	// buffered holds a notification when the buffer gains its first
	// event: the flush loop sleeps until then, so an idle recording costs
	// no wake-ups.
	buffered chan struct{}
}

// Create starts a recording at path: the file is created with mode 0600
// (missing directories 0700) and must not exist yet. The header line is
// written at once, with hdr.Version set and hdr.Start defaulting to now.
func Create(path string, hdr Header, opts WriterOptions) (*Writer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create recording directory: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("create recording: %w", err)
	}
	hdr.Version = formatVersion
	if hdr.Start.IsZero() {
		hdr.Start = time.Now()
	}
	hdr = opts.Redactor.recordingHeader(hdr)
	line, err := json.Marshal(hdr)
	if err == nil {
		_, err = f.Write(append(line, '\n'))
	}
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("write recording header: %w", err)
	}
	line = append(line, '\n')
	interval := opts.flushInterval
	if interval <= 0 {
		interval = defaultFlushInterval
	}
	w := &Writer{
		path:       path,
		flushBytes: opts.flushBytes,
		redactor:   opts.Redactor,
		f:          f,
		written:    int64(len(line)),
		failed:     make(chan struct{}),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		buffered:   make(chan struct{}, 1),
	}
	if w.flushBytes <= 0 {
		w.flushBytes = defaultFlushBytes
	}
	w.buf = make([]byte, 0, w.flushBytes+w.flushBytes/4)
	go w.flushLoop(interval)
	return w, nil
}

// Path is the file being written.
func (w *Writer) Path() string { return w.path }

// Failed is closed when a write fails and the recording stops.
func (w *Writer) Failed() <-chan struct{} { return w.failed }

// Err is the failure that stopped the recording, such as a full disk, or
// nil while everything appended has been (or is being) written. Its text
// is safe to print.
func (w *Writer) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failure
}

// Saved is how many events reached the file.
func (w *Writer) Saved() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.saved
}

// Summary says in one line, safe to print, where the session was recorded,
// or that the recording is incomplete and why.
func (w *Writer) Summary() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	path := decode.Sanitize(w.path)
	if w.failure == nil {
		return "session recorded to " + path
	}
	return fmt.Sprintf("the recording %s is incomplete: only the first %d events were saved (%v)",
		path, w.saved, errors.Unwrap(w.failure))
}

// Append records one event, with its annotation, redacted.
func (w *Writer) Append(ev conn.Event) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.appendLocked(FromEvent(ev))
}

// AppendRecord records a record someone already made from an event, e.g.
// `tail --json` printing and recording the same thing.
func (w *Writer) AppendRecord(rec Record) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.appendLocked(rec)
}

// AppendRedacted records rec, which red has redacted already, as tail
// does with the record it has just printed; line, when not empty, is rec's
// JSON line as rec.AppendJSON wrote it. When red redacts as the writer's
// own Redactor does, rec is not redacted again and line is copied rather
// than encoded again; otherwise rec is recorded as AppendRecord does.
func (w *Writer) AppendRedacted(rec Record, line []byte, red Redactor) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.redactor.same(red) {
		return w.appendLocked(rec)
	}
	if w.err != nil {
		return w.err
	}
	if len(line) == 0 {
		w.buf = rec.AppendJSON(w.buf)
	} else {
		w.buf = append(w.buf, bytes.TrimSuffix(line, []byte("\n"))...)
	}
	w.buf = append(w.buf, '\n')
	w.gainedLocked()
	if len(w.buf) >= w.flushBytes {
		return w.flushLocked()
	}
	return nil
}

// redactionMayChange reports whether Redactor.Record can alter rec: a
// handshake, a failure, a text message with a key named like a credential
// or a STOMP passcode, or a binary message that may be an MQTT CONNECT.
func redactionMayChange(rec Record) bool {
	switch rec.Type {
	case conn.EventOpen, conn.EventError, conn.EventWarning:
		return true
	case conn.EventMessage:
		return rec.Text != "" && (mayHoldSecretKey(rec.Text) || mayHoldSTOMPPasscode(rec.Text)) ||
			mayHoldBinarySecret(rec.Base64)
	}
	return false
}

func (w *Writer) appendLocked(rec Record) error {
	if w.err != nil {
		return w.err
	}
	w.buf = w.redactor.Record(rec).AppendJSON(w.buf)
	w.buf = append(w.buf, '\n')
	w.gainedLocked()
	if len(w.buf) >= w.flushBytes {
		return w.flushLocked()
	}
	return nil
}

// flushLocked writes the buffer in one call, so the file only ever gains
// whole lines (short of the process dying inside the write itself).
func (w *Writer) flushLocked() error {
	if len(w.buf) == 0 || w.err != nil {
		return w.err
	}
	if n, err := w.f.Write(w.buf); err != nil {
		w.failLocked(err, n > 0)
	} else {
		w.written += int64(n)
		w.saved += w.pending
	}
	w.pending = 0
	if cap(w.buf) > 4*w.flushBytes {
		w.buf = make([]byte, 0, w.flushBytes+w.flushBytes/4) // let a huge message's buffer go
	} else {
		w.buf = w.buf[:0]
	}
	return w.err
}

// failLocked stops the recording after a failed write. A write cut short
// left part of a line behind: the file is cut back to its last whole line.
func (w *Writer) failLocked(err error, partial bool) {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) {
		err = pathErr.Err // the path is in our own message, escaped
	}
	w.failure = fmt.Errorf("recording to %s stopped: %w", decode.Sanitize(w.path), err)
	if partial {
		if terr := w.f.Truncate(w.written); terr != nil {
			w.failure = fmt.Errorf("recording to %s stopped, its last line cut short: %w", decode.Sanitize(w.path), err)
		}
	}
	w.err = w.failure
	close(w.failed)
}

// gainedLocked counts an event put in the buffer and wakes the flush
// loop for the first.
func (w *Writer) gainedLocked() {
	w.pending++
	if w.pending == 1 {
		select {
		case w.buffered <- struct{}{}:
		default:
		}
	}
}

// flushLoop writes the buffer interval after it gained its first event,
// and sleeps while nothing is buffered.
func (w *Writer) flushLoop(interval time.Duration) {
	defer close(w.done)
	wait := time.NewTimer(interval)
	wait.Stop()
	for {
		select {
		case <-w.buffered:
		case <-w.stop:
			return
		}
		wait.Reset(interval)
		select {
		case <-wait.C:
			w.mu.Lock()
			w.flushLocked()
			w.mu.Unlock()
		case <-w.stop:
			return
		}
	}
}

// flush writes buffered events to the file now.
func (w *Writer) flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.flushLocked()
}

// Close flushes, syncs the file to disk and closes it. Appends after Close
// return an error.
func (w *Writer) Close() error {
	w.mu.Lock()
	if w.closing {
		w.mu.Unlock()
		return nil
	}
	w.closing = true
	close(w.stop)
	w.mu.Unlock()
	<-w.done

	w.mu.Lock()
	defer w.mu.Unlock()
	err := w.flushLocked()
	if serr := w.f.Sync(); err == nil && serr != nil {
		// The data may never have reached the disk.
		w.failLocked(serr, false)
		err = w.failure
	}
	if cerr := w.f.Close(); err == nil && cerr != nil {
		w.failLocked(cerr, false)
		err = w.failure
	}
	if w.err == nil {
		w.err = errClosed
	}
	return err
}

// DefaultDir is where recordings go unless the user says otherwise:
// wsdbg/sessions under the user's state directory ($XDG_STATE_HOME or
// ~/.local/state on Linux and BSDs, ~/Library/Application Support on macOS,
// %LocalAppData% on Windows).
func DefaultDir() (string, error) {
	base, err := stateDir()
	if err != nil {
		return "", fmt.Errorf("no place for recordings: %w", err)
	}
	return filepath.Join(base, "wsdbg", "sessions"), nil
}

func stateDir() (string, error) {
	switch runtime.GOOS {
	case "windows":
		if dir := os.Getenv("LocalAppData"); dir != "" {
			return dir, nil
		}
		return "", errors.New("%LocalAppData% is not set")
	case "darwin", "ios":
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Application Support"), nil
	}
	if dir := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(dir) {
		return dir, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".local", "state"), nil
}

// DefaultPath names a new recording of a connection to rawURL started at
// now, e.g. ~/.local/state/wsdbg/sessions/2026-11-22T02-10-00_api.example.com.wsdbg.jsonl.
// When that name is taken, a counter is added (…_2.wsdbg.jsonl).
func DefaultPath(now time.Time, rawURL string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("name a recording for %q: %w", rawURL, err)
	}
	if u.Hostname() == "" {
		return "", fmt.Errorf("name a recording for %q: the URL has no host", rawURL)
	}
	dir, err := DefaultDir()
	if err != nil {
		return "", err
	}
	name := now.Format("2006-01-02T15-04-05") + "_" + fileSafe(u.Hostname())
	if port := u.Port(); port != "" {
		name += "-" + port
	}
	path := filepath.Join(dir, name+FileSuffix)
	for n := 2; fileExists(path); n++ {
		path = filepath.Join(dir, fmt.Sprintf("%s_%d%s", name, n, FileSuffix))
	}
	return path, nil
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// fileSafe keeps letters, digits, dots and dashes, so that a host (even an
// IPv6 literal) makes a portable file name.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, s)
}
