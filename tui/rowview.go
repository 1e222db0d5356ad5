package tui

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"charm.land/lipgloss/v2"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/internal/render"
	"github.com/wsdbg/wsdbg/tui/internal/cells"
)

// How much of a payload a one-line preview looks at.
const (
	previewBytes       = 512
	previewHexBytes    = 48
	compactBeforeLimit = 64 << 10 // JSON up to this size is compacted for its preview
)

// badgeKind picks a badge's style.
type badgeKind uint8

const (
	badgeJSON badgeKind = iota
	badgeError
	badgeClose
	badgeViolation
	badgeFragments
	badgeLatency
	badgeDiff
	badgeKindCount
)

type badge struct {
	kind badgeKind
	text string
}

// rowText is the part of a row's rendering that depends only on the row:
// computed once, when the row first becomes visible, and cached.
type rowText struct {
	preview string // sanitised, one line
	tone    previewTone
	badges  []badge
}

type previewTone uint8

const (
	tonePlain previewTone = iota
	toneControl
	toneError
	toneClose
	toneWarning
	toneEvent
	toneCount
)

// rowTextCache keeps the rendering of recently visible rows. It is bounded:
// when it fills up it starts over, which only costs recomputing what is on
// screen.
type rowTextCache struct {
	entries map[int32]rowText
}

const rowTextCacheSize = 4096

func (c *rowTextCache) get(i int32) (rowText, bool) {
	t, ok := c.entries[i]
	return t, ok
}

func (c *rowTextCache) put(i int32, t rowText) {
	if c.entries == nil || len(c.entries) >= rowTextCacheSize {
		c.entries = make(map[int32]rowText, 256)
	}
	c.entries[i] = t
}

func (c *rowTextCache) forget(i int32) { delete(c.entries, i) }

func (c *rowTextCache) reset() { c.entries = nil }

// rowTextOf returns the cached preview and badges of row i.
func (m *model) rowTextOf(i int) rowText {
	if t, ok := m.rowCache.get(int32(i)); ok {
		return t
	}
	t := m.computeRowText(i)
	m.rowCache.put(int32(i), t)
	return t
}

func (m *model) computeRowText(i int) rowText {
	r := m.store.row(i)
	p := m.shownPayload(i)
	x := m.shownExtra(i)
	var t rowText
	switch r.typ {
	case conn.EventMessage, conn.EventFrame:
		t.preview = payloadPreview(p, r.op, m.payloadIsJSON(i))
		switch {
		case r.op.IsControl():
			t.tone = toneControl
			if x.event != nil && x.event.RTT > 0 {
				t.preview = strings.TrimSpace("rtt " + decode.HumanDuration(x.event.RTT) + " " + t.preview)
			}
		case r.has(flagEnvelope):
			t.tone = toneError
		}
		if x.packet != "" {
			t.preview = strings.TrimSpace(x.packet + " · " + t.preview)
		}
	case conn.EventClose:
		t.tone = toneClose
		t.preview = m.closeSummary(i)
	case conn.EventOpen:
		t.tone = toneEvent
		t.preview = openSummary(x.event)
	case conn.EventError, conn.EventWarning:
		t.tone = toneWarning
		if r.typ == conn.EventError {
			t.tone = toneError
		}
		t.preview = failureSummary(x.event)
		if x.note != "" {
			t.preview = x.note
		}
	case conn.EventInject:
		t.tone = toneWarning
		t.preview = injectSummary(x.event)
	case conn.EventReconnect:
		t.tone = toneEvent
		if ev := x.event; ev != nil {
			t.preview = fmt.Sprintf("reconnecting: attempt %d in %s", ev.Attempt, decode.HumanDuration(ev.Delay))
		}
	}
	t.badges = m.badgesOf(i)
	return t
}

func (m *model) badgesOf(i int) []badge {
	r := m.store.row(i)
	x := m.store.extra(i)
	var out []badge
	if r.injected { // first: the user's own doing explains what follows
		what := "INJECTED"
		if r.isMessage() {
			what = "SWALLOWED"
		}
		out = append(out, badge{badgeViolation, what})
	}
	if r.has(flagDiff) { // first: it is what a replay against a live endpoint is for
		out = append(out, badge{badgeDiff, "DIFF"})
	}
	if r.has(flagReply) {
		q := m.store.row(int(r.link))
		out = append(out, badge{badgeLatency, "reply " + decode.HumanDuration(time.Duration(r.at-q.at))})
	}
	if r.has(flagRequest) {
		out = append(out, badge{badgeLatency, "req"})
	}
	if r.nframes > 1 {
		out = append(out, badge{badgeFragments, fmt.Sprintf("%d frames", r.nframes)})
	}
	if !r.has(flagEnvelope) && m.payloadIsJSON(i) {
		out = append(out, badge{badgeJSON, "JSON"})
	}
	if r.has(flagEnvelope) && x.envelope != nil {
		out = append(out, badge{badgeError, strings.TrimSpace("ERROR " + x.envelope.CodeText())})
	}
	if r.typ == conn.EventClose {
		out = append(out, badge{badgeClose, m.closeBadge(i)})
	}
	if r.typ == conn.EventError && x.event != nil && x.event.Failure != nil && !r.has(flagViolation) {
		out = append(out, badge{badgeError, "ERROR " + decode.Sanitize(x.event.Failure.Kind)})
	}
	if r.has(flagViolation) {
		out = append(out, badge{badgeViolation, "VIOLATION"})
	}
	return out
}

