// Package connections is the list of a proxy's connections: one line per
// connection the application opened through wsdbg proxy, with where it
// came from, what it asked for, its state and how much each side sent. The
// program around it shows the log of the one chosen.
package connections

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/themes"
	"github.com/wsdbg/wsdbg/tui/internal/cells"
)

// KeyMap holds the list's keys. Choose and Close are for the program
// around it: the first shows the connection under the cursor, the second
// gives the keyboard back.
type KeyMap struct {
	Up, Down    key.Binding
	Top, Bottom key.Binding
	Choose      key.Binding
	Close       key.Binding
}

// DefaultKeyMap returns the standard bindings.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:     b("↑/k", "up", "k", "up"),
		Down:   b("↓/j", "down", "j", "down"),
		Top:    b("g/home", "first connection", "g", "home"),
		Bottom: b("G/end", "last connection", "G", "end"),
		Choose: b("enter", "show this connection", "enter"),
		Close:  b("esc/C", "close the list", "esc", "C", "q"),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Down, k.Up, k.Choose, k.Close} }

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.Top, k.Bottom, k.Choose, k.Close}}
}

// State is where a connection is in its life.
type State uint8

// The states of a proxied connection.
const (
	Opening State = iota // the upgrade is under way
	Open
	Closing // a close frame went one way, the answer is awaited
	Ended
)

// Item is one connection. Its texts must be sanitised.
type Item struct {
	N           int    // the connection's number, from 1
	Client      string // the application's address
	Path        string // the path and query it asked for
	Subprotocol string
	State       State
	Code        int // Ended: the close code, 0 when there was none (a failure)
	FromClient  int64
	FromServer  int64 // data messages each side sent
	Recording   string
	Paused      bool
}

// Model is the list.
type Model struct {
	KeyMap KeyMap

	items         []Item
	cursor        int
	top           int
	width, height int
	styles        *themes.Theme
}

// New returns an empty list drawn with th, which must outlive it.
func New(th *themes.Theme) Model { return Model{KeyMap: DefaultKeyMap(), styles: th} }

// SetStyles draws the list with th, which must outlive it.
func (m *Model) SetStyles(th *themes.Theme) { m.styles = th }

// SetSize sets the size View fills.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }

// SetItems replaces the connections listed, oldest first.
func (m *Model) SetItems(items []Item) {
	m.items = items
	m.cursor = max(0, min(m.cursor, len(items)-1))
}

// Select puts the cursor on connection n.
func (m *Model) Select(n int) {
	for k, it := range m.items {
		if it.N == n {
			m.cursor = k
		}
	}
}

// Selected is the number of the connection under the cursor, 0 when the
// list is empty.
func (m Model) Selected() int {
	if len(m.items) == 0 {
		return 0
	}
	return m.items[m.cursor].N
}

// Update moves the cursor.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || len(m.items) == 0 {
		return m, nil
	}
	switch {
	case key.Matches(k, m.KeyMap.Up):
		m.cursor = max(0, m.cursor-1)
	case key.Matches(k, m.KeyMap.Down):
		m.cursor = min(len(m.items)-1, m.cursor+1)
	case key.Matches(k, m.KeyMap.Top):
		m.cursor = 0
	case key.Matches(k, m.KeyMap.Bottom):
		m.cursor = len(m.items) - 1
	}
	return m, nil
}

// stateText is how the list names a state.
func (it Item) stateText() string {
	switch it.State {
	case Opening:
		return "opening"
	case Open:
		if it.Paused {
			return "paused"
		}
		return "open"
	case Closing:
		return "closing"
	}
	if it.Code != 0 {
		return fmt.Sprintf("closed %d", it.Code)
	}
	return "ended"
}

// View draws the list: exactly its height in lines of its width.
func (m *Model) View() string {
	th := m.styles
	lines := make([]string, 0, m.height)
	title := th.PaneTitleFocused.Render("CONNECTIONS") + th.Label.Render(fmt.Sprintf(" · %d", len(m.items)))
	lines = append(lines, cells.Fit(" "+title, m.width))
	// The widest columns are cut first: the path, then the address.
	head := fmt.Sprintf("  %4s  %-10s  %7s  %7s  %s  %s", "#", "STATE", "C→", "←S", cells.PadRight("CLIENT", 21), "PATH")
	lines = append(lines, cells.Fit(th.Label.Render(head), m.width))
	rows := max(1, m.height-2)
	if m.cursor < m.top {
		m.top = m.cursor
	}
	if m.cursor >= m.top+rows {
		m.top = m.cursor - rows + 1
	}
	if len(m.items) == 0 {
		lines = append(lines, cells.Fit("  "+th.Label.Render("No connection yet: point your application at the proxy."), m.width))
	}
	for k := m.top; k < len(m.items) && len(lines) < m.height; k++ {
		it := m.items[k]
		state := cells.PadRight(it.stateText(), 10)
		switch {
		case k == m.cursor: // the selection's style covers the line
		case it.State == Open:
			state = th.StateOpen.Render(state)
		case it.State == Closing:
			state = th.StateClosing.Render(state)
		case it.State == Ended:
			state = th.Label.Render(state)
		}
		path := it.Path
		if it.Subprotocol != "" {
			path += "  [" + it.Subprotocol + "]"
		}
		if it.Recording != "" {
			path += "  " + it.Recording
		}
		gutter := "  "
		if k == m.cursor {
			gutter = "> "
		}
		line := fmt.Sprintf("%s%4d  %s  %7d  %7d  %s  %s", gutter, it.N, state, it.FromClient, it.FromServer,
			cells.PadRight(it.Client, 21), path)
		if k == m.cursor {
			line = th.Selected.Render(cells.Fit(line, m.width))
		}
		lines = append(lines, cells.Fit(line, m.width))
	}
	for len(lines) < m.height {
		lines = append(lines, strings.Repeat(" ", m.width))
	}
	return strings.Join(lines[:m.height], "\n")
}
