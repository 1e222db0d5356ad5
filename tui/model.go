// Package tui is wsdbg's terminal interface: a header with the connection's
// state, the frame log, an inspector that explains the selected row, and a
// composer to talk back. It is a Bubble Tea program fed by a conn.Client or
// by a recording.
package tui

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
	replays "github.com/wsdbg/wsdbg/internal/replay"
	"github.com/wsdbg/wsdbg/themes"
)

// Options configure the interface.
type Options struct {
	Title     string       // shown before the URL; "wsdbg" when empty
	URL       string       // shown until the connection reports its own
	Conn      conn.Options // what the connection was dialled with: header, repro commands
	Source    Source       // a *conn.Client, or a recording being replayed
	Theme     string       // a themes name; "" or "auto" follows the terminal's background
	NoColor   bool         // no colours at all (Run sets it when NO_COLOR is set)
	Copier    Copier       // nil: the system clipboard, else OSC 52 through the terminal
	SaveDir   string       // where text no clipboard took is saved on request; "" is the temporary directory
	Recording string       // where the session is being recorded; "" when it is not
	Dialects  *decode.Dialects
	IDPaths   []string // extra dotted paths to request ids, tried before id, request_id, ref, nonce

	// OnEvent sees every event, in order, from the goroutine that drains the
	// source, before the screen does. It must not block for long. A replay
	// played in time does not call it.
	OnEvent func(conn.Event)

	HistoryFile  string // sent lines are kept here across sessions; "" keeps them in memory
	SnippetsFile string // named payloads for /snip and ctrl+o

	// Redact says what bug reports and repro commands hide.
	Redact history.Redactor

	// Expected is a recorded session that this one replays. Its incoming
	// text and binary messages are paired in order with the ones that
	// arrive; a reply that differs from its recorded counterpart is marked
	// DIFF, and the inspector shows both. Nil compares nothing.
	Expected []history.Record
}

type focusPane uint8

const (
	focusLog focusPane = iota
	focusInspector
	focusComposer
)

// Model is the Bubble Tea model of the interface.
type Model struct {
	opts  Options
	keys  KeyMap
	theme themes.Theme
	dark  bool
	now   func() time.Time

	width, height int

	store    *store
	paints   [3]rowPaints // log rows: plain, selected, selected while unfocused
	sess     session
	rowCache rowTextCache
	links    linker
	idPaths  [][]string

	// The log: sel is the selected display position, top the first one on
	// screen.
	sel, top int
	follow   bool // follow new rows while the selection is on the last row
	unseen   int  // rows that arrived while not following
	relTime  bool

	filter    filter
	shown     []int32 // rows passing the filter, when it hides any
	scanned   int     // rows the filter has looked at
	scanGen   int
	anchor    int // row to reselect once a scan is done, -1 for none
	filterBar textinput.Model
	editing   bool // the filter bar has focus

	focus         focusPane
	inspectorOpen bool // compact layout: the inspector covers the log
	insp          inspector
	comp          composer

	help     help.Model
	showHelp bool
	helpView viewport.Model

	notice  noticeState
	unsaved *unsavedCopy // text no clipboard took, offered for saving

	cmp *comparison // nil unless Options.Expected is set

	pump  *pump
	play  *playback     // a replay being played in time; it replaces the pump
	clock replays.Clock // the player's; nil is the system clock
	live  Live

	closing bool // quitting: a close frame went out, the server's answer is awaited
	exiting bool // the program is ending

	recordingFailed bool // the recording stopped before the session did
}

type noticeState struct {
	text  string
	isErr bool
	seq   int
}

// noticeExpiredMsg clears a notice unless a newer one replaced it.
type noticeExpiredMsg struct{ seq int }

// tickMsg refreshes rates and countdowns.
type tickMsg time.Time

// RecordingFailedMsg tells the interface that recording the session
// stopped before the session did: Err is why, Written how many events the
// recording holds. Whatever writes the recording sends it, with
// Program.Send.
type RecordingFailedMsg struct {
	Err     error
	Written int
}

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

