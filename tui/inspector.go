package tui

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/decode"
)

// renderLimit caps how much of a payload the inspector renders; copying
// with y still takes all of it.
const renderLimit = 256 << 10

// formatAuto lets decode pick the payload format.
const formatAuto decode.Format = ""

// inspector shows everything about one row. Its content is built when the
// selection, the format, the wrap setting or the width changes, never per
// frame.
type inspector struct {
	pg     pager
	format decode.Format
	wrap   bool
	built  inspectorKey
}

type inspectorKey struct {
	row    int
	format decode.Format
	wrap   bool
	width  int
	theme  string
	valid  bool
}

func newInspector() inspector { return inspector{} }

// nextFormat cycles auto → text → json → hex → … → auto.
func (in *inspector) nextFormat() {
	all := append([]decode.Format{formatAuto}, decode.Formats()...)
	for k, f := range all {
		if f == in.format {
			in.format = all[(k+1)%len(all)]
			return
		}
	}
	in.format = formatAuto
}

// syncInspector rebuilds the inspector's content if what it shows changed.
func (m *Model) syncInspector(width, height int) {
	in := &m.insp
	in.pg.setHeight(height)
	row := -1
	if m.displayLen() > 0 {
		row = m.rowAt(min(m.sel, m.displayLen()-1))
	}
	key := inspectorKey{row: row, format: in.format, wrap: in.wrap, width: width, theme: m.theme.Name, valid: true}
	if key == in.built {
		return
	}
	sameRow := in.built.valid && in.built.row == row
	in.built = key
	if row < 0 {
		in.pg.setContent([]pagerLine{styledLine(m.theme.Label.Render("No frames yet."))}, width, in.wrap)
		return
	}
	in.pg.setContent(m.inspectorContent(row, width), width, in.wrap)
	if !sameRow {
		in.pg.gotoTop()
	}
}

func (m *Model) invalidateInspector() { m.insp.built.valid = false }

// inspectorLines is the inspector's content for row i, styled, as copying
// the row's details takes it.
func (m *Model) inspectorLines(i, width int) []string {
	content := m.inspectorContent(i, width)
	out := make([]string, len(content))
	for k, l := range content {
		out[k] = l.styled
		if l.spans != nil {
			out[k] = m.renderLine(l.spans)
		}
	}
	return out
}

