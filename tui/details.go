package tui

import (
	"fmt"
	"github.com/wsdbg/wsdbg/internal/render"
	"net/http"
	"sort"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
	"github.com/wsdbg/wsdbg/themes"
	"github.com/wsdbg/wsdbg/tui/inspector"
	"github.com/wsdbg/wsdbg/tui/internal/cells"
)

// renderLimit caps how much of a payload the inspector renders; copying
// with y still takes all of it.
const renderLimit = 256 << 10

// formatAuto lets decode pick the payload format.
const formatAuto render.Format = ""

// details is the log as the inspector's Document: the details of its
// rows.
type details struct{ m *model }

// Lines implements inspector.Document.
func (d details) Lines(row, width int, s inspector.Settings) []inspector.Line {
	return d.m.inspectorContent(row, width, s)
}

// inspectorLines is the inspector's content for row i, styled, as copying
// the row's details takes it.
func (m *model) inspectorLines(i, width int) []string {
	content := m.inspectorContent(i, width, m.insp.Settings())
	out := make([]string, len(content))
	for k, l := range content {
		out[k] = l.Render(&m.theme)
	}
	return out
}

// detailPage collects the inspector's lines for one row. Its text is
// plain and sanitised; it is wrapped first, then styled line by line, so
// styles never nest.
type detailPage struct {
	th  *themes.Theme
	w   int
	out []inspector.Line
}

func (p *detailPage) add(lines ...string) {
	for _, l := range lines {
		p.out = append(p.out, inspector.Styled(l))
	}
}

func (p *detailPage) addSpans(l render.Line) { p.out = append(p.out, inspector.Spans(l)) }

func (p *detailPage) para(style lipgloss.Style, indent int, text string) {
	for _, l := range strings.Split(ansi.Wrap(text, p.w-indent, " -/"), "\n") {
		p.add(strings.Repeat(" ", indent) + style.Render(l))
	}
}

func (p *detailPage) field(label, value string) {
	prefix := label + ": "
	for k, l := range strings.Split(ansi.Wrap(prefix+value, p.w, " -/,"), "\n") {
		if k == 0 && strings.HasPrefix(l, prefix) {
			p.add(p.th.Label.Render(prefix) + p.th.Value.Render(l[len(prefix):]))
			continue
		}
		p.add(p.th.Value.Render(l))
	}
}

func (p *detailPage) section(title string) {
	if len(p.out) > 0 {
		p.add("")
	}
	p.add(p.th.Section.Render(title))
}

// inspectorContent builds the inspector's content for row i. Payload lines
// stay spans, styled only where they are drawn.
func (m *model) inspectorContent(i, width int, s inspector.Settings) []inspector.Line {
	th := &m.theme
	r := m.store.row(i)
	x := m.shownExtra(i)
	pg := &detailPage{th: th, w: max(width, 10)}

	// Title: what this row is.
	when := clockTime(r.time(), false) + " (" + strings.TrimSpace(sinceStart(r.time().Sub(m.sess.origin()), false)) + ")"
	title := fmt.Sprintf("#%d %s %s", i+1, dirWord(r), opcodeLabel(r))
	if r.payload.n > 0 || r.isMessage() {
		title += " " + decode.HumanSize(int64(r.payload.n))
	}
	pg.add(th.Section.Render(title) + " " + th.Label.Render(when))
	if r.leg != conn.LegNone || r.typ == conn.EventInject {
		action := ""
		if x.event != nil {
			action = x.event.Action
		}
		pg.para(th.ExplainText, 0, relaySentence(r, action))
	}

	// The explanation comes first: it is what e and enter are for.
	m.explanationLines(i, pg)
	recorded := m.comparisonLines(i, pg)

	if r.link >= 0 {
		pg.section("REQUEST / REPLY")
		q := m.store.row(int(r.link))
		gap := decode.HumanDuration(time.Duration(r.at - q.at).Abs())
		if r.has(flagReply) {
			pg.field("Reply to", fmt.Sprintf("#%d, %s after it was sent", r.link+1, gap))
		} else {
			pg.field("Answered by", fmt.Sprintf("#%d, %s later", r.link+1, gap))
		}
		pg.para(th.Label, 0, "Press % or r to jump there.")
	}

	if x.event != nil && r.typ == conn.EventOpen {
		m.openLines(x.event, pg)
	}
	// The explanation names the packet unless it explains an error.
	packetLines(x, pg, r.has(flagEnvelope))

	if r.nframes > 0 {
		pg.section(fmt.Sprintf("FRAMES (%d)", r.nframes))
		table := frameTable(m.store.framesOf(i))
		pg.add(th.Label.Render(cells.Fit(table[0], pg.w)))
		for _, l := range table[1:] {
			pg.add(th.Value.Render(cells.Fit(l, pg.w)))
		}
	}

	if p := m.store.payload(i); len(p) > 0 && r.typ != conn.EventClose {
		m.payloadLines(pg, s, "PAYLOAD", r.op, p, true)
	}
	// The recorded reply comes right after the new one, to read them
	// together.
	if recorded >= 0 {
		rec := m.cmp.expected[recorded]
		title := fmt.Sprintf("RECORDED REPLY %d", recorded+1)
		if p, err := rec.Payload(); err != nil {
			pg.section(title)
			pg.add(th.NoticeError.Render(decode.Sanitize("unreadable: " + err.Error())))
		} else {
			m.payloadLines(pg, s, title, rec.Opcode, p, false)
		}
	}
	return pg.out
}

