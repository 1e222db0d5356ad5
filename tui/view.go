package tui

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/wsdbg/wsdbg/decode"
)

type rect struct{ x, y, w, h int }

func (r rect) contains(x, y int) bool {
	return x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h
}

type layoutMode uint8

const (
	layoutCompact layoutMode = iota // one pane at a time
	layoutStacked                   // log above inspector
	layoutSide                      // log beside inspector
)

// Thresholds for showing the log and the inspector together.
const (
	sideBySideWidth = 120
	stackedHeight   = 34
	headerHeight    = 2
	minWidth        = 30
	minHeight       = 8
)

// layout is where everything goes for the current size. Update and View
// both use it, so clicks land where things are drawn.
type layout struct {
	mode              layoutMode
	log, insp         rect // each includes its title line
	showLog, showInsp bool
	composerY         int // first line of the composer's text; its rule is above
	composerH         int
	footerY           int
	bodyY, bodyH      int
	tooSmall          bool
}

func (m *Model) layout() layout {
	w, h := m.width, m.height
	var l layout
	if w < minWidth || h < minHeight {
		l.tooSmall = true
		return l
	}
	compH := m.comp.lines()
	l.footerY = h - 1
	l.composerH = compH
	l.composerY = l.footerY - compH
	l.bodyY = headerHeight
	l.bodyH = max(2, l.composerY-1-headerHeight)
	body := rect{0, l.bodyY, w, l.bodyH}
	switch {
	case w >= sideBySideWidth:
		l.mode = layoutSide
		lw := w * 11 / 20
		l.log = rect{0, body.y, lw, body.h}
		l.insp = rect{lw + 1, body.y, w - lw - 1, body.h}
		l.showLog, l.showInsp = true, true
	case h >= stackedHeight:
		l.mode = layoutStacked
		lh := max(5, body.h*9/20)
		l.log = rect{0, body.y, w, lh}
		l.insp = rect{0, body.y + lh, w, body.h - lh}
		l.showLog, l.showInsp = true, true
	default:
		l.mode = layoutCompact
		l.log, l.insp = body, body
		l.showLog, l.showInsp = !m.inspectorOpen, m.inspectorOpen
	}
	return l
}

// syncPanes brings sizes and the inspector's content up to date after an
// update, so View only draws.
func (m *Model) syncPanes() {
	lay := m.layout()
	if lay.tooSmall {
		return
	}
	m.comp.ta.SetWidth(max(1, m.width-2))
	m.filterBar.SetWidth(max(1, m.width-30))
	m.help.SetWidth(m.width)
	if lay.showInsp {
		m.syncInspector(max(1, lay.insp.w-1), max(1, lay.insp.h-1))
	}
	if m.focus == focusInspector && !lay.showInsp {
		m.focus = focusLog
	}
	if m.showHelp {
		m.helpView.SetWidth(m.width)
		m.helpView.SetHeight(lay.bodyH)
		m.helpView.SetContentLines(m.helpLines())
	}
	m.ensureVisible()
}

// View draws the screen.
func (m *Model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "wsdbg " + decode.Sanitize(m.sess.url)
	lay := m.layout()
	if lay.tooSmall {
		v.SetContent(fit(m.theme.NoticeError.Render("wsdbg needs a larger window"), m.width))
		return v
	}

	lines := make([]string, 0, m.height)
	lines = append(lines, m.headerLines()...)

	body := m.bodyLines(lay)
	lines = append(lines, body...)

	lines = append(lines, m.composerRule())
	lines = append(lines, m.composerLines(lay)...)
	lines = append(lines, m.footerLine())
	v.SetContent(strings.Join(lines, "\n"))

	switch {
	case m.editing:
		if c := m.filterBar.Cursor(); c != nil {
			c.Position.Y += lay.footerY
			v.Cursor = c
		}
	case m.focus == focusComposer && m.comp.search == nil && m.comp.picker == nil && !m.showHelp:
		if c := m.comp.ta.Cursor(); c != nil {
			c.Position.X += 2
			c.Position.Y += lay.composerY
			v.Cursor = c
		}
	}
	return v
}

