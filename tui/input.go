package tui

import (
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/conn"
)

// handleKey routes a key press to whatever has the keyboard: an overlay, a
// text input, or the focused pane.
func (m *Model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, m.keys.Global.ForceQuit) {
		return m.quit(closeNormal)
	}
	if u, ok := m.takeUnsaved(); ok && key.Matches(msg, m.keys.Log.SaveCopy) && !m.typing() {
		return m.saveUnsaved(u)
	}
	switch {
	case m.showHelp:
		return m.helpKey(msg)
	case m.comp.picker != nil:
		return m.pickerKey(msg)
	case m.comp.search != nil:
		return m.searchKey(msg)
	case m.editing:
		return m.filterKey(msg)
	}
	switch m.focus {
	case focusComposer:
		return m.composerKey(msg)
	case focusInspector:
		return m.inspectorKey(msg)
	}
	return m.logKey(msg)
}

// typing reports whether keys go to a text input.
func (m *Model) typing() bool {
	return m.editing || m.comp.picker != nil || m.comp.search != nil || m.focus == focusComposer
}

// paneKey handles the keys shared by the log and the inspector. It reports
// whether the key was one of them.
func (m *Model) paneKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if cmd, ok := m.replayKey(msg); ok {
		return cmd, true
	}
	g, l := m.keys.Global, m.keys.Log
	switch {
	case key.Matches(msg, g.Quit):
		return m.quit(closeNormal), true
	case key.Matches(msg, g.Help):
		m.openHelp()
	case key.Matches(msg, g.NextPane):
		return m.cycleFocus(1), true
	case key.Matches(msg, g.PrevPane):
		return m.cycleFocus(-1), true
	case key.Matches(msg, l.CopyPayload):
		return m.copySelected(), true
	case key.Matches(msg, l.CopyReport):
		return m.copyReport(), true
	case key.Matches(msg, l.CopyRepro):
		return m.copyRepro(), true
	case key.Matches(msg, l.JumpLink):
		return m.jumpLink(), true
	case key.Matches(msg, l.Compose):
		return m.focusComposer(), true
	default:
		return nil, false
	}
	return nil, true
}

func (m *Model) logKey(msg tea.KeyPressMsg) tea.Cmd {
	if cmd, ok := m.paneKey(msg); ok {
		return cmd
	}
	l := m.keys.Log
	page := max(1, m.layout().log.h-2)
	switch {
	case key.Matches(msg, l.Up):
		m.move(-1)
	case key.Matches(msg, l.Down):
		m.move(1)
	case key.Matches(msg, l.PageUp):
		m.move(-page)
	case key.Matches(msg, l.PageDown):
		m.move(page)
	case key.Matches(msg, l.HalfUp):
		m.move(-page / 2)
	case key.Matches(msg, l.HalfDown):
		m.move(page / 2)
	case key.Matches(msg, l.Top):
		m.move(-m.displayLen())
	case key.Matches(msg, l.Bottom):
		m.follow = true
		m.move(m.displayLen())
	case key.Matches(msg, l.Inspect), key.Matches(msg, l.Explain):
		m.openInspector()
	case key.Matches(msg, l.Close):
		switch {
		case m.inspectorOpen:
			m.inspectorOpen = false
		case m.filter.query != "" || m.filter.hides():
			m.filter = filter{}
			m.filterBar.SetValue("")
			return m.refilter()
		}
	case key.Matches(msg, l.Follow):
		m.follow = !m.follow
		if m.follow {
			m.move(m.displayLen())
			return m.setNotice("following new rows", false)
		}
		return m.setNotice("not following new rows", false)
	case key.Matches(msg, l.TimeMode):
		m.relTime = !m.relTime
		m.invalidateInspector()
	case key.Matches(msg, l.Filter):
		m.editing = true
		m.filterBar.SetValue(m.filter.query)
		m.filterBar.CursorEnd()
		return m.filterBar.Focus()
	case key.Matches(msg, l.NextMatch):
		return m.findNext(1)
	case key.Matches(msg, l.PrevMatch):
		return m.findNext(-1)
	case key.Matches(msg, l.Direction):
		switch m.filter.dir {
		case 0:
			m.filter.dir = conn.In
		case conn.In:
			m.filter.dir = conn.Out
		default:
			m.filter.dir = 0
		}
		return m.refilter()
	case key.Matches(msg, l.Opcode):
		m.filter.ops = (m.filter.ops + 1) % opClassCount
		return m.refilter()
	case key.Matches(msg, l.ErrorsOnly):
		m.filter.errorsOnly = !m.filter.errorsOnly
		return m.refilter()
	case key.Matches(msg, l.InspectorFormat):
		m.insp.nextFormat()
	case key.Matches(msg, l.InspectorWrap):
		m.insp.wrap = !m.insp.wrap
	case key.Matches(msg, l.InspectorScrollUp):
		m.insp.pg.scrollUp(1)
	case key.Matches(msg, l.InspectorScrollDown):
		m.insp.pg.scrollDown(1)
	}
	return nil
}