// comparisonLines says whether row i, when it is a reply, matches the
// recording being replayed. When it differs, it returns which recorded
// reply to show with it; -1 otherwise.
func (m *model) comparisonLines(i int, pg *detailPage) int {
	if m.cmp == nil {
		return -1
	}
	k, ok := m.cmp.replyOf(i)
	if !ok {
		return -1
	}
	th := &m.theme
	pg.section("COMPARED WITH THE RECORDING")
	d, differs := m.cmp.diffs[int32(i)]
	if !differs {
		pg.para(th.ExplainText, 0, fmt.Sprintf("Same as recorded reply %d (times and ids aside).", k+1))
		return -1
	}
	pg.para(th.ExplainName, 0, d.summary)
	for _, p := range d.paths {
		pg.field("Changed", decode.Sanitize(p))
	}
	if k >= len(m.cmp.expected) {
		return -1
	}
	pg.para(th.Label, 0, fmt.Sprintf("Recorded reply %d is shown after this one's payload.", k+1))
	return k
}

// packetLines lists the decoded fields of the packet a message carried.
// They may come from a recording, so they are sanitised here.
func packetLines(x rowExtra, pg *detailPage, withSummary bool) {
	if len(x.fields) == 0 {
		return
	}
	pg.section("PACKET")
	if withSummary && x.packet != "" {
		pg.para(pg.th.ExplainName, 0, x.packet)
	}
	for _, f := range x.fields {
		pg.field(decode.Sanitize(f.Name), decode.Sanitize(f.Value))
	}
}

func dirWord(r *row) string {
	switch {
	case r.leg != conn.LegNone && (r.isMessage() || r.typ == conn.EventClose):
		return legLabel(r)
	case !r.isMessage() && r.typ != conn.EventClose:
		return "event"
	case r.dir == conn.Out:
		return "sent"
	}
	return "received"
}

// frameTable lays out the frames of a message, heading first. Each column
// is as wide as its widest cell, so rows line up whatever the frames hold,
// and the time comes last, where a narrow pane cuts only the margin.
func frameTable(frames []packedFrame) []string {
	grid := [][]string{{"#", "FIN", "RSV", "OPCODE", "MASK", "LENGTH", "LENENC", "HDR", "AT"}}
	for k, f := range frames {
		mask := "-"
		if f.masked() {
			mask = fmt.Sprintf("%02x%02x%02x%02x", f.mask[0], f.mask[1], f.mask[2], f.mask[3])
		}
		fin := "0"
		if f.fin() {
			fin = "1"
		}
		grid = append(grid, []string{fmt.Sprint(k + 1), fin, fmt.Sprintf("%03b", f.rsv()), frameOpName(f.op), mask,
			fmt.Sprint(f.length), lengthEncoding(f.lenBytes), fmt.Sprintf("%dB", f.header), relMicros(f.offset)})
	}
	widths := make([]int, len(grid[0]))
	for _, row := range grid {
		for c, v := range row {
			widths[c] = max(widths[c], cells.Width(v))
		}
	}
	const lengthColumn = 5 // numbers align right
	out := make([]string, len(grid))
	for k, row := range grid {
		var b strings.Builder
		for c, v := range row {
			switch {
			case c == len(row)-1:
				b.WriteString(v)
			case c == lengthColumn:
				b.WriteString(cells.PadLeft(v, widths[c]) + " ")
			default:
				b.WriteString(cells.PadRight(v, widths[c]) + " ")
			}
		}
		out[k] = b.String()
	}
	return out
}

