package tui

import (
	"sort"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/tui/filter"
)

// The frame log is virtual: the store holds every row, and the log shows
// either all of them or those the filter lets through, drawing only the
// rows on screen.

// ingestBudget is how long one update may take events in while more wait.
const ingestBudget = 8 * time.Millisecond

// ingestBatch takes in a batch of events, and the events waiting behind
// it, and asks for the next one.
func (m *model) ingestBatch(b eventBatchMsg) tea.Cmd {
	if m.px != nil {
		return m.ingestProxyBatch(b)
	}
	before := m.store.len()
	// Everything that waits is taken in before the screen is drawn again,
	// for as long as a key press may wait.
	deadline := time.Now().Add(ingestBudget)
	for {
		for _, ev := range b.events {
			m.ingest(ev)
		}
		if b.done || m.pump == nil || !time.Now().Before(deadline) {
			break
		}
		more := m.pump.take()
		if len(more.events) == 0 && !more.done {
			break
		}
		b = more
	}
	cmds := []tea.Cmd{m.showIngested(before)}
	if b.done {
		m.sess.ended = true
		m.sess.state = stateClosed
	} else if m.pump != nil {
		cmds = append(cmds, m.pump.next())
	}
	if m.closing && m.sess.state == stateClosed {
		// The server answered the close, or the connection ended anyway.
		return m.exit()
	}
	return tea.Batch(cmds...)
}

// showIngested puts the rows from before on into view, through the filter
// when it hides rows.
func (m *model) showIngested(before int) tea.Cmd {
	if m.filter.Criteria().Hides() {
		return m.scanStep()
	}
	m.onRowsShown(m.store.len() - before)
	return nil
}

// onRowsShown keeps the selection on the newest row while following, and
// counts what arrived otherwise.
func (m *model) onRowsShown(n int) {
	if n <= 0 {
		return
	}
	total := m.displayLen()
	if m.follow && m.unseen == 0 && m.sel >= m.followTarget(total-n) {
		m.sel = m.followTarget(total)
		m.ensureVisible()
		return
	}
	m.unseen += n
}

// following reports whether the log is tracking new rows.
func (m *model) following() bool {
	return m.follow && m.unseen == 0 && m.sel >= m.followTarget(m.displayLen())
}

// followTarget is the position following selects when the first n shown
// rows are all there is: the last one, unless that is wsdbg's answer to the
// server's close, shown just below it. The server's close is what explains
// the ending, with its code and reason; the answer only echoes the code.
func (m *model) followTarget(n int) int {
	last := n - 1
	if last >= 1 {
		if answer := m.rowAt(last); m.rowAt(last-1) == answer-1 && m.answersPeerClose(answer) {
			return last - 1
		}
	}
	return last
}

// answersPeerClose reports whether row i is the close frame sent in answer
// to the one the peer sent just before it.
func (m *model) answersPeerClose(i int) bool {
	if i < 1 {
		return false
	}
	r, prev := m.store.row(i), m.store.row(i-1)
	return r.typ == conn.EventClose && r.dir == conn.Out && r.op == conn.OpClose &&
		prev.typ == conn.EventClose && prev.dir == conn.In && prev.op == conn.OpClose
}

// passesToggles applies the direction, opcode and errors-only toggles of c.
func passesToggles(c *filter.Criteria, r *row) bool {
	// In is what the server sent and Out what the client sent, which on a
	// proxied connection is the leg and direction together.
	if d := c.Direction(); d != 0 && (r.dir == 0 || (d == conn.In) != rowFromServer(r)) {
		return false
	}
	if c.ErrorsOnly() && !r.isError() {
		return false
	}
	switch c.Ops() {
	case filter.OpsText:
		return r.isMessage() && (r.op == conn.OpText || r.op == conn.OpContinuation)
	case filter.OpsBinary:
		return r.isMessage() && r.op == conn.OpBinary
	case filter.OpsControl:
		return r.isMessage() && r.op.IsControl() || r.typ == conn.EventClose
	case filter.OpsEvents:
		return !r.isMessage()
	}
	return true
}

// rowMatchesText reports whether row i matches the text query. Messages are
// searched in their payload; other rows in their summary.
func (m *model) rowMatchesText(i int) bool {
	r := m.store.row(i)
	if r.isMessage() && r.payload.n > 0 {
		return m.filter.Criteria().Match(m.store.payload(i))
	}
	return m.filter.Criteria().Match([]byte(m.computeRowText(i).preview))
}

func (m *model) rowShown(i int) bool {
	c := m.filter.Criteria()
	if !passesToggles(c, m.store.row(i)) {
		return false
	}
	if c.HasText() && !c.FindOnly() {
		return m.rowMatchesText(i)
	}
	return true
}

// The displayed rows are either all rows, or the index in m.shown. That
// index is built by scanning the log in time slices, so a filter over a
// million rows never freezes input; rows that arrive later are tested as
// they come.

// filterStepMsg asks for the next slice of a filter scan.
type filterStepMsg struct{ gen int }

const scanBudget = 3 * time.Millisecond

// displayLen is the number of rows the log shows.
func (m *model) displayLen() int {
	if !m.filter.Criteria().Hides() {
		return m.store.len()
	}
	return len(m.shown)
}

// rowAt maps a display position to a row index.
func (m *model) rowAt(pos int) int {
	if !m.filter.Criteria().Hides() {
		return pos
	}
	return int(m.shown[pos])
}

