package tui

import (
	"bytes"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"

	tea "charm.land/bubbletea/v2"

	"github.com/wsdbg/wsdbg/conn"
)

// opClass narrows the log to one kind of frame.
type opClass uint8

const (
	opsAll opClass = iota
	opsText
	opsBinary
	opsControl
	opsEvents
	opClassCount
)

func (o opClass) String() string {
	return [...]string{"all", "text", "binary", "control", "events"}[o]
}

// filter decides which rows the log shows and which text the search finds.
type filter struct {
	query      string // as typed; a "re:" prefix makes it a regular expression
	regex      bool   // the regex toggle, same effect as the prefix
	findOnly   bool   // find mode: keep every row, highlight and jump with n/N
	dir        conn.Direction
	ops        opClass
	errorsOnly bool

	// Compiled from query.
	re     *regexp.Regexp
	needle []byte
	fold   bool
	err    string
}

const regexPrefix = "re:"

// compile prepares the query for matching. A bad regular expression leaves
// the text part of the filter off and says why.
func (f *filter) compile() {
	f.re, f.needle, f.err = nil, nil, ""
	q := f.query
	isRegex := f.regex
	if strings.HasPrefix(q, regexPrefix) {
		q, isRegex = strings.TrimPrefix(q, regexPrefix), true
	}
	if q == "" {
		return
	}
	f.fold = !hasUpper(q)
	if isRegex {
		expr := q
		if f.fold {
			expr = "(?i)" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			f.err = err.Error()
			return
		}
		f.re = re
		return
	}
	if f.fold {
		q = strings.ToLower(q)
	}
	f.needle = []byte(q)
}

func hasUpper(s string) bool {
	for _, r := range s {
		if unicode.IsUpper(r) {
			return true
		}
	}
	return false
}

func (f *filter) hasText() bool { return f.re != nil || len(f.needle) > 0 }

// hides reports whether some rows are left out of the log.
func (f *filter) hides() bool {
	return f.dir != 0 || f.ops != opsAll || f.errorsOnly || f.hasText() && !f.findOnly
}

func (f *filter) matchBytes(p []byte) bool {
	if f.re != nil {
		return f.re.Match(p)
	}
	if f.fold {
		return containsFold(p, f.needle)
	}
	return bytes.Contains(p, f.needle)
}

// highlight returns the byte ranges of text that match the query.
func (f *filter) highlight(text string) [][2]int {
	if !f.hasText() {
		return nil
	}
	var out [][2]int
	if f.re != nil {
		for _, loc := range f.re.FindAllStringIndex(text, 16) {
			if loc[1] > loc[0] {
				out = append(out, [2]int{loc[0], loc[1]})
			}
		}
		return out
	}
	hay := text
	if f.fold {
		hay = asciiLower(text)
	}
	needle := string(f.needle)
	for start := 0; len(out) < 16; {
		k := strings.Index(hay[start:], needle)
		if k < 0 {
			break
		}
		out = append(out, [2]int{start + k, start + k + len(needle)})
		start += k + len(needle)
	}
	return out
}

// asciiLower lowercases ASCII letters only, so byte offsets stay valid.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// containsFold reports whether hay contains needle, ignoring ASCII case.
// needle must be lower case.
func containsFold(hay, needle []byte) bool {
	if len(needle) == 0 {
		return true
	}
	first := needle[0]
	upper := first
	if 'a' <= first && first <= 'z' {
		upper = first - 32
	}
	last := len(hay) - len(needle)
	for i := 0; i <= last; {
		j := indexEither(hay[i:last+1], first, upper)
		if j < 0 {
			return false
		}
		i += j
		if equalFoldLower(hay[i:i+len(needle)], needle) {
			return true
		}
		i++
	}
	return false
}

func indexEither(b []byte, x, y byte) int {
	i := bytes.IndexByte(b, x)
	if x == y {
		return i
	}
	limit := b
	if i >= 0 {
		limit = b[:i]
	}
	if j := bytes.IndexByte(limit, y); j >= 0 {
		return j
	}
	return i
}

func equalFoldLower(a, lower []byte) bool {
	for k, c := range a {
		if 'A' <= c && c <= 'Z' {
			c += 32
		}
		if c != lower[k] {
			return false
		}
	}
	return true
}