func (m *Model) inspectorKey(msg tea.KeyPressMsg) tea.Cmd {
	if cmd, ok := m.paneKey(msg); ok {
		return cmd
	}
	in := m.keys.Inspector
	pg := &m.insp.pg
	switch {
	case key.Matches(msg, in.Up):
		pg.scrollUp(1)
	case key.Matches(msg, in.Down):
		pg.scrollDown(1)
	case key.Matches(msg, in.PageUp):
		pg.pageUp()
	case key.Matches(msg, in.PageDown):
		pg.pageDown()
	case key.Matches(msg, in.Top):
		pg.gotoTop()
	case key.Matches(msg, in.Bottom):
		pg.gotoBottom()
	case key.Matches(msg, in.Left):
		pg.scrollLeft(4)
	case key.Matches(msg, in.Right):
		pg.scrollRight(4)
	case key.Matches(msg, in.Format):
		m.insp.nextFormat()
	case key.Matches(msg, in.Wrap):
		m.insp.wrap = !m.insp.wrap
	case key.Matches(msg, in.Back):
		m.inspectorOpen = false
		m.focus = focusLog
	}
	return nil
}

func (m *Model) composerKey(msg tea.KeyPressMsg) tea.Cmd {
	c, g := m.keys.Composer, m.keys.Global
	ta := &m.comp.ta
	switch {
	case key.Matches(msg, g.NextPane):
		return m.cycleFocus(1)
	case key.Matches(msg, g.PrevPane):
		return m.cycleFocus(-1)
	case key.Matches(msg, c.Leave):
		m.comp.blur()
		m.focus = focusLog
		return nil
	case key.Matches(msg, c.Send):
		return m.submit()
	case key.Matches(msg, c.Newline):
		ta.InsertRune('\n')
		return nil
	case key.Matches(msg, c.HistoryPrev) && ta.Line() == 0:
		m.comp.browse(-1)
		return nil
	case key.Matches(msg, c.HistoryNext) && ta.Line() == ta.LineCount()-1:
		m.comp.browse(1)
		return nil
	case key.Matches(msg, c.HistorySearch):
		m.comp.startSearch()
		return nil
	case key.Matches(msg, c.Snippets):
		if len(m.comp.snippets) == 0 {
			return m.setNotice("no snippets: start with --snippets FILE", true)
		}
		m.comp.picker = &snippetPicker{}
		return nil
	case key.Matches(msg, c.Mode):
		m.comp.mode = (m.comp.mode + 1) % sendModeCount
		return nil
	}
	var cmd tea.Cmd
	*ta, cmd = ta.Update(msg)
	return cmd
}

// editQuery applies a key to a one-line query typed into a search or
// picker: backspace deletes, printable text appends. It reports whether the
// key was used.
func editQuery(q *string, msg tea.KeyPressMsg) bool {
	switch {
	case msg.Code == tea.KeyBackspace:
		if _, size := utf8.DecodeLastRuneInString(*q); size > 0 {
			*q = (*q)[:len(*q)-size]
		}
		return true
	case msg.Text != "" && msg.Mod&^tea.ModShift == 0:
		*q += msg.Text
		return true
	}
	return false
}

func (m *Model) searchKey(msg tea.KeyPressMsg) tea.Cmd {
	p, s := m.keys.Picker, m.comp.search
	switch {
	case key.Matches(msg, p.Older):
		if s.match > 0 {
			m.comp.searchFrom(s.match - 1)
		}
	case key.Matches(msg, p.Choose):
		if s.match >= 0 {
			m.comp.set(m.comp.history[s.match])
		}
		m.comp.search = nil
	case key.Matches(msg, p.Cancel):
		m.comp.set(s.saved)
		m.comp.search = nil
	default:
		if editQuery(&s.query, msg) {
			m.comp.searchFrom(len(m.comp.history) - 1)
		}
	}
	return nil
}

func (m *Model) pickerKey(msg tea.KeyPressMsg) tea.Cmd {
	p, pk := m.keys.Picker, m.comp.picker
	matches := m.comp.snippetMatches()
	switch {
	case key.Matches(msg, p.Up):
		pk.cursor = max(0, pk.cursor-1)
	case key.Matches(msg, p.Down):
		pk.cursor = min(len(matches)-1, pk.cursor+1)
	case key.Matches(msg, p.Choose):
		if pk.cursor < len(matches) {
			m.comp.set(matches[pk.cursor].body)
		}
		m.comp.picker = nil
	case key.Matches(msg, p.Cancel):
		m.comp.picker = nil
	default:
		if editQuery(&pk.query, msg) {
			pk.cursor = 0
		}
	}
	return nil
}

