package tui

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"
)

// maxComposerLines is how tall the composer grows before it scrolls.
const maxComposerLines = 6

// maxHistory is how many sent lines are kept, in memory and on disk.
const maxHistory = 1000

// composer is the input line at the bottom: a text area plus sent history,
// history search and snippets.
type composer struct {
	ta      textarea.Model
	mode    sendMode
	history []string // oldest first
	histPos int      // index being shown while browsing; len(history) when not
	draft   string   // what was typed before browsing started

	historyFile string
	snippets    []snippet

	search *historySearch
	picker *snippetPicker
}

type snippet struct {
	name, body string
}

// historySearch is the ctrl+r reverse search through sent lines.
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

func newComposer() composer {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = ""
	ta.CharLimit = 0
	ta.MaxContentHeight = 10000
	ta.MaxHeight = maxComposerLines
	ta.MinHeight = 1
	ta.DynamicHeight = true
	ta.SetHeight(1)
	ta.SetVirtualCursor(false)
	ta.KeyMap.InsertNewline.SetEnabled(false) // newlines come from our own binding
	ta.KeyMap.LinePrevious.SetKeys("up")
	ta.KeyMap.LineNext.SetKeys("down")
	return composer{ta: ta}
}

// lines is the number of rows the composer's text takes.
func (c *composer) lines() int {
	if c.search != nil {
		return 1
	}
	return max(1, min(c.ta.Height(), maxComposerLines))
}

func (c *composer) value() string { return c.ta.Value() }

func (c *composer) set(s string) {
	c.ta.SetValue(s)
	c.ta.MoveToEnd()
}

// remember adds a sent line to the history and appends it to the history
// file.
func (c *composer) remember(line string) error {
	defer func() { c.histPos, c.draft = len(c.history), "" }()
	if n := len(c.history); n > 0 && c.history[n-1] == line {
		return nil
	}
	c.history = append(c.history, line)
	if len(c.history) > maxHistory {
		c.history = c.history[len(c.history)-maxHistory:]
	}
	if c.historyFile == "" {
		return nil
	}
	return appendHistory(c.historyFile, line)
}

// browse moves through history: -1 older, +1 newer. It reports whether the
// composer's text changed.
func (c *composer) browse(delta int) bool {
	if len(c.history) == 0 {
		return false
	}
	if c.histPos == len(c.history) {
		c.draft = c.value()
	}
	next := c.histPos + delta
	switch {
	case next < 0:
		return false
	case next >= len(c.history):
		if c.histPos == len(c.history) {
			return false
		}
		c.histPos = len(c.history)
		c.set(c.draft)
		return true
	}
	c.histPos = next
	c.set(c.history[next])
	return true
}

// startSearch begins a reverse search from the newest line.
func (c *composer) startSearch() {
	c.search = &historySearch{match: -1, saved: c.value()}
	c.searchFrom(len(c.history) - 1)
}

// searchFrom finds the newest line at or before index from that contains
// the query.
func (c *composer) searchFrom(from int) {
	s := c.search
	s.match = -1
	q := strings.ToLower(s.query)
	for k := min(from, len(c.history)-1); k >= 0; k-- {
		if strings.Contains(strings.ToLower(c.history[k]), q) {
			s.match = k
			return
		}
	}
}

// snippetMatches lists snippets whose name contains the picker's query.
func (c *composer) snippetMatches() []snippet {
	if c.picker == nil {
		return nil
	}
	q := strings.ToLower(c.picker.query)
	var out []snippet
	for _, s := range c.snippets {
		if strings.Contains(strings.ToLower(s.name), q) {
			out = append(out, s)
		}
	}
	return out
}

func (c *composer) snippet(name string) (snippet, bool) {
	for _, s := range c.snippets {
		if s.name == name {
			return s, true
		}
	}
	return snippet{}, false
}

func (c *composer) focus() tea.Cmd { return c.ta.Focus() }

func (c *composer) blur() { c.ta.Blur() }

// History file: one JSON string per line, so sent lines may contain
// newlines. Lines that do not parse are skipped.

func loadHistory(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return parseHistory(data), nil
}

func parseHistory(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		var line string
		if json.Unmarshal(sc.Bytes(), &line) == nil && line != "" {
			if n := len(out); n > 0 && out[n-1] == line {
				continue
			}
			out = append(out, line)
		}
	}
	if len(out) > maxHistory {
		out = out[len(out)-maxHistory:]
	}
	return out
}

func appendHistory(path string, line string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	enc, _ := json.Marshal(line)
	_, werr := f.Write(append(enc, '\n'))
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	return werr
}

// compactHistory rewrites the history file with only the newest lines, so
// it does not grow without end.
func compactHistory(path string, lines []string) error {
	var buf bytes.Buffer
	for _, l := range lines {
		enc, _ := json.Marshal(l)
		buf.Write(enc)
		buf.WriteByte('\n')
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Snippets file: either a JSON object mapping names to payloads (a string
// is sent as is, any other JSON value as compact JSON), or sections:
//
//	# comment
//	[subscribe]
//	{"op": "subscribe",
//	 "channel": "ticker"}
//	[ping]
//	ping

func loadSnippets(path string) ([]snippet, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // no snippets file is the usual case
	}
	if err != nil {
		return nil, err
	}
	return parseSnippets(data)
}

func parseSnippets(data []byte) ([]snippet, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(trimmed, &obj); err != nil {
			return nil, errors.New("snippets file: " + err.Error())
		}
		out := make([]snippet, 0, len(obj))
		for name, raw := range obj {
			if name == "" {
				return nil, errors.New("snippets file: a snippet without a name")
			}
			var s string
			if json.Unmarshal(raw, &s) != nil {
				var buf bytes.Buffer
				if json.Compact(&buf, raw) != nil {
					continue
				}
				s = buf.String()
			}
			out = append(out, snippet{name: name, body: s})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
		return out, nil
	}
	var out []snippet
	var cur *snippet
	var body []string
	flush := func() {
		if cur != nil {
			cur.body = strings.Trim(strings.Join(body, "\n"), "\n")
			out = append(out, *cur)
		}
		body = nil
	}
	for _, line := range strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n") {
		t := strings.TrimSpace(line)
		if len(t) > 2 && t[0] == '[' && t[len(t)-1] == ']' {
			flush()
			cur = &snippet{name: strings.TrimSpace(t[1 : len(t)-1])}
			if cur.name == "" {
				return nil, errors.New("snippets file: a [section] without a name")
			}
			continue
		}
		if cur == nil {
			if t != "" && !strings.HasPrefix(t, "#") {
				return nil, errors.New("snippets file: text before the first [name] section")
			}
			continue
		}
		body = append(body, line)
	}
	flush()
	return out, nil
}
