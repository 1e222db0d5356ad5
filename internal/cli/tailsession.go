package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"syscall"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/export"
)

// tailSession is what tailLive knows of the session it prints.
type tailSession struct {
	c      *conn.Client
	rec    *history.Writer
	red    history.Redactor // stdout is redacted like the recording
	asJSON bool
	out    *bufio.Writer
	line   []byte

	outErr      error // the first failed write to stdout: nothing is printed after it
	outReported bool  // outErr has been dealt with
	stdinErr    error // stdin could not be read to its end

	open       bool // a connection is open
	closeSent  bool // we asked to close
	closeOut   bool // our close frame went out
	endedClean bool
	failed     bool
}

func (t *tailSession) close(code int) {
	t.closeSent = true
	t.c.Close(code, "")
}

// stdinEnded closes the connection once what stdin gave has gone out,
// unless keepOpen; a stdin that could not be read is said on stderr and
// fails the session.
func (t *tailSession) stdinEnded(err error, keepOpen bool, stderr io.Writer) {
	if err != nil {
		t.stdinErr = err
		fmt.Fprintln(stderr, "wsdbg: reading stdin:", decode.Sanitize(err.Error()))
	}
	if !keepOpen || err != nil {
		t.closeSent = true
		t.c.CloseWhenSent(1000, "")
	}
}

// show prints and records one event.
func (t *tailSession) show(ev *conn.Event) {
	switch ev.Type {
	case conn.EventOpen:
		t.open, t.failed, t.endedClean = true, false, false
	case conn.EventClose:
		// A normal closure, or the server's plain answer to our own close,
		// is a clean ending; a server that answers with an error code did
		// not end cleanly.
		t.endedClean = ev.Code == 1000 ||
			(t.closeSent && ev.Dir == conn.In && (ev.Code == 1001 || ev.Code == 1005))
		t.failed = false
		if ev.Dir == conn.Out {
			t.closeOut = true
		} else {
			t.open = false
		}
	case conn.EventError:
		t.open, t.failed = false, true
	}
	t.print(t.red.Record(history.FromEventSharing(ev)))
}

// print writes r, redacted with t.red, to stdout, unless stdout has
// failed, and to the recording, which redacts with the same rules.
func (t *tailSession) print(r history.Record) {
	if t.asJSON {
		t.line = append(r.AppendJSON(t.line[:0]), '\n')
		t.write(t.line)
		if t.rec != nil {
			t.rec.AppendRedacted(r, t.line, t.red)
		}
		return
	}
	if t.rec != nil {
		t.rec.AppendRedacted(r, nil, t.red)
	}
	if t.outErr == nil {
		t.line = append(export.AppendLine(t.line[:0], r, export.LineOptions{}), '\n')
		t.write(t.line)
	}
}

func (t *tailSession) write(b []byte) {
	if t.outErr == nil {
		_, t.outErr = t.out.Write(b)
	}
}

func (t *tailSession) flush() {
	if t.outErr == nil {
		t.outErr = t.out.Flush()
	}
}

// abandon ends a session whose close was not answered in time: the
// connection is dropped without a closing handshake, and the output and
// the recording say so, so that the recording is not left unfinished.
func (t *tailSession) abandon() {
	t.failed, t.endedClean = true, false
	t.print(t.red.Record(abandonRecord(t.open, t.closeOut)))
	t.flush()
}

// status is the exit status once the session is over.
func (t *tailSession) status() int {
	switch {
	case t.outErr != nil && errors.Is(t.outErr, syscall.EPIPE):
		return exitBrokenPipe
	case t.outErr != nil, t.stdinErr != nil, t.failed, !t.endedClean:
		return exitFailure
	}
	return exitOK
}
