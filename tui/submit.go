package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/tui/composer"
)

// submit acts on the composer's text.
func (m *model) submit() tea.Cmd {
	text := m.comp.Value()
	if strings.TrimSpace(text) == "" {
		return nil
	}
	if m.px != nil {
		return m.runProxyCommand(text)
	}
	act, err := composer.Parse(text, m.comp.Mode())
	if err != nil {
		return m.setNotice(err.Error(), true)
	}
	switch act.Kind {
	case composer.Help:
		m.comp.SetValue("")
		m.openHelp()
		return nil
	case composer.Snippet:
		body, ok := m.comp.Snippet(act.Name)
		if !ok {
			return m.setNotice("no snippet named "+act.Name+" (ctrl+o lists them)", true)
		}
		m.comp.SetValue(body)
		return nil
	}
	if m.live == nil {
		return m.setNotice("this is a replay: nothing can be sent", true)
	}
	var note string
	switch act.Kind {
	case composer.Send:
		err = m.live.Send(act.Op, act.Payload)
	case composer.Ping:
		err = m.live.Ping(act.Payload)
		note = "ping sent"
	case composer.Close:
		err = m.live.Close(act.Code, act.Reason)
		note = "close frame sent"
	case composer.Reconnect:
		m.live.Reconnect()
		note = "reconnecting"
	}
	if err != nil {
		// The text stays in the composer, to send again.
		if queueFull(err) {
			what := "message"
			if act.Kind == composer.Ping {
				what = "ping"
			}
			return m.setNotice("the server is not reading; "+what+" not sent", true)
		}
		return m.setNotice("not sent: "+err.Error(), true)
	}
	var cmd tea.Cmd
	if herr := m.comp.Remember(text); herr != nil {
		cmd = m.setNotice("history file: "+herr.Error(), true)
	} else if note != "" {
		cmd = m.setNotice(note, false)
	}
	m.comp.SetValue("")
	// What was just sent should be in view.
	if m.follow {
		m.unseen = 0
		m.sel = max(0, m.displayLen()-1)
		m.ensureVisible()
	}
	return cmd
}
