package tui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

// A recording written by history plays back into a read-only log with
// every event, explanations included.
func TestReplayOfARecording(t *testing.T) {
	path := filepath.Join(t.TempDir(), "session.jsonl")
	w, err := history.Create(path, history.Header{URL: "ws://127.0.0.1:8080/ws", Start: t0}, history.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	events := sampleSession()
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
	rec, err := history.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()

	src := Replay(t.Context(), rec)
	m, _ := newTestModel(t, 80, 24, Options{Source: src})
	p := startPump(t.Context(), src, nil)
	defer p.stop()
	pumpUntil(t, m, p, 5*time.Second, func() bool { return m.sess.ended })

	if got := m.store.len(); got != len(events) {
		t.Fatalf("replayed %d events, want %d", got, len(events))
	}
	if m.live != nil {
		t.Fatal("a replay accepts messages")
	}
	out := plainScreen(m)
	for _, want := range []string{"REPLAY", "end of recording", "ERROR 4001", "CLOSE 4001", "reply 34ms"} {
		if !strings.Contains(out, want) {
			t.Errorf("replay screen lacks %q:\n%s", want, out)
		}
	}
	// The recorded close frame is shown as the frame it was, with its
	// explanation, not as a connection that ended without one.
	last := m.store.len() - 1
	insp := plainLines(m.inspectorLines(last, 100))
	if strings.Contains(insp, "No close frame") || !strings.Contains(insp, "token expired") || !strings.Contains(insp, "FRAMES") {
		t.Errorf("replayed close is told wrongly:\n%s", insp)
	}
}