// positionOf maps a row index to the display position of the first shown
// row at or after it.
func (m *model) positionOf(rowIdx int) int {
	if !m.filter.Criteria().Hides() {
		return rowIdx
	}
	return sort.Search(len(m.shown), func(k int) bool { return int(m.shown[k]) >= rowIdx })
}

// scanning reports whether the filter has rows left to test.
func (m *model) scanning() bool { return m.filter.Criteria().Hides() && m.scanned < m.store.len() }

// refilterIfChanged starts a new scan if the filter changed since the log
// was last filtered.
func (m *model) refilterIfChanged() tea.Cmd {
	if m.filter.Version() == m.filtered {
		return nil
	}
	return m.refilter()
}

// refilter starts a new scan after the filter changed.
func (m *model) refilter() tea.Cmd {
	anchor := -1
	if m.displayLen() > 0 && m.sel < m.displayLen() {
		anchor = m.rowAt(m.sel)
	}
	m.filtered = m.filter.Version()
	m.shown = m.shown[:0]
	m.scanned = 0
	m.scanGen++
	m.anchor = anchor
	m.rowCache.reset()
	if !m.filter.Criteria().Hides() {
		m.placeAfterFilter()
		return nil
	}
	return m.scanStep()
}

// scanStep tests rows for the filter until the time budget runs out, and
// asks to be called again if rows are left.
func (m *model) scanStep() tea.Cmd {
	if !m.filter.Criteria().Hides() {
		return nil
	}
	deadline := time.Now().Add(scanBudget)
	n := m.store.len()
	before := len(m.shown)
	if m.store.lazy == nil || !m.scanLines(n, deadline) {
		m.scanRows(n, deadline)
	}
	m.onRowsShown(len(m.shown) - before)
	if m.scanned < n {
		gen := m.scanGen
		return func() tea.Msg { return filterStepMsg{gen: gen} }
	}
	if m.anchor >= 0 {
		m.placeAfterFilter()
	}
	return nil
}

// scanRows tests the rows from m.scanned up to n until the deadline.
func (m *model) scanRows(n int, deadline time.Time) {
	for m.scanned < n {
		if m.rowShown(m.scanned) {
			m.shown = append(m.shown, int32(m.scanned))
		}
		m.scanned++
		if m.scanned&1023 == 0 && time.Now().After(deadline) {
			break
		}
	}
}

// placeAfterFilter puts the selection back on the row that was selected
// before the filter changed, or on the nearest shown row after it.
func (m *model) placeAfterFilter() {
	defer func() { m.anchor = -1 }()
	n := m.displayLen()
	if n == 0 {
		m.sel, m.top = 0, 0
		return
	}
	if m.following() || m.anchor < 0 {
		m.sel = m.followTarget(n)
	} else {
		m.sel = min(m.positionOf(m.anchor), n-1)
	}
	m.unseen = 0
	m.ensureVisible()
}

// move shifts the selection by delta rows.
func (m *model) move(delta int) {
	n := m.displayLen()
	if n == 0 {
		return
	}
	m.sel = max(0, min(n-1, m.sel+delta))
	if m.sel == n-1 {
		m.unseen = 0
	}
	m.ensureVisible()
}

// ensureVisible scrolls the log so the selection is on screen.
func (m *model) ensureVisible() {
	rows := max(1, m.layout().log.h-1)
	n := m.displayLen()
	m.sel = max(0, min(m.sel, n-1))
	switch {
	case m.sel < m.top:
		m.top = m.sel
	case m.sel >= m.top+rows:
		m.top = m.sel - rows + 1
	}
	m.top = max(0, min(m.top, max(0, n-rows)))
}

// findNext moves to the next (dir 1) or previous (dir -1) row matching the
// text query.
func (m *model) findNext(dir int) tea.Cmd {
	if !m.filter.Criteria().HasText() {
		return m.setNotice("nothing to find: press / and type", true)
	}
	n := m.displayLen()
	if m.store.lazy != nil && !m.filter.Criteria().Hides() {
		return m.found(m.lazyFind(m.sel+dir, dir), dir)
	}
	for pos := m.sel + dir; pos >= 0 && pos < n; pos += dir {
		if !m.filter.Criteria().Hides() && !m.rowMatchesText(m.rowAt(pos)) {
			continue
		}
		return m.found(pos, dir)
	}
	return m.found(-1, dir)
}

// found selects display position pos, which findNext found, or says that
// nothing was (pos -1).
func (m *model) found(pos, dir int) tea.Cmd {
	if pos >= 0 {
		m.sel = pos
		if pos == m.displayLen()-1 {
			m.unseen = 0
		}
		m.ensureVisible()
		return nil
	}
	if dir > 0 {
		return m.setNotice("no more matches below", false)
	}
	return m.setNotice("no more matches above", false)
}

// jumpLink selects the request or reply linked with the selected row.
func (m *model) jumpLink() tea.Cmd {
	if m.displayLen() == 0 {
		return nil
	}
	r := m.store.row(m.rowAt(m.sel))
	if r.link < 0 {
		return m.setNotice("this row has no linked request or reply", true)
	}
	pos := m.positionOf(int(r.link))
	if pos >= m.displayLen() || m.rowAt(pos) != int(r.link) {
		return m.setNotice("the linked row is hidden by the filter", true)
	}
	m.sel = pos
	m.ensureVisible()
	return nil
}
