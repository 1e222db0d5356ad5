package tui

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/conn"
)

const (
	benchRows    = 1_000_000
	benchPayload = 200
)

// benchEvents calls fn with batches of n synthetic 200-byte JSON messages,
// alternating direction, reusing one batch slice so the caller's memory is
// what the model keeps.
func benchEvents(n int, fn func([]conn.Event)) {
	const chunk = 4096
	frames := []conn.Frame{{FIN: true, Opcode: conn.OpText, Length: benchPayload, HeaderLen: 2}}
	batch := make([]conn.Event, 0, chunk)
	for i := 0; i < n; i++ {
		dir := conn.In
		if i%4 == 0 {
			dir = conn.Out
		}
		p := fmt.Appendf(make([]byte, 0, benchPayload), `{"id":%d,"type":"tick","symbol":"ABC","price":101.25,"seq":%d,"pad":"`, i, i)
		for len(p) < benchPayload-2 {
			p = append(p, 'x')
		}
		p = append(p, '"', '}')
		batch = append(batch, conn.Event{
			Type: conn.EventMessage, Time: t0.Add(time.Duration(i) * time.Millisecond),
			Dir: dir, Opcode: conn.OpText, Payload: p, Frames: frames,
		})
		if len(batch) == chunk {
			fn(batch)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		fn(batch)
	}
}

// bigModel is a 120×40 model holding a million rows.
func bigModel(b *testing.B) *model {
	b.Helper()
	m, _ := newTestModel(b, 120, 40, Options{})
	benchEvents(benchRows, func(evs []conn.Event) {
		for _, ev := range evs {
			m.ingest(ev)
		}
	})
	m.sel = m.displayLen() - 1
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	return m
}

// BenchmarkKeyPressMillionRows measures one key press (Update) and the
// redraw (View) with a million rows in the log. Target: under 5 ms.
func BenchmarkKeyPressMillionRows(b *testing.B) {
	m := bigModel(b)
	up, down := keyMsg("k"), keyMsg("j")
	b.ResetTimer()
	i := 0
	for b.Loop() {
		k := up
		if i%2 == 1 {
			k = down
		}
		i++
		m.Update(k)
		_ = m.View()
	}
}

// BenchmarkBatchMillionRows measures taking in a batch of 256 events and
// redrawing, with a million rows already in the log. Target: under 5 ms.
func BenchmarkBatchMillionRows(b *testing.B) {
	m := bigModel(b)
	var batches [][]conn.Event
	benchEvents(256*64, func(evs []conn.Event) {
		for k := 0; k+256 <= len(evs); k += 256 {
			batches = append(batches, slices.Clone(evs[k:k+256]))
		}
	})
	b.ResetTimer()
	i := 0
	for b.Loop() {
		m.Update(eventBatchMsg{events: batches[i%len(batches)]})
		_ = m.View()
		i++
	}
}

// BenchmarkFilterKeyMillionRows measures typing one character into the
// filter bar with a million rows: the first slice of the rescan runs in the
// update, the rest in later ones.
func BenchmarkFilterKeyMillionRows(b *testing.B) {
	m := bigModel(b)
	press(m, "/")
	b.ResetTimer()
	i := 0
	for b.Loop() {
		k := keyMsg("a")
		if i%2 == 1 {
			k = keyMsg("backspace")
		}
		i++
		m.Update(k)
		_ = m.View()
	}
}

// BenchmarkMemoryMillionRows reports the heap a million 200-byte frames
// take in the log, and the process's peak resident memory while they were
// taken in, in batches as from a live connection (run it alone, with
// -benchtime 1x, for the peak to be the model's). Targets: under 300 MB of
// heap, and a peak well under twice that.
func BenchmarkMemoryMillionRows(b *testing.B) {
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m := newModel(Options{Source: newScriptedSource(), Theme: "dark"})
		cpu := cpuTime()
		benchEvents(benchRows, func(evs []conn.Event) {
			m.Update(eventBatchMsg{events: evs})
		})
		b.ReportMetric((cpuTime() - cpu).Seconds(), "cpu-s")
		peak := peakRSS()
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap := float64(after.HeapAlloc) - float64(before.HeapAlloc)
		b.ReportMetric(heap/benchRows, "bytes/frame")
		b.ReportMetric(heap/(1<<20), "heap-MiB")
		if peak > 0 {
			b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
		}
		runtime.KeepAlive(m)
	}
}

