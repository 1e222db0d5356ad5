// Package tui is wsdbg's terminal interface: a header with the connection's
// state, the frame log, an inspector that explains the selected row, and a
// composer to talk back. It is a Bubble Tea program fed by a Source: a
// conn.Client, or a Replay of a recording.
//
// Run and NewProgram start it. Inside, the root model keeps the frame log,
// which holds every event and draws only the rows on screen, and hands the
// keyboard to one part at a time: the composer (tui/composer), the filter
// bar (tui/filter), the inspector (tui/inspector) or the help (tui/help).
// Each part owns its state and its key map; docs/keys.md lists them all.
package tui

import (
	"context"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/tui/help"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
	replays "github.com/wsdbg/wsdbg/internal/replay"
	"github.com/wsdbg/wsdbg/themes"
	"github.com/wsdbg/wsdbg/tui/composer"
	"github.com/wsdbg/wsdbg/tui/filter"
	"github.com/wsdbg/wsdbg/tui/inspector"
)

// Options configure the interface.
type Options struct {
	Title      string       // shown before the URL; "wsdbg" when empty
	URL        string       // shown until the connection reports its own
	Conn       conn.Options // what the connection was dialled with: header, repro commands
	Source     Source       // a *conn.Client, or a *Replay
	Theme      string       // a name themes.Parse accepts; "" is "auto"
	NoColor    bool         // no colours at all (Run sets it when NO_COLOR is set)
	Copier     Copier       // nil: the system clipboard, else OSC 52 through the terminal
	SaveDir    string       // where text no clipboard took is saved on request; "" is the temporary directory
	RecordPath string       // the file the session is being recorded to; "" when it is not
	Dialects   *decode.Dialects

	// OnEvent sees every event, in order, from the goroutine that drains the
	// source, before the screen does. It must not block for long. A replay
	// played in time does not call it.
	OnEvent func(conn.Event)

	HistoryFile  string // sent lines are kept here across sessions; "" keeps them in memory
	SnippetsFile string // named payloads for /snip and ctrl+o

	// Redact says what the screen, the clipboard, bug reports and repro
	// commands hide.
	Redact history.Redactor

	// Expected is a recorded session that this one replays. Its incoming
	// text and binary messages are paired in order with the ones that
	// arrive; a reply that differs from its recorded counterpart is marked
	// DIFF, and the inspector shows both. Nil compares nothing.
	Expected []history.Record

	// Proxy, when set, shows wsdbg proxy: Source delivers the relay's
	// events, URL is the upstream, and the composer takes fault commands.
	Proxy *Proxy
}

// focus is what has the keyboard: one of the panes, or the filter bar or
// the help over the focused pane.
type focus uint8

const (
	focusLog focus = iota
	focusInspector
	focusComposer
	focusFilter // the filter bar, opened from the log
	focusHelp   // the help overlay
	focusConns  // a proxy's connections list, over the focused pane
)

// common is what every part of the interface shares: the screen's size,
// the styles and the key bindings. The parts are given its theme, which
// changes in place when the terminal's background turns out to be light.
type common struct {
	width, height int
	theme         themes.Theme
	keys          keyMap
}