// bodyLines draws the panes (or the help) between header and composer.
func (m *Model) bodyLines(lay layout) []string {
	if m.showHelp {
		return splitExact(m.helpView.View(), lay.bodyH, m.width)
	}
	var out []string
	switch lay.mode {
	case layoutSide:
		left := m.logLines(lay.log)
		right := m.inspectorPaneLines(lay.insp)
		sep := m.theme.Rule.Render("│")
		for k := range lay.bodyH {
			out = append(out, left[k]+sep+right[k])
		}
	case layoutStacked:
		out = append(m.logLines(lay.log), m.inspectorPaneLines(lay.insp)...)
	default:
		if lay.showInsp {
			out = m.inspectorPaneLines(lay.insp)
		} else {
			out = m.logLines(lay.log)
		}
	}
	if m.comp.picker != nil {
		out = m.overlayPicker(out)
	}
	return out
}

// splitExact splits s into exactly h lines of exactly w cells.
func splitExact(s string, h, w int) []string {
	lines := strings.Split(s, "\n")
	out := make([]string, h)
	for k := range out {
		if k < len(lines) {
			out[k] = fit(lines[k], w)
		} else {
			out[k] = strings.Repeat(" ", w)
		}
	}
	return out
}

// logLines draws the log pane: a title line, then the visible rows only.
func (m *Model) logLines(r rect) []string {
	out := make([]string, 0, r.h)
	out = append(out, m.logTitle(r.w))
	n := m.displayLen()
	for k := 0; k < r.h-1; k++ {
		pos := m.top + k
		if pos >= n {
			out = append(out, strings.Repeat(" ", r.w))
			continue
		}
		// renderRow lays out exactly r.w cells; no need to measure again.
		out = append(out, m.renderRow(m.rowAt(pos), r.w, pos == m.sel))
	}
	if n == 0 && r.h > 2 {
		msg := "Waiting for frames…"
		if m.filter.hides() && m.store.len() > 0 {
			msg = "No rows match the filter. esc clears it."
		}
		out[1] = fit("  "+m.theme.Label.Render(msg), r.w)
	}
	return out
}

func (m *Model) logTitle(width int) string {
	th := &m.theme
	title := th.PaneTitle
	if m.focus == focusLog && !m.editing {
		title = th.PaneTitleFocused
	}
	n, total := m.displayLen(), m.store.len()
	count := fmt.Sprintf("%d rows", total)
	if total == 1 {
		count = "1 row"
	}
	if m.filter.hides() {
		count = fmt.Sprintf("%d of %d", n, total)
		if m.scanning() {
			count += fmt.Sprintf(" (filtering %d%%)", m.scanned*100/max(1, total))
		}
	}
	parts := []string{title.Render("FRAMES"), th.Label.Render(count)}
	if d := m.filterSummary(); d != "" {
		parts = append(parts, th.FilterPrompt.Render(d))
	}
	switch {
	case !m.follow:
		parts = append(parts, th.Label.Render("follow off"))
	case m.following():
		parts = append(parts, th.Label.Render("following"))
	}
	if m.relTime {
		parts = append(parts, th.Label.Render("time +rel"))
	}
	left := " " + strings.Join(parts, th.Label.Render(" · "))
	right := ""
	if m.unseen > 0 {
		right = th.NewRowsIndicator.Render(fmt.Sprintf(" %d new, G to follow ", m.unseen))
	}
	return joinEnds(left, right, width)
}

// filterSummary describes the active filter in a few words.
func (m *Model) filterSummary() string {
	f := &m.filter
	var parts []string
	if f.query != "" {
		q := decode.Sanitize(f.query)
		if f.regex && !strings.HasPrefix(q, regexPrefix) {
			q = regexPrefix + q
		}
		verb := "filter"
		if f.findOnly {
			verb = "find"
		}
		parts = append(parts, verb+" "+q)
	}
	if f.dir != 0 {
		parts = append(parts, f.dir.String()+" only")
	}
	if f.ops != opsAll {
		parts = append(parts, f.ops.String()+" only")
	}
	if f.errorsOnly {
		parts = append(parts, "errors only")
	}
	return strings.Join(parts, ", ")
}

