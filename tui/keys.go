package tui

import (
	"charm.land/bubbles/v2/key"

	"github.com/wsdbg/wsdbg/tui/composer"
	"github.com/wsdbg/wsdbg/tui/connections"
	"github.com/wsdbg/wsdbg/tui/filter"
	"github.com/wsdbg/wsdbg/tui/help"
	"github.com/wsdbg/wsdbg/tui/inspector"
)

// keyMap holds every key binding of the program, by what has the
// keyboard. The help overlay, the status line and docs/keys.md are made
// from these bindings, so a key that works is a key that is listed.
type keyMap struct {
	Global      globalKeys
	Log         logKeys
	Replay      replayKeys // disabled unless a recording is replayed
	Proxy       proxyKeys  // disabled unless wsdbg proxy is shown
	Connections connections.KeyMap
	Inspector   inspector.KeyMap
	Composer    composer.KeyMap
	Filter      filter.KeyMap
	Help        help.KeyMap
}

// globalKeys work wherever the keyboard is not typing text.
type globalKeys struct {
	Quit      key.Binding // outside text inputs only
	ForceQuit key.Binding // everywhere; pressed while quitting waits for the server, it ends at once
	Help      key.Binding // outside text inputs only
	NextPane  key.Binding
	PrevPane  key.Binding
}

// logKeys work while the frame log has focus.
type logKeys struct {
	Up, Down            key.Binding
	Top, Bottom         key.Binding
	PageUp, PageDown    key.Binding
	HalfUp, HalfDown    key.Binding
	Inspect, Explain    key.Binding
	Close               key.Binding // close the full-screen inspector, clear the filter
	Follow              key.Binding
	TimeMode            key.Binding
	Filter              key.Binding
	NextMatch           key.Binding
	PrevMatch           key.Binding
	Direction           key.Binding
	Opcode              key.Binding
	ErrorsOnly          key.Binding
	JumpLink            key.Binding
	Compose             key.Binding
	CopyPayload         key.Binding
	CopyReport          key.Binding
	CopyRepro           key.Binding
	SaveCopy            key.Binding // right after a copy failed: save the text to a file
	InspectorFormat     key.Binding
	InspectorWrap       key.Binding
	InspectorScrollUp   key.Binding
	InspectorScrollDown key.Binding
}

// replayKeys control a replayed recording from the log or the inspector.
// Until the recording plays in time, PlayPause is the only one that works:
// it starts playing from the selected row.
type replayKeys struct {
	PlayPause     key.Binding
	Step          key.Binding
	Slower        key.Binding
	Faster        key.Binding
	NoGaps        key.Binding
	Back, Forward key.Binding
	Restart       key.Binding
}

// proxyKeys work in the log and the inspector on wsdbg proxy.
type proxyKeys struct {
	List  key.Binding // the connections list
	Next  key.Binding
	Prev  key.Binding
	Pause key.Binding
}

// ShortHelp implements help.KeyMap.
func (p proxyKeys) ShortHelp() []key.Binding { return []key.Binding{p.List} }

// FullHelp implements help.KeyMap.
func (p proxyKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{p.List, p.Next, p.Prev, p.Pause}}
}

func (p *proxyKeys) setEnabled(on bool) {
	for _, b := range []*key.Binding{&p.List, &p.Next, &p.Prev, &p.Pause} {
		b.SetEnabled(on)
	}
}