const noticeDuration = 5 * time.Second

// NewModel builds the model. Problems with the history or snippets files are
// shown as notices, not returned: the debugger works without them.
func NewModel(opts Options) *Model {
	m := &Model{
		opts:      opts,
		keys:      DefaultKeyMap(),
		now:       time.Now,
		width:     80,
		height:    24,
		store:     newStore(),
		follow:    true,
		anchor:    -1,
		insp:      newInspector(),
		comp:      newComposer(),
		help:      help.New(),
		helpView:  viewport.New(),
		dark:      true,
		filterBar: textinput.New(),
	}
	m.sess.url = opts.URL
	m.sess.host = hostOf(opts.URL)
	if opts.Conn.URL != "" && m.sess.url == "" {
		m.sess.url = opts.Conn.URL
	}
	m.sess.pingsOn = opts.Conn.PingInterval > 0
	for _, p := range opts.IDPaths {
		if path := parseIDPath(p); len(path) > 0 {
			m.idPaths = append(m.idPaths, path)
		}
	}
	for _, f := range defaultIDFields {
		m.idPaths = append(m.idPaths, []string{f})
	}
	if l, ok := opts.Source.(Live); ok {
		m.live = l
	}
	if opts.Expected != nil {
		m.cmp = newComparison(opts.Expected)
	}
	m.filterBar.Prompt = "/"
	m.filterBar.Placeholder = "text, or re:regexp"
	m.filterBar.SetVirtualCursor(false)
	m.helpView.KeyMap = viewport.KeyMap{}
	m.applyTheme()

	var problems []string
	m.comp.historyFile = opts.HistoryFile
	if opts.HistoryFile != "" {
		h, err := loadHistory(opts.HistoryFile)
		if err != nil {
			problems = append(problems, "history: "+err.Error())
		}
		m.comp.history = h
		if len(h) == maxHistory {
			// The file may hold more than is kept; keep it from growing.
			_ = compactHistory(opts.HistoryFile, h)
		}
	}
	m.comp.histPos = len(m.comp.history)
	if opts.SnippetsFile != "" {
		s, err := loadSnippets(opts.SnippetsFile)
		if err != nil {
			problems = append(problems, err.Error())
		}
		m.comp.snippets = s
	}
	if len(problems) > 0 {
		m.notice = noticeState{text: decode.Sanitize(strings.Join(problems, "; ")), isErr: true}
	}
	return m
}

// applyTheme picks the theme for the current background and styles the
// bubbles with it.
func (m *Model) applyTheme() {
	name := m.opts.Theme
	if m.opts.NoColor {
		name = themes.Mono
	}
	th, err := themes.Get(name, m.dark)
	if err != nil {
		th, _ = themes.Get(themes.Auto, m.dark)
	}
	m.theme = th

	hs := help.Styles{
		ShortKey: th.HelpKey, ShortDesc: th.HelpDesc, ShortSeparator: th.HelpSep,
		FullKey: th.HelpKey, FullDesc: th.HelpDesc, FullSeparator: th.HelpSep, Ellipsis: th.HelpSep,
	}
	m.help.Styles = hs

	ts := m.comp.ta.Styles()
	for _, st := range []*textarea.StyleState{&ts.Focused, &ts.Blurred} {
		st.Base, st.Text, st.CursorLine = th.Input, th.Input, th.Input
		st.Placeholder, st.EndOfBuffer = th.Placeholder, th.Placeholder
		st.LineNumber, st.CursorLineNumber = th.Placeholder, th.Placeholder
		st.Prompt = th.Prompt
	}
	ts.Cursor.Color = th.Cursor
	m.comp.ta.SetStyles(ts)

	fs := m.filterBar.Styles()
	for _, st := range []*textinput.StyleState{&fs.Focused, &fs.Blurred} {
		st.Text, st.Placeholder, st.Prompt = th.Input, th.Placeholder, th.FilterPrompt
	}
	fs.Cursor.Color = th.Cursor
	m.filterBar.SetStyles(fs)

	m.paints = [3]rowPaints{newRowPaints(m, nil), newRowPaints(m, &th.Selected), newRowPaints(m, &th.SelectedBlurred)}
	m.rowCache.reset()
	m.invalidateInspector()
}

