package tui

import "charm.land/bubbles/v2/key"

// KeyMap holds every key binding of the program, grouped by the pane that
// has focus. Help is generated from these bindings, so a key that works is a
// key that is listed.
type KeyMap struct {
	Global    GlobalKeys
	Log       LogKeys
	Inspector InspectorKeys
	Composer  ComposerKeys
	Filter    FilterKeys
	Picker    PickerKeys
	Replay    ReplayKeys // only while a recording is replayed
}

// GlobalKeys work in every pane.
type GlobalKeys struct {
	Quit      key.Binding // outside text inputs only
	ForceQuit key.Binding // everywhere; pressed while quitting waits for the server, it ends at once
	Help      key.Binding // outside text inputs only
	NextPane  key.Binding
	PrevPane  key.Binding
}

// LogKeys work while the frame log has focus.
type LogKeys struct {
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

// InspectorKeys work while the inspector has focus.
type InspectorKeys struct {
	Up, Down         key.Binding
	PageUp, PageDown key.Binding
	Top, Bottom      key.Binding
	Left, Right      key.Binding
	Format           key.Binding
	Wrap             key.Binding
	Back             key.Binding
}

// ComposerKeys work while the composer has focus. Editing keys (cursor
// movement, deletion, paste) are the text area's own.
type ComposerKeys struct {
	Send          key.Binding
	Newline       key.Binding
	HistoryPrev   key.Binding
	HistoryNext   key.Binding
	HistorySearch key.Binding
	Snippets      key.Binding
	Mode          key.Binding
	Leave         key.Binding
}

// FilterKeys work while the filter bar is being edited.
type FilterKeys struct {
	Apply  key.Binding
	Cancel key.Binding
	Regex  key.Binding
	Hide   key.Binding
}

// PickerKeys work in the snippet picker and the history search.
type PickerKeys struct {
	Up, Down key.Binding
	Older    key.Binding // history search: the next older match
	Choose   key.Binding
	Cancel   key.Binding
}

// ReplayKeys control a replayed recording from the log or the inspector.
// Until the recording plays in time, PlayPause is the only one that works:
// it starts playing from the selected row.
type ReplayKeys struct {
	PlayPause     key.Binding
	Step          key.Binding
	Slower        key.Binding
	Faster        key.Binding
	NoGaps        key.Binding
	Back, Forward key.Binding
	Restart       key.Binding
}

// DefaultKeyMap returns the standard bindings.
func DefaultKeyMap() KeyMap {
	b := func(keys []string, helpKey, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKey, desc))
	}
	k := func(keys ...string) []string { return keys }
	return KeyMap{
		Global: GlobalKeys{
			Quit:      b(k("q"), "q", "quit"),
			ForceQuit: b(k("ctrl+c"), "ctrl+c", "quit; twice: at once"),
			Help:      b(k("?"), "?", "help"),
			NextPane:  b(k("tab"), "tab", "next pane"),
			PrevPane:  b(k("shift+tab"), "shift+tab", "previous pane"),
		},
		Log: LogKeys{
			Up:                  b(k("k", "up"), "↑/k", "up"),
			Down:                b(k("j", "down"), "↓/j", "down"),
			Top:                 b(k("g", "home"), "g/home", "first row"),
			Bottom:              b(k("G", "end"), "G/end", "last row, follow"),
			PageUp:              b(k("pgup", "ctrl+b"), "pgup", "page up"),
			PageDown:            b(k("pgdown", "ctrl+f", "space"), "pgdn", "page down"),
			HalfUp:              b(k("ctrl+u"), "ctrl+u", "half page up"),
			HalfDown:            b(k("ctrl+d"), "ctrl+d", "half page down"),
			Inspect:             b(k("enter"), "enter", "inspect"),
			Explain:             b(k("e"), "e", "explain"),
			Close:               b(k("esc"), "esc", "close / clear filter"),
			Follow:              b(k("f"), "f", "follow new rows"),
			TimeMode:            b(k("t"), "t", "absolute/relative time"),
			Filter:              b(k("/"), "/", "filter"),
			NextMatch:           b(k("n"), "n", "next match"),
			PrevMatch:           b(k("N"), "N", "previous match"),
			Direction:           b(k("d"), "d", "direction: all/in/out"),
			Opcode:              b(k("o"), "o", "opcode: all/text/binary/control"),
			ErrorsOnly:          b(k("x", "!"), "x/!", "errors only"),
			JumpLink:            b(k("%", "r"), "%/r", "jump request↔reply"),
			Compose:             b(k("i", ":"), "i", "compose"),
			CopyPayload:         b(k("y"), "y", "copy payload"),
			CopyReport:          b(k("Y"), "Y", "copy bug report"),
			CopyRepro:           b(k("c"), "c", "copy repro commands"),
			SaveCopy:            b(k("s"), "s", "save what could not be copied to a file"),
			InspectorFormat:     b(k("v"), "v", "payload format"),
			InspectorWrap:       b(k("w"), "w", "wrap payload"),
			InspectorScrollUp:   b(k("K", "shift+up"), "K", "scroll inspector up"),
			InspectorScrollDown: b(k("J", "shift+down"), "J", "scroll inspector down"),
		},
		Inspector: InspectorKeys{
			Up:       b(k("k", "up"), "↑/k", "scroll up"),
			Down:     b(k("j", "down"), "↓/j", "scroll down"),
			PageUp:   b(k("pgup", "ctrl+b", "ctrl+u"), "pgup", "page up"),
			PageDown: b(k("pgdown", "ctrl+f", "ctrl+d", "space"), "pgdn", "page down"),
			Top:      b(k("g", "home"), "g", "top"),
			Bottom:   b(k("G", "end"), "G", "bottom"),
			Left:     b(k("h", "left"), "←/h", "scroll left"),
			Right:    b(k("l", "right"), "→/l", "scroll right"),
			Format:   b(k("v"), "v", "payload format"),
			Wrap:     b(k("w"), "w", "wrap"),
			Back:     b(k("esc"), "esc", "back to log"),
		},
		Composer: ComposerKeys{
			Send:          b(k("enter"), "enter", "send"),
			Newline:       b(k("alt+enter", "ctrl+j"), "alt+enter/ctrl+j", "new line"),
			HistoryPrev:   b(k("up"), "↑", "previous sent"),
			HistoryNext:   b(k("down"), "↓", "next sent"),
			HistorySearch: b(k("ctrl+r"), "ctrl+r", "search sent"),
			Snippets:      b(k("ctrl+o"), "ctrl+o", "snippets"),
			Mode:          b(k("ctrl+t"), "ctrl+t", "send as text/hex/base64"),
			Leave:         b(k("esc"), "esc", "back to log"),
		},
		Filter: FilterKeys{
			Apply:  b(k("enter"), "enter", "keep filter"),
			Cancel: b(k("esc"), "esc", "clear filter"),
			Regex:  b(k("ctrl+x"), "ctrl+x", "regular expression"),
			Hide:   b(k("ctrl+t"), "ctrl+t", "hide/highlight non-matching"),
		},
		Picker: PickerKeys{
			Up:     b(k("up", "ctrl+p"), "↑", "previous"),
			Down:   b(k("down", "ctrl+n"), "↓", "next"),
			Older:  b(k("ctrl+r"), "ctrl+r", "older match"),
			Choose: b(k("enter", "tab"), "enter", "choose"),
			Cancel: b(k("esc", "ctrl+c", "ctrl+g"), "esc", "cancel"),
		},
		Replay: ReplayKeys{
			PlayPause: b(k("p"), "p", "play in time from the selected row / pause"),
			Step:      b(k("."), ".", "one event, paused"),
			Slower:    b(k("-"), "-", "slower"),
			Faster:    b(k("+", "="), "+", "faster"),
			NoGaps:    b(k("z"), "z", "shorten long pauses"),
			Back:      b(k("["), "[", "back a tenth; the log starts there"),
			Forward:   b(k("]"), "]", "skip a tenth ahead"),
			Restart:   b(k("0"), "0", "from the start"),
		},
	}
}