// binding is a key.Binding with its help: help describes keys (the first
// is pressed in tests and docs), desc what they do.
func binding(help, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// defaultKeyMap returns the standard bindings.
func defaultKeyMap() keyMap {
	b := binding
	return keyMap{
		Global: globalKeys{
			Quit:      b("q", "quit", "q"),
			ForceQuit: b("ctrl+c", "quit; twice: at once", "ctrl+c"),
			Help:      b("?", "help", "?"),
			NextPane:  b("tab", "next pane", "tab"),
			PrevPane:  b("shift+tab", "previous pane", "shift+tab"),
		},
		Log: logKeys{
			Up:                  b("↑/k", "up", "k", "up"),
			Down:                b("↓/j", "down", "j", "down"),
			Top:                 b("g/home", "first row", "g", "home"),
			Bottom:              b("G/end", "last row, follow", "G", "end"),
			PageUp:              b("pgup", "page up", "pgup", "ctrl+b"),
			PageDown:            b("pgdn", "page down", "pgdown", "ctrl+f", "space"),
			HalfUp:              b("ctrl+u", "half page up", "ctrl+u"),
			HalfDown:            b("ctrl+d", "half page down", "ctrl+d"),
			Inspect:             b("enter", "inspect", "enter"),
			Explain:             b("e", "explain", "e"),
			Close:               b("esc", "close / clear filter", "esc"),
			Follow:              b("f", "follow new rows", "f"),
			TimeMode:            b("t", "absolute/relative time", "t"),
			Filter:              b("/", "filter", "/"),
			NextMatch:           b("n", "next match", "n"),
			PrevMatch:           b("N", "previous match", "N"),
			Direction:           b("d", "direction: all/in/out", "d"),
			Opcode:              b("o", "opcode: all/text/binary/control", "o"),
			ErrorsOnly:          b("x/!", "errors only", "x", "!"),
			JumpLink:            b("%/r", "jump request↔reply", "%", "r"),
			Compose:             b("i", "compose", "i", ":"),
			CopyPayload:         b("y", "copy payload", "y"),
			CopyReport:          b("Y", "copy bug report", "Y"),
			CopyRepro:           b("c", "copy repro commands", "c"),
			SaveCopy:            b("s", "save what could not be copied to a file", "s"),
			InspectorFormat:     b("v", "payload format", "v"),
			InspectorWrap:       b("w", "wrap payload", "w"),
			InspectorScrollUp:   b("K", "scroll inspector up", "K", "shift+up"),
			InspectorScrollDown: b("J", "scroll inspector down", "J", "shift+down"),
		},
		Replay: replayKeys{
			PlayPause: b("p", "play in time from the selected row / pause", "p"),
			Step:      b(".", "one event, paused", "."),
			Slower:    b("-", "slower", "-"),
			Faster:    b("+", "faster", "+", "="),
			NoGaps:    b("z", "shorten long pauses", "z"),
			Back:      b("[", "back a tenth; the log starts there", "["),
			Forward:   b("]", "skip a tenth ahead", "]"),
			Restart:   b("0", "from the start", "0"),
		},
		Proxy: proxyKeys{
			List:  b("C", "list the connections, to show another", "C"),
			Next:  b(">", "show the next connection", ">"),
			Prev:  b("<", "show the previous connection", "<"),
			Pause: b("P", "pause the connection shown, or resume it", "P"),
		},
		Connections: connections.DefaultKeyMap(),
		Inspector:   inspector.DefaultKeyMap(),
		Composer:    composer.DefaultKeyMap(),
		Filter:      filter.DefaultKeyMap(),
		Help:        help.DefaultKeyMap(),
	}
}

// ShortHelp implements help.KeyMap.
func (g globalKeys) ShortHelp() []key.Binding {
	return []key.Binding{g.NextPane, g.Help, g.Quit}
}

// FullHelp implements help.KeyMap.
func (g globalKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{g.NextPane, g.PrevPane, g.Help, g.Quit, g.ForceQuit}}
}

// ShortHelp implements help.KeyMap.
func (l logKeys) ShortHelp() []key.Binding {
	return []key.Binding{l.Down, l.Up, l.Inspect, l.Explain, l.Filter, l.Compose, l.Follow, l.CopyPayload}
}

// FullHelp implements help.KeyMap.
func (l logKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{l.Up, l.Down, l.Top, l.Bottom, l.PageUp, l.PageDown, l.HalfUp, l.HalfDown, l.Follow},
		{l.Inspect, l.Explain, l.Close, l.JumpLink, l.TimeMode, l.InspectorFormat, l.InspectorWrap, l.InspectorScrollUp, l.InspectorScrollDown},
		{l.Filter, l.NextMatch, l.PrevMatch, l.Direction, l.Opcode, l.ErrorsOnly},
		{l.Compose, l.CopyPayload, l.CopyReport, l.CopyRepro, l.SaveCopy},
	}
}