// inspectorContent builds the inspector's content for row i. Payload lines
// stay spans, styled only where they are drawn.
func (m *Model) inspectorContent(i, width int) []pagerLine {
	th := &m.theme
	r := m.store.row(i)
	x := m.store.extra(i)
	w := max(width, 10)
	var out []pagerLine
	add := func(lines ...string) {
		for _, l := range lines {
			out = append(out, styledLine(l))
		}
	}
	addSpans := func(l decode.Line) { out = append(out, spanLine(l)) }
	// Text here is plain and sanitised; it is wrapped first, then styled
	// line by line, so styles never nest.
	para := func(style lipgloss.Style, indent int, text string) {
		for _, l := range strings.Split(ansi.Wrap(text, w-indent, " -/"), "\n") {
			add(strings.Repeat(" ", indent) + style.Render(l))
		}
	}
	field := func(label, value string) {
		prefix := label + ": "
		for k, l := range strings.Split(ansi.Wrap(prefix+value, w, " -/,"), "\n") {
			if k == 0 && strings.HasPrefix(l, prefix) {
				add(th.Label.Render(prefix) + th.Value.Render(l[len(prefix):]))
				continue
			}
			add(th.Value.Render(l))
		}
	}
	section := func(title string) {
		if len(out) > 0 {
			add("")
		}
		add(th.Section.Render(title))
	}

	// Title: what this row is.
	when := clockTime(r.time(), false) + " (" + strings.TrimSpace(sinceStart(r.time().Sub(m.sess.origin()), false)) + ")"
	title := fmt.Sprintf("#%d %s %s", i+1, dirWord(r), opcodeLabel(r))
	if r.payload.n > 0 || r.isMessage() {
		title += " " + humanBytes(int64(r.payload.n))
	}
	add(th.Section.Render(title) + " " + th.Label.Render(when))

	// The explanation comes first: it is what e and enter are for.
	m.explanationLines(i, section, field, para)
	recorded := m.comparisonLines(i, section, field, para)

	if r.link >= 0 {
		section("REQUEST / REPLY")
		q := m.store.row(int(r.link))
		gap := humanDuration(time.Duration(r.at - q.at).Abs())
		if r.has(flagReply) {
			field("Reply to", fmt.Sprintf("#%d, %s after it was sent", r.link+1, gap))
		} else {
			field("Answered by", fmt.Sprintf("#%d, %s later", r.link+1, gap))
		}
		para(th.Label, 0, "Press % or r to jump there.")
	}

	if x.event != nil && r.typ == conn.EventOpen {
		m.openLines(x.event, section, field, add)
	}

	if r.nframes > 0 {
		section(fmt.Sprintf("FRAMES (%d)", r.nframes))
		table := frameTable(m.store.framesOf(i))
		add(th.Label.Render(fit(table[0], w)))
		for _, l := range table[1:] {
			add(th.Value.Render(fit(l, w)))
		}
	}

	if p := m.store.payload(i); len(p) > 0 && r.typ != conn.EventClose {
		m.payloadLines("PAYLOAD", p, r.op != conn.OpBinary, true, section, add, addSpans)
	}
	// The recorded reply comes right after the new one, to read them
	// together.
	if recorded >= 0 {
		rec := m.cmp.expected[recorded]
		title := fmt.Sprintf("RECORDED REPLY %d", recorded+1)
		if p, err := rec.Payload(); err != nil {
			section(title)
			add(th.NoticeError.Render(decode.Sanitize("unreadable: " + err.Error())))
		} else {
			m.payloadLines(title, p, rec.Opcode != conn.OpBinary, false, section, add, addSpans)
		}
	}
	return out
}

// comparisonLines says whether row i, when it is a reply, matches the
// recording being replayed. When it differs, it returns which recorded
// reply to show with it; -1 otherwise.
func (m *Model) comparisonLines(i int, section func(string), field func(string, string), para func(lipgloss.Style, int, string)) int {
	if m.cmp == nil {
		return -1
	}
	k, ok := m.cmp.replyOf(i)
	if !ok {
		return -1
	}
	th := &m.theme
	section("COMPARED WITH THE RECORDING")
	d, differs := m.cmp.diffs[int32(i)]
	if !differs {
		para(th.ExplainText, 0, fmt.Sprintf("Same as recorded reply %d (times and ids aside).", k+1))
		return -1
	}
	para(th.ExplainName, 0, d.summary)
	for _, p := range d.paths {
		field("Changed", decode.Sanitize(p))
	}
	if k >= len(m.cmp.expected) {
		return -1
	}
	para(th.Label, 0, fmt.Sprintf("Recorded reply %d is shown after this one's payload.", k+1))
	return k
}

