package tui

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/tui/connections"
	"github.com/wsdbg/wsdbg/tui/help"
	"github.com/wsdbg/wsdbg/tui/internal/cells"
)

// Proxy is what the debugger needs to show wsdbg proxy: the relay the
// fault commands go to and where it listens. Options.Source delivers the
// relay's events, of every connection; Options.URL is the upstream.
type Proxy struct {
	Relay  *conn.Relay
	Listen string // the URL applications connect to: ws://ADDR or wss://ADDR
	// Recording says what becomes of connection n's recording: the file
	// it goes to ("" when it is not recorded) and whether recording it
	// failed. Nil when nothing is recorded. The program calls it from its
	// own goroutine.
	Recording func(n int) (path string, failed bool)
}

// proxyView is the debugger's state on a proxy: each connection keeps its
// own log, and the log pane shows one of them.
type proxyView struct {
	opts  *Proxy
	conns []*connLog // by number - 1
	shown int        // the connection the log shows; 0 before the first
	list  connections.Model
	// finished: the relay has shut down and every connection is over.
	finished bool
}

// connLog is one proxied connection: what the list says about it, and
// its log while another is shown.
type connLog struct {
	saved      logState
	peer, path string
	state      connections.State
	code       int
	paused     bool
	ended      bool  // the relay is done with it: it stays ended
	fromClient int64 // data messages the client sent
	fromServer int64
	subproto   string
}

// logState is what the model holds of the connection it shows; the others
// keep theirs here.
type logState struct {
	store    *store
	sess     session
	seqs     seqIndex
	rowCache rowTextCache
	sel, top int
	follow   bool
	unseen   int
}

// exchange swaps the model's log with s.
func (m *model) exchange(s *logState) {
	m.store, s.store = s.store, m.store
	m.sess, s.sess = s.sess, m.sess
	m.seqs, s.seqs = s.seqs, m.seqs
	m.rowCache, s.rowCache = s.rowCache, m.rowCache
	m.sel, s.sel = s.sel, m.sel
	m.top, s.top = s.top, m.top
	m.follow, s.follow = s.follow, m.follow
	m.unseen, s.unseen = s.unseen, m.unseen
}

func newProxyView(p *Proxy, m *model) *proxyView {
	v := &proxyView{opts: p, list: connections.New(&m.theme)}
	v.list.KeyMap = m.keys.Connections
	return v
}

// proxyCommandsHint is the composer's hint on a proxy.
const proxyCommandsHint = "i: /close client|server CODE [REASON], /drop client|server, /pause, /resume, /delay 500ms, /swallow N"

// proxyCommands lists the composer's commands on a proxy, for help.
var proxyCommands = []help.Item{
	{Name: "/close client CODE [REASON]", Desc: "send the application a close frame, as if the server had"},
	{Name: "/close server CODE [REASON]", Desc: "send the server a close frame, as if the application had"},
	{Name: "/drop client|server", Desc: "reset that side's TCP connection, without a close frame"},
	{Name: "/pause, /resume", Desc: "hold every frame both ways, then let them go"},
	{Name: "/delay 500ms", Desc: "hold every frame that long (0: off)"},
	{Name: "/swallow N", Desc: "drop the next N data messages, from either side"},
	{Name: "/conn N", Desc: "show connection N (the commands act on the one shown)"},
	{Name: "/help", Desc: "show keys and commands"},
}

// ingestProxyBatch files each event in its connection's log.
func (m *model) ingestProxyBatch(b eventBatchMsg) tea.Cmd {
	var cmds []tea.Cmd
	for i := 0; i < len(b.events); {
		j := i + 1
		for j < len(b.events) && b.events[j].Conn == b.events[i].Conn {
			j++
		}
		cmds = append(cmds, m.ingestConn(b.events[i].Conn, b.events[i:j]))
		i = j
	}
	if b.done {
		m.px.finished = true
		for _, c := range m.px.conns {
			if c.state != connections.Ended {
				c.state = connections.Ended
			}
		}
		m.sess.ended = true
		if m.closing {
			return m.exit()
		}
	} else if m.pump != nil {
		cmds = append(cmds, m.pump.next())
	}
	m.refreshList()
	return tea.Batch(cmds...)
}

