package tui

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// inspectorRows is the inspector's side of a side-by-side screen, one
// string per row, without trailing blanks.
func inspectorRows(t *testing.T, m *model) []string {
	t.Helper()
	var out []string
	for _, l := range strings.Split(plainScreen(m), "\n") {
		_, right, ok := strings.Cut(l, "│")
		if !ok {
			continue
		}
		out = append(out, strings.TrimRight(strings.TrimPrefix(right, " "), " "))
	}
	if len(out) == 0 {
		t.Fatalf("no inspector beside the log:\n%s", plainScreen(m))
	}
	return out
}

// lastNonBlank is the last row that is not empty.
func lastNonBlank(rows []string) (int, string) {
	for k := len(rows) - 1; k >= 0; k-- {
		if rows[k] != "" {
			return k, rows[k]
		}
	}
	return -1, ""
}

// A long line without spaces wraps into rows of exactly the inspector's
// width, from its first character to its last, and scrolls sideways
// when wrapping is off.
func TestInspectorWrapsALongLine(t *testing.T) {
	var b strings.Builder
	for n := 0; b.Len() < 100_000; n++ {
		fmt.Fprintf(&b, "%06d", n)
	}
	payload := b.String()
	m, _ := newTestModel(t, 120, 40, Options{})
	feed(m, textIn(0, payload))
	width := m.layout().insp.w - 1 // one column of margin

	// Wrapping off: one row, cut at the pane's edge; l scrolls sideways.
	if rows := inspectorRows(t, m); !containsRow(rows, payload[:width]) {
		t.Fatalf("unwrapped, the payload's first %d characters are not a row:\n%s", width, strings.Join(rows, "\n"))
	}
	press(m, "tab", "tab", "l", "l", "l")
	if m.focus != focusInspector {
		t.Fatalf("focus %d, want the inspector", m.focus)
	}
	if rows := inspectorRows(t, m); !containsRow(rows, payload[12:12+width]) {
		t.Errorf("after scrolling right by 12 the row is not the payload from 12 on:\n%s", strings.Join(rows, "\n"))
	}

	press(m, "w")
	rows := inspectorRows(t, m)
	first := -1
	for k, r := range rows {
		if strings.HasPrefix(r, "v: format · w: wrap on") {
			first = k + 1
			break
		}
	}
	if first < 0 || first >= len(rows) {
		t.Fatalf("no payload heading:\n%s", strings.Join(rows, "\n"))
	}
	if rows[first] != payload[:width] || rows[first+1] != payload[width:2*width] {
		t.Errorf("first wrapped rows:\n%q\n%q\nwant\n%q\n%q", rows[first], rows[first+1], payload[:width], payload[width:2*width])
	}

	press(m, "G")
	rows = inspectorRows(t, m)
	k, last := lastNonBlank(rows)
	lastStart := (len(payload) - 1) / width * width
	if last != payload[lastStart:] {
		t.Errorf("last visible row %q, want the payload's end %q", last, payload[lastStart:])
	}
	if k < 1 || rows[k-1] != payload[lastStart-width:lastStart] {
		t.Errorf("row above the last %q, want %q", rows[max(0, k-1)], payload[lastStart-width:lastStart])
	}
}

// Wide characters are never split between rows: a row of two-cell
// characters holds as many as fit whole.
func TestInspectorWrapsWideCharacters(t *testing.T) {
	payload := strings.Repeat("日本語のテキスト", 2000)
	m, _ := newTestModel(t, 120, 40, Options{})
	feed(m, textIn(0, payload))
	press(m, "w", "tab", "tab", "G")
	width := m.layout().insp.w - 1
	perRow := width / 2
	chars := []rune(payload)
	_, last := lastNonBlank(inspectorRows(t, m))
	want := string(chars[(len(chars)-1)/perRow*perRow:])
	if last != want {
		t.Errorf("last row %q, want %q", last, want)
	}
}

func containsRow(rows []string, want string) bool {
	for _, r := range rows {
		if r == want {
			return true
		}
	}
	return false
}

// A key press costs the same with wrapping on whatever the size of the
// selected payload: far below what a user would notice.
func TestWrappedKeyPressIsFast(t *testing.T) {
	m, _ := newTestModel(t, 120, 40, Options{})
	feed(m, textIn(0, strings.Repeat("x", 1<<20)))
	press(m, "w", "tab", "tab")
	start := time.Now()
	for range 20 {
		press(m, "j")
		_ = m.View()
	}
	if per := time.Since(start) / 20; per > 50*time.Millisecond {
		t.Errorf("a key press took %v with a 1 MiB line wrapped", per)
	}
}