func (m *Model) filterKey(msg tea.KeyPressMsg) tea.Cmd {
	f := m.keys.Filter
	switch {
	case key.Matches(msg, f.Apply):
		m.editing = false
		m.filterBar.Blur()
		return nil
	case key.Matches(msg, f.Cancel):
		m.editing = false
		m.filterBar.Blur()
		m.filterBar.SetValue("")
		m.filter.query = ""
		return m.refilter()
	case key.Matches(msg, f.Regex):
		m.filter.regex = !m.filter.regex
		return m.refilter()
	case key.Matches(msg, f.Hide):
		m.filter.findOnly = !m.filter.findOnly
		return m.refilter()
	}
	var cmd tea.Cmd
	m.filterBar, cmd = m.filterBar.Update(msg)
	if v := m.filterBar.Value(); v != m.filter.query {
		m.filter.query = v
		return tea.Batch(cmd, m.refilter())
	}
	return cmd
}

func (m *Model) helpKey(msg tea.KeyPressMsg) tea.Cmd {
	l := m.keys.Log
	switch {
	case key.Matches(msg, m.keys.Global.Help, m.keys.Global.Quit, l.Close):
		m.showHelp = false
	case key.Matches(msg, l.Up):
		m.helpView.ScrollUp(1)
	case key.Matches(msg, l.Down):
		m.helpView.ScrollDown(1)
	case key.Matches(msg, l.PageUp):
		m.helpView.PageUp()
	case key.Matches(msg, l.PageDown):
		m.helpView.PageDown()
	}
	return nil
}

func (m *Model) handlePaste(msg tea.PasteMsg) tea.Cmd {
	var cmd tea.Cmd
	switch {
	case m.comp.search != nil:
		m.comp.search.query += strings.ReplaceAll(msg.Content, "\n", " ")
		m.comp.searchFrom(len(m.comp.history) - 1)
	case m.comp.picker != nil:
		m.comp.picker.query += strings.ReplaceAll(msg.Content, "\n", " ")
	case m.editing:
		m.filterBar, cmd = m.filterBar.Update(msg)
		if v := m.filterBar.Value(); v != m.filter.query {
			m.filter.query = v
			cmd = tea.Batch(cmd, m.refilter())
		}
	case m.focus == focusComposer || m.live != nil:
		// Pasting anywhere is meant for the composer.
		cmd = m.focusComposer()
		var paste tea.Cmd
		m.comp.ta, paste = m.comp.ta.Update(msg)
		cmd = tea.Batch(cmd, paste)
	}
	return cmd
}

// submit acts on the composer's text.
func (m *Model) submit() tea.Cmd {
	text := m.comp.value()
	if strings.TrimSpace(text) == "" {
		return nil
	}
	act, err := parseCommand(text, m.comp.mode)
	if err != nil {
		return m.setNotice(err.Error(), true)
	}
	switch act.kind {
	case actHelp:
		m.comp.set("")
		m.openHelp()
		return nil
	case actSnippet:
		s, ok := m.comp.snippet(act.name)
		if !ok {
			return m.setNotice("no snippet named "+act.name+" (ctrl+o lists them)", true)
		}
		m.comp.set(s.body)
		return nil
	}
	if m.live == nil {
		return m.setNotice("this is a replay: nothing can be sent", true)
	}
	var note string
	switch act.kind {
	case actSend:
		err = m.live.Send(act.op, act.payload)
	case actPing:
		err = m.live.Ping(act.payload)
		note = "ping sent"
	case actClose:
		err = m.live.Close(act.code, act.reason)
		note = "close frame sent"
	case actReconnect:
		m.live.Reconnect()
		note = "reconnecting"
	}
	if err != nil {
		// The text stays in the composer, to send again.
		if queueFull(err) {
			what := "message"
			if act.kind == actPing {
				what = "ping"
			}
			return m.setNotice("the server is not reading; "+what+" not sent", true)
		}
		return m.setNotice("not sent: "+err.Error(), true)
	}
	var cmd tea.Cmd
	if herr := m.comp.remember(text); herr != nil {
		cmd = m.setNotice("history file: "+herr.Error(), true)
	} else if note != "" {
		cmd = m.setNotice(note, false)
	}
	m.comp.set("")
	// What was just sent should be in view.
	if m.follow {
		m.unseen = 0
		m.sel = max(0, m.displayLen()-1)
		m.ensureVisible()
	}
	return cmd
}

