package tui

import (
	"bytes"
	"sync"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/tui/filter"
)

// A filter over a browsed recording first reads the raw lines: a text or
// binary message that its line shows the filter hides is never decoded.
// The rest are decoded one by one and tested as any row is.

// lineFilter decides from raw lines which rows a filter certainly hides,
// or, finding, which rows certainly do not match the text query.
type lineFilter struct {
	c *filter.Criteria
	// text: a text message's line can show it holds no match of the query.
	// A wsdbg recording writes printable ASCII other than '"' and '\\' as
	// it is, which is what the criteria look for in it.
	text    bool
	finding bool // the text query alone counts, not the toggles
	lines   *lineDecoding
}

// lineDecoding is the memory a lineFilter reuses to decode lines.
type lineDecoding struct {
	dec history.LineDecoder
	rec history.Record
}

// newFindFilter is a lineFilter for finding the text query.
func newFindFilter(c *filter.Criteria) lineFilter {
	return lineFilter{c: c, text: c.CanRuleOut(), finding: true, lines: &lineDecoding{}}
}

func newLineFilter(c *filter.Criteria) lineFilter {
	return lineFilter{c: c, text: c.CanRuleOut(), lines: &lineDecoding{}}
}

// hides reports whether the event on line is hidden. A line cut short,
// the damage a crash leaves, is not, unless the toggles hide warnings: its
// row is the warning that says so, which "errors only" shows and a query
// may match. A line damaged inside, which only a hand-made file has, is
// judged by what its first keys say: telling it from a whole one would
// take a walk of every line, four times the cost of the filter.
func (f lineFilter) hides(line []byte) bool {
	data, ok := dataMessageOf(line)
	return ok && f.hidesData(data) && (f.hidesWarnings() || bytes.HasSuffix(line, []byte("}")))
}

// hidesWarnings reports whether the toggles hide every warning row: one
// has no direction, and is neither a message nor a close.
func (f lineFilter) hidesWarnings() bool {
	if f.finding {
		return false
	}
	switch f.c.Ops() {
	case filter.OpsText, filter.OpsBinary, filter.OpsControl:
		return true
	}
	return f.c.Direction() != 0
}

func (f lineFilter) hidesData(data dataLine) bool {
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

// textMessage decodes a message or frame line whose payload is text, as
// the encoder writes it, and returns it as a row (direction, opcode and
// type; such a line has no envelope or protocol packet) with its payload;
// ok is false for any other line, and for an empty payload, whose row is
// matched by its summary.
func (f lineFilter) textMessage(line []byte) (r row, payload []byte, ok bool) {
	rec := &f.lines.rec
	if !f.lines.dec.Decode(line, rec) || rec.Text == "" || rec.Base64 != "" {
		return row{}, nil, false
	}
	return row{typ: rec.Type, dir: rec.Dir, op: rec.Opcode}, []byte(rec.Text), true
}

// shown reports whether the event on line is shown, when its line alone
// tells (see textMessage).
func (f lineFilter) shown(line []byte) (shown, ok bool) {
	r, payload, ok := f.textMessage(line)
	if !ok {
		return false, false
	}
	c := f.c
	return passesToggles(c, &r) && (!c.HasText() || c.FindOnly() || c.Match(payload)), true
}

// matchesText reports whether the event on line matches the text query,
// when its line alone tells (see textMessage).
func (f lineFilter) matchesText(line []byte) (matches, ok bool) {
	_, payload, ok := f.textMessage(line)
	if !ok {
		return false, false
	}
	return f.c.Match(payload), true
}

// missesText reports whether a message certainly does not match the text
// query. An empty text is matched by its row's summary, not its payload.
func (f lineFilter) missesText(data dataLine) bool {
	text, ok := bytes.CutPrefix(data.rest, []byte(`,"text":"`))
	return f.text && data.op == conn.OpText && ok && !bytes.HasPrefix(text, []byte{'"'}) && !f.c.MayMatchEscaped(text)
}

// scanLines is scanStep over a browsed recording: it tests the rows from
// m.scanned up to n, reading their lines in blocks, until the deadline. It
// reports false when the recording has no lines to read.
//
// The lines are read and tested by two goroutines at once, each over half
// of the next scanRound rows (a line's verdict needs nothing but the line
// and the criteria); the rows their lines cannot decide are then tested
// here, in order, as any row is.
func (m *model) scanLines(n int, deadline time.Time) bool {
	lines, ok := m.store.lazy.rec.(lineSource)
	if !ok {
		return false
	}
	c := m.filter.Criteria()
	for m.scanned < n && time.Now().Before(deadline) {
		end := min(n, m.scanned+scanRound)
		mid := m.scanned + (end-m.scanned)/2
		var halves [2]lineVerdicts
		var wg sync.WaitGroup
		wg.Go(func() { halves[0] = scanHalf(lines, c, m.scanned, mid) })
		wg.Go(func() { halves[1] = scanHalf(lines, c, mid, end) })
		wg.Wait()
		for _, h := range halves {
			for _, v := range h {
				if v.undecided && time.Now().After(deadline) && v.k > m.scanned {
					m.scanned = v.k
					return true
				}
				if !v.undecided || m.lazyRowShown(v.k) {
					m.shown = append(m.shown, int32(v.k))
				}
			}
		}
		m.scanned = end
	}
	return true
}

// scanRound is how many rows the two goroutines of scanLines test between
// two looks at the clock.
const scanRound = 1024

// lineVerdict is a row shown, or one whose line cannot tell.
type lineVerdict struct {
	k         int
	undecided bool
}

type lineVerdicts []lineVerdict

// scanHalf reads the lines of rows from up to to and returns, in order,
// the rows shown and the rows their lines cannot decide (their lines are
// not written as the encoder writes them, or could not be read).
func scanHalf(lines lineSource, c *filter.Criteria, from, to int) lineVerdicts {
	f := newLineFilter(c)
	var verdicts lineVerdicts
	for i := from; i < to; {
		next, err := lines.Lines(i, lineBlock/8, func(k int, line []byte) {
			if k >= to || f.hides(line) {
				return
			}
			shown, ok := f.shown(line)
			if !ok || shown {
				verdicts = append(verdicts, lineVerdict{k: k, undecided: !ok})
			}
		})
		if err != nil || next <= i { // no line: test the row itself
			verdicts = append(verdicts, lineVerdict{k: i, undecided: true})
			next = i + 1
		}
		i = next
	}
	return verdicts
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
					matches, ok := f.matchesText(line)
					if !ok {
						matches = m.lazyMatchesText(k)
					}
					if matches {
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
