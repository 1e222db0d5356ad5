package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/replay"
	"github.com/wsdbg/wsdbg/tui"
)

// How a live session ends when it is interrupted or its output fails.
const (
	// closeAnswerWait bounds the wait for the server to answer the close
	// frame sent on an interrupt: long enough for a healthy server, short
	// enough that ctrl+c still feels immediate.
	closeAnswerWait = time.Second
	// exitBrokenPipe is the status of a tail whose reader went away (as in
	// "| head -1"): the one the shell reports for a program killed by
	// SIGPIPE, 128+13, without a message.
	exitBrokenPipe = 128 + 13
)

// quitSignals end a session: SIGINT (ctrl+c), SIGTERM (kill, service
// managers) and SIGHUP (the terminal went away).
var quitSignals = []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP}

// closeCodeFor is the close code sent when sig ends a session: ctrl+c is
// the user ending it, a normal closure (1000); SIGTERM and SIGHUP mean the
// client itself is going away (1001).
func closeCodeFor(sig os.Signal) int {
	if sig == os.Interrupt {
		return 1000
	}
	return 1001
}

// signalStatus is the exit status of a program killed by sig, as the
// shell reports it: 128 + the signal's number.
func signalStatus(sig os.Signal) int {
	if n, ok := sig.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return exitFailure
}

// quitWatch receives the quit signals of a headless session: the first
// asks it to close, a second to exit at once.
type quitWatch chan os.Signal

func watchQuit() quitWatch {
	q := make(quitWatch, 2)
	signal.Notify(q, quitSignals...)
	return q
}

func (q quitWatch) stop() { signal.Stop(q) }

// liveSession is one live connection and its recording, shared by tail,
// the debugger and replay --to.
type liveSession struct {
	c      *conn.Client
	rec    *history.Writer // nil when not recording
	stderr io.Writer
}

// startLive dials opts; every event the session's reader takes is for rec.
func startLive(opts conn.Options, rec *history.Writer, stderr io.Writer) *liveSession {
	return &liveSession{c: conn.Dial(context.Background(), opts), rec: rec, stderr: stderr}
}

// send runs snd on the connection and delivers its result when it ends.
func (s *liveSession) send(ctx context.Context, snd sender) <-chan error {
	done := make(chan error, 1)
	go func() { done <- snd(ctx, s.c) }()
	return done
}

// finishRecording closes the recording and says where it is and how
// complete.
func (s *liveSession) finishRecording() {
	if s.rec != nil {
		s.rec.Close()
		fmt.Fprintln(s.stderr, "wsdbg:", s.rec.Summary())
	}
}

// A sender feeds a live connection: stdin's lines for tail, a recording's
// outgoing messages for replay --to. It returns when it has nothing more
// to send; an error says something could not be sent.
type sender func(ctx context.Context, c *conn.Client) error

// lineSender sends each line read from r as a message written in form, at
// the pace the server reads (SendWait).
func lineSender(r io.Reader, maxMessage int64, form lineForm) sender {
	op := conn.OpText
	if form != formText {
		op = conn.OpBinary
	}
	return func(ctx context.Context, c *conn.Client) error {
		return sendLines(r, maxMessage, form, func(msg []byte) error { return c.SendWait(ctx, op, msg) })
	}
}

// sendLines sends each line read from stdin as a message until stdin ends
// (nil), cannot be read, or holds a line that is not in form; it stops
// quietly when send fails, which means the connection is finished.
func sendLines(stdin io.Reader, maxMessage int64, form lineForm, send func([]byte) error) error {
	if maxMessage <= 0 {
		maxMessage = conn.DefaultMaxMessage
	}
	sc := bufio.NewScanner(stdin)
	// A hex or base64 line is longer than the message it holds.
	sc.Buffer(make([]byte, min(64<<10, maxMessage)), int(maxMessage)*2+2)
	for n := 1; sc.Scan(); n++ {
		msg, err := form.decode(sc.Bytes())
		if err != nil {
			return fmt.Errorf("line %d is not %s: %v; it was not sent", n, form, err)
		}
		if int64(len(msg)) > maxMessage {
			return fmt.Errorf("line %d is longer than --max-message (%d bytes); it was not sent", n, maxMessage)
		}
		if send(msg) != nil {
			return nil
		}
	}
	if errors.Is(sc.Err(), bufio.ErrTooLong) {
		return fmt.Errorf("a line is longer than --max-message (%d bytes); it was not sent", maxMessage)
	}
	return sc.Err()
}