// payloadPreview is a one-line, sanitised look at a payload.
func payloadPreview(p []byte, op conn.Opcode, isJSON bool) string {
	if len(p) == 0 {
		return ""
	}
	if op == conn.OpBinary || op == conn.OpContinuation && !utf8.Valid(p[:min(len(p), previewBytes)]) {
		return render.HexPreview(p, previewHexBytes, "…")
	}
	if isJSON && len(p) <= compactBeforeLimit {
		var buf bytes.Buffer
		if json.Compact(&buf, p) == nil {
			p = buf.Bytes()
		}
	}
	return decode.Sanitize(string(cutUTF8(p, previewBytes)))
}

// cutUTF8 shortens p to at most n bytes without splitting a character.
func cutUTF8(p []byte, n int) []byte {
	if len(p) <= n {
		return p
	}
	cut := n
	for cut > 0 && cut > n-utf8.UTFMax && !utf8.RuneStart(p[cut]) {
		cut--
	}
	return p[:cut]
}

// closeExplanation is the annotation of close row i; zero for a close
// nobody explained (a recording written by hand).
func (m *model) closeExplanation(i int) decode.Explanation {
	if x := m.store.extra(i); x.event != nil && x.event.Note != nil {
		return x.event.Note.Explanation
	}
	return decode.Explanation{}
}

func (m *model) closeSummary(i int) string {
	r := m.store.row(i)
	reason := "(no reason)"
	if x := m.store.extra(i); x.event != nil && x.event.Reason != "" {
		reason = decode.Sanitize(x.event.Reason)
	}
	who := "server: "
	if r.dir == conn.Out {
		who = "client: "
	}
	if r.leg != conn.LegNone {
		who = proxySpeaker(r) + ": "
	}
	switch {
	case r.injected && r.op != conn.OpClose:
		return "wsdbg reset the " + r.leg.String() + "'s TCP connection: no close frame"
	case r.op != conn.OpClose:
		return "connection ended without a close frame"
	case !r.has(flagHasCode):
		return who + "close without a code"
	}
	return who + reason
}

func (m *model) closeBadge(i int) string {
	r := m.store.row(i)
	name := m.closeExplanation(i).Name
	return strings.TrimSpace(fmt.Sprintf("CLOSE %d %s", r.code, decode.Sanitize(name)))
}

func openSummary(ev *conn.Event) string {
	if ev == nil {
		return "open"
	}
	parts := []string{fmt.Sprintf("open %d", ev.Status)}
	if ev.Subprotocol != "" {
		parts = append(parts, "subprotocol "+ev.Subprotocol)
	}
	if len(ev.Extensions) > 0 {
		parts = append(parts, strings.Join(ev.Extensions, ", "))
	}
	if ev.URL != "" {
		parts = append(parts, ev.URL)
	}
	return decode.Sanitize(strings.Join(parts, " · "))
}

func failureSummary(ev *conn.Event) string {
	if ev == nil || ev.Failure == nil {
		return "failure"
	}
	var parts []string
	if ev.Note != nil && ev.Note.Name != "" {
		parts = append(parts, ev.Note.Name)
	}
	if ev.Failure.Message != "" {
		parts = append(parts, ev.Failure.Message)
	}
	return decode.Sanitize(strings.Join(parts, ": "))
}

// opcodeLabel is the log's short name for a row's kind.
func opcodeLabel(r *row) string {
	switch r.typ {
	case conn.EventMessage, conn.EventFrame:
		switch r.op {
		case conn.OpText:
			return "text"
		case conn.OpBinary:
			return "binary"
		case conn.OpContinuation:
			return "cont"
		case conn.OpPing:
			return "ping"
		case conn.OpPong:
			return "pong"
		case conn.OpClose:
			return "close"
		}
		return fmt.Sprintf("op%X", uint8(r.op))
	case conn.EventOpen:
		return "open"
	case conn.EventClose:
		return "close"
	case conn.EventError:
		return "error"
	case conn.EventWarning:
		return "warn"
	case conn.EventReconnect:
		return "retry"
	case conn.EventInject:
		return "inject"
	}
	return "event"
}

func dirLabel(r *row) string {
	if r.leg != conn.LegNone {
		return legLabel(r)
	}
	if !r.isMessage() && r.typ != conn.EventClose {
		return "--"
	}
	if r.dir == conn.Out {
		return "->"
	}
	return "<-"
}

