package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/tui/internal/cells"
)

type rect struct{ x, y, w, h int }

func (r rect) contains(x, y int) bool {
	return x >= r.x && x < r.x+r.w && y >= r.y && y < r.y+r.h
}

type layoutMode uint8

const (
	layoutCompact layoutMode = iota // one pane at a time
	layoutStacked                   // log above inspector
	layoutSide                      // log beside inspector
)

// Thresholds for showing the log and the inspector together.
const (
	sideBySideWidth = 120
	stackedHeight   = 34
	headerHeight    = 2
	minWidth        = 30
	minHeight       = 8
)

// layout is where everything goes for the current size. Update and View
// both use it, so clicks land where things are drawn.
type layout struct {
	mode              layoutMode
	log, insp         rect // each includes its title line
	showLog, showInsp bool
	composerY         int // first line of the composer's text; its rule is above
	composerH         int
	footerY           int
	bodyY, bodyH      int
	tooSmall          bool
}

func (m *model) layout() layout {
	w, h := m.width, m.height
	var l layout
	if w < minWidth || h < minHeight {
		l.tooSmall = true
		return l
	}
	compH := m.comp.Height()
	l.footerY = h - 1
	l.composerH = compH
	l.composerY = l.footerY - compH
	l.bodyY = headerHeight
	l.bodyH = max(2, l.composerY-1-headerHeight)
	body := rect{0, l.bodyY, w, l.bodyH}
	switch {
	case w >= sideBySideWidth:
		l.mode = layoutSide
		lw := w * 11 / 20
		l.log = rect{0, body.y, lw, body.h}
		l.insp = rect{lw + 1, body.y, w - lw - 1, body.h}
		l.showLog, l.showInsp = true, true
	case h >= stackedHeight:
		l.mode = layoutStacked
		lh := max(5, body.h*9/20)
		l.log = rect{0, body.y, w, lh}
		l.insp = rect{0, body.y + lh, w, body.h - lh}
		l.showLog, l.showInsp = true, true
	default:
		l.mode = layoutCompact
		l.log, l.insp = body, body
		l.showLog, l.showInsp = !m.inspectorOpen, m.inspectorOpen
	}
	return l
}

// syncPanes brings sizes and the inspector's content up to date after an
// update, so View only draws.
func (m *model) syncPanes() {
	lay := m.layout()
	if lay.tooSmall {
		return
	}
	m.comp.SetSize(m.width)
	m.filter.SetSize(m.width)
	m.filter.SetCounts(m.displayLen(), m.store.len())
	m.help.SetSize(m.width, lay.bodyH)
	if lay.showInsp {
		m.insp.SetSize(lay.insp.w, lay.insp.h)
		m.insp.Show(m.selectedRow(), details{m})
	}
	if m.pane == focusInspector && !lay.showInsp {
		if m.focus == m.pane {
			m.focus = focusLog
		}
		m.pane = focusLog
	}
	m.insp.SetCompact(lay.mode == layoutCompact)
	if m.pane == focusInspector {
		m.insp.Focus()
	} else {
		m.insp.Blur()
	}
	if m.focus == focusHelp {
		m.help.SetSections(m.helpSections(), helpFootnote)
	}
	m.ensureVisible()
}

// selectedRow is the row index of the selection; -1 when the log shows
// none.
func (m *model) selectedRow() int {
	if n := m.displayLen(); n > 0 {
		return m.rowAt(min(m.sel, n-1))
	}
	return -1
}

// View draws the screen.
func (m *model) View() tea.View {
	var v tea.View
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "wsdbg " + decode.Sanitize(m.shownURL())
	lay := m.layout()
	if lay.tooSmall {
		v.SetContent(cells.Fit(m.theme.NoticeError.Render("wsdbg needs a larger window"), m.width))
		return v
	}

	lines := make([]string, 0, m.height)
	lines = append(lines, m.headerLines()...)
	lines = append(lines, m.bodyLines(lay)...)
	lines = append(lines, m.comp.View(), m.footerLine())
	v.SetContent(strings.Join(lines, "\n"))

	switch m.focus {
	case focusFilter:
		if c := m.filter.Cursor(); c != nil {
			c.Position.Y += lay.footerY
			v.Cursor = c
		}
	case focusComposer:
		if c := m.comp.Cursor(); c != nil {
			c.Position.Y += lay.composerY
			v.Cursor = c
		}
	}
	return v
}

