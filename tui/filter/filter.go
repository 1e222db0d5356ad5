// Package filter is the frame log's filter bar: the text typed to narrow
// the log or to find rows in it, and the toggles that narrow it by
// direction, kind of frame and errors. The log applies the Criteria; the
// bar only keeps them and says when they change.
package filter

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/themes"
	"github.com/wsdbg/wsdbg/tui/internal/cells"
)

// KeyMap holds the keys of the filter bar while it is being edited;
// editing keys (cursor movement, deletion) are the text input's own.
type KeyMap struct {
	Apply  key.Binding
	Cancel key.Binding
	Regex  key.Binding
	Hide   key.Binding
}

// DefaultKeyMap returns the standard bindings.
func DefaultKeyMap() KeyMap {
	return KeyMap{
		Apply:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "keep filter")),
		Cancel: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter")),
		Regex:  key.NewBinding(key.WithKeys("ctrl+x"), key.WithHelp("ctrl+x", "regular expression")),
		Hide:   key.NewBinding(key.WithKeys("ctrl+t"), key.WithHelp("ctrl+t", "hide/highlight non-matching")),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Apply, k.Cancel, k.Regex, k.Hide} }

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// Model is the filter bar and the criteria it edits.
type Model struct {
	KeyMap KeyMap

	input   textinput.Model
	crit    Criteria
	version int // counts changes of crit

	width        int
	shown, total int // what the log shows of what it holds, for the status
	styles       *themes.Theme
}

// New returns a filter bar drawn with th, which must outlive it.
func New(th *themes.Theme) Model {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "text, or re:regexp"
	in.SetVirtualCursor(false)
	m := Model{KeyMap: DefaultKeyMap(), input: in}
	m.SetStyles(th)
	return m
}

// SetStyles draws the bar with th, which must outlive it.
func (m *Model) SetStyles(th *themes.Theme) {
	m.styles = th
	s := m.input.Styles()
	for _, st := range []*textinput.StyleState{&s.Focused, &s.Blurred} {
		st.Text, st.Placeholder, st.Prompt = th.Input, th.Placeholder, th.FilterPrompt
	}
	s.Cursor.Color = th.Cursor
	m.input.SetStyles(s)
}

// SetSize sets the width of the bar's line.
func (m *Model) SetSize(width int) {
	m.width = width
	m.input.SetWidth(max(1, width-30))
}

// SetCounts tells the bar how many rows the log shows of how many, for
// its status.
func (m *Model) SetCounts(shown, total int) { m.shown, m.total = shown, total }

// Criteria are the current criteria. They change only through the
// Model's methods.
func (m *Model) Criteria() *Criteria { return &m.crit }

// Version changes whenever the criteria change: the log filters again
// when it differs from the one it filtered with.
func (m *Model) Version() int { return m.version }

func (m *Model) changed() {
	m.crit.compile()
	m.version++
}

// Focus starts editing the query.
func (m *Model) Focus() tea.Cmd {
	m.input.SetValue(m.crit.query)
	m.input.CursorEnd()
	return m.input.Focus()
}

// Focused reports whether the query is being edited.
func (m Model) Focused() bool { return m.input.Focused() }

// CycleDirection goes from both directions to incoming only, outgoing
// only, and back.
func (m *Model) CycleDirection() {
	switch m.crit.dir {
	case 0:
		m.crit.dir = conn.In
	case conn.In:
		m.crit.dir = conn.Out
	default:
		m.crit.dir = 0
	}
	m.changed()
}

// CycleOps goes through the kinds of frame.
func (m *Model) CycleOps() {
	m.crit.ops = (m.crit.ops + 1) % opsCount
	m.changed()
}

// ToggleErrorsOnly shows only errors, or everything again.
func (m *Model) ToggleErrorsOnly() {
	m.crit.errorsOnly = !m.crit.errorsOnly
	m.changed()
}

// Reset clears the query and every toggle.
func (m *Model) Reset() {
	m.crit = Criteria{}
	m.input.SetValue("")
	m.changed()
}

// Update handles a key or a paste while the bar is being edited. Apply
// and Cancel end the editing.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(msg, m.KeyMap.Apply):
			m.input.Blur()
			return m, nil
		case key.Matches(msg, m.KeyMap.Cancel):
			m.input.Blur()
			m.input.SetValue("")
			m.crit.query = ""
			m.changed()
			return m, nil
		case key.Matches(msg, m.KeyMap.Regex):
			m.crit.regex = !m.crit.regex
			m.changed()
			return m, nil
		case key.Matches(msg, m.KeyMap.Hide):
			m.crit.findOnly = !m.crit.findOnly
			m.changed()
			return m, nil
		}
	}
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if v := m.input.Value(); v != m.crit.query {
		m.crit.query = v
		m.changed()
	}
	return m, cmd
}

// View draws the bar being edited: the query, then its flags and what it
// matches.
func (m Model) View() string {
	th, c := m.styles, &m.crit
	status := fmt.Sprintf(" %d of %d", m.shown, m.total)
	if !c.Hides() && c.HasText() {
		status = " find mode"
	}
	if c.err != "" {
		status = " " + th.NoticeError.Render(decode.Sanitize("bad regexp: "+c.err))
	}
	flags := ""
	if c.regex {
		flags += " [re]"
	}
	if c.findOnly {
		flags += " [find]"
	}
	right := th.Label.Render(flags + status + " ")
	return cells.JoinEnds(cells.StripBidi(m.input.View()), right, m.width)
}

// Cursor is where the terminal's cursor goes while the bar is edited,
// relative to the bar's line.
func (m Model) Cursor() *tea.Cursor { return m.input.Cursor() }