// ShortHelp implements help.KeyMap.
func (r replayKeys) ShortHelp() []key.Binding {
	return []key.Binding{withHelp(r.PlayPause, "p", "play/pause"), withHelp(r.Faster, "-/+", "speed"), withHelp(r.Back, "[/]", "seek")}
}

// FullHelp implements help.KeyMap.
func (r replayKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{r.PlayPause, r.Step, r.Slower, r.Faster, r.NoGaps, r.Back, r.Forward, r.Restart}}
}

// setEnabled turns every replay key on or off.
func (r *replayKeys) setEnabled(on bool) {
	for _, b := range []*key.Binding{&r.PlayPause, &r.Step, &r.Slower, &r.Faster, &r.NoGaps, &r.Back, &r.Forward, &r.Restart} {
		b.SetEnabled(on)
	}
}

func withHelp(b key.Binding, k, desc string) key.Binding {
	b.SetHelp(k, desc)
	return b
}

// helpFootnote ends the help overlay.
const helpFootnote = "Filter: plain text matches payloads (case-insensitive unless it has capitals); re: starts a regular expression."

// helpSections are what the help overlay lists: every key of every part of
// the screen, then the composer's commands. The replay keys are left out
// of a live session, being disabled.
func (m *model) helpSections() []help.Section {
	km := m.keys
	var commands []help.Item
	for _, c := range composer.Commands() {
		commands = append(commands, help.Item{Name: c.Usage, Desc: c.Desc})
	}
	sections := []help.Section{
		{Title: "EVERYWHERE", Keys: km.Global.FullHelp()},
		{Title: "FRAME LOG", Keys: km.Log.FullHelp()},
		{Title: "REPLAY (FRAME LOG AND INSPECTOR)", Keys: km.Replay.FullHelp()},
		{Title: "PROXY (FRAME LOG AND INSPECTOR)", Keys: km.Proxy.FullHelp()},
		{Title: "INSPECTOR", Keys: km.Inspector.FullHelp()},
		{Title: "COMPOSER", Keys: km.Composer.FullHelp()},
		{Title: "FILTER BAR", Keys: km.Filter.FullHelp()},
		{Title: "HISTORY SEARCH AND SNIPPETS", Keys: km.Composer.Picker.FullHelp()},
		{Title: "COMPOSER COMMANDS", Items: commands},
	}
	if m.px != nil {
		sections = append(sections[:len(sections)-1],
			help.Section{Title: "CONNECTIONS LIST", Keys: km.Connections.FullHelp()},
			help.Section{Title: "FAULT COMMANDS (COMPOSER)", Items: proxyCommands})
	}
	return sections
}

// helpLines is the help overlay's content.
func (m *model) helpLines() []string { return m.help.Render(m.helpSections(), helpFootnote) }

// shortHelp is what the status line lists: the keys of what has the
// keyboard.
func (m *model) shortHelp() []key.Binding {
	g, l := m.keys.Global, m.keys.Log
	switch {
	case m.focus == focusHelp:
		return m.help.KeyMap.ShortHelp()
	case m.focus == focusConns:
		return m.keys.Connections.ShortHelp()
	case m.focus == focusComposer && m.comp.Picking():
		return m.comp.ShortHelp()
	case m.focus == focusComposer:
		return append(m.comp.ShortHelp(), g.NextPane)
	case m.focus == focusInspector:
		return append(m.insp.KeyMap.ShortHelp(), g.Help, g.Quit)
	case m.replaying():
		return append(m.keys.Replay.ShortHelp(), l.Inspect, l.Filter, g.Help)
	}
	if m.px != nil {
		px := m.keys.Proxy
		return []key.Binding{l.Down, l.Up, l.Inspect, withHelp(px.List, "C", "connections"), withHelp(l.Compose, "i", "faults"),
			withHelp(px.Pause, "P", "pause/resume"), l.Filter, g.Help, g.Quit}
	}
	return append(l.ShortHelp(), g.Help, g.Quit)
}