// Column widths of the log.
const (
	gutterWidth = 2
	dirWidth    = 2
	opWidth     = 6
	sizeWidth   = 7 // "1.2 KiB", "512 KiB", "1023 B"
)

// narrowLog reports whether the log drops milliseconds to save room.
func narrowLog(width int) bool { return width < 64 }

func timeWidth(width int) int {
	if narrowLog(width) {
		return 8
	}
	return 12
}

// previewStart is the column where the preview begins.
func previewStart(width int) int {
	return gutterWidth + timeWidth(width) + 1 + dirWidth + 1 + opWidth + 1 + sizeWidth + 1
}

// renderRow renders row i as exactly width cells.
func (m *model) renderRow(i, width int, selected bool) string {
	r := m.store.row(i)
	t := m.rowTextOf(i)
	narrow := narrowLog(width)
	p := &m.paints[0]
	gutter := "  "
	if selected {
		gutter = "> "
		p = &m.paints[2]
		if m.pane == focusLog {
			p = &m.paints[1]
		}
	}

	var b strings.Builder
	b.Grow(width * 3)
	b.WriteString(p.time.render(gutter))
	var ts string
	if m.relTime {
		ts = sinceStart(r.time().Sub(m.sess.origin()), narrow)
	} else {
		ts = clockTime(r.time(), narrow)
	}
	b.WriteString(p.time.render(ts))
	b.WriteString(p.gap.render(" "))
	dir := p.dirIn
	switch {
	case !r.isMessage() && r.typ != conn.EventClose:
		dir = p.event
	case r.leg != conn.LegNone && !rowFromServer(r):
		dir = p.dirOut
	case r.leg != conn.LegNone:
	case r.dir == conn.Out:
		dir = p.dirOut
	}
	b.WriteString(dir.render(dirLabel(r)))
	b.WriteString(p.gap.render(" "))
	b.WriteString(p.opcode.render(cells.PadRight(opcodeLabel(r), opWidth)))
	b.WriteString(p.gap.render(" "))
	size := ""
	if r.payload.n > 0 || r.isMessage() {
		size = decode.HumanSize(int64(r.payload.n))
	}
	b.WriteString(p.size.render(cells.PadLeft(size, sizeWidth)))
	b.WriteString(p.gap.render(" "))

	rest := width - previewStart(width)
	if rest <= 0 {
		return cells.Fit(b.String(), width)
	}
	badges, badgesWidth := renderBadges(t.badges, rest/2, p)
	previewWidth := rest - badgesWidth
	if badgesWidth > 0 {
		previewWidth--
	}
	b.WriteString(m.renderPreview(t, previewWidth, p))
	if badgesWidth > 0 {
		b.WriteString(p.gap.render(" "))
		b.WriteString(badges)
	}
	return b.String()
}

func (m *model) previewStyle(tone previewTone) lipgloss.Style {
	th := &m.theme
	switch tone {
	case toneControl:
		return th.ControlPreview
	case toneError:
		return th.ErrorPreview
	case toneClose:
		return th.ClosePreview
	case toneWarning:
		return th.WarningPreview
	case toneEvent:
		return th.EventPreview
	}
	return th.Preview
}

func (m *model) badgeStyle(kind badgeKind) lipgloss.Style {
	th := &m.theme
	switch kind {
	case badgeError:
		return th.BadgeError
	case badgeClose:
		return th.BadgeClose
	case badgeViolation, badgeDiff:
		return th.BadgeViolation
	case badgeFragments:
		return th.BadgeFragments
	case badgeLatency:
		return th.BadgeLatency
	}
	return th.BadgeJSON
}

// renderPreview renders the preview in exactly width cells, highlighting
// search matches.
func (m *model) renderPreview(t rowText, width int, p *rowPaints) string {
	if width <= 0 {
		return ""
	}
	text := cells.PadRight(t.preview, width)
	base := p.tones[t.tone]
	spans := m.filter.Criteria().Highlight(text)
	if len(spans) == 0 {
		return base.render(text)
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(base.render(text[last:sp[0]]))
		b.WriteString(p.match.render(text[sp[0]:sp[1]]))
		last = sp[1]
	}
	b.WriteString(base.render(text[last:]))
	return b.String()
}

// renderBadges renders as many badges as fit in limit cells.
func renderBadges(badges []badge, limit int, p *rowPaints) (string, int) {
	var b strings.Builder
	used := 0
	for k, bd := range badges {
		text := bd.text
		w := cells.Width(text)
		room := limit - used
		if k > 0 {
			room--
		}
		if w > room {
			if room < 6 {
				break
			}
			text = cells.PadRight(text, room)
			w = room
		}
		if k > 0 {
			b.WriteString(p.gap.render(" "))
			used++
		}
		b.WriteString(p.badges[bd.kind].render(text))
		used += w
	}
	return b.String(), used
}
