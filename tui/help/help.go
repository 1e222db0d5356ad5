// Package help is the help of the interface: the overlay that lists every
// key by the part of the screen it works in, with the composer's commands,
// and the one-line summary of the keys that work now, for the status line.
package help

import (
	"fmt"
	"strings"

	keyhelp "charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/themes"
	"github.com/wsdbg/wsdbg/tui/internal/cells"
)

// KeyMap holds the overlay's keys. Close is for the program around it,
// which gives the keyboard back to what had it.
type KeyMap struct {
	Close            key.Binding
	Up, Down         key.Binding
	PageUp, PageDown key.Binding
}

// DefaultKeyMap returns the standard bindings.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Close:    b("?/esc", "close help", "?", "esc", "q"),
		Up:       b("↑/k", "up", "k", "up"),
		Down:     b("↓/j", "down", "j", "down"),
		PageUp:   b("pgup", "page up", "pgup", "ctrl+b"),
		PageDown: b("pgdn", "page down", "pgdown", "ctrl+f", "space"),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding { return []key.Binding{k.Down, k.Up, k.Close} }

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Close, k.Up, k.Down, k.PageUp, k.PageDown}}
}

// Section is a titled part of the overlay: the keys of one part of the
// screen, then a table of other things to type there.
type Section struct {
	Title string
	Keys  [][]key.Binding // columns, listed one after the other; disabled keys are left out
	Items []Item
}

// Item is one row of a section's table.
type Item struct{ Name, Desc string }

// Model is the help overlay and the status line's key summary.
type Model struct {
	KeyMap KeyMap

	view   viewport.Model
	keys   keyhelp.Model
	width  int
	styles *themes.Theme
}

// New returns the help drawn with th, which must outlive it.
func New(th *themes.Theme) Model {
	m := Model{KeyMap: DefaultKeyMap(), view: viewport.New(), keys: keyhelp.New()}
	m.view.KeyMap = viewport.KeyMap{} // the overlay's own keys drive it
	m.SetStyles(th)
	return m
}

// SetStyles draws the help with th, which must outlive it.
func (m *Model) SetStyles(th *themes.Theme) {
	m.styles = th
	m.keys.Styles = keyhelp.Styles{
		ShortKey: th.HelpKey, ShortDesc: th.HelpDesc, ShortSeparator: th.HelpSep,
		FullKey: th.HelpKey, FullDesc: th.HelpDesc, FullSeparator: th.HelpSep, Ellipsis: th.HelpSep,
	}
}

// SetSize sets the overlay's size; its width is the status line's too.
func (m *Model) SetSize(width, height int) {
	m.width = width
	m.keys.SetWidth(width)
	m.view.SetWidth(width)
	m.view.SetHeight(height)
}

// SetSections replaces what the overlay lists, keeping its scroll position
// where it can.
func (m *Model) SetSections(sections []Section, footnote string) {
	m.view.SetContentLines(m.Render(sections, footnote))
}

// GotoTop scrolls the overlay to its start.
func (m *Model) GotoTop() { m.view.GotoTop() }

// ScrollDown scrolls n lines down; a negative n scrolls up.
func (m *Model) ScrollDown(n int) { m.view.ScrollDown(n) }

// Render lays out sections and a footnote as the overlay's lines.
func (m Model) Render(sections []Section, footnote string) []string {
	th := m.styles
	var out []string
	for _, s := range sections {
		if empty(s) {
			continue
		}
		out = append(out, "", " "+th.Section.Render(s.Title))
		for _, column := range s.Keys {
			view := m.keys.FullHelpView([][]key.Binding{column})
			for _, l := range strings.Split(view, "\n") {
				out = append(out, "   "+l)
			}
		}
		for _, it := range s.Items {
			out = append(out, "   "+th.HelpKey.Render(fmt.Sprintf("%-24s", it.Name))+" "+th.HelpDesc.Render(it.Desc))
		}
	}
	out = append(out, "", " "+th.Label.Render(footnote))
	return out[1:]
}

// empty reports whether a section has nothing to list.
func empty(s Section) bool {
	if len(s.Items) > 0 {
		return false
	}
	for _, column := range s.Keys {
		for _, b := range column {
			if b.Enabled() {
				return false
			}
		}
	}
	return true
}

// Update scrolls the overlay.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(k, m.KeyMap.Up):
		m.view.ScrollUp(1)
	case key.Matches(k, m.KeyMap.Down):
		m.view.ScrollDown(1)
	case key.Matches(k, m.KeyMap.PageUp):
		m.view.PageUp()
	case key.Matches(k, m.KeyMap.PageDown):
		m.view.PageDown()
	}
	return m, nil
}

// View draws the overlay: exactly its height in lines of its width.
func (m Model) View() string {
	return strings.Join(cells.SplitExact(m.view.View(), m.view.Height(), m.width), "\n")
}

// ShortView is the one-line summary of bindings for the status line;
// disabled ones are left out.
func (m Model) ShortView(bindings []key.Binding) string {
	return m.keys.ShortHelpView(bindings)
}