// Init starts draining the source and the clock.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.tick()}
	if m.opts.Theme == "" || m.opts.Theme == themes.Auto {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	if m.opts.Source != nil && m.pump == nil && m.play == nil {
		m.startSource(context.Background())
	}
	if cmd := m.nextFromSource(); cmd != nil {
		cmds = append(cmds, cmd)
	}
	if m.notice.text != "" {
		cmds = append(cmds, m.expireNotice(noticeDuration))
	}
	return tea.Batch(cmds...)
}

func (m *Model) tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Update handles one message.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.ensureVisible()
	case tea.BackgroundColorMsg:
		if m.dark != msg.IsDark() {
			m.dark = msg.IsDark()
			m.applyTheme()
		}
	case eventBatchMsg:
		if m.play == nil { // else it is from a pump stopped for a playback
			cmd = m.ingestBatch(msg)
		}
	case playedMsg:
		cmd = m.takePlayed(msg)
	case filterStepMsg:
		if msg.gen == m.scanGen {
			cmd = m.scanStep()
		}
	case tickMsg:
		m.onTick(time.Time(msg))
		cmd = m.tick()
	case RecordingFailedMsg:
		cmd = m.onRecordingFailed(msg)
	case stopRequestMsg:
		if !m.closing { // a signal and the context's end often come together
			cmd = m.quit(msg.code)
		}
	case closeWaitOverMsg:
		if m.closing {
			cmd = m.exit()
		}
	case noticeExpiredMsg:
		if msg.seq == m.notice.seq {
			m.notice = noticeState{seq: m.notice.seq}
			m.unsaved = nil // its offer is gone from the screen
		}
	case copiedMsg:
		cmd = m.onCopied(msg)
	case savedMsg:
		cmd = m.onSaved(msg)
	case tea.KeyPressMsg:
		cmd = m.handleKey(msg)
	case tea.MouseClickMsg:
		cmd = m.handleClick(msg.Mouse())
	case tea.MouseWheelMsg:
		m.handleWheel(msg.Mouse())
	case tea.PasteMsg:
		cmd = m.handlePaste(msg)
	default:
		// Cursor blinks and other bubble-internal messages.
		if m.focus == focusComposer {
			m.comp.ta, cmd = m.comp.ta.Update(msg)
		}
	}
	m.syncPanes()
	return m, cmd
}

// ingestBatch takes in a batch of events and asks for the next one.
func (m *Model) ingestBatch(b eventBatchMsg) tea.Cmd {
	before := m.store.len()
	for _, ev := range b.events {
		m.ingest(ev)
	}
	cmds := []tea.Cmd{m.showIngested(before)}
	if b.done {
		m.sess.ended = true
		m.sess.state = stateClosed
	} else if m.pump != nil {
		cmds = append(cmds, m.pump.next())
	}
	if m.closing && m.sess.state == stateClosed {
		// The server answered the close, or the connection ended anyway.
		return m.exit()
	}
	return tea.Batch(cmds...)
}

// showIngested puts the rows from before on into view, through the filter
// when it hides rows.
func (m *Model) showIngested(before int) tea.Cmd {
	if m.filter.hides() {
		return m.scanStep()
	}
	m.onRowsShown(m.store.len() - before)
	return nil
}

// onRowsShown keeps the selection on the newest row while following, and
// counts what arrived otherwise.
func (m *Model) onRowsShown(n int) {
	if n <= 0 {
		return
	}
	total := m.displayLen()
	if m.follow && m.unseen == 0 && m.sel >= m.followTarget(total-n) {
		m.sel = m.followTarget(total)
		m.ensureVisible()
		return
	}
	m.unseen += n
}

