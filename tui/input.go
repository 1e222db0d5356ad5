package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// handleKey routes a key press to whatever has the keyboard.
func (m *model) handleKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, m.keys.Global.ForceQuit) {
		return m.quit(closeNormal)
	}
	if u, ok := m.takeUnsaved(); ok && key.Matches(msg, m.keys.Log.SaveCopy) && !m.typing() {
		return m.saveUnsaved(u)
	}
	switch m.focus {
	case focusHelp:
		return m.helpKey(msg)
	case focusFilter:
		return m.filterKey(msg)
	case focusComposer:
		return m.composerKey(msg)
	case focusInspector:
		return m.inspectorKey(msg)
	case focusConns:
		return m.connectionsKey(msg)
	}
	return m.logKey(msg)
}

// canType reports whether the composer takes anything: messages on a
// live connection, fault commands on a proxy.
func (m *model) canType() bool { return m.live != nil || m.px != nil }

// typing reports whether keys go to a text input.
func (m *model) typing() bool {
	return m.focus == focusFilter || m.pane == focusComposer
}

// paneKey handles the keys shared by the log and the inspector. It reports
// whether the key was one of them.
func (m *model) paneKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	if cmd, ok := m.replayKey(msg); ok {
		return cmd, true
	}
	g, l, px := m.keys.Global, m.keys.Log, m.keys.Proxy
	switch {
	case key.Matches(msg, px.List):
		m.focus = focusConns
		m.px.list.Select(m.px.shown)
	case key.Matches(msg, px.Next):
		return m.stepConn(1), true
	case key.Matches(msg, px.Prev):
		return m.stepConn(-1), true
	case key.Matches(msg, px.Pause):
		return m.togglePause(), true
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

func (m *model) logKey(msg tea.KeyPressMsg) tea.Cmd {
	if cmd, ok := m.paneKey(msg); ok {
		return cmd
	}
	if cmd, ok := m.logMoveKey(msg); ok {
		return cmd
	}
	l := m.keys.Log
	switch {
	case key.Matches(msg, l.Inspect), key.Matches(msg, l.Explain):
		m.openInspector()
	case key.Matches(msg, l.Close):
		switch {
		case m.inspectorOpen:
			m.inspectorOpen = false
		case m.filter.Criteria().Set():
			m.filter.Reset()
			return m.refilter()
		}
	case key.Matches(msg, l.TimeMode):
		m.relTime = !m.relTime
		m.insp.Invalidate()
	case key.Matches(msg, l.InspectorFormat):
		m.insp.NextFormat()
	case key.Matches(msg, l.InspectorWrap):
		m.insp.ToggleWrap()
	case key.Matches(msg, l.InspectorScrollUp):
		m.insp.ScrollUp(1)
	case key.Matches(msg, l.InspectorScrollDown):
		m.insp.ScrollDown(1)
	default:
		return m.logFilterKey(msg)
	}
	return nil
}

// logMoveKey handles the keys that move through the log; it reports
// whether msg was one.
func (m *model) logMoveKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
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
	case key.Matches(msg, l.Follow):
		m.follow = !m.follow
		if m.follow {
			m.move(m.displayLen())
			return m.setNotice("following new rows", false), true
		}
		return m.setNotice("not following new rows", false), true
	default:
		return nil, false
	}
	return nil, true
}

// logFilterKey handles the log's keys that filter it or find in it.
func (m *model) logFilterKey(msg tea.KeyPressMsg) tea.Cmd {
	l := m.keys.Log
	switch {
	case key.Matches(msg, l.Filter):
		m.focus = focusFilter
		return m.filter.Focus()
	case key.Matches(msg, l.NextMatch):
		return m.findNext(1)
	case key.Matches(msg, l.PrevMatch):
		return m.findNext(-1)
	case key.Matches(msg, l.Direction):
		m.filter.CycleDirection()
		return m.refilter()
	case key.Matches(msg, l.Opcode):
		m.filter.CycleOps()
		return m.refilter()
	case key.Matches(msg, l.ErrorsOnly):
		m.filter.ToggleErrorsOnly()
		return m.refilter()
	}
	return nil
}

func (m *model) inspectorKey(msg tea.KeyPressMsg) tea.Cmd {
	if cmd, ok := m.paneKey(msg); ok {
		return cmd
	}
	if key.Matches(msg, m.insp.KeyMap.Back) {
		m.inspectorOpen = false
		m.focus, m.pane = focusLog, focusLog
		return nil
	}
	var cmd tea.Cmd
	m.insp, cmd = m.insp.Update(msg)
	return cmd
}

