package tui

import "github.com/wsdbg/wsdbg/conn"

// The screen and the clipboard show what a recording would store: the
// log keeps every event as it happened, and these hide its credentials
// (Options.Redact) where a row becomes text. Each is called for the rows
// being drawn, inspected or copied, never for the whole log.

// shownPayload is row i's payload as it is drawn and copied.
func (m *model) shownPayload(i int) []byte {
	p := m.store.payload(i)
	if r := m.store.row(i); r.isMessage() {
		return m.opts.Redact.MessagePayload(r.op, p)
	}
	return p
}

// shownExtra is row i's rare details as they are drawn: the handshake's
// URL, headers and subprotocol, and failure texts, redacted.
func (m *model) shownExtra(i int) rowExtra {
	x := m.store.extra(i)
	if x.event != nil && !m.opts.Redact.Disabled {
		switch x.event.Type {
		case conn.EventOpen, conn.EventError, conn.EventWarning:
			ev := m.opts.Redact.Event(*x.event)
			x.event = &ev
		}
	}
	return x
}

// shownURL is the session's URL as the header and the window title show it.
func (m *model) shownURL() string { return m.opts.Redact.URL(m.sess.url) }