// following reports whether the log is tracking new rows.
func (m *Model) following() bool {
	return m.follow && m.unseen == 0 && m.sel >= m.followTarget(m.displayLen())
}

// followTarget is the position following selects when the first n shown
// rows are all there is: the last one, unless that is wsdbg's answer to the
// server's close, shown just below it. The server's close is what explains
// the ending, with its code and reason; the answer only echoes the code.
func (m *Model) followTarget(n int) int {
	last := n - 1
	if last >= 1 {
		if answer := m.rowAt(last); m.rowAt(last-1) == answer-1 && m.answersPeerClose(answer) {
			return last - 1
		}
	}
	return last
}

// answersPeerClose reports whether row i is the close frame sent in answer
// to the one the peer sent just before it.
func (m *Model) answersPeerClose(i int) bool {
	if i < 1 {
		return false
	}
	r, prev := m.store.row(i), m.store.row(i-1)
	return r.typ == conn.EventClose && r.dir == conn.Out && r.op == conn.OpClose &&
		prev.typ == conn.EventClose && prev.dir == conn.In && prev.op == conn.OpClose
}

// onRecordingFailed turns REC in the header into a failure and says in the
// log what happened, where it happened.
func (m *Model) onRecordingFailed(msg RecordingFailedMsg) tea.Cmd {
	m.recordingFailed = true
	reason := "unknown error"
	if msg.Err != nil {
		reason = msg.Err.Error()
	}
	events := fmt.Sprintf("%d events written", msg.Written)
	if msg.Written == 1 {
		events = "1 event written"
	}
	before := m.store.len()
	m.addNote(m.now(), decode.Sanitize("recording stopped: "+reason+"; "+events))
	return m.showIngested(before)
}

func (m *Model) onTick(now time.Time) {
	s := &m.sess
	if !s.lastTick.IsZero() {
		dt := now.Sub(s.lastTick).Seconds()
		if dt > 0 {
			for d := range s.rate {
				s.rate[d] = float64(s.msgs[d]-s.countAtTick[d]) / dt
			}
		}
	}
	s.countAtTick = s.msgs
	s.lastTick = now
}

func (m *Model) setNotice(text string, isErr bool) tea.Cmd {
	return m.setNoticeFor(text, isErr, noticeDuration)
}

// setNoticeFor shows a notice for d.
func (m *Model) setNoticeFor(text string, isErr bool, d time.Duration) tea.Cmd {
	m.notice = noticeState{text: decode.Sanitize(text), isErr: isErr, seq: m.notice.seq + 1}
	return m.expireNotice(d)
}

// expireNotice clears the current notice after d.
func (m *Model) expireNotice(d time.Duration) tea.Cmd {
	seq := m.notice.seq
	return tea.Tick(d, func(time.Time) tea.Msg { return noticeExpiredMsg{seq: seq} })
}

// quit ends the program. While the connection is open it first sends a
// close frame with code and waits, at most quitCloseWait, for the server's
// answer, so that the server sees a clean ending and the log shows it.
// Asked again during the wait, it ends at once.
func (m *Model) quit(code int) tea.Cmd {
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
func (m *Model) exit() tea.Cmd {
	m.closing, m.exiting = false, true
	m.stopSource()
	return tea.Quit
}

// filterStop turns the requests to end that Bubble Tea makes by itself (on
// SIGTERM, or SIGINT when the input is not a terminal) into a quit that
// says goodbye to the server first; the program's own quit passes.
func (m *Model) filterStop(_ tea.Model, msg tea.Msg) tea.Msg {
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
	if opts.Theme != "" {
		if _, err := themes.Get(opts.Theme, true); err != nil {
			return nil, nil, err
		}
	}
	if os.Getenv("NO_COLOR") != "" {
		opts.NoColor = true
	}
	m := NewModel(opts)
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
