// Package inspector is the pane that shows everything about the selected
// row of the frame log: its explanation, handshake, frames and payload.
// The log writes the content (a Document); the inspector lays it out,
// scrolls it and redraws only what is on screen, whatever its size.
package inspector

import (
	"github.com/wsdbg/wsdbg/internal/render"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/wsdbg/wsdbg/themes"
	"github.com/wsdbg/wsdbg/tui/internal/cells"
)

// Settings are the reader's choices for how payloads are shown.
type Settings struct {
	Format render.Format // "" lets decode pick
	Wrap   bool
}

// Document is what the inspector shows: the details of the rows of a log.
type Document interface {
	// Lines is the content for row, laid out for width cells.
	Lines(row, width int, s Settings) []Line
}

// KeyMap holds the inspector's keys while it has focus. Back is for the
// program around it, which moves the focus back to the log.
type KeyMap struct {
	Up, Down         key.Binding
	PageUp, PageDown key.Binding
	Top, Bottom      key.Binding
	Left, Right      key.Binding
	Format           key.Binding
	Wrap             key.Binding
	Back             key.Binding
}

// DefaultKeyMap returns the standard bindings.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Up:       b("↑/k", "scroll up", "k", "up"),
		Down:     b("↓/j", "scroll down", "j", "down"),
		PageUp:   b("pgup", "page up", "pgup", "ctrl+b", "ctrl+u"),
		PageDown: b("pgdn", "page down", "pgdown", "ctrl+f", "ctrl+d", "space"),
		Top:      b("g", "top", "g", "home"),
		Bottom:   b("G", "bottom", "G", "end"),
		Left:     b("←/h", "scroll left", "h", "left"),
		Right:    b("→/l", "scroll right", "l", "right"),
		Format:   b("v", "payload format", "v"),
		Wrap:     b("w", "wrap", "w"),
		Back:     b("esc", "back to log", "esc"),
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Down, k.Up, k.Format, k.Wrap, k.Back}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Left, k.Right, k.Format, k.Wrap, k.Back}}
}

// Model is the inspector pane. Its content is built when the row, the
// settings, the width or the styles change, never per frame.
type Model struct {
	KeyMap KeyMap

	pg       pager
	settings Settings
	built    built

	width, height int // the pane's, title line included
	focused       bool
	compact       bool // the pane covers the log

	styles *themes.Theme
	span   func(render.SpanKind) lipgloss.Style
}

// built is what the content was last built for.
type built struct {
	row      int
	settings Settings
	width    int
	valid    bool
}

// New returns an inspector drawn with th, which must outlive it.
func New(th *themes.Theme) Model {
	m := Model{KeyMap: DefaultKeyMap()}
	m.SetStyles(th)
	return m
}

// SetStyles draws the inspector with th, which must outlive it.
func (m *Model) SetStyles(th *themes.Theme) {
	m.styles = th
	m.span = func(k render.SpanKind) lipgloss.Style { return spanStyle(th, k) }
	m.Invalidate()
}

// SetSize sets the pane's size, its title line included.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.pg.setHeight(max(1, height-1))
}

// SetCompact says whether the pane covers the log, so that its title says
// how to go back.
func (m *Model) SetCompact(compact bool) { m.compact = compact }

// Focus marks the pane as the one with the keyboard.
func (m *Model) Focus() { m.focused = true }

// Blur marks the pane as not having the keyboard.
func (m *Model) Blur() { m.focused = false }

// Settings are the reader's choices for payloads.
func (m Model) Settings() Settings { return m.settings }

// Invalidate makes the next Show rebuild the content even for the same
// row: what the document says about it changed.
func (m *Model) Invalidate() { m.built.valid = false }

