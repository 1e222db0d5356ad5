package tui

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"
)

// A whole recording being browsed is not taken in event by event: that
// costs a decoded event per row before the last one can be shown. Its log
// has as many rows as the recording's index holds, and a row is decoded
// when something looks at it, a page of neighbouring events at a time,
// into a bounded cache of pages. Jumping to the end or scrolling costs the
// pages on screen. What the header says about the whole session comes from
// one pass over the raw lines in the background, and grows as it goes.
//
// Requests and replies are linked by the same pass, from the reply_to
// each reply's line carries; a page it has not reached yet links only the
// requests and replies within it.

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
	pages   map[int]*store
	order   []int // cached pages, oldest first
}

func newLazyRows(rec Recording) *lazyRows {
	return &lazyRows{rec: rec, pages: map[int]*store{}}
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
	d := &model{store: newPageStore()}
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
	rows := newLazyRows(rec)
	rows.summary = startSummary(ctx, rec, lines, m.sess)
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
