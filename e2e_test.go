package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
	"github.com/gorilla/websocket"

	"github.com/wsdbg/wsdbg/conn"
	"github.com/wsdbg/wsdbg/history"
)

var built struct {
	once sync.Once
	path string
	err  error
}

// wsdbgBinary builds the program once for every test that runs it.
func wsdbgBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	built.once.Do(func() {
		dir, err := os.MkdirTemp("", "wsdbg-bin")
		if err != nil {
			built.err = err
			return
		}
		built.path = filepath.Join(dir, "wsdbg")
		if out, err := exec.Command("go", "build", "-o", built.path, ".").CombinedOutput(); err != nil {
			built.err = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.path
}

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

// terminal is a wsdbg process run in a pseudo-terminal, as a user runs
// it, with what it draws captured in scr. It is killed when the test ends.
type terminal struct {
	cmd  *exec.Cmd
	tty  *os.File
	scr  screen
	done chan error // receives the process's exit
}

func startInTerminal(t *testing.T, cmd *exec.Cmd, rows, cols uint16) *terminal {
	t.Helper()
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: rows, Cols: cols})
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{cmd: cmd, tty: tty, done: make(chan error, 1)}
	go func() { _, _ = io.Copy(&term.scr, tty) }()
	go func() { term.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		tty.Close()
	})
	return term
}

// press types s and gives the program a moment to take it.
func (term *terminal) press(t *testing.T, s string) {
	t.Helper()
	if _, err := term.tty.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(150 * time.Millisecond)
}