func dirWord(r *row) string {
	switch {
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
func frameTable(frames []frameFact) []string {
	cells := [][]string{{"#", "FIN", "RSV", "OPCODE", "MASK", "LENGTH", "LENENC", "HDR", "AT"}}
	for k, f := range frames {
		mask := "-"
		if f.masked() {
			mask = fmt.Sprintf("%02x%02x%02x%02x", f.mask[0], f.mask[1], f.mask[2], f.mask[3])
		}
		fin := "0"
		if f.fin() {
			fin = "1"
		}
		cells = append(cells, []string{fmt.Sprint(k + 1), fin, fmt.Sprintf("%03b", f.rsv()), frameOpName(f.op), mask,
			fmt.Sprint(f.length), lengthEncoding(f.lenBytes), fmt.Sprintf("%dB", f.header), relMicros(f.offset)})
	}
	widths := make([]int, len(cells[0]))
	for _, row := range cells {
		for c, v := range row {
			widths[c] = max(widths[c], textWidth(v))
		}
	}
	const lengthColumn = 5 // numbers align right
	out := make([]string, len(cells))
	for k, row := range cells {
		var b strings.Builder
		for c, v := range row {
			switch {
			case c == len(row)-1:
				b.WriteString(v)
			case c == lengthColumn:
				b.WriteString(padLeft(v, widths[c]) + " ")
			default:
				b.WriteString(padRight(v, widths[c]) + " ")
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
		return "+" + humanDuration(d)
	}
	return humanDuration(d)
}

// explanationLines adds the explanation of a close, an error envelope or a
// failure.
func (m *Model) explanationLines(i int, section func(string), field func(string, string), para func(lipgloss.Style, int, string)) {
	th := &m.theme
	r := m.store.row(i)
	x := m.store.extra(i)
	var ex decode.Explanation
	switch {
	case r.typ == conn.EventClose:
		ex = m.closeExplanation(i)
		section("EXPLANATION")
		head := fmt.Sprintf("Close %d", r.code)
		if !r.has(flagHasCode) && r.op == conn.OpClose {
			head = "Close without a status code (reported as 1005)"
		}
		para(th.ExplainName, 0, head+" · "+decode.Sanitize(ex.Name))
		if x.event != nil && x.event.Reason != "" {
			field("Reason", decode.Sanitize(x.event.Reason))
		}
		if r.op != conn.OpClose {
			para(th.Label, 0, "No close frame: the connection ended.")
		}
	case r.has(flagEnvelope) && x.envelope != nil:
		env := x.envelope
		ex = env.Explanation
		section("EXPLANATION")
		para(th.ExplainName, 0, fmt.Sprintf("Error reply %s · %s", env.CodeText(), decode.Sanitize(env.Message)))
		field("Shape", decode.Sanitize(env.Format))
		if ex.Name == "" {
			para(th.ExplainText, 0, "The server answered with an application error. Its code is not one wsdbg knows; the message above is the server's own words.")
			return
		}
		para(th.ExplainName, 0, decode.Sanitize(ex.Name))
	case x.note != "":
		section("FROM WSDBG")
		para(th.ExplainName, 0, x.note)
		para(th.Label, 0, "This row is wsdbg's own; no connection reported it.")
		return
	case (r.typ == conn.EventError || r.typ == conn.EventWarning) && x.event != nil && x.event.Failure != nil:
		f := x.event.Failure
		if x.event.Note != nil {
			ex = x.event.Note.Explanation
		}
		section("EXPLANATION")
		para(th.ExplainName, 0, decode.Sanitize(ex.Name))
		failureFields(f, field)
	default:
		return
	}
	if ex.Category != "" {
		cat := ex.Category
		if ex.Dialect != "" {
			cat += " · " + ex.Dialect
		}
		field("Kind", decode.Sanitize(cat))
	}
	if ex.Source != "" {
		field("Sent by", decode.Sanitize(ex.Source))
	}
	if ex.Explanation != "" {
		para(th.ExplainText, 0, decode.Sanitize(ex.Explanation))
	}
	if ex.Hint != "" {
		para(th.Hint, 0, "What to do: "+decode.Sanitize(ex.Hint))
	}
	if ex.Reconnect {
		field("Reconnect", "yes, after a back-off")
	} else {
		field("Reconnect", "no, not until the cause is fixed")
	}
}

func failureFields(f *decode.Failure, field func(string, string)) {
	s := decode.Sanitize
	add := func(label, v string) {
		if v != "" {
			field(label, s(v))
		}
	}
	add("Kind", f.Kind+" / "+f.Cause)
	if f.Status != 0 {
		field("HTTP status", fmt.Sprint(f.Status))
	}
	if f.Code != 0 {
		field("Close code", fmt.Sprint(f.Code))
	}
	add("Error", f.Message)
	add("URL", f.URL)
	add("Location", f.Location)
	add("Retry-After", f.RetryAfter)
	add("Origin sent", f.Origin)
	if len(f.Offered) > 0 {
		add("Offered", strings.Join(f.Offered, ", "))
	}
	add("Chosen", f.Chosen)
	add("Certificate subject", f.CertSubject)
	add("Certificate issuer", f.CertIssuer)
	add("Valid from", f.CertNotBefore)
	add("Valid until", f.CertNotAfter)
	if len(f.CertDNSNames) > 0 {
		add("Certificate names", strings.Join(f.CertDNSNames, ", "))
	}
	if f.Length != 0 {
		field("Length", fmt.Sprint(f.Length))
	}
	if f.Limit != 0 {
		field("Limit", fmt.Sprint(f.Limit))
	}
	keys := make([]string, 0, len(f.Header))
	for k := range f.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add(k, f.Header[k])
	}
	add("Body", f.Body)
}

func (m *Model) openLines(ev *conn.Event, section func(string), field func(string, string), add func(...string)) {
	section("HANDSHAKE")
	s := decode.Sanitize
	field("URL", s(ev.URL))
	if ev.Status != 0 {
		field("Status", fmt.Sprintf("%d %s", ev.Status, http.StatusText(ev.Status)))
	}
	sub := ev.Subprotocol
	if sub == "" {
		sub = "(none)"
	}
	field("Subprotocol", s(sub))
	ext := strings.Join(ev.Extensions, ", ")
	if ext == "" {
		ext = "(none)"
	}
	field("Extensions", s(ext))
	for k, hop := range ev.Hops {
		field(fmt.Sprintf("Redirect %d", k+1), s(hop))
	}
	headers := func(title string, h http.Header) {
		if len(h) == 0 {
			return
		}
		section(title)
		keys := make([]string, 0, len(h))
		for k := range h {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			for _, v := range h[k] {
				field(s(k), s(v))
			}
		}
	}
	headers("REQUEST HEADERS", ev.RequestHeader)
	headers("RESPONSE HEADERS", ev.ResponseHeader)
}

// payloadLines renders a payload under title in the chosen format. The
// selected row's own payload is the one y copies, and says so.
func (m *Model) payloadLines(title string, p []byte, isText, own bool, section func(string), add func(...string), addSpans func(decode.Line)) {
	th := &m.theme
	format := m.insp.format
	if format == formatAuto {
		format = decode.GuessFormat(isText, p)
	}
	mode := "auto"
	if m.insp.format != formatAuto {
		mode = "fixed"
	}
	wrap := "off"
	if m.insp.wrap {
		wrap = "on"
	}
	section(fmt.Sprintf("%s %s (%s) · %s", title, format, mode, humanBytes(int64(len(p)))))
	if own {
		add(th.Label.Render(fmt.Sprintf("v: format · w: wrap %s · y: copy", wrap)))
	}
	// The whole payload is checked; only what is shown is capped, and the
	// last line then says how much is left.
	lines, err := decode.RenderLimited(p, format, renderLimit)
	if err != nil {
		add(th.NoticeError.Render(decode.Sanitize("not "+string(format)+": "+err.Error())), th.Label.Render("Showing hex instead."))
		lines, _ = decode.RenderLimited(p, decode.FormatHex, renderLimit)
	}
	for _, l := range lines {
		addSpans(l)
	}
	if len(p) > renderLimit && own {
		add(th.Label.Render("y copies all of it."))
	}
}

// renderLine styles one rendered payload line by span kind.
func (m *Model) renderLine(l decode.Line) string {
	var b strings.Builder
	for _, sp := range l {
		b.WriteString(m.spanStyle(sp.Kind).Render(sp.Text))
	}
	return b.String()
}

// spanStyle is the style of payload spans of a kind.
func (m *Model) spanStyle(kind decode.SpanKind) lipgloss.Style {
	th := &m.theme
	switch kind {
	case decode.SpanKey:
		return th.PayloadKey
	case decode.SpanString:
		return th.PayloadString
	case decode.SpanNumber:
		return th.PayloadNumber
	case decode.SpanBool:
		return th.PayloadBool
	case decode.SpanNull:
		return th.PayloadNull
	case decode.SpanPunct:
		return th.PayloadPunct
	case decode.SpanEscape:
		return th.PayloadEscape
	case decode.SpanOffset:
		return th.PayloadOffset
	case decode.SpanDim:
		return th.PayloadDim
	}
	return th.PayloadPlain
}