// peakRSS is the process's peak resident memory in bytes, as Linux counts
// it (VmHWM); 0 elsewhere.
func peakRSS() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// BenchmarkFloodKeyLatency feeds one second of a 50,000 msg/s flood, in the
// batches the pump would deliver every 20 ms, with a key press between
// batches (as the program's event loop interleaves them). It reports how
// long a key press waits behind a batch, and how long the key press itself
// takes: the 99th percentile and the worst.
func BenchmarkFloodKeyLatency(b *testing.B) {
	const perSecond, tick = 50_000, 20 * time.Millisecond
	perBatch := int(perSecond * tick / time.Second)
	var batches [][]conn.Event
	benchEvents(perSecond, func(evs []conn.Event) {
		for k := 0; k+perBatch <= len(evs); k += perBatch {
			batches = append(batches, slices.Clone(evs[k:k+perBatch]))
		}
	})
	keys := []tea.KeyPressMsg{keyMsg("k"), keyMsg("j"), keyMsg("k"), keyMsg("G")}
	var batchTimes, keyTimes []time.Duration
	for b.Loop() {
		m, _ := newTestModel(b, 120, 40, Options{})
		for i, batch := range batches {
			start := time.Now()
			m.Update(eventBatchMsg{events: batch})
			_ = m.View()
			batchTimes = append(batchTimes, time.Since(start))

			start = time.Now()
			m.Update(keys[i%len(keys)])
			_ = m.View()
			keyTimes = append(keyTimes, time.Since(start))
		}
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(percentile(batchTimes, 0.99)), "p99-batch-ms")
	b.ReportMetric(ms(percentile(keyTimes, 0.99)), "p99-key-ms")
	b.ReportMetric(ms(percentile(keyTimes, 1)), "max-key-ms")
}

func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// The pump hands over at most maxBatch events per update, however many are
// waiting, so one update's cost is bounded during a flood.
func TestFloodIsSplitIntoBoundedBatches(t *testing.T) {
	src := newScriptedSource()
	var seen int
	p := startPump(t.Context(), src, func(conn.Event) { seen++ })
	defer p.stop()
	const total = 3*maxBatch + 17
	go func() {
		for i := range total {
			src.events <- textIn(time.Duration(i), "x")
		}
		close(src.events)
	}()
	m, _ := newTestModel(t, 80, 24, Options{})
	got, batches := 0, 0
	for got < total {
		msg := p.next()()
		b := msg.(eventBatchMsg)
		if len(b.events) > maxBatch {
			t.Fatalf("batch of %d events", len(b.events))
		}
		got += len(b.events)
		batches++
		m.Update(b)
		m.Update(keyMsg("k"))
	}
	if got != total || m.store.len() != total {
		t.Fatalf("received %d events, log has %d, want %d", got, m.store.len(), total)
	}
	if seen != total {
		t.Errorf("OnEvent saw %d events, want %d", seen, total)
	}
	if last := p.next()().(eventBatchMsg); !last.done || len(last.events) != 0 {
		t.Errorf("after the source closed: %+v", last)
	}
}

// wrapModel is a 120×40 model whose only row is a single-line text payload
// of n bytes, selected, with wrapping on.
func wrapModel(b *testing.B, n int) *model {
	b.Helper()
	m, _ := newTestModel(b, 120, 40, Options{})
	p := make([]byte, n)
	for i := range p {
		p[i] = 'a' + byte(i%26)
	}
	feed(m, textIn(0, string(p)))
	press(m, "w")
	return m
}

// BenchmarkWrappedKeyPress measures a key press and the redraw with wrap on
// and a 1 MiB single-line payload selected, with the inspector focused (j
// and k scroll it) and with the log focused (J and K scroll the
// inspector). Target: under 50 ms whatever the payload.
func BenchmarkWrappedKeyPress(b *testing.B) {
	for _, focus := range []struct {
		name     string
		pane     focus
		keys     []string
		down, up string
	}{
		{"inspector", focusInspector, []string{"tab", "tab"}, "j", "k"},
		{"log", focusLog, nil, "J", "K"},
	} {
		b.Run(focus.name, func(b *testing.B) {
			m := wrapModel(b, 1<<20)
			press(m, focus.keys...)
			if m.focus != focus.pane {
				b.Fatalf("focus %d, want %d", m.focus, focus.pane)
			}
			down, up := keyMsg(focus.down), keyMsg(focus.up)
			i := 0
			for b.Loop() {
				k := down
				if i%2 == 1 {
					k = up
				}
				i++
				m.Update(k)
				_ = m.View()
			}
		})
	}
}

