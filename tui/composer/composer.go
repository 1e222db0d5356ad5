// Package composer is the input at the bottom of the screen where messages
// for the server are typed: a text area with the lines sent before, a
// reverse search through them, named snippets, and slash commands (Parse).
// The program around it sends what Send submits.
package composer

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/themes"
	"github.com/wsdbg/wsdbg/tui/internal/cells"
)

// maxLines is how tall the composer grows before it scrolls.
const maxLines = 6

// Model is the composer.
type Model struct {
	KeyMap KeyMap

	ta       textarea.Model
	mode     Mode
	history  []string // oldest first
	histPos  int      // index being shown while browsing; len(history) when not
	draft    string   // what was typed before browsing started
	histFile string
	snippets []snippet

	search *historySearch
	picker *snippetPicker

	readOnly bool
	commands *CommandsOnly
	width    int
	styles   *themes.Theme
}

// historySearch is the reverse search through sent lines.
type historySearch struct {
	query string
	match int // index into history, -1 when nothing matches
	saved string
}

// snippetPicker lists snippets whose name contains the typed query.
type snippetPicker struct {
	query  string
	cursor int
}

// Config is where the composer keeps what it remembers.
type Config struct {
	HistoryFile  string // sent lines are kept here across sessions; "" keeps them in memory
	SnippetsFile string // named payloads; a missing file is no snippets
	ReadOnly     bool   // nothing can be sent: the composer says so
	// Commands, when set, says that the composer takes commands only, not
	// messages: its title and the hint shown while it is empty.
	Commands *CommandsOnly
}

// CommandsOnly describes a composer that takes commands only.
type CommandsOnly struct{ Title, Hint string }

// New returns a composer drawn with th, which must outlive it. The error
// says what was wrong with the history or snippets file; the composer
// works without them.
func New(th *themes.Theme, cfg Config) (Model, error) {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = ""
	ta.CharLimit = 0
	ta.MaxContentHeight = 10000
	ta.MaxHeight = maxLines
	ta.MinHeight = 1
	ta.DynamicHeight = true
	ta.SetHeight(1)
	ta.SetVirtualCursor(false)
	ta.KeyMap.InsertNewline.SetEnabled(false) // newlines come from our own binding
	ta.KeyMap.LinePrevious.SetKeys("up")
	ta.KeyMap.LineNext.SetKeys("down")
	m := Model{KeyMap: DefaultKeyMap(), ta: ta, histFile: cfg.HistoryFile, readOnly: cfg.ReadOnly, commands: cfg.Commands}
	m.SetStyles(th)
	m.updateKeys()

	var problems []string
	if cfg.HistoryFile != "" {
		h, err := loadHistory(cfg.HistoryFile)
		if err != nil {
			problems = append(problems, "history: "+err.Error())
		}
		m.history = h
		if len(h) == maxHistory {
			// The file may hold more than is kept; keep it from growing.
			_ = compactHistory(cfg.HistoryFile, h)
		}
	}
	m.histPos = len(m.history)
	if cfg.SnippetsFile != "" {
		s, err := loadSnippets(cfg.SnippetsFile)
		if err != nil {
			problems = append(problems, err.Error())
		}
		m.snippets = s
	}
	if len(problems) > 0 {
		return m, errors.New(strings.Join(problems, "; "))
	}
	return m, nil
}

// SetStyles draws the composer with th, which must outlive it.
func (m *Model) SetStyles(th *themes.Theme) {
	m.styles = th
	ts := m.ta.Styles()
	for _, st := range []*textarea.StyleState{&ts.Focused, &ts.Blurred} {
		st.Base, st.Text, st.CursorLine = th.Input, th.Input, th.Input
		st.Placeholder, st.EndOfBuffer = th.Placeholder, th.Placeholder
		st.LineNumber, st.CursorLineNumber = th.Placeholder, th.Placeholder
		st.Prompt = th.Prompt
	}
	ts.Cursor.Color = th.Cursor
	m.ta.SetStyles(ts)
}

// SetSize sets the composer's width, the screen's.
func (m *Model) SetSize(width int) {
	m.width = width
	m.ta.SetWidth(max(1, width-2))
}

// Height is the number of rows the text takes, below the composer's rule.
func (m Model) Height() int {
	if m.search != nil {
		return 1
	}
	return max(1, min(m.ta.Height(), maxLines))
}

// Focus gives the composer the keyboard.
func (m *Model) Focus() tea.Cmd { return m.ta.Focus() }

// Blur takes the keyboard away.
func (m *Model) Blur() { m.ta.Blur() }

// Focused reports whether the composer has the keyboard.
func (m Model) Focused() bool { return m.ta.Focused() }