// joinEnds puts left at the start and right at the end of a width-cell line.
func joinEnds(left, right string, width int) string {
	rw := ansi.StringWidth(right)
	if rw >= width {
		return fit(right, width)
	}
	return fit(left, width-rw) + right
}

func (m *Model) inspectorPaneLines(r rect) []string {
	th := &m.theme
	title := th.PaneTitle
	if m.focus == focusInspector {
		title = th.PaneTitleFocused
	}
	label := "INSPECTOR"
	hint := ""
	if m.layout().mode == layoutCompact {
		hint = th.Label.Render("esc back ")
	}
	head := joinEnds(" "+title.Render(label), hint, r.w)
	out := []string{head}
	rows := m.insp.pg.view(m.spanStyle)
	for k := range r.h - 1 {
		l := ""
		if k < len(rows) {
			l = rows[k]
		}
		out = append(out, " "+fit(l, r.w-1))
	}
	return out
}

func (m *Model) composerRule() string {
	th := &m.theme
	label := "COMPOSE"
	if m.live == nil {
		label = "REPLAY (read-only)"
	}
	title := th.PaneTitle
	if m.focus == focusComposer {
		title = th.PaneTitleFocused
	}
	parts := []string{title.Render(label)}
	if m.live != nil {
		parts = append(parts, th.Label.Render("send as "+m.comp.mode.String()))
	}
	left := th.Rule.Render("──") + " " + strings.Join(parts, th.Label.Render(" · ")) + " "
	fill := m.width - ansi.StringWidth(left)
	return fit(left+th.Rule.Render(strings.Repeat("─", max(0, fill))), m.width)
}

func (m *Model) composerLines(lay layout) []string {
	th := &m.theme
	prompt := th.Prompt.Render("> ")
	if s := m.comp.search; s != nil {
		found := ""
		if s.match >= 0 {
			found = decode.Sanitize(strings.ReplaceAll(m.comp.history[s.match], "\n", " "))
		} else if s.query != "" {
			found = th.NoticeError.Render("no match")
		}
		line := th.FilterPrompt.Render("(history search) ") + th.Input.Render(decode.Sanitize(s.query)) + th.Label.Render(": ") + found
		return []string{fit(line, m.width)}
	}
	var view string
	if m.live == nil {
		view = th.Placeholder.Render("replaying a recording: nothing can be sent")
	} else if m.comp.value() == "" && m.focus != focusComposer {
		view = th.Placeholder.Render("i or tab to type a message; /help lists commands")
	} else {
		view = stripBidi(m.comp.ta.View())
	}
	out := splitExact(view, lay.composerH, m.width-2)
	for k := range out {
		p := "  "
		if k == 0 {
			p = prompt
		}
		out[k] = p + out[k]
	}
	return out
}

// stripBidi removes bidirectional control characters, which would reorder
// what the terminal shows; they have no width, so the cursor stays right.
func stripBidi(s string) string {
	if !strings.ContainsAny(s, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c") {
		return s
	}
	return strings.Map(func(r rune) rune {
		switch r {
		case '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c':
			return -1
		}
		return r
	}, s)
}