// model is the Bubble Tea model of the interface.
type model struct {
	common
	opts        Options
	themeChoice themes.Choice
	dark        bool
	now         func() time.Time

	store    *store
	paints   [3]rowPaints // log rows: plain, selected, selected while unfocused
	sess     session
	rowCache rowTextCache
	seqs     seqIndex // finds the request a reply's annotation names

	// The log: sel is the selected display position, top the first one on
	// screen.
	sel, top int
	follow   bool // follow new rows while the selection is on the last row
	unseen   int  // rows that arrived while not following
	relTime  bool

	shown    []int32 // rows passing the filter, when it hides any
	scanned  int     // rows the filter has looked at
	scanGen  int
	filtered int // the filter's version the log was filtered with
	anchor   int // row to reselect once a scan is done, -1 for none

	focus         focus // what has the keyboard
	pane          focus // the focused pane, under the filter bar or help
	inspectorOpen bool  // compact layout: the inspector covers the log

	filter filter.Model
	insp   inspector.Model
	comp   composer.Model
	help   help.Model

	notice  noticeState
	unsaved *unsavedCopy // text no clipboard took, offered for saving

	cmp *comparison // nil unless Options.Expected is set
	px  *proxyView  // nil unless Options.Proxy is set

	pump   *pump
	play   *playback     // a replay being played in time; it replaces the pump
	browse *browse       // a whole recording browsed without a pump
	clock  replays.Clock // the player's; nil is the system clock
	live   Live

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

const noticeDuration = 5 * time.Second

// newModel builds the model. Problems with the history or snippets files are
// shown as notices, not returned: the debugger works without them.
func newModel(opts Options) *model {
	m := &model{
		common: common{width: 80, height: 24, keys: defaultKeyMap()},
		opts:   opts,
		now:    time.Now,
		store:  newStore(),
		follow: true,
		anchor: -1,
		dark:   true,
	}
	m.sess.url = opts.URL
	m.sess.host = hostOf(opts.URL)
	if opts.Conn.URL != "" && m.sess.url == "" {
		m.sess.url = opts.Conn.URL
	}
	m.sess.pingsOn = opts.Conn.PingInterval > 0
	if l, ok := opts.Source.(Live); ok {
		m.live = l
	}
	if opts.Expected != nil {
		m.cmp = newComparison(opts.Expected)
	}
	m.keys.Replay.setEnabled(m.replaying())
	m.keys.Proxy.setEnabled(opts.Proxy != nil)

	// An unknown name (newProgram refuses it) falls back to the zero Choice.
	m.themeChoice, _ = themes.Parse(opts.Theme)
	if opts.NoColor {
		m.themeChoice, _ = themes.Parse(themes.Mono)
	}
	m.theme = m.themeChoice.Theme(m.dark)
	m.newParts()
	if opts.Proxy != nil {
		m.px = newProxyView(opts.Proxy, m)
	}
	m.applyTheme()
	return m
}

// newParts builds the filter bar, the inspector, the composer and the
// help, with the model's theme and keys.
func (m *model) newParts() {
	var err error
	cfg := composer.Config{
		HistoryFile: m.opts.HistoryFile, SnippetsFile: m.opts.SnippetsFile, ReadOnly: m.live == nil && m.opts.Proxy == nil,
	}
	if m.opts.Proxy != nil {
		cfg.Commands = &composer.CommandsOnly{Title: "FAULTS", Hint: proxyCommandsHint}
	}
	m.comp, err = composer.New(&m.theme, cfg)
	if err != nil {
		m.notice = noticeState{text: decode.Sanitize(err.Error()), isErr: true}
	}
	m.comp.KeyMap = m.keys.Composer
	m.filter = filter.New(&m.theme)
	m.filter.KeyMap = m.keys.Filter
	m.insp = inspector.New(&m.theme)
	m.insp.KeyMap = m.keys.Inspector
	m.help = help.New(&m.theme)
	m.help.KeyMap = m.keys.Help
}

// applyTheme picks the theme for the current background and styles every
// part with it.
func (m *model) applyTheme() {
	m.theme = m.themeChoice.Theme(m.dark)
	m.comp.SetStyles(&m.theme)
	m.filter.SetStyles(&m.theme)
	m.insp.SetStyles(&m.theme)
	m.help.SetStyles(&m.theme)
	m.paints = [3]rowPaints{newRowPaints(m, nil), newRowPaints(m, &m.theme.Selected), newRowPaints(m, &m.theme.SelectedBlurred)}
	m.rowCache.reset()
}

// Init starts draining the source and the clock.
func (m *model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.tick()}
	if m.themeChoice.FollowsBackground() {
		cmds = append(cmds, tea.RequestBackgroundColor)
	}
	if m.opts.Source != nil && m.pump == nil && m.play == nil && m.browse == nil {
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

func (m *model) tick() tea.Cmd {
	return tea.Tick(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Update handles one message.
func (m *model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
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
	case browseTickMsg:
		cmd = m.onBrowseTick()
	case filterStepMsg:
		if msg.gen == m.scanGen {
			cmd = m.scanStep()
		}
	case tickMsg:
		m.onTick(time.Time(msg))
		if m.px != nil {
			m.refreshList() // a recording may have failed since
		}
		cmd = m.tick()
	case ProxyConnEndedMsg:
		m.onConnEnded(msg.Conn)
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
		m.comp, cmd = m.comp.Update(msg)
	}
	m.syncPanes()
	return m, cmd
}

// onRecordingFailed turns REC in the header into a failure and says in the
// log what happened, where it happened.
func (m *model) onRecordingFailed(msg RecordingFailedMsg) tea.Cmd {
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

func (m *model) onTick(now time.Time) {
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

func (m *model) setNotice(text string, isErr bool) tea.Cmd {
	return m.setNoticeFor(text, isErr, noticeDuration)
}

// setNoticeFor shows a notice for d.
func (m *model) setNoticeFor(text string, isErr bool, d time.Duration) tea.Cmd {
	m.notice = noticeState{text: decode.Sanitize(text), isErr: isErr, seq: m.notice.seq + 1}
	return m.expireNotice(d)
}

// expireNotice clears the current notice after d.
func (m *model) expireNotice(d time.Duration) tea.Cmd {
	seq := m.notice.seq
	return tea.Tick(d, func(time.Time) tea.Msg { return noticeExpiredMsg{seq: seq} })
}
