package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/export"
)

// tailSession is what a headless session (tail, replay --to --tail)
// knows of the session it prints.
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
	interrupts  int   // quit signals received

	open       bool // a connection is open
	closeSent  bool // we asked to close
	closeOut   bool // our close frame went out
	endedClean bool
	failed     bool
}

// newTailSession prints to stdout, redacted by red, and records to rec
// (nil when not recording).
func newTailSession(rec *history.Writer, red history.Redactor, asJSON bool, stdout io.Writer) *tailSession {
	return &tailSession{rec: rec, red: red, asJSON: asJSON, out: bufio.NewWriterSize(stdout, 64<<10)}
}

// headless is what a headless session sends and how it ends: tail sends
// stdin's lines, replay --to --tail a recording's messages.
type headless struct {
	snd       sender
	sent      func(err error)     // snd has returned, with its error
	closeCode func(os.Signal) int // the close code of the first quit signal
	observe   func(conn.Event)    // when not nil, sees each event once it is shown
}

// runHeadless connects with opts, feeds the connection with h.snd and
// prints and records its events through t until it ends. The first quit
// signal closes it (h.closeCode) and waits at most closeAnswerWait for the
// answer; a second one quits at once. A failed write to stdout closes the
// connection the same way and ends with a message on stderr and status 1,
// or, when the reader went away, quietly with exitBrokenPipe. It returns
// the exit status.
func runHeadless(opts conn.Options, t *tailSession, h headless, stderr io.Writer) int {
	// What a headless session keeps live is a few megabytes, below the
	// collector's minimum goal, so at firehose rates it would collect
	// dozens of times a second. Twice the headroom costs about 4 MB and
	// saves about an eighth of the CPU time per message.
	if os.Getenv("GOGC") == "" {
		defer debug.SetGCPercent(debug.SetGCPercent(200))
	}
	quit := watchQuit()
	defer quit.stop()
	// Handling SIGPIPE makes a write to a closed pipe return EPIPE instead
	// of killing the process, so the session is closed and recorded.
	brokenPipe := make(chan os.Signal, 1)
	signal.Notify(brokenPipe, syscall.SIGPIPE)
	defer signal.Stop(brokenPipe)

	s := startLive(opts, t.rec, stderr)
	defer s.c.Shutdown()
	t.c = s.c
	defer t.flush()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sending := s.send(ctx, h.snd)

	var batch []conn.Event
	var giveUp <-chan time.Time // runs while an interrupted session closes
	watch := recordingWatch{rec: t.rec, stderr: stderr}
	recordingFailed := watch.failed()
	stopAndWait := func(code int) {
		t.close(code)
		if giveUp == nil {
			giveUp = time.After(closeAnswerWait)
		}
	}
	for {
		select {
		case <-recordingFailed:
			recordingFailed = nil
			watch.tell()
		case err := <-sending:
			sending = nil
			h.sent(err)
		case sig := <-quit:
			t.interrupts++
			if t.interrupts > 1 {
				return signalStatus(sig)
			}
			stopAndWait(h.closeCode(sig))
		case <-giveUp:
			t.abandon()
			return t.status()
		case <-s.c.EventsReady():
			var finished bool
			batch, finished = s.c.TakeEvents(batch)
			for i := range batch {
				t.show(&batch[i])
				if h.observe != nil {
					h.observe(batch[i])
				}
			}
			t.flush()
			if t.outErr != nil && !t.outReported {
				t.outReported = true
				if !errors.Is(t.outErr, syscall.EPIPE) {
					fmt.Fprintln(stderr, "wsdbg: writing the output:", decode.Sanitize(t.outErr.Error()))
				}
				if !finished {
					stopAndWait(1001)
				}
			}
			if finished {
				complete := watch.finish()
				if status := t.status(); status != exitOK || complete {
					return status
				}
				return exitFailure
			}
		}
	}
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
