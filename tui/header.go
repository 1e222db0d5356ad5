package tui

import (
	"fmt"
	"math"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/tui/internal/cells"
)

// headerLines draws the two header lines.
func (m *model) headerLines() []string {
	if m.px != nil {
		return m.proxyHeaderLines()
	}
	th := &m.theme
	s := &m.sess
	now := m.headerNow()
	app := m.opts.Title
	if app == "" {
		app = "wsdbg"
	}

	var state string
	switch {
	case m.closing:
		state = th.StateClosing.Render("closing…")
	case s.state == stateConnecting:
		state = th.StateConnecting.Render("connecting…")
	case s.state == stateOpen:
		state = th.StateOpen.Render("open " + uptime(now.Sub(s.openedAt)))
	case s.state == stateClosing:
		state = th.StateClosing.Render("closing")
	case s.state == stateClosed:
		text := "closed"
		if s.closeCode != 0 {
			text = fmt.Sprintf("closed %d", s.closeCode)
		}
		if m.live == nil && s.ended {
			text = "end of recording"
		}
		state = th.StateClosed.Render(text)
	case s.state == stateReconnecting:
		wait := s.retryAt.Sub(now)
		when := "now"
		if wait > 0 {
			when = fmt.Sprintf("in %ds", int(math.Ceil(wait.Seconds())))
		}
		state = th.StateReconnecting.Render(fmt.Sprintf("reconnecting #%d %s", s.attempt, when))
	}
	var right string
	switch {
	case m.recordingFailed:
		right = th.RecordingFailed.Render(" REC FAILED ")
	case m.opts.RecordPath != "":
		right = th.Recording.Render(" REC ")
	case m.live == nil:
		right = th.Recording.Render(m.replayBadge())
	}
	sep := th.Label.Render(" · ")
	label := func(name, value string) string { return th.HeaderLabel.Render(name+" ") + th.HeaderText.Render(value) }

	// The URL gives way to the state; what was negotiated comes last and is
	// cut first.
	url := decode.Sanitize(m.shownURL())
	fixed := ansi.StringWidth(app) + 2 + 2 + ansi.StringWidth(state) + ansi.StringWidth(right) + 1
	line1 := th.AppName.Render(app) + "  " + th.URL.Render(ansi.Truncate(url, max(8, m.width-fixed), "…")) + "  " + state
	if s.subprotocol != "" {
		line1 += sep + label("proto", decode.Sanitize(m.opts.Redact.Subprotocol(s.subprotocol)))
	}
	if s.protocol != "" {
		line1 += sep + label("speaks", s.protocol)
	}
	if len(s.extensions) > 0 {
		line1 += sep + label("ext", decode.Sanitize(strings.Join(s.extensions, ", ")))
	}
	line1 = cells.JoinEnds(line1, right, m.width)

	dir := func(name string, d int) string {
		return label(name, fmt.Sprintf("%d msg %.1f/s %s", s.msgs[d], s.rate[d], decode.HumanSize(s.bytes[d])))
	}
	facts := []string{dir("out", 1), dir("in", 0)}
	if m.cmp != nil { // before the rtt: a narrow header cuts from the end
		// No message follows a close frame.
		ended := s.state == stateClosing || s.state == stateClosed
		facts = append(facts, label("vs recording", m.cmp.summary(ended)))
	}
	if s.rtt > 0 {
		facts = append(facts, label("rtt", decode.HumanDuration(s.rtt)))
	}
	line2 := cells.Fit(" "+strings.Join(facts, sep), m.width)
	return []string{line1, line2}
}
