package tui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/clipboard"
	"github.com/wsdbg/wsdbg/internal/export"
	"github.com/wsdbg/wsdbg/internal/render"
)

// Copier puts text on the clipboard and says how. clipboard.Copier is one.
type Copier interface {
	Copy(text string) (clipboard.Method, error)
}

// copiedMsg reports how copying went.
type copiedMsg struct {
	what   string
	size   int
	method clipboard.Method
	osc52  string // the OSC 52 sequence to print, when that is how it is copied
	err    error
	text   string // kept when copying failed, so that it can be saved instead
}

// unsavedCopy is text that could not be copied. The save key writes it to
// a file while the notice offering that is on screen; any other key drops
// it.
type unsavedCopy struct {
	what, text string
	notice     int // the seq of the notice that offers the save
}

// savedMsg reports how saving text that could not be copied went.
type savedMsg struct {
	what string
	size int
	path string
	err  error
}

// offerDuration is how long the offer to save stays up: longer than a
// plain notice, since it asks for a decision.
const offerDuration = 15 * time.Second

// How much a bug report and the repro commands take in.
const (
	reportBefore = 30 // events listed before the selected one
	reproSent    = 20 // sent messages listed after the commands
)

// copyText copies text in the background: clipboard helpers may take a
// moment and the screen must not wait for them. Without a Copier, the
// system clipboard is tried, then OSC 52 through the program's own output,
// so the sequence cannot land in the middle of a frame.
func (m *model) copyText(what, text string) tea.Cmd {
	c := m.opts.Copier
	return func() tea.Msg {
		msg := copiedMsg{what: what, size: len(text)}
		if c != nil {
			msg.method, msg.err = c.Copy(text)
		} else {
			var osc bytes.Buffer
			msg.method, msg.err = clipboard.Copier{Terminal: &osc}.Copy(text)
			msg.osc52 = osc.String()
		}
		if msg.err != nil {
			msg.text = text
		}
		return msg
	}
}

// onCopied confirms a copy, or offers to save the text to a file when no
// clipboard took it. The offer comes before the reason, which may be long,
// so that a narrow status line still shows what to press.
func (m *model) onCopied(msg copiedMsg) tea.Cmd {
	if msg.err != nil {
		text := fmt.Sprintf("could not copy %s; press %s to save it to a file (%v)",
			msg.what, m.keys.Log.SaveCopy.Help().Key, msg.err)
		cmd := m.setNoticeFor(text, true, offerDuration)
		m.unsaved = &unsavedCopy{what: msg.what, text: msg.text, notice: m.notice.seq}
		return cmd
	}
	note := m.setNotice(fmt.Sprintf("copied %s (%s) to the %s", msg.what, decode.HumanSize(int64(msg.size)), clipboardName(msg.method)), false)
	if msg.osc52 != "" {
		return tea.Batch(tea.Raw(msg.osc52), note)
	}
	return note
}

// takeUnsaved returns the text waiting to be saved, if its offer is still
// on screen, and forgets it either way.
func (m *model) takeUnsaved() (unsavedCopy, bool) {
	u := m.unsaved
	m.unsaved = nil
	if u == nil || m.notice.text == "" || m.notice.seq != u.notice {
		return unsavedCopy{}, false
	}
	return *u, true
}

// saveUnsaved writes text that could not be copied to a new file in the
// save directory, in the background.
func (m *model) saveUnsaved(u unsavedCopy) tea.Cmd {
	dir := m.opts.SaveDir
	return func() tea.Msg {
		path, err := clipboard.WriteToFile(dir, u.text)
		return savedMsg{what: u.what, size: len(u.text), path: path, err: err}
	}
}

func (m *model) onSaved(msg savedMsg) tea.Cmd {
	if msg.err != nil {
		return m.setNotice(fmt.Sprintf("could not save %s: %v", msg.what, msg.err), true)
	}
	return m.setNotice(fmt.Sprintf("saved %s (%s) to %s", msg.what, decode.HumanSize(int64(msg.size)), msg.path), false)
}

func clipboardName(m clipboard.Method) string {
	switch m {
	case clipboard.OSC52:
		return "clipboard via OSC 52"
	case clipboard.Tmux:
		return "tmux buffer and clipboard"
	case clipboard.TmuxBuffer:
		return "tmux buffer (tmux's set-clipboard is off)"
	}
	return string(m)
}

// copySelected copies the selected row's payload: pretty JSON when it is
// JSON, hex when it is binary. Rows without a payload copy what the
// inspector shows.
func (m *model) copySelected() tea.Cmd {
	if m.displayLen() == 0 {
		return m.setNotice("nothing selected", true)
	}
	i := m.rowAt(m.sel)
	r := m.store.row(i)
	p := m.shownPayload(i)
	switch {
	case !r.isMessage() || len(p) == 0:
		return m.copyText("row details", plainLines(m.inspectorLines(i, 100)))
	case m.payloadIsJSON(i):
		var buf bytes.Buffer
		if json.Indent(&buf, p, "", "  ") == nil {
			return m.copyText("payload as pretty JSON", buf.String())
		}
	case r.op == conn.OpBinary:
		return m.copyText("binary payload as hex", render.HexPairs(p, 16))
	}
	return m.copyText("payload", string(p))
}

// copyReport copies a Markdown bug report about the selected row: the
// handshake it belongs to and the events leading to it.
func (m *model) copyReport() tea.Cmd {
	if m.displayLen() == 0 {
		return m.setNotice("nothing selected", true)
	}
	sel := m.rowAt(m.sel)
	first := max(0, sel-reportBefore)
	var rows []int
	if open := m.openAtOrBefore(sel); open >= 0 && open < first {
		rows = append(rows, open)
	}
	for i := first; i <= sel; i++ {
		rows = append(rows, i)
	}
	recs := make(history.Records, 0, len(rows))
	for _, i := range rows {
		recs = append(recs, history.FromEvent(m.store.event(i)))
	}
	report := export.BugReport(recs, len(recs)-1, len(recs)-1, m.opts.Redact)
	return m.copyText("bug report", report)
}

// copyRepro copies commands that open the same connection, followed by the
// last messages sent in this session.
func (m *model) copyRepro() tea.Cmd {
	o := m.opts.Conn
	if o.URL == "" || m.px != nil {
		// A proxied connection went to the upstream at the path its
		// application asked for.
		o.URL = m.sess.url
	}
	if o.URL == "" {
		return m.setNotice("no URL to reproduce", true)
	}
	var sent []export.SentMessage
	for _, i := range m.lastSent() {
		sent = append(sent, export.SentMessage{Binary: m.store.row(i).op == conn.OpBinary, Payload: m.store.payload(i)})
	}
	return m.copyText("repro commands", export.ReproScript(o, sent, m.opts.Redact))
}