// cycleFocus moves to the next (or previous) pane that is on screen.
func (m *Model) cycleFocus(delta int) tea.Cmd {
	// The composer comes right after the log: going back and forth between
	// reading and typing is the common case.
	panes := []focusPane{focusLog}
	if m.live != nil {
		panes = append(panes, focusComposer)
	}
	if lay := m.layout(); lay.showInsp && lay.mode != layoutCompact {
		panes = append(panes, focusInspector)
	}
	cur := 0
	for k, p := range panes {
		if p == m.focus {
			cur = k
		}
	}
	next := panes[(cur+delta+len(panes))%len(panes)]
	return m.setFocus(next)
}

func (m *Model) setFocus(p focusPane) tea.Cmd {
	if p == m.focus {
		return nil
	}
	if m.focus == focusComposer {
		m.comp.blur()
	}
	if m.focus == focusInspector && m.layout().mode == layoutCompact {
		m.inspectorOpen = false
	}
	m.focus = p
	if p == focusComposer {
		return m.comp.focus()
	}
	return nil
}

func (m *Model) focusComposer() tea.Cmd {
	if m.live == nil {
		return m.setNotice("this is a replay: nothing can be sent", true)
	}
	return m.setFocus(focusComposer)
}

// openInspector shows the selected row's details, explanation first.
func (m *Model) openInspector() {
	if m.displayLen() == 0 {
		return
	}
	if m.layout().mode == layoutCompact {
		m.inspectorOpen = true
	}
	m.focus = focusInspector
	m.insp.pg.gotoTop()
}

func (m *Model) openHelp() {
	m.showHelp = true
	m.helpView.GotoTop()
}

// move shifts the selection by delta rows.
func (m *Model) move(delta int) {
	n := m.displayLen()
	if n == 0 {
		return
	}
	m.sel = max(0, min(n-1, m.sel+delta))
	if m.sel == n-1 {
		m.unseen = 0
	}
	m.ensureVisible()
}

// ensureVisible scrolls the log so the selection is on screen.
func (m *Model) ensureVisible() {
	rows := max(1, m.layout().log.h-1)
	n := m.displayLen()
	m.sel = max(0, min(m.sel, n-1))
	switch {
	case m.sel < m.top:
		m.top = m.sel
	case m.sel >= m.top+rows:
		m.top = m.sel - rows + 1
	}
	m.top = max(0, min(m.top, max(0, n-rows)))
}

// findNext moves to the next (dir 1) or previous (dir -1) row matching the
// text query.
func (m *Model) findNext(dir int) tea.Cmd {
	if !m.filter.hasText() {
		return m.setNotice("nothing to find: press / and type", true)
	}
	n := m.displayLen()
	for pos := m.sel + dir; pos >= 0 && pos < n; pos += dir {
		if !m.filter.hides() && !m.rowMatchesText(m.rowAt(pos)) {
			continue
		}
		m.sel = pos
		if pos == n-1 {
			m.unseen = 0
		}
		m.ensureVisible()
		return nil
	}
	if dir > 0 {
		return m.setNotice("no more matches below", false)
	}
	return m.setNotice("no more matches above", false)
}

// jumpLink selects the request or reply linked with the selected row.
func (m *Model) jumpLink() tea.Cmd {
	if m.displayLen() == 0 {
		return nil
	}
	r := m.store.row(m.rowAt(m.sel))
	if r.link < 0 {
		return m.setNotice("this row has no linked request or reply", true)
	}
	pos := m.positionOf(int(r.link))
	if pos >= m.displayLen() || m.rowAt(pos) != int(r.link) {
		return m.setNotice("the linked row is hidden by the filter", true)
	}
	m.sel = pos
	m.ensureVisible()
	return nil
}

func (m *Model) handleClick(mouse tea.Mouse) tea.Cmd {
	lay := m.layout()
	switch {
	case lay.showLog && lay.log.contains(mouse.X, mouse.Y):
		cmd := m.setFocus(focusLog)
		if row := mouse.Y - lay.log.y - 1; row >= 0 {
			pos := m.top + row
			if pos < m.displayLen() {
				m.sel = pos
				if pos == m.displayLen()-1 {
					m.unseen = 0
				}
			}
		}
		return cmd
	case lay.showInsp && lay.insp.contains(mouse.X, mouse.Y):
		m.focus = focusInspector
	case mouse.Y >= lay.composerY && mouse.Y < lay.composerY+lay.composerH:
		return m.focusComposer()
	}
	return nil
}

func (m *Model) handleWheel(mouse tea.Mouse) {
	lay := m.layout()
	delta := 0
	switch mouse.Button {
	case tea.MouseWheelUp:
		delta = -3
	case tea.MouseWheelDown:
		delta = 3
	default:
		return
	}
	switch {
	case m.showHelp:
		m.helpView.ScrollDown(delta)
	case lay.showInsp && lay.insp.contains(mouse.X, mouse.Y):
		if delta < 0 {
			m.insp.pg.scrollUp(-delta)
		} else {
			m.insp.pg.scrollDown(delta)
		}
	case lay.showLog:
		m.move(delta)
	}
}
