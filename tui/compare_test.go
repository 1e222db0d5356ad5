package tui

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

// recordedRun is the recording a live session is compared with.
func recordedRun() []history.Record {
	var out []history.Record
	notes := conn.NewAnnotator(conn.Options{})
	for _, ev := range []conn.Event{
		openEvent(0),
		textOut(100*time.Millisecond, `{"id":1,"op":"subscribe"}`),
		textIn(110*time.Millisecond, `{"id":1,"ok":true,"ts":"2025-03-14T09:26:53Z"}`),
		textIn(200*time.Millisecond, `{"type":"tick","price":101.25,"seq":1}`),
		msgEvent(300*time.Millisecond, conn.In, conn.OpBinary, "\x00\x01"),
		textIn(400*time.Millisecond, "bye"),
		closeIn(500*time.Millisecond, 1000, ""),
	} {
		notes.Annotate(&ev)
		out = append(out, history.FromEvent(ev))
	}
	return out
}

// rowLine returns the log line showing text.
func rowLine(t *testing.T, m *model, text string) string {
	t.Helper()
	for _, l := range strings.Split(plainScreen(m), "\n") {
		if strings.Contains(l, text) {
			return l
		}
	}
	t.Fatalf("no row shows %q:\n%s", text, plainScreen(m))
	return ""
}

func TestRepliesAreComparedWithTheRecording(t *testing.T) {
	m, _ := newTestModel(t, 120, 40, Options{Expected: recordedRun()})
	feed(m,
		openEvent(0),
		textOut(100*time.Millisecond, `{"id":2,"op":"subscribe"}`),
		textIn(120*time.Millisecond, `{"ok":true,"id":2,"ts":"2025-03-15T10:00:00Z"}`),
		textIn(210*time.Millisecond, `{"type":"tick","price":99.5,"seq":1}`),
	)
	if line := rowLine(t, m, `"ok":true`); strings.Contains(line, "DIFF") {
		t.Errorf("a reply that differs only in its id and time is marked: %s", line)
	}
	if line := rowLine(t, m, `"type":"tick"`); !strings.Contains(line, "DIFF") {
		t.Errorf("a reply with another price is not marked: %s", line)
	}
	if !strings.Contains(plainScreen(m), "vs recording 1 same, 1 differ, 2 awaited") {
		t.Errorf("header lacks the count:\n%s", plainScreen(m))
	}

	same := plainLines(m.inspectorLines(2, 100))
	if !strings.Contains(same, "COMPARED WITH THE RECORDING") || !strings.Contains(same, "Same as recorded reply 1") {
		t.Errorf("inspector of a matching reply:\n%s", same)
	}
	m.sel = 3
	m.syncPanes()
	diff := plainScreen(m)
	for _, want := range []string{
		"reply 2: $.price: 101.25 → 99.5",
		"Changed: $.price",
		"PAYLOAD json",
		"RECORDED REPLY 2 json",
	} {
		if !strings.Contains(diff, want) {
			t.Errorf("inspector lacks %q:\n%s", want, diff)
		}
	}
	// The recorded reply comes after the new one.
	if a, b := strings.Index(diff, `"price": 99.5`), strings.Index(diff, `"price": 101.25`); a < 0 || b < a {
		t.Errorf("new payload at %d, recorded at %d:\n%s", a, b, diff)
	}

	feed(m,
		msgEvent(300*time.Millisecond, conn.In, conn.OpBinary, "\x00\x02"),
		textIn(400*time.Millisecond, "bye"),
		textIn(450*time.Millisecond, "one more"),
		closeIn(500*time.Millisecond, 1000, ""),
	)
	if line := rowLine(t, m, "00 02"); !strings.Contains(line, "DIFF") {
		t.Errorf("a changed binary reply is not marked: %s", line)
	}
	if !strings.Contains(plainLines(m.inspectorLines(4, 100)), "reply 3: payload differs (2 B recorded, 2 B replayed)") {
		t.Errorf("binary difference:\n%s", plainLines(m.inspectorLines(4, 100)))
	}
	extra := plainLines(m.inspectorLines(6, 100))
	if !strings.Contains(extra, "reply 5 is new: the recording has 4") || strings.Contains(extra, "RECORDED REPLY") {
		t.Errorf("a reply the recording lacks:\n%s", extra)
	}
	if !strings.Contains(plainScreen(m), "vs recording 2 same, 3 differ") {
		t.Errorf("header after the end:\n%s", plainScreen(m))
	}

	// Errors only gathers the differences.
	press(m, "x")
	if got := m.displayLen(); got != 3 {
		t.Errorf("errors only shows %d rows, want the 3 that differ", got)
	}
}

func TestMissingRepliesAreCountedWhenTheConnectionEnds(t *testing.T) {
	m, _ := newTestModel(t, 120, 40, Options{Expected: recordedRun()})
	feed(m, openEvent(0), textIn(120*time.Millisecond, `{"id":9}`), closeIn(time.Second, 1011, "oops"))
	if !strings.Contains(plainScreen(m), "vs recording 0 same, 1 differ, 3 missing") {
		t.Errorf("header:\n%s", plainScreen(m))
	}
	if !strings.Contains(plainLines(m.inspectorLines(1, 100)), "reply 1: $.ok: true → (absent)") {
		t.Errorf("a missing key is not named:\n%s", plainLines(m.inspectorLines(1, 100)))
	}
}

func TestDifferencesInHostileKeysAreSanitised(t *testing.T) {
	rec := history.FromEvent(textIn(0, `{"k\u001b]52;c;aGk=\u0007":1}`))
	m, _ := newTestModel(t, 120, 40, Options{Expected: []history.Record{rec}})
	feed(m, textIn(time.Second, `{"k\u001b]52;c;aGk=\u0007":2}`))
	for _, l := range m.inspectorLines(0, 100) {
		if strings.Contains(l, "\x1b]") || strings.Contains(l, "\a") {
			t.Fatalf("a control sequence reached the inspector: %q", l)
		}
	}
	if !strings.Contains(plainLines(m.inspectorLines(0, 100)), "Changed: $.k") {
		t.Errorf("path not shown:\n%s", plainLines(m.inspectorLines(0, 100)))
	}
}

// Without a recording to compare with, nothing is said about replies.
func TestNoComparisonWithoutExpected(t *testing.T) {
	m, _ := newTestModel(t, 120, 40, Options{})
	feed(m, sampleSession()...)
	if out := plainScreen(m); strings.Contains(out, "DIFF") || strings.Contains(out, "vs recording") {
		t.Errorf("comparison shown without a recording:\n%s", out)
	}
}

func TestGoldenReplayComparison(t *testing.T) {
	m, _ := newTestModel(t, 120, 40, Options{Expected: recordedRun(), RecordPath: "again.jsonl"})
	feed(m,
		openEvent(0),
		textOut(100*time.Millisecond, `{"id":2,"op":"subscribe"}`),
		textIn(120*time.Millisecond, `{"ok":true,"id":2}`),
		textIn(210*time.Millisecond, `{"type":"tick","price":99.5,"seq":1}`),
		msgEvent(300*time.Millisecond, conn.In, conn.OpBinary, "\x00\x01"),
	)
	press(m, "k")
	golden.RequireEqual(t, screen(m))
}
