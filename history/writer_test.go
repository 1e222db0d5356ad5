package history

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
)

func TestWriterWritesPrivateFileWithHeaderFirst(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "dir", "s"+FileSuffix)
	r, err := Create(path, Header{ToolVersion: "1.2.3", URL: "wss://api.example.com/ws?token=abc",
		RequestHeaders: http.Header{"Authorization": {"Bearer abc"}}}, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Append(sampleEvents()[1]); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Append(sampleEvents()[1]); !errors.Is(err, errClosed) {
		t.Errorf("Append after Close = %v, want errClosed", err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v, want 0600", st.Mode().Perm())
	}
	if st, _ := os.Stat(filepath.Dir(path)); st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v, want 0700", st.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("want header and one event, got %d lines:\n%s", len(lines), data)
	}
	if !strings.HasPrefix(lines[0], `{"wsdbg_recording":1,"tool_version":"1.2.3","url":"wss://api.example.com/ws?token=[redacted:3]"`) {
		t.Errorf("header line: %s", lines[0])
	}
	if strings.Contains(string(data), "Bearer abc") {
		t.Errorf("secret reached the disk: %s", lines[0])
	}
	if _, err := Create(path, Header{}, WriterOptions{}); err == nil {
		t.Error("Create overwrote an existing recording")
	}
}