// All returns every binding of a live session, for checks that a key is
// known; the replay keys are apart.
func (km KeyMap) All() []key.Binding {
	var all []key.Binding
	for _, group := range [][][]key.Binding{
		km.Global.FullHelp(), km.Log.FullHelp(), km.Inspector.FullHelp(),
		km.Composer.FullHelp(), km.Filter.FullHelp(), km.Picker.FullHelp(),
	} {
		for _, column := range group {
			all = append(all, column...)
		}
	}
	return all
}

// ShortHelp implements help.KeyMap.
func (g GlobalKeys) ShortHelp() []key.Binding {
	return []key.Binding{g.NextPane, g.Help, g.Quit}
}

// FullHelp implements help.KeyMap.
func (g GlobalKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{g.NextPane, g.PrevPane, g.Help, g.Quit, g.ForceQuit}}
}

// ShortHelp implements help.KeyMap.
func (l LogKeys) ShortHelp() []key.Binding {
	return []key.Binding{l.Down, l.Up, l.Inspect, l.Explain, l.Filter, l.Compose, l.Follow, l.CopyPayload}
}

// FullHelp implements help.KeyMap.
func (l LogKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{l.Up, l.Down, l.Top, l.Bottom, l.PageUp, l.PageDown, l.HalfUp, l.HalfDown, l.Follow},
		{l.Inspect, l.Explain, l.Close, l.JumpLink, l.TimeMode, l.InspectorFormat, l.InspectorWrap, l.InspectorScrollUp, l.InspectorScrollDown},
		{l.Filter, l.NextMatch, l.PrevMatch, l.Direction, l.Opcode, l.ErrorsOnly},
		{l.Compose, l.CopyPayload, l.CopyReport, l.CopyRepro, l.SaveCopy},
	}
}