// planGate follows a connection's events for a planSender: opened is
// closed once the connection has opened, ended once it has closed or
// failed.
type planGate struct {
	opened, ended     chan struct{}
	openOnce, endOnce sync.Once
}

func newPlanGate() *planGate {
	return &planGate{opened: make(chan struct{}), ended: make(chan struct{})}
}

// observe takes each event of the connection.
func (g *planGate) observe(ev conn.Event) {
	switch ev.Type {
	case conn.EventOpen:
		g.openOnce.Do(func() { close(g.opened) })
	case conn.EventClose, conn.EventError:
		g.endOnce.Do(func() { close(g.ended) })
	}
}

// planSender sends a recording's outgoing messages once the connection has
// opened, with their recorded spacing. Sending stops when the connection
// ends: what a reconnect brings is the user's own session. It fails when
// the connection ended before every message went out, and not when ctx
// ends or the connection never opened, which its events tell.
func planSender(plan []replay.ResendStep, gate *planGate) sender {
	return func(ctx context.Context, c *conn.Client) error {
		select {
		case <-gate.opened:
		case <-gate.ended:
			return nil
		case <-ctx.Done():
			return nil
		}
		endedEarly := func(sent int) error {
			return fmt.Errorf("the connection ended after %d of %d messages were sent", sent, len(plan))
		}
		for i, s := range plan {
			gap := time.NewTimer(s.Wait)
			select {
			case <-gap.C:
			case <-gate.ended:
				gap.Stop()
				return endedEarly(i)
			case <-ctx.Done():
				gap.Stop()
				return nil
			}
			if err := c.SendWait(ctx, s.Op, s.Payload); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				if errors.Is(err, conn.ErrClosed) {
					return endedEarly(i)
				}
				return err
			}
		}
		return nil
	}
}

// recordingWatch tells the user on stderr when a session's recording
// fails; the session goes on without it.
type recordingWatch struct {
	rec    *history.Writer // nil when not recording
	stderr io.Writer
	told   bool
}

// failed is closed when the recording fails; without a recording it is
// nil, never ready.
func (w *recordingWatch) failed() <-chan struct{} {
	if w.rec == nil {
		return nil
	}
	return w.rec.Failed()
}

// tell says, once, that the recording stopped and why.
func (w *recordingWatch) tell() {
	if w.rec == nil || w.told {
		return
	}
	if err := w.rec.Err(); err != nil {
		w.told = true
		fmt.Fprintf(w.stderr, "wsdbg: %v; the session goes on unrecorded\n", err)
	}
}

// finish closes the recording and reports whether it is complete, saying
// so on stderr when it is not.
func (w *recordingWatch) finish() bool {
	if w.rec == nil {
		return true
	}
	w.rec.Close()
	if w.rec.Err() == nil {
		return true
	}
	fmt.Fprintln(w.stderr, "wsdbg:", w.rec.Summary())
	return false
}

// abandonRecord says how a session that wsdbg stopped waiting for ended:
// before its connection opened, or with a closing handshake cut short
// (the close frame sent or not), explained as any failure is.
func abandonRecord(open, closeOut bool) history.Record {
	f := &decode.Failure{Kind: decode.KindTimeout, Cause: decode.CauseStoppedOpening,
		Message: "wsdbg stopped before the connection opened"}
	if open {
		f.Cause, f.Code = decode.CauseCloseUnanswered, 1006
		f.Message = fmt.Sprintf("the close frame could not be sent within %s (the server is not reading); wsdbg dropped the connection", closeAnswerWait)
		if closeOut {
			f.Message = fmt.Sprintf("the server did not answer the close frame within %s; wsdbg dropped the connection", closeAnswerWait)
		}
	}
	ev := conn.Event{Type: conn.EventError, Time: time.Now(), Failure: f, Code: f.Code, Final: true}
	conn.NewAnnotator(conn.Options{}).Annotate(&ev)
	return history.FromEvent(ev)
}

