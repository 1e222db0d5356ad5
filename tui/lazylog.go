package tui

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/tui/filter"
)

// A whole recording being browsed is not taken in event by event: that
// costs a decoded event per row before the last one can be shown. Its log
// has as many rows as the recording's index holds, and a row is decoded
// when something looks at it, a page of neighbouring events at a time,
// into a bounded cache of pages. Jumping to the end or scrolling costs the
// pages on screen. What the header says about the whole session comes from
// one pass over the raw lines in the background, and grows as it goes.
//
// Requests and replies are linked by the same pass, which decodes the
// text messages whose line may hold an id; a page it has not reached yet
// links only the requests and replies within it.

// lineSource reads a recording's raw lines in order; *history.Recording
// is one.
type lineSource interface {
	Lines(first, maxBytes int, fn func(i int, line []byte)) (int, error)
}

const (
	lazyPageBits  = 6 // events decoded together
	lazyPageSize  = 1 << lazyPageBits
	lazyPagesKept = 256     // decoded pages kept
	lineBlock     = 1 << 20 // raw bytes read at a time by a pass over the lines
	summaryEvery  = 1 << 16 // events between two summaries the header sees
)

// lazyRows are the rows of a recording, decoded on demand.
type lazyRows struct {
	rec     Recording
	summary *summaryPass // links requests and replies across pages
	n       int          // rows shown: the recording's Len when last looked at
	idPaths [][]string
	pages   map[int]*store
	order   []int // cached pages, oldest first
}

func newLazyRows(rec Recording, idPaths [][]string) *lazyRows {
	return &lazyRows{rec: rec, idPaths: idPaths, pages: map[int]*store{}}
}

// page returns the decoded page holding row i and i's place in it.
func (l *lazyRows) page(i int) (*store, int) {
	p := i >> lazyPageBits
	base := p << lazyPageBits
	want := min(lazyPageSize, l.n-base)
	pg, ok := l.pages[p]
	if !ok || pg.len() < want { // a last page that the index has grown past
		pg = l.decode(base, base+want)
		if !ok {
			l.order = append(l.order, p)
			if len(l.order) > lazyPagesKept {
				delete(l.pages, l.order[0])
				l.order = l.order[1:]
			}
		}
		l.pages[p] = pg
	}
	return pg, i - base
}

// decode takes events from to to in as a live log takes events, into a
// store of their own.
func (l *lazyRows) decode(from, to int) *store {
	d := &model{store: newPageStore(), idPaths: l.idPaths}
	for i := from; i < to; i++ {
		ev, err := l.rec.Event(i)
		if err != nil {
			ev = unreadableEvent(err)
		}
		d.ingest(ev)
	}
	if l.summary != nil && l.summary.linked(d.store, from) {
		return d.store
	}
	for k := range d.store.len() { // links were made by position in the page
		if r := d.store.row(k); r.link >= 0 {
			r.link += int32(from)
		}
	}
	return d.store
}

// browse is a whole recording being browsed: its rows and the pass that
// sums the session up.
type browse struct {
	rec     Recording
	summary *summaryPass
	linked  int // rows the summary covered when pages were last dropped
}

// browseTickMsg asks the log to look for rows the index has found since,
// and for a newer summary.
type browseTickMsg struct{}

// startBrowse makes the log the recording's rows and starts the pass that
// sums it up; it reports false when rec cannot be read line by line.
func (m *model) startBrowse(ctx context.Context, rec Recording) bool {
	lines, ok := rec.(lineSource)
	if !ok {
		return false
	}
	rows := newLazyRows(rec, m.idPaths)
	rows.summary = startSummary(ctx, rec, lines, m.sess, m.idPaths)
	m.store = &store{lazy: rows}
	m.browse = &browse{rec: rec, summary: rows.summary}
	return true
}

func (b *browse) poll() tea.Cmd {
	return tea.Tick(indexPoll, func(time.Time) tea.Msg { return browseTickMsg{} })
}