// ingestConn adds events of connection n to its log.
func (m *model) ingestConn(n int, events []conn.Event) tea.Cmd {
	if n <= 0 {
		return nil // the relay numbers every connection
	}
	px := m.px
	for len(px.conns) < n {
		px.conns = append(px.conns, &connLog{saved: logState{store: newStore(), follow: true}})
	}
	c := px.conns[n-1]
	if px.shown == 0 {
		// The first connection takes the log the model started with.
		px.shown = n
		c.saved = logState{}
	}
	visible := n == px.shown
	if !visible {
		m.exchange(&c.saved)
	}
	before := m.store.len()
	for _, ev := range events {
		m.ingest(ev)
		c.observe(ev, m.opts.URL)
	}
	c.state, c.code = connStateOf(&m.sess), m.sess.closeCode
	if c.ended {
		c.state = connections.Ended
	}
	if !visible {
		m.exchange(&c.saved)
		return nil
	}
	return m.showIngested(before)
}

// observe keeps what the connections list says about the connection.
func (c *connLog) observe(ev conn.Event, upstream string) {
	switch ev.Type {
	case conn.EventOpen:
		c.subproto = ev.Subprotocol
	case conn.EventMessage:
		if ev.Opcode != conn.OpText && ev.Opcode != conn.OpBinary {
			break
		}
		if ev.FromServer() {
			c.fromServer++
		} else {
			c.fromClient++
		}
	case conn.EventInject:
		switch ev.Action {
		case "pause":
			c.paused = true
		case "resume":
			c.paused = false
		}
	}
	if ev.Peer != "" {
		c.peer = ev.Peer
	}
	if c.path == "" && ev.URL != "" {
		c.path = clientPath(upstream, ev.URL)
	}
}