// frameOpName is an opcode's name in the frame table: continuation is
// shortened, as in the log, to keep the table narrow.
func frameOpName(op conn.Opcode) string {
	switch s := op.String(); {
	case op == conn.OpContinuation:
		return "cont"
	case s != "reserved":
		return s
	}
	return fmt.Sprintf("0x%X", uint8(op))
}

func lengthEncoding(n uint8) string {
	switch n {
	case 2:
		return "16-bit"
	case 8:
		return "64-bit"
	}
	return "7-bit"
}

func relMicros(us int32) string {
	d := time.Duration(us) * time.Microsecond
	if d >= 0 {
		return "+" + decode.HumanDuration(d)
	}
	return decode.HumanDuration(d)
}

// explanationLines adds the explanation of a close, an error envelope or a
// failure.
func (m *model) explanationLines(i int, pg *detailPage) {
	th := &m.theme
	r := m.store.row(i)
	x := m.shownExtra(i)
	var ex decode.Explanation
	switch {
	case r.typ == conn.EventClose:
		ex = m.closeExplanation(i)
		pg.section("EXPLANATION")
		head := fmt.Sprintf("Close %d", r.code)
		if !r.has(flagHasCode) && r.op == conn.OpClose {
			head = "Close without a status code (reported as 1005)"
		}
		pg.para(th.ExplainName, 0, head+" · "+decode.Sanitize(ex.Name))
		if x.event != nil && x.event.Reason != "" {
			pg.field("Reason", decode.Sanitize(x.event.Reason))
		}
		if r.op != conn.OpClose {
			pg.para(th.Label, 0, "No close frame: the connection ended.")
		}
	case r.has(flagEnvelope) && x.envelope != nil:
		env := x.envelope
		ex = env.Explanation
		pg.section("EXPLANATION")
		head := "Error reply"
		if code := env.CodeText(); code != "" {
			head += " " + code
		}
		if env.Message != "" {
			head += " · " + decode.Sanitize(env.Message)
		}
		pg.para(th.ExplainName, 0, head)
		pg.field("Shape", decode.Sanitize(env.Format))
		if ex.Name == "" {
			pg.para(th.ExplainText, 0, "The server answered with an application error. Its code is not one wsdbg knows; the message above is the server's own words.")
			return
		}
		pg.para(th.ExplainName, 0, decode.Sanitize(ex.Name))
	case x.packet != "":
		pg.section("PROTOCOL")
		pg.para(th.ExplainName, 0, x.packet)
		return
	case x.note != "":
		pg.section("FROM WSDBG")
		pg.para(th.ExplainName, 0, x.note)
		pg.para(th.Label, 0, "This row is wsdbg's own; no connection reported it.")
		return
	case (r.typ == conn.EventError || r.typ == conn.EventWarning) && x.event != nil && x.event.Failure != nil:
		f := x.event.Failure
		if x.event.Note != nil {
			ex = x.event.Note.Explanation
		}
		pg.section("EXPLANATION")
		pg.para(th.ExplainName, 0, decode.Sanitize(ex.Name))
		failureFields(f, pg)
	default:
		return
	}
	if ex.Category != "" {
		cat := ex.Category
		if ex.Dialect != "" {
			cat += " · " + ex.Dialect
		}
		pg.field("Kind", decode.Sanitize(cat))
	}
	if ex.Source != "" {
		pg.field("Sent by", decode.Sanitize(ex.Source))
	}
	if ex.Explanation != "" {
		pg.para(th.ExplainText, 0, decode.Sanitize(ex.Explanation))
	}
	if ex.Hint != "" {
		pg.para(th.Hint, 0, "What to do: "+decode.Sanitize(ex.Hint))
	}
	if ex.Reconnect {
		pg.field("Reconnect", "yes, after a back-off")
	} else {
		pg.field("Reconnect", "no, not until the cause is fixed")
	}
}