// onBrowseTick shows the rows indexed since the last look and what the
// summary knows so far.
func (m *model) onBrowseTick() tea.Cmd {
	b := m.browse
	if b == nil || m.store.lazy == nil {
		return nil // a playback in time took over
	}
	indexed := isDone(b.rec.Done()) // before Len, so that no row is missed
	before := m.store.len()
	m.store.lazy.n = b.rec.Len()
	if m.store.lazy.n > before {
		// The last page is decoded again with its new rows, which may
		// answer requests in it: its rows' badges may change.
		for i := before &^ (lazyPageSize - 1); i < before; i++ {
			m.rowCache.forget(int32(i))
		}
	}
	cmd := m.showIngested(before)

	if _, _, covered, _ := b.summary.rows(); covered > b.linked {
		// Pages decoded before the summary reached them lack links.
		b.linked = covered
		m.store.lazy.pages, m.store.lazy.order = map[int]*store{}, nil
		m.rowCache.reset()
	}
	sum, done := b.summary.current()
	keep := m.sess
	m.sess = sum
	m.sess.rate, m.sess.countAtTick, m.sess.lastTick = keep.rate, keep.countAtTick, keep.lastTick
	if indexed && done {
		m.sess.ended, m.sess.state = true, stateClosed
		return cmd
	}
	return tea.Batch(cmd, b.poll())
}

func isDone(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// summaryPass reads every line of a recording once to sum up the session
// as the header shows it, and to note the few rows that copying a bug
// report or a repro looks for. A text or binary message, nearly every
// line, is counted from the first keys of its line; any other event is
// decoded and taken in as a live log takes it.
type summaryPass struct {
	mu      sync.Mutex
	sess    session
	covered int   // rows the summary covers, from the first
	opens   []int // the open events among them
	sent    []int // the last reproSent text or binary messages sent among them
	done    bool

	// Links between requests and replies, as a live log makes them, among
	// the rows the summary covers.
	replyTo    map[int32]int32 // reply → its request
	firstReply map[int32]int32 // request → its first reply
}

// startSummary starts the pass from the session as the model starts it.
func startSummary(ctx context.Context, rec Recording, lines lineSource, start session, idPaths [][]string) *summaryPass {
	s := &summaryPass{sess: start, replyTo: map[int32]int32{}, firstReply: map[int32]int32{}}
	go s.run(ctx, rec, lines, start, idPaths)
	return s
}

// current is the summary so far, and whether it covers the whole recording.
func (s *summaryPass) current() (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sess, s.done
}

// rows are the open events and the last messages sent among the rows the
// summary covers.
func (s *summaryPass) rows() (opens, sent []int, covered int, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opens, s.sent, s.covered, s.done
}

func (s *summaryPass) publish(sess *session, covered int, opens, sent []int, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sess = *sess
	s.sess.extensions = append([]string(nil), sess.extensions...)
	s.covered, s.done = covered, done
	s.opens, s.sent = slices.Clone(opens), slices.Clone(sent)
}

// linked applies the links the summary knows to the rows of pg, which
// start at row from, and reports whether it covers them all.
func (s *summaryPass) linked(pg *store, from int) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.covered < from+pg.len() {
		return false
	}
	for k := range pg.len() {
		r := pg.row(k)
		r.link, r.flags = -1, r.flags&^(flagReply|flagRequest)
		if req, ok := s.replyTo[int32(from+k)]; ok {
			r.link, r.flags = req, r.flags|flagReply
		} else if reply, ok := s.firstReply[int32(from+k)]; ok {
			r.link, r.flags = reply, r.flags|flagRequest
		}
	}
	return true
}

func (s *summaryPass) addLink(reply, req int32) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replyTo[reply] = req
	if _, ok := s.firstReply[req]; !ok {
		s.firstReply[req] = reply
	}
}

