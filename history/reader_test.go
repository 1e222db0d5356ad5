package history

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
)

// record writes events through a Writer and returns the file.
func record(t testing.TB, events []conn.Event) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r"+FileSuffix)
	r, err := Create(path, Header{ToolVersion: "test", URL: "wss://api.example.com/ws?room=1", Start: t0},
		WriterOptions{Redactor: Redactor{Disabled: true}})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		if err := r.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRecordThenLoadEveryKind(t *testing.T) {
	events := sampleEvents()
	rec := openT(t, record(t, events))
	rec.Wait()
	if p := rec.Problems(); len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
	if rec.Len() != len(events) {
		t.Fatalf("Len = %d, want %d", rec.Len(), len(events))
	}
	if h := rec.Header(); h.Version != 1 || h.ToolVersion != "test" || !h.Start.Equal(t0) {
		t.Errorf("header = %+v", h)
	}
	for i, want := range events {
		got, err := rec.Event(i)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		assertSameEvent(t, i, want, got)
		if line := rec.line(i); line != i+2 {
			t.Errorf("event %d is on line %d, want %d", i, line, i+2)
		}
	}
	if _, err := rec.Event(len(events)); err == nil {
		t.Error("Event past the end succeeded")
	}
}

// recordingLines is a small recording as text, one element per line.
func recordingLines(t *testing.T) []string {
	data, err := os.ReadFile(record(t, sampleEvents()[:4]))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}

func TestOpenTruncatedLastLine(t *testing.T) {
	lines := recordingLines(t)
	last := lines[len(lines)-1]
	data := strings.Join(lines[:len(lines)-1], "\n") + "\n" + last[:len(last)/2]
	rec := openT(t, writeFile(t, "cut"+FileSuffix, []byte(data)))
	rec.Wait()
	if rec.Len() != len(lines)-2 {
		t.Errorf("Len = %d, want %d (all but the cut line)", rec.Len(), len(lines)-2)
	}
	p := rec.Problems()
	if len(p) != 1 || p[0].line != len(lines) || !strings.Contains(p[0].msg, "cut off") {
		t.Errorf("problems = %v", p)
	}
	for i := range rec.Len() {
		if _, err := rec.Event(i); err != nil {
			t.Errorf("event %d: %v", i, err)
		}
	}
}

func TestOpenCorruptedMiddleLines(t *testing.T) {
	lines := recordingLines(t)
	lines[2] = "\x00\x00\x00\x00garbage from a bad disk block"   // not an object at all
	lines[3] = lines[3][:20] + "}"                               // an object cut short
	data := strings.Join(lines, "\n") + "\n\n" + lines[4] + "\n" // a blank line, and line 4 again
	rec := openT(t, writeFile(t, "bad"+FileSuffix, []byte(data)))
	rec.Wait()
	if rec.Len() != 4 {
		t.Fatalf("Len = %d, want 4", rec.Len())
	}
	if _, err := rec.Event(0); err != nil {
		t.Errorf("event 0: %v", err)
	}
	_, err := rec.Event(1)
	var problem Problem
	if !errors.As(err, &problem) || problem.line != 4 {
		t.Errorf("event 1 (line 4): err = %v", err)
	}
	for _, i := range []int{2, 3} {
		if ev, err := rec.Event(i); err != nil || ev.Opcode != conn.OpBinary {
			t.Errorf("event %d: %v, %v", i, ev.Opcode, err)
		}
	}
	if line := rec.line(3); line != 7 {
		t.Errorf("the repeated line is line %d, want 7", line)
	}
	p := rec.Problems()
	if len(p) != 2 || p[0].line != 3 || p[1].line != 4 {
		t.Errorf("problems = %v, want lines 3 and 4", p)
	}
	rec.Event(1) // asking again does not list it again
	if len(rec.Problems()) != 2 {
		t.Errorf("problem listed twice: %v", rec.Problems())
	}
}

func TestOpenProblemsAreInPlainWords(t *testing.T) {
	data := `{"wsdbg_recording":1,"url":"wss://h.example.com/","start":5}` + "\n" +
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":"five","text":"hi"}` + "\n"
	rec := openT(t, writeFile(t, "types"+FileSuffix, []byte(data)))
	rec.Wait()
	rec.Event(0)
	p := rec.Problems()
	want := []string{`a time is not written as RFC 3339`, `"len" should be a whole number, not a string`}
	if len(p) != 2 {
		t.Fatalf("problems = %v", p)
	}
	for i, w := range want {
		if !strings.Contains(p[i].msg, w) || strings.Contains(p[i].msg, "Go ") || strings.Contains(p[i].msg, "json:") {
			t.Errorf("problem %d = %q, want it to say %q", i, p[i].msg, w)
		}
	}
}

