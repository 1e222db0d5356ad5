package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/wsdbg/wsdbg/history"
	"github.com/wsdbg/wsdbg/internal/smallfs"
)

const (
	childArgsEnv = "WSDBG_TEST_CHILD_ARGS" // run these arguments in a child process, separated by \x1f
)

func init() {
	// A child started by runChild: wsdbg itself, with its file size
	// limit applied first.
	if args := os.Getenv(childArgsEnv); args != "" {
		if err := smallfs.ApplyLimit(); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(99)
		}
		os.Exit(run(strings.Split(args, "\x1f"), os.Stdin, os.Stdout, os.Stderr))
	}
}

// runChild runs wsdbg with args in a child process with environment env.
func runChild(t *testing.T, env []string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(env, childArgsEnv+"="+strings.Join(args, "\x1f"))
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if exit, ok := err.(*exec.ExitError); ok {
		return exit.ExitCode(), out.String(), errb.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// When the disk fills up, tail goes on printing every message but says at
// once that the recording stopped, says at the end that it is incomplete,
// and exits 1; what was recorded stays readable.
func TestTailRecordingToAFullDisk(t *testing.T) {
	u := startDemo(t)
	dir, env := smallfs.Full(t, 256<<10)
	file := filepath.Join(dir, "s.wsdbg.jsonl")
	const flood = 20000
	code, out, stderr := runChild(t, env, "flood 20000\n", "tail", "--json", "--record", file, u)
	if code != exitFailure {
		t.Errorf("exit %d, want 1; stderr %q", code, stderr)
	}
	if n := strings.Count(out, `\"type\":\"flood\"`); n != flood {
		t.Errorf("printed %d of %d messages", n, flood)
	}
	cause := "no space left on device"
	if !strings.Contains(stderr, cause) {
		cause = "file too large"
	}
	if !strings.Contains(stderr, "stopped: "+cause+"; the session goes on unrecorded") ||
		!strings.Contains(stderr, "is incomplete: only the first") {
		t.Errorf("stderr %q", stderr)
	}
	rec, err := history.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	rec.Wait()
	if len(rec.Problems()) != 0 || rec.Len() < 100 {
		t.Errorf("the recording holds %d events; problems %v", rec.Len(), rec.Problems())
	}
}

func TestReadOnlyStateDirSuggestsNoRecord(t *testing.T) {
	u := startDemo(t)
	t.Setenv("XDG_STATE_HOME", smallfs.ReadOnly(t))
	code, _, stderr := runCLI(t, "", "tail", u)
	if code != exitFailure || !strings.Contains(stderr, "--no-record") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if code, out, stderr := runCLI(t, "echo fine\n", "tail", "--no-record", u); code != exitOK || !strings.Contains(out, "fine") {
		t.Fatalf("with --no-record: exit %d, stderr %q", code, stderr)
	}
}

// mkfifo makes a FIFO and writes data into it once a reader opens it.
func mkfifo(t *testing.T, path, data string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		w, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		w.WriteString(data)
	}()
}

func TestRecordingsReadFromAFIFO(t *testing.T) {
	dir := t.TempDir()
	data := readFile(t, writeRecording(t, t.TempDir(), "s.wsdbg.jsonl"))

	fifo := filepath.Join(dir, "tail.wsdbg.jsonl")
	mkfifo(t, fifo, data)
	code, out, stderr := runCLI(t, "", "tail", fifo)
	if code != exitOK || stderr != "" || !strings.Contains(out, "hello back") {
		t.Fatalf("tail FIFO: exit %d, stderr %q\n%s", code, stderr, out)
	}

	u := startEcho(t)
	fifo = filepath.Join(dir, "replay.wsdbg.jsonl")
	mkfifo(t, fifo, data)
	code, out, stderr = runCLI(t, "", "replay", fifo, "--to", u, "--no-gaps", "--tail", "--no-record")
	if !strings.Contains(out, "hello") || strings.Contains(stderr, "seek") {
		t.Fatalf("replay FIFO: exit %d, stderr %q\n%s", code, stderr, out)
	}
}

// A FIFO named like a recording (nothing ever writes to it) does not stop
// the list of sessions.
func TestSessionsSkipsAFIFO(t *testing.T) {
	dir := t.TempDir()
	writeRecording(t, dir, "good.wsdbg.jsonl")
	if err := syscall.Mkfifo(filepath.Join(dir, "stuck.wsdbg.jsonl"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runCLI(t, "", "sessions", "--dir", dir)
	if code != exitOK || !strings.Contains(out, "good.wsdbg.jsonl") || strings.Contains(out, "stuck") {
		t.Fatalf("exit %d, stderr %q\n%s", code, stderr, out)
	}
}
