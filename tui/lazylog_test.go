package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

// writeTicks writes a recording of an open, n ticks (every thousandth a
// request, answered 200 events later) and a close, and returns the events
// written.
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
		case i%1000 == 700:
			events = append(events, textIn(at, fmt.Sprintf(`{"id":%d,"ok":true}`, i-200)))
		default:
			events = append(events, textIn(at, fmt.Sprintf(`{"type":"tick","seq":%d,"price":"%d.5"}`, i, 97000+i%1000)))
		}
	}
	events = append(events, closeIn(time.Duration(n+1)*time.Millisecond, 1000, "bye"))
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
	deadline := time.Now().Add(time.Minute)
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
	if n := len(m.store.lazy.pages); n*lazyPageSize > 512 {
		t.Errorf("%d pages of events were decoded to show the first and last screens", n)
	}

	// The inspector shows the selected event as the recording has it.
	sel := m.rowAt(m.sel)
	if got, want := m.store.event(sel).Payload, events[sel].Payload; string(got) != string(want) {
		t.Errorf("row %d holds %q, the recording %q", sel, got, want)
	}

	// A request and its reply are linked, though they are pages apart.
	req, reply := 1+20_500, 1+20_700
	if r := m.store.row(reply); !r.has(flagReply) || int(r.link) != req {
		t.Errorf("reply row %d: flags %b, link %d; want a reply to row %d", reply, r.flags, r.link, req)
	}
	if r := m.store.row(req); !r.has(flagRequest) || int(r.link) != reply {
		t.Errorf("request row %d: flags %b, link %d; want a request answered by row %d", req, r.flags, r.link, reply)
	}
	if r := m.store.row(reply - 1); r.has(flagReply|flagRequest) || r.link >= 0 {
		t.Errorf("tick row %d: flags %b, link %d; want no link", reply-1, r.flags, r.link)
	}
}

func TestFilteringABrowsedRecording(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ticks.jsonl")
	writeTicks(t, path, 20_000)
	m := browseModel(t, path)
	browseUntilEnded(t, m)

	press(m, "/")
	pasteText(m, "97234.5")
	press(m, "enter")
	if got := m.displayLen(); got != 20 {
		t.Fatalf("the filter shows %d rows, want 20:\n%s", got, plainScreen(m))
	}
	if out := plainScreen(m); !strings.Contains(out, "20 of 20002") {
		t.Errorf("the log does not count the matches:\n%s", out)
	}
	if m.rowAt(0) != 1+234 || !strings.Contains(plainScreen(m), `"seq":234,`) {
		t.Errorf("the first match is row %d:\n%s", m.rowAt(0), plainScreen(m))
	}
	press(m, "esc", "/")
	pasteText(m, "STATUS") // a capital makes it case-sensitive
	if got := m.displayLen(); got != 0 {
		t.Errorf("STATUS matched %d rows, want none", got)
	}
	press(m, "ctrl+u")
	pasteText(m, "status")
	if got := m.displayLen(); got != 20 {
		t.Errorf("status matched %d rows, want the 20 requests", got)
	}
	press(m, "enter", "G")
	if m.rowAt(m.sel) != 1+19_500 {
		t.Errorf("G selected row %d, want the last request, row %d", m.rowAt(m.sel), 1+19_500)
	}
	press(m, "esc")
	if got := m.displayLen(); got != 20_002 {
		t.Errorf("after the filter is cleared %d rows are shown", got)
	}
}