func TestOpenUnknownKeyIsNotedOnce(t *testing.T) {
	lines := recordingLines(t)
	for i := 1; i < len(lines); i++ {
		lines[i] = strings.Replace(lines[i], `{"type":`, `{"future":{"x":1},"type":`, 1)
	}
	rec := openT(t, writeFile(t, "new"+FileSuffix, []byte(strings.Join(lines, "\n")+"\n")))
	rec.Wait()
	for i := range rec.Len() {
		if _, err := rec.Event(i); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	p := rec.Problems()
	if len(p) != 1 || p[0].line != 2 || !strings.Contains(p[0].msg, `"future"`) {
		t.Errorf("problems = %v", p)
	}
}

func TestOpenNewerFormatAndUnknownType(t *testing.T) {
	lines := recordingLines(t)
	lines[0] = strings.Replace(lines[0], `"wsdbg_recording":1`, `"wsdbg_recording":7`, 1)
	lines = append(lines, `{"type":"hologram","time":"2026-11-22T02:10:01Z"}`)
	rec := openT(t, writeFile(t, "v7"+FileSuffix, []byte(strings.Join(lines, "\n")+"\n")))
	rec.Wait()
	if _, err := rec.Event(rec.Len() - 1); err == nil || !strings.Contains(err.Error(), "hologram") {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := rec.Event(0); err != nil {
		t.Errorf("event 0: %v", err)
	}
	p := rec.Problems()
	if len(p) != 2 || p[0].line != 1 || !strings.Contains(p[0].msg, "newer") || p[1].line != len(lines) {
		t.Errorf("problems = %v", p)
	}
}

func TestOpenNotARecording(t *testing.T) {
	cases := map[string][]byte{
		"empty":  nil,
		"text":   []byte("# notes\nnothing to see\nhere\n"),
		"binary": bytes.Repeat([]byte{0x89, 'P', 'N', 'G', 0, 1, 2, '\n', 0xff}, 1000),
		"json":   []byte("{\"name\": \"package.json\",\n\"version\": \"1.0.0\"}\n"),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			rec := openT(t, writeFile(t, name, data))
			rec.Wait()
			if rec.Len() != 0 {
				t.Errorf("Len = %d", rec.Len())
			}
			p := rec.Problems()
			if len(p) != 1 || !strings.Contains(p[0].msg, "not a wsdbg recording") {
				t.Errorf("problems = %v", p)
			}
		})
	}
}

func TestOpenHeaderlessRecords(t *testing.T) {
	var buf bytes.Buffer
	for _, ev := range sampleEvents()[1:4] {
		buf.Write(annotated(nil, ev).AppendJSON(nil))
		buf.WriteByte('\n')
	}
	rec := openT(t, writeFile(t, "tail.jsonl", buf.Bytes()))
	rec.Wait()
	if rec.Len() != 3 || len(rec.Problems()) != 0 {
		t.Fatalf("Len = %d, problems = %v", rec.Len(), rec.Problems())
	}
	if ev, err := rec.Event(2); err != nil || ev.Opcode != conn.OpBinary || rec.line(2) != 3 {
		t.Errorf("event 2: %+v, %v, line %d", ev, err, rec.line(2))
	}
}

// bigRecording writes n small message events in the writer's format.
func bigRecording(t testing.TB, n int) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), fmt.Sprintf("big-%d%s", n, FileSuffix))
	r, err := Create(path, Header{URL: "wss://h/"}, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ev := benchMessage()
	for i := range n {
		ev.Time = t0.Add(time.Duration(i) * time.Millisecond)
		ev.Payload = fmt.Appendf(ev.Payload[:0], `{"seq":%09d,"pad":"%s"}`, i, strings.Repeat("x", 70))
		if err := r.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestOpenIndexesLargeFileInBackground(t *testing.T) {
	const n = 30000 // about 6 MiB: several index chunks
	rec := openT(t, bigRecording(t, n))
	first := rec.Len()
	t.Logf("Open returned with %d of %d events indexed", first, n)
	var wg sync.WaitGroup
	wg.Go(func() { // readers run while the index grows
		for i := 0; i < 2000; i++ {
			if _, err := rec.Event(i % max(1, rec.Len())); err != nil {
				t.Error(err)
				return
			}
		}
	})
	rec.Wait()
	wg.Wait()
	if rec.Len() != n {
		t.Fatalf("Len = %d, want %d", rec.Len(), n)
	}
	for _, i := range []int{0, first - 1, first, n / 2, n - 1} {
		ev, err := rec.Event(i)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if want := fmt.Sprintf(`{"seq":%09d,`, i); !strings.HasPrefix(string(ev.Payload), want) {
			t.Fatalf("event %d = %.20s", i, ev.Payload)
		}
		if rec.line(i) != i+2 {
			t.Errorf("event %d on line %d", i, rec.line(i))
		}
	}
}

func TestCloseStopsIndexing(t *testing.T) {
	rec, err := Open(bigRecording(t, 30000))
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rec.Done():
	default:
		t.Error("Close returned while indexing still ran")
	}
}

func FuzzOpen(f *testing.F) {
	f.Add([]byte(`{"wsdbg_recording":1,"url":"wss://h/","start":"2026-11-22T02:10:00Z"}` + "\n" +
		`{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","len":2,"text":"hi","frame_info":[{"fin":true,"opcode":"text","len":2}]}` + "\n" +
		`{"type":"close","time":"2026-11-22T02:10:01Z","dir":"in","code":1000}`))
	f.Add([]byte("{\"type\":\"error\",\"detail\":{\"header\":{\"a\":\"b\"}}}\n{}\n\n{\"type\":\"frame\",\"opcode\":\"0xb\",\"dir\":\"out\",\"base64\":\"AA==\"}"))
	f.Add([]byte("{\n\"log\":{\"entries\":[{\"_resourceType\":\"websocket\",\"_webSocketMessages\":[{\"type\":\"send\",\"time\":1.5,\"opcode\":2,\"data\":\"AA==\"}]}]}}"))
	f.Add([]byte("\x00\xff{}\n}{\n"))
	path := filepath.Join(f.TempDir(), "f") // inputs run one at a time per process
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		rec, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer rec.Close()
		rec.Wait()
		for i := range rec.Len() {
			rec.Event(i)
			rec.line(i)
		}
		rec.Problems()
		rec.Header()
	})
}

