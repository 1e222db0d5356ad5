package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

// writeRecording makes a recording of a short session in dir.
func writeRecording(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	rec, err := history.Create(path, history.Header{ToolVersion: "test", URL: "wss://h.example/ws"}, history.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	for i, ev := range []conn.Event{
		{Type: conn.EventOpen, Time: now, URL: "wss://h.example/ws", Status: 101},
		{Type: conn.EventMessage, Time: now, Dir: conn.Out, Opcode: conn.OpText, Payload: []byte("hello")},
		{Type: conn.EventMessage, Time: now, Dir: conn.In, Opcode: conn.OpText, Payload: []byte("hello back")},
		{Type: conn.EventClose, Time: now, Dir: conn.In, Code: 1000},
	} {
		if err := rec.Append(ev); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// Files that hold nothing readable make tail and export fail, naming what
// is wrong; a recording whose last line was cut off is exported, with the
// cut line named.
func TestDamagedRecordingsAreNamedAndFail(t *testing.T) {
	dir := t.TempDir()
	good := readFile(t, writeRecording(t, dir, "good.wsdbg.jsonl"))
	header, _, _ := strings.Cut(good, "\n")
	write := func(name, data string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	unreadable := []struct{ path, want string }{
		{write("empty.jsonl", ""), "the file is empty"},
		{write("notes.txt", "just some notes\nnothing more\n"), "line 1: not a wsdbg recording"},
		{write("cut.wsdbg.jsonl", header+"\n"+`{"type":"message","time":"2026-`), "line 2: cut off"},
		{write("junk.wsdbg.jsonl", header+"\n"+`{"type":"message","time":12}`+"\n"), "line 2:"},
	}
	for _, c := range unreadable {
		for _, format := range []string{"har", "md", "ndjson"} {
			code, out, stderr := runCLI(t, "", "export", c.path, "--format", format)
			if code != exitFailure || out != "" {
				t.Errorf("export %s as %s: exit %d, output %q; want 1 and nothing", c.path, format, code, out)
			}
			if !strings.Contains(stderr, c.path+": "+c.want) || !strings.Contains(stderr, "nothing to export") {
				t.Errorf("export %s as %s: stderr %q, want %q", c.path, format, stderr, c.want)
			}
		}
		code, out, stderr := runCLI(t, "", "tail", c.path)
		if code != exitFailure || out != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("tail %s: exit %d, output %q, stderr %q", c.path, code, out, stderr)
		}
	}

	torn := write("torn.wsdbg.jsonl", good+`{"type":"message","time":"2026-11-22T02:1`)
	for _, format := range []string{"har", "md", "ndjson"} {
		code, out, stderr := runCLI(t, "", "export", torn, "--format", format)
		if code != exitOK || !strings.Contains(out, "hello back") {
			t.Errorf("export of a torn recording as %s: exit %d\n%s", format, code, out)
		}
		if !strings.Contains(stderr, torn+": line 6: cut off") {
			t.Errorf("export of a torn recording as %s: stderr %q does not name line 6", format, stderr)
		}
	}
	if code, out, stderr := runCLI(t, "", "tail", torn); code != exitOK || !strings.Contains(out, "hello back") || !strings.Contains(stderr, "line 6: cut off") {
		t.Errorf("tail of a torn recording: exit %d, stderr %q\n%s", code, stderr, out)
	}
}

func TestMissingFileIsNamed(t *testing.T) {
	for _, args := range [][]string{
		{"tail", "missing.jsonl"},
		{"tail", "--json", "missing.jsonl"},
		{"export", "missing.jsonl"},
		{"replay", "missing.jsonl", "--to", "ws://127.0.0.1:1/", "--tail"},
	} {
		code, _, stderr := runCLI(t, "", args...)
		if code != exitUsage || !strings.HasPrefix(stderr, "wsdbg: no such file: missing.jsonl") || strings.Contains(stderr, "URL \"") {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
	}
}

func TestTailReadsARecordingOnStdin(t *testing.T) {
	path := writeRecording(t, t.TempDir(), "s.wsdbg.jsonl")
	_, want, _ := runCLI(t, "", "tail", "--json", path)
	code, out, stderr := runCLI(t, readFile(t, path), "tail", "--json", "-")
	if code != exitOK || stderr != "" || out != want || !strings.Contains(out, "hello back") {
		t.Fatalf("exit %d, stderr %q\n%s\nwant\n%s", code, stderr, out, want)
	}
	code, out, _ = runCLI(t, readFile(t, path), "export", "-", "--format", "ndjson")
	if code != exitOK || !strings.Contains(out, "hello back") {
		t.Fatalf("export -: exit %d\n%s", code, out)
	}
}

// Every file name and error text reaches the terminal escaped: a name with
// an OSC sequence would set the window title or write the clipboard.
func TestFileNamesAreEscaped(t *testing.T) {
	const osc = "\x1b]0;pwned\x07"
	dir := t.TempDir()
	writeRecording(t, dir, "good"+osc+".wsdbg.jsonl")
	bad := filepath.Join(dir, "bad"+osc+".wsdbg.jsonl")
	if err := os.WriteFile(bad, []byte("not\x1b]52;c;cHduZWQ=\x07 a recording\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	runs := [][]string{
		{"sessions", "--dir", dir},
		{"tail", bad},
		{"tail", "--json", bad},
		{"export", bad},
		{"export", bad, "--format", "har"},
		{"tail", "missing" + osc},
		{"export", "missing" + osc},
		{"export", filepath.Join(dir, "good"+osc+".wsdbg.jsonl"), "-o", filepath.Join(dir, "no-such-dir"+osc, "out.md")},
		{"tail", "--record", filepath.Join(dir, "no-such-dir"+osc, "r.jsonl"), "--record", filepath.Join(bad, "x"), "ws://127.0.0.1:1/"},
		{"replay", bad, "--to", "ws://127.0.0.1:1/", "--tail", "--no-record"},
	}
	for _, args := range runs {
		code, out, stderr := runCLI(t, "", args...)
		if strings.ContainsAny(out+stderr, "\x1b\x07") {
			t.Errorf("%q (exit %d) printed a raw escape:\nstdout %q\nstderr %q", args, code, out, stderr)
		}
		if code != exitOK && stderr == "" {
			t.Errorf("%q: exit %d without a word", args, code)
		}
	}
	_, out, _ := runCLI(t, "", "sessions", "--dir", dir)
	if !strings.Contains(out, `good\x1b]0;pwned\x07.wsdbg.jsonl`) || !strings.Contains(out, "unreadable: not a wsdbg recording") {
		t.Errorf("sessions:\n%s", out)
	}
}