// runDebugger runs the debugger on the session until the user quits, then
// calls stopped (if any) and closes the connection as finish does: with
// 1000, or 1001 when SIGTERM or SIGHUP ended the program. How the session
// ended goes to the recording when it did not end by itself.
func (s *liveSession) runDebugger(to tui.Options, stopped func()) error {
	// bubbletea turns SIGINT and SIGTERM into a quit by itself; SIGHUP,
	// the terminal going away, would kill the program without a close.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hangup, terminate := make(chan os.Signal, 1), make(chan os.Signal, 1)
	signal.Notify(hangup, syscall.SIGHUP)
	signal.Notify(terminate, syscall.SIGTERM)
	defer signal.Stop(hangup)
	defer signal.Stop(terminate)
	var hungUp atomic.Bool
	go func() {
		select {
		case <-hangup:
			hungUp.Store(true)
			cancel()
		case <-ctx.Done():
		}
	}()

	state := newSessionState()
	onEvent := to.OnEvent
	record := func(ev conn.Event) {
		state.observe(ev)
		if s.rec != nil {
			s.rec.Append(ev)
		}
		if onEvent != nil {
			onEvent(ev)
		}
	}
	to.Source, to.OnEvent = s.c, record
	if s.rec != nil {
		to.RecordPath = s.rec.Path()
	}
	p, err := tui.NewProgram(ctx, to)
	if err != nil {
		return err
	}
	if s.rec != nil {
		go func() {
			select {
			case <-s.rec.Failed():
				p.Send(tui.RecordingFailedMsg{Err: s.rec.Err(), Written: s.rec.Saved()})
			case <-ctx.Done():
			}
		}()
	}
	err = p.Run()
	cancel()
	if stopped != nil {
		stopped()
	}
	code := 1000
	select {
	case <-terminate:
		code = 1001
	default:
		if hungUp.Load() {
			code = 1001
		}
	}
	if note, ok := s.finish(state, code, record); ok && s.rec != nil {
		s.rec.AppendRecord(note)
	}
	if errors.Is(err, tea.ErrInterrupted) {
		return exitStatus(signalStatus(os.Interrupt))
	}
	return err
}

// sessionState follows a client's events to tell, when the program ends,
// whether a connection is still open and whether any has ended.
type sessionState struct {
	mu       sync.Mutex
	open     bool
	closeOut bool // our close frame went out on the open connection
	settled  bool // a connection has closed or failed
	ended    chan struct{}
}

func newSessionState() *sessionState { return &sessionState{ended: make(chan struct{}, 1)} }

func (st *sessionState) observe(ev conn.Event) {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch {
	case ev.Type == conn.EventOpen:
		st.open, st.closeOut = true, false
	case ev.Type == conn.EventClose && ev.Dir == conn.Out:
		st.closeOut = true
	case ev.Type == conn.EventClose, ev.Type == conn.EventError:
		st.open, st.settled = false, true
		select {
		case st.ended <- struct{}{}:
		default:
		}
	}
}

func (st *sessionState) snapshot() (open, closeOut, settled bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.open, st.closeOut, st.settled
}

// finish ends the connection the debugger leaves behind: an open one is
// closed with code (unless the debugger closed it already) and the
// server's answer awaited at most closeAnswerWait, every event on the way
// going to record. When the session did not end by itself it returns the
// record that says how it ended, so that a recording is never left
// unfinished.
func (s *liveSession) finish(state *sessionState, code int, record func(conn.Event)) (history.Record, bool) {
	open, _, settled := state.snapshot()
	if !open {
		if settled {
			return history.Record{}, false
		}
		return abandonRecord(false, false), true
	}
	s.c.Close(code, "")
	deadline := time.NewTimer(closeAnswerWait)
	defer deadline.Stop()
	var batch []conn.Event
	for {
		if open, _, _ = state.snapshot(); !open {
			return history.Record{}, false
		}
		select {
		case <-s.c.EventsReady():
			var finished bool
			batch, finished = s.c.TakeEvents(batch)
			for _, ev := range batch {
				record(ev)
			}
			if finished {
				return history.Record{}, false
			}
		case <-state.ended:
			// The debugger's reader took the answer on its way out.
		case <-deadline.C:
			_, closeOut, _ := state.snapshot()
			return abandonRecord(true, closeOut), true
		}
	}
}

// debuggerOptions are the debugger's options shared by live sessions and
// replays.
func debuggerOptions(opts conn.Options, uf *uiFlags, dialects *decode.Dialects) tui.Options {
	to := tui.Options{
		URL:      opts.URL,
		Conn:     opts,
		Theme:    uf.theme,
		Dialects: dialects,
		Redact:   uf.record.redactor(),
	}
	if dir, err := history.DefaultDir(); err == nil {
		to.HistoryFile = filepath.Join(filepath.Dir(dir), "sent_history")
		to.SaveDir = filepath.Join(filepath.Dir(dir), "copies")
	}
	if dir, err := os.UserConfigDir(); err == nil {
		to.SnippetsFile = filepath.Join(dir, "wsdbg", "snippets.json")
	}
	return to
}