// BenchmarkOpenFirstScreen opens a 1,000,000-event recording and decodes
// the first 100 events: what the UI needs before it can draw.
func BenchmarkOpenFirstScreen(b *testing.B) {
	path := millionEventFile(b)
	b.ResetTimer()
	for b.Loop() {
		rec, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		for i := range 100 {
			if _, err := rec.Event(i); err != nil {
				b.Fatal(err)
			}
		}
		rec.Close()
	}
}

// BenchmarkIndexWholeFile indexes all of a 1,000,000-event recording.
func BenchmarkIndexWholeFile(b *testing.B) {
	path := millionEventFile(b)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ResetTimer()
	for b.Loop() {
		rec, err := Open(path)
		if err != nil {
			b.Fatal(err)
		}
		rec.Wait()
		if rec.Len() != 1000000 {
			b.Fatalf("Len = %d", rec.Len())
		}
		rec.Close()
	}
}

var (
	millionOnce sync.Once
	millionPath string
)

// millionEventFile builds the benchmark file once per run; TestMain
// removes it.
func millionEventFile(b *testing.B) string {
	millionOnce.Do(func() {
		dir, err := os.MkdirTemp("", "wsdbg-bench-")
		if err != nil {
			b.Fatal(err)
		}
		millionPath = filepath.Join(dir, "million"+FileSuffix)
		r, err := Create(millionPath, Header{URL: "wss://h/"}, WriterOptions{})
		if err != nil {
			b.Fatal(err)
		}
		ev := benchMessage()
		for i := range 1000000 {
			ev.Time = t0.Add(time.Duration(i) * time.Millisecond)
			r.Append(ev)
		}
		if err := r.Close(); err != nil {
			b.Fatal(err)
		}
	})
	return millionPath
}

func TestReadingALongEventSkipsTheJunkAfterIt(t *testing.T) {
	lines := recordingLines(t)
	long := strings.Replace(lines[1], `"time":`, `"pad":"`+strings.Repeat("p", 200<<10)+`","time":`, 1)
	junk := strings.Repeat(strings.Repeat("#", 1023)+"\n", 48<<10) // 48 MiB of damaged lines
	data := lines[0] + "\n" + long + "\n" + junk + lines[2] + "\n"
	rec := openT(t, writeFile(t, "junk"+FileSuffix, []byte(data)))
	rec.Wait()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := rec.Record(0)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
		t.Fatalf("reading a 200 KiB event allocated %d MiB", grew>>20)
	}
	if ev, err := rec.Event(1); err != nil || ev.Type == 0 {
		t.Fatalf("the event after the junk: %v", err)
	}
}

// Lines gives every event's line as it is in the file, in blocks, skipping
// lines that are not events, and at least one event however long its line.
func TestLinesGivesEachEventsRawLine(t *testing.T) {
	long := strings.Repeat("x", 3000)
	data := "{\"wsdbg_recording\":1}\n" +
		`{"type":"message","dir":"in","opcode":"text","text":"a"}` + "\n" +
		"damaged\n\n" +
		`{"type":"message","dir":"in","opcode":"text","text":"` + long + `"}` + "\n" +
		`{"type":"message","dir":"out","opcode":"text","text":"c"}`
	rec := openT(t, writeFile(t, "lines.jsonl", []byte(data)))
	rec.Wait()
	want := strings.Split(data, "\n")
	want = []string{want[1], want[4], want[5]}
	for _, block := range []int{1, 100, 1 << 20} {
		var got []string
		for i := 0; i < rec.Len(); {
			next, err := rec.Lines(i, block, func(k int, line []byte) {
				if k != len(got) {
					t.Fatalf("block %d: event %d given after %d others", block, k, len(got))
				}
				got = append(got, string(line))
			})
			if err != nil || next <= i {
				t.Fatalf("block %d: Lines(%d) = %d, %v", block, i, next, err)
			}
			i = next
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("block %d: lines\n%q\nwant\n%q", block, got, want)
		}
	}
	if next, err := rec.Lines(rec.Len(), 100, func(int, []byte) { t.Error("a line past the end") }); next != rec.Len() || err != nil {
		t.Errorf("Lines past the end = %d, %v", next, err)
	}
}