// Picking reports whether the history search or the snippet picker is
// open: every key then goes to it.
func (m Model) Picking() bool { return m.search != nil || m.picker != nil }

// Value is the text typed.
func (m Model) Value() string { return m.ta.Value() }

// SetValue replaces the text, with the cursor at its end.
func (m *Model) SetValue(s string) {
	m.ta.SetValue(s)
	m.ta.MoveToEnd()
}

// Mode is how plain text is sent.
func (m Model) Mode() Mode { return m.mode }

// HasSnippets reports whether there are snippets to pick from.
func (m Model) HasSnippets() bool { return len(m.snippets) > 0 }

// Snippet returns the body of the snippet called name.
func (m Model) Snippet(name string) (string, bool) {
	for _, s := range m.snippets {
		if s.name == name {
			return s.body, true
		}
	}
	return "", false
}

// Remember adds a sent line to the history and appends it to the history
// file.
func (m *Model) Remember(line string) error {
	defer func() { m.histPos, m.draft = len(m.history), "" }()
	if n := len(m.history); n > 0 && m.history[n-1] == line {
		return nil
	}
	m.history = append(m.history, line)
	if len(m.history) > maxHistory {
		m.history = m.history[len(m.history)-maxHistory:]
	}
	if m.histFile == "" {
		return nil
	}
	return appendHistory(m.histFile, line)
}

// Update handles a key, a paste, or the text area's own messages.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case m.search != nil:
			m.searchKey(msg)
		case m.picker != nil:
			m.pickerKey(msg)
		default:
			cmd = m.editKey(msg)
		}
	case tea.PasteMsg:
		text := strings.ReplaceAll(msg.Content, "\n", " ")
		switch {
		case m.search != nil:
			m.search.query += text
			m.searchFrom(len(m.history) - 1)
		case m.picker != nil:
			m.picker.query += text
		default:
			m.ta, cmd = m.ta.Update(msg)
		}
	default:
		if m.ta.Focused() { // cursor blinks
			m.ta, cmd = m.ta.Update(msg)
		}
	}
	m.updateKeys()
	return m, cmd
}

func (m *Model) editKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.KeyMap
	switch {
	case key.Matches(msg, k.Newline):
		m.ta.InsertRune('\n')
		return nil
	case key.Matches(msg, k.HistoryPrev) && m.ta.Line() == 0:
		m.browse(-1)
		return nil
	case key.Matches(msg, k.HistoryNext) && m.ta.Line() == m.ta.LineCount()-1:
		m.browse(1)
		return nil
	case key.Matches(msg, k.HistorySearch):
		m.search = &historySearch{match: -1, saved: m.Value()}
		m.searchFrom(len(m.history) - 1)
		return nil
	case key.Matches(msg, k.Snippets):
		m.picker = &snippetPicker{}
		return nil
	case key.Matches(msg, k.Mode):
		m.mode = (m.mode + 1) % modeCount
		return nil
	}
	var cmd tea.Cmd
	m.ta, cmd = m.ta.Update(msg)
	return cmd
}

// browse moves through history: -1 older, +1 newer.
func (m *Model) browse(delta int) {
	if len(m.history) == 0 {
		return
	}
	if m.histPos == len(m.history) {
		m.draft = m.Value()
	}
	next := m.histPos + delta
	switch {
	case next < 0:
		return
	case next >= len(m.history):
		if m.histPos != len(m.history) {
			m.histPos = len(m.history)
			m.SetValue(m.draft)
		}
		return
	}
	m.histPos = next
	m.SetValue(m.history[next])
}

func (m *Model) searchKey(msg tea.KeyPressMsg) {
	p, s := m.KeyMap.Picker, m.search
	switch {
	case key.Matches(msg, p.Older):
		if s.match > 0 {
			m.searchFrom(s.match - 1)
		}
	case key.Matches(msg, p.Choose):
		if s.match >= 0 {
			m.SetValue(m.history[s.match])
		}
		m.search = nil
	case key.Matches(msg, p.Cancel):
		m.SetValue(s.saved)
		m.search = nil
	default:
		if editQuery(&s.query, msg) {
			m.searchFrom(len(m.history) - 1)
		}
	}
}

// searchFrom finds the newest line at or before index from that contains
// the query.
func (m *Model) searchFrom(from int) {
	s := m.search
	s.match = -1
	q := strings.ToLower(s.query)
	for k := min(from, len(m.history)-1); k >= 0; k-- {
		if strings.Contains(strings.ToLower(m.history[k]), q) {
			s.match = k
			return
		}
	}
}

