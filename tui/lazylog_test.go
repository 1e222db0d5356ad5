package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

// writeTicks writes a recording of an open, n ticks (every thousandth a
// request and its reply) and a close, and returns the events written.
func writeTicks(t testing.TB, path string, n int) []conn.Event {
	t.Helper()
	w, err := history.Create(path, history.Header{URL: "ws://127.0.0.1:8080/ws", Start: t0}, history.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	events := []conn.Event{openEvent(0)}
	for i := range n {
		at := time.Duration(i+1) * time.Millisecond
		switch {
		case i%1000 == 500:
			events = append(events, textOut(at, fmt.Sprintf(`{"id":%d,"op":"status"}`, i)))
		case i%1000 == 501:
			events = append(events, textIn(at, fmt.Sprintf(`{"id":%d,"ok":true}`, i-1)))
		default:
			events = append(events, textIn(at, fmt.Sprintf(`{"type":"tick","seq":%d,"price":"%d.5"}`, i, 97000+i%1000)))
		}
	}
	events = append(events, closeIn(time.Duration(n+1)*time.Millisecond, 1000, "bye"))
	notes := conn.NewAnnotator(conn.Options{})
	for _, ev := range events {
		notes.Annotate(&ev)
		if err := w.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return events
}

// browseModel opens path and starts the interface on it as `wsdbg replay
// FILE` does, without running the program.
func browseModel(t testing.TB, path string) *model {
	t.Helper()
	rec, err := history.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	m, _ := newTestModel(t, 100, 30, Options{Source: NewReplay(t.Context(), rec, ReplayOptions{})})
	m.Init()
	if m.browse == nil {
		t.Fatal("a whole recording is not browsed in place")
	}
	return m
}

// browseUntilEnded delivers the index's and summary's progress until the
// whole recording is known.
func browseUntilEnded(t testing.TB, m *model) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !m.sess.ended {
		if time.Now().After(deadline) {
			t.Fatalf("the recording was not read to its end:\n%s", ansi.Strip(m.View().Content))
		}
		_, cmd := m.Update(browseTickMsg{})
		runFilterSteps(m, cmd)
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBrowsingARecordingDecodesOnlyWhatIsShown(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ticks.jsonl")
	events := writeTicks(t, path, 50_000)
	m := browseModel(t, path)
	browseUntilEnded(t, m)

	if got := m.store.len(); got != len(events) {
		t.Fatalf("the log has %d rows, want %d", got, len(events))
	}
	out := plainScreen(m)
	for _, want := range []string{"REPLAY", "end of recording", "in 49950 msg", "out 50 msg"} {
		if !strings.Contains(out, want) {
			t.Errorf("screen lacks %q:\n%s", want, out)
		}
	}

	press(m, "g")
	if !strings.Contains(plainScreen(m), "welcome") && !strings.Contains(plainScreen(m), `"seq":0,`) {
		t.Errorf("g does not show the first rows:\n%s", plainScreen(m))
	}
	press(m, "G")
	if m.rowAt(m.sel) != len(events)-1 && m.rowAt(m.sel) != len(events)-2 {
		t.Fatalf("G selected row %d of %d", m.rowAt(m.sel), len(events))
	}
	if out := plainScreen(m); !strings.Contains(out, `"seq":49999,`) || !strings.Contains(out, "CLOSE 1000") {
		t.Errorf("G does not show the last rows:\n%s", out)
	}
	if n := len(m.store.lazy.pages); n > 4 {
		t.Errorf("%d pages of events were decoded to show the first and last screens", n)
	}

	// The inspector shows the selected event as the recording has it.
	sel := m.rowAt(m.sel)
	if got, want := m.store.event(sel).Payload, events[sel].Payload; string(got) != string(want) {
		t.Errorf("row %d holds %q, the recording %q", sel, got, want)
	}

	// A request and its reply decoded together are linked.
	reply := 1 + 20_501
	if r := m.store.row(reply); !r.has(flagReply) || int(r.link) != reply-1 {
		t.Errorf("reply row %d: flags %b, link %d; want a reply to row %d", reply, r.flags, r.link, reply-1)
	}
}

func TestFilteringABrowsedRecording(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ticks.jsonl")
	writeTicks(t, path, 20_000)
	m := browseModel(t, path)
	browseUntilEnded(t, m)

	press(m, "/")
	typeText(m, `"seq":1234`)
	press(m, "enter")
	// seq 1234 and 12340–12349
	if got := m.displayLen(); got != 11 {
		t.Fatalf("the filter shows %d rows, want 11:\n%s", got, plainScreen(m))
	}
	if out := plainScreen(m); !strings.Contains(out, "11 of 20,002") && !strings.Contains(out, "11 of 20002") {
		t.Errorf("the log does not count the matches:\n%s", out)
	}
	press(m, "esc", "/")
	typeText(m, "STATUS") // a capital makes it case-sensitive
	if got := m.displayLen(); got != 0 {
		t.Errorf("STATUS matched %d rows, want none", got)
	}
	press(m, "ctrl+u")
	typeText(m, "status")
	if got := m.displayLen(); got != 20 {
		t.Errorf("status matched %d rows, want the 20 requests", got)
	}
	typeText(m, "")
	press(m, "esc")
	if got := m.displayLen(); got != 20_002 {
		t.Errorf("after the filter is cleared %d rows are shown", got)
	}
}
