package tui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"

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
	for i, ev := range events {
		ev.Seq = i + 1 // as the client numbered them
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

	src := NewReplay(t.Context(), rec, ReplayOptions{})
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

// The replay keys are free wherever they work: the log, the inspector and
// everywhere.
func TestReplayKeysDoNotCollide(t *testing.T) {
	km := defaultKeyMap()
	taken := map[string]string{}
	for _, group := range [][][]key.Binding{km.Global.FullHelp(), km.Log.FullHelp(), km.Inspector.FullHelp()} {
		for _, column := range group {
			for _, b := range column {
				for _, k := range b.Keys() {
					taken[k] = b.Help().Desc
				}
			}
		}
	}
	for _, b := range km.Replay.FullHelp()[0] {
		for _, k := range b.Keys() {
			if other, ok := taken[k]; ok {
				t.Errorf("%q is both %q and %q", k, b.Help().Desc, other)
			}
		}
	}
}

func TestGroupThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 56789: "56,789", 1234567: "1,234,567"} {
		if got := groupThousands(n); got != want {
			t.Errorf("groupThousands(%d) = %q, want %q", n, got, want)
		}
	}
}

// While a recording loads, the header counts its open time to the last
// event loaded, not to today's clock.
func TestReplayHeaderUsesTheRecordingsTimes(t *testing.T) {
	m, _ := newTestModel(t, 100, 24, Options{Source: replaySource{events: make(chan conn.Event)}})
	m.now = func() time.Time { return t0.Add(39 * time.Minute) }
	feed(m, sampleSession()[:5]...) // open, then messages until 2s
	if out := plainScreen(m); !strings.Contains(out, "open 2s") {
		t.Errorf("header does not say the recording was open 2s:\n%s", out)
	}
}
