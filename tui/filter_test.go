package tui

import (
	"strings"
	"testing"
	"time"
)

func TestFilterTextRegexAndToggles(t *testing.T) {
	m, _ := newTestModel(t, 80, 24, Options{})
	feed(m, sampleSession()...)
	press(m, "/")
	typeText(m, "Tick")
	if got := m.displayLen(); got != 0 {
		t.Fatalf("a query with a capital is case-sensitive, but Tick matched %d rows", got)
	}
	press(m, "esc", "/") // clear the query, and type another
	typeText(m, "tick")
	if got := m.displayLen(); got != 2 {
		t.Fatalf("tick matched %d rows, want 2 (subscribe to ticker, and the tick)", got)
	}
	if !strings.Contains(plainScreen(m), "2 of 11") {
		t.Errorf("footer lacks the count:\n%s", plainScreen(m))
	}
	press(m, "enter")
	if m.focus == focusFilter {
		t.Fatal("enter did not leave the filter bar")
	}
	if !strings.Contains(plainScreen(m), "2 of 11") {
		t.Errorf("log title lacks the count:\n%s", plainScreen(m))
	}

	// Rows that arrive later are filtered as they come.
	feed(m, textIn(8*time.Second, "another tick"), textIn(8*time.Second, "unrelated"))
	if got := m.displayLen(); got != 3 {
		t.Errorf("after new rows, %d shown, want 3", got)
	}

	press(m, "esc")
	if m.filter.Criteria().Hides() || m.displayLen() != 13 {
		t.Fatalf("esc did not clear the filter: %d shown", m.displayLen())
	}

	press(m, "/")
	typeText(m, `re:"id":\d+`)
	press(m, "enter")
	if got := m.displayLen(); got != 2 {
		t.Errorf("regexp matched %d rows, want 2", got)
	}
	press(m, "/", "ctrl+u")
	typeText(m, "re:(")
	if m.filter.Criteria().Err() == "" || !strings.Contains(plainScreen(m), "bad regexp") {
		t.Errorf("bad regexp not reported:\n%s", plainScreen(m))
	}
	press(m, "esc")

	press(m, "d")
	if got := m.displayLen(); got != 10 {
		t.Errorf("incoming only: %d rows, want 10", got)
	}
	press(m, "d")
	if got := m.displayLen(); got != 2 {
		t.Errorf("outgoing only: %d rows, want 2", got)
	}
	press(m, "d", "x")
	if got := m.displayLen(); got != 2 {
		t.Errorf("errors only: %d rows, want 2 (envelope and close 4001)", got)
	}
	press(m, "x", "o")
	if got := m.displayLen(); got != 8 {
		t.Errorf("text only: %d rows, want 8", got)
	}
	press(m, "o")
	if got := m.displayLen(); got != 1 {
		t.Errorf("binary only: %d rows, want 1", got)
	}
	press(m, "o")
	if got := m.displayLen(); got != 3 {
		t.Errorf("control only: %d rows, want 3 (ping, pong, close)", got)
	}
}

func TestFindModeKeepsRowsAndJumps(t *testing.T) {
	m, _ := newTestModel(t, 80, 24, Options{})
	feed(m, sampleSession()...)
	press(m, "/")
	typeText(m, `"id"`)
	press(m, "ctrl+t", "enter")
	if m.displayLen() != 11 {
		t.Fatalf("find mode hid rows: %d shown", m.displayLen())
	}
	press(m, "g", "n")
	if m.sel != 2 {
		t.Fatalf("n went to %d, want 2", m.sel)
	}
	press(m, "n")
	if m.sel != 3 {
		t.Fatalf("second n went to %d, want 3", m.sel)
	}
	press(m, "n")
	if m.sel != 3 || !strings.Contains(m.notice.text, "no more matches") {
		t.Fatalf("n past the last match: sel %d, notice %q", m.sel, m.notice.text)
	}
	press(m, "N")
	if m.sel != 2 {
		t.Fatalf("N went to %d, want 2", m.sel)
	}
}
