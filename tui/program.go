package tui

import (
	"context"
	"fmt"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/themes"
)

// stopRequestMsg asks the program to end from outside, as a signal or the
// end of Run's context does; code is the close code the server is sent.
type stopRequestMsg struct{ code int }

// closeWaitOverMsg ends the wait for the server's answer to the close sent
// on quitting.
type closeWaitOverMsg struct{}

// Close codes sent on quitting (RFC 6455 §7.4.1).
const (
	closeNormal    = 1000
	closeGoingAway = 1001 // the program is being terminated
)

// quitCloseWait bounds how long quitting waits for the server to answer the
// close frame.
const quitCloseWait = time.Second

// quit ends the program. While the connection is open it first sends a
// close frame with code and waits, at most quitCloseWait, for the server's
// answer, so that the server sees a clean ending and the log shows it.
// Asked again during the wait, it ends at once.
func (m *model) quit(code int) tea.Cmd {
	if m.px != nil {
		return m.quitProxy()
	}
	if m.closing || m.live == nil || m.sess.ended {
		return m.exit()
	}
	switch m.sess.state {
	case stateOpen, stateClosing:
	default:
		return m.exit() // no connection to say goodbye on
	}
	if err := m.live.Close(code, ""); err != nil {
		return m.exit()
	}
	m.closing = true
	return tea.Tick(quitCloseWait, func(time.Time) tea.Msg { return closeWaitOverMsg{} })
}

// exit stops taking events from the source and ends the program.
func (m *model) exit() tea.Cmd {
	m.closing, m.exiting = false, true
	m.stopSource()
	return tea.Quit
}

// filterStop turns the requests to end that Bubble Tea makes by itself (on
// SIGTERM, or SIGINT when the input is not a terminal) into a quit that
// says goodbye to the server first; the program's own quit passes.
func (m *model) filterStop(_ tea.Model, msg tea.Msg) tea.Msg {
	if m.exiting {
		return msg
	}
	switch msg.(type) {
	case tea.QuitMsg:
		return stopRequestMsg{code: closeGoingAway}
	case tea.InterruptMsg:
		return stopRequestMsg{code: closeNormal}
	}
	return msg
}

// Run shows the interface until the user quits or ctx is cancelled; then,
// while the connection is open, it sends the server a close frame and waits
// up to a second for the answer. It does not close the source: the caller
// owns it.
func Run(ctx context.Context, opts Options) error {
	p, err := NewProgram(ctx, opts)
	if err != nil {
		return err
	}
	return p.Run()
}

// Program is the interface, built and not yet running. Its Send lets other
// goroutines tell it what it cannot see itself, such as a
// RecordingFailedMsg.
type Program struct {
	ctx  context.Context
	p    *tea.Program
	stop func()
}

// NewProgram builds the interface Run runs, for callers that need to send
// it messages.
func NewProgram(ctx context.Context, opts Options) (*Program, error) {
	p, stop, err := newProgram(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &Program{ctx: ctx, p: p, stop: stop}, nil
}

// Run is the package's Run, with the context given to NewProgram.
func (p *Program) Run() error {
	defer p.stop()
	_, err := p.p.Run()
	if err != nil && p.ctx.Err() != nil {
		return nil
	}
	return err
}

// Send delivers msg to the interface. It waits until the interface takes
// it, and returns at once when the interface has ended.
func (p *Program) Send(msg tea.Msg) { p.p.Send(msg) }

// newProgram builds the program Run runs; extra options let tests bind it to
// a pseudo-terminal. stop ends the draining of the source.
//
// When ctx ends the program says goodbye: it sends the server a close 1001
// (going away) and ends once the server answers or quitCloseWait has
// passed; a little later it is stopped regardless.
func newProgram(ctx context.Context, opts Options, extra ...tea.ProgramOption) (*tea.Program, func(), error) {
	if opts.Source == nil {
		return nil, nil, fmt.Errorf("tui: no source of events")
	}
	if _, err := themes.Parse(opts.Theme); err != nil {
		return nil, nil, err
	}
	if os.Getenv("NO_COLOR") != "" {
		opts.NoColor = true
	}
	m := newModel(opts)
	runCtx, kill := context.WithCancel(context.WithoutCancel(ctx))
	m.startSource(runCtx)
	p := tea.NewProgram(m, append([]tea.ProgramOption{tea.WithContext(runCtx), tea.WithFilter(m.filterStop)}, extra...)...)
	go func() {
		select {
		case <-runCtx.Done():
			return
		case <-ctx.Done():
		}
		go p.Send(stopRequestMsg{code: closeGoingAway})
		t := time.NewTimer(quitCloseWait + time.Second)
		defer t.Stop()
		select {
		case <-t.C:
			kill()
		case <-runCtx.Done():
		}
	}()
	return p, func() { m.stopSource(); kill() }, nil
}
