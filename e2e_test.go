package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// screen gathers what a program writes to its pseudo-terminal.
type screen struct {
	mu  sync.Mutex
	out bytes.Buffer
}

func (s *screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Write(p)
}

var escapes = regexp.MustCompile(`\x1b\[[0-9;:?<=>]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[P^_][^\x1b]*\x1b\\|\x1b[()][0-9A-Za-z]|\x1b[=>78]`)

// text is everything drawn so far, escape sequences removed.
func (s *screen) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return escapes.ReplaceAllString(s.out.String(), " ")
}

func (s *screen) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(s.text(), want) {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("screen never showed %q; it shows:\n%s", want, s.text())
}

// TestDemoInAPseudoTerminal runs the real binary as a user would: wsdbg
// demo in a terminal, a message typed and echoed, an error reply
// explained, quit, and the session left on disk.
func TestDemoInAPseudoTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(t.TempDir(), "wsdbg")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "demo")
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+dir, "TERM=xterm-256color", "NO_COLOR=")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 120})
	if err != nil {
		t.Fatal(err)
	}
	defer tty.Close()
	var scr screen
	go func() { _, _ = io.Copy(&scr, tty) }()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	defer cmd.Process.Kill()

	scr.waitFor(t, "FRAMES")
	scr.waitFor(t, "welcome")
	type_ := func(s string) {
		if _, err := tty.Write([]byte(s)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(150 * time.Millisecond)
	}
	type_("i")
	type_("echo hello from a pty")
	type_("\r")
	scr.waitFor(t, "hello from a pty")
	type_("error 4003 no scope")
	type_("\r")
	scr.waitFor(t, "ERROR 4003")
	type_("\x1b")
	time.Sleep(300 * time.Millisecond) // let the terminal tell a lone ESC from alt+key
	type_("x")                         // errors only: the error reply is selected
	type_("e")
	scr.waitFor(t, "EXPLANATION")
	type_("q")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("wsdbg exited with %v\n%s", err, scr.text())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("wsdbg did not quit on q")
	}
	sessions, _ := filepath.Glob(filepath.Join(dir, "wsdbg", "sessions", "*.wsdbg.jsonl"))
	if len(sessions) != 1 {
		t.Fatalf("recordings: %v", sessions)
	}
	data, _ := os.ReadFile(sessions[0])
	if !bytes.Contains(data, []byte("hello from a pty")) || !bytes.Contains(data, []byte(`"code":4003`)) {
		t.Fatalf("recording lacks the session:\n%s", data)
	}
}