func (s *summaryPass) run(ctx context.Context, rec Recording, lines lineSource, start session, idPaths [][]string) {
	d := &model{store: newPageStore(), sess: start}
	var opens, sent []int
	var links linker
	idKeys := idKeysOf(idPaths)
	link := func(i int, ev conn.Event) {
		if ev.Type != conn.EventMessage && ev.Type != conn.EventFrame || ev.Opcode != conn.OpText ||
			!looksLikeJSON(ev.Payload) || !json.Valid(ev.Payload) {
			return
		}
		if req, ok := links.link(ev, int32(i), idPaths); ok {
			s.addLink(int32(i), req)
		}
	}
	noteSent := func(i int) {
		if len(sent) == reproSent {
			sent = sent[1:]
		}
		sent = append(sent, i)
	}
	take := func(i int) {
		ev, err := rec.Event(i)
		if err != nil {
			ev = unreadableEvent(err)
		}
		switch {
		case ev.Type == conn.EventOpen:
			opens = append(opens, i)
		case ev.Type == conn.EventMessage && ev.Dir == conn.Out && !ev.Opcode.IsControl():
			noteSent(i)
		}
		link(i, ev)
		d.ingest(ev)
		if d.store.len() >= lazyPageSize { // only the session is wanted
			d.store, d.links = newPageStore(), linker{}
		}
	}
	published := 0
	for i := 0; ; {
		for i >= rec.Len() {
			if isDone(rec.Done()) && i >= rec.Len() {
				s.publish(&d.sess, i, opens, sent, true)
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(indexPoll):
			}
		}
		if ctx.Err() != nil {
			return
		}
		next, err := lines.Lines(i, lineBlock, func(k int, line []byte) {
			if data, ok := dataMessageOf(line); ok && k > 0 {
				d.sess.msgs[dirIndex(data.dir)]++
				d.sess.bytes[dirIndex(data.dir)] += data.size
				if data.dir == conn.Out {
					noteSent(k)
				}
				if data.op == conn.OpText && mayHoldID(data.rest, idKeys) {
					if ev, err := rec.Event(k); err == nil {
						link(k, ev)
					}
				}
				return
			}
			take(k)
		})
		if err != nil || next == i { // no raw line to read: decode the event
			take(i)
			next = i + 1
		}
		i = next
		if i-published >= summaryEvery {
			s.publish(&d.sess, i, opens, sent, false)
			published = i
		}
	}
}

// idKeysOf is how the last key of each id path ends in a recording's line,
// inside the escaped text of a message: id\" for \"id\". It is nil when a
// key would be written with escapes of its own.
func idKeysOf(idPaths [][]string) [][]byte {
	var keys [][]byte
	for _, p := range idPaths {
		key := p[len(p)-1]
		if !plainASCII([]byte(key)) {
			return nil
		}
		keys = append(keys, []byte(key+`\"`))
	}
	return keys
}

// mayHoldID reports whether the rest of a text message's line may hold a
// message id: a string in its text that is one of the keys, or a \u or \/
// escape in the text that could spell one. It walks the line's escapes once:
// \" starts or ends a string of the text, \\ is a backslash of the text.
// Without keys, any message may.
func mayHoldID(rest []byte, keys [][]byte) bool {
	if keys == nil {
		return true
	}
	var firsts [256]bool // the bytes keys start with
	for _, k := range keys {
		firsts[k[0]] = true
	}
	for i := 0; ; i += 2 {
		j := bytes.IndexByte(rest[i:], '\\')
		if j < 0 || i+j+1 >= len(rest) {
			return false
		}
		i += j
		switch rest[i+1] {
		case '\\':
			if i+2 < len(rest) && (rest[i+2] == 'u' || rest[i+2] == '/') {
				return true
			}
		case '"':
			if i+2 >= len(rest) || !firsts[rest[i+2]] {
				break
			}
			for _, k := range keys {
				if bytes.HasPrefix(rest[i+2:], k) {
					return true
				}
			}
		}
	}
}

// openAtOrBefore is the last open event at or before row i, or -1.
func (m *model) openAtOrBefore(i int) int {
	if m.browse != nil && m.store.lazy != nil {
		if opens, _, covered, _ := m.browse.summary.rows(); covered > i {
			k := sort.SearchInts(opens, i+1)
			if k == 0 {
				return -1
			}
			return opens[k-1]
		}
	}
	for ; i >= 0; i-- {
		if m.store.row(i).typ == conn.EventOpen {
			return i
		}
	}
	return -1
}