func (m *Model) pickerKey(msg tea.KeyPressMsg) {
	p, pk := m.KeyMap.Picker, m.picker
	matches := m.snippetMatches()
	switch {
	case key.Matches(msg, p.Up):
		pk.cursor = max(0, pk.cursor-1)
	case key.Matches(msg, p.Down):
		pk.cursor = min(len(matches)-1, pk.cursor+1)
	case key.Matches(msg, p.Choose):
		if pk.cursor < len(matches) {
			m.SetValue(matches[pk.cursor].body)
		}
		m.picker = nil
	case key.Matches(msg, p.Cancel):
		m.picker = nil
	default:
		if editQuery(&pk.query, msg) {
			pk.cursor = 0
		}
	}
}

// snippetMatches lists snippets whose name contains the picker's query.
func (m *Model) snippetMatches() []snippet {
	if m.picker == nil {
		return nil
	}
	q := strings.ToLower(m.picker.query)
	var out []snippet
	for _, s := range m.snippets {
		if strings.Contains(strings.ToLower(s.name), q) {
			out = append(out, s)
		}
	}
	return out
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

// View draws the composer's rule, then Height rows of text, each as wide
// as the screen.
func (m Model) View() string {
	return m.rule() + "\n" + strings.Join(m.textLines(), "\n")
}

func (m Model) rule() string {
	th := m.styles
	label := "COMPOSE"
	switch {
	case m.readOnly:
		label = "REPLAY (read-only)"
	case m.commands != nil:
		label = m.commands.Title
	}
	title := th.PaneTitle
	if m.Focused() {
		title = th.PaneTitleFocused
	}
	parts := []string{title.Render(label)}
	if !m.readOnly && m.commands == nil {
		parts = append(parts, th.Label.Render("send as "+m.mode.String()))
	}
	left := th.Rule.Render("──") + " " + strings.Join(parts, th.Label.Render(" · ")) + " "
	fill := m.width - ansi.StringWidth(left)
	return cells.Fit(left+th.Rule.Render(strings.Repeat("─", max(0, fill))), m.width)
}

func (m Model) textLines() []string {
	th := m.styles
	if s := m.search; s != nil {
		found := ""
		if s.match >= 0 {
			found = decode.Sanitize(strings.ReplaceAll(m.history[s.match], "\n", " "))
		} else if s.query != "" {
			found = th.NoticeError.Render("no match")
		}
		line := th.FilterPrompt.Render("(history search) ") + th.Input.Render(decode.Sanitize(s.query)) + th.Label.Render(": ") + found
		return []string{cells.Fit(line, m.width)}
	}
	var view string
	switch {
	case m.readOnly:
		view = th.Placeholder.Render("replaying a recording: nothing can be sent")
	case m.Value() == "" && !m.Focused() && m.commands != nil:
		view = th.Placeholder.Render(m.commands.Hint)
	case m.Value() == "" && !m.Focused():
		view = th.Placeholder.Render("i or tab to type a message; /help lists commands")
	default:
		// Bidirectional controls would reorder what the terminal shows.
		view = cells.StripBidi(m.ta.View())
	}
	out := cells.SplitExact(view, m.Height(), m.width-2)
	for k := range out {
		p := "  "
		if k == 0 {
			p = th.Prompt.Render("> ")
		}
		out[k] = p + out[k]
	}
	return out
}

// Cursor is where the terminal's cursor goes while text is typed, relative
// to the first row of text; nil while picking.
func (m Model) Cursor() *tea.Cursor {
	if m.Picking() {
		return nil
	}
	c := m.ta.Cursor()
	if c != nil {
		c.Position.X += 2 // the prompt
	}
	return c
}

// PickerView draws the snippet picker, at most height lines as wide as
// the screen, to be laid over the bottom of what is above the composer;
// nil when the picker is closed.
func (m Model) PickerView(height int) []string {
	if m.picker == nil {
		return nil
	}
	th, w := m.styles, m.width
	matches := m.snippetMatches()
	maxItems := min(8, height-2)
	lines := []string{cells.Fit(th.FilterPrompt.Render(" snippet: ")+th.Input.Render(decode.Sanitize(m.picker.query)), w)}
	start := max(0, m.picker.cursor-maxItems+1)
	for k := start; k < len(matches) && k < start+maxItems; k++ {
		s := matches[k]
		text := fmt.Sprintf("  %-16s %s", decode.Sanitize(s.name), decode.Sanitize(strings.ReplaceAll(s.body, "\n", " ")))
		style := th.Preview
		if k == m.picker.cursor {
			style = th.Selected
		}
		lines = append(lines, style.Render(cells.PadRight(text, w)))
	}
	if len(matches) == 0 {
		lines = append(lines, cells.Fit(th.Label.Render("  no snippet matches"), w))
	}
	lines = append(lines, cells.Fit(th.Rule.Render(strings.Repeat("─", w)), w))
	if len(lines) > height {
		lines = lines[len(lines)-height:]
	}
	return lines
}