// footerLine is the filter bar while filtering, a notice after something
// happened, or the short help of whatever has focus.
func (m *Model) footerLine() string {
	th := &m.theme
	switch {
	case m.editing:
		status := fmt.Sprintf(" %d of %d", m.displayLen(), m.store.len())
		if !m.filter.hides() && m.filter.hasText() {
			status = " find mode"
		}
		if m.filter.err != "" {
			status = " " + th.NoticeError.Render(decode.Sanitize("bad regexp: "+m.filter.err))
		}
		flags := ""
		if m.filter.regex {
			flags += " [re]"
		}
		if m.filter.findOnly {
			flags += " [find]"
		}
		right := th.Label.Render(flags + status + " ")
		return joinEnds(stripBidi(m.filterBar.View()), right, m.width)
	case m.closing:
		return fit(" "+th.Notice.Render("closing… waiting for the server to answer; ctrl+c quits now"), m.width)
	case m.notice.text != "":
		s := th.Notice
		if m.notice.isErr {
			s = th.NoticeError
		}
		return fit(" "+s.Render(m.notice.text), m.width)
	}
	var bindings []key.Binding
	switch {
	case m.showHelp:
		bindings = []key.Binding{m.keys.Log.Down, m.keys.Log.Up, withHelp(m.keys.Global.Help, "?/esc", "close help")}
	case m.comp.search != nil:
		bindings = []key.Binding{m.keys.Picker.Older, m.keys.Picker.Choose, m.keys.Picker.Cancel}
	case m.comp.picker != nil:
		bindings = m.keys.Picker.ShortHelp()
	case m.focus == focusComposer:
		bindings = append(m.keys.Composer.ShortHelp(), m.keys.Global.NextPane)
	case m.focus == focusInspector:
		bindings = append(m.keys.Inspector.ShortHelp(), m.keys.Global.Help, m.keys.Global.Quit)
	case m.replaying():
		l := m.keys.Log
		bindings = append(m.keys.Replay.ShortHelp(), l.Inspect, l.Filter, m.keys.Global.Help)
	default:
		bindings = append(m.keys.Log.ShortHelp(), m.keys.Global.Help, m.keys.Global.Quit)
	}
	return fit(" "+m.help.ShortHelpView(bindings), m.width)
}

func withHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}

// overlayPicker draws the snippet picker over the bottom of the body.
func (m *Model) overlayPicker(body []string) []string {
	th := &m.theme
	matches := m.comp.snippetMatches()
	maxItems := min(8, len(body)-2)
	lines := []string{fit(th.FilterPrompt.Render(" snippet: ")+th.Input.Render(decode.Sanitize(m.comp.picker.query)), m.width)}
	start := max(0, m.comp.picker.cursor-maxItems+1)
	for k := start; k < len(matches) && k < start+maxItems; k++ {
		s := matches[k]
		text := fmt.Sprintf("  %-16s %s", decode.Sanitize(s.name), decode.Sanitize(strings.ReplaceAll(s.body, "\n", " ")))
		style := th.Preview
		if k == m.comp.picker.cursor {
			style = th.Selected
		}
		lines = append(lines, style.Render(padRight(text, m.width)))
	}
	if len(matches) == 0 {
		lines = append(lines, fit(th.Label.Render("  no snippet matches"), m.width))
	}
	lines = append(lines, fit(th.Rule.Render(strings.Repeat("─", m.width)), m.width))
	if len(lines) > len(body) {
		lines = lines[len(lines)-len(body):]
	}
	copy(body[len(body)-len(lines):], lines)
	return body
}

// helpLines is the full help: every binding, by pane, and the composer's
// commands.
func (m *Model) helpLines() []string {
	th := &m.theme
	type group struct {
		title string
		keys  [][]key.Binding
	}
	groups := []group{
		{"EVERYWHERE", m.keys.Global.FullHelp()},
		{"FRAME LOG", m.keys.Log.FullHelp()},
		{"INSPECTOR", m.keys.Inspector.FullHelp()},
		{"COMPOSER", m.keys.Composer.FullHelp()},
		{"FILTER BAR", m.keys.Filter.FullHelp()},
		{"HISTORY SEARCH AND SNIPPETS", m.keys.Picker.FullHelp()},
	}
	if m.replaying() {
		groups = slices.Insert(groups, 2, group{"REPLAY (FRAME LOG AND INSPECTOR)", m.keys.Replay.FullHelp()})
	}
	var out []string
	for _, g := range groups {
		out = append(out, "", " "+th.Section.Render(g.title))
		for _, column := range g.keys {
			view := m.help.FullHelpView([][]key.Binding{column})
			for _, l := range strings.Split(view, "\n") {
				out = append(out, "   "+l)
			}
		}
	}
	out = append(out, "", " "+th.Section.Render("COMPOSER COMMANDS"))
	for _, c := range composerCommands {
		out = append(out, "   "+th.HelpKey.Render(fmt.Sprintf("%-24s", c.usage))+" "+th.HelpDesc.Render(c.desc))
	}
	out = append(out, "", " "+th.Label.Render("Filter: plain text matches payloads (case-insensitive unless it has capitals); re: starts a regular expression."))
	return out[1:]
}