// composerKey handles what the composer cannot do alone: moving the focus,
// and sending.
func (m *model) composerKey(msg tea.KeyPressMsg) tea.Cmd {
	g, c := m.keys.Global, m.comp.KeyMap
	switch {
	case !m.comp.Picking() && key.Matches(msg, g.NextPane):
		return m.cycleFocus(1)
	case !m.comp.Picking() && key.Matches(msg, g.PrevPane):
		return m.cycleFocus(-1)
	case key.Matches(msg, c.Leave):
		return m.setFocus(focusLog)
	case key.Matches(msg, c.Send):
		return m.submit()
	case key.Matches(msg, c.Snippets) && !m.comp.HasSnippets():
		return m.setNotice("no snippets: start with --snippets FILE", true)
	}
	var cmd tea.Cmd
	m.comp, cmd = m.comp.Update(msg)
	return cmd
}

func (m *model) filterKey(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	m.filter, cmd = m.filter.Update(msg)
	if !m.filter.Focused() {
		m.focus = m.pane
	}
	return tea.Batch(cmd, m.refilterIfChanged())
}

func (m *model) helpKey(msg tea.KeyPressMsg) tea.Cmd {
	if key.Matches(msg, m.help.KeyMap.Close) {
		m.focus = m.pane
		return nil
	}
	var cmd tea.Cmd
	m.help, cmd = m.help.Update(msg)
	return cmd
}

func (m *model) handlePaste(msg tea.PasteMsg) tea.Cmd {
	switch {
	case m.focus == focusFilter:
		return m.filterKey(msg)
	case m.focus == focusComposer:
		var cmd tea.Cmd
		m.comp, cmd = m.comp.Update(msg)
		return cmd
	case m.canType():
		// Pasting anywhere is meant for the composer.
		cmd := m.focusComposer()
		var paste tea.Cmd
		m.comp, paste = m.comp.Update(msg)
		return tea.Batch(cmd, paste)
	}
	return nil
}

// cycleFocus moves to the next (or previous) pane that is on screen.
func (m *model) cycleFocus(delta int) tea.Cmd {
	// The composer comes right after the log: going back and forth between
	// reading and typing is the common case.
	panes := []focus{focusLog}
	if m.canType() {
		panes = append(panes, focusComposer)
	}
	if lay := m.layout(); lay.showInsp && lay.mode != layoutCompact {
		panes = append(panes, focusInspector)
	}
	cur := 0
	for k, p := range panes {
		if p == m.pane {
			cur = k
		}
	}
	next := panes[(cur+delta+len(panes))%len(panes)]
	return m.setFocus(next)
}

// setFocus focuses pane p. While the filter bar or the help is open it
// keeps the keyboard, and p is focused once it closes.
func (m *model) setFocus(p focus) tea.Cmd {
	if p == m.pane {
		return nil
	}
	if m.pane == focusComposer {
		m.comp.Blur()
	}
	if m.pane == focusInspector && m.layout().mode == layoutCompact {
		m.inspectorOpen = false
	}
	if m.focus == m.pane {
		m.focus = p
	}
	m.pane = p
	if p == focusComposer {
		return m.comp.Focus()
	}
	return nil
}

func (m *model) focusComposer() tea.Cmd {
	if !m.canType() {
		return m.setNotice("this is a replay: nothing can be sent", true)
	}
	return m.setFocus(focusComposer)
}

// openInspector shows the selected row's details, explanation first.
func (m *model) openInspector() {
	if m.displayLen() == 0 {
		return
	}
	if m.layout().mode == layoutCompact {
		m.inspectorOpen = true
	}
	m.focus, m.pane = focusInspector, focusInspector
	m.insp.GotoTop()
}

// openHelp shows the help over the focused pane.
func (m *model) openHelp() {
	m.focus = focusHelp
	m.help.GotoTop()
}

func (m *model) handleClick(mouse tea.Mouse) tea.Cmd {
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
		return m.setFocus(focusInspector)
	case mouse.Y >= lay.composerY && mouse.Y < lay.composerY+lay.composerH:
		return m.focusComposer()
	}
	return nil
}

func (m *model) handleWheel(mouse tea.Mouse) {
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
	case m.focus == focusHelp:
		m.help.ScrollDown(delta)
	case lay.showInsp && lay.insp.contains(mouse.X, mouse.Y):
		if delta < 0 {
			m.insp.ScrollUp(-delta)
		} else {
			m.insp.ScrollDown(delta)
		}
	case lay.showLog:
		m.move(delta)
	}
}
