package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// paint is a lipgloss style reduced to the escape sequences that open and
// close it. Rows are drawn for every frame shown, and gluing strings is far
// cheaper than running the style renderer for each cell of the table.
type paint struct {
	open, close string
	style       lipgloss.Style
	exact       bool // open+text+close is what the style renders
}

func newPaint(s lipgloss.Style) paint {
	const probe = "x y"
	out := s.Render(probe)
	i := strings.Index(out, probe)
	if i < 0 {
		return paint{style: s}
	}
	return paint{open: out[:i], close: out[i+len(probe):], style: s, exact: true}
}

func (p paint) render(text string) string {
	if text == "" {
		return ""
	}
	if !p.exact {
		return p.style.Render(text)
	}
	return p.open + text + p.close
}

// rowPaints are the paints of one state of a log row: plain, selected, or
// selected while another pane has focus.
type rowPaints struct {
	gap, time, dirIn, dirOut, event, opcode, size, match paint
	tones                                                [toneCount]paint
	badges                                               [badgeKindCount]paint
}

func newRowPaints(m *model, sel *lipgloss.Style) rowPaints {
	th := &m.theme
	mk := func(s lipgloss.Style) paint {
		if sel != nil {
			s = s.Inherit(*sel)
		}
		return newPaint(s)
	}
	gap := paint{exact: true}
	if sel != nil {
		gap = newPaint(*sel)
	}
	p := rowPaints{
		gap: gap, time: mk(th.Time), dirIn: mk(th.DirIn), dirOut: mk(th.DirOut), event: mk(th.Time),
		opcode: mk(th.Opcode), size: mk(th.Size), match: mk(th.Match),
	}
	for tone := range previewTone(toneCount) {
		p.tones[tone] = mk(m.previewStyle(tone))
	}
	for kind := range badgeKind(badgeKindCount) {
		p.badges[kind] = mk(m.badgeStyle(kind))
	}
	return p
}