// passesToggles applies the direction, opcode and errors-only toggles.
func (f *filter) passesToggles(r *row) bool {
	if f.dir != 0 && r.dir != f.dir {
		return false
	}
	if f.errorsOnly && !r.isError() {
		return false
	}
	switch f.ops {
	case opsText:
		return r.isMessage() && (r.op == conn.OpText || r.op == conn.OpContinuation)
	case opsBinary:
		return r.isMessage() && r.op == conn.OpBinary
	case opsControl:
		return r.isMessage() && r.op.IsControl() || r.typ == conn.EventClose
	case opsEvents:
		return !r.isMessage()
	}
	return true
}

// rowMatchesText reports whether row i matches the text query. Messages are
// searched in their payload; other rows in their summary.
func (m *Model) rowMatchesText(i int) bool {
	r := m.store.row(i)
	if r.isMessage() && r.payload.n > 0 {
		return m.filter.matchBytes(m.store.payload(i))
	}
	return m.filter.matchBytes([]byte(m.computeRowText(i).preview))
}

func (m *Model) rowShown(i int) bool {
	if !m.filter.passesToggles(m.store.row(i)) {
		return false
	}
	if m.filter.hasText() && !m.filter.findOnly {
		return m.rowMatchesText(i)
	}
	return true
}

// The displayed rows are either all rows, or the index in m.shown. That
// index is built by scanning the log in time slices, so a filter over a
// million rows never freezes input; rows that arrive later are tested as
// they come.

// filterStepMsg asks for the next slice of a filter scan.
type filterStepMsg struct{ gen int }

const scanBudget = 3 * time.Millisecond

// displayLen is the number of rows the log shows.
func (m *Model) displayLen() int {
	if !m.filter.hides() {
		return m.store.len()
	}
	return len(m.shown)
}

// rowAt maps a display position to a row index.
func (m *Model) rowAt(pos int) int {
	if !m.filter.hides() {
		return pos
	}
	return int(m.shown[pos])
}

// positionOf maps a row index to the display position of the first shown
// row at or after it.
func (m *Model) positionOf(rowIdx int) int {
	if !m.filter.hides() {
		return rowIdx
	}
	return sort.Search(len(m.shown), func(k int) bool { return int(m.shown[k]) >= rowIdx })
}

// scanning reports whether the filter has rows left to test.
func (m *Model) scanning() bool { return m.filter.hides() && m.scanned < m.store.len() }

// refilter starts a new scan after the filter changed.
func (m *Model) refilter() tea.Cmd {
	anchor := -1
	if m.displayLen() > 0 && m.sel < m.displayLen() {
		anchor = m.rowAt(m.sel)
	}
	m.filter.compile()
	m.shown = m.shown[:0]
	m.scanned = 0
	m.scanGen++
	m.anchor = anchor
	m.rowCache.reset()
	if !m.filter.hides() {
		m.placeAfterFilter()
		return nil
	}
	return m.scanStep()
}

// scanStep tests rows for the filter until the time budget runs out, and
// asks to be called again if rows are left.
func (m *Model) scanStep() tea.Cmd {
	if !m.filter.hides() {
		return nil
	}
	deadline := time.Now().Add(scanBudget)
	n := m.store.len()
	before := len(m.shown)
	for m.scanned < n {
		if m.rowShown(m.scanned) {
			m.shown = append(m.shown, int32(m.scanned))
		}
		m.scanned++
		if m.scanned&1023 == 0 && time.Now().After(deadline) {
			break
		}
	}
	m.onRowsShown(len(m.shown) - before)
	if m.scanned < n {
		gen := m.scanGen
		return func() tea.Msg { return filterStepMsg{gen: gen} }
	}
	if m.anchor >= 0 {
		m.placeAfterFilter()
	}
	return nil
}

// placeAfterFilter puts the selection back on the row that was selected
// before the filter changed, or on the nearest shown row after it.
func (m *Model) placeAfterFilter() {
	defer func() { m.anchor = -1 }()
	n := m.displayLen()
	if n == 0 {
		m.sel, m.top = 0, 0
		return
	}
	if m.following() || m.anchor < 0 {
		m.sel = m.followTarget(n)
	} else {
		m.sel = min(m.positionOf(m.anchor), n-1)
	}
	m.unseen = 0
	m.ensureVisible()
}