func TestWriterRedactsEventsBeforeDisk(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s"+FileSuffix)
	r, err := Create(path, Header{URL: "wss://h/"}, WriterOptions{Redactor: Redactor{ExtraHeaders: []string{"X-Tenant"}}})
	if err != nil {
		t.Fatal(err)
	}
	open := sampleEvents()[0]
	open.URL = "wss://h/?access_token=SECRET1"
	open.RequestHeader = http.Header{"Authorization": {"Bearer SECRET2"}, "X-Tenant": {"SECRET3"}, "Cookie": {"a=SECRET4"}}
	open.ResponseHeader = http.Header{"Set-Cookie": {"b=SECRET5; Path=/"}}
	fail := sampleEvents()[12]
	fail.Failure.Message = `GET "wss://h/?token=SECRET6": 401`
	for _, ev := range []conn.Event{open, fail} {
		if err := r.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
	data, _ := os.ReadFile(path)
	if bytes.Contains(data, []byte("SECRET")) {
		t.Errorf("a secret reached the disk:\n%s", data)
	}
}

func TestWriterFlushesWithoutClose(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s"+FileSuffix)
	r, err := Create(path, Header{URL: "wss://h/"}, WriterOptions{flushInterval: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.Append(sampleEvents()[1]); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		data, _ := os.ReadFile(path)
		if bytes.Count(data, []byte{'\n'}) == 2 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the event was not flushed without Close:\n%s", data)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWriterFlushesWhenBufferFills(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s"+FileSuffix)
	r, err := Create(path, Header{URL: "wss://h/"}, WriterOptions{flushInterval: time.Hour, flushBytes: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ev := conn.Event{Type: conn.EventMessage, Time: t0, Dir: conn.In, Opcode: conn.OpText, Payload: bytes.Repeat([]byte("x"), 300)}
	for range 4 {
		r.Append(ev)
	}
	data, _ := os.ReadFile(path)
	if n := bytes.Count(data, []byte{'\n'}); n < 4 {
		t.Errorf("buffer over flushBytes was not written: %d lines on disk", n)
	}
	if !bytes.HasSuffix(data, []byte{'\n'}) {
		t.Error("a write ended inside a line")
	}
	r.Append(ev)
	if err := r.flush(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); bytes.Count(data, []byte{'\n'}) != 6 {
		t.Errorf("Flush left events in memory: %d lines on disk", bytes.Count(data, []byte{'\n'}))
	}
}

const killChildEnv = "WSDBG_TEST_RECORD_UNTIL_KILLED"

// TestWriterSurvivesSIGKILL records 100,000 messages in a child process,
// kills it with SIGKILL halfway, and loads what is on disk.
func TestWriterSurvivesSIGKILL(t *testing.T) {
	if path := os.Getenv(killChildEnv); path != "" {
		recordUntilKilled(path)
		return
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	path := filepath.Join(t.TempDir(), "killed"+FileSuffix)
	cmd := exec.Command(os.Args[0], "-test.run=^TestWriterSurvivesSIGKILL$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	const halfway = 50000
	progress := bufio.NewScanner(stdout)
	for progress.Scan() && progress.Text() != fmt.Sprint(halfway) {
	}
	// Let the background flusher write what was appended so far; the child
	// keeps appending meanwhile, so the kill lands mid-stream.
	deadline := time.Now().Add(10 * time.Second)
	for lines := 0; lines <= halfway; {
		data, _ := os.ReadFile(path)
		lines = bytes.Count(data, []byte{'\n'})
		if time.Now().After(deadline) {
			t.Fatalf("only %d lines reached the disk", lines)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	rec := openT(t, path)
	rec.Wait()
	if p := rec.Problems(); len(p) > 1 {
		t.Errorf("problems: %v", p)
	}
	n := rec.Len()
	if n < halfway || n > 100000 {
		t.Fatalf("%d events loaded, want at least %d", n, halfway)
	}
	for i := 0; i < n; i++ {
		ev, err := rec.Event(i)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if want := fmt.Sprintf("message %06d", i); string(ev.Payload) != want {
			t.Fatalf("event %d is %q, want %q: lines were lost or damaged", i, ev.Payload, want)
		}
	}
	t.Logf("%d of 100000 events survived SIGKILL; problems: %v", n, rec.Problems())
}

func recordUntilKilled(path string) {
	r, err := Create(path, Header{URL: "wss://h/"}, WriterOptions{})
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	for i := range 100000 {
		r.Append(conn.Event{Type: conn.EventMessage, Time: time.Now(), Dir: conn.In, Opcode: conn.OpText,
			Payload: fmt.Appendf(nil, "message %06d", i)})
		if i+1 == 50000 {
			fmt.Println(i + 1)
		}
	}
	fmt.Println("done")
	select {} // wait for the kill without ever closing the writer
}

func TestDefaultPath(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	now := time.Date(2026, 11, 22, 2, 10, 0, 0, time.UTC)
	got, err := DefaultPath(now, "wss://api.example.com/ws?token=x")
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(state, "wsdbg", "sessions", "2026-11-22T02-10-00_api.example.com.wsdbg.jsonl")
	if got != want {
		t.Errorf("DefaultPath = %s, want %s", got, want)
	}
	os.MkdirAll(filepath.Dir(want), 0o700)
	os.WriteFile(want, nil, 0o600)
	if again, _ := DefaultPath(now, "wss://api.example.com/ws"); again != strings.TrimSuffix(want, FileSuffix)+"_2"+FileSuffix {
		t.Errorf("taken name not avoided: %s", again)
	}
	if p, _ := DefaultPath(now, "ws://[::1]:8080/"); filepath.Base(p) != "2026-11-22T02-10-00___1-8080.wsdbg.jsonl" {
		t.Errorf("IPv6 with port: %s", filepath.Base(p))
	}
	if _, err := DefaultPath(now, "/just/a/path"); err == nil {
		t.Error("a URL without a host was accepted")
	}
	t.Setenv("XDG_STATE_HOME", "relative/ignored")
	t.Setenv("HOME", state)
	if p, _ := DefaultPath(now, "ws://h/"); !strings.HasPrefix(p, filepath.Join(state, ".local", "state", "wsdbg", "sessions")) {
		t.Errorf("relative XDG_STATE_HOME must be ignored: %s", p)
	}
}

// BenchmarkWriterAppendFromEvent measures recording one 100-byte text
// message event.
func BenchmarkWriterAppendFromEvent(b *testing.B) {
	r, err := Create(filepath.Join(b.TempDir(), "b"+FileSuffix), Header{URL: "wss://h/"}, WriterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	ev := benchMessage()
	b.ReportAllocs()
	b.SetBytes(int64(len(ev.Payload)))
	for b.Loop() {
		r.Append(ev)
	}
}

// BenchmarkWriterAppendRecord is the cost recording adds to `tail`,
// which already made the record for printing.
func BenchmarkWriterAppendRecord(b *testing.B) {
	r, err := Create(filepath.Join(b.TempDir(), "b"+FileSuffix), Header{URL: "wss://h/"}, WriterOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	rec := annotated(nil, benchMessage())
	b.ReportAllocs()
	b.SetBytes(int64(rec.Len))
	for b.Loop() {
		r.AppendRecord(rec)
	}
}

func benchMessage() conn.Event {
	payload := []byte(`{"type":"tick","symbol":"BTC-USD","price":"97012.55","size":"0.0042","seq":123456789,"side":"buy"}`)
	payload = append(payload[:len(payload)-1], bytes.Repeat([]byte(" "), 100-len(payload))...)
	payload = append(payload, '}')
	return conn.Event{Type: conn.EventMessage, Time: time.Now(), Dir: conn.In, Opcode: conn.OpText, Payload: payload,
		Frames: []conn.Frame{{Time: time.Now(), Dir: conn.In, FIN: true, Opcode: conn.OpText, Length: 100, HeaderLen: 2}}}
}

// AppendRedacted must write exactly what AppendRecord would, secrets
// redacted: from a record its caller redacted with the same rules, copying
// the line, and from one redacted otherwise (here not at all), which it
// redacts again.
func TestAppendRedactedMatchesAppendRecord(t *testing.T) {
	dir := t.TempDir()
	red := Redactor{ExtraHeaders: []string{"X-Private"}}
	opts := WriterOptions{Redactor: red}
	hdr := Header{URL: "wss://h/", Start: time.Unix(1e9, 0)}
	var files [3]*Writer
	for i := range files {
		w, err := Create(filepath.Join(dir, strconv.Itoa(i)+FileSuffix), hdr, opts)
		if err != nil {
			t.Fatal(err)
		}
		files[i] = w
	}
	events := sampleEvents()
	events[0].RequestHeader = http.Header{"Authorization": {"Bearer SECRET"}, "X-Private": {"SECRET"}}
	ctx := conn.NewAnnotator(conn.Options{})
	for _, ev := range events {
		rec := annotated(ctx, ev)
		files[0].AppendRecord(rec)
		redacted := red.Record(rec)
		files[1].AppendRedacted(redacted, append(redacted.AppendJSON(nil), '\n'), Redactor{ExtraHeaders: []string{"x-private"}})
		files[2].AppendRedacted(rec, append(rec.AppendJSON(nil), '\n'), Redactor{Disabled: true})
	}
	var data [3][]byte
	for i, w := range files {
		w.Close()
		data[i], _ = os.ReadFile(filepath.Join(dir, strconv.Itoa(i)+FileSuffix))
	}
	for i := 1; i < len(data); i++ {
		if !bytes.Equal(data[0], data[i]) {
			t.Fatalf("file %d differs:\n%s\n---\n%s", i, data[0], data[i])
		}
	}
	if bytes.Contains(data[0], []byte("SECRET")) {
		t.Fatal("a secret reached the disk")
	}
}

// BenchmarkRecordAppendJSON is the encoding `tail --json` and recording
// share, for one 100-byte text message.
func BenchmarkRecordAppendJSON(b *testing.B) {
	rec := annotated(nil, benchMessage())
	var line []byte
	b.ReportAllocs()
	b.SetBytes(int64(rec.Len))
	for b.Loop() {
		line = rec.AppendJSON(line[:0])
	}
}