// clientPath is the path and query the application asked for: what the
// relay appended to the upstream's path to make the URL it dialled.
func clientPath(upstream, dialled string) string {
	d, err := url.Parse(dialled)
	if err != nil {
		return ""
	}
	path := d.EscapedPath()
	if u, err := url.Parse(upstream); err == nil {
		path = strings.TrimPrefix(path, strings.TrimSuffix(u.EscapedPath(), "/"))
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	if d.RawQuery != "" {
		path += "?" + d.RawQuery
	}
	return path
}

// ProxyConnEndedMsg tells the debugger that the relay is done with
// connection Conn: both sides are closed, and no more events of it come.
// Whatever drains the relay's Ended sends it, with Program.Send.
type ProxyConnEndedMsg struct{ Conn int }

// onConnEnded marks a connection over.
func (m *model) onConnEnded(n int) {
	if m.px == nil || n <= 0 || n > len(m.px.conns) {
		return
	}
	c := m.px.conns[n-1]
	c.ended, c.state = true, connections.Ended
	m.refreshList()
}

// connStateOf is a connection's state as the list shows it.
func connStateOf(s *session) connections.State {
	switch s.state {
	case stateOpen:
		return connections.Open
	case stateClosing:
		return connections.Closing
	case stateClosed:
		return connections.Ended
	}
	return connections.Opening
}

// refreshList gives the connections list what it shows.
func (m *model) refreshList() {
	px := m.px
	items := make([]connections.Item, len(px.conns))
	for k, c := range px.conns {
		it := connections.Item{
			N: k + 1, Client: decode.Sanitize(c.peer), Path: decode.Sanitize(m.opts.Redact.URL(c.path)),
			Subprotocol: decode.Sanitize(m.opts.Redact.Subprotocol(c.subproto)),
			State:       c.state, Code: c.code, FromClient: c.fromClient, FromServer: c.fromServer, Paused: c.paused,
		}
		switch path, failed := m.recordingOf(k + 1); {
		case failed:
			it.Recording = "REC FAILED"
		case path != "":
			it.Recording = "REC"
		}
		items[k] = it
	}
	px.list.SetItems(items)
}

// recordingOf asks the caller about connection n's recording.
func (m *model) recordingOf(n int) (path string, failed bool) {
	if m.px == nil || m.px.opts.Recording == nil || n <= 0 {
		return "", false
	}
	return m.px.opts.Recording(n)
}

// showConn puts connection n's log in the pane.
func (m *model) showConn(n int) tea.Cmd {
	px := m.px
	if n <= 0 || n > len(px.conns) {
		return m.setNotice(fmt.Sprintf("there is no connection #%d", n), true)
	}
	if n == px.shown {
		return nil
	}
	if px.shown > 0 {
		m.exchange(&px.conns[px.shown-1].saved)
	}
	// The model now holds what the shown connection's slot held: nothing.
	m.exchange(&px.conns[n-1].saved)
	px.conns[n-1].saved = logState{}
	px.shown = n
	px.list.Select(n)
	m.insp.Invalidate()
	// The filter is built again for the rows of this log.
	m.sel, m.unseen = 0, 0
	m.shown, m.scanned = m.shown[:0], 0
	m.filtered = m.filter.Version()
	m.scanGen++
	m.anchor = -1
	if !m.filter.Criteria().Hides() {
		m.placeAfterFilter()
		return nil
	}
	return m.scanStep()
}

// stepConn shows the next (delta 1) or previous (-1) connection.
func (m *model) stepConn(delta int) tea.Cmd {
	n := m.px.shown + delta
	if n < 1 || n > len(m.px.conns) {
		return m.setNotice("no more connections that way", false)
	}
	return m.showConn(n)
}

// runProxyCommand carries out a fault command typed in the composer on
// the connection shown.
func (m *model) runProxyCommand(text string) tea.Cmd {
	line := strings.TrimSpace(text)
	if line == "/help" || line == "/?" {
		m.comp.SetValue("")
		m.openHelp()
		return nil
	}
	if !strings.HasPrefix(line, "/") {
		return m.setNotice("a proxy relays what the two sides send: type a command such as /close client 4001 bye (/help lists them)", true)
	}
	chosen := m.px.shown
	if err := m.px.opts.Relay.Command(line, &chosen); err != nil {
		return m.setNotice(err.Error(), true)
	}
	var cmd tea.Cmd
	if chosen != m.px.shown {
		cmd = m.showConn(chosen)
	}
	if herr := m.comp.Remember(text); herr != nil {
		cmd = tea.Batch(cmd, m.setNotice("history file: "+herr.Error(), true))
	}
	m.comp.SetValue("")
	return cmd
}

// togglePause pauses the connection shown, or resumes it.
func (m *model) togglePause() tea.Cmd {
	px := m.px
	if px.shown == 0 {
		return m.setNotice(conn.ErrNoConnection.Error(), true)
	}
	relay := px.opts.Relay
	if px.conns[px.shown-1].paused {
		if err := relay.Resume(px.shown); err != nil {
			return m.setNotice(err.Error(), true)
		}
		return m.setNotice(fmt.Sprintf("#%d resumed", px.shown), false)
	}
	if err := relay.Pause(px.shown); err != nil {
		return m.setNotice(err.Error(), true)
	}
	return m.setNotice(fmt.Sprintf("#%d paused: frames are held both ways; P resumes", px.shown), false)
}

// proxyShutdownWait bounds the wait for the relay to end its connections
// on quitting: it waits a second for the closing handshakes itself.
const proxyShutdownWait = quitCloseWait + time.Second

// quitProxy closes every connection, both sides with 1001, and ends once
// the relay has: the log shows the closing handshakes as they happen.
func (m *model) quitProxy() tea.Cmd {
	if m.closing || m.px.finished {
		return m.exit()
	}
	m.closing = true
	relay := m.px.opts.Relay
	return tea.Batch(
		func() tea.Msg { relay.Shutdown(); return nil },
		tea.Tick(proxyShutdownWait, func(time.Time) tea.Msg { return closeWaitOverMsg{} }),
	)
}

// proxyHeaderLines draws the header on a proxy: where it listens and
// relays to, the connection shown, and what its two sides sent.
func (m *model) proxyHeaderLines() []string {
	th := &m.theme
	px := m.px
	s := &m.sess
	app := m.opts.Title
	if app == "" {
		app = "wsdbg proxy"
	}
	upstream := decode.Sanitize(m.opts.Redact.URL(m.opts.URL))
	route := decode.Sanitize(px.opts.Listen) + " → " + upstream

	var state string
	switch {
	case m.closing:
		state = th.StateClosing.Render("closing…")
	case px.shown == 0:
		state = th.Label.Render("waiting for a connection")
	default:
		c := px.conns[px.shown-1]
		text := fmt.Sprintf("#%d ", px.shown)
		switch c.state {
		case connections.Open:
			text += "open " + uptime(m.headerNow().Sub(s.openedAt))
			if c.paused {
				state = th.StateClosing.Render(text + " paused")
			} else {
				state = th.StateOpen.Render(text)
			}
		case connections.Closing:
			state = th.StateClosing.Render(text + "closing")
		case connections.Ended:
			if c.code != 0 {
				text += fmt.Sprintf("closed %d", c.code)
			} else {
				text += "ended"
			}
			state = th.StateClosed.Render(text)
		default:
			state = th.StateConnecting.Render(text + "connecting…")
		}
	}
	var right string
	switch path, failed := m.recordingOf(px.shown); {
	case failed:
		right = th.RecordingFailed.Render(" REC FAILED ")
	case path != "":
		right = th.Recording.Render(" REC ")
	}
	fixed := cells.Width(app) + 2 + 2 + cells.Width(state) + cells.Width(right) + 1
	line1 := th.AppName.Render(app) + "  " + th.URL.Render(ansi.Truncate(route, max(8, m.width-fixed), "…")) + "  " + state
	sep := th.Label.Render(" · ")
	label := func(name, value string) string { return th.HeaderLabel.Render(name+" ") + th.HeaderText.Render(value) }
	if s.subprotocol != "" {
		line1 += sep + label("proto", decode.Sanitize(m.opts.Redact.Subprotocol(s.subprotocol)))
	}
	if s.protocol != "" {
		line1 += sep + label("speaks", s.protocol)
	}
	line1 = cells.JoinEnds(line1, right, m.width)

	var facts []string
	if px.shown > 0 {
		c := px.conns[px.shown-1]
		facts = append(facts,
			label("conn", fmt.Sprintf("%d of %d", px.shown, len(px.conns))),
			label("C→", fmt.Sprintf("%d msg", c.fromClient)),
			label("←S", fmt.Sprintf("%d msg", c.fromServer)))
		if c.peer != "" {
			facts = append(facts, label("from", decode.Sanitize(c.peer)))
		}
	}
	facts = append(facts, th.Label.Render("C lists connections"))
	line2 := cells.Fit(" "+strings.Join(facts, sep), m.width)
	return []string{line1, line2}
}

// legLabel is the log's direction column on a proxied connection: the
// side's letter, C for the client and S for the server, with an arrow
// pointing away from it when the side spoke and at it when wsdbg sent to
// it. Other events of a side have a dot for an arrow.
func legLabel(r *row) string {
	message := r.isMessage() || r.typ == conn.EventClose
	switch {
	case r.leg == conn.LegClient && !message:
		return "C·"
	case r.leg == conn.LegServer && !message:
		return "·S"
	case r.leg == conn.LegClient && r.dir == conn.Out:
		return "C←"
	case r.leg == conn.LegClient:
		return "C→"
	case r.dir == conn.Out:
		return "→S"
	}
	return "←S"
}

// rowFromServer reports whether a row's frame is the server's (or, on a
// proxied connection, wsdbg's in the server's place).
func rowFromServer(r *row) bool {
	if r.leg == conn.LegClient {
		return r.dir == conn.Out
	}
	return r.dir == conn.In
}

// relaySentence says who sent a proxied row's frame and where it went.
func relaySentence(r *row, action string) string {
	side, other := "client", "server"
	if r.leg == conn.LegServer {
		side, other = other, side
	}
	switch {
	case r.typ == conn.EventInject:
		return "wsdbg did this on the connection, as you asked (injected)."
	case !r.isMessage() && r.typ != conn.EventClose:
		return "About the " + side + "'s side of the connection."
	case action == "drop":
		return "wsdbg reset the " + side + "'s TCP connection, without a close frame (injected)."
	case r.dir == conn.Out:
		return "Sent by wsdbg to the " + side + ", in the " + other + "'s place (injected)."
	case r.injected:
		return "Sent by the " + side + " and swallowed: not relayed to the " + other + " (injected)."
	}
	return "Sent by the " + side + ", relayed to the " + other + "."
}

// proxySpeaker names who sent a proxied close, for the log's preview.
func proxySpeaker(r *row) string {
	side := "client"
	if r.leg == conn.LegServer {
		side = "server"
	}
	if r.dir == conn.Out {
		return "wsdbg → " + side
	}
	return side
}

// injectSummary is the preview of a fault that sends no frame.
func injectSummary(ev *conn.Event) string {
	if ev == nil {
		return "injected"
	}
	switch a := ev.Action; {
	case a == "pause":
		return "paused: frames are held both ways"
	case a == "resume":
		return "resumed: held frames go on"
	case strings.HasPrefix(a, "swallow"):
		return decode.Sanitize(a) + ": the next messages are not relayed"
	case a != "":
		return decode.Sanitize(a)
	}
	return "injected"
}

// proxyListLines draws the connections list in the body.
func (m *model) proxyListLines(lay layout) []string {
	m.px.list.SetSize(m.width, lay.bodyH)
	return strings.Split(m.px.list.View(), "\n")
}

// connectionsKey handles a key while the connections list is shown.
func (m *model) connectionsKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys.Connections
	switch {
	case key.Matches(msg, k.Choose):
		m.focus = m.pane
		return m.showConn(m.px.list.Selected())
	case key.Matches(msg, k.Close):
		m.focus = m.pane
		return nil
	}
	var cmd tea.Cmd
	m.px.list, cmd = m.px.list.Update(msg)
	return cmd
}