func failureFields(f *decode.Failure, pg *detailPage) {
	s := decode.Sanitize
	nonEmpty := func(label, v string) {
		if v != "" {
			pg.field(label, s(v))
		}
	}
	nonEmpty("Cause", f.Kind+" / "+f.Cause)
	if f.Status != 0 {
		pg.field("HTTP status", fmt.Sprint(f.Status))
	}
	if f.Code != 0 {
		pg.field("Close code", fmt.Sprint(f.Code))
	}
	nonEmpty("Error", f.Message)
	nonEmpty("URL", f.URL)
	nonEmpty("Location", f.Location)
	nonEmpty("Retry-After", f.RetryAfter)
	nonEmpty("Origin sent", f.Origin)
	if len(f.Offered) > 0 {
		nonEmpty("Offered", strings.Join(f.Offered, ", "))
	}
	nonEmpty("Chosen", f.Chosen)
	nonEmpty("Certificate subject", f.CertSubject)
	nonEmpty("Certificate issuer", f.CertIssuer)
	nonEmpty("Valid from", f.CertNotBefore)
	nonEmpty("Valid until", f.CertNotAfter)
	if len(f.CertDNSNames) > 0 {
		nonEmpty("Certificate names", strings.Join(f.CertDNSNames, ", "))
	}
	if f.Length != 0 {
		pg.field("Length", fmt.Sprint(f.Length))
	}
	if f.Limit != 0 {
		pg.field("Limit", fmt.Sprint(f.Limit))
	}
	keys := make([]string, 0, len(f.Header))
	for k := range f.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		nonEmpty(k, f.Header[k])
	}
	nonEmpty("Body", f.Body)
}

func (m *model) openLines(ev *conn.Event, pg *detailPage) {
	pg.section("HANDSHAKE")
	s := decode.Sanitize
	pg.field("URL", s(ev.URL))
	if ev.Status != 0 {
		pg.field("Status", fmt.Sprintf("%d %s", ev.Status, http.StatusText(ev.Status)))
	}
	sub := ev.Subprotocol
	if sub == "" {
		sub = "(none)"
	}
	pg.field("Subprotocol", s(sub))
	ext := strings.Join(ev.Extensions, ", ")
	if ext == "" {
		ext = "(none)"
	}
	pg.field("Extensions", s(ext))
	for k, hop := range ev.Hops {
		pg.field(fmt.Sprintf("Redirect %d", k+1), s(hop))
	}
	headers := func(title string, h http.Header) {
		if len(h) == 0 {
			return
		}
		pg.section(title)
		keys := make([]string, 0, len(h))
		for k := range h {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range h[k] {
				pg.field(s(k), s(v))
			}
		}
	}
	headers("REQUEST HEADERS", ev.RequestHeader)
	headers("RESPONSE HEADERS", ev.ResponseHeader)
}

// payloadLines renders a message's payload under title in the chosen
// format, its secrets hidden unless redaction is off. The selected row's
// own payload is the one y copies, and says so.
func (m *model) payloadLines(pg *detailPage, s inspector.Settings, title string, op conn.Opcode, raw []byte, own bool) {
	p := m.opts.Redact.MessagePayload(op, raw)
	hidden := len(raw) > 0 && &p[0] != &raw[0] // MessagePayload returns raw itself when it hides nothing
	th := &m.theme
	format := s.Format
	if format == formatAuto {
		format = render.Guess(op != conn.OpBinary, p)
	}
	mode := "auto"
	if s.Format != formatAuto {
		mode = "fixed"
	}
	wrap := "off"
	if s.Wrap {
		wrap = "on"
	}
	pg.section(fmt.Sprintf("%s %s (%s) · %s", title, format, mode, decode.HumanSize(int64(len(raw)))))
	if own {
		pg.add(th.Label.Render(fmt.Sprintf("v: format · w: wrap %s · y: copy", wrap)))
	}
	if hidden {
		pg.para(th.Label, 0, "Secrets are hidden, as in the recording; --no-redact shows them.")
	}
	// The whole payload is checked; only what is shown is capped, and the
	// last line then says how much is left.
	lines, err := render.Limited(p, format, renderLimit)
	if err != nil {
		pg.add(th.NoticeError.Render(decode.Sanitize("not "+string(format)+": "+err.Error())), th.Label.Render("Showing hex instead."))
		lines, _ = render.Limited(p, render.FormatHex, renderLimit)
	}
	for _, l := range lines {
		pg.addSpans(l)
	}
	if len(p) > renderLimit && own {
		pg.add(th.Label.Render("y copies all of it."))
	}
}
