package tui

import (
	"bytes"
	"context"
	"strconv"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/conn"
)

// A whole recording being browsed is not taken in event by event: that
// costs a decoded event per row before the last one can be shown. Its log
// has as many rows as the recording's index holds, and a row is decoded
// when something looks at it, a page of neighbouring events at a time,
// into a bounded cache of pages. Jumping to the end or scrolling costs the
// pages on screen. What the header says about the whole session comes from
// one pass over the raw lines in the background, and grows as it goes.
//
// A request and its reply are linked when they are decoded in the same
// page; links across pages are not known.

// lineSource reads a recording's raw lines in order; *history.Recording
// is one.
type lineSource interface {
	Lines(first, maxBytes int, fn func(i int, line []byte)) (int, error)
}

const (
	lazyPageBits  = 8 // events decoded together
	lazyPageSize  = 1 << lazyPageBits
	lazyPagesKept = 64      // decoded pages kept
	lineBlock     = 1 << 20 // raw bytes read at a time by a pass over the lines
	summaryEvery  = 1 << 16 // events between two summaries the header sees
)

// lazyRows are the rows of a recording, decoded on demand.
type lazyRows struct {
	rec     Recording
	n       int // rows known: the recording's Len when last looked at
	idPaths [][]string
	pages   map[int]*store
	order   []int // cached pages, oldest first
}

func newLazyRows(rec Recording, idPaths [][]string) *lazyRows {
	return &lazyRows{rec: rec, n: rec.Len(), idPaths: idPaths, pages: map[int]*store{}}
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
	d := &model{store: newStore(), idPaths: l.idPaths}
	for i := from; i < to; i++ {
		ev, err := l.rec.Event(i)
		if err != nil {
			ev = unreadableEvent(err)
		}
		d.ingest(ev)
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
	m.store = &store{lazy: newLazyRows(rec, m.idPaths)}
	m.browse = &browse{rec: rec, summary: startSummary(ctx, rec, lines, m.sess)}
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
	cmd := m.showIngested(before)

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
// as the header shows it. A text or binary message, nearly every line, is
// counted from the first keys of its line; any other event is decoded and
// taken in as a live log takes it.
type summaryPass struct {
	mu   sync.Mutex
	sess session
	done bool
}

// startSummary starts the pass from the session as the model starts it.
func startSummary(ctx context.Context, rec Recording, lines lineSource, start session) *summaryPass {
	s := &summaryPass{sess: start}
	go s.run(ctx, rec, lines, start)
	return s
}

// current is the summary so far, and whether it covers the whole recording.
func (s *summaryPass) current() (session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sess, s.done
}

func (s *summaryPass) publish(sess *session, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sess = *sess
	s.sess.extensions = append([]string(nil), sess.extensions...)
	s.done = done
}

func (s *summaryPass) run(ctx context.Context, rec Recording, lines lineSource, start session) {
	d := &model{store: newStore(), sess: start}
	take := func(i int) {
		ev, err := rec.Event(i)
		if err != nil {
			ev = unreadableEvent(err)
		}
		d.ingest(ev)
		if d.store.len() >= blockSize { // only the session is wanted
			d.store, d.links = newStore(), linker{}
		}
	}
	published := 0
	for i := 0; ; {
		for i >= rec.Len() {
			if isDone(rec.Done()) && i >= rec.Len() {
				s.publish(&d.sess, true)
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
			if dir, size, ok := dataMessageOf(line); ok && k > 0 {
				d.sess.msgs[dir]++
				d.sess.bytes[dir] += size
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
			s.publish(&d.sess, false)
			published = i
		}
	}
}

// dataMessageOf reads the direction and size of a text or binary message
// from the first keys of its line, in the order a wsdbg recording writes
// them; ok is false for any other line.
func dataMessageOf(line []byte) (dir int, size int64, ok bool) {
	rest, ok := bytes.CutPrefix(line, []byte(`{"type":"message","time":"`))
	if !ok {
		return 0, 0, false
	}
	q := bytes.IndexByte(rest, '"')
	if q < 0 {
		return 0, 0, false
	}
	rest = rest[q+1:]
	switch {
	case bytes.HasPrefix(rest, []byte(`,"dir":"in"`)):
		dir, rest = dirIndex(conn.In), rest[len(`,"dir":"in"`):]
	case bytes.HasPrefix(rest, []byte(`,"dir":"out"`)):
		dir, rest = dirIndex(conn.Out), rest[len(`,"dir":"out"`):]
	default:
		return 0, 0, false
	}
	switch {
	case bytes.HasPrefix(rest, []byte(`,"opcode":"text"`)):
		rest = rest[len(`,"opcode":"text"`):]
	case bytes.HasPrefix(rest, []byte(`,"opcode":"binary"`)):
		rest = rest[len(`,"opcode":"binary"`):]
	default:
		return 0, 0, false
	}
	rest, ok = bytes.CutPrefix(rest, []byte(`,"len":`))
	if !ok {
		return 0, 0, false
	}
	end := bytes.IndexByte(rest, ',')
	if end < 0 {
		return 0, 0, false
	}
	n, err := strconv.ParseInt(string(rest[:end]), 10, 64)
	if err != nil || n < 0 {
		return 0, 0, false
	}
	return dir, n, true
}