// headerLines draws the two header lines.
func (m *Model) headerLines() []string {
	th := &m.theme
	s := &m.sess
	now := m.headerNow()
	app := m.opts.Title
	if app == "" {
		app = "wsdbg"
	}

	var state string
	switch {
	case m.closing:
		state = th.StateClosing.Render("closing…")
	case s.state == stateConnecting:
		state = th.StateConnecting.Render("connecting…")
	case s.state == stateOpen:
		state = th.StateOpen.Render("open " + uptime(now.Sub(s.openedAt)))
	case s.state == stateClosing:
		state = th.StateClosing.Render("closing")
	case s.state == stateClosed:
		text := "closed"
		if s.closeCode != 0 {
			text = fmt.Sprintf("closed %d", s.closeCode)
		}
		if m.live == nil && s.ended {
			text = "end of recording"
		}
		state = th.StateClosed.Render(text)
	case s.state == stateReconnecting:
		wait := s.retryAt.Sub(now)
		when := "now"
		if wait > 0 {
			when = fmt.Sprintf("in %ds", int(math.Ceil(wait.Seconds())))
		}
		state = th.StateReconnecting.Render(fmt.Sprintf("reconnecting #%d %s", s.attempt, when))
	}
	var right string
	switch {
	case m.recordingFailed:
		right = th.RecordingFailed.Render(" REC FAILED ")
	case m.opts.RecordPath != "":
		right = th.Recording.Render(" REC ")
	case m.live == nil:
		right = th.Recording.Render(m.replayBadge())
	}
	sep := th.Label.Render(" · ")
	label := func(name, value string) string { return th.HeaderLabel.Render(name+" ") + th.HeaderText.Render(value) }

	// The URL gives way to the state; what was negotiated comes last and is
	// cut first.
	url := decode.Sanitize(s.url)
	fixed := ansi.StringWidth(app) + 2 + 2 + ansi.StringWidth(state) + ansi.StringWidth(right) + 1
	line1 := th.AppName.Render(app) + "  " + th.URL.Render(ansi.Truncate(url, max(8, m.width-fixed), "…")) + "  " + state
	if s.subprotocol != "" {
		line1 += sep + label("proto", decode.Sanitize(s.subprotocol))
	}
	if len(s.extensions) > 0 {
		line1 += sep + label("ext", decode.Sanitize(strings.Join(s.extensions, ", ")))
	}
	line1 = joinEnds(line1, right, m.width)

	dir := func(name string, d int) string {
		return label(name, fmt.Sprintf("%d msg %.1f/s %s", s.msgs[d], s.rate[d], humanBytes(s.bytes[d])))
	}
	facts := []string{dir("out", 1), dir("in", 0)}
	if m.cmp != nil { // before the rtt: a narrow header cuts from the end
		// No message follows a close frame.
		ended := s.state == stateClosing || s.state == stateClosed
		facts = append(facts, label("vs recording", m.cmp.summary(ended)))
	}
	if s.rtt > 0 {
		facts = append(facts, label("rtt", humanDuration(s.rtt)))
	}
	line2 := fit(" "+strings.Join(facts, sep), m.width)
	return []string{line1, line2}
}

// plainLines strips styling, for copying what the inspector shows.
func plainLines(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(strings.TrimRight(ansi.Strip(l), " "))
		b.WriteByte('\n')
	}
	return b.String()
}
