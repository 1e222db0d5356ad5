package history

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// sparseFile writes head, makes the file size bytes long with a hole (no
// disk space used), then appends tail.
func sparseFile(t *testing.T, name, head string, size int64, tail string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(head), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, size); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(tail); err != nil {
		t.Fatal(err)
	}
	return path
}

// allocatedDuring is how many bytes fn allocated.
func allocatedDuring(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

const memoryBound = 64 << 20

// peakHeapDuring is the most heap in use, sampled, while fn ran.
func peakHeapDuring(fn func()) uint64 {
	runtime.GC()
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var most uint64
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			most = max(most, m.HeapAlloc)
			select {
			case <-done:
				peak <- most
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	fn()
	close(done)
	return <-peak
}

func TestOpenSkipsAHugeLineWithoutLoadingIt(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a 2 GiB sparse file")
	}
	lines := recordingLines(t)
	// Line 2 is an event 2 GiB long (a hole inside its text); line 3 is an
	// ordinary event after it.
	head := lines[0] + "\n" + `{"type":"message","time":"2026-11-22T02:10:00Z","dir":"in","opcode":"text","text":"`
	path := sparseFile(t, "huge"+FileSuffix, head, 2<<30, `"}`+"\n"+lines[2]+"\n")

	var rec *Recording
	var events []error
	grew := allocatedDuring(func() {
		rec = openT(t, path)
		rec.Wait()
		for i := range rec.Len() {
			_, err := rec.Event(i)
			events = append(events, err)
		}
	})
	if grew > memoryBound {
		t.Errorf("opening and reading allocated %d MiB", grew>>20)
	}
	if len(events) != 1 || events[0] != nil {
		t.Fatalf("events after the huge line: %v, want one readable", events)
	}
	if line := rec.line(0); line != 3 {
		t.Errorf("the event is on line %d, want 3", line)
	}
	p := rec.Problems()
	if len(p) != 1 || p[0].line != 2 || !strings.Contains(p[0].msg, "2 GiB") || !strings.Contains(p[0].msg, "skipped") {
		t.Errorf("problems = %v, want line 2 reported as too long", p)
	}
}

func TestOpenHARStreamsPastAHugeString(t *testing.T) {
	if testing.Short() {
		t.Skip("reads a 2 GiB sparse file")
	}
	head := `{"log": {"creator": {"name": "test", "version": "1"}, "entries": [{"_resourceType": "websocket",
  "startedDateTime": "2026-11-22T02:10:00Z", "request": {"url": "wss://h/ws", "headers": []},
  "response": {"status": 101, "headers": [], "content": {"text": "`
	middle := `"}}, "_webSocketMessages": [{"type": "receive", "time": 1790000000.5, "opcode": 1, "data": "`
	// The hole is inside the first message's data; a response body as
	// long comes before it.
	f := sparseFile(t, "huge.har", head, 1<<30, middle)
	if err := os.Truncate(f, 2<<30); err != nil {
		t.Fatal(err)
	}
	tail := `"}, {"type": "send", "time": 1790000001, "opcode": 1, "data": "after \"the\" hole\\"}]}]}}`
	fh, err := os.OpenFile(f, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	fh.WriteString(tail)
	fh.Close()

	var rec *Recording
	var last Record
	peak := peakHeapDuring(func() {
		rec = openT(t, f)
		if rec.Len() > 0 {
			last, _ = rec.Record(rec.Len() - 1)
		}
	})
	if peak > memoryBound {
		t.Errorf("opening took up to %d MiB", peak>>20)
	}
	if rec.Len() != 2 || last.Text != `after "the" hole\` {
		t.Fatalf("%d events, last %q; want the open and the message after the hole", rec.Len(), last.Text)
	}
	p := rec.Problems()
	if len(p) != 2 || !strings.Contains(p[0].msg, "entry 1, message 1: its data is longer than") ||
		!strings.Contains(p[1].msg, "1 other values longer") {
		t.Errorf("problems = %v", p)
	}
}

func TestStringCapperKeepsShortStringsAndEscapes(t *testing.T) {
	doc := `{"a": "short", "b": "esc \" \\ \\\" end", "c": "` + strings.Repeat(`x\"`, 20) + `", "d": ["\\\\", "ok"]}`
	var want map[string]any
	if err := json.Unmarshal([]byte(doc), &want); err != nil {
		t.Fatal(err)
	}
	want["c"] = oversizedValue
	for _, chunk := range []int{1, 2, 3, 7, 16, 4096} {
		var got map[string]any
		capper := newStringCapper(strings.NewReader(doc), 32, chunk)
		dec := json.NewDecoder(iotest.OneByteReader(capper))
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("reading %d bytes at a time: %v", chunk, err)
		}
		if gs, ws := mustJSON(t, got), mustJSON(t, want); gs != ws {
			t.Errorf("reading %d bytes at a time:\ngot  %s\nwant %s", chunk, gs, ws)
		}
		if capper.oversized != 1 {
			t.Errorf("reading %d bytes at a time: %d strings replaced, want 1", chunk, capper.oversized)
		}
		var rest json.RawMessage
		if err := dec.Decode(&rest); err != io.EOF {
			t.Errorf("reading %d bytes at a time: after the document: %v", chunk, err)
		}
	}
}

func TestOpenHARReportsTheLineOfDamageAfterALongString(t *testing.T) {
	long := strings.Repeat("x", maxLineBytes+1)
	data := "{\"log\": {\"comment\": \"" + long + "\",\n\"entries\": [\n{,}]}}"
	rec := openT(t, writeFile(t, "bad.har", []byte(data)))
	p := rec.Problems()
	if len(p) != 1 || p[0].line != 3 || !strings.Contains(p[0].msg, "not a HAR file") {
		t.Errorf("problems = %v, want line 3", p)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FuzzStringCapper: with a limit no string reaches, the capper changes
// nothing, whatever the input and however it is read.
func FuzzStringCapper(f *testing.F) {
	f.Add([]byte(`{"a": "b\\\"c", "d": ["\\", 1]}`), uint8(1))
	f.Add([]byte(`"unterminated \`), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		capper := newStringCapper(bytes.NewReader(data), len(data)+1, int(chunk)+1)
		got, err := io.ReadAll(capper)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("passed on %q, want %q", got, data)
		}
	})
}