// pacedFirehose serves perSecond 100-byte text messages a second for
// seconds, in a burst every millisecond, then a normal closure; it returns
// its ws:// URL.
func pacedFirehose(tb testing.TB, perSecond int, seconds float64) string {
	tb.Helper()
	msg := []byte(`{"type":"tick","seq":12345,"symbol":"BTC-USD","price":"64123.55","ts":"2026-11-22T02:10:00Z"}`)
	msg = append(msg, strings.Repeat(" ", 100-len(msg))...)
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		pm, _ := websocket.NewPreparedMessage(websocket.TextMessage, msg)
		total := int(float64(perSecond) * seconds)
		start := time.Now()
		for sent := 0; sent < total; {
			due := min(total, int(time.Since(start).Seconds()*float64(perSecond)))
			for ; sent < due; sent++ {
				if ws.WritePreparedMessage(pm) != nil {
					return
				}
			}
			time.Sleep(time.Millisecond)
		}
		ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, ""))
		ws.ReadMessage()
	}))
	tb.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// keyAt is a key press and when it was made.
type keyAt struct {
	key tea.KeyPressMsg
	at  time.Time
}

// BenchmarkLiveFirehose runs the model as the program does, fed by a real
// connection to a server sending 200,000 100-byte messages a second for
// five seconds: commands run on goroutines of their own, their messages
// and a key press every 10 ms go through one queue to Update, each update
// followed by View. It reports the rate the rows were taken in at, how
// long after the server's last message the last row was in, how long key
// presses waited to be answered (the 99th percentile and the worst), the
// CPU time the process used and its peak resident memory, the server's
// included.
// Targets: 200k rows/s, a lag under 100 ms and keys answered within 50 ms.
func BenchmarkLiveFirehose(b *testing.B) {
	const perSecond, seconds = 200_000, 5.0
	total := int(perSecond * seconds)
	for b.Loop() {
		url := pacedFirehose(b, perSecond, seconds)
		cpuBefore := cpuTime()
		client := conn.Dial(b.Context(), conn.Options{URL: url})
		m, _ := newTestModel(b, 120, 40, Options{Source: client})
		m.startSource(b.Context())

		msgs := make(chan tea.Msg, 256)
		var run func(tea.Cmd)
		run = func(cmd tea.Cmd) {
			if cmd == nil {
				return
			}
			go func() {
				switch msg := cmd().(type) {
				case nil:
				case tea.BatchMsg:
					for _, c := range msg {
						run(c)
					}
				default:
					msgs <- msg
				}
			}()
		}
		stopKeys := make(chan struct{})
		go func() {
			keys := []tea.KeyPressMsg{keyMsg("k"), keyMsg("j")}
			for i := 0; ; i++ {
				select {
				case <-stopKeys:
					return
				case <-time.After(10 * time.Millisecond):
					msgs <- keyAt{keys[i%2], time.Now()}
				}
			}
		}()
		run(m.Init())

		var keyTimes []time.Duration
		var first, last time.Time
		for m.sess.state != stateClosed {
			switch msg := (<-msgs).(type) {
			case keyAt:
				m.Update(msg.key)
				_ = m.View()
				keyTimes = append(keyTimes, time.Since(msg.at))
			default:
				if _, ok := msg.(eventBatchMsg); ok && first.IsZero() {
					first = time.Now()
				}
				_, cmd := m.Update(msg)
				_ = m.View()
				run(cmd)
				if m.store.len() > 0 {
					last = time.Now()
				}
			}
		}
		close(stopKeys)
		m.stopSource()
		client.Shutdown()
		if got := m.store.len(); got < total {
			b.Fatalf("%d rows, want at least %d", got, total)
		}
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		elapsed := last.Sub(first)
		b.ReportMetric((cpuTime() - cpuBefore).Seconds(), "cpu-s")
		if peak := peakRSS(); peak > 0 {
			b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
		}
		b.ReportMetric(float64(total)/elapsed.Seconds(), "rows/s")
		b.ReportMetric(ms(elapsed-time.Duration(seconds*float64(time.Second))), "lag-ms")
		b.ReportMetric(ms(percentile(keyTimes, 0.99)), "p99-key-ms")
		b.ReportMetric(ms(percentile(keyTimes, 1)), "max-key-ms")
	}
}