// ShortHelp implements help.KeyMap.
func (i InspectorKeys) ShortHelp() []key.Binding {
	return []key.Binding{i.Down, i.Up, i.Format, i.Wrap, i.Back}
}

// FullHelp implements help.KeyMap.
func (i InspectorKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{i.Up, i.Down, i.PageUp, i.PageDown, i.Top, i.Bottom, i.Left, i.Right, i.Format, i.Wrap, i.Back}}
}

// ShortHelp implements help.KeyMap.
func (c ComposerKeys) ShortHelp() []key.Binding {
	return []key.Binding{c.Send, c.Newline, c.HistoryPrev, c.HistorySearch, c.Snippets, c.Mode, c.Leave}
}

// FullHelp implements help.KeyMap.
func (c ComposerKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{c.Send, c.Newline, c.HistoryPrev, c.HistoryNext, c.HistorySearch, c.Snippets, c.Mode, c.Leave}}
}

// ShortHelp implements help.KeyMap.
func (f FilterKeys) ShortHelp() []key.Binding {
	return []key.Binding{f.Apply, f.Cancel, f.Regex, f.Hide}
}

// FullHelp implements help.KeyMap.
func (f FilterKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{f.Apply, f.Cancel, f.Regex, f.Hide}}
}

// ShortHelp implements help.KeyMap.
func (r ReplayKeys) ShortHelp() []key.Binding {
	return []key.Binding{withHelp(r.PlayPause, "p", "play/pause"), withHelp(r.Faster, "-/+", "speed"), withHelp(r.Back, "[/]", "seek")}
}

// FullHelp implements help.KeyMap.
func (r ReplayKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{r.PlayPause, r.Step, r.Slower, r.Faster, r.NoGaps, r.Back, r.Forward, r.Restart}}
}

// ShortHelp implements help.KeyMap.
func (p PickerKeys) ShortHelp() []key.Binding {
	return []key.Binding{p.Up, p.Down, p.Choose, p.Cancel}
}

// FullHelp implements help.KeyMap.
func (p PickerKeys) FullHelp() [][]key.Binding {
	return [][]key.Binding{{p.Up, p.Down, p.Older, p.Choose, p.Cancel}}
}