// TestDemoInAPseudoTerminal runs the real binary as a user would: wsdbg
// demo in a terminal, a message typed and echoed, an error reply
// explained, quit, and the session left on disk.
func TestDemoInAPseudoTerminal(t *testing.T) {
	bin := wsdbgBinary(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "demo")
	cmd.Env = append(os.Environ(), "XDG_STATE_HOME="+dir, "TERM=xterm-256color", "NO_COLOR=")
	term := startInTerminal(t, cmd, 30, 120)
	scr, type_ := &term.scr, func(s string) { term.press(t, s) }

	scr.waitFor(t, "FRAMES")
	scr.waitFor(t, "welcome")
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
	case err := <-term.done:
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

// closePeer is a WebSocket server that logs every close code it receives
// and answers closes as gorilla does (echoing the code); a deaf one never
// reads, so a close is never answered.
type closePeer struct {
	url       string
	codes     chan int      // close codes received
	connected chan struct{} // one token per connection
}

func closeServer(t *testing.T, deaf bool) *closePeer {
	t.Helper()
	p := &closePeer{codes: make(chan int, 4), connected: make(chan struct{}, 4)}
	done := make(chan struct{})
	up := websocket.Upgrader{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer ws.Close()
		p.connected <- struct{}{}
		if deaf {
			<-done
			return
		}
		for {
			_, _, err := ws.ReadMessage()
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				p.codes <- ce.Code
			}
			if err != nil {
				return
			}
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	p.url = "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws"
	return p
}

// closeCode waits a second for the close code the server received.
func (p *closePeer) closeCode(t *testing.T) int {
	t.Helper()
	select {
	case code := <-p.codes:
		return code
	case <-time.After(time.Second):
		t.Errorf("server saw no close frame")
		return 0
	}
}

// tailProcess is the built binary running tail, its stdin held open.
type tailProcess struct {
	cmd   *exec.Cmd
	out   screen
	errb  screen
	stdin io.WriteCloser
	done  chan struct{}
}

func startTail(t *testing.T, args ...string) *tailProcess {
	t.Helper()
	return startHeadless(t, `"type":"open"`, append([]string{"tail", "--json"}, args...)...)
}

// startHeadless starts the built binary with args and waits until its
// output shows opened.
func startHeadless(t *testing.T, opened string, args ...string) *tailProcess {
	t.Helper()
	p := &tailProcess{cmd: exec.Command(wsdbgBinary(t), args...), done: make(chan struct{})}
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.errb
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { p.cmd.Process.Kill(); <-p.done; p.stdin.Close() })
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(p.out.text(), opened) {
		if time.Now().After(deadline) {
			t.Fatalf("tail never opened; stdout %q, stderr %q", p.out.text(), p.errb.text())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return p
}

// signal sends sig and returns how long the process took to exit, failing
// after limit.
func (p *tailProcess) signal(t *testing.T, sig os.Signal, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.done:
		return time.Since(start)
	case <-time.After(limit):
		t.Fatalf("still running %v after %v; stdout %q", limit, sig, p.out.text())
		return 0
	}
}

// sessionEnding is how `wsdbg sessions` says the recording in dir ended.
func sessionEnding(t *testing.T, dir string) string {
	t.Helper()
	out, err := exec.Command(wsdbgBinary(t), "sessions", "--dir", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("sessions: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		t.Fatalf("want one session:\n%s", out)
	}
	return lines[1]
}

// The first quit signal closes the connection with a close frame (1000
// for ctrl+c, 1001 when the client is going away), waits for the answer
// and finishes the recording, within a second.
func TestTailQuitSignalClosesCleanly(t *testing.T) {
	for _, tc := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 1000}, {syscall.SIGTERM, 1001}, {syscall.SIGHUP, 1001}} {
		t.Run(tc.sig.String(), func(t *testing.T) {
			peer := closeServer(t, false)
			dir := t.TempDir()
			p := startTail(t, "--record", filepath.Join(dir, "s.wsdbg.jsonl"), peer.url)
			if took := p.signal(t, tc.sig, 3*time.Second); took > 1500*time.Millisecond {
				t.Errorf("exited %v after the signal", took)
			}
			if got := peer.closeCode(t); got != tc.code {
				t.Errorf("server saw close %d, want %d", got, tc.code)
			}
			if code := p.cmd.ProcessState.ExitCode(); code != 0 {
				t.Errorf("exit %d, stderr %q", code, p.errb.text())
			}
			if ending := sessionEnding(t, dir); strings.Contains(ending, "unfinished") || !strings.Contains(ending, fmt.Sprint(tc.code)) {
				t.Errorf("recording: %s", ending)
			}
		})
	}
}

// demo --tail ends on ctrl+c as tail does.
func TestDemoTailQuitSignal(t *testing.T) {
	p := startHeadless(t, "open", "demo", "--tail", "--no-record")
	if took := p.signal(t, syscall.SIGINT, 3*time.Second); took > 1500*time.Millisecond {
		t.Errorf("exited %v after the signal", took)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(p.out.text(), "close   1000") {
		t.Errorf("exit %d, stderr %q\n%s", code, p.errb.text(), p.out.text())
	}
}

// A server that never answers the close holds tail for at most a second,
// and the recording says the closing handshake was cut short; a second
// ctrl+c does not wait at all.
func TestTailQuitWhenTheServerDoesNotAnswer(t *testing.T) {
	t.Run("one signal", func(t *testing.T) {
		peer := closeServer(t, true)
		dir := t.TempDir()
		p := startTail(t, "--record", filepath.Join(dir, "s.wsdbg.jsonl"), peer.url)
		if took := p.signal(t, syscall.SIGINT, 3*time.Second); took > 1500*time.Millisecond {
			t.Errorf("exited %v after the signal", took)
		}
		if code := p.cmd.ProcessState.ExitCode(); code != exitFailure || !strings.Contains(p.out.text(), "Closing handshake cut short") {
			t.Errorf("exit %d\n%s", code, p.out.text())
		}
		if ending := sessionEnding(t, dir); !strings.Contains(ending, "error: timeout") {
			t.Errorf("recording: %s", ending)
		}
	})
	t.Run("two signals", func(t *testing.T) {
		peer := closeServer(t, true)
		p := startTail(t, "--no-record", peer.url)
		if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		if took := p.signal(t, syscall.SIGINT, 3*time.Second); took > 300*time.Millisecond {
			t.Errorf("exited %v after the second signal", took)
		}
		if code := p.cmd.ProcessState.ExitCode(); code != 130 {
			t.Errorf("exit %d, want 130", code)
		}
	})
}

// A failed write to stdout ends tail: with a message and status 1 on a
// full disk, quietly with 141 when the reader has gone (| head -1).
func TestTailStopsWhenStdoutFails(t *testing.T) {
	bin := wsdbgBinary(t)
	u := startDemo(t)
	t.Run("full disk", func(t *testing.T) {
		full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
		if err != nil {
			t.Skip("no /dev/full:", err)
		}
		defer full.Close()
		cmd := exec.Command(bin, "tail", "--no-record", "--json", "--keep-open", u)
		cmd.Stdin = strings.NewReader("flood 2000\n")
		cmd.Stdout = full
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		timer := time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
		defer timer.Stop()
		err = cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != exitFailure {
			t.Fatalf("exit %d (%v), stderr %q", code, err, stderr.String())
		}
		if msg := stderr.String(); strings.Count(msg, "\n") != 1 || !strings.Contains(msg, "no space left on device") {
			t.Fatalf("stderr %q", msg)
		}
	})
	t.Run("closed pipe", func(t *testing.T) {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		head := exec.Command("head", "-1")
		head.Stdin = r
		var first bytes.Buffer
		head.Stdout = &first
		cmd := exec.Command(bin, "tail", "--no-record", "--json", "--keep-open", u)
		cmd.Stdin = strings.NewReader("flood 2000\n")
		cmd.Stdout = w
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := head.Start(); err != nil {
			t.Skip("no head:", err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r.Close()
		w.Close()
		timer := time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
		defer timer.Stop()
		cmd.Wait()
		head.Wait()
		if code := cmd.ProcessState.ExitCode(); code != exitBrokenPipe || stderr.Len() != 0 {
			t.Fatalf("exit %d, stderr %q", code, stderr.String())
		}
		if !strings.HasPrefix(first.String(), `{"type":"open"`) {
			t.Fatalf("head read %q", first.String())
		}
	})
}

// Quitting the debugger (q, or SIGTERM from outside) closes the connection
// with a close frame before the program exits, and the recording is
// finished, not left "unfinished".
func TestDebuggerQuitClosesTheConnection(t *testing.T) {
	for _, tc := range []struct {
		name string
		quit func(cmd *exec.Cmd, tty *os.File) error
		code int
	}{
		{"q", func(_ *exec.Cmd, tty *os.File) error { _, err := tty.Write([]byte("q")); return err }, 1000},
		{"SIGTERM", func(cmd *exec.Cmd, _ *os.File) error { return cmd.Process.Signal(syscall.SIGTERM) }, 1001},
		{"SIGHUP", func(cmd *exec.Cmd, _ *os.File) error { return cmd.Process.Signal(syscall.SIGHUP) }, 1001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peer := closeServer(t, false)
			dir := t.TempDir()
			cmd := exec.Command(wsdbgBinary(t), "--record", filepath.Join(dir, "s.wsdbg.jsonl"), peer.url)
			cmd.Env = append(os.Environ(), "TERM=xterm-256color")
			term := startInTerminal(t, cmd, 30, 120)
			scr := &term.scr
			scr.waitFor(t, "101")
			if err := tc.quit(cmd, term.tty); err != nil {
				t.Fatal(err)
			}
			select {
			case <-term.done:
			case <-time.After(3 * time.Second):
				t.Fatalf("wsdbg did not quit\n%s", scr.text())
			}
			if got := peer.closeCode(t); got != tc.code {
				t.Errorf("server saw close %d, want %d", got, tc.code)
			}
			if ending := sessionEnding(t, dir); strings.Contains(ending, "unfinished") || !strings.Contains(ending, fmt.Sprint(tc.code)) {
				t.Errorf("recording: %s", ending)
			}
		})
	}
}

// slowRecording is a recording whose second message comes a minute after
// the first, so that replaying it takes that long.
func slowRecording(t *testing.T, url string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "slow.wsdbg.jsonl")
	start := time.Now().Add(-time.Hour)
	rec, err := history.Create(file, history.Header{URL: url, Start: start}, history.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []history.Record{
		{Type: conn.EventOpen, Time: start, URL: url, Status: 101},
		{Type: conn.EventMessage, Time: start.Add(10 * time.Millisecond), Dir: conn.Out, Opcode: conn.OpText, Len: 5, Text: "first"},
		{Type: conn.EventMessage, Time: start.Add(time.Minute), Dir: conn.Out, Opcode: conn.OpText, Len: 6, Text: "second"},
	} {
		if err := rec.AppendRecord(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	return file
}

// replay --to --tail ends on a quit signal as tail does: a close frame
// (1001: the replay is going away unfinished) and at most a second's wait;
// a second signal does not wait.
func TestReplayToQuitSignal(t *testing.T) {
	bin := wsdbgBinary(t)
	start := func(t *testing.T, peer *closePeer) (*exec.Cmd, *screen, chan struct{}) {
		cmd := exec.Command(bin, "replay", slowRecording(t, peer.url), "--to", peer.url, "--tail", "--no-record")
		var out screen
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		t.Cleanup(func() { cmd.Process.Kill(); <-done })
		select {
		case <-peer.connected:
		case <-time.After(10 * time.Second):
			t.Fatalf("replay never connected: %s", out.text())
		}
		return cmd, &out, done
	}
	exitsWithin := func(t *testing.T, cmd *exec.Cmd, done chan struct{}, limit time.Duration) {
		t.Helper()
		began := time.Now()
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
			if took := time.Since(began); took > limit {
				t.Errorf("exited %v after the signal", took)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("replay still running after the signal")
		}
	}
	t.Run("one signal", func(t *testing.T) {
		peer := closeServer(t, false)
		cmd, out, done := start(t, peer)
		exitsWithin(t, cmd, done, 1500*time.Millisecond)
		if got := peer.closeCode(t); got != 1001 {
			t.Errorf("server saw close %d, want 1001", got)
		}
		if code := cmd.ProcessState.ExitCode(); code != exitFailure || !strings.Contains(out.text(), "interrupted") {
			t.Errorf("exit %d\n%s", code, out.text())
		}
	})
	t.Run("two signals", func(t *testing.T) {
		peer := closeServer(t, true)
		cmd, _, done := start(t, peer)
		if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond)
		exitsWithin(t, cmd, done, 300*time.Millisecond)
		if code := cmd.ProcessState.ExitCode(); code != 130 {
			t.Errorf("exit %d, want 130", code)
		}
	})
}