// bodyLines draws the panes (or the help) between header and composer.
func (m *model) bodyLines(lay layout) []string {
	if m.focus == focusHelp {
		return strings.Split(m.help.View(), "\n")
	}
	if m.focus == focusConns {
		return m.proxyListLines(lay)
	}
	var out []string
	switch lay.mode {
	case layoutSide:
		left := m.logLines(lay.log)
		right := strings.Split(m.insp.View(), "\n")
		sep := m.theme.Rule.Render("│")
		for k := range lay.bodyH {
			out = append(out, left[k]+sep+right[k])
		}
	case layoutStacked:
		out = append(m.logLines(lay.log), strings.Split(m.insp.View(), "\n")...)
	default:
		if lay.showInsp {
			out = strings.Split(m.insp.View(), "\n")
		} else {
			out = m.logLines(lay.log)
		}
	}
	if picker := m.comp.PickerView(len(out)); picker != nil {
		copy(out[len(out)-len(picker):], picker)
	}
	return out
}

// logLines draws the log pane: a title line, then the visible rows only.
func (m *model) logLines(r rect) []string {
	out := make([]string, 0, r.h)
	out = append(out, m.logTitle(r.w))
	n := m.displayLen()
	for k := 0; k < r.h-1; k++ {
		pos := m.top + k
		if pos >= n {
			out = append(out, strings.Repeat(" ", r.w))
			continue
		}
		// renderRow lays out exactly r.w cells; no need to measure again.
		out = append(out, m.renderRow(m.rowAt(pos), r.w, pos == m.sel))
	}
	if n == 0 && r.h > 2 {
		msg := "Waiting for frames…"
		if m.filter.Criteria().Hides() && m.store.len() > 0 {
			msg = "No rows match the filter. esc clears it."
		}
		out[1] = cells.Fit("  "+m.theme.Label.Render(msg), r.w)
	}
	return out
}

func (m *model) logTitle(width int) string {
	th := &m.theme
	title := th.PaneTitle
	if m.focus == focusLog {
		title = th.PaneTitleFocused
	}
	n, total := m.displayLen(), m.store.len()
	count := fmt.Sprintf("%d rows", total)
	if total == 1 {
		count = "1 row"
	}
	if m.filter.Criteria().Hides() {
		count = fmt.Sprintf("%d of %d", n, total)
		if m.scanning() {
			count += fmt.Sprintf(" (filtering %d%%)", m.scanned*100/max(1, total))
		}
	}
	parts := []string{title.Render("FRAMES"), th.Label.Render(count)}
	if d := m.filter.Criteria().Summary(); d != "" {
		parts = append(parts, th.FilterPrompt.Render(d))
	}
	switch {
	case !m.follow:
		parts = append(parts, th.Label.Render("follow off"))
	case m.following():
		parts = append(parts, th.Label.Render("following"))
	}
	if m.relTime {
		parts = append(parts, th.Label.Render("time +rel"))
	}
	left := " " + strings.Join(parts, th.Label.Render(" · "))
	right := ""
	if m.unseen > 0 {
		right = th.NewRowsIndicator.Render(fmt.Sprintf(" %d new, G to follow ", m.unseen))
	}
	return cells.JoinEnds(left, right, width)
}

// footerLine is the filter bar while filtering, a notice after something
// happened, or the short help of whatever has the keyboard.
func (m *model) footerLine() string {
	th := &m.theme
	switch {
	case m.focus == focusFilter:
		return m.filter.View()
	case m.closing && m.px != nil:
		return cells.Fit(" "+th.Notice.Render("closing every connection, both sides with 1001…; ctrl+c quits now"), m.width)
	case m.closing:
		return cells.Fit(" "+th.Notice.Render("closing… waiting for the server to answer; ctrl+c quits now"), m.width)
	case m.notice.text != "":
		s := th.Notice
		if m.notice.isErr {
			s = th.NoticeError
		}
		return cells.Fit(" "+s.Render(m.notice.text), m.width)
	}
	return cells.Fit(" "+m.help.ShortView(m.shortHelp()), m.width)
}

// plainLines strips styling, for copying what the inspector shows.
func plainLines(lines []string) string {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(strings.TrimRight(ansi.Strip(l), " "))
		b.WriteByte('\n')
	}
	return b.String()
}
