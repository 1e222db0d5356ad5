package tui

import (
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
	replays "github.com/wsdbg/wsdbg/internal/replay"
)

// fakeClock makes timers that fire only when the test says so, and hands
// each one to the test as the player makes it.
type fakeClock struct{ made chan *fakeTimer }

type fakeTimer struct {
	d       time.Duration
	c       chan time.Time
	mu      sync.Mutex
	stopped bool
}

func newFakeClock() *fakeClock { return &fakeClock{made: make(chan *fakeTimer, 64)} }

func (c *fakeClock) NewTimer(d time.Duration) replays.Timer {
	tm := &fakeTimer{d: d, c: make(chan time.Time, 1)}
	c.made <- tm
	return tm
}

func (tm *fakeTimer) C() <-chan time.Time { return tm.c }

func (tm *fakeTimer) Stop() bool {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	was := !tm.stopped
	tm.stopped = true
	return was
}

// fire lets the timer go off, unless it was stopped.
func (tm *fakeTimer) fire() {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if !tm.stopped {
		tm.stopped = true
		tm.c <- time.Time{}
	}
}

// nextTimer waits for the player to start its next timer.
func (c *fakeClock) nextTimer(t *testing.T) *fakeTimer {
	t.Helper()
	select {
	case tm := <-c.made:
		return tm
	case <-time.After(5 * time.Second):
		t.Fatal("the player started no timer")
		return nil
	}
}