// lastSent lists the rows of the last reproSent text or binary messages
// sent, oldest first.
func (m *model) lastSent() []int {
	if m.browse != nil && m.store.lazy != nil {
		if _, sent, _, done := m.browse.summary.rows(); done {
			return sent
		}
	}
	var rows []int
	for i := m.store.len() - 1; i >= 0 && len(rows) < reproSent; i-- {
		r := m.store.row(i)
		if r.typ == conn.EventMessage && r.dir == conn.Out && !r.op.IsControl() {
			rows = append(rows, i)
		}
	}
	slices.Reverse(rows)
	return rows
}

// dataLine is what the first keys of a text or binary message's line say.
type dataLine struct {
	dir  conn.Direction
	op   conn.Opcode
	size int64
	rest []byte // the line after its "len" key
}

// dataMessageOf reads a text or binary message's first keys, in the order
// a wsdbg recording writes them; ok is false for any other line.
func dataMessageOf(line []byte) (d dataLine, ok bool) {
	rest, ok := bytes.CutPrefix(line, []byte(`{"type":"message","time":"`))
	if !ok {
		return d, false
	}
	q := bytes.IndexByte(rest, '"')
	if q < 0 {
		return d, false
	}
	rest = rest[q+1:]
	switch {
	case bytes.HasPrefix(rest, []byte(`,"dir":"in"`)):
		d.dir, rest = conn.In, rest[len(`,"dir":"in"`):]
	case bytes.HasPrefix(rest, []byte(`,"dir":"out"`)):
		d.dir, rest = conn.Out, rest[len(`,"dir":"out"`):]
	default:
		return d, false
	}
	switch {
	case bytes.HasPrefix(rest, []byte(`,"opcode":"text"`)):
		d.op, rest = conn.OpText, rest[len(`,"opcode":"text"`):]
	case bytes.HasPrefix(rest, []byte(`,"opcode":"binary"`)):
		d.op, rest = conn.OpBinary, rest[len(`,"opcode":"binary"`):]
	default:
		return d, false
	}
	rest, ok = bytes.CutPrefix(rest, []byte(`,"len":`))
	if !ok {
		return d, false
	}
	end := bytes.IndexByte(rest, ',')
	if end < 0 {
		return d, false
	}
	n, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	if err != nil || n < 0 {
		return d, false
	}
	d.size, d.rest = n, rest[end:]
	return d, true
}

// A filter over a browsed recording first reads the raw lines: a text or
// binary message that its line shows the filter hides is never decoded.
// The rest are decoded one by one and tested as any row is.

// lineFilter decides from raw lines which rows a filter certainly hides,
// or, finding, which rows certainly do not match the text query.
type lineFilter struct {
	c *filter.Criteria
	// text: the query can be looked for in a text message's line. A wsdbg
	// recording writes printable ASCII other than '"' and '\\' as it is,
	// and ignoring case touches ASCII letters only.
	text    bool
	finding bool // the text query alone counts, not the toggles
}

// newFindFilter is a lineFilter for finding the text query.
func newFindFilter(c *filter.Criteria) lineFilter {
	needle, _, ok := c.Literal()
	return lineFilter{c: c, text: ok && plainASCII(needle), finding: true}
}

func newLineFilter(c *filter.Criteria) lineFilter {
	needle, _, ok := c.Literal()
	return lineFilter{c: c, text: ok && plainASCII(needle)}
}

// plainASCII reports whether every byte of p is printable ASCII that a
// JSON string holds as it is.
func plainASCII(p []byte) bool {
	for _, b := range p {
		if b < 0x20 || b > 0x7e || b == '"' || b == '\\' {
			return false
		}
	}
	return true
}

// hides reports whether the event on line is certainly hidden.
func (f lineFilter) hides(line []byte) bool {
	data, ok := dataMessageOf(line)
	if !ok {
		return false
	}
	c := f.c
	if f.finding {
		return f.missesText(data)
	}
	if d := c.Direction(); d != 0 && d != data.dir {
		return true
	}
	switch c.Ops() {
	case filter.OpsText:
		if data.op != conn.OpText {
			return true
		}
	case filter.OpsBinary:
		if data.op != conn.OpBinary {
			return true
		}
	case filter.OpsControl, filter.OpsEvents:
		return true
	}
	if c.ErrorsOnly() && !bytes.Contains(data.rest, []byte(`,"error":{`)) {
		return true // no error envelope: a message is no error
	}
	return !c.FindOnly() && f.missesText(data)
}

