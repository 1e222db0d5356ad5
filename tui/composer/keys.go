package composer

import "charm.land/bubbles/v2/key"

// KeyMap holds the composer's keys while a message is typed. Editing keys
// (cursor movement, deletion, paste) are the text area's own. Send and
// Leave are for the program around the composer, which sends the text or
// moves the focus.
type KeyMap struct {
	Send          key.Binding
	Newline       key.Binding
	HistoryPrev   key.Binding
	HistoryNext   key.Binding
	HistorySearch key.Binding
	Snippets      key.Binding
	Mode          key.Binding
	Leave         key.Binding

	Picker PickerKeyMap // in the history search and the snippet picker
}

// PickerKeyMap holds the keys of the history search and the snippet
// picker; what is typed goes to their query.
type PickerKeyMap struct {
	Up, Down key.Binding // snippet picker
	Older    key.Binding // history search: the next older match
	Choose   key.Binding
	Cancel   key.Binding
}

// DefaultKeyMap returns the standard bindings.
func DefaultKeyMap() KeyMap {
	b := func(help, desc string, keys ...string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	return KeyMap{
		Send:          b("enter", "send", "enter"),
		Newline:       b("alt+enter/ctrl+j", "new line", "alt+enter", "ctrl+j"),
		HistoryPrev:   b("↑", "previous sent", "up"),
		HistoryNext:   b("↓", "next sent", "down"),
		HistorySearch: b("ctrl+r", "search sent", "ctrl+r"),
		Snippets:      b("ctrl+o", "snippets", "ctrl+o"),
		Mode:          b("ctrl+t", "send as text/hex/base64", "ctrl+t"),
		Leave:         b("esc", "back to log", "esc"),
		Picker: PickerKeyMap{
			Up:     b("↑", "previous", "up", "ctrl+p"),
			Down:   b("↓", "next", "down", "ctrl+n"),
			Older:  b("ctrl+r", "older match", "ctrl+r"),
			Choose: b("enter", "choose", "enter", "tab"),
			Cancel: b("esc", "cancel", "esc", "ctrl+c", "ctrl+g"),
		},
	}
}

// ShortHelp implements help.KeyMap.
func (k KeyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Send, k.Newline, k.HistoryPrev, k.HistorySearch, k.Snippets, k.Mode, k.Leave}
}

// FullHelp implements help.KeyMap.
func (k KeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Send, k.Newline, k.HistoryPrev, k.HistoryNext, k.HistorySearch, k.Snippets, k.Mode, k.Leave}}
}

// ShortHelp implements help.KeyMap.
func (p PickerKeyMap) ShortHelp() []key.Binding {
	return []key.Binding{p.Up, p.Down, p.Choose, p.Cancel}
}

// FullHelp implements help.KeyMap.
func (p PickerKeyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{p.Up, p.Down, p.Older, p.Choose, p.Cancel}}
}

// updateKeys enables the keys of the composer's state, so that help lists
// only those.
func (m *Model) updateKeys() {
	picking := m.Picking()
	k := &m.KeyMap
	for _, b := range []*key.Binding{&k.Send, &k.Newline, &k.HistoryPrev, &k.HistoryNext, &k.HistorySearch, &k.Snippets, &k.Mode, &k.Leave} {
		b.SetEnabled(!picking)
	}
	p := &k.Picker
	p.Up.SetEnabled(m.picker != nil)
	p.Down.SetEnabled(m.picker != nil)
	p.Older.SetEnabled(m.search != nil)
	p.Choose.SetEnabled(picking)
	p.Cancel.SetEnabled(picking)
}

// ShortHelp implements help.KeyMap: the keys of the composer's state.
func (m Model) ShortHelp() []key.Binding {
	p := m.KeyMap.Picker
	return append(m.KeyMap.ShortHelp(), p.Up, p.Down, p.Older, p.Choose, p.Cancel)
}

// FullHelp implements help.KeyMap: the keys of the composer's state.
func (m Model) FullHelp() [][]key.Binding {
	return append(m.KeyMap.FullHelp(), m.KeyMap.Picker.FullHelp()...)
}