// n and N find the next and previous match over the whole browsed
// recording.
func TestFindingInABrowsedRecording(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ticks.jsonl")
	writeTicks(t, path, 20_000)
	m := browseModel(t, path)
	browseUntilEnded(t, m)
	press(m, "/")
	pasteText(m, "status")
	press(m, "ctrl+t", "enter")
	if m.displayLen() != 20_002 {
		t.Fatalf("find mode hid rows: %d shown", m.displayLen())
	}
	press(m, "g", "n")
	if m.sel != 1+500 {
		t.Fatalf("n went to %d, want %d", m.sel, 1+500)
	}
	press(m, "n")
	if m.sel != 1+1500 {
		t.Fatalf("second n went to %d, want %d", m.sel, 1+1500)
	}
	press(m, "G", "N")
	if m.sel != 1+19_500 {
		t.Fatalf("N from the end went to %d, want %d", m.sel, 1+19_500)
	}
	press(m, "N")
	if m.sel != 1+18_500 {
		t.Fatalf("second N went to %d, want %d", m.sel, 1+18_500)
	}
	press(m, "g", "N")
	if m.sel != 0 || !strings.Contains(m.notice.text, "no more matches above") {
		t.Errorf("N above the first match: sel %d, notice %q", m.sel, m.notice.text)
	}
	press(m, "G", "n")
	if m.sel != 20_001 && m.sel != 20_000 || !strings.Contains(m.notice.text, "no more matches below") {
		t.Errorf("n below the last match: sel %d, notice %q", m.sel, m.notice.text)
	}
}

// A bug report and repro commands copied from a browsed recording name its
// handshake and its last messages sent without decoding all of it.
func TestCopyingFromABrowsedRecording(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ticks.jsonl")
	writeTicks(t, path, 50_000)
	m := browseModel(t, path)
	browseUntilEnded(t, m)
	copier := &recordingCopier{}
	m.opts.Copier = copier
	m.store.lazy.pages, m.store.lazy.order = map[int]*store{}, nil

	press(m, "G", "Y")
	for _, want := range []string{"ws://127.0.0.1:8080/ws", "chat.v1", `"seq":49999`} {
		if !strings.Contains(copier.text, want) {
			t.Errorf("the bug report lacks %q:\n%s", want, copier.text)
		}
	}
	press(m, "c")
	for _, want := range []string{`{"id":30500,"op":"status"}`, `{"id":49500,"op":"status"}`} {
		if !strings.Contains(copier.text, want) {
			t.Errorf("the repro lacks %q:\n%s", want, copier.text)
		}
	}
	if strings.Contains(copier.text, `{"id":29500,"op":"status"}`) {
		t.Errorf("the repro has more than the last %d messages sent:\n%s", reproSent, copier.text)
	}
	if n := len(m.store.lazy.pages); n > reproSent+4 {
		t.Errorf("%d pages of events were decoded to copy", n)
	}
}

// A message's line is read for its seq and the request it answers without
// decoding it.
func TestDataLineCarriesTheLink(t *testing.T) {
	reply := textIn(0, `{"id":7,"note":"a \",\"reply_to\":9 in the text"}`)
	reply.Seq = 12
	reply.Note = &conn.Note{Reply: &conn.Reply{To: 3, Latency: 1500 * time.Microsecond}}
	plain := textIn(0, `{"reply_to":5}`)
	plain.Seq = 13
	for _, c := range []struct {
		ev           conn.Event
		seq, replyTo int
	}{{reply, 12, 3}, {plain, 13, 0}} {
		line := history.FromEvent(c.ev).AppendJSON(nil)
		data, ok := dataMessageOf(line)
		replyTo, replyOK := replyToOf(data)
		if !ok || !replyOK || data.seq != c.seq || replyTo != c.replyTo {
			t.Errorf("%s: read seq %d, reply to %d (ok %v %v); want %d, %d", line, data.seq, replyTo, ok, replyOK, c.seq, c.replyTo)
		}
	}
}

// pasteText pastes s, into the filter bar when it is open.
func pasteText(m *model, s string) {
	_, cmd := m.Update(tea.PasteMsg{Content: s})
	runFilterSteps(m, cmd)
}

// A browsed recording turns into a playback in time from the selected row,
// with a log of its own.
func TestBrowsedRecordingPlaysFromTheSelectedRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ticks.jsonl")
	events := writeTicks(t, path, 1000)
	m := browseModel(t, path)
	browseUntilEnded(t, m)
	m.clock = newFakeClock()
	press(m, "g", "j", "j", "j")
	m.Update(keyMsg("p")) // its command is the first read, done by hand below
	if m.play == nil || m.browse != nil || m.store.lazy != nil {
		t.Fatalf("p did not turn the browsed log into a playback: play %v, browse %v", m.play != nil, m.browse != nil)
	}
	if _, cmd := m.Update(browseTickMsg{}); cmd != nil || m.store.len() != 0 {
		t.Fatalf("a late look at the index reached the playback's log: %d rows", m.store.len())
	}
	wantHeader(t, m, "REPLAY ▶ 1× 3/"+groupThousands(len(events)))
	wantIndexes(t, played(t, m), 3)
}