// cpuTime is the CPU time this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// When the screen falls behind a firehose, the pump holds at most
// maxBacklog events (and one batch of the client's) and stops taking from
// the connection, whose own bounded queue holds the server back; once the
// screen takes the backlog in, every message arrives, in order, and every
// one was handed to the recorder as it was taken.
func TestABacklogIsBoundedAndLosesNothing(t *testing.T) {
	const total = 3 * maxBacklog
	url := pacedFirehose(t, 2_000_000, float64(total)/2_000_000)
	client := conn.Dial(t.Context(), conn.Options{URL: url})
	defer client.Shutdown()
	var recorded atomic.Int64
	p := startPump(t.Context(), client, func(conn.Event) { recorded.Add(1) })
	defer p.stop()

	// Nothing is taken in for a while: the pump fills up and stops.
	deadline := time.Now().Add(5 * time.Second)
	for recorded.Load() < maxBacklog && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	p.mu.Lock()
	pending := p.pending
	p.mu.Unlock()
	// The last batch taken from the client may go past the bound by what
	// the client's queue holds.
	if most := maxBacklog + 4*maxBatch; pending < maxBacklog || pending > most {
		t.Fatalf("the pump holds %d events, want %d to %d", pending, maxBacklog, most)
	}
	if n := recorded.Load(); n != int64(pending) {
		t.Fatalf("%d events recorded, %d held", n, pending)
	}

	var messages, lastSeq int
	for done := false; !done; {
		b := p.next()().(eventBatchMsg)
		for _, ev := range b.events {
			if ev.Seq <= lastSeq {
				t.Fatalf("event %d after %d", ev.Seq, lastSeq)
			}
			lastSeq = ev.Seq
			if ev.Type == conn.EventMessage && ev.Dir == conn.In && ev.Opcode == conn.OpText {
				messages++
			}
		}
		done = b.done
		if !done && time.Now().After(deadline.Add(10*time.Second)) {
			t.Fatalf("%d of %d messages after 15 s", messages, total)
		}
	}
	if messages != total {
		t.Errorf("%d messages arrived, the server sent %d", messages, total)
	}
	if n := recorded.Load(); n != int64(lastSeq) {
		t.Errorf("%d events recorded, the last was number %d", n, lastSeq)
	}
}

// A steady firehose is taken in a frame at a time: one update, and so one
// redraw, per frame, not one per batch the connection happened to hand
// over.
func TestAFirehoseIsTakenInOnceAFrame(t *testing.T) {
	const perSecond, seconds = 200_000, 1.0
	url := pacedFirehose(t, perSecond, seconds)
	client := conn.Dial(t.Context(), conn.Options{URL: url})
	defer client.Shutdown()
	m, _ := newTestModel(t, 120, 40, Options{Source: client})
	m.startSource(t.Context())
	defer m.stopSource()
	updates := 0
	start := time.Now()
	for !m.sess.ended {
		msg := m.pump.next()()
		if _, ok := msg.(eventBatchMsg); !ok {
			t.Fatalf("%T from the pump", msg)
		}
		m.Update(msg)
		_ = m.View()
		updates++
		if time.Since(start) > 20*time.Second {
			t.Fatalf("%d rows after 20 s", m.store.len())
		}
	}
	if got := m.store.len(); got < perSecond*seconds {
		t.Fatalf("%d rows, want at least %d", got, int(perSecond*seconds))
	}
	elapsed := time.Since(start)
	if frames := int(elapsed/frameInterval) + 1; updates > 2*frames {
		t.Errorf("%d updates in %s, for %d frames", updates, elapsed.Round(time.Millisecond), frames)
	}
}