// missesText reports whether a message certainly does not match the text
// query. An empty text is matched by its row's summary, not its payload.
func (f lineFilter) missesText(data dataLine) bool {
	text, ok := bytes.CutPrefix(data.rest, []byte(`,"text":"`))
	return f.text && data.op == conn.OpText && ok && !bytes.HasPrefix(text, []byte{'"'}) && !f.c.Match(text)
}

// scanLines is scanStep over a browsed recording: it tests the rows from
// m.scanned up to n, reading their lines in blocks, until the deadline. It
// reports false when the recording has no lines to read.
func (m *model) scanLines(n int, deadline time.Time) bool {
	lines, ok := m.store.lazy.rec.(lineSource)
	if !ok {
		return false
	}
	f := newLineFilter(m.filter.Criteria())
	for m.scanned < n && time.Now().Before(deadline) {
		resume := -1
		next, err := lines.Lines(m.scanned, lineBlock/8, func(k int, line []byte) {
			if resume >= 0 || k >= n || f.hides(line) {
				return
			}
			if k > m.scanned && time.Now().After(deadline) {
				resume = k
				return
			}
			if m.lazyRowShown(k) {
				m.shown = append(m.shown, int32(k))
			}
		})
		switch {
		case resume >= 0:
			next = resume
		case err != nil || next <= m.scanned: // no line: test the row itself
			if m.rowShown(m.scanned) {
				m.shown = append(m.shown, int32(m.scanned))
			}
			next = m.scanned + 1
		}
		m.scanned = min(next, n)
	}
	return true
}

// lazyRowShown is rowShown for a browsed recording: a message is decoded
// alone unless its page already is.
func (m *model) lazyRowShown(i int) bool {
	one, ok := m.decodedAlone(i)
	if !ok {
		return m.rowShown(i)
	}
	c := m.filter.Criteria()
	return passesToggles(c, one.row(0)) && (!c.HasText() || c.FindOnly() || c.Match(one.payload(0)))
}

// lazyMatchesText is rowMatchesText for a browsed recording.
func (m *model) lazyMatchesText(i int) bool {
	one, ok := m.decodedAlone(i)
	if !ok {
		return m.rowMatchesText(i)
	}
	return m.filter.Criteria().Match(one.payload(0))
}

// decodedAlone decodes row i on its own, when it is a message with a
// payload (which is what a query looks at) and its page is not decoded.
func (m *model) decodedAlone(i int) (*store, bool) {
	l := m.store.lazy
	if _, cached := l.pages[i>>lazyPageBits]; cached {
		return nil, false
	}
	one := l.decode(i, i+1)
	if r := one.row(0); !r.isMessage() || r.payload.n == 0 {
		return nil, false // its summary is matched, which needs the page
	}
	return one, true
}

// findBack is how many rows finding backwards reads at a time.
const findBack = 4096

// lazyFind is the row nearest from, in direction dir (1 or -1), from
// included, that matches the text query, or -1; it reads raw lines first
// when the recording has them.
func (m *model) lazyFind(from, dir int) int {
	lines, _ := m.store.lazy.rec.(lineSource)
	f := newFindFilter(m.filter.Criteria())
	// first is the first matching row of lo to hi, or -1; last the last.
	search := func(lo, hi int, last bool) int {
		found := -1
		for i := lo; i < hi && (last || found < 0); {
			next, err := i, error(nil)
			if lines != nil {
				next, err = lines.Lines(i, lineBlock, func(k int, line []byte) {
					if k >= hi || !last && found >= 0 || f.hides(line) {
						return
					}
					if m.lazyMatchesText(k) {
						found = k
					}
				})
			}
			if err != nil || next <= i { // no line: test the row itself
				if m.rowMatchesText(i) {
					found = i
				}
				next = i + 1
			}
			i = next
		}
		return found
	}
	n := m.store.len()
	if dir > 0 {
		return search(from, n, false)
	}
	for hi := from + 1; hi > 0; hi -= findBack {
		if k := search(max(0, hi-findBack), hi, true); k >= 0 {
			return k
		}
	}
	return -1
}