// A filter over a browsed recording, which reads raw lines first, shows the
// same rows as over the same events taken in one by one.
func TestBrowsedFilterAgreesWithTheLiveLog(t *testing.T) {
	events := append(sampleSession()[:10:10],
		textIn(8*time.Second, "tab\there, a \"quoted\" word and a/slash"),
		textIn(9*time.Second, "Kelvin \u212a and \u2028 separator"),
		textIn(10*time.Second, ""),
		msgEvent(11*time.Second, conn.In, conn.OpBinary, "binary status"),
		textOut(12*time.Second, `{"id":8,"op":"status"}`),
		textIn(12*time.Second, "\u212aelvin \u017fen\u017fe, caf\u00e9 <b>&amp;</b> back\\slash"),
		closeIn(13*time.Second, 4001, "token expired"))
	path := filepath.Join(t.TempDir(), "mixed.jsonl")
	w, err := history.Create(path, history.Header{URL: "ws://127.0.0.1:8080/ws", Start: t0}, history.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	live, _ := newTestModel(t, 100, 30, Options{})
	feed(live, events...) // annotates them as the recording has them
	for _, ev := range events {
		if err := w.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	browsed := browseModel(t, path)
	browseUntilEnded(t, browsed)

	for i := range len(events) {
		b, l := browsed.store.row(i), live.store.row(i)
		if b.link != l.link || b.flags != l.flags {
			t.Errorf("row %d: browsed link %d flags %b, live link %d flags %b", i, b.link, b.flags, l.link, l.flags)
		}
	}
	shown := func(m *model) []int {
		var rows []int
		for pos := range m.displayLen() {
			rows = append(rows, m.rowAt(pos))
		}
		return rows
	}
	for _, q := range []string{"status", "Status", "tick", "token", "expired", "4001", "here", "quoted", "a/slash",
		"k", "separator", "message", "in", "binary", "welcome", "re:stat.s", "zzz", `"quoted"`, `"op":"status"`,
		`re:^tab\t`, `re:"id":\d`, `re:kelvin`, `re:\x{2028}`, `re:"op":"stat(us|e)"`, `re:(?i)KELVIN`,
		"re:sense", "re:SENSE", `re:"id":\d+,"op"`, `re:st(a)+tus"}`, "re:quoted|slash", `re:back\\slash`,
		`back\slash`, "café", "re:(?i)CAFÉ", "<b>&amp;", `a "quoted" word`, `"Quoted"`, `"quoted" WORD`} {
		for _, m := range []*model{live, browsed} {
			press(m, "/", "ctrl+u")
			typeText(m, q)
			press(m, "enter")
		}
		if got, want := fmt.Sprint(shown(browsed)), fmt.Sprint(shown(live)); got != want {
			t.Errorf("filter %q: the browsed recording shows rows %s, the live log %s", q, got, want)
		}
	}
	for _, q := range []string{"status", "k", "re:stat.s"} {
		var finds [2][]int
		for k, m := range []*model{live, browsed} {
			press(m, "esc", "/")
			typeText(m, q)
			press(m, "ctrl+t", "enter", "g")
			for range 5 {
				press(m, "n")
				finds[k] = append(finds[k], m.sel)
			}
			for range 5 {
				press(m, "N")
				finds[k] = append(finds[k], m.sel)
			}
		}
		if got, want := fmt.Sprint(finds[1]), fmt.Sprint(finds[0]); got != want {
			t.Errorf("finding %q: n and N in the browsed recording went to %s, in the live log %s", q, got, want)
		}
	}
	press(live, "esc")
	press(browsed, "esc")
	for _, keys := range [][]string{{"esc", "d"}, {"d"}, {"esc", "e"}, {"esc", "t"}, {"t"}} {
		for _, m := range []*model{live, browsed} {
			press(m, keys...)
		}
		if got, want := fmt.Sprint(shown(browsed)), fmt.Sprint(shown(live)); got != want {
			t.Errorf("after %v: the browsed recording shows rows %s, the live log %s", keys, got, want)
		}
	}
}

// BenchmarkBrowseRecording times, on the recording named by
// $WSDBG_RECORDING (go run ./internal/cmd/recbench -file FILE writes one),
// what browsing it costs: opening it to its first screen, G to its last
// event, a filter over all of it that matches nothing, one that matches a
// row in a thousand, the same as a regular expression and with quotes
// (ruled out from the raw lines by the text every match holds), and n
// finding nothing from the first row. "eager" takes every event in as
// replays did before, until G reaches the last one.
//
//	WSDBG_RECORDING=/tmp/big.jsonl go test ./tui -run '^$' -bench BrowseRecording -benchtime 1x
func BenchmarkBrowseRecording(b *testing.B) {
	path := os.Getenv("WSDBG_RECORDING")
	if path == "" {
		b.Skip("set WSDBG_RECORDING to a recording to browse")
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	// On a shared machine the time the process ran says more than the
	// time that passed.
	cpu := func() time.Duration {
		var u syscall.Rusage
		if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
			b.Fatal(err)
		}
		return time.Duration(u.Utime.Nano() + u.Stime.Nano())
	}
	b.Run("lazy", func(b *testing.B) {
		for range b.N {
			start := time.Now()
			m := browseModel(b, path)
			_, cmd := m.Update(browseTickMsg{})
			runFilterSteps(m, cmd)
			if m.store.len() == 0 || !strings.Contains(plainScreen(m), "REPLAY") {
				b.Fatalf("no first screen:\n%s", plainScreen(m))
			}
			b.ReportMetric(ms(time.Since(start)), "open-ms")
			start = time.Now()

			browseUntilEnded(b, m) // G and the filters are timed alone
			b.ReportMetric(ms(time.Since(start)), "summary-ms")
			start = time.Now()
			press(m, "G")
			plainScreen(m)
			if m.rowAt(m.sel) < m.store.len()-2 {
				b.Fatalf("G selected row %d of %d", m.rowAt(m.sel), m.store.len())
			}
			b.ReportMetric(ms(time.Since(start)), "G-ms")
			b.ReportMetric(float64(m.store.len()), "rows")

			for _, q := range []struct{ text, metric string }{
				{"ETH-USD", "filter-none"}, {"97999.99", "filter-1in1000"},
				{`re:97999\.99"`, "filter-regex"}, {`"97999.99"`, "filter-quoted"},
			} {
				start, ran := time.Now(), cpu()
				press(m, "/", "ctrl+u")
				pasteText(m, q.text)
				plainScreen(m)
				b.ReportMetric(ms(time.Since(start)), q.metric+"-ms")
				b.ReportMetric(ms(cpu()-ran), q.metric+"-cpu-ms")
				press(m, "enter")
			}
			b.ReportMetric(float64(m.displayLen()), "matches")

			press(m, "/", "ctrl+u")
			pasteText(m, "ETH-USD")
			press(m, "ctrl+t", "enter", "g")
			start, ran := time.Now(), cpu()
			press(m, "n")
			if m.sel != 0 {
				b.Fatalf("n found row %d", m.sel)
			}
			b.ReportMetric(ms(time.Since(start)), "find-none-ms")
			b.ReportMetric(ms(cpu()-ran), "find-none-cpu-ms")
		}
	})
	b.Run("eager", func(b *testing.B) {
		for range b.N {
			rec, err := history.Open(path)
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			src := NewReplay(b.Context(), rec, ReplayOptions{})
			m, _ := newTestModel(b, 100, 30, Options{Source: src})
			p := startPump(b.Context(), src, nil)
			for !m.sess.ended {
				if batch := p.take(); len(batch.events) > 0 || batch.done {
					m.Update(batch)
				} else {
					time.Sleep(time.Millisecond)
				}
			}
			press(m, "G")
			p.stop()
			b.ReportMetric(ms(time.Since(start)), "all-rows-ms")
			rec.Close()
		}
	})
}
