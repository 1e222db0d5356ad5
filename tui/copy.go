package tui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/conn"
)

// copiedMsg reports how copying went.
type copiedMsg struct {
	what   string
	size   int
	method string
	err    error
}

// Bug reports carry the end of the session; a reproduction needs what was
// sent, not everything.
const (
	reportRows = 500
	reproRows  = 200
)

// copyText copies text in the background: clipboard helpers may take a
// moment and the screen must not wait for them.
func (m *Model) copyText(what, text string) tea.Cmd {
	if m.opts.Copier == nil {
		return m.setNotice("copy unavailable: no clipboard", true)
	}
	c := m.opts.Copier
	return func() tea.Msg {
		method, err := c.Copy(text)
		return copiedMsg{what: what, size: len(text), method: method, err: err}
	}
}

func (m *Model) onCopied(msg copiedMsg) tea.Cmd {
	if msg.err != nil {
		return m.setNotice(fmt.Sprintf("could not copy %s: %v", msg.what, msg.err), true)
	}
	how := ""
	if msg.method != "" {
		how = " via " + msg.method
	}
	return m.setNotice(fmt.Sprintf("copied %s (%s)%s", msg.what, humanBytes(int64(msg.size)), how), false)
}

// copySelected copies the selected row's payload: pretty JSON when it is
// JSON, hex when it is binary. Rows without a payload copy what the
// inspector shows.
func (m *Model) copySelected() tea.Cmd {
	if m.displayLen() == 0 {
		return m.setNotice("nothing selected", true)
	}
	i := m.rowAt(m.sel)
	r := m.store.row(i)
	p := m.store.payload(i)
	switch {
	case !r.isMessage() || len(p) == 0:
		return m.copyText("row details", plainLines(m.inspectorLines(i, 100)))
	case r.has(flagJSON):
		var buf bytes.Buffer
		if json.Indent(&buf, p, "", "  ") == nil {
			return m.copyText("payload as pretty JSON", buf.String())
		}
	case r.op == conn.OpBinary:
		return m.copyText("binary payload as hex", hexPreviewAll(p))
	}
	return m.copyText("payload", string(p))
}

func hexPreviewAll(p []byte) string {
	var b strings.Builder
	b.Grow(len(p) * 3)
	for k, c := range p {
		if k > 0 {
			if k%16 == 0 {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		}
		fmt.Fprintf(&b, "%02x", c)
	}
	return b.String()
}

// copyReport copies a Markdown bug report around the selected row.
func (m *Model) copyReport() tea.Cmd {
	if m.opts.BugReport == nil {
		return m.setNotice("bug reports are unavailable here", true)
	}
	n := m.store.len()
	start := max(0, n-reportRows)
	selected := -1
	if m.displayLen() > 0 {
		sel := m.rowAt(m.sel)
		if sel < start {
			start = max(0, sel-reportRows/10)
		}
		selected = sel - start
	}
	end := min(n, start+4*reportRows)
	events := make([]conn.Event, 0, end-start)
	for i := start; i < end; i++ {
		events = append(events, m.store.event(i))
	}
	if selected >= len(events) {
		selected = -1
	}
	return m.copyText("bug report", m.opts.BugReport(m.opts.Conn, events, selected))
}

// copyRepro copies commands that reproduce what was sent.
func (m *Model) copyRepro() tea.Cmd {
	if m.opts.Repro == nil {
		return m.setNotice("repro commands are unavailable here", true)
	}
	var sent []conn.Event
	for i := m.store.len() - 1; i >= 0 && len(sent) < reproRows; i-- {
		r := m.store.row(i)
		if r.typ == conn.EventMessage && r.dir == conn.Out && !r.op.IsControl() {
			sent = append(sent, m.store.event(i))
		}
	}
	for a, b := 0, len(sent)-1; a < b; a, b = a+1, b-1 {
		sent[a], sent[b] = sent[b], sent[a]
	}
	return m.copyText("repro commands", m.opts.Repro(m.opts.Conn, sent))
}