// recordingOf writes events to a recording file and opens it.
func recordingOf(t *testing.T, events []conn.Event) *history.Recording {
	t.Helper()
	path := filepath.Join(t.TempDir(), "session.jsonl")
	w, err := history.Create(path, history.Header{URL: "ws://127.0.0.1:8080/ws", Start: t0}, history.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
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
	t.Cleanup(func() { rec.Close() })
	rec.Wait()
	return rec
}

// newPlaybackModel is the interface started on a playback in time of
// events, with a clock the test drives.
func newPlaybackModel(t *testing.T, events []conn.Event, speed float64, noGaps bool) (*model, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	src := NewReplay(t.Context(), recordingOf(t, events), ReplayOptions{InTime: true, Speed: speed, NoGaps: noGaps})
	m, _ := newTestModel(t, 80, 24, Options{Title: "wsdbg replay", Source: src})
	m.clock = clock
	m.Init() // the commands it returns are run by hand below
	return m, clock
}

// startRead reads the player's next delivery in the background, as the
// program would.
func startRead(m *model) <-chan tea.Msg {
	got := make(chan tea.Msg, 1)
	read := m.play.read()
	go func() { got <- read() }()
	return got
}

// take waits for a read and gives what it collected to the model.
func take(t *testing.T, m *model, read <-chan tea.Msg) playedMsg {
	t.Helper()
	select {
	case msg := <-read:
		pm, ok := msg.(playedMsg)
		if !ok {
			t.Fatalf("read returned %T", msg)
		}
		m.Update(pm)
		return pm
	case <-time.After(5 * time.Second):
		t.Fatal("the player delivered nothing")
		return nil
	}
}

// played waits for the next delivery and gives it to the model.
func played(t *testing.T, m *model) playedMsg {
	t.Helper()
	return take(t, m, startRead(m))
}

func indexes(pm playedMsg) []int {
	var out []int
	for _, pb := range pm {
		out = append(out, pb.Index)
	}
	return out
}

func wantIndexes(t *testing.T, pm playedMsg, want ...int) {
	t.Helper()
	got := indexes(pm)
	if len(got) != len(want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
	for k := range got {
		if got[k] != want[k] {
			t.Fatalf("delivered %v, want %v", got, want)
		}
	}
}

func headerOf(m *model) string { return ansi.Strip(m.headerLines()[0]) }

func wantHeader(t *testing.T, m *model, want string) {
	t.Helper()
	if h := headerOf(m); !strings.Contains(h, want) {
		t.Fatalf("header %q lacks %q", h, want)
	}
}

// quietFor checks that a read gets nothing for a while: nothing is due.
func quietFor(t *testing.T, read <-chan tea.Msg, d time.Duration) {
	t.Helper()
	select {
	case msg := <-read:
		t.Fatalf("delivered while nothing was due: %v", msg)
	case <-time.After(d):
	}
}

func TestPlaybackKeepsTimeAndPauses(t *testing.T) {
	m, clock := newPlaybackModel(t, sampleSession(), 1, false)
	wantIndexes(t, played(t, m), 0) // the first event comes at once
	wantHeader(t, m, "REPLAY ▶ 1× 1/11")

	tm := clock.nextTimer(t)
	if tm.d != 10*time.Millisecond {
		t.Fatalf("the second event is 10ms after the first, the timer is %v", tm.d)
	}
	tm.fire()
	wantIndexes(t, played(t, m), 1)

	clock.nextTimer(t) // armed for the third event; pause before it fires
	press(m, "p")
	wantHeader(t, m, "REPLAY ❚❚ 1× 2/11")
	read := startRead(m)
	quietFor(t, read, 100*time.Millisecond)

	press(m, ".")
	wantIndexes(t, take(t, m, read), 2)
	if m.store.len() != 3 {
		t.Fatalf("%d rows after three deliveries", m.store.len())
	}

	press(m, "p")
	wantHeader(t, m, "REPLAY ▶ 1× 3/11")
	wantIndexes(t, played(t, m), 3) // play resumes with the next event
	if tm := clock.nextTimer(t); tm.d != 766*time.Millisecond {
		t.Fatalf("then waits %v for an event 766ms later", tm.d)
	}
}

func TestPlaybackSpeedAndGaps(t *testing.T) {
	m, clock := newPlaybackModel(t, sampleSession(), 1, false)
	played(t, m)
	clock.nextTimer(t)

	for _, step := range []struct {
		key    string
		header string
		wait   time.Duration
	}{
		{"+", "▶ 2×", 5 * time.Millisecond},
		{"=", "▶ 4×", 2500 * time.Microsecond},
		{"+", "▶ 10×", time.Millisecond},
		{"+", "▶ 20×", 500 * time.Microsecond},
		{"+", "▶ 20×", 500 * time.Microsecond}, // the top speed
		{"-", "▶ 10×", time.Millisecond},
		{"-", "▶ 4×", 2500 * time.Microsecond},
		{"-", "▶ 2×", 5 * time.Millisecond},
		{"-", "▶ 1×", 10 * time.Millisecond},
		{"-", "▶ 0.5×", 20 * time.Millisecond},
		{"-", "▶ 0.5×", 20 * time.Millisecond}, // the lowest
	} {
		press(m, step.key)
		wantHeader(t, m, step.header)
		if tm := clock.nextTimer(t); tm.d != step.wait {
			t.Fatalf("after %q the 10ms gap takes %v, want %v", step.key, tm.d, step.wait)
		}
	}

	press(m, "+", "+") // 2×, a timer each
	clock.nextTimer(t)
	tm := clock.nextTimer(t)
	tm.fire()
	wantIndexes(t, played(t, m), 1)
	if tm := clock.nextTimer(t); tm.d != 595*time.Millisecond {
		t.Fatalf("at 2× a 1190ms gap takes %v", tm.d)
	}
	press(m, "z")
	wantHeader(t, m, "REPLAY ▶ 2× no gaps 2/11")
	if tm := clock.nextTimer(t); tm.d != replays.NoGapsMax {
		t.Fatalf("without gaps a 1190ms gap takes %v, want %v", tm.d, replays.NoGapsMax)
	}
	press(m, "z")
	if tm := clock.nextTimer(t); tm.d != 595*time.Millisecond || strings.Contains(headerOf(m), "no gaps") {
		t.Fatalf("gaps back: timer %v, header %q", tm.d, headerOf(m))
	}
}

// While paused, speed changes wait for play.
func TestPlaybackSpeedWhilePaused(t *testing.T) {
	m, clock := newPlaybackModel(t, sampleSession(), 1, false)
	played(t, m)
	clock.nextTimer(t)
	press(m, "p", "+", "+")
	wantHeader(t, m, "REPLAY ❚❚ 4× 1/11")
	read := startRead(m)
	quietFor(t, read, 50*time.Millisecond)
	press(m, "p")
	wantIndexes(t, take(t, m, read), 1)
	if tm := clock.nextTimer(t); tm.d != 297500*time.Microsecond {
		t.Fatalf("a 1190ms gap takes %v, want 4×", tm.d)
	}
}

// An event read before a pause, and shown after play resumed, is not shown
// again when the player delivers it anew.
func TestPlaybackTakesAnEventOnce(t *testing.T) {
	events := sampleSession()
	m, clock := newPlaybackModel(t, events, 1, false)
	played(t, m)
	clock.nextTimer(t)
	press(m, "p", "p")
	m.Update(playedMsg{{Index: 1, Event: events[1]}}) // was on its way
	wantIndexes(t, played(t, m), 1)                   // the player's own delivery
	if m.store.len() != 2 || m.play.next != 2 {
		t.Fatalf("%d rows, next %d", m.store.len(), m.play.next)
	}
}

func TestPlaybackStepDeliversOneEvent(t *testing.T) {
	m, clock := newPlaybackModel(t, sampleSession(), 1, false)
	played(t, m)
	clock.nextTimer(t)
	for want := 1; want <= 3; want++ {
		press(m, ".")
		pm := played(t, m)
		wantIndexes(t, pm, want)
		if m.store.len() != want+1 {
			t.Fatalf("%d rows after stepping to event %d", m.store.len(), want)
		}
	}
	wantHeader(t, m, "REPLAY ❚❚ 1× 4/11")
	quietFor(t, startRead(m), 100*time.Millisecond)
}

func TestPlaybackSeekBackStartsTheLogOver(t *testing.T) {
	events := sampleSession()
	m, clock := newPlaybackModel(t, events, 1, false)
	played(t, m)
	for want := 1; want <= 4; want++ {
		clock.nextTimer(t).fire()
		wantIndexes(t, played(t, m), want)
	}
	press(m, "f") // stop following, to see the log reset the view too
	press(m, "k", "k")

	clock.nextTimer(t)
	press(m, "[") // a tenth of 11 events is one
	if m.store.len() != 0 || m.sel != 0 || m.top != 0 || m.sess.msgs != [2]int64{} {
		t.Fatalf("seeking back left %d rows, sel %d, top %d, counts %v", m.store.len(), m.sel, m.top, m.sess.msgs)
	}
	wantHeader(t, m, "REPLAY ▶ 1× 4/11")
	if m.sess.subprotocol != "chat.v1" || m.sess.state != stateOpen {
		t.Errorf("the reset forgot the connection: %q, state %d", m.sess.subprotocol, m.sess.state)
	}

	// Something read before the seek comes late: it is not shown.
	m.Update(playedMsg{{Index: 5, Event: events[5]}})
	if m.store.len() != 0 {
		t.Fatal("a delivery from before the seek reached the log")
	}

	wantIndexes(t, played(t, m), 4) // from the seek point, at once
	if got := string(m.store.payload(0)); got != string(events[4].Payload) {
		t.Fatalf("first row after the seek is %q", got)
	}
	if !strings.Contains(plainScreen(m), "101.25") {
		t.Errorf("the replayed row is not on screen:\n%s", plainScreen(m))
	}

	press(m, "0")
	if m.store.len() != 0 || m.play.next != 0 {
		t.Fatalf("restart: %d rows, next %d", m.store.len(), m.play.next)
	}
	wantIndexes(t, played(t, m), 0)
}

func TestPlaybackSkipKeepsTheLog(t *testing.T) {
	m, clock := newPlaybackModel(t, sampleSession(), 1, false)
	played(t, m)
	clock.nextTimer(t)
	press(m, "]")
	if m.store.len() != 1 || m.play.next != 2 {
		t.Fatalf("skip: %d rows, next %d", m.store.len(), m.play.next)
	}
	if !strings.Contains(m.notice.text, "skipped 1 event") {
		t.Errorf("notice %q", m.notice.text)
	}
	wantIndexes(t, played(t, m), 2)
	if m.store.len() != 2 {
		t.Fatalf("%d rows after the skip", m.store.len())
	}
}

func TestPlaybackEndsAndStartsOver(t *testing.T) {
	events := sampleSession()[:3]
	m, clock := newPlaybackModel(t, events, 20, true)
	played(t, m)
	clock.nextTimer(t).fire()
	wantIndexes(t, played(t, m), 1)
	clock.nextTimer(t).fire()
	// The end follows the last event at once, in its read or the next.
	var last playedMsg
	for !m.sess.ended {
		last = played(t, m)
	}
	if !last[len(last)-1].End || m.store.len() != 3 {
		t.Fatalf("last delivery %+v, %d rows", last, m.store.len())
	}
	wantHeader(t, m, "end of recording")
	wantHeader(t, m, "REPLAY ❚❚ 20× no gaps 3/3")

	press(m, "]")
	if m.store.len() != 3 || m.notice.text != "already at the end of the recording" {
		t.Fatalf("skip at the end: %d rows, notice %q", m.store.len(), m.notice.text)
	}
	press(m, "p")
	if m.store.len() != 0 || m.sess.ended {
		t.Fatalf("play at the end kept %d rows, ended %v", m.store.len(), m.sess.ended)
	}
	wantHeader(t, m, "REPLAY ▶ 20× no gaps 0/3")
	wantIndexes(t, played(t, m), 0)
}

// The whole-log replay turns into a playback from the selected row.
func TestReplayPlaysFromTheSelectedRow(t *testing.T) {
	events := sampleSession()
	src := NewReplay(t.Context(), recordingOf(t, events), ReplayOptions{})
	m, _ := newTestModel(t, 80, 24, Options{Source: src})
	p := startPump(t.Context(), src, nil)
	defer p.stop()
	pumpUntil(t, m, p, 5*time.Second, func() bool { return m.sess.ended })
	wantHeader(t, m, " REPLAY ")
	for _, k := range []string{".", "[", "]", "0", "+", "z"} {
		press(m, k)
		if m.play != nil {
			t.Fatalf("%q started a playback", k)
		}
	}

	clock := newFakeClock()
	m.clock = clock
	press(m, "g", "j", "j", "j")
	m.Update(keyMsg("p")) // its command is the first read, done by hand below
	if m.play == nil {
		t.Fatal("p did not start playing")
	}
	if m.store.len() != 0 || m.sess.ended {
		t.Fatalf("the whole log stayed: %d rows, ended %v", m.store.len(), m.sess.ended)
	}
	wantHeader(t, m, "REPLAY ▶ 1× 3/11")

	// A batch the stopped pump had in flight is dropped.
	m.Update(eventBatchMsg{events: events[:2]})
	if m.store.len() != 0 {
		t.Fatal("the stopped pump reached the log")
	}
	wantIndexes(t, played(t, m), 3)
	if got := string(m.store.payload(0)); got != string(events[3].Payload) {
		t.Fatalf("playback began with %q", got)
	}
	if tm := clock.nextTimer(t); tm.d != 766*time.Millisecond {
		t.Fatalf("the next event waits %v", tm.d)
	}
}

func TestReplayKeysInHelpOnlyWhenReplaying(t *testing.T) {
	m, _ := newPlaybackModel(t, sampleSession(), 1, false)
	help := ansi.Strip(strings.Join(m.helpLines(), "\n"))
	for _, column := range m.keys.Replay.FullHelp() {
		for _, b := range column {
			if !strings.Contains(help, b.Help().Desc) {
				t.Errorf("replay help lacks %q", b.Help().Desc)
			}
		}
	}
	if footer := ansi.Strip(m.footerLine()); !strings.Contains(footer, "p play/pause") {
		t.Errorf("footer %q does not say how to pause", footer)
	}

	live, _ := newTestModel(t, 80, 24, Options{})
	if help := ansi.Strip(strings.Join(live.helpLines(), "\n")); strings.Contains(help, "play/pause") {
		t.Error("a live session lists the replay keys")
	}
	for _, k := range []string{"p", ".", "[", "]", "-", "+", "z", "0"} {
		press(live, k)
	}
	if live.play != nil {
		t.Fatal("a live session started a playback")
	}
}

// The header of a paused playback at 2×, as a 16-colour terminal gets it.
// Regenerate with: go test ./tui -run TestGoldenPlayback -update
func TestGoldenPlayback(t *testing.T) {
	m, clock := newPlaybackModel(t, sampleSession(), 1, false)
	played(t, m)
	for range 2 {
		clock.nextTimer(t).fire()
		played(t, m)
	}
	clock.nextTimer(t)
	press(m, "p", "+")
	golden.RequireEqual(t, screen(m))
}