// Show makes the inspector show row of doc; -1 is no row. The content is
// built only when something it depends on changed, and starts at its top
// when the row changed.
func (m *Model) Show(row int, doc Document) {
	width := max(1, m.width-1) // a column of margin
	b := built{row: row, settings: m.settings, width: width, valid: true}
	if b == m.built {
		return
	}
	sameRow := m.built.valid && m.built.row == row
	m.built = b
	if row < 0 {
		m.pg.setContent([]Line{Styled(m.styles.Label.Render("No frames yet."))}, width, m.settings.Wrap)
		return
	}
	m.pg.setContent(doc.Lines(row, width, m.settings), width, m.settings.Wrap)
	if !sameRow {
		m.pg.gotoTop()
	}
}

// NextFormat cycles the payload format: auto, text, json, hex, …, auto.
func (m *Model) NextFormat() {
	all := append([]render.Format{""}, render.Formats()...)
	for k, f := range all {
		if f == m.settings.Format {
			m.settings.Format = all[(k+1)%len(all)]
			return
		}
	}
	m.settings.Format = ""
}

// ToggleWrap turns wrapping of long lines on or off.
func (m *Model) ToggleWrap() { m.settings.Wrap = !m.settings.Wrap }

// ScrollUp scrolls n rows up.
func (m *Model) ScrollUp(n int) { m.pg.scrollUp(n) }

// ScrollDown scrolls n rows down.
func (m *Model) ScrollDown(n int) { m.pg.scrollDown(n) }

// GotoTop scrolls to the top.
func (m *Model) GotoTop() { m.pg.gotoTop() }

// YOffset is the first row shown.
func (m Model) YOffset() int { return m.pg.y }

// Update handles the inspector's keys.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return m, nil
	}
	km, pg := m.KeyMap, &m.pg
	switch {
	case key.Matches(k, km.Up):
		pg.scrollUp(1)
	case key.Matches(k, km.Down):
		pg.scrollDown(1)
	case key.Matches(k, km.PageUp):
		pg.pageUp()
	case key.Matches(k, km.PageDown):
		pg.pageDown()
	case key.Matches(k, km.Top):
		pg.gotoTop()
	case key.Matches(k, km.Bottom):
		pg.gotoBottom()
	case key.Matches(k, km.Left):
		pg.scrollLeft(4)
	case key.Matches(k, km.Right):
		pg.scrollRight(4)
	case key.Matches(k, km.Format):
		m.NextFormat()
	case key.Matches(k, km.Wrap):
		m.ToggleWrap()
	}
	return m, nil
}

// View draws the pane: a title line, then the rows on screen, each exactly
// as wide as the pane.
func (m Model) View() string {
	th := m.styles
	title := th.PaneTitle
	if m.focused {
		title = th.PaneTitleFocused
	}
	hint := ""
	if m.compact {
		hint = th.Label.Render(m.KeyMap.Back.Help().Key + " back ")
	}
	var b strings.Builder
	b.WriteString(cells.JoinEnds(" "+title.Render("INSPECTOR"), hint, m.width))
	rows := m.pg.view(m.span)
	for k := range m.height - 1 {
		l := ""
		if k < len(rows) {
			l = rows[k]
		}
		b.WriteString("\n ")
		b.WriteString(cells.Fit(l, m.width-1))
	}
	return b.String()
}

// Render styles a line as the inspector draws it, whole.
func (l Line) Render(th *themes.Theme) string {
	if l.spans == nil {
		return l.styled
	}
	var b strings.Builder
	for _, sp := range l.spans {
		b.WriteString(spanStyle(th, sp.Kind).Render(sp.Text))
	}
	return b.String()
}

// spanStyle is the style of payload spans of a kind.
func spanStyle(th *themes.Theme, kind render.SpanKind) lipgloss.Style {
	switch kind {
	case render.SpanKey:
		return th.PayloadKey
	case render.SpanString:
		return th.PayloadString
	case render.SpanNumber:
		return th.PayloadNumber
	case render.SpanBool:
		return th.PayloadBool
	case render.SpanNull:
		return th.PayloadNull
	case render.SpanPunct:
		return th.PayloadPunct
	case render.SpanEscape:
		return th.PayloadEscape
	case render.SpanOffset:
		return th.PayloadOffset
	case render.SpanDim:
		return th.PayloadDim
	}
	return th.PayloadPlain
}
